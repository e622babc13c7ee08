/* SPDX-License-Identifier: MIT */
/*
 * A table of distinct strings, numbered in order of first appearance (a
 * hash of them finds the number): the groups of the statistics, the
 * frame names of a flame graph.
 */
#ifndef UKT_STRTAB_H
#define UKT_STRTAB_H

#include <stddef.h>

#include "uktrace/hidx.h"

struct strtab {
	char **s;		/* s[i]: the i-th distinct string */
	size_t n, cap;
	struct ukt_hidx idx;	/* s by their hash */
};

/* The number of s, added if new; or -ENOMEM. */
long strtab_intern(struct strtab *t, const char *s);
/* The number of s, or -1 when it is not in t. */
long strtab_find(const struct strtab *t, const char *s);
void strtab_release(struct strtab *t);

#endif
