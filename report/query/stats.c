// SPDX-License-Identifier: MIT
/*
 * Call statistics (stats.h). stats_compute: one scan of the selected calls
 * into statacc.c, which keeps them exact in bounded memory.
 * stats_sql_view: the same in one SQL statement, for the views.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "satmath.h"
#include "schema.h"
#include "statacc.h"
#include "stats.h"
#include "strtab.h"
#include "tables.h"
#include "errors.h"
#include "uktrace/vec.h"

const int stats_pct[STATS_NPCT] = { 50, 90, 99 };
const int stats_pct_col[STATS_NPCT] = { S_P50, S_P90, S_P99 };

/*
 * One window, ordered (keys, complete, duration_ns): incomplete calls come
 * first in each group, so a complete call's rank among complete calls is
 * rn - (cnt - n). With the index calls(func, complete, duration_ns) the
 * scan needs no sort.
 */
void stats_rank_sql(struct ukt_buf *out, const char *n, int pct, bool clickhouse)
{
	ukt_buf_addf(out, clickhouse ? "intDiv(%s * %d + 99, 100)" : "(%s * %d + 99) / 100",
		     n, pct);
}

void stats_sql_view(struct ukt_buf *out, const char *keys, const char *where)
{
	ukt_buf_addf(out,
		"SELECT %s,\n"
		"  SUM(complete) AS calls,\n"
		"  COUNT(*) - SUM(complete) AS incomplete,\n"
		"  SUM(CASE WHEN complete THEN CASE WHEN recursive THEN 0 ELSE duration_ns END END) AS total_ns,\n"
		"  SUM(CASE WHEN complete THEN self_ns END) AS self_ns,\n"
		"  MIN(CASE WHEN complete THEN duration_ns END) AS min_ns,\n"
		"  CAST(AVG(CASE WHEN complete THEN duration_ns END) AS INTEGER) AS avg_ns,\n",
		keys);
	for (int i = 0; i < STATS_NPCT; i++) {
		ukt_buf_adds(out, "  MAX(CASE WHEN complete AND rn - (cnt - n) = ");
		stats_rank_sql(out, "n", stats_pct[i], false);
		ukt_buf_addf(out, " THEN duration_ns END) AS p%d_ns,\n", stats_pct[i]);
	}
	ukt_buf_addf(out,
		"  MAX(CASE WHEN complete THEN duration_ns END) AS max_ns\n"
		"FROM (SELECT %s, complete, recursive, duration_ns, self_ns,\n"
		"        ROW_NUMBER() OVER w AS rn,\n"
		"        SUM(complete) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS n,\n"
		"        COUNT(*) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS cnt\n"
		"      FROM calls%s%s\n"
		"      WINDOW w AS (PARTITION BY %s ORDER BY complete, duration_ns))\n"
		"GROUP BY %s",
		keys, where && *where ? " WHERE " : "", where ? where : "",
		keys, keys);
}

void stats_sql_callers(struct ukt_buf *out, const char *where)
{
	ukt_buf_addf(out,
		"SELECT func, caller_symbol, caller_object,\n"
		"  COUNT(*) AS calls,\n"
		"  SUM(complete) AS complete_calls,\n"
		"  SUM(CASE WHEN complete THEN CASE WHEN recursive THEN 0 ELSE duration_ns END END) AS total_ns,\n"
		"  CAST(AVG(CASE WHEN complete THEN duration_ns END) AS INTEGER) AS avg_ns,\n"
		"  MIN(CASE WHEN complete THEN duration_ns END) AS min_ns,\n"
		"  MAX(CASE WHEN complete THEN duration_ns END) AS max_ns\n"
		"FROM calls%s%s\n"
		"GROUP BY func, caller_symbol, caller_object",
		where && *where ? " WHERE " : "", where ? where : "");
}

void stats_sql_chains(struct ukt_buf *out, const char *where, int depth)
{
	/* u: 1 for a user stack, whose frame 0 is the function itself; a
	 * stack that ends before depth frames without reaching a thread's
	 * start ends in ' <- ?' */
	ukt_buf_addf(out,
		"WITH c AS (SELECT id, complete, recursive, duration_ns FROM calls%s%s),\n"
		"k AS (SELECT c.*, (SELECT cs.stack_id FROM call_stacks cs WHERE cs.call_id = c.id\n"
		"  ORDER BY cs.kind = 'user' DESC LIMIT 1) AS stack_id FROM c),\n"
		"s AS (SELECT k.*, st.kind = 'user' AS u, st.complete AS whole, st.depth AS n\n"
		"  FROM k LEFT JOIN stacks st ON st.id = k.stack_id),\n"
		"ch AS (SELECT s.*, (SELECT group_concat(symbol, ' <- ') FROM (SELECT f.symbol\n"
		"  FROM stack_frames f WHERE f.stack_id = s.stack_id\n"
		"  AND f.depth >= s.u AND f.depth < s.u + %d ORDER BY f.depth))\n"
		"  || CASE WHEN NOT s.whole AND s.n - s.u < %d THEN ' <- ?' ELSE '' END AS chain,\n"
		"  (SELECT f.object FROM stack_frames f WHERE f.stack_id = s.stack_id\n"
		"  AND f.depth = s.u) AS object FROM s)\n"
		"SELECT chain, object,\n"
		"  COUNT(*) AS calls,\n"
		"  SUM(complete) AS complete_calls,\n"
		"  SUM(CASE WHEN complete THEN CASE WHEN recursive THEN 0 ELSE duration_ns END END) AS total_ns,\n"
		"  CAST(AVG(CASE WHEN complete THEN duration_ns END) AS INTEGER) AS avg_ns,\n"
		"  MIN(CASE WHEN complete THEN duration_ns END) AS min_ns,\n"
		"  MAX(CASE WHEN complete THEN duration_ns END) AS max_ns\n"
		"FROM ch GROUP BY chain, object",
		where && *where ? " WHERE " : "", where ? where : "", depth, depth);
}

void filter_add(struct sql_filter *f, const char *cond)
{
	ukt_buf_addf(&f->where, "%s%s", f->where.len ? " AND " : "", cond);
}

void filter_int(struct sql_filter *f, const char *cond, int64_t v)
{
	filter_add(f, cond);
	filter_more_int(f, v);
}

void filter_more_int(struct sql_filter *f, int64_t v)
{
	if (f->nbind == 8)
		return;
	f->bind[f->nbind].is_text = false;
	f->bind[f->nbind++].i = v;
}

void filter_text(struct sql_filter *f, const char *cond, const char *v)
{
	filter_add(f, cond);
	filter_more_text(f, v);
}

void filter_more_text(struct sql_filter *f, const char *v)
{
	if (f->nbind == 8)
		return;
	f->bind[f->nbind].is_text = true;
	f->bind[f->nbind++].s = v;
}

void filter_bind(struct db_stmt *s, const struct sql_filter *f, int first)
{
	for (int i = 0; f && i < f->nbind; i++) {
		if (f->bind[i].is_text)
			db_bind_text(s, first + i, f->bind[i].s, -1);
		else
			db_bind_int(s, first + i, f->bind[i].i);
	}
}

void filter_release(struct sql_filter *f)
{
	ukt_buf_release(&f->where);
	f->nbind = 0;
}

void stats_free(struct stats_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].k1);
		free(rows[i].k2);
	}
	free(rows);
}

int stats_sort_parse(const char *key, struct stats_sort *s)
{
	static const struct stats_sort sorts[] = {
		{ "total", S_TOTAL }, { "calls", S_CALLS }, { "avg", S_AVG },
		{ "max", S_MAX }, { "p99", S_P99 }, { "p50", S_P50 },
		{ "self", S_SELF }, { "min", S_MIN }, { "p90", S_P90 },
		{ "incomplete", S_INCOMPLETE }, { "name", -1 }, { "function", -1 },
	};

	for (size_t i = 0; i < sizeof(sorts) / sizeof(sorts[0]); i++) {
		if (!strcmp(key ? key : "total", sorts[i].key)) {
			*s = sorts[i];
			return 0;
		}
	}
	return -EINVAL;
}

static int sort_cmp(const void *a, const void *b, void *arg)
{
	const struct stats_row *x = a, *y = b;
	int col = ((const struct stats_sort *)arg)->col;

	if (col < 0)
		return strcmp(x->k1, y->k1);
	if (x->null[col] != y->null[col])
		return x->null[col] ? 1 : -1;
	if (x->v[col] != y->v[col])
		return x->v[col] > y->v[col] ? -1 : 1;
	return strcmp(x->k1, y->k1);
}

void stats_sort_rows(struct stats_row *rows, size_t n, const struct stats_sort *s)
{
	if (n > 1)
		qsort_r(rows, n, sizeof(*rows), sort_cmp, (void *)s);
}

int stats_add_uncalled_names(struct stats_row **rows, size_t *n, const char *const *names,
			     size_t nnames)
{
	struct strtab seen = { 0 };	/* the rows' functions, hashed */
	int rc = 0;

	for (size_t i = 0; i < *n && !rc; i++)
		rc = strtab_intern(&seen, (*rows)[i].k1) < 0 ? -ENOMEM : 0;
	for (size_t i = 0; i < nnames && !rc; i++) {
		const char *func = names[i];
		struct stats_row *r;

		if (!func || strtab_find(&seen, func) >= 0)
			continue;
		if (strtab_intern(&seen, func) < 0 || ukt_grow_counted(rows, *n, sizeof(**rows))) {
			rc = -ENOMEM;
			break;
		}
		r = &(*rows)[(*n)++];
		memset(r, 0, sizeof(*r));
		for (int k = 0; k < S_NCOLS; k++)
			r->null[k] = k != S_CALLS && k != S_INCOMPLETE;
		r->k1 = strdup(func);
		if (!r->k1) {
			(*n)--;
			rc = -ENOMEM;
			break;
		}
	}
	strtab_release(&seen);
	return rc;
}

int stats_add_uncalled(struct db *d, struct stats_row **rows, size_t *n)
{
	struct db_stmt *s = db_prepare(d, "SELECT DISTINCT func FROM probes WHERE func IS NOT NULL", NULL);
	char **names = NULL;
	size_t nnames = 0;
	int rc = 0;

	while (!rc && s && db_step(s, NULL) == 1) {
		const char *func = db_column_text(s, 0);

		if (!func)
			continue;
		if (ukt_grow_counted(&names, nnames, sizeof(*names)) ||
		    !(names[nnames] = strdup(func)))
			rc = -ENOMEM;
		else
			nnames++;
	}
	db_finalize(s);
	if (!rc)
		rc = stats_add_uncalled_names(rows, n, (const char *const *)names, nnames);
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	return rc;
}

static int row_cmp(const void *a, const void *b)
{
	const struct stats_row *x = a, *y = b;
	int c = strcmp(x->k1, y->k1);

	if (c)
		return c;
	if (x->k2_null != y->k2_null)
		return x->k2_null ? -1 : 1;
	if (x->k2_is_int && y->k2_is_int)
		return (x->k2i > y->k2i) - (x->k2i < y->k2i);
	return strcmp(x->k2 ? x->k2 : "", y->k2 ? y->k2 : "");
}

void stats_sort_by_keys(struct stats_row *rows, size_t n)
{
	if (n > 1)
		qsort(rows, n, sizeof(*rows), row_cmp);
}

#define FIRST_TS "COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'first_ts'), 0)"

void stats_filter_view(const struct call_select *sel, struct sql_filter *f)
{
	if (sel->func)
		filter_text(f, "func = ?", sel->func);
	if (sel->pid) {
		filter_int(f, "(pid = ? OR tid = ?)", sel->pid);
		filter_more_int(f, sel->pid);
	}
	if (sel->comm)
		filter_text(f, "comm GLOB ?", sel->comm);
	/* COALESCE(entry_ts, return_ts) is call_data.ts from first_ts: a
	 * scan of call_data, not of the view's joins (2.5x faster) */
	if (sel->has_since && sel->has_until) {
		filter_int(f, "id IN (SELECT id FROM call_data WHERE ts BETWEEN ? - " FIRST_TS
			   " AND ? - " FIRST_TS ")", sel->since);
		filter_more_int(f, sel->until);
	} else if (sel->has_since) {
		filter_int(f, "id IN (SELECT id FROM call_data WHERE ts >= ? - " FIRST_TS ")", sel->since);
	} else if (sel->has_until) {
		filter_int(f, "id IN (SELECT id FROM call_data WHERE ts <= ? - " FIRST_TS ")", sel->until);
	}
}

/* sel's function and times on call_data c, relative to base (what the
 * view computes per row, computed once here); threads are tids_of's. */
static void filter_base(const struct call_select *sel, int64_t base,
			struct sql_filter *f)
{
	if (sel->func)
		filter_text(f, "c.func = (SELECT id FROM funcs WHERE name = ?)", sel->func);
	if (sel->has_since)
		filter_int(f, "c.ts >= ?", sat_sub(sel->since, base));
	if (sel->has_until)
		filter_int(f, "c.ts <= ?", sat_sub(sel->until, base));
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/*
 * The threads sel's process or name selects, sorted, into *tids (NULL
 * when it selects by neither): looked up once, so that the scan tests a
 * thread id, not a subquery, per call.
 */
static int tids_of(struct db *d, const struct call_select *sel, int **tids,
		   size_t *n, struct ukt_buf *err)
{
	struct sql_filter f = { UKT_BUF_INIT, 0, { { 0 } } };
	struct ukt_buf sql = UKT_BUF_INIT;
	struct db_stmt *s;
	size_t cap = 0;
	int rc;

	*tids = NULL;
	*n = 0;
	if (!sel->pid && !sel->comm)
		return 0;
	if (sel->pid) {
		filter_int(&f, "(pid = ? OR tid = ?)", sel->pid);
		filter_more_int(&f, sel->pid);
	}
	if (sel->comm) {
		/* by any name it had: the call's own is tested per call */
		filter_text(&f, "(comm GLOB ? OR tid IN (SELECT tid FROM thread_comms"
			    " WHERE comm GLOB ?))", sel->comm);
		filter_more_text(&f, sel->comm);
	}
	ukt_buf_addf(&sql, "SELECT tid FROM threads WHERE %s", f.where.data);
	s = db_prepare_buf(d, &sql, err);
	rc = s ? 0 : -REP_E_SQL;
	filter_bind(s, &f, 1);
	/* one element even when none matches: NULL means "every thread" */
	*tids = malloc(sizeof(**tids));
	if (!*tids)
		rc = -ENOMEM;
	cap = 1;
	while (!rc && (rc = db_step(s, err)) == 1) {
		if (*n == cap) {
			void *p = reallocarray(*tids, cap * 2, sizeof(**tids));

			if (!p) {
				rc = -ENOMEM;
				break;
			}
			*tids = p;
			cap *= 2;
		}
		(*tids)[(*n)++] = (int)db_column_int(s, 0);
		rc = 0;
	}
	/* a thread the trace only saw in events has no row: --pid TID */
	if (rc >= 0 && sel->pid && !sel->comm) {
		bool have = false;

		for (size_t i = 0; i < *n && !have; i++)
			have = (*tids)[i] == sel->pid;
		if (!have && *n < cap)
			(*tids)[(*n)++] = sel->pid;
		else if (!have) {
			void *p = reallocarray(*tids, cap + 1, sizeof(**tids));

			if (!p)
				rc = -ENOMEM;
			else {
				*tids = p;
				(*tids)[(*n)++] = sel->pid;
			}
		}
	}
	if (rc >= 0 && *n > 1)
		qsort(*tids, *n, sizeof(**tids), cmp_int);
	if (rc >= 0) {
		int64_t all = -1;

		/* every thread of the trace: no filter at all */
		db_query_int(d, "SELECT COUNT(*) FROM threads", &all);
		if ((int64_t)*n >= all && !(sel->pid && !sel->comm)) {
			free(*tids);
			*tids = NULL;
			*n = 0;
		}
	}
	db_finalize(s);
	filter_release(&f);
	ukt_buf_release(&sql);
	return rc < 0 ? rc : 0;
}

/* A new row for group gi (rows has n of them, gi == n). */
static struct stats_row *new_row(struct stats_row **rows, size_t *n)
{
	if (ukt_grow_counted(rows, *n, sizeof(**rows)))
		return NULL;
	memset(&(*rows)[*n], 0, sizeof(**rows));
	return &(*rows)[(*n)++];
}

/* The names of the functions, by id. */
static int func_names(struct db *d, char ***names, size_t *n, struct ukt_buf *err)
{
	struct db_stmt *s = db_prepare(d, "SELECT id, name FROM funcs", err);
	size_t cap = 0;
	int rc;

	*names = NULL;
	*n = 0;
	if (!s)
		return -REP_E_SQL;
	while ((rc = db_step(s, err)) == 1) {
		int64_t id = db_column_int(s, 0);

		if (id < 0 || id > 1 << 24)
			continue;
		if ((size_t)id >= *n) {
			if (ukt_grow(names, &cap, (size_t)id, sizeof(**names))) {
				rc = -ENOMEM;
				break;
			}
			memset(*names + *n, 0, ((size_t)id + 1 - *n) * sizeof(**names));
			*n = (size_t)id + 1;
		}
		free((*names)[id]);
		(*names)[id] = strdup(db_column_text(s, 1) ? db_column_text(s, 1) : "");
		if (!(*names)[id]) {
			rc = -ENOMEM;
			break;
		}
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

/*
 * One scan of the selected calls into a statacc per group, and, when the
 * durations did not fit in memory, a second scan of the complete ones for
 * the exact percentiles. By function, the group is the function's id (no
 * per-row lookup); by process or name, a key of function and that.
 */
int stats_compute(struct db *d, enum stats_by by, const struct call_select *sel,
		  struct stats_row **out, size_t *nout, struct ukt_buf *err)
{
	struct ukt_buf sql = UKT_BUF_INIT, key = UKT_BUF_INIT, k2sql = UKT_BUF_INIT;
	char ts[48];
	int64_t renamed = 0;
	bool join;
	struct sql_filter f = { UKT_BUF_INIT, 0, { { 0 } } };
	struct strtab g = { 0 };	/* the groups: "k1\x1fk2", or "k1\x1e" for a NULL k2 */
	struct statacc *acc = statacc_new(STATS_MAX_VALUES);
	struct stats_row *rows = NULL;
	struct db_stmt *s = NULL;
	char **names = NULL;
	int *tids = NULL;
	size_t n = 0, nnames = 0, ntids = 0;
	long *row_of = NULL;	/* by function: group -> row */
	int64_t base = 0;
	int rc;

	*out = NULL;
	*nout = 0;
	if (!acc)
		return -ENOMEM;
	base = tables_first_ts(d);	/* call_data's times are from it */
	rc = func_names(d, &names, &nnames, err);
	if (!rc)
		rc = tids_of(d, sel, &tids, &ntids, err);
	if (rc)
		goto out;
	filter_base(sel, base, &f);
	/* a call's thread name is the one it had then (thread_comms) */
	snprintf(ts, sizeof(ts), "c.ts + %" PRId64, base);
	db_query_int(d, "SELECT COUNT(*) FROM thread_comms", &renamed);
	if (sel->comm && renamed) {
		ukt_buf_reset(&k2sql);
		schema_comm_at(&k2sql, "c.tid", ts);
		ukt_buf_adds(&k2sql, " GLOB ?");
		filter_text(&f, k2sql.data, sel->comm);
	}
	ukt_buf_reset(&k2sql);
	if (by == STATS_BY_PID)
		ukt_buf_adds(&k2sql, "t.pid");
	else if (by == STATS_BY_COMM)
		schema_comm_at(&k2sql, "c.tid", ts);
	else if (by == STATS_BY_TID)
		ukt_buf_adds(&k2sql, "c.tid");
	else
		ukt_buf_adds(&k2sql, "NULL");
	join = by == STATS_BY_PID || by == STATS_BY_COMM || (sel->comm && renamed);
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1 && !statacc_need_rescan(acc))
			break;
		ukt_buf_reset(&sql);
		ukt_buf_addf(&sql, "SELECT c.func, %s, c.flags, c.dur, c.self, c.tid"
			     " FROM call_data c%s WHERE %s%s%s", k2sql.data,
			     join ? " LEFT JOIN threads t ON t.tid = c.tid" : "",
			     pass ? "c.flags & " CF_STATUS_SQL " = 0" : "1",
			     f.where.len ? " AND " : "", f.where.data);
		if (tids && ntids <= 64) {
			/* few threads: SQLite skips the others reading one column */
			ukt_buf_adds(&sql, " AND c.tid IN (");
			for (size_t i = 0; i < ntids; i++)
				ukt_buf_addf(&sql, "%s%d", i ? "," : "", tids[i]);
			ukt_buf_adds(&sql, ntids ? ")" : "NULL)");
		}
		db_finalize(s);
		s = db_prepare_buf(d, &sql, err);
		if (!s) {
			rc = -REP_E_SQL;
			goto out;
		}
		filter_bind(s, &f, 1);
		while ((rc = db_step(s, err)) == 1) {
			int64_t func = db_column_int(s, 0), dur, self = 0;
			int64_t flags = db_column_int(s, 2);
			bool complete = (flags & CF_STATUS) == 0;
			long gi;

			if (tids && ntids > 64) {
				int tid = (int)db_column_int(s, 5);

				if (!bsearch(&tid, tids, ntids, sizeof(*tids), cmp_int))
					continue;
			}
			if (by == STATS_BY_FUNC) {
				gi = func >= 0 && (size_t)func < nnames ? (long)func : -1;
				if (gi < 0)
					continue;
			} else {
				const char *k2 = db_column_text(s, 1);

				ukt_buf_reset(&key);
				ukt_buf_addf(&key, "%" PRId64 "%s%s", func, k2 ? "\x1f" : "\x1e",
					     k2 ? k2 : "");
				gi = strtab_intern(&g, key.data);
				if (gi < 0) {
					rc = (int)gi;
					goto out;
				}
				if ((size_t)gi == n) {
					struct stats_row *r = new_row(&rows, &n);

					if (!r) {
						rc = -ENOMEM;
						goto out;
					}
					r->k1 = strdup(func >= 0 && (size_t)func < nnames && names[func] ?
						       names[func] : "");
					r->k2_null = db_column_type(s, 1) == DB_NULL;
					r->k2_is_int = db_column_type(s, 1) == DB_INT;
					r->k2i = db_column_int(s, 1);
					r->k2 = strdup(k2 ? k2 : "");
					if (!r->k1 || !r->k2) {
						rc = -ENOMEM;
						goto out;
					}
				}
			}
			if (!complete && !pass) {
				rc = statacc_add(acc, (size_t)gi, false, 0, 0);
				if (rc)
					goto out;
				continue;
			}
			dur = db_column_int(s, 3);
			/* self NULL: the same as the duration (schema.c) */
			if (!pass)
				self = db_column_type(s, 4) == DB_NULL ? dur : db_column_int(s, 4);
			if (pass)
				rc = statacc_rescan(acc, (size_t)gi, dur);
			else
				rc = statacc_add_call(acc, (size_t)gi, complete,
						      flags & CF_RECURSIVE, dur, self);
			if (rc)
				goto out;
		}
		if (rc < 0)
			goto out;
	}
	if (by == STATS_BY_FUNC) {
		/* the functions with calls selected, one row each */
		row_of = calloc(nnames + 1, sizeof(*row_of));
		if (!row_of) {
			rc = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < statacc_groups(acc) && i < nnames; i++) {
			int64_t v[S_NCOLS];
			bool null[S_NCOLS];
			struct stats_row *r;

			if (statacc_result(acc, i, v, null) || (!v[S_CALLS] && !v[S_INCOMPLETE]))
				continue;
			r = new_row(&rows, &n);
			if (!r || !(r->k1 = strdup(names[i] ? names[i] : ""))) {
				rc = -ENOMEM;
				goto out;
			}
			row_of[i] = (long)n;
		}
	}
	for (size_t i = 0; i < statacc_groups(acc); i++) {
		long ri = by == STATS_BY_FUNC ? (i < nnames ? row_of[i] - 1 : -1) : (long)i;

		if (ri < 0)
			continue;
		rc = statacc_result(acc, i, rows[ri].v, rows[ri].null);
		if (rc)
			goto out;
	}
	stats_sort_by_keys(rows, n);
	rc = 0;
out:
	db_finalize(s);
	statacc_free(acc);
	strtab_release(&g);
	filter_release(&f);
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	free(tids);
	free(row_of);
	ukt_buf_release(&sql);
	ukt_buf_release(&key);
	ukt_buf_release(&k2sql);
	if (rc < 0) {
		stats_free(rows, n);
		rows = NULL;
		n = 0;
	}
	*out = rows;
	*nout = n;
	return rc;
}
