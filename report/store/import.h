/* SPDX-License-Identifier: MIT */
/*
 * Importing a trace into SQLite: the schema (docs/SCHEMA.md), one streaming
 * pass over the merged events in one transaction, calls paired on the way,
 * indexes and views after the data, callers symbolized at the end. The
 * database is built under a temporary name and renamed into place, so a
 * crash never leaves a half-built database that looks finished.
 */
#ifndef UKT_IMPORT_H
#define UKT_IMPORT_H

#include <stdint.h>

#include "trace.h"
#include "uktrace/buf.h"

#define UKT_SCHEMA_VERSION 10

struct import_result {
	uint64_t events;
	uint64_t calls;
	uint64_t incomplete;
	uint64_t lost_marks;
	double seconds;
};

/*
 * Import t into a new database at db_path (replacing one that is there).
 * 0, or a negative error with a message in err. Warnings (damage, formats
 * that did not parse) are appended to warn.
 */
int import_trace(struct trace *t, const char *db_path,
		 struct import_result *res, struct ukt_buf *err,
		 struct ukt_buf *warn);

#endif
