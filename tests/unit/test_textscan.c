// SPDX-License-Identifier: MIT
/*
 * Unit tests of the scanning of the trace's text payloads (textscan.h)
 * and of the parsers built on it: kallsyms and maps (symbolize.c),
 * saved_tgids and saved_cmdlines (threads.c). Hostile lines are skipped,
 * never read past.
 */
#include <limits.h>
#include <stdint.h>

#include "test.h"
#include "../../report/ingest/symbolize.h"
#include "../../report/ingest/textscan.h"
#include "../../report/ingest/threads.h"
#include "../../report/ingest/trace.h"

static void test_numbers(void)
{
	static const char s[] = "ffffffffffffffff 0x10 10000000000000000 -9223372036854775808"
				" 9223372036854775808 2147483648 -7";
	struct text_cursor c = text_cursor(s, sizeof(s) - 1);
	uint64_t h;
	int64_t d;
	int i;

	CHECK(text_hex(&c, &h));
	CHECK(h == UINT64_MAX);
	CHECK(text_hex(&c, &h));
	CHECK_EQ(h, 16);
	CHECK(!text_hex(&c, &h));	/* 65 bits */
	c.p += 18;
	CHECK(text_dec(&c, &d));
	CHECK(d == INT64_MIN);
	CHECK(!text_dec(&c, &d));	/* one past INT64_MAX */
	c.p += 20;
	CHECK(!text_int(&c, &i));	/* one past INT_MAX */
	c.p += 11;
	CHECK(text_int(&c, &i));
	CHECK_EQ(i, -7);
	CHECK(!text_dec(&c, &d));	/* the end: nothing read past it */
}

static void test_lines(void)
{
	static const char text[] = "a\n\nb c\0d\ne";
	struct text_cursor c = text_cursor(text, sizeof(text) - 1), l;
	const char *w;
	size_t n;

	CHECK(text_line(&c, &l));
	CHECK(text_word(&l, &w, &n) && n == 1 && *w == 'a');
	CHECK(text_line(&c, &l));
	CHECK(l.p == l.end);		/* the empty line */
	CHECK(text_line(&c, &l));
	CHECK_EQ(l.end - l.p, 5);	/* "b c\0d": a NUL is a byte */
	CHECK(text_line(&c, &l));
	CHECK(text_word(&l, &w, &n) && n == 1 && *w == 'e');
	CHECK(!text_line(&c, &l));
}

static void test_kallsyms_and_maps(void)
{
	static const char ksyms[] =
		"ffffffff81000000 T _stext\n"
		"ffffffff81000100 t local_func\t[mod]\n"
		"ffffffff81000200 d data_symbol\n"
		"ffffffff81000300 T\n"			/* no name */
		"zzzz T bad_address\n"
		"ffffffff81000400";			/* cut: no type */
	char maps[] =
		"00400000-00401000 r-xp 00000000 08:01 77 /usr/bin/x (deleted)\n"
		"00401000-00402000 rw-p 00001000 08:01 77 /usr/bin/x\n"
		"7f0000000000-7f0000002000 r-xp 00000000 00:00 0\n"
		"00500000-00400000 r-xp 00000000 08:01 77 /backwards\n"
		"00600000-00601000 r-x\n"		/* cut short */
		"00700000-00701000 r-xp 00000000 08:01 99999999999999999999999 /big-inode\n"
		"00800000-00801000 --x 0 8:1 5 /short-perms\n";
	struct trace_maps tm = { .pid = 9, .ts = 1, .text = maps };
	struct trace t = { .maps = &tm, .nmaps = 1 };
	struct symbolizer sy;
	struct ukt_buf sym = UKT_BUF_INIT, obj = UKT_BUF_INIT;

	ukt_buf_init(&t.kallsyms);
	CHECK_EQ(ukt_buf_adds(&t.kallsyms, ksyms), 0);
	CHECK_EQ(symbolizer_load(&sy, &t), 0);
	CHECK_EQ(sy.nksyms, 2);
	CHECK_STR(sy.ksyms[1].name, "local_func");
	CHECK_EQ(symbolize(&sy, 9, 0xffffffff81000104ull, 0, &sym, &obj), 1);
	CHECK_STR(sym.data, "local_func+0x4");
	CHECK_EQ(sy.nsnaps, 1);
	CHECK_EQ(sy.snaps[0].nmaps, 3);	/* the executable ones that parse */
	CHECK_STR(sy.snaps[0].maps[0].path, "/usr/bin/x (deleted)");
	CHECK_STR(sy.snaps[0].maps[2].path, "/short-perms");
	symbolize(&sy, 9, 0x400010, 0, &sym, &obj);
	CHECK_STR(obj.data, "/usr/bin/x (deleted)");
	symbolize(&sy, 9, 0x7f0000001000ull, 0, &sym, &obj);
	CHECK_STR(obj.data, "[anon]");
	symbolize(&sy, 9, 0x401010, 0, &sym, &obj);	/* not executable: not kept */
	CHECK_STR(obj.data, "");
	symbolizer_release(&sy);
	ukt_buf_release(&t.kallsyms);
	ukt_buf_release(&sym);
	ukt_buf_release(&obj);
}

static void test_tgids_and_cmdlines(void)
{
	struct trace t = { 0 };
	struct threads th;
	const struct thread_info *e;

	ukt_buf_init(&t.threads);
	ukt_buf_init(&t.tgids);
	ukt_buf_init(&t.cmdlines);
	ukt_buf_adds(&t.tgids, "10 20\n11 0\n12 -3\nx 4\n13 2147483648\n14\t30");
	ukt_buf_adds(&t.cmdlines, "10 bash\n11\tname with spaces\n12\n13x no\n2147483648 big\n14 ");
	CHECK_EQ(threads_load(&th, &t), 0);
	CHECK((e = threads_get(&th, 10)) && e->pid == 20);
	CHECK_STR(e->comm, "bash");
	CHECK((e = threads_get(&th, 11)) && e->pid == 0);
	CHECK_STR(e->comm, "name with spaces");
	CHECK(!threads_get(&th, 12));		/* a pid of -3, and no comm */
	CHECK(!threads_get(&th, 13));		/* a pid past INT_MAX; "13x" */
	CHECK((e = threads_get(&th, 14)) && e->pid == 30 && !e->comm);
	threads_release(&th);
	ukt_buf_release(&t.tgids);
	ukt_buf_release(&t.cmdlines);
}

int main(void)
{
	RUN(test_numbers);
	RUN(test_lines);
	RUN(test_kallsyms_and_maps);
	RUN(test_tgids_and_cmdlines);
	return TEST_EXIT();
}
