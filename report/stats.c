// SPDX-License-Identifier: MIT
/*
 * Call statistics (stats.h). stats_compute: aggregates by GROUP BY, then
 * exact percentiles from one scan of complete calls ordered by (keys,
 * duration), which the index calls(func, complete, duration_ns) delivers
 * unsorted. stats_sql_view: the same in one SQL statement for the views.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "stats.h"
#include "errors.h"

const int stats_pct[STATS_NPCT] = { 50, 90, 99 };
const int stats_pct_col[STATS_NPCT] = { S_P50, S_P90, S_P99 };

/*
 * One window, ordered (keys, complete, duration_ns): incomplete calls come
 * first in each group, so a complete call's rank among complete calls is
 * rn - (cnt - n). With the index calls(func, complete, duration_ns) the
 * scan needs no sort.
 */
void stats_sql_view(struct ukt_buf *out, const char *keys, const char *where)
{
	ukt_buf_addf(out,
		"SELECT %s,\n"
		"  SUM(complete) AS calls,\n"
		"  COUNT(*) - SUM(complete) AS incomplete,\n"
		"  SUM(CASE WHEN complete THEN duration_ns END) AS total_ns,\n"
		"  SUM(CASE WHEN complete THEN self_ns END) AS self_ns,\n"
		"  MIN(CASE WHEN complete THEN duration_ns END) AS min_ns,\n"
		"  CAST(AVG(CASE WHEN complete THEN duration_ns END) AS INTEGER) AS avg_ns,\n",
		keys);
	for (int i = 0; i < STATS_NPCT; i++)
		/* stats_rank(n, pct) */
		ukt_buf_addf(out,
			"  MAX(CASE WHEN complete AND rn - (cnt - n) = (n * %d + 99) / 100 THEN duration_ns END) AS p%d_ns,\n",
			stats_pct[i], stats_pct[i]);
	ukt_buf_addf(out,
		"  MAX(CASE WHEN complete THEN duration_ns END) AS max_ns\n"
		"FROM (SELECT %s, complete, duration_ns, self_ns,\n"
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
		"  SUM(CASE WHEN complete THEN duration_ns END) AS total_ns,\n"
		"  CAST(AVG(CASE WHEN complete THEN duration_ns END) AS INTEGER) AS avg_ns,\n"
		"  MIN(CASE WHEN complete THEN duration_ns END) AS min_ns,\n"
		"  MAX(CASE WHEN complete THEN duration_ns END) AS max_ns\n"
		"FROM calls%s%s\n"
		"GROUP BY func, caller_symbol, caller_object",
		where && *where ? " WHERE " : "", where ? where : "");
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

static bool same_key(struct db_stmt *s, const struct stats_row *r, int kcols)
{
	const char *k1 = db_column_text(s, 0);

	if (!k1 || strcmp(k1, r->k1))
		return false;
	if (kcols == 1)
		return true;
	if (db_column_type(s, 1) == DB_NULL)
		return r->k2_null;
	return !r->k2_null && db_column_text(s, 1) && !strcmp(db_column_text(s, 1), r->k2);
}

int stats_compute(struct db *d, const char *keys, int kcols,
		  const struct sql_filter *f, struct stats_row **out,
		  size_t *nout, struct ukt_buf *err)
{
	static const int agg[] = { S_CALLS, S_INCOMPLETE, S_TOTAL, S_SELF, S_MIN, S_AVG, S_MAX };
	struct ukt_buf sql = UKT_BUF_INIT;
	bool has_where = f && f->where.len;
	struct stats_row *rows = NULL;
	struct db_stmt *s = NULL;
	size_t n = 0, cap = 0, g = 0;
	int64_t rank = 0;
	int rc;

	ukt_buf_addf(&sql, "SELECT %s, SUM(complete), COUNT(*) - SUM(complete),"
			   " SUM(CASE WHEN complete THEN duration_ns END),"
			   " SUM(CASE WHEN complete THEN self_ns END),"
			   " MIN(CASE WHEN complete THEN duration_ns END),"
			   " CAST(AVG(CASE WHEN complete THEN duration_ns END) AS INTEGER),"
			   " MAX(CASE WHEN complete THEN duration_ns END)"
			   " FROM calls%s%s GROUP BY %s ORDER BY %s",
		     keys, has_where ? " WHERE " : "", has_where ? f->where.data : "",
		     keys, keys);
	s = db_prepare(d, sql.data, err);
	if (!s) {
		rc = -REP_E_SQL;
		goto out;
	}
	filter_bind(s, f, 1);
	while ((rc = db_step(s, err)) == 1) {
		struct stats_row *r;

		if (n == cap) {
			void *p;

			cap = cap ? cap * 2 : 32;
			p = reallocarray(rows, cap, sizeof(*rows));
			if (!p) {
				rc = -ENOMEM;
				goto out;
			}
			rows = p;
		}
		r = &rows[n++];
		memset(r, 0, sizeof(*r));
		r->k1 = strdup(db_column_text(s, 0) ? db_column_text(s, 0) : "");
		if (kcols == 2) {
			r->k2_null = db_column_type(s, 1) == DB_NULL;
			r->k2_is_int = db_column_type(s, 1) == DB_INT;
			r->k2i = db_column_int(s, 1);
			r->k2 = strdup(r->k2_null ? "" : db_column_text(s, 1));
		}
		if (!r->k1 || (kcols == 2 && !r->k2)) {
			rc = -ENOMEM;
			goto out;
		}
		for (int i = 0; i < 7; i++) {
			r->null[agg[i]] = db_column_type(s, kcols + i) == DB_NULL;
			r->v[agg[i]] = db_column_int(s, kcols + i);
		}
		r->null[S_P50] = r->null[S_P90] = r->null[S_P99] = true;
	}
	if (rc < 0)
		goto out;
	db_finalize(s);
	ukt_buf_reset(&sql);
	ukt_buf_addf(&sql, "SELECT %s, duration_ns FROM calls WHERE %s%scomplete = 1"
			   " ORDER BY %s, complete, duration_ns",
		     keys, has_where ? f->where.data : "", has_where ? " AND " : "", keys);
	s = db_prepare(d, sql.data, err);
	if (!s) {
		rc = -REP_E_SQL;
		goto out;
	}
	filter_bind(s, f, 1);
	while ((rc = db_step(s, err)) == 1) {
		int64_t v = db_column_int(s, kcols), cnt;

		if (g < n && !same_key(s, &rows[g], kcols)) {
			while (g < n && !same_key(s, &rows[g], kcols))
				g++;
			rank = 0;
		}
		if (g == n)
			break;	/* both scans see the same groups; never here */
		rank++;
		cnt = rows[g].v[S_CALLS];
		for (int i = 0; i < STATS_NPCT; i++) {
			if (rank == stats_rank(cnt, stats_pct[i])) {
				rows[g].v[stats_pct_col[i]] = v;
				rows[g].null[stats_pct_col[i]] = false;
			}
		}
	}
	if (rc > 0)
		rc = 0;
out:
	db_finalize(s);
	ukt_buf_release(&sql);
	if (rc < 0) {
		stats_free(rows, n);
		rows = NULL;
		n = 0;
	}
	*out = rows;
	*nout = n;
	return rc;
}
