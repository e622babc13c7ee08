// SPDX-License-Identifier: MIT
/* Call sites (sites.h): found by a hash of (pid, address). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sites.h"
#include "uktrace/hidx.h"
#include "uktrace/vec.h"

struct site {
	int pid;
	uint64_t addr;
	char *sym, *obj;
};

struct sites {
	const struct symbolizer *sy;
	struct site *v;		/* id - 1 */
	size_t n, cap;
	struct ukt_hidx idx;	/* v by (pid, addr) */
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
	ukt_hidx_release(&s->idx);
	ukt_buf_release(&s->sym);
	ukt_buf_release(&s->obj);
	free(s);
}

static uint64_t hash(int pid, uint64_t addr)
{
	return ukt_hash64(addr ^ ukt_hash64((uint64_t)(unsigned int)pid));
}

int sites_get(struct sites *s, int pid, uint64_t addr, uint64_t ts, int64_t *id)
{
	uint64_t h = hash(pid, addr);
	struct ukt_hidx_walk w = ukt_hidx_walk(&s->idx, h);
	struct site *e;
	long i;

	while ((i = ukt_hidx_next(&s->idx, &w)) >= 0) {
		e = &s->v[i];
		if (e->pid == pid && e->addr == addr) {
			*id = i + 1;
			return 0;
		}
	}
	if (UKT_GROW(s->v, s->cap, s->n) || ukt_hidx_reserve(&s->idx, s->n + 1))
		return -ENOMEM;
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
	ukt_hidx_add(&s->idx, h, s->n);	/* reserved: cannot fail */
	*id = (int64_t)++s->n;
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
