/* SPDX-License-Identifier: MIT */
/*
 * tracefs control for one recorder: its own instance and its own group of
 * dynamic events, both named uktrace_<pid> so that a leftover can be traced
 * to its (dead) owner. The only module that reads or writes tracefs, and
 * the only one that sees libtracefs: every file it reads or writes, every
 * instance and every dynamic event goes through libtracefs, except where
 * docs/DESIGN-NOTES.md ("tracefs") says why not. It takes strings, not
 * probes. Never touches events, instances or options that are not its own;
 * the one global setting it raises (saved_cmdlines_size) it puts back at
 * the teardown.
 */
#ifndef UKT_TRACEFS_H
#define UKT_TRACEFS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "uktrace/buf.h"

#define TFS_PREFIX "uktrace_"

struct tracefs_instance;
struct tracefs_dynevent;

/* A dynamic event we created: libtracefs's handle, which removes it. */
struct tfs_event {
	struct tracefs_dynevent *dev;
	char *name;
};

/* A dynamic event to create in our group, in the pieces libtracefs's
 * allocators take. */
struct tfs_probe {
	bool kernel;		/* kprobe, else uprobe */
	bool ret;		/* the return probe */
	const char *name;	/* the event's name */
	const char *file;	/* uprobe: the file (absolute path) */
	const char *symbol;	/* kprobe: the function (or an address) */
	uint64_t offset;	/* uprobe: file offset; kprobe: into symbol */
	uint64_t ref_ctr;	/* uprobe: file offset of its reference
				 * counter (a USDT semaphore), 0: none */
	unsigned int maxactive;	/* kretprobe: r<N>, 0 for the kernel's */
	const char *args;	/* fetchargs, space-separated, or NULL */
};

struct tfs {
	char *dir;			/* tracefs mount point */
	char name[64];			/* instance: uktrace_<pid>[_SUFFIX] */
	char group[64];			/* dynamic events' group: uktrace_<pid> */
	struct tracefs_instance *inst;
	char *inst_dir;
	struct tfs_event *events;	/* dynamic events we created */
	size_t nevents;
	bool have_uprobes;
	bool have_kprobes;
	char saved_cmdlines_size[32];	/* to put back, or "" */
};

/* One CPU's per_cpu/cpuN/stats. */
struct tfs_cpu_stats {
	uint64_t entries;		/* still in the buffer */
	uint64_t read_events;		/* read by us */
	uint64_t overrun;		/* overwritten: lost */
	uint64_t dropped;		/* dropped (buffer full, no overwrite) */
};

/*
 * Find tracefs (/sys/kernel/tracing, then /sys/kernel/debug/tracing) and,
 * with mount, mount it when it is not mounted. Names the session after pid.
 * 0 or a negative error, with a message in err.
 */
int tfs_open(struct tfs *t, pid_t pid, bool mount, struct ukt_buf *err);

/* The same with tracefs at dir, as it is: for tests, whose directory of
 * plain files and FIFOs stands in for tracefs. */
int tfs_open_at(struct tfs *t, pid_t pid, const char *dir, struct ukt_buf *err);

/*
 * Remove the instances and dynamic event groups of recorders that are no
 * longer running (killed with SIGKILL, say), one line per removal in report.
 */
int tfs_remove_stale(struct tfs *t, struct ukt_buf *report);

/* Create our instance (tracing off). 0 or -errno, with a message in err. */
int tfs_instance_create(struct tfs *t, struct ukt_buf *err);

/*
 * A second instance of the same recorder, uktrace_<pid>_<suffix>, that can
 * enable main's dynamic events too (the flight recorder's triggers are
 * read there while main's buffers are left alone). It owns no events: tear
 * it down before main, whose teardown removes them. Created with tracing
 * off. 0 or -errno, with a message in err.
 */
int tfs_sibling_create(struct tfs *sib, const struct tfs *main, const char *suffix,
		       struct ukt_buf *err);

/*
 * Create the dynamic event p in our group (appended: nothing else in
 * tracefs changes). On a kernel rejection, -REC_E_KERNEL with the
 * definition and the kernel's reason from error_log in err; without kprobe
 * or uprobe support, -REC_E_NO_KPROBES or -REC_E_NO_UPROBES.
 */
int tfs_add_probe(struct tfs *t, const struct tfs_probe *p, struct ukt_buf *err);

/* Remove the dynamic event added last (a half of a pair whose other half
 * the kernel refused). 0 or -errno, with a message in err. */
int tfs_remove_last_probe(struct tfs *t, struct ukt_buf *err);

/* Enable (or disable) system/event in our instance; system NULL: our group.
 * The event's id and format: tfs_read_top("events/SYS/EVENT/format"). */
int tfs_enable(struct tfs *t, const char *system, const char *event, bool on,
	       struct ukt_buf *err);

/*
 * Leave out the events of these tasks and of every task they create from
 * now on (set_event_notrace_pid, options/event-fork): the recorder's own.
 * 0, or -errno (-ENOENT: a kernel before 5.8, without the file).
 */
int tfs_exclude_tasks(struct tfs *t, const pid_t *tids, size_t n);

/*
 * Set the filter of system/event in our instance (system NULL: our group)
 * to expr, in the kernel's event filter syntax. A refusal is -REC_E_FILTER
 * with the kernel's reason in err (its error_log entry, else what the
 * event's filter file says, with the caret under the offending place).
 */
int tfs_set_filter(struct tfs *t, const char *system, const char *event,
		   const char *expr, struct ukt_buf *err);

/* Write/read a file of our instance (relative path). 0 or -errno. */
int tfs_write(struct tfs *t, const char *file, const char *value);
int tfs_read(struct tfs *t, const char *file, struct ukt_buf *out);
/* Read a file relative to the tracefs top level. */
int tfs_read_top(struct tfs *t, const char *file, struct ukt_buf *out);

/* Read a top-level tracefs file wherever tracefs is mounted, without a
 * session and without mounting it. 0 or -errno (-ENOENT: no tracefs). */
int tfs_read_mounted(const char *file, struct ukt_buf *out);

/* Number of CPUs our instance has buffers for. */
int tfs_ncpus(struct tfs *t);

/* Our instance's ring-buffer sub-buffer size in bytes, from
 * buffer_subbuf_size_kb or header_page (never assumed to be 4096). */
uint32_t tfs_subbuf_size(struct tfs *t);

/* Open per_cpu/cpuN/trace_pipe_raw of our instance, non-blocking. The fd,
 * or -errno (-ENOENT for a CPU that is not present). */
int tfs_open_cpu_raw(struct tfs *t, int cpu);

/* Read and parse one CPU's stats; text (optional) gets the file as read.
 * 0 or -errno. */
int tfs_cpu_stats(struct tfs *t, int cpu, struct tfs_cpu_stats *s,
		  struct ukt_buf *text);
/* Parse a stats text (fields that are absent stay 0). */
void tfs_parse_stats(const char *text, struct tfs_cpu_stats *s);

/*
 * From an error_log text, the kernel's words about the last command that
 * named event (group/name), appended to out as ": REASON\n  Command: ...\n
 * ^" (the entry's lines after its "error: "). Nothing when no entry names
 * it. error_log is global: the entry logged last may be another tool's.
 */
void tfs_error_entry(const char *log, const char *event, struct ukt_buf *out);

/*
 * Raise saved_cmdlines_size (a global setting) so thread names survive a
 * busy recording; the teardown puts the old value back.
 */
void tfs_raise_cmdlines(struct tfs *t, unsigned int size);

/* Stop tracing, destroy the instance, remove our dynamic events, put back
 * the global settings we changed. Safe to call on a half-set-up session
 * and more than once. Problems go to err. */
int tfs_teardown(struct tfs *t, struct ukt_buf *err);

void tfs_release(struct tfs *t);

#endif
