/* SPDX-License-Identifier: MIT */
/*
 * A CPU's events read ahead on a thread of its own: the blocks of its
 * ring-buffer pages decompressed (zstd) and walked (uktrace/rbpage.h) while
 * the decoder's caller pairs and counts the events already read. The
 * decoder (decode.h) merges the feeds of all CPUs by time, so every core
 * decodes. Events come out exactly as a synchronous walk gives them,
 * with the same damage counted; memory is a few batches per CPU.
 */
#ifndef UKT_PAGEFEED_H
#define UKT_PAGEFEED_H

#include <stdint.h>

#include "trace.h"
#include "uktrace/rbpage.h"

struct pagefeed;

/* What a feed counted, as struct decode_stats counts it. */
struct pagefeed_stats {
	uint64_t bad_pages, bad_blocks, missed_marks;
};

/* Start reading tc's blocks (pages of t's sub-buffer size) from the
 * first. NULL on ENOMEM (or no thread): read them synchronously then. */
struct pagefeed *pagefeed_start(const struct trace *t, const struct trace_cpu *tc);
/*
 * The next event: 1 with *ev (its data valid until the next call) and
 * *missed the events the kernel reported missing before it (its page's
 * mark, on the page's first event; else 0); 0 at the end; -ENOMEM when
 * the thread could not go on.
 */
int pagefeed_next(struct pagefeed *f, struct ukt_rbevent *ev, long long *missed);
/* After the end: what the thread counted. */
void pagefeed_stats(const struct pagefeed *f, struct pagefeed_stats *st);
/* Stop the thread (wherever it is) and free the feed. */
void pagefeed_stop(struct pagefeed *f);

#endif
