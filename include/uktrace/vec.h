/* SPDX-License-Identifier: MIT */
/* Growable arrays: the one growth rule every list in uktrace uses. */
#ifndef UKT_VEC_H
#define UKT_VEC_H

#include <stddef.h>

/* Make room in *v (an array of *cap elements of size bytes) for element n,
 * doubling the capacity (16 at first), so that n appends cost O(n) copies
 * whatever the allocator does with realloc (ASan's always moves).
 * v is the address of the array pointer. 0, or -ENOMEM with *v and *cap
 * unchanged. */
int ukt_grow(void *v, size_t *cap, size_t n, size_t size);

/* ukt_grow for an array pointer p and its size_t capacity c. */
#define UKT_GROW(p, c, n) ukt_grow(&(p), &(c), (n), sizeof(*(p)))

/* ukt_grow for an array with no capacity of its own, only ever grown by
 * this function as its count n rises one by one: the capacity is implied
 * by n (16, then each power of two), so it grows at 0, 16, 32, 64...
 * Never mix with another growth of the same array. 0, or -ENOMEM. */
int ukt_grow_counted(void *v, size_t n, size_t size);

#endif
