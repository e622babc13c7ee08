// SPDX-License-Identifier: MIT
/*
 * Writer throughput on real ring-buffer pages: the DATA pages of the given
 * trace files (recorded on this machine; tests/fixtures), written again and
 * again through the format library by 1 and 2 threads, at zstd levels 1
 * and 3. Prints MB/s of raw pages in and the compression ratio, to compare
 * with what a ring buffer can produce.
 *
 *   format_bench OUTFILE TRACE...
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "uktrace/format.h"

#define TOTAL_MB 512

static struct ukt_buf pages = UKT_BUF_INIT;
static uint32_t subbuf = 4096;

struct job {
	struct ukt_writer *w;
	int level;
	int cpu;
	size_t bytes;
};

static void *run(void *p)
{
	struct job *j = p;
	struct ukt_encoder *e = ukt_encoder_new(j->level);
	size_t block = 64 * (size_t)subbuf, done = 0, off = 0;

	while (e && done < j->bytes) {
		struct ukt_block_desc d = { .type = UKT_B_DATA, .cpu = (uint32_t)j->cpu,
					    .count = 64 };

		if (off + block > pages.len)
			off = 0;
		if (ukt_writer_add(j->w, e, &d, pages.data + off, block))
			break;
		off += block;
		done += block;
	}
	ukt_encoder_free(e);
	return NULL;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: format_bench OUTFILE TRACE...\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		struct ukt_reader *r;
		struct ukt_block b;
		int err;

		r = ukt_reader_open(argv[i], &err);
		if (!r) {
			fprintf(stderr, "format_bench: %s: error %d\n", argv[i], err);
			return 1;
		}
		subbuf = ukt_reader_info(r)->subbuf_size;
		while (ukt_reader_next(r, &b, 0) == 1)
			if (b.desc.type == UKT_B_DATA)
				ukt_buf_add(&pages, b.data, b.len);
		ukt_reader_free(r);
	}
	if (pages.len < 64 * (size_t)subbuf) {
		fprintf(stderr, "format_bench: need at least 64 pages of data\n");
		return 1;
	}
	printf("| threads | zstd level | raw MB/s | compression |\n|---:|---:|---:|---:|\n");
	for (int level = 1; level <= 3; level += 2) {
		for (int threads = 1; threads <= 2; threads++) {
			struct ukt_file_info info = { .endian = 1, .long_size = 8,
						      .subbuf_size = subbuf, .ncpus = 2, .clock = "mono" };
			struct ukt_writer *w = ukt_writer_create(argv[1], &info, true);
			struct job jobs[2];
			pthread_t th[2];
			double t0, t1;
			uint64_t out;

			if (!w)
				return 1;
			t0 = now();
			for (int k = 0; k < threads; k++) {
				jobs[k] = (struct job){ w, level, k, (size_t)TOTAL_MB * 1048576 / (size_t)threads };
				pthread_create(&th[k], NULL, run, &jobs[k]);
			}
			for (int k = 0; k < threads; k++)
				pthread_join(th[k], NULL);
			ukt_writer_finish(w);
			t1 = now();
			out = ukt_writer_bytes(w);
			ukt_writer_free(w);
			printf("| %d | %d | %.0f | %.1fx |\n", threads, level,
			       TOTAL_MB / (t1 - t0), (double)TOTAL_MB * 1048576 / (double)out);
		}
	}
	unlink(argv[1]);
	ukt_buf_release(&pages);
	return 0;
}
