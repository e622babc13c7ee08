// SPDX-License-Identifier: MIT
/* The self-contained HTML report (html.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "errors.h"
#include "flame.h"
#include "hist.h"
#include "html.h"
#include "output.h"
#include "pictures.h"
#include "tables.h"

#define HEAT_COLS 60

static const char style[] =
"body{font-family:Verdana,sans-serif;font-size:14px;color:#222;margin:24px;max-width:1240px}\n"
"h1{font-size:22px}h2{font-size:18px;margin-top:36px;border-bottom:1px solid #ccc}\n"
"h3{font-size:15px}table{border-collapse:collapse;margin:8px 0}\n"
"th,td{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}\n"
"th{background:#f3f0e8;cursor:default}td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
"table.sortable th{cursor:pointer}table.facts td:first-child{color:#666}\n"
".note{color:#8a3b00}.muted{color:#777}svg{display:block;margin:8px 0;max-width:100%;height:auto}\n";

/* Click a column head of a sortable table to sort by it (numbers by
 * their data-v, descending first). */
static const char sort_js[] =
"document.querySelectorAll('table.sortable').forEach(function(t){\n"
" t.querySelectorAll('th').forEach(function(th,i){var desc=true;th.onclick=function(){\n"
"  var b=t.tBodies[0],r=Array.prototype.slice.call(b.rows);\n"
"  r.sort(function(x,y){var a=x.cells[i],c=y.cells[i],u=a.getAttribute('data-v'),v=c.getAttribute('data-v');\n"
"   var k=(u!==null&&v!==null)?(+u)-(+v):a.textContent.localeCompare(c.textContent);return desc?-k:k;});\n"
"  desc=!desc;r.forEach(function(e){b.appendChild(e);});};});});\n";

static void esc(FILE *f, const char *s)
{
	out_xml_text(f, s ? s : "");
}

static void fact(FILE *f, const char *name, const char *value)
{
	fputs("<tr><td>", f);
	esc(f, name);
	fputs("</td><td>", f);
	esc(f, value && *value ? value : "(unknown)");
	fputs("</td></tr>\n", f);
}

static void td_dur(FILE *f, bool null, int64_t ns)
{
	char b[32];

	if (null) {
		fputs("<td class=\"n\" data-v=\"-1\"></td>", f);
		return;
	}
	fmt_duration(b, sizeof(b), ns);
	fprintf(f, "<td class=\"n\" data-v=\"%" PRId64 "\">%s</td>", ns, b);
}

static void td_int(FILE *f, int64_t v)
{
	fprintf(f, "<td class=\"n\" data-v=\"%" PRId64 "\">%" PRId64 "</td>", v, v);
}

static void facts(FILE *f, struct db *d, const char *trace_name)
{
	static const char *const keys[][2] = {
		{ "host", "host" }, { "kernel", "kernel" }, { "command", "cmdline" },
		{ "recorder", "uktrace_version" },
	};
	int64_t events = 0, lost = 0, calls = 0, start = 0, stop = 0;
	char *v, b[128];

	fputs("<table class=\"facts\">\n", f);
	fact(f, "trace", trace_name);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		v = tables_meta(d, keys[i][1]);
		fact(f, keys[i][0], v);
		free(v);
	}
	v = tables_meta(d, "start_realtime");
	if (v) {
		time_t t = (time_t)strtoll(v, NULL, 10);

		strftime(b, sizeof(b), "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
		if (!db_query_int(d, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'start_ns'", &start) &&
		    !db_query_int(d, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'stop_ns'", &stop) &&
		    stop > start)
			snprintf(b + strlen(b), sizeof(b) - strlen(b), ", for %.3f s", (double)(stop - start) / 1e9);
		fact(f, "recorded", b);
		free(v);
	}
	db_query_int(d, "SELECT COALESCE(SUM(events), 0) FROM cpus", &events);
	db_query_int(d, "SELECT COALESCE(SUM(lost_events), 0) FROM cpus", &lost);
	db_query_int(d, "SELECT COUNT(*) FROM call_data", &calls);
	snprintf(b, sizeof(b), "%" PRId64 " events, %" PRId64 " calls", events, calls);
	fact(f, "contents", b);
	snprintf(b, sizeof(b), "%" PRId64 " events", lost);
	fact(f, "lost", lost ? b : "none");
	fputs("</table>\n", f);
}

static int row_total_desc(const void *a, const void *b)
{
	const struct stats_row *x = a, *y = b;

	if (x->null[S_TOTAL] != y->null[S_TOTAL])
		return x->null[S_TOTAL] ? 1 : -1;
	if (x->v[S_TOTAL] != y->v[S_TOTAL])
		return x->v[S_TOTAL] > y->v[S_TOTAL] ? -1 : 1;
	return strcmp(x->k1, y->k1);
}

static void summary(FILE *f, const struct stats_row *rows, size_t n, int nfuncs)
{
	static const char *const heads[] = { "function", "calls", "incomplete", "total",
		"self", "min", "avg", "p50", "p90", "p99", "max" };
	size_t uncalled = 0;

	fputs("<h2 id=\"summary\">Summary</h2>\n<p class=\"muted\">Complete calls of each probed"
	      " function (click a column to sort; a function's name leads to its details).</p>\n"
	      "<table class=\"sortable summary\"><thead><tr>", f);
	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
		fprintf(f, "<th>%s</th>", heads[i]);
	fputs("</tr></thead><tbody>\n", f);
	for (size_t i = 0; i < n; i++) {
		const struct stats_row *r = &rows[i];

		if (!r->v[S_CALLS] && !r->v[S_INCOMPLETE]) {
			uncalled++;
			continue;	/* below, folded */
		}
		fputs("<tr><td>", f);
		if ((int)i < nfuncs && r->v[S_CALLS]) {
			fprintf(f, "<a href=\"#f%zu\">", i);
			esc(f, r->k1);
			fputs("</a>", f);
		} else {
			esc(f, r->k1);
		}
		fputs("</td>", f);
		td_int(f, r->v[S_CALLS]);
		td_int(f, r->v[S_INCOMPLETE]);
		for (int k = S_TOTAL; k <= S_MAX; k++)
			td_dur(f, r->null[k], r->v[k]);
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
	/* a glob's many matches that never ran: named, out of the way */
	if (uncalled) {
		size_t k = 0;

		fprintf(f, "<details class=\"uncalled\" data-count=\"%zu\"><summary>%zu probed"
			" function%s had no calls</summary>\n<p class=\"muted\">", uncalled, uncalled,
			uncalled == 1 ? "" : "s");
		for (size_t i = 0; i < n; i++) {
			if (rows[i].v[S_CALLS] || rows[i].v[S_INCOMPLETE])
				continue;
			fputs(k++ ? ", " : "", f);
			esc(f, rows[i].k1);
		}
		fputs("</p></details>\n", f);
	}
}

static void notes(FILE *f, struct db *d)
{
	struct db_stmt *s = db_prepare(d, "SELECT status, COUNT(*) FROM calls WHERE complete = 0"
				       " GROUP BY status ORDER BY 2 DESC", NULL);
	int64_t lost = 0;

	while (s && db_step(s, NULL) == 1)
		fprintf(f, "<p class=\"note\">%" PRId64 " calls are <b>%s</b>: left out of the"
			" statistics (see docs/SCHEMA.md, call status).</p>\n",
			db_column_int(s, 1), db_column_text(s, 0));
	db_finalize(s);
	if (db_query_int(d, "SELECT SUM(lost_events) FROM cpus", &lost) == 0 && lost)
		fprintf(f, "<p class=\"note\">%" PRId64 " events were lost in the ring buffer;"
			" calls spanning a loss are marked lost (record with a larger -b).</p>\n", lost);
}

static int flame_section(FILE *f, struct db *d, const struct call_select *sel,
			 struct ukt_buf *err)
{
	struct flame fl;
	int rc = flame_build(&fl, d, sel, NULL, err);

	if (!rc && fl.v[0].total > 0) {
		char t[32];
		struct ukt_buf title = UKT_BUF_INIT;

		fmt_duration(t, sizeof(t), fl.v[0].total);
		ukt_buf_addf(&title, "Flame graph: %s in probed calls", t);
		fputs("<h2 id=\"flame\">Flame graph</h2>\n<p class=\"muted\">The probed calls nested"
		      " as they ran; width is time. Hover a frame for its numbers, click to zoom.</p>\n", f);
		if (fl.deep)
			fprintf(f, "<p class=\"note\">%" PRId64 " calls nested more than %d levels deep are"
				" counted in their caller at level %d: no recording nests calls so deep,"
				" the file is damaged or crafted.</p>\n", fl.deep, FLAME_MAX_DEPTH,
				FLAME_MAX_DEPTH);
		rc = flame_write_svg(&fl, title.data, f);
		ukt_buf_release(&title);
	}
	flame_release(&fl);
	return rc;
}

static int callers_table(FILE *f, struct db *d, const struct sql_filter *flt,
			 struct ukt_buf *err)
{
	struct ukt_buf sql = UKT_BUF_INIT;
	struct db_stmt *s;
	int rc;

	stats_sql_callers(&sql, flt->where.data);
	ukt_buf_adds(&sql, "\nORDER BY calls DESC LIMIT 10");
	s = db_prepare_buf(d, &sql, err);
	ukt_buf_release(&sql);
	if (!s)
		return -REP_E_SQL;
	filter_bind(s, flt, 1);
	fputs("<h3>Callers</h3>\n<table class=\"sortable\"><thead><tr><th>caller</th><th>object</th>"
	      "<th>calls</th><th>total</th><th>avg</th><th>min</th><th>max</th></tr></thead><tbody>\n", f);
	while ((rc = db_step(s, err)) == 1) {
		fputs("<tr><td>", f);
		esc(f, db_column_text(s, 1) ? db_column_text(s, 1) : "(unknown: no caller address)");
		fputs("</td><td>", f);
		esc(f, db_column_text(s, 2));
		fputs("</td>", f);
		td_int(f, db_column_int(s, 3));
		for (int k = 5; k <= 8; k++)
			td_dur(f, db_column_type(s, k) == DB_NULL, db_column_int(s, k));
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
	db_finalize(s);
	return rc < 0 ? -REP_E_SQL : 0;
}

static int slowest_table(FILE *f, struct db *d, const struct sql_filter *flt, int64_t origin,
			 struct ukt_buf *err)
{
	struct ukt_buf sql = UKT_BUF_INIT;
	struct db_stmt *s;
	int rc;

	/* a syscall's ret is a count or -errno; a function's, in hex */
	ukt_buf_addf(&sql, "SELECT entry_ts, duration_ns, tid, comm, caller_symbol, args, ret,"
		     " EXISTS(SELECT 1 FROM probes p WHERE p.func = calls.func AND"
		     " p.kind = 'tracepoint')"
		     " FROM calls WHERE complete AND %s ORDER BY duration_ns DESC LIMIT 5",
		     flt->where.data);
	s = db_prepare_buf(d, &sql, err);
	ukt_buf_release(&sql);
	if (!s)
		return -REP_E_SQL;
	filter_bind(s, flt, 1);
	fputs("<h3>Slowest calls</h3>\n<table><thead><tr><th>entry</th><th>duration</th><th>thread</th>"
	      "<th>caller</th><th>args</th><th>ret</th></tr></thead><tbody>\n", f);
	while ((rc = db_step(s, err)) == 1) {
		fprintf(f, "<tr><td class=\"n\">+%.6f s</td>",
			(double)(db_column_int(s, 0) - origin) / 1e9);
		td_dur(f, false, db_column_int(s, 1));
		fputs("<td>", f);
		esc(f, db_column_text(s, 3));
		fprintf(f, "-%" PRId64 "</td><td>", db_column_int(s, 2));
		esc(f, db_column_text(s, 4));
		fputs("</td><td>", f);
		esc(f, db_column_text(s, 5));
		fputs("</td><td class=\"n\">", f);
		if (db_column_type(s, 6) != DB_NULL && db_column_int(s, 7))
			fprintf(f, "%" PRId64, db_column_int(s, 6));
		else if (db_column_type(s, 6) != DB_NULL)
			fprintf(f, "0x%" PRIx64, (uint64_t)db_column_int(s, 6));
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
	db_finalize(s);
	return rc < 0 ? -REP_E_SQL : 0;
}

/* One function's histogram, heat map, callers and slowest calls. */
static int func_section(FILE *f, struct db *d, const struct call_select *sel,
			const struct stats_row *r, size_t idx, int64_t origin,
			const int64_t span[2], struct ukt_buf *err)
{
	struct call_select one = *sel;
	struct sql_filter flt = { UKT_BUF_INIT, 0, { { 0 } } };
	struct ukt_buf title = UKT_BUF_INIT;
	struct hist h = { 0 };
	struct heat hm = { 0 };
	char p50[32], p99[32];
	int rc;

	one.func = r->k1;
	stats_filter_view(&one, &flt);
	fmt_duration(p50, sizeof(p50), r->v[S_P50]);
	fmt_duration(p99, sizeof(p99), r->v[S_P99]);
	fprintf(f, "<h2 id=\"f%zu\">", idx);
	esc(f, r->k1);
	fprintf(f, "</h2>\n<p>%" PRId64 " complete calls, p50 %s, p99 %s.</p>\n", r->v[S_CALLS],
		r->null[S_P50] ? "-" : p50, r->null[S_P99] ? "-" : p99);
	rc = hist_compute(d, &flt, false, 0, &h, err);
	if (!rc && h.total) {
		ukt_buf_addf(&title, "Latency of %s: %" PRIu64 " complete calls", r->k1, h.total);
		pic_hist_svg(f, &h, title.data);
	}
	if (!rc)
		rc = heat_compute_span(d, &flt, HEAT_COLS, span[0], span[1], &hm, err);
	if (!rc && hm.total) {
		ukt_buf_reset(&title);
		ukt_buf_addf(&title, "When the calls of %s happened, and how long they took", r->k1);
		pic_heat_svg(f, &hm, origin, title.data);
	}
	if (!rc)
		rc = callers_table(f, d, &flt, err);
	if (!rc)
		rc = slowest_table(f, d, &flt, origin, err);
	hist_release(&h);
	heat_release(&hm);
	filter_release(&flt);
	ukt_buf_release(&title);
	return rc;
}

/*
 * The events of each probe: of every probe in a trace without calls, else
 * of the probes that are not halves of calls (tracepoints, entry-only
 * probes), when there are any.
 */
static int events_section(FILE *f, struct db *d, bool with_calls, struct ukt_buf *err)
{
	struct db_stmt *s;
	int64_t n = 0;
	int rc;

	if (with_calls &&
	    (db_query_int(d, "SELECT COUNT(*) FROM probes WHERE role IS NULL", &n) || !n))
		return 0;
	s = db_prepare(d, with_calls ?
		"SELECT COALESCE(p.function, p.system || ':' || p.name), p.kind, COUNT(e.id) FROM probes p"
		" LEFT JOIN events e ON e.probe_id = p.id WHERE p.role IS NULL GROUP BY p.id ORDER BY 3 DESC" :
		"SELECT COALESCE(p.function, p.system || ':' || p.name), p.kind, COUNT(e.id) FROM probes p"
		" LEFT JOIN events e ON e.probe_id = p.id GROUP BY p.id ORDER BY 3 DESC", err);
	if (!s)
		return -REP_E_SQL;
	fprintf(f, "<h2 id=\"events\">Events</h2>\n<p class=\"muted\">%s</p>\n<table class=\"sortable"
		" events\"><thead><tr><th>event</th><th>kind</th><th>events</th></tr></thead><tbody>\n",
		with_calls ? "The events of the probes that are not halves of calls (tracepoints,"
		" entry-only probes), over the whole trace; each is on its thread's track in"
		" <code>export --perfetto</code>." : "No function was probed at entry and return, so"
		" there are no calls: the events of each probe.");
	while ((rc = db_step(s, err)) == 1) {
		fputs("<tr><td>", f);
		esc(f, db_column_text(s, 0));
		fputs("</td><td>", f);
		esc(f, db_column_text(s, 1));
		fputs("</td>", f);
		td_int(f, db_column_int(s, 2));
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
	db_finalize(s);
	return rc < 0 ? -REP_E_SQL : 0;
}

int html_write(FILE *f, struct db *d, const struct call_select *sel,
	       const char *trace_name, int nfuncs, struct ukt_buf *err)
{
	struct call_select all = *sel;
	struct stats_row *rows = NULL;
	size_t n = 0;
	int64_t origin = 0, nprobed = 0, span[2];
	int rc = 0;

	all.func = NULL;
	origin = tables_first_ts(d);
	/* every heat map on the page over the same time: the trace's */
	heat_trace_span(d, sel->has_since, sel->since, sel->has_until, sel->until, &span[0], &span[1]);
	db_query_int(d, "SELECT COUNT(*) FROM probes WHERE func IS NOT NULL", &nprobed);
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>uktrace: ", f);
	esc(f, trace_name);
	fprintf(f, "</title>\n<style>\n%s</style></head><body>\n<h1>uktrace report: ", style);
	esc(f, trace_name);
	fputs("</h1>\n", f);
	facts(f, d, trace_name);
	if (sel->pid || sel->comm || sel->has_since || sel->has_until)
		fputs("<p class=\"note\">Only the calls the command line selected (--pid, --comm,"
		      " --since, --until).</p>\n", f);
	if (!nprobed) {
		rc = events_section(f, d, false, err);
		goto end;
	}
	rc = stats_compute(d, STATS_BY_FUNC, &all, &rows, &n, err);
	if (!rc)
		rc = stats_add_uncalled(d, &rows, &n);
	if (rc)
		goto out;
	if (n > 1)
		qsort(rows, n, sizeof(*rows), row_total_desc);
	summary(f, rows, n, nfuncs);
	notes(f, d);
	rc = events_section(f, d, true, err);
	if (!rc)
		rc = flame_section(f, d, &all, err);
	for (size_t i = 0; !rc && i < n && (int)i < nfuncs; i++)
		if (rows[i].v[S_CALLS])
			rc = func_section(f, d, &all, &rows[i], i, origin, span, err);
end:
	if (!rc)
		fprintf(f, "<p class=\"muted\">Made by uktrace-report %s. Query the same numbers with"
			" <code>uktrace-report sql</code> or sqlite3 on the trace's database.</p>\n"
			"<script>\n%s</script>\n</body></html>\n", UKT_VERSION, sort_js);
out:
	stats_free(rows, n);
	if (rc < 0 && !err->len)
		ukt_buf_adds(err, rep_strerror(rc));
	if (!rc && ferror(f))
		rc = -EIO;
	return rc;
}
