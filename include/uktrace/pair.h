/* SPDX-License-Identifier: MIT */
/*
 * The pairing engine: entry and return events into calls, with a stack
 * per thread. The one implementation of the pairing rule, used by the
 * report's import, its ClickHouse load and the flight recorder's
 * duration trigger alike. Pure logic over a time-ordered stream
 * (unit-tested without a kernel).
 *
 * A return is paired with the open call it belongs to, never by position
 * alone: when both carry the stack pointer (user-space functions on
 * x86-64, where the recorder fetches it), the return's stack pointer
 * names the frame (entry sp + the architecture's delta); otherwise the
 * innermost open call of the same function. An event of a user-space
 * function at a shallower stack position than open frames proves those
 * gone (longjmp, siglongjmp, an exception): they are closed then, as the
 * kernel drops their uretprobe returns, and later calls of the thread sit
 * at their true depth. Calls whose return never came are told apart by
 * why: the kernel's limit of 64 pending uretprobes per thread
 * (no_return_depth), lost events (lost), a frame unwound past (abandoned),
 * a function that never returns (never_returns: exit, exit_group,
 * rt_sigreturn), or unknown (no_return: stopped, died). A syscall never
 * nests inside another, so a new syscall entry closes one left open. The
 * child's side of fork/clone returns without an entry (fork_child). Only
 * complete calls have a duration that statistics may use.
 */
#ifndef UKTRACE_PAIR_H
#define UKTRACE_PAIR_H

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
	CALL_ABANDONED,		/* its frame was unwound past (longjmp,
				 * exception): a later event of its thread
				 * at a shallower stack position */
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

/*
 * The flags of a function by its name (a probed function, or
 * "syscall:NAME" for a syscall's sys_enter/sys_exit pair) and whether its
 * return probe is a uretprobe: which syscalls never return, fork or exec.
 */
unsigned int pair_func_flags(const char *name, bool user_return);

/*
 * A return's stack pointer minus its entry's on machine (uname's machine:
 * the recording host's): on x86-64, 8 (the return address popped). false
 * where the recorder fetches no stack pointer. The one place this is
 * decided; pairer_set_machine uses it.
 */
bool pair_sp_delta(const char *machine, int64_t *delta);

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
	bool noted;		/* pairer_note marked it while it was open */
	bool recursive;		/* entered while a call of the same function was
				 * open on its thread: its time is that call's
				 * too (total time counts the outermost once) */
};

typedef int (*call_emit_fn)(void *ctx, const struct call_row *row);

struct pairer;

/* A pairer for functions 0..nfuncs-1. NULL on ENOMEM. */
struct pairer *pairer_new(call_emit_fn emit, void *ctx, int nfuncs);
void pairer_free(struct pairer *p);

/* Flags (enum func_flags) of func. */
void pairer_set_func(struct pairer *p, int func, unsigned int flags);

/* Pair by the stack pointers of machine (pair_sp_delta): a return names
 * the frame it returns from. Without it (or on a machine without a rule),
 * stack pointers are not used for pairing. */
void pairer_set_machine(struct pairer *p, const char *machine);

/*
 * Bounded memory: at most max_open open calls per thread (0: no limit).
 * Past it, a thread's oldest open call is forgotten without a row (its
 * return, should it come, pairs with nothing), and depths count from the
 * oldest call kept. For a watcher that runs for days (the flight
 * recorder's trigger), not for the report.
 */
void pairer_set_max_open(struct pairer *p, int max_open);

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

/* An open call, as pairer_open_next shows it. */
struct open_call {
	int64_t id;
	int tid, pid, func;
	uint64_t entry_ts;
	bool returns;		/* its return will be reported: not a call the
				 * kernel armed no uretprobe return for */
	bool noted;
};

/* Where pairer_open_next is: start at PAIR_ITER_INIT. */
struct pair_iter {
	size_t slot;
	int k;
	struct open_call oc;	/* the open call it is at */
};
#define PAIR_ITER_INIT { 0, -1, { 0 } }

/*
 * The next open call of any thread (in no particular order): true with
 * it->oc, false after the last. The pairer may be changed between calls
 * only by pairer_note and pairer_forget_thread.
 */
bool pairer_open_next(struct pairer *p, struct pair_iter *it);
/* Mark the open call it is at: it shows as noted, and so does its row. */
void pairer_note(struct pairer *p, const struct pair_iter *it);
/*
 * The return addresses the kernel replaced with its uretprobe trampoline
 * on thread tid: those of its open calls whose return is armed, innermost
 * first, each its entry's fetched caller (0 when the entry fetched none).
 * A stack walked in the thread shows the trampoline in their place. At
 * most max into out; their number.
 */
int pairer_open_returns(const struct pairer *p, int tid, uint64_t *out, int max);
/* The thread exited: its open calls are dropped without rows. */
void pairer_forget_thread(struct pairer *p, int tid);

/*
 * Calls read back later in the order of their ids (which grow with
 * entry), each with the parent id the pairer gave it (call_row.parent_id),
 * as the flame graph reads them: which call seen before on the thread is
 * the new one's parent, so that its place in a tree follows its parent's
 * without the nesting being worked out again.
 */
struct pair_nest;

struct pair_nest *pair_nest_new(void);
void pair_nest_free(struct pair_nest *n);
/*
 * Before adding a call of thread tid whose parent is parent_id (0: none):
 * 1 with *val the value its parent was added with, 0 when its parent was
 * not added (a call not read back, or none). The calls of tid added since
 * that parent have ended.
 */
int pair_nest_parent(struct pair_nest *n, int tid, int64_t parent_id, int *val);
/* Then the call itself, id, keeping val for its own calls. 0 or -ENOMEM. */
int pair_nest_add(struct pair_nest *n, int tid, int64_t id, int val);

#endif
