// SPDX-License-Identifier: MIT
/* The one ingest loop (ingest.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "ingest.h"

/* A call from the pairer: its caller named, to the sink. */
static int emit_call(void *ctx, const struct call_row *r)
{
	struct ingest *in = ctx;
	int64_t site = 0;

	if (r->has_caller && !in->no_sites) {
		int rc = sites_get(in->sites, r->pid, r->caller,
				   r->has_entry ? r->entry_ts : r->return_ts, &site);

		if (rc)
			return rc;
	}
	return in->sink->call(in->ctx, r, site);
}

int ingest_open(struct ingest *in, struct trace *t, struct ukt_buf *err,
		struct ukt_buf *warn)
{
	const char *mode = trace_meta(t, "mode");
	int rc;

	memset(in, 0, sizeof(*in));
	in->t = t;
	ukt_buf_init(&in->args);
	in->flight = mode && !strcmp(mode, "flight");
	in->dec = decoder_new(t, err, warn);
	if (!in->dec)
		return -REP_E_TEP;
	in->cpu_events = calloc(t->ncpus + 1, sizeof(*in->cpu_events));
	in->cpu_marks = calloc(t->ncpus + 1, sizeof(*in->cpu_marks));
	in->sites = sites_new(&in->sy);
	in->stacks = in->sites ? stacks_new(in->sites) : NULL;
	if (!in->cpu_events || !in->cpu_marks || !in->sites || !in->stacks)
		return -ENOMEM;
	rc = threads_load(&in->th, t);
	if (!rc)
		rc = symbolizer_load(&in->sy, t);
	if (!rc)
		rc = plan_build(&in->plan, t, in->dec);
	if (rc)
		return rc;
	in->dw = dwunwind_new(t, &in->sy);
	if (!in->dw)
		return -ENOMEM;
	in->pairer = plan_pairer(&in->plan, emit_call, in);
	in->lay_events = calloc((size_t)in->plan.nlays + 1, sizeof(*in->lay_events));
	return in->pairer && in->lay_events ? 0 : -ENOMEM;
}

void ingest_release(struct ingest *in)
{
	decoder_free(in->dec);
	pairer_free(in->pairer);
	stacks_free(in->stacks);
	dwunwind_free(in->dw);
	sites_free(in->sites);
	threads_release(&in->th);
	symbolizer_release(&in->sy);
	plan_release(&in->plan);
	free(in->cpu_events);
	free(in->cpu_marks);
	free(in->lay_events);
	ukt_buf_release(&in->args);
	memset(in, 0, sizeof(*in));
}

int64_t ingest_first_ts(struct ingest *in)
{
	struct dec_event ev;
	int64_t ts = decoder_next(in->dec, &ev) == 1 ? (int64_t)ev.ts : 0;

	decoder_rewind(in->dec);
	return ts;
}

/*
 * The losses the recorder saw in the kernel's counters as they happened.
 * Overwritten events (overrun) also leave a missed-events mark in the
 * next page read, which says exactly where they were: those ranges mark
 * the calls. Dropped events leave no mark, so the time between the
 * recorder's two polls is the range for them.
 */
static int recorder_losses(struct ingest *in)
{
	int rc = 0;

	for (size_t i = 0; i < in->t->nlosses && !rc; i++) {
		const struct ukt_loss *l = &in->t->losses[i];
		struct ingest_lost row = {
			.cpu = (int)l->cpu, .has_ts = l->to_ns != 0, .ts = (int64_t)l->to_ns,
			.has_count = true, .count = (int64_t)(l->overrun + l->dropped),
			.has_from = l->from_ns != 0, .from = (int64_t)l->from_ns,
			.source = "stats",
		};

		rc = in->sink->lost(in->ctx, &row);
		/* a CPU the trace has (the pairer's ranges are per CPU) */
		if (!rc && l->to_ns && l->dropped && l->cpu < in->t->ncpus)
			rc = pairer_loss(in->pairer, (int)l->cpu, l->from_ns, l->to_ns);
	}
	return rc;
}

/* A missed-events mark before ev: where events were lost on its CPU. */
static int missed(struct ingest *in, const struct dec_event *ev)
{
	struct ingest_lost row = {
		.cpu = ev->cpu, .has_ts = true, .ts = (int64_t)ev->ts,
		.has_count = ev->missed > 0, .count = ev->missed,
		.has_from = ev->missed_since != 0, .from = (int64_t)ev->missed_since,
		.source = "mark",
	};
	int rc;

	/* a dump's first page on a CPU follows what its window overwrote
	 * by design: no call of the window spans it */
	if (in->flight && !in->cpu_events[ev->cpu]) {
		row.has_from = false;
		row.source = "overwrite";
		return in->sink->lost(in->ctx, &row);
	}
	rc = in->sink->lost(in->ctx, &row);
	if (rc)
		return rc;
	in->lost_marks++;
	in->cpu_marks[ev->cpu]++;
	return pairer_loss(in->pairer, ev->cpu, ev->missed_since, ev->ts);
}

/*
 * The return addresses the kernel's uretprobe trampoline stands in for on
 * ev's thread, innermost first, into ret: those of the open calls whose
 * return is armed. A uretprobe event's own call has returned already
 * (its trampoline is gone from the stack), so it is left out.
 */
static int hidden_returns(struct ingest *in, const struct dec_event *ev,
			  const struct call_event *ce, uint64_t *ret)
{
	int n = pairer_open_returns(in->pairer, ev->tid, ret, DEC_MAX_STACK);

	/* a uretprobe's return (its ret_ip is the caller) */
	if (ce && ce->is_return && ce->has_caller && n) {
		memmove(ret, ret + 1, (size_t)(n - 1) * sizeof(*ret));
		n--;
	}
	return n;
}

/*
 * Put back the return addresses a user stack shows as the kernel's
 * uretprobe trampoline: a frame in its [uprobes] page or in no mapping
 * of the process (the page comes after the maps read at its start).
 */
static void untrampoline(struct ingest *in, const struct dec_event *ev, int pid,
			 const struct call_event *ce, uint64_t *u, int n)
{
	uint64_t ret[DEC_MAX_STACK];
	int nret = hidden_returns(in, ev, ce, ret), k = 0;
	struct ukt_buf sym = UKT_BUF_INIT, obj = UKT_BUF_INIT;

	for (int i = 1; i < n && k < nret; i++) {
		if (symbolize(&in->sy, pid, u[i], ev->ts, &sym, &obj) ||
		    (obj.len && strcmp(obj.data, "[uprobes]")))
			continue;
		if (ret[k])
			u[i] = ret[k];
		k++;
	}
	ukt_buf_release(&sym);
	ukt_buf_release(&obj);
}

static bool user_probe(const struct ingest *in, const struct dec_event *ev)
{
	const char *kind = ev->lay->probe >= 0 && (size_t)ev->lay->probe < in->t->nprobes ?
			   in->t->probes[ev->lay->probe].kind : NULL;

	return kind && (!strcmp(kind, "uprobe") || !strcmp(kind, "uretprobe"));
}

/*
 * The stacks recorded with event id (-g). A user stack walked by frame
 * pointers from a function's first instruction skips its caller (the
 * frame pointer is still the caller's, whose own return address comes
 * next): an entry probe that fetched the return address puts it back.
 * A stack window (--stack dwarf) is unwound by the objects' CFI instead.
 */
static int event_stacks(struct ingest *in, const struct dec_event *ev, int64_t id, int pid,
			const struct call_event *ce)
{
	uint64_t u[DEC_MAX_STACK + 1];
	int n = 0, rc = 0;

	/* a uprobe's kernel stack is the breakpoint handler's, always */
	if (ev->nkstack && !user_probe(in, ev))
		rc = stacks_add(in->stacks, id, STACK_KERNEL, 0, ev->kstack, ev->nkstack,
				ev->kstack_cut, ev->ts);
	if (!rc && dwunwind_enabled(in->dw)) {
		uint64_t ret[DEC_MAX_STACK];
		int nret = hidden_returns(in, ev, ce, ret);
		bool cut;

		n = dwunwind_event(in->dw, ev, pid, ret, nret, u, DEC_MAX_STACK, &cut);
		if (n)
			return stacks_add(in->stacks, id, STACK_USER, pid, u, n, cut, ev->ts);
	}
	if (rc || !ev->nustack)
		return rc;
	u[n++] = ev->ustack[0];
	if (ce && !ce->is_return && ce->has_caller && ce->caller &&
	    (ev->nustack < 2 || ev->ustack[1] != ce->caller))
		u[n++] = ce->caller;
	for (int i = 1; i < ev->nustack; i++)
		u[n++] = ev->ustack[i];
	untrampoline(in, ev, pid, ce, u, n);
	return stacks_add(in->stacks, id, STACK_USER, pid, u, n, ev->ustack_full, ev->ts);
}

static int events(struct ingest *in)
{
	struct dec_event ev;
	int64_t id = 0;
	int rc;

	while ((rc = decoder_next(in->dec, &ev)) == 1) {
		size_t lay = (size_t)(ev.lay - in->plan.lays);
		struct lay_info *li = &in->plan.li[lay];
		struct thread_info *ti;
		struct call_event ce;

		id++;
		if (ev.missed && (rc = missed(in, &ev)))
			return rc;
		ti = threads_add(&in->th, ev.tid);
		if (!ti)
			return -ENOMEM;
		ti->seen = true;
		in->cpu_events[ev.cpu]++;
		in->lay_events[lay]++;
		if (li->role == ROLE_NONE) {
			rc = in->sink->event(in->ctx, &ev, id, li, ti, NULL);
			if (!rc && !in->no_stacks &&
			    (ev.nkstack || ev.nustack || dwunwind_enabled(in->dw)))
				rc = event_stacks(in, &ev, id, ti->pid, NULL);
			if (rc)
				return rc;
			continue;
		}
		plan_call_event(li, &ev, ti->pid, id, &in->args, &ce);
		rc = in->sink->event(in->ctx, &ev, id, li, ti, &ce);
		if (!rc && !in->no_stacks &&
		    (ev.nkstack || ev.nustack || dwunwind_enabled(in->dw)))
			rc = event_stacks(in, &ev, id, ti->pid, &ce);
		if (!rc)
			rc = pairer_feed(in->pairer, &ce);
		if (rc)
			return rc;
	}
	in->events = (uint64_t)id;
	return rc;
}

int ingest_run(struct ingest *in, const struct ingest_sink *sink, void *ctx)
{
	int rc;

	in->sink = sink;
	in->ctx = ctx;
	decoder_read_ahead(in->dec);
	rc = recorder_losses(in);
	if (!rc)
		rc = events(in);
	if (!rc)
		rc = pairer_finish(in->pairer);
	return rc;
}
