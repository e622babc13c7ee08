// SPDX-License-Identifier: MIT
/*
 * libtracecmd boundary (tracedat.h). libtracecmd reads every version and
 * compression of trace.dat that trace-cmd writes; it hands out records
 * (struct tep_record) rather than pages, so the seam is the decoder's
 * merged event stream: the same layouts, threads, pairing and symbols
 * follow unchanged.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event-parse.h>
#include <trace-cmd.h>

#include "elffuncs.h"
#include "errors.h"
#include "trace.h"
#include "tracedat.h"

/*
 * libtracecmd.so.1 (3.1) exports these and trace-cmd itself uses them;
 * they are declared in its private header, which Debian does not ship.
 */
int tracecmd_cpus(struct tracecmd_input *handle);
int tracecmd_long_size(struct tracecmd_input *handle);
int tracecmd_page_size(struct tracecmd_input *handle);
unsigned long tracecmd_get_in_file_version(struct tracecmd_input *handle);
int tracecmd_get_file_compress_proto(struct tracecmd_input *handle,
				     const char **name, const char **version);
const char *tracecmd_get_uname(struct tracecmd_input *handle);
const char *tracecmd_get_version(struct tracecmd_input *handle);
const char *tracecmd_get_cpustats(struct tracecmd_input *handle);
const char *tracecmd_get_trace_clock(struct tracecmd_input *handle);
bool tracecmd_compress_is_supported(const char *name, const char *version);

static const char magic[10] = { 0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g' };

/* the largest pid Linux gives (PID_MAX_LIMIT on 64-bit) */
#define TRACEDAT_PID_MAX (4 << 20)

struct dat_cursor {
	struct tracecmd_input *h;
	int cpu;
	struct tep_record *next;	/* read ahead, or NULL */
	bool started, done;
	uint64_t last_ts;
};

/* A uprobe whose function was found in a binary of --symbols: the
 * addresses its events carry say where that binary was loaded. */
struct dat_probe {
	int id;			/* event id */
	int off, size;		/* __probe_ip or __probe_func */
	size_t obj;		/* index into objs */
	uint64_t vaddr;		/* the function's link-time address */
};

/* Where a binary of --symbols was loaded, as its probes' events say. */
struct dat_load {
	uint64_t bias;		/* run-time address - link-time address */
	bool known;
	bool ambiguous;		/* two processes, two places: not used */
};

#define TRACEDAT_MAX_OBJECTS 4096

static const char *symbols_dir;

struct tracedat {
	struct tracecmd_input *top;
	struct tracecmd_input **inst;	/* instance handles */
	int ninst;
	struct dat_cursor *cur;
	int ncur;
	struct tep_record *out;		/* handed out last */
	struct elf_funcs *objs;		/* the binaries of --symbols */
	struct dat_load *loads;		/* per object */
	size_t nobjs;
	struct dat_probe *probes;
	size_t nprobes;
};

void tracedat_set_symbols(const char *dir)
{
	symbols_dir = dir;
}

int tracedat_detect(const char *path)
{
	char buf[sizeof(magic)];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, buf, sizeof(buf), 0);
	close(fd);
	if (n < 0)
		return -errno;
	return n == (ssize_t)sizeof(buf) && !memcmp(buf, magic, sizeof(buf));
}

void tracedat_free(struct tracedat *d)
{
	if (!d)
		return;
	for (int i = 0; d->cur && i < d->ncur; i++)
		if (d->cur[i].next)
			tracecmd_free_record(d->cur[i].next);
	if (d->out)
		tracecmd_free_record(d->out);
	free(d->cur);
	for (size_t i = 0; i < d->nobjs; i++)
		elf_funcs_release(&d->objs[i]);
	free(d->objs);
	free(d->loads);
	free(d->probes);
	for (int i = 0; i < d->ninst; i++)
		if (d->inst[i])
			tracecmd_close(d->inst[i]);
	free(d->inst);
	if (d->top)
		tracecmd_close(d->top);
	free(d);
}

void *tracedat_tep(struct tracedat *d)
{
	return tracecmd_get_tep(d->top);
}

int tracedat_ksym(struct tracedat *d, uint64_t addr, uint64_t max, struct ukt_buf *out)
{
	struct tep_handle *tep = tracecmd_get_tep(d->top);
	const char *name = tep_find_function(tep, addr);
	unsigned long long start;

	if (!name)
		return 0;
	start = tep_find_function_address(tep, addr);
	if (start > addr || addr - start >= max)
		return 0;
	ukt_buf_addf(out, "%s+0x%llx", name, addr - start);
	return 1;
}

/* The addresses a record of a probe of --symbols carries: where its
 * binary is loaded. */
static void observe(struct tracedat *d, struct tep_record *rec)
{
	struct tep_handle *tep = tracecmd_get_tep(d->top);
	int type;

	if (rec->size < 8)	/* no room for the common fields */
		return;
	type = tep_data_type(tep, rec);
	for (size_t i = 0; i < d->nprobes; i++) {
		const struct dat_probe *p = &d->probes[i];
		struct dat_load *l = &d->loads[p->obj];
		uint64_t bias;

		if (p->id != type || p->off < 0 || p->off > rec->size - p->size)
			continue;
		bias = tep_read_number(tep, (const char *)rec->data + p->off, p->size) - p->vaddr;
		if (!l->known) {
			l->known = true;
			l->bias = bias;
		} else if (l->bias != bias) {
			l->ambiguous = true;
		}
	}
}

int tracedat_usym(struct tracedat *d, uint64_t addr, struct ukt_buf *sym, struct ukt_buf *obj)
{
	for (size_t i = 0; i < d->nobjs; i++) {
		const struct dat_load *l = &d->loads[i];
		const struct elf_func *f;

		if (!l->known || l->ambiguous || addr < l->bias)
			continue;
		f = elf_funcs_at(&d->objs[i], addr - l->bias);
		if (!f)
			continue;
		ukt_buf_reset(sym);
		ukt_buf_reset(obj);
		ukt_buf_addf(sym, "%s+0x%llx", f->name,
			     (unsigned long long)(addr - l->bias - f->addr));
		ukt_buf_adds(obj, d->objs[i].path);
		return 1;
	}
	return 0;
}

void tracedat_rewind(struct tracedat *d)
{
	for (int i = 0; i < d->ncur; i++) {
		struct dat_cursor *c = &d->cur[i];

		if (c->next)
			tracecmd_free_record(c->next);
		c->next = NULL;
		c->started = c->done = false;
		c->last_ts = 0;
	}
	if (d->out)
		tracecmd_free_record(d->out);
	d->out = NULL;
}

/* Read c's next record ahead (its first: from the start of its CPU). */
static void advance(struct dat_cursor *c)
{
	if (c->done || c->next)
		return;
	c->next = c->started ? tracecmd_read_data(c->h, c->cpu)
			     : tracecmd_read_cpu_first(c->h, c->cpu);
	c->started = true;
	if (!c->next)
		c->done = true;
}

int tracedat_next(struct tracedat *d, struct tracedat_rec *r)
{
	struct dat_cursor *best = NULL;

	if (d->out) {
		tracecmd_free_record(d->out);
		d->out = NULL;
	}
	for (int i = 0; i < d->ncur; i++) {
		struct dat_cursor *c = &d->cur[i];

		advance(c);
		if (c->next && (!best || c->next->ts < best->next->ts))
			best = c;
	}
	if (!best)
		return 0;
	d->out = best->next;
	best->next = NULL;
	if (d->nprobes)
		observe(d, d->out);
	r->ts = d->out->ts;
	r->cpu = best->cpu;
	r->data = d->out->data;
	r->size = d->out->size;
	r->missed = d->out->missed_events;
	r->missed_since = best->last_ts;
	best->last_ts = r->ts;
	return 1;
}

static int meta(struct trace *t, const char *key, const char *value)
{
	return trace_set_meta(t, key, value ? value : "");
}

/* The clock trace-cmd recorded with: the bracketed one of the saved
 * trace_clock file ("[local] global ..."), or the text as it is. */
static void set_clock(struct trace *t, const char *text)
{
	const char *open = text ? strchr(text, '[') : NULL;
	const char *close = open ? strchr(open, ']') : NULL;
	size_t n;

	if (!text || !*text) {
		snprintf(t->info.clock, sizeof(t->info.clock), "local");
		return;
	}
	if (open && close) {
		text = open + 1;
		n = (size_t)(close - text);
	} else {
		n = strcspn(text, " \n");
	}
	if (n >= sizeof(t->info.clock))
		n = sizeof(t->info.clock) - 1;
	memcpy(t->info.clock, text, n);
	t->info.clock[n] = '\0';
}

/* The saved uname: host, kernel and machine. */
static int set_uname(struct trace *t, const char *u)
{
	char sys[65], node[65], rel[65], mach[65];
	int rc, n;

	if (!u || (n = sscanf(u, "%64s %64s %64s %64s", sys, node, rel, mach)) < 3)
		return 0;
	rc = meta(t, "host", node);
	if (!rc)
		rc = meta(t, "kernel", rel);
	/* trace-cmd writes "sysname nodename release machine" */
	if (!rc && n == 4)
		rc = meta(t, "machine", mach);
	if (!rc)
		rc = meta(t, "uname", u);
	return rc;
}

/*
 * The saved per-CPU stats ("CPU: N" and the kernel's per_cpu stats
 * lines after it, one CPU after the other) into each CPU's stats, and
 * a loss record for each CPU that overran or dropped events.
 */
static int set_stats(struct trace *t, const char *text)
{
	const char *p = text;

	while (p && (p = strstr(p, "CPU: "))) {
		char *end;
		unsigned long cpu = strtoul(p + 5, &end, 10);
		const char *next = strstr(end, "CPU: ");
		size_t n = next ? (size_t)(next - end) : strlen(end);
		struct ukt_loss l = { .cpu = (uint32_t)cpu };
		char *stats;

		p = next;
		if (end == p || cpu >= t->ncpus)
			continue;
		stats = ukt_memdupz(end, n);
		if (!stats)
			return -ENOMEM;
		l.overrun = trace_cpu_stat(stats, "overrun: ");
		l.dropped = trace_cpu_stat(stats, "dropped events: ");
		/* the cpus table shows the first buffer's (the top one's) */
		if (!t->cpus[cpu].stats)
			t->cpus[cpu].stats = stats;
		else
			free(stats);
		if ((l.overrun || l.dropped) && trace_add_loss(t, &l))
			return -ENOMEM;
	}
	return 0;
}

/* saved_cmdlines, as libtracecmd parsed them, as "tid comm" lines. */
static int set_cmdlines(struct trace *t, struct tep_handle *tep)
{
	for (int pid = 1; pid < TRACEDAT_PID_MAX; pid++) {
		if (!tep_is_pid_registered(tep, pid))
			continue;
		if (ukt_buf_addf(&t->cmdlines, "%d %s\n", pid, tep_data_comm_from_pid(tep, pid)))
			return -ENOMEM;
	}
	return 0;
}

static bool has_field(struct tep_event *e, const char *name)
{
	return tep_find_field(e, name) != NULL;
}

/* A name's base without the suffix that marks one half of a pair. */
static size_t pair_base(const char *name, bool ret)
{
	static const char *const entry_sfx[] = { "__entry", "_entry", "_enter", NULL };
	static const char *const ret_sfx[] = { "__return", "_return", "_exit", "_ret", NULL };
	const char *const *s = ret ? ret_sfx : entry_sfx;
	size_t n = strlen(name);

	for (; *s; s++) {
		size_t k = strlen(*s);

		if (n > k && !strcmp(name + n - k, *s))
			return n - k;
	}
	return n;
}

/*
 * A PROBE record for each dynamic event trace.dat holds the format of:
 * an entry probe has __probe_ip, a return probe __probe_func and
 * __probe_ret_ip (the kernel's fields). trace.dat saves neither the
 * definitions nor the targets, so the kind is told by the group
 * (kprobes and perf's "probe" are kernel probes), and the function by
 * the name without a pair's suffix: "f" and "f__return" (perf probe),
 * "f_entry" and "f_exit" are one function's entry and return, paired
 * when both are in one group.
 */
static int set_probes(struct trace *t, struct tep_handle *tep)
{
	int n = tep_get_events_count(tep), rc = 0, id = 0;

	for (int i = 0; i < n && !rc; i++) {
		struct tep_event *e = tep_get_event(tep, i);
		bool ret, kernel;
		struct ukt_probe_rec p = { 0 };
		size_t base;

		if (!e || !e->name || !e->system)
			continue;
		ret = has_field(e, "__probe_func") && has_field(e, "__probe_ret_ip");
		if (!ret && !has_field(e, "__probe_ip"))
			continue;
		kernel = !strcmp(e->system, "kprobes") || !strcmp(e->system, "probe");
		base = pair_base(e->name, ret);
		p.id = ++id;
		p.name = strdup(e->name);
		p.system = strdup(e->system);
		p.kind = strdup(kernel ? (ret ? "kretprobe" : "kprobe")
				       : (ret ? "uretprobe" : "uprobe"));
		p.func = strndup(e->name, base);
		p.symbol = strndup(e->name, base);
		p.spec = strdup("");
		p.definition = strdup("");
		p.target = strdup("");
		if (!p.name || !p.system || !p.kind || !p.func || !p.symbol || !p.spec ||
		    !p.definition || !p.target) {
			ukt_probe_release(&p);
			return -ENOMEM;
		}
		rc = trace_add_probe(t, &p);
		if (rc)
			ukt_probe_release(&p);
	}
	return rc;
}

static int only_files(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

/*
 * The binaries in symbols_dir (its ELF files; others are skipped), and
 * for each uprobe whose function one of them has, where its events'
 * addresses are: the first binary, by name, that has the function.
 */
static int load_symbols(struct tracedat *d, struct trace *t, struct tep_handle *tep,
			struct ukt_buf *msg)
{
	struct dirent **ents = NULL;
	struct ukt_buf path = UKT_BUF_INIT, found = UKT_BUF_INIT;
	int n = scandir(symbols_dir, &ents, only_files, alphasort), rc = 0;

	if (n < 0) {
		rc = -errno;
		ukt_buf_addf(msg, "cannot read the --symbols directory '%s': %s", symbols_dir,
			     strerror(errno));
		return rc;
	}
	d->objs = calloc((size_t)n + 1, sizeof(*d->objs));
	d->loads = calloc((size_t)n + 1, sizeof(*d->loads));
	d->probes = calloc(t->nprobes + 1, sizeof(*d->probes));
	if (!d->objs || !d->loads || !d->probes)
		rc = -ENOMEM;
	for (int i = 0; i < n && !rc && d->nobjs < TRACEDAT_MAX_OBJECTS; i++) {
		ukt_buf_reset(&path);
		ukt_buf_addf(&path, "%s/%s", symbols_dir, ents[i]->d_name);
		if (elf_funcs_load(path.data, &d->objs[d->nobjs]) == 0)
			d->nobjs++;
	}
	for (size_t i = 0; i < t->nprobes && !rc; i++) {
		const struct ukt_probe_rec *p = &t->probes[i];
		bool ret = !strcmp(p->kind, "uretprobe");
		struct tep_event *e;
		struct tep_format_field *f;

		if (strcmp(p->kind, "uprobe") && !ret)
			continue;
		e = tep_find_event_by_name(tep, p->system, p->name);
		f = e ? tep_find_field(e, ret ? "__probe_func" : "__probe_ip") : NULL;
		if (!f || f->size < 1 || f->size > 8)
			continue;
		for (size_t k = 0; k < d->nobjs; k++) {
			const struct elf_func *fn = elf_funcs_by_name(&d->objs[k], p->symbol);

			if (!fn)
				continue;
			d->probes[d->nprobes++] = (struct dat_probe){
				.id = e->id, .off = f->offset, .size = f->size, .obj = k,
				.vaddr = fn->addr,
			};
			if (!ret)
				ukt_buf_addf(&found, "%s%s in %s", found.len ? ", " : "", p->symbol,
					     d->objs[k].path);
			break;
		}
	}
	if (!rc)
		rc = meta(t, "symbols_dir", symbols_dir);
	if (!rc)
		rc = meta(t, "symbols_found", found.len ? found.data :
			  "none: no binary there has a probed function");
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	ukt_buf_release(&path);
	ukt_buf_release(&found);
	return rc;
}

static int add_cursors(struct tracedat *d, struct tracecmd_input *h)
{
	int n = tracecmd_cpus(h);
	struct dat_cursor *v;

	if (n <= 0)
		return 0;
	v = reallocarray(d->cur, (size_t)(d->ncur + n), sizeof(*v));
	if (!v)
		return -ENOMEM;
	d->cur = v;
	for (int c = 0; c < n; c++)
		d->cur[d->ncur++] = (struct dat_cursor){ .h = h, .cpu = c };
	return 0;
}

/* The handles of the file's instances (trace-cmd record -B), and a
 * cursor per CPU of each buffer; the instances' names into names. */
static int open_instances(struct tracedat *d, struct ukt_buf *names)
{
	int n = tracecmd_buffer_instances(d->top), rc;

	rc = add_cursors(d, d->top);
	if (rc || n <= 0)
		return rc;
	d->inst = calloc((size_t)n, sizeof(*d->inst));
	if (!d->inst)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		const char *name = tracecmd_buffer_instance_name(d->top, i);

		d->inst[i] = tracecmd_buffer_instance_handle(d->top, i);
		if (!d->inst[i])
			return -EINVAL;
		d->ninst++;
		ukt_buf_addf(names, "%s%s", names->len ? " " : "", name ? name : "?");
		rc = add_cursors(d, d->inst[i]);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * Whether libtracecmd survives opening the file: it parses the headers,
 * event formats, kallsyms and printk formats there with libtraceevent,
 * which a damaged or crafted format can crash (our own decoder checks
 * formats before tep sees them; here libtracecmd hands them over
 * itself). So a child opens the file first. 0, or -EINVAL with why in
 * msg.
 */
static int survives_open(const char *path, struct ukt_buf *msg)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return 0;	/* cannot tell: open it here */
	if (pid == 0) {
		struct tracecmd_input *h;

		tracecmd_set_loglevel(TEP_LOG_NONE);
		h = tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS |
				  TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS);
		_exit(h ? 0 : 1);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 0;
	if (WIFSIGNALED(status)) {
		ukt_buf_addf(msg, "cannot read '%s': libtracecmd crashed (%s) reading its headers and"
			     " event formats: the trace.dat is damaged or crafted", path,
			     strsignal(WTERMSIG(status)));
		return -EINVAL;
	}
	return 0;
}

/*
 * Why libtracecmd could not open the file, where its header says: a
 * version it does not know, or a compression it was built without
 * (Debian's has zstd, not zlib). Nothing when the header looks fine.
 */
static void why_not(const char *path, struct ukt_buf *msg)
{
	char h[96] = { 0 }, *ver, *name, *cver;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? pread(fd, h, sizeof(h) - 1, 0) : -1;

	if (fd >= 0)
		close(fd);
	if (n < (ssize_t)sizeof(magic) + 2)
		return;
	ver = h + sizeof(magic);
	if (strcmp(ver, "6") && strcmp(ver, "7")) {
		ukt_buf_addf(msg, ": it says it is of version '%.8s', and only 6 and 7 are known", ver);
		return;
	}
	/* version 7: endian, long size, page size (4), compression, its version */
	name = ver + strlen(ver) + 1 + 1 + 1 + 4;
	if (strcmp(ver, "7") || name >= h + n)
		return;
	cver = name + strlen(name) + 1;
	if (cver < h + n && strcmp(name, "none") && *name &&
	    !tracecmd_compress_is_supported(name, cver))
		ukt_buf_addf(msg, ": it is compressed with %.32s, which this libtracecmd cannot"
			     " decompress ('trace-cmd list -c' lists what it can; 'trace-cmd convert"
			     " --compression none' where trace-cmd can read it makes it readable here)",
			     name);
}

#define LACKS "trace.dat saves no symbol tables, process maps, thread group ids or" \
	" probe definitions: user-space callers stay addresses (unless --symbols DIR" \
	" gives the binaries), threads have no process" \
	" id (threads.pid is NULL), probes have no target, and a probe's function is its" \
	" event's name without a pair's suffix (f and f__return, f_entry and f_exit)"

int tracedat_load(struct trace *t, const char *path, struct ukt_buf *msg)
{
	struct tracedat *d = calloc(1, sizeof(*d));
	struct ukt_buf names = UKT_BUF_INIT;
	const char *cname = NULL, *cver = NULL;
	struct tep_handle *tep;
	struct stat st;
	char v[64];
	int rc = 0, ncpus = 0;

	if (!d)
		return -ENOMEM;
	t->dat = d;
	rc = survives_open(path, msg);
	if (rc)
		return rc;
	tracecmd_set_loglevel(TEP_LOG_CRITICAL);
	d->top = tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS |
				     TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS);
	if (!d->top) {
		size_t at;

		ukt_buf_addf(msg, "cannot read '%s': it begins as a trace-cmd trace.dat, but libtracecmd"
			     " could not open it", path);
		at = msg->len;
		why_not(path, msg);
		if (msg->len == at)
			ukt_buf_addf(msg, " (cut short, damaged, or of a version or compression it does"
				     " not know; 'trace-cmd report %s' says more)", path);
		return -EINVAL;
	}
	tep = tracecmd_get_tep(d->top);
	/* tep sorts its functions on the first lookup: done here, once,
	 * before the import's threads may look names up */
	tep_find_function(tep, 0);
	rc = open_instances(d, &names);
	if (rc) {
		ukt_buf_addf(msg, "cannot read '%s': libtracecmd could not open an instance of it",
			     path);
		goto out;
	}
	for (int i = 0; i < d->ncur; i++)
		if (d->cur[i].cpu + 1 > ncpus)
			ncpus = d->cur[i].cpu + 1;
	t->ncpus = (uint32_t)ncpus;
	t->cpus = calloc((size_t)ncpus + 1, sizeof(*t->cpus));
	if (!t->cpus) {
		rc = -ENOMEM;
		goto out;
	}
	t->info.major = (uint16_t)tracecmd_get_in_file_version(d->top);
	t->info.endian = tep_is_file_bigendian(tep) ? 2 : 1;
	t->info.long_size = (uint8_t)tracecmd_long_size(d->top);
	t->info.subbuf_size = (uint32_t)tracecmd_page_size(d->top);
	t->info.ncpus = (uint32_t)ncpus;
	set_clock(t, tracecmd_get_trace_clock(d->top));
	if (stat(path, &st) == 0)
		t->file_size = (uint64_t)st.st_size;
	t->complete = true;
	snprintf(v, sizeof(v), "%lu", tracecmd_get_in_file_version(d->top));
	rc = meta(t, "source", "trace-cmd");
	if (!rc)
		rc = meta(t, "trace_dat_version", v);
	if (!rc && tracecmd_get_version(d->top))
		rc = meta(t, "trace_cmd_version", tracecmd_get_version(d->top));
	if (!rc) {
		if (tracecmd_get_file_compress_proto(d->top, &cname, &cver) == 0 && cname) {
			char c[128];

			snprintf(c, sizeof(c), "%s%s%s", cname, cver ? " " : "", cver ? cver : "");
			rc = meta(t, "compression", c);
		} else {
			rc = meta(t, "compression", "none");
		}
	}
	if (!rc && names.len)
		rc = meta(t, "instances", names.data);
	if (!rc)
		rc = meta(t, "tracedat_lacks", LACKS);
	if (!rc)
		rc = set_uname(t, tracecmd_get_uname(d->top));
	if (!rc)
		rc = set_stats(t, tracecmd_get_cpustats(d->top));
	for (int i = 0; !rc && i < d->ninst; i++)
		rc = set_stats(t, tracecmd_get_cpustats(d->inst[i]));
	if (!rc)
		rc = set_cmdlines(t, tep);
	if (!rc)
		rc = set_probes(t, tep);
	if (!rc && symbols_dir)
		rc = load_symbols(d, t, tep, msg);
	if (rc && !msg->len)
		ukt_buf_addf(msg, "cannot read '%s': %s", path, rep_strerror(rc));
out:
	ukt_buf_release(&names);
	return rc;
}
