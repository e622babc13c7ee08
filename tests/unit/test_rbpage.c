// SPDX-License-Identifier: MIT
/*
 * Unit tests of the engine's ring-buffer page reader (engine/rbpage.c) on
 * pages built here as the kernel lays them out: a header of the page's
 * timestamp and its commit (the size of the data, flags above), then
 * events of a 32-bit header (type_len in the low 5 bits: the length in
 * 4-byte words; the time delta above) and their records.
 */
#include <endian.h>
#include <errno.h>
#include <kbuffer.h>
#include <stdint.h>

#include "test.h"
#include "uktrace/rbpage.h"

#define PAGE 4096
#define MISSED_EVENTS (1ULL << 31)
#define MISSED_STORED (1ULL << 30)

static uint8_t page[PAGE];
static size_t at;		/* where the next event goes */

static void page_begin(uint64_t ts)
{
	memset(page, 0, sizeof(page));
	memcpy(page, &ts, 8);
	at = 16;
}

/* An event of type with `words` 4-byte words of record, delta ns after the
 * previous one; its pid field says pid. */
static void page_event(uint16_t type, int words, uint32_t delta, int32_t pid)
{
	uint32_t hdr = (uint32_t)words | delta << 5;

	memcpy(page + at, &hdr, 4);
	memset(page + at + 4, 0xab, (size_t)words * 4);
	memcpy(page + at + 4, &type, 2);
	if (words >= 2)
		memcpy(page + at + 8, &pid, 4);
	at += 4 + (size_t)words * 4;
}

static void page_end(uint64_t flags)
{
	uint64_t commit = (at - 16) | flags;

	memcpy(page + 8, &commit, 8);
}

static void test_events_in_order(void)
{
	struct ukt_rbpage *r = ukt_rbpage_new_host(PAGE);
	struct ukt_rbevent e;
	int32_t pid;

	CHECK(r);
	page_begin(1000);
	page_event(7, 4, 5, 42);
	page_event(9, 2, 10, 43);
	page_end(0);
	CHECK_EQ(ukt_rbpage_load(r, page, PAGE), 1);
	CHECK_EQ(ukt_rbpage_timestamp(r), 1000);
	CHECK_EQ(ukt_rbpage_missed(r), 0);
	CHECK_EQ(ukt_rbpage_next(r, &e), 1);
	CHECK_EQ(e.ts, 1005);
	CHECK_EQ(e.type, 7);
	CHECK_EQ(e.size, 16);
	memcpy(&pid, e.data + 4, 4);
	CHECK_EQ(pid, 42);
	CHECK_EQ(ukt_rbpage_next(r, &e), 1);
	CHECK_EQ(e.ts, 1015);
	CHECK_EQ(e.type, 9);
	CHECK_EQ(e.size, 8);
	CHECK_EQ(ukt_rbpage_next(r, &e), 0);
	CHECK_EQ(ukt_rbpage_next(r, &e), 0);
	/* again, for the last event's time */
	CHECK_EQ(ukt_rbpage_load(r, page, PAGE), 1);
	CHECK_EQ(ukt_rbpage_last_ts(r), 1015);
	CHECK_EQ(ukt_rbpage_next(r, &e), 0);
	ukt_rbpage_free(r);
}

/* A short read is padded; a page that holds nothing has its own time. */
static void test_short_and_empty_pages(void)
{
	struct ukt_rbpage *r = ukt_rbpage_new_host(PAGE);
	struct ukt_rbevent e;

	CHECK(r);
	page_begin(2000);
	page_event(7, 2, 1, 1);
	page_end(0);
	CHECK_EQ(ukt_rbpage_load(r, page, at), 1);
	CHECK_EQ(ukt_rbpage_next(r, &e), 1);
	CHECK_EQ(e.ts, 2001);
	page_begin(3000);
	page_end(0);
	CHECK_EQ(ukt_rbpage_load(r, page, PAGE), 0);
	CHECK_EQ(ukt_rbpage_next(r, &e), 0);
	CHECK_EQ(ukt_rbpage_last_ts(r), 3000);
	ukt_rbpage_reset(r);
	CHECK_EQ(ukt_rbpage_next(r, &e), 0);
	ukt_rbpage_free(r);
}

/* Damage: a commit past the page, an event past the commit, an event
 * shorter than the common fields. */
static void test_damaged_pages(void)
{
	struct ukt_rbpage *r = ukt_rbpage_new_host(PAGE);
	struct ukt_rbevent e;
	uint64_t commit = PAGE;

	CHECK(r);
	page_begin(1000);
	page_event(7, 2, 1, 1);
	memcpy(page + 8, &commit, 8);
	CHECK_EQ(ukt_rbpage_load(r, page, PAGE), -EINVAL);
	CHECK_EQ(ukt_rbpage_next(r, &e), 0);
	CHECK_EQ(ukt_rbpage_last_ts(r), 0);

	page_begin(1000);
	page_event(7, 2, 1, 1);
	page_event(7, 8, 1, 1);
	at -= 16;		/* the second event's record runs past the commit */
	page_end(0);
	CHECK_EQ(ukt_rbpage_load(r, page, PAGE), 1);
	CHECK_EQ(ukt_rbpage_next(r, &e), 1);
	CHECK_EQ(ukt_rbpage_next(r, &e), -EINVAL);
	CHECK_EQ(ukt_rbpage_next(r, &e), 0);

	page_begin(1000);
	page_event(7, 1, 1, 1);	/* 4 bytes: no room for a pid */
	page_event(7, 2, 1, 1);
	page_end(0);
	CHECK_EQ(ukt_rbpage_load(r, page, PAGE), 1);
	CHECK_EQ(ukt_rbpage_next(r, &e), -EINVAL);
	ukt_rbpage_free(r);
}

/* The kernel's missed-events flags on the commit, with and without a
 * count stored after the data. */
static void test_missed_events(void)
{
	struct ukt_rbpage *r = ukt_rbpage_new_host(PAGE);
	struct ukt_rbevent e;
	uint64_t n = 17;

	CHECK(r);
	page_begin(1000);
	page_event(7, 2, 1, 1);
	page_end(MISSED_EVENTS);
	CHECK_EQ(ukt_rbpage_load(r, page, PAGE), 1);
	CHECK_EQ(ukt_rbpage_missed(r), -1);
	CHECK_EQ(ukt_rbpage_next(r, &e), 1);

	page_begin(1000);
	page_event(7, 2, 1, 1);
	memcpy(page + at, &n, 8);
	page_end(MISSED_EVENTS | MISSED_STORED);
	CHECK_EQ(ukt_rbpage_load(r, page, PAGE), 1);
	CHECK_EQ(ukt_rbpage_missed(r), 17);
	ukt_rbpage_free(r);
}

/* Records that lead back (kbuffer goes round for ever on them): the page
 * ends there, damaged. */
static void test_records_that_lead_back(void)
{
	struct ukt_rbpage *r = ukt_rbpage_new_host(PAGE);
	struct ukt_rbevent e;
	uint32_t hdr, len;

	CHECK(r);
	/* padding whose length is -4: its next record is itself */
	page_begin(1000);
	hdr = 29 | 7u << 5;
	len = (uint32_t)-4;
	memcpy(page + at, &hdr, 4);
	memcpy(page + at + 4, &len, 4);
	at += 8;
	page_event(7, 4, 5, 42);
	page_end(0);
	CHECK_EQ(ukt_rbpage_load(r, page, PAGE), 1);
	CHECK_EQ(ukt_rbpage_next(r, &e), -EINVAL);
	CHECK_EQ(ukt_rbpage_next(r, &e), 0);
	/* after an event: one that jumps back to the start */
	page_begin(1000);
	page_event(7, 4, 5, 42);
	hdr = 29 | 7u << 5;
	len = (uint32_t)-24;
	memcpy(page + at, &hdr, 4);
	memcpy(page + at + 4, &len, 4);
	at += 8;
	page_end(0);
	CHECK_EQ(ukt_rbpage_load(r, page, PAGE), 1);
	CHECK_EQ(ukt_rbpage_next(r, &e), 1);
	CHECK_EQ(ukt_rbpage_next(r, &e), -EINVAL);
	/* a missed-events mark is read whatever the first record is */
	page_begin(1000);
	hdr = 30 | 3u << 5;
	len = 1;
	memcpy(page + at, &hdr, 4);
	memcpy(page + at + 4, &len, 4);
	at += 8;
	page_event(7, 4, 5, 42);
	page_end(MISSED_EVENTS);
	CHECK_EQ(ukt_rbpage_load(r, page, PAGE), 1);
	CHECK_EQ(ukt_rbpage_missed(r), -1);
	CHECK_EQ(ukt_rbpage_next(r, &e), 1);
	CHECK(e.ts == 1000 + 3 + (1ull << 27) + 5);
	ukt_rbpage_free(r);
}

static void test_bad_sizes(void)
{
	CHECK(!ukt_rbpage_new(PAGE, 2, false));
	CHECK(!ukt_rbpage_new(16, 8, false));
	ukt_rbpage_free(NULL);
}

/*
 * The reader walks pages by kbuffer's rules in code of its own: the walk
 * must be kbuffer's, event for event, on pages of every kind of record
 * (data, long data, padding, time extend, absolute time stamp), in both
 * byte orders and long sizes. Damaged pages are not given to kbuffer (it
 * may loop on them for ever): the reader ends them, inside the page.
 */
static uint64_t rng = 88172645463325252ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

struct wpage {
	uint8_t b[PAGE + 64];
	size_t at;
	bool big;
	int lsize;
};

static void put(struct wpage *w, size_t off, uint64_t v, int n)
{
	uint8_t x[8];

	if (n == 8) {
		uint64_t t = w->big ? htobe64(v) : htole64(v);

		memcpy(x, &t, 8);
	} else {
		uint32_t t = w->big ? htobe32((uint32_t)v) : htole32((uint32_t)v);

		memcpy(x, &t, 4);
	}
	memcpy(w->b + off, x, (size_t)n);
}

static void put_hdr(struct wpage *w, unsigned int type_len, uint32_t delta)
{
	uint32_t h = w->big ? type_len << 27 | (delta & ((1u << 27) - 1))
			    : type_len | delta << 5;

	put(w, w->at, h, 4);
	w->at += 4;
}

/* a page of random records; damage > 0: that many random bytes changed */
static void make_page(struct wpage *w, int damage)
{
	size_t hdr = 8 + (size_t)w->lsize, room = PAGE - 200;

	memset(w->b, 0, sizeof(w->b));
	put(w, 0, ((uint64_t)rnd(1u << 31) << 33) | rnd(1u << 30), 8);
	w->at = hdr;
	while (w->at < room && rnd(40)) {
		uint32_t words;

		switch (rnd(6)) {
		case 0:		/* time extend */
			put_hdr(w, 30, rnd(1u << 27));
			put(w, w->at, rnd(1000), 4);
			w->at += 4;
			break;
		case 1:		/* absolute time stamp */
			put_hdr(w, 31, rnd(1u << 27));
			put(w, w->at, rnd(1u << 20), 4);
			w->at += 4;
			break;
		case 2:		/* a discarded event: padding with a length */
			words = 2 + rnd(6);
			put_hdr(w, 29, 1 + rnd(100));
			put(w, w->at, words * 4, 4);
			w->at += 4 + words * 4 - 4;
			break;
		case 3:		/* a long record: its length in a word */
			words = 2 + rnd(20);
			put_hdr(w, 0, rnd(5000));
			put(w, w->at, words * 4 + 4 - rnd(4), 4);
			w->at += 4;
			put(w, w->at, 1 + rnd(5), 4);
			w->at += words * 4;
			break;
		default:
			words = 2 + rnd(27);
			put_hdr(w, words, rnd(5000));
			put(w, w->at, 1 + rnd(5), 4);
			w->at += words * 4;
			break;
		}
	}
	if (rnd(3) == 0)		/* the null padding that ends a page */
		put_hdr(w, 29, 0);
	put(w, 8, w->at - hdr, w->lsize);
	for (int i = 0; i < damage; i++)
		w->b[hdr + rnd((uint32_t)(w->at - hdr + 8))] = (uint8_t)rnd(256);
}

struct seen {
	uint64_t ts;
	size_t off;
	int size;
};

#define MAXEV 2048

static int kbuffer_walk(struct wpage *w, struct seen *v)
{
	struct kbuffer *kb = kbuffer_alloc(w->lsize == 4 ? KBUFFER_LSIZE_4 : KBUFFER_LSIZE_8,
					   w->big ? KBUFFER_ENDIAN_BIG : KBUFFER_ENDIAN_LITTLE);
	unsigned long long ts;
	uint8_t *p;
	int n = 0;

	kbuffer_load_subbuffer(kb, w->b);
	for (p = kbuffer_read_event(kb, &ts); p && n < MAXEV; p = kbuffer_next_event(kb, &ts))
		v[n++] = (struct seen){ ts, (size_t)(p - w->b), kbuffer_event_size(kb) };
	kbuffer_free(kb);
	return n;
}

static void test_walk_as_kbuffer(void)
{
	static struct seen a[MAXEV], b[MAXEV];
	int pages = 0, damaged_early = 0, mismatched = 0;

	for (int i = 0; i < 4000; i++) {
		struct wpage w = { .big = i & 1, .lsize = i & 2 ? 4 : 8 };
		int damage = i % 3 == 2 ? 1 + (int)rnd(4) : 0;
		struct ukt_rbpage *r = ukt_rbpage_new(PAGE, (unsigned int)w.lsize, w.big);
		struct ukt_rbevent e;
		int n, m = 0, rc;

		make_page(&w, damage);
		n = damage ? 0 : kbuffer_walk(&w, a);
		rc = ukt_rbpage_load(r, w.b, PAGE);
		while (rc == 1 && m < MAXEV && (rc = ukt_rbpage_next(r, &e)) == 1)
			b[m++] = (struct seen){ e.ts, ukt_rbpage_offset(r, &e), e.size };
		if (rc < 0)
			damaged_early++;
		for (int k = 0; k < m && !damage; k++)
			if (a[k].ts != b[k].ts || a[k].off != b[k].off || a[k].size != b[k].size)
				rc = 99;
		/* whole pages: kbuffer's events; damaged: an end within MAXEV
		 * events, and every event inside the page */
		if ((!damage && (rc != 0 || m != n)) || (damage && m >= MAXEV) ||
		    (m && b[m - 1].off + (size_t)b[m - 1].size > PAGE)) {
			if (!mismatched++)
				fprintf(stderr, "page %d (damage %d, %s, long %d): reader %d events"
					" rc %d, kbuffer %d\n", i, damage, w.big ? "big" : "little",
					w.lsize, m, rc, n);
		}
		pages++;
		ukt_rbpage_free(r);
	}
	CHECK_EQ(mismatched, 0);
	CHECK(pages == 4000 && damaged_early > 0);
}

int main(void)
{
	RUN(test_events_in_order);
	RUN(test_short_and_empty_pages);
	RUN(test_damaged_pages);
	RUN(test_missed_events);
	RUN(test_bad_sizes);
	RUN(test_records_that_lead_back);
	RUN(test_walk_as_kbuffer);
	return TEST_EXIT();
}
