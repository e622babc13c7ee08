/* SPDX-License-Identifier: MIT */
/*
 * Loading trace files into ClickHouse, for fleets: the tables and column
 * names of docs/SCHEMA.md's views (calls, events, call_stats, callers)
 * and tables (meta, probes, threads, cpus, lost), each row with the host
 * it came from and its trace_id, plus a traces table that lists what was
 * loaded. The file is decoded and paired here and its rows streamed in
 * batches (RowBinary over HTTP): no SQLite in between, memory flat.
 *
 * Loading is idempotent: trace_id comes from the file's contents, a file
 * whose trace_id is in traces is skipped, and the traces row is written
 * last, so rows of an interrupted load are found and deleted before the
 * file is loaded again. The views count only traces listed in traces.
 */
#ifndef UKT_CHLOAD_H
#define UKT_CHLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "uktrace/buf.h"

struct ch;

/* Create the database, tables and views when missing. 0, or negative
 * with the server's words in err. */
int chload_schema(struct ch *h, struct ukt_buf *err);

struct chload_result {
	bool skipped;		/* already loaded */
	char trace_id[40];
	char host[256];		/* the host it is (or was) loaded as */
	uint64_t events, calls;
	double seconds;
};

/*
 * Load the trace file at path as host (NULL: the host it was recorded
 * on). 0, or negative with a message in err; warnings (damage) to warn.
 */
int chload_file(struct ch *h, const char *path, const char *host,
		struct chload_result *res, struct ukt_buf *err, struct ukt_buf *warn);

/* The trace_id of the file at path: its contents' checksums and size. */
int chload_trace_id(const char *path, char *id, size_t n);

#endif
