// SPDX-License-Identifier: MIT
/* Caller-name cache (callername.h): open addressing on (pid, address). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "callername.h"

#define CACHE_SLOTS (1u << 14)

struct slot {
	int pid;
	uint64_t addr;
	char *sym, *obj;	/* sym NULL: empty slot */
};

struct caller_names {
	const struct symbolizer *sy;
	struct slot *v;
	size_t used;
	struct ukt_buf sym, obj;	/* the last uncached answer */
};

struct caller_names *caller_names_new(const struct symbolizer *sy)
{
	struct caller_names *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->sy = sy;
	ukt_buf_init(&c->sym);
	ukt_buf_init(&c->obj);
	c->v = calloc(CACHE_SLOTS, sizeof(*c->v));
	if (!c->v) {
		free(c);
		return NULL;
	}
	return c;
}

void caller_names_free(struct caller_names *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		free(c->v[i].sym);
		free(c->v[i].obj);
	}
	free(c->v);
	ukt_buf_release(&c->sym);
	ukt_buf_release(&c->obj);
	free(c);
}

int caller_names_get(struct caller_names *c, int pid, uint64_t addr,
		     uint64_t ts, const char **sym, const char **obj)
{
	size_t i = (size_t)((addr * 0x9e3779b97f4a7c15ull) >> 40 ^ (uint64_t)pid) & (CACHE_SLOTS - 1);

	for (size_t n = 0; n < CACHE_SLOTS; n++, i = (i + 1) & (CACHE_SLOTS - 1)) {
		struct slot *s = &c->v[i];

		if (s->sym && s->pid == pid && s->addr == addr) {
			*sym = s->sym;
			*obj = s->obj;
			return 0;
		}
		if (s->sym)
			continue;
		symbolize(c->sy, pid, addr, ts, &c->sym, &c->obj);
		*sym = c->sym.data;
		*obj = c->obj.data;
		if (c->used * 4 >= CACHE_SLOTS * 3)
			return 0;	/* full: do not cache */
		s->sym = strdup(*sym);
		s->obj = strdup(*obj);
		if (!s->sym || !s->obj) {
			free(s->sym);
			free(s->obj);
			s->sym = s->obj = NULL;
			return -ENOMEM;
		}
		s->pid = pid;
		s->addr = addr;
		c->used++;
		return 0;
	}
	return 0;
}
