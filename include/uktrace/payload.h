/* SPDX-License-Identifier: MIT */
/*
 * The payloads of the metadata blocks (format/FORMAT.md), each encoded and
 * decoded here and nowhere else, so that the recorder that writes them and
 * the report that reads them cannot disagree about a size or a field.
 * Decoders take untrusted bytes: every length is checked, and a payload
 * that does not parse gives -EBADMSG, never a read out of bounds.
 * Strings a decoder returns as (pointer, length) point into the payload
 * and live as long as it does.
 */
#ifndef UKTRACE_PAYLOAD_H
#define UKTRACE_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* ---- key/value records (META and PROBE) ---- */

int ukt_kv_add(struct ukt_buf *b, const char *key, const char *value);
int ukt_kv_addn(struct ukt_buf *b, const char *key, const void *value,
		size_t vlen);
struct ukt_kv {
	const char *key;
	uint32_t klen;
	const char *value;
	uint32_t vlen;
};
/* Next record of c: 1 got one, 0 at the end, -EBADMSG when malformed. */
int ukt_kv_next(struct ukt_cursor *c, struct ukt_kv *kv);
/* Whether kv's key equals key. */
bool ukt_kv_is(const struct ukt_kv *kv, const char *key);

/* ---- PROBE: one probe as installed ---- */

struct ukt_probe_rec {
	int id;			/* 1-based; events name it as probe_id */
	char *name;		/* event name */
	char *system;		/* the event's group or tracepoint system */
	char *kind;		/* uprobe, uretprobe, kprobe, kretprobe, tracepoint */
	char *spec;		/* as the user gave it */
	char *definition;	/* as written to tracefs ("" for tracepoints) */
	char *target;		/* path or kernel symbol */
	char *symbol;		/* function name, when known */
	uint64_t offset;	/* file offset (uprobes), offset into symbol */
	char *func;		/* what entry and return probes of one function share */
	char *returns;		/* "void" or "value" as debug info says; NULL: unknown */
	char *role;		/* "entry" or "return" for a pair of two uprobes
				 * (USDT), else NULL: the kind says */
	char *call;		/* with role: the name of its calls, or NULL */
	char *filter;		/* the record-time filter the kernel applied, or NULL */
};

/* Append p's records to out (NULL strings are written empty). 0 or -ENOMEM. */
int ukt_probe_encode(struct ukt_buf *out, const struct ukt_probe_rec *p);
/*
 * Decode a PROBE payload into p (its strings allocated; unknown keys are
 * skipped). 0; -EBADMSG when malformed or without name, system or kind
 * (p is then released); -ENOMEM.
 */
int ukt_probe_decode(const void *data, size_t len, struct ukt_probe_rec *p);
void ukt_probe_release(struct ukt_probe_rec *p);

/* ---- EVENT_FORMAT: a tracepoint's or dynamic event's format file ---- */

int ukt_event_format_encode(struct ukt_buf *out, const char *system,
			    const char *text, size_t len);
int ukt_event_format_decode(const void *data, size_t len,
			    const char **system, uint32_t *slen,
			    const char **text, size_t *tlen);

/* ---- SYMTAB: one object's function symbols and PT_LOAD segments ---- */

struct ukt_symtab_seg {
	uint64_t vaddr;
	uint64_t offset;
	uint64_t filesz;
	uint32_t flags;		/* p_flags */
};

enum ukt_sym_kind { UKT_SYM_FUNC = 0, UKT_SYM_IFUNC = 1 };

struct ukt_symtab_sym {
	uint64_t value;		/* virtual address */
	uint64_t size;
	uint8_t kind;		/* enum ukt_sym_kind */
	const char *name;
	uint32_t nlen;
};

struct ukt_symtab {
	const char *path;		/* as the process that maps it names it */
	uint32_t plen;
	const uint8_t *build_id;	/* raw bytes */
	uint32_t build_id_len;
	struct ukt_symtab_seg *segs;
	uint32_t nsegs;
	struct ukt_symtab_sym *syms;	/* sorted by value */
	uint32_t nsyms;
	/* the file's identity, as /proc/PID/maps shows it (when has_id):
	 * what maps lines are matched by, whatever path names the file */
	bool has_id;
	uint32_t dev_major, dev_minor;
	uint64_t ino;
	const char *mntns;		/* "mnt:[4026531840]", or NULL */
	uint32_t mntns_len;
	const char *source;		/* where the symbols came from: the
					 * file, a debug file, or NULL */
	uint32_t source_len;
};

/* Append s to out. 0, -ENOMEM or -EOVERFLOW. */
int ukt_symtab_encode(struct ukt_buf *out, const struct ukt_symtab *s);
/*
 * Decode a SYMTAB payload: the arrays are allocated (free them with
 * ukt_symtab_release), the strings point into data. 0, -EBADMSG, -ENOMEM.
 * After the symbols come optional key/value records (dev, ino, mntns,
 * source); unknown keys, and bytes that are not records, are ignored.
 */
int ukt_symtab_decode(const void *data, size_t len, struct ukt_symtab *s);
/*
 * The same a symbol at a time, for tables too big to copy whole:
 * ukt_symtab_begin decodes what comes before the symbols (s->syms stays
 * NULL, s->nsyms is their count, bounded by the payload's size) and
 * leaves c at the first; ukt_symtab_next_sym decodes the next (0 or
 * -EBADMSG); after the last, ukt_symtab_end reads the optional records.
 * 0, -EBADMSG, -ENOMEM; release s with ukt_symtab_release either way.
 */
int ukt_symtab_begin(const void *data, size_t len, struct ukt_symtab *s,
		     struct ukt_cursor *c);
int ukt_symtab_next_sym(struct ukt_cursor *c, struct ukt_symtab_sym *y);
void ukt_symtab_end(struct ukt_symtab *s, struct ukt_cursor *c);
void ukt_symtab_release(struct ukt_symtab *s);

/* ---- MAPS: /proc/PID/maps of one process at a time ---- */

int ukt_maps_encode(struct ukt_buf *out, uint32_t pid, uint64_t ts,
		    const char *text, size_t len);
int ukt_maps_decode(const void *data, size_t len, uint32_t *pid,
		    uint64_t *ts, const char **text, size_t *tlen);

/* ---- EHFRAME: one object's .eh_frame, for unwinding user stacks ---- */

struct ukt_ehframe {
	const char *path;	/* as the SYMTAB of the object names it */
	uint32_t plen;
	bool has_id;		/* its device and inode (SYMTAB's dev, ino) */
	uint32_t dev_major, dev_minor;
	uint64_t ino;
	uint64_t addr;		/* the section's virtual address */
	const uint8_t *data;	/* the section's bytes */
	size_t len;
};

int ukt_ehframe_encode(struct ukt_buf *out, const struct ukt_ehframe *e);
/* 0 or -EBADMSG; e's pointers point into data. */
int ukt_ehframe_decode(const void *data, size_t len, struct ukt_ehframe *e);

/* ---- THREADS: "tid pid comm" lines ---- */

/* Append one thread (comm's newlines are replaced). 0 or -ENOMEM. */
int ukt_threads_add(struct ukt_buf *out, int tid, int pid, const char *comm,
		    size_t clen);
/*
 * The next thread of a THREADS payload: 1 with *tid, *pid and the comm
 * (pointing into the payload), 0 at the end. Lines that do not parse are
 * skipped.
 */
int ukt_threads_next(struct ukt_cursor *c, int *tid, int *pid,
		     const char **comm, size_t *clen);

/* ---- TASKS: tasks as the kernel reported them, as they came and went ---- */

enum ukt_task_kind {
	UKT_TASK_FORK = 1,	/* tid = pid is a new process, made by ptid of ppid */
	UKT_TASK_CLONE = 2,	/* tid is a new thread of pid, made by ptid */
	UKT_TASK_EXEC = 3,	/* tid (= pid) runs a new program, named comm */
	UKT_TASK_COMM = 4,	/* tid of pid renamed itself comm (not an exec) */
};

struct ukt_task {
	uint32_t kind;		/* enum ukt_task_kind; readers skip others */
	uint64_t ts;		/* when (as MAPS blocks' times) */
	int32_t pid, tid;	/* the task's process and the task */
	int32_t ppid, ptid;	/* FORK, CLONE: who made it; else 0 */
	const char *comm;	/* EXEC, COMM: the new name; else empty */
	uint32_t clen;
};

/* Append one record (a comm's newlines and NULs are kept as they are:
 * it is counted, not terminated). 0 or -ENOMEM. */
int ukt_task_add(struct ukt_buf *out, const struct ukt_task *t);
/*
 * The next record of a TASKS payload into t (comm points into it): 1, 0 at
 * the end, -EBADMSG when malformed. A record longer than this reader knows
 * (fields a newer writer added) is read for the fields it knows.
 */
int ukt_task_next(struct ukt_cursor *c, struct ukt_task *t);

/* ---- LOSS: the kernel's loss counters grew on one CPU ---- */

struct ukt_loss {
	uint32_t cpu;
	uint64_t from_ns;	/* trace clock, 0: unknown (a clock user space */
	uint64_t to_ns;		/* cannot read) */
	uint64_t overrun;	/* events overwritten meanwhile */
	uint64_t dropped;	/* events dropped meanwhile */
};

int ukt_loss_encode(struct ukt_buf *out, const struct ukt_loss *l);
int ukt_loss_decode(const void *data, size_t len, struct ukt_loss *l);

#endif
