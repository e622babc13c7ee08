/* SPDX-License-Identifier: MIT */
/*
 * One reader of the kernel's ring-buffer pages (tracefs trace_pipe_raw
 * sub-buffers), shared by the recorder (the capture's drain, the flight
 * recorder's trigger) and the report's decoder. It reads pages by the
 * rules of libtraceevent's kbuffer, in code of its own (rbpage.c says
 * why: kbuffer loops for ever on a crafted page, and Debian's build of it
 * is unoptimised); kbuffer itself is the tests' reference.
 *
 * A page is copied into the reader (zero-padded) and its commit size
 * checked, every record must move the walk on, and every event's extent
 * is checked against the committed data, so a damaged or hostile page
 * cannot make the reader or the caller read outside it or loop. Events
 * come out in page order with their timestamps, common_type ids and data.
 */
#ifndef UKTRACE_RBPAGE_H
#define UKTRACE_RBPAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

struct ukt_rbpage;

/* One event of a loaded page. */
struct ukt_rbevent {
	uint64_t ts;		/* trace clock */
	const uint8_t *data;	/* its record: common fields first; valid
				 * until the next load */
	int size;		/* at least the 8 bytes of the common fields */
	uint16_t type;		/* common_type: the event's format id */
};

/*
 * A reader of pages of subbuf_size bytes written by a kernel whose longs
 * have long_size bytes (4 or 8) in big- or little-endian order (the
 * recording host's; for the recorder itself, ukt_rbpage_new_host). NULL
 * with errno set (ENOMEM, or EINVAL for sizes that cannot be right).
 */
struct ukt_rbpage *ukt_rbpage_new(uint32_t subbuf_size, unsigned int long_size,
				  bool big_endian);
/* A reader of this host's pages. */
struct ukt_rbpage *ukt_rbpage_new_host(uint32_t subbuf_size);
void ukt_rbpage_free(struct ukt_rbpage *r);

/*
 * Load a page of len bytes (at most the sub-buffer size; a short read is
 * padded with zeros). 1: loaded, with events to read; 0: it holds no
 * events (an empty page, whose timestamp still counts); -EINVAL: its
 * header does not make sense (a commit size past the page), nothing to
 * read.
 */
int ukt_rbpage_load(struct ukt_rbpage *r, const void *page, size_t len);
/* Where ev (an event of the loaded page) starts in the page as it was
 * given to ukt_rbpage_load: its bytes there are the same (a reader that
 * keeps the page need not copy the event). */
size_t ukt_rbpage_offset(const struct ukt_rbpage *r, const struct ukt_rbevent *ev);
/* Forget the loaded page: ukt_rbpage_next returns 0 until the next load. */
void ukt_rbpage_reset(struct ukt_rbpage *r);

/* The loaded page's timestamp (its header's: the time of its first event's
 * delta base). */
uint64_t ukt_rbpage_timestamp(const struct ukt_rbpage *r);

/* Events the kernel reported missing before the loaded page: 0 none,
 * > 0 that many, -1 an unknown number. */
long long ukt_rbpage_missed(const struct ukt_rbpage *r);

/*
 * The next event of the loaded page: 1 with *ev, 0 at the end of the
 * page, -EINVAL when an event leaves the committed data or is shorter
 * than the common fields (the rest of the page is garbage and is not
 * read).
 */
int ukt_rbpage_next(struct ukt_rbpage *r, struct ukt_rbevent *ev);

/*
 * The timestamp of the last event of the loaded page, or the page's own
 * when it holds none (0 when nothing is loaded). Reads the page to its
 * end: ukt_rbpage_next returns 0 afterwards.
 */
uint64_t ukt_rbpage_last_ts(struct ukt_rbpage *r);

#endif
