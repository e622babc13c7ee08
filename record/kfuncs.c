// SPDX-License-Identifier: MIT
/*
 * Kernel function names for globs: see kfuncs.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kfuncs.h"
#include "tracefs.h"

static const char filter_list[] = "available_filter_functions";
static const char kallsyms[] = "/proc/kallsyms";
static const char blacklist[] = "/sys/kernel/debug/kprobes/blacklist";

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Take the name in column col (0-based, blank-separated) of each line;
 * with want_text, only lines whose column 1 is a text type (t or T). */
static int collect(struct ukt_buf *text, int col, bool want_text,
		   char ***names, size_t *n)
{
	size_t cap = 0;
	char *save = NULL;

	for (char *line = strtok_r(text->data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tok, *tsave = NULL, *name = NULL;
		int i = 0;

		for (tok = strtok_r(line, " \t", &tsave); tok;
		     tok = strtok_r(NULL, " \t", &tsave), i++) {
			if (want_text && i == 1 && strcmp(tok, "t") && strcmp(tok, "T"))
				break;
			if (i == col) {
				name = tok;
				break;
			}
		}
		if (!name || strchr(name, '.'))
			continue;
		if (*n == cap) {
			char **v = reallocarray(*names, cap ? cap * 2 : 4096, sizeof(**names));

			if (!v)
				return -ENOMEM;
			*names = v;
			cap = cap ? cap * 2 : 4096;
		}
		(*names)[(*n)++] = name;	/* points into text for now */
	}
	return 0;
}

/* Sort, drop duplicates and blacklisted names, and own the strings. */
static int finish(struct kfuncs *k, char **bl, size_t nbl)
{
	size_t out = 0;

	if (k->n)
		qsort(k->names, k->n, sizeof(*k->names), cmp_name);
	if (nbl)
		qsort(bl, nbl, sizeof(*bl), cmp_name);
	for (size_t i = 0; i < k->n; i++) {
		if (out && !strcmp(k->names[out - 1], k->names[i]))
			continue;
		if (nbl && bsearch(&k->names[i], bl, nbl, sizeof(*bl), cmp_name))
			continue;
		k->names[out] = strdup(k->names[i]);
		if (!k->names[out]) {
			k->n = out;
			return -ENOMEM;
		}
		out++;
	}
	k->n = out;
	return 0;
}

int kfuncs_load(struct kfuncs *k, struct ukt_buf *err)
{
	struct ukt_buf text = UKT_BUF_INIT, bltext = UKT_BUF_INIT;
	/* UKT_KFUNCS_SOURCE=kallsyms: the fallback, on any kernel (tests) */
	const char *force = getenv("UKT_KFUNCS_SOURCE");
	bool use_list = !force || strcmp(force, "kallsyms");
	char **bl = NULL;
	size_t nbl = 0;
	int rc = -ENOENT;

	memset(k, 0, sizeof(*k));
	if (use_list && tfs_read_mounted(filter_list, &text) == 0 && text.len) {
		k->source = filter_list;
		rc = collect(&text, 0, false, &k->names, &k->n);
	}
	if (!k->source) {
		ukt_buf_reset(&text);
		rc = ukt_buf_read_file(&text, kallsyms);
		if (rc) {
			ukt_buf_addf(err, "cannot list kernel functions: neither tracefs' %s nor %s is readable (%s)",
				     filter_list, kallsyms, strerror(-rc));
			goto out;
		}
		k->source = kallsyms;
		rc = collect(&text, 2, true, &k->names, &k->n);
	}
	/* "0xstart-0xend\tname": functions kprobes refuse */
	if (!rc && ukt_buf_read_file(&bltext, blacklist) == 0 && bltext.len)
		rc = collect(&bltext, 1, false, &bl, &nbl);
	if (!rc)
		rc = finish(k, bl, nbl);
	else
		k->n = 0;	/* the names were not ours yet */
	if (rc && !err->len)
		ukt_buf_addf(err, "cannot list kernel functions: %s", strerror(-rc));
out:
	free(bl);
	ukt_buf_release(&text);
	ukt_buf_release(&bltext);
	if (rc)
		kfuncs_release(k);
	return rc;
}

void kfuncs_release(struct kfuncs *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->names[i]);
	free(k->names);
	memset(k, 0, sizeof(*k));
}
