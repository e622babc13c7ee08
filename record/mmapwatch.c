// SPDX-License-Identifier: MIT
/* Process mappings from perf's side-band records (mmapwatch.h). */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "mmapwatch.h"

/* data pages per CPU ring (a power of two): records are small and rare */
#define RING_PAGES 16

struct ring {
	int fd;
	struct perf_event_mmap_page *meta;
	uint8_t *data;
	size_t size;
	uint64_t tail, head;	/* what a read has left of it */
};

struct mmapwatch {
	struct ring *r;
	int n;
	size_t page;
	uint64_t lost;
	uint8_t *rec;		/* a record that wraps around the ring */
};

struct sample_id {		/* sample_type TID | TIME, after each record */
	uint32_t pid, tid;
	uint64_t time;
};

static int perf_open(struct perf_event_attr *a, int cpu)
{
	return (int)syscall(SYS_perf_event_open, a, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

struct mmapwatch *mmapwatch_open(int ncpus, int clock, struct ukt_buf *err)
{
	struct mmapwatch *w = calloc(1, sizeof(*w));
	struct perf_event_attr a = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(a),
		.config = PERF_COUNT_SW_DUMMY,
		.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME,
		.mmap = 1, .mmap2 = 1, .comm = 1, .comm_exec = 1, .task = 1,
		.sample_id_all = 1, .use_clockid = 1, .clockid = clock,
		.watermark = 1, .wakeup_watermark = 1,
	};

	if (!w)
		return NULL;
	w->page = (size_t)sysconf(_SC_PAGESIZE);
	w->r = calloc((size_t)ncpus + 1, sizeof(*w->r));
	w->rec = malloc(RING_PAGES * w->page);
	if (!w->r || !w->rec)
		goto nomem;
	for (int cpu = 0; cpu < ncpus; cpu++) {
		struct ring *r = &w->r[w->n];
		void *m;

		r->fd = perf_open(&a, cpu);
		if (r->fd < 0) {
			if (errno == ENODEV || errno == ENOENT)
				continue;	/* CPU offline */
			ukt_buf_addf(err, "cannot watch process mappings with perf events (%s)",
				     strerror(errno));
			goto fail;
		}
		r->size = RING_PAGES * w->page;
		m = mmap(NULL, r->size + w->page, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
		if (m == MAP_FAILED) {
			ukt_buf_addf(err, "cannot map a perf ring (%s)", strerror(errno));
			close(r->fd);
			goto fail;
		}
		r->meta = m;
		r->data = (uint8_t *)m + w->page;
		w->n++;
	}
	if (w->n)
		return w;
	ukt_buf_adds(err, "no CPU to watch process mappings on");
	goto fail;
nomem:
	ukt_buf_adds(err, strerror(ENOMEM));
fail:
	mmapwatch_close(w);
	return NULL;
}

void mmapwatch_close(struct mmapwatch *w)
{
	if (!w)
		return;
	for (int i = 0; i < w->n; i++) {
		munmap(w->r[i].meta, w->r[i].size + w->page);
		close(w->r[i].fd);
	}
	free(w->r);
	free(w->rec);
	free(w);
}

int mmapwatch_pollfds(const struct mmapwatch *w, struct pollfd *fds, int max)
{
	int n = 0;

	for (int i = 0; i < w->n && n < max; i++)
		fds[n++] = (struct pollfd){ .fd = w->r[i].fd, .events = POLLIN };
	return n;
}

uint64_t mmapwatch_lost(const struct mmapwatch *w)
{
	return w->lost;
}

/* The sample_id at the end of a record of size len. */
static const struct sample_id *sample_id(const uint8_t *rec, size_t len)
{
	return len >= sizeof(struct perf_event_header) + sizeof(struct sample_id) ?
	       (const struct sample_id *)(rec + len - sizeof(struct sample_id)) : NULL;
}

/* One record to an event; 1 when it is one of ours, 0 to skip it. */
static int to_event(struct mmapwatch *w, const uint8_t *rec, size_t len,
		    struct mw_event *e)
{
	const struct perf_event_header *h = (const void *)rec;
	const struct sample_id *sid = sample_id(rec, len);
	const uint8_t *p = rec + sizeof(*h);
	uint32_t u[4];

	memset(e, 0, sizeof(*e));
	e->ts = sid ? sid->time : 0;
	switch (h->type) {
	case PERF_RECORD_MMAP2: {
		/* pid, tid, addr, len, pgoff, {maj, min, ino, ino_gen}, prot,
		 * flags, filename */
		size_t fixed = 8 + 24 + 24 + 8;
		uint64_t v[3];

		if (len < sizeof(*h) + fixed + sizeof(struct sample_id) ||
		    (h->misc & PERF_RECORD_MISC_MMAP_BUILD_ID))
			return 0;
		memcpy(u, p, 8);
		memcpy(v, p + 8, 24);
		e->kind = MW_MMAP;
		e->pid = (pid_t)u[0];
		e->tid = (pid_t)u[1];
		e->start = v[0];
		e->len = v[1];
		e->pgoff = v[2];
		memcpy(&e->maj, p + 32, 4);
		memcpy(&e->min, p + 36, 4);
		memcpy(&e->ino, p + 40, 8);
		memcpy(&e->prot, p + 56, 4);
		e->path = (const char *)p + fixed;
		/* the name is NUL-padded within the record */
		if (!memchr(e->path, '\0', len - sizeof(*h) - fixed - sizeof(struct sample_id)))
			return 0;
		return 1;
	}
	case PERF_RECORD_COMM: {
		/* pid, tid, comm (NUL-terminated, padded within the record) */
		size_t room = len - sizeof(*h) - 8;

		if (len < sizeof(*h) + 8 + sizeof(struct sample_id))
			return 0;
		memcpy(u, p, 8);
		room -= sizeof(struct sample_id);
		if (!memchr(p + 8, '\0', room))
			return 0;
		e->pid = (pid_t)u[0];
		e->tid = (pid_t)u[1];
		e->comm = (const char *)p + 8;
		/* the exec's: the exec'ing thread has taken the process's id */
		e->kind = (h->misc & PERF_RECORD_MISC_COMM_EXEC) && u[0] == u[1] ? MW_EXEC : MW_COMM;
		return 1;
	}
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT:
		if (len < sizeof(*h) + 16)
			return 0;
		memcpy(u, p, 16);	/* pid, ppid, tid, ptid */
		if (h->type == PERF_RECORD_EXIT && u[0] != u[2])
			return 0;	/* a thread, not the process */
		e->pid = (pid_t)u[0];
		e->ppid = (pid_t)u[1];
		e->tid = (pid_t)u[2];
		e->ptid = (pid_t)u[3];
		if (h->type == PERF_RECORD_EXIT)
			e->kind = MW_EXIT;
		else	/* a new thread of pid, or a new process */
			e->kind = u[0] == u[1] ? MW_CLONE : MW_FORK;
		return 1;
	case PERF_RECORD_LOST:
		if (len >= sizeof(*h) + 16) {
			uint64_t lost;

			memcpy(&lost, p + 8, 8);
			w->lost += lost;
		}
		return 0;
	default:
		return 0;
	}
}

/* n bytes of r from position pos, across its end. */
static void ring_bytes(const struct ring *r, uint64_t pos, void *dst, size_t n)
{
	size_t off = (size_t)(pos % r->size), first = r->size - off;

	if (n <= first) {
		memcpy(dst, r->data + off, n);
	} else {
		memcpy(dst, r->data + off, first);
		memcpy((uint8_t *)dst + first, r->data, n - first);
	}
}

/* The length of r's record at pos (0 for garbage) and its time. */
static size_t next_record(const struct ring *r, uint64_t pos, uint64_t *ts)
{
	struct perf_event_header h;
	struct sample_id sid;

	ring_bytes(r, pos, &h, sizeof(h));
	if (h.size < sizeof(h) || h.size > r->size || h.size > r->head - pos)
		return 0;
	*ts = 0;
	if (h.size >= sizeof(h) + sizeof(sid)) {
		ring_bytes(r, pos + h.size - sizeof(sid), &sid, sizeof(sid));
		*ts = sid.time;
	}
	return h.size;
}

/*
 * The records of every CPU's ring, merged in time order: a process is
 * forked on one CPU and execs on another, and its exec must not be
 * undone by its fork read later (the child's maps would become its
 * parent's, and its callers unnamed).
 */
int mmapwatch_read(struct mmapwatch *w,
		   int (*cb)(void *ctx, const struct mw_event *e), void *ctx)
{
	int rc = 0;

	for (int i = 0; i < w->n; i++) {
		w->r[i].head = __atomic_load_n(&w->r[i].meta->data_head, __ATOMIC_ACQUIRE);
		w->r[i].tail = w->r[i].meta->data_tail;
	}
	while (!rc) {
		struct ring *best = NULL;
		uint64_t best_ts = 0;
		size_t best_len = 0;
		struct mw_event e;

		for (int i = 0; i < w->n; i++) {
			struct ring *r = &w->r[i];
			uint64_t ts;
			size_t len;

			if (r->tail >= r->head)
				continue;
			len = next_record(r, r->tail, &ts);
			if (!len) {
				r->tail = r->head;	/* garbage: drop the rest */
				continue;
			}
			if (!best || ts < best_ts) {
				best = r;
				best_ts = ts;
				best_len = len;
			}
		}
		if (!best)
			break;
		ring_bytes(best, best->tail, w->rec, best_len);
		if (to_event(w, w->rec, best_len, &e))
			rc = cb(ctx, &e);
		best->tail += best_len;
	}
	for (int i = 0; i < w->n; i++)
		__atomic_store_n(&w->r[i].meta->data_tail, w->r[i].tail, __ATOMIC_RELEASE);
	return rc;
}
