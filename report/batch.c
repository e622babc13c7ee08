// SPDX-License-Identifier: MIT
/* Batched multi-row inserts (batch.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "db.h"
#include "errors.h"

int batch_init(struct batch *b, struct db *d, const char *table,
	       const char *cols, int ncol, struct ukt_buf *err)
{
	struct ukt_buf sql = UKT_BUF_INIT;
	int rc = 0;

	memset(b, 0, sizeof(*b));
	for (int r = 0; r < BATCH_ROWS; r++)
		ukt_buf_init(&b->text[r]);
	b->ncol = ncol;
	b->err = err;
	b->vals = calloc((size_t)BATCH_ROWS * (size_t)ncol, sizeof(*b->vals));
	if (!b->vals)
		return -ENOMEM;
	for (int r = 0; r < BATCH_ROWS; r++) {
		ukt_buf_addf(&sql, r ? ",(" : "INSERT INTO %s(%s) VALUES(", table, cols);
		for (int c = 0; c < ncol; c++)
			ukt_buf_adds(&sql, c ? ",?" : "?");
		ukt_buf_adds(&sql, ")");
		if (r == 0) {
			b->one = db_prepare(d, sql.data, err);
			if (!b->one)
				rc = -REP_E_SQL;
		}
	}
	if (!rc) {
		b->many = db_prepare(d, sql.data, err);
		if (!b->many)
			rc = -REP_E_SQL;
	}
	ukt_buf_release(&sql);
	return rc;
}

void batch_row(struct batch *b)
{
	memset(&b->vals[(size_t)b->n * (size_t)b->ncol], 0, (size_t)b->ncol * sizeof(*b->vals));
	ukt_buf_reset(&b->text[b->n]);
}

void batch_int(struct batch *b, int col, int64_t v)
{
	struct batch_val *x = &b->vals[(size_t)b->n * (size_t)b->ncol + (size_t)col];

	x->type = 1;
	x->i = v;
}

static void store(struct batch *b, int col, const void *p, int len, uint8_t type)
{
	struct batch_val *x = &b->vals[(size_t)b->n * (size_t)b->ncol + (size_t)col];
	struct ukt_buf *t = &b->text[b->n];

	x->type = 0;
	x->i = (int64_t)t->len;
	x->len = len;
	if (ukt_buf_add(t, p, (size_t)len) == 0)
		x->type = type;
}

void batch_text(struct batch *b, int col, const char *s, int len)
{
	store(b, col, s, len < 0 ? (int)strlen(s) : len, 2);
}

void batch_blob(struct batch *b, int col, const void *p, int len)
{
	store(b, col, p, len, 3);
}

static void bind_row(struct batch *b, struct db_stmt *s, int row, int first)
{
	const struct batch_val *v = &b->vals[(size_t)row * (size_t)b->ncol];
	const char *t = b->text[row].data;

	for (int c = 0; c < b->ncol; c++) {
		switch (v[c].type) {
		case 1: db_bind_int(s, first + c, v[c].i); break;
		case 2: db_bind_text(s, first + c, t + v[c].i, v[c].len); break;
		case 3: db_bind_blob(s, first + c, t + v[c].i, v[c].len); break;
		default: db_bind_null(s, first + c); break;
		}
	}
}

int batch_end_row(struct batch *b)
{
	int rc;

	if (++b->n < BATCH_ROWS)
		return 0;
	for (int r = 0; r < BATCH_ROWS; r++)
		bind_row(b, b->many, r, 1 + r * b->ncol);
	rc = db_step(b->many, b->err);
	db_reset(b->many);
	b->n = 0;
	return rc < 0 ? rc : 0;
}

int batch_flush(struct batch *b)
{
	int rc = 0;

	for (int r = 0; r < b->n && rc >= 0; r++) {
		bind_row(b, b->one, r, 1);
		rc = db_step(b->one, b->err);
		db_reset(b->one);
	}
	b->n = 0;
	return rc < 0 ? rc : 0;
}

void batch_release(struct batch *b)
{
	db_finalize(b->one);
	db_finalize(b->many);
	free(b->vals);
	for (int r = 0; r < BATCH_ROWS; r++)
		ukt_buf_release(&b->text[r]);
	memset(b, 0, sizeof(*b));
}
