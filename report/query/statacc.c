// SPDX-License-Identifier: MIT
/* Exact statistics in bounded memory (statacc.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "uktrace/vec.h"
#include "satmath.h"
#include "statacc.h"

/* Histogram buckets: values below 128 exactly, then 64 per power of two
 * (each about 1.5% wide). Monotone: a bucket's values all lie below the
 * next bucket's. */
#define NEXACT 128
#define SUB 64
#define NBUCKETS (NEXACT + (64 - 7) * SUB)
/* Two passes: the durations of 1 to DENSE_LIMIT - 1 ns (the buckets below
 * NDENSE, at most 64 values wide) are counted value by value as they
 * come, so a percentile among them needs no second pass: 64 KiB a group
 * at most, and a trace of short calls (syscalls, small functions) is
 * exact in one pass. */
#define DENSE_LIMIT 8192
#define NDENSE (NEXACT + (13 - 7) * SUB)

struct target {
	bool exact;		/* value is the answer: its bucket was dense */
	int64_t value;
	size_t bucket;		/* where the rank falls */
	uint64_t rank;		/* 1-based rank within the bucket */
	int64_t *vals;		/* the bucket's values, second pass */
	size_t n, cap;
	/* or, when the bucket holds more calls than it has distinct values
	 * (short calls tie by the million), a count per value from lo */
	uint64_t *counts;
	int64_t lo;
	size_t width;
};

struct group {
	uint64_t n, inc;
	int64_t sum;		/* of the durations: the average */
	int64_t total, self, min, max;
	int64_t *vals;		/* one pass: the durations */
	size_t nvals, cap;
	uint64_t *hist;		/* two passes: NBUCKETS counts */
	uint64_t **dense;	/* two passes: NDENSE buckets' counts per value */
	struct target t[STATS_NPCT];
};

struct statacc {
	size_t max_values, values;
	bool two_pass;
	statacc_keep_fn keep;	/* the values, handed over at the switch */
	void *keep_ctx;
	struct group *g;
	size_t ng, gcap;
};

static size_t bucket_of(int64_t v)
{
	int e;

	if (v < NEXACT)
		return v < 0 ? 0 : (size_t)v;
	e = 63 - __builtin_clzll((uint64_t)v);
	return NEXACT + (size_t)(e - 7) * SUB + (((uint64_t)v >> (e - 6)) & (SUB - 1));
}

/* The values bucket b holds: [*lo, *lo + width), as bucket_of divides. */
static size_t bucket_width(size_t b, int64_t *lo)
{
	int e;

	if (b < NEXACT) {
		*lo = (int64_t)b;	/* bucket 0 also holds negatives: never dense */
		return 1;
	}
	e = 7 + (int)((b - NEXACT) / SUB);
	*lo = (int64_t)((uint64_t)(SUB + (b - NEXACT) % SUB) << (e - 6));
	return (size_t)1 << (e - 6);
}

struct statacc *statacc_new(size_t max_values)
{
	struct statacc *a = calloc(1, sizeof(*a));

	if (a) {
		a->max_values = max_values;
		a->two_pass = max_values == 0;
	}
	return a;
}

void statacc_free(struct statacc *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->ng; i++) {
		free(a->g[i].vals);
		free(a->g[i].hist);
		for (size_t b = 0; a->g[i].dense && b < NDENSE; b++)
			free(a->g[i].dense[b]);
		free(a->g[i].dense);
		for (int k = 0; k < STATS_NPCT; k++) {
			free(a->g[i].t[k].vals);
			free(a->g[i].t[k].counts);
		}
	}
	free(a->g);
	free(a);
}

void statacc_on_switch(struct statacc *a, statacc_keep_fn keep, void *ctx)
{
	a->keep = keep;
	a->keep_ctx = ctx;
}

bool statacc_two_pass(const struct statacc *a)
{
	return a->two_pass;
}

size_t statacc_groups(const struct statacc *a)
{
	return a->ng;
}

static int push(int64_t **v, size_t *n, size_t *cap, int64_t x)
{
	if (UKT_GROW(*v, *cap, *n))
		return -ENOMEM;
	(*v)[(*n)++] = x;
	return 0;
}

bool statacc_keeps(int64_t dur)
{
	return dur >= 1 && dur < DENSE_LIMIT;
}

/* A two-pass value into g's histogram (and its dense counts). */
static int count(struct group *g, int64_t v)
{
	size_t b = bucket_of(v), w;
	int64_t lo;

	if (!g->hist && !(g->hist = calloc(NBUCKETS, sizeof(*g->hist))))
		return -ENOMEM;
	g->hist[b]++;
	if (!statacc_keeps(v))
		return 0;
	if (!g->dense && !(g->dense = calloc(NDENSE, sizeof(*g->dense))))
		return -ENOMEM;
	w = bucket_width(b, &lo);
	if (!g->dense[b] && !(g->dense[b] = calloc(w, sizeof(**g->dense))))
		return -ENOMEM;
	g->dense[b][v - lo]++;
	return 0;
}

/* Too many values: every group counts into a histogram from now on. */
static int to_two_pass(struct statacc *a)
{
	for (size_t i = 0; i < a->ng; i++) {
		struct group *g = &a->g[i];

		if (!g->hist && g->n) {
			g->hist = calloc(NBUCKETS, sizeof(*g->hist));
			if (!g->hist)
				return -ENOMEM;
		}
		for (size_t k = 0; k < g->nvals; k++) {
			if (count(g, g->vals[k]))
				return -ENOMEM;
			if (a->keep && !statacc_keeps(g->vals[k]) &&
			    a->keep(a->keep_ctx, i, g->vals[k]))
				return -ENOMEM;
		}
		free(g->vals);
		g->vals = NULL;
		g->nvals = g->cap = 0;
	}
	a->two_pass = true;
	return 0;
}

int statacc_add(struct statacc *a, size_t gi, bool complete, int64_t dur,
		int64_t self)
{
	return statacc_add_call(a, gi, complete, false, dur, self);
}

int statacc_add_call(struct statacc *a, size_t gi, bool complete, bool nested,
		     int64_t dur, int64_t self)
{
	struct group *g;

	if (gi >= a->ng) {
		if (gi >= a->gcap) {
			size_t cap = a->gcap ? a->gcap * 2 : 16;
			void *p;

			while (cap <= gi)
				cap *= 2;
			p = reallocarray(a->g, cap, sizeof(*a->g));
			if (!p)
				return -ENOMEM;
			a->g = p;
			a->gcap = cap;
		}
		memset(&a->g[a->ng], 0, (gi + 1 - a->ng) * sizeof(*a->g));
		a->ng = gi + 1;
	}
	g = &a->g[gi];
	if (!complete) {
		g->inc++;
		return 0;
	}
	if (!g->n || dur < g->min)
		g->min = dur;
	if (!g->n || dur > g->max)
		g->max = dur;
	g->n++;
	g->sum = sat_add(g->sum, dur);
	if (!nested)
		g->total = sat_add(g->total, dur);
	g->self = sat_add(g->self, self);
	if (a->two_pass)
		return count(g, dur);
	if (push(&g->vals, &g->nvals, &g->cap, dur))
		return -ENOMEM;
	if (++a->values > a->max_values)
		return to_two_pass(a);
	return 0;
}

bool statacc_need_rescan(struct statacc *a)
{
	bool need = false;

	if (!a->two_pass)
		return false;
	for (size_t i = 0; i < a->ng; i++) {
		struct group *g = &a->g[i];

		if (!g->n)
			continue;
		for (int k = 0; k < STATS_NPCT; k++) {
			uint64_t r = (uint64_t)stats_rank((int64_t)g->n, stats_pct[k]), cum = 0;
			size_t b = 0;

			while (b < NBUCKETS && cum + g->hist[b] < r)
				cum += g->hist[b++];
			g->t[k].exact = false;
			if (b < NDENSE && g->dense && g->dense[b]) {
				/* counted value by value: the answer now */
				uint64_t left = r - cum;
				size_t j = 0;

				while (left > g->dense[b][j])
					left -= g->dense[b][j++];
				bucket_width(b, &g->t[k].value);
				g->t[k].value += (int64_t)j;
				g->t[k].exact = true;
				g->t[k].bucket = NBUCKETS;	/* the rescan passes it by */
				continue;
			}
			g->t[k].bucket = b;
			g->t[k].rank = r - cum;
			g->t[k].n = 0;
			free(g->t[k].counts);
			g->t[k].counts = NULL;
			g->t[k].width = bucket_width(b, &g->t[k].lo);
			/* counting costs less than keeping when values repeat */
			if (b > 0 && b < NBUCKETS && g->t[k].width < g->hist[b])
				g->t[k].counts = calloc(g->t[k].width, sizeof(*g->t[k].counts));
			/* (without memory for it, the values are kept) */
			need = true;
		}
	}
	return need;
}

int statacc_rescan(struct statacc *a, size_t gi, int64_t dur)
{
	struct group *g;
	size_t b = bucket_of(dur);

	if (gi >= a->ng)
		return 0;
	g = &a->g[gi];
	for (int k = 0; k < STATS_NPCT; k++) {
		struct target *t = &g->t[k];

		if (t->bucket != b)
			continue;
		if (t->counts) {
			t->counts[dur - t->lo]++;
			t->n++;
		} else if (push(&t->vals, &t->n, &t->cap, dur)) {
			return -ENOMEM;
		}
	}
	return 0;
}

/*
 * The k-th smallest (0-based) of v[lo, hi) into v[k], smaller ones before
 * it and larger after: quickselect with a median-of-three pivot and a
 * three-way partition (durations tie a lot). A percentile needs one order
 * statistic, not a sort of millions of durations.
 */
static void select_kth(int64_t *v, size_t lo, size_t hi, size_t k)
{
	while (hi - lo > 1) {
		int64_t a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi - 1], p, t;
		size_t lt = lo, i = lo, gt = hi;

		p = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
		/* [lo, lt) < p, [lt, i) == p, [gt, hi) > p */
		while (i < gt) {
			if (v[i] < p) {
				t = v[lt];
				v[lt++] = v[i];
				v[i++] = t;
			} else if (v[i] > p) {
				t = v[--gt];
				v[gt] = v[i];
				v[i] = t;
			} else {
				i++;
			}
		}
		if (k < lt)
			hi = lt;
		else if (k >= gt)
			lo = gt;
		else
			return;
	}
}

int statacc_result(struct statacc *a, size_t gi, int64_t *v, bool *null)
{
	struct group *g;

	for (int k = 0; k < S_NCOLS; k++) {
		v[k] = 0;
		null[k] = true;
	}
	if (gi >= a->ng)
		return 0;
	g = &a->g[gi];
	v[S_CALLS] = (int64_t)g->n;
	v[S_INCOMPLETE] = (int64_t)g->inc;
	null[S_CALLS] = null[S_INCOMPLETE] = false;
	if (!g->n)
		return 0;
	v[S_TOTAL] = g->total;
	v[S_SELF] = g->self;
	v[S_MIN] = g->min;
	v[S_MAX] = g->max;
	/* as SQLite's CAST(AVG(x) AS INTEGER): a double, truncated */
	v[S_AVG] = (int64_t)((double)g->sum / (double)g->n);
	null[S_TOTAL] = null[S_SELF] = null[S_MIN] = null[S_MAX] = null[S_AVG] = false;
	size_t lo = 0;

	for (int k = 0; k < STATS_NPCT; k++) {
		struct target *t = &g->t[k];
		int col = stats_pct_col[k];

		if (!a->two_pass) {
			/* ranks rise with k: the next one is right of this one */
			size_t r = (size_t)stats_rank((int64_t)g->n, stats_pct[k]) - 1;

			select_kth(g->vals, (size_t)lo, g->nvals, r);
			v[col] = g->vals[r];
			lo = r;
		} else if (t->exact) {
			v[col] = t->value;
		} else {
			if (t->rank < 1 || t->rank > t->n)
				return -EPROTO;	/* the second pass saw other calls */
			if (t->counts) {
				uint64_t cum = 0;
				size_t i = 0;

				while (cum + t->counts[i] < t->rank)
					cum += t->counts[i++];
				v[col] = t->lo + (int64_t)i;
			} else {
				select_kth(t->vals, 0, t->n, t->rank - 1);
				v[col] = t->vals[t->rank - 1];
			}
		}
		null[col] = false;
	}
	return 0;
}
