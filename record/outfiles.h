/* SPDX-License-Identifier: MIT */
/*
 * The sequence of trace files one recording writes when it writes more
 * than one (the flight recorder's dumps, --rotate): -o trace.ukt gives
 * trace-0001.ukt, trace-0002.ukt, ...; a name that exists is skipped, never
 * overwritten. With keep, only the newest keep files of this recording
 * stay: older ones are deleted as new ones are finished (files that were
 * there before are never touched).
 */
#ifndef UKT_OUTFILES_H
#define UKT_OUTFILES_H

#include <stddef.h>

#include "uktrace/buf.h"

struct outfiles {
	char *stem;		/* "dir/trace" */
	char *ext;		/* ".ukt", or "" */
	unsigned int seq;	/* the last number given */
	unsigned int keep;	/* 0: keep all */
	char **done;		/* finished files still kept, oldest first */
	size_t ndone;
};

/* From the -o name. 0 or -ENOMEM. */
int outfiles_init(struct outfiles *f, const char *output, unsigned int keep);
/* The next free name (to free), or NULL (-ENOMEM, or no free number). */
char *outfiles_next(struct outfiles *f);
/* path is finished: past keep, the oldest are deleted, each named in
 * deleted (one per line). 0 or -errno. */
int outfiles_done(struct outfiles *f, const char *path, struct ukt_buf *deleted);
void outfiles_release(struct outfiles *f);

#endif
