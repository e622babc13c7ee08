// SPDX-License-Identifier: MIT
/* Ring-buffer pages (rbpage.h), through kbuffer. */
#include <endian.h>
#include <kbuffer.h>
#include <stdlib.h>
#include <string.h>

#include "rbpage.h"

uint64_t rbpage_last_ts(const void *page, uint32_t size)
{
	struct kbuffer *kb = kbuffer_alloc(sizeof(long) == 8 ? KBUFFER_LSIZE_8 : KBUFFER_LSIZE_4,
					   __BYTE_ORDER == __BIG_ENDIAN ? KBUFFER_ENDIAN_BIG
									: KBUFFER_ENDIAN_LITTLE);
	unsigned long long ts = 0, last = 0;
	void *copy = malloc(size);
	uint64_t rc = 0;

	if (!kb || !copy)
		goto out;
	/* kbuffer reads a page it may keep pointers into: a private copy */
	memcpy(copy, page, size);
	if (kbuffer_load_subbuffer(kb, copy) < 0)
		goto out;
	last = kbuffer_subbuf_timestamp(kb, copy);
	for (void *d = kbuffer_read_event(kb, &ts); d; d = kbuffer_next_event(kb, &ts))
		last = ts;
	rc = last;
out:
	free(copy);
	if (kb)
		kbuffer_free(kb);
	return rc;
}
