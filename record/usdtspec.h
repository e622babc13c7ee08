/* SPDX-License-Identifier: MIT */
/*
 * USDT probe specs turned into probes (spec.c parses the forms
 * usdt:BIN:PROVIDER:NAME, usdt:BIN:NAME and perf's BIN:sdt_PROVIDER:NAME
 * and hands them here, the binary found).
 *
 * A probe: one uprobe per site of every matching note, at the site's file
 * offset, with the note's semaphore as the uprobe's reference counter (the
 * kernel raises it while the probe is on, so the program does the work
 * its probe's arguments need) and the note's arguments as fetchargs
 * arg1..argN, typed by their sizes (-4@%edi: arg1=%di:s32).
 *
 * A function (-f): entry and return pairs by name (usdt.h: X__entry and
 * X__return, X__start and X__done, ...), both halves installed, which
 * the report pairs into calls named PROVIDER:X, by nesting per thread.
 *
 * Arguments after the location: argN:TYPE retypes a note's argument
 * (argN:string fetches the string it points to; a kernel type such as
 * x64 or u8 otherwise), NAME=FETCHARG adds a fetcharg of one's own.
 */
#ifndef UKT_USDTSPEC_H
#define UKT_USDTSPEC_H

#include <stdbool.h>

#include "spec.h"

struct usdt_req {
	const char *spec;	/* as the user gave it */
	const char *path;	/* the binary or library, absolute */
	const char *provider;	/* a glob, or NULL: any provider */
	const char *name;	/* a glob */
	bool pair;		/* -f: entry and return pairs */
	const char *args;	/* what followed the location */
};

/* Append the probes of r to out. 0, or a negative error with a message
 * in err (no trailing newline). */
int usdt_resolve(struct probe_list *out, const struct usdt_req *r,
		 const struct spec_opts *o, struct ukt_buf *err);

/*
 * The USDT probes of the binary at path that match pattern (NULL: all;
 * matched against NAME and PROVIDER:NAME), for --list: a heading and one
 * line per site with its file offset, semaphore, argument specs and its
 * pair, appended to out; nothing when the file has none. The number of
 * sites listed, or a negative error.
 */
int usdt_list(const char *path, const char *pattern, struct ukt_buf *out);

#endif
