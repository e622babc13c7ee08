/* SPDX-License-Identifier: MIT */
/*
 * Exact call statistics of many groups in bounded memory (stats.h has the
 * definition). Durations are kept in memory up to a limit; past it, each
 * group keeps a histogram of 64 buckets per power of two, and the exact
 * percentiles come from a second pass over the same calls that keeps only
 * the values of the buckets the ranks fall in. Pure C, no SQLite: the
 * import feeds it calls as they are paired, the commands rows of a query.
 */
#ifndef UKT_STATACC_H
#define UKT_STATACC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stats.h"

struct statacc;

/* Keep at most max_values durations in memory (0: always two passes). */
struct statacc *statacc_new(size_t max_values);
void statacc_free(struct statacc *a);

/* One call of group g (0, 1, 2...: the caller's numbering). self is
 * ignored for incomplete calls. 0 or -ENOMEM. */
int statacc_add(struct statacc *a, size_t g, bool complete, int64_t dur,
		int64_t self);
/* The same, for a call that may be nested in a call of its own function
 * (call_row.recursive): its duration is left out of the total, which
 * counts each call once, at its outermost frame (stats.h). */
int statacc_add_call(struct statacc *a, size_t g, bool complete, bool nested,
		     int64_t dur, int64_t self);

/* After the last add: whether the complete calls' durations must be fed
 * again (statacc_rescan) for exact percentiles. */
bool statacc_need_rescan(struct statacc *a);
/* The second pass: every complete call's duration again, any order. */
int statacc_rescan(struct statacc *a, size_t g, int64_t dur);

/*
 * For a caller that keeps the durations for the second pass itself (a
 * stream, which cannot read its calls again): the values held in memory
 * go to keep when they outgrow it, and every later complete call's is
 * the caller's to keep while statacc_two_pass() says so (test it before
 * the add: the add that switches hands its own value over).
 */
typedef int (*statacc_keep_fn)(void *ctx, size_t g, int64_t dur);
/* Whether two passes count dur exactly as it comes (short durations):
 * it need not be kept for the second pass, nor fed to it (keep is not
 * given these). */
bool statacc_keeps(int64_t dur);
void statacc_on_switch(struct statacc *a, statacc_keep_fn keep, void *ctx);
bool statacc_two_pass(const struct statacc *a);

/* Number of groups seen (the highest g + 1). */
size_t statacc_groups(const struct statacc *a);

/* The statistics of group g into v[S_NCOLS] and null[S_NCOLS] (columns
 * of stats.h). Call after the last add (and the rescan, when needed).
 * 0 or -ENOMEM. */
int statacc_result(struct statacc *a, size_t g, int64_t *v, bool *null);

#endif
