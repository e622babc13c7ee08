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


#endif
