// SPDX-License-Identifier: MIT
/*
 * tracefs control. Dynamic events are written to uprobe_events and
 * kprobe_events with O_APPEND (appending never clears anything), each
 * definition in one write(2) as the kernel parses it; removal is exactly
 * "-:group/name" for what we created.
 */
#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <tracefs.h>
#include <unistd.h>

#include "errors.h"
#include "tracefs.h"

static bool is_tracefs(const char *dir)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/README", dir);
	return access(p, F_OK) == 0;
}

static const char *const dirs[] = { "/sys/kernel/tracing",
				    "/sys/kernel/debug/tracing" };

static const char *find_mount(void)
{
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (is_tracefs(dirs[i]))
			return dirs[i];
	return NULL;
}

int tfs_read_mounted(const char *file, struct ukt_buf *out)
{
	const char *dir = find_mount();
	char p[512];

	if (!dir)
		return -ENOENT;
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	return ukt_buf_read_file(out, p);
}

int tfs_open(struct tfs *t, pid_t pid, bool mount_it, struct ukt_buf *err)
{
	const char *found = find_mount();
	char p[512];

	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), TFS_PREFIX "%d", (int)pid);
	memcpy(t->group, t->name, sizeof(t->group));
	if (!found) {
		if (!mount_it) {
			ukt_buf_addf(err, "tracefs is not mounted at %s", dirs[0]);
			return -REC_E_NO_TRACEFS;
		}
		if (mount("nodev", dirs[0], "tracefs", 0, NULL) == 0 &&
		    is_tracefs(dirs[0])) {
			found = dirs[0];
		} else {
			int e = errno;

			ukt_buf_addf(err, "tracefs is not mounted and mounting it on %s failed: %s (mount it with 'mount -t tracefs nodev %s')",
				     dirs[0], strerror(e), dirs[0]);
			return -REC_E_NO_TRACEFS;
		}
	}
	t->dir = strdup(found);
	if (!t->dir)
		return -ENOMEM;
	tracefs_set_tracing_dir(t->dir);
	snprintf(p, sizeof(p), "%s/uprobe_events", t->dir);
	t->have_uprobes = access(p, F_OK) == 0;
	snprintf(p, sizeof(p), "%s/kprobe_events", t->dir);
	t->have_kprobes = access(p, F_OK) == 0;
	return 0;
}

/* Path of a file of our instance, or of the top level (inst false). */
static int tfs_path(struct tfs *t, bool inst, const char *file, struct ukt_buf *out)
{
	ukt_buf_reset(out);
	if (inst)
		return ukt_buf_addf(out, "%s/instances/%s/%s", t->dir, t->name, file);
	return ukt_buf_addf(out, "%s/%s", t->dir, file);
}

static int write_file(const char *path, const char *value, bool append)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | (append ? O_APPEND : O_TRUNC));
	size_t len = strlen(value);
	ssize_t n;
	int err = 0;

	if (fd < 0)
		return -errno;
	do {
		n = write(fd, value, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	if (close(fd) < 0 && !err)
		err = -errno;
	return err;
}

int tfs_write(struct tfs *t, const char *file, const char *value)
{
	struct ukt_buf p = UKT_BUF_INIT;
	int err = tfs_path(t, true, file, &p);

	if (!err)
		err = write_file(p.data, value, false);
	ukt_buf_release(&p);
	return err;
}

int tfs_read(struct tfs *t, const char *file, struct ukt_buf *out)
{
	struct ukt_buf p = UKT_BUF_INIT;
	int err = tfs_path(t, true, file, &p);

	if (!err)
		err = ukt_buf_read_file(out, p.data);
	ukt_buf_release(&p);
	return err;
}

int tfs_read_top(struct tfs *t, const char *file, struct ukt_buf *out)
{
	struct ukt_buf p = UKT_BUF_INIT;
	int err = tfs_path(t, false, file, &p);

	if (!err)
		err = ukt_buf_read_file(out, p.data);
	ukt_buf_release(&p);
	return err;
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

/* Remove the events of group grp listed in file (uprobe/kprobe_events). */
static int remove_group_events(struct tfs *t, const char *file, const char *grp,
			       struct ukt_buf *report)
{
	struct ukt_buf text = UKT_BUF_INIT, path = UKT_BUF_INIT, cmd = UKT_BUF_INIT;
	char *line, *save = NULL;
	size_t glen = strlen(grp);
	int err = 0;

	if (tfs_read_top(t, file, &text) || !text.len)
		goto out;
	tfs_path(t, false, file, &path);
	for (line = strtok_r(text.data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');
		char *sp;

		if (!colon || strncmp(colon + 1, grp, glen) != 0 || colon[1 + glen] != '/')
			continue;
		sp = strchr(colon, ' ');
		if (sp)
			*sp = '\0';
		ukt_buf_reset(&cmd);
		ukt_buf_addf(&cmd, "-:%s", colon + 1);
		err = write_file(path.data, cmd.data, true);
		if (report)
			ukt_buf_addf(report, "%s dynamic event %s%s%s\n",
				     err ? "could not remove" : "removed stale",
				     colon + 1, err ? ": " : "",
				     err ? strerror(-err) : "");
	}
out:
	ukt_buf_release(&text);
	ukt_buf_release(&path);
	ukt_buf_release(&cmd);
	return err;
}

static int destroy_instance_dir(struct tfs *t, const char *name)
{
	struct tracefs_instance *inst = tracefs_instance_alloc(t->dir, name);
	int err = 0;

	if (!inst)
		return -errno;
	tracefs_trace_off(inst);
	if (tracefs_instance_destroy(inst) < 0)
		err = errno ? -errno : -EBUSY;
	tracefs_instance_free(inst);
	return err;
}

int tfs_remove_stale(struct tfs *t, struct ukt_buf *report)
{
	struct ukt_buf p = UKT_BUF_INIT;
	pid_t self = getpid();
	DIR *d;
	struct dirent *de;
	char groups[64][256];
	int ngroups = 0, err;

	/* instances first: they hold the events enabled */
	tfs_path(t, false, "instances", &p);
	d = opendir(p.data);
	while (d && (de = readdir(d))) {
		if (!owner_gone(de->d_name, self))
			continue;
		err = destroy_instance_dir(t, de->d_name);
		ukt_buf_addf(report, "%s instance %s%s%s\n",
			     err ? "could not remove stale" : "removed stale",
			     de->d_name, err ? ": " : "", err ? strerror(-err) : "");
	}
	if (d)
		closedir(d);
	/* then groups of dynamic events, as listed under events/ */
	tfs_path(t, false, "events", &p);
	d = opendir(p.data);
	while (d && (de = readdir(d)) && ngroups < 64) {
		if (owner_gone(de->d_name, self))
			snprintf(groups[ngroups++], sizeof(groups[0]), "%s", de->d_name);
	}
	if (d)
		closedir(d);
	for (int i = 0; i < ngroups; i++) {
		if (t->have_uprobes)
			remove_group_events(t, "uprobe_events", groups[i], report);
		if (t->have_kprobes)
			remove_group_events(t, "kprobe_events", groups[i], report);
	}
	ukt_buf_release(&p);
	return 0;
}

int tfs_instance_create(struct tfs *t, struct ukt_buf *err)
{
	struct ukt_buf p = UKT_BUF_INIT;
	int rc = 0;

	t->inst = tracefs_instance_create(t->name);
	if (!t->inst) {
		rc = errno ? -errno : -EIO;
		ukt_buf_addf(err, "cannot create tracefs instance '%s': %s", t->name, strerror(-rc));
		return rc;
	}
	tfs_path(t, true, "", &p);
	t->inst_dir = strdup(p.data);
	ukt_buf_release(&p);
	if (!t->inst_dir) {
		ukt_buf_adds(err, strerror(ENOMEM));
		return -ENOMEM;
	}
	rc = tfs_write(t, "tracing_on", "0");
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
	struct ukt_buf p = UKT_BUF_INIT;
	int n = 0;
	struct stat st;

	for (;; n++) {
		tfs_path(t, true, "", &p);
		ukt_buf_addf(&p, "per_cpu/cpu%d", n);
		if (stat(p.data, &st) < 0)
			break;
	}
	ukt_buf_release(&p);
	return n;
}

uint32_t tfs_subbuf_size(struct tfs *t)
{
	struct ukt_buf b = UKT_BUF_INIT;
	uint32_t sz = 0;
	char *f;

	if (tfs_read(t, "buffer_subbuf_size_kb", &b) == 0 && b.len)
		sz = (uint32_t)strtoul(b.data, NULL, 10) * 1024;
	ukt_buf_reset(&b);
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
	struct ukt_buf p = UKT_BUF_INIT;
	int fd;

	tfs_path(t, true, "", &p);
	ukt_buf_addf(&p, "per_cpu/cpu%d/trace_pipe_raw", cpu);
	fd = open(p.data, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		fd = -errno;
	ukt_buf_release(&p);
	return fd;
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
	struct ukt_buf b = UKT_BUF_INIT, p = UKT_BUF_INIT;
	char v[32];

	if (tfs_read_top(t, "saved_cmdlines_size", &b) || !b.len ||
	    strtoul(b.data, NULL, 10) >= size)
		goto out;
	tfs_path(t, false, "saved_cmdlines_size", &p);
	snprintf(v, sizeof(v), "%u", size);
	if (write_file(p.data, v, false) == 0)
		snprintf(t->saved_cmdlines_size, sizeof(t->saved_cmdlines_size), "%.*s",
			 (int)strcspn(b.data, "\n"), b.data);
out:
	ukt_buf_release(&b);
	ukt_buf_release(&p);
}

/* The kernel's own words about the last rejected command, from error_log. */
static void kernel_reason(struct tfs *t, const char *name, struct ukt_buf *err)
{
	struct ukt_buf log = UKT_BUF_INIT;
	char *entry = NULL, *p;

	if (tfs_read_top(t, "error_log", &log) || !log.len)
		goto out;
	/* entries start with "[timestamp]"; take the last that names us */
	for (p = log.data; (p = strstr(p, "\n[")) || entry == NULL; ) {
		if (!p) {
			if (log.data[0] == '[' && strstr(log.data, name))
				entry = log.data;
			break;
		}
		p++;
		if (strstr(p, name))
			entry = p;
	}
	if (entry) {
		char *end = strstr(entry + 1, "\n[");
		char *msg = strstr(entry, "error: ");

		if (end)
			*end = '\0';
		if (msg) {
			ukt_buf_addf(err, ": %.*s", (int)strcspn(msg + 7, "\n"), msg + 7);
			p = strchr(msg, '\n');
			if (p)
				ukt_buf_addf(err, "\n%s", p + 1);
		}
	}
out:
	ukt_buf_release(&log);
}

static const char *events_file(bool kernel)
{
	return kernel ? "kprobe_events" : "uprobe_events";
}

int tfs_add_probe(struct tfs *t, bool kernel, const char *name,
		  const char *def, struct ukt_buf *err)
{
	struct ukt_buf path = UKT_BUF_INIT;
	struct tfs_event *ev;
	int rc;

	if (kernel && !t->have_kprobes) {
		ukt_buf_addf(err, "%s (%s/kprobe_events is missing: CONFIG_KPROBE_EVENTS is off)",
			     rec_strerror(-REC_E_NO_KPROBES), t->dir);
		return -REC_E_NO_KPROBES;
	}
	if (!kernel && !t->have_uprobes) {
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
	ev->kernel = kernel;
	ev->name = strdup(name);
	if (!ev->name) {
		ukt_buf_adds(err, strerror(ENOMEM));
		return -ENOMEM;
	}
	tfs_path(t, false, events_file(kernel), &path);
	rc = write_file(path.data, def, true);
	ukt_buf_release(&path);
	if (rc) {
		free(ev->name);
		ukt_buf_addf(err, "the kernel rejected probe '%s' (%s)", def, strerror(-rc));
		kernel_reason(t, name, err);
		return -REC_E_KERNEL;
	}
	t->nevents++;
	return 0;
}

int tfs_enable(struct tfs *t, const char *system, const char *event, bool on,
	       struct ukt_buf *err)
{
	struct ukt_buf f = UKT_BUF_INIT;
	int rc;

	ukt_buf_addf(&f, "events/%s/%s/enable", system ? system : t->group, event);
	rc = tfs_write(t, f.data, on ? "1" : "0");
	if (rc && err)
		ukt_buf_addf(err, "cannot %s event %s:%s: %s", on ? "enable" : "disable",
			     system ? system : t->group, event, strerror(-rc));
	ukt_buf_release(&f);
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
		tfs_write(t, "events/enable", "0");
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
		struct ukt_buf p = UKT_BUF_INIT;

		tfs_path(t, false, "saved_cmdlines_size", &p);
		write_file(p.data, t->saved_cmdlines_size, false);
		t->saved_cmdlines_size[0] = '\0';
		ukt_buf_release(&p);
	}
	return rc;
}

int tfs_remove_last_probe(struct tfs *t, struct ukt_buf *err)
{
	struct ukt_buf path = UKT_BUF_INIT, cmd = UKT_BUF_INIT;
	struct tfs_event *ev;
	int rc = 0;

	if (!t->nevents)
		return 0;
	ev = &t->events[t->nevents - 1];
	tfs_path(t, false, events_file(ev->kernel), &path);
	ukt_buf_addf(&cmd, "-:%s/%s", t->group, ev->name);
	rc = write_file(path.data, cmd.data, true);
	if (rc == -ENOENT)
		rc = 0;
	if (rc && err)
		ukt_buf_addf(err, "cannot remove dynamic event %s/%s: %s\n",
			     t->group, ev->name, strerror(-rc));
	free(ev->name);
	t->nevents--;
	ukt_buf_release(&path);
	ukt_buf_release(&cmd);
	return rc;
}

void tfs_release(struct tfs *t)
{
	for (size_t i = 0; i < t->nevents; i++)
		free(t->events[i].name);
	free(t->events);
	free(t->dir);
	free(t->inst_dir);
	t->events = NULL;
	t->dir = NULL;
	t->inst_dir = NULL;
}
