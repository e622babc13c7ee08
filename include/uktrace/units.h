/* SPDX-License-Identifier: MIT */
/* Durations and sizes as people write them on command lines. */
#ifndef UKT_UNITS_H
#define UKT_UNITS_H

#include <stdint.h>

/* "5ms", "2.5s", "100us", "300ns", "1m" (a bare number is ns) to ns.
 * 0 or -EINVAL. */
int ukt_parse_duration(const char *s, int64_t *ns);

/* "4096", "64K", "1.5M", "2GiB" (powers of 1024) to bytes. 0 or -EINVAL. */
int ukt_parse_size(const char *s, uint64_t *bytes);

#endif
