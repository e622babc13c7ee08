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
#include "report.h"

int report_resolve_func(struct report_opts *o, struct db *d)
{
	struct ukt_buf names = UKT_BUF_INIT;
	struct db_stmt *s;
	char *match = NULL;
	size_t len;
	int n = 0, rc = 0;

	if (!o->arg)
		return 0;
	s = db_prepare(d, "SELECT f.name, p.symbol FROM funcs f LEFT JOIN probes p"
		       " ON p.id = f.entry_probe ORDER BY f.name", NULL);
	if (!s)
		return 0;	/* the command's own query says what is wrong */
	len = strlen(o->arg);
	while (db_step(s, NULL) == 1) {
		const char *name = db_column_text(s, 0), *sym = db_column_text(s, 1);

		if (!name)
			continue;
		if (!strcmp(name, o->arg)) {	/* the name itself: nothing to do */
			n = 0;
			break;
		}
		if ((sym && !strcmp(sym, o->arg)) ||
		    (demangle_base_len(name) == len && !strncmp(name, o->arg, len))) {
			ukt_buf_addf(&names, "%s'%s'", n ? ", " : "", name);
			if (!n++)
				match = strdup(name);
		}
	}
	db_finalize(s);
	if (n == 1 && match) {
		o->arg = o->arg_alloc = match;
		match = NULL;
	} else if (n > 1) {
		fprintf(stderr, "uktrace-report: '%s' names %d overloads: %s; give one whole name,"
			" quoted\n", out_term(o->arg), n, out_term(names.data));
		rc = -EINVAL;
	}
	free(match);
	ukt_buf_release(&names);
	return rc;
}
