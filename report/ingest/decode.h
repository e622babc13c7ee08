/* SPDX-License-Identifier: MIT */
/*
 * Decoding ring-buffer pages into events, merged across CPUs in time order.
 * The only report module that sees libtraceevent: it parses header_page
 * and the saved event formats with tep, walks pages with the engine's
 * page reader (uktrace/rbpage.h, kbuffer), and hands out events whose
 * fields are read through our own bounds-checked layouts.
 */
#ifndef UKT_DECODE_H
#define UKT_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "trace.h"
#include "uktrace/buf.h"

enum field_kind {
	FK_INT,		/* signed or unsigned integer of 1..8 bytes */
	FK_STRING,	/* dynamic (__data_loc/__rel_loc) or fixed char array */
	FK_BYTES,	/* other arrays */
};

struct field_layout {
	char *name;
	int offset;
	int size;
	enum field_kind kind;
	bool is_signed;
	bool dynamic;
	bool relative;
};

/* One event type of the trace, and what the report knows of it. */
struct event_layout {
	int id;			/* the kernel's event id */
	char *system;
	char *name;
	int probe;		/* index into trace->probes, or -1 */
	struct field_layout *args;	/* non-common fields, minus the probe's own */
	int nargs;
	int ip;			/* index into fields: __probe_ip / __probe_func, or -1 */
	int ret_ip;		/* __probe_ret_ip, or -1 */
	struct field_layout *fields;	/* all non-common fields */
	int nfields;
	void *tep_event;	/* opaque */
};

struct dec_event {
	uint64_t ts;
	int cpu;
	int tid;
	const struct event_layout *lay;
	const uint8_t *data;
	int size;
	/* events the kernel reported missing just before this one on its CPU:
	 * 0 none, > 0 that many, -1 an unknown number */
	long long missed;
	uint64_t missed_since;	/* the CPU's event before the gap, 0: none */
	bool swap;		/* the data's byte order is not the host's */
	/* the stacks tracefs wrote right after the event on its CPU
	 * (uktrace-record -g: ftrace's kernel_stack and user_stack entries),
	 * innermost frame first; NULL, 0 without. Valid until the next call. */
	const uint64_t *kstack, *ustack;
	int nkstack, nustack;
	bool kstack_cut;	/* the kernel said more frames than the entry holds */
	bool ustack_full;	/* every slot of the user_stack entry is used:
				 * the walk may have gone on */
};

/* The most frames of one stack the decoder keeps. */
#define DEC_MAX_STACK 256

struct decoder;

/*
 * Set up decoding for t. NULL with a message in err when the trace cannot
 * be decoded at all (no header_page, say). Formats that do not parse are
 * skipped with a warning in warn.
 */
struct decoder *decoder_new(struct trace *t, struct ukt_buf *err,
			    struct ukt_buf *warn);
void decoder_free(struct decoder *d);

/* Event layouts, for building the schema before the first event. */
const struct event_layout *decoder_layouts(const struct decoder *d, int *n);

/* The next event in time order: 1, 0 at the end, negative on ENOMEM. */
int decoder_next(struct decoder *d, struct dec_event *ev);

/* Restart from the first event. */
void decoder_rewind(struct decoder *d);
/* Read every CPU's pages ahead on threads of their own (pagefeed.h), from
 * the start: a rewound decoder only (else nothing changes). Rewinding
 * stops them. */
void decoder_read_ahead(struct decoder *d);

/* Field values. 0, or -ERANGE when the field lies outside the event. */
int dec_int(const struct dec_event *ev, const struct field_layout *f,
	    int64_t *v);
int dec_string(const struct dec_event *ev, const struct field_layout *f,
	       const char **s, int *len);

/* tep's own rendering of the event's fields (as trace-cmd report shows). */
void dec_print_info(struct decoder *d, const struct dec_event *ev,
		    struct ukt_buf *out);

/* Counters. */
struct decode_stats {
	uint64_t events;
	uint64_t unknown_events;	/* type with no format */
	uint64_t bad_pages;		/* pages whose header did not make sense */
	uint64_t bad_blocks;		/* blocks that failed to decompress */
	uint64_t missed_marks;
	uint64_t stacks;		/* stack entries given to their event */
	uint64_t orphan_stacks;		/* stack entries after no event of theirs */
};
const struct decode_stats *decoder_stats(const struct decoder *d);
/* What the counters say went missing, as warning lines appended to warn
 * (nothing when nothing did): the import's and the stream's words. */
void decoder_warnings(const struct decoder *d, struct ukt_buf *warn);

#endif
