// SPDX-License-Identifier: MIT
/*
 * The statistics have one definition (report/stats.h) and two
 * implementations: the SQL of the call_stats views and stats_compute in C.
 * These tests hold them to each other on random calls (ties, incomplete
 * calls, groups of one, NULL keys), grouped and filtered as the commands
 * do, and hold both to the definition on a case worked by hand.
 */
#include <stdlib.h>
#include <unistd.h>

#include "test.h"
#include "../../report/db.h"
#include "../../report/schema.h"
#include "../../report/stats.h"

static char path[64];

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
	if (!d || schema_create_tables(d, 0, &err)) {
		printf("  %s\n", err.data);
		ukt_buf_release(&err);
		db_close(d);
		return NULL;
	}
	srand(seed);
	db_exec(d, "BEGIN", NULL);
	s = db_prepare(d, "INSERT INTO calls(func, tid, pid, comm, duration_ns, self_ns,"
			  " complete, entry_ts) VALUES(?,?,?,?,?,?,?,?)", &err);
	for (int i = 0; s && i < n; i++) {
		static const char *const funcs[] = { "a", "b", "c", "solo" };
		int f = i == 0 ? 3 : rand() % 3;	/* "solo": one call */
		int complete = f == 3 || rand() % 8 != 0;
		int64_t dur = rand() % 50 * 1000 + (rand() % 4 == 0 ? 999999 : 0);

		db_bind_text(s, 1, funcs[f], -1);
		db_bind_int(s, 2, 100 + rand() % 4);
		if (rand() % 10)
			db_bind_int(s, 3, 10 + rand() % 2);	/* else pid NULL */
		else
			db_bind_null(s, 3);
		db_bind_text(s, 4, rand() % 2 ? "x" : "y", -1);
		if (complete) {
			db_bind_int(s, 5, dur);
			db_bind_int(s, 6, dur / 2);
		} else {
			db_bind_null(s, 5);
			db_bind_null(s, 6);
		}
		db_bind_int(s, 7, complete);
		db_bind_int(s, 8, i * 1000);
		db_step(s, NULL);
		db_reset(s);
	}
	db_finalize(s);
	db_exec(d, "COMMIT", NULL);
	ukt_buf_release(&err);
	return d;
}

/* Every row of stats_compute equals the view's row of the same keys. */
static int compare(struct db *d, const char *keys, int kcols, const struct sql_filter *f)
{
	struct ukt_buf sql = UKT_BUF_INIT, err = UKT_BUF_INIT;
	struct stats_row *rows = NULL;
	size_t n = 0, nview = 0;
	struct db_stmt *s;
	int bad = 0;

	if (stats_compute(d, keys, kcols, f, &rows, &n, &err)) {
		printf("  stats_compute: %s\n", err.data);
		return 1;
	}
	stats_sql_view(&sql, keys, f ? f->where.data : NULL);
	s = db_prepare(d, sql.data, &err);
	if (!s) {
		printf("  view: %s\n", err.data);
		return 1;
	}
	filter_bind(s, f, 1);
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
	ukt_buf_release(&sql);
	ukt_buf_release(&err);
	return bad;
}

static void test_sql_and_c_agree(void)
{
	for (unsigned int seed = 1; seed <= 5; seed++) {
		struct db *d = fill(seed, 200 + (int)seed * 97);
		struct sql_filter f = { UKT_BUF_INIT, 0, { { 0 } } };

		CHECK(d);
		CHECK_EQ(compare(d, "func", 1, NULL), 0);
		CHECK_EQ(compare(d, "func, pid", 2, NULL), 0);
		CHECK_EQ(compare(d, "func, comm", 2, NULL), 0);
		/* the filters the commands build */
		filter_int(&f, "(pid = ? OR tid = ?)", 10);
		filter_more_int(&f, 10);
		CHECK_EQ(compare(d, "func", 1, &f), 0);
		filter_release(&f);
		filter_text(&f, "comm GLOB ?", "x*");
		filter_int(&f, "COALESCE(entry_ts, return_ts) >= ?", 30000);
		CHECK_EQ(compare(d, "func", 1, &f), 0);
		CHECK_EQ(compare(d, "func, pid", 2, &f), 0);
		filter_release(&f);
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
	s = db_prepare(d, "INSERT INTO calls(func, duration_ns, self_ns, complete) VALUES('f', ?, 1, ?)", NULL);
	for (int i = 1; i <= 12; i++) {
		db_bind_int(s, 1, i <= 10 ? i : 0);
		db_bind_int(s, 2, i <= 10);	/* two incomplete calls */
		db_step(s, NULL);
		db_reset(s);
	}
	db_finalize(s);
	CHECK_EQ(stats_compute(d, "func", 1, NULL, &rows, &n, &err), 0);
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
	CHECK_EQ(compare(d, "func", 1, NULL), 0);
	stats_free(rows, n);
	ukt_buf_release(&err);
	db_close(d);
	unlink(path);
}

int main(void)
{
	RUN(test_definition_by_hand);
	RUN(test_sql_and_c_agree);
	return TEST_EXIT();
}
