/* SPDX-License-Identifier: MIT */
/*
 * Metadata for the trace file: what the report needs to decode the pages
 * (header_page, event formats) and to symbolize them on another machine
 * (probe definitions, kallsyms, symbol tables and build-ids, process maps,
 * threads), written while the probes still exist.
 */
#ifndef UKT_META_H
#define UKT_META_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "spec.h"
#include "uktrace/buf.h"

struct ukt_writer;
struct tfs;
struct tfs_cpu_stats;
struct meta_log;

struct meta {
	struct ukt_writer *w;		/* the file, or NULL (kept only) */
	struct tfs *t;
	const struct probe_list *probes;
	bool want_maps;			/* user-space probes: keep maps */
	const char *clock;		/* trace clock, for MAPS times */
	pid_t *pids;			/* processes we follow (filter) */
	size_t npids;
	bool system_wide;		/* scan every process for probed objects */
	unsigned int stack;		/* REC_STACK_*: the ftrace stack formats */
	uint64_t skipped;		/* blocks the file's size limit refused */
	/* what was written already */
	struct meta_object {
		char *path;	/* as named when first written */
		bool has_id;	/* the file's device and inode: */
		unsigned int maj, min;
		uint64_t ino;
	} *objects;		/* whose SYMTAB was written */
	size_t nobjects;
	struct pid_maps { pid_t pid; uint32_t hash; } *maps;
	size_t nmaps;
	/* processes as the kernel reports their mappings (mmapwatch.h),
	 * by pid: open addressing */
	struct meta_proc *procs;
	size_t nprocs, proc_cap;
	/* system-wide: every process seen by the last scan, sorted by pid,
	 * with the executable it ran (an exec changes it) */
	struct pid_seen { pid_t pid; dev_t dev; ino_t ino; } *seen;
	size_t nseen;
	/* what a new file needs to stand alone (meta_keep), or NULL */
	struct meta_log *log;
	/* the probed files (uprobes), and whether a traced process's maps
	 * written to the trace mapped them */
	struct meta_target {
		char *path;
		dev_t dev;
		ino_t ino;
		bool mapped;
	} *targets;
	size_t ntargets;
	/* TASKS records not written yet (meta_flush_procs writes them) */
	struct ukt_buf tasks;
	uint64_t tasks_ts;		/* of the last of them */
};

/* The trace clock's "now" in nanoseconds (for the clocks we can read). */
uint64_t meta_clock_now(const char *clock);

/* META block with the given key/values (NULL-terminated pairs), for
 * this file only. */
int meta_write_kv(struct meta *m, const char *const *kv);

/*
 * Keep, from now on, what a new file of the same recording needs to stand
 * alone (the flight recorder's dumps, --rotate's files): the start
 * metadata, event formats, probes, symbol tables, and each process's maps
 * and threads: the latest, and those of the last horizon_ns (the events
 * a dump may hold can be that old). Processes that are gone drop out
 * horizon_ns after their last maps. 0 or -ENOMEM.
 */
int meta_keep(struct meta *m, uint64_t horizon_ns);
/* Write what was kept to m->w (a new file): it then stands alone. */
int meta_replay(struct meta *m);
/* Bytes kept (for the curious and the benchmarks). */
size_t meta_kept_bytes(const struct meta *m);

/*
 * Everything known at start: META (host, kernel, clock...), header_page and
 * header_event, each probe's event format and PROBE record, printk formats,
 * kallsyms (kernel probes), and symbol tables of the probed objects.
 */
int meta_write_start(struct meta *m, const char *clock, const char *cmdline,
		     unsigned int buffer_kb, uint32_t subbuf_size);

/*
 * Maps of the processes of interest (the followed pids and, system-wide,
 * every process that maps a probed object), written when they changed,
 * with the symbol tables of the objects they map and their threads.
 * System-wide, a scan that is not full reads the maps only of processes
 * it has not seen, or that have exec'd since: rereading the maps of every
 * process every few seconds cost a tenth of a core on a host with a
 * thousand processes. The first and the last scans are full.
 */
int meta_scan(struct meta *m, bool full);

/* Maps, objects and threads of one process now (a process about to exit;
 * pid may be any of its threads). */
int meta_snapshot_pid(struct meta *m, pid_t pid);

/* Follow pid from now on (a child of the launched command). */
int meta_follow(struct meta *m, pid_t pid);

/* A LOSS block: the loss counters of cpu grew between from and to. */
int meta_write_loss(struct meta *m, int cpu, uint64_t from, uint64_t to,
		    uint64_t overrun, uint64_t dropped);

struct mw_event;

/*
 * A process's mappings changed, or a task was born or renamed
 * (mmapwatch.h). Mappings are kept per process; a followed process, a
 * child of one, or (system-wide) one that maps a probed file has its maps
 * written, with the symbol tables of what it maps read at once, while
 * they can be (a process may live a millisecond). A followed process's
 * (system-wide: any process's) new threads, forks, execs and names go
 * into TASKS records: the process of every thread, and its name as of
 * each moment. 0 or negative.
 */
int meta_mmap_event(struct meta *m, const struct mw_event *e);

/* Write the maps of the processes that changed since, and the TASKS
 * records (debounced: call it now and then, and at the end). */
int meta_flush_procs(struct meta *m);

/* The end: cmdlines, tgids, per-CPU stats (also parsed into
 * stats[0..ncpus)), stop times. */
int meta_write_end(struct meta *m, int ncpus, const char *clock,
		   struct tfs_cpu_stats *stats);

/* The probed files that no traced process was seen to map (their probes
 * could not fire), one path a line, into out. */
void meta_unmapped(const struct meta *m, struct ukt_buf *out);

void meta_release(struct meta *m);

#endif
