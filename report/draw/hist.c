// SPDX-License-Identifier: MIT
/* Histograms and heat maps (hist.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "errors.h"
#include "hist.h"
#include "output.h"

int hist_log2_bucket(int64_t v)
{
	return v <= 0 ? 0 : 64 - __builtin_clzll((uint64_t)v);
}

/* 2^b, held at INT64_MAX (bucket 63's end) */
static int64_t pow2(int b)
{
	return b >= 63 ? INT64_MAX : (int64_t)1 << b;
}

static struct db_stmt *query(struct db *d, const char *cols, const struct sql_filter *f,
			     struct ukt_buf *err)
{
	struct ukt_buf sql = UKT_BUF_INIT;
	struct db_stmt *s;

	ukt_buf_addf(&sql, "SELECT %s FROM calls WHERE complete%s%s", cols,
		     f->where.len ? " AND " : "", f->where.data);
	s = db_prepare_buf(d, &sql, err);
	if (s)
		filter_bind(s, f, 1);
	ukt_buf_release(&sql);
	return s;
}

/*
 * The histogram of bucket counts c[0..n-1]: log2 buckets, or linear ones
 * of width from lo; the first and last non-empty bucket bound it.
 */
static int hist_finish(struct hist *h, const uint64_t *c, int n, bool linear, int64_t lo,
		       uint64_t width)
{
	int first = 0, last = -1;

	h->total = 0;
	for (int i = 0; i < n; i++) {
		if (c[i] && last < 0)
			first = i;
		if (c[i])
			last = i;
		h->total += c[i];
	}
	h->n = last - first + 1;
	h->linear = linear;
	h->from = calloc((size_t)h->n + 1, sizeof(*h->from));
	h->to = calloc((size_t)h->n + 1, sizeof(*h->to));
	h->count = calloc((size_t)h->n + 1, sizeof(*h->count));
	if (!h->from || !h->to || !h->count) {
		hist_release(h);
		return -ENOMEM;
	}
	for (int i = 0; i < h->n; i++) {
		int b = first + i;

		h->from[i] = linear ? (int64_t)((uint64_t)lo + (uint64_t)b * width) :
			     (b ? pow2(b - 1) : 0);
		h->to[i] = linear ? (int64_t)((uint64_t)lo + (uint64_t)(b + 1) * width) : pow2(b);
		h->count[i] = c[b];
		if (c[b] > h->max)
			h->max = c[b];
	}
	return 0;
}

/* Linear buckets: nb of them from lo to hi. */
static uint64_t linear_width(int64_t lo, int64_t hi, int nb)
{
	/* in uint64_t: a crafted file's durations span all of int64_t */
	return ((uint64_t)hi - (uint64_t)lo) / (uint64_t)nb + 1;
}

static int linear_bucket(int64_t v, int64_t lo, uint64_t width, int n)
{
	uint64_t lb = ((uint64_t)v - (uint64_t)lo) / width;

	return lb < (uint64_t)n ? (int)lb : n - 1;
}

int hist_compute(struct db *d, const struct sql_filter *f, bool linear, int nb,
		 struct hist *h, struct ukt_buf *err)
{
	uint64_t counts[HIST_LOG2_BUCKETS] = { 0 }, *c = counts, width = 1;
	int64_t lo = 0, hi = 0;
	int n = HIST_LOG2_BUCKETS, rc;
	struct db_stmt *s;

	memset(h, 0, sizeof(*h));
	if (linear) {
		s = query(d, "MIN(duration_ns), MAX(duration_ns)", f, err);
		if (!s)
			return -REP_E_SQL;
		if (db_step(s, err) == 1) {
			lo = db_column_int(s, 0);
			hi = db_column_int(s, 1);
		}
		db_finalize(s);
		width = linear_width(lo, hi, nb);
		c = calloc((size_t)nb + 1, sizeof(*c));
		if (!c)
			return -ENOMEM;
		n = nb;
	}
	s = query(d, "duration_ns", f, err);
	rc = s ? 0 : -REP_E_SQL;
	while (!rc && (rc = db_step(s, err)) == 1) {
		int64_t v = db_column_int(s, 0);
		int b = linear ? linear_bucket(v, lo, width, n) : hist_log2_bucket(v);

		c[b < n ? b : n - 1]++;
		rc = 0;
	}
	db_finalize(s);
	if (rc >= 0)
		rc = hist_finish(h, c, n, linear, lo, width);
	if (c != counts)
		free(c);
	if (rc)
		hist_release(h);
	return rc < 0 ? rc : 0;
}

int hist_from_log2(const uint64_t counts[HIST_LOG2_BUCKETS], struct hist *h)
{
	memset(h, 0, sizeof(*h));
	return hist_finish(h, counts, HIST_LOG2_BUCKETS, false, 0, 1);
}

int hist_from_values(const int64_t *v, size_t nv, int nb, struct hist *h)
{
	int64_t lo = nv ? v[0] : 0, hi = lo;
	uint64_t *c, width;
	int rc;

	memset(h, 0, sizeof(*h));
	for (size_t i = 1; i < nv; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	width = linear_width(lo, hi, nb);
	c = calloc((size_t)nb + 1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < nv; i++)
		c[linear_bucket(v[i], lo, width, nb)]++;
	rc = hist_finish(h, c, nb, true, lo, width);
	free(c);
	return rc;
}

void hist_release(struct hist *h)
{
	free(h->from);
	free(h->to);
	free(h->count);
	memset(h, 0, sizeof(*h));
}

void hist_label(const struct hist *h, int i, char *buf, size_t n)
{
	char a[32], b[32];

	/* [from, to): the end is the next bucket's start, so rounded labels
	 * always meet (an inclusive 4095 ns would read "4.09 us") */
	fmt_duration(a, sizeof(a), h->from[i]);
	fmt_duration(b, sizeof(b), h->to[i]);
	snprintf(buf, n, "%s -> %s", a, b);
}

void heat_trace_span(struct db *d, bool has_since, int64_t since, bool has_until,
		     int64_t until, int64_t *t0, int64_t *t1)
{
	int64_t first = 0, stop = 0, last = 0;

	db_query_int(d, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'first_ts'", &first);
	db_query_int(d, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'stop_ns'", &stop);
	db_query_int(d, "SELECT COALESCE(MAX(COALESCE(return_ts, entry_ts)), 0) FROM calls", &last);
	*t0 = first;
	*t1 = stop > last ? stop : last;
	if (has_since && since > *t0)
		*t0 = since;
	if (has_until && until < *t1)
		*t1 = until;
	if (*t1 < INT64_MAX)
		(*t1)++;	/* [t0, t1): the last moment is in */
}

int heat_compute(struct db *d, const struct sql_filter *f, int cols,
		 struct heat *h, struct ukt_buf *err)
{
	return heat_compute_span(d, f, cols, 0, 0, h, err);
}

int heat_compute_span(struct db *d, const struct sql_filter *f, int cols,
		      int64_t t0, int64_t t1, struct heat *h, struct ukt_buf *err)
{
	int lo = 64, hi = 0, rc;
	struct db_stmt *s;

	memset(h, 0, sizeof(*h));
	s = query(d, "MIN(entry_ts), MAX(entry_ts), MIN(duration_ns), MAX(duration_ns)", f, err);
	if (!s)
		return -REP_E_SQL;
	if (db_step(s, err) == 1 && db_column_type(s, 0) != DB_NULL) {
		h->t0 = db_column_int(s, 0);
		h->t1 = db_column_int(s, 1);
		if (h->t1 < INT64_MAX)
			h->t1++;
		lo = hist_log2_bucket(db_column_int(s, 2));
		hi = hist_log2_bucket(db_column_int(s, 3));
	}
	db_finalize(s);
	if (t1 > t0) {
		h->t0 = t0;
		h->t1 = t1;
	}
	h->cols = cols;
	h->rows = hi >= lo ? hi - lo + 1 : 0;
	h->row0 = lo;
	if (!h->rows)
		return 0;
	h->count = calloc((size_t)h->rows * (size_t)cols, sizeof(*h->count));
	if (!h->count)
		return -ENOMEM;
	s = query(d, "entry_ts, duration_ns", f, err);
	rc = s ? 0 : -REP_E_SQL;
	while (!rc && (rc = db_step(s, err)) == 1) {
		int64_t t = db_column_int(s, 0);
		double span = (double)h->t1 - (double)h->t0;
		double x = span > 0 ? ((double)t - (double)h->t0) / span * cols : 0;
		int col = x > 0 ? (x < cols ? (int)x : cols - 1) : 0;
		int row = hist_log2_bucket(db_column_int(s, 1)) - lo;
		uint64_t *cell;

		if (col >= cols)
			col = cols - 1;
		if (col < 0)
			col = 0;
		cell = &h->count[(size_t)row * (size_t)cols + (size_t)col];
		if (++*cell > h->max)
			h->max = *cell;
		h->total++;
		rc = 0;
	}
	db_finalize(s);
	if (rc < 0)
		heat_release(h);
	return rc < 0 ? rc : 0;
}

void heat_release(struct heat *h)
{
	free(h->count);
	memset(h, 0, sizeof(*h));
}
