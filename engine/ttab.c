// SPDX-License-Identifier: MIT
/* The engine's per-thread table (ttab.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ttab.h"

static size_t hslot(size_t cap, int tid)
{
	return ((size_t)(unsigned int)tid * 2654435761u) & (cap - 1);
}

static void set_tid(void *slot, int tid)
{
	memcpy(slot, &tid, sizeof(tid));
}

static void *alloc_slots(size_t esize, size_t cap)
{
	char *v = malloc(cap * esize);

	for (size_t i = 0; v && i < cap; i++)
		set_tid(v + i * esize, TTAB_EMPTY);
	return v;
}

int ttab_init(struct ttab *t, size_t esize, size_t cap)
{
	t->esize = esize;
	t->cap = cap;
	t->used = 0;
	t->v = alloc_slots(esize, cap);
	return t->v ? 0 : -ENOMEM;
}

void ttab_release(struct ttab *t)
{
	free(t->v);
	t->v = NULL;
	t->cap = t->used = 0;
}

void *ttab_find(const struct ttab *t, int tid)
{
	if (tid == TTAB_EMPTY)
		tid = TTAB_EMPTY + 1;
	if (!t->cap)
		return NULL;
	for (size_t i = hslot(t->cap, tid); ttab_used(t, i); i = (i + 1) & (t->cap - 1))
		if (*(const int *)ttab_at(t, i) == tid)
			return ttab_at(t, i);
	return NULL;
}

static int grow(struct ttab *t)
{
	struct ttab n = { .esize = t->esize, .cap = t->cap * 2 };

	n.v = alloc_slots(n.esize, n.cap);
	if (!n.v)
		return -ENOMEM;
	for (size_t k = 0; k < t->cap; k++) {
		size_t i;

		if (!ttab_used(t, k))
			continue;
		for (i = hslot(n.cap, *(const int *)ttab_at(t, k)); ttab_used(&n, i);
		     i = (i + 1) & (n.cap - 1))
			;
		memcpy(ttab_at(&n, i), ttab_at(t, k), t->esize);
	}
	free(t->v);
	t->v = n.v;
	t->cap = n.cap;
	return 0;
}

void *ttab_get(struct ttab *t, int tid)
{
	void *slot = ttab_find(t, tid);
	size_t i;

	if (slot)
		return slot;
	if (tid == TTAB_EMPTY)
		tid = TTAB_EMPTY + 1;
	if ((t->used + 1) * 2 > t->cap && grow(t))
		return NULL;
	for (i = hslot(t->cap, tid); ttab_used(t, i); i = (i + 1) & (t->cap - 1))
		;
	slot = ttab_at(t, i);
	memset(slot, 0, t->esize);
	set_tid(slot, tid);
	t->used++;
	return slot;
}
