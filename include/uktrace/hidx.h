/* SPDX-License-Identifier: MIT */
/*
 * A hash index over an array its user owns: element i (a size_t) is
 * filed under its 64-bit hash, and found again by walking the elements
 * filed under a hash and comparing them as the user knows how. Linear
 * probing over power-of-two slots, at most half full; each slot keeps
 * its element's hash, so growing needs no callback and a walk compares
 * only elements whose whole hash matches. The one hash table of uktrace
 * (strings, call sites, flame graph frames, a trace's repeated blocks).
 *
 *	struct ukt_hidx_walk w = ukt_hidx_walk(&x, h);
 *	long i;
 *
 *	while ((i = ukt_hidx_next(&x, &w)) >= 0)
 *		if (equal(v[i], key))
 *			return i;
 *	ukt_hidx_add(&x, h, n);		// then v[n++] = key
 */
#ifndef UKT_HIDX_H
#define UKT_HIDX_H

#include <stddef.h>
#include <stdint.h>

struct ukt_hidx {
	size_t *slot;		/* element + 1, 0: empty */
	uint64_t *hash;		/* per slot: its element's hash */
	size_t nslots, n;
};

struct ukt_hidx_walk {
	uint64_t h;
	size_t at;		/* the next slot to look at */
};

/* Start a walk over the elements filed under h. */
struct ukt_hidx_walk ukt_hidx_walk(const struct ukt_hidx *x, uint64_t h);
/* The next element filed under the walk's hash, or -1: none left. */
long ukt_hidx_next(const struct ukt_hidx *x, struct ukt_hidx_walk *w);
/* File element i under h (growing: 0 or -ENOMEM, x unchanged). */
int ukt_hidx_add(struct ukt_hidx *x, uint64_t h, size_t i);
/* Room for n elements in all without growing again. 0 or -ENOMEM. */
int ukt_hidx_reserve(struct ukt_hidx *x, size_t n);
void ukt_hidx_release(struct ukt_hidx *x);

/* Hashes that spread: of a 64-bit key, and of bytes (FNV-1a, mixed). */
uint64_t ukt_hash64(uint64_t k);
uint64_t ukt_hash_bytes(const void *p, size_t n);
uint64_t ukt_hash_str(const char *s);

#endif
