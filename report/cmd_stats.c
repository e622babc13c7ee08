// SPDX-License-Identifier: MIT
/*
 * summary, hist, callers and calls: latency analyses on the database. The
 * statistics come from the same SQL as the call_stats and callers views
 * (stats.h), with the command's filters applied before aggregating.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "hist.h"
#include "pictures.h"
#include "report.h"
#include "stats.h"
#include "stream.h"
#include "svg.h"
#include "tables.h"
#include "errors.h"
#include "uktrace/vec.h"

/* The calls the options select (of func, when given). */
static struct call_select selection(const struct report_opts *o, const char *func)
{
	return (struct call_select){
		.func = func, .pid = o->pid, .comm = o->comm,
		.has_since = o->has_since, .since = o->since,
		.has_until = o->has_until, .until = o->until,
	};
}

/* The same as a filter on the calls view. */
static void build_filter(const struct report_opts *o, struct sql_filter *f,
			 const char *func)
{
	struct call_select sel = selection(o, func);

	stats_filter_view(&sel, f);
}

static struct db *open_db(struct report_opts *o, char **tmp, int *rc)
{
	struct db *d = report_open_db(o, tmp, rc);

	if (d && (*rc = report_resolve_times(o, d))) {
		report_close_db(d, *tmp);
		return NULL;
	}
	return d;
}

static bool func_exists(struct db *d, const char *func)
{
	struct db_stmt *s = db_prepare(d, "SELECT 1 FROM calls WHERE func = ? LIMIT 1", NULL);
	bool ok = false;

	if (!s)
		return false;
	db_bind_text(s, 1, func, -1);
	ok = db_step(s, NULL) == 1;
	db_finalize(s);
	return ok;
}

/* FUNC is one of the trace's paired functions (-f), called or not. */
static bool func_probed(struct db *d, const char *func)
{
	struct db_stmt *s = db_prepare(d, "SELECT 1 FROM funcs WHERE name = ? LIMIT 1", NULL);
	bool ok;

	if (!s)
		return false;
	db_bind_text(s, 1, func, -1);
	ok = db_step(s, NULL) == 1;
	db_finalize(s);
	return ok;
}

/* FUNC has no calls: why, given whether it was probed and the functions
 * that have calls (by name). */
static void say_no_calls(const char *func, bool probed, const char *const *with, size_t n)
{
	if (probed) {
		/* probed with entry and return: it simply ran no call we saw */
		fprintf(stderr, "uktrace-report: '%s' was probed but has no calls in this trace:"
			" it was not called while recording, or was entered before the recording"
			" and did not return during it (a call that returned shows, with status no_entry)\n",
			out_term(func));
		return;
	}
	fprintf(stderr, "uktrace-report: no calls of '%s' in this trace", out_term(func));
	for (size_t i = 0; i < n; i++) {
		fprintf(stderr, "%s'%s'", i ? ", " : "; functions with calls: ", out_term(with[i]));
		if (i + 1 >= 20) {
			fprintf(stderr, ", ...");
			break;
		}
	}
	if (!n)
		fprintf(stderr, "; it has no calls at all: record functions with -f (entry and return probes)");
	fprintf(stderr, "\n");
}

static void no_such_func(struct db *d, const char *func)
{
	struct db_stmt *s = NULL;
	char **with = NULL;
	size_t n = 0;
	bool probed = func_probed(d, func);

	if (!probed)
		s = db_prepare(d, "SELECT DISTINCT func FROM calls ORDER BY func", NULL);
	/* one past the 20 shown: the list says there are more */
	while (s && n < 21 && db_step(s, NULL) == 1) {
		const char *f = db_column_text(s, 0);

		if (ukt_grow_counted(&with, n, sizeof(*with)) || !(with[n] = strdup(f ? f : "")))
			break;
		n++;
	}
	db_finalize(s);
	say_no_calls(func, probed, (const char *const *)with, n);
	for (size_t i = 0; i < n; i++)
		free(with[i]);
	free(with);
}

/* d (a cached database), with the times resolved and FUNC known to have
 * calls (else a message, and d closed). */
static struct db *checked_func(struct report_opts *o, struct db *d, int *rc)
{
	if ((*rc = report_resolve_times(o, d)) || (*rc = report_resolve_func(o, d))) {
		report_close_db(d, NULL);
		return NULL;
	}
	if (!func_exists(d, o->arg)) {
		no_such_func(d, o->arg);
		report_close_db(d, NULL);
		*rc = -ENOENT;
		return NULL;
	}
	return d;
}

/* The database, with FUNC known to have calls (else a message). */
static struct db *open_db_func(struct report_opts *o, char **tmp, int *rc)
{
	struct db *d = open_db(o, tmp, rc);

	if (d && (*rc = report_resolve_func(o, d))) {
		report_close_db(d, *tmp);
		*tmp = NULL;
		return NULL;
	}
	if (d && !func_exists(d, o->arg)) {
		no_such_func(d, o->arg);
		report_close_db(d, *tmp);
		*tmp = NULL;
		*rc = -ENOENT;
		return NULL;
	}
	return d;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* What the summary says under the table: incomplete calls by status
 * (their names' order), lost events. */
static void print_notes(const struct report_opts *o, const struct stream_note *notes, size_t n,
			int64_t lost)
{
	static const struct { const char *status, *why; } why[] = {
		{ "no_return", "entered but did not return while recording (stopped, or the thread died)" },
		{ "no_entry", "returned without a recorded entry (entered before the recording)" },
		{ "lost", "ran while events of their thread's CPUs were lost (see 'info'; record with a larger -b)" },
		{ "no_return_depth", "got no return from the kernel: entered with 64 uretprobe returns pending on their thread (recursion or nesting of probed functions deeper than 64)" },
		{ "never_returns", "never return by design (exit, exit_group, rt_sigreturn)" },
		{ "fork_child", "were the child's side of fork or clone (a return without an entry)" },
		{ "abandoned", "were unwound past (longjmp, siglongjmp or an exception): their frames left without a return, their durations unknown" },
	};

	if (o->format != OUT_TABLE)
		return;
	for (size_t k = 0; k < n; k++) {
		const char *text = notes[k].status;

		for (size_t i = 0; i < sizeof(why) / sizeof(why[0]); i++)
			if (!strcmp(notes[k].status, why[i].status))
				text = why[i].why;
		printf("note: %" PRId64 " calls %s; left out of the statistics\n", notes[k].calls,
		       out_term(text));
	}
	if (lost)
		printf("note: %" PRId64 " events were lost in the ring buffer (see 'info'; record with a larger -b)\n", lost);
}

static void summary_notes(struct db *d, const struct report_opts *o)
{
	struct stream_note *notes = NULL;
	char **names = NULL;
	size_t n = 0;
	int64_t lost = 0;
	struct db_stmt *s;

	if (o->format != OUT_TABLE)
		return;
	s = db_prepare(d, "SELECT status, COUNT(*) FROM calls WHERE complete = 0 GROUP BY status", NULL);
	while (s && db_step(s, NULL) == 1) {
		const char *st = db_column_text(s, 0);

		if (ukt_grow_counted(&notes, n, sizeof(*notes)) ||
		    ukt_grow_counted(&names, n, sizeof(*names)) || !(names[n] = strdup(st ? st : "")))
			break;
		notes[n].status = names[n];
		notes[n].calls = db_column_int(s, 1);
		n++;
	}
	db_finalize(s);
	if (db_query_int(d, "SELECT SUM(lost_events) FROM cpus", &lost))
		lost = 0;
	print_notes(o, notes, n, lost);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(notes);
}

/* Event counts per probe: the summary of a trace without calls. */
static int summary_events(struct db *d, const struct report_opts *o)
{
	struct ukt_buf err = UKT_BUF_INIT;
	struct db_stmt *s = db_prepare(d,
		"SELECT p.system || ':' || p.name AS event, p.function, p.kind, COUNT(e.id) AS events"
		" FROM probes p LEFT JOIN events e ON e.probe_id = p.id"
		" GROUP BY p.id ORDER BY events DESC", &err);
	int rc;

	if (!s) {
		fprintf(stderr, "uktrace-report: %s\n", out_term(err.data));
		ukt_buf_release(&err);
		return -REP_E_SQL;
	}
	rc = report_run_query(s, o->format);
	db_finalize(s);
	ukt_buf_release(&err);
	return rc;
}

/* The call_summary table the import wrote (no filters, by function). */
static int read_summary_table(struct db *d, struct stats_row **out, size_t *nout)
{
	struct db_stmt *s = db_prepare(d, "SELECT func, calls, incomplete, total_ns, self_ns,"
				       " min_ns, avg_ns, p50_ns, p90_ns, p99_ns, max_ns FROM call_summary", NULL);
	struct stats_row *rows = NULL;
	size_t n = 0;
	int rc;

	*out = NULL;
	*nout = 0;
	if (!s)
		return -ENOENT;
	while ((rc = db_step(s, NULL)) == 1) {
		if (ukt_grow_counted(&rows, n, sizeof(*rows))) {
			rc = -ENOMEM;
			break;
		}
		memset(&rows[n], 0, sizeof(rows[n]));
		rows[n].k1 = strdup(db_column_text(s, 0) ? db_column_text(s, 0) : "");
		for (int i = 0; i < S_NCOLS; i++) {
			rows[n].null[i] = db_column_type(s, i + 1) == DB_NULL;
			rows[n].v[i] = db_column_int(s, i + 1);
		}
		n++;
	}
	db_finalize(s);
	*out = rows;
	*nout = n;
	return rc < 0 ? rc : 0;
}

/* The summary's table: rows in --sort's order, at most --limit. */
static int print_summary(const struct report_opts *o, struct stats_row *rows, size_t nrows,
			 const struct stats_sort *sort)
{
	static const char *const heads[] = { "calls", "incomplete", "total",
		"self", "min", "avg", "p50", "p90", "p99", "max" };
	struct out_table t = { 0 };
	int kcols = o->by ? 2 : 1, rc;
	const char *h[12];
	int n = 0;

	stats_sort_rows(rows, nrows, sort);
	h[n++] = "function";
	if (kcols == 2)
		h[n++] = o->by;
	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
		h[n++] = heads[i];
	rc = out_table_init(&t, n, h);
	for (size_t i = 0; i < nrows && !rc && (o->limit <= 0 || (int)i < o->limit); i++) {
		const struct stats_row *r = &rows[i];
		int c = 0;

		out_table_row(&t);
		out_set_text(&t, c++, r->k1);
		if (kcols == 2) {
			if (r->k2_null)
				out_set_null(&t, c++);
			else if (r->k2_is_int)
				out_set_int(&t, c++, r->k2i);
			else
				out_set_text(&t, c++, r->k2);
		}
		out_set_int(&t, c++, r->v[S_CALLS]);
		out_set_int(&t, c++, r->v[S_INCOMPLETE]);
		for (int k = S_TOTAL; k <= S_MAX; k++) {
			char b[32];

			if (r->null[k]) {
				out_set_null(&t, c++);
				continue;
			}
			fmt_duration(b, sizeof(b), r->v[k]);
			out_set_int_shown(&t, c++, r->v[k], b);
		}
	}
	if (!rc) {
		if (o->format == OUT_TABLE)
			puts(STATS_SUMMARY_HEADER);
		out_table_print(&t, o->format, stdout);
	}
	out_table_release(&t);
	return rc;
}

/* The events per probe (a trace without pairs): most first. */
static int print_probe_events(const struct report_opts *o, const struct stream_probe *p, size_t n)
{
	static const char *const heads[] = { "event", "function", "kind", "events" };
	struct out_table t;
	int rc = out_table_init(&t, 4, heads);

	for (size_t i = 0; i < n && !rc; i++) {
		rc = out_table_row(&t);
		out_set_text(&t, 0, p[i].event);
		if (p[i].function)
			out_set_text(&t, 1, p[i].function);
		else
			out_set_null(&t, 1);
		out_set_text(&t, 2, p[i].kind);
		out_set_int(&t, 3, p[i].events);
	}
	if (!rc)
		out_table_print(&t, o->format, stdout);
	out_table_release(&t);
	return rc;
}

/* --by: its grouping, and the columns of keys. */
static int parse_by(const struct report_opts *o, enum stats_by *by)
{
	*by = STATS_BY_FUNC;
	if (!o->by)
		return 0;
	if (!strcmp(o->by, "pid"))
		*by = STATS_BY_PID;
	else if (!strcmp(o->by, "comm"))
		*by = STATS_BY_COMM;
	else if (!strcmp(o->by, "tid"))
		*by = STATS_BY_TID;
	else {
		fprintf(stderr, "uktrace-report: --by takes pid, tid or comm, not '%s'\n", out_term(o->by));
		return -EINVAL;
	}
	return 0;
}

/*
 * A trace without a current database is answered by one pass over it
 * (stream.h), and its database built afterwards, in the background, for
 * the next command. --db asks for the database: it is imported first.
 */
static bool streams(const struct report_opts *o, struct db **d)
{
	*d = NULL;
	if (o->db_path)
		return false;
	*d = report_cached_db(o);
	return !*d;
}

/* Warnings, a line each. */
static void stream_warn(const char *text)
{
	while (*text) {
		size_t n = strcspn(text, "\n");
		char *line = strndup(text, n);

		fprintf(stderr, "warning: %s\n", line ? out_term(line) : "");
		free(line);
		text += n + (text[n] == '\n');
	}
}

static int stream_resolve_times(struct report_opts *o, struct stream *s)
{
	if (!o->since_arg && !o->until_arg)
		return 0;
	return report_resolve_times_at(o, stream_first_ts(s));
}

/* The trace, to stream: a message when it cannot be read. */
static struct stream *open_stream(struct report_opts *o, int *rc)
{
	struct ukt_buf err = UKT_BUF_INIT, warn = UKT_BUF_INIT;
	struct stream *s;

	for (size_t i = 0; i < o->ntraces; i++) {
		if (access(o->traces[i], R_OK) < 0) {
			*rc = -errno;
			fprintf(stderr, "uktrace-report: cannot read '%s': %s\n", out_term(o->traces[i]),
				strerror(errno));
			return NULL;
		}
	}
	s = stream_open(o->traces, o->ntraces, rc, &err, &warn);
	if (!s)
		fprintf(stderr, "uktrace-report: %s\n", err.len ? out_term(err.data) : rep_strerror(*rc));
	else if (warn.len && !o->quiet)
		stream_warn(warn.data);
	if (s)
		*rc = stream_resolve_times(o, s);
	if (s && *rc) {
		stream_close(s);
		s = NULL;
	}
	ukt_buf_release(&err);
	ukt_buf_release(&warn);
	return s;
}

/* The pass; its warnings (and the losses, as for a database) said. */
static int run_stream(struct report_opts *o, struct stream *s, const struct stream_req *req,
		      struct stream_answer *a)
{
	struct ukt_buf err = UKT_BUF_INIT, warn = UKT_BUF_INIT;
	int rc = stream_run(s, req, a, &err, &warn);

	if (rc)
		fprintf(stderr, "uktrace-report: %s\n", err.len ? out_term(err.data) : rep_strerror(rc));
	if (!o->quiet) {
		if (warn.len)
			stream_warn(warn.data);
		for (size_t i = 0; i < a->ncpu_losses; i++)
			fprintf(stderr, "warning: cpu %d lost %" PRId64 " events (ring buffer overrun; %" PRId64 " missed-event marks in the data)\n",
				a->cpu_losses[i].cpu, a->cpu_losses[i].lost, a->cpu_losses[i].marks);
	}
	ukt_buf_release(&err);
	ukt_buf_release(&warn);
	return rc;
}

static int summary_streamed(struct report_opts *o, enum stats_by by,
			    const struct stats_sort *sort)
{
	struct stream_answer a = { 0 };
	struct stream_req req = { .what = STREAM_SUMMARY, .by = by };
	int rc;
	struct stream *s = open_stream(o, &rc);

	if (!s)
		return rc;
	req.sel = selection(o, NULL);
	rc = run_stream(o, s, &req, &a);
	if (!rc && !stream_paired_probes(s)) {
		rc = print_probe_events(o, a.probes, a.nprobes);
	} else if (!rc) {
		rc = print_summary(o, a.rows, a.nrows, sort);
		if (!rc)
			print_notes(o, a.notes, a.nnotes, a.lost_events);
	}
	stream_answer_release(&a);
	stream_close(s);
	if (!rc && report_cache_in_background(o))
		return 0;	/* the child, done */
	return rc;
}

int cmd_summary(struct report_opts *o)
{
	struct ukt_buf err = UKT_BUF_INIT;
	struct call_select sel;
	struct stats_row *rows = NULL;
	size_t nrows = 0;
	enum stats_by by;
	int64_t nfuncs = 0;
	int rc;
	struct stats_sort sort;
	char *tmp = NULL;
	struct db *d;

	if (o->ch_query_url)
		return ch_cmd_summary(o);
	if (stats_sort_parse(o->sort, &sort)) {
		fprintf(stderr, "uktrace-report: --sort takes " STATS_SORT_KEYS ", not '%s'\n",
			out_term(o->sort));
		return -EINVAL;
	}
	if ((rc = parse_by(o, &by)))
		return rc;
	if (streams(o, &d))
		return summary_streamed(o, by, &sort);
	if (d && (rc = report_resolve_times(o, d))) {
		report_close_db(d, NULL);
		return rc;
	}
	if (!d)
		d = open_db(o, &tmp, &rc);
	if (!d)
		return rc;
	/* without entry/return pairs, the events per probe are the summary */
	db_query_int(d, "SELECT COUNT(*) FROM probes WHERE func IS NOT NULL", &nfuncs);
	if (!nfuncs) {
		rc = summary_events(d, o);
		goto out;
	}
	sel = selection(o, NULL);	/* the times are resolved now */
	if (by == STATS_BY_FUNC && !sel.pid && !sel.comm && !sel.has_since && !sel.has_until)
		rc = read_summary_table(d, &rows, &nrows);
	if (!rows) {
		rc = stats_compute(d, by, &sel, &rows, &nrows, &err);
		if (!rc && by == STATS_BY_FUNC)
			rc = stats_add_uncalled(d, &rows, &nrows);
	}
	if (rc) {
		fprintf(stderr, "uktrace-report: %s\n", err.len ? out_term(err.data) : rep_strerror(rc));
		goto out;
	}
	rc = print_summary(o, rows, nrows, &sort);
	summary_notes(d, o);
out:
	stats_free(rows, nrows);
	ukt_buf_release(&err);
	report_close_db(d, tmp);
	return rc;
}

/* A latency histogram of FUNC: text, CSV/JSON rows, or an SVG. */
static int print_hist(const struct report_opts *o, const struct hist *h)
{
	int rc = 0;

	if (o->svg) {
		FILE *out = pic_open(o->svg, o->mode, &rc);
		struct ukt_buf title = UKT_BUF_INIT;

		if (out) {
			ukt_buf_addf(&title, "Latency of %s: %" PRIu64 " complete calls", o->arg, h->total);
			svg_prolog(out);
			pic_hist_svg(out, h, title.data);
			rc = pic_close(out, o->svg, o->quiet);
		}
		ukt_buf_release(&title);
	} else if (o->format != OUT_TABLE) {
		static const char *const heads[] = { "from_ns", "to_ns", "count" };
		struct out_table t;

		out_table_init(&t, 3, heads);
		for (int i = 0; i < h->n; i++) {
			out_table_row(&t);
			out_set_int(&t, 0, h->from[i]);
			out_set_int(&t, 1, h->to[i] - 1);	/* inclusive */
			out_set_int(&t, 2, (int64_t)h->count[i]);
		}
		out_table_print(&t, o->format, stdout);
		out_table_release(&t);
	} else {
		printf("latency of %s: %" PRIu64 " complete calls\n\n", out_term(o->arg), h->total);
		printf("%26s : %-9s %s\n", "duration [from, to)", "count", "distribution");
		for (int i = 0; i < h->n; i++) {
			char range[80];
			int bars = h->max ? (int)((h->count[i] * 40 + h->max - 1) / h->max) : 0;

			hist_label(h, i, range, sizeof(range));
			printf("%26s : %-9" PRIu64 " |%-40.*s|\n", range, h->count[i], bars,
			       "****************************************");
		}
	}
	return rc;
}

/* The functions with calls, by name: what a FUNC without calls is told. */
static void say_no_calls_streamed(struct stream *s, const struct stream_answer *a,
				  const char *func)
{
	const char **names, **syms, **with;
	bool probed = false;
	size_t k = 0;
	int n;

	stream_funcs(s, &names, &syms, &n);
	with = calloc((size_t)n + 1, sizeof(*with));
	for (int i = 0; i < n; i++) {
		probed |= !strcmp(names[i], func);
		if (with && a->func_calls && a->func_calls[i])
			with[k++] = names[i];
	}
	if (k > 1)
		qsort(with, k, sizeof(*with), cmp_str);
	say_no_calls(func, probed, with, k);
	free(with);
}

/* hist or callers FUNC by one pass: FUNC resolved as for a database. */
static int func_streamed(struct report_opts *o, struct stream_req *req, struct stream **sp,
			 struct stream_answer *a)
{
	const char **names, **syms;
	int n, rc;
	struct stream *s = open_stream(o, &rc);

	*sp = s;
	if (!s)
		return rc;
	stream_funcs(s, &names, &syms, &n);
	rc = report_resolve_func_in(o, names, syms, n);
	if (rc)
		return rc;
	req->sel = selection(o, o->arg);
	rc = run_stream(o, s, req, a);
	if (!rc && !a->func_has_calls) {
		say_no_calls_streamed(s, a, o->arg);
		rc = -ENOENT;
	}
	return rc;
}

static int hist_streamed(struct report_opts *o)
{
	struct stream_req req = { .what = STREAM_HIST, .linear = o->linear,
				  .buckets = o->buckets > 0 ? o->buckets : 20 };
	struct stream_answer a = { 0 };
	struct stream *s;
	int rc = func_streamed(o, &req, &s, &a);

	if (!rc && a.hist_too_big) {
		/* more durations than the pass keeps: the database has them */
		stream_answer_release(&a);
		stream_close(s);
		return -EAGAIN;
	}
	if (!rc)
		rc = print_hist(o, &a.hist);
	stream_answer_release(&a);
	stream_close(s);
	if (!rc && report_cache_in_background(o))
		return 0;	/* the child, done */
	return rc;
}

int cmd_hist(struct report_opts *o)
{
	struct ukt_buf err = UKT_BUF_INIT;
	struct sql_filter f = { UKT_BUF_INIT, 0, { { 0 } } };
	struct hist h;
	int rc;
	char *tmp = NULL;
	struct db *d;

	if (streams(o, &d) && (rc = hist_streamed(o)) != -EAGAIN)
		return rc;
	d = d ? checked_func(o, d, &rc) : open_db_func(o, &tmp, &rc);
	if (!d)
		return rc;
	build_filter(o, &f, o->arg);
	rc = hist_compute(d, &f, o->linear, o->buckets > 0 ? o->buckets : 20, &h, &err);
	if (rc) {
		fprintf(stderr, "uktrace-report: %s\n", err.len ? out_term(err.data) : rep_strerror(rc));
		goto out;
	}
	rc = print_hist(o, &h);
	hist_release(&h);
out:
	filter_release(&f);
	ukt_buf_release(&err);
	report_close_db(d, tmp);
	return rc;
}

int cmd_heatmap(struct report_opts *o)
{
	struct ukt_buf err = UKT_BUF_INIT, title = UKT_BUF_INIT;
	struct sql_filter f = { UKT_BUF_INIT, 0, { { 0 } } };
	struct heat h = { 0 };
	int64_t origin = 0, t0, t1;
	FILE *out;
	int rc;
	char *tmp;
	struct db *d;

	if (!o->output) {
		fprintf(stderr, "uktrace-report: heatmap needs -o OUT.svg\n");
		return -EINVAL;
	}
	d = open_db_func(o, &tmp, &rc);
	if (!d)
		return rc;
	build_filter(o, &f, o->arg);
	origin = tables_first_ts(d);
	heat_trace_span(d, o->has_since, o->since, o->has_until, o->until, &t0, &t1);
	rc = heat_compute_span(d, &f, o->buckets > 0 ? o->buckets : 60, t0, t1, &h, &err);
	if (rc) {
		fprintf(stderr, "uktrace-report: %s\n", err.len ? out_term(err.data) : rep_strerror(rc));
		goto out;
	}
	if (!h.total) {
		fprintf(stderr, "uktrace-report: no complete calls of '%s' in the selection: nothing to draw\n", out_term(o->arg));
		rc = -ENOENT;
		goto out;
	}
	out = pic_open(o->output, o->mode, &rc);
	if (!out)
		goto out;
	ukt_buf_addf(&title, "When the %" PRIu64 " calls of %s happened, and how long they took",
		     h.total, o->arg);
	svg_prolog(out);
	pic_heat_svg(out, &h, origin, title.data);
	rc = pic_close(out, o->output, o->quiet);
out:
	heat_release(&h);
	filter_release(&f);
	ukt_buf_release(&err);
	ukt_buf_release(&title);
	report_close_db(d, tmp);
	return rc;
}

/* How a column of a query is shown. */
enum show { SHOW_TEXT, SHOW_INT, SHOW_DUR, SHOW_TS, SHOW_HEX };

struct column {
	const char *head;
	int src;		/* result column */
	enum show show;
	const char *if_null;	/* text for NULL, or NULL to show NULL */
};

static void set_cell(struct out_table *t, int col, struct db_stmt *s,
		     const struct column *c)
{
	int64_t v = db_column_int(s, c->src);
	char b[40];

	if (db_column_type(s, c->src) == DB_NULL) {
		if (c->if_null)
			out_set_text(t, col, c->if_null);
		else
			out_set_null(t, col);
		return;
	}
	switch (c->show) {
	case SHOW_TEXT:
		out_set_text(t, col, db_column_text(s, c->src));
		break;
	case SHOW_INT:
		out_set_int(t, col, v);
		break;
	case SHOW_DUR:
		fmt_duration(b, sizeof(b), v);
		out_set_int_shown(t, col, v, b);
		break;
	case SHOW_TS:
		snprintf(b, sizeof(b), "%" PRId64 ".%09" PRId64, v / 1000000000, v % 1000000000);
		out_set_int_shown(t, col, v, b);
		break;
	case SHOW_HEX:
		snprintf(b, sizeof(b), "0x%" PRIx64, (uint64_t)v);
		out_set_int_shown(t, col, v, b);
		break;
	}
}

/*
 * The calls of FUNC that the filters select, through sql (a query with
 * the filter's placeholders from build_filter), as a table of cols.
 */
static int func_query(struct report_opts *o, struct db *d, const char *sql,
		      const struct sql_filter *f, const struct column *cols,
		      int ncols, const char *title)
{
	struct ukt_buf err = UKT_BUF_INIT;
	struct out_table t = { 0 };
	const char *heads[16];
	struct db_stmt *s = db_prepare(d, sql, &err);
	int rc;

	for (int i = 0; i < ncols && i < 16; i++)
		heads[i] = cols[i].head;
	if (!s) {
		rc = -REP_E_SQL;
		goto out;
	}
	filter_bind(s, f, 1);
	rc = out_table_init(&t, ncols, heads);
	while (rc >= 0 && (rc = db_step(s, &err)) == 1) {
		out_table_row(&t);
		for (int i = 0; i < ncols; i++)
			set_cell(&t, i, s, &cols[i]);
	}
	if (rc < 0)
		goto out;
	rc = 0;
	if (title && o->format == OUT_TABLE)
		printf("%s\n\n", out_term(title));
	out_table_print(&t, o->format, stdout);
	if (!t.nrows && o->status && !o->quiet)
		/* calls --status: none is an answer, not a failure */
		fprintf(stderr, "uktrace-report: no calls of '%s' with status %s in the selection\n",
			out_term(o->arg), out_term(o->status));
out:
	if (rc < 0)
		fprintf(stderr, "uktrace-report: %s\n", err.len ? out_term(err.data) : rep_strerror(rc));
	db_finalize(s);
	out_table_release(&t);
	ukt_buf_release(&err);
	return rc;
}

static bool stacks_recorded(struct db *d)
{
	struct db_stmt *s = db_prepare(d, "SELECT 1 FROM stacks LIMIT 1", NULL);
	bool yes = s && db_step(s, NULL) == 1;

	db_finalize(s);
	return yes;
}

/* A duration cell. */
static void set_duration(struct out_table *t, int col, int64_t v)
{
	char b[40];

	fmt_duration(b, sizeof(b), v);
	out_set_int_shown(t, col, v, b);
}

/* callers FUNC by one pass: the columns of cmd_callers' query. */
static int callers_streamed(struct report_opts *o)
{
	static const char *const heads[] = { "caller", "object", "calls", "total", "avg",
					     "min", "max" };
	struct stream_req req = { .what = STREAM_CALLERS };
	struct stream_answer a = { 0 };
	struct out_table t = { 0 };
	struct stream *s;
	int rc = func_streamed(o, &req, &s, &a);

	if (!rc)
		rc = out_table_init(&t, 7, heads);
	for (size_t i = 0; !rc && i < a.ncallers && (o->limit <= 0 || (int)i < o->limit); i++) {
		const struct stream_caller *c = &a.callers[i];

		out_table_row(&t);
		out_set_text(&t, 0, c->symbol ? c->symbol : "(unknown: no caller address)");
		if (c->object)
			out_set_text(&t, 1, c->object);
		else
			out_set_null(&t, 1);
		out_set_int(&t, 2, c->calls);
		if (!c->complete) {
			for (int k = 3; k < 7; k++)
				out_set_null(&t, k);
			continue;
		}
		set_duration(&t, 3, c->total);
		/* as SQLite's CAST(AVG(x) AS INTEGER) */
		set_duration(&t, 4, (int64_t)((double)c->durs / (double)c->complete));
		set_duration(&t, 5, c->min);
		set_duration(&t, 6, c->max);
	}
	if (!rc) {
		if (o->format == OUT_TABLE)
			printf("callers of %s\n\n", out_term(o->arg));
		out_table_print(&t, o->format, stdout);
	}
	out_table_release(&t);
	stream_answer_release(&a);
	stream_close(s);
	if (!rc && report_cache_in_background(o))
		return 0;	/* the child, done */
	return rc;
}

int cmd_callers(struct report_opts *o)
{
	static const struct column chain_cols[] = {
		{ "chain", 0, SHOW_TEXT, "(no stack)" },
		{ "object", 1, SHOW_TEXT, NULL }, { "calls", 2, SHOW_INT, NULL },
		{ "total", 4, SHOW_DUR, NULL }, { "avg", 5, SHOW_DUR, NULL },
		{ "min", 6, SHOW_DUR, NULL }, { "max", 7, SHOW_DUR, NULL },
	};
	static const struct column cols[] = {
		{ "caller", 1, SHOW_TEXT, "(unknown: no caller address)" },
		{ "object", 2, SHOW_TEXT, NULL }, { "calls", 3, SHOW_INT, NULL },
		{ "total", 5, SHOW_DUR, NULL }, { "avg", 6, SHOW_DUR, NULL },
		{ "min", 7, SHOW_DUR, NULL }, { "max", 8, SHOW_DUR, NULL },
	};
	struct ukt_buf sql = UKT_BUF_INIT, title = UKT_BUF_INIT;
	struct sql_filter f = { UKT_BUF_INIT, 0, { { 0 } } };
	int rc;
	char *tmp = NULL;
	struct db *d = NULL;

	if (o->ch_query_url && o->depth) {
		fprintf(stderr, "uktrace-report: callers --depth reads the stacks of a trace file; ClickHouse has none (callers --clickhouse gives the immediate callers)\n");
		return -EINVAL;
	}
	if (o->ch_query_url)
		return ch_cmd_callers(o);
	/* call chains read the stacks: the database has them */
	if (!o->depth && streams(o, &d))
		return callers_streamed(o);
	d = d ? checked_func(o, d, &rc) : open_db_func(o, &tmp, &rc);
	if (!d)
		return rc;
	build_filter(o, &f, o->arg);
	if (o->depth) {
		stats_sql_chains(&sql, f.where.data, o->depth);
		ukt_buf_addf(&title, "call chains of %s, %d frames (innermost first)", o->arg, o->depth);
	} else {
		stats_sql_callers(&sql, f.where.data);
		ukt_buf_addf(&title, "callers of %s", o->arg);
	}
	ukt_buf_adds(&sql, "\nORDER BY calls DESC");
	if (o->limit > 0)
		ukt_buf_addf(&sql, " LIMIT %d", o->limit);
	if (o->depth && !stacks_recorded(d))
		fprintf(stderr, "uktrace-report: this trace has no stacks: record with -g (or --stack) for call chains\n");
	rc = func_query(o, d, sql.data, &f, o->depth ? chain_cols : cols, 7, title.data);
	filter_release(&f);
	ukt_buf_release(&sql);
	ukt_buf_release(&title);
	report_close_db(d, tmp);
	return rc;
}

/* Whether func is a syscall's pair of tracepoints (its ret is a count or
 * -errno, a function's is a register: shown in hex). */
static bool func_is_tracepoint(struct db *d, const char *func)
{
	struct db_stmt *s = db_prepare(d, "SELECT COUNT(*) FROM probes WHERE func = ?"
				       " AND kind = 'tracepoint'", NULL);
	bool tp = false;

	if (!s)
		return false;
	db_bind_text(s, 1, func, -1);
	if (db_step(s, NULL) == 1)
		tp = db_column_int(s, 0) > 0;
	db_finalize(s);
	return tp;
}

/*
 * --status S[,S...]: a condition on the calls view's status, each name
 * one of the database's call_status names (or "incomplete"), else a
 * message that lists them.
 */
static int status_filter(struct db *d, const char *arg, struct sql_filter *f)
{
	struct ukt_buf cond = UKT_BUF_INIT, names = UKT_BUF_INIT;
	char *list = strdup(arg), *save = NULL, *tok;
	int rc = 0;

	if (!list)
		return -ENOMEM;
	for (tok = strtok_r(list, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
		struct db_stmt *s;
		bool known = false;

		if (!strcmp(tok, "incomplete")) {
			ukt_buf_addf(&cond, "%scomplete = 0", cond.len ? " OR " : "");
			continue;
		}
		s = db_prepare(d, "SELECT name FROM call_status ORDER BY id", NULL);
		ukt_buf_reset(&names);
		while (s && db_step(s, NULL) == 1) {
			const char *n = db_column_text(s, 0);

			ukt_buf_addf(&names, "%s%s", names.len ? ", " : "", n ? n : "");
			if (n && !strcmp(n, tok))
				known = true;
		}
		db_finalize(s);
		/* a known name is a word of [a-z_]: safe to quote into SQL */
		if (!known || tok[strspn(tok, "abcdefghijklmnopqrstuvwxyz_")]) {
			fprintf(stderr, "uktrace-report: --status: unknown status '%s': give one or more of %s, incomplete (separated by commas; docs/SCHEMA.md, calls)\n",
				out_term(tok), names.len ? names.data : "(none)");
			rc = -EINVAL;
			break;
		}
		ukt_buf_addf(&cond, "%sstatus = '%s'", cond.len ? " OR " : "", tok);
	}
	if (!rc && !cond.len) {
		fprintf(stderr, "uktrace-report: --status wants one or more statuses, such as no_return or abandoned\n");
		rc = -EINVAL;
	}
	if (!rc) {
		struct ukt_buf c = UKT_BUF_INIT;

		ukt_buf_addf(&c, "(%s)", cond.data);
		filter_add(f, c.data);
		ukt_buf_release(&c);
	}
	ukt_buf_release(&cond);
	ukt_buf_release(&names);
	free(list);
	return rc;
}

int cmd_calls(struct report_opts *o)
{
	struct column cols[] = {
		{ "entry_ts", 0, SHOW_TS, NULL }, { "duration", 1, SHOW_DUR, NULL },
		{ "tid", 2, SHOW_INT, NULL }, { "pid", 3, SHOW_INT, NULL },
		{ "comm", 4, SHOW_TEXT, NULL }, { "depth", 5, SHOW_INT, NULL },
		{ "caller", 6, SHOW_TEXT, NULL }, { "args", 7, SHOW_TEXT, NULL },
		{ "ret", 8, SHOW_HEX, NULL }, { "status", 9, SHOW_TEXT, NULL },
	};
	struct ukt_buf sql = UKT_BUF_INIT;
	struct sql_filter f = { UKT_BUF_INIT, 0, { { 0 } } };
	int rc;
	char *tmp;
	struct db *d = open_db_func(o, &tmp, &rc);

	if (!d)
		return rc;
	if (func_is_tracepoint(d, o->arg))
		cols[8].show = SHOW_INT;
	build_filter(o, &f, o->arg);
	if (o->min_duration > 0)
		filter_int(&f, "duration_ns >= ?", o->min_duration);
	rc = o->status ? status_filter(d, o->status, &f) : 0;
	ukt_buf_addf(&sql, "SELECT entry_ts, duration_ns, tid, pid, comm, depth, caller_symbol,"
			   " args, ret, status FROM calls WHERE %s"
			   " ORDER BY duration_ns IS NULL, duration_ns DESC, entry_ts LIMIT %d",
		     f.where.data, o->limit > 0 ? o->limit : 20);
	if (!rc)
		rc = func_query(o, d, sql.data, &f, cols, 10, NULL);
	filter_release(&f);
	ukt_buf_release(&sql);
	report_close_db(d, tmp);
	return rc;
}
