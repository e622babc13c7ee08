// SPDX-License-Identifier: MIT
/*
 * tracefs control, through libtracefs: the mount, our instances, the
 * files we read and write, and dynamic events. Events are created with
 * tracefs_uprobe_alloc() and friends and tracefs_dynevent_create() (one
 * write that appends: it never clears anything), and removed with
 * tracefs_dynevent_destroy() on the handles we keep, which writes exactly
 * "-:group/name" for what we created. docs/DESIGN-NOTES.md ("tracefs")
 * says where libtracefs 1.6.4 is not used, and why.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tracefs.h>
#include <unistd.h>

#include "errors.h"
#include "tracefs.h"

#define DEFAULT_DIR "/sys/kernel/tracing"

/*
 * Where tracefs is mounted. libtracefs hands the path over, keeps no
 * pointer to it and says not to free it: it is kept here for the process
 * (and found once).
 */
static const char *mount_dir;

/* Find the mount (and mount it when asked and it is not), and make it
 * libtracefs's tracing directory. 0, -ENOENT (not mounted), -errno. */
static int find_mount(bool mount)
{
	const char *dir = NULL;
	int rc;

	if (mount_dir)
		return 0;
	errno = 0;
	rc = tracefs_tracing_dir_is_mounted(mount, &dir);
	if (rc < 0 || !dir)
		return rc < 0 && errno ? -errno : -ENOENT;
	mount_dir = dir;
	if (tracefs_set_tracing_dir((char *)dir) < 0)
		return -ENOMEM;
	return 0;
}

/* A file of inst (NULL: the top level) appended to out. 0 or -errno. */
static int read_file(struct tracefs_instance *inst, const char *file, struct ukt_buf *out)
{
	int size = 0, rc;
	char *s;

	errno = 0;
	s = tracefs_instance_file_read(inst, file, &size);
	if (!s)		/* and no errno: the file is empty */
		return errno ? -errno : 0;
	rc = ukt_buf_add(out, s, (size_t)size);
	free(s);
	return rc;
}

/* value written to a file of inst (NULL: the top level), in one write(2)
 * with O_TRUNC, as "echo value > file" does. 0 or -errno. */
static int write_file(struct tracefs_instance *inst, const char *file, const char *value)
{
	int n;

	errno = 0;
	n = tracefs_instance_file_write(inst, file, value);
	if (n < 0)
		return errno ? -errno : -EIO;
	return (size_t)n == strlen(value) ? 0 : -EIO;
}

int tfs_read_mounted(const char *file, struct ukt_buf *out)
{
	int rc = find_mount(false);

	return rc ? rc : read_file(NULL, file, out);
}

/* Does the top level have file? (Not tracefs_file_exists(NULL, file):
 * 1.6.4 looks for the top level in /proc/mounts there, not in the
 * directory tracefs_set_tracing_dir() gave it.) */
static bool top_has(const char *file)
{
	char *p = tracefs_get_tracing_file(file);
	bool yes = p && access(p, F_OK) == 0;

	tracefs_put_tracing_file(p);
	return yes;
}

/* Our names, and what this tracefs at dir (libtracefs's by now) has. */
static int open_dir(struct tfs *t, pid_t pid, const char *dir)
{
	snprintf(t->name, sizeof(t->name), TFS_PREFIX "%d", (int)pid);
	memcpy(t->group, t->name, sizeof(t->group));
	t->dir = strdup(dir);
	if (!t->dir)
		return -ENOMEM;
	t->have_uprobes = top_has("uprobe_events");
	t->have_kprobes = top_has("kprobe_events");
	return 0;
}

int tfs_open(struct tfs *t, pid_t pid, bool mount_it, struct ukt_buf *err)
{
	int rc;

	memset(t, 0, sizeof(*t));
	rc = find_mount(mount_it);
	if (!rc)
		rc = open_dir(t, pid, mount_dir);
	if (rc == -ENOMEM) {
		ukt_buf_adds(err, strerror(ENOMEM));
		return rc;
	}
	if (rc && !mount_it) {
		ukt_buf_addf(err, "tracefs is not mounted at %s", DEFAULT_DIR);
		return -REC_E_NO_TRACEFS;
	}
	if (rc) {
		ukt_buf_addf(err, "tracefs is not mounted and mounting it on %s failed: %s (mount it with 'mount -t tracefs nodev %s')",
			     DEFAULT_DIR, strerror(-rc), DEFAULT_DIR);
		return -REC_E_NO_TRACEFS;
	}
	return 0;
}

int tfs_open_at(struct tfs *t, pid_t pid, const char *dir, struct ukt_buf *err)
{
	memset(t, 0, sizeof(*t));
	if (tracefs_set_tracing_dir((char *)dir) < 0 || open_dir(t, pid, dir)) {
		ukt_buf_adds(err, strerror(ENOMEM));
		return -ENOMEM;
	}
	return 0;
}

int tfs_write(struct tfs *t, const char *file, const char *value)
{
	/* never the top level's file by mistake */
	return t->inst ? write_file(t->inst, file, value) : -ENOENT;
}

int tfs_exclude_tasks(struct tfs *t, const pid_t *tids, size_t n)
{
	struct ukt_buf b = UKT_BUF_INIT;
	int err = 0;

	for (size_t i = 0; i < n && !err; i++)
		err = ukt_buf_addf(&b, "%s%d", i ? " " : "", (int)tids[i]);
	/* event-fork: the threads and children they make join the list */
	if (!err && n)
		err = tfs_write(t, "options/event-fork", "1");
	if (!err && n)
		err = tfs_write(t, "set_event_notrace_pid", b.data);
	ukt_buf_release(&b);
	return err;
}

int tfs_read(struct tfs *t, const char *file, struct ukt_buf *out)
{
	return t->inst ? read_file(t->inst, file, out) : -ENOENT;
}

int tfs_read_top(struct tfs *t, const char *file, struct ukt_buf *out)
{
	return read_file(NULL, file, out);
}

/* Is the recorder that owns name (uktrace_<pid>, or a sibling instance
 * uktrace_<pid>_<suffix>) gone? */
static bool owner_gone(const char *name, pid_t self)
{
	char path[64], comm[32] = "";
	const char *num = name + strlen(TFS_PREFIX);
	char *end;
	long pid;
	FILE *f;

	if (strncmp(name, TFS_PREFIX, strlen(TFS_PREFIX)) != 0)
		return false;
	pid = strtol(num, &end, 10);
	if ((*end && (*end != '_' || !end[1])) || pid <= 0 || end == num)
		return false;		/* not ours: not a name we make */
	if (pid == self)
		return false;
	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		return true;
	/* A live process of that pid that is not a recorder: pid reused. */
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return true;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	return strcmp(comm, "uktrace-record") != 0;
}

/* "removed stale WHAT NAME" or "could not remove stale WHAT NAME: why". */
static void say_removed(struct ukt_buf *report, const char *what, const char *name, int err)
{
	if (report)
		ukt_buf_addf(report, "%s %s %s%s%s\n", err ? "could not remove stale" : "removed stale",
			     what, name, err ? ": " : "", err ? strerror(-err) : "");
}

static int destroy_instance(const char *name)
{
	struct tracefs_instance *inst = tracefs_instance_alloc(NULL, name);
	int err = 0;

	if (!inst)
		return errno ? -errno : -ENOENT;
	tracefs_trace_off(inst);
	errno = 0;
	if (tracefs_instance_destroy(inst) < 0)
		err = errno ? -errno : -EBUSY;
	tracefs_instance_free(inst);
	return err;
}

/* The instances of recorders that are gone. */
static void remove_stale_instances(pid_t self, struct ukt_buf *report)
{
	/* listed first, removed after: not while the directory is read */
	char **names = tracefs_instances(NULL);

	for (int i = 0; names && names[i]; i++)
		if (owner_gone(names[i], self))
			say_removed(report, "instance", names[i], destroy_instance(names[i]));
	tracefs_list_free(names);
}

/*
 * The dynamic events of the groups of recorders that are gone. libtracefs
 * 1.6.4 lists a uprobe twice when dynamic_events exists (as a kprobe too:
 * both are "p:" lines there), so each event is removed once, by name.
 */
static void remove_stale_events(pid_t self, struct ukt_buf *report)
{
	struct tracefs_dynevent **all =
		tracefs_dynevent_get_all(TRACEFS_DYNEVENT_KPROBE | TRACEFS_DYNEVENT_KRETPROBE |
					 TRACEFS_DYNEVENT_UPROBE | TRACEFS_DYNEVENT_URETPROBE, NULL);
	/* "\ngroup/name\n" of each event removed */
	struct ukt_buf done = UKT_BUF_INIT, key = UKT_BUF_INIT;

	ukt_buf_adds(&done, "\n");
	for (int i = 0; all && all[i]; i++) {
		char *sys = NULL, *ev = NULL;

		tracefs_dynevent_info(all[i], &sys, &ev, NULL, NULL, NULL);
		ukt_buf_reset(&key);
		ukt_buf_addf(&key, "\n%s/%s\n", sys ? sys : "", ev ? ev : "");
		if (sys && ev && owner_gone(sys, self) && !strstr(done.data, key.data)) {
			int err = 0;

			errno = 0;
			if (tracefs_dynevent_destroy(all[i], false) < 0)
				err = errno ? -errno : -EBUSY;
			ukt_buf_add(&done, key.data + 1, key.len - 1);
			key.data[key.len - 1] = '\0';
			say_removed(report, "dynamic event", key.data + 1, err);
		}
		free(sys);
		free(ev);
	}
	tracefs_dynevent_list_free(all);
	ukt_buf_release(&done);
	ukt_buf_release(&key);
}

int tfs_remove_stale(struct tfs *t, struct ukt_buf *report)
{
	pid_t self = getpid();

	/* instances first: they hold the events enabled */
	remove_stale_instances(self, report);
	if (t->have_uprobes || t->have_kprobes)
		remove_stale_events(self, report);
	return 0;
}

int tfs_instance_create(struct tfs *t, struct ukt_buf *err)
{
	int rc;

	errno = 0;
	t->inst = tracefs_instance_create(t->name);
	if (!t->inst) {
		rc = errno ? -errno : -EIO;
		ukt_buf_addf(err, "cannot create tracefs instance '%s': %s", t->name, strerror(-rc));
		return rc;
	}
	t->inst_dir = tracefs_instance_get_dir(t->inst);
	if (!t->inst_dir) {
		ukt_buf_adds(err, strerror(ENOMEM));
		return -ENOMEM;
	}
	errno = 0;
	rc = tracefs_trace_off(t->inst) < 0 ? (errno ? -errno : -EIO) : 0;
	if (rc)
		ukt_buf_addf(err, "cannot turn tracing off in instance '%s': %s", t->name,
			     strerror(-rc));
	return rc;
}

int tfs_sibling_create(struct tfs *sib, const struct tfs *main, const char *suffix,
			struct ukt_buf *err)
{
	memset(sib, 0, sizeof(*sib));
	snprintf(sib->name, sizeof(sib->name), "%.40s_%.16s", main->name, suffix);
	memcpy(sib->group, main->group, sizeof(sib->group));
	sib->have_uprobes = main->have_uprobes;
	sib->have_kprobes = main->have_kprobes;
	sib->dir = strdup(main->dir);
	if (!sib->dir) {
		ukt_buf_adds(err, strerror(ENOMEM));
		return -ENOMEM;
	}
	return tfs_instance_create(sib, err);
}

int tfs_ncpus(struct tfs *t)
{
	char d[32];
	int n = 0;

	for (;; n++) {
		snprintf(d, sizeof(d), "per_cpu/cpu%d", n);
		if (!t->inst || !tracefs_dir_exists(t->inst, d))
			break;
	}
	return n;
}

uint32_t tfs_subbuf_size(struct tfs *t)
{
	struct ukt_buf b = UKT_BUF_INIT;
	long long kb = 0;
	uint32_t sz = 0;
	char *f;

	/* libtracefs 1.6.4 has no call for it (1.8's
	 * tracefs_instance_get_subbuf_size), and its tracefs_cpu_open()
	 * takes the top level's header_page */
	if (t->inst && tracefs_instance_file_read_number(t->inst, "buffer_subbuf_size_kb", &kb) == 0 &&
	    kb > 0 && kb <= 4096)
		sz = (uint32_t)kb * 1024;
	if (!sz && tfs_read_top(t, "events/header_page", &b) == 0 &&
	    (f = strstr(b.data, "data;"))) {
		unsigned int off = 0, size = 0;

		if (sscanf(f, "data;\toffset:%u;\tsize:%u;", &off, &size) == 2)
			sz = off + size;
	}
	ukt_buf_release(&b);
	return sz ? sz : (uint32_t)sysconf(_SC_PAGESIZE);
}

int tfs_open_cpu_raw(struct tfs *t, int cpu)
{
	char f[64];
	int fd;

	if (!t->inst)
		return -ENOENT;
	snprintf(f, sizeof(f), "per_cpu/cpu%d/trace_pipe_raw", cpu);
	errno = 0;
	fd = tracefs_instance_file_open(t->inst, f, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	return fd >= 0 ? fd : errno ? -errno : -ENOENT;
}

void tfs_parse_stats(const char *text, struct tfs_cpu_stats *s)
{
	static const struct { const char *field; size_t off; } fields[] = {
		{ "entries: ", offsetof(struct tfs_cpu_stats, entries) },
		{ "read events: ", offsetof(struct tfs_cpu_stats, read_events) },
		{ "overrun: ", offsetof(struct tfs_cpu_stats, overrun) },
		{ "dropped events: ", offsetof(struct tfs_cpu_stats, dropped) },
	};

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *p = text;

		/* the field at the start of a line ("entries" is also inside
		 * "commit overrun"-style names on some kernels) */
		while ((p = strstr(p, fields[i].field)) && p != text && p[-1] != '\n')
			p++;
		if (p)
			*(uint64_t *)((char *)s + fields[i].off) =
				strtoull(p + strlen(fields[i].field), NULL, 10);
	}
}

int tfs_cpu_stats(struct tfs *t, int cpu, struct tfs_cpu_stats *s,
		  struct ukt_buf *text)
{
	struct ukt_buf b = UKT_BUF_INIT;
	char path[64];
	int rc;

	snprintf(path, sizeof(path), "per_cpu/cpu%d/stats", cpu);
	rc = tfs_read(t, path, &b);
	if (rc) {
		memset(s, 0, sizeof(*s));
	} else {
		tfs_parse_stats(b.data, s);
		if (text)
			rc = ukt_buf_add(text, b.data, b.len);
	}
	ukt_buf_release(&b);
	return rc;
}

void tfs_raise_cmdlines(struct tfs *t, unsigned int size)
{
	long long old = 0;
	char v[32];

	if (tracefs_instance_file_read_number(NULL, "saved_cmdlines_size", &old) < 0 ||
	    old >= (long long)size)
		return;
	snprintf(v, sizeof(v), "%u", size);
	if (write_file(NULL, "saved_cmdlines_size", v) == 0)
		snprintf(t->saved_cmdlines_size, sizeof(t->saved_cmdlines_size), "%lld", old);
}

void tfs_error_entry(const char *log, const char *event, struct ukt_buf *out)
{
	const char *entry = NULL, *end, *msg, *p;
	size_t n = strlen(event);

	/* entries start with "[timestamp]" at the start of a line; the
	 * command is echoed in it as "Command: p:group/name ..." */
	for (p = log; p && *p; p = strstr(p, "\n[")) {
		const char *q, *next;

		if (*p == '\n')
			p++;
		next = strstr(p, "\n[");
		for (q = p; (q = strstr(q, event)) && (!next || q < next); q += n) {
			if ((q[n] == ' ' || q[n] == '\n' || q[n] == '\0') && q > p &&
			    (q[-1] == ':' || q[-1] == ' ')) {
				entry = p;
				break;
			}
		}
	}
	if (!entry || !(msg = strstr(entry, "error: ")))
		return;
	end = strstr(entry, "\n[");
	if (!end)
		end = entry + strlen(entry);
	while (end > msg && end[-1] == '\n')
		end--;
	if (msg > end)
		return;
	msg += strlen("error: ");
	p = memchr(msg, '\n', (size_t)(end - msg));
	ukt_buf_addf(out, ": %.*s", (int)((p ? p : end) - msg), msg);
	if (p)
		ukt_buf_addf(out, "\n%.*s", (int)(end - p - 1), p + 1);
}

/* The kernel's own words about our rejected command, from error_log.
 * Not tracefs_error_last(): that is the log's last entry, which may be
 * another tool's that failed meanwhile. */
static void kernel_reason(struct tfs *t, const char *name, struct ukt_buf *err)
{
	struct ukt_buf ev = UKT_BUF_INIT;
	char *log = tracefs_error_all(NULL);

	if (log) {
		ukt_buf_addf(&ev, "%s/%s", t->group, name);
		tfs_error_entry(log, ev.data, err);
	}
	free(log);
	ukt_buf_release(&ev);
}

/* What libtracefs 1.6.4 cannot write (docs/DESIGN-NOTES.md): a
 * kretprobe's maxactive, a uprobe's reference counter. */
static bool own_write(const struct tfs_probe *p)
{
	return p->kernel ? p->ret && p->maxactive : p->ref_ctr != 0;
}

/*
 * The definition: as libtracefs writes it, with what own_write() adds
 * ("r10:" for "r:", "ADDR(0xREF)" for "ADDR").
 */
static void definition(struct tracefs_dynevent *dev, const struct tfs_probe *p,
		       struct ukt_buf *out)
{
	char *sys = NULL, *ev = NULL, *prefix = NULL, *addr = NULL, *fmt = NULL;
	char extra[32] = "";

	tracefs_dynevent_info(dev, &sys, &ev, &prefix, &addr, &fmt);
	if (p->kernel && p->ret && p->maxactive)
		snprintf(extra, sizeof(extra), "%u", p->maxactive);
	ukt_buf_addf(out, "%s%s%s%s/%s %s", prefix ? prefix : "", extra,
		     prefix && *prefix ? ":" : "", sys ? sys : "", ev ? ev : "", addr ? addr : "");
	if (!p->kernel && p->ref_ctr)
		ukt_buf_addf(out, "(0x%llx)", (unsigned long long)p->ref_ctr);
	if (fmt && *fmt)
		ukt_buf_addf(out, " %s", fmt);
	free(sys);
	free(ev);
	free(prefix);
	free(addr);
	free(fmt);
}

static struct tracefs_dynevent *probe_alloc(struct tfs *t, const struct tfs_probe *p)
{
	struct ukt_buf addr = UKT_BUF_INIT;
	struct tracefs_dynevent *dev;
	const char *args = p->args && *p->args ? p->args : NULL;

	if (!p->kernel) {
		return (p->ret ? tracefs_uretprobe_alloc : tracefs_uprobe_alloc)
			(t->group, p->name, p->file, p->offset, args);
	}
	if (ukt_buf_adds(&addr, p->symbol))
		return NULL;
	if (p->offset && ukt_buf_addf(&addr, "+0x%llx", (unsigned long long)p->offset)) {
		ukt_buf_release(&addr);
		return NULL;
	}
	/* maxactive goes in at the write: 1.6.4 spells
	 * tracefs_kretprobe_alloc()'s as "rN::group/name" */
	dev = p->ret ? tracefs_kretprobe_alloc(t->group, p->name, addr.data, args, 0)
		     : tracefs_kprobe_alloc(t->group, p->name, addr.data, args);
	ukt_buf_release(&addr);
	return dev;
}

/* Create dev, defined as def, in the kernel: 0 or -errno. */
static int add_dynevent(struct tracefs_dynevent *dev, const struct tfs_probe *p,
			const struct ukt_buf *def)
{
	struct ukt_buf line = UKT_BUF_INIT;
	int n;

	errno = 0;
	if (!own_write(p))
		return tracefs_dynevent_create(dev) < 0 ? (errno ? -errno : -EIO) : 0;
	/* the one definition we write ourselves, appended as
	 * tracefs_dynevent_create() does; dev removes it all the same */
	if (ukt_buf_addf(&line, "%s\n", def->data))
		return -ENOMEM;
	n = tracefs_instance_file_append(NULL, p->kernel ? "kprobe_events" : "uprobe_events",
					 line.data);
	ukt_buf_release(&line);
	return n < 0 ? (errno ? -errno : -EIO) : 0;
}

int tfs_add_probe(struct tfs *t, const struct tfs_probe *p, struct ukt_buf *err)
{
	struct ukt_buf def = UKT_BUF_INIT;
	struct tfs_event *ev;
	int rc;

	if (p->kernel && !t->have_kprobes) {
		ukt_buf_addf(err, "%s (%s/kprobe_events is missing: CONFIG_KPROBE_EVENTS is off)",
			     rec_strerror(-REC_E_NO_KPROBES), t->dir);
		return -REC_E_NO_KPROBES;
	}
	if (!p->kernel && !t->have_uprobes) {
		ukt_buf_addf(err, "%s (%s/uprobe_events is missing: CONFIG_UPROBE_EVENTS is off)",
			     rec_strerror(-REC_E_NO_UPROBES), t->dir);
		return -REC_E_NO_UPROBES;
	}
	ev = reallocarray(t->events, t->nevents + 1, sizeof(*t->events));
	if (!ev) {
		ukt_buf_adds(err, strerror(ENOMEM));
		return -ENOMEM;
	}
	t->events = ev;
	ev = &t->events[t->nevents];
	errno = 0;
	ev->name = strdup(p->name);
	ev->dev = ev->name ? probe_alloc(t, p) : NULL;
	if (!ev->dev) {
		rc = errno ? -errno : -ENOMEM;
		ukt_buf_addf(err, "cannot define probe '%s': %s", p->name, strerror(-rc));
		goto fail;
	}
	definition(ev->dev, p, &def);
	rc = add_dynevent(ev->dev, p, &def);
	if (rc) {
		ukt_buf_addf(err, "the kernel rejected probe '%s' (%s)", def.data, strerror(-rc));
		kernel_reason(t, p->name, err);
		rc = -REC_E_KERNEL;
		goto fail;
	}
	t->nevents++;
	ukt_buf_release(&def);
	return 0;
fail:
	tracefs_dynevent_free(ev->dev);
	free(ev->name);
	ukt_buf_release(&def);
	return rc;
}

int tfs_enable(struct tfs *t, const char *system, const char *event, bool on,
	       struct ukt_buf *err)
{
	const char *sys = system ? system : t->group;
	int rc = 0;

	/* system and event are regular expressions to tracefs_event_enable,
	 * anchored: a kernel's event and system names (letters, digits and
	 * '_') match themselves */
	errno = 0;
	if (!t->inst)
		rc = -ENOENT;
	else if ((on ? tracefs_event_enable : tracefs_event_disable)(t->inst, sys, event) < 0)
		rc = errno ? -errno : -ENOENT;	/* no errno: no such event */
	if (rc && err)
		ukt_buf_addf(err, "cannot %s event %s:%s: %s", on ? "enable" : "disable",
			     sys, event, strerror(-rc));
	return rc;
}

/*
 * The kernel's words about a filter it refused: the last error_log entry
 * of the filter parser that shows expr, else the event's filter file,
 * which then holds the expression with a caret and "parse_error: ...".
 */
static void filter_reason(struct tfs *t, const char *file, const char *expr,
			  struct ukt_buf *err)
{
	struct ukt_buf log = UKT_BUF_INIT;
	const char *entry = NULL, *p, *msg;

	/* an instance's event files log to the instance's error_log */
	if (tfs_read(t, "error_log", &log) == 0) {
		for (p = log.data; (p = strstr(p, "event filter parse error")); p++) {
			const char *next = strstr(p, "\n[");
			const char *cmd = strstr(p, "Command: ");

			if (cmd && (!next || cmd < next) && !strncmp(cmd + 9, expr, strlen(expr)))
				entry = p;
		}
	}
	if (entry) {
		char *end = strstr(entry, "\n[");

		if (end)
			*end = '\0';
		/* "event filter parse error: error: Field not found": the last */
		msg = entry;
		for (p = entry; (p = strstr(p, "error: ")) && p < entry + strcspn(entry, "\n"); p++)
			msg = p + 7;
		ukt_buf_addf(err, ": %.*s", (int)strcspn(msg, "\n"), msg);
		p = strchr(msg, '\n');
		if (p && p[1])
			ukt_buf_addf(err, "\n%s", p + 1);
		while (err->len && err->data[err->len - 1] == '\n')
			err->data[--err->len] = '\0';
		goto out;
	}
	ukt_buf_reset(&log);
	if (tfs_read(t, file, &log) == 0 && (msg = strstr(log.data, "parse_error: "))) {
		ukt_buf_addf(err, ": %.*s", (int)strcspn(msg + 13, "\n"), msg + 13);
		ukt_buf_addf(err, "\n%.*s", (int)(msg - log.data), log.data);
		while (err->len && err->data[err->len - 1] == '\n')
			err->data[--err->len] = '\0';
	}
out:
	ukt_buf_release(&log);
}

int tfs_set_filter(struct tfs *t, const char *system, const char *event,
		   const char *expr, struct ukt_buf *err)
{
	struct ukt_buf f = UKT_BUF_INIT;
	int rc;

	ukt_buf_addf(&f, "events/%s/%s/filter", system ? system : t->group, event);
	rc = tfs_write(t, f.data, expr);
	if (rc == -EINVAL || rc == -EPERM) {
		if (err) {
			ukt_buf_addf(err, "the kernel refused filter '%s' on %s:%s", expr,
				     system ? system : t->group, event);
			filter_reason(t, f.data, expr, err);
		}
		rc = -REC_E_FILTER;
	} else if (rc && err) {
		ukt_buf_addf(err, "cannot set the filter of %s:%s: %s", system ? system : t->group,
			     event, strerror(-rc));
	}
	ukt_buf_release(&f);
	return rc;
}

int tfs_teardown(struct tfs *t, struct ukt_buf *err)
{
	int rc = 0, e;

	if (t->inst) {
		tracefs_trace_off(t->inst);
		/* disable everything we enabled before the instance goes */
		tracefs_event_disable(t->inst, NULL, NULL);
		errno = 0;
		if (tracefs_instance_destroy(t->inst) < 0) {
			rc = errno ? -errno : -EBUSY;
			if (err)
				ukt_buf_addf(err, "cannot remove tracefs instance %s: %s\n",
					     t->name, strerror(-rc));
		}
		tracefs_instance_free(t->inst);
		t->inst = NULL;
	}
	while (t->nevents) {
		e = tfs_remove_last_probe(t, err);
		if (e)
			rc = e;
	}
	if (t->saved_cmdlines_size[0] && t->dir) {
		write_file(NULL, "saved_cmdlines_size", t->saved_cmdlines_size);
		t->saved_cmdlines_size[0] = '\0';
	}
	return rc;
}

int tfs_remove_last_probe(struct tfs *t, struct ukt_buf *err)
{
	struct tfs_event *ev;
	int rc = 0;

	if (!t->nevents)
		return 0;
	ev = &t->events[t->nevents - 1];
	errno = 0;
	if (tracefs_dynevent_destroy(ev->dev, false) < 0)
		rc = errno ? -errno : -EBUSY;
	if (rc == -ENOENT)
		rc = 0;
	if (rc && err)
		ukt_buf_addf(err, "cannot remove dynamic event %s/%s: %s\n",
			     t->group, ev->name, strerror(-rc));
	tracefs_dynevent_free(ev->dev);
	free(ev->name);
	t->nevents--;
	return rc;
}

void tfs_release(struct tfs *t)
{
	for (size_t i = 0; i < t->nevents; i++) {
		tracefs_dynevent_free(t->events[i].dev);
		free(t->events[i].name);
	}
	free(t->events);
	free(t->dir);
	tracefs_put_tracing_file(t->inst_dir);
	t->events = NULL;
	t->nevents = 0;
	t->dir = NULL;
	t->inst_dir = NULL;
}
