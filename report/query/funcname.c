// SPDX-License-Identifier: MIT
/*
 * Which probed function a FUNC argument means (report.h): its name in the
 * trace, or for C++ the name without its parameter list when one function
 * has it, or the mangled symbol it was probed by.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "uktrace/demangle.h"
#include "uktrace/vec.h"
#include "report.h"

struct func_name {
	const char *name, *symbol;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct func_name *)a)->name, ((const struct func_name *)b)->name);
}

/* The rule, over the functions f[0..n-1] (any order). */
static int resolve(struct report_opts *o, struct func_name *f, size_t n)
{
	struct ukt_buf names = UKT_BUF_INIT;
	char *match = NULL;
	size_t len = strlen(o->arg);
	int found = 0, rc = 0;

	if (n > 1)
		qsort(f, n, sizeof(*f), by_name);
	for (size_t i = 0; i < n; i++) {
		const char *name = f[i].name, *sym = f[i].symbol;

		if (!strcmp(name, o->arg)) {	/* the name itself: nothing to do */
			found = 0;
			break;
		}
		if ((sym && !strcmp(sym, o->arg)) ||
		    (demangle_base_len(name) == len && !strncmp(name, o->arg, len))) {
			ukt_buf_addf(&names, "%s'%s'", found ? ", " : "", name);
			if (!found++)
				match = strdup(name);
		}
	}
	if (found == 1 && match) {
		o->arg = o->arg_alloc = match;
		match = NULL;
	} else if (found > 1) {
		fprintf(stderr, "uktrace-report: '%s' names %d overloads: %s; give one whole name,"
			" quoted\n", out_term(o->arg), found, out_term(names.data));
		rc = -EINVAL;
	}
	free(match);
	ukt_buf_release(&names);
	return rc;
}

int report_resolve_func(struct report_opts *o, struct db *d)
{
	struct db_stmt *s;
	struct func_name *f = NULL;
	char **own = NULL;
	size_t n = 0;
	int rc = 0;

	if (!o->arg)
		return 0;
	s = db_prepare(d, "SELECT f.name, p.symbol FROM funcs f LEFT JOIN probes p"
		       " ON p.id = f.entry_probe", NULL);
	if (!s)
		return 0;	/* the command's own query says what is wrong */
	while (!rc && db_step(s, NULL) == 1) {
		const char *name = db_column_text(s, 0), *sym = db_column_text(s, 1);
		char **pair;

		if (!name)
			continue;
		if (ukt_grow_counted(&f, n, sizeof(*f)) ||
		    !(pair = reallocarray(own, 2 * n + 2, sizeof(*own)))) {
			rc = -ENOMEM;
			break;
		}
		own = pair;
		own[2 * n] = strdup(name);
		own[2 * n + 1] = sym ? strdup(sym) : NULL;
		f[n].name = own[2 * n];
		f[n].symbol = own[2 * n + 1];
		n++;
		if (!f[n - 1].name || (sym && !f[n - 1].symbol))
			rc = -ENOMEM;
	}
	db_finalize(s);
	if (!rc)
		rc = resolve(o, f, n);
	for (size_t i = 0; i < 2 * n; i++)
		free(own[i]);
	free(own);
	free(f);
	return rc;
}

int report_resolve_func_in(struct report_opts *o, const char *const *names,
			   const char *const *symbols, int n)
{
	struct func_name *f;
	size_t k = 0;
	int rc;

	if (!o->arg)
		return 0;
	f = calloc((size_t)n + 1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		if (names[i])
			f[k++] = (struct func_name){ names[i], symbols[i] };
	rc = resolve(o, f, k);
	free(f);
	return rc;
}
