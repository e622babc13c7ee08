/* SPDX-License-Identifier: MIT */
/*
 * Pairing entry and return events into calls, with a stack per thread.
 * Pure logic over a time-ordered stream (unit-tested without a kernel).
 *
 * A return is paired with the open call it belongs to, never by position
 * alone: when both carry the stack pointer (user-space functions on
 * x86-64, where the recorder fetches it), the return's stack pointer
 * names the frame (entry sp + the architecture's delta); otherwise the
 * innermost open call of the same function. Calls whose return never came
 * are told apart by why: the kernel's limit of 64 pending uretprobes per
 * thread (no_return_depth), lost events (lost), a function that never
 * returns (never_returns: exit, exit_group, rt_sigreturn), or unknown
 * (no_return: stopped, died). A syscall never nests inside another, so a
 * new syscall entry closes one left open. The child's side of fork/clone
 * returns without an entry (fork_child). Only complete calls have a
 * duration that statistics may use.
 */
#ifndef UKT_CALLS_H
#define UKT_CALLS_H

#include <stdbool.h>
#include <stdint.h>

/* the kernel's limit of pending uretprobe returns per task */
#define CALLS_URETPROBE_DEPTH 64

struct call_event {
	uint64_t ts;
	int cpu;
	int tid;
	int pid;
	int func;		/* pairing key, >= 0 and < the nfuncs given */
	bool is_return;
	int probe_id;
	int64_t event_id;
	bool has_caller;	/* entry: fetched return address; return: ret_ip */
	uint64_t caller;
	bool has_sp;		/* the stack pointer fetched with the event */
	uint64_t sp;
	bool has_ip;		/* __probe_ip (entry) or __probe_func (return) */
	uint64_t ip;
	bool has_ret;
	int64_t ret;
	bool stored;		/* the caller stored the event itself */
	const char *args;	/* entry: rendered arguments, or NULL */
};

/* What a call row carries of one of its events, as it came. */
struct call_side {
	bool has_caller, has_sp, has_ip, stored;
	uint64_t caller, sp, ip;
};

enum call_status {
	CALL_COMPLETE,
	CALL_NO_RETURN,		/* entry seen, return never (stopped, died) */
	CALL_NO_ENTRY,		/* return seen, entry before the recording */
	CALL_LOST,		/* events were lost on its thread's CPUs meanwhile */
	CALL_NO_RETURN_DEPTH,	/* the kernel reported no return: entered with
				 * 64 uretprobe returns pending on its thread */
	CALL_NEVER_RETURNS,	/* exit, exit_group, rt_sigreturn */
	CALL_FORK_CHILD,	/* the child's return from fork/vfork/clone */
	CALL_NSTATUS
};

/* "complete", "no_return", ... (docs/SCHEMA.md) */
const char *call_status_name(enum call_status s);

/* What the pairer knows of a function (pairer_set_func). */
enum func_flags {
	FUNC_USER_RET = 1,	/* its return probe is a uretprobe */
	FUNC_SYSCALL = 2,	/* a system call: never nests in another */
	FUNC_NEVER_RETURNS = 4,	/* exit, exit_group, rt_sigreturn */
	FUNC_FORK = 8,		/* fork, vfork, clone, clone3 */
	FUNC_EXEC = 16,		/* execve, execveat: may return on another thread */
	FUNC_ENTRY_FILTERED = 32,	/* the recorder filtered its entries, not its
					 * returns: a return without an open call is
					 * not a call (its entry did not match) */
};

struct call_row {
	int64_t id;
	int func;
	int tid;
	int pid;
	bool has_entry, has_return;
	uint64_t entry_ts, return_ts;
	int64_t duration;	/* valid with both */
	int64_t self;		/* duration minus completed nested calls */
	int depth;
	int64_t parent_id;	/* 0: none */
	bool has_caller;
	uint64_t caller;
	bool has_ret;
	int64_t ret;
	int64_t entry_event_id, return_event_id;	/* 0: none */
	int entry_cpu, return_cpu;
	struct call_side in, out;	/* the entry and the return event */
	int entry_probe, return_probe;	/* probe ids, 0: none */
	const char *args;
	enum call_status status;
};

typedef int (*call_emit_fn)(void *ctx, const struct call_row *row);

struct pairer;

/* A pairer for functions 0..nfuncs-1. NULL on ENOMEM. */
struct pairer *pairer_new(call_emit_fn emit, void *ctx, int nfuncs);
void pairer_free(struct pairer *p);

/* Flags (enum func_flags) of func. */
void pairer_set_func(struct pairer *p, int func, unsigned int flags);

/* A return's stack pointer minus its entry's (x86-64: 8, the popped return
 * address). Without it, stack pointers are not used for pairing. */
void pairer_set_sp_delta(struct pairer *p, int64_t delta);

/* Feed the next event (in time order). 0, -ENOMEM or the emit callback's
 * error. */
int pairer_feed(struct pairer *p, const struct call_event *ev);

/*
 * Events were lost on cpu between from and to (trace clock). Calls whose
 * thread ran on cpu and whose time spans part of that range become
 * CALL_LOST. Ranges may come in any order but must come before the
 * returns they concern (a missed-events mark comes with the first event
 * after the gap). 0 or -ENOMEM.
 */
int pairer_loss(struct pairer *p, int cpu, uint64_t from, uint64_t to);

/* End of the stream: every open call is emitted, incomplete. */
int pairer_finish(struct pairer *p);

/* Counters of what was emitted, by status. */
void pairer_counts(const struct pairer *p, uint64_t counts[CALL_NSTATUS]);

#endif
