/* SPDX-License-Identifier: MIT */
/*
 * tracefs control for one recorder: its own instance and its own group of
 * dynamic events, both named uktrace_<pid> so that a leftover can be traced
 * to its (dead) owner. The only module that sees libtracefs. Never touches
 * events, instances or options that are not its own.
 */
#ifndef UKT_TRACEFS_H
#define UKT_TRACEFS_H

#include <stdbool.h>
#include <sys/types.h>

#include "spec.h"
#include "uktrace/buf.h"

#define TFS_PREFIX "uktrace_"

struct tracefs_instance;

struct tfs_event {
	char *file;	/* "uprobe_events" or "kprobe_events" */
	char *name;
};

struct tfs {
	char *dir;			/* tracefs mount point */
	char name[64];			/* instance and group: uktrace_<pid> */
	struct tracefs_instance *inst;
	char *inst_dir;
	struct tfs_event *events;	/* dynamic events we created */
	size_t nevents;
	bool have_uprobes;
	bool have_kprobes;
};

/*
 * Find tracefs (/sys/kernel/tracing, then /sys/kernel/debug/tracing) and,
 * with mount, mount it when it is not mounted. Names the session after pid.
 * 0 or a negative error, with a message in err.
 */
int tfs_open(struct tfs *t, pid_t pid, bool mount, struct ukt_buf *err);

/*
 * Remove the instances and dynamic event groups of recorders that are no
 * longer running (killed with SIGKILL, say), one line per removal in report.
 */
int tfs_remove_stale(struct tfs *t, struct ukt_buf *report);

/* Create our instance (tracing off). */
int tfs_instance_create(struct tfs *t, struct ukt_buf *err);

/*
 * Write one definition to uprobe_events or kprobe_events. On a kernel
 * rejection, err holds the kernel's reason from error_log.
 */
int tfs_add_probe(struct tfs *t, const struct probe *p, const char *def,
		  struct ukt_buf *err);

/* Remove the dynamic event added last (a half of a pair whose other half
 * the kernel refused). 0 or -errno, with a message in err. */
int tfs_remove_last_probe(struct tfs *t, struct ukt_buf *err);

/* Enable (or disable) system/event in our instance. */
int tfs_enable(struct tfs *t, const char *system, const char *event, bool on,
	       struct ukt_buf *err);

/* Write/read a file of our instance (relative path). 0 or -errno. */
int tfs_write(struct tfs *t, const char *file, const char *value);
int tfs_read(struct tfs *t, const char *file, struct ukt_buf *out);
/* Path of a file of our instance, or of the top level (inst false). */
int tfs_path(struct tfs *t, bool inst, const char *file, struct ukt_buf *out);
/* Read a file relative to the tracefs top level. */
int tfs_read_top(struct tfs *t, const char *file, struct ukt_buf *out);

/*
 * Expand tracepoint globs of l against available_events (replacing them by
 * one probe per match). 0, or -ENOENT with a message when one matches none.
 */
int tfs_expand_tracepoints(struct tfs *t, struct probe_list *l,
			   struct ukt_buf *err);

/* Stop tracing, destroy the instance, remove our dynamic events. Safe to
 * call on a half-set-up session and more than once. Problems go to err. */
int tfs_teardown(struct tfs *t, struct ukt_buf *err);

void tfs_release(struct tfs *t);

#endif
