// SPDX-License-Identifier: MIT
/* Distinct strings by number (strtab.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strtab.h"

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */

	while (*s)
		h = (h ^ (uint8_t)*s++) * 1099511628211ull;
	return h;
}

long strtab_intern(struct strtab *t, const char *s)
{
	size_t i;

	if ((t->n + 1) * 2 > t->nslots) {
		size_t ns = t->nslots ? t->nslots * 2 : 64;
		size_t *sl = calloc(ns, sizeof(*sl));

		if (!sl)
			return -ENOMEM;
		for (size_t k = 0; k < t->n; k++) {
			for (i = hash_str(t->s[k]) & (ns - 1); sl[i]; i = (i + 1) & (ns - 1))
				;
			sl[i] = k + 1;
		}
		free(t->slot);
		t->slot = sl;
		t->nslots = ns;
	}
	for (i = hash_str(s) & (t->nslots - 1); t->slot[i]; i = (i + 1) & (t->nslots - 1))
		if (!strcmp(t->s[t->slot[i] - 1], s))
			return (long)(t->slot[i] - 1);
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		void *p = reallocarray(t->s, cap, sizeof(*t->s));

		if (!p)
			return -ENOMEM;
		t->s = p;
		t->cap = cap;
	}
	t->s[t->n] = strdup(s);
	if (!t->s[t->n])
		return -ENOMEM;
	t->slot[i] = ++t->n;
	return (long)(t->n - 1);
}

long strtab_find(const struct strtab *t, const char *s)
{
	if (!t->nslots)
		return -1;
	for (size_t i = hash_str(s) & (t->nslots - 1); t->slot[i]; i = (i + 1) & (t->nslots - 1))
		if (!strcmp(t->s[t->slot[i] - 1], s))
			return (long)(t->slot[i] - 1);
	return -1;
}

void strtab_release(struct strtab *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->s[i]);
	free(t->s);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}
