// SPDX-License-Identifier: MIT
/* The hash index (include/uktrace/hidx.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "uktrace/hidx.h"

uint64_t ukt_hash64(uint64_t k)
{
	/* splitmix64's finalizer: every bit of k reaches every bit */
	k ^= k >> 30;
	k *= 0xbf58476d1ce4e5b9ull;
	k ^= k >> 27;
	k *= 0x94d049bb133111ebull;
	return k ^ (k >> 31);
}

uint64_t ukt_hash_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return ukt_hash64(h);
}

uint64_t ukt_hash_str(const char *s)
{
	return ukt_hash_bytes(s, strlen(s));
}

struct ukt_hidx_walk ukt_hidx_walk(const struct ukt_hidx *x, uint64_t h)
{
	struct ukt_hidx_walk w = { h, x->nslots ? (size_t)h & (x->nslots - 1) : 0 };

	return w;
}

long ukt_hidx_next(const struct ukt_hidx *x, struct ukt_hidx_walk *w)
{
	while (x->nslots && x->slot[w->at]) {
		size_t k = w->at;

		w->at = (w->at + 1) & (x->nslots - 1);
		if (x->hash[k] == w->h)
			return (long)(x->slot[k] - 1);
	}
	return -1;
}

static void put(size_t *slot, uint64_t *hash, size_t nslots, uint64_t h, size_t e)
{
	size_t k = (size_t)h & (nslots - 1);

	while (slot[k])
		k = (k + 1) & (nslots - 1);
	slot[k] = e;
	hash[k] = h;
}

int ukt_hidx_reserve(struct ukt_hidx *x, size_t n)
{
	size_t ns = x->nslots ? x->nslots : 64;
	size_t *slot;
	uint64_t *hash;

	while (ns / 2 < n) {
		if (ns > SIZE_MAX / 2 / sizeof(*hash))
			return -ENOMEM;
		ns *= 2;
	}
	if (ns == x->nslots)
		return 0;
	slot = calloc(ns, sizeof(*slot));
	hash = malloc(ns * sizeof(*hash));
	if (!slot || !hash) {
		free(slot);
		free(hash);
		return -ENOMEM;
	}
	for (size_t k = 0; k < x->nslots; k++)
		if (x->slot[k])
			put(slot, hash, ns, x->hash[k], x->slot[k]);
	free(x->slot);
	free(x->hash);
	x->slot = slot;
	x->hash = hash;
	x->nslots = ns;
	return 0;
}

int ukt_hidx_add(struct ukt_hidx *x, uint64_t h, size_t i)
{
	int rc = ukt_hidx_reserve(x, x->n + 1);

	if (rc)
		return rc;
	put(x->slot, x->hash, x->nslots, h, i + 1);
	x->n++;
	return 0;
}

void ukt_hidx_release(struct ukt_hidx *x)
{
	free(x->slot);
	free(x->hash);
	memset(x, 0, sizeof(*x));
}
