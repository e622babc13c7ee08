/* SPDX-License-Identifier: MIT */
/*
 * Probe specs: what the user typed (-p, -f, -e, or lines of a -c file)
 * turned into resolved probes, and probes turned into the exact definitions
 * written to tracefs. Reads ELF files and, for kernel globs, the kernel's
 * function lists; never writes to tracefs.
 */
#ifndef UKT_SPEC_H
#define UKT_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uktrace/buf.h"

enum probe_kind {
	PK_UPROBE,
	PK_URETPROBE,
	PK_KPROBE,
	PK_KRETPROBE,
	PK_TRACEPOINT,
};

const char *probe_kind_name(enum probe_kind k);

/* Which half of an entry/return pair a probe is, when its kind does not
 * say: a USDT pair is two uprobes (X__entry and X__return). */
enum probe_role {
	PROBE_ROLE_NONE,
	PROBE_ROLE_ENTRY,
	PROBE_ROLE_RETURN,
};

struct probe {
	enum probe_kind kind;
	char *name;		/* event name (in our group, or the tracepoint's) */
	char *system;		/* tracepoint system (glob until expanded) */
	char *spec;		/* as the user gave it */
	char *target;		/* absolute path (uprobes), kernel symbol or address */
	char *symbol;		/* function name, when known */
	uint64_t offset;	/* uprobe: file offset; kprobe: offset into symbol */
	char *args;		/* fetchargs, space-separated, as given */
	char *func;		/* what entry and return probes of one function share */
	char *def;		/* the definition written to tracefs (dynamic
				 * probes, once probe_list_define ran) */
	unsigned int maxactive;	/* r10: form */
	bool caller;		/* entry probe fetches the caller's address */
	bool optional;		/* from a kernel glob: skipped (with its pair)
				 * when the kernel refuses it */
	const char *returns;	/* "void" or "value", as debug information
				 * says; NULL: unknown (a static string) */
	uint64_t ref_ctr;	/* uprobe: file offset of its reference counter
				 * (a USDT semaphore, which the kernel raises
				 * while the probe is on), 0: none */
	enum probe_role role;	/* set for pairs of two uprobes (USDT) */
	char *call;		/* with role: the name of its calls
				 * ("python:function"), or NULL */
	char *filter;		/* the record-time filter (--filter), or NULL */
	bool filter_optional;	/* the filter is dropped (the probe records
				 * everything) when the kernel refuses it:
				 * the return half of a filtered USDT pair */
};

struct probe_list {
	struct probe *v;
	size_t n;
	size_t cap;
};

struct libfind_ctx;

struct spec_opts {
	size_t max_probes;	/* limit for glob expansion */
	struct ukt_buf *warnings;	/* non-fatal notes, one per line */
	/* whom binaries and libraries are found for (libfind.h); NULL: the
	 * system as a whole */
	const struct libfind_ctx *targets;
	/* return-probe functions an exception unwinds through (unwind.h);
	 * refused otherwise */
	bool allow_unwind;
};

void probe_list_release(struct probe_list *l);

/* Free p's strings and zero it. */
void probe_release(struct probe *p);

/* Append p to l; its strings then belong to the list (on -ENOMEM they
 * are released). 0 or -ENOMEM. */
int probe_list_add(struct probe_list *l, struct probe *p);

/* An event name the kernel accepts made of base (and suffix, when not
 * NULL): [A-Za-z_][A-Za-z0-9_]*, bounded. NULL on ENOMEM. */
char *probe_event_name(const char *base, const char *suffix);

/* Release the probes whose drop[i] is set, keeping the others in order. */
void probe_list_drop(struct probe_list *l, const bool *drop);

/*
 * Parse one spec and append the probes it yields.
 *   how 'p': a probe (raw tracefs syntax, BIN:SYM[+OFF][%return] [ARGS],
 *            SYM[+OFF][%return] [ARGS] for the kernel, uprobe:/uretprobe:/
 *            kprobe:/kretprobe:/tracepoint: prefixes);
 *   how 'f': a function: entry and return probe pair;
 *   how 'e': a tracepoint SYSTEM:EVENT (globs expanded later, against tracefs).
 * 0, or a negative error with a message in err (no trailing newline).
 */
int spec_parse(struct probe_list *out, char how, const char *text,
	       const struct spec_opts *o, struct ukt_buf *err);

/*
 * Parse a config file: one spec per line, '#' comments, blank lines. A line
 * may start with "probe", "function" or "tracepoint" (or -p, -f, -e);
 * without one it is a probe. Errors name the file and line.
 */
int spec_parse_file(struct probe_list *out, const char *path,
		    const struct spec_opts *o, struct ukt_buf *err);

/*
 * Replace the tracepoint globs of l by one probe per event of available
 * (the text of tracefs' available_events; where names it in messages).
 * 0, or -ENOENT with a message when a glob matches nothing.
 */
int spec_expand_tracepoints(struct probe_list *l, const char *available,
			    const char *where, struct ukt_buf *err);

/* Set each dynamic probe's def, its definition in group. 0 or -ENOMEM. */
int probe_list_define(struct probe_list *l, const char *group);

/* The definition line for uprobe_events/kprobe_events, in group. */
int probe_definition(const struct probe *p, const char *group,
		     struct ukt_buf *out);

/* Whether the kind is a dynamic (uprobe or kprobe) event. */
static inline bool probe_is_dynamic(const struct probe *p)
{
	return p->kind != PK_TRACEPOINT;
}

static inline bool probe_is_kernel(const struct probe *p)
{
	return p->kind == PK_KPROBE || p->kind == PK_KRETPROBE;
}

/* Make names unique within the list (appending _2, _3...). */
int probe_list_unique_names(struct probe_list *l);

#endif
