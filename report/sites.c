// SPDX-License-Identifier: MIT
/* Call sites (sites.h): open addressing on (pid, address). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sites.h"

struct site {
	int pid;
	uint64_t addr;
	char *sym, *obj;
};

struct sites {
	const struct symbolizer *sy;
	struct site *v;		/* id - 1 */
	size_t n, cap;
	uint32_t *slot;		/* index + 1, 0 empty */
	size_t nslots;
	struct ukt_buf sym, obj;
};

struct sites *sites_new(const struct symbolizer *sy)
{
	struct sites *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->sy = sy;
	ukt_buf_init(&s->sym);
	ukt_buf_init(&s->obj);
	return s;
}

void sites_free(struct sites *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].sym);
		free(s->v[i].obj);
	}
	free(s->v);
	free(s->slot);
	ukt_buf_release(&s->sym);
	ukt_buf_release(&s->obj);
	free(s);
}

static size_t hash(int pid, uint64_t addr, size_t nslots)
{
	return (size_t)(((addr * 0x9e3779b97f4a7c15ull) >> 32) ^ (uint64_t)(unsigned int)pid *
			0x85ebca6bu) & (nslots - 1);
}

static int grow(struct sites *s)
{
	size_t ns = s->nslots ? s->nslots * 2 : 1024;
	uint32_t *sl = calloc(ns, sizeof(*sl));

	if (!sl)
		return -ENOMEM;
	for (size_t k = 0; k < s->n; k++) {
		size_t i = hash(s->v[k].pid, s->v[k].addr, ns);

		while (sl[i])
			i = (i + 1) & (ns - 1);
		sl[i] = (uint32_t)(k + 1);
	}
	free(s->slot);
	s->slot = sl;
	s->nslots = ns;
	return 0;
}

int sites_get(struct sites *s, int pid, uint64_t addr, uint64_t ts, int64_t *id)
{
	struct site *e;
	size_t i;

	if ((s->n + 1) * 2 > s->nslots && grow(s))
		return -ENOMEM;
	for (i = hash(pid, addr, s->nslots); s->slot[i]; i = (i + 1) & (s->nslots - 1)) {
		e = &s->v[s->slot[i] - 1];
		if (e->pid == pid && e->addr == addr) {
			*id = s->slot[i];
			return 0;
		}
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		void *p = reallocarray(s->v, cap, sizeof(*s->v));

		if (!p)
			return -ENOMEM;
		s->v = p;
		s->cap = cap;
	}
	symbolize(s->sy, pid, addr, ts, &s->sym, &s->obj);
	e = &s->v[s->n];
	e->pid = pid;
	e->addr = addr;
	e->sym = strdup(s->sym.data);
	e->obj = strdup(s->obj.data);
	if (!e->sym || !e->obj) {
		free(e->sym);
		free(e->obj);
		return -ENOMEM;
	}
	s->slot[i] = (uint32_t)++s->n;
	*id = (int64_t)s->n;
	return 0;
}

size_t sites_count(const struct sites *s)
{
	return s->n;
}

void sites_at(const struct sites *s, size_t i, int *pid, uint64_t *addr,
	      const char **symbol, const char **object)
{
	*pid = s->v[i].pid;
	*addr = s->v[i].addr;
	*symbol = s->v[i].sym;
	*object = s->v[i].obj;
}
