/* SPDX-License-Identifier: MIT */
/*
 * "Did you mean" for names the user typed: functions of a binary,
 * tracepoints, libraries. Close means one or two edits away, or the typed
 * name as a prefix.
 */
#ifndef UKT_SUGGEST_H
#define UKT_SUGGEST_H

#include <stddef.h>

#include "uktrace/buf.h"

/* The i-th candidate name of ctx. */
typedef const char *(*suggest_name_fn)(const void *ctx, size_t i);

/*
 * Append up to max of the n candidates close to name to out, as "'a',
 * 'b'" (closest first, each once). Returns how many.
 */
int suggest(const char *name, const void *ctx, size_t n, suggest_name_fn get,
	    struct ukt_buf *out, int max);

#endif
