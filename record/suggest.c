// SPDX-License-Identifier: MIT
/* "Did you mean" (suggest.h). */
#include <string.h>

#include "suggest.h"

/* Edit distance, capped: enough to rank a few suggestions. */
static int distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int row[128], prev, tmp;

	if (la >= 127 || lb >= 127)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

/* Whether s is already among the suggestions in out ("'s'"). */
static int listed(const struct ukt_buf *out, size_t from, const char *s)
{
	size_t n = strlen(s);

	for (const char *p = out->data + from; (p = strstr(p, s)); p++)
		if (p > out->data + from && p[-1] == '\'' && p[n] == '\'')
			return 1;
	return 0;
}

int suggest(const char *name, const void *ctx, size_t n, suggest_name_fn get,
	    struct ukt_buf *out, int max)
{
	size_t len = strlen(name), from = out->len;
	int found = 0;

	for (int d = 1; d <= 3 && found < max; d++) {
		for (size_t i = 0; i < n && found < max; i++) {
			const char *s = get(ctx, i);

			/* three edits only for names long enough to be sure */
			if ((d == 3 && len < 10) || distance(s, name) != d || listed(out, from, s))
				continue;
			ukt_buf_addf(out, "%s'%s'", found ? ", " : "", s);
			found++;
		}
	}
	for (size_t i = 0; i < n && found < max && len >= 3; i++) {
		const char *s = get(ctx, i);

		if (!strncmp(s, name, len) && strcmp(s, name) && !listed(out, from, s)) {
			ukt_buf_addf(out, "%s'%s'", found ? ", " : "", s);
			found++;
		}
	}
	return found;
}
