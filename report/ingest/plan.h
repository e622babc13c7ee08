/* SPDX-License-Identifier: MIT */
/*
 * The pairing plan: what the import does with each event layout of a
 * trace. Entry and return probes of one function (and syscalls' enter and
 * exit tracepoints) are paired into calls under one function name; every
 * other layout is plain events. Decided once, before the first event.
 */
#ifndef UKT_PLAN_H
#define UKT_PLAN_H

#include <stdbool.h>

#include "decode.h"
#include "strtab.h"
#include "uktrace/pair.h"
#include "trace.h"

/* arguments kept per event, at most */
#define PLAN_MAX_ARGS 64
/* the largest probe id kept from a PROBE record (others get one after the
 * largest): ids index arrays */
#define PLAN_MAX_PROBE_ID (1 << 20)

enum role { ROLE_NONE, ROLE_ENTRY, ROLE_RETURN };

/*
 * Where a folded event's argument comes back from (schema.h): an event of
 * a call is not stored as a row of its own when the call row and these
 * reproduce it exactly.
 */
enum fold_src {
	FOLD_NONE = 0,		/* not reproducible: the event is stored */
	FOLD_CALLER = 1,	/* the call's caller address */
	FOLD_SP = 2,		/* the entry's stack pointer (+ the return's delta) */
	FOLD_RET = 3,		/* the call's return value */
	FOLD_CONST = 4,		/* the same value in every event of the probe */
};

/* What the import knows about each event layout. */
struct lay_info {
	int probe_id;		/* probes.id */
	enum role role;
	int func;		/* index into funcs, or -1 */
	int caller_arg;		/* index into args: "caller", or -1 */
	int ret_arg;		/* "ret", or -1 */
	int sp_arg;		/* "sp" (the stack pointer), or -1 */
	bool render_args;	/* entry with arguments worth keeping in calls */
	/* folding (paired layouts): per argument, up to PLAN_MAX_ARGS */
	uint8_t *fold_src;	/* enum fold_src */
	int64_t *fold_val;	/* FOLD_CONST: the value, once seen; FOLD_SP: delta */
	bool *fold_set;		/* FOLD_CONST: a value was seen */
	bool foldable;		/* every argument can come back */
};

struct plan {
	const struct event_layout *lays;	/* the decoder's */
	int nlays;
	struct lay_info *li;	/* per layout */
	char **funcs;		/* display names of paired functions */
	unsigned int *fflags;	/* per function: enum func_flags (uktrace/pair.h) */
	int nfuncs;
	size_t funcs_cap;	/* of the five per-function arrays */
	int maxargs;		/* the most arguments of any layout */
	const char *machine;	/* the recording host's (the trace's meta) */
	bool has_sp_delta;	/* return sp - entry sp is known (pair_sp_delta): */
	int64_t sp_delta;	/* 8 on x86-64 (the return address popped) */
	int *entry_probe, *return_probe;	/* per function: probe ids */
	int *func_key;		/* per function: its first layout's pairing key */
	struct strtab fnames;	/* funcs' names, by index */
	struct overloads *ov;	/* C++ names probed more than once (plan.c) */
};

/*
 * Plan the layouts of dec (from trace t): roles, function names (unique:
 * two functions of one name in different objects become name@object),
 * probe ids (layouts without a PROBE record get ids after the others).
 * 0 or -ENOMEM.
 */
int plan_build(struct plan *p, const struct trace *t, const struct decoder *dec);
void plan_release(struct plan *p);
/* The readable name of the function probe p is on (a C++ one demangled
 * as a paired function's is: calls.func), or nothing (a tracepoint). */
void plan_probe_name(const struct plan *pl, const struct ukt_probe_rec *p,
		     struct ukt_buf *out);

/* The plan of the layout of ev. */
static inline const struct lay_info *plan_of(const struct plan *p,
					     const struct event_layout *lay)
{
	return &p->li[lay - p->lays];
}

struct call_event;
/*
 * The call event of ev, an event of a paired layout (li->role is not
 * ROLE_NONE) of thread pid's process: caller, probed address, stack
 * pointer, return value, and the entry's arguments rendered into args
 * when the plan keeps them (ce->args then points into args).
 */
void plan_call_event(const struct lay_info *li, const struct dec_event *ev, int pid,
		     int64_t event_id, struct ukt_buf *args, struct call_event *ce);

/* A pairer for the plan's functions (their flags, the stack pointer's
 * delta), emitting calls to emit. NULL on ENOMEM. */
struct pairer *plan_pairer(const struct plan *p, call_emit_fn emit, void *ctx);

#endif
