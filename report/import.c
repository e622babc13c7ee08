// SPDX-License-Identifier: MIT
/*
 * The import: one streaming pass over the merged events in one
 * transaction. Every event becomes a row of events; entries and returns of
 * paired functions (plan.h) also feed the pairer (calls.h), whose calls
 * become rows of calls with their callers named (callername.h). The schema
 * comes from schema.c, the metadata tables from tables.c. Everything from
 * the file is data: values are bound, never spliced into SQL.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "callername.h"
#include "calls.h"
#include "db.h"
#include "decode.h"
#include "errors.h"
#include "import.h"
#include "plan.h"
#include "schema.h"
#include "stats.h"
#include "symbolize.h"
#include "tables.h"
#include "threads.h"

struct importer {
	struct trace *t;
	struct db *db;
	struct decoder *dec;
	struct plan plan;
	struct threads th;
	struct pairer *pairer;
	struct caller_names *names;
	struct batch events, calls;
	struct db_stmt *ins_lost;
	uint64_t *cpu_events, *cpu_marks;
	uint64_t *lay_events;	/* per layout */
	struct ukt_buf args;	/* scratch */
	struct ukt_buf *err;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void profile(const char *what, double start)
{
	if (getenv("UKT_PROFILE"))
		fprintf(stderr, "profile: %s at %.2f s\n", what, now_s() - start);
}

static int emit_call(void *ctx, const struct call_row *r)
{
	struct importer *im = ctx;
	struct batch *s = &im->calls;
	const struct thread_info *ti = threads_get(&im->th, r->tid);
	const char *sym = "", *obj = "";
	int rc;

	batch_row(s);
	batch_int(s, 0, r->id);
	batch_text(s, 1, im->plan.funcs[r->func], -1);
	batch_int(s, 2, r->tid);
	if (r->pid)
		batch_int(s, 3, r->pid);
	if (ti && ti->comm)
		batch_text(s, 4, ti->comm, -1);
	if (r->has_entry)
		batch_int(s, 5, (int64_t)r->entry_ts);
	if (r->has_return)
		batch_int(s, 6, (int64_t)r->return_ts);
	if (r->has_entry && r->has_return) {
		batch_int(s, 7, r->duration);
		batch_int(s, 8, r->self);
	}
	batch_int(s, 9, r->depth);
	if (r->parent_id)
		batch_int(s, 10, r->parent_id);
	if (r->has_caller) {
		batch_int(s, 11, (int64_t)r->caller);
		rc = caller_names_get(im->names, r->pid, r->caller,
				      r->has_entry ? r->entry_ts : r->return_ts, &sym, &obj);
		if (rc)
			return rc;
		batch_text(s, 12, sym, -1);
		batch_text(s, 13, obj, -1);
	}
	if (r->args)
		batch_text(s, 14, r->args, -1);
	if (r->has_ret)
		batch_int(s, 15, r->ret);
	batch_int(s, 16, r->status == CALL_COMPLETE);
	batch_text(s, 17, call_status_name(r->status), -1);
	if (r->entry_event_id)
		batch_int(s, 18, r->entry_event_id);
	if (r->return_event_id)
		batch_int(s, 19, r->return_event_id);
	return batch_end_row(s);
}

static void render_args(struct importer *im, const struct dec_event *ev,
			int skip, int skip2)
{
	const struct event_layout *l = ev->lay;

	ukt_buf_reset(&im->args);
	for (int k = 0; k < l->nargs; k++) {
		const struct field_layout *f = &l->args[k];
		int64_t v;
		const char *s;
		int n;

		if (k == skip || k == skip2)
			continue;
		if (im->args.len)
			ukt_buf_adds(&im->args, " ");
		if (f->kind == FK_INT && dec_int(ev, f, &v) == 0)
			ukt_buf_addf(&im->args, "%s=%" PRId64, f->name, v);
		else if (f->kind == FK_STRING && dec_string(ev, f, &s, &n) == 0)
			ukt_buf_addf(&im->args, "%s=\"%.*s\"", f->name, n, s);
		else
			ukt_buf_addf(&im->args, "%s=?", f->name);
	}
}

/*
 * The losses the recorder saw in the kernel's counters as they happened:
 * rows of lost. Overwritten events (overrun) also leave a missed-events
 * mark in the next page read, which says exactly where they were: those
 * ranges mark the calls. Dropped events leave no mark, so the time
 * between the recorder's two polls is the range for them.
 */
static int import_losses(struct importer *im)
{
	struct db_stmt *s = im->ins_lost;
	int rc = 0;

	for (size_t i = 0; i < im->t->nlosses && rc >= 0; i++) {
		const struct ukt_loss *l = &im->t->losses[i];

		db_bind_int(s, 1, l->cpu);
		if (l->to_ns)
			db_bind_int(s, 2, (int64_t)l->to_ns);
		db_bind_int(s, 3, (int64_t)(l->overrun + l->dropped));
		if (l->from_ns)
			db_bind_int(s, 4, (int64_t)l->from_ns);
		db_bind_text(s, 5, "stats", -1);
		rc = db_step(s, im->err);
		db_reset(s);
		if (rc >= 0 && l->to_ns && l->dropped)
			rc = pairer_loss(im->pairer, (int)l->cpu, l->from_ns, l->to_ns);
	}
	return rc < 0 ? rc : 0;
}

static int import_events(struct importer *im, struct import_result *res)
{
	struct dec_event ev;
	struct batch *s = &im->events;
	struct db_stmt *lost = im->ins_lost;
	int64_t id = 0;
	int rc;

	while ((rc = decoder_next(im->dec, &ev)) == 1) {
		const struct lay_info *li = plan_of(&im->plan, ev.lay);
		const struct thread_info *ti;
		int64_t v;
		int n = ev.lay->nargs < im->plan.maxargs ? ev.lay->nargs : im->plan.maxargs;

		id++;
		if (ev.missed) {
			db_bind_int(lost, 1, ev.cpu);
			db_bind_int(lost, 2, (int64_t)ev.ts);
			if (ev.missed > 0)
				db_bind_int(lost, 3, ev.missed);
			if (ev.missed_since)
				db_bind_int(lost, 4, (int64_t)ev.missed_since);
			db_bind_text(lost, 5, "mark", -1);
			rc = db_step(lost, im->err);
			db_reset(lost);
			if (rc < 0)
				return rc;
			res->lost_marks++;
			im->cpu_marks[ev.cpu]++;
			rc = pairer_loss(im->pairer, ev.cpu, ev.missed_since, ev.ts);
			if (rc)
				return rc;
		}
		ti = threads_get(&im->th, ev.tid);
		if (!ti)
			ti = threads_add(&im->th, ev.tid);
		batch_row(s);
		batch_int(s, 0, id);
		batch_int(s, 1, (int64_t)ev.ts);
		batch_int(s, 2, ev.cpu);
		batch_int(s, 3, ev.tid);
		if (ti && ti->pid)
			batch_int(s, 4, ti->pid);
		batch_int(s, 5, li->probe_id);
		if (ev.lay->ip >= 0 && dec_int(&ev, &ev.lay->fields[ev.lay->ip], &v) == 0)
			batch_int(s, 6, v);
		if (ev.lay->ret_ip >= 0 && dec_int(&ev, &ev.lay->fields[ev.lay->ret_ip], &v) == 0)
			batch_int(s, 7, v);
		for (int k = 0; k < n; k++) {
			const struct field_layout *f = &ev.lay->args[k];
			const char *str;
			int len;

			if (f->kind == FK_INT) {
				if (dec_int(&ev, f, &v) == 0)
					batch_int(s, 8 + k, v);
			} else if (dec_string(&ev, f, &str, &len) == 0) {
				if (f->kind == FK_STRING)
					batch_text(s, 8 + k, str, len);
				else
					batch_blob(s, 8 + k, str, len);
			}
		}
		rc = batch_end_row(s);
		if (rc < 0)
			return rc;
		im->cpu_events[ev.cpu]++;
		im->lay_events[ev.lay - im->plan.lays]++;
		if (li->role != ROLE_NONE) {
			struct call_event ce = {
				.ts = ev.ts, .cpu = ev.cpu, .tid = ev.tid,
				.pid = ti ? ti->pid : 0, .func = li->func,
				.is_return = li->role == ROLE_RETURN,
				.probe_id = li->probe_id, .event_id = id,
			};

			if (li->caller_arg >= 0 &&
			    dec_int(&ev, &ev.lay->args[li->caller_arg], &v) == 0) {
				ce.has_caller = true;
				ce.caller = (uint64_t)v;
			} else if (ce.is_return && ev.lay->ret_ip >= 0 &&
				   dec_int(&ev, &ev.lay->fields[ev.lay->ret_ip], &v) == 0) {
				ce.has_caller = true;
				ce.caller = (uint64_t)v;
			}
			if (li->sp_arg >= 0 &&
			    dec_int(&ev, &ev.lay->args[li->sp_arg], &v) == 0) {
				ce.has_sp = true;
				ce.sp = (uint64_t)v;
			}
			if (li->ret_arg >= 0 && ce.is_return &&
			    dec_int(&ev, &ev.lay->args[li->ret_arg], &v) == 0) {
				ce.has_ret = true;
				ce.ret = v;
			}
			if (li->render_args) {
				render_args(im, &ev, li->caller_arg, li->sp_arg);
				ce.args = im->args.data;
			}
			rc = pairer_feed(im->pairer, &ce);
			if (rc)
				return rc;
		}
	}
	res->events = (uint64_t)id;
	if (rc >= 0)
		rc = batch_flush(s);
	return rc;
}

/*
 * The return's stack pointer minus the entry's, by architecture: on x86-64
 * the return has popped the return address. Unknown elsewhere (arm64
 * returns through the link register with sp unchanged, but the recorder
 * fetches no stack pointer there).
 */
static bool sp_delta(const struct trace *t, int64_t *delta)
{
	const char *m = trace_meta(t, "machine");

	if (m && !strcmp(m, "x86_64")) {
		*delta = 8;
		return true;
	}
	return false;
}

static int pairer_setup(struct importer *im)
{
	int64_t delta;

	im->pairer = pairer_new(emit_call, im, im->plan.nfuncs);
	if (!im->pairer)
		return -ENOMEM;
	for (int i = 0; i < im->plan.nfuncs; i++)
		pairer_set_func(im->pairer, i, im->plan.fflags[i]);
	if (sp_delta(im->t, &delta))
		pairer_set_sp_delta(im->pairer, delta);
	return 0;
}

/* call_summary: call_stats as it stands at import, for a fast summary. */
static int materialize_summary(struct importer *im)
{
	struct stats_row *rows = NULL;
	struct db_stmt *s;
	size_t n = 0;
	int rc;

	rc = db_exec(im->db, "CREATE TABLE call_summary(func TEXT PRIMARY KEY, calls INTEGER,"
		      " incomplete INTEGER, total_ns INTEGER, self_ns INTEGER, min_ns INTEGER,"
		      " avg_ns INTEGER, p50_ns INTEGER, p90_ns INTEGER, p99_ns INTEGER, max_ns INTEGER)", im->err);
	if (!rc)
		rc = stats_compute(im->db, "func", 1, NULL, &rows, &n, im->err);
	if (rc)
		return rc;
	s = db_prepare(im->db, "INSERT INTO call_summary VALUES(?,?,?,?,?,?,?,?,?,?,?)", im->err);
	for (size_t i = 0; s && i < n && rc >= 0; i++) {
		db_bind_text(s, 1, rows[i].k1, -1);
		for (int k = 0; k < S_NCOLS; k++)
			if (!rows[i].null[k])
				db_bind_int(s, k + 2, rows[i].v[k]);
		rc = db_step(s, im->err);
		db_reset(s);
	}
	/* probed and never called: 0, so that it does not look unprobed */
	for (int f = 0; s && f < im->plan.nfuncs && rc >= 0; f++) {
		bool seen = false;

		for (size_t i = 0; i < n && !seen; i++)
			seen = !strcmp(rows[i].k1, im->plan.funcs[f]);
		if (seen)
			continue;
		db_bind_text(s, 1, im->plan.funcs[f], -1);
		db_bind_int(s, 2, 0);
		db_bind_int(s, 3, 0);
		rc = db_step(s, im->err);
		db_reset(s);
	}
	if (!s)
		rc = -REP_E_SQL;
	db_finalize(s);
	stats_free(rows, n);
	return rc < 0 ? rc : 0;
}

int import_trace(struct trace *t, const char *db_path,
		 struct import_result *res, struct ukt_buf *err,
		 struct ukt_buf *warn)
{
	struct importer im = { .t = t, .err = err, .args = UKT_BUF_INIT };
	struct symbolizer sy = { 0 };
	struct ukt_buf tmp = UKT_BUF_INIT, cols = UKT_BUF_INIT;
	double start = now_s();
	uint64_t counts[CALL_NSTATUS];
	int rc;

	memset(res, 0, sizeof(*res));
	ukt_buf_addf(&tmp, "%s.tmp-%d", db_path, (int)getpid());
	unlink(tmp.data);
	im.dec = decoder_new(t, err, warn);
	if (!im.dec) {
		rc = -REP_E_TEP;
		goto out;
	}
	im.cpu_events = calloc(t->ncpus + 1, sizeof(*im.cpu_events));
	im.cpu_marks = calloc(t->ncpus + 1, sizeof(*im.cpu_marks));
	im.names = caller_names_new(&sy);
	if (!im.cpu_events || !im.cpu_marks || !im.names) {
		rc = -ENOMEM;
		goto out;
	}
	rc = threads_load(&im.th, t);
	if (!rc)
		rc = symbolizer_load(&sy, t);
	if (!rc)
		rc = plan_build(&im.plan, t, im.dec);
	if (!rc)
		rc = pairer_setup(&im);
	if (rc)
		goto out;
	im.db = db_open(tmp.data, DB_CREATE | DB_FAST, err);
	if (!im.db) {
		rc = -errno;
		goto out;
	}
	rc = db_exec(im.db, "BEGIN", err);
	if (!rc)
		rc = schema_create_tables(im.db, im.plan.maxargs, err);
	schema_event_columns(im.plan.maxargs, &cols);
	if (!rc)
		rc = batch_init(&im.events, im.db, "events", cols.data, 8 + im.plan.maxargs, err);
	if (!rc)
		rc = batch_init(&im.calls, im.db, "calls",
				"id, func, tid, pid, comm, entry_ts, return_ts, duration_ns, self_ns,"
				" depth, parent_id, caller_addr, caller_symbol, caller_object, args, ret,"
				" complete, status, entry_event_id, return_event_id", 20, err);
	if (rc)
		goto out;
	im.ins_lost = db_prepare(im.db, "INSERT INTO lost VALUES(?,?,?,?,?)", err);
	if (!im.ins_lost) {
		rc = -REP_E_SQL;
		goto out;
	}
	im.lay_events = calloc((size_t)im.plan.nlays + 1, sizeof(*im.lay_events));
	if (!im.lay_events) {
		rc = -ENOMEM;
		goto out;
	}
	rc = import_losses(&im);
	if (!rc)
		rc = import_events(&im, res);
	profile("events and calls inserted", start);
	if (!rc)
		rc = pairer_finish(im.pairer);
	if (!rc)
		rc = batch_flush(&im.calls);
	if (rc)
		goto out;
	pairer_counts(im.pairer, counts);
	for (int i = 0; i < CALL_NSTATUS; i++)
		res->calls += counts[i];
	res->incomplete = res->calls - counts[CALL_COMPLETE];
	rc = tables_insert_probes(im.db, t, &im.plan, im.lay_events, err);
	if (!rc)
		rc = tables_insert_threads(im.db, &im.th, err);
	if (!rc)
		rc = tables_insert_symbols(im.db, &sy, err);
	if (!rc)
		rc = tables_insert_damage(im.db, t, err);
	if (!rc)
		rc = tables_insert_cpus(im.db, t, im.cpu_events, im.cpu_marks, err);
	profile("metadata tables", start);
	if (!rc)
		rc = schema_create_indexes(im.db, err);
	profile("indexes", start);
	if (!rc)
		rc = materialize_summary(&im);
	profile("call_summary", start);
	if (!rc)
		rc = schema_create_views(im.db, &im.plan, err);
	res->seconds = now_s() - start;
	if (!rc)
		rc = tables_write_meta(im.db, t, res->events, err);
	if (!rc)
		rc = db_exec(im.db, "COMMIT", err);
	if (rc)
		goto out;
	{
		const struct decode_stats *ds = decoder_stats(im.dec);

		if (ds->bad_pages || ds->bad_blocks)
			ukt_buf_addf(warn, "%" PRIu64 " ring-buffer pages and %" PRIu64 " blocks could not be decoded and were skipped\n",
				     ds->bad_pages, ds->bad_blocks);
		if (ds->unknown_events)
			ukt_buf_addf(warn, "%" PRIu64 " events had no saved format and were skipped\n",
				     ds->unknown_events);
	}
	batch_release(&im.events);
	batch_release(&im.calls);
	db_finalize(im.ins_lost);
	im.ins_lost = NULL;
	rc = db_close(im.db);
	im.db = NULL;
	if (!rc && rename(tmp.data, db_path) < 0) {
		rc = -errno;
		ukt_buf_addf(err, "cannot create '%s': %s", db_path, strerror(errno));
	}
out:
	if (rc && !err->len)
		ukt_buf_addf(err, "import failed: %s", rep_strerror(rc));
	batch_release(&im.events);
	batch_release(&im.calls);
	db_finalize(im.ins_lost);
	db_close(im.db);
	if (rc)
		unlink(tmp.data);
	decoder_free(im.dec);
	pairer_free(im.pairer);
	caller_names_free(im.names);
	threads_release(&im.th);
	symbolizer_release(&sy);
	plan_release(&im.plan);
	free(im.cpu_events);
	free(im.cpu_marks);
	free(im.lay_events);
	ukt_buf_release(&im.args);
	ukt_buf_release(&tmp);
	ukt_buf_release(&cols);
	return rc;
}
