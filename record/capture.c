// SPDX-License-Identifier: MIT
/*
 * The per-CPU reader loop: the recorder's hot path. Pages are read straight
 * into the block being built (one copy, by the kernel), compressed in this
 * thread, and appended under the writer's lock. Nothing here parses events.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "uktrace/clock.h"
#include "capture.h"
#include "uktrace/format.h"
#include "uktrace/rbpage.h"

struct cpu_reader {
	struct capture *c;
	int cpu;
	int fd;
	int pipe[2];		/* splice goes through a pipe: full pages only */
	pthread_t thread;
	bool started;
	uint8_t *block;
	uint32_t npages;
	bool partial;		/* read(2) took part of a page: see take_pages */
	bool reached_min_ts;	/* a drain's pages are past min_ts */
	uint64_t taken;		/* pages read */
	struct ukt_encoder *enc;
	struct ukt_rbpage *rb;	/* a drain's last page: made when needed */
};

struct capture {
	struct capture_opts o;
	int stopfd;
	int stop;		/* atomic */
	int err;		/* atomic: first error */
	int limit_hit;		/* atomic */
	uint64_t pages_dropped;	/* atomic: past the size limit */
	uint64_t pages;		/* atomic: read */
	int running;		/* atomic: threads not ended */
	/* the file the blocks go to: read-locked around each append,
	 * write-locked to change it (--rotate) */
	pthread_rwlock_t wlock;
	struct ukt_writer *writer;
	unsigned int gen;	/* atomic: changes of writer */
	int rotate_wanted;	/* atomic */
	int rotate_abandoned;	/* atomic */
	struct cpu_reader *cpus;
};

static uint64_t now_ms(void)
{
	return ukt_now_ns() / 1000000;
}

static void set_error(struct capture *c, int err)
{
	int zero = 0;

	__atomic_compare_exchange_n(&c->err, &zero, err, false,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

static uint64_t page_ts(const struct cpu_reader *r, uint32_t i)
{
	uint64_t ts;

	/* page headers start with the page's u64 timestamp, host order */
	memcpy(&ts, r->block + (size_t)i * r->c->o.subbuf_size, 8);
	return ts;
}

/* The timestamp of page i's last event (its own when it holds none), 0
 * when it does not parse (or without memory to look). */
static uint64_t last_event_ts(struct cpu_reader *r, uint32_t i)
{
	uint32_t sz = r->c->o.subbuf_size;

	if (!r->rb)
		r->rb = ukt_rbpage_new_host(sz);
	if (!r->rb || ukt_rbpage_load(r->rb, r->block + (size_t)i * sz, sz) < 0)
		return 0;
	return ukt_rbpage_last_ts(r->rb);
}

/* A drain's leading pages that end before min_ts: how many to skip. A
 * page ends where the next one starts; the last of the block, whose next
 * is not read yet, where its last event is (whole pages: the first page
 * kept may start before min_ts). */
static uint32_t pages_before(struct cpu_reader *r)
{
	uint64_t min = r->c->o.min_ts;
	uint32_t k = 0;

	if (!min || r->reached_min_ts)
		return 0;
	while (k < r->npages && page_ts(r, k) < min &&
	       (k + 1 == r->npages ? last_event_ts(r, k) < min : page_ts(r, k + 1) <= min))
		k++;
	if (k < r->npages)
		r->reached_min_ts = true;
	return k;
}

/* Append pages [off, off + n) of the block to the current file. */
static int add_pages(struct cpu_reader *r, uint32_t off, uint32_t n,
		     unsigned int *gen, bool *fresh)
{
	struct capture *c = r->c;
	size_t sz = c->o.subbuf_size;
	struct ukt_block_desc d = {
		.type = UKT_B_DATA, .cpu = (uint32_t)r->cpu, .count = n,
		.ts_first = page_ts(r, off), .ts_last = page_ts(r, off + n - 1),
	};
	int err;

	pthread_rwlock_rdlock(&c->wlock);
	*gen = __atomic_load_n(&c->gen, __ATOMIC_ACQUIRE);
	*fresh = ukt_writer_raw_data_bytes(c->writer) == 0;
	err = ukt_writer_add(c->writer, r->enc, &d, r->block + off * sz, n * sz);
	pthread_rwlock_unlock(&c->wlock);
	return err;
}

/* --rotate: ask for the next file and wait for it; false when none will
 * come. */
static bool wait_rotation(struct capture *c, unsigned int gen)
{
	uint64_t one = 1;

	if (__atomic_load_n(&c->rotate_abandoned, __ATOMIC_ACQUIRE))
		return false;
	if (!__atomic_exchange_n(&c->rotate_wanted, 1, __ATOMIC_ACQ_REL) && c->o.notify_fd >= 0 &&
	    write(c->o.notify_fd, &one, sizeof(one)) < 0) {
		/* the owner polls the flag too */
	}
	while (__atomic_load_n(&c->gen, __ATOMIC_ACQUIRE) == gen) {
		struct timespec ts = { 0, 5000000 };

		if (__atomic_load_n(&c->rotate_abandoned, __ATOMIC_ACQUIRE))
			return false;
		nanosleep(&ts, NULL);
	}
	return true;
}

/*
 * Append the block's pages. When the file's size limit refuses them
 * (-EFBIG): with --rotate, they wait for the next file; else as many of
 * the first pages as fit go in, the rest are dropped and counted, and the
 * limit is reported as hit.
 */
static int flush_block(struct cpu_reader *r)
{
	struct capture *c = r->c;
	uint32_t off = pages_before(r), n = 0;
	uint64_t dropped = 0;
	int err = 0;

	while (off < r->npages) {
		bool refused = false, fresh;
		unsigned int gen;

		if (!c->o.rotate && __atomic_load_n(&c->limit_hit, __ATOMIC_RELAXED)) {
			dropped += r->npages - off;
			break;
		}
		n = r->npages - off;
		for (;;) {
			err = add_pages(r, off, n, &gen, &fresh);
			if (err == -EFBIG && c->o.rotate && !fresh && wait_rotation(c, gen))
				continue;	/* the same pages, to the new file */
			refused = err == -EFBIG;
			if (!refused || n == 1)
				break;
			n /= 2;		/* as many as fit */
		}
		if (refused) {
			err = 0;
			if (c->o.rotate) {
				dropped++;	/* a page no file can hold */
				off++;
				continue;
			}
			__atomic_store_n(&c->limit_hit, 1, __ATOMIC_SEQ_CST);
			dropped += r->npages - off;
			break;
		}
		if (err)
			break;
		off += n;
		if (off < r->npages && !c->o.rotate)
			__atomic_store_n(&c->limit_hit, 1, __ATOMIC_SEQ_CST);
	}
	if (dropped)
		__atomic_add_fetch(&c->pages_dropped, dropped, __ATOMIC_RELAXED);
	r->npages = 0;
	return err;
}

/*
 * Move pages from the ring buffer into the block. splice(2) hands out only
 * full pages (the kernel reads them with full=1), which is what recording
 * under load wants. read(2) also returns the page the writer is still
 * filling; when @may_read and splice has nothing, one page comes that way.
 * Returns the bytes added (*by_read says whether read(2) gave them), 0 when
 * nothing is ready, or -errno.
 */
static ssize_t take_pages(struct cpu_reader *r, bool may_read, bool *by_read)
{
	struct capture *c = r->c;
	uint32_t sz = c->o.subbuf_size;
	uint8_t *dst = r->block + (size_t)r->npages * sz;
	size_t room = (size_t)(c->o.pages_per_block - r->npages) * sz;
	ssize_t n, got = 0;

	*by_read = false;
	if (r->pipe[0] >= 0) {
		n = splice(r->fd, NULL, r->pipe[1], NULL, room,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		while (n > 0 && got < n) {
			ssize_t k = read(r->pipe[0], dst + got, (size_t)(n - got));

			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				return k < 0 ? -errno : -EIO;
			got += k;
		}
		if (got) {
			r->partial = false;
			return got;
		}
		if (!may_read)
			return 0;
	}
	/* read(2): one page, the writer's partial page included */
	n = read(r->fd, dst, sz);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (n == 0)
		return 0;
	if ((size_t)n < sz)
		memset(dst + n, 0, sz - (size_t)n);
	r->partial = true;
	*by_read = true;
	return (ssize_t)sz;
}

static void *reader_main(void *arg)
{
	struct cpu_reader *r = arg;
	struct capture *c = r->c;
	uint32_t sz = c->o.subbuf_size;
	uint64_t last_flush = now_ms();
	struct pollfd pfd[2] = {
		{ .fd = r->fd, .events = POLLIN },
		{ .fd = c->stopfd, .events = POLLIN },
	};
	bool read_this_wake = false;
	int err = 0;

	/*
	 * Splice while there are full pages. read(2) is used at the stop, and
	 * at most once per wake-up: when a flush is due, so a quiet CPU's
	 * events reach the file within flush_ms and a killed recorder loses
	 * no more than that; and after such a read, because the kernel's
	 * full=1 path refuses a page whose read position is not 0: splice
	 * stalls until read(2) takes the rest of that page (r->partial).
	 * Never twice per wake-up: a busy CPU would be read an event at a time.
	 */
	for (;;) {
		bool stopping = __atomic_load_n(&c->stop, __ATOMIC_ACQUIRE);
		bool due = now_ms() - last_flush >= c->o.flush_ms;
		bool may_read = stopping || ((due || r->partial) && !read_this_wake);
		bool by_read;
		ssize_t n = take_pages(r, may_read, &by_read);

		if (n < 0) {
			err = (int)n;
			break;
		}
		if (n > 0) {
			r->npages += (uint32_t)((size_t)n / sz);
			r->taken += (uint64_t)n / sz;
			__atomic_add_fetch(&c->pages, (uint64_t)n / sz, __ATOMIC_RELAXED);
			if (r->npages == c->o.pages_per_block) {
				err = flush_block(r);
				last_flush = now_ms();
				if (err)
					break;
			}
			read_this_wake |= by_read;
			if (c->o.max_pages && r->taken >= c->o.max_pages)
				break;	/* a drain that is refilled as fast */
			continue;
		}
		if (stopping)
			break;
		if (due) {
			err = flush_block(r);
			last_flush = now_ms();
			if (err)
				break;
		}
		if (__atomic_load_n(&c->err, __ATOMIC_RELAXED))
			break;	/* another thread hit a write error */
		poll(pfd, 2, (int)c->o.flush_ms);
		read_this_wake = false;
	}
	if (!err)
		err = flush_block(r);
	if (err)
		set_error(c, err);
	__atomic_sub_fetch(&c->running, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void capture_free(struct capture *c)
{
	if (!c)
		return;
	for (int i = 0; c->cpus && i < c->o.ncpus; i++) {
		if (c->cpus[i].fd >= 0)
			close(c->cpus[i].fd);
		if (c->cpus[i].pipe[0] >= 0)
			close(c->cpus[i].pipe[0]);
		if (c->cpus[i].pipe[1] >= 0)
			close(c->cpus[i].pipe[1]);
		free(c->cpus[i].block);
		ukt_encoder_free(c->cpus[i].enc);
		ukt_rbpage_free(c->cpus[i].rb);
	}
	if (c->stopfd >= 0)
		close(c->stopfd);
	pthread_rwlock_destroy(&c->wlock);
	free(c->cpus);
	free(c);
}

struct capture *capture_start(const struct capture_opts *o)
{
	struct capture *c = calloc(1, sizeof(*c));
	int err = 0;

	if (!c) {
		for (int i = 0; i < o->ncpus; i++)
			if (o->fds[i] >= 0)
				close(o->fds[i]);
		errno = ENOMEM;
		return NULL;
	}
	c->o = *o;
	c->o.fds = NULL;
	c->writer = o->writer;
	pthread_rwlock_init(&c->wlock, NULL);
	c->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	c->cpus = calloc((size_t)o->ncpus, sizeof(*c->cpus));
	if (c->stopfd < 0 || !c->cpus) {
		err = c->stopfd < 0 ? -errno : -ENOMEM;
		if (!c->cpus)
			for (int i = 0; i < o->ncpus; i++)
				if (o->fds[i] >= 0)
					close(o->fds[i]);
		goto out_err;
	}
	for (int i = 0; i < o->ncpus; i++) {
		c->cpus[i].fd = o->fds[i];
		c->cpus[i].pipe[0] = c->cpus[i].pipe[1] = -1;
	}
	for (int i = 0; i < o->ncpus; i++) {
		struct cpu_reader *r = &c->cpus[i];

		r->c = c;
		r->cpu = i;
		if (r->fd < 0)
			continue;	/* CPU not present (offline) */
		/* a pipe that holds a whole block (the default 64 KiB would
		 * make splice move 16 pages at a time); without one, read(2) */
		if (pipe2(r->pipe, O_CLOEXEC) == 0 &&
		    fcntl(r->pipe[0], F_SETPIPE_SZ, (int)(o->pages_per_block * o->subbuf_size)) < 0)
			fcntl(r->pipe[0], F_SETPIPE_SZ, 1 << 20);
		r->block = malloc((size_t)o->pages_per_block * o->subbuf_size);
		r->enc = ukt_encoder_new(o->level);
		if (!r->block || !r->enc) {
			err = -ENOMEM;
			goto out_err;
		}
	}
	for (int i = 0; i < o->ncpus; i++) {
		struct cpu_reader *r = &c->cpus[i];

		if (r->fd < 0)
			continue;
		__atomic_add_fetch(&c->running, 1, __ATOMIC_RELEASE);
		err = -pthread_create(&r->thread, NULL, reader_main, r);
		if (err) {
			__atomic_sub_fetch(&c->running, 1, __ATOMIC_RELEASE);
			goto out_err;
		}
		r->started = true;
	}
	if (o->drain)
		capture_stop(c);	/* read what is there, then end */
	return c;

out_err:
	capture_stop(c);
	for (int i = 0; c->cpus && i < o->ncpus; i++)
		if (c->cpus[i].started)
			pthread_join(c->cpus[i].thread, NULL);
	capture_free(c);
	errno = -err;
	return NULL;
}

void capture_stop(struct capture *c)
{
	uint64_t one = 1;

	__atomic_store_n(&c->stop, 1, __ATOMIC_RELEASE);
	if (c->stopfd >= 0 && write(c->stopfd, &one, sizeof(one)) < 0) {
		/* the counter is already set: the threads are awake */
	}
}

int capture_join(struct capture *c, uint64_t *pages_dropped)
{
	int err;

	for (int i = 0; i < c->o.ncpus; i++)
		if (c->cpus[i].started)
			pthread_join(c->cpus[i].thread, NULL);
	err = c->err;
	if (pages_dropped)
		*pages_dropped = c->pages_dropped;
	capture_free(c);
	return err;
}

int capture_error(struct capture *c)
{
	return __atomic_load_n(&c->err, __ATOMIC_SEQ_CST);
}

bool capture_limit_hit(struct capture *c)
{
	return __atomic_load_n(&c->limit_hit, __ATOMIC_SEQ_CST);
}

bool capture_rotate_wanted(struct capture *c)
{
	return __atomic_load_n(&c->rotate_wanted, __ATOMIC_ACQUIRE);
}

void capture_set_writer(struct capture *c, struct ukt_writer *w)
{
	pthread_rwlock_wrlock(&c->wlock);
	c->writer = w;
	__atomic_store_n(&c->rotate_wanted, 0, __ATOMIC_RELEASE);
	__atomic_add_fetch(&c->gen, 1, __ATOMIC_ACQ_REL);
	pthread_rwlock_unlock(&c->wlock);
}

void capture_rotate_abandon(struct capture *c)
{
	__atomic_store_n(&c->rotate_abandoned, 1, __ATOMIC_RELEASE);
}

bool capture_done(struct capture *c)
{
	return __atomic_load_n(&c->running, __ATOMIC_ACQUIRE) == 0;
}

uint64_t capture_pages(struct capture *c)
{
	return __atomic_load_n(&c->pages, __ATOMIC_RELAXED);
}
