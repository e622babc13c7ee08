/* SPDX-License-Identifier: MIT */
/*
 * Batched inserts: rows are collected (values copied, so the caller's
 * buffers may change) and written BATCH_ROWS at a time with one multi-row
 * INSERT, which costs SQLite about 30% less per row than one statement per
 * row. Leftover rows are written one by one at the flush.
 */
#ifndef UKT_BATCH_H
#define UKT_BATCH_H

#include <stdint.h>

#include "uktrace/buf.h"

#define BATCH_ROWS 8

struct db;
struct db_stmt;

struct batch_val {
	uint8_t type;		/* 0 NULL, 1 integer, 2 text, 3 blob */
	int64_t i;		/* integer, or offset into the row's text */
	int len;
};

struct batch {
	struct db_stmt *one, *many;
	int ncol;
	int n;			/* rows buffered */
	struct batch_val *vals;	/* BATCH_ROWS * ncol */
	struct ukt_buf text[BATCH_ROWS];
	struct ukt_buf *err;
};

/* INSERT INTO table (cols) for ncol columns ("a, b, c"). */
int batch_init(struct batch *b, struct db *d, const char *table,
	       const char *cols, int ncol, struct ukt_buf *err);
/* Start a row (all NULL), set columns (0-based), then end it. */
void batch_row(struct batch *b);
void batch_int(struct batch *b, int col, int64_t v);
void batch_text(struct batch *b, int col, const char *s, int len);
void batch_blob(struct batch *b, int col, const void *p, int len);
int batch_end_row(struct batch *b);
/* Write what is buffered. */
int batch_flush(struct batch *b);
void batch_release(struct batch *b);

#endif
