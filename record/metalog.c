// SPDX-License-Identifier: MIT
/*
 * Where every metadata block goes: to the file, and when it is state a
 * new file of the recording needs (formats, probes, symbols, maps,
 * threads), to the log that meta_keep keeps and meta_replay writes again
 * (the flight recorder's dumps, --rotate's files), pruned to a horizon.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "uktrace/clock.h"
#include "uktrace/vec.h"
#include "elfsym.h"
#include "mmapwatch.h"
#include "meta.h"
#include "meta_int.h"
#include "tracefs.h"
#include "uktrace/format.h"

/* What a new file needs (meta_keep): blocks in the order written. */
struct log_entry {
	uint16_t type;
	uint32_t cpu;
	pid_t pid;		/* MAPS and THREADS: whose, else 0 */
	uint64_t ts;		/* MAPS and THREADS: as of */
	void *data;
	size_t len;
};

struct meta_log {
	struct log_entry *v;
	size_t n, cap;
	size_t bytes;
	uint64_t horizon;	/* ns of history a dump may hold */
};

static void log_remove(struct meta_log *l, size_t i)
{
	l->bytes -= l->v[i].len;
	free(l->v[i].data);
	memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(*l->v));
	l->n--;
}

/*
 * A process's maps (or threads) superseded by newer ones before the
 * horizon can no longer describe an event a file will hold: dropped.
 */
static void log_supersede(struct meta_log *l, uint16_t type, pid_t pid, uint64_t now)
{
	uint64_t cutoff = now > l->horizon ? now - l->horizon : 0;
	size_t prev = SIZE_MAX;

	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].type != type || l->v[i].pid != pid)
			continue;
		if (prev != SIZE_MAX && l->v[i].ts <= cutoff) {
			log_remove(l, prev);
			i--;
		}
		prev = i;
	}
}

static int log_add(struct meta *m, uint16_t type, uint32_t cpu, pid_t pid, uint64_t ts,
		   const void *data, size_t len)
{
	struct meta_log *l = m->log;
	struct log_entry *e;

	if (UKT_GROW(l->v, l->cap, l->n))
		return -ENOMEM;
	e = &l->v[l->n];
	*e = (struct log_entry){ .type = type, .cpu = cpu, .pid = pid, .ts = ts, .len = len };
	e->data = malloc(len ? len : 1);
	if (!e->data)
		return -ENOMEM;
	memcpy(e->data, data, len);
	l->n++;
	l->bytes += len;
	if (pid)
		log_supersede(l, type, pid, ts);
	return 0;
}

int meta_flush_tasks(struct meta *m);

/* The blocks a file of the recording needs whenever it starts. */
static bool state_block(uint16_t type)
{
	switch (type) {
	case UKT_B_HEADER_PAGE: case UKT_B_HEADER_EVENT: case UKT_B_EVENT_FORMAT:
	case UKT_B_PROBE: case UKT_B_PRINTK: case UKT_B_KALLSYMS: case UKT_B_SYMTAB:
	case UKT_B_MAPS: case UKT_B_THREADS: case UKT_B_EHFRAME:
		return true;
	default:
		return false;
	}
}

/* To the file (when there is one) and, when it is state, to the log. */
int meta_add_block_as(struct meta *m, uint16_t type, uint32_t cpu, pid_t pid, uint64_t ts,
			bool state, const struct ukt_buf *b)
{
	struct ukt_block_desc d = { .type = type, .cpu = cpu };
	const void *data = b->data;
	size_t len = b->len;
	int err = ukt_buf_error(b);	/* a payload cut short is never written */

	if (!err && m->log && state)
		err = log_add(m, type, cpu, pid, ts, data, len);

	if (err || !m->w)
		return err;
	err = ukt_writer_add(m->w, NULL, &d, data, len);
	if (err == -EFBIG) {
		/* --max-size: the file ends without it, readable */
		m->skipped++;
		return 0;
	}
	return err;
}

int meta_add_block(struct meta *m, uint16_t type, uint32_t cpu, const struct ukt_buf *b)
{
	return meta_add_block_as(m, type, cpu, 0, 0, state_block(type), b);
}

int meta_keep(struct meta *m, uint64_t horizon_ns)
{
	if (!m->log) {
		m->log = calloc(1, sizeof(*m->log));
		if (!m->log)
			return -ENOMEM;
	}
	m->log->horizon = horizon_ns;
	return 0;
}

int meta_replay(struct meta *m)
{
	struct meta_log *l = m->log;
	int err = 0;

	for (size_t i = 0; l && m->w && i < l->n && !err; i++) {
		struct ukt_block_desc d = { .type = l->v[i].type, .cpu = l->v[i].cpu };

		err = ukt_writer_add(m->w, NULL, &d, l->v[i].data, l->v[i].len);
	}
	return err;
}

size_t meta_kept_bytes(const struct meta *m)
{
	return m->log ? m->log->bytes : 0;
}

/* Processes gone for longer than the horizon: nothing of theirs is
 * needed any more. */
void meta_log_prune_gone(struct meta *m)
{
	struct meta_log *l = m->log;
	uint64_t now = meta_clock_now(m->clock ? m->clock : "mono");
	uint64_t cutoff = now > l->horizon ? now - l->horizon : 0;

	/* task records older than the horizon describe no event kept */
	for (size_t i = l->n; i-- > 0;)
		if (l->v[i].type == UKT_B_TASKS && l->v[i].ts <= cutoff)
			log_remove(l, i);
	for (size_t i = 0; i < l->n; i++) {
		pid_t pid = l->v[i].pid;
		uint64_t newest = 0;

		if (!pid || l->v[i].type != UKT_B_MAPS)
			continue;
		for (size_t k = i; k < l->n; k++)
			if (l->v[k].pid == pid && l->v[k].ts > newest)
				newest = l->v[k].ts;
		if (newest > cutoff || kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		for (size_t k = l->n; k-- > 0;)
			if (l->v[k].pid == pid)
				log_remove(l, k);
		i = SIZE_MAX;	/* from the start again: rare */
	}
}

void meta_log_release(struct meta *m)
{
	if (m->log) {
		for (size_t i = 0; i < m->log->n; i++)
			free(m->log->v[i].data);
		free(m->log->v);
		free(m->log);
		m->log = NULL;
	}
}
