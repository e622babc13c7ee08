// SPDX-License-Identifier: MIT
/*
 * Unit tests of the pictures' parts on the fixture trace (tests/fixtures/
 * calls.ukt: a called 200 times, r recursing 5 deep): text escaping for
 * JSON and XML, the flame graph's tree and its reversal, the histogram
 * and heat map counts, each against SQL on the same database.
 */
#include <stdint.h>
#include <unistd.h>

#include "test.h"
#include "../../report/store/db.h"
#include "../../report/draw/flame.h"
#include "../../report/draw/hist.h"
#include "../../report/store/import.h"
#include "../../report/output.h"
#include "../../report/ingest/trace.h"

static char tmpdir[] = "/tmp/ukt-test-pictures-XXXXXX";
static char db_path[512];
static struct db *db;

static void with_output(void (*fn)(FILE *, const char *), const char *in, char *out, size_t n)
{
	FILE *f = fmemopen(out, n, "w");

	fn(f, in);
	fclose(f);
}

static void test_json_escaping(void)
{
	char out[128];

	with_output(out_json_string, "a\"b\\c\nd\x01", out, sizeof(out));
	CHECK_STR(out, "\"a\\\"b\\\\c\\nd\\u0001\"");
	/* valid UTF-8 passes; stray, overlong and surrogate bytes do not */
	with_output(out_json_string, "\xc3\xa9\xff\xc0\xaf\xed\xa0\x80", out, sizeof(out));
	CHECK_STR(out, "\"\xc3\xa9\\u00ff\\u00c0\\u00af\\u00ed\\u00a0\\u0080\"");
}

static void test_xml_escaping(void)
{
	char out[128];

	with_output(out_xml_text, "<a href=\"x\">&'\x02", out, sizeof(out));
	CHECK_STR(out, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;\xef\xbf\xbd");
	with_output(out_xml_text, "\xe2\x82\xac\xfe", out, sizeof(out));
	CHECK_STR(out, "\xe2\x82\xac\xef\xbf\xbd");
	/* U+FFFE, U+FFFF, U+10FFFF, U+FDD0, DEL, a C1 control, ESC, a cut
	 * sequence, a surrogate: each one replacement character; tab,
	 * newline and carriage return stay */
	with_output(out_xml_text, "a\xef\xbf\xbe" "b\xef\xbf\xbf" "c\xf4\x8f\xbf\xbf" "d\xef\xb7\x90"
		    "e\x7f" "f\xc2\x85" "g\x1b" "h\xc3" "i\xed\xa0\x80" "j\t\n\r", out, sizeof(out));
	CHECK_STR(out, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd" "d\xef\xbf\xbd" "e\xef\xbf\xbd"
		  "f\xef\xbf\xbd" "g\xef\xbf\xbd" "h\xef\xbf\xbd" "i\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		  "j\t\n&#13;");
	/* valid text other than that passes: U+00E9, U+20AC, U+1F600, U+FFFD */
	with_output(out_xml_text, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbd", out, sizeof(out));
	CHECK_STR(out, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbd");
}

static int64_t q(const char *sql)
{
	int64_t v = -1;

	return db_query_int(db, sql, &v) ? -1 : v;
}

static void test_flame_tree(void)
{
	struct ukt_buf err = UKT_BUF_INIT;
	struct call_select sel = { 0 };
	struct flame fl, rev;
	int64_t self = q("SELECT SUM(self_ns) FROM calls WHERE complete");
	int depth5 = -1;

	if (!db)
		SKIP("the fixture did not import");
	CHECK_EQ(flame_build(&fl, db, &sel, NULL, &err), 0);
	CHECK_EQ(fl.v[0].total, self);
	CHECK_EQ(fl.v[0].self, 0);		/* "all" is no function */
	CHECK_EQ(fl.depth, 6);			/* the thread;r;r;r;r;r */
	/* one thread: one frame above the root, named COMM-PID */
	CHECK_EQ(fl.v[0].nkids, 1);
	CHECK(fl.v[fl.v[0].kids[0]].thread);
	CHECK_EQ(fl.v[fl.v[0].kids[0]].total, self);
	CHECK(!strncmp(fl.names.s[fl.v[fl.v[0].kids[0]].name], "fixture-workloa-", 16));
	for (int i = 0; i < fl.n; i++) {
		int64_t kids = 0;

		for (int k = 0; k < fl.v[i].nkids; k++)
			kids += fl.v[fl.v[i].kids[k]].total;
		CHECK_EQ(fl.v[i].total, fl.v[i].self + kids);
		if (fl.v[i].nkids == 0 && !strcmp(fl.names.s[fl.v[i].name], "r"))
			depth5 = i;
	}
	CHECK(depth5 > 0);
	/* the innermost r: the calls at depth 4, their self time */
	CHECK_EQ(fl.v[depth5].calls, q("SELECT COUNT(*) FROM calls WHERE func = 'r' AND depth = 4"));
	CHECK_EQ(fl.v[depth5].self, q("SELECT SUM(self_ns) FROM calls WHERE func = 'r' AND depth = 4"));
	/* reversed: the same time; at the bottom each function's self time
	 * and all its calls */
	CHECK_EQ(flame_reverse(&fl, &rev), 0);
	CHECK_EQ(rev.v[0].total, self);
	for (int k = 0; k < rev.v[0].nkids; k++) {
		const struct flame_node *b = &rev.v[rev.v[0].kids[k]];
		const char *name = rev.names.s[b->name];

		CHECK(!strcmp(name, "a") || !strcmp(name, "r"));
		CHECK_EQ(b->calls, !strcmp(name, "a") ? 200 : q("SELECT COUNT(*) FROM calls WHERE func = 'r'"));
		CHECK_EQ(b->total, !strcmp(name, "a") ?
			 q("SELECT SUM(self_ns) FROM calls WHERE func = 'a'") :
			 q("SELECT SUM(self_ns) FROM calls WHERE func = 'r'"));
	}
	flame_release(&rev);
	flame_release(&fl);
	/* under r: only r's calls, r at the root */
	CHECK_EQ(flame_build(&fl, db, &sel, "r", &err), 0);
	CHECK(fl.rooted);
	CHECK_EQ(fl.v[0].total, q("SELECT SUM(self_ns) FROM calls WHERE func = 'r'"));
	CHECK_EQ(fl.v[0].calls, q("SELECT COUNT(*) FROM calls WHERE func = 'r' AND depth = 0"));
	flame_release(&fl);
	ukt_buf_release(&err);
}

static void test_hist_and_heat(void)
{
	struct ukt_buf err = UKT_BUF_INIT;
	struct sql_filter f = { UKT_BUF_INIT, 0, { { 0 } } };
	struct call_select sel = { .func = "a" };
	struct hist h;
	struct heat hm;
	uint64_t sum = 0;

	if (!db)
		SKIP("the fixture did not import");
	stats_filter_view(&sel, &f);
	CHECK_EQ(hist_compute(db, &f, false, 0, &h, &err), 0);
	CHECK_EQ(h.total, 200);
	for (int i = 0; i < h.n; i++) {
		sum += h.count[i];
		CHECK(i == 0 || h.from[i] == h.to[i - 1]);	/* buckets meet */
	}
	CHECK_EQ(sum, 200);
	CHECK(h.count[0] > 0 && h.count[h.n - 1] > 0);		/* trimmed */
	hist_release(&h);
	CHECK_EQ(hist_compute(db, &f, true, 7, &h, &err), 0);
	CHECK(h.n <= 7);
	CHECK_EQ(h.total, 200);
	hist_release(&h);
	CHECK_EQ(heat_compute(db, &f, 10, &hm, &err), 0);
	CHECK_EQ(hm.total, 200);
	sum = 0;
	for (int i = 0; i < hm.rows * hm.cols; i++)
		sum += hm.count[i];
	CHECK_EQ(sum, 200);
	CHECK_EQ(hm.cols, 10);
	heat_release(&hm);
	filter_release(&f);
	ukt_buf_release(&err);
}

int main(void)
{
	struct ukt_buf err = UKT_BUF_INIT, warn = UKT_BUF_INIT;
	struct import_result res;
	struct trace *t;
	int rc;

	if (!mkdtemp(tmpdir))
		return 1;
	snprintf(db_path, sizeof(db_path), "%s/calls.db", tmpdir);
	t = trace_open("tests/fixtures/calls.ukt", &rc, &err);
	if (t && import_trace(t, db_path, &res, &err, &warn) == 0)
		db = db_open(db_path, DB_READONLY, NULL);
	trace_free(t);
	RUN(test_json_escaping);
	RUN(test_xml_escaping);
	RUN(test_flame_tree);
	RUN(test_hist_and_heat);
	if (db)
		db_close(db);
	unlink(db_path);
	rmdir(tmpdir);
	ukt_buf_release(&err);
	ukt_buf_release(&warn);
	return t_failed_total ? 1 : 0;
}
