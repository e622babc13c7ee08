/* SPDX-License-Identifier: MIT */
/*
 * Call statistics: their one definition, and the two ways they are
 * computed. Over the complete calls of a group: count, total (each call
 * counted once, at its outermost frame for its function: a call made
 * inside a call of its own function, call_row.recursive, adds nothing),
 * self, min, avg (of every duration, truncated to an integer), exact
 * nearest-rank percentiles (the value of rank ceil(n * pct / 100) in
 * ascending order, stats_rank), max; and the count of incomplete calls. The views (call_stats and its
 * variants, for the stock sqlite3 shell) get SQL from stats_sql_view();
 * the commands and the import's call_summary get the same numbers from
 * stats_compute(), without the window function that makes the view take
 * seconds on millions of calls. tests/unit/test_stats.c holds the two to
 * each other.
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
void filter_more_text(struct sql_filter *f, const char *v);
void filter_bind(struct db_stmt *s, const struct sql_filter *f, int first);
void filter_release(struct sql_filter *f);

/* What the summary's table says above it (the rule of total above). */
#define STATS_SUMMARY_HEADER \
	"complete calls only; total counts each call once, at its outermost frame for its function"

enum { S_CALLS, S_INCOMPLETE, S_TOTAL, S_SELF, S_MIN, S_AVG, S_P50, S_P90,
       S_P99, S_MAX, S_NCOLS };

/* The percentiles, and the columns they go to. */
#define STATS_NPCT 3
extern const int stats_pct[STATS_NPCT];
extern const int stats_pct_col[STATS_NPCT];

/* The nearest rank (1-based) of percentile pct among n sorted values. */
static inline int64_t stats_rank(int64_t n, int pct)
{
	return (n * pct + 99) / 100;
}

/* stats_rank as SQL over the count expression n: for SQLite's views
 * (whose '/' of integers truncates) or ClickHouse's (intDiv). The one
 * spelling of the formula outside C. */
void stats_rank_sql(struct ukt_buf *out, const char *n, int pct, bool clickhouse);

/*
 * A SELECT of per-group call statistics over calls: keys is the grouping
 * (e.g. "func" or "func, pid"), where an optional filter on calls (without
 * WHERE). Columns: keys..., calls, incomplete, total_ns, self_ns, min_ns,
 * avg_ns, p50_ns, p90_ns, p99_ns, max_ns. Window functions only: works in
 * the stock sqlite3 shell.
 */
void stats_sql_view(struct ukt_buf *out, const char *keys, const char *where);

/*
 * Call chains of the calls matching where (on the calls view): the
 * frames 1..depth of each call's stack (its user stack, else its kernel
 * stack; frame 0 of a user stack is the function itself), innermost
 * first, ' <- ' between, ending in ' <- ?' when the stack was cut short
 * of depth (no frame pointers), as column 0 (NULL: no stack), the first
 * caller's object, then calls, complete_calls, total_ns, avg_ns, min_ns,
 * max_ns as stats_sql_callers. SQLite only (stacks are not loaded into
 * ClickHouse).
 */
void stats_sql_chains(struct ukt_buf *out, const char *where, int depth);

/* A SELECT of callers of functions: func, caller_symbol, caller_object,
 * calls, complete_calls, total_ns, avg_ns, min_ns, max_ns. */
void stats_sql_callers(struct ukt_buf *out, const char *where);

struct stats_row {
	char *k1, *k2;		/* func, and the second key as text (--by) */
	int64_t k2i;
	bool k2_is_int, k2_null;
	int64_t v[S_NCOLS];
	bool null[S_NCOLS];
};

/* Durations stats_compute keeps in memory, at most (128 MiB); beyond,
 * it reads the calls twice. */
#define STATS_MAX_VALUES (16u << 20)

/* Which calls: the selections the commands offer (NULL/0: all). */
struct call_select {
	const char *func;
	int pid;		/* a process, or a thread */
	const char *comm;	/* a glob over thread names */
	bool has_since, has_until;
	int64_t since, until;	/* entry (or return) time, trace clock */
};

/* sel as a filter on the calls view (its column names). */
void stats_filter_view(const struct call_select *sel, struct sql_filter *f);

enum stats_by { STATS_BY_FUNC, STATS_BY_PID, STATS_BY_COMM, STATS_BY_TID };

/*
 * Statistics by function (and process, thread name or thread) of the calls sel
 * selects, from one scan of call_data (schema.h): the same numbers as the
 * view. Sorted by the keys. 0, or negative with SQLite's message in err.
 */
int stats_compute(struct db *d, enum stats_by by, const struct call_select *sel,
		  struct stats_row **rows, size_t *n, struct ukt_buf *err);
void stats_free(struct stats_row *rows, size_t n);

/* A summary's order (--sort KEY), one parse for the file and the server. */
struct stats_sort {
	const char *key;	/* canonical: also call_stats' column alias */
	int col;		/* S_*, or -1: by function name */
};
#define STATS_SORT_KEYS "total, calls, avg, min, max, p50, p90, p99, self, incomplete or name"
/* key NULL is total. 0, or -EINVAL for a key not in STATS_SORT_KEYS. */
int stats_sort_parse(const char *key, struct stats_sort *s);
/* Rows in that order: the column descending (no value last), then by
 * function name; or by name. */
void stats_sort_rows(struct stats_row *rows, size_t n, const struct stats_sort *s);
/* Rows of 0 calls for the probed functions that rows lack (by function):
 * "not called" must not look like "not probed". */
int stats_add_uncalled(struct db *d, struct stats_row **rows, size_t *n);
/* The same, given the probed functions' names (NULLs skipped). */
int stats_add_uncalled_names(struct stats_row **rows, size_t *n, const char *const *names,
			     size_t nnames);
/* Rows in the order of their keys (function, then the --by key). */
void stats_sort_by_keys(struct stats_row *rows, size_t n);

#endif
