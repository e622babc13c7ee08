/* SPDX-License-Identifier: MIT */
/*
 * Turning addresses into names with nothing but the trace file: the symbol
 * tables and process maps the recorder saved (user space) and kallsyms
 * (kernel). An address that cannot be resolved becomes object+offset or
 * the raw address, never a guess.
 */
#ifndef UKT_SYMBOLIZE_H
#define UKT_SYMBOLIZE_H

#include <stdbool.h>
#include <stdint.h>

#include "trace.h"
#include "uktrace/buf.h"

struct sym_entry {
	uint64_t addr;
	uint64_t size;	/* 0: unknown, up to the next symbol */
	char *name;	/* in its table's names */
};

struct sym_object {
	char *path;
	bool has_id;		/* device and inode of the file, as maps show */
	unsigned int maj, min;
	uint64_t ino;
	char *mntns;		/* its process's mount namespace, or NULL */
	char *source;		/* where its symbols came from (a debug file), or NULL */
	char build_id[130];	/* hex */
	struct { uint64_t vaddr, offset, filesz; } *segs;
	size_t nsegs;
	struct sym_entry *syms;	/* sorted by addr */
	size_t nsyms;
	char *names;		/* where the syms' names are */
};

struct sym_map {
	uint64_t start, end, pgoff;
	int object;		/* index into objects, or -1 */
	char *path;
};

struct sym_snapshot {
	uint32_t pid;
	uint64_t ts;
	struct sym_map *maps;	/* in the order of the file */
	size_t nmaps;
	size_t *by_start;	/* maps by start address */
};

struct symbolizer {
	struct sym_object *objects;
	size_t nobjects, objects_cap;
	size_t *by_id, *by_path;	/* objects with and without identity */
	size_t nby_id, nby_path;
	struct sym_snapshot *snaps;	/* sorted by pid, then ts */
	size_t nsnaps, snaps_cap;
	struct sym_entry *ksyms;	/* sorted */
	size_t nksyms;
	char *knames;			/* where their names are */
	uint64_t malformed;
	struct tracedat *dat;		/* a trace.dat's kernel symbols (tracedat.h) */
};

int symbolizer_load(struct symbolizer *s, const struct trace *t);
void symbolizer_release(struct symbolizer *s);

/*
 * Resolve addr in process pid at time ts. Writes "name+0xoff" (or
 * "object+0xoff", or "0xaddr") to sym and the object path (or "[kernel]",
 * or "") to obj. Returns 1 when a symbol was found, 0 otherwise.
 */
int symbolize(const struct symbolizer *s, int pid, uint64_t addr, uint64_t ts,
	      struct ukt_buf *sym, struct ukt_buf *obj);

/*
 * The object (index into s->objects) that maps addr in process pid at
 * time ts, and addr's virtual address in it: 1, or 0 when no saved
 * object maps it (as symbolize chooses the process's maps).
 */
int sym_locate(const struct symbolizer *s, int pid, uint64_t addr, uint64_t ts,
	       size_t *object, uint64_t *vaddr);

/* Whether addr is a kernel address (x86-64 and arm64 layouts). */
static inline int sym_is_kernel(uint64_t addr)
{
	return addr >= 0xffff000000000000ull;
}

#endif
