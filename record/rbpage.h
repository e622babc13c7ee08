/* SPDX-License-Identifier: MIT */
/*
 * One tracefs ring-buffer page, read with libtraceevent's kbuffer: the
 * recorder's only look inside the pages it otherwise stores as they are.
 */
#ifndef UKT_RECORD_RBPAGE_H
#define UKT_RECORD_RBPAGE_H

#include <stdint.h>

/* The timestamp of the page's last event (its header's when it holds
 * none), or 0 when it does not parse as a page. */
uint64_t rbpage_last_ts(const void *page, uint32_t size);

#endif
