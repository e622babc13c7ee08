// SPDX-License-Identifier: MIT
/* Growable arrays: see include/uktrace/vec.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "uktrace/vec.h"

int ukt_grow(void *v, size_t *cap, size_t n, size_t size)
{
	void **pv = v;
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap <= n)
		ncap = n + 1;
	if (size && ncap > SIZE_MAX / size)
		return -ENOMEM;
	p = reallocarray(*pv, ncap, size);
	if (!p)
		return -ENOMEM;
	*pv = p;
	*cap = ncap;
	return 0;
}

int ukt_grow_counted(void *v, size_t n, size_t size)
{
	size_t cap = n;		/* the capacity n implies, when full */

	if (n && (n < 16 || (n & (n - 1))))
		return 0;	/* room already */
	if (n == 0)
		cap = 0;
	return ukt_grow(v, &cap, n, size);
}
