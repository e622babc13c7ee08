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
	b->ncol = ncol;
	b->err = err;
	b->rows = BATCH_ROWS;
	while (b->rows > 1 && b->rows * ncol > db_max_params(d))
		b->rows /= 2;
	for (int r = 0; r < b->rows; r++) {
		ukt_buf_addf(&sql, r ? ",(" : "INSERT INTO %s(%s) VALUES(", table, cols);
		for (int c = 0; c < ncol; c++)
			ukt_buf_adds(&sql, c ? ",?" : "?");
		ukt_buf_adds(&sql, ")");
		if (r == 0) {
			b->one = db_prepare_buf(d, &sql, err);
			if (!b->one)
				rc = -REP_E_SQL;
		}
	}
	if (!rc) {
		b->many = db_prepare_buf(d, &sql, err);
		if (!b->many)
			rc = -REP_E_SQL;
	}
	ukt_buf_release(&sql);
	if (!rc) {
		/* calloc: every parameter NULL, as SQLite prepares them */
		b->one_bound = calloc((size_t)ncol, sizeof(*b->one_bound));
		b->many_bound = calloc((size_t)ncol * (size_t)b->rows, sizeof(*b->many_bound));
		if (!b->one_bound || !b->many_bound)
			rc = -ENOMEM;
	}
	return rc;
}

void batch_ids(struct batch *b)
{
	b->ids = true;
	b->max_id = 0;
}

/* Bind a row's values from parameter first + 1 on; bound[] is what the
 * statement's parameters hold from there. */
static void bind_row(struct batch *b, const struct rowchunk *c, size_t row,
		     struct db_stmt *s, int first, struct batch_bound *bound)
{
	const struct rowval *v = &c->vals[row * (size_t)c->ncol];
	const char *t = c->text.data;
	int k = 0;

	if (b->ids && v[0].type == RV_INT) {
		/* SQLite's next rowid is the largest + 1 */
		bool next = b->max_id < INT64_MAX && v[0].i == b->max_id + 1;

		if (v[0].i > b->max_id)
			b->max_id = v[0].i;
		if (next) {
			if (bound[0].type != RV_NULL)
				db_bind_null(s, first);
			bound[0].type = RV_NULL;
			k = 1;
		}
	}
	for (; k < c->ncol; k++) {
		if (v[k].type == bound[k].type &&
		    (v[k].type == RV_NULL || (v[k].type == RV_INT && v[k].i == bound[k].i)))
			continue;
		bound[k].type = v[k].type;
		bound[k].i = v[k].i;
		switch (v[k].type) {
		case RV_INT: db_bind_int(s, first + k, v[k].i); break;
		case RV_TEXT: db_bind_text(s, first + k, t + v[k].i, v[k].len); break;
		case RV_BLOB: db_bind_blob(s, first + k, t + v[k].i, v[k].len); break;
		default: db_bind_null(s, first + k); break;
		}
	}
}

int batch_insert(struct batch *b, const struct rowchunk *c)
{
	size_t r = 0;
	int rc = 0;

	for (; r + (size_t)b->rows <= c->n && rc >= 0; r += (size_t)b->rows) {
		for (int k = 0; k < b->rows; k++)
			bind_row(b, c, r + (size_t)k, b->many, 1 + k * b->ncol,
				 &b->many_bound[k * b->ncol]);
		rc = db_step(b->many, b->err);
		db_rerun(b->many);	/* every parameter is bound again */
	}
	for (; r < c->n && rc >= 0; r++) {
		bind_row(b, c, r, b->one, 1, b->one_bound);
		rc = db_step(b->one, b->err);
		db_rerun(b->one);
	}
	return rc < 0 ? rc : 0;
}

void batch_release(struct batch *b)
{
	db_finalize(b->one);
	db_finalize(b->many);
	free(b->one_bound);
	free(b->many_bound);
	memset(b, 0, sizeof(*b));
}
