/* SPDX-License-Identifier: MIT */
/*
 * Caller names for the calls table, resolved once per (pid, address): a
 * hot loop calls from a handful of places, so the symbolizer runs once per
 * call site, not once per call. When the cache fills, names are resolved
 * every time (correct, only slower).
 */
#ifndef UKT_CALLERNAME_H
#define UKT_CALLERNAME_H

#include <stdint.h>

#include "symbolize.h"
#include "uktrace/buf.h"

struct caller_names;

/* A cache over sy (which must outlive it). NULL on ENOMEM. */
struct caller_names *caller_names_new(const struct symbolizer *sy);
void caller_names_free(struct caller_names *c);

/*
 * The name ("sym+0xoff", or what symbolize() gives) and object of addr in
 * process pid at time ts; valid until the next call. 0 or -ENOMEM.
 */
int caller_names_get(struct caller_names *c, int pid, uint64_t addr,
		     uint64_t ts, const char **sym, const char **obj);

#endif
