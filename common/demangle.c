// SPDX-License-Identifier: MIT
/* C++ symbol names as people read them (demangle.h). */
#include <stdlib.h>
#include <string.h>

#include "uktrace/demangle.h"

/* libstdc++'s, declared here so that the rest of report stays C */
char *__cxa_demangle(const char *mangled, char *out, size_t *len, int *status);

bool demangle_add(struct ukt_buf *out, const char *sym)
{
	char *d;
	int status = -1;

	if (strncmp(sym, "_Z", 2) || !(d = __cxa_demangle(sym, NULL, NULL, &status)) || status) {
		ukt_buf_adds(out, sym);
		return false;
	}
	ukt_buf_adds(out, d);
	free(d);
	return true;
}

bool demangle_add_base(struct ukt_buf *out, const char *sym)
{
	size_t start = out->len;

	if (!demangle_add(out, sym))
		return false;
	out->len = start + demangle_base_len(out->data + start);
	out->data[out->len] = '\0';
	return true;
}

size_t demangle_base_len(const char *name)
{
	size_t n = strlen(name), i;
	int depth = 0;

	/* the last ')' closes the parameter list ("f(int) const") */
	for (i = n; i > 0 && name[i - 1] != ')'; i--)
		;
	if (!i)
		return n;
	for (; i > 0; i--) {
		if (name[i - 1] == ')')
			depth++;
		else if (name[i - 1] == '(' && --depth == 0)
			break;
	}
	return i > 1 ? i - 1 : n;
}
