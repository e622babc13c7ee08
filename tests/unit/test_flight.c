// SPDX-License-Identifier: MIT
/*
 * Unit tests of what the flight recorder and --rotate decide without a
 * kernel: the names of a recording's files and --keep (record/outfiles.c),
 * trigger specs and how they find their probes (record/trigger.c), the
 * units people write, and a report that refuses files of two recordings
 * as one trace (report/ingest/trace.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "test.h"
#include "../../record/outfiles.h"
#include "../../record/spec.h"
#include "../../record/trigger.h"
#include "../../report/ingest/trace.h"
#include "uktrace/pair.h"
#include "uktrace/units.h"

static char tmpdir[] = "/tmp/ukt-test-flight-XXXXXX";

static void touch(const char *path)
{
	int fd = open(path, O_CREAT | O_WRONLY, 0600);

	if (fd >= 0)
		close(fd);
}

static void test_outfiles_names(void)
{
	struct outfiles f;
	char out[600], *p;

	snprintf(out, sizeof(out), "%s/trace.ukt", tmpdir);
	CHECK_EQ(outfiles_init(&f, out, 0), 0);
	p = outfiles_next(&f);
	CHECK(p && strstr(p, "/trace-0001.ukt"));
	free(p);
	/* a name that exists is skipped, never overwritten */
	snprintf(out, sizeof(out), "%s/trace-0002.ukt", tmpdir);
	touch(out);
	p = outfiles_next(&f);
	CHECK(p && strstr(p, "/trace-0003.ukt"));
	free(p);
	outfiles_release(&f);
	/* no extension; a dot in the directory is not one */
	CHECK_EQ(outfiles_init(&f, "/tmp/a.dir/out", 0), 0);
	CHECK_STR(f.stem, "/tmp/a.dir/out");
	CHECK_STR(f.ext, "");
	outfiles_release(&f);
}

static void test_outfiles_keep(void)
{
	struct ukt_buf gone = UKT_BUF_INIT;
	struct outfiles f;
	char out[600], before[600];
	char *p[4];

	snprintf(out, sizeof(out), "%s/k.ukt", tmpdir);
	/* a file that was there before is never touched */
	snprintf(before, sizeof(before), "%s/k-0001.ukt", tmpdir);
	touch(before);
	CHECK_EQ(outfiles_init(&f, out, 2), 0);
	for (int i = 0; i < 4; i++) {
		p[i] = outfiles_next(&f);
		CHECK(p[i] != NULL);
		touch(p[i]);
		CHECK_EQ(outfiles_done(&f, p[i], &gone), 0);
	}
	CHECK(access(before, F_OK) == 0);
	CHECK(access(p[0], F_OK) != 0 && access(p[1], F_OK) != 0);
	CHECK(access(p[2], F_OK) == 0 && access(p[3], F_OK) == 0);
	CHECK(strstr(gone.data, "k-0002.ukt") && strstr(gone.data, "k-0003.ukt"));
	for (int i = 0; i < 4; i++)
		free(p[i]);
	outfiles_release(&f);
	ukt_buf_release(&gone);
}

static void test_trigger_specs(void)
{
	struct ukt_buf err = UKT_BUF_INIT;
	struct trigger t;

	CHECK_EQ(trigger_parse(&t, TRIG_SLOW_CALL, "handle>50ms", &err), 0);
	CHECK_STR(t.func, "handle");
	CHECK_EQ(t.min_ns, 50000000);
	trigger_release(&t);
	CHECK_EQ(trigger_parse(&t, TRIG_SLOW_CALL, "syscall:read>=1.5s", &err), 0);
	CHECK_STR(t.func, "syscall:read");
	CHECK_EQ(t.min_ns, 1500000000);
	trigger_release(&t);
	CHECK_EQ(trigger_parse(&t, TRIG_SLOW_CALL, "handle", &err), -EINVAL);
	CHECK(strstr(err.data, "FUNC>DURATION") != NULL);
	trigger_release(&t);
	ukt_buf_reset(&err);
	CHECK_EQ(trigger_parse(&t, TRIG_SLOW_CALL, "handle>fast", &err), -EINVAL);
	trigger_release(&t);
	CHECK_EQ(trigger_parse(&t, TRIG_EVENT, "sched:sched_process_exit", &err), 0);
	trigger_release(&t);
	ukt_buf_release(&err);
}

static void test_trigger_resolve(void)
{
	struct spec_opts so = { .max_probes = 16 };
	struct ukt_buf err = UKT_BUF_INIT;
	struct probe_list l = { 0 };
	struct trigger t;
	char spec[600];

	snprintf(spec, sizeof(spec), "%s/tests/workload:slow", getenv("B") ? getenv("B") : "build");
	if (spec_parse(&l, 'f', spec, &so, &err))
		SKIP("the workload binary is not built");
	CHECK_EQ(spec_parse(&l, 'e', "syscalls:sys_enter_read", &so, &err), 0);
	CHECK_EQ(spec_parse(&l, 'e', "syscalls:sys_exit_read", &so, &err), 0);
	/* a -f function: its entry and return probes */
	CHECK_EQ(trigger_parse(&t, TRIG_SLOW_CALL, "slow>10ms", &err), 0);
	CHECK_EQ(trigger_resolve(&t, &l, &err), 0);
	CHECK(t.sys[0] == NULL && t.sys[1] == NULL);
	CHECK_STR(t.name[0], "slow");
	CHECK_STR(t.name[1], "slow__return");
	/* the engine pairs it as the report does: a uretprobe'd function */
	CHECK(t.user_return);
	CHECK_EQ(pair_func_flags(t.func, t.user_return), FUNC_USER_RET);
	trigger_release(&t);
	/* a syscall: its two tracepoints */
	CHECK_EQ(trigger_parse(&t, TRIG_SLOW_CALL, "syscall:read>1s", &err), 0);
	CHECK_EQ(trigger_resolve(&t, &l, &err), 0);
	CHECK_STR(t.sys[0], "syscalls");
	CHECK_STR(t.name[1], "sys_exit_read");
	CHECK(!t.user_return);
	CHECK_EQ(pair_func_flags(t.func, t.user_return), FUNC_SYSCALL);
	trigger_release(&t);
	/* not recorded: said so */
	CHECK_EQ(trigger_parse(&t, TRIG_SLOW_CALL, "syscall:write>1s", &err), 0);
	CHECK_EQ(trigger_resolve(&t, &l, &err), -EINVAL);
	CHECK(strstr(err.data, "sys_enter_write") != NULL);
	trigger_release(&t);
	/* an event: a probe of the recording, or a tracepoint to add */
	CHECK_EQ(trigger_parse(&t, TRIG_EVENT, "slow", &err), 0);
	CHECK_EQ(trigger_resolve(&t, &l, &err), 0);
	CHECK_STR(t.name[0], "slow");
	trigger_release(&t);
	CHECK_EQ(trigger_parse(&t, TRIG_EVENT, "sched:sched_process_exit", &err), 0);
	CHECK_EQ(trigger_resolve(&t, &l, &err), -ENOENT);
	trigger_release(&t);
	probe_list_release(&l);
	ukt_buf_release(&err);
}

static void test_units(void)
{
	int64_t ns;
	uint64_t b;

	CHECK_EQ(ukt_parse_duration("50ms", &ns), 0);
	CHECK_EQ(ns, 50000000);
	CHECK_EQ(ukt_parse_duration("2.5s", &ns), 0);
	CHECK_EQ(ns, 2500000000);
	CHECK_EQ(ukt_parse_duration("300", &ns), 0);
	CHECK_EQ(ns, 300);
	CHECK_EQ(ukt_parse_duration("5 parsecs", &ns), -EINVAL);
	CHECK_EQ(ukt_parse_duration("-1ms", &ns), -EINVAL);
	CHECK_EQ(ukt_parse_size("64M", &b), 0);
	CHECK_EQ(b, 64u << 20);
	CHECK_EQ(ukt_parse_size("1.5KiB", &b), 0);
	CHECK_EQ(b, 1536);
	CHECK_EQ(ukt_parse_size("12Q", &b), -EINVAL);
}

static void test_set_of_two_recordings(void)
{
	const char *paths[] = { "tests/fixtures/calls.ukt", "tests/fixtures/pages-getppid.ukt" };
	struct ukt_buf msg = UKT_BUF_INIT;
	struct trace *t;
	int err;

	t = trace_open_set(paths, 2, &err, &msg);
	CHECK(t == NULL);
	CHECK_EQ(err, -EINVAL);
	CHECK(strstr(msg.data, "not files of one recording") != NULL);
	/* one file is just that file */
	ukt_buf_reset(&msg);
	t = trace_open_set(paths, 1, &err, &msg);
	CHECK(t != NULL);
	CHECK_EQ(t->npaths, 1);
	trace_free(t);
	ukt_buf_release(&msg);
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		return 1;
	RUN(test_outfiles_names);
	RUN(test_outfiles_keep);
	RUN(test_trigger_specs);
	RUN(test_trigger_resolve);
	RUN(test_units);
	RUN(test_set_of_two_recordings);
	{
		char cmd[700];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		if (system(cmd) != 0)
			return 1;
	}
	return t_failed_total ? 1 : 0;
}
