/* SPDX-License-Identifier: MIT */
/*
 * Call sites: each (process, caller address) named once and numbered, so
 * a call row holds a small site id instead of its caller's name, object
 * and address (the sites table; the calls view joins them back). A hot
 * loop calls from a handful of places: the symbolizer runs once per site.
 */
#ifndef UKT_SITES_H
#define UKT_SITES_H

#include <stddef.h>
#include <stdint.h>

#include "symbolize.h"

struct sites;

/* Sites named through sy (which must outlive them). NULL on ENOMEM. */
struct sites *sites_new(const struct symbolizer *sy);
void sites_free(struct sites *s);

/*
 * The id (1, 2, ...) of addr in process pid, resolved at time ts the
 * first time it is seen. 0 or -ENOMEM.
 */
int sites_get(struct sites *s, int pid, uint64_t addr, uint64_t ts, int64_t *id);

/* The sites so far: count, and site id i + 1's fields. */
size_t sites_count(const struct sites *s);
void sites_at(const struct sites *s, size_t i, int *pid, uint64_t *addr,
	      const char **symbol, const char **object);

#endif
