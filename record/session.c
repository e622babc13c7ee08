// SPDX-License-Identifier: MIT
/*
 * The recording session, in order: parse and resolve specs; clean up what
 * dead recorders left; create our instance and probes; open the trace file;
 * enable; write start metadata; capture until the command exits, a signal,
 * a limit or an error; drain; write end metadata; remove everything we
 * created. Every path out goes through the one teardown at the end.
 */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "elfsym.h"
#include "kfuncs.h"
#include "launch.h"
#include "libfind.h"
#include "meta.h"
#include "pids.h"
#include "session.h"
#include "spec.h"
#include "tracefs.h"
#include "errors.h"
#include "uktrace/format.h"

/* how long a command has to exit when the recording ends before it */
#define COMMAND_GRACE_MS 3000

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_specs(const struct record_opts *o, struct probe_list *l,
		       struct ukt_buf *warn)
{
	struct spec_opts so = { .max_probes = o->max_probes, .warnings = warn };
	struct ukt_buf err = UKT_BUF_INIT;
	int rc = 0;

	for (size_t i = 0; i < o->nspecs && !rc; i++) {
		ukt_buf_reset(&err);
		if (o->specs[i].how == 'c')
			rc = spec_parse_file(l, o->specs[i].text, &so, &err);
		else
			rc = spec_parse(l, o->specs[i].how, o->specs[i].text, &so, &err);
		if (rc)
			fprintf(stderr, "uktrace-record: %s\n", err.len ? err.data : rec_strerror(rc));
	}
	if (!rc && !l->n) {
		fprintf(stderr, "uktrace-record: nothing to record: give a probe (-p), a function (-f), a tracepoint (-e) or a config file (-c); see --help\n");
		rc = -EINVAL;
	}
	ukt_buf_release(&err);
	return rc;
}

static void print_warnings(struct ukt_buf *w, int quiet)
{
	if (w->len && !quiet)
		fprintf(stderr, "%s", w->data);
	ukt_buf_reset(w);
}

/* Number of CPUs the instance has buffers for. */
static int count_cpus(struct tfs *t)
{
	struct ukt_buf p = UKT_BUF_INIT;
	int n = 0;
	struct stat st;

	for (;; n++) {
		tfs_path(t, true, "", &p);
		ukt_buf_addf(&p, "per_cpu/cpu%d", n);
		if (stat(p.data, &st) < 0)
			break;
	}
	ukt_buf_release(&p);
	return n;
}

/* The instance's sub-buffer size, from buffer_subbuf_size_kb or header_page. */
static uint32_t subbuf_size(struct tfs *t)
{
	struct ukt_buf b = UKT_BUF_INIT;
	uint32_t sz = 0;
	char *f;

	if (tfs_read(t, "buffer_subbuf_size_kb", &b) == 0 && b.len)
		sz = (uint32_t)strtoul(b.data, NULL, 10) * 1024;
	ukt_buf_reset(&b);
	if (!sz && tfs_read_top(t, "events/header_page", &b) == 0 && b.data &&
	    (f = strstr(b.data, "data;"))) {
		unsigned int off = 0, size = 0;

		if (sscanf(f, "data;\toffset:%u;\tsize:%u;", &off, &size) == 2)
			sz = off + size;
	}
	ukt_buf_release(&b);
	return sz ? sz : (uint32_t)sysconf(_SC_PAGESIZE);
}

/* Events (read + still buffered) and losses over all CPUs, one read each. */
static void stats_totals(struct tfs *t, int ncpus, uint64_t *events, uint64_t *lost)
{
	static const char *const fields[] = { "read events: ", "entries: ",
					      "overrun: ", "dropped events: " };
	struct ukt_buf b = UKT_BUF_INIT;
	char path[64];

	*events = *lost = 0;
	for (int cpu = 0; cpu < ncpus; cpu++) {
		snprintf(path, sizeof(path), "per_cpu/cpu%d/stats", cpu);
		ukt_buf_reset(&b);
		if (tfs_read(t, path, &b) || !b.len)
			continue;
		for (int i = 0; i < 4; i++) {
			const char *p = strstr(b.data, fields[i]);

			if (p)
				*(i < 2 ? events : lost) += strtoull(p + strlen(fields[i]), NULL, 10);
		}
	}
	ukt_buf_release(&b);
}

static int dry_run(const struct record_opts *o, struct probe_list *l, pid_t self)
{
	struct tfs t;
	struct ukt_buf err = UKT_BUF_INIT, def = UKT_BUF_INIT;
	char group[64];
	bool expanded = false;

	snprintf(group, sizeof(group), TFS_PREFIX "%d", (int)self);
	/* Reading available_events is harmless; without it, globs stay. */
	if (tfs_open(&t, self, false, &err) == 0) {
		ukt_buf_reset(&err);
		if (tfs_expand_tracepoints(&t, l, &err) == 0)
			expanded = true;
		else
			fprintf(stderr, "uktrace-record: %s\n", err.data);
		tfs_release(&t);
	}
	probe_list_unique_names(l);
	printf("# uktrace-record --dry-run: nothing is written to tracefs\n");
	printf("# instance: instances/%s\n", group);
	for (size_t i = 0; i < l->n; i++) {
		const struct probe *p = &l->v[i];

		if (!probe_is_dynamic(p))
			continue;
		ukt_buf_reset(&def);
		probe_definition(p, group, &def);
		printf("%s >> %s\n", def.data, probe_is_kernel(p) ? "kprobe_events" : "uprobe_events");
	}
	for (size_t i = 0; i < l->n; i++) {
		const struct probe *p = &l->v[i];

		printf("enable instances/%s/events/%s/%s%s\n", group,
		       probe_is_dynamic(p) ? group : p->system, p->name,
		       !expanded && p->kind == PK_TRACEPOINT && strpbrk(p->name, "*?[") ? "  (glob, not expanded)" : "");
	}
	if (o->npids || o->argv)
		printf("filter instances/%s/set_event_pid (options/event-fork on)\n", group);
	ukt_buf_release(&err);
	ukt_buf_release(&def);
	return 0;
}

/* Global tracefs settings we raise and must put back. */
struct saved_global {
	char cmdlines_size[32];
};

static void raise_cmdlines(struct tfs *t, struct saved_global *g)
{
	struct ukt_buf b = UKT_BUF_INIT, p = UKT_BUF_INIT;
	FILE *f;

	g->cmdlines_size[0] = '\0';
	if (tfs_read_top(t, "saved_cmdlines_size", &b) || !b.len)
		goto out;
	if (strtoul(b.data, NULL, 10) >= 32768)
		goto out;
	snprintf(g->cmdlines_size, sizeof(g->cmdlines_size), "%.*s",
		 (int)strcspn(b.data, "\n"), b.data);
	tfs_path(t, false, "saved_cmdlines_size", &p);
	f = fopen(p.data, "we");
	if (f) {
		fputs("32768", f);
		if (fclose(f) != 0)
			g->cmdlines_size[0] = '\0';
	}
out:
	ukt_buf_release(&b);
	ukt_buf_release(&p);
}

static void restore_cmdlines(struct tfs *t, struct saved_global *g)
{
	struct ukt_buf p = UKT_BUF_INIT;
	FILE *f;

	if (!g->cmdlines_size[0])
		return;
	tfs_path(t, false, "saved_cmdlines_size", &p);
	f = fopen(p.data, "we");
	if (f) {
		fputs(g->cmdlines_size, f);
		fclose(f);
	}
	ukt_buf_release(&p);
}

static void status_line(struct tfs *t, int ncpus, struct ukt_writer *w,
			double start, uint64_t *last_events, double *last_t)
{
	uint64_t ev, lost;
	uint64_t bytes = ukt_writer_bytes(w), raw = ukt_writer_raw_data_bytes(w);
	double now = now_s();
	double rate;
	char hb[32];

	stats_totals(t, ncpus, &ev, &lost);
	rate = now > *last_t ? (double)(ev - *last_events) / (now - *last_t) : 0;
	ukt_human_bytes(hb, sizeof(hb), (double)bytes);
	fprintf(stderr, "\r\033[K%6.1fs  %10" PRIu64 " events  %9.0f ev/s  %s written  %.1fx  lost %" PRIu64,
		now - start, ev, rate, hb, bytes > 200 ? (double)raw / (double)bytes : 0.0, lost);
	*last_events = ev;
	*last_t = now;
}

static void print_summary(const char *stats, const char *out, struct ukt_writer *w,
			  double secs)
{
	const char *p = stats;
	uint64_t tot = 0, tot_lost = 0;
	char hb[32];

	fprintf(stderr, "%-5s %12s %10s\n", "cpu", "events", "lost");
	while (p && *p) {
		int cpu;
		const char *next = strstr(p + 1, "\ncpu");
		const char *e = strstr(p, "read events: ");
		const char *o1 = strstr(p, "overrun: ");
		const char *d = strstr(p, "dropped events: ");
		uint64_t ev = 0, lost = 0;

		if (sscanf(p, "cpu%d", &cpu) != 1)
			break;
		if (e && (!next || e < next))
			ev = strtoull(e + 13, NULL, 10);
		if (o1 && (!next || o1 < next))
			lost += strtoull(o1 + 9, NULL, 10);
		if (d && (!next || d < next))
			lost += strtoull(d + 16, NULL, 10);
		fprintf(stderr, "cpu%-2d %12" PRIu64 " %10" PRIu64 "\n", cpu, ev, lost);
		tot += ev;
		tot_lost += lost;
		p = next ? next + 1 : NULL;
	}
	ukt_human_bytes(hb, sizeof(hb), (double)ukt_writer_bytes(w));
	fprintf(stderr, "%-5s %12" PRIu64 " %10" PRIu64 "\n", "total", tot, tot_lost);
	fprintf(stderr, "wrote %s: %s in %.1f s, %.1fx compression%s\n", out, hb, secs,
		ukt_writer_bytes(w) ? (double)ukt_writer_raw_data_bytes(w) / (double)ukt_writer_bytes(w) : 0.0,
		tot_lost ? "; EVENTS WERE LOST: raise the buffer size with -b" : "");
}

static int enable_all(struct tfs *t, const struct probe_list *l, struct ukt_buf *err)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct probe *p = &l->v[i];
		int rc = tfs_enable(t, probe_is_dynamic(p) ? t->name : p->system,
				    p->name, true, err);

		if (rc)
			return rc;
	}
	return 0;
}

/*
 * Filter on the processes, their threads and their descendants (pids.h).
 * event-fork adds the tasks created once the filter is in place; those
 * created while it was being listed are caught by listing again, until a
 * listing finds nothing new (tasks that exited stay harmlessly listed).
 */
static int set_pid_filter(struct tfs *t, const pid_t *pids, size_t n)
{
	struct ukt_buf b = UKT_BUF_INIT;
	struct pid_set s = { 0 }, written = { 0 };
	int rc = tfs_write(t, "options/event-fork", "1");

	for (int round = 0; !rc && round < 5; round++) {
		rc = pids_expand(pids, n, &s);
		if (rc || (round && pid_set_within(&s, &written)))
			break;
		pid_set_swap(&s, &written);
		ukt_buf_reset(&b);
		for (size_t i = 0; i < written.n; i++)
			ukt_buf_addf(&b, "%s%d", i ? " " : "", (int)written.v[i]);
		rc = tfs_write(t, "set_event_pid", b.data);
	}
	pid_set_release(&s);
	pid_set_release(&written);
	ukt_buf_release(&b);
	return rc;
}

/* Mark probes[i], and the other half of its entry/return pair, dropped;
 * the half added just before it is removed from tracefs. */
static void skip_refused(struct tfs *t, struct probe_list *l, bool *drop,
			 size_t i)
{
	const struct probe *p = &l->v[i];

	if (i > 0 && !drop[i - 1] && l->v[i - 1].optional &&
	    !strcmp(l->v[i - 1].func, p->func)) {
		tfs_remove_last_probe(t, NULL);
		drop[i - 1] = true;
	}
	if (i + 1 < l->n && l->v[i + 1].optional && !strcmp(l->v[i + 1].func, p->func))
		drop[i + 1] = true;
	drop[i] = true;
}

/*
 * Write every dynamic probe to tracefs; defs[i] gets each definition. A
 * probe from a kernel glob that the kernel refuses is skipped with its
 * pair, and the skipped functions are named in one warning; any other
 * refusal is an error.
 */
static int add_probes(struct tfs *t, struct probe_list *l, char **defs,
		      const struct record_opts *o)
{
	struct ukt_buf def = UKT_BUF_INIT, err = UKT_BUF_INIT, names = UKT_BUF_INIT;
	bool *drop = calloc(l->n ? l->n : 1, sizeof(*drop));
	size_t nskipped = 0, out = 0;
	int rc = 0;

	if (!drop)
		return -ENOMEM;
	for (size_t i = 0; i < l->n && !rc; i++) {
		const struct probe *p = &l->v[i];

		if (!probe_is_dynamic(p) || drop[i])
			continue;
		ukt_buf_reset(&def);
		probe_definition(p, t->name, &def);
		defs[i] = strdup(def.data);
		ukt_buf_reset(&err);
		rc = tfs_add_probe(t, p, def.data, &err);
		if (rc == -REC_E_KERNEL && p->optional) {
			if (o->verbose)
				fprintf(stderr, "uktrace-record: skipped: %s\n", err.data);
			skip_refused(t, l, drop, i);
			if (nskipped < 10)
				ukt_buf_addf(&names, "%s%s", nskipped ? ", " : "", p->symbol);
			nskipped++;
			rc = 0;
			continue;
		}
		if (rc)
			fprintf(stderr, "uktrace-record: %s\n", err.data);
		else if (o->verbose)
			fprintf(stderr, "uktrace-record: added %s\n", def.data);
	}
	if (!rc && nskipped) {
		/* keep defs[] parallel to the probes that remain */
		for (size_t i = 0; i < l->n; i++) {
			if (drop[i])
				free(defs[i]);
			else
				defs[out++] = defs[i];
		}
		probe_list_drop(l, drop);
		if (!l->n) {
			fprintf(stderr, "uktrace-record: the kernel refused every function the glob matched (%s); see --verbose for its reasons\n",
				names.data);
			rc = -REC_E_KERNEL;
		} else if (!o->quiet) {
			fprintf(stderr, "uktrace-record: the kernel refused %zu function%s a glob matched, skipped: %s%s (--verbose says why)\n",
				nskipped, nskipped == 1 ? "" : "s", names.data,
				nskipped > 10 ? ", ..." : "");
		}
	}
	free(drop);
	ukt_buf_release(&def);
	ukt_buf_release(&err);
	ukt_buf_release(&names);
	return rc;
}

static bool any_alive(const pid_t *pids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (kill(pids[i], 0) == 0 || errno == EPERM)
			return true;
	return false;
}

int record_run(const struct record_opts *o, int *exit_status)
{
	struct probe_list probes = { 0 };
	struct ukt_buf warn = UKT_BUF_INIT, err = UKT_BUF_INIT, def = UKT_BUF_INIT;
	struct ukt_buf stats = UKT_BUF_INIT;
	struct ukt_file_info info = { .endian = 1, .long_size = sizeof(long) };
	struct saved_global saved = { { 0 } };
	struct meta m = { 0 };
	struct launch l = { .pid = -1, .gate = -1, .report = -1 };
	struct capture *cap = NULL;
	struct ukt_writer *w = NULL;
	struct tfs t = { 0 };
	sigset_t mask, oldmask;
	char **defs = NULL;
	pid_t self = getpid();
	int sfd = -1, rc, ncpus = 0, stop_sig = 0;
	bool stop_from_tty = false;
	bool tfs_ok = false, tty = isatty(2) && !o->quiet, finished = false;
	bool exec_failed = false;
	double start = 0, last_scan = 0, last_status = 0, last_t = 0;
	uint64_t last_events = 0;
	char bkb[16];

	*exit_status = 0;
	rc = parse_specs(o, &probes, &warn);
	print_warnings(&warn, o->quiet);
	if (rc)
		goto out;
	if (o->dry_run) {
		rc = dry_run(o, &probes, self);
		goto out;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "uktrace-record: creating probes in tracefs needs root: run it as root (e.g. with sudo); --dry-run shows what would be done without it\n");
		rc = -EPERM;
		goto out;
	}
	for (size_t i = 0; i < o->npids; i++) {
		if (kill(o->pids[i], 0) < 0 && errno == ESRCH) {
			fprintf(stderr, "uktrace-record: no process with pid %d\n", (int)o->pids[i]);
			rc = -ESRCH;
			goto out;
		}
	}
	rc = tfs_open(&t, self, true, &err);
	if (rc) {
		fprintf(stderr, "uktrace-record: %s\n", err.data);
		goto out;
	}
	tfs_ok = true;
	tfs_remove_stale(&t, &warn);
	if (warn.len && !o->quiet)
		fprintf(stderr, "uktrace-record: cleaning up after a recorder that did not exit cleanly:\n%s", warn.data);
	ukt_buf_reset(&warn);
	rc = tfs_expand_tracepoints(&t, &probes, &err);
	if (!rc)
		rc = probe_list_unique_names(&probes);
	if (rc) {
		fprintf(stderr, "uktrace-record: %s\n", err.len ? err.data : rec_strerror(rc));
		goto out;
	}

	/* From here on, signals are read from a signalfd in the main loop;
	 * the capture threads inherit the blocked mask. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGQUIT);
	sigprocmask(SIG_BLOCK, &mask, &oldmask);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		rc = -errno;
		goto out;
	}

	rc = tfs_instance_create(&t, &err);
	if (rc) {
		fprintf(stderr, "uktrace-record: %s\n", err.data);
		goto out;
	}
	snprintf(bkb, sizeof(bkb), "%u", o->buffer_kb);
	if ((rc = tfs_write(&t, "buffer_size_kb", bkb))) {
		fprintf(stderr, "uktrace-record: cannot set the buffer size to %u KiB per CPU: %s\n",
			o->buffer_kb, strerror(-rc));
		goto out;
	}
	if ((rc = tfs_write(&t, "trace_clock", o->clock))) {
		fprintf(stderr, "uktrace-record: cannot use trace clock '%s': %s (see %s/trace_clock)\n",
			o->clock, strerror(-rc), t.dir);
		goto out;
	}
	/* wake the readers at half full (the kernel default): fewer wake-ups
	 * than 25% cost the traced workload less (W2: ~50 ms of 1.3 s) and
	 * 4 MiB buffers leave room; W3 loses nothing */
	tfs_write(&t, "buffer_percent", "50");
	tfs_write(&t, "options/record-tgid", "1");
	raise_cmdlines(&t, &saved);

	defs = calloc(probes.n ? probes.n : 1, sizeof(*defs));
	if (!defs) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = add_probes(&t, &probes, defs, o)))
		goto out;

	ncpus = count_cpus(&t);
	info.ncpus = (uint32_t)ncpus;
	info.subbuf_size = subbuf_size(&t);
	snprintf(info.clock, sizeof(info.clock), "%s", o->clock);
	w = ukt_writer_create(o->output, &info, o->force);
	if (!w) {
		rc = -errno;
		if (errno == EEXIST)
			fprintf(stderr, "uktrace-record: '%s' exists: choose another name with -o, or overwrite it with --force\n", o->output);
		else
			fprintf(stderr, "uktrace-record: cannot create '%s': %s\n", o->output, rec_strerror(rc));
		goto out;
	}

	if ((rc = enable_all(&t, &probes, &err))) {
		fprintf(stderr, "uktrace-record: %s\n", err.data);
		goto out;
	}
	if (o->argv) {
		rc = launch_prepare(&l, o->argv, &oldmask, &err);
		if (rc) {
			fprintf(stderr, "uktrace-record: %s\n", err.data);
			goto out;
		}
		rc = set_pid_filter(&t, &l.pid, 1);
	} else if (o->npids) {
		rc = set_pid_filter(&t, o->pids, o->npids);
	}
	if (rc) {
		fprintf(stderr, "uktrace-record: cannot set the pid filter: %s\n", strerror(-rc));
		goto out;
	}

	m.w = w;
	m.t = &t;
	m.probes = &probes;
	m.clock = o->clock;
	m.defs = defs;
	for (size_t i = 0; i < probes.n; i++)
		if (probes.v[i].kind == PK_UPROBE || probes.v[i].kind == PK_URETPROBE)
			m.want_maps = true;
	m.system_wide = !o->argv && !o->npids;
	for (size_t i = 0; i < o->npids; i++)
		meta_follow(&m, o->pids[i]);
	rc = meta_write_start(&m, o->clock, o->cmdline, o->buffer_kb, info.subbuf_size);
	if (!rc)
		rc = meta_scan(&m, true);
	if (rc) {
		fprintf(stderr, "uktrace-record: cannot write '%s': %s\n", o->output, rec_strerror(rc));
		goto out;
	}

	{
		struct capture_opts co = {
			.inst_dir = t.inst_dir, .writer = w, .ncpus = ncpus,
			.subbuf_size = info.subbuf_size,
			.pages_per_block = 64, .level = o->level, .flush_ms = 500,
			.max_bytes = o->max_size,
		};

		cap = capture_start(&co);
		if (!cap) {
			rc = -errno;
			fprintf(stderr, "uktrace-record: cannot read the ring buffers: %s\n", strerror(errno));
			goto out;
		}
	}
	if ((rc = tfs_write(&t, "tracing_on", "1")))
		goto out;
	start = last_scan = last_status = last_t = now_s();
	if (o->argv) {
		/* followed from its exec on: before it, it maps our objects */
		meta_follow(&m, l.pid);
		rc = launch_go(&l, &warn);
		print_warnings(&warn, o->quiet);
		if (rc) {
			fprintf(stderr, "uktrace-record: cannot run '%s': %s\n", o->argv[0], strerror(-rc));
			*exit_status = 127;
			exec_failed = true;
		}
	}

	while (!rc) {
		struct pollfd pfd = { .fd = sfd, .events = POLLIN };
		struct signalfd_siginfo si;
		double now;

		poll(&pfd, 1, 200);
		while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo != SIGCHLD) {
				stop_sig = (int)si.ssi_signo;
				/* from the terminal: the command got it too */
				stop_from_tty = si.ssi_code == SI_KERNEL;
			}
		}
		if (o->argv) {
			launch_reap(&l, &m);
			if (l.exited) {
				*exit_status = l.status;
				break;
			}
		}
		if (stop_sig)
			break;
		if ((rc = capture_error(cap)))
			break;
		if (capture_limit_hit(cap)) {
			if (!o->quiet)
				fprintf(stderr, "%suktrace-record: --max-size reached; stopping\n", tty ? "\n" : "");
			break;
		}
		now = now_s();
		if (o->duration > 0 && now - start >= o->duration)
			break;
		if (o->npids && !o->argv && !any_alive(o->pids, o->npids)) {
			if (!o->quiet)
				fprintf(stderr, "%suktrace-record: the traced processes have exited\n", tty ? "\n" : "");
			break;
		}
		if (now - last_scan >= 2.0) {
			rc = meta_scan(&m, false);
			last_scan = now;
		}
		if (tty && now - last_status >= 1.0) {
			status_line(&t, ncpus, w, start, &last_events, &last_t);
			last_status = now;
		}
	}
	if (tty)
		fprintf(stderr, "\n");

out:
	/* stop producing, then drain what is in the buffers */
	if (t.inst)
		tfs_write(&t, "tracing_on", "0");
	if (cap) {
		int e;

		capture_stop(cap);
		e = capture_join(cap);
		cap = NULL;
		if (e && !rc)
			rc = e;
	}
	if (rc && rc != -EPERM && w && t.inst && !exec_failed)
		fprintf(stderr, "uktrace-record: recording stopped: %s%s\n", rec_strerror(rc),
			rc == -ENOSPC || rc == -UKT_E_WRITER_FAILED ?
			" (the disk is full; the trace file is readable up to the last block written)" : "");
	if (w && m.w) {
		int e;

		if (o->argv && !l.exited)
			meta_snapshot_pid(&m, l.pid);
		meta_scan(&m, true);
		e = meta_write_end(&m, ncpus, o->clock, &stats);
		if (!e && !rc) {
			e = ukt_writer_finish(w);
			finished = !e;
		}
		if (e && !rc) {
			rc = e;
			fprintf(stderr, "uktrace-record: cannot finish '%s': %s%s\n", o->output,
				rec_strerror(e),
				e == -ENOSPC || e == -UKT_E_WRITER_FAILED ? " (the disk is full; the file is readable up to the last block written)" : "");
		}
	}
	if (o->argv && l.pid > 0 && !l.exited) {
		/* the recording ended first (a signal, -d, --max-size, an
		 * error): ask the command to end, as perf does; not started
		 * yet, it is killed */
		bool started = l.gate < 0 && !exec_failed;

		launch_stop(&l, stop_from_tty ? 0 : stop_sig ? stop_sig : SIGTERM,
			    COMMAND_GRACE_MS);
		if (started)
			*exit_status = l.status;
	}
	if (exec_failed)
		unlink(o->output);	/* ours, and it holds nothing */
	if (tfs_ok) {
		ukt_buf_reset(&err);
		if (tfs_teardown(&t, &err))
			fprintf(stderr, "uktrace-record: %s", err.data);
		restore_cmdlines(&t, &saved);
	}
	if (finished && tty) {
		if (stop_sig)
			fprintf(stderr, "uktrace-record: stopped by %s\n", strsignal(stop_sig));
		print_summary(stats.data, o->output, w, now_s() - start);
	}
	if (sfd >= 0)
		close(sfd);
	if (sfd >= 0 || o->argv)
		sigprocmask(SIG_SETMASK, &oldmask, NULL);
	for (size_t i = 0; defs && i < probes.n; i++)
		free(defs[i]);
	free(defs);
	ukt_writer_free(w);
	meta_release(&m);
	launch_release(&l);
	tfs_release(&t);
	probe_list_release(&probes);
	ukt_buf_release(&warn);
	ukt_buf_release(&err);
	ukt_buf_release(&def);
	ukt_buf_release(&stats);
	return rc;
}

/* --list kernel [PATTERN]: the names a kernel glob expands over. */
static int list_kernel(const char *pattern)
{
	struct ukt_buf err = UKT_BUF_INIT;
	struct kfuncs k;
	size_t n = 0;
	int rc = kfuncs_load(&k, &err);

	if (rc) {
		fprintf(stderr, "uktrace-record: %s\n", err.data);
		goto out;
	}
	for (size_t i = 0; i < k.n; i++)
		n += !pattern || fnmatch(pattern, k.names[i], 0) == 0;
	printf("# kernel (%s, %zu functions%s)\n", k.source, n, pattern ? " matching" : "");
	for (size_t i = 0; i < k.n; i++)
		if (!pattern || fnmatch(pattern, k.names[i], 0) == 0)
			printf("%s\n", k.names[i]);
	kfuncs_release(&k);
out:
	ukt_buf_release(&err);
	return rc;
}

int record_list(const char *binary, const char *pattern)
{
	struct ukt_buf path = UKT_BUF_INIT;
	struct elfsym *e;
	int rc;
	uint64_t last = UINT64_MAX;

	if (!strcmp(binary, "kernel"))
		return list_kernel(pattern);
	rc = libfind_resolve(binary, &path);

	if (rc) {
		fprintf(stderr, "uktrace-record: cannot find binary or library '%s': %s\n",
			binary, rec_strerror(rc));
		goto out;
	}
	e = elfsym_load(path.data);
	if (!e) {
		rc = -errno;
		fprintf(stderr, "uktrace-record: cannot read '%s': %s\n", path.data, rec_strerror(rc));
		goto out;
	}
	printf("# %s (%s, %zu functions)\n", path.data, e->table, e->nsyms);
	for (size_t i = 0; i < e->nsyms; i++) {
		const struct elf_sym *s = &e->syms[i];
		uint64_t off = 0;

		if (pattern && fnmatch(pattern, s->name, 0) != 0)
			continue;
		if (elfsym_vaddr_to_offset(e, s->value, &off))
			continue;
		printf("%-40s 0x%-10" PRIx64 " %6" PRIu64 "%s%s\n", s->name, off, s->size,
		       s->value == last ? "  (alias)" : "", s->ifunc ? "  (ifunc)" : "");
		last = s->value;
	}
	elfsym_free(e);
out:
	ukt_buf_release(&path);
	return rc;
}

int record_cleanup(int quiet)
{
	struct ukt_buf err = UKT_BUF_INIT, report = UKT_BUF_INIT;
	struct tfs t;
	int rc;

	if (geteuid() != 0) {
		fprintf(stderr, "uktrace-record: --cleanup needs root\n");
		return -EPERM;
	}
	rc = tfs_open(&t, getpid(), true, &err);
	if (rc) {
		fprintf(stderr, "uktrace-record: %s\n", err.data);
		goto out;
	}
	tfs_remove_stale(&t, &report);
	if (!quiet)
		fprintf(stderr, "%s", report.len ? report.data : "uktrace-record: nothing left behind by earlier recorders\n");
	tfs_release(&t);
out:
	ukt_buf_release(&err);
	ukt_buf_release(&report);
	return rc;
}
