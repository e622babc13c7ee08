// SPDX-License-Identifier: MIT
/* Rows between threads (rowq.h): a mutex, two condition variables. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rowq.h"

struct rowq {
	pthread_mutex_t lock;
	pthread_cond_t ready, room;
	int ntables;
	int *ncol;
	size_t rows;
	int depth;
	struct rowchunk **cur;		/* per table, the producer's */
	struct rowchunk **full;		/* ring of waiting chunks */
	int head, count;
	struct rowchunk **spare;	/* recycled */
	int nspare, spare_cap;
	bool closed;
	int producer_err, writer_err;
	int nomem;			/* a row could not be stored */
};

static struct rowchunk *chunk_new(struct rowq *q, int table)
{
	struct rowchunk *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->table = table;
	c->ncol = q->ncol[table];
	c->cap = q->rows;
	ukt_buf_init(&c->text);
	c->vals = calloc(c->cap * (size_t)c->ncol, sizeof(*c->vals));
	if (!c->vals) {
		free(c);
		return NULL;
	}
	return c;
}

static void chunk_free(struct rowchunk *c)
{
	if (!c)
		return;
	free(c->vals);
	ukt_buf_release(&c->text);
	free(c);
}

struct rowq *rowq_new(int ntables, const int *ncol, size_t rows, int depth)
{
	struct rowq *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->ready, NULL);
	pthread_cond_init(&q->room, NULL);
	q->ntables = ntables;
	q->rows = rows;
	q->depth = depth;
	q->ncol = calloc((size_t)ntables, sizeof(*q->ncol));
	q->cur = calloc((size_t)ntables, sizeof(*q->cur));
	q->full = calloc((size_t)depth, sizeof(*q->full));
	if (!q->ncol || !q->cur || !q->full) {
		rowq_free(q);
		return NULL;
	}
	memcpy(q->ncol, ncol, (size_t)ntables * sizeof(*ncol));
	for (int t = 0; t < ntables; t++) {
		q->cur[t] = chunk_new(q, t);
		if (!q->cur[t]) {
			rowq_free(q);
			return NULL;
		}
	}
	return q;
}

void rowq_free(struct rowq *q)
{
	if (!q)
		return;
	for (int t = 0; q->cur && t < q->ntables; t++)
		chunk_free(q->cur[t]);
	for (int i = 0; q->full && i < q->count; i++)
		chunk_free(q->full[(q->head + i) % q->depth]);
	for (int i = 0; i < q->nspare; i++)
		chunk_free(q->spare[i]);
	free(q->spare);
	free(q->full);
	free(q->cur);
	free(q->ncol);
	pthread_cond_destroy(&q->ready);
	pthread_cond_destroy(&q->room);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

static struct rowval *cell(struct rowq *q, int table, int col)
{
	struct rowchunk *c = q->cur[table];

	return &c->vals[c->n * (size_t)c->ncol + (size_t)col];
}

void rowq_row(struct rowq *q, int table)
{
	struct rowchunk *c = q->cur[table];

	memset(&c->vals[c->n * (size_t)c->ncol], 0, (size_t)c->ncol * sizeof(*c->vals));
}

void rowq_int(struct rowq *q, int table, int col, int64_t v)
{
	struct rowval *x = cell(q, table, col);

	x->type = RV_INT;
	x->i = v;
}

static void store(struct rowq *q, int table, int col, const void *p, int len, uint8_t type)
{
	struct rowchunk *c = q->cur[table];
	struct rowval *x = cell(q, table, col);

	x->type = RV_NULL;
	x->i = (int64_t)c->text.len;
	x->len = len;
	if (ukt_buf_add(&c->text, p, (size_t)len) == 0)
		x->type = type;
	else
		q->nomem = 1;
}

void rowq_text(struct rowq *q, int table, int col, const char *s, int len)
{
	store(q, table, col, s, len < 0 ? (int)strlen(s) : len, RV_TEXT);
}

void rowq_blob(struct rowq *q, int table, int col, const void *p, int len)
{
	store(q, table, col, p, len, RV_BLOB);
}

/* Queue the producer's chunk of table and take a fresh one. */
static int push(struct rowq *q, int table)
{
	struct rowchunk *fresh = NULL;
	int err;

	pthread_mutex_lock(&q->lock);
	while (q->count == q->depth && !q->writer_err)
		pthread_cond_wait(&q->room, &q->lock);
	err = q->writer_err;
	if (!err) {
		q->full[(q->head + q->count) % q->depth] = q->cur[table];
		q->count++;
		/* a spare chunk of the same table: the same shape */
		for (int i = 0; i < q->nspare && !fresh; i++) {
			if (q->spare[i]->table == table) {
				fresh = q->spare[i];
				q->spare[i] = q->spare[--q->nspare];
			}
		}
		pthread_cond_signal(&q->ready);
	}
	pthread_mutex_unlock(&q->lock);
	if (err)
		return err;
	if (!fresh)
		fresh = chunk_new(q, table);
	q->cur[table] = fresh;
	return fresh ? 0 : -ENOMEM;
}

int rowq_end_row(struct rowq *q, int table)
{
	struct rowchunk *c = q->cur[table];

	if (q->nomem)
		return -ENOMEM;
	if (++c->n < c->cap)
		return 0;
	return push(q, table);
}

int rowq_close(struct rowq *q, int err)
{
	for (int t = 0; !err && t < q->ntables; t++)
		if (q->cur[t]->n)
			err = push(q, t);
	pthread_mutex_lock(&q->lock);
	q->closed = true;
	q->producer_err = err;
	pthread_cond_broadcast(&q->ready);
	pthread_mutex_unlock(&q->lock);
	return err;
}

int rowq_pop(struct rowq *q, struct rowchunk **c)
{
	int rc;

	pthread_mutex_lock(&q->lock);
	while (!q->count && !q->closed)
		pthread_cond_wait(&q->ready, &q->lock);
	if (q->producer_err) {
		rc = q->producer_err;
	} else if (q->count) {
		*c = q->full[q->head];
		q->head = (q->head + 1) % q->depth;
		q->count--;
		pthread_cond_signal(&q->room);
		rc = 1;
	} else {
		rc = 0;
	}
	pthread_mutex_unlock(&q->lock);
	return rc;
}

void rowq_recycle(struct rowq *q, struct rowchunk *c)
{
	c->n = 0;
	ukt_buf_reset(&c->text);
	pthread_mutex_lock(&q->lock);
	if (q->nspare == q->spare_cap) {
		int cap = q->spare_cap ? q->spare_cap * 2 : 8;
		void *p = reallocarray(q->spare, (size_t)cap, sizeof(*q->spare));

		if (!p) {
			pthread_mutex_unlock(&q->lock);
			chunk_free(c);
			return;
		}
		q->spare = p;
		q->spare_cap = cap;
	}
	q->spare[q->nspare++] = c;
	pthread_mutex_unlock(&q->lock);
}

void rowq_fail(struct rowq *q, int err)
{
	pthread_mutex_lock(&q->lock);
	q->writer_err = err ? err : -ECANCELED;
	pthread_cond_broadcast(&q->room);
	pthread_mutex_unlock(&q->lock);
}
