// SPDX-License-Identifier: MIT
/*
 * Metadata: every block of the trace file that is not ring-buffer pages
 * (the start's host, clock and command; event formats, probes, symbol
 * tables of the probed objects; losses; the end's statistics). Reads
 * tracefs (through tfs) and ELF files (through elfsym). The state log for
 * files that must stand alone is metalog.c, /proc's processes metaprocs.c,
 * the kernel's reports of them metawatch.c.
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
#include "session.h"
#include "tracefs.h"
#include "uktrace/format.h"

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
		err = meta_add_block_as(m, UKT_B_META, UKT_NO_CPU, 0, 0, state, &b);
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
		err = meta_add_block(m, type, UKT_NO_CPU, &b);
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
		err = meta_add_block(m, UKT_B_EVENT_FORMAT, UKT_NO_CPU, &b);
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
		err = meta_add_block(m, UKT_B_PROBE, UKT_NO_CPU, &b);
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
			err = meta_add_block(m, UKT_B_EHFRAME, UKT_NO_CPU, &b);
	}
	ukt_buf_release(&u.eh_frame);
	ukt_buf_release(&b);
	return err;
}

/*
 * The SYMTAB of a file, once per recording: read from open_path (the path
 * we can open it by), named as id says. Unreadable files are skipped.
 */
int meta_write_symtab_as(struct meta *m, const char *open_path,
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
		err = meta_add_block(m, UKT_B_SYMTAB, UKT_NO_CPU, &b);
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
	return meta_write_symtab_as(m, path, &id);
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

void meta_mark_mapped(struct meta *m, unsigned int maj, unsigned int min, uint64_t ino)
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


int meta_write_loss(struct meta *m, int cpu, uint64_t from, uint64_t to,
		    uint64_t overrun, uint64_t dropped)
{
	struct ukt_loss l = { (uint32_t)cpu, from, to, overrun, dropped };
	struct ukt_buf b = UKT_BUF_INIT;
	int err = ukt_loss_encode(&b, &l);

	if (!err)
		err = meta_add_block(m, UKT_B_LOSS, (uint32_t)cpu, &b);
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
	err = meta_flush_tasks(m);
	if (!err)
		err = write_text(m, UKT_B_CMDLINES, "saved_cmdlines", true);
	if (!err)
		err = write_text(m, UKT_B_TGIDS, "saved_tgids", true);
	for (int cpu = 0; cpu < ncpus && !err; cpu++) {
		ukt_buf_reset(&b);
		if (tfs_cpu_stats(m->t, cpu, &stats[cpu], &b))
			continue;
		err = meta_add_block(m, UKT_B_CPU_STATS, (uint32_t)cpu, &b);
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
	meta_log_release(m);
	for (size_t i = 0; i < m->nobjects; i++)
		free(m->objects[i].path);
	free(m->objects);
	free(m->maps);
	free(m->pids);
	free(m->seen);
	meta_procs_release(m);
	for (size_t i = 0; i < m->ntargets; i++)
		free(m->targets[i].path);
	free(m->targets);
	m->targets = NULL;
	m->ntargets = 0;
	m->objects = NULL;
	m->maps = NULL;
	m->pids = NULL;
	m->seen = NULL;
	m->nobjects = m->nmaps = m->npids = m->nseen = 0;
}
