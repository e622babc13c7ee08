// SPDX-License-Identifier: MIT
/* Stacks (stacks.h): open addressing on (kind, pid, frames). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stacks.h"

struct stack {
	enum stack_kind kind;
	int pid;
	bool complete;
	int nframes;
	size_t first;		/* into frames */
	uint64_t hash;
};

struct stacks {
	struct sites *si;
	struct stack *v;	/* id - 1 */
	size_t n, cap;
	int64_t *frames;	/* site ids of every stack */
	size_t nframes, frames_cap;
	uint32_t *slot;		/* index + 1, 0 empty */
	size_t nslots;
	struct { int64_t event, stack; } *ev;
	size_t nev, ev_cap;
	int64_t scratch[256 + 1];
};

struct stacks *stacks_new(struct sites *si)
{
	struct stacks *st = calloc(1, sizeof(*st));

	if (st)
		st->si = si;
	return st;
}

void stacks_free(struct stacks *st)
{
	if (!st)
		return;
	free(st->v);
	free(st->frames);
	free(st->slot);
	free(st->ev);
	free(st);
}

const char *stack_kind_name(enum stack_kind k)
{
	return k == STACK_KERNEL ? "kernel" : "user";
}

static uint64_t hash_of(enum stack_kind kind, int pid, const int64_t *f, int n)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)kind ^ ((uint64_t)(unsigned int)pid << 8);

	for (int i = 0; i < n; i++)
		h = (h ^ (uint64_t)f[i]) * 1099511628211ull;
	return h;
}

static bool same(const struct stacks *st, const struct stack *s, enum stack_kind kind, int pid,
		 const int64_t *f, int n)
{
	return s->kind == kind && s->pid == pid && s->nframes == n &&
	       !memcmp(st->frames + s->first, f, (size_t)n * sizeof(*f));
}

static int grow_slots(struct stacks *st)
{
	size_t ns = st->nslots ? st->nslots * 2 : 256;
	uint32_t *sl = calloc(ns, sizeof(*sl));

	if (!sl)
		return -ENOMEM;
	for (size_t i = 0; i < st->n; i++) {
		size_t k = st->v[i].hash & (ns - 1);

		while (sl[k])
			k = (k + 1) & (ns - 1);
		sl[k] = (uint32_t)i + 1;
	}
	free(st->slot);
	st->slot = sl;
	st->nslots = ns;
	return 0;
}

static int reserve(void **v, size_t *cap, size_t need, size_t size)
{
	size_t nc = *cap ? *cap : 64;
	void *p;

	if (need <= *cap)
		return 0;
	while (nc < need) {
		if (nc > SIZE_MAX / 2 / size)
			return -ENOMEM;
		nc *= 2;
	}
	p = realloc(*v, nc * size);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = nc;
	return 0;
}

/* Whether the frame's symbol is where a thread's stack begins: the walk
 * reached the bottom. */
static bool outermost(const char *sym)
{
	static const char *const roots[] = {
		"_start", "__libc_start_main", "__libc_start_call_main", "start_thread",
		"clone", "clone3", "__clone", "__clone3", "thread_start",
	};
	size_t n = strcspn(sym, "+");

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
		if (strlen(roots[i]) == n && !strncmp(sym, roots[i], n))
			return true;
	return false;
}

static int find_or_add(struct stacks *st, enum stack_kind kind, int pid, const int64_t *f,
		       int n, bool cut, int64_t *id)
{
	uint64_t h = hash_of(kind, pid, f, n);
	size_t k;
	struct stack *s;
	int rc;

	if (st->n + 1 > st->nslots / 2 && (rc = grow_slots(st)))
		return rc;
	for (k = h & (st->nslots - 1); st->slot[k]; k = (k + 1) & (st->nslots - 1)) {
		s = &st->v[st->slot[k] - 1];
		if (s->hash == h && same(st, s, kind, pid, f, n)) {
			*id = st->slot[k];
			return 0;
		}
	}
	if (st->n >= UINT32_MAX - 1)
		return -ENOMEM;
	if ((rc = reserve((void **)&st->v, &st->cap, st->n + 1, sizeof(*st->v))) ||
	    (rc = reserve((void **)&st->frames, &st->frames_cap, st->nframes + (size_t)n,
			  sizeof(*st->frames))))
		return rc;
	s = &st->v[st->n];
	*s = (struct stack){ .kind = kind, .pid = pid, .nframes = n, .first = st->nframes,
			     .hash = h };
	memcpy(st->frames + st->nframes, f, (size_t)n * sizeof(*f));
	st->nframes += (size_t)n;
	if (kind == STACK_KERNEL) {
		s->complete = !cut && n > 0;
	} else if (!cut && n > 0) {
		const char *sym, *obj;
		uint64_t addr;
		int spid;

		sites_at(st->si, (size_t)(f[n - 1] - 1), &spid, &addr, &sym, &obj);
		s->complete = sym && outermost(sym);
	}
	st->slot[k] = (uint32_t)++st->n;
	*id = (int64_t)st->n;
	return 0;
}

int stacks_add(struct stacks *st, int64_t event_id, enum stack_kind kind, int pid,
	       const uint64_t *addrs, int n, bool cut, uint64_t ts)
{
	int64_t id;
	int rc;

	if (n > 256)
		n = 256;
	if (kind == STACK_KERNEL)
		pid = 0;	/* the kernel's addresses are everyone's */
	for (int i = 0; i < n; i++) {
		rc = sites_get(st->si, pid, addrs[i], ts, &st->scratch[i]);
		if (rc)
			return rc;
	}
	rc = find_or_add(st, kind, pid, st->scratch, n, cut, &id);
	if (!rc)
		rc = reserve((void **)&st->ev, &st->ev_cap, st->nev + 1, sizeof(*st->ev));
	if (rc)
		return rc;
	st->ev[st->nev].event = event_id;
	st->ev[st->nev++].stack = id;
	return 0;
}

size_t stacks_count(const struct stacks *st)
{
	return st->n;
}

void stacks_at(const struct stacks *st, size_t i, struct stack_info *out)
{
	const struct stack *s = &st->v[i];

	*out = (struct stack_info){ .kind = s->kind, .pid = s->pid, .complete = s->complete,
				    .nframes = s->nframes, .frames = st->frames + s->first };
}

size_t stacks_nevents(const struct stacks *st)
{
	return st->nev;
}

void stacks_event_at(const struct stacks *st, size_t i, int64_t *event_id, int64_t *stack_id)
{
	*event_id = st->ev[i].event;
	*stack_id = st->ev[i].stack;
}
