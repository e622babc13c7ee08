/* SPDX-License-Identifier: MIT */
/*
 * The kernel functions a glob such as 'vfs_rea*' may expand to: the list
 * ftrace can trace (available_filter_functions, functions with a known
 * entry), or, where that is unreadable (function tracing locked down),
 * the text symbols of /proc/kallsyms; minus the kprobe blacklist, minus
 * compiler-made parts ('foo.cold', 'foo.isra.0'), one entry per name.
 * Reads only. UKT_KFUNCS_SOURCE=kallsyms in the environment forces the
 * kallsyms list (to test on a kernel whose filter list is readable).
 */
#ifndef UKT_KFUNCS_H
#define UKT_KFUNCS_H

#include <stddef.h>

#include "uktrace/buf.h"

struct kfuncs {
	char **names;		/* sorted, unique */
	size_t n;
	const char *source;	/* the file they came from */
};

/* 0, or -errno with a message in err. */
int kfuncs_load(struct kfuncs *k, struct ukt_buf *err);

void kfuncs_release(struct kfuncs *k);

#endif
