/* SPDX-License-Identifier: MIT */
/*
 * Per-function call statistics computed in one ordered pass: the same
 * numbers as the call_stats view (exact nearest-rank percentiles over
 * complete calls), without the window function that makes the view take
 * seconds on millions of calls. Used by the import (to materialize the
 * call_summary table) and by summary with filters.
 */
#ifndef UKT_STATS_H
#define UKT_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "uktrace/buf.h"

struct db;
struct db_stmt;

/* A WHERE clause on calls with ? placeholders and their values. */
struct sql_filter {
	struct ukt_buf where;
	int nbind;
	struct { bool is_text; int64_t i; const char *s; } bind[8];
};

void filter_add(struct sql_filter *f, const char *cond);
void filter_int(struct sql_filter *f, const char *cond, int64_t v);
/* one more value for the last condition's next placeholder */
void filter_more_int(struct sql_filter *f, int64_t v);
void filter_text(struct sql_filter *f, const char *cond, const char *v);
void filter_bind(struct db_stmt *s, const struct sql_filter *f, int first);
void filter_release(struct sql_filter *f);

enum { S_CALLS, S_INCOMPLETE, S_TOTAL, S_SELF, S_MIN, S_AVG, S_P50, S_P90,
       S_P99, S_MAX, S_NCOLS };

struct stats_row {
	char *k1, *k2;		/* func, and the second key as text (--by) */
	int64_t k2i;
	bool k2_is_int, k2_null;
	int64_t v[S_NCOLS];
	bool null[S_NCOLS];
};

/*
 * Statistics grouped by keys ("func", or "func, pid" / "func, comm":
 * kcols 1 or 2) over the calls that f selects (f may be NULL).
 * 0, or negative with SQLite's message in err.
 */
int stats_compute(struct db *d, const char *keys, int kcols,
		  const struct sql_filter *f, struct stats_row **rows,
		  size_t *n, struct ukt_buf *err);
void stats_free(struct stats_row *rows, size_t n);

#endif
