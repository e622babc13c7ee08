/* SPDX-License-Identifier: MIT */
/*
 * Batched inserts: the rows of a chunk (rowq.h) written BATCH_ROWS at a
 * time with one multi-row INSERT, which costs SQLite about 30% less per
 * row than one statement per row (64 rows ~6% less than 16); leftover rows one by one. Only the
 * parameters that change from one run to the next are bound again (a
 * call row's NULLs and repeated values, such as func and tid, are most).
 */
#ifndef UKT_BATCH_H
#define UKT_BATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "rowq.h"
#include "uktrace/buf.h"

/* rows a multi-row INSERT takes at most (fewer where SQLite's limit on
 * parameters is lower than BATCH_ROWS * ncol) */
#define BATCH_ROWS 64

struct db;
struct db_stmt;

/* What a statement's parameters hold: bindings outlive a run, and a
 * parameter that would be bound to what it holds is left alone. */
struct batch_bound {
	uint8_t type;		/* RV_*, RV_NULL as prepared */
	int64_t i;		/* an RV_INT's value */
};

struct batch {
	struct db_stmt *one, *many;
	struct batch_bound *one_bound, *many_bound;
	bool ids;		/* the first column is the rowid (batch_ids) */
	int64_t max_id;		/* the largest rowid inserted */
	int ncol;
	int rows;		/* of the multi-row INSERT */
	struct ukt_buf *err;
};

/* INSERT INTO table (cols) for ncol columns ("a, b, c"). */
int batch_init(struct batch *b, struct db *d, const char *table,
	       const char *cols, int ncol, struct ukt_buf *err);
/*
 * The first column is the table's INTEGER PRIMARY KEY, and the table was
 * empty: a row whose id is one more than the largest so far gets it from
 * SQLite (bound NULL), which appends without the seek and uniqueness
 * check an explicit rowid costs (~25% of SQLite's time for a row of
 * call_data). The rows and their ids are the same.
 */
void batch_ids(struct batch *b);
/* Insert the rows of c (of this batch's table). 0 or negative, with
 * SQLite's message in err. */
int batch_insert(struct batch *b, const struct rowchunk *c);
void batch_release(struct batch *b);

#endif
