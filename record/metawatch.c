// SPDX-License-Identifier: MIT
/*
 * Processes as the kernel reports them (mmapwatch.h): each one's mappings
 * kept up to date from mmap, fork, exec and exit records, written as MAPS
 * when they change, and the TASKS records of threads' names and groups.
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

struct proc_map {
	uint64_t start, end, pgoff;
	uint32_t maj, min, prot;
	uint64_t ino;
	char *path;
};

struct meta_proc {
	pid_t pid;			/* 0: empty slot */
	struct proc_map *v;
	size_t n, cap;
	bool interesting;		/* its maps go into the trace */
	bool dirty;			/* changed since written */
	uint64_t ts;			/* of the last change */
};

static size_t proc_slot(const struct meta *m, pid_t pid)
{
	return ((size_t)(unsigned int)pid * 2654435761u) & (m->proc_cap - 1);
}

static void proc_clear(struct meta_proc *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i].path);
	p->n = 0;
}

/* The entry of pid: found, or new (seeded from /proc when it is alive). */
static struct meta_proc *proc_get(struct meta *m, pid_t pid, bool create)
{
	size_t i;

	if (create && (m->nprocs + 1) * 2 > m->proc_cap) {
		size_t ncap = m->proc_cap ? m->proc_cap * 2 : 256;
		struct meta_proc *v = calloc(ncap, sizeof(*v));

		if (!v)
			return NULL;
		for (size_t k = 0; k < m->proc_cap; k++) {
			struct meta_proc *o = &m->procs[k];

			if (!o->pid)
				continue;
			for (i = ((size_t)(unsigned int)o->pid * 2654435761u) & (ncap - 1); v[i].pid;
			     i = (i + 1) & (ncap - 1))
				;
			v[i] = *o;
		}
		free(m->procs);
		m->procs = v;
		m->proc_cap = ncap;
	}
	if (!m->proc_cap)
		return NULL;
	for (i = proc_slot(m, pid); m->procs[i].pid; i = (i + 1) & (m->proc_cap - 1))
		if (m->procs[i].pid == pid)
			return &m->procs[i];
	if (!create)
		return NULL;
	m->procs[i] = (struct meta_proc){ .pid = pid };
	m->nprocs++;
	return &m->procs[i];
}

static void proc_drop(struct meta *m, struct meta_proc *p)
{
	size_t i = (size_t)(p - m->procs), j = i;

	proc_clear(p);
	free(p->v);
	memset(p, 0, sizeof(*p));
	m->nprocs--;
	/* close the gap in the probe sequence */
	for (;;) {
		size_t home;

		j = (j + 1) & (m->proc_cap - 1);
		if (!m->procs[j].pid)
			break;
		home = proc_slot(m, m->procs[j].pid);
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			m->procs[i] = m->procs[j];
			memset(&m->procs[j], 0, sizeof(m->procs[j]));
			i = j;
		}
	}
}

/* Add a mapping, replacing what it overlaps. */
static int proc_map_add(struct meta_proc *p, const struct proc_map *nm)
{
	size_t out = 0;

	for (size_t i = 0; i < p->n; i++) {
		if (p->v[i].start < nm->start + (nm->end - nm->start) && nm->start < p->v[i].end) {
			free(p->v[i].path);
			continue;
		}
		p->v[out++] = p->v[i];
	}
	p->n = out;
	if (UKT_GROW(p->v, p->cap, p->n))
		return -ENOMEM;
	p->v[p->n] = *nm;
	p->v[p->n].path = strdup(nm->path);
	if (!p->v[p->n].path)
		return -ENOMEM;
	p->n++;
	return 0;
}

/* The executable file mappings of /proc/PID/maps, when pid is alive. */
static int proc_seed(struct meta_proc *p)
{
	struct ukt_buf maps = UKT_BUF_INIT;
	char path[64];
	int err = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)p->pid);
	if (ukt_buf_read_file(&maps, path) == 0) {
		for (const char *line = maps.data; line && *line && !err;) {
			char perms[8], file[4096];
			unsigned long long a, z, off;
			unsigned long ino;
			struct proc_map pm = { .path = file };

			file[0] = '\0';
			if (sscanf(line, "%llx-%llx %7s %llx %x:%x %lu %4095[^\n]", &a, &z, perms,
				   &off, &pm.maj, &pm.min, &ino, file) == 8 &&
			    perms[2] == 'x' && file[0] == '/') {
				pm.start = a;
				pm.end = z;
				pm.pgoff = off;
				pm.ino = ino;
				pm.prot = (perms[0] == 'r') | (perms[1] == 'w') << 1 | 4;
				err = proc_map_add(p, &pm);
			}
			line = strchr(line, '\n');
			line = line ? line + 1 : NULL;
		}
	}
	ukt_buf_release(&maps);
	return err;
}

/* Whether the mapping is of a file a probe is on. */
static bool probed_file(struct meta *m, const struct proc_map *pm)
{
	for (size_t i = 0; i < m->probes->n; i++) {
		const struct probe *p = &m->probes->v[i];
		struct stat st;

		if ((p->kind == PK_UPROBE || p->kind == PK_URETPROBE) && stat(p->target, &st) == 0 &&
		    st.st_ino == pm->ino && major(st.st_dev) == pm->maj && minor(st.st_dev) == pm->min)
			return true;
	}
	return false;
}

static bool followed(struct meta *m, pid_t pid)
{
	for (size_t i = 0; i < m->npids; i++)
		if (m->pids[i] == pid)
			return true;
	return false;
}

/* The SYMTAB of one mapping of a live process (through map_files). */
static int proc_symtab(struct meta *m, pid_t pid, const struct proc_map *pm)
{
	struct elfsym_ident id = { .path = pm->path, .has_id = true, .dev_major = pm->maj,
				   .dev_minor = pm->min, .ino = pm->ino };
	char open_path[96];

	snprintf(open_path, sizeof(open_path), "/proc/%d/map_files/%llx-%llx", (int)pid,
		 (unsigned long long)pm->start, (unsigned long long)pm->end);
	return meta_write_symtab_as(m, access(open_path, R_OK) == 0 ? open_path : pm->path, &id);
}

/* Write p's maps, in /proc/PID/maps form, as of its last change. */
static int proc_write(struct meta *m, struct meta_proc *p)
{
	struct ukt_buf text = UKT_BUF_INIT;
	int err = 0;

	for (size_t i = 0; i < p->n; i++) {
		const struct proc_map *pm = &p->v[i];

		ukt_buf_addf(&text, "%" PRIx64 "-%" PRIx64 " %c%c%cp %08" PRIx64 " %02x:%02x %" PRIu64 " %s\n",
			     pm->start, pm->end, pm->prot & 1 ? 'r' : '-', pm->prot & 2 ? 'w' : '-',
			     pm->prot & 4 ? 'x' : '-', pm->pgoff, pm->maj, pm->min, pm->ino, pm->path);
	}
	if (text.len)
		err = meta_snapshot_at(m, p->pid, text.data, text.len, p->ts);
	p->dirty = false;
	ukt_buf_release(&text);
	return err;
}

/* A task record into m->tasks: for a followed process (system-wide,
 * any), and children of followed processes followed from their fork. */
static int task_event(struct meta *m, const struct mw_event *e)
{
	struct ukt_task t = { .ts = e->ts, .pid = e->pid, .tid = e->tid };
	int err;

	switch (e->kind) {
	case MW_FORK:
		if (!m->system_wide && !followed(m, e->ppid))
			return 0;
		if (!m->system_wide && (err = meta_follow(m, e->pid)))
			return err;
		t.kind = UKT_TASK_FORK;
		t.ppid = e->ppid;
		t.ptid = e->ptid;
		break;
	case MW_CLONE:
		t.kind = UKT_TASK_CLONE;
		t.ppid = e->ppid;
		t.ptid = e->ptid;
		break;
	case MW_EXEC:
	case MW_COMM:
		t.kind = e->kind == MW_EXEC ? UKT_TASK_EXEC : UKT_TASK_COMM;
		t.comm = e->comm;
		t.clen = (uint32_t)strlen(e->comm);
		break;
	default:
		return 0;
	}
	if (!m->system_wide && !followed(m, e->pid))
		return 0;
	m->tasks_ts = e->ts;
	return ukt_task_add(&m->tasks, &t);
}

/* The TASKS records so far, in one block. */
int meta_flush_tasks(struct meta *m)
{
	int err = ukt_buf_error(&m->tasks);

	if (err || !m->tasks.len)
		return err;	/* (a failed append is the recording's error) */
	err = meta_add_block_as(m, UKT_B_TASKS, UKT_NO_CPU, 0, m->tasks_ts, true, &m->tasks);
	ukt_buf_reset(&m->tasks);
	return err;
}

int meta_mmap_event(struct meta *m, const struct mw_event *e)
{
	struct meta_proc *p, *parent;
	int err = 0;

	if (e->pid == getpid())
		return 0;
	if ((err = task_event(m, e)))
		return err;
	if (m->tasks.len >= (256 << 10) && (err = meta_flush_tasks(m)))
		return err;
	if (!m->want_maps)
		return 0;
	switch (e->kind) {
	case MW_FORK:
		parent = proc_get(m, e->ppid, false);
		if (!parent && (followed(m, e->ppid) || m->system_wide)) {
			parent = proc_get(m, e->ppid, true);
			if (!parent || proc_seed(parent))
				return -ENOMEM;
		}
		if (!parent)
			return 0;
		if (followed(m, e->ppid) && (err = meta_follow(m, e->pid)))
			return err;
		p = proc_get(m, e->pid, true);
		parent = proc_get(m, e->ppid, false);	/* the table may have moved */
		if (!p || !parent)
			return -ENOMEM;
		/* the child's address space is a copy of its parent's */
		proc_clear(p);
		for (size_t i = 0; i < parent->n && !err; i++)
			err = proc_map_add(p, &parent->v[i]);
		p->interesting = parent->interesting || followed(m, e->pid);
		p->dirty = true;
		p->ts = e->ts;
		return err;
	case MW_EXEC:
		p = proc_get(m, e->pid, followed(m, e->pid) || m->system_wide);
		if (!p)
			return 0;
		/* what it ran until now (a fork child's copy of its parent's
		 * maps, not yet written): its calls before the exec need it */
		if (p->dirty && p->interesting && (err = proc_write(m, p)))
			return err;
		proc_clear(p);
		p->interesting = followed(m, e->pid);
		p->dirty = true;
		p->ts = e->ts;
		return 0;
	case MW_MMAP: {
		struct proc_map pm = {
			.start = e->start, .end = e->start + e->len, .pgoff = e->pgoff,
			.maj = e->maj, .min = e->min, .ino = e->ino, .prot = e->prot,
			.path = (char *)e->path,
		};
		bool was;

		if (!(e->prot & 4) || e->path[0] != '/')
			return 0;
		p = proc_get(m, e->pid, false);
		if (!p && (followed(m, e->pid) || m->system_wide)) {
			p = proc_get(m, e->pid, true);
			if (!p || proc_seed(p))
				return -ENOMEM;
		}
		if (!p)
			return 0;
		err = proc_map_add(p, &pm);
		was = p->interesting;
		p->interesting |= followed(m, e->pid) || probed_file(m, &pm);
		p->dirty = true;
		p->ts = e->ts;
		/* symbol tables while the file can still be read as mapped */
		if (!err && p->interesting && !was)
			for (size_t i = 0; i < p->n && !err; i++)
				err = proc_symtab(m, p->pid, &p->v[i]);
		else if (!err && p->interesting)
			err = proc_symtab(m, p->pid, &pm);
		return err;
	}
	case MW_EXIT:
		p = proc_get(m, e->pid, false);
		if (!p)
			return 0;
		if (p->dirty && p->interesting)
			err = proc_write(m, p);
		proc_drop(m, p);
		return err;
	case MW_CLONE:
	case MW_COMM:
		return 0;
	}
	return 0;
}

int meta_flush_procs(struct meta *m)
{
	int err = meta_flush_tasks(m);

	for (size_t i = 0; i < m->proc_cap && !err; i++)
		if (m->procs[i].pid && m->procs[i].dirty && m->procs[i].interesting)
			err = proc_write(m, &m->procs[i]);
	return err;
}


void meta_procs_release(struct meta *m)
{
	for (size_t i = 0; i < m->proc_cap; i++) {
		proc_clear(&m->procs[i]);
		free(m->procs[i].v);
	}
	free(m->procs);
	m->procs = NULL;
	m->proc_cap = m->nprocs = 0;
	ukt_buf_release(&m->tasks);
}
