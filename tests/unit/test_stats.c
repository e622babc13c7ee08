// SPDX-License-Identifier: MIT
/*
 * The statistics have one definition (report/query/stats.h) and two
 * implementations: the SQL of the call_stats views and stats_compute in C.
 * These tests hold them to each other on random calls (ties, incomplete
 * calls, groups of one, NULL keys), grouped and filtered as the commands
 * do, and hold both to the definition on a case worked by hand.
 */
#include <stdlib.h>
#include <unistd.h>

#include "test.h"
#include "../../report/store/db.h"
#include "../../report/query/durlog.h"
#include "../../report/store/schema.h"
#include "../../report/query/statacc.h"
#include "../../report/query/stats.h"

static char path[64];

static const struct plan empty;

static struct db *fill(unsigned int seed, int n)
{
	struct ukt_buf err = UKT_BUF_INIT;
	struct db *d;
	struct db_stmt *s;
	int fd;

	snprintf(path, sizeof(path), "/tmp/ukt-stats-XXXXXX");
	fd = mkstemp(path);

	if (fd < 0)
		return NULL;
	close(fd);
	unlink(path);
	d = db_open(path, DB_CREATE | DB_FAST, &err);
	if (!d || schema_create_tables(d, 0, &err) || schema_create_views(d, &empty, 0, &err) ||
	    db_exec(d, "INSERT INTO funcs(id, name) VALUES(0, 'a'), (1, 'b'), (2, 'c'), (3, 'solo');"
		       /* threads 100..105: two processes, one unknown; two names */
		       "INSERT INTO threads(tid, pid, comm) VALUES(100, 10, 'x'), (101, 10, 'y'),"
		       " (102, 11, 'x'), (103, 11, 'y'), (104, NULL, 'x'), (105, NULL, NULL);", &err)) {
		printf("  %s\n", err.data);
		ukt_buf_release(&err);
		db_close(d);
		return NULL;
	}
	srand(seed);
	db_exec(d, "BEGIN", NULL);
	s = db_prepare(d, "INSERT INTO call_data(func, tid, ts, dur, self, flags, ev, evd)"
			  " VALUES(?,?,?,?,?,?,?,?)", &err);
	for (int i = 0; s && i < n; i++) {
		int f = i == 0 ? 3 : rand() % 3;	/* "solo": one call */
		int complete = f == 3 || rand() % 8 != 0;
		int64_t dur = rand() % 50 * 1000 + (rand() % 4 == 0 ? 999999 : 0);

		db_bind_int(s, 1, f);
		db_bind_int(s, 2, 100 + rand() % 6);
		db_bind_int(s, 3, i * 1000);
		if (complete) {
			db_bind_int(s, 4, dur);
			db_bind_int(s, 5, dur / 2);
		} else {
			db_bind_null(s, 4);
			db_bind_null(s, 5);
		}
		/* incomplete: no_return, entered and never returned; some
		 * calls inside a call of their own function */
		db_bind_int(s, 6, (complete ? CF_HAS_ENTRY | CF_HAS_RETURN : CF_HAS_ENTRY | 1) |
			    (rand() % 5 == 0 ? CF_RECURSIVE : 0));
		db_bind_int(s, 7, 2 * i + 1);
		if (complete)
			db_bind_int(s, 8, 1);
		else
			db_bind_null(s, 8);
		db_step(s, NULL);
		db_reset(s);
	}
	db_finalize(s);
	db_exec(d, "COMMIT", NULL);
	ukt_buf_release(&err);
	return d;
}

/*
 * Every row of stats_compute (over call_data, the selection as it filters
 * there) equals the view's row of the same keys (over the calls view, the
 * selection as the commands filter it).
 */
static int compare(struct db *d, enum stats_by by, const struct call_select *sel)
{
	static const char *const keysof[] = { "func", "func, pid", "func, comm" };
	const char *keys = keysof[by];
	int kcols = by == STATS_BY_FUNC ? 1 : 2;
	struct ukt_buf sql = UKT_BUF_INIT, err = UKT_BUF_INIT;
	struct sql_filter f = { UKT_BUF_INIT, 0, { { 0 } } };
	struct stats_row *rows = NULL;
	size_t n = 0, nview = 0;
	struct db_stmt *s;
	int bad = 0;

	if (stats_compute(d, by, sel, &rows, &n, &err)) {
		printf("  stats_compute: %s\n", err.data);
		return 1;
	}
	stats_filter_view(sel, &f);
	stats_sql_view(&sql, keys, f.where.data);
	s = db_prepare(d, sql.data, &err);
	if (!s) {
		printf("  view: %s\n", err.data);
		return 1;
	}
	filter_bind(s, &f, 1);
	while (db_step(s, NULL) == 1) {
		const struct stats_row *r = NULL;
		const char *k1 = db_column_text(s, 0);
		const char *k2 = kcols == 2 ? db_column_text(s, 1) : NULL;

		nview++;
		for (size_t i = 0; i < n && !r; i++)
			if (!strcmp(rows[i].k1, k1) &&
			    (kcols == 1 || (k2 ? !rows[i].k2_null && !strcmp(rows[i].k2, k2) : rows[i].k2_null)))
				r = &rows[i];
		if (!r) {
			printf("  %s: group %s/%s missing from stats_compute\n", keys, k1, k2 ? k2 : "NULL");
			bad++;
			continue;
		}
		for (int c = 0; c < S_NCOLS; c++) {
			bool vnull = db_column_type(s, kcols + c) == DB_NULL;
			int64_t v = db_column_int(s, kcols + c);

			if (vnull != r->null[c] || (!vnull && v != r->v[c])) {
				printf("  %s: group %s/%s column %d: view %s%lld, C %s%lld\n", keys,
				       k1, k2 ? k2 : "NULL", c, vnull ? "NULL " : "", (long long)v,
				       r->null[c] ? "NULL " : "", (long long)r->v[c]);
				bad++;
			}
		}
	}
	if (nview != n) {
		printf("  %s: %zu groups in the view, %zu in stats_compute\n", keys, nview, n);
		bad++;
	}
	db_finalize(s);
	stats_free(rows, n);
	filter_release(&f);
	ukt_buf_release(&sql);
	ukt_buf_release(&err);
	return bad;
}

static void test_sql_and_c_agree(void)
{
	for (unsigned int seed = 1; seed <= 5; seed++) {
		struct db *d = fill(seed, 200 + (int)seed * 97);
		struct call_select all = { 0 }, pid = { .pid = 10 }, thread = { .pid = 104 };
		struct call_select window = { .comm = "x*", .has_since = true, .since = 30000,
					      .has_until = true, .until = 400000 };
		struct call_select one = { .func = "b", .has_since = true, .since = 1000 };

		CHECK(d);
		CHECK_EQ(compare(d, STATS_BY_FUNC, &all), 0);
		CHECK_EQ(compare(d, STATS_BY_PID, &all), 0);
		CHECK_EQ(compare(d, STATS_BY_COMM, &all), 0);
		/* the selections the commands offer */
		CHECK_EQ(compare(d, STATS_BY_FUNC, &pid), 0);
		CHECK_EQ(compare(d, STATS_BY_FUNC, &thread), 0);
		CHECK_EQ(compare(d, STATS_BY_FUNC, &window), 0);
		CHECK_EQ(compare(d, STATS_BY_PID, &window), 0);
		CHECK_EQ(compare(d, STATS_BY_COMM, &one), 0);
		db_close(d);
		unlink(path);
	}
}

/* Nearest rank by hand: 10 values 1..10 -> p50 5, p90 9, p99 10. */
static void test_definition_by_hand(void)
{
	struct ukt_buf err = UKT_BUF_INIT;
	struct stats_row *rows = NULL;
	size_t n = 0;
	struct db *d = fill(1, 0);
	struct db_stmt *s;

	CHECK(d);
	CHECK_EQ(stats_rank(10, 50), 5);
	CHECK_EQ(stats_rank(10, 90), 9);
	CHECK_EQ(stats_rank(10, 99), 10);
	CHECK_EQ(stats_rank(1, 50), 1);
	db_exec(d, "INSERT INTO funcs(id, name) VALUES(9, 'f')", NULL);
	s = db_prepare(d, "INSERT INTO call_data(func, ts, dur, self, flags) VALUES(9, 0, ?, 1, ?)", NULL);
	for (int i = 1; i <= 12; i++) {
		db_bind_int(s, 1, i <= 10 ? i : 0);
		/* two incomplete calls */
		db_bind_int(s, 2, i <= 10 ? CF_HAS_ENTRY | CF_HAS_RETURN : CF_HAS_ENTRY | 1);
		db_step(s, NULL);
		db_reset(s);
	}
	db_finalize(s);
	CHECK_EQ(stats_compute(d, STATS_BY_FUNC, &(struct call_select){ 0 }, &rows, &n, &err), 0);
	CHECK_EQ(n, 1);
	CHECK_EQ(rows[0].v[S_CALLS], 10);
	CHECK_EQ(rows[0].v[S_INCOMPLETE], 2);
	CHECK_EQ(rows[0].v[S_TOTAL], 55);
	CHECK_EQ(rows[0].v[S_SELF], 10);
	CHECK_EQ(rows[0].v[S_MIN], 1);
	CHECK_EQ(rows[0].v[S_AVG], 5);
	CHECK_EQ(rows[0].v[S_P50], 5);
	CHECK_EQ(rows[0].v[S_P90], 9);
	CHECK_EQ(rows[0].v[S_P99], 10);
	CHECK_EQ(rows[0].v[S_MAX], 10);
	CHECK_EQ(compare(d, STATS_BY_FUNC, &(struct call_select){ 0 }), 0);
	stats_free(rows, n);
	ukt_buf_release(&err);
	db_close(d);
	unlink(path);
}

/*
 * Recursion: f (100 ns) calls f (60 ns), which calls f (30 ns). Total time
 * counts the outermost call only, 100; the average is of all three; self
 * time adds up to the total as always.
 */
static void test_recursion_total_by_hand(void)
{
	static const int64_t dur[] = { 30, 60, 100 }, self[] = { 30, 30, 40 };
	struct ukt_buf err = UKT_BUF_INIT, sql = UKT_BUF_INIT;
	struct stats_row *rows = NULL;
	struct statacc *acc = statacc_new(100);
	int64_t v[S_NCOLS];
	bool null[S_NCOLS];
	size_t n = 0;
	struct db *d = fill(1, 0);
	struct db_stmt *s;

	CHECK(d && acc);
	db_exec(d, "INSERT INTO funcs(id, name) VALUES(9, 'f')", NULL);
	s = db_prepare(d, "INSERT INTO call_data(func, ts, dur, self, flags) VALUES(9, 0, ?, ?, ?)", NULL);
	for (int i = 0; i < 3; i++) {
		db_bind_int(s, 1, dur[i]);
		db_bind_int(s, 2, self[i]);
		db_bind_int(s, 3, CF_HAS_ENTRY | CF_HAS_RETURN | (i < 2 ? CF_RECURSIVE : 0));
		db_step(s, NULL);
		db_reset(s);
		CHECK_EQ(statacc_add_call(acc, 0, true, i < 2, dur[i], self[i]), 0);
	}
	db_finalize(s);
	CHECK_EQ(stats_compute(d, STATS_BY_FUNC, &(struct call_select){ 0 }, &rows, &n, &err), 0);
	CHECK_EQ(n, 1);
	CHECK_EQ(rows[0].v[S_CALLS], 3);
	CHECK_EQ(rows[0].v[S_TOTAL], 100);
	CHECK_EQ(rows[0].v[S_SELF], 100);
	CHECK_EQ(rows[0].v[S_AVG], 63);
	CHECK_EQ(rows[0].v[S_MAX], 100);
	CHECK_EQ(compare(d, STATS_BY_FUNC, &(struct call_select){ 0 }), 0);
	/* the import's accumulator, for call_summary */
	CHECK_EQ(statacc_result(acc, 0, v, null), 0);
	CHECK_EQ(v[S_TOTAL], 100);
	CHECK_EQ(v[S_AVG], 63);
	/* callers: the nested calls add nothing to their callers' total */
	stats_sql_callers(&sql, NULL);
	ukt_buf_adds(&sql, " ORDER BY 1");
	s = db_prepare(d, sql.data, &err);
	CHECK(s && db_step(s, NULL) == 1);
	CHECK_EQ(db_column_int(s, 5), 100);
	CHECK_EQ(db_column_int(s, 6), 63);
	db_finalize(s);
	stats_free(rows, n);
	statacc_free(acc);
	ukt_buf_release(&err);
	ukt_buf_release(&sql);
	db_close(d);
	unlink(path);
}

static int cmp64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return (a > b) - (a < b);
}

/*
 * The accumulator in one pass (values in memory) and in two (histogram,
 * then a rescan of the rank buckets) gives the exact percentiles of a
 * sort, on wide, clustered and tied values, negatives included.
 */
static void test_statacc_two_pass_exact(void)
{
	enum { NG = 5, N = 20000 };
	static int64_t vals[NG][N];
	size_t nv[NG] = { 0 };
	struct statacc *one = statacc_new(1u << 30), *two = statacc_new(1000);

	CHECK(one && two);
	srand(11);
	for (int i = 0; i < N * 3; i++) {
		size_t g = (size_t)rand() % NG;
		int64_t v;

		switch (g) {
		case 0: v = rand() % 100; break;			/* exact buckets */
		case 1: v = 480 + rand() % 30; break;			/* one dense bucket */
		case 2: v = (int64_t)rand() * rand() % 5000000000LL; break;	/* wide */
		case 3: v = 1000000; break;				/* all tied */
		default: v = rand() % 1000 - 10; break;			/* negatives too */
		}
		if (nv[g] == N)
			continue;
		vals[g][nv[g]++] = v;
		CHECK_EQ(statacc_add(one, g, true, v, v / 2), 0);
		CHECK_EQ(statacc_add(two, g, true, v, v / 2), 0);
		CHECK_EQ(statacc_add(two, g, false, 0, 0), 0);
	}
	CHECK(!statacc_need_rescan(one));
	CHECK(statacc_need_rescan(two));
	for (size_t g = 0; g < NG; g++)
		for (size_t i = 0; i < nv[g]; i++)
			CHECK_EQ(statacc_rescan(two, g, vals[g][i]), 0);
	for (size_t g = 0; g < NG; g++) {
		int64_t v1[S_NCOLS], v2[S_NCOLS];
		bool n1[S_NCOLS], n2[S_NCOLS];

		qsort(vals[g], nv[g], sizeof(vals[g][0]), cmp64);
		CHECK_EQ(statacc_result(one, g, v1, n1), 0);
		CHECK_EQ(statacc_result(two, g, v2, n2), 0);
		for (int k = 0; k < STATS_NPCT; k++) {
			int64_t want = vals[g][stats_rank((int64_t)nv[g], stats_pct[k]) - 1];

			CHECK_EQ(v1[stats_pct_col[k]], want);
			CHECK_EQ(v2[stats_pct_col[k]], want);
		}
		CHECK_EQ(v1[S_MIN], vals[g][0]);
		CHECK_EQ(v2[S_MAX], vals[g][nv[g] - 1]);
		CHECK_EQ(v2[S_INCOMPLETE], (int64_t)nv[g]);
		for (int c = S_CALLS; c < S_NCOLS; c++)
			if (c != S_INCOMPLETE)
				CHECK_EQ(v1[c], v2[c]);
	}
	statacc_free(one);
	statacc_free(two);
}

/*
 * Two passes from the start, the second fed only what statacc_keeps()
 * says is not counted already (as the stream and its spill do): exact
 * on short durations counted value by value, long ones, ties at the
 * dense limit, negatives; a trace of short calls needs no second pass.
 */
static void test_statacc_dense_short_calls(void)
{
	enum { NG = 4, N = 30000 };
	static int64_t vals[NG][N];
	size_t nv[NG] = { 0 };
	struct statacc *two = statacc_new(0), *shorts = statacc_new(0);

	CHECK(two && shorts);
	srand(17);
	for (int i = 0; i < N * NG; i++) {
		size_t g = (size_t)i % NG;
		int64_t v;

		switch (g) {
		case 0: v = 1 + rand() % 8191; break;		/* all dense */
		case 1: v = rand() % 100 < 95 ? 100 + rand() % 300 : 8000 + rand() % 400; break;
		case 2: v = rand() % 3 ? 8191 + rand() % 3 : 50; break;	/* at the limit */
		default: v = rand() % 20 - 10; break;		/* zero and negatives */
		}
		vals[g][nv[g]++] = v;
		CHECK_EQ(statacc_add(two, g, true, v, v), 0);
		if (g == 0)
			CHECK_EQ(statacc_add(shorts, 0, true, v, v), 0);
	}
	CHECK(!statacc_need_rescan(shorts));
	if (statacc_need_rescan(two))
		for (size_t g = 0; g < NG; g++)
			for (size_t i = 0; i < nv[g]; i++)
				if (!statacc_keeps(vals[g][i]))
					CHECK_EQ(statacc_rescan(two, g, vals[g][i]), 0);
	for (size_t g = 0; g < NG; g++) {
		int64_t v[S_NCOLS], w[S_NCOLS];
		bool n[S_NCOLS];

		qsort(vals[g], nv[g], sizeof(vals[g][0]), cmp64);
		CHECK_EQ(statacc_result(two, g, v, n), 0);
		if (g == 0)
			CHECK_EQ(statacc_result(shorts, 0, w, n), 0);
		for (int k = 0; k < STATS_NPCT; k++) {
			int64_t want = vals[g][stats_rank((int64_t)nv[g], stats_pct[k]) - 1];

			CHECK_EQ(v[stats_pct_col[k]], want);
			if (g == 0)
				CHECK_EQ(w[stats_pct_col[k]], want);
		}
	}
	statacc_free(two);
	statacc_free(shorts);
}

struct durlog_seen {
	size_t n;
	int bad;
};

static int durlog_check(void *ctx, size_t g, int64_t dur)
{
	struct durlog_seen *s = ctx;
	int64_t want = (int64_t)(s->n * 7919u) - 1000000;

	if (s->n == 3)
		want = INT64_MIN;
	else if (s->n == 4)
		want = INT64_MAX;
	if (g != s->n % 5 * 1000 || dur != want)
		s->bad++;
	s->n++;
	return 0;
}

/* The import's log of durations gives back every pair, in order, across
 * its buffer's refills, with negative and extreme values. */
static void test_durlog_round_trip(void)
{
	struct durlog *l = durlog_new("/tmp/ukt-test");	/* /tmp/ukt-test.durs-XXXXXX */
	struct durlog_seen seen = { 0 };
	size_t n = 300000;

	CHECK(l != NULL);
	for (size_t i = 0; i < n; i++) {
		int64_t d = (int64_t)(i * 7919u) - 1000000;

		if (i == 3)
			d = INT64_MIN;
		else if (i == 4)
			d = INT64_MAX;
		CHECK_EQ(durlog_add(l, i % 5 * 1000, d), 0);
	}
	CHECK_EQ(durlog_each(l, durlog_check, &seen), 0);
	CHECK_EQ(seen.n, n);
	CHECK_EQ(seen.bad, 0);
	durlog_free(l);
}

int main(void)
{
	RUN(test_definition_by_hand);
	RUN(test_recursion_total_by_hand);
	RUN(test_sql_and_c_agree);
	RUN(test_statacc_two_pass_exact);
	RUN(test_statacc_dense_short_calls);
	RUN(test_durlog_round_trip);
	return TEST_EXIT();
}
