// SPDX-License-Identifier: MIT
/* Ring-buffer pages (uktrace/rbpage.h): the libtraceevent kbuffer boundary. */
#include <byteswap.h>
#include <endian.h>
#include <errno.h>
#include <kbuffer.h>
#include <stdlib.h>
#include <string.h>

#include "uktrace/rbpage.h"

/* kbuffer may look at the bytes just past an event's header */
#define PAGE_PAD 64
/* a page's common fields: type (2), flags, preempt count, pid (4) */
#define MIN_EVENT 8
/*
 * The page header's commit field: the size of the data in the low 27 bits
 * (kbuffer's COMMIT_MASK), flags above. The kernel adds its missed-events
 * flags as the int (1 << 31) to a long, which sign-extends: on 64-bit
 * kernels the upper 33 bits of the field are set on such a page, so
 * masking two bits out of it left a page size of 2^64 - 2^32 + n.
 */
#define COMMIT_MASK ((1ULL << 27) - 1)

struct ukt_rbpage {
	struct kbuffer *kb;
	uint32_t size;		/* sub-buffer size */
	int hdr_size;		/* page header: timestamp + commit */
	bool swap;		/* the pages' byte order is not the host's */
	uint8_t *page;		/* size + PAGE_PAD, zeroed past the data */
	const uint8_t *end;	/* of the committed data */
	uint64_t ts;		/* the page header's */
	long long missed;
	bool loaded, started, done;
};

struct ukt_rbpage *ukt_rbpage_new(uint32_t subbuf_size, unsigned int long_size,
				  bool big_endian)
{
	struct ukt_rbpage *r;

	if ((long_size != 4 && long_size != 8) || subbuf_size < 64 ||
	    subbuf_size > (64u << 20)) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->size = subbuf_size;
	r->hdr_size = 8 + (int)long_size;
	r->swap = big_endian != (__BYTE_ORDER == __BIG_ENDIAN);
	r->page = calloc(1, (size_t)subbuf_size + PAGE_PAD);
	r->kb = kbuffer_alloc(long_size == 4 ? KBUFFER_LSIZE_4 : KBUFFER_LSIZE_8,
			      big_endian ? KBUFFER_ENDIAN_BIG : KBUFFER_ENDIAN_LITTLE);
	if (!r->page || !r->kb) {
		ukt_rbpage_free(r);
		errno = ENOMEM;
		return NULL;
	}
	return r;
}

struct ukt_rbpage *ukt_rbpage_new_host(uint32_t subbuf_size)
{
	return ukt_rbpage_new(subbuf_size, sizeof(long), __BYTE_ORDER == __BIG_ENDIAN);
}

void ukt_rbpage_free(struct ukt_rbpage *r)
{
	if (!r)
		return;
	if (r->kb)
		kbuffer_free(r->kb);
	free(r->page);
	free(r);
}

/* An unsigned number of n bytes (4 or 8, or 2) of the pages' byte order. */
static uint64_t rd(const struct ukt_rbpage *r, const uint8_t *p, int n)
{
	uint64_t v;
	uint32_t w;
	uint16_t h;

	switch (n) {
	case 2:
		memcpy(&h, p, 2);
		return r->swap ? bswap_16(h) : h;
	case 4:
		memcpy(&w, p, 4);
		return r->swap ? bswap_32(w) : w;
	default:
		memcpy(&v, p, 8);
		return r->swap ? bswap_64(v) : v;
	}
}

int ukt_rbpage_load(struct ukt_rbpage *r, const void *page, size_t len)
{
	uint64_t commit;

	r->loaded = r->started = r->done = false;
	r->missed = 0;
	if (len > r->size)
		len = r->size;
	memcpy(r->page, page, len);
	memset(r->page + len, 0, r->size - len);
	r->ts = rd(r, r->page, 8);
	commit = rd(r, r->page + 8, r->hdr_size - 8) & COMMIT_MASK;
	if (commit > r->size - (uint32_t)r->hdr_size) {
		r->ts = 0;
		return -EINVAL;
	}
	if (!commit)
		return 0;	/* empty: nothing for kbuffer */
	r->end = r->page + r->hdr_size + commit;
	if (kbuffer_load_subbuffer(r->kb, r->page) < 0) {
		r->ts = 0;
		return -EINVAL;
	}
	r->loaded = true;
	r->missed = kbuffer_missed_events(r->kb);
	if (r->missed < 0)
		r->missed = -1;
	return 1;
}

size_t ukt_rbpage_offset(const struct ukt_rbpage *r, const struct ukt_rbevent *ev)
{
	return (size_t)(ev->data - r->page);
}

void ukt_rbpage_reset(struct ukt_rbpage *r)
{
	r->loaded = r->started = r->done = false;
	r->missed = 0;
	r->ts = 0;
}

uint64_t ukt_rbpage_timestamp(const struct ukt_rbpage *r)
{
	return r->ts;
}

long long ukt_rbpage_missed(const struct ukt_rbpage *r)
{
	return r->missed;
}

int ukt_rbpage_next(struct ukt_rbpage *r, struct ukt_rbevent *ev)
{
	unsigned long long ts;
	const uint8_t *p;
	int size;

	if (!r->loaded || r->done)
		return 0;
	p = r->started ? kbuffer_next_event(r->kb, &ts) : kbuffer_read_event(r->kb, &ts);
	r->started = true;
	if (!p) {
		r->done = true;
		return 0;
	}
	size = kbuffer_event_size(r->kb);
	if (p < r->page + r->hdr_size || size < MIN_EVENT || p + size > r->end) {
		r->done = true;
		return -EINVAL;
	}
	ev->ts = ts;
	ev->data = p;
	ev->size = size;
	ev->type = (uint16_t)rd(r, p, 2);
	return 1;
}

uint64_t ukt_rbpage_last_ts(struct ukt_rbpage *r)
{
	struct ukt_rbevent ev;
	uint64_t last = r->ts;

	while (ukt_rbpage_next(r, &ev) == 1)
		last = ev.ts;
	return last;
}
