// SPDX-License-Identifier: MIT
/*
 * Processes as /proc shows them: their maps (written when they changed and
 * map a probed object), their threads, the ones to follow, and the
 * system-wide scan for new processes that map a probed object.
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

static uint32_t hash32(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

/* Whether maps text names one of the probed objects. */
/*
 * Whether maps text maps one of the probed objects: by device and inode
 * (which a probe through /proc/PID/root or map_files has too), else by
 * path.
 */
static bool maps_probed(struct meta *m, const char *maps)
{
	for (size_t i = 0; i < m->probes->n; i++) {
		const struct probe *p = &m->probes->v[i];
		char key[64];
		struct stat st;

		if (p->kind != PK_UPROBE && p->kind != PK_URETPROBE)
			continue;
		if (stat(p->target, &st) == 0) {
			/* " 08:01 1234567 " as /proc/PID/maps writes it */
			snprintf(key, sizeof(key), " %02x:%02x %lu ", major(st.st_dev),
				 minor(st.st_dev), (unsigned long)st.st_ino);
			if (strstr(maps, key))
				return true;
		}
		if (strstr(maps, p->target))
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
		err = meta_add_block_as(m, UKT_B_THREADS, UKT_NO_CPU, pid,
				   meta_clock_now(m->clock ? m->clock : "mono"), true, &b);
	ukt_buf_release(&b);
	ukt_buf_release(&comm);
	return err;
}

/* Write pid's maps if they changed since last time, as of time ts of the
 * trace clock (0: now). */
int meta_snapshot_at(struct meta *m, pid_t pid, const char *maps, size_t len,
		       uint64_t ts)
{
	struct ukt_buf b = UKT_BUF_INIT;
	uint32_t h = hash32(maps, len);
	char ns_path[64], mntns[64];
	ssize_t n;
	size_t i;
	int err;
	const char *line;

	for (i = 0; i < m->nmaps; i++)
		if (m->maps[i].pid == pid)
			break;
	if (i < m->nmaps && m->maps[i].hash == h)
		return 0;
	if (i == m->nmaps) {
		if (ukt_grow_counted(&m->maps, m->nmaps, sizeof(*m->maps)))
			return -ENOMEM;
		m->nmaps++;
		m->maps[i].pid = pid;
	}
	m->maps[i].hash = h;
	snprintf(ns_path, sizeof(ns_path), "/proc/%d/ns/mnt", (int)pid);
	n = readlink(ns_path, mntns, sizeof(mntns) - 1);
	mntns[n > 0 ? n : 0] = '\0';
	/*
	 * Symbol tables of every executable file mapping, for callers: read
	 * through /proc/PID/map_files, which is the very file mapped even
	 * when it was deleted or replaced since, or lives in another mount
	 * namespace; named as the process names it, and by device and inode.
	 */
	for (line = maps; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		char perms[8], path[4096], open_path[96];
		unsigned long long a, z, off;
		struct elfsym_ident id = { .path = path, .has_id = true,
					   .mntns = mntns[0] ? mntns : NULL };
		unsigned long ino;
		size_t pl;

		path[0] = '\0';
		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %lu %4095[^\n]", &a, &z,
			   perms, &off, &id.dev_major, &id.dev_minor, &ino, path) < 7)
			continue;
		if (perms[2] != 'x' || path[0] != '/' || ino == 0)
			continue;
		meta_mark_mapped(m, id.dev_major, id.dev_minor, ino);
		pl = strlen(path);
		if (pl > 10 && !strcmp(path + pl - 10, " (deleted)"))
			path[pl - 10] = '\0';
		id.ino = ino;
		snprintf(open_path, sizeof(open_path), "/proc/%d/map_files/%llx-%llx", (int)pid, a, z);
		err = meta_write_symtab_as(m, access(open_path, R_OK) == 0 ? open_path : path, &id);
		if (err)
			return err;
	}
	if (!ts)
		ts = meta_clock_now(m->clock ? m->clock : "mono");
	err = ukt_maps_encode(&b, (uint32_t)pid, ts, maps, len);
	if (!err)
		err = meta_add_block_as(m, UKT_B_MAPS, UKT_NO_CPU, pid, ts, true, &b);
	ukt_buf_release(&b);
	if (!err)
		err = write_threads(m, pid);
	return err;
}

static int snapshot(struct meta *m, pid_t pid, const char *maps, size_t len)
{
	return meta_snapshot_at(m, pid, maps, len, 0);
}

/* The process (thread group) of task tid, or tid when /proc cannot say. */
static pid_t tgid_of(pid_t tid)
{
	struct ukt_buf st = UKT_BUF_INIT;
	char path[64];
	const char *p;
	pid_t tgid = tid;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	if (ukt_buf_read_file(&st, path) == 0 && st.len && (p = strstr(st.data, "\nTgid:")))
		tgid = (pid_t)strtol(p + 6, NULL, 10);
	ukt_buf_release(&st);
	return tgid > 0 ? tgid : tid;
}

int meta_snapshot_pid(struct meta *m, pid_t pid)
{
	struct ukt_buf maps = UKT_BUF_INIT;
	char path[64];
	int err = 0;

	if (!m->want_maps)
		return 0;
	/*
	 * A thread that exits stops under ptrace as its process would: its
	 * /proc/TID is its process's maps and threads, which must go under
	 * the process's id, not the thread's (or the threads of one process
	 * become as many processes).
	 */
	pid = tgid_of(pid);
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	if (ukt_buf_read_file(&maps, path) == 0 && maps.len)
		err = snapshot(m, pid, maps.data, maps.len);
	ukt_buf_release(&maps);
	return err;
}

int meta_follow(struct meta *m, pid_t pid)
{
	for (size_t i = 0; i < m->npids; i++)
		if (m->pids[i] == pid)
			return 0;
	if (ukt_grow_counted(&m->pids, m->npids, sizeof(*m->pids)))
		return -ENOMEM;
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
	if (m->log)
		meta_log_prune_gone(m);
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
