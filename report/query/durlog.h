/* SPDX-License-Identifier: MIT */
/*
 * A log of (group, duration) pairs for the import's second pass over the
 * complete calls' durations (statacc_rescan): a few bytes a call (two
 * varints) in an unlinked temporary file, so that memory stays flat and
 * the pass does not read call_data back through SQLite. Written by one
 * thread, read back once by one thread after the last add.
 */
#ifndef UKT_DURLOG_H
#define UKT_DURLOG_H

#include <stddef.h>
#include <stdint.h>

struct durlog;

/* A new, empty log next to the file path names (path.durs-XXXXXX, gone
 * as soon as it is made): on the database's file system, where a tenth
 * of the database's room is not much to ask, and never in a /tmp that is
 * memory. NULL with errno on failure. */
struct durlog *durlog_new(const char *path);
void durlog_free(struct durlog *l);

/* Append one pair. 0 or a negative errno (the log is then unusable, and
 * every later add and read fails with it). */
int durlog_add(struct durlog *l, size_t g, int64_t dur);

/* Every pair, in the order added, to fn; stops at fn's first nonzero
 * result and returns it. 0 or a negative errno. */
int durlog_each(struct durlog *l, int (*fn)(void *ctx, size_t g, int64_t dur),
		void *ctx);

#endif
