/* SPDX-License-Identifier: MIT */
/*
 * Rows on their way from the thread that decodes and pairs to the one
 * that inserts them into SQLite. The producer fills chunks of typed rows
 * (values copied, so its buffers may change), one current chunk per table;
 * a full chunk goes into a bounded queue (the producer waits when the
 * writer is behind, so memory stays flat) and comes back empty for reuse.
 * Either side can fail, and the other one stops at its next step.
 */
#ifndef UKT_ROWQ_H
#define UKT_ROWQ_H

#include <stddef.h>
#include <stdint.h>

#include "uktrace/buf.h"

enum { RV_NULL, RV_INT, RV_TEXT, RV_BLOB };

struct rowval {
	uint8_t type;		/* RV_* */
	int len;		/* text and blobs */
	int64_t i;		/* integer, or offset into the chunk's text */
};

/* Rows of one table. */
struct rowchunk {
	int table;
	int ncol;
	size_t n, cap;		/* rows */
	struct rowval *vals;	/* cap * ncol */
	struct ukt_buf text;	/* the rows' text and blob bytes */
};

struct rowq;

/* A queue for ntables tables of ncol[t] columns, chunks of rows rows, at
 * most depth chunks waiting. NULL on ENOMEM. */
struct rowq *rowq_new(int ntables, const int *ncol, size_t rows, int depth);
void rowq_free(struct rowq *q);

/* ---- producer ---- */

/* Start a row of table (all NULL), set columns (0-based), end it. */
void rowq_row(struct rowq *q, int table);
void rowq_int(struct rowq *q, int table, int col, int64_t v);
void rowq_text(struct rowq *q, int table, int col, const char *s, int len);
void rowq_blob(struct rowq *q, int table, int col, const void *p, int len);
/* 0, -ENOMEM, or the writer's error (it failed: stop). */
int rowq_end_row(struct rowq *q, int table);
/* No more rows: the partial chunks go out, then the end (or err, when
 * negative: the writer stops). 0 or as rowq_end_row. */
int rowq_close(struct rowq *q, int err);

/* ---- writer ---- */

/* The next chunk (1), or 0 when the producer closed and all is taken;
 * negative: the producer's error. Blocks. */
int rowq_pop(struct rowq *q, struct rowchunk **c);
/* Give a taken chunk back for reuse. */
void rowq_recycle(struct rowq *q, struct rowchunk *c);
/* The writer failed with err: the producer's next end_row returns it. */
void rowq_fail(struct rowq *q, int err);

#endif
