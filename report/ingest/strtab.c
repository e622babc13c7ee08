// SPDX-License-Identifier: MIT
/* Distinct strings by number (strtab.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strtab.h"
#include "uktrace/vec.h"

static long find(const struct strtab *t, const char *s, uint64_t h)
{
	struct ukt_hidx_walk w = ukt_hidx_walk(&t->idx, h);
	long i;

	while ((i = ukt_hidx_next(&t->idx, &w)) >= 0)
		if (!strcmp(t->s[i], s))
			return i;
	return -1;
}

long strtab_intern(struct strtab *t, const char *s)
{
	uint64_t h = ukt_hash_str(s);
	long i = find(t, s, h);

	if (i >= 0)
		return i;
	if (UKT_GROW(t->s, t->cap, t->n) || ukt_hidx_reserve(&t->idx, t->n + 1))
		return -ENOMEM;
	t->s[t->n] = strdup(s);
	if (!t->s[t->n] || ukt_hidx_add(&t->idx, h, t->n)) {
		free(t->s[t->n]);
		return -ENOMEM;
	}
	return (long)t->n++;
}

long strtab_find(const struct strtab *t, const char *s)
{
	return find(t, s, ukt_hash_str(s));
}

void strtab_release(struct strtab *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->s[i]);
	free(t->s);
	ukt_hidx_release(&t->idx);
	memset(t, 0, sizeof(*t));
}
