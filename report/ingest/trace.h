/* SPDX-License-Identifier: MIT */
/*
 * A trace file loaded for analysis: its metadata blocks parsed and kept,
 * its data blocks indexed per CPU (left compressed in the mapped file until
 * the decoder needs them), and what was damaged.
 */
#ifndef UKT_TRACE_H
#define UKT_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strtab.h"
#include "uktrace/buf.h"
#include "uktrace/format.h"

/*
 * What a trace file may hold (format/FORMAT.md, "Limits"): more than any
 * recording writes, so that a crafted file cannot make the report spend
 * memory or time out of all proportion to it. trace_open refuses a file
 * past one of them (-REP_E_LIMIT, with what and how much in its message).
 */
#define TRACE_MAX_META_KEYS	4096		/* distinct META keys */
#define TRACE_MAX_FORMATS	65536		/* EVENT_FORMAT blocks: event ids are 16 bits */
#define TRACE_MAX_PROBES	65536		/* PROBE blocks, one per event */
#define TRACE_MAX_SYMTABS	65536		/* SYMTAB blocks, one per object */
#define TRACE_MAX_SYMBOLS	(8u << 20)	/* symbols of all SYMTABs */
#define TRACE_MAX_SEGMENTS	256		/* PT_LOAD segments of one SYMTAB */
#define TRACE_MAX_TEXT		(256u << 20)	/* THREADS or PRINTK text, all blocks */

struct tracedat;

struct trace_kv {
	char *key;
	char *value;
};

struct trace_format {
	char *system;
	char *text;
	size_t len;
};

struct trace_maps {
	uint32_t pid;
	uint64_t ts;
	char *text;
};

struct trace_cpu {
	struct ukt_block *blocks;	/* DATA blocks of this CPU, in order */
	size_t nblocks, cap;
	uint64_t pages;
	uint64_t raw_bytes;
	uint64_t stored_bytes;
	char *stats;			/* per_cpu/cpuN/stats text, or NULL */
};

struct trace {
	struct ukt_reader *r;
	char *path;
	struct ukt_file_info info;
	uint64_t file_size;
	struct trace_kv *meta;		/* one per key, in the order first seen */
	size_t nmeta, meta_cap;
	struct strtab meta_keys;	/* key -> index into meta */
	struct ukt_buf header_page, header_event, printk, kallsyms;
	struct ukt_buf cmdlines, tgids, threads;
	struct ukt_buf tasks;		/* TASKS payloads, one after the other */
	struct trace_format *formats;
	size_t nformats, formats_cap;
	struct ukt_probe_rec *probes;	/* PROBE records */
	size_t nprobes, probes_cap;
	struct ukt_buf *symtabs;	/* SYMTAB payloads */
	size_t nsymtabs, symtabs_cap;
	uint64_t nsymbols;		/* in all of them */
	struct ukt_buf *ehframes;	/* EHFRAME payloads (--stack dwarf) */
	size_t nehframes, ehframes_cap;
	struct trace_maps *maps;
	size_t nmaps, maps_cap;
	struct ukt_loss *losses;	/* LOSS records, in file order */
	size_t nlosses, losses_cap;
	struct trace_cpu *cpus;		/* info.ncpus of them */
	uint32_t ncpus;
	uint64_t blocks_good;
	uint64_t blocks_unknown;
	uint64_t malformed;		/* metadata payloads that did not parse */
	struct ukt_damage *damage;
	size_t *damage_file;		/* which of paths each is in */
	size_t ndamage;
	bool complete;			/* every file finished by its recorder */
	char *refused;			/* why it was refused (a limit), or NULL */
	/* one file, or the files of one recording (trace_open_set) */
	char **paths;
	size_t npaths;
	struct ukt_reader **more;	/* the readers of paths[1..] */
	/* a trace-cmd trace.dat (tracedat.h): its records come from there,
	 * and cpus[] have no blocks */
	struct tracedat *dat;
};

/*
 * Read every block of the file at path. NULL with *err set (and a message
 * in msg) when it is not a readable trace file; damage inside is recorded
 * in the returned trace, not an error.
 */
struct trace *trace_open(const char *path, int *err, struct ukt_buf *msg);
void trace_free(struct trace *t);

/*
 * Several files of one recording (the flight recorder's dumps, the files
 * of --rotate) as one trace: their data in time order, the metadata each
 * repeats once. Files of different recordings are refused. One path is
 * trace_open. NULL with *err and msg as trace_open.
 */
struct trace *trace_open_set(const char *const *paths, size_t n, int *err,
			     struct ukt_buf *msg);

/* Value of a META key (the last one written), or NULL. */
const char *trace_meta(const struct trace *t, const char *key);

/* For a second trace source (tracedat.c): set META key to value (both
 * copied); add a PROBE record (taking its strings); add a LOSS record.
 * 0 or a negative error. */
int trace_set_meta(struct trace *t, const char *key, const char *value);
int trace_add_probe(struct trace *t, struct ukt_probe_rec *p);
int trace_add_loss(struct trace *t, const struct ukt_loss *l);

/* A "field: N" value of a per_cpu stats text ("overrun: "), 0 if absent. */
uint64_t trace_cpu_stat(const char *stats, const char *field);

/* Append a one-line description per damage record (for warnings). */
void trace_describe_damage(const struct trace *t, struct ukt_buf *out);
/* One damage record's description, naming its file when there are
 * several. */
void trace_damage_text(const struct trace *t, size_t i, struct ukt_buf *out);

#endif
