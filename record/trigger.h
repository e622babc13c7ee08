/* SPDX-License-Identifier: MIT */
/*
 * The flight recorder's triggers: what makes it write a dump.
 *
 *   FUNC>DUR   a call of FUNC that took longer than DUR ("handle>50ms"):
 *              a function recorded with -f, or syscall:NAME when both of
 *              its sys_enter/sys_exit tracepoints are recorded
 *   EVENT      a hit of a tracepoint SYS:NAME or of a recorded probe
 *
 * They are watched in a sibling tracefs instance that enables only their
 * events, with the same pid filter, read a few times a second; the main
 * buffers are left alone until a dump. Returns are paired with entries
 * by the report's own engine (uktrace/pair.h): by stack pointer where the
 * probes fetch it (user functions on x86-64), else by nesting; frames a
 * longjmp unwound past are closed when a shallower call shows it.
 */
#ifndef UKT_TRIGGER_H
#define UKT_TRIGGER_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "spec.h"
#include "uktrace/buf.h"

struct tfs;

enum trig_kind { TRIG_SLOW_CALL, TRIG_EVENT };

struct trigger {
	enum trig_kind kind;
	char *text;		/* as given */
	char *func;		/* TRIG_SLOW_CALL: the function */
	int64_t min_ns;		/* TRIG_SLOW_CALL: slower than this */
	/* the events watched: [0] the event, or the entry; [1] the return */
	char *sys[2], *name[2];	/* sys NULL: the recorder's group */
	bool user_return;	/* TRIG_SLOW_CALL: its return is a uretprobe */
};

/* "FUNC>DUR" or an event; 0, or -EINVAL with a message in err. */
int trigger_parse(struct trigger *t, enum trig_kind kind, const char *spec,
		  struct ukt_buf *err);

/*
 * Find the trigger's events among the planned probes l. An event trigger
 * naming a tracepoint that l lacks gets -ENOENT (the caller adds it to the
 * recording and tries again); other misses are -EINVAL with a message.
 */
int trigger_resolve(struct trigger *t, const struct probe_list *l, struct ukt_buf *err);

void trigger_release(struct trigger *t);

/* A trigger that fired. */
struct trigger_hit {
	const struct trigger *t;
	uint64_t ts;		/* trace clock: the event, or the return */
	uint64_t entry_ts;	/* TRIG_SLOW_CALL: the call's entry */
	int tid;
	int64_t dur_ns;		/* TRIG_SLOW_CALL: so far, when running */
	bool running;		/* TRIG_SLOW_CALL: the call has not returned yet */
	char what[256];		/* "handle took 73.2 ms (tid 1234)" */
};

struct trigger_watch;

/*
 * Enable the triggers' events in sib (tracing still off there: the
 * caller turns it on) and open its per-CPU readers. NULL with a message
 * in err.
 */
struct trigger_watch *trigger_watch_new(struct tfs *sib, const struct trigger *trigs,
					size_t n, int ncpus, uint32_t subbuf_size,
					struct ukt_buf *err);
/* The readers' fds, to poll (at most max). */
int trigger_watch_pollfds(struct trigger_watch *w, struct pollfd *p, int max);
/* Read what the buffers hold: 1 with *hit when a trigger fired (the
 * earliest), 0 when none did, or -errno. */
int trigger_watch_read(struct trigger_watch *w, struct trigger_hit *hit);
/* A slow-call trigger's call that is still running, longer than its
 * threshold at now (trace clock; 0: the latest event seen, for clocks
 * user space cannot read) and not reported yet: 1 with *hit, else 0.
 * Each such call fires once, not again when it returns; calls of threads
 * that have exited are forgotten. */
int trigger_watch_running(struct trigger_watch *w, uint64_t now, struct trigger_hit *hit);
/*
 * How long the caller may wait (poll) before it reads again, in ms, at
 * now (trace clock, 0 when unreadable): half the smallest threshold of a
 * slow-call trigger (between 2 and 100 ms), so a call's entry is seen
 * before its threshold passes, and no later than the moment the earliest
 * open call crosses its threshold, so a running call fires on time (by
 * the clock, not when a later event shows up). At least 1.
 */
int trigger_watch_timeout_ms(struct trigger_watch *w, uint64_t now);
/*
 * Follow the running call of hit (from trigger_watch_running) until it
 * ends: trigger_watch_returned says when. One call at a time.
 */
void trigger_watch_await(struct trigger_watch *w, const struct trigger_hit *hit);
/*
 * The awaited call: 1 when it returned (hit's ts, dur_ns and running
 * updated to the return), 2 when it ended without one (its thread exited,
 * or its return was lost), 0 while it runs or when none is awaited.
 */
int trigger_watch_returned(struct trigger_watch *w, struct trigger_hit *hit);
void trigger_watch_free(struct trigger_watch *w);

#endif
