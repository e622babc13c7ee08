// SPDX-License-Identifier: MIT
/*
 * The import: the SQLite sink of the ingest loop (ingest.h), in one
 * transaction. The loop's calls become rows of call_data; an event the
 * call row reproduces exactly is folded into it, every other event is a
 * row of event_data (schema.h); the statistics of call_summary are
 * computed on the way (statacc.h). The metadata tables come from
 * tables.c. Everything from the file is data: values are bound, never
 * spliced into SQL.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "uktrace/clock.h"
#include "batch.h"
#include "cleanup.h"
#include "db.h"
#include "durlog.h"
#include "errors.h"
#include "import.h"
#include "ingest.h"
#include "rowq.h"
#include "schema.h"
#include "statacc.h"
#include "stats.h"
#include "tables.h"

/* call_data's columns, in batch order */
enum { CD_ID, CD_FUNC, CD_TID, CD_FLAGS, CD_DUR, CD_SELF, CD_TS, CD_DEPTH,
       CD_PARENT, CD_SITE, CD_RET, CD_EV, CD_EVD, CD_CPU, CD_RCPU, CD_IP, CD_SP,
       CD_ARGS, CD_NCOLS };
static const char call_cols[] = "id, func, tid, flags, dur, self, ts, depth, parent,"
	" site, ret, ev, evd, cpu, rcpu, ip, sp, args";

/* Durations the import keeps in memory for exact percentiles (16 MiB);
 * past them it reads them again from its durlog, so its memory stays
 * flat. */
#define IMPORT_MAX_VALUES (2u << 20)

/* The tables the decoding thread sends rows of (rowq.h). */
enum { T_EVENTS, T_CALLS, T_LOST, T_NTABLES };
#define LOST_NCOLS 5

/* A function's address in a process: the first one seen is in func_ips,
 * and a call row holds its entry's only when it differs. */
struct ip_map {
	struct { uint64_t key, ip; bool used; } *v;
	size_t n, cap;
};

struct importer {
	struct ingest in;	/* the loop, and what it knows of the trace */
	struct db *db;
	struct statacc *acc;	/* per function, for call_summary */
	struct durlog *durs;	/* the complete calls' durations, for a second
				 * pass; NULL: that pass reads call_data */
	struct ip_map ips;
	struct rowq *q;		/* rows to the writer (this thread) */
	struct batch tables[T_NTABLES];
	int64_t base;		/* call_data.ts counts from it */
	int *probe_lay;		/* probe id -> layout index */
	int max_probe_id;
	struct ukt_buf *err;
};

static void profile(const char *what, double start)
{
	if (getenv("UKT_PROFILE"))
		fprintf(stderr, "profile: %s at %.2f s\n", what, ukt_now_s() - start);
}

/* With UKT_PROFILE: the CPU time of the calling thread so far. */
static void thread_cpu(const char *who)
{
	struct timespec ts;

	if (getenv("UKT_PROFILE") && clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
		fprintf(stderr, "profile: %s used %.2f s of CPU\n", who,
			(double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static uint64_t ip_key(int func, int pid)
{
	return (uint64_t)(uint32_t)func << 32 | (uint32_t)pid;
}

/* The slot of key in m (used or the empty one where it goes). */
static size_t ip_slot(const struct ip_map *m, uint64_t key)
{
	size_t i = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 17) & (m->cap - 1);

	while (m->v[i].used && m->v[i].key != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* 1 when func's address in pid is ip (NULL in the row), 0 when the row
 * must hold it, negative on ENOMEM. */
static int ip_known(struct ip_map *m, int func, int pid, uint64_t ip)
{
	uint64_t key = ip_key(func, pid);
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		struct ip_map g = { .cap = m->cap ? m->cap * 2 : 64 };

		g.v = calloc(g.cap, sizeof(*g.v));
		if (!g.v)
			return -ENOMEM;
		for (size_t k = 0; k < m->cap; k++)
			if (m->v[k].used)
				g.v[ip_slot(&g, m->v[k].key)] = m->v[k];
		g.n = m->n;
		free(m->v);
		*m = g;
	}
	i = ip_slot(m, key);
	if (!m->v[i].used) {
		m->v[i].used = true;
		m->v[i].key = key;
		m->v[i].ip = ip;
		m->n++;
		return 1;
	}
	return m->v[i].ip == ip;
}

static int insert_ips(struct importer *im)
{
	struct db_stmt *s = db_prepare(im->db, "INSERT INTO func_ips VALUES(?,?,?)", im->err);
	int rc = 0;

	if (!s)
		return -REP_E_SQL;
	for (size_t i = 0; i < im->ips.cap && rc >= 0; i++) {
		if (!im->ips.v[i].used)
			continue;
		db_bind_int(s, 1, (int64_t)(im->ips.v[i].key >> 32));
		db_bind_int(s, 2, (int32_t)(uint32_t)im->ips.v[i].key);
		db_bind_int(s, 3, (int64_t)im->ips.v[i].ip);
		rc = db_step(s, im->err);
		db_reset(s);
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

/* The common columns of an event_data row. */
static void event_head(struct rowq *q, int64_t id, uint64_t ts, int cpu, int tid,
		       int probe_id)
{
	rowq_row(q, T_EVENTS);
	rowq_int(q, T_EVENTS, ED_ID, id);
	rowq_int(q, T_EVENTS, ED_TS, (int64_t)ts);
	rowq_int(q, T_EVENTS, ED_CPU, cpu);
	rowq_int(q, T_EVENTS, ED_TID, tid);
	rowq_int(q, T_EVENTS, ED_PROBE_ID, probe_id);
}

/* An event as a row of event_data, with every field it has. */
static int store_event(struct importer *im, const struct dec_event *ev, int64_t id,
		       int probe_id)
{
	struct rowq *s = im->q;
	int n = ev->lay->nargs < im->in.plan.maxargs ? ev->lay->nargs : im->in.plan.maxargs;
	int64_t v;

	event_head(s, id, ev->ts, ev->cpu, ev->tid, probe_id);
	if (ev->lay->ip >= 0 && dec_int(ev, &ev->lay->fields[ev->lay->ip], &v) == 0)
		rowq_int(s, T_EVENTS, ED_IP, v);
	if (ev->lay->ret_ip >= 0 && dec_int(ev, &ev->lay->fields[ev->lay->ret_ip], &v) == 0)
		rowq_int(s, T_EVENTS, ED_RET_IP, v);
	for (int k = 0; k < n; k++) {
		const struct field_layout *f = &ev->lay->args[k];
		const char *str;
		int len;

		if (f->kind == FK_INT) {
			if (dec_int(ev, f, &v) == 0)
				rowq_int(s, T_EVENTS, ED_ARG0 + k, v);
		} else if (dec_string(ev, f, &str, &len) == 0) {
			if (f->kind == FK_STRING)
				rowq_text(s, T_EVENTS, ED_ARG0 + k, str, len);
			else
				rowq_blob(s, T_EVENTS, ED_ARG0 + k, str, len);
		}
	}
	return rowq_end_row(s, T_EVENTS);
}

/*
 * An event of a call that was meant to fold but did not (its call has no
 * other half, or a value differs from what the row holds): a row of
 * event_data from the values it came with. Every argument of such an
 * event has a fold source (plan_fold), so nothing is missing.
 */
static int store_side(struct importer *im, const struct call_row *r, bool ret)
{
	const struct call_side *sd = ret ? &r->out : &r->in;
	int probe = ret ? r->return_probe : r->entry_probe;
	int li_i = probe > 0 && probe <= im->max_probe_id ? im->probe_lay[probe] : -1;
	const struct event_layout *l;
	const struct lay_info *li;
	struct rowq *s = im->q;
	int n;

	if (li_i < 0)
		return 0;
	l = &im->in.plan.lays[li_i];
	li = &im->in.plan.li[li_i];
	n = l->nargs < im->in.plan.maxargs ? l->nargs : im->in.plan.maxargs;
	event_head(s, ret ? r->return_event_id : r->entry_event_id,
		   ret ? r->return_ts : r->entry_ts, ret ? r->return_cpu : r->entry_cpu,
		   r->tid, probe);
	if (sd->has_ip)
		rowq_int(s, T_EVENTS, ED_IP, (int64_t)sd->ip);
	if (ret && sd->has_caller && l->ret_ip >= 0)
		rowq_int(s, T_EVENTS, ED_RET_IP, (int64_t)sd->caller);
	for (int k = 0; k < n; k++) {
		switch (li->fold_src[k]) {
		case FOLD_CALLER:
			if (sd->has_caller)
				rowq_int(s, T_EVENTS, ED_ARG0 + k, (int64_t)sd->caller);
			break;
		case FOLD_SP:
			if (sd->has_sp)
				rowq_int(s, T_EVENTS, ED_ARG0 + k, (int64_t)sd->sp);
			break;
		case FOLD_RET:
			if (r->has_ret)
				rowq_int(s, T_EVENTS, ED_ARG0 + k, r->ret);
			break;
		case FOLD_CONST:
			if (li->fold_set[k])
				rowq_int(s, T_EVENTS, ED_ARG0 + k, li->fold_val[k]);
			break;
		}
	}
	return rowq_end_row(s, T_EVENTS);
}

/* Whether the call row reproduces its entry (in) or return (out) event. */
static bool folds(const struct importer *im, const struct call_row *r, bool ret)
{
	const struct call_side *sd = ret ? &r->out : &r->in;

	if (!r->has_entry || !r->has_return || sd->stored)
		return false;
	if (!ret)
		return !sd->has_caller || sd->caller == r->caller;
	if (r->out.has_ip != r->in.has_ip || (r->out.has_ip && r->out.ip != r->in.ip))
		return false;
	if (r->out.has_sp && (!r->in.has_sp || !im->in.plan.has_sp_delta ||
			      r->out.sp != r->in.sp + (uint64_t)im->in.plan.sp_delta))
		return false;
	return true;
}

static int sql_call(void *ctx, const struct call_row *r, int64_t site)
{
	struct importer *im = ctx;
	struct rowq *s = im->q;
	bool both = r->has_entry && r->has_return;
	bool fold_in = folds(im, r, false), fold_out = folds(im, r, true);
	int flags = (int)r->status | (r->has_entry ? CF_HAS_ENTRY : 0) |
		    (r->has_return ? CF_HAS_RETURN : 0) |
		    (fold_in ? CF_ENTRY_FOLDED : 0) | (fold_out ? CF_RETURN_FOLDED : 0) |
		    (r->recursive ? CF_RECURSIVE : 0);
	int rc = 0;

	if (r->has_entry && !fold_in && !r->in.stored)
		rc = store_side(im, r, false);
	if (!rc && r->has_return && !fold_out && !r->out.stored)
		rc = store_side(im, r, true);
	if (!rc)
		rc = statacc_add_call(im->acc, (size_t)r->func, r->status == CALL_COMPLETE,
				      r->recursive, r->duration, r->self);
	/* what call_data's rescan would read: dur is NULL (0) without both */
	if (!rc && im->durs && r->status == CALL_COMPLETE &&
	    durlog_add(im->durs, (size_t)r->func, both ? r->duration : 0)) {
		durlog_free(im->durs);	/* the rescan reads call_data instead */
		im->durs = NULL;
	}
	if (rc)
		return rc;
	rowq_row(s, T_CALLS);
	rowq_int(s, T_CALLS, CD_ID, r->id);
	rowq_int(s, T_CALLS, CD_FUNC, r->func);
	rowq_int(s, T_CALLS, CD_TID, r->tid);
	/* modulo 2^64, as the views add base back: a file's times may be anything */
	rowq_int(s, T_CALLS, CD_TS, (int64_t)((r->has_entry ? r->entry_ts : r->return_ts) -
					      (uint64_t)im->base));
	if (both) {
		rowq_int(s, T_CALLS, CD_DUR, r->duration);
		if (r->self != r->duration)
			rowq_int(s, T_CALLS, CD_SELF, r->self);
		rowq_int(s, T_CALLS, CD_EVD, r->return_event_id - r->entry_event_id);
	}
	rowq_int(s, T_CALLS, CD_DEPTH, r->depth);
	if (r->parent_id)
		rowq_int(s, T_CALLS, CD_PARENT, r->parent_id);
	if (site)
		rowq_int(s, T_CALLS, CD_SITE, site);
	if (r->args)
		rowq_text(s, T_CALLS, CD_ARGS, r->args, -1);
	if (r->has_ret)
		rowq_int(s, T_CALLS, CD_RET, r->ret);
	rowq_int(s, T_CALLS, CD_FLAGS, flags);
	rowq_int(s, T_CALLS, CD_EV, r->has_entry ? r->entry_event_id : r->return_event_id);
	if (r->has_entry)
		rowq_int(s, T_CALLS, CD_CPU, r->entry_cpu);
	if (r->has_return)
		rowq_int(s, T_CALLS, CD_RCPU, r->return_cpu);
	if (r->has_entry && r->in.has_ip) {
		int known = ip_known(&im->ips, r->func, r->pid, r->in.ip);

		if (known < 0)
			return known;
		if (!known)
			rowq_int(s, T_CALLS, CD_IP, (int64_t)r->in.ip);
	}
	if (r->has_entry && r->in.has_sp) {
		struct thread_info *ti = threads_add(&im->in.th, r->tid);

		if (!ti)
			return -ENOMEM;
		if (!ti->has_sp_base) {
			ti->has_sp_base = true;
			ti->sp_base = r->in.sp;
		}
		rowq_int(s, T_CALLS, CD_SP, (int64_t)(ti->sp_base - r->in.sp));
	}
	return rowq_end_row(s, T_CALLS);
}

/*
 * Whether the probe's constant arguments have their values in ev (a
 * first event sets them); the fetched caller, stack pointer and return
 * value are checked against the call when it is emitted.
 */
static bool consts_match(struct lay_info *li, const struct dec_event *ev, int n)
{
	int64_t v;

	for (int k = 0; k < n; k++) {
		if (li->fold_src[k] == FOLD_NONE)
			return false;
		if (li->fold_src[k] != FOLD_CONST)
			continue;
		if (dec_int(ev, &ev->lay->args[k], &v) != 0)
			return false;
		if (li->fold_set[k] && v != li->fold_val[k])
			return false;
	}
	for (int k = 0; k < n; k++) {
		if (li->fold_src[k] == FOLD_CONST && !li->fold_set[k] &&
		    dec_int(ev, &ev->lay->args[k], &v) == 0) {
			li->fold_val[k] = v;
			li->fold_set[k] = true;
		}
	}
	return true;
}

/* An event: a row of event_data, unless its call row reproduces it. */
static int sql_event(void *ctx, const struct dec_event *ev, int64_t id, struct lay_info *li,
		     struct thread_info *ti, struct call_event *ce)
{
	struct importer *im = ctx;

	if (ce) {
		ce->stored = !li->foldable ||
			!consts_match(li, ev, ev->lay->nargs < im->in.plan.maxargs ?
				      ev->lay->nargs : im->in.plan.maxargs);
		if (!ce->stored)
			return 0;
	}
	return store_event(im, ev, id, li->probe_id);
}

static int sql_lost(void *ctx, const struct ingest_lost *l)
{
	struct importer *im = ctx;
	struct rowq *q = im->q;

	rowq_row(q, T_LOST);
	rowq_int(q, T_LOST, 0, l->cpu);
	if (l->has_ts)
		rowq_int(q, T_LOST, 1, l->ts);
	if (l->has_count)
		rowq_int(q, T_LOST, 2, l->count);
	if (l->has_from)
		rowq_int(q, T_LOST, 3, l->from);
	rowq_text(q, T_LOST, 4, l->source, -1);
	return rowq_end_row(q, T_LOST);
}

static const struct ingest_sink sqlite_sink = {
	.lost = sql_lost, .event = sql_event, .call = sql_call,
};

struct producer {
	struct importer *im;
	pthread_t thread;
};

/*
 * The decoding thread: the ingest loop, rows sent to the writer. What it
 * touches (the loop's stages, the statistics) the writer does not, until
 * it has been joined.
 */
static void *produce(void *arg)
{
	struct producer *p = arg;
	struct importer *im = p->im;

	rowq_close(im->q, ingest_run(&im->in, &sqlite_sink, im));
	thread_cpu("decoding thread");
	return NULL;
}

/*
 * Insert what the decoding thread sends until it is done. A failure here
 * stops it (rowq_fail), and the chunks still coming are dropped.
 */
static int write_rows(struct importer *im)
{
	struct rowchunk *c;
	int rc, err = 0;

	while ((rc = rowq_pop(im->q, &c)) == 1) {
		if (!err && (err = batch_insert(&im->tables[c->table], c)))
			rowq_fail(im->q, err);
		rowq_recycle(im->q, c);
	}
	return err ? err : rc;
}

/* The events and calls, decoded on a second thread while this one
 * inserts: SQLite's inserts take the larger part (2.2 s of CPU against
 * 1.3 s for 5M calls), so the decoding thread mostly waits for room. */
static int import_stream(struct importer *im, struct import_result *res)
{
	struct producer p = { .im = im };
	int ncol[T_NTABLES] = { 7 + im->in.plan.maxargs, CD_NCOLS, LOST_NCOLS };
	int rc;

	im->q = rowq_new(T_NTABLES, ncol, 4096, 8);
	if (!im->q)
		return -ENOMEM;
	rc = -pthread_create(&p.thread, NULL, produce, &p);
	if (rc)
		return rc;
	rc = write_rows(im);
	thread_cpu("writer");
	pthread_join(p.thread, NULL);
	res->events = im->in.events;
	res->lost_marks = im->in.lost_marks;
	return rc;
}

/* Which layout each probe id has (for the events of calls not folded). */
static int probe_layouts(struct importer *im)
{
	im->max_probe_id = 0;
	for (int i = 0; i < im->in.plan.nlays; i++)
		if (im->in.plan.li[i].probe_id > im->max_probe_id)
			im->max_probe_id = im->in.plan.li[i].probe_id;
	im->probe_lay = malloc(((size_t)im->max_probe_id + 1) * sizeof(*im->probe_lay));
	if (!im->probe_lay)
		return -ENOMEM;
	for (int i = 0; i <= im->max_probe_id; i++)
		im->probe_lay[i] = -1;
	for (int i = 0; i < im->in.plan.nlays; i++)
		if (im->in.plan.li[i].probe_id > 0)
			im->probe_lay[im->in.plan.li[i].probe_id] = i;
	return 0;
}

static int rescan_one(void *ctx, size_t g, int64_t dur)
{
	return statacc_rescan(ctx, g, dur);
}

/*
 * call_summary: call_stats as it stands at import, for an instant summary,
 * from the statistics gathered while pairing (a second read of the
 * durations when there were too many to keep: from the durlog, or from
 * call_data when it could not be written). Functions probed and never
 * called have 0 calls, so that they do not look unprobed.
 */
static int materialize_summary(struct importer *im)
{
	struct db_stmt *s = NULL;
	int rc;

	rc = db_exec(im->db, "CREATE TABLE call_summary(func TEXT PRIMARY KEY, calls INTEGER,"
		     " incomplete INTEGER, total_ns INTEGER, self_ns INTEGER, min_ns INTEGER,"
		     " avg_ns INTEGER, p50_ns INTEGER, p90_ns INTEGER, p99_ns INTEGER, max_ns INTEGER)",
		     im->err);
	if (!rc && statacc_need_rescan(im->acc) && im->durs) {
		rc = durlog_each(im->durs, rescan_one, im->acc);
		if (rc < 0)
			return rc;
	} else if (!rc && statacc_need_rescan(im->acc)) {
		s = db_prepare(im->db, "SELECT func, dur FROM call_data WHERE flags & " CF_STATUS_SQL " = 0", im->err);
		if (!s)
			return -REP_E_SQL;
		while ((rc = db_step(s, im->err)) == 1)
			if ((rc = statacc_rescan(im->acc, (size_t)db_column_int(s, 0),
						 db_column_int(s, 1))))
				break;
		db_finalize(s);
		if (rc < 0)
			return rc;
	}
	s = db_prepare(im->db, "INSERT INTO call_summary VALUES(?,?,?,?,?,?,?,?,?,?,?)", im->err);
	if (!s)
		return -REP_E_SQL;
	for (int f = 0; f < im->in.plan.nfuncs && rc >= 0; f++) {
		int64_t v[S_NCOLS];
		bool null[S_NCOLS];

		rc = statacc_result(im->acc, (size_t)f, v, null);
		if (rc)
			break;
		db_bind_text(s, 1, im->in.plan.funcs[f], -1);
		for (int k = 0; k < S_NCOLS; k++)
			if (!null[k] || k == S_CALLS || k == S_INCOMPLETE)
				db_bind_int(s, k + 2, null[k] ? 0 : v[k]);
		rc = db_step(s, im->err);
		db_reset(s);
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

static int write_meta(struct importer *im, const struct import_result *res)
{
	char v[32];
	int rc = tables_write_meta(im->db, im->in.t, res->events, im->err);

	snprintf(v, sizeof(v), "%" PRId64, im->base);
	if (!rc)
		rc = tables_set_meta(im->db, "first_ts", v, im->err);
	return rc;
}

/*
 * rename(tmp, path), for a path that may hold an older database: that is
 * exchanged with tmp, then removed. ext4 takes a rename over an existing
 * file for a rewrite that must survive a crash, and writes the new file's
 * blocks out before it returns (auto_da_alloc, ~0.1 s for 200 MB); the
 * exchange is as atomic, and a database is rebuilt after a crash anyway.
 * -1 with errno on failure.
 */
static int replace_file(const char *tmp, const char *path)
{
	struct stat st;

	/* only a file: rename refuses a directory, an exchange would not */
	if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) == 0) {
		unlink(tmp);	/* the older database */
		return 0;
	}
	/* no file at path, or no exchange on this file system */
	return rename(tmp, path);
}

int import_trace(struct trace *t, const char *db_path,
		 struct import_result *res, struct ukt_buf *err,
		 struct ukt_buf *warn)
{
	struct importer im = { .err = err };
	struct ukt_buf tmp = UKT_BUF_INIT, cols = UKT_BUF_INIT;
	double start = ukt_now_s();
	uint64_t counts[CALL_NSTATUS];
	int rc;

	memset(res, 0, sizeof(*res));
	ukt_buf_addf(&tmp, "%s.tmp-%d", db_path, (int)getpid());
	unlink(tmp.data);
	cleanup_stale(db_path);		/* what killed imports left */
	cleanup_register(tmp.data);	/* and what a signal would leave now */
	rc = ingest_open(&im.in, t, err, warn);
	im.acc = statacc_new(IMPORT_MAX_VALUES);
	if (!rc && !im.acc)
		rc = -ENOMEM;
	if (!rc)
		im.durs = durlog_new(tmp.data);	/* without it, the rescan reads call_data */
	if (!rc)
		rc = probe_layouts(&im);
	if (rc)
		goto out;
	im.base = ingest_first_ts(&im.in);
	im.db = db_open(tmp.data, DB_CREATE | DB_FAST, err);
	if (!im.db) {
		rc = -errno;
		goto out;
	}
	rc = db_exec(im.db, "BEGIN", err);
	if (!rc)
		rc = schema_create_tables(im.db, im.in.plan.maxargs, err);
	schema_event_columns(im.in.plan.maxargs, &cols);
	if (!rc)
		rc = batch_init(&im.tables[T_EVENTS], im.db, "event_data", cols.data,
				7 + im.in.plan.maxargs, err);
	if (!rc)
		rc = batch_init(&im.tables[T_CALLS], im.db, "call_data", call_cols, CD_NCOLS, err);
	if (!rc) {
		batch_ids(&im.tables[T_EVENTS]);	/* both just created */
		batch_ids(&im.tables[T_CALLS]);
	}
	if (!rc)
		rc = batch_init(&im.tables[T_LOST], im.db, "lost",
				"cpu, ts, count, from_ts, source", LOST_NCOLS, err);
	if (!rc)
		rc = import_stream(&im, res);
	profile("events and calls inserted", start);
	if (rc)
		goto out;
	pairer_counts(im.in.pairer, counts);
	for (int i = 0; i < CALL_NSTATUS; i++)
		res->calls += counts[i];
	res->incomplete = res->calls - counts[CALL_COMPLETE];
	rc = tables_insert_probes(im.db, t, &im.in.plan, im.in.lay_events, err);
	threads_mark_leaders(&im.in.th);
	if (!rc)
		rc = tables_insert_threads(im.db, &im.in.th, err);
	if (!rc)
		rc = tables_insert_funcs(im.db, &im.in.plan, err);
	if (!rc)
		rc = tables_insert_sites(im.db, im.in.sites, err);
	if (!rc)
		rc = tables_insert_stacks(im.db, im.in.stacks, im.in.sites, err);
	if (!rc)
		rc = insert_ips(&im);
	if (!rc)
		rc = schema_fill_fold(im.db, &im.in.plan, err);
	if (!rc)
		rc = tables_insert_symbols(im.db, &im.in.sy, err);
	if (!rc)
		rc = tables_insert_damage(im.db, t, err);
	if (!rc)
		rc = tables_insert_cpus(im.db, t, im.in.cpu_events, im.in.cpu_marks, err);
	if (!rc)
		rc = schema_create_indexes(im.db, err);
	profile("metadata tables and indexes", start);
	if (!rc)
		rc = materialize_summary(&im);
	profile("call_summary", start);
	if (!rc)
		rc = schema_create_views(im.db, &im.in.plan, im.base, err);
	if (!rc && im.in.plan.nlays > SCHEMA_MAX_PROBE_VIEWS)
		ukt_buf_addf(warn, "%d probes have no view of their own (only the first %d have a"
			     " probe_NAME view): their events are in the events view\n",
			     im.in.plan.nlays - SCHEMA_MAX_PROBE_VIEWS, SCHEMA_MAX_PROBE_VIEWS);
	res->seconds = ukt_now_s() - start;
	if (!rc)
		rc = write_meta(&im, res);
	if (!rc)
		rc = db_exec(im.db, "COMMIT", err);
	if (rc)
		goto out;
	decoder_warnings(im.in.dec, warn);
	for (int i = 0; i < T_NTABLES; i++)
		batch_release(&im.tables[i]);
	rc = db_close(im.db);
	im.db = NULL;
	if (!rc && replace_file(tmp.data, db_path) < 0) {
		rc = -errno;
		ukt_buf_addf(err, "cannot create '%s': %s", db_path, strerror(errno));
	}
out:
	if (rc && !err->len)
		ukt_buf_addf(err, "import failed: %s", rep_strerror(rc));
	for (int i = 0; i < T_NTABLES; i++)
		batch_release(&im.tables[i]);
	rowq_free(im.q);
	db_close(im.db);
	if (rc)
		unlink(tmp.data);
	cleanup_unregister(tmp.data);
	ingest_release(&im.in);
	statacc_free(im.acc);
	durlog_free(im.durs);
	free(im.ips.v);
	free(im.probe_lay);
	ukt_buf_release(&tmp);
	ukt_buf_release(&cols);
	return rc;
}
