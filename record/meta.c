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
#include "session.h"
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

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		void *p = reallocarray(l->v, cap, sizeof(*l->v));

		if (!p)
			return -ENOMEM;
		l->v = p;
		l->cap = cap;
	}
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

static int flush_tasks(struct meta *m);

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
static int add_block_as(struct meta *m, uint16_t type, uint32_t cpu, pid_t pid, uint64_t ts,
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

static int add_block(struct meta *m, uint16_t type, uint32_t cpu, const struct ukt_buf *b)
{
	return add_block_as(m, type, cpu, 0, 0, state_block(type), b);
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
static void log_prune_gone(struct meta *m)
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

uint64_t meta_clock_now(const char *clock)
{
	return ukt_trace_clock_now(clock);
}

static int write_kv(struct meta *m, const char *const *kv, bool state)
{
	struct ukt_buf b = UKT_BUF_INIT;
	int err = 0;

	for (; kv[0] && !err; kv += 2)
		err = ukt_kv_add(&b, kv[0], kv[1]);
	if (!err)
		err = add_block_as(m, UKT_B_META, UKT_NO_CPU, 0, 0, state, &b);
	ukt_buf_release(&b);
	return err;
}

int meta_write_kv(struct meta *m, const char *const *kv)
{
	return write_kv(m, kv, false);
}

static int write_text(struct meta *m, uint16_t type, const char *file,
		      bool top)
{
	struct ukt_buf b = UKT_BUF_INIT;
	int err = top ? tfs_read_top(m->t, file, &b) : ukt_buf_read_file(&b, file);

	if (!err)
		err = add_block(m, type, UKT_NO_CPU, &b);
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
		err = add_block(m, UKT_B_EVENT_FORMAT, UKT_NO_CPU, &b);
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
		.returns = (char *)p->returns,
		.role = p->role == PROBE_ROLE_ENTRY ? "entry" :
			p->role == PROBE_ROLE_RETURN ? "return" : NULL,
		.call = p->call, .filter = p->filter,
	};
	int err = ukt_probe_encode(&b, &r);

	if (!err)
		err = add_block(m, UKT_B_PROBE, UKT_NO_CPU, &b);
	ukt_buf_release(&b);
	return err;
}

/* Whether the SYMTAB of the file (its identity when known, else its
 * path) was written. Files are one by device and inode: the same path in
 * two mount namespaces may be two files, and two paths one file. */
static bool object_written(struct meta *m, const struct elfsym_ident *id)
{
	for (size_t i = 0; i < m->nobjects; i++) {
		const struct meta_object *o = &m->objects[i];

		if (id->has_id ? (o->has_id && o->ino == id->ino && o->maj == id->dev_major &&
				  o->min == id->dev_minor)
			       : (!o->has_id && !strcmp(o->path, id->path)))
			return true;
	}
	return false;
}

/* --stack dwarf: the object's .eh_frame, to unwind the stack windows
 * uprobes copy (an object without one is skipped). */
static int write_ehframe(struct meta *m, const char *open_path, const struct elfsym_ident *id)
{
	struct elf_unwind u = { .eh_frame = UKT_BUF_INIT };
	struct ukt_buf b = UKT_BUF_INIT;
	int err = 0;

	if (elfsym_unwind_info(open_path, &u) == 0 && u.eh_frame.len) {
		struct ukt_ehframe e = {
			.path = id->path, .plen = (uint32_t)strlen(id->path), .has_id = id->has_id,
			.dev_major = id->dev_major, .dev_minor = id->dev_minor, .ino = id->ino,
			.addr = u.eh_addr, .data = (const uint8_t *)u.eh_frame.data,
			.len = u.eh_frame.len,
		};

		err = ukt_ehframe_encode(&b, &e);
		if (!err)
			err = add_block(m, UKT_B_EHFRAME, UKT_NO_CPU, &b);
	}
	ukt_buf_release(&u.eh_frame);
	ukt_buf_release(&b);
	return err;
}

/*
 * The SYMTAB of a file, once per recording: read from open_path (the path
 * we can open it by), named as id says. Unreadable files are skipped.
 */
static int write_symtab_as(struct meta *m, const char *open_path,
			   const struct elfsym_ident *id)
{
	struct ukt_buf b = UKT_BUF_INIT;
	struct meta_object *o;
	struct elfsym *e;
	int err;

	if (object_written(m, id))
		return 0;
	if (ukt_grow_counted(&m->objects, m->nobjects, sizeof(*m->objects)))
		return -ENOMEM;
	o = &m->objects[m->nobjects];
	*o = (struct meta_object){ .path = strdup(id->path), .has_id = id->has_id,
				   .maj = id->dev_major, .min = id->dev_minor, .ino = id->ino };
	if (!o->path)
		return -ENOMEM;
	m->nobjects++;
	e = elfsym_load(open_path);
	if (!e)
		return 0;	/* not ELF, gone, or unreadable: nothing to save */
	err = elfsym_serialize(e, id, &b);
	if (!err)
		err = add_block(m, UKT_B_SYMTAB, UKT_NO_CPU, &b);
	elfsym_free(e);
	if (!err && (m->stack & REC_STACK_DWARF))
		err = write_ehframe(m, open_path, id);
	ukt_buf_release(&b);
	return err;
}

/* The SYMTAB of a probed file (a path of ours, or /proc/PID/...). */
static int write_symtab(struct meta *m, const char *path)
{
	struct elfsym_ident id = { .path = path };
	struct stat st;

	if (stat(path, &st) == 0) {
		id.has_id = true;
		id.dev_major = major(st.st_dev);
		id.dev_minor = minor(st.st_dev);
		id.ino = st.st_ino;
	}
	return write_symtab_as(m, path, &id);
}

/* A probed file to look for in the maps written (once per file). */
static int add_target(struct meta *m, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return 0;
	for (size_t i = 0; i < m->ntargets; i++)
		if (m->targets[i].dev == st.st_dev && m->targets[i].ino == st.st_ino)
			return 0;
	if (ukt_grow_counted(&m->targets, m->ntargets, sizeof(*m->targets)))
		return -ENOMEM;
	m->targets[m->ntargets] = (struct meta_target){ .path = strdup(path), .dev = st.st_dev,
							.ino = st.st_ino };
	if (!m->targets[m->ntargets].path)
		return -ENOMEM;
	m->ntargets++;
	return 0;
}

static void mark_mapped(struct meta *m, unsigned int maj, unsigned int min, uint64_t ino)
{
	for (size_t i = 0; i < m->ntargets; i++)
		if (m->targets[i].ino == ino && major(m->targets[i].dev) == maj &&
		    minor(m->targets[i].dev) == min)
			m->targets[i].mapped = true;
}

void meta_unmapped(const struct meta *m, struct ukt_buf *out)
{
	for (size_t i = 0; i < m->ntargets; i++)
		if (!m->targets[i].mapped)
			ukt_buf_addf(out, "%s\n", m->targets[i].path);
}

/* 128 random bits in hex: the files of one recording say so. */
static void recording_id(char *buf, size_t n)
{
	unsigned char r[16] = { 0 };
	size_t k = 0;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		uint64_t x = meta_clock_now("mono") ^ ((uint64_t)getpid() << 32);

		memcpy(r, &x, sizeof(x));
	}
	for (size_t i = 0; i < sizeof(r) && k + 3 <= n; i++)
		k += (size_t)snprintf(buf + k, n - k, "%02x", r[i]);
}

int meta_write_start(struct meta *m, const char *clock, const char *cmdline,
		     unsigned int buffer_kb, uint32_t subbuf_size)
{
	struct utsname u;
	char start_ns[32], start_rt[32], sb[16], bkb[16], id[40], stacks[32];
	bool kernel = false;
	int err;

	uname(&u);
	recording_id(id, sizeof(id));
	snprintf(start_ns, sizeof(start_ns), "%" PRIu64, meta_clock_now(clock));
	snprintf(start_rt, sizeof(start_rt), "%lld", (long long)time(NULL));
	snprintf(sb, sizeof(sb), "%u", subbuf_size);
	snprintf(bkb, sizeof(bkb), "%u", buffer_kb);
	/* what -g/--stack records: "kernel,user", "dwarf", ... */
	snprintf(stacks, sizeof(stacks), "%s%s%s%s%s", m->stack & REC_STACK_KERNEL ? "kernel" : "",
		 (m->stack & REC_STACK_KERNEL) && (m->stack & ~REC_STACK_KERNEL) ? "," : "",
		 m->stack & REC_STACK_USER ? "user" : "",
		 (m->stack & REC_STACK_USER) && (m->stack & REC_STACK_DWARF) ? "," : "",
		 m->stack & REC_STACK_DWARF ? "dwarf" : "");
	{
		const char *kv[] = {
			"host", u.nodename, "kernel", u.release,
			"kernel_version", u.version, "machine", u.machine,
			"clock", clock, "cmdline", cmdline,
			"uktrace_version", UKT_VERSION, "start_ns", start_ns,
			"start_realtime", start_rt, "subbuf_size", sb,
			"buffer_kb", bkb, "tracefs", m->t->dir, "recording_id", id,
			stacks[0] ? "stacks" : NULL, stacks, NULL,
		};

		err = write_kv(m, kv, true);
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
		if (!err && (p->kind == PK_UPROBE || p->kind == PK_URETPROBE))
			err = add_target(m, p->target);
	}
	/* the entries tracefs writes after an event for -g: their formats,
	 * and kallsyms to name a kernel stack's frames */
	if (!err && (m->stack & REC_STACK_KERNEL)) {
		err = write_format(m, "ftrace", "kernel_stack");
		kernel = true;
	}
	if (!err && (m->stack & REC_STACK_USER))
		err = write_format(m, "ftrace", "user_stack");
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
		err = add_block_as(m, UKT_B_THREADS, UKT_NO_CPU, pid,
				   meta_clock_now(m->clock ? m->clock : "mono"), true, &b);
	ukt_buf_release(&b);
	ukt_buf_release(&comm);
	return err;
}

/* Write pid's maps if they changed since last time, as of time ts of the
 * trace clock (0: now). */
static int snapshot_at(struct meta *m, pid_t pid, const char *maps, size_t len,
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
		mark_mapped(m, id.dev_major, id.dev_minor, ino);
		pl = strlen(path);
		if (pl > 10 && !strcmp(path + pl - 10, " (deleted)"))
			path[pl - 10] = '\0';
		id.ino = ino;
		snprintf(open_path, sizeof(open_path), "/proc/%d/map_files/%llx-%llx", (int)pid, a, z);
		err = write_symtab_as(m, access(open_path, R_OK) == 0 ? open_path : path, &id);
		if (err)
			return err;
	}
	if (!ts)
		ts = meta_clock_now(m->clock ? m->clock : "mono");
	err = ukt_maps_encode(&b, (uint32_t)pid, ts, maps, len);
	if (!err)
		err = add_block_as(m, UKT_B_MAPS, UKT_NO_CPU, pid, ts, true, &b);
	ukt_buf_release(&b);
	if (!err)
		err = write_threads(m, pid);
	return err;
}

static int snapshot(struct meta *m, pid_t pid, const char *maps, size_t len)
{
	return snapshot_at(m, pid, maps, len, 0);
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
		log_prune_gone(m);
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
		err = add_block(m, UKT_B_LOSS, (uint32_t)cpu, &b);
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
	err = flush_tasks(m);
	if (!err)
		err = write_text(m, UKT_B_CMDLINES, "saved_cmdlines", true);
	if (!err)
		err = write_text(m, UKT_B_TGIDS, "saved_tgids", true);
	for (int cpu = 0; cpu < ncpus && !err; cpu++) {
		ukt_buf_reset(&b);
		if (tfs_cpu_stats(m->t, cpu, &stats[cpu], &b))
			continue;
		err = add_block(m, UKT_B_CPU_STATS, (uint32_t)cpu, &b);
	}
	if (!err) {
		const char *kv[] = { "stop_ns", stop_ns, "stop_realtime", stop_rt, NULL };

		err = meta_write_kv(m, kv);
	}
	ukt_buf_release(&b);
	return err;
}

/* ---- processes as the kernel reports them (mmapwatch.h) ---- */

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
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		void *v = reallocarray(p->v, cap, sizeof(*p->v));

		if (!v)
			return -ENOMEM;
		p->v = v;
		p->cap = cap;
	}
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
	return write_symtab_as(m, access(open_path, R_OK) == 0 ? open_path : pm->path, &id);
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
		err = snapshot_at(m, p->pid, text.data, text.len, p->ts);
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
static int flush_tasks(struct meta *m)
{
	int err;

	if (!m->tasks.len)
		return 0;
	err = add_block_as(m, UKT_B_TASKS, UKT_NO_CPU, 0, m->tasks_ts, true, &m->tasks);
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
	if (m->tasks.len >= (256 << 10) && (err = flush_tasks(m)))
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
	int err = flush_tasks(m);

	for (size_t i = 0; i < m->proc_cap && !err; i++)
		if (m->procs[i].pid && m->procs[i].dirty && m->procs[i].interesting)
			err = proc_write(m, &m->procs[i]);
	return err;
}

void meta_release(struct meta *m)
{
	if (m->log) {
		for (size_t i = 0; i < m->log->n; i++)
			free(m->log->v[i].data);
		free(m->log->v);
		free(m->log);
		m->log = NULL;
	}
	for (size_t i = 0; i < m->nobjects; i++)
		free(m->objects[i].path);
	free(m->objects);
	free(m->maps);
	free(m->pids);
	free(m->seen);
	for (size_t i = 0; i < m->proc_cap; i++) {
		proc_clear(&m->procs[i]);
		free(m->procs[i].v);
	}
	free(m->procs);
	ukt_buf_release(&m->tasks);
	for (size_t i = 0; i < m->ntargets; i++)
		free(m->targets[i].path);
	free(m->targets);
	m->targets = NULL;
	m->ntargets = 0;
	m->procs = NULL;
	m->proc_cap = m->nprocs = 0;
	m->objects = NULL;
	m->maps = NULL;
	m->pids = NULL;
	m->seen = NULL;
	m->nobjects = m->nmaps = m->npids = m->nseen = 0;
}
