// SPDX-License-Identifier: MIT
/*
 * Unit tests of the engine's ring-buffer page reader (engine/rbpage.c) on
 * pages built here as the kernel lays them out: a header of the page's
 * timestamp and its commit (the size of the data, flags above), then
 * events of a 32-bit header (type_len in the low 5 bits: the length in
 * 4-byte words; the time delta above) and their records.
 */
#include <errno.h>
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

static void test_bad_sizes(void)
{
	CHECK(!ukt_rbpage_new(PAGE, 2, false));
	CHECK(!ukt_rbpage_new(16, 8, false));
	ukt_rbpage_free(NULL);
}

int main(void)
{
	RUN(test_events_in_order);
	RUN(test_short_and_empty_pages);
	RUN(test_damaged_pages);
	RUN(test_missed_events);
	RUN(test_bad_sizes);
	return TEST_EXIT();
}
