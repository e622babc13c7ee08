// SPDX-License-Identifier: MIT
/*
 * clickhouse: load trace files into a ClickHouse server (chload.c); and
 * sql, summary and callers with --clickhouse URL: the same questions asked
 * of every host loaded there, with a host column.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chload.h"
#include "clickhouse.h"
#include "report.h"
#include "stats.h"

/*
 * The password to log in with, when the URL has none: the first line of
 * --password-file, or CLICKHOUSE_PASSWORD (as clickhouse-client reads
 * it); never an option's value, which every user of the host can see in
 * ps. 0 (*given false: none), or -errno with a message in err.
 */
static int read_password(const struct report_opts *o, struct ukt_buf *pw, bool *given,
			 struct ukt_buf *err)
{
	const char *env = getenv("CLICKHOUSE_PASSWORD");
	int rc;

	*given = false;
	if (!o->ch_password_file) {
		*given = env != NULL;
		return env ? ukt_buf_adds(pw, env) : 0;
	}
	rc = ukt_buf_read_file(pw, o->ch_password_file);
	if (rc) {
		ukt_buf_addf(err, "cannot read --password-file '%s': %s", o->ch_password_file,
			     strerror(-rc));
		return rc;
	}
	pw->len = strcspn(pw->data, "\r\n");
	if (pw->cap)
		pw->data[pw->len] = '\0';
	*given = true;
	return 0;
}

static struct ch *connect_ch(const struct report_opts *o, const char *url,
			     struct ukt_buf *err)
{
	struct ukt_buf pw = UKT_BUF_INIT;
	struct ch_login login = { .user = getenv("CLICKHOUSE_USER"), .cacert = o->ch_cacert,
				  .compress = (enum ch_compress)o->ch_compress };
	struct ch *h = NULL;
	bool given;

	if (login.user && !*login.user)
		login.user = NULL;
	if (read_password(o, &pw, &given, err) == 0) {
		login.password = given ? pw.data : NULL;
		h = ch_open(url ? url : CH_DEFAULT_URL, o->ch_db ? o->ch_db : CH_DEFAULT_DB,
			    &login, err);
	}
	if (pw.cap)
		memset(pw.data, 0, pw.cap);
	ukt_buf_release(&pw);
	if (!h)
		fprintf(stderr, "uktrace-report: %s\n", out_term(err->data));
	return h;
}

int cmd_clickhouse(struct report_opts *o)
{
	struct ukt_buf err = UKT_BUF_INIT, warn = UKT_BUF_INIT;
	struct ch *h = connect_ch(o, o->ch_url, &err);
	uint64_t loaded = 0;
	int rc;

	if (!h) {
		rc = -EINVAL;
		goto out;
	}
	rc = chload_schema(h, &err);
	if (rc) {
		fprintf(stderr, "uktrace-report: cannot set up database '%s' at %s: %s\n",
			out_term(ch_db(h)), out_term(ch_url(h)),
			out_term(err.data));
		goto out;
	}
	for (size_t i = 0; i < o->ntraces && !rc; i++) {
		struct chload_result res;

		ukt_buf_reset(&warn);
		rc = chload_file(h, o->traces[i], o->host_label, &res, &err, &warn);
		if (warn.len && !o->quiet) {
			fprintf(stderr, "warning: %s: ", out_term(o->traces[i]));
			out_term_puts(stderr, warn.data);
		}
		if (rc) {
			fprintf(stderr, "uktrace-report: %s\n", out_term(err.data));
		} else if (res.skipped) {
			if (!o->quiet)
				fprintf(stderr, "%s: already loaded as host '%s' (trace %s): nothing to do\n",
					out_term(o->traces[i]), out_term(res.host), out_term(res.trace_id));
		} else {
			loaded++;
			if (!o->quiet)
				fprintf(stderr, "loaded %s as host '%s' (trace %s): %" PRIu64 " events, %" PRIu64
					" calls in %.2f s (%.0f events/s)\n", out_term(o->traces[i]),
					out_term(res.host), out_term(res.trace_id), res.events, res.calls, res.seconds,
					res.seconds > 0 ? (double)res.events / res.seconds : 0.0);
		}
	}
	if (!rc && !o->quiet && loaded)
		fprintf(stderr, "query it: uktrace-report summary --clickhouse %s%s%s, or any SQL on database '%s'\n",
			ch_url(h), o->ch_db ? " --database " : "",
			o->ch_db ? o->ch_db : "", ch_db(h));
out:
	ch_close(h);
	ukt_buf_release(&err);
	ukt_buf_release(&warn);
	return rc;
}

/* Run sql and print its result as o asks. */
static int print_query(const struct report_opts *o, const char *sql,
		       const char *const *durations)
{
	struct ukt_buf err = UKT_BUF_INIT;
	struct out_table t = { 0 };
	struct ch *h = connect_ch(o, o->ch_query_url, &err);
	int rc = -EINVAL;

	if (h) {
		ch_set_readonly(h);
		rc = ch_query_table(h, sql, durations, &t, &err);
		if (rc)
			fprintf(stderr, "uktrace-report: %s\n", out_term(err.data));
		else
			out_table_print(&t, o->format, stdout);
	}
	out_table_release(&t);
	ch_close(h);
	ukt_buf_release(&err);
	return rc;
}

int ch_cmd_sql(struct report_opts *o)
{
	return print_query(o, o->arg, NULL);
}

/* "WHERE host = 'x'" (with its conjunction) when --host-label asks. */
static void host_filter(const struct report_opts *o, const char *conj, struct ukt_buf *sql)
{
	if (!o->host_label)
		return;
	ukt_buf_addf(sql, " %s host = ", conj);
	ch_quote(o->host_label, sql);
}

int ch_cmd_summary(struct report_opts *o)
{
	static const char *const durations[] = { "total", "self", "min", "avg", "p50", "p90",
						 "p99", "max", NULL };
	struct ukt_buf sql = UKT_BUF_INIT;
	struct stats_sort sort;
	int rc;

	if (stats_sort_parse(o->sort, &sort)) {
		fprintf(stderr, "uktrace-report: --sort takes " STATS_SORT_KEYS ", not '%s'\n",
			out_term(o->sort));
		return -EINVAL;
	}
	ukt_buf_adds(&sql, "SELECT host, func AS function, calls, incomplete, total_ns AS total,"
		     " self_ns AS self, min_ns AS min, avg_ns AS avg, p50_ns AS p50, p90_ns AS p90,"
		     " p99_ns AS p99, max_ns AS max FROM call_stats");
	host_filter(o, "WHERE", &sql);
	if (sort.col < 0)
		ukt_buf_adds(&sql, " ORDER BY host, function");
	else	/* the key is ours (stats_sort_parse), not the user's text */
		ukt_buf_addf(&sql, " ORDER BY host, %s DESC, function", sort.key);
	if (o->limit > 0)
		ukt_buf_addf(&sql, " LIMIT %d BY host", o->limit);
	if (o->format == OUT_TABLE)
		puts(STATS_SUMMARY_HEADER);
	rc = print_query(o, sql.data, durations);
	ukt_buf_release(&sql);
	return rc;
}

int ch_cmd_callers(struct report_opts *o)
{
	static const char *const durations[] = { "total", "avg", "min", "max", NULL };
	struct ukt_buf sql = UKT_BUF_INIT;
	int rc;

	ukt_buf_adds(&sql, "SELECT host, caller_symbol AS caller, caller_object AS object, calls,"
		     " total_ns AS total, avg_ns AS avg, min_ns AS min, max_ns AS max"
		     " FROM callers WHERE func = ");
	ch_quote(o->arg, &sql);
	host_filter(o, "AND", &sql);
	ukt_buf_adds(&sql, " ORDER BY host, calls DESC, caller");
	if (o->limit > 0)
		ukt_buf_addf(&sql, " LIMIT %d BY host", o->limit);
	rc = print_query(o, sql.data, durations);
	ukt_buf_release(&sql);
	return rc;
}
