// SPDX-License-Identifier: MIT
/*
 * Several files from one recording.
 *
 * The flight recorder (--flight): the main instance's buffers, SIZE in
 * all, run in overwrite mode and are not read at all while armed, so the
 * recorder costs nothing while nothing happens. Triggers are read in a
 * sibling instance that enables only their events. A trigger drains the
 * main buffers into a new file (a dump) that stands alone: the metadata
 * the recording kept is replayed into it first. Reading empties the
 * buffers, so dumps never overlap, and tracing never stops.
 *
 * --rotate: the capture writes as usual into a file of at most SIZE; when
 * the file is full, the next one is opened, the kept metadata replayed,
 * the capture switched over, and the full one finished.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "errors.h"
#include "session_int.h"

/* Seconds a slow call still running when its trigger fires is waited
 * for (its return) without --after: then it is dumped as running. */
#define FLIGHT_AWAIT_CAP 10.0

/* ---- planning ---- */

static int add_tracepoint(struct session *s, const char *text)
{
	struct spec_opts so = { .max_probes = s->o->max_probes, .warnings = &s->warn,
				.targets = &s->targets };
	int rc = spec_parse(&s->probes, 'e', text, &so, &s->err);

	if (!rc)
		rc = probe_list_unique_names(&s->probes);
	if (!rc)
		rc = probe_list_define(&s->probes, s->t.group);
	return rc;
}

int flight_plan(struct session *s)
{
	const struct record_opts *o = s->o;
	size_t n = o->ntriggers + o->ntrigger_events;
	int rc = 0;

	s->fl.trigs = calloc(n + 1, sizeof(*s->fl.trigs));
	if (!s->fl.trigs)
		return -ENOMEM;
	for (size_t i = 0; i < n && !rc; i++) {
		bool slow = i < o->ntriggers;
		struct trigger *t = &s->fl.trigs[s->fl.ntrigs];

		rc = trigger_parse(t, slow ? TRIG_SLOW_CALL : TRIG_EVENT,
				   slow ? o->triggers[i] : o->trigger_events[i - o->ntriggers], &s->err);
		s->fl.ntrigs++;
		if (!rc)
			rc = trigger_resolve(t, &s->probes, &s->err);
		if (rc == -ENOENT) {
			/* a tracepoint only named as a trigger: recorded too, so
			 * the dump holds the event that made it */
			rc = add_tracepoint(s, t->text);
			if (!rc)
				rc = trigger_resolve(t, &s->probes, &s->err);
			if (rc == -ENOENT) {
				ukt_buf_addf(&s->err, "--trigger-event '%s': no such tracepoint", t->text);
				rc = -EINVAL;
			}
		}
	}
	return rc;
}

/* ---- the trigger instance ---- */

int flight_arm(struct session *s)
{
	struct ukt_buf filter = UKT_BUF_INIT;
	char kb[16];
	int rc = tfs_sibling_create(&s->fl.trig_t, &s->t, "trig", &s->err);

	if (rc)
		return rc;
	s->fl.trig_ok = true;
	snprintf(kb, sizeof(kb), "%u", s->o->buffer_kb);
	rc = tfs_write(&s->fl.trig_t, "buffer_size_kb", kb);
	if (!rc)
		rc = tfs_write(&s->fl.trig_t, "trace_clock", s->o->clock);
	/* the processes the recording follows, and theirs only */
	if (!rc && tfs_read(&s->t, "set_event_pid", &filter) == 0 && filter.len > 1) {
		for (char *p = filter.data; *p; p++)
			if (*p == '\n')
				*p = ' ';
		rc = tfs_write(&s->fl.trig_t, "options/event-fork", "1");
		if (!rc)
			rc = tfs_write(&s->fl.trig_t, "set_event_pid", filter.data);
	}
	ukt_buf_release(&filter);
	if (rc) {
		ukt_buf_addf(&s->err, "cannot set up the trigger instance: %s", strerror(-rc));
		return rc;
	}
	rc = session_exclude_self(s, &s->fl.trig_t);
	if (rc)
		return rc;
	/* the triggers see what the recording keeps */
	rc = session_set_filters(s, &s->fl.trig_t);
	if (rc)
		return rc;
	s->fl.tw = trigger_watch_new(&s->fl.trig_t, s->fl.trigs, s->fl.ntrigs, s->ncpus,
				  tfs_subbuf_size(&s->fl.trig_t), &s->err);
	return s->fl.tw ? 0 : -EINVAL;
}

int flight_go(struct session *s)
{
	int rc = s->fl.trig_ok ? tfs_write(&s->fl.trig_t, "tracing_on", "1") : 0;

	if (rc)
		ukt_buf_addf(&s->err, "cannot turn tracing on for the triggers: %s", strerror(-rc));
	if (!rc && !s->o->quiet) {
		fprintf(stderr, "uktrace-record: flight recorder armed: %" PRIu64 " MiB of ring buffers; dumps go to %s-NNNN%s on ",
			s->o->flight_size >> 20, s->files.stem, s->files.ext);
		fprintf(stderr, "SIGUSR1 (kill -USR1 %d)", (int)getpid());
		for (size_t i = 0; i < s->fl.ntrigs; i++)
			fprintf(stderr, ", %s", s->fl.trigs[i].text);
		fprintf(stderr, "\n");
	}
	return rc;
}

int flight_pollfds(struct session *s, struct pollfd *p, int max)
{
	return s->fl.tw ? trigger_watch_pollfds(s->fl.tw, p, max) : 0;
}

/* ---- dumps ---- */

/* A writer for the next file of the recording, with its metadata. */
static struct ukt_writer *open_next(struct session *s, char **path, int *rc)
{
	struct ukt_writer *w;

	/* a name taken meanwhile (even by a symlink) is skipped, never
	 * written through */
	do {
		*path = outfiles_next(&s->files);
		if (!*path) {
			*rc = -errno;
			ukt_buf_addf(&s->err, "no free name for the next file of '%s': %s", s->o->output,
				     strerror(errno));
			return NULL;
		}
		w = ukt_writer_create(*path, &s->info, false);
		if (!w && errno == EEXIST) {
			free(*path);
			*path = NULL;
		}
	} while (!w && !*path);
	if (!w) {
		*rc = -errno;
		ukt_buf_addf(&s->err, "cannot create '%s': %s", *path, rec_strerror(*rc));
		free(*path);
		*path = NULL;
	}
	return w;
}

/* Read the main buffers into w: what they hold now, from min_ts on. */
static int drain(struct session *s, struct ukt_writer *w, uint64_t min_ts, uint64_t *pages)
{
	uint64_t per_cpu = s->o->flight_size / (uint64_t)(s->ncpus ? s->ncpus : 1);
	struct capture_opts co = {
		.writer = w, .ncpus = s->ncpus, .subbuf_size = s->info.subbuf_size,
		.pages_per_block = 64, .level = s->o->level, .flush_ms = 500,
		.drain = true, .min_ts = min_ts, .notify_fd = -1,
		/* the buffers' pages, and a few more written meanwhile */
		.max_pages = per_cpu / s->info.subbuf_size + 64,
	};
	int *fds = calloc((size_t)s->ncpus + 1, sizeof(*fds));
	struct capture *c;
	int rc = 0;

	if (!fds)
		return -ENOMEM;
	for (int cpu = 0; cpu < s->ncpus; cpu++) {
		fds[cpu] = tfs_open_cpu_raw(&s->t, cpu);
		if (fds[cpu] < 0 && fds[cpu] != -ENOENT && !rc)
			rc = fds[cpu];
		if (fds[cpu] < 0)
			fds[cpu] = -1;
	}
	if (rc) {
		for (int cpu = 0; cpu < s->ncpus; cpu++)
			if (fds[cpu] >= 0)
				close(fds[cpu]);
		free(fds);
		return rc;
	}
	co.fds = fds;
	c = capture_start(&co);
	free(fds);
	if (!c)
		return -errno;
	while (!capture_done(c)) {
		struct timespec ts = { 0, 2000000 };

		nanosleep(&ts, NULL);
	}
	*pages = capture_pages(c);
	return capture_join(c, NULL);
}

static int dump(struct session *s, const struct trigger_hit *hit)
{
	const char *why = hit->what;
	uint64_t trig_ts = hit->ts;
	const struct record_opts *o = s->o;
	struct ukt_buf over = UKT_BUF_INIT, gone = UKT_BUF_INIT;
	char *path = NULL, ts[32], rt[32], seq[16], size[32], last[32], held[16], hb[32];
	char tid[16], dur[32], entry[32];
	uint64_t min_ts = 0, pages = 0, bytes = 0;
	struct ukt_writer *w;
	int rc = 0, e;

	w = open_next(s, &path, &rc);
	if (!w) {
		fprintf(stderr, "uktrace-record: %s\n", s->err.data);
		ukt_buf_reset(&s->err);
		return rc;
	}
	s->m.w = w;
	rc = meta_replay(&s->m);
	if (o->last > 0 && trig_ts > (uint64_t)(o->last * 1e9))
		min_ts = trig_ts - (uint64_t)(o->last * 1e9);
	/* a slow call's entry stays in, however short --last (less 1 ms:
	 * ours stamps the entry a little before the trigger's instance) */
	if (min_ts && hit->dur_ns > 0 && (uint64_t)hit->dur_ns + 1000000 < trig_ts &&
	    trig_ts - (uint64_t)hit->dur_ns - 1000000 < min_ts)
		min_ts = trig_ts - (uint64_t)hit->dur_ns - 1000000;
	if (!rc)
		rc = drain(s, w, min_ts, &pages);
	/* what the window lost at its old end, by design: not an error */
	for (int cpu = 0; cpu < s->ncpus && !rc; cpu++) {
		struct tfs_cpu_stats st;

		tfs_cpu_stats(&s->t, cpu, &st, NULL);
		ukt_buf_addf(&over, "%s%" PRIu64, cpu ? " " : "", st.overrun - s->fl.overrun_seen[cpu]);
		s->fl.overrun_seen[cpu] = st.overrun;
	}
	snprintf(ts, sizeof(ts), "%" PRIu64, trig_ts);
	snprintf(rt, sizeof(rt), "%lld", (long long)time(NULL));
	snprintf(seq, sizeof(seq), "%u", s->nfiles + 1);
	snprintf(size, sizeof(size), "%" PRIu64, o->flight_size);
	snprintf(last, sizeof(last), "%g", o->last);
	snprintf(held, sizeof(held), "%u", s->fl.held_off);
	snprintf(tid, sizeof(tid), "%d", hit->tid);
	snprintf(dur, sizeof(dur), "%" PRId64, hit->dur_ns);
	snprintf(entry, sizeof(entry), "%" PRIu64, hit->entry_ts);
	if (!rc) {
		/* the trigger's own event is stamped in its instance a little
		 * after the same event in ours: the report finds the call by
		 * thread, function and duration */
		const char *kv[] = {
			"mode", "flight", "trigger", why, "trigger_ts", ts, "trigger_realtime", rt,
			"trigger_tid", tid, "trigger_func", hit->t && hit->t->func ? hit->t->func : "",
			"trigger_duration_ns", dur, "trigger_running", hit->running ? "1" : "0",
			"dump", seq, "flight_size", size, "flight_last", last,
			"overwritten", over.data, "triggers_held_off", held,
			/* a slow call's: where it began */
			hit->entry_ts ? "trigger_entry_ts" : NULL, entry, NULL,
		};

		rc = meta_write_kv(&s->m, kv);
	}
	if (!rc)
		rc = meta_write_end(&s->m, s->ncpus, o->clock, s->stats);
	if (!rc)
		rc = ukt_writer_finish(w);
	if (!rc)
		bytes = ukt_writer_bytes(w);
	ukt_writer_free(w);
	s->m.w = NULL;
	s->fl.last_dump = session_now();
	s->fl.held_off = 0;
	if (rc) {
		fprintf(stderr, "uktrace-record: the dump to '%s' failed: %s%s\n", path, rec_strerror(rc),
			rc == -ENOSPC ? " (the disk is full; the file is readable up to the last block written)" : "");
	} else {
		s->nfiles++;
		e = outfiles_done(&s->files, path, &gone);
		ukt_human_bytes(hb, sizeof(hb), (double)bytes);
		if (!o->quiet)
			fprintf(stderr, "%suktrace-record: dump %u (%s): wrote %s, %s, %" PRIu64 " pages\n",
				s->tty ? "\n" : "", s->nfiles, why, path, hb, pages);
		if (gone.len && o->verbose)
			fprintf(stderr, "uktrace-record: --keep %u: deleted %s", o->keep, gone.data);
		if (e && !o->quiet)
			fprintf(stderr, "uktrace-record: --keep: cannot delete an old dump: %s\n", strerror(-e));
	}
	free(path);
	ukt_buf_release(&over);
	ukt_buf_release(&gone);
	/* a failed dump (a full disk) does not end the recording: the next
	 * trigger tries again */
	return rc == -ENOMEM ? rc : 0;
}

/* The wall-clock time SECS from now, as HH:MM:SS. */
static void wall_in(char *out, size_t size, double secs)
{
	time_t t = time(NULL) + (time_t)(secs + 0.999);
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(out, size, "%H:%M:%S", &tm))
		snprintf(out, size, "in %.1f s", secs);
}

/*
 * A trigger held off says so, and until when: at most a line a second
 * (a storm fires thousands), every one with -v.
 */
static void say_held_off(struct session *s, const struct trigger_hit *hit, double now)
{
	const struct record_opts *o = s->o;
	char until[32], more[48] = "";

	s->fl.held_unsaid++;
	if (o->quiet || (!o->verbose && s->fl.held_said > 0 && now - s->fl.held_said < 1.0))
		return;
	if (s->fl.held_unsaid > 1)
		snprintf(more, sizeof(more), " (and %u more since the last such line)", s->fl.held_unsaid - 1);
	if (s->fl.pending) {
		wall_in(until, sizeof(until), s->fl.pend_at - now);
		fprintf(stderr, "%suktrace-record: trigger held off: dump %u is being recorded, until %s at the latest: %s%s\n",
			s->tty ? "\n" : "", s->nfiles + 1, until, hit->what, more);
	} else {
		wall_in(until, sizeof(until), s->fl.last_dump + o->holdoff - now);
		fprintf(stderr, "%suktrace-record: trigger held off until %s (--holdoff %g s after dump %u): %s%s\n",
			s->tty ? "\n" : "", until, o->holdoff, s->nfiles, hit->what, more);
	}
	s->fl.held_said = now;
	s->fl.held_unsaid = 0;
}

/* Add to what a hit says (its call's end), as room allows. */
static void hit_append(struct trigger_hit *hit, const char *before, double ms, const char *after)
{
	size_t len = strlen(hit->what);

	if (len + 1 < sizeof(hit->what))
		snprintf(hit->what + len, sizeof(hit->what) - len, "%s%.3f ms%s", before, ms, after);
}

int flight_trigger(struct session *s, const struct trigger_hit *hit, bool force)
{
	const struct record_opts *o = s->o;
	double now = session_now();

	if (!force && (s->fl.pending || (s->fl.last_dump > 0 && now - s->fl.last_dump < o->holdoff))) {
		s->fl.held_off++;
		say_held_off(s, hit, now);
		return 0;
	}
	if (!force && s->fl.tw && hit->running && o->after <= 0) {
		/* a slow call still running: the dump holds it whole, and
		 * what its thread did meanwhile, when it returns; a hang is
		 * dumped at the cap */
		s->fl.pending = true;
		s->fl.pend_await = true;
		s->fl.pend_at = now + FLIGHT_AWAIT_CAP;
		s->fl.pend = *hit;
		trigger_watch_await(s->fl.tw, hit);
		if (!o->quiet)
			fprintf(stderr, "%suktrace-record: trigger: %s; recording until the call returns (at most %g s, or --after SECS)\n",
				s->tty ? "\n" : "", hit->what, FLIGHT_AWAIT_CAP);
		return 0;
	}
	if (o->after > 0 && !force) {
		s->fl.pending = true;
		s->fl.pend_at = now + o->after;
		s->fl.pend = *hit;
		/* a running call's return, if it comes by then, is said */
		s->fl.pend_await = s->fl.tw && hit->running;
		if (s->fl.pend_await)
			trigger_watch_await(s->fl.tw, hit);
		if (!o->quiet)
			fprintf(stderr, "%suktrace-record: trigger: %s; dumping in %g s\n",
				s->tty ? "\n" : "", hit->what, o->after);
		return 0;
	}
	s->fl.pending = false;
	s->fl.pend_await = false;
	return dump(s, hit);
}

/*
 * The awaited call of a pending dump: 1 when the dump is due now (it
 * returned, without --after), else 0. end: the recording ends, the call
 * is dumped as it is.
 */
static int await_check(struct session *s, bool end)
{
	struct trigger_hit *h = &s->fl.pend;
	int r;

	if (!s->fl.pend_await)
		return 0;
	r = trigger_watch_returned(s->fl.tw, h);
	if (r == 1)
		hit_append(h, "; it returned after ", (double)h->dur_ns / 1e6, "");
	else if (r == 2)
		hit_append(h, "; it ended without a return, after at least ", (double)h->dur_ns / 1e6, "");
	if (r) {
		s->fl.pend_await = false;
		return s->o->after <= 0;
	}
	if (end || session_now() >= s->fl.pend_at) {
		/* still running: as of now */
		uint64_t now = session_trace_now(s);
		char at[48];

		if (now > h->entry_ts && h->entry_ts) {
			h->ts = now;
			h->dur_ns = (int64_t)(now - h->entry_ts);
		}
		if (end)
			snprintf(at, sizeof(at), " when the recording ended");
		else if (s->o->after > 0)
			snprintf(at, sizeof(at), ", dumped at --after's end");
		else
			snprintf(at, sizeof(at), ", dumped at the cap (%g s)", FLIGHT_AWAIT_CAP);
		hit_append(h, "; still running after ", (double)h->dur_ns / 1e6, at);
		s->fl.pend_await = false;
	}
	return 0;
}

/* The trace clock now, for the clocks user space reads too; else 0. */
static uint64_t clock_now(const char *clock)
{
	static const char *const readable[] = { "mono", "mono_raw", "boot", "tai" };

	for (size_t i = 0; i < sizeof(readable) / sizeof(readable[0]); i++)
		if (!strcmp(clock, readable[i]))
			return meta_clock_now(clock);
	return 0;
}

int flight_poll(struct session *s)
{
	struct trigger_hit hit;
	int rc = 0;

	if (s->fl.tw) {
		rc = trigger_watch_read(s->fl.tw, &hit);
		if (rc == 0)
			rc = trigger_watch_running(s->fl.tw, clock_now(s->o->clock), &hit);
		if (rc == 1)
			rc = flight_trigger(s, &hit, false);
	}
	if (!rc && s->fl.pending && (await_check(s, false) || session_now() >= s->fl.pend_at)) {
		s->fl.pending = false;
		s->fl.pend_await = false;
		rc = dump(s, &s->fl.pend);
	}
	return rc;
}

int flight_timeout_ms(struct session *s)
{
	int ms = s->fl.tw ? trigger_watch_timeout_ms(s->fl.tw, clock_now(s->o->clock)) : 100;

	if (s->fl.pending) {
		double left = (s->fl.pend_at - session_now()) * 1000;
		int l = left < 0 ? 0 : (int)left + 1;

		if (l < ms)
			ms = l;
	}
	return ms;
}

int flight_finish(struct session *s, int rc)
{
	struct trigger_hit hit;

	/*
	 * The events since the last poll: a slow call just before the end
	 * (a command that exits right after it) still fires its trigger.
	 */
	if (!rc && s->fl.tw) {
		int e = trigger_watch_read(s->fl.tw, &hit);

		if (e == 1 && !s->fl.pending)
			e = flight_trigger(s, &hit, false);
		if (e < 0)
			rc = e;
	}
	if (s->fl.pending) {
		int e;

		await_check(s, true);	/* the awaited call's return, if read now */
		s->fl.pending = false;
		s->fl.pend_await = false;
		e = dump(s, &s->fl.pend);
		if (!rc)
			rc = e;
	}
	return rc;
}

void flight_release(struct session *s)
{
	trigger_watch_free(s->fl.tw);
	s->fl.tw = NULL;
	if (s->fl.trig_ok) {
		ukt_buf_reset(&s->err);
		if (tfs_teardown(&s->fl.trig_t, &s->err))
			fprintf(stderr, "uktrace-record: %s", s->err.data);
		tfs_release(&s->fl.trig_t);
		s->fl.trig_ok = false;
	}
	for (size_t i = 0; i < s->fl.ntrigs; i++)
		trigger_release(&s->fl.trigs[i]);
	free(s->fl.trigs);
	s->fl.trigs = NULL;
	s->fl.ntrigs = 0;
}

/* ---- --rotate ---- */

/* Room kept at the end of a file for its end metadata. */
static uint64_t end_reserve(uint64_t size)
{
	return size / 8 < (128 << 10) ? size / 8 : (128 << 10);
}

static void set_limit(struct session *s, struct ukt_writer *w)
{
	uint64_t size = s->o->rotate;

	/* the data stops short of the limit: room for the end */
	ukt_writer_set_limit(w, size, end_reserve(size));
}

bool rotate_due(const struct session *s)
{
	uint64_t data = s->o->rotate - end_reserve(s->o->rotate);
	uint64_t margin = data / 8 < (256 << 10) ? data / 8 : (256 << 10);

	return s->o->rotate && s->w && ukt_writer_bytes(s->w) + margin >= data;
}

static int write_seq(struct session *s)
{
	char seq[16];
	const char *kv[] = { "mode", "rotate", "file_seq", seq, NULL };

	snprintf(seq, sizeof(seq), "%u", s->nfiles + 1);
	return meta_write_kv(&s->m, kv);
}

int rotate_open_first(struct session *s)
{
	int rc = 0;

	s->w = open_next(s, &s->cur_path, &rc);
	if (!s->w)
		return rc;
	set_limit(s, s->w);
	s->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return 0;
}

int rotate_first_meta(struct session *s)
{
	return write_seq(s);
}

int rotate_next(struct session *s)
{
	struct ukt_buf gone = UKT_BUF_INIT;
	struct ukt_writer *old = s->w, *nw;
	uint64_t n;
	char *path = NULL;
	int rc = 0;

	if (s->notify_fd >= 0 && read(s->notify_fd, &n, sizeof(n)) < 0) {
		/* nothing to clear */
	}
	nw = open_next(s, &path, &rc);
	if (!nw)
		goto fail;
	set_limit(s, nw);
	s->m.w = nw;
	rc = meta_replay(&s->m);
	if (!rc)
		rc = write_seq(s);
	if (rc) {
		ukt_writer_free(nw);
		unlink(path);
		ukt_buf_addf(&s->err, "cannot write '%s': %s", path, rec_strerror(rc));
		s->m.w = old;
		goto fail;
	}
	capture_set_writer(s->cap, nw);
	/* the full file is ours again: its end, then it is done */
	s->m.w = old;
	rc = meta_write_end(&s->m, s->ncpus, s->o->clock, s->stats);
	if (!rc)
		rc = ukt_writer_finish(old);
	ukt_writer_free(old);
	s->m.w = nw;
	s->w = nw;
	if (rc) {
		fprintf(stderr, "uktrace-record: cannot finish '%s': %s\n", s->cur_path, rec_strerror(rc));
		rc = 0;	/* readable up to its last block; go on with the next */
	} else {
		s->nfiles++;
		outfiles_done(&s->files, s->cur_path, &gone);
		if (s->o->verbose)
			fprintf(stderr, "%suktrace-record: --rotate: %s is full, now %s\n%s%s",
				s->tty ? "\n" : "", s->cur_path, path, gone.len ? "deleted " : "", gone.data);
	}
	free(s->cur_path);
	s->cur_path = path;
	ukt_buf_release(&gone);
	return 0;
fail:
	free(path);
	capture_rotate_abandon(s->cap);
	fprintf(stderr, "uktrace-record: %s\n", s->err.data);
	ukt_buf_reset(&s->err);
	return rc;
}

int rotate_drain(struct session *s)
{
	int rc = 0;

	while (!capture_done(s->cap)) {
		struct timespec ts = { 0, 10000000 };

		if (!rc && capture_rotate_wanted(s->cap))
			rc = rotate_next(s);
		nanosleep(&ts, NULL);
	}
	return rc;
}
