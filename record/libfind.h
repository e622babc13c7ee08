/* SPDX-License-Identifier: MIT */
/*
 * Finding the file behind a name a user typed for a binary: a path (made
 * absolute against the current directory), a shared library by short name
 * ("libc", "libssl.so.3") searched the way the dynamic loader searches, or
 * an executable on PATH.
 */
#ifndef UKT_LIBFIND_H
#define UKT_LIBFIND_H

#include "uktrace/buf.h"

/*
 * Resolve name to an absolute path of an existing ELF file, written to out.
 * 0, -ENOENT when nothing matches, -REC_E_NOT_ELF when the file is not ELF.
 */
int libfind_resolve(const char *name, struct ukt_buf *out);

/* The directories the loader searches, in order, newline-separated. */
int libfind_search_dirs(struct ukt_buf *out);

#endif
