// SPDX-License-Identifier: MIT
/*
 * Fuzz target: any bytes as a trace file, through everything that reads
 * untrusted input: the block reader, metadata parsing, libtraceevent
 * decoding behind our page checks, and the SQLite import.
 *
 *   make fuzz && build-fuzz/fuzz_reader tests/fuzz/corpus -max_total_time=600
 *
 * tests/fuzz/regress.c replays tests/fuzz/corpus through the same function
 * in every `make test`, without libFuzzer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../report/ingest/decode.h"
#include "../../report/store/import.h"
#include "../../report/ingest/trace.h"
#include "uktrace/format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ukt_buf err = UKT_BUF_INIT, warn = UKT_BUF_INIT;
	struct import_result res;
	struct ukt_reader *r;
	struct ukt_block b;
	struct trace *t;
	char path[64], db[64];
	int e, fd;

	/* 1. the block reader over memory */
	r = ukt_reader_open_mem(data, size, &e);
	if (r) {
		while (ukt_reader_next(r, &b, 0) == 1)
			;
		ukt_reader_free(r);
	}
	/* 2. the whole report path over a file */
	fd = memfd_create("ukt-fuzz", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	t = trace_open(path, &e, &err);
	if (t) {
		struct decoder *d = decoder_new(t, &err, &warn);
		struct dec_event ev;
		struct ukt_buf info = UKT_BUF_INIT;
		int n = 0;

		while (d && decoder_next(d, &ev) == 1) {
			/* tep's printing of the first events too */
			if (n++ < 64)
				dec_print_info(d, &ev, &info);
			ukt_buf_reset(&info);
		}
		ukt_buf_release(&info);
		decoder_free(d);
		snprintf(db, sizeof(db), "/dev/shm/ukt-fuzz-%d.db", (int)getpid());
		import_trace(t, db, &res, &err, &warn);
		unlink(db);
		trace_free(t);
	}
	close(fd);
	ukt_buf_release(&err);
	ukt_buf_release(&warn);
	return 0;
}
