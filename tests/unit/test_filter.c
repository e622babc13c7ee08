// SPDX-License-Identifier: MIT
/*
 * Unit tests of record-time filters (record/filter.c): the fields an
 * expression names, which probes of a spec get it, config file lines,
 * and the fields listed when the kernel refuses one. No tracefs.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "test.h"
#include "../../record/filter.h"
#include "../../record/spec.h"

static char wl[512], sdt[512];

static const char *fields(const char *expr)
{
	static struct ukt_buf b = UKT_BUF_INIT;
	struct ukt_buf err = UKT_BUF_INIT;

	ukt_buf_reset(&b);
	if (filter_fields(expr, &b, &err)) {
		ukt_buf_reset(&b);
		ukt_buf_addf(&b, "ERR %s", err.data);
	}
	ukt_buf_release(&err);
	return b.data;
}

static void test_fields(void)
{
	CHECK_STR(fields("size > 4096"), "size");
	CHECK_STR(fields("size > 4096 && comm ~ \"nginx*\""), "size comm");
	CHECK_STR(fields("comm == \"a && b > 3\""), "comm");
	CHECK_STR(fields("!(common_pid == 5) || (x.hex != 3 && size&8)"), "common_pid x size");
	CHECK_STR(fields("comm == bash || comm == 'x y'"), "comm");
	CHECK_STR(fields("arg1>=-3&&arg2!=0"), "arg1 arg2");
	CHECK(!strncmp(fields(""), "ERR empty filter", 16));
	CHECK(!strncmp(fields("   "), "ERR empty filter", 16));
	CHECK(!strncmp(fields("a\n> 1"), "ERR a filter holds no line breaks", 33));
}

static int parse(struct probe_list *l, char how, const char *text, const char *filter)
{
	struct spec_opts o = { .max_probes = 256 };
	struct ukt_buf err = UKT_BUF_INIT;
	size_t first = l->n;
	int rc = spec_parse(l, how, text, &o, &err);

	if (!rc && filter)
		rc = probe_list_filter(l, first, filter, text, &err);
	if (rc)
		printf("  %s: %s\n", text, err.data);
	ukt_buf_release(&err);
	return rc;
}

static void test_which_probes(void)
{
	struct probe_list l = { 0 };
	struct ukt_buf spec = UKT_BUF_INIT;

	if (access(wl, R_OK))
		SKIP("no workload binary (make tests)");
	/* -f on a user function: the entry, not the return (which has no
	 * argument of the entry's to filter on) */
	ukt_buf_addf(&spec, "%s:a x=%%di", wl);
	CHECK_EQ(parse(&l, 'f', spec.data, "x > 4096"), 0);
	CHECK_EQ(l.n, 2);
	CHECK_STR(l.v[0].filter, "x > 4096");
	CHECK(l.v[1].filter == NULL);
	/* what is the same at both ends: both */
	CHECK_EQ(parse(&l, 'f', spec.data, "comm ~ \"work*\" && common_pid != 1"), 0);
	CHECK_STR(l.v[2].filter, "comm ~ \"work*\" && common_pid != 1");
	CHECK_STR(l.v[3].filter, "comm ~ \"work*\" && common_pid != 1");
	CHECK(!l.v[3].filter_optional);
	/* a kernel function alike: the kretprobe has only ret */
	CHECK_EQ(parse(&l, 'f', "do_sys_openat2 dfd=%di", "dfd == 3"), 0);
	CHECK_EQ(l.v[4].kind, PK_KPROBE);
	CHECK_STR(l.v[4].filter, "dfd == 3");
	CHECK(l.v[5].filter == NULL);
	probe_list_drop(&l, (bool[]){ false, false, false, false, true, true });
	/* a return probe alone is filtered: the user asked */
	ukt_buf_reset(&spec);
	ukt_buf_addf(&spec, "%s:a%%return", wl);
	CHECK_EQ(parse(&l, 'p', spec.data, "arg1 > 3"), 0);
	CHECK_STR(l.v[4].filter, "arg1 > 3");
	/* a tracepoint glob keeps it through the expansion */
	CHECK_EQ(parse(&l, 'e', "sched:sched_process_*", "comm ~ \"x*\""), 0);
	CHECK_STR(l.v[5].filter, "comm ~ \"x*\"");
	CHECK(spec_expand_tracepoints(&l, "sched:sched_process_fork\nsched:sched_process_exit\n",
				      "here", &spec) == 0);
	CHECK_EQ(l.n, 7);
	CHECK_STR(l.v[5].filter, "comm ~ \"x*\"");
	CHECK_STR(l.v[6].filter, "comm ~ \"x*\"");
	/* a second filter for the same probes: both */
	CHECK_EQ(probe_list_filter(&l, 6, "pid > 1", "x", &spec), 0);
	CHECK_STR(l.v[6].filter, "(comm ~ \"x*\") && (pid > 1)");
	/* a bad expression is refused before the kernel sees it */
	ukt_buf_reset(&spec);
	CHECK(probe_list_filter(&l, 0, " ", "libc:malloc", &spec) < 0);
	CHECK(strstr(spec.data, "--filter ' ' for 'libc:malloc': empty filter"));
	probe_list_release(&l);
	ukt_buf_release(&spec);
}

static void test_usdt_pair(void)
{
	struct probe_list l = { 0 };
	struct ukt_buf spec = UKT_BUF_INIT;

	if (access(sdt, R_OK))
		SKIP("no sdt_workload (install systemtap-sdt-dev: make deps)");
	/* both halves of a USDT pair, the return's if the kernel takes it */
	ukt_buf_addf(&spec, "usdt:%s:ukt:work", sdt);
	CHECK_EQ(parse(&l, 'f', spec.data, "arg1 < 100"), 0);
	CHECK_EQ(l.n, 2);
	CHECK_STR(l.v[0].filter, "arg1 < 100");
	CHECK(!l.v[0].filter_optional);
	CHECK_STR(l.v[1].filter, "arg1 < 100");
	CHECK(l.v[1].filter_optional);
	probe_list_release(&l);
	ukt_buf_release(&spec);
}

static void test_config_lines(void)
{
	struct probe_list l = { 0 };
	struct ukt_buf err = UKT_BUF_INIT;
	struct spec_opts o = { .max_probes = 256 };
	char path[] = "/tmp/ukt-filter-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	CHECK(f != NULL);
	fprintf(f, "# a filter filters the line before\n"
		"tracepoint sched:sched_switch\n"
		"filter prev_pid != 0\n"
		"tracepoint sched:sched_wakeup\n");
	fclose(f);
	CHECK_EQ(spec_parse_file(&l, path, &o, &err), 0);
	CHECK_EQ(l.n, 2);
	CHECK_STR(l.v[0].filter, "prev_pid != 0");
	CHECK(l.v[1].filter == NULL);
	probe_list_release(&l);
	f = fopen(path, "w");
	CHECK(f != NULL);
	fprintf(f, "filter prev_pid != 0\ntracepoint sched:sched_switch\n");
	fclose(f);
	ukt_buf_reset(&err);
	CHECK(spec_parse_file(&l, path, &o, &err) < 0);
	CHECK(strstr(err.data, ":1: a filter line applies to the probe on the line before it"));
	unlink(path);
	probe_list_release(&l);
	ukt_buf_release(&err);
}

static void test_format_fields(void)
{
	static const char fmt[] =
		"name: malloc\nID: 2330\nformat:\n"
		"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
		"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
		"\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n"
		"\tfield:u64 size;\toffset:16;\tsize:8;\tsigned:0;\n"
		"\tfield:char comm2[16];\toffset:24;\tsize:16;\tsigned:0;\n\n"
		"print fmt: \"(%lx) size=%Lu\", REC->__probe_ip, REC->size\n";
	struct ukt_buf out = UKT_BUF_INIT;

	filter_format_fields(fmt, &out);
	CHECK_STR(out.data, "__probe_ip, size, comm2, comm, common_pid");
	ukt_buf_release(&out);
}

static void resolve(char *p, size_t n, const char *b, const char *name)
{
	snprintf(p, n, "%s/tests/%s", b, name);
	if (access(p, R_OK) == 0) {
		char *r = realpath(p, NULL);

		snprintf(p, n, "%s", r);
		free(r);
	}
}

int main(void)
{
	const char *b = getenv("B") ? getenv("B") : "build";

	resolve(wl, sizeof(wl), b, "workload");
	resolve(sdt, sizeof(sdt), b, "sdt_workload");
	RUN(test_fields);
	RUN(test_which_probes);
	RUN(test_usdt_pair);
	RUN(test_config_lines);
	RUN(test_format_fields);
	return TEST_EXIT();
}
