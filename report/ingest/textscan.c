// SPDX-License-Identifier: MIT
/* Bounded line scanning (textscan.h). */
#include <limits.h>
#include <string.h>

#include "textscan.h"

bool text_line(struct text_cursor *c, struct text_cursor *line)
{
	const char *nl;

	if (!c->p || c->p >= c->end)
		return false;
	nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
	line->p = c->p;
	line->end = nl ? nl : c->end;
	c->p = nl ? nl + 1 : c->end;
	return true;
}

void text_skip_blanks(struct text_cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

bool text_hex(struct text_cursor *c, uint64_t *v)
{
	struct text_cursor s = *c;
	uint64_t x = 0;
	int n = 0, d;

	text_skip_blanks(&s);
	if (s.end - s.p > 2 && s.p[0] == '0' && (s.p[1] == 'x' || s.p[1] == 'X') &&
	    hexval(s.p[2]) >= 0)
		s.p += 2;
	for (; s.p < s.end && (d = hexval(*s.p)) >= 0; s.p++, n++) {
		if (x >> 60)
			return false;	/* more than 64 bits */
		x = x << 4 | (uint64_t)d;
	}
	if (!n)
		return false;
	*v = x;
	*c = s;
	return true;
}

bool text_dec(struct text_cursor *c, int64_t *v)
{
	struct text_cursor s = *c;
	uint64_t x = 0, max;
	bool neg = false;
	int n = 0;

	text_skip_blanks(&s);
	if (s.p < s.end && (*s.p == '-' || *s.p == '+'))
		neg = *s.p++ == '-';
	max = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; s.p < s.end && *s.p >= '0' && *s.p <= '9'; s.p++, n++) {
		unsigned int d = (unsigned int)(*s.p - '0');

		if (x > (max - d) / 10)
			return false;
		x = x * 10 + d;
	}
	if (!n)
		return false;
	*v = neg ? (int64_t)(0 - x) : (int64_t)x;
	*c = s;
	return true;
}

bool text_int(struct text_cursor *c, int *v)
{
	struct text_cursor s = *c;
	int64_t x;

	if (!text_dec(&s, &x) || x < INT_MIN || x > INT_MAX)
		return false;
	*v = (int)x;
	*c = s;
	return true;
}

bool text_word(struct text_cursor *c, const char **w, size_t *n)
{
	struct text_cursor s = *c;
	const char *start;

	text_skip_blanks(&s);
	start = s.p;
	while (s.p < s.end && *s.p != ' ' && *s.p != '\t')
		s.p++;
	if (s.p == start)
		return false;
	*w = start;
	*n = (size_t)(s.p - start);
	*c = s;
	return true;
}

bool text_char(struct text_cursor *c, char *ch)
{
	struct text_cursor s = *c;

	text_skip_blanks(&s);
	if (s.p >= s.end)
		return false;
	*ch = *s.p++;
	*c = s;
	return true;
}

bool text_expect(struct text_cursor *c, char ch)
{
	if (c->p >= c->end || *c->p != ch)
		return false;
	c->p++;
	return true;
}
