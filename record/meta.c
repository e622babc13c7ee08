// SPDX-License-Identifier: MIT
/*
 * Metadata collection. Reads tracefs (through tfs), /proc and ELF files
 * (through elfsym), and writes blocks through the format library.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "elfsym.h"
#include "meta.h"
#include "tracefs.h"
#include "uktrace/format.h"

static int add_block(struct meta *m, uint16_t type, uint32_t cpu,
		     const void *data, size_t len)
{
	struct ukt_block_desc d = { .type = type, .cpu = cpu };
	int err = ukt_writer_add(m->w, NULL, &d, data, len);

	if (err == -EFBIG) {
		/* --max-size: the file ends without it, readable */
		m->skipped++;
		return 0;
	}
	return err;
}

uint64_t meta_clock_now(const char *clock)
{
	struct timespec ts;
	clockid_t id = CLOCK_MONOTONIC;

	if (!strcmp(clock, "mono_raw"))
		id = CLOCK_MONOTONIC_RAW;
	else if (!strcmp(clock, "boot"))
		id = CLOCK_BOOTTIME;
	else if (!strcmp(clock, "tai"))
		id = CLOCK_TAI;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int meta_write_kv(struct meta *m, const char *const *kv)
{
	struct ukt_buf b = UKT_BUF_INIT;
	int err = 0;

	for (; kv[0] && !err; kv += 2)
		err = ukt_kv_add(&b, kv[0], kv[1]);
	if (!err)
		err = add_block(m, UKT_B_META, UKT_NO_CPU, b.data, b.len);
	ukt_buf_release(&b);
	return err;
}

static int write_text(struct meta *m, uint16_t type, const char *file,
		      bool top)
{
	struct ukt_buf b = UKT_BUF_INIT;
	int err = top ? tfs_read_top(m->t, file, &b) : ukt_buf_read_file(&b, file);

	if (!err)
		err = add_block(m, type, UKT_NO_CPU, b.data, b.len);
	ukt_buf_release(&b);
	return err;
}

static int write_format(struct meta *m, const char *system, const char *event)
{
	struct ukt_buf b = UKT_BUF_INIT, f = UKT_BUF_INIT, text = UKT_BUF_INIT;
	int err;

	ukt_buf_addf(&f, "events/%s/%s/format", system, event);
	err = tfs_read_top(m->t, f.data, &text);
	if (!err)
		err = ukt_event_format_encode(&b, system, text.data, text.len);
	if (!err)
		err = add_block(m, UKT_B_EVENT_FORMAT, UKT_NO_CPU, b.data, b.len);
	ukt_buf_release(&b);
	ukt_buf_release(&f);
	ukt_buf_release(&text);
	return err;
}

static int write_probe(struct meta *m, size_t i, const char *system)
{
	const struct probe *p = &m->probes->v[i];
	struct ukt_buf b = UKT_BUF_INIT;
	struct ukt_probe_rec r = {
		.id = (int)i + 1, .name = p->name, .system = (char *)system,
		.kind = (char *)probe_kind_name(p->kind), .spec = p->spec,
		.definition = p->def, .target = p->target,
		.symbol = p->symbol, .offset = p->offset, .func = p->func,
	};
	int err = ukt_probe_encode(&b, &r);

	if (!err)
		err = add_block(m, UKT_B_PROBE, UKT_NO_CPU, b.data, b.len);
	ukt_buf_release(&b);
	return err;
}

static bool object_written(struct meta *m, const char *path)
{
	for (size_t i = 0; i < m->nobjects; i++)
		if (!strcmp(m->objects[i], path))
			return true;
	return false;
}

/* SYMTAB of path, once per recording. Unreadable objects are skipped. */
static int write_symtab(struct meta *m, const char *path)
{
	struct ukt_buf b = UKT_BUF_INIT;
	struct elfsym *e;
	void *p;
	int err;

	if (object_written(m, path))
		return 0;
	p = reallocarray(m->objects, m->nobjects + 1, sizeof(*m->objects));
	if (!p)
		return -ENOMEM;
	m->objects = p;
	m->objects[m->nobjects] = strdup(path);
	if (!m->objects[m->nobjects])
		return -ENOMEM;
	m->nobjects++;
	e = elfsym_load(path);
	if (!e)
		return 0;	/* not ELF, gone, or unreadable: nothing to save */
	err = elfsym_serialize(e, &b);
	if (!err)
		err = add_block(m, UKT_B_SYMTAB, UKT_NO_CPU, b.data, b.len);
	elfsym_free(e);
	ukt_buf_release(&b);
	return err;
}

int meta_write_start(struct meta *m, const char *clock, const char *cmdline,
		     unsigned int buffer_kb, uint32_t subbuf_size)
{
	struct utsname u;
	char start_ns[32], start_rt[32], sb[16], bkb[16];
	bool kernel = false;
	int err;

	uname(&u);
	snprintf(start_ns, sizeof(start_ns), "%" PRIu64, meta_clock_now(clock));
	snprintf(start_rt, sizeof(start_rt), "%lld", (long long)time(NULL));
	snprintf(sb, sizeof(sb), "%u", subbuf_size);
	snprintf(bkb, sizeof(bkb), "%u", buffer_kb);
	{
		const char *kv[] = {
			"host", u.nodename, "kernel", u.release,
			"kernel_version", u.version, "machine", u.machine,
			"clock", clock, "cmdline", cmdline,
			"uktrace_version", UKT_VERSION, "start_ns", start_ns,
			"start_realtime", start_rt, "subbuf_size", sb,
			"buffer_kb", bkb, "tracefs", m->t->dir, NULL,
		};

		err = meta_write_kv(m, kv);
	}
	if (!err)
		err = write_text(m, UKT_B_HEADER_PAGE, "events/header_page", true);
	if (!err)
		err = write_text(m, UKT_B_HEADER_EVENT, "events/header_event", true);
	for (size_t i = 0; i < m->probes->n && !err; i++) {
		const struct probe *p = &m->probes->v[i];
		const char *sys = probe_is_dynamic(p) ? m->t->name : p->system;

		err = write_format(m, sys, p->name);
		if (!err)
			err = write_probe(m, i, sys);
		if (probe_is_kernel(p))
			kernel = true;
		if (!err && (p->kind == PK_UPROBE || p->kind == PK_URETPROBE))
			err = write_symtab(m, p->target);
	}
	if (!err)
		err = write_text(m, UKT_B_PRINTK, "printk_formats", true);
	if (!err && kernel)
		err = write_text(m, UKT_B_KALLSYMS, "/proc/kallsyms", false);
	return err;
}

static uint32_t hash32(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

/* Whether maps text names one of the probed objects. */
static bool maps_probed(struct meta *m, const char *maps)
{
	for (size_t i = 0; i < m->probes->n; i++) {
		const struct probe *p = &m->probes->v[i];

		if ((p->kind == PK_UPROBE || p->kind == PK_URETPROBE) &&
		    strstr(maps, p->target))
			return true;
	}
	return false;
}

static int write_threads(struct meta *m, pid_t pid)
{
	struct ukt_buf b = UKT_BUF_INIT, comm = UKT_BUF_INIT;
	char path[320];
	DIR *d;
	struct dirent *de;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/comm", (int)pid, de->d_name);
		ukt_buf_reset(&comm);
		if (ukt_buf_read_file(&comm, path) || !comm.len)
			continue;
		ukt_threads_add(&b, atoi(de->d_name), (int)pid, comm.data,
				strcspn(comm.data, "\n"));
	}
	closedir(d);
	if (b.len)
		err = add_block(m, UKT_B_THREADS, UKT_NO_CPU, b.data, b.len);
	ukt_buf_release(&b);
	ukt_buf_release(&comm);
	return err;
}

/* Write pid's maps if they changed since last time (force: always). */
static int snapshot(struct meta *m, pid_t pid, const char *maps, size_t len)
{
	struct ukt_buf b = UKT_BUF_INIT;
	uint32_t h = hash32(maps, len);
	size_t i;
	int err;
	const char *line;

	for (i = 0; i < m->nmaps; i++)
		if (m->maps[i].pid == pid)
			break;
	if (i < m->nmaps && m->maps[i].hash == h)
		return 0;
	if (i == m->nmaps) {
		void *p = reallocarray(m->maps, m->nmaps + 1, sizeof(*m->maps));

		if (!p)
			return -ENOMEM;
		m->maps = p;
		m->nmaps++;
		m->maps[i].pid = pid;
	}
	m->maps[i].hash = h;
	/* symbol tables of every executable file mapping, for callers */
	for (line = maps; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		char perms[8], path[4096];
		unsigned long long a, z, off;
		unsigned int maj, mnr;
		unsigned long ino;

		path[0] = '\0';
		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %lu %4095[^\n]", &a, &z,
			   perms, &off, &maj, &mnr, &ino, path) < 7)
			continue;
		if (perms[2] != 'x' || path[0] != '/' || ino == 0)
			continue;
		if (strstr(path, " (deleted)"))
			continue;
		err = write_symtab(m, path);
		if (err)
			return err;
	}
	err = ukt_maps_encode(&b, (uint32_t)pid,
			      meta_clock_now(m->clock ? m->clock : "mono"), maps, len);
	if (!err)
		err = add_block(m, UKT_B_MAPS, UKT_NO_CPU, b.data, b.len);
	ukt_buf_release(&b);
	if (!err)
		err = write_threads(m, pid);
	return err;
}

int meta_snapshot_pid(struct meta *m, pid_t pid)
{
	struct ukt_buf maps = UKT_BUF_INIT;
	char path[64];
	int err = 0;

	if (!m->want_maps)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	if (ukt_buf_read_file(&maps, path) == 0 && maps.len)
		err = snapshot(m, pid, maps.data, maps.len);
	ukt_buf_release(&maps);
	return err;
}

int meta_follow(struct meta *m, pid_t pid)
{
	void *p;

	for (size_t i = 0; i < m->npids; i++)
		if (m->pids[i] == pid)
			return 0;
	p = reallocarray(m->pids, m->npids + 1, sizeof(*m->pids));
	if (!p)
		return -ENOMEM;
	m->pids = p;
	m->pids[m->npids++] = pid;
	return 0;
}

static int cmp_seen(const void *a, const void *b)
{
	pid_t x = ((const struct pid_seen *)a)->pid, y = ((const struct pid_seen *)b)->pid;

	return (x > y) - (x < y);
}

int meta_scan(struct meta *m, bool full)
{
	struct ukt_buf maps = UKT_BUF_INIT;
	struct pid_seen *seen = NULL;
	size_t nseen = 0, cap = 0;
	DIR *d;
	struct dirent *de;
	int err = 0;

	if (!m->want_maps)
		return 0;
	for (size_t i = 0; i < m->npids && !err; i++)
		err = meta_snapshot_pid(m, m->pids[i]);
	if (err || !m->system_wide)
		goto out;
	d = opendir("/proc");
	if (!d)
		goto out;
	while (!err && (de = readdir(d))) {
		char path[300];
		long pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		struct pid_seen now = { 0 }, *old;
		struct stat st;

		pid = strtol(de->d_name, NULL, 10);
		if (pid == getpid())
			continue;
		now.pid = (pid_t)pid;
		snprintf(path, sizeof(path), "/proc/%s/exe", de->d_name);
		if (stat(path, &st) == 0) {
			now.dev = st.st_dev;
			now.ino = st.st_ino;
		}
		if (nseen == cap) {
			void *p = reallocarray(seen, cap ? cap * 2 : 1024, sizeof(*seen));

			if (!p) {
				err = -ENOMEM;
				break;
			}
			seen = p;
			cap = cap ? cap * 2 : 1024;
		}
		seen[nseen++] = now;
		old = m->nseen ? bsearch(&now, m->seen, m->nseen, sizeof(*m->seen), cmp_seen) : NULL;
		if (!full && old && old->dev == now.dev && old->ino == now.ino)
			continue;	/* seen, and it has not exec'd since */
		snprintf(path, sizeof(path), "/proc/%s/maps", de->d_name);
		ukt_buf_reset(&maps);
		if (ukt_buf_read_file(&maps, path) || !maps.len)
			continue;
		if (maps_probed(m, maps.data))
			err = snapshot(m, (pid_t)pid, maps.data, maps.len);
	}
	closedir(d);
	if (!err) {
		if (nseen)
			qsort(seen, nseen, sizeof(*seen), cmp_seen);
		free(m->seen);
		m->seen = seen;
		m->nseen = nseen;
		seen = NULL;
	}
out:
	free(seen);
	ukt_buf_release(&maps);
	return err;
}

int meta_write_loss(struct meta *m, int cpu, uint64_t from, uint64_t to,
		    uint64_t overrun, uint64_t dropped)
{
	struct ukt_loss l = { (uint32_t)cpu, from, to, overrun, dropped };
	struct ukt_buf b = UKT_BUF_INIT;
	int err = ukt_loss_encode(&b, &l);

	if (!err)
		err = add_block(m, UKT_B_LOSS, (uint32_t)cpu, b.data, b.len);
	ukt_buf_release(&b);
	return err;
}

int meta_write_end(struct meta *m, int ncpus, const char *clock,
		   struct tfs_cpu_stats *stats)
{
	char stop_ns[32], stop_rt[32];
	struct ukt_buf b = UKT_BUF_INIT;
	int err;

	snprintf(stop_ns, sizeof(stop_ns), "%" PRIu64, meta_clock_now(clock));
	snprintf(stop_rt, sizeof(stop_rt), "%lld", (long long)time(NULL));
	err = write_text(m, UKT_B_CMDLINES, "saved_cmdlines", true);
	if (!err)
		err = write_text(m, UKT_B_TGIDS, "saved_tgids", true);
	for (int cpu = 0; cpu < ncpus && !err; cpu++) {
		ukt_buf_reset(&b);
		if (tfs_cpu_stats(m->t, cpu, &stats[cpu], &b))
			continue;
		err = add_block(m, UKT_B_CPU_STATS, (uint32_t)cpu, b.data, b.len);
	}
	if (!err) {
		const char *kv[] = { "stop_ns", stop_ns, "stop_realtime", stop_rt, NULL };

		err = meta_write_kv(m, kv);
	}
	ukt_buf_release(&b);
	return err;
}

void meta_release(struct meta *m)
{
	for (size_t i = 0; i < m->nobjects; i++)
		free(m->objects[i]);
	free(m->objects);
	free(m->maps);
	free(m->pids);
	free(m->seen);
	m->objects = NULL;
	m->maps = NULL;
	m->pids = NULL;
	m->seen = NULL;
	m->nobjects = m->nmaps = m->npids = m->nseen = 0;
}
