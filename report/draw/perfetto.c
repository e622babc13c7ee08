// SPDX-License-Identifier: MIT
/* The trace as Chrome trace-event JSON (perfetto.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uktrace/vec.h"
#include "db.h"
#include "errors.h"
#include "output.h"
#include "perfetto.h"
#include "threads.h"

struct json_out {
	FILE *f;
	bool first;
	uint64_t events;
	struct threads drawn;	/* the threads the output drew on, with pid */
	bool oom;		/* a thread could not be remembered */
};

/* Remember that tid (of pid) has a track, to name it at the end. */
static void track_add(struct json_out *j, int64_t tid, int64_t pid)
{
	struct thread_info *t = threads_add(&j->drawn, (int)tid);

	if (t)
		t->pid = (int)pid;
	else
		j->oom = true;
}

struct track {
	int64_t tid, pid;
};

static int track_cmp(const void *a, const void *b)
{
	const struct track *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* The separator before the next element of traceEvents. */
static void next(struct json_out *j)
{
	fputs(j->first ? "\n" : ",\n", j->f);
	j->first = false;
	j->events++;
}

/* Microseconds, the format's unit, to the nanosecond. */
static void us(FILE *f, const char *key, int64_t ns)
{
	fprintf(f, ",\"%s\":%" PRId64 ".%03d", key, ns / 1000, (int)(ns % 1000 < 0 ? -(ns % 1000) : ns % 1000));
}

static int fail_sql(struct ukt_buf *err)
{
	if (!err->len)
		ukt_buf_adds(err, "query failed");
	return -REP_E_SQL;
}

/* The comm of tid in the threads table (NULL when unknown); valid until
 * the statement runs again. */
static const char *comm_of(struct db_stmt *s, int64_t tid, struct ukt_buf *err)
{
	db_reset(s);
	db_bind_int(s, 1, tid);
	return db_step(s, err) == 1 ? db_column_text(s, 0) : NULL;
}

/*
 * thread_name of every track the output drew on, and process_name of
 * their processes (the leader's name, else a member's): named at the end,
 * once the rows have said which threads a selection holds, instead of a
 * scan of every row up front. The format takes metadata anywhere.
 */
static int names(struct json_out *j, struct db *d, struct ukt_buf *err)
{
	struct track *v;
	struct db_stmt *s;
	size_t n = 0;

	if (!j->drawn.n)
		return 0;
	v = calloc(j->drawn.n, sizeof(*v));
	if (!v) {
		ukt_buf_adds(err, "out of memory for the list of threads");
		return -ENOMEM;
	}
	s = db_prepare(d, "SELECT comm FROM threads WHERE tid = ?", err);
	if (!s) {
		free(v);
		return fail_sql(err);
	}
	for (size_t k = 0; k < j->drawn.cap && n < j->drawn.n; k++) {
		const struct thread_info *e = &j->drawn.v[k];

		if (e->tid != 0 || e->comm)	/* a used slot (threads.h) */
			v[n++] = (struct track){ .tid = e->tid, .pid = e->pid };
	}
	qsort(v, n, sizeof(*v), track_cmp);
	for (size_t k = 0; k < n; k++) {
		const struct track *t = &v[k];
		const char *comm;

		if (k == 0 || t->pid != t[-1].pid) {
			comm = comm_of(s, t->pid, err);
			if (!comm)
				comm = comm_of(s, t->tid, err);
			next(j);
			fprintf(j->f, "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%" PRId64
				",\"args\":{\"name\":", t->pid);
			out_json_string(j->f, comm ? comm : "?");
			fputs("}}", j->f);
		}
		comm = comm_of(s, t->tid, err);
		next(j);
		fprintf(j->f, "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%" PRId64 ",\"tid\":%" PRId64
			",\"args\":{\"name\":", t->pid, t->tid);
		out_json_string(j->f, comm ? comm : "?");
		fputs("}}", j->f);
	}
	db_finalize(s);
	free(v);
	return 0;
}

/* An integer as JSON: a number where a double holds it exactly (within
 * 2^53, as JavaScript reads JSON), else a hex string of its 64 bits. */
static void json_int(FILE *f, int64_t v)
{
	if (v >= -(INT64_C(1) << 53) && v <= INT64_C(1) << 53)
		fprintf(f, "%" PRId64, v);
	else
		fprintf(f, "\"0x%" PRIx64 "\"", (uint64_t)v);
}

/*
 * Calls entered and never returned (no_return: still running at the end;
 * abandoned, no_return_depth, never_returns, lost) are slices too, so that
 * what ran inside them nests under them: each to the start of the next
 * call on its thread at its depth or shallower (the first thing known to
 * run outside it), within its parent, or else a no_return call to the end
 * of the trace and another to the end of the last call inside it. One
 * pass over the calls of the threads that have such calls, in time
 * order, with a stack of the open ones.
 */
struct open_end {
	int64_t id, end;
};

struct open_pending {
	int64_t id, depth, entry, maxend, parent_end;
	bool to_trace_end, has_parent_end;
};

struct open_ends {
	struct open_end *v;
	size_t n, cap;
	struct open_pending *stack;
	size_t depth, stack_cap;
	int64_t trace_end;
};

static int open_close(struct open_ends *o, int64_t limit, bool thread_end)
{
	struct open_pending *p = &o->stack[--o->depth];
	int64_t end = thread_end ? (p->to_trace_end ? o->trace_end : p->maxend) : limit;

	if (p->has_parent_end && end > p->parent_end)
		end = p->parent_end;
	if (end < p->maxend && !p->has_parent_end)
		end = p->maxend;
	if (end < p->entry)
		end = p->entry;
	if (o->depth && o->stack[o->depth - 1].maxend < end)
		o->stack[o->depth - 1].maxend = end;
	if (UKT_GROW(o->v, o->cap, o->n))
		return -ENOMEM;
	o->v[o->n++] = (struct open_end){ p->id, end };
	return 0;
}

static int open_end_cmp(const void *a, const void *b)
{
	const struct open_end *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int open_ends_compute(struct open_ends *o, struct db *d, struct ukt_buf *err)
{
	struct db_stmt *s;
	int64_t tid = 0;
	bool first = true;
	int rc = 0;

	/* the end of the recording (meta.stop_ns, on the trace clock), or
	 * the last call seen when it has none */
	if (db_query_int(d, "SELECT MAX(COALESCE((SELECT CAST(value AS INTEGER) FROM meta"
			 " WHERE key = 'stop_ns'), 0), (SELECT COALESCE(MAX(COALESCE(return_ts,"
			 " entry_ts)), 0) FROM calls))", &o->trace_end))
		o->trace_end = 0;
	s = db_prepare(d,
		"WITH o AS (SELECT DISTINCT tid FROM calls WHERE complete = 0"
		"   AND entry_ts IS NOT NULL AND return_ts IS NULL)"
		" SELECT c.id, c.tid, COALESCE(c.entry_ts, c.return_ts) AS t,"
		" COALESCE(c.return_ts, c.entry_ts), c.depth,"
		" c.complete = 0 AND c.entry_ts IS NOT NULL AND c.return_ts IS NULL AS open,"
		" c.status = 'no_return',"
		" CASE WHEN c.complete = 0 AND c.entry_ts IS NOT NULL AND c.return_ts IS NULL"
		"  THEN (SELECT p.return_ts FROM calls p WHERE p.id = c.parent_id) END"
		" FROM calls c WHERE c.tid IN o ORDER BY c.tid, t, c.depth", err);
	if (!s)
		return fail_sql(err);
	while ((rc = db_step(s, err)) == 1) {
		int64_t t = db_column_int(s, 2), e = db_column_int(s, 3), depth = db_column_int(s, 4);
		int m = 0;

		if (first || db_column_int(s, 1) != tid) {
			while (o->depth && !m)
				m = open_close(o, 0, true);
			tid = db_column_int(s, 1);
			first = false;
		}
		while (!m && o->depth && o->stack[o->depth - 1].depth >= depth)
			m = open_close(o, t, false);
		if (m) {
			rc = m;
			break;
		}
		if (o->depth && o->stack[o->depth - 1].maxend < e)
			o->stack[o->depth - 1].maxend = e;
		if (!db_column_int(s, 5))
			continue;
		if (UKT_GROW(o->stack, o->stack_cap, o->depth)) {
			rc = -ENOMEM;
			break;
		}
		o->stack[o->depth++] = (struct open_pending){
			.id = db_column_int(s, 0), .depth = depth, .entry = t, .maxend = t,
			.parent_end = db_column_int(s, 7),
			.has_parent_end = db_column_type(s, 7) != DB_NULL,
			.to_trace_end = db_column_int(s, 6) != 0,
		};
	}
	db_finalize(s);
	while (rc >= 0 && o->depth)
		rc = open_close(o, 0, true);
	if (rc == -ENOMEM) {
		ukt_buf_adds(err, "out of memory for the calls that did not return");
		return rc;
	}
	if (rc < 0)
		return fail_sql(err);
	if (o->n)
		qsort(o->v, o->n, sizeof(*o->v), open_end_cmp);
	return 0;
}

static void open_ends_release(struct open_ends *o)
{
	free(o->v);
	free(o->stack);
}

/* The end of open call id, or -1 when it is not one. */
static int64_t open_end_of(const struct open_ends *o, int64_t id)
{
	struct open_end key = { id, 0 }, *e;

	if (!o->n)
		return -1;
	e = bsearch(&key, o->v, o->n, sizeof(*o->v), open_end_cmp);
	return e ? e->end : -1;
}

/*
 * A stack recorded with the slice (-g) as an argument: its frames
 * innermost first, as a JSON array (the UI lists them as key[0], key[1],
 * ...). frames is the stacks table's text, outermost first, ';' between;
 * comma: other arguments came before.
 */
static void stack_arg(FILE *f, const char *key, const char *frames, bool comma)
{
	const char *end;

	if (!frames)
		return;
	fprintf(f, "%s\"%s\":[", comma ? "," : "", key);
	end = frames + strlen(frames);
	for (bool first = true; end > frames; first = false) {
		const char *start = end;
		struct ukt_buf one = UKT_BUF_INIT;

		while (start > frames && start[-1] != ';')
			start--;
		ukt_buf_add(&one, start, (size_t)(end - start));
		if (!first)
			fputc(',', f);
		out_json_string(f, one.data ? one.data : "");
		ukt_buf_release(&one);
		end = start > frames ? start - 1 : frames;
	}
	fputc(']', f);
}

/* SQL: the frames of the stack of kind recorded with event ev. */
#define STACK_OF(kind, ev) \
	"(SELECT k.frames FROM event_stacks es JOIN stacks k ON k.id = es.stack_id" \
	" WHERE es.event_id = " ev " AND k.kind = '" kind "')"

static int calls(struct json_out *j, struct db *d, const struct sql_filter *f,
		 struct ukt_buf *err)
{
	struct open_ends ends = { 0 };
	struct ukt_buf sql = UKT_BUF_INIT;
	struct db_stmt *s;
	int rc;

	/* ret: a syscall's a count or -errno, a function's a register */
	rc = open_ends_compute(&ends, d, err);
	if (rc) {
		open_ends_release(&ends);
		return rc;
	}
	ukt_buf_addf(&sql, "SELECT id, func, tid, pid, entry_ts, return_ts, duration_ns, complete,"
		     " status, caller_symbol, args, ret, depth, parent_id, EXISTS(SELECT 1 FROM"
		     " probes p WHERE p.func = calls.func AND p.kind = 'tracepoint'),"
		     " (SELECT k.frames FROM call_stacks cs JOIN stacks k ON k.id = cs.stack_id"
		     " WHERE cs.call_id = calls.id AND cs.kind = 'user'),"
		     " (SELECT k.frames FROM call_stacks cs JOIN stacks k ON k.id = cs.stack_id"
		     " WHERE cs.call_id = calls.id AND cs.kind = 'kernel')"
		     " FROM calls%s%s ORDER BY id",
		     f->where.len ? " WHERE " : "", f->where.data);
	s = db_prepare_buf(d, &sql, err);
	ukt_buf_release(&sql);
	if (!s) {
		open_ends_release(&ends);
		return fail_sql(err);
	}
	filter_bind(s, f, 1);
	while ((rc = db_step(s, err)) == 1) {
		int64_t tid = db_column_int(s, 2);
		int64_t pid = db_column_type(s, 3) == DB_NULL ? tid : db_column_int(s, 3);
		bool complete = db_column_int(s, 7) != 0;
		bool has_entry = db_column_type(s, 4) != DB_NULL;
		bool has_dur = db_column_type(s, 6) != DB_NULL;
		const char *status = db_column_text(s, 8);
		int64_t open_end = -1;

		if (!complete && has_entry && !has_dur)
			open_end = open_end_of(&ends, db_column_int(s, 0));
		track_add(j, tid, pid);
		next(j);
		/* the name is the function alone (tools group slices by name);
		 * everything else goes in args */
		fputs("{\"name\":", j->f);
		out_json_string(j->f, db_column_text(s, 1));
		if (complete || (has_entry && has_dur)) {
			fprintf(j->f, ",\"cat\":\"%s\",\"ph\":\"X\"", complete ? "call" : "incomplete call");
			us(j->f, "ts", db_column_int(s, 4));
			us(j->f, "dur", db_column_int(s, 6));
		} else if (open_end >= 0) {
			/* entered, never returned: as far as it can have run */
			fputs(",\"cat\":\"incomplete call\",\"ph\":\"X\"", j->f);
			us(j->f, "ts", db_column_int(s, 4));
			us(j->f, "dur", open_end - db_column_int(s, 4));
		} else {
			/* a return without its entry: an instant where it was seen */
			fputs(",\"cat\":\"incomplete call\",\"ph\":\"i\",\"s\":\"t\"", j->f);
			us(j->f, "ts", db_column_int(s, has_entry ? 4 : 5));
		}
		fprintf(j->f, ",\"pid\":%" PRId64 ",\"tid\":%" PRId64 ",\"args\":{\"call\":%" PRId64
			",\"status\":", pid, tid, db_column_int(s, 0));
		out_json_string(j->f, status ? status : "");
		if (open_end >= 0)
			fputs(status && !strcmp(status, "no_return") ?
			      ",\"end\":\"not returned: drawn to the end of the trace, or of what ran inside it\"" :
			      ",\"end\":\"unknown: drawn to the next thing its thread did outside it\"", j->f);
		fprintf(j->f, ",\"depth\":%" PRId64, db_column_int(s, 12));
		if (db_column_type(s, 13) != DB_NULL)
			fprintf(j->f, ",\"parent\":%" PRId64, db_column_int(s, 13));
		if (db_column_text(s, 9)) {
			fputs(",\"caller\":", j->f);
			out_json_string(j->f, db_column_text(s, 9));
		}
		if (db_column_text(s, 10)) {
			fputs(",\"args\":", j->f);
			out_json_string(j->f, db_column_text(s, 10));
		}
		if (db_column_type(s, 11) != DB_NULL && db_column_int(s, 14)) {
			fputs(",\"ret\":", j->f);
			json_int(j->f, db_column_int(s, 11));
		} else if (db_column_type(s, 11) != DB_NULL)
			fprintf(j->f, ",\"ret\":\"0x%" PRIx64 "\"", (uint64_t)db_column_int(s, 11));
		stack_arg(j->f, "user_stack", db_column_text(s, 15), true);
		stack_arg(j->f, "kernel_stack", db_column_text(s, 16), true);
		fputs("}}", j->f);
	}
	db_finalize(s);
	open_ends_release(&ends);
	return rc < 0 ? fail_sql(err) : 0;
}

/* The events of probes that are not halves of calls: instants. */
static int instants(struct json_out *j, struct db *d, const struct call_select *o,
		    struct ukt_buf *err)
{
	struct ukt_buf sql = UKT_BUF_INIT;
	struct sql_filter f = { UKT_BUF_INIT, 0, { { 0 } } };
	struct db_stmt *s, *p;
	int64_t maxargs = 0;
	int rc = 0;

	p = db_prepare(d, "SELECT id, system, name, args, function FROM probes WHERE role IS NULL", err);
	if (!p)
		return fail_sql(err);
	db_query_int(d, "SELECT COUNT(*) - 7 FROM pragma_table_info('event_data')", &maxargs);
	while (rc >= 0 && (rc = db_step(p, err)) == 1) {
		char *argnames = strdup(db_column_text(p, 3) ? db_column_text(p, 3) : "");
		char *name = NULL;

		/* a probe on a function by its readable name, else system:event */
		if (!argnames || (db_column_text(p, 4) ?
				  asprintf(&name, "%s", db_column_text(p, 4)) :
				  asprintf(&name, "%s:%s", db_column_text(p, 1), db_column_text(p, 2))) < 0) {
			free(argnames);
			rc = -ENOMEM;
			break;
		}
		filter_release(&f);
		ukt_buf_reset(&sql);
		/* these are all stored: no call holds them */
		filter_int(&f, "e.probe_id = ?", db_column_int(p, 0));
		if (o->pid) {
			filter_int(&f, "(t.pid = ? OR e.tid = ?)", o->pid);
			filter_more_int(&f, o->pid);
		}
		if (o->comm)
			filter_text(&f, "t.comm GLOB ?", o->comm);
		if (o->has_since)
			filter_int(&f, "e.ts >= ?", o->since);
		if (o->has_until)
			filter_int(&f, "e.ts <= ?", o->until);
		ukt_buf_adds(&sql, "SELECT e.ts, e.tid, t.pid");
		for (int64_t k = 0; k < maxargs; k++)
			ukt_buf_addf(&sql, ", e.arg%" PRId64, k);
		ukt_buf_adds(&sql, ", " STACK_OF("user", "e.id") ", " STACK_OF("kernel", "e.id"));
		ukt_buf_addf(&sql, " FROM event_data e LEFT JOIN threads t ON t.tid = e.tid"
			     " WHERE %s ORDER BY e.id", f.where.data);
		s = db_prepare_buf(d, &sql, err);
		if (!s) {
			free(argnames);
			free(name);
			rc = -REP_E_SQL;
			break;
		}
		filter_bind(s, &f, 1);
		while ((rc = db_step(s, err)) == 1) {
			int64_t tid = db_column_int(s, 1);
			int64_t pid = db_column_type(s, 2) == DB_NULL ? tid : db_column_int(s, 2);
			char *save = NULL, *copy = strdup(argnames), *a;
			int k = 0;

			track_add(j, tid, pid);
			next(j);
			fputs("{\"name\":", j->f);
			out_json_string(j->f, name);
			fputs(",\"cat\":\"event\",\"ph\":\"i\",\"s\":\"t\"", j->f);
			us(j->f, "ts", db_column_int(s, 0));
			fprintf(j->f, ",\"pid\":%" PRId64 ",\"tid\":%" PRId64 ",\"args\":{", pid, tid);
			for (a = copy ? strtok_r(copy, " ", &save) : NULL; a && k < maxargs;
			     a = strtok_r(NULL, " ", &save), k++) {
				fprintf(j->f, "%s", k ? "," : "");
				out_json_string(j->f, a);
				fputc(':', j->f);
				if (db_column_type(s, 3 + k) == DB_INT)
					json_int(j->f, db_column_int(s, 3 + k));
				else if (db_column_type(s, 3 + k) == DB_NULL)
					fputs("null", j->f);
				else
					out_json_string(j->f, db_column_text(s, 3 + k));
			}
			free(copy);
			{
				const char *us_ = db_column_text(s, 3 + (int)maxargs);

				stack_arg(j->f, "user_stack", us_, k > 0);
				stack_arg(j->f, "kernel_stack", db_column_text(s, 4 + (int)maxargs),
					  k > 0 || us_);
			}
			fputs("}}", j->f);
		}
		db_finalize(s);
		free(argnames);
		free(name);
	}
	db_finalize(p);
	filter_release(&f);
	ukt_buf_release(&sql);
	return rc < 0 ? fail_sql(err) : 0;
}

/* Lost events: a counter per CPU on a track of their own. */
static int losses(struct json_out *j, struct db *d, const struct call_select *o,
		  struct ukt_buf *err)
{
	struct db_stmt *s = db_prepare(d, "SELECT cpu, ts, COALESCE(count, 1) FROM lost"
				       " WHERE source = 'mark' ORDER BY ts", err);
	bool named = false;
	int rc;

	if (!s)
		return fail_sql(err);
	while ((rc = db_step(s, err)) == 1) {
		int64_t ts = db_column_int(s, 1);

		if ((o->has_since && ts < o->since) || (o->has_until && ts > o->until))
			continue;
		if (!named) {
			next(j);
			fputs("{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":0,\"args\":{\"name\":\"lost events\"}}", j->f);
			named = true;
		}
		next(j);
		fputs("{\"name\":\"lost events\",\"ph\":\"C\"", j->f);
		us(j->f, "ts", ts);
		fprintf(j->f, ",\"pid\":0,\"tid\":0,\"args\":{\"cpu%" PRId64 "\":%" PRId64 "}}",
			db_column_int(s, 0), db_column_int(s, 2));
	}
	db_finalize(s);
	return rc < 0 ? fail_sql(err) : 0;
}

int perfetto_write(FILE *f, struct db *d, const struct call_select *sel,
		   uint64_t *nevents, struct ukt_buf *err)
{
	struct sql_filter flt = { UKT_BUF_INIT, 0, { { 0 } } };
	struct call_select all = *sel;
	struct json_out j = { .f = f, .first = true };
	int rc;

	all.func = NULL;
	stats_filter_view(&all, &flt);
	fputs("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"generator\":\"uktrace-report " UKT_VERSION
	      "\"},\"traceEvents\":[", f);
	rc = calls(&j, d, &flt, err);
	if (!rc)
		rc = instants(&j, d, &all, err);
	if (!rc)
		rc = losses(&j, d, &all, err);
	if (!rc && j.oom) {
		ukt_buf_adds(err, "out of memory for the list of threads");
		rc = -ENOMEM;
	}
	if (!rc)
		rc = names(&j, d, err);
	threads_release(&j.drawn);
	fputs("\n]}\n", f);
	if (!rc && ferror(f))
		rc = -EIO;
	filter_release(&flt);
	*nevents = j.events;
	return rc;
}
