/* SPDX-License-Identifier: MIT */
/*
 * The recording session's state, shared by its modules: session.c (the
 * lifecycle: set up, capture, finish, tear down) and flight.c (the flight
 * recorder's triggers and dumps, and --rotate's files). Not an API.
 */
#ifndef UKT_SESSION_INT_H
#define UKT_SESSION_INT_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "capture.h"
#include "launch.h"
#include "libfind.h"
#include "meta.h"
#include "mmapwatch.h"
#include "outfiles.h"
#include "session.h"
#include "spec.h"
#include "tracefs.h"
#include "trigger.h"
#include "uktrace/format.h"

/* The flight recorder's state: its triggers, their instance and watch,
 * and the dump in waiting (flight.c's alone, but for the set-up). */
struct flight {
	struct trigger *trigs;
	size_t ntrigs;
	struct tfs trig_t;		/* the instance triggers are read in */
	bool trig_ok;
	struct trigger_watch *tw;
	uint64_t *overrun_seen;		/* per CPU, at the last dump */
	double last_dump;		/* now_s() of the last dump, 0 */
	unsigned int held_off;		/* triggers ignored in hold-off */
	bool pending;			/* --after: a dump is due at pend_at */
	double pend_at;
	struct trigger_hit pend;	/* what fired it */
	bool pend_await;		/* pend is a running call: dump when it returns */
	double held_said;		/* now_s() of the last held-off line, 0 */
	unsigned int held_unsaid;	/* held off since, not said */
};

struct session {
	const struct record_opts *o;
	char *program;			/* the command's executable, or NULL */
	struct libfind_ctx targets;	/* whom binaries are found for */
	struct probe_list probes;
	struct ukt_buf err, warn;
	struct tfs t;
	bool tfs_ok;
	int sfd;			/* signalfd, -1 */
	sigset_t oldmask;
	bool mask_set;
	int ncpus;
	struct ukt_file_info info;
	struct ukt_writer *w;		/* the file being written, or NULL */
	struct meta m;
	bool meta_ok;			/* m is set up: the end metadata goes out */
	struct launch l;
	struct capture *cap;
	struct mmapwatch *watch;	/* process mappings, or NULL */
	struct tfs_cpu_stats *stats;	/* at the end, per CPU */
	uint64_t *lost_seen;		/* per CPU: overrun + dropped last polled */
	uint64_t lost_poll_ns;		/* trace clock of that poll, 0: unknown */
	uint64_t pages_dropped;		/* past --max-size */
	int stop_sig;
	bool stop_from_tty;
	bool exec_failed;
	bool finished;
	bool tty;
	double start;
	int exit_status;
	/* several files: the flight recorder's dumps, --rotate's sequence */
	struct outfiles files;
	char *cur_path;			/* --rotate: the file being written */
	unsigned int nfiles;		/* files written */
	int notify_fd;			/* capture wants the next file, -1 */
	struct flight fl;		/* the flight recorder (flight.c) */
};

/* The probes' record-time filters set on the events of t (our instance,
 * or the trigger instance). 0, or negative with s->err. */
int session_set_filters(struct session *s, struct tfs *t);

/* Seconds of CLOCK_MONOTONIC. */
double session_now(void);
/* The trace clock now, or 0 for a clock user space cannot read. */
uint64_t session_trace_now(const struct session *s);

/* Leave the recorder's own threads (those it has, and all it makes from
 * now on, but not the command forked already) out of t's events. 0, or
 * negative with s->err; a kernel that cannot is only noted (-v). */
int session_exclude_self(struct session *s, struct tfs *t);

/* flight.c */
/* Triggers parsed and found among the planned probes (tracepoints they
 * name are added to the recording). 0, or negative with s->err. */
int flight_plan(struct session *s);
/* The trigger instance, filtered like the main one (after its filter is
 * set). 0, or negative with s->err. */
int flight_arm(struct session *s);
/* Tracing on in the trigger instance, the watch started. */
int flight_go(struct session *s);
/* Add the watch's fds to poll; returns how many. */
int flight_pollfds(struct session *s, struct pollfd *p, int max);
/* A trigger: dump now, later (--after), or not (hold-off; force: always).
 * hit->what says which, hit->ts (trace clock) when. 0 or negative. */
int flight_trigger(struct session *s, const struct trigger_hit *hit, bool force);
/* Read the trigger buffers, run a due dump: 0 or negative. */
int flight_poll(struct session *s);
/* How long the capture loop may wait before the next flight_poll, in ms. */
int flight_timeout_ms(struct session *s);
/* The end: a dump still due is written; the trigger instance goes. */
int flight_finish(struct session *s, int rc);
void flight_release(struct session *s);

/* --rotate: the first file (0, or negative with s->err); the next one
 * when capture asks (0 or negative); at the end, every request served
 * while the capture threads drain. */
int rotate_open_first(struct session *s);
/* The first file's own META (after the start metadata). */
int rotate_first_meta(struct session *s);
int rotate_next(struct session *s);
/* The file is nearly full: better the next one now than a capture thread
 * waiting for it (while the kernel's buffers fill). */
bool rotate_due(const struct session *s);
int rotate_drain(struct session *s);

#endif
