// SPDX-License-Identifier: MIT
/*
 * Calls read back in id order, placed under their parents (uktrace/
 * pair.h, pair_nest). Per thread, the chain of calls that may still be a
 * later call's parent: a call's parent entered before it and is open when
 * it enters, so the calls after the parent in the chain have ended.
 */
#include <errno.h>
#include <stdlib.h>

#include "ttab.h"
#include "uktrace/pair.h"

struct chain {
	int tid;		/* first: a slot of struct ttab */
	struct { int64_t id; int val; } *v;
	int n, cap;
};

struct pair_nest {
	struct ttab t;		/* struct chain per thread */
};

struct pair_nest *pair_nest_new(void)
{
	struct pair_nest *n = calloc(1, sizeof(*n));

	if (n && ttab_init(&n->t, sizeof(struct chain), 64)) {
		free(n);
		return NULL;
	}
	return n;
}

void pair_nest_free(struct pair_nest *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->t.cap; i++)
		if (ttab_used(&n->t, i))
			free(((struct chain *)ttab_at(&n->t, i))->v);
	ttab_release(&n->t);
	free(n);
}

int pair_nest_parent(struct pair_nest *n, int tid, int64_t parent_id, int *val)
{
	struct chain *c = ttab_find(&n->t, tid);

	if (!c)
		return 0;
	while (c->n && c->v[c->n - 1].id != parent_id)
		c->n--;
	if (!c->n || !parent_id)
		return 0;
	*val = c->v[c->n - 1].val;
	return 1;
}

int pair_nest_add(struct pair_nest *n, int tid, int64_t id, int val)
{
	struct chain *c = ttab_get(&n->t, tid);

	if (!c)
		return -ENOMEM;
	if (c->n == c->cap) {
		int cap = c->cap ? c->cap * 2 : 16;
		void *v = reallocarray(c->v, (size_t)cap, sizeof(*c->v));

		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n].id = id;
	c->v[c->n++].val = val;
	return 0;
}
