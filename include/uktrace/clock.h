/* SPDX-License-Identifier: MIT */
/* The clocks both programs read: one monotonic clock for elapsed times,
 * and the user-space clock that reads a tracefs trace clock. */
#ifndef UKT_CLOCK_H
#define UKT_CLOCK_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in seconds and in nanoseconds (elapsed times, timeouts,
 * progress: never compared with trace timestamps). */
double ukt_now_s(void);
uint64_t ukt_now_ns(void);

/* The clock user space reads the tracefs clock named clock with ("mono",
 * "mono_raw", "boot", "tai"); CLOCK_MONOTONIC for the clocks it cannot read
 * ("local", "global", "x86-tsc"...: times are then approximate). */
clockid_t ukt_trace_clockid(const char *clock);
/* That clock's time now, in ns. */
uint64_t ukt_trace_clock_now(const char *clock);

#endif
