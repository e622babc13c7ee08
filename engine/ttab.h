/* SPDX-License-Identifier: MIT */
/*
 * The engine's table of per-thread state, by thread id (open addressing):
 * the pairer's stacks and the nesting tracker's. Internal to engine/.
 * Each slot is esize bytes and begins with its thread's int tid, TTAB_EMPTY
 * in an empty slot (a tid no kernel gives: a hostile trace's INT_MIN is
 * taken as INT_MIN + 1). Slot pointers last until the next ttab_get
 * (which may grow the table).
 */
#ifndef UKT_ENGINE_TTAB_H
#define UKT_ENGINE_TTAB_H

#include <limits.h>
#include <stddef.h>

#define TTAB_EMPTY INT_MIN

struct ttab {
	char *v;
	size_t esize, cap, used;
};

/* A table of slots of esize bytes (at least an int), room for cap/2
 * threads before it grows (cap: a power of two). 0 or -ENOMEM. */
int ttab_init(struct ttab *t, size_t esize, size_t cap);
/* Free the table (not what its slots point to: free that first). */
void ttab_release(struct ttab *t);

/* Slot i (0 <= i < cap), empty or not. */
static inline void *ttab_at(const struct ttab *t, size_t i)
{
	return t->v + i * t->esize;
}

/* Whether slot i holds a thread. */
static inline int ttab_used(const struct ttab *t, size_t i)
{
	return *(const int *)ttab_at(t, i) != TTAB_EMPTY;
}

/* tid's slot, or NULL. */
void *ttab_find(const struct ttab *t, int tid);
/* tid's slot, added (zeroed but for tid) when absent; NULL on ENOMEM. */
void *ttab_get(struct ttab *t, int tid);

#endif
