/* SPDX-License-Identifier: MIT */
/*
 * Sums of times from a trace file, held at the ends of int64_t: a crafted
 * file's timestamps may be anything, and their sums must not overflow
 * (undefined behaviour in C), nor wrap into nonsense of the other sign.
 */
#ifndef UKT_SATMATH_H
#define UKT_SATMATH_H

#include <stdint.h>

static inline int64_t sat_add(int64_t a, int64_t b)
{
	int64_t r;

	if (!__builtin_add_overflow(a, b, &r))
		return r;
	return b > 0 ? INT64_MAX : INT64_MIN;
}

static inline int64_t sat_sub(int64_t a, int64_t b)
{
	int64_t r;

	if (!__builtin_sub_overflow(a, b, &r))
		return r;
	return b < 0 ? INT64_MAX : INT64_MIN;
}

#endif
