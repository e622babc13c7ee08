// SPDX-License-Identifier: MIT
/* Answers from one pass over a trace, without SQLite (stream.h). */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "satmath.h"
#include "statacc.h"
#include "stream.h"
#include "strtab.h"
#include "tables.h"
#include "uktrace/vec.h"

struct stream {
	struct trace *t;
	struct ingest in;
	int64_t first_ts;
	bool ran;		/* the loop runs once */
	/* the paired functions, as the funcs table */
	const char **fsym;	/* per function: its entry probe's symbol */
	int npaired;		/* probes with a function */
	struct ukt_buf funcs_err;
};

/*
 * The complete calls' (group, duration) pairs as varints, in blocks that
 * are never moved: about 3 bytes a call, read once more at the end.
 */
#define SPILL_BLOCK (1u << 20)
struct spill {
	uint8_t **blk;
	size_t *used;		/* per block */
	size_t n, cap;
};

static void put_varint(uint8_t **p, uint64_t v)
{
	while (v > 0x7f) {
		*(*p)++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*(*p)++ = (uint8_t)v;
}

static int spill_put(struct spill *s, uint64_t a, uint64_t b)
{
	uint8_t *p;

	/* two varints take at most 20 bytes */
	if (!s->n || s->used[s->n - 1] + 20 > SPILL_BLOCK) {
		size_t cap = s->cap;

		if (ukt_grow(&s->blk, &cap, s->n, sizeof(*s->blk)) ||
		    ukt_grow(&s->used, &s->cap, s->n, sizeof(*s->used)))
			return -ENOMEM;
		s->blk[s->n] = malloc(SPILL_BLOCK);
		if (!s->blk[s->n])
			return -ENOMEM;
		s->used[s->n++] = 0;
	}
	p = s->blk[s->n - 1] + s->used[s->n - 1];
	put_varint(&p, a);
	put_varint(&p, b);
	s->used[s->n - 1] = (size_t)(p - s->blk[s->n - 1]);
	return 0;
}

static void spill_release(struct spill *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->blk[i]);
	free(s->blk);
	free(s->used);
	memset(s, 0, sizeof(*s));
}

/* One pass: what a sink keeps. */
struct pass {
	struct stream *s;
	const struct stream_req *req;
	struct stream_answer *a;
	int func;			/* hist, callers: its index; -1 */
	struct statacc *acc;		/* summary */
	struct strtab groups;		/* by pid/comm/tid: "func\x1fk2" */
	struct ukt_buf key;
	uint64_t log2[HIST_LOG2_BUCKETS];	/* hist */
	int64_t *vals;			/* hist --linear: the durations */
	size_t nvals, vcap;
	struct strtab sites;		/* callers: "sym\x1fobj" (\x1e: NULL) */
	/* the spill: the complete calls' groups and durations, for exact
	 * percentiles when they do not all fit in memory (statacc.h) */
	struct spill spill;
};

/* Durations the summary keeps in memory (as stats_compute's); past them,
 * the percentiles come from the spill. */
#define STREAM_MAX_VALUES 0

static int probe_symbols(struct stream *s)
{
	struct probe_row pr = { .view = UKT_BUF_INIT, .args = UKT_BUF_INIT,
				.function = UKT_BUF_INIT };
	const struct plan *p = &s->in.plan;

	s->fsym = calloc((size_t)p->nfuncs + 1, sizeof(*s->fsym));
	if (!s->fsym)
		return -ENOMEM;
	for (int i = 0; i < p->nlays; i++) {
		tables_probe_row(s->t, p, i, s->in.lay_events, &pr);
		if (pr.func)
			s->npaired++;
		for (int f = 0; f < p->nfuncs; f++)
			if (p->entry_probe[f] && p->entry_probe[f] == pr.id)
				s->fsym[f] = pr.symbol;
	}
	ukt_buf_release(&pr.view);
	ukt_buf_release(&pr.args);
	ukt_buf_release(&pr.function);
	return 0;
}

struct stream *stream_open(const char *const *paths, size_t n, int *rc, struct ukt_buf *err,
			   struct ukt_buf *warn)
{
	struct stream *s = calloc(1, sizeof(*s));

	if (!s) {
		*rc = -ENOMEM;
		return NULL;
	}
	s->t = trace_open_set(paths, n, rc, err);
	if (!s->t)
		goto fail;
	if (s->t->ndamage)
		trace_describe_damage(s->t, warn);
	*rc = ingest_open(&s->in, s->t, err, warn);
	if (*rc)
		goto fail;
	/* what the answers need of a call, not its stacks or its caller's
	 * name (only callers asks, stream_run) */
	s->in.no_stacks = true;
	s->first_ts = ingest_first_ts(&s->in);
	*rc = probe_symbols(s);
	if (*rc)
		goto fail;
	return s;
fail:
	stream_close(s);
	return NULL;
}

void stream_close(struct stream *s)
{
	if (!s)
		return;
	ingest_release(&s->in);
	trace_free(s->t);
	free(s->fsym);
	free(s);
}

int64_t stream_first_ts(struct stream *s)
{
	return s->first_ts;
}

int stream_funcs(struct stream *s, const char ***names, const char ***symbols, int *n)
{
	*names = (const char **)s->in.plan.funcs;
	*symbols = s->fsym;
	*n = s->in.plan.nfuncs;
	return 0;
}

int stream_paired_probes(struct stream *s)
{
	return s->npaired;
}

/* The call's time, and whether the selection takes it (stats_filter_view). */
static bool selected(struct pass *P, const struct call_row *r, uint64_t ts)
{
	const struct call_select *sel = &P->req->sel;
	int64_t rel = (int64_t)(ts - (uint64_t)P->s->first_ts);

	if (P->func >= 0 && r->func != P->func)
		return false;
	if (sel->has_since && rel < sat_sub(sel->since, P->s->first_ts))
		return false;
	if (sel->has_until && rel > sat_sub(sel->until, P->s->first_ts))
		return false;
	if (sel->pid) {
		const struct thread_info *ti = threads_get(&P->s->in.th, r->tid);

		if (r->tid != sel->pid && !(ti && ti->pid && ti->pid == sel->pid))
			return false;
	}
	if (sel->comm) {
		/* SQLite's GLOB: no escapes; NULL matches nothing */
		const char *comm = threads_comm_at(&P->s->in.th, r->tid, ts);

		if (!comm || fnmatch(sel->comm, comm, FNM_NOESCAPE))
			return false;
	}
	return true;
}

/* A summary group by function and the --by key. */
static long by_group(struct pass *P, const struct call_row *r, uint64_t ts)
{
	const struct thread_info *ti;
	const char *comm;
	long gi;

	ukt_buf_reset(&P->key);
	ukt_buf_addf(&P->key, "%d", r->func);
	switch (P->req->by) {
	case STATS_BY_PID:
		ti = threads_get(&P->s->in.th, r->tid);
		if (ti && ti->pid)
			ukt_buf_addf(&P->key, "\x1f%d", ti->pid);
		else
			ukt_buf_adds(&P->key, "\x1e");
		break;
	case STATS_BY_TID:
		ukt_buf_addf(&P->key, "\x1f%d", r->tid);
		break;
	default:
		comm = threads_comm_at(&P->s->in.th, r->tid, ts);
		if (comm)
			ukt_buf_addf(&P->key, "\x1f%s", comm);
		else
			ukt_buf_adds(&P->key, "\x1e");
		break;
	}
	if (ukt_buf_error(&P->key))
		return -ENOMEM;
	gi = strtab_intern(&P->groups, P->key.data);
	return gi;
}

/* A complete call's group and duration, for the second pass (zigzag: a
 * crafted file's durations may be negative). */
static int spill(void *ctx, size_t g, int64_t dur)
{
	struct pass *P = ctx;

	return spill_put(&P->spill, (uint64_t)g, ((uint64_t)dur << 1) ^ (uint64_t)(dur >> 63));
}

static int summary_call(struct pass *P, const struct call_row *r, uint64_t ts)
{
	bool complete = r->status == CALL_COMPLETE;
	bool spilling = complete && statacc_two_pass(P->acc) && !statacc_keeps(r->duration);
	long gi = P->req->by == STATS_BY_FUNC ? r->func : by_group(P, r, ts);
	int rc;

	if (gi < 0)
		return (int)gi;
	rc = statacc_add_call(P->acc, (size_t)gi, complete, r->recursive, r->duration, r->self);
	if (!rc && spilling)
		rc = spill(P, (size_t)gi, r->duration);
	return rc;
}

static int hist_call(struct pass *P, const struct call_row *r)
{
	if (r->status != CALL_COMPLETE)
		return 0;
	if (!P->req->linear) {
		P->log2[hist_log2_bucket(r->duration)]++;
		return 0;
	}
	if (P->nvals >= STATS_MAX_VALUES) {
		P->a->hist_too_big = true;
		return 0;
	}
	if (ukt_grow(&P->vals, &P->vcap, P->nvals, sizeof(*P->vals)))
		return -ENOMEM;
	P->vals[P->nvals++] = r->duration;
	return 0;
}

static int callers_call(struct pass *P, const struct call_row *r, int64_t site)
{
	const char *sym = NULL, *obj = NULL;
	struct stream_caller *c;
	long gi;

	if (site) {
		uint64_t addr;
		int pid;

		sites_at(P->s->in.sites, (size_t)site - 1, &pid, &addr, &sym, &obj);
	}
	ukt_buf_reset(&P->key);
	ukt_buf_addf(&P->key, "%s%s%s%s", sym ? "\x1f" : "\x1e", sym ? sym : "",
		     obj ? "\x1f" : "\x1e", obj ? obj : "");
	if (ukt_buf_error(&P->key))
		return -ENOMEM;
	gi = strtab_intern(&P->sites, P->key.data);
	if (gi < 0)
		return (int)gi;
	if ((size_t)gi == P->a->ncallers) {
		if (ukt_grow_counted(&P->a->callers, P->a->ncallers, sizeof(*P->a->callers)))
			return -ENOMEM;
		c = &P->a->callers[P->a->ncallers++];
		memset(c, 0, sizeof(*c));
		c->symbol = sym ? strdup(sym) : NULL;
		c->object = obj ? strdup(obj) : NULL;
		if ((sym && !c->symbol) || (obj && !c->object))
			return -ENOMEM;
	}
	c = &P->a->callers[gi];
	c->calls++;
	if (r->status != CALL_COMPLETE)
		return 0;
	if (!c->complete++ || r->duration < c->min)
		c->min = r->duration;
	if (c->complete == 1 || r->duration > c->max)
		c->max = r->duration;
	c->durs = sat_add(c->durs, r->duration);
	if (!r->recursive)
		c->total = sat_add(c->total, r->duration);
	return 0;
}

static int on_call(void *ctx, const struct call_row *r, int64_t site)
{
	struct pass *P = ctx;
	uint64_t ts = r->has_entry ? r->entry_ts : r->return_ts;

	if (P->func >= 0 && r->func == P->func)
		P->a->func_has_calls = true;
	if (r->func >= 0 && r->func < P->s->in.plan.nfuncs)
		P->a->func_calls[r->func]++;
	if (!selected(P, r, ts))
		return 0;
	switch (P->req->what) {
	case STREAM_SUMMARY:
		return summary_call(P, r, ts);
	case STREAM_HIST:
		return hist_call(P, r);
	default:
		return callers_call(P, r, site);
	}
}

static int on_event(void *ctx, const struct dec_event *ev, int64_t id, struct lay_info *li,
		    struct thread_info *ti, struct call_event *ce)
{
	(void)ctx, (void)ev, (void)id, (void)li, (void)ti, (void)ce;
	return 0;
}

static int on_lost(void *ctx, const struct ingest_lost *l)
{
	(void)ctx, (void)l;
	return 0;
}

static const struct ingest_sink stream_sink = {
	.lost = on_lost, .event = on_event, .call = on_call,
};

static uint64_t spill_read(const uint8_t **p, const uint8_t *end)
{
	uint64_t v = 0;

	for (int sh = 0; *p < end && sh < 64; sh += 7) {
		uint8_t b = *(*p)++;

		v |= (uint64_t)(b & 0x7f) << sh;
		if (!(b & 0x80))
			break;
	}
	return v;
}

/* The summary's rows from its groups (as stats_compute's). */
static int summary_rows(struct pass *P)
{
	const struct plan *p = &P->s->in.plan;
	struct stream_answer *a = P->a;
	size_t ng = statacc_groups(P->acc);
	bool all = P->req->by == STATS_BY_FUNC && !P->req->sel.pid && !P->req->sel.comm &&
		   !P->req->sel.has_since && !P->req->sel.has_until;
	int rc = 0;

	bool rescan = statacc_need_rescan(P->acc);

	for (size_t b = 0; rescan && b < P->spill.n; b++) {
		const uint8_t *q = P->spill.blk[b], *end = q + P->spill.used[b];

		while (!rc && q < end) {
			uint64_t g = spill_read(&q, end), z = spill_read(&q, end);

			rc = statacc_rescan(P->acc, (size_t)g, (int64_t)(z >> 1) ^ -(int64_t)(z & 1));
		}
	}
	spill_release(&P->spill);
	/* by function: every function, called or not (the import's
	 * call_summary) when nothing is selected; else those with calls */
	for (size_t i = 0; !rc && i < (P->req->by == STATS_BY_FUNC ? (size_t)p->nfuncs : ng); i++) {
		struct stats_row r = { 0 };
		const char *k = P->req->by == STATS_BY_FUNC ? NULL : P->groups.s[i];
		char *end;
		long f = k ? strtol(k, &end, 10) : (long)i;

		if (i < ng)
			rc = statacc_result(P->acc, i, r.v, r.null);
		else
			for (int c = 0; c < S_NCOLS; c++)
				r.null[c] = c != S_CALLS && c != S_INCOMPLETE;
		if (rc)
			break;
		if (!all && !r.v[S_CALLS] && !r.v[S_INCOMPLETE])
			continue;
		r.k1 = strdup(f >= 0 && f < p->nfuncs ? p->funcs[f] : "");
		if (k && *end == '\x1f') {
			r.k2 = strdup(end + 1);
			r.k2_is_int = P->req->by != STATS_BY_COMM;
			r.k2i = strtoll(end + 1, NULL, 10);
		} else if (k) {
			r.k2 = strdup("");
			r.k2_null = true;
		}
		if (!r.k1 || (k && !r.k2) || ukt_grow_counted(&a->rows, a->nrows, sizeof(*a->rows))) {
			free(r.k1);
			free(r.k2);
			rc = -ENOMEM;
			break;
		}
		a->rows[a->nrows++] = r;
	}
	if (!rc)
		stats_sort_by_keys(a->rows, a->nrows);
	/* the probed functions without calls selected */
	if (!rc && !all && P->req->by == STATS_BY_FUNC)
		rc = stats_add_uncalled_names(&a->rows, &a->nrows, (const char *const *)p->funcs,
					      (size_t)p->nfuncs);
	return rc;
}

static int by_status(const void *x, const void *y)
{
	return strcmp(((const struct stream_note *)x)->status,
		      ((const struct stream_note *)y)->status);
}

static int by_events(const void *x, const void *y)
{
	const struct stream_probe *a = x, *b = y;

	if (a->events != b->events)
		return a->events > b->events ? -1 : 1;
	return (a->id > b->id) - (a->id < b->id);
}

/* NULL sorts first, then bytes (SQLite's BINARY). */
static int null_cmp(const char *a, const char *b)
{
	if (!a || !b)
		return !!a - !!b;
	return strcmp(a, b);
}

static int by_calls(const void *x, const void *y)
{
	const struct stream_caller *a = x, *b = y;
	int c;

	if (a->calls != b->calls)
		return a->calls > b->calls ? -1 : 1;
	c = null_cmp(a->symbol, b->symbol);
	return c ? c : null_cmp(a->object, b->object);
}

/* The notes under a summary, and a trace without pairs' probes. */
static int trace_facts(struct pass *P)
{
	struct stream *s = P->s;
	struct stream_answer *a = P->a;
	struct probe_row pr = { .view = UKT_BUF_INIT, .args = UKT_BUF_INIT,
				.function = UKT_BUF_INIT };
	uint64_t counts[CALL_NSTATUS];
	int rc = 0;

	pairer_counts(s->in.pairer, counts);
	for (int i = 0; i < CALL_NSTATUS; i++) {
		if (i == CALL_COMPLETE || !counts[i])
			continue;
		if (ukt_grow_counted(&a->notes, a->nnotes, sizeof(*a->notes)))
			return -ENOMEM;
		a->notes[a->nnotes++] = (struct stream_note){ call_status_name((enum call_status)i),
							      (int64_t)counts[i] };
	}
	if (a->nnotes > 1)
		qsort(a->notes, a->nnotes, sizeof(*a->notes), by_status);
	for (uint32_t c = 0; c < s->t->ncpus; c++) {
		int64_t v[CPU_NCOLS];
		bool null[CPU_NCOLS];

		tables_cpu_row(s->t, c, s->in.cpu_events, s->in.cpu_marks, v, null);
		if (!null[2])
			a->lost_events += v[2];
		/* the columns lost_events and missed_marks (tables.h) */
		if (v[2] <= 0 && v[5] <= 0)
			continue;
		if (ukt_grow_counted(&a->cpu_losses, a->ncpu_losses, sizeof(*a->cpu_losses)))
			return -ENOMEM;
		a->cpu_losses[a->ncpu_losses].cpu = (int)v[0];
		a->cpu_losses[a->ncpu_losses].lost = v[2];
		a->cpu_losses[a->ncpu_losses++].marks = v[5];
	}
	for (int i = 0; !rc && i < s->in.plan.nlays; i++) {
		struct stream_probe *p;

		tables_probe_row(s->t, &s->in.plan, i, s->in.lay_events, &pr);
		if (ukt_grow_counted(&a->probes, a->nprobes, sizeof(*a->probes))) {
			rc = -ENOMEM;
			break;
		}
		p = &a->probes[a->nprobes++];
		memset(p, 0, sizeof(*p));
		p->id = pr.id;
		p->kind = pr.kind;
		p->events = pr.events;
		p->event = malloc(strlen(pr.system) + strlen(pr.name) + 2);
		p->function = pr.function.len ? strdup(pr.function.data) : NULL;
		if (!p->event || (pr.function.len && !p->function))
			rc = -ENOMEM;
		else
			sprintf(p->event, "%s:%s", pr.system, pr.name);
	}
	if (!rc && a->nprobes > 1)
		qsort(a->probes, a->nprobes, sizeof(*a->probes), by_events);
	ukt_buf_release(&pr.view);
	ukt_buf_release(&pr.args);
	ukt_buf_release(&pr.function);
	return rc;
}

int stream_run(struct stream *s, const struct stream_req *req, struct stream_answer *a,
	       struct ukt_buf *err, struct ukt_buf *warn)
{
	struct pass P = { .s = s, .req = req, .a = a, .func = -1, .key = UKT_BUF_INIT };
	int rc = 0;

	memset(a, 0, sizeof(*a));
	if (s->ran) {
		ukt_buf_adds(err, "a trace is streamed once");
		return -EINVAL;
	}
	s->ran = true;
	if (req->what != STREAM_SUMMARY && req->sel.func) {
		for (int f = 0; f < s->in.plan.nfuncs && P.func < 0; f++)
			if (!strcmp(s->in.plan.funcs[f], req->sel.func))
				P.func = f;
		if (P.func < 0)		/* no such function: nothing to select */
			P.func = s->in.plan.nfuncs;
	}
	a->func_calls = calloc((size_t)s->in.plan.nfuncs + 1, sizeof(*a->func_calls));
	if (!a->func_calls)
		return -ENOMEM;
	/* only callers names a call's caller */
	s->in.no_sites = req->what != STREAM_CALLERS;
	if (req->what == STREAM_SUMMARY) {
		P.acc = statacc_new(STREAM_MAX_VALUES);
		if (!P.acc)
			return -ENOMEM;
		statacc_on_switch(P.acc, spill, &P);
	}
	rc = ingest_run(&s->in, &stream_sink, &P);
	if (!rc)
		decoder_warnings(s->in.dec, warn);
	if (!rc)
		rc = trace_facts(&P);
	if (!rc && req->what == STREAM_SUMMARY)
		rc = summary_rows(&P);
	if (!rc && req->what == STREAM_HIST)
		rc = req->linear ? (a->hist_too_big ? 0 : hist_from_values(P.vals, P.nvals,
							req->buckets, &a->hist)) :
		     hist_from_log2(P.log2, &a->hist);
	if (!rc && req->what == STREAM_CALLERS && a->ncallers > 1)
		qsort(a->callers, a->ncallers, sizeof(*a->callers), by_calls);
	if (rc && !err->len)
		ukt_buf_addf(err, "reading the trace failed: %s", strerror(-rc));
	statacc_free(P.acc);
	strtab_release(&P.groups);
	strtab_release(&P.sites);
	ukt_buf_release(&P.key);
	spill_release(&P.spill);
	free(P.vals);
	return rc;
}

void stream_answer_release(struct stream_answer *a)
{
	stats_free(a->rows, a->nrows);
	free(a->notes);
	free(a->cpu_losses);
	free(a->func_calls);
	for (size_t i = 0; i < a->nprobes; i++) {
		free(a->probes[i].event);
		free(a->probes[i].function);
	}
	free(a->probes);
	hist_release(&a->hist);
	for (size_t i = 0; i < a->ncallers; i++) {
		free(a->callers[i].symbol);
		free(a->callers[i].object);
	}
	free(a->callers);
	memset(a, 0, sizeof(*a));
}
