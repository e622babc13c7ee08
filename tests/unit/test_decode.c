// SPDX-License-Identifier: MIT
/*
 * The decoder reads the same events with every CPU's pages read ahead on
 * threads of their own (pagefeed.h) as it does walking them itself: the
 * recorded fixtures, cut copies of them, and the fuzzers' corpus of
 * damaged files, event by event (time, CPU, thread, layout, bytes,
 * losses, stacks) and in what it counts.
 */
#include <dirent.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "../../report/ingest/decode.h"
#include "../../report/ingest/trace.h"

static char tmpdir[] = "/tmp/ukt-test-decode-XXXXXX";

struct digest {
	uint64_t h, n;
	struct decode_stats st;
	int rc;
};

static void mix(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		*h = (*h ^ b[i]) * 0x100000001b3ull;
}

static void walk(struct decoder *d, struct digest *g)
{
	struct dec_event ev;
	int rc;

	memset(g, 0, sizeof(*g));
	g->h = 0xcbf29ce484222325ull;
	while ((rc = decoder_next(d, &ev)) == 1) {
		mix(&g->h, &ev.ts, sizeof(ev.ts));
		mix(&g->h, &ev.cpu, sizeof(ev.cpu));
		mix(&g->h, &ev.tid, sizeof(ev.tid));
		mix(&g->h, &ev.lay->id, sizeof(ev.lay->id));
		mix(&g->h, &ev.missed, sizeof(ev.missed));
		mix(&g->h, &ev.missed_since, sizeof(ev.missed_since));
		mix(&g->h, ev.data, (size_t)ev.size);
		mix(&g->h, ev.kstack ? ev.kstack : (const uint64_t *)"", (size_t)ev.nkstack * 8);
		mix(&g->h, ev.ustack ? ev.ustack : (const uint64_t *)"", (size_t)ev.nustack * 8);
		g->n++;
	}
	g->rc = rc;
	g->st = *decoder_stats(d);
}

/* 1 when path decoded the same both ways, 0 when it is no trace, -1 not. */
static int same_both_ways(const char *path)
{
	struct ukt_buf err = UKT_BUF_INIT, warn = UKT_BUF_INIT;
	struct digest a, b;
	struct decoder *d = NULL;
	int rc, same = 0;
	struct trace *t = trace_open(path, &rc, &err);

	if (t)
		d = decoder_new(t, &err, &warn);
	if (d) {
		walk(d, &a);
		decoder_rewind(d);
		decoder_read_ahead(d);
		walk(d, &b);
		same = a.h == b.h && a.n == b.n && a.rc == b.rc &&
		       !memcmp(&a.st, &b.st, sizeof(a.st)) ? 1 : -1;
		if (same < 0)
			printf("  %s: %llu events vs %llu read ahead, bad pages %llu vs %llu\n", path,
			       (unsigned long long)a.n, (unsigned long long)b.n,
			       (unsigned long long)a.st.bad_pages, (unsigned long long)b.st.bad_pages);
	}
	decoder_free(d);
	trace_free(t);
	ukt_buf_release(&err);
	ukt_buf_release(&warn);
	return same;
}

static void test_fixtures_read_ahead(void)
{
	CHECK_EQ(same_both_ways("tests/fixtures/calls.ukt"), 1);
	CHECK_EQ(same_both_ways("tests/fixtures/pages-getppid.ukt"), 1);
}

/* A fixture cut at many lengths: the last block's pages half there (its
 * data blocks are last, after its symbol tables). */
static void test_cut_files_read_ahead(void)
{
	const char *src = "tests/fixtures/calls.ukt";
	char path[600];
	struct stat st;
	int decoded = 0;

	CHECK(stat(src, &st) == 0);
	snprintf(path, sizeof(path), "%s/cut.ukt", tmpdir);
	for (int k = 1; k < 32; k++) {
		long long len = k < 16 ? (long long)st.st_size * k / 16 :
			       (long long)st.st_size - (k - 15) * 256;
		char cmd[1400];
		int r;

		snprintf(cmd, sizeof(cmd), "head -c %lld %s > %s", len, src, path);
		CHECK(system(cmd) == 0);
		r = same_both_ways(path);
		CHECK(r >= 0);
		decoded += r;
	}
	CHECK(decoded > 0);
}

static void test_corpus_read_ahead(void)
{
	DIR *dir = opendir("tests/fuzz/corpus");
	struct dirent *e;
	int bad = 0;

	CHECK(dir);
	while ((e = readdir(dir))) {
		char path[600];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "tests/fuzz/corpus/%s", e->d_name);
		bad += same_both_ways(path) < 0;
	}
	closedir(dir);
	CHECK_EQ(bad, 0);
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		return 1;
	RUN(test_fixtures_read_ahead);
	RUN(test_cut_files_read_ahead);
	RUN(test_corpus_read_ahead);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		if (system(cmd))
			return 1;
	}
	return TEST_EXIT();
}
