// SPDX-License-Identifier: MIT
/* uktrace-report info and dump: straight from the trace file, no database. */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode.h"
#include "dwunwind.h"
#include "symbolize.h"
#include "report.h"
#include "threads.h"
#include "trace.h"
#include "errors.h"

/* A value from the trace, as the terminal may show it (output.h). */
static const char *or_unknown(const char *s)
{
	return s && *s ? out_term(s) : "(unknown)";
}

/* Whether p is the return half of a pair whose entry the recorder
 * filtered (p itself unfiltered: every return was recorded). */
static bool entry_filtered(const struct trace *t, const struct ukt_probe_rec *p)
{
	bool ret = (p->role && !strcmp(p->role, "return")) ||
		   (!p->role && (!strcmp(p->kind, "uretprobe") || !strcmp(p->kind, "kretprobe")));

	if (!ret || !p->func || !*p->func)
		return false;
	for (size_t i = 0; i < t->nprobes; i++) {
		const struct ukt_probe_rec *q = &t->probes[i];
		bool entry = q->role ? !strcmp(q->role, "entry") :
			     !strcmp(q->kind, "uprobe") || !strcmp(q->kind, "kprobe");

		if (q != p && entry && q->func && !strcmp(q->func, p->func) &&
		    q->filter && *q->filter)
			return true;
	}
	return false;
}

static struct trace *open_trace(const struct report_opts *o)
{
	struct ukt_buf msg = UKT_BUF_INIT;
	struct trace *t;
	int err;

	t = trace_open_set(o->traces, o->ntraces, &err, &msg);
	if (!t)
		fprintf(stderr, "uktrace-report: %s\n", out_term(msg.data));
	ukt_buf_release(&msg);
	return t;
}

/* Print the lines of text, each distinct line once, in order, with how
 * many times it came when more than once (one per damaged page or
 * unparsable format would bury the rest). */
static void print_once(const char *text)
{
	struct ukt_buf line = UKT_BUF_INIT;
	const char *p = text;

	while (*p) {
		size_t len = strcspn(p, "\n");
		const char *q = text;
		int n = 0;
		bool first = true;

		for (; *q; q += strcspn(q, "\n") + (q[strcspn(q, "\n")] != '\0')) {
			size_t l2 = strcspn(q, "\n");

			if (l2 == len && !memcmp(q, p, len)) {
				if (q < p)
					first = false;
				n++;
			}
		}
		if (first && len) {
			ukt_buf_reset(&line);
			ukt_buf_add(&line, p, len);
			if (n > 1)
				printf("%s (%d times)\n", out_term(line.data), n);
			else
				printf("%s\n", out_term(line.data));
		}
		p += len + (p[len] != '\0');
	}
	ukt_buf_release(&line);
}

/* A flight recorder's dump: what fired it, and what its window is. */
static void flight_info(const struct trace *t, uint64_t first)
{
	const char *mode = trace_meta(t, "mode"), *v, *v2;

	if (mode && !strcmp(mode, "rotate")) {
		printf("rotation    file %s of the recording's --rotate sequence\n",
		       or_unknown(trace_meta(t, "file_seq")));
		return;
	}
	if (!mode || strcmp(mode, "flight"))
		return;
	printf("flight      dump %s of a flight recorder with %s bytes of buffers", or_unknown(trace_meta(t, "dump")),
	       or_unknown(trace_meta(t, "flight_size")));
	v = trace_meta(t, "flight_last");
	if (v && strtod(v, NULL) > 0)
		printf(", keeping the last %s s", out_term(v));
	printf("\ntrigger     %s\n", or_unknown(trace_meta(t, "trigger")));
	v = trace_meta(t, "trigger_ts");
	if (v && first)
		printf("            at %.9f (%+.6f s from the first event)\n", (double)strtoull(v, NULL, 10) / 1e9,
		       ((double)strtoull(v, NULL, 10) - (double)first) / 1e9);
	v = trace_meta(t, "trigger_entry_ts");
	v2 = trace_meta(t, "trigger_duration_ns");
	if (v && v2) {
		double entry = (double)strtoull(v, NULL, 10) / 1e9, dur = strtod(v2, NULL) / 1e6;
		const char *run = trace_meta(t, "trigger_running");

		if (run && !strcmp(run, "1"))
			printf("call        entered at %.9f; still running %.3f ms later, when dumped\n", entry, dur);
		else
			printf("call        entered at %.9f, returned %.3f ms later\n", entry, dur);
	}
	v = trace_meta(t, "overwritten");
	if (v) {
		/* one count per CPU, in CPU order */
		const char *p = v;
		unsigned int cpu = 0;

		while (*p) {
			char *end;
			unsigned long long n = strtoull(p, &end, 10);

			if (end == p)
				break;
			printf("%s cpu%-2u %llu events before the window\n", cpu ? "           " : "overwritten", cpu, n);
			cpu++;
			p = end;
		}
		if (cpu)
			printf("            (the flight recorder keeps the newest events: not a loss)\n");
	}
	v = trace_meta(t, "triggers_held_off");
	if (v && strtoull(v, NULL, 10))
		printf("held off    %s more triggers came within the hold-off before this dump\n", out_term(v));
}

int cmd_info(struct report_opts *o)
{
	struct ukt_buf warn = UKT_BUF_INIT, err = UKT_BUF_INIT, dmg = UKT_BUF_INIT;
	struct trace *t = open_trace(o);
	struct decoder *d = NULL;
	struct dec_event ev;
	uint64_t *events = NULL, *marks = NULL, raw = 0, stored = 0, first = 0, last = 0;
	uint64_t *per_probe = NULL;	/* events of t->probes[i] */
	const char *v, *v2;
	char h1[32], h2[32], h3[32];
	bool flight;
	int rc = 0;

	if (!t)
		return -EINVAL;
	flight = trace_meta(t, "mode") && !strcmp(trace_meta(t, "mode"), "flight");
	events = calloc(t->ncpus + 1, sizeof(*events));
	marks = calloc(t->ncpus + 1, sizeof(*marks));
	per_probe = calloc(t->nprobes + 1, sizeof(*per_probe));
	if (!events || !marks || !per_probe) {
		rc = -ENOMEM;
		goto out;
	}
	d = decoder_new(t, &err, &warn);
	while (d && decoder_next(d, &ev) == 1) {
		if (!first)
			first = ev.ts;
		last = ev.ts;
		events[ev.cpu]++;
		if (ev.missed)
			marks[ev.cpu]++;
		if (ev.lay->probe >= 0 && (size_t)ev.lay->probe < t->nprobes)
			per_probe[ev.lay->probe]++;
	}
	ukt_human_bytes(h1, sizeof(h1), (double)t->file_size);
	if (t->npaths > 1)
		printf("files       %zu files of one recording, %s to %s (%s, %s)\n", t->npaths,
		       out_term(t->paths[0]), out_term(t->paths[t->npaths - 1]), h1,
		       t->complete ? "complete" : "SOME INCOMPLETE: a recorder did not finish them");
	else
		printf("file        %s (%s, %s)\n", out_term(t->path), h1,
		       t->complete ? "complete" : "INCOMPLETE: the recorder did not finish it");
	if (t->dat)
		printf("format      trace-cmd trace.dat version %s (compression %s), %s-endian data,"
		       " %u-byte long, %u-byte pages, %u CPUs\n", or_unknown(trace_meta(t, "trace_dat_version")),
		       or_unknown(trace_meta(t, "compression")), t->info.endian == 2 ? "big" : "little",
		       t->info.long_size, t->info.subbuf_size, t->info.ncpus);
	else
		printf("format      %u.%u, %s-endian data, %u-byte long, %u-byte sub-buffers, %u CPUs\n",
		       t->info.major, t->info.minor, t->info.endian == 2 ? "big" : "little",
		       t->info.long_size, t->info.subbuf_size, t->info.ncpus);
	printf("host        %s\n", or_unknown(trace_meta(t, "host")));
	printf("kernel      %s %s\n", or_unknown(trace_meta(t, "kernel")),
	       or_unknown(trace_meta(t, "machine")));
	printf("clock       %s\n", out_term(t->info.clock));
	v = trace_meta(t, "start_realtime");
	v2 = trace_meta(t, "stop_realtime");
	if (v) {
		time_t s = (time_t)strtoll(v, NULL, 10);
		char tb[64];

		strftime(tb, sizeof(tb), "%Y-%m-%d %H:%M:%S UTC", gmtime(&s));
		printf("recorded    %s", tb);
		if (v2)
			printf(", for %lld s", strtoll(v2, NULL, 10) - (long long)s);
		printf("\n");
	}
	if (first)
		printf("events      %.9f to %.9f (%.6f s)\n", (double)first / 1e9,
		       (double)last / 1e9, (double)(last - first) / 1e9);
	if (t->dat) {
		printf("recorder    trace-cmd %s\n", or_unknown(trace_meta(t, "trace_cmd_version")));
		if (trace_meta(t, "instances"))
			printf("instances   %s (their events merged with the top buffer's)\n",
			       out_term(trace_meta(t, "instances")));
		printf("lacks       %s\n",
		       out_term(or_unknown(trace_meta(t, "tracedat_lacks"))));
		if (trace_meta(t, "symbols_dir"))
			printf("symbols     from %s: %s\n", out_term(trace_meta(t, "symbols_dir")),
			       out_term(or_unknown(trace_meta(t, "symbols_found"))));
	} else {
		printf("command     %s\n", or_unknown(trace_meta(t, "cmdline")));
		printf("recorder    uktrace %s\n", or_unknown(trace_meta(t, "uktrace_version")));
	}
	if (trace_meta(t, "stacks") && t->nehframes)
		printf("stacks      %s (%zu unwind tables)\n", out_term(trace_meta(t, "stacks")),
		       t->nehframes);
	else if (trace_meta(t, "stacks"))
		printf("stacks      %s\n", out_term(trace_meta(t, "stacks")));
	flight_info(t, first);
	printf("\nprobes\n");
	for (size_t i = 0; i < t->nprobes; i++) {
		const struct ukt_probe_rec *p = &t->probes[i];

		printf("  %-3d %-10s %s:%s\n", p->id, out_term(p->kind), out_term(p->system),
		       out_term(p->name));
		if (d)
			printf("      events      %" PRIu64 "%s\n", per_probe[i],
			       per_probe[i] ? "" : "  (the probe never fired)");
		if (p->spec && *p->spec)
			printf("      spec        %s\n", out_term(p->spec));
		if (p->definition && *p->definition)
			printf("      definition  %s\n", out_term(p->definition));
		if (p->filter && *p->filter)
			printf("      filter      %s\n", out_term(p->filter));
		else if (entry_filtered(t, p))
			printf("      filter      none: every return recorded; calls are those whose entry matched\n");
	}
	printf("\n%-5s %12s %12s %10s %10s %10s %10s\n", "cpu", "events", "lost", "pages",
	       "raw", "stored", "ratio");
	for (uint32_t c = 0; c < t->ncpus; c++) {
		const struct trace_cpu *tc = &t->cpus[c];
		/* a flight recorder's overwrites are its window, not losses */
		uint64_t lost = (flight ? 0 : trace_cpu_stat(tc->stats, "overrun: ")) +
				trace_cpu_stat(tc->stats, "dropped events: ");

		ukt_human_bytes(h2, sizeof(h2), (double)tc->raw_bytes);
		ukt_human_bytes(h3, sizeof(h3), (double)tc->stored_bytes);
		printf("cpu%-2u %12" PRIu64 " %12" PRIu64 " %10" PRIu64 " %10s %10s %9.1fx%s\n",
		       c, events[c], lost, tc->pages, h2, h3,
		       tc->stored_bytes ? (double)tc->raw_bytes / (double)tc->stored_bytes : 0.0,
		       marks[c] > (flight ? 1u : 0u) ? "  (missed-event marks in the data)" : "");
		raw += tc->raw_bytes;
		stored += tc->stored_bytes;
	}
	for (size_t i = 0; i < t->nlosses; i++) {
		const struct ukt_loss *l = &t->losses[i];

		printf("%-11s cpu %u: %" PRIu64 " events lost", i ? "" : "losses", l->cpu,
		       l->overrun + l->dropped);
		if (l->from_ns && l->to_ns && first)
			printf(" between %+.3f s and %+.3f s", ((double)l->from_ns - (double)first) / 1e9,
			       ((double)l->to_ns - (double)first) / 1e9);
		printf(" (seen in the kernel's counters while recording)\n");
	}
	if (t->dat) {
		/* libtracecmd reads the pages; their sizes are its own */
		printf("data        read through libtracecmd\n");
		goto warnings;
	}
	ukt_human_bytes(h2, sizeof(h2), (double)raw);
	ukt_human_bytes(h3, sizeof(h3), (double)stored);
	printf("data        %s of pages stored in %s (%.1fx)\n", h2, h3,
	       stored ? (double)raw / (double)stored : 0.0);
	printf("integrity   %" PRIu64 " blocks good, %zu damaged or cut%s\n",
	       t->blocks_good, t->ndamage, t->blocks_unknown ? " (some of unknown types, skipped)" : "");
	trace_describe_damage(t, &dmg);
	print_once(dmg.data);
warnings:
	if (!d)
		printf("decoding    impossible: %s\n", out_term(err.data));
	print_once(warn.data);
out:
	free(events);
	free(marks);
	free(per_probe);
	decoder_free(d);
	trace_free(t);
	ukt_buf_release(&warn);
	ukt_buf_release(&err);
	ukt_buf_release(&dmg);
	return rc;
}

static bool event_matches(const char *pat, const struct event_layout *l)
{
	char full[512];

	if (!pat)
		return true;
	snprintf(full, sizeof(full), "%s:%s", l->system, l->name);
	return fnmatch(pat, l->name, 0) == 0 || fnmatch(pat, full, 0) == 0;
}

/* The stack frames recorded with ev (-g, --stack dwarf), one line each,
 * as trace-cmd report shows them: ' => symbol (object)'. */
static void dump_stacks(const struct symbolizer *sy, struct dwunwind *dw, int pid,
			const struct dec_event *ev)
{
	uint64_t u[DEC_MAX_STACK];
	struct ukt_buf sym = UKT_BUF_INIT, obj = UKT_BUF_INIT;
	const uint64_t *v[2] = { ev->kstack, ev->ustack };
	int n[2] = { ev->nkstack, ev->nustack };
	bool cut;

	if (dwunwind_enabled(dw)) {
		int k = dwunwind_event(dw, ev, pid, NULL, 0, u, DEC_MAX_STACK, &cut);

		if (k) {
			v[1] = u;
			n[1] = k;
		}
	}
	for (int s = 0; s < 2; s++) {
		if (n[s])
			printf("  <%s stack>\n", s ? "user" : "kernel");
		for (int i = 0; i < n[s]; i++) {
			symbolize(sy, pid, v[s][i], ev->ts, &sym, &obj);
			printf("   => %s (%s)\n", out_term(sym.data ? sym.data : "?"),
			       out_term(obj.data ? obj.data : ""));
		}
	}
	ukt_buf_release(&sym);
	ukt_buf_release(&obj);
}

int cmd_dump(struct report_opts *o)
{
	struct symbolizer sy = { 0 };
	struct dwunwind *dw = NULL;
	struct ukt_buf warn = UKT_BUF_INIT, err = UKT_BUF_INIT, info = UKT_BUF_INIT;
	struct trace *t = open_trace(o);
	struct threads th = { 0 };
	struct decoder *d = NULL;
	struct dec_event ev;
	int64_t start = 0;
	int rc = 0;

	if (!t)
		return -EINVAL;
	if (t->ndamage && !o->quiet) {
		trace_describe_damage(t, &warn);
		fputs("warning: ", stderr);
		out_term_puts(stderr, warn.data);
		ukt_buf_reset(&warn);
	}
	d = decoder_new(t, &err, &warn);
	if (!d) {
		fprintf(stderr, "uktrace-report: %s\n", out_term(err.data));
		rc = -REP_E_TEP;
		goto out;
	}
	if (warn.len && !o->quiet) {
		fputs("warning: ", stderr);
		out_term_puts(stderr, warn.data);
	}
	rc = threads_load(&th, t);
	if (!rc)
		rc = symbolizer_load(&sy, t);
	if (!rc && !(dw = dwunwind_new(t, &sy)))
		rc = -ENOMEM;
	if (rc)
		goto out;
	if (decoder_next(d, &ev) == 1)
		start = (int64_t)ev.ts;
	decoder_rewind(d);
	for (int i = 0; i < 2; i++) {
		const char *arg = i ? o->until_arg : o->since_arg;

		if (arg && report_parse_time(arg, start, i ? &o->until : &o->since)) {
			fprintf(stderr, "uktrace-report: bad time '%s': use seconds ('+1.5' from the start, or absolute as dump shows)\n", out_term(arg));
			rc = -EINVAL;
			goto out;
		}
	}
	while (decoder_next(d, &ev) == 1) {
		const struct thread_info *ti = threads_get(&th, ev.tid);
		const char *comm;

		if (o->until_arg && (int64_t)ev.ts > o->until)
			break;
		if ((o->since_arg && (int64_t)ev.ts < o->since) || (o->cpu >= 0 && ev.cpu != o->cpu) ||
		    !event_matches(o->event, ev.lay))
			continue;
		if (o->pid && ev.tid != o->pid && (!ti || ti->pid != o->pid))
			continue;
		if (ev.missed && !o->quiet)
			printf("CPU:%d [%s%lld EVENTS DROPPED]\n", ev.cpu,
			       ev.missed < 0 ? "UNKNOWN NUMBER OF " : "",
			       ev.missed < 0 ? 0LL : ev.missed);
		ukt_buf_reset(&info);
		dec_print_info(d, &ev, &info);
		comm = threads_comm_at(&th, ev.tid, ev.ts);
		if (printf("%16s-%-7d [%03d] %" PRIu64 ".%09" PRIu64 ": %s: %s\n",
			   out_term(comm ? comm : threads_name(&th, ev.tid)), ev.tid, ev.cpu,
			   ev.ts / 1000000000, ev.ts % 1000000000, out_term(ev.lay->name),
			   out_term(info.data)) < 0)
			break;	/* stdout closed (| head) */
		dump_stacks(&sy, dw, ti ? ti->pid : ev.tid, &ev);
	}
out:
	dwunwind_free(dw);
	symbolizer_release(&sy);
	decoder_free(d);
	threads_release(&th);
	trace_free(t);
	ukt_buf_release(&warn);
	ukt_buf_release(&err);
	ukt_buf_release(&info);
	return rc;
}
