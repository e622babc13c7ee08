// SPDX-License-Identifier: MIT
/* Entry/return pairing with a stack per thread (calls.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "calls.h"

struct frame {
	int64_t id;
	int func;
	uint64_t entry_ts;
	int64_t entry_event_id;
	int64_t child_ns;
	bool has_caller;
	uint64_t caller;
	bool has_sp;
	uint64_t sp;
	bool has_ip, stored;
	uint64_t ip;
	int probe_id;
	bool hijacked;		/* the kernel armed its uretprobe return */
	uint64_t cpus;		/* CPUs its thread ran on while it was open */
	int cpu;
	int pid;
	char *args;
};

struct tstack {
	int tid;		/* -1: empty slot */
	int last_cpu;
	uint64_t last_ts;	/* of the thread's previous event, 0: none */
	int pending;		/* open frames whose uretprobe the kernel armed */
	struct frame *v;
	int n, cap;
};

/* Loss ranges of one CPU, disjoint, sorted by time. */
struct losses {
	struct { uint64_t from, to; } *v;
	size_t n, cap;
};

struct pairer {
	call_emit_fn emit;
	void *ctx;
	struct tstack *t;	/* open addressing on tid */
	size_t cap, used;
	int64_t next_id;
	uint64_t counts[CALL_NSTATUS];
	uint8_t *flags;		/* per function */
	int nfuncs;
	bool has_sp_delta;
	int64_t sp_delta;
	struct losses *loss;	/* per CPU */
	int nloss;
	uint64_t last_ts;	/* of the stream */
};

const char *call_status_name(enum call_status s)
{
	static const char *const names[] = {
		"complete", "no_return", "no_entry", "lost", "no_return_depth",
		"never_returns", "fork_child",
	};

	return (unsigned int)s < CALL_NSTATUS ? names[s] : "unknown";
}

struct pairer *pairer_new(call_emit_fn emit, void *ctx, int nfuncs)
{
	struct pairer *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->emit = emit;
	p->ctx = ctx;
	p->next_id = 1;
	p->cap = 256;
	p->nfuncs = nfuncs > 0 ? nfuncs : 0;
	p->t = malloc(p->cap * sizeof(*p->t));
	p->flags = calloc((size_t)p->nfuncs + 1, 1);
	if (!p->t || !p->flags) {
		free(p->t);
		free(p->flags);
		free(p);
		return NULL;
	}
	for (size_t i = 0; i < p->cap; i++)
		p->t[i] = (struct tstack){ .tid = -1 };
	return p;
}

void pairer_free(struct pairer *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->cap; i++) {
		for (int k = 0; k < p->t[i].n; k++)
			free(p->t[i].v[k].args);
		free(p->t[i].v);
	}
	for (int i = 0; i < p->nloss; i++)
		free(p->loss[i].v);
	free(p->loss);
	free(p->flags);
	free(p->t);
	free(p);
}

void pairer_set_func(struct pairer *p, int func, unsigned int flags)
{
	if (func >= 0 && func < p->nfuncs)
		p->flags[func] = (uint8_t)flags;
}

void pairer_set_sp_delta(struct pairer *p, int64_t delta)
{
	p->has_sp_delta = true;
	p->sp_delta = delta;
}

static unsigned int fflags(const struct pairer *p, int func)
{
	return func >= 0 && func < p->nfuncs ? p->flags[func] : 0;
}

static uint64_t cpu_bit(int cpu)
{
	return cpu >= 0 && cpu < 64 ? 1ull << cpu : ~0ull;
}

int pairer_loss(struct pairer *p, int cpu, uint64_t from, uint64_t to)
{
	struct losses *l;
	size_t lo = 0, hi;

	if (cpu < 0)
		return 0;
	if (cpu >= p->nloss) {
		void *v = reallocarray(p->loss, (size_t)cpu + 1, sizeof(*p->loss));

		if (!v)
			return -ENOMEM;
		p->loss = v;
		memset(&p->loss[p->nloss], 0, ((size_t)cpu + 1 - (size_t)p->nloss) * sizeof(*p->loss));
		p->nloss = cpu + 1;
	}
	l = &p->loss[cpu];
	if (from > to) {
		uint64_t x = from;

		from = to;
		to = x;
	}
	/* merge with every range it touches, keeping them disjoint */
	for (hi = l->n; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->v[mid].to < from)
			lo = mid + 1;
		else
			hi = mid;
	}
	hi = lo;
	while (hi < l->n && l->v[hi].from <= to) {
		if (l->v[hi].from < from)
			from = l->v[hi].from;
		if (l->v[hi].to > to)
			to = l->v[hi].to;
		hi++;
	}
	if (hi == lo) {
		if (l->n == l->cap) {
			size_t cap = l->cap ? l->cap * 2 : 16;
			void *v = reallocarray(l->v, cap, sizeof(*l->v));

			if (!v)
				return -ENOMEM;
			l->v = v;
			l->cap = cap;
		}
		memmove(&l->v[lo + 1], &l->v[lo], (l->n - lo) * sizeof(*l->v));
		l->n++;
	} else if (hi > lo + 1) {
		memmove(&l->v[lo + 1], &l->v[hi], (l->n - hi) * sizeof(*l->v));
		l->n -= hi - lo - 1;
	}
	l->v[lo].from = from;
	l->v[lo].to = to;
	return 0;
}

/* Whether events were lost on one of cpus during (a, b). */
static bool lost_during(const struct pairer *p, uint64_t cpus, uint64_t a, uint64_t b)
{
	for (int cpu = 0; cpu < p->nloss; cpu++) {
		const struct losses *l = &p->loss[cpu];
		size_t lo = 0, hi = l->n;

		if (!(cpus & cpu_bit(cpu)) || !l->n)
			continue;
		/* the first range that ends after a */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (l->v[mid].to <= a)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < l->n && l->v[lo].from < b)
			return true;
	}
	return false;
}

static size_t hslot(size_t cap, int tid)
{
	return ((size_t)(unsigned int)tid * 2654435761u) & (cap - 1);
}

static struct tstack *get_stack(struct pairer *p, int tid)
{
	size_t i;

	if ((p->used + 1) * 2 > p->cap) {
		size_t ncap = p->cap * 2;
		struct tstack *n = malloc(ncap * sizeof(*n));

		if (!n)
			return NULL;
		for (size_t k = 0; k < ncap; k++)
			n[k] = (struct tstack){ .tid = -1 };
		for (size_t k = 0; k < p->cap; k++) {
			if (p->t[k].tid < 0)
				continue;
			for (i = hslot(ncap, p->t[k].tid); n[i].tid >= 0; i = (i + 1) & (ncap - 1))
				;
			n[i] = p->t[k];
		}
		free(p->t);
		p->t = n;
		p->cap = ncap;
	}
	for (i = hslot(p->cap, tid); p->t[i].tid >= 0; i = (i + 1) & (p->cap - 1))
		if (p->t[i].tid == tid)
			return &p->t[i];
	p->t[i] = (struct tstack){ .tid = tid, .last_cpu = -1 };
	p->used++;
	return &p->t[i];
}

static int emit_row(struct pairer *p, struct call_row *r)
{
	p->counts[r->status]++;
	return p->emit(p->ctx, r);
}

/* Why frame f never got its return, judged at time now. */
static enum call_status no_return_reason(const struct pairer *p,
					 const struct frame *f, uint64_t now)
{
	if ((fflags(p, f->func) & FUNC_USER_RET) && !f->hijacked)
		return CALL_NO_RETURN_DEPTH;
	if (lost_during(p, f->cpus, f->entry_ts, now + 1))
		return CALL_LOST;
	return CALL_NO_RETURN;
}

/* Emit frame k of s, returned by ret (NULL: never) with status st. */
static int emit_frame(struct pairer *p, struct tstack *s, int k,
		      const struct call_event *ret, enum call_status st)
{
	struct frame *f = &s->v[k];
	struct call_row r = {
		.id = f->id, .func = f->func, .tid = s->tid, .pid = f->pid,
		.has_entry = true, .entry_ts = f->entry_ts,
		.depth = k, .parent_id = k ? s->v[k - 1].id : 0,
		.has_caller = f->has_caller, .caller = f->caller,
		.entry_event_id = f->entry_event_id, .entry_cpu = f->cpu,
		.return_cpu = -1, .args = f->args, .status = st,
		.in = { .has_caller = f->has_caller, .caller = f->caller,
			.has_sp = f->has_sp, .sp = f->sp, .has_ip = f->has_ip,
			.ip = f->ip, .stored = f->stored },
		.entry_probe = f->probe_id,
	};
	int rc;

	if (ret) {
		r.out = (struct call_side){
			.has_caller = ret->has_caller, .caller = ret->caller,
			.has_sp = ret->has_sp, .sp = ret->sp, .has_ip = ret->has_ip,
			.ip = ret->ip, .stored = ret->stored,
		};
		r.return_probe = ret->probe_id;
		r.has_return = true;
		r.return_ts = ret->ts;
		r.return_event_id = ret->event_id;
		r.return_cpu = ret->cpu;
		r.duration = (int64_t)(ret->ts - f->entry_ts);
		r.self = r.duration - f->child_ns;
		r.has_ret = ret->has_ret;
		r.ret = ret->ret;
		/*
		 * The return's __probe_ret_ip is the true return address; the
		 * value fetched at entry from the stack may already be the
		 * kretprobe trampoline when the return probe was armed first.
		 */
		if (ret->has_caller) {
			r.has_caller = true;
			r.caller = ret->caller;
		}
		if (r.status == CALL_COMPLETE &&
		    lost_during(p, f->cpus | cpu_bit(ret->cpu), f->entry_ts, ret->ts))
			r.status = CALL_LOST;
		/* the parent's self time excludes this call */
		if (k && r.status == CALL_COMPLETE)
			s->v[k - 1].child_ns += r.duration;
	}
	if (f->hijacked)
		s->pending--;
	rc = emit_row(p, &r);
	free(f->args);
	f->args = NULL;
	return rc;
}

/* Pop the frames of s from the top down to (not including) k: their
 * returns never came. */
static int pop_above(struct pairer *p, struct tstack *s, int k, uint64_t now)
{
	int rc = 0;

	while (s->n > k && !rc) {
		rc = emit_frame(p, s, s->n - 1, NULL,
				no_return_reason(p, &s->v[s->n - 1], now));
		s->n--;
	}
	return rc;
}

/* A syscall never nests in another: close the syscall frames on top. */
static int close_open_syscalls(struct pairer *p, struct tstack *s, int except,
			       uint64_t now)
{
	int k = s->n;

	while (k > 0 && (fflags(p, s->v[k - 1].func) & FUNC_SYSCALL) &&
	       s->v[k - 1].func != except)
		k--;
	return pop_above(p, s, k, now);
}

static int push_entry(struct pairer *p, struct tstack *s, const struct call_event *ev)
{
	unsigned int fl = fflags(p, ev->func);
	struct frame *f;

	if (fl & FUNC_SYSCALL) {
		int rc = close_open_syscalls(p, s, -1, ev->ts);

		if (rc)
			return rc;
	}
	if (fl & FUNC_NEVER_RETURNS) {
		/* no frame: nothing returns to it */
		struct call_row r = {
			.id = p->next_id++, .func = ev->func, .tid = ev->tid,
			.pid = ev->pid, .has_entry = true, .entry_ts = ev->ts,
			.depth = s->n, .parent_id = s->n ? s->v[s->n - 1].id : 0,
			.has_caller = ev->has_caller, .caller = ev->caller,
			.entry_event_id = ev->event_id, .entry_cpu = ev->cpu,
			.return_cpu = -1, .args = ev->args, .status = CALL_NEVER_RETURNS,
			.in = { .has_caller = ev->has_caller, .caller = ev->caller,
				.has_sp = ev->has_sp, .sp = ev->sp, .has_ip = ev->has_ip,
				.ip = ev->ip, .stored = ev->stored },
			.entry_probe = ev->probe_id,
		};

		return emit_row(p, &r);
	}
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 8;
		void *v = reallocarray(s->v, (size_t)cap, sizeof(*s->v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	f = &s->v[s->n];
	*f = (struct frame){
		.id = p->next_id, .func = ev->func, .entry_ts = ev->ts,
		.entry_event_id = ev->event_id, .has_caller = ev->has_caller,
		.caller = ev->caller, .has_sp = ev->has_sp, .sp = ev->sp,
		.has_ip = ev->has_ip, .ip = ev->ip, .stored = ev->stored,
		.probe_id = ev->probe_id,
		.cpus = cpu_bit(ev->cpu), .cpu = ev->cpu, .pid = ev->pid,
	};
	if (ev->args) {
		f->args = strdup(ev->args);
		if (!f->args)
			return -ENOMEM;
	}
	if (fl & FUNC_USER_RET) {
		/* the kernel arms no return past this many pending ones */
		f->hijacked = s->pending < CALLS_URETPROBE_DEPTH;
		s->pending += f->hijacked;
	}
	p->next_id++;
	s->n++;
	return 0;
}

/* The open frame of s that ev returns from, or -1. */
static int find_frame(const struct pairer *p, const struct tstack *s,
		      const struct call_event *ev)
{
	if (ev->has_sp && p->has_sp_delta) {
		for (int k = s->n - 1; k >= 0; k--)
			if (s->v[k].func == ev->func && s->v[k].has_sp &&
			    s->v[k].sp + (uint64_t)p->sp_delta == ev->sp)
				return k;
		/* entries without a stack pointer: by nesting */
		for (int k = s->n - 1; k >= 0; k--)
			if (s->v[k].func == ev->func && !s->v[k].has_sp)
				return k;
		return -1;
	}
	for (int k = s->n - 1; k >= 0; k--)
		if (s->v[k].func == ev->func)
			return k;
	return -1;
}

/* A successful exec returns on the thread group leader, which may not be
 * the thread that called it: pair with that thread's open call. */
static int exec_elsewhere(struct pairer *p, const struct call_event *ev, bool *done)
{
	for (size_t i = 0; i < p->cap; i++) {
		struct tstack *o = &p->t[i];
		int rc;

		if (o->tid < 0 || o->tid == ev->tid || !o->n ||
		    o->v[o->n - 1].func != ev->func || o->v[o->n - 1].pid != ev->pid)
			continue;
		rc = emit_frame(p, o, o->n - 1, ev, CALL_COMPLETE);
		o->n--;
		*done = true;
		return rc;
	}
	return 0;
}

static int feed_return(struct pairer *p, struct tstack *s,
		       const struct call_event *ev, uint64_t prev_ts, int prev_cpu)
{
	unsigned int fl = fflags(p, ev->func);
	struct call_row r;
	int k, rc;

	if (fl & FUNC_SYSCALL) {
		rc = close_open_syscalls(p, s, ev->func, ev->ts);
		if (rc)
			return rc;
	}
	k = find_frame(p, s, ev);
	if (k >= 0) {
		/* calls opened above it never returned */
		rc = pop_above(p, s, k + 1, ev->ts);
		if (!rc)
			rc = emit_frame(p, s, k, ev, CALL_COMPLETE);
		s->n = k;
		return rc;
	}
	if ((fl & FUNC_EXEC) && ev->has_ret && ev->ret == 0) {
		bool done = false;

		rc = exec_elsewhere(p, ev, &done);
		if (rc || done)
			return rc;
	}
	if (fl & FUNC_ENTRY_FILTERED)
		return 0;	/* a call the recorder's filter dropped */
	r = (struct call_row){
		.id = p->next_id++, .func = ev->func, .tid = ev->tid,
		.pid = ev->pid, .has_return = true, .return_ts = ev->ts,
		.depth = s->n, .parent_id = s->n ? s->v[s->n - 1].id : 0,
		.has_caller = ev->has_caller, .caller = ev->caller,
		.has_ret = ev->has_ret, .ret = ev->ret,
		.return_event_id = ev->event_id, .entry_cpu = -1,
		.return_cpu = ev->cpu, .status = CALL_NO_ENTRY,
		.out = { .has_caller = ev->has_caller, .caller = ev->caller,
			 .has_sp = ev->has_sp, .sp = ev->sp, .has_ip = ev->has_ip,
			 .ip = ev->ip, .stored = ev->stored },
		.return_probe = ev->probe_id,
	};
	if ((fl & FUNC_FORK) && ev->has_ret && ev->ret == 0)
		r.status = CALL_FORK_CHILD;
	else if (lost_during(p, cpu_bit(ev->cpu) | (prev_cpu >= 0 ? cpu_bit(prev_cpu) : 0),
			     prev_ts, ev->ts))
		r.status = CALL_LOST;	/* its entry may be among them */
	return emit_row(p, &r);
}

int pairer_feed(struct pairer *p, const struct call_event *ev)
{
	struct tstack *s = get_stack(p, ev->tid);
	uint64_t prev_ts;
	int prev_cpu;

	if (!s)
		return -ENOMEM;
	if (ev->cpu != s->last_cpu) {
		/* migrated: losses on this CPU concern its open calls too */
		for (int k = 0; k < s->n; k++)
			s->v[k].cpus |= cpu_bit(ev->cpu);
	}
	prev_ts = s->last_ts;
	prev_cpu = s->last_cpu;
	s->last_cpu = ev->cpu;
	s->last_ts = ev->ts;
	if (ev->ts > p->last_ts)
		p->last_ts = ev->ts;
	if (!ev->is_return)
		return push_entry(p, s, ev);
	return feed_return(p, s, ev, prev_ts, prev_cpu);
}

int pairer_finish(struct pairer *p)
{
	int rc = 0;

	for (size_t i = 0; i < p->cap && !rc; i++)
		if (p->t[i].tid >= 0)
			rc = pop_above(p, &p->t[i], 0, p->last_ts);
	return rc;
}

void pairer_counts(const struct pairer *p, uint64_t counts[CALL_NSTATUS])
{
	memcpy(counts, p->counts, sizeof(p->counts));
}
