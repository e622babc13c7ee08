// SPDX-License-Identifier: MIT
/*
 * Unit tests of record/tracefs.c without a kernel: a directory stands in
 * for tracefs, with FIFOs where the kernel takes commands, so the test
 * reads exactly what libtracefs wrote (the definitions of every kind of
 * probe, a kretprobe's maxactive, the removals), and plain files for what
 * it reads (a dynamic_events listing of a dead recorder's and another
 * tool's events, an error_log with another tool's error after ours).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "../../record/errors.h"
#include "../../record/tracefs.h"

static char dir[64];

static void put(const char *file, const char *text)
{
	char p[128];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	f = fopen(p, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* What was written to the FIFOs since last time. libtracefs 1.6.4
 * decides once between dynamic_events and uprobe_events/kprobe_events,
 * by the system's tracefs (not ours): either will do. */
static int fds[3];

static const char *drain(void)
{
	static char buf[4096];
	size_t len = 0;

	for (int i = 0; i < 3; i++) {
		ssize_t n = read(fds[i], buf + len, sizeof(buf) - 1 - len);

		len += n > 0 ? (size_t)n : 0;
	}
	buf[len] = '\0';
	return buf;
}

static const char *const cmd_files[] = { "dynamic_events", "uprobe_events", "kprobe_events" };

/* The files that take commands as FIFOs (with a reader from the start:
 * libtracefs's writes do not wait), as directories (writes fail), or
 * as plain files with text. */
enum stand_in { AS_FIFO, AS_DIR, AS_FILE };

static int stand_in(enum stand_in how, const char *text)
{
	char p[128];

	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, cmd_files[i]);
		unlink(p);
		rmdir(p);
		if (how == AS_FIFO && (mkfifo(p, 0600) ||
				       (fds[i] = open(p, O_RDONLY | O_NONBLOCK)) < 0))
			return -1;
		if (how == AS_DIR && mkdir(p, 0700))
			return -1;
		if (how == AS_FILE)
			put(cmd_files[i], text);
	}
	return 0;
}

static void test_definitions(void)
{
	struct ukt_buf err = UKT_BUF_INIT;
	struct tfs t;

	const struct tfs_probe up = { .name = "e", .file = "/bin/x", .offset = 0x620,
				      .args = "a=%ax caller=+0(%sp):x64" };
	const struct tfs_probe urp = { .ret = true, .name = "e__return", .file = "/bin/x",
				       .offset = 0x620, .args = "ret=$retval" };
	const struct tfs_probe k = { .kernel = true, .name = "k", .symbol = "vfs_read",
				     .offset = 4 };
	const struct tfs_probe kr = { .kernel = true, .ret = true, .name = "kr",
				      .symbol = "vfs_read", .maxactive = 10 };
	const struct tfs_probe sem = { .name = "s", .file = "/bin/x", .offset = 0x640,
				       .ref_ctr = 0x4010, .args = "arg1=%di" };

	CHECK_EQ(stand_in(AS_FIFO, NULL), 0);
	CHECK_EQ(tfs_open_at(&t, 4242, dir, &err), 0);
	CHECK(t.have_uprobes && t.have_kprobes);
	CHECK_STR(t.group, "uktrace_4242");
	CHECK_EQ(tfs_add_probe(&t, &up, &err), 0);
	CHECK_STR(drain(), "p:uktrace_4242/e /bin/x:0x0000000000000620 a=%ax caller=+0(%sp):x64\n");
	CHECK_EQ(tfs_add_probe(&t, &urp, &err), 0);
	CHECK_STR(drain(), "r:uktrace_4242/e__return /bin/x:0x0000000000000620 ret=$retval\n");
	CHECK_EQ(tfs_add_probe(&t, &k, &err), 0);
	CHECK_STR(drain(), "p:uktrace_4242/k vfs_read+0x4 \n");
	/* libtracefs 1.6.4 would write "r10::uktrace_4242/kr" */
	CHECK_EQ(tfs_add_probe(&t, &kr, &err), 0);
	CHECK_STR(drain(), "r10:uktrace_4242/kr vfs_read\n");
	/* nor a uprobe's reference counter (a USDT semaphore) */
	CHECK_EQ(tfs_add_probe(&t, &sem, &err), 0);
	CHECK_STR(drain(), "p:uktrace_4242/s /bin/x:0x0000000000000640(0x4010) arg1=%di\n");
	CHECK_EQ(tfs_remove_last_probe(&t, &err), 0);
	CHECK_STR(drain(), "-:uktrace_4242/s");
	CHECK_EQ(t.nevents, 4);
	/* removed: exactly ours, the last first */
	CHECK_EQ(tfs_remove_last_probe(&t, &err), 0);
	CHECK_STR(drain(), "-:uktrace_4242/kr");
	CHECK_EQ(tfs_teardown(&t, &err), 0);
	/* through dynamic_events, the last first; through uprobe_events and
	 * kprobe_events (a system without tracefs mounted), each file's
	 * last first, read here uprobes before kprobes */
	{
		const char *got = drain();

		if (strcmp(got, "-:uktrace_4242/e__return-:uktrace_4242/e-:uktrace_4242/k"))
			CHECK_STR(got, "-:uktrace_4242/k-:uktrace_4242/e__return-:uktrace_4242/e");
	}
	CHECK_EQ(t.nevents, 0);
	CHECK_EQ(err.len, 0);
	tfs_release(&t);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	ukt_buf_release(&err);
}

static void test_refused(void)
{
	struct ukt_buf err = UKT_BUF_INIT;
	struct tfs t;
	const struct tfs_probe up = { .name = "a", .file = "/bin/x", .offset = 0x10,
				      .args = "bogus=%nosuchreg" };

	CHECK_EQ(stand_in(AS_DIR, NULL), 0);
	put("error_log",
	    "[  100.000001] trace_uprobe: error: Invalid register name\n"
	    "  Command: p:uktrace_4242/a /bin/x:0x0000000000000010 bogus=%nosuchreg\n"
	    "                                                      ^\n"
	    "[  100.000002] trace_uprobe: error: File not found\n"
	    "  Command: p:other_tool/a /nonexistent:0x10\n"
	    "                        ^\n");
	CHECK_EQ(tfs_open_at(&t, 4242, dir, &err), 0);
	CHECK_EQ(tfs_add_probe(&t, &up, &err), -REC_E_KERNEL);
	CHECK(strstr(err.data, "the kernel rejected probe 'p:uktrace_4242/a /bin/x:0x0000000000000010 bogus=%nosuchreg'") == err.data);
	/* ours, not the other tool's that came after it */
	CHECK(strstr(err.data, "): Invalid register name\n  Command: p:uktrace_4242/a ") != NULL);
	CHECK(strstr(err.data, "other_tool") == NULL);
	CHECK_EQ(t.nevents, 0);
	tfs_release(&t);
	ukt_buf_release(&err);
}

static void test_error_entry(void)
{
	static const char log[] =
		"[    5.1] trace_kprobe: error: Invalid argument type\n"
		"  Command: p:uktrace_7/a__return vfs_read x=%di:u99\n"
		"                                             ^\n"
		"[    5.2] trace_kprobe: error: Bad probe address\n"
		"  Command: p:uktrace_7/a nosuchfunction\n"
		"                        ^\n";
	struct ukt_buf out = UKT_BUF_INIT;

	/* uktrace_7/a is not uktrace_7/a__return */
	tfs_error_entry(log, "uktrace_7/a", &out);
	CHECK_STR(out.data, ": Bad probe address\n  Command: p:uktrace_7/a nosuchfunction\n"
		  "                        ^");
	ukt_buf_reset(&out);
	tfs_error_entry(log, "uktrace_7/a__return", &out);
	CHECK(strstr(out.data, ": Invalid argument type\n") == out.data);
	ukt_buf_reset(&out);
	tfs_error_entry(log, "uktrace_7/b", &out);
	CHECK_EQ(out.len, 0);
	tfs_error_entry("", "uktrace_7/a", &out);
	CHECK_EQ(out.len, 0);
	ukt_buf_release(&out);
}

/* A pid that no process has. */
static pid_t dead_pid(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	waitpid(p, NULL, 0);
	return p;
}

static void test_stale(void)
{
	struct ukt_buf err = UKT_BUF_INIT, report = UKT_BUF_INIT, text = UKT_BUF_INIT;
	struct tfs t;
	pid_t dead = dead_pid();
	char p[160];
	struct stat st;

	snprintf(p, sizeof(p), "%s/instances", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/instances/uktrace_%d", dir, (int)dead);
	CHECK_EQ(mkdir(p, 0700), 0);
	/* a uprobe is listed twice by libtracefs 1.6.4 (as a kprobe too) */
	ukt_buf_addf(&text, "p:other_tool/mine /bin/x:0x0000000000001000\n"
		     "p:uktrace_%d/a /bin/x:0x0000000000001000 caller=+0(%%sp):x64\n"
		     "r:uktrace_%d/a__return /bin/x:0x0000000000001000 ret=$retval\n"
		     "p:uktrace_%d/k vfs_read\n"
		     "r10:uktrace_%d/k__return vfs_read\n", (int)dead, (int)dead, (int)dead, (int)dead);
	CHECK_EQ(stand_in(AS_FILE, text.data), 0);
	CHECK_EQ(tfs_open_at(&t, getpid(), dir, &err), 0);
	CHECK_EQ(tfs_remove_stale(&t, &report), 0);
	/* each once, in whatever order the listing had them */
	for (int i = 0; i < 5; i++) {
		static const char *const what[] = { "instance", "dynamic event", "dynamic event",
						    "dynamic event", "dynamic event" };
		static const char *const tail[] = { "", "/a", "/a__return", "/k", "/k__return" };
		const char *at;

		ukt_buf_reset(&text);
		ukt_buf_addf(&text, "removed stale %s uktrace_%d%s\n", what[i], (int)dead, tail[i]);
		at = strstr(report.data, text.data);
		CHECK(at && (at == report.data || at[-1] == '\n'));
		CHECK(strstr(at + 1, text.data) == NULL);
	}
	CHECK(strstr(report.data, "other_tool") == NULL);
	CHECK(strstr(report.data, "could not") == NULL);
	CHECK(stat(p, &st) < 0 && errno == ENOENT);
	tfs_release(&t);
	ukt_buf_release(&err);
	ukt_buf_release(&report);
	ukt_buf_release(&text);
}

/* Without an instance, a file is never the top level's. */
static void test_no_instance(void)
{
	struct ukt_buf err = UKT_BUF_INIT, b = UKT_BUF_INIT;
	struct tfs t;

	put("tracing_on", "1\n");
	put("saved_cmdlines_size", "");
	CHECK_EQ(tfs_open_at(&t, 4242, dir, &err), 0);
	CHECK_EQ(tfs_write(&t, "tracing_on", "0"), -ENOENT);
	CHECK_EQ(tfs_read(&t, "tracing_on", &b), -ENOENT);
	CHECK_EQ(tfs_read_top(&t, "tracing_on", &b), 0);
	CHECK_STR(b.data, "1\n");
	/* an empty file reads as empty, a missing one as ENOENT */
	ukt_buf_reset(&b);
	CHECK_EQ(tfs_read_top(&t, "saved_cmdlines_size", &b), 0);
	CHECK_EQ(b.len, 0);
	CHECK_EQ(tfs_read_top(&t, "no_such_file", &b), -ENOENT);
	tfs_release(&t);
	ukt_buf_release(&err);
	ukt_buf_release(&b);
}

int main(void)
{
	char cmd[96];

	snprintf(dir, sizeof(dir), "/tmp/ukt-tracefs.XXXXXX");
	if (!mkdtemp(dir)) {
		printf("skip test_tracefs: no temporary directory\n");
		return 0;
	}
	RUN(test_definitions);
	RUN(test_refused);
	RUN(test_error_entry);
	RUN(test_stale);
	RUN(test_no_instance);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("  could not remove %s\n", dir);
	return t_failed_total ? 1 : 0;
}
