// SPDX-License-Identifier: MIT
/* Durations and sizes (units.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "uktrace/units.h"

int ukt_parse_duration(const char *s, int64_t *ns)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -EINVAL;
	while (*end == ' ')
		end++;
	if (!*end || !strcmp(end, "ns"))
		;
	else if (!strcmp(end, "us") || !strcmp(end, "usec"))
		v *= 1e3;
	else if (!strcmp(end, "ms") || !strcmp(end, "msec"))
		v *= 1e6;
	else if (!strcmp(end, "s") || !strcmp(end, "sec"))
		v *= 1e9;
	else if (!strcmp(end, "m") || !strcmp(end, "min"))
		v *= 60e9;
	else
		return -EINVAL;
	if (v > 9.2e18)
		return -EINVAL;
	*ns = (int64_t)v;
	return 0;
}

int ukt_parse_size(const char *s, uint64_t *bytes)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': v *= 1024; end++; break;
	case 'm': case 'M': v *= 1024 * 1024; end++; break;
	case 'g': case 'G': v *= 1024.0 * 1024 * 1024; end++; break;
	default: break;
	}
	if (*end == 'i')
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || v > 1.8e19)
		return -EINVAL;
	*bytes = (uint64_t)v;
	return 0;
}
