/* SPDX-License-Identifier: MIT */
/*
 * Latency histograms and heat maps of calls, computed from the database
 * for the text, SVG and HTML views alike: log2 (or linear) buckets of
 * duration, each labelled [from, to); a heat map adds time columns.
 */
#ifndef UKT_HIST_H
#define UKT_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stats.h"
#include "uktrace/buf.h"

struct db;

struct hist {
	int n;			/* buckets, the first and last non-empty */
	int64_t *from, *to;	/* [from, to) in ns */
	uint64_t *count;
	uint64_t total, max;
	bool linear;		/* linear buckets, else log2 */
};

/*
 * The durations of the complete calls f selects (a filter on the calls
 * view), in log2 buckets, or nb linear ones. 0 or negative with a message
 * in err.
 */
int hist_compute(struct db *d, const struct sql_filter *f, bool linear, int nb,
		 struct hist *h, struct ukt_buf *err);
void hist_release(struct hist *h);

/* The log2 buckets: 0 holds durations <= 0, b holds [2^(b-1), 2^b). */
#define HIST_LOG2_BUCKETS 65
int hist_log2_bucket(int64_t v);
/* The same histograms from durations counted elsewhere (stream.h): log2
 * bucket counts, or the values themselves in nb linear buckets. */
int hist_from_log2(const uint64_t counts[HIST_LOG2_BUCKETS], struct hist *h);
int hist_from_values(const int64_t *v, size_t nv, int nb, struct hist *h);
/* "2.05 us -> 4.10 us" */
void hist_label(const struct hist *h, int i, char *buf, size_t n);

/* A heat map: log2 latency rows by time columns. */
struct heat {
	int cols, rows;
	int row0;		/* log2 bucket of the bottom row */
	int64_t t0, t1;		/* the time the columns span */
	uint64_t *count;	/* rows * cols, row-major from row0 up */
	uint64_t max, total;
};

int heat_compute(struct db *d, const struct sql_filter *f, int cols,
		 struct heat *h, struct ukt_buf *err);
/*
 * The same over the time span [t0, t1) (ns of the trace clock), so that
 * heat maps of several functions, and the trace, share one time axis;
 * calls outside it go in the first or last column. With t1 <= t0, the
 * span of the calls themselves (heat_compute).
 */
int heat_compute_span(struct db *d, const struct sql_filter *f, int cols,
		      int64_t t0, int64_t t1, struct heat *h, struct ukt_buf *err);
/*
 * The span of the whole trace: from its first event (meta.first_ts) to
 * the end of the recording (meta.stop_ns) or its last call, whichever is
 * later; narrowed to [since, until] where has_since / has_until.
 */
void heat_trace_span(struct db *d, bool has_since, int64_t since, bool has_until,
		     int64_t until, int64_t *t0, int64_t *t1);
void heat_release(struct heat *h);

#endif
