// SPDX-License-Identifier: MIT
/* The clocks both programs read: see include/uktrace/clock.h. */
#include <string.h>

#include "uktrace/clock.h"

static uint64_t read_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

double ukt_now_s(void)
{
	return (double)read_ns(CLOCK_MONOTONIC) / 1e9;
}

uint64_t ukt_now_ns(void)
{
	return read_ns(CLOCK_MONOTONIC);
}

clockid_t ukt_trace_clockid(const char *clock)
{
	if (!strcmp(clock, "mono_raw"))
		return CLOCK_MONOTONIC_RAW;
	if (!strcmp(clock, "boot"))
		return CLOCK_BOOTTIME;
	if (!strcmp(clock, "tai"))
		return CLOCK_TAI;
	return CLOCK_MONOTONIC;
}

uint64_t ukt_trace_clock_now(const char *clock)
{
	return read_ns(ukt_trace_clockid(clock));
}
