// SPDX-License-Identifier: MIT
/*
 * export --perfetto, flamegraph and html: the pictures made from a whole
 * selection of calls. The writers are perfetto.c, flame.c and html.c;
 * here are the options, the database and the output file.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "errors.h"
#include "flame.h"
#include "html.h"
#include "perfetto.h"
#include "pictures.h"
#include "report.h"
#include "svg.h"

/* The database with the time window resolved, and the selection. */
static struct db *open_selection(struct report_opts *o, struct call_select *sel,
				 char **tmp, int *rc)
{
	struct db *d = report_open_db(o, tmp, rc);

	if (d && ((*rc = report_resolve_times(o, d)) || (*rc = report_resolve_func(o, d)))) {
		report_close_db(d, *tmp);
		return NULL;
	}
	*sel = (struct call_select){
		.pid = o->pid, .comm = o->comm, .has_since = o->has_since, .since = o->since,
		.has_until = o->has_until, .until = o->until,
	};
	return d;
}

static int fail(int rc, struct ukt_buf *err)
{
	fprintf(stderr, "uktrace-report: %s\n", err->len ? out_term(err->data) : rep_strerror(rc));
	return rc;
}

int cmd_export(struct report_opts *o)
{
	struct ukt_buf err = UKT_BUF_INIT;
	struct call_select sel;
	uint64_t n = 0;
	char *tmp;
	int rc;
	struct db *d;
	FILE *f;

	if (!o->perfetto) {
		fprintf(stderr, "uktrace-report: export needs --perfetto OUT.json (the trace-event"
			" JSON that ui.perfetto.dev and chrome://tracing open)\n");
		return -EINVAL;
	}
	d = open_selection(o, &sel, &tmp, &rc);
	if (!d)
		return rc;
	f = pic_open(o->perfetto, o->mode, &rc);
	if (f) {
		rc = perfetto_write(f, d, &sel, &n, &err);
		if (rc)
			fail(rc, &err);
		if (pic_close(f, o->perfetto, true) && !rc)
			rc = -EIO;
		if (!rc && !o->quiet && f != stdout)
			fprintf(stderr, "wrote %s: %" PRIu64 " trace events; open it in"
				" https://ui.perfetto.dev or chrome://tracing\n", out_term(o->perfetto), n);
	}
	ukt_buf_release(&err);
	report_close_db(d, tmp);
	return rc;
}

int cmd_flamegraph(struct report_opts *o)
{
	struct ukt_buf err = UKT_BUF_INIT, title = UKT_BUF_INIT;
	struct flame fl = { 0 }, rev = { 0 };
	const struct flame *show = &fl;
	struct call_select sel;
	FILE *f = NULL;
	char *tmp, t[32];
	int rc;
	struct db *d;

	if (!o->folded && !o->output) {
		fprintf(stderr, "uktrace-report: flamegraph needs -o OUT.svg (or --folded for the"
			" stacks as text, for flamegraph.pl, inferno or speedscope)\n");
		return -EINVAL;
	}
	d = open_selection(o, &sel, &tmp, &rc);
	if (!d)
		return rc;
	rc = o->stacks ? flame_build_stacks(&fl, d, &sel, o->arg, &err) :
			 flame_build(&fl, d, &sel, o->arg, &err);
	if (!rc && o->reverse)
		rc = flame_reverse(&fl, &rev);
	if (rc) {
		fail(rc, &err);
		goto out;
	}
	if (o->reverse)
		show = &rev;
	if (fl.v[0].total <= 0) {
		fprintf(stderr, "uktrace-report: no complete calls%s%s%s%s in the selection: nothing"
			" to draw (see 'uktrace-report summary')\n", o->arg ? " of '" : "",
			o->arg ? out_term(o->arg) : "", o->arg ? "'" : "",
			o->stacks ? " with stacks (record with -g)" : "");
		rc = -ENOENT;
		goto out;
	}
	f = o->output ? pic_open(o->output, o->mode, &rc) : stdout;
	if (!f)
		goto out;
	if (fl.deep)
		fprintf(stderr, "uktrace-report: warning: %" PRId64 " calls nested more than %d levels"
			" deep are counted in their caller at level %d (no recording nests calls so"
			" deep: the file is damaged or crafted)\n", fl.deep, FLAME_MAX_DEPTH,
			FLAME_MAX_DEPTH);
	if (o->folded) {
		rc = flame_write_folded(show, f);
	} else {
		fmt_duration(t, sizeof(t), fl.v[0].total);
		ukt_buf_addf(&title, "%s%s%s%s: %s in probed calls%s", o->reverse ? "Reversed flame graph of " :
			     "Flame graph of ", o->trace, o->arg ? (o->stacks ? ", calls of " : ", under ") : "",
			     o->arg ? o->arg : "", t, o->stacks ? ", by their recorded stacks" : "");
		svg_prolog(f);
		rc = flame_write_svg(show, title.data, f);
	}
	if (rc) {
		fprintf(stderr, "uktrace-report: cannot draw the flame graph: %s\n", rep_strerror(rc));
		pic_close(f, o->output ? o->output : "-", true);
		goto out;
	}
	rc = pic_close(f, o->output ? o->output : "-", o->quiet);
out:
	flame_release(&fl);
	flame_release(&rev);
	ukt_buf_release(&err);
	ukt_buf_release(&title);
	report_close_db(d, tmp);
	return rc;
}

int cmd_html(struct report_opts *o)
{
	struct ukt_buf err = UKT_BUF_INIT;
	struct call_select sel;
	const char *name;
	char *tmp;
	int rc;
	struct db *d;
	FILE *f;

	if (!o->output) {
		fprintf(stderr, "uktrace-report: html needs -o OUT.html (one self-contained page)\n");
		return -EINVAL;
	}
	d = open_selection(o, &sel, &tmp, &rc);
	if (!d)
		return rc;
	f = pic_open(o->output, o->mode, &rc);
	if (f) {
		name = strrchr(o->trace, '/') ? strrchr(o->trace, '/') + 1 : o->trace;
		rc = html_write(f, d, &sel, name, o->limit > 0 ? o->limit : 10, &err);
		if (rc)
			fail(rc, &err);
		if (pic_close(f, o->output, o->quiet || rc) && !rc)
			rc = -EIO;
	}
	ukt_buf_release(&err);
	report_close_db(d, tmp);
	return rc;
}
