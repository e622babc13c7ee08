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
	bool lost;
	int cpu;
	int pid;
	char *args;
};

struct tstack {
	int tid;		/* -1: empty slot */
	int last_cpu;
	struct frame *v;
	int n, cap;
};

struct pairer {
	call_emit_fn emit;
	void *ctx;
	struct tstack *t;	/* open addressing on tid */
	size_t cap, used;
	int64_t next_id;
	uint64_t counts[4];
};

const char *call_status_name(enum call_status s)
{
	static const char *const names[] = { "complete", "no_return", "no_entry", "lost" };

	return names[s];
}

struct pairer *pairer_new(call_emit_fn emit, void *ctx)
{
	struct pairer *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->emit = emit;
	p->ctx = ctx;
	p->next_id = 1;
	p->cap = 256;
	p->t = malloc(p->cap * sizeof(*p->t));
	if (!p->t) {
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
	free(p->t);
	free(p);
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
	p->t[i] = (struct tstack){ .tid = tid };
	p->used++;
	return &p->t[i];
}

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
		.args = f->args, .status = st,
	};
	int rc;

	if (ret) {
		r.has_return = true;
		r.return_ts = ret->ts;
		r.return_event_id = ret->event_id;
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
		if (r.status == CALL_COMPLETE && f->lost)
			r.status = CALL_LOST;
		/* the parent's self time excludes this call */
		if (k && r.status == CALL_COMPLETE)
			s->v[k - 1].child_ns += r.duration;
	}
	p->counts[r.status]++;
	rc = p->emit(p->ctx, &r);
	free(f->args);
	f->args = NULL;
	return rc;
}

int pairer_feed(struct pairer *p, const struct call_event *ev)
{
	struct tstack *s = get_stack(p, ev->tid);
	int rc = 0;

	if (!s)
		return -ENOMEM;
	s->last_cpu = ev->cpu;
	if (!ev->is_return) {
		struct frame *f;

		if (s->n == s->cap) {
			int cap = s->cap ? s->cap * 2 : 8;
			void *v = reallocarray(s->v, (size_t)cap, sizeof(*s->v));

			if (!v)
				return -ENOMEM;
			s->v = v;
			s->cap = cap;
		}
		f = &s->v[s->n++];
		*f = (struct frame){
			.id = p->next_id++, .func = ev->func, .entry_ts = ev->ts,
			.entry_event_id = ev->event_id, .has_caller = ev->has_caller,
			.caller = ev->caller, .cpu = ev->cpu, .pid = ev->pid,
			.args = ev->args ? strdup(ev->args) : NULL,
		};
		return 0;
	}
	/* a return: the innermost open call of the same function */
	for (int k = s->n - 1; k >= 0; k--) {
		if (s->v[k].func != ev->func)
			continue;
		/* calls opened above it never returned (their returns lost) */
		for (int j = s->n - 1; j > k && !rc; j--)
			rc = emit_frame(p, s, j, NULL, CALL_NO_RETURN);
		if (!rc)
			rc = emit_frame(p, s, k, ev, CALL_COMPLETE);
		s->n = k;
		return rc;
	}
	{
		struct call_row r = {
			.id = p->next_id++, .func = ev->func, .tid = ev->tid,
			.pid = ev->pid, .has_return = true, .return_ts = ev->ts,
			.depth = s->n, .parent_id = s->n ? s->v[s->n - 1].id : 0,
			.has_caller = ev->has_caller, .caller = ev->caller,
			.has_ret = ev->has_ret, .ret = ev->ret,
			.return_event_id = ev->event_id, .entry_cpu = ev->cpu,
			.status = CALL_NO_ENTRY,
		};

		p->counts[CALL_NO_ENTRY]++;
		return p->emit(p->ctx, &r);
	}
}

void pairer_missed(struct pairer *p, int cpu)
{
	for (size_t i = 0; i < p->cap; i++) {
		struct tstack *s = &p->t[i];

		if (s->tid < 0 || s->last_cpu != cpu)
			continue;
		for (int k = 0; k < s->n; k++)
			s->v[k].lost = true;
	}
}

int pairer_finish(struct pairer *p)
{
	int rc = 0;

	for (size_t i = 0; i < p->cap && !rc; i++) {
		struct tstack *s = &p->t[i];

		while (s->tid >= 0 && s->n > 0 && !rc) {
			rc = emit_frame(p, s, s->n - 1, NULL, CALL_NO_RETURN);
			s->n--;
		}
	}
	return rc;
}

void pairer_counts(const struct pairer *p, uint64_t counts[4])
{
	memcpy(counts, p->counts, sizeof(p->counts));
}
