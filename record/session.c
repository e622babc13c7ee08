// SPDX-License-Identifier: MIT
/*
 * The recording session, in order: parse and resolve specs into probes with
 * their definitions (the dry run stops here and prints them); clean up what
 * dead recorders left; create our instance and probes; open the trace file;
 * enable; write start metadata; capture until the command exits, a signal,
 * a limit or an error; drain; write end metadata; remove everything we
 * created. Every path out goes through the one teardown at the end.
 * tracefs is reached only through tracefs.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "uktrace/clock.h"
#include "uktrace/vec.h"
#include "elfsym.h"
#include "errors.h"
#include "filter.h"
#include "kfuncs.h"
#include "pids.h"
#include "session_int.h"
#include "uktrace/demangle.h"
#include "usdtspec.h"

/* how long a command has to exit when the recording ends before it */
#define COMMAND_GRACE_MS 3000
/* saved_cmdlines_size while recording: names of busy hosts' threads */
#define CMDLINES_SIZE 32768

double session_now(void)
{
	return ukt_now_s();
}

uint64_t session_trace_now(const struct session *s)
{
	static const char *const readable[] = { "mono", "mono_raw", "boot", "tai" };

	for (size_t i = 0; i < sizeof(readable) / sizeof(readable[0]); i++)
		if (!strcmp(s->o->clock, readable[i]))
			return meta_clock_now(s->o->clock);
	return 0;
}

/* Print s->err (or the code's text when a path gave no message). */
static void say_error(struct session *s, int rc)
{
	fprintf(stderr, "uktrace-record: %s\n", s->err.len ? s->err.data : rec_strerror(rc));
	ukt_buf_reset(&s->err);
}

static void print_warnings(struct session *s)
{
	if (s->warn.len && !s->o->quiet)
		fprintf(stderr, "%s", s->warn.data);
	ukt_buf_reset(&s->warn);
}

/* The command's executable as execvp will find it, or NULL. */
static char *command_path(char *const argv[])
{
	const char *path = getenv("PATH");
	char cand[4096];

	if (!argv || !argv[0])
		return NULL;
	if (strchr(argv[0], '/'))
		return realpath(argv[0], NULL);
	while (path && *path) {
		size_t n = strcspn(path, ":");

		snprintf(cand, sizeof(cand), "%.*s/%s", (int)n, n ? path : ".", argv[0]);
		if (access(cand, X_OK) == 0)
			return realpath(cand, NULL);
		path += n + (path[n] == ':');
	}
	return NULL;
}

static int parse_specs(struct session *s)
{
	const struct record_opts *o = s->o;
	struct spec_opts so = { .max_probes = o->max_probes, .warnings = &s->warn,
				.targets = &s->targets, .allow_unwind = o->allow_unwind };
	int rc = 0;

	s->program = command_path(o->argv);
	s->targets = (struct libfind_ctx){
		.command = o->argv ? o->argv[0] : NULL,
		.program = s->program, .pids = o->pids, .npids = o->npids,
		.warnings = &s->warn,
	};

	for (size_t i = 0; i < o->nspecs && !rc; i++) {
		size_t first = s->probes.n;

		if (o->specs[i].how == 'c')
			rc = spec_parse_file(&s->probes, o->specs[i].text, &so, &s->err);
		else
			rc = spec_parse(&s->probes, o->specs[i].how, o->specs[i].text, &so, &s->err);
		if (!rc && o->specs[i].filter)
			rc = probe_list_filter(&s->probes, first, o->specs[i].filter,
					       o->specs[i].text, &s->err);
	}
	if (!rc && !s->probes.n) {
		ukt_buf_adds(&s->err, "nothing to record: give a probe (-p), a function (-f), a tracepoint (-e) or a config file (-c); see --help");
		rc = -EINVAL;
	}
	return rc;
}

/*
 * --stack dwarf: each uprobe also fetches the stack pointer, the frame pointer
 * and the first 1 KiB of the stack (the report unwinds them by the
 * objects' .eh_frame). The kernel caps an array fetcharg at 64 entries.
 */
static int add_stack_window(struct probe_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct probe *p = &l->v[i];
		struct ukt_buf def = UKT_BUF_INIT;

		if (p->kind != PK_UPROBE && p->kind != PK_URETPROBE)
			continue;
		ukt_buf_addf(&def, "%s%s%s", p->args ? p->args : "", p->args && *p->args ? " " : "",
			     REC_STACK_FETCHARGS);
		if (ukt_buf_error(&def))
			return -ENOMEM;
		free(p->args);
		p->args = ukt_buf_detach(&def);
		if (!p->args)
			return -ENOMEM;
	}
	return 0;
}

/*
 * The parsed probes made final, the same for a dry run and a real one:
 * tracepoint globs expanded (when tracefs can be read; a dry run without
 * it keeps them, and says so), names made unique, definitions written for
 * our group. *expanded says whether the globs were expanded.
 */
static int plan_probes(struct session *s, bool need_tracefs, bool *expanded)
{
	struct ukt_buf avail = UKT_BUF_INIT;
	bool any_tp = false;
	int rc = 0;

	*expanded = false;
	for (size_t i = 0; !rc && i < s->probes.n; i++)
		any_tp |= s->probes.v[i].kind == PK_TRACEPOINT;
	if (!rc && any_tp && s->tfs_ok) {
		rc = tfs_read_top(&s->t, "available_events", &avail);
		if (rc) {
			ukt_buf_addf(&s->err, "cannot read %s/available_events: %s", s->t.dir,
				     strerror(-rc));
		} else {
			char where[600];

			snprintf(where, sizeof(where), "%s/available_events", s->t.dir);
			rc = spec_expand_tracepoints(&s->probes, avail.data, where, &s->err);
			*expanded = !rc;
		}
		if (rc && !need_tracefs) {
			say_error(s, rc);	/* a dry run goes on with the globs */
			rc = 0;
		}
	}
	if (!rc)
		rc = probe_list_unique_names(&s->probes);
	if (!rc && (s->o->stack & REC_STACK_DWARF))
		rc = add_stack_window(&s->probes);
	if (!rc)
		rc = probe_list_define(&s->probes, s->t.name);
	ukt_buf_release(&avail);
	return rc;
}

/* Whether some probe is the kernel's (a kprobe, a tracepoint). */
static bool kernel_side(const struct probe_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].kind != PK_UPROBE && l->v[i].kind != PK_URETPROBE)
			return true;
	return false;
}

static void dry_run(struct session *s, bool expanded)
{
	const struct probe_list *l = &s->probes;
	const char *group = s->t.name;

	printf("# uktrace-record --dry-run: nothing is written to tracefs\n");
	printf("# instance: instances/%s\n", group);
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].def)
			printf("%s >> %s\n", l->v[i].def,
			       probe_is_kernel(&l->v[i]) ? "kprobe_events" : "uprobe_events");
	for (size_t i = 0; i < l->n; i++) {
		const struct probe *p = &l->v[i];

		printf("enable instances/%s/events/%s/%s%s\n", group,
		       probe_is_dynamic(p) ? group : p->system, p->name,
		       !expanded && p->kind == PK_TRACEPOINT && strpbrk(p->name, "*?[") ? "  (glob, not expanded)" : "");
	}
	for (size_t i = 0; i < l->n; i++) {
		const struct probe *p = &l->v[i];

		if (p->filter)
			printf("filter instances/%s/events/%s/%s/filter: %s%s\n", group,
			       probe_is_dynamic(p) ? group : p->system, p->name, p->filter,
			       p->filter_optional ? "  (left off when the kernel refuses it here)" : "");
	}
	if ((s->o->stack & REC_STACK_KERNEL) && kernel_side(l))
		printf("1 > instances/%s/options/stacktrace\n", group);
	if (s->o->stack & REC_STACK_USER)
		printf("1 > instances/%s/options/userstacktrace\n", group);
	if (s->o->npids || s->o->argv)
		printf("filter instances/%s/set_event_pid (options/event-fork on)\n", group);
	printf("filter instances/%s/set_event_notrace_pid: the recorder's own threads\n", group);
	if (s->o->flight) {
		printf("flight recorder: %" PRIu64 " KiB of ring buffers in all, overwrite mode, not read until a trigger\n",
		       s->o->flight_size >> 10);
		for (size_t i = 0; i < s->fl.ntrigs; i++) {
			const struct trigger *t = &s->fl.trigs[i];

			printf("trigger %s: enable instances/%s_trig/events/%s/%s", t->text, group,
			       t->sys[0] ? t->sys[0] : group, t->name[0]);
			if (t->name[1])
				printf(" and %s", t->name[1]);
			printf("\n");
		}
	}
}

/* Events (read + still buffered) and losses over all CPUs. */
static void stats_totals(struct session *s, uint64_t *events, uint64_t *lost)
{
	struct tfs_cpu_stats st;

	*events = *lost = 0;
	for (int cpu = 0; cpu < s->ncpus; cpu++) {
		if (tfs_cpu_stats(&s->t, cpu, &st, NULL))
			continue;
		*events += st.read_events + st.entries;
		*lost += st.overrun + st.dropped;
	}
}

/* The flight recorder's line: what its buffers hold now. */
static void flight_status_line(struct session *s)
{
	struct tfs_cpu_stats st;
	uint64_t held = 0, over = 0;

	for (int cpu = 0; cpu < s->ncpus; cpu++) {
		if (tfs_cpu_stats(&s->t, cpu, &st, NULL))
			continue;
		held += st.entries;
		over += st.overrun;
	}
	fprintf(stderr, "\r\033[K%6.1fs  flight recorder armed: %" PRIu64 " events held, %" PRIu64
		" overwritten, %u dump%s written", session_now() - s->start, held, over, s->nfiles,
		s->nfiles == 1 ? "" : "s");
}

static void status_line(struct session *s, uint64_t *last_events, double *last_t)
{
	uint64_t ev, lost, bytes, raw;
	double now = session_now();
	double rate;
	char hb[32];

	if (s->o->flight) {
		flight_status_line(s);
		return;
	}
	bytes = ukt_writer_bytes(s->w);
	raw = ukt_writer_raw_data_bytes(s->w);
	stats_totals(s, &ev, &lost);
	rate = now > *last_t ? (double)(ev - *last_events) / (now - *last_t) : 0;
	ukt_human_bytes(hb, sizeof(hb), (double)bytes);
	fprintf(stderr, "\r\033[K%6.1fs  %10" PRIu64 " events  %9.0f ev/s  %s written  %.1fx  lost %" PRIu64,
		now - s->start, ev, rate, hb, bytes > 200 ? (double)raw / (double)bytes : 0.0, lost);
	*last_events = ev;
	*last_t = now;
}

/*
 * How well the events compressed. A short recording's file is mostly its
 * metadata (symbol tables, maps, formats), which a ratio over the whole
 * file would hide as "0.1x compression": say so instead.
 */
static void print_compression(uint64_t bytes, uint64_t data, uint64_t raw)
{
	char hm[32], hd[32];

	if (!raw || !data) {
		fprintf(stderr, "no events");
		return;
	}
	if (data * 2 >= bytes) {
		fprintf(stderr, "%.1fx compression", (double)raw / (double)data);
		return;
	}
	ukt_human_bytes(hm, sizeof(hm), (double)(bytes - data));
	ukt_human_bytes(hd, sizeof(hd), (double)raw);
	fprintf(stderr, "mostly metadata (%s of symbols, maps and formats); the events: %s compressed %.1fx",
		hm, hd, (double)raw / (double)data);
}

/*
 * The end of a recording, on stderr whether or not it is a terminal (a
 * log keeps it): per-CPU events and losses, the file written. With -q,
 * only a loss is reported: the data is not what the user asked for.
 */
static void print_summary(struct session *s)
{
	uint64_t tot = 0, tot_lost = 0, bytes = ukt_writer_bytes(s->w);
	char hb[32];

	for (int cpu = 0; cpu < s->ncpus; cpu++)
		tot_lost += s->stats[cpu].overrun + s->stats[cpu].dropped;
	if (s->o->quiet) {
		if (tot_lost)
			fprintf(stderr, "uktrace-record: %" PRIu64 " EVENTS WERE LOST in the ring buffers (see 'uktrace-report info %s'); raise the buffer size with -b\n",
				tot_lost, s->cur_path ? s->cur_path : s->o->output);
		return;
	}
	if (s->stop_sig)
		fprintf(stderr, "uktrace-record: stopped by %s\n", strsignal(s->stop_sig));
	fprintf(stderr, "%-5s %12s %10s\n", "cpu", "events", "lost");
	for (int cpu = 0; cpu < s->ncpus; cpu++) {
		const struct tfs_cpu_stats *st = &s->stats[cpu];
		uint64_t lost = st->overrun + st->dropped;

		fprintf(stderr, "cpu%-2d %12" PRIu64 " %10" PRIu64 "\n", cpu, st->read_events, lost);
		tot += st->read_events;
	}
	ukt_human_bytes(hb, sizeof(hb), (double)bytes);
	fprintf(stderr, "%-5s %12" PRIu64 " %10" PRIu64 "\n", "total", tot, tot_lost);
	if (s->o->rotate)
		fprintf(stderr, "wrote %u files of at most %" PRIu64 " bytes%s; the last:\n", s->nfiles,
			s->o->rotate, s->files.keep && s->nfiles > s->files.keep ? ", kept the newest" : "");
	fprintf(stderr, "wrote %s: %s in %.1f s, ", s->cur_path ? s->cur_path : s->o->output,
		hb, session_now() - s->start);
	print_compression(bytes, ukt_writer_data_bytes(s->w), ukt_writer_raw_data_bytes(s->w));
	fprintf(stderr, "%s\n", tot_lost ? "; EVENTS WERE LOST: raise the buffer size with -b" : "");
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
 * A bare name the kernel cannot probe may be a library's function: say
 * which library the targets (or the system) have that exports it.
 */
static void library_hint(struct session *s, const struct probe *p)
{
	struct ukt_buf lib = UKT_BUF_INIT;

	if (!probe_is_kernel(p) || !p->symbol || strpbrk(p->spec, ": \t"))
		return;
	if (libfind_exporting(p->symbol, &s->targets, &lib) == 0)
		ukt_buf_addf(&s->err, "\n'%s' is a function of %s: did you mean '%s:%s'?",
			     p->symbol, lib.data, lib.data, p->symbol);
	ukt_buf_release(&lib);
}

/* The dynamic probe p, in tracefs.h's terms. */
static struct tfs_probe tfs_probe_of(const struct probe *p)
{
	return (struct tfs_probe){
		.kernel = probe_is_kernel(p),
		.ret = p->kind == PK_URETPROBE || p->kind == PK_KRETPROBE,
		.name = p->name, .file = p->target, .symbol = p->symbol, .offset = p->offset,
		.maxactive = p->maxactive, .ref_ctr = p->ref_ctr, .args = p->args,
	};
}

/*
 * Write every dynamic probe to tracefs. A probe from a kernel glob that the
 * kernel refuses is skipped with its pair, and the skipped functions are
 * named in one warning; any other refusal is an error.
 */
static int add_probes(struct session *s)
{
	const struct record_opts *o = s->o;
	struct probe_list *l = &s->probes;
	struct ukt_buf names = UKT_BUF_INIT;
	bool *drop = calloc(l->n ? l->n : 1, sizeof(*drop));
	size_t nskipped = 0;
	int rc = 0;

	if (!drop)
		return -ENOMEM;
	for (size_t i = 0; i < l->n && !rc; i++) {
		const struct probe *p = &l->v[i];
		struct tfs_probe tp = tfs_probe_of(p);

		if (!p->def || drop[i])
			continue;
		rc = tfs_add_probe(&s->t, &tp, &s->err);
		if (rc == -REC_E_KERNEL && p->optional) {
			if (o->verbose)
				fprintf(stderr, "uktrace-record: skipped: %s\n", s->err.data);
			ukt_buf_reset(&s->err);
			skip_refused(&s->t, l, drop, i);
			if (nskipped < 10)
				ukt_buf_addf(&names, "%s%s", nskipped ? ", " : "", p->symbol);
			nskipped++;
			rc = 0;
		} else if (rc == -REC_E_NO_KPROBES) {
			ukt_buf_reset(&s->err);
			ukt_buf_addf(&s->err, "cannot probe kernel function '%s': %s; CONFIG_KPROBE_EVENTS is off. Use tracepoints (-e) instead, or check with --dry-run",
				     p->symbol, rec_strerror(rc));
			library_hint(s, p);
		} else if (rc == -REC_E_KERNEL && p->ref_ctr) {
			/* the kernel says why only in dmesg */
			ukt_buf_adds(&s->err, "; a uprobe at that place with another reference counter, or none, makes the kernel refuse one with a semaphore ('Reference counter offset mismatch' in dmesg): another tool's probe, or a -p on that site without it");
		} else if (rc == -REC_E_KERNEL) {
			library_hint(s, p);
		} else if (rc == -REC_E_NO_UPROBES) {
			ukt_buf_reset(&s->err);
			ukt_buf_addf(&s->err, "cannot probe '%s': %s", p->spec, rec_strerror(rc));
		} else if (!rc && o->verbose) {
			fprintf(stderr, "uktrace-record: added %s\n", p->def);
		}
	}
	if (!rc && nskipped) {
		probe_list_drop(l, drop);
		if (!l->n) {
			ukt_buf_addf(&s->err, "the kernel refused every function the glob matched (%s); see --verbose for its reasons",
				     names.data);
			rc = -REC_E_KERNEL;
		} else if (!o->quiet) {
			fprintf(stderr, "uktrace-record: the kernel refused %zu function%s a glob matched, skipped: %s%s (--verbose says why)\n",
				nskipped, nskipped == 1 ? "" : "s", names.data,
				nskipped > 10 ? ", ..." : "");
		}
	}
	free(drop);
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

/*
 * The record-time filters, on the events of our instance (t; the flight
 * recorder's trigger instance gets them too). A filter the kernel refuses
 * is an error naming the probe, the kernel's reason and the fields the
 * event has; on the return half of a USDT pair (optional), it is left off
 * and the probe records every return.
 */
int session_set_filters(struct session *s, struct tfs *t)
{
	int rc = 0;

	for (size_t i = 0; i < s->probes.n && !rc; i++) {
		struct probe *p = &s->probes.v[i];
		const char *sys = probe_is_dynamic(p) ? NULL : p->system;
		struct ukt_buf fmt = UKT_BUF_INIT, path = UKT_BUF_INIT;

		if (!p->filter)
			continue;
		rc = tfs_set_filter(t, sys, p->name, p->filter, &s->err);
		if (rc == -REC_E_FILTER && p->filter_optional) {
			if (s->o->verbose)
				fprintf(stderr, "uktrace-record: %s\nuktrace-record: so '%s' records every return\n",
					s->err.data, p->name);
			ukt_buf_reset(&s->err);
			free(p->filter);
			p->filter = NULL;
			rc = 0;
			continue;
		}
		if (rc == -REC_E_FILTER) {
			ukt_buf_addf(&path, "events/%s/%s/format", sys ? sys : t->group, p->name);
			if (tfs_read(t, path.data, &fmt) == 0) {
				ukt_buf_addf(&s->err, "\n(--filter for '%s'; the fields of %s:%s: ", p->spec,
					     sys ? sys : t->group, p->name);
				filter_format_fields(fmt.data, &s->err);
				ukt_buf_adds(&s->err, ")");
			}
		}
		ukt_buf_release(&fmt);
		ukt_buf_release(&path);
	}
	return rc;
}

/*
 * -g/--stack: tracefs writes the stack after each event of our instance,
 * through the instance's options, which our instance's events alone see:
 * stacktrace (kernel stacks) and userstacktrace. Both write the stack
 * right after the event is committed, on every kernel. (The per-event
 * 'stacktrace' trigger would spare the uprobes their kernel stack, always
 * the breakpoint handler's, but an unconditional trigger runs before its
 * event is written on kernels such as 6.1 and after it on 6.18: a reader
 * could not tell which event a stack belongs to. The report drops the
 * kernel stacks of uprobe events.)
 */
static int set_stacks(struct session *s, struct tfs *t)
{
	int rc = 0;

	if ((s->o->stack & REC_STACK_KERNEL) && kernel_side(&s->probes)) {
		rc = tfs_write(t, "options/stacktrace", "1");
		if (rc)
			ukt_buf_addf(&s->err, "cannot record kernel stacks (options/stacktrace): %s",
				     strerror(-rc));
	}
	if (!rc && (s->o->stack & REC_STACK_USER)) {
		rc = tfs_write(t, "options/userstacktrace", "1");
		if (rc)
			ukt_buf_addf(&s->err, "cannot record user stacks (options/userstacktrace): %s",
				     strerror(-rc));
	}
	return rc;
}

/* The -P processes exist: said before anything about what they map. */
static int check_pids(struct session *s)
{
	for (size_t i = 0; i < s->o->npids; i++) {
		if (kill(s->o->pids[i], 0) < 0 && errno == ESRCH) {
			ukt_buf_addf(&s->err, "no process with pid %d", (int)s->o->pids[i]);
			return -ESRCH;
		}
	}
	return 0;
}

/* Root. */
static int check_targets(struct session *s)
{
	if (geteuid() != 0) {
		ukt_buf_adds(&s->err, "creating probes in tracefs needs root: run it as root (e.g. with sudo); --dry-run shows what would be done without it");
		return -EPERM;
	}
	return 0;
}

/* From here on, signals are read from a signalfd in the main loop; the
 * capture threads and the command inherit the blocked mask. */
static int block_signals(struct session *s)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGQUIT);
	if (s->o->flight)
		sigaddset(&mask, SIGUSR1);	/* a trigger */
	sigprocmask(SIG_BLOCK, &mask, &s->oldmask);
	s->mask_set = true;
	signal(SIGPIPE, SIG_IGN);
	s->sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (s->sfd < 0) {
		int rc = -errno;

		ukt_buf_addf(&s->err, "cannot read signals (signalfd): %s", strerror(-rc));
		return rc;
	}
	return 0;
}

/* Our instance, configured, with the probes in it (tracing still off). */
static int setup_instance(struct session *s)
{
	const struct record_opts *o = s->o;
	char bkb[16];
	int rc = tfs_instance_create(&s->t, &s->err);

	unsigned int kb = o->buffer_kb;

	if (rc)
		return rc;
	s->ncpus = tfs_ncpus(&s->t);
	if (o->flight)	/* SIZE in all, in overwrite mode, read only by a dump */
		kb = (unsigned int)(o->flight_size / 1024 / (uint64_t)(s->ncpus ? s->ncpus : 1));
	snprintf(bkb, sizeof(bkb), "%u", kb);
	if ((rc = tfs_write(&s->t, "buffer_size_kb", bkb))) {
		ukt_buf_addf(&s->err, "cannot set the buffer size to %u KiB per CPU: %s%s",
			     kb, strerror(-rc), rc == -ENOMEM ? " (not enough memory: a smaller --flight or -b)" : "");
		return rc;
	}
	if (o->flight)
		tfs_write(&s->t, "options/overwrite", "1");
	if ((rc = tfs_write(&s->t, "trace_clock", o->clock))) {
		ukt_buf_addf(&s->err, "cannot use trace clock '%s': %s (see %s/trace_clock)",
			     o->clock, strerror(-rc), s->t.dir);
		return rc;
	}
	/* wake the readers at half full (the kernel default): fewer wake-ups
	 * than 25% cost the traced workload less (W2: ~50 ms of 1.3 s) and
	 * 4 MiB buffers leave room; W3 loses nothing */
	tfs_write(&s->t, "buffer_percent", "50");
	tfs_write(&s->t, "options/record-tgid", "1");
	tfs_raise_cmdlines(&s->t, CMDLINES_SIZE);
	rc = add_probes(s);
	if (!rc)
		rc = session_set_filters(s, &s->t);
	if (!rc && o->stack)
		rc = set_stacks(s, &s->t);
	if (rc)
		return rc;
	s->info = (struct ukt_file_info){
		.endian = 1, .long_size = sizeof(long), .ncpus = (uint32_t)s->ncpus,
		.subbuf_size = tfs_subbuf_size(&s->t),
	};
	snprintf(s->info.clock, sizeof(s->info.clock), "%s", o->clock);
	s->stats = calloc((size_t)s->ncpus + 1, sizeof(*s->stats));
	s->lost_seen = calloc((size_t)s->ncpus + 1, sizeof(*s->lost_seen));
	s->fl.overrun_seen = calloc((size_t)s->ncpus + 1, sizeof(*s->fl.overrun_seen));
	return s->stats && s->lost_seen && s->fl.overrun_seen ? 0 : -ENOMEM;
}

/* The directory of path exists and takes files (a dump fails late). */
static int check_dir(struct session *s, const char *path)
{
	char *dir = strdup(path), *slash;
	int rc = 0;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir] = '\0';
	if (access(slash ? dir : ".", W_OK) < 0) {
		rc = -errno;
		ukt_buf_addf(&s->err, "cannot write files in '%s': %s", slash ? dir : ".",
			     strerror(-rc));
	}
	free(dir);
	return rc;
}

static int open_output(struct session *s)
{
	int rc;

	if (s->o->flight || s->o->rotate) {
		rc = outfiles_init(&s->files, s->o->output, s->o->keep);
		if (!rc)
			rc = check_dir(s, s->o->output);
		if (!rc && s->o->rotate)
			rc = rotate_open_first(s);
		return rc;
	}

	s->w = ukt_writer_create(s->o->output, &s->info, s->o->force);
	if (s->w && s->o->max_size) {
		/* the data stops short of the limit: room for the end */
		uint64_t reserve = s->o->max_size / 8 < (128 << 10) ? s->o->max_size / 8 : (128 << 10);

		ukt_writer_set_limit(s->w, s->o->max_size, reserve);
	}
	if (s->w)
		return 0;
	rc = -errno;
	if (errno == EEXIST)
		ukt_buf_addf(&s->err, "'%s' exists: choose another name with -o, or overwrite it with --force",
			     s->o->output);
	else
		ukt_buf_addf(&s->err, "cannot create '%s': %s", s->o->output, rec_strerror(rc));
	return rc;
}

int session_exclude_self(struct session *s, struct tfs *t)
{
	pid_t *tids = NULL;
	size_t n = 0;
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int rc = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) && !rc) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		if (ukt_grow_counted(&tids, n, sizeof(*tids))) {
			rc = -ENOMEM;
			break;
		}
		tids[n++] = (pid_t)atoi(de->d_name);
	}
	closedir(d);
	if (!rc)
		rc = tfs_exclude_tasks(t, tids, n);
	if (rc == -ENOENT) {
		/* before Linux 5.8: system-wide, its own calls are recorded */
		if (s->o->verbose)
			fprintf(stderr, "uktrace-record: this kernel has no set_event_notrace_pid: the recorder's own events are not left out\n");
		rc = 0;
	} else if (rc) {
		ukt_buf_addf(&s->err, "cannot leave the recorder's own events out (set_event_notrace_pid): %s",
			     strerror(-rc));
	}
	free(tids);
	return rc;
}

/* Enable the events, set the filter (forking the command first), and
 * write what the file needs before the first data block. */
static int arm(struct session *s)
{
	const struct record_opts *o = s->o;
	int rc = 0;

	for (size_t i = 0; i < s->probes.n && !rc; i++) {
		const struct probe *p = &s->probes.v[i];

		rc = tfs_enable(&s->t, probe_is_dynamic(p) ? NULL : p->system,
				p->name, true, &s->err);
	}
	if (rc)
		return rc;
	if (o->argv) {
		rc = launch_prepare(&s->l, o->argv, &s->oldmask, &s->err);
		if (rc)
			return rc;
		rc = set_pid_filter(&s->t, &s->l.pid, 1);
	} else if (o->npids) {
		rc = set_pid_filter(&s->t, o->pids, o->npids);
	}
	if (rc) {
		ukt_buf_addf(&s->err, "cannot set the pid filter: %s", strerror(-rc));
		return rc;
	}
	/* after the command's fork: it is traced, the recorder is not (its
	 * capture threads, started later, join the list as they start) */
	rc = session_exclude_self(s, &s->t);
	if (!rc && o->flight && s->fl.ntrigs)
		rc = flight_arm(s);
	if (rc)
		return rc;
	s->m.w = s->w;
	s->m.t = &s->t;
	s->m.probes = &s->probes;
	s->m.clock = o->clock;
	for (size_t i = 0; i < s->probes.n; i++)
		if (s->probes.v[i].kind == PK_UPROBE || s->probes.v[i].kind == PK_URETPROBE)
			s->m.want_maps = true;
	s->m.system_wide = !o->argv && !o->npids;
	s->m.stack = o->stack;
	/* user stacks are named from the maps and symbol tables of the
	 * processes followed (-P, the command; system-wide, those that map
	 * a probed object) */
	if (o->stack & (REC_STACK_USER | REC_STACK_DWARF))
		s->m.want_maps = true;
	s->meta_ok = true;
	if (o->npids) {
		/* the processes and their children: the filter follows them */
		struct pid_set procs = { 0 };

		if (pids_processes(o->pids, o->npids, &procs) == 0)
			for (size_t i = 0; i < procs.n; i++)
				meta_follow(&s->m, procs.v[i]);
		pid_set_release(&procs);
		for (size_t i = 0; i < o->npids; i++)
			meta_follow(&s->m, o->pids[i]);
	}
	{
		/* mappings as they happen, for processes too quick for /proc;
		 * threads and names as they come, for every event's process
		 * and name as of then */
		struct ukt_buf why = UKT_BUF_INIT;

		s->watch = mmapwatch_open(s->ncpus, ukt_trace_clockid(o->clock), &why);
		if (!s->watch && o->verbose)
			fprintf(stderr, "uktrace-record: %s; reading /proc every 2 s instead\n", why.data);
		ukt_buf_release(&why);
	}
	if (o->flight || o->rotate) {
		/* each file stands alone: what it needs is kept for the next;
		 * a dump may hold events from the last SECS, or from minutes
		 * ago on a quiet CPU */
		rc = meta_keep(&s->m, o->rotate ? 0 : o->last > 0 ? (uint64_t)(o->last * 1e9) :
			       600000000000ull);
		if (rc)
			return rc;
	}
	rc = meta_write_start(&s->m, o->clock, o->cmdline, o->buffer_kb, s->info.subbuf_size);
	if (!rc && o->rotate)
		rc = rotate_first_meta(s);
	if (!rc)
		rc = meta_scan(&s->m, true);
	if (rc)
		ukt_buf_addf(&s->err, "cannot write '%s': %s", s->cur_path ? s->cur_path : o->output,
			     rec_strerror(rc));
	return rc;
}

/*
 * The probes are armed: the one line that says so (scripts wait for it
 * to start their load), in every mode, unless -q.
 */
static void say_recording(const struct session *s)
{
	const struct record_opts *o = s->o;

	if (o->quiet)
		return;
	fprintf(stderr, "uktrace-record: recording: %zu probe%s on %d CPU%s", s->probes.n,
		s->probes.n == 1 ? "" : "s", s->ncpus, s->ncpus == 1 ? "" : "s");
	if (o->argv)
		fprintf(stderr, ", until the command exits");
	if (o->duration > 0)
		fprintf(stderr, ", for %g s", o->duration);
	fprintf(stderr, ", Ctrl-C to stop\n");
}

/* The readers, tracing on, the command let go. */
static int go(struct session *s)
{
	struct capture_opts co = {
		.writer = s->w, .ncpus = s->ncpus, .subbuf_size = s->info.subbuf_size,
		.pages_per_block = 64, .level = s->o->level, .flush_ms = 500,
		.rotate = s->o->rotate > 0, .notify_fd = s->notify_fd,
	};
	int *fds = NULL;
	int rc = 0;

	if (s->o->flight)
		goto on;	/* the buffers are left alone until a trigger */
	fds = calloc((size_t)s->ncpus + 1, sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	for (int cpu = 0; cpu < s->ncpus && !rc; cpu++) {
		fds[cpu] = tfs_open_cpu_raw(&s->t, cpu);
		if (fds[cpu] == -ENOENT)
			fds[cpu] = -1;		/* CPU not present */
		else if (fds[cpu] < 0)
			rc = fds[cpu];
	}
	if (rc) {
		for (int cpu = 0; cpu < s->ncpus; cpu++)
			if (fds[cpu] >= 0)
				close(fds[cpu]);
		ukt_buf_addf(&s->err, "cannot read the ring buffers: %s", strerror(-rc));
		free(fds);
		return rc;
	}
	co.fds = fds;
	s->cap = capture_start(&co);
	free(fds);
	if (!s->cap) {
		rc = -errno;
		ukt_buf_addf(&s->err, "cannot read the ring buffers: %s", strerror(errno));
		return rc;
	}
on:
	if (!rc && (rc = tfs_write(&s->t, "tracing_on", "1")))
		ukt_buf_addf(&s->err, "cannot turn tracing on: %s", strerror(-rc));
	/* the triggers after the recording: what fires one is recorded */
	if (!rc && s->o->flight)
		rc = flight_go(s);
	if (rc)
		return rc;
	say_recording(s);
	s->start = session_now();
	s->lost_poll_ns = session_trace_now(s);
	if (s->o->argv) {
		/* followed from its exec on: before it, it maps our objects */
		meta_follow(&s->m, s->l.pid);
		rc = launch_go(&s->l, &s->warn);
		print_warnings(s);
		if (rc) {
			ukt_buf_addf(&s->err, "cannot run '%s': %s", s->o->argv[0], strerror(-rc));
			s->exit_status = 127;
			s->exec_failed = true;
		}
	}
	return rc;
}

/*
 * Losses as they happen, not only in the end totals: when a CPU's overrun
 * or dropped counter grew since the last poll, a LOSS block says so, with
 * the time between the polls (the report marks the calls that span it).
 * The missed-events marks in the pages say where exactly; these also
 * cover losses no page marks (dropped events, a file cut short).
 */
static int poll_losses(struct session *s)
{
	uint64_t now = session_trace_now(s);
	struct tfs_cpu_stats st;
	int rc = 0;

	for (int cpu = 0; cpu < s->ncpus && !rc; cpu++) {
		uint64_t lost;

		if (tfs_cpu_stats(&s->t, cpu, &st, NULL))
			continue;
		lost = st.overrun + st.dropped;
		if (lost > s->lost_seen[cpu])
			rc = meta_write_loss(&s->m, cpu, s->lost_poll_ns, now,
					     st.overrun - s->stats[cpu].overrun,
					     st.dropped - s->stats[cpu].dropped);
		s->lost_seen[cpu] = lost;
		s->stats[cpu] = st;
	}
	s->lost_poll_ns = now;
	return rc;
}

static int mmap_event(void *ctx, const struct mw_event *e)
{
	return meta_mmap_event(ctx, e);
}

/* What the kernel said of process mappings, into the trace. */
static int watch_mappings(struct session *s)
{
	int rc = mmapwatch_read(s->watch, mmap_event, &s->m);

	return rc ? rc : meta_flush_procs(&s->m);
}

/* Until the command exits, a signal, a limit, or an error. */
static int capture_loop(struct session *s)
{
	const struct record_opts *o = s->o;
	double last_scan = s->start, last_status = s->start, last_t = s->start;
	double last_loss = s->start;
	uint64_t last_events = 0;
	int rc = 0;

	while (!rc) {
		struct pollfd pfd[160] = { { .fd = s->sfd, .events = POLLIN } };
		struct signalfd_siginfo si;
		int npfd = 1;
		double now;

		if (s->watch)
			npfd += mmapwatch_pollfds(s->watch, pfd + npfd, 64);
		if (s->fl.tw)
			npfd += flight_pollfds(s, pfd + npfd, 64);
		if (s->notify_fd >= 0)
			pfd[npfd++] = (struct pollfd){ .fd = s->notify_fd, .events = POLLIN };
		/* the flight recorder's reads: by its triggers' thresholds */
		poll(pfd, (nfds_t)npfd, o->flight ? flight_timeout_ms(s) : 200);
		if (s->watch && (rc = watch_mappings(s))) {
			/* a capture thread's write failed first: say why */
			if (rc == -UKT_E_WRITER_FAILED && s->cap && capture_error(s->cap))
				rc = capture_error(s->cap);
			break;
		}
		while (read(s->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGUSR1) {
				struct trigger_hit hit = { .ts = session_trace_now(s) };

				snprintf(hit.what, sizeof(hit.what), "SIGUSR1 from pid %d", (int)si.ssi_pid);
				rc = flight_trigger(s, &hit, false);
			}
			else if (si.ssi_signo != SIGCHLD) {
				s->stop_sig = (int)si.ssi_signo;
				/* from the terminal: the command got it too */
				s->stop_from_tty = si.ssi_code == SI_KERNEL;
			}
		}
		if (rc)
			break;
		if (o->argv) {
			launch_reap(&s->l, &s->m);
			if (s->l.exited) {
				s->exit_status = s->l.status;
				if (o->flight && s->exit_status) {
					struct trigger_hit hit = { .ts = session_trace_now(s),
								   .tid = s->l.pid };

					/* a crash or a failure is the moment to keep */
					snprintf(hit.what, sizeof(hit.what), "the command exited with status %d",
						 s->exit_status);
					rc = flight_trigger(s, &hit, true);
				}
				break;
			}
		}
		if (s->stop_sig)
			break;
		if (s->cap && (rc = capture_error(s->cap)))
			break;
		if (s->cap && capture_limit_hit(s->cap)) {
			if (!o->quiet)
				fprintf(stderr, "%suktrace-record: --max-size reached; stopping\n", s->tty ? "\n" : "");
			break;
		}
		if (s->cap && (capture_rotate_wanted(s->cap) || rotate_due(s)) && (rc = rotate_next(s)))
			break;
		if (o->flight && (rc = flight_poll(s)))
			break;
		now = session_now();
		if (o->duration > 0 && now - s->start >= o->duration)
			break;
		if (o->npids && !o->argv && !any_alive(o->pids, o->npids)) {
			if (!o->quiet)
				fprintf(stderr, "%suktrace-record: the traced processes have exited\n", s->tty ? "\n" : "");
			break;
		}
		if (now - last_scan >= 2.0) {
			rc = meta_scan(&s->m, false);
			last_scan = now;
		}
		if (!rc && !o->flight && now - last_loss >= 0.5) {
			rc = poll_losses(s);
			last_loss = now;
		}
		if (s->tty && now - last_status >= 1.0) {
			status_line(s, &last_events, &last_t);
			last_status = now;
		}
	}
	if (s->tty)
		fprintf(stderr, "\n");
	return rc;
}

/*
 * A probed file that no traced process mapped could not fire: a wrapper
 * script ran another program, a copy elsewhere was probed, the library
 * was never loaded. Zero calls must not look like "never called".
 */
static void warn_unmapped(struct session *s)
{
	struct ukt_buf paths = UKT_BUF_INIT;

	if (!s->m.want_maps || s->o->quiet)
		return;
	meta_unmapped(&s->m, &paths);
	for (char *p = paths.data, *nl; p && *p; p = nl + 1) {
		nl = strchr(p, '\n');
		*nl = '\0';
		fprintf(stderr, "uktrace-record: warning: no traced process mapped '%s' during the recording: its probes could not fire (the command ran another program, such as a wrapper script, or another copy of the file, or never loaded it)\n",
			p);
	}
	ukt_buf_release(&paths);
}

static bool disk_full(int rc)
{
	return rc == -ENOSPC || rc == -UKT_E_WRITER_FAILED;
}

/*
 * Stop producing, drain the buffers, finish the file, end the command,
 * remove everything from tracefs. rc is the error so far; returns the
 * first error.
 */
static int finish(struct session *s, int rc)
{
	const struct record_opts *o = s->o;

	const char *path = s->cur_path ? s->cur_path : o->output;

	if (s->t.inst)
		tfs_write(&s->t, "tracing_on", "0");
	if (s->cap) {
		int e;

		capture_stop(s->cap);
		if (o->rotate) {
			/* the drain may fill a file: the next one comes */
			e = rotate_drain(s);
			if (e && !rc)
				rc = e;
		}
		e = capture_join(s->cap, &s->pages_dropped);
		s->cap = NULL;
		if (e && !rc)
			rc = e;
		path = s->cur_path ? s->cur_path : o->output;
	}
	if (o->flight)
		rc = flight_finish(s, rc);	/* a dump still due */
	if (rc && rc != -EPERM && s->w && s->t.inst && !s->exec_failed)
		fprintf(stderr, "uktrace-record: recording stopped: %s%s\n", rec_strerror(rc),
			disk_full(rc) ? " (the disk is full; the trace file is readable up to the last block written)" : "");
	if (s->w && s->meta_ok) {
		int e;

		if (o->argv && !s->l.exited)
			meta_snapshot_pid(&s->m, s->l.pid);
		if (s->watch) {
			watch_mappings(s);
			if (mmapwatch_lost(s->watch) && !o->quiet)
				fprintf(stderr, "uktrace-record: the kernel dropped %" PRIu64 " records of process mappings and threads: some callers may stay unnamed, some threads' names be their last\n",
					mmapwatch_lost(s->watch));
		}
		meta_scan(&s->m, true);
		if (s->start > 0 && !s->exec_failed)
			warn_unmapped(s);
		e = s->start > 0 ? poll_losses(s) : 0;
		if (!e)
			e = meta_write_end(&s->m, s->ncpus, o->clock, s->stats);
		if (!e && !rc) {
			e = ukt_writer_finish(s->w);
			s->finished = !e;
		}
		if (e && !rc) {
			rc = e;
			fprintf(stderr, "uktrace-record: cannot finish '%s': %s%s\n", path,
				rec_strerror(e),
				disk_full(e) ? " (the disk is full; the file is readable up to the last block written)" : "");
		}
		if (s->finished && o->rotate) {
			struct ukt_buf gone = UKT_BUF_INIT;

			s->nfiles++;
			outfiles_done(&s->files, path, &gone);
			ukt_buf_release(&gone);
		}
	}
	if (o->argv && s->l.pid > 0 && !s->l.exited) {
		/* the recording ended first (a signal, -d, --max-size, an
		 * error): ask the command to end, as perf does; not started
		 * yet, it is killed */
		bool started = s->l.gate < 0 && !s->exec_failed;

		launch_stop(&s->l, s->stop_from_tty ? 0 : s->stop_sig ? s->stop_sig : SIGTERM,
			    COMMAND_GRACE_MS);
		if (started)
			s->exit_status = s->l.status;
	}
	if (s->exec_failed && !o->flight)
		unlink(path);	/* ours, and it holds nothing */
	flight_release(s);	/* its instance before ours: ours removes the probes */
	if (s->tfs_ok) {
		ukt_buf_reset(&s->err);
		if (tfs_teardown(&s->t, &s->err))
			fprintf(stderr, "uktrace-record: %s", s->err.data);
	}
	if (s->finished)
		print_summary(s);
	if ((s->pages_dropped || s->m.skipped) && !o->quiet && o->max_size)
		fprintf(stderr, "uktrace-record: --max-size: %" PRIu64 " ring-buffer pages at the end%s were not written, to keep '%s' within %" PRIu64 " bytes\n",
			s->pages_dropped, s->m.skipped ? " and some of the final metadata" : "",
			path, o->max_size);
	if (o->flight && !o->quiet && s->start > 0)
		fprintf(stderr, "uktrace-record: flight recorder stopped: %u dump%s written\n", s->nfiles,
			s->nfiles == 1 ? "" : "s");
	return rc;
}

static void session_release(struct session *s)
{
	if (s->sfd >= 0)
		close(s->sfd);
	if (s->mask_set) {
		/* a trigger that comes while we leave must not kill us */
		if (s->o->flight)
			signal(SIGUSR1, SIG_IGN);
		sigprocmask(SIG_SETMASK, &s->oldmask, NULL);
	}
	ukt_writer_free(s->w);
	mmapwatch_close(s->watch);
	meta_release(&s->m);
	launch_release(&s->l);
	tfs_release(&s->t);
	probe_list_release(&s->probes);
	ukt_buf_release(&s->warn);
	ukt_buf_release(&s->err);
	free(s->stats);
	free(s->lost_seen);
	free(s->fl.overrun_seen);
	free(s->program);
	free(s->cur_path);
	outfiles_release(&s->files);
	if (s->notify_fd >= 0)
		close(s->notify_fd);
}

int record_run(const struct record_opts *o, int *exit_status)
{
	struct session s = {
		.o = o, .err = UKT_BUF_INIT, .warn = UKT_BUF_INIT, .sfd = -1, .notify_fd = -1,
		.l = { .pid = -1, .gate = -1, .report = -1 },
		.tty = isatty(2) && !o->quiet,
	};
	bool expanded = false;
	int rc = check_pids(&s);

	if (!rc)
		rc = parse_specs(&s);

	print_warnings(&s);
	if (!rc && !o->dry_run)
		rc = check_targets(&s);
	if (!rc) {
		/* a dry run reads available_events when it can, and mounts
		 * nothing */
		rc = tfs_open(&s.t, getpid(), !o->dry_run, &s.err);
		s.tfs_ok = !rc;
		if (rc && o->dry_run) {
			ukt_buf_reset(&s.err);
			rc = 0;
		}
	}
	if (!rc)
		rc = plan_probes(&s, !o->dry_run, &expanded);
	if (!rc && o->flight)
		rc = flight_plan(&s);
	if (!rc && o->dry_run) {
		dry_run(&s, expanded);
		goto out;
	}
	if (rc) {
		say_error(&s, rc);
		goto out;
	}
	tfs_remove_stale(&s.t, &s.warn);
	if (s.warn.len && !o->quiet)
		fprintf(stderr, "uktrace-record: cleaning up after a recorder that did not exit cleanly:\n%s", s.warn.data);
	ukt_buf_reset(&s.warn);
	rc = block_signals(&s);
	if (!rc)
		rc = setup_instance(&s);
	if (!rc)
		rc = open_output(&s);
	if (!rc)
		rc = arm(&s);
	if (!rc)
		rc = go(&s);
	if (rc)
		say_error(&s, rc);
	else
		rc = capture_loop(&s);
	rc = finish(&s, rc);
out:
	*exit_status = s.exit_status;
	session_release(&s);
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
	struct ukt_buf path = UKT_BUF_INIT, name = UKT_BUF_INIT;
	struct elfsym *e;
	bool cxx, mangled;
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
	cxx = pattern && elfsym_is_cxx_name(pattern);
	for (size_t i = 0; i < e->nsyms; i++) {
		const struct elf_sym *s = &e->syms[i];
		uint64_t off = 0;

		if (pattern && fnmatch(pattern, s->name, 0) != 0 &&
		    !(cxx && elfsym_cxx_matches(pattern, true, s->name, &name)))
			continue;
		if (elfsym_vaddr_to_offset(e, s->value, &off))
			continue;
		/* a C++ symbol with the name people read after it */
		ukt_buf_reset(&name);
		mangled = demangle_add(&name, s->name);
		printf("%-40s 0x%-10" PRIx64 " %6" PRIu64 "%s%s%s%s\n", s->name, off, s->size,
		       s->value == last ? "  (alias)" : "", s->ifunc ? "  (ifunc)" : "",
		       mangled ? "  " : "", mangled ? name.data : "");
		last = s->value;
	}
	ukt_buf_reset(&name);
	if (usdt_list(path.data, pattern, &name) > 0)
		printf("\n%s", name.data);
	ukt_buf_release(&name);
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
