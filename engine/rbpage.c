// SPDX-License-Identifier: MIT
/*
 * Ring-buffer pages (uktrace/rbpage.h), read by the rules of libtraceevent's
 * kbuffer (kbuffer-parse.c: kbuffer_load_subbuffer, translate_data,
 * update_pointers), one for one, but here:
 * - kbuffer goes round for ever on a crafted page whose padding record
 *   leads back (a length of -4), in kbuffer_load_subbuffer already; this
 *   walk refuses a record that does not move on;
 * - Debian 12's libtraceevent is built without optimisation, and its walk
 *   took a third of the CPU of a streamed summary;
 * - kbuffer_missed_events says 0 for a page whose first record is a time
 *   extend; the flags are read here whatever comes first.
 * tests/unit/test_rbpage.c holds the walk equal to kbuffer's on generated
 * pages of every record kind, both byte orders and long sizes.
 */
#include <byteswap.h>
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "uktrace/rbpage.h"

/* a header read at the end of the data, and the missed-events count
 * stored after it, may lie past the committed bytes */
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
#define MISSED_EVENTS (1ULL << 31)
#define MISSED_STORED (1ULL << 30)

/* the kernel's event header: type_len 5 bits, time delta 27 bits */
enum { RB_PADDING = 29, RB_TIME_EXTEND = 30, RB_TIME_STAMP = 31 };
#define TS_SHIFT 27
/* an absolute timestamp lacks the top 5 bits: the running time's */
#define TS_MSB (0xf8ULL << 56)

struct ukt_rbpage {
	uint32_t size;		/* sub-buffer size */
	int hdr_size;		/* page header: timestamp + commit */
	bool swap;		/* the pages' byte order is not the host's */
	bool big;		/* the pages are big-endian (header bit order) */
	uint8_t *page;		/* size + PAGE_PAD, zeroed past the data */
	uint64_t ts;		/* the page header's */
	uint64_t now;		/* the walk's running timestamp */
	uint32_t commit;	/* bytes of events after the header */
	uint32_t next;		/* the walk: the next header, from the data */
	long long missed;
	bool loaded, done;
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
	r->big = big_endian;
	r->page = calloc(1, (size_t)subbuf_size + PAGE_PAD);
	if (!r->page) {
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
	uint64_t flags, commit;

	r->loaded = r->done = false;
	r->missed = 0;
	if (len > r->size)
		len = r->size;
	memcpy(r->page, page, len);
	memset(r->page + len, 0, r->size - len);
	r->ts = rd(r, r->page, 8);
	flags = rd(r, r->page + 8, r->hdr_size - 8);
	commit = flags & COMMIT_MASK;
	if (commit > r->size - (uint32_t)r->hdr_size) {
		r->ts = 0;
		return -EINVAL;
	}
	if (!commit)
		return 0;	/* empty */
	r->commit = (uint32_t)commit;
	r->next = 0;
	r->now = r->ts;
	r->loaded = true;
	/* the count, when the kernel had room for it, follows the data */
	if (flags & MISSED_EVENTS)
		r->missed = flags & MISSED_STORED ?
			(long long)rd(r, r->page + r->hdr_size + commit, r->hdr_size - 8) : -1;
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
	r->loaded = r->done = false;
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

/*
 * The next header's record, as translate_data reads it: its type_len,
 * the timestamp it leaves, and where its data starts and the next header
 * is (offsets from the data; unsigned, wrapping as kbuffer's do).
 */
static unsigned int walk_one(struct ukt_rbpage *r, uint32_t at, uint32_t *index)
{
	const uint8_t *data = r->page + r->hdr_size;
	uint32_t w = (uint32_t)rd(r, data + at, 4), pos = at + 4, len;
	unsigned int type_len = r->big ? w >> 27 : w & 31;
	uint64_t delta = r->big ? w & ((1u << 27) - 1) : w >> 5, msb = 0;

	switch (type_len) {
	case RB_PADDING:
		len = (uint32_t)rd(r, data + pos, 4);
		r->now += delta;
		break;
	case RB_TIME_STAMP:
		msb = r->now & TS_MSB;
		/* fall through */
	case RB_TIME_EXTEND:
		delta += rd(r, data + pos, 4) << TS_SHIFT;
		pos += 4;
		len = 0;
		if (type_len == RB_TIME_STAMP)
			r->now = delta | msb;
		else
			r->now += delta;
		break;
	case 0:
		len = ((uint32_t)rd(r, data + pos, 4) - 4 + 3) & ~3u;
		pos += 4;
		r->now += delta;
		break;
	default:
		len = type_len * 4;
		r->now += delta;
		break;
	}
	*index = pos;
	r->next = pos + len;
	return type_len;
}

int ukt_rbpage_next(struct ukt_rbpage *r, struct ukt_rbevent *ev)
{
	const uint8_t *p;
	uint32_t at, index;
	int size;

	if (!r->loaded || r->done)
		return 0;
	do {
		at = r->next;
		if (at >= r->commit) {
			r->done = true;
			return 0;
		}
		if (walk_one(r, at, &index) < RB_PADDING)
			break;
		/* a record that does not move on (kbuffer would go round) */
		if (r->next <= at) {
			r->done = true;
			return -EINVAL;
		}
	} while (1);
	size = (int)(r->next - index);
	if (size < MIN_EVENT || r->next > r->commit) {
		r->done = true;
		return -EINVAL;
	}
	p = r->page + r->hdr_size + index;
	ev->ts = r->now;
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
