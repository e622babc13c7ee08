// SPDX-License-Identifier: MIT
/* uktrace-report sql and db. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "report.h"
#include "errors.h"

/* Run a prepared statement into a table with the result's own columns. */
int report_run_query(struct db_stmt *s, enum out_format f)
{
	struct out_table t;
	const char **heads;
	struct ukt_buf err = UKT_BUF_INIT;
	int n = db_columns(s), rc;

	heads = calloc((size_t)n + 1, sizeof(*heads));
	if (!heads)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		heads[i] = db_column_name(s, i);
	rc = out_table_init(&t, n, heads);
	free(heads);
	while (rc >= 0 && (rc = db_step(s, &err)) == 1) {
		rc = out_table_row(&t);
		for (int i = 0; i < n && !rc; i++) {
			switch (db_column_type(s, i)) {
			case DB_NULL: out_set_null(&t, i); break;
			case DB_INT: out_set_int(&t, i, db_column_int(s, i)); break;
			case DB_REAL: out_set_real(&t, i, db_column_real(s, i)); break;
			case DB_BLOB: out_set_text(&t, i, "(blob)"); break;
			default: out_set_text(&t, i, db_column_text(s, i)); break;
			}
		}
	}
	if (rc < 0)
		fprintf(stderr, "uktrace-report: %s\n", err.len ? out_term(err.data) : rep_strerror(rc));
	else
		out_table_print(&t, f, stdout);
	out_table_release(&t);
	ukt_buf_release(&err);
	return rc < 0 ? rc : 0;
}

int cmd_sql(struct report_opts *o)
{
	struct ukt_buf err = UKT_BUF_INIT;
	struct db_stmt *s = NULL;
	char *tmp;
	int rc;
	struct db *d;

	if (o->ch_query_url)
		return ch_cmd_sql(o);
	d = report_open_db(o, &tmp, &rc);
	if (!d)
		return rc;
	s = db_prepare(d, o->arg, &err);
	if (!s) {
		fprintf(stderr, "uktrace-report: %s\n", out_term(err.data));
		rc = -REP_E_SQL;
		goto out;
	}
	if (!db_stmt_readonly(s)) {
		fprintf(stderr, "uktrace-report: the sql command only reads; to change the data, write it out with 'uktrace-report db %s -o OUT.db' and use sqlite3 on that\n",
			out_term(o->trace));
		rc = -EPERM;
		goto out;
	}
	rc = report_run_query(s, o->format);
out:
	db_finalize(s);
	report_close_db(d, tmp);
	ukt_buf_release(&err);
	return rc;
}

int cmd_db(struct report_opts *o)
{
	struct stat st;

	if (!o->output) {
		fprintf(stderr, "uktrace-report: db needs -o OUT.db\n");
		return -EINVAL;
	}
	/* lstat: a symlink is something there, even a dangling one */
	if (!o->force && lstat(o->output, &st) == 0) {
		fprintf(stderr, "uktrace-report: '%s' exists: choose another name, or overwrite it with --force\n",
			out_term(o->output));
		return -EEXIST;
	}
	return report_import(o->traces, o->ntraces, o->output, o->mode, o->quiet);
}
