/* SPDX-License-Identifier: MIT */
/*
 * What the metadata modules share (meta.c, metalog.c, metaprocs.c,
 * metawatch.c): not an API, meta.h is.
 */
#ifndef UKT_META_INT_H
#define UKT_META_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "elfsym.h"
#include "meta.h"
#include "uktrace/buf.h"

/* metalog.c */
/* Block b to the file (when there is one) and, when state, to the log.
 * A buffer whose append failed is never written. */
int meta_add_block_as(struct meta *m, uint16_t type, uint32_t cpu, pid_t pid, uint64_t ts,
		      bool state, const struct ukt_buf *b);
/* meta_add_block_as, state as the type says. */
int meta_add_block(struct meta *m, uint16_t type, uint32_t cpu, const struct ukt_buf *b);
/* Processes gone for longer than the horizon leave the log. */
void meta_log_prune_gone(struct meta *m);
void meta_log_release(struct meta *m);

/* meta.c */
/* The SYMTAB of the object opened at open_path, identified by id (once). */
int meta_write_symtab_as(struct meta *m, const char *open_path, const struct elfsym_ident *id);
/* A probed file (device maj:min, inode ino) was in maps written. */
void meta_mark_mapped(struct meta *m, unsigned int maj, unsigned int min, uint64_t ino);

/* metaprocs.c */
/* pid's MAPS (the text of /proc/PID/maps, len bytes) as of ts. */
int meta_snapshot_at(struct meta *m, pid_t pid, const char *maps, size_t len, uint64_t ts);

/* metawatch.c */
/* The TASKS records so far, in one block. */
int meta_flush_tasks(struct meta *m);
void meta_procs_release(struct meta *m);

#endif
