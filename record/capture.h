/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU capture: one thread per CPU reads its instance's
 * per_cpu/cpuN/trace_pipe_raw (opened by tracefs.c) a sub-buffer at a
 * time, blocking in poll(2)
 * until the kernel's buffer_percent wake-up (or a flush timer), and appends
 * the pages, compressed by the thread itself, as DATA blocks.
 */
#ifndef UKT_CAPTURE_H
#define UKT_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

struct ukt_writer;

struct capture_opts {
	struct ukt_writer *writer;
	int ncpus;
	int *fds;			/* ncpus trace_pipe_raw fds (non-blocking),
					 * -1 for a CPU that is not present; the
					 * capture owns them from the start on,
					 * also when it fails */
	uint32_t subbuf_size;
	uint32_t pages_per_block;	/* pages per DATA block */
	int level;			/* zstd level */
	unsigned int flush_ms;		/* flush a partial block this often */
	/* a drain (the flight recorder's dump): read what the buffers hold
	 * and end, at most max_pages per CPU (they may be refilled as fast
	 * as they are read); pages wholly before min_ts are left out */
	bool drain;
	uint64_t max_pages;		/* 0: no limit */
	uint64_t min_ts;		/* trace clock, 0: all */
	/* --rotate: a block the writer refuses for its size limit waits
	 * for the next file (capture_set_writer) instead of being dropped;
	 * notify_fd (an eventfd, or -1) wakes the owner when one waits */
	bool rotate;
	int notify_fd;
};

struct capture;

/* Open every CPU's reader and start the threads. NULL + errno. */
struct capture *capture_start(const struct capture_opts *o);

/*
 * Ask the threads to drain what is left in the buffers and end. Call after
 * tracing was turned off, so the drain ends.
 */
void capture_stop(struct capture *c);

/* Wait for the threads; the first write error, or 0. Frees c. The pages
 * the size limit kept out of the file go to *pages_dropped (optional). */
int capture_join(struct capture *c, uint64_t *pages_dropped);

/* The first error so far (0 if none): a full disk, say. */
int capture_error(struct capture *c);
/* Whether the writer's size limit (ukt_writer_set_limit) was reached. */
bool capture_limit_hit(struct capture *c);

/* --rotate: whether a thread waits for a new file; set it (the old one is
 * the caller's again when this returns: no thread is writing to it). */
bool capture_rotate_wanted(struct capture *c);
void capture_set_writer(struct capture *c, struct ukt_writer *w);
/* --rotate: no new file will come (an error): waiting blocks are dropped. */
void capture_rotate_abandon(struct capture *c);
/* Whether every thread has ended (after capture_stop). */
bool capture_done(struct capture *c);
/* Pages read by the threads so far (a drain's size). */
uint64_t capture_pages(struct capture *c);


#endif
