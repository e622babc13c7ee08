// SPDX-License-Identifier: MIT
/*
 * Unit tests of the report on a trace recorded on this machine
 * (tests/fixtures/calls.ukt: workload calls 200 with -f a, -f r and three
 * tracepoints): import, counts, callers, cut files, and crafted files whose
 * names try to run SQL during the import.
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "../../report/store/db.h"
#include "../../report/store/import.h"
#include "../../report/ingest/trace.h"
#include "uktrace/format.h"

#define FIXTURE "tests/fixtures/calls.ukt"

static char tmpdir[] = "/tmp/ukt-test-report-XXXXXX";
static char path_buf[512];

static const char *tmp(const char *name)
{
	snprintf(path_buf, sizeof(path_buf), "%s/%s", tmpdir, name);
	return path_buf;
}

/* Import path into db; 0 or error. */
static int import_file(const char *path, const char *db)
{
	struct ukt_buf err = UKT_BUF_INIT, warn = UKT_BUF_INIT;
	struct import_result res;
	struct trace *t;
	int rc;

	t = trace_open(path, &rc, &err);
	if (t) {
		rc = import_trace(t, db, &res, &err, &warn);
		if (rc)
			printf("  import: %s\n", err.data);
	}
	trace_free(t);
	ukt_buf_release(&err);
	ukt_buf_release(&warn);
	return rc;
}

static int64_t q(const char *db, const char *sql)
{
	struct db *d = db_open(db, DB_READONLY, NULL);
	int64_t v = -1;

	if (d) {
		if (db_query_int(d, sql, &v))
			v = -1;
		db_close(d);
	}
	return v;
}

static void test_fixture_import(void)
{
	char db[512];

	if (access(FIXTURE, R_OK) != 0)
		SKIP("fixture missing (run from the repository root)");
	snprintf(db, sizeof(db), "%s", tmp("f.db"));
	CHECK_EQ(import_file(FIXTURE, db), 0);
	CHECK_EQ(q(db, "SELECT COUNT(*) FROM calls WHERE func = 'a' AND complete"), 200);
	CHECK_EQ(q(db, "SELECT COUNT(*) FROM calls WHERE func = 'r' AND complete"), 65);
	CHECK_EQ(q(db, "SELECT MAX(depth) FROM calls WHERE func = 'r'"), 4);
	CHECK_EQ(q(db, "SELECT calls FROM callers WHERE func = 'a' AND caller_symbol LIKE 'caller_one+%'"), 150);
	CHECK_EQ(q(db, "SELECT calls FROM callers WHERE func = 'a' AND caller_symbol LIKE 'caller_two+%'"), 50);
	CHECK_EQ(q(db, "SELECT COUNT(*) FROM probe_a"), 200);
	CHECK_EQ(q(db, "SELECT COUNT(*) FROM probe_sched_process_exit"), 1);
	/* the materialized summary equals the live view */
	CHECK_EQ(q(db, "SELECT COUNT(*) FROM call_summary s JOIN call_stats v USING (func)"
		      " WHERE s.calls = v.calls AND s.p50_ns = v.p50_ns AND s.p99_ns = v.p99_ns"
		      " AND s.max_ns = v.max_ns AND s.self_ns = v.self_ns"), 2);
	/* ids follow time */
	CHECK_EQ(q(db, "SELECT COUNT(*) FROM events a JOIN events b ON b.id = a.id + 1 WHERE b.ts < a.ts"), 0);
	CHECK_EQ(q(db, "SELECT COUNT(*) FROM threads WHERE comm = 'fixture-workloa'"), 1);
	CHECK_EQ(q(db, "SELECT COUNT(*) FROM damage"), 0);
}

static int slurp(const char *path, struct ukt_buf *b)
{
	ukt_buf_reset(b);
	return ukt_buf_read_file(b, path);
}

static int spit(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");
	size_t n;

	if (!f)
		return -errno;
	n = fwrite(data, 1, len, f);
	return fclose(f) == 0 && n == len ? 0 : -EIO;
}

static void test_cut_files_import(void)
{
	struct ukt_buf file = UKT_BUF_INIT;
	int64_t last = 1 << 30;

	if (access(FIXTURE, R_OK) != 0)
		SKIP("fixture missing");
	CHECK_EQ(slurp(FIXTURE, &file), 0);
	/* from the whole file down to the header: fewer events, never a failure */
	for (int k = 0; k <= 16; k++) {
		size_t cut = file.len - (file.len - 64) * (size_t)k / 16;
		char p[512], db[512];
		struct ukt_buf err = UKT_BUF_INIT;
		struct trace *t;
		int rc;
		int64_t n;

		snprintf(p, sizeof(p), "%s", tmp("cut.ukt"));
		snprintf(db, sizeof(db), "%s/cut%d.db", tmpdir, k);
		CHECK_EQ(spit(p, file.data, cut), 0);
		t = trace_open(p, &rc, &err);
		CHECK(t);
		CHECK(k == 0 ? t->ndamage == 0 : t->ndamage > 0);
		trace_free(t);
		ukt_buf_release(&err);
		rc = import_file(p, db);
		if (rc) {
			/* a file cut before its formats has nothing to decode */
			CHECK(k >= 12);
			continue;
		}
		n = q(db, "SELECT COUNT(*) FROM events");
		CHECK(n >= 0 && n <= last);
		last = n;
		if (k)
			CHECK(q(db, "SELECT COUNT(*) FROM damage") >= 1);
	}
	ukt_buf_release(&file);
}

/* Copy the fixture, rewriting names in PROBE, EVENT_FORMAT and THREADS. */
#define EVIL "x\"); ATTACH DATABASE '/tmp/ukt-pwned.db' AS pwn; CREATE TABLE pwn.t(x); DROP TABLE events; --"
static int craft(const char *in, const char *out)
{
	struct ukt_reader *r;
	struct ukt_writer *w;
	struct ukt_block b;
	struct ukt_buf nb = UKT_BUF_INIT;
	int err;

	r = ukt_reader_open(in, &err);
	if (!r)
		return err;
	w = ukt_writer_create(out, ukt_reader_info(r), true);
	if (!w) {
		ukt_reader_free(r);
		return -errno;
	}
	while (ukt_reader_next(r, &b, 0) == 1) {
		struct ukt_cursor c = { b.data, b.len };
		struct ukt_kv kv;
		const void *data = b.data;
		size_t len = b.len;

		ukt_buf_reset(&nb);
		if (b.desc.type == UKT_B_TRAILER)
			continue;
		if (b.desc.type == UKT_B_PROBE) {
			while (ukt_kv_next(&c, &kv) == 1) {
				if (ukt_kv_is(&kv, "system")) {
					ukt_kv_add(&nb, "system", EVIL);
				} else if (ukt_kv_is(&kv, "func")) {
					/* hostile, but still one name per function */
					struct ukt_buf f = UKT_BUF_INIT;

					ukt_buf_addf(&f, "%s%.*s", EVIL, (int)kv.vlen, kv.value);
					ukt_kv_add(&nb, "func", f.data);
					ukt_buf_release(&f);
				} else {
					ukt_buf_add_lstr(&nb, kv.key, kv.klen);
					ukt_buf_add_lstr(&nb, kv.value, kv.vlen);
				}
			}
			data = nb.data;
			len = nb.len;
		} else if (b.desc.type == UKT_B_EVENT_FORMAT) {
			const char *sys;
			uint32_t sl;

			if (ukt_cur_lstr(&c, &sys, &sl) == 0) {
				ukt_buf_add_lstr(&nb, EVIL, strlen(EVIL));
				ukt_buf_add(&nb, c.p, c.left);
				data = nb.data;
				len = nb.len;
			}
		} else if (b.desc.type == UKT_B_THREADS || b.desc.type == UKT_B_CMDLINES) {
			/* renames the first thread (THREADS: the traced one, last
			 * line wins), and names tid 1, which has no events */
			int tid = 1, pid = 1;
			char first[64];

			snprintf(first, sizeof(first), "%.*s", (int)(b.len < 63 ? b.len : 63),
				 (const char *)b.data);
			if (b.desc.type == UKT_B_THREADS && sscanf(first, "%d %d", &tid, &pid) != 2)
				tid = pid = 1;
			ukt_buf_addf(&nb, "%.*s%d %d %s\n", (int)b.len, (const char *)b.data, tid, pid,
				     EVIL);
			data = nb.data;
			len = nb.len;
		}
		err = ukt_writer_add(w, NULL, &b.desc, data, len);
		if (err)
			break;
	}
	if (!err)
		err = ukt_writer_finish(w);
	ukt_writer_free(w);
	ukt_reader_free(r);
	ukt_buf_release(&nb);
	return err;
}

static void test_crafted_names_are_data(void)
{
	char evil[512], db[512];

	if (access(FIXTURE, R_OK) != 0)
		SKIP("fixture missing");
	unlink("/tmp/ukt-pwned.db");
	snprintf(evil, sizeof(evil), "%s", tmp("evil.ukt"));
	snprintf(db, sizeof(db), "%s/evil.db", tmpdir);
	CHECK_EQ(craft(FIXTURE, evil), 0);
	CHECK_EQ(import_file(evil, db), 0);
	/* nothing ran: no attached file, every table still there */
	CHECK(access("/tmp/ukt-pwned.db", F_OK) != 0);
	CHECK_EQ(q(db, "SELECT COUNT(*) > 0 FROM events"), 1);
	CHECK_EQ(q(db, "SELECT COUNT(*) FROM calls WHERE complete"), 265);
	/* and the names are kept as they were, as data */
	{
		struct db *d = db_open(db, DB_READONLY, NULL);
		struct db_stmt *s = db_prepare(d, "SELECT system FROM probes WHERE name = 'a'", NULL);

		CHECK(s);
		CHECK_EQ(db_step(s, NULL), 1);
		CHECK_STR(db_column_text(s, 0), EVIL);
		db_finalize(s);
		s = db_prepare(d, "SELECT comm FROM threads WHERE tid = (SELECT tid FROM call_data LIMIT 1)",
			       NULL);
		CHECK(s);
		CHECK_EQ(db_step(s, NULL), 1);
		CHECK_STR(db_column_text(s, 0), EVIL);
		db_finalize(s);
		db_close(d);
	}
}

static void test_not_a_trace(void)
{
	struct ukt_buf err = UKT_BUF_INIT;
	struct trace *t;
	int rc;

	t = trace_open("/etc/hostname", &rc, &err);
	CHECK(!t);
	CHECK(strstr(err.data, "not a uktrace trace file"));
	ukt_buf_release(&err);
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		return 1;
	RUN(test_fixture_import);
	RUN(test_cut_files_import);
	RUN(test_crafted_names_are_data);
	RUN(test_not_a_trace);
	if (!t_failed_total) {
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		if (system(cmd))
			return 1;
	}
	return TEST_EXIT();
}
