// SPDX-License-Identifier: MIT
/* A CPU's events read ahead on a thread of its own (pagefeed.h). */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pagefeed.h"
#include "uktrace/format.h"
#include "uktrace/vec.h"

/* blocks decoded ahead, at most: memory stays flat (a block is at most
 * a few MiB of pages) */
#define DEPTH 4

struct rec {
	uint64_t ts;
	long long missed;
	uint32_t off;
	int size;
	uint16_t type;
};

/* A block's pages, and its events: where each lies in them. */
struct batch {
	struct rec *rec;
	size_t n, cap;
	struct ukt_buf data;
};

struct pagefeed {
	const struct trace *t;
	const struct trace_cpu *tc;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct batch b[DEPTH + 1];	/* one being read, the rest queued or free */
	int full[DEPTH + 1];		/* queue of filled batches, in order */
	int nfull, head;
	int freeb[DEPTH + 1];		/* free batches */
	int nfree;
	bool done, stop;
	int err;			/* the thread ran out of memory */
	int cur;			/* the reader's batch, -1: none */
	size_t pos;
	struct pagefeed_stats st;	/* the thread's, read after done */
};

/* The thread's side: a free batch to fill (-1: stopped). */
static int take_free(struct pagefeed *f)
{
	int i = -1;

	pthread_mutex_lock(&f->lock);
	while (!f->nfree && !f->stop)
		pthread_cond_wait(&f->cond, &f->lock);
	if (!f->stop)
		i = f->freeb[--f->nfree];
	pthread_mutex_unlock(&f->lock);
	return i;
}

static void put_full(struct pagefeed *f, int i)
{
	pthread_mutex_lock(&f->lock);
	f->full[(f->head + f->nfull) % (DEPTH + 1)] = i;
	f->nfull++;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

static int add_event(struct batch *b, const struct ukt_rbpage *rb,
		     const struct ukt_rbevent *ev, size_t page, long long missed)
{
	struct rec *r;

	if (ukt_grow(&b->rec, &b->cap, b->n, sizeof(*b->rec)))
		return -ENOMEM;
	r = &b->rec[b->n++];
	r->ts = ev->ts;
	r->missed = missed;
	/* the event where it lies in the block's pages: no copy */
	r->off = (uint32_t)(page + ukt_rbpage_offset(rb, ev));
	r->size = ev->size;
	r->type = ev->type;
	return 0;
}

/*
 * The walk of decode.c's load_page and settle, the same pages and the
 * same damage counted: each block decoded into a batch of its own, its
 * pages in order; a page's missed mark goes with its first event.
 */
static void *feed_main(void *arg)
{
	struct pagefeed *f = arg;
	uint32_t sz = f->t->info.subbuf_size;
	struct ukt_rbpage *rb = ukt_rbpage_new(sz, f->t->info.long_size,
					       f->t->info.endian == 2);
	struct ukt_decoder *zd = ukt_decoder_new();
	bool nomem = !rb || !zd;
	int bi = nomem ? -1 : take_free(f);

	for (size_t blk = 0; bi >= 0 && blk < f->tc->nblocks; blk++) {
		struct batch *b = &f->b[bi];
		uint32_t npages;

		b->n = 0;
		if (ukt_block_decode(zd, &f->tc->blocks[blk], &b->data)) {
			f->st.bad_blocks++;
			continue;
		}
		/* offsets are 32-bit: a block is far smaller (FORMAT.md) */
		npages = b->data.len < UINT32_MAX ? (uint32_t)(b->data.len / sz) : 0;
		for (uint32_t pg = 0; pg < npages && !nomem; pg++) {
			const uint8_t *page = (const uint8_t *)b->data.data + (size_t)pg * sz;
			struct ukt_rbevent ev;
			long long missed;
			int rc = ukt_rbpage_load(rb, page, sz);

			if (rc < 0)
				f->st.bad_pages++;
			if (rc <= 0)
				continue;	/* damaged, or empty */
			missed = ukt_rbpage_missed(rb);
			if (missed)
				f->st.missed_marks++;
			while ((rc = ukt_rbpage_next(rb, &ev)) == 1) {
				if (add_event(b, rb, &ev, (size_t)pg * sz, missed)) {
					nomem = true;
					break;
				}
				missed = 0;
			}
			/* an event that leaves its page: the rest is garbage */
			if (rc < 0)
				f->st.bad_pages++;
		}
		if (nomem)
			break;
		if (b->n) {
			put_full(f, bi);
			bi = take_free(f);
		}
	}
	pthread_mutex_lock(&f->lock);
	if (nomem)
		f->err = -ENOMEM;
	f->done = true;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	ukt_decoder_free(zd);
	ukt_rbpage_free(rb);
	return NULL;
}

struct pagefeed *pagefeed_start(const struct trace *t, const struct trace_cpu *tc)
{
	struct pagefeed *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->t = t;
	f->tc = tc;
	f->cur = -1;
	for (int i = 0; i <= DEPTH; i++) {
		ukt_buf_init(&f->b[i].data);
		f->freeb[f->nfree++] = i;
	}
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	if (pthread_create(&f->thread, NULL, feed_main, f)) {
		pthread_mutex_destroy(&f->lock);
		pthread_cond_destroy(&f->cond);
		free(f);
		return NULL;
	}
	return f;
}

int pagefeed_next(struct pagefeed *f, struct ukt_rbevent *ev, long long *missed)
{
	const struct rec *r;
	struct batch *b;

	if (f->cur >= 0 && f->pos >= f->b[f->cur].n) {
		/* read through: back to the thread */
		pthread_mutex_lock(&f->lock);
		f->b[f->cur].n = 0;
		f->freeb[f->nfree++] = f->cur;
		f->cur = -1;
		pthread_cond_broadcast(&f->cond);
		pthread_mutex_unlock(&f->lock);
	}
	if (f->cur < 0) {
		pthread_mutex_lock(&f->lock);
		while (!f->nfull && !f->done)
			pthread_cond_wait(&f->cond, &f->lock);
		if (f->nfull) {
			f->cur = f->full[f->head];
			f->head = (f->head + 1) % (DEPTH + 1);
			f->nfull--;
			f->pos = 0;
		}
		pthread_mutex_unlock(&f->lock);
		if (f->cur < 0)
			return f->err;
	}
	b = &f->b[f->cur];
	r = &b->rec[f->pos++];
	ev->ts = r->ts;
	ev->data = (const uint8_t *)b->data.data + r->off;
	ev->size = r->size;
	ev->type = r->type;
	*missed = r->missed;
	return 1;
}

void pagefeed_stats(const struct pagefeed *f, struct pagefeed_stats *st)
{
	*st = f->st;
}

void pagefeed_stop(struct pagefeed *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	f->stop = true;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->thread, NULL);
	for (int i = 0; i <= DEPTH; i++) {
		free(f->b[i].rec);
		ukt_buf_release(&f->b[i].data);
	}
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->cond);
	free(f);
}
