/* SPDX-License-Identifier: MIT */
/*
 * Finding the file behind a name a user typed for a binary: a path (made
 * absolute against the current directory), a shared library by short name
 * ("libc", "libssl.so.3") searched the way the dynamic loader searches, or
 * an executable on PATH.
 */
#ifndef UKT_LIBFIND_H
#define UKT_LIBFIND_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "uktrace/buf.h"

/*
 * Resolve name to an absolute path of an existing ELF file, written to out.
 * 0, -ENOENT when nothing matches, -REC_E_NOT_ELF when the file is not ELF.
 * /proc/PID/exe, /proc/PID/map_files/... and /proc/PID/root/... are kept
 * as they are: the kernel follows them to the file a process runs, which
 * may be deleted or in another mount namespace.
 */
int libfind_resolve(const char *name, struct ukt_buf *out);

/* The first executable file named name on PATH, as exec finds it, into
 * out: 0; -REC_E_NOT_ELF when it is not ELF (a script: out names it);
 * -ENOENT. */
int libfind_on_path(const char *name, struct ukt_buf *out);

/* Whether path is a script ("#!" first). */
bool libfind_is_script(const char *path);

/* Whom a name is resolved for: the command about to run, or processes. */
struct libfind_ctx {
	const char *command;	/* the command's name as given (argv[0]), or NULL */
	const char *program;	/* the command's executable, or NULL */
	const pid_t *pids;	/* -P processes */
	size_t npids;
	struct ukt_buf *warnings;	/* a line per file a target does not map */
};

/*
 * As libfind_resolve, but the command's own name means the program its
 * exec runs (found on PATH as exec finds it: -REC_E_NOT_ELF, with out
 * naming it, for a script), and a library's short name means the library the
 * target loads: the one a -P process maps (through /proc/PID/root or
 * /proc/PID/map_files when it is not ours to open by its path), or the
 * one the command's loader would find (DT_RPATH, LD_LIBRARY_PATH,
 * DT_RUNPATH, the system's directories; $ORIGIN expanded), before the
 * system's. Then, for every -P process, the file is checked against what
 * it maps: a process that runs a replaced or deleted copy, or one in
 * another mount namespace, is probed in the file it maps (a warning says
 * so), also when the path given is no longer on disk; a process that does
 * not map it at all is warned about.
 */
int libfind_resolve_in(const char *name, const struct libfind_ctx *ctx,
		       struct ukt_buf *out);

/* The directories the loader searches, in order, newline-separated. */
int libfind_search_dirs(struct ukt_buf *out);

/*
 * A library that exports function sym, for "did you mean LIB:sym" when
 * sym was taken for a kernel function: among those the targets load (a
 * -P process's maps, the command's libraries), else in the loader's
 * directories (for at most a second or so). Its short name ("libsqlite3")
 * goes to out. 0, or -ENOENT.
 */
int libfind_exporting(const char *sym, const struct libfind_ctx *ctx,
		      struct ukt_buf *out);

#endif
