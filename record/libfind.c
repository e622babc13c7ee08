// SPDX-License-Identifier: MIT
/*
 * Library lookup by short name. The loader's order is LD_LIBRARY_PATH, the
 * ld.so.cache (built from /etc/ld.so.conf), then the default directories;
 * we read /etc/ld.so.conf and its includes instead of parsing the binary
 * cache, which gives the same directories in the same order.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "uktrace/clock.h"
#include "elfsym.h"
#include "libfind.h"
#include "errors.h"

static void add_dir(struct ukt_buf *dirs, const char *d, size_t len)
{
	while (len && (d[len - 1] == ' ' || d[len - 1] == '\t'))
		len--;
	while (len && (*d == ' ' || *d == '\t')) {
		d++;
		len--;
	}
	if (!len || *d != '/')
		return;
	ukt_buf_add(dirs, d, len);
	ukt_buf_adds(dirs, "\n");
}

static void read_conf(struct ukt_buf *dirs, const char *path, int depth)
{
	struct ukt_buf text = UKT_BUF_INIT;
	char *line, *save = NULL;

	if (depth > 4 || ukt_buf_read_file(&text, path) || !text.len)
		goto out;
	for (line = strtok_r(text.data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#');

		if (hash)
			*hash = '\0';
		if (strncmp(line, "include", 7) == 0 && (line[7] == ' ' || line[7] == '\t')) {
			glob_t g;

			if (glob(line + 8 + strspn(line + 8, " \t"), 0, NULL, &g) == 0) {
				for (size_t i = 0; i < g.gl_pathc; i++)
					read_conf(dirs, g.gl_pathv[i], depth + 1);
				globfree(&g);
			}
			continue;
		}
		add_dir(dirs, line, strlen(line));
	}
out:
	ukt_buf_release(&text);
}

static const char *const default_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
	"/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
	"/lib64", "/usr/lib64", "/lib", "/usr/lib",
};

int libfind_search_dirs(struct ukt_buf *out)
{
	const char *llp = getenv("LD_LIBRARY_PATH");

	if (llp) {
		const char *p = llp;

		while (*p) {
			size_t n = strcspn(p, ":;");

			add_dir(out, p, n);
			p += n + (p[n] != '\0');
		}
	}
	read_conf(out, "/etc/ld.so.conf", 0);
	for (size_t i = 0; i < sizeof(default_dirs) / sizeof(default_dirs[0]); i++)
		add_dir(out, default_dirs[i], strlen(default_dirs[i]));
	return 0;
}

/* /proc/PID/exe, /proc/PID/map_files/..., /proc/PID/root/...: magic links
 * whose realpath would name a file we cannot open (deleted, or in another
 * mount namespace) */
static bool proc_link(const char *path)
{
	const char *p;

	if (strncmp(path, "/proc/", 6))
		return false;
	p = path + 6 + strspn(path + 6, "0123456789");
	if (p == path + 6 && strncmp(path + 6, "self/", 5))
		return false;
	if (p == path + 6)
		p += 4;
	return !strcmp(p, "/exe") || !strncmp(p, "/map_files/", 11) || !strncmp(p, "/root/", 6);
}

static int absolute(const char *path, struct ukt_buf *out)
{
	char real[PATH_MAX];

	if (proc_link(path)) {
		if (access(path, R_OK) < 0)
			return -errno;
		if (!elf_is_elf(path))
			return -REC_E_NOT_ELF;
		ukt_buf_reset(out);
		return ukt_buf_adds(out, path);
	}
	if (!realpath(path, real))
		return -errno;
	if (!elf_is_elf(real))
		return -REC_E_NOT_ELF;
	ukt_buf_reset(out);
	return ukt_buf_adds(out, real);
}

/* First ELF file in dir matching one of the library name patterns. */
static int search_dir(const char *dir, const char *name, struct ukt_buf *out)
{
	char pat[2 * PATH_MAX];
	/* prefix and suffix around the name, tried in order */
	const char *forms[3][2];
	int nforms = 0;
	const char *lib = strncmp(name, "lib", 3) == 0 ? "" : "lib";

	if (strstr(name, ".so")) {
		forms[nforms][0] = "";
		forms[nforms++][1] = "";
	} else {
		/* versioned sonames first: "libc.so" may be a linker script */
		forms[nforms][0] = lib;
		forms[nforms++][1] = ".so.*";
		forms[nforms][0] = lib;
		forms[nforms++][1] = ".so";
		forms[nforms][0] = lib;
		forms[nforms++][1] = "-*.so";
	}
	for (int i = 0; i < nforms; i++) {
		glob_t g;

		snprintf(pat, sizeof(pat), "%s/%s%s%s", dir, forms[i][0], name, forms[i][1]);
		if (glob(pat, 0, NULL, &g) != 0)
			continue;
		for (size_t k = 0; k < g.gl_pathc; k++) {
			if (absolute(g.gl_pathv[k], out) == 0) {
				globfree(&g);
				return 0;
			}
		}
		globfree(&g);
	}
	return -ENOENT;
}

int libfind_resolve(const char *name, struct ukt_buf *out)
{
	struct ukt_buf dirs = UKT_BUF_INIT;
	struct stat st;
	char *d, *save = NULL;
	int err = -ENOENT;

	if (strchr(name, '/'))
		return absolute(name, out);
	/* A bare name that exists here is a relative path. */
	if (stat(name, &st) == 0 && S_ISREG(st.st_mode))
		return absolute(name, out);
	libfind_search_dirs(&dirs);
	for (d = strtok_r(dirs.data, "\n", &save); d && err;
	     d = strtok_r(NULL, "\n", &save))
		err = search_dir(d, name, out);
	ukt_buf_release(&dirs);
	if (!err)
		return 0;
	return libfind_on_path(name, out);
}

bool libfind_is_script(const char *path)
{
	char m[2];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool yes;

	if (fd < 0)
		return false;
	yes = read(fd, m, 2) == 2 && m[0] == '#' && m[1] == '!';
	close(fd);
	return yes;
}

int libfind_on_path(const char *name, struct ukt_buf *out)
{
	const char *path = getenv("PATH");
	char cand[PATH_MAX];

	/*
	 * The first executable file on PATH, as exec finds it: a script there
	 * runs, not an ELF program of the same name further on (that would be
	 * probed while another program runs, and nothing would fire).
	 */
	while (path && *path) {
		size_t n = strcspn(path, ":");
		struct stat st;
		int rc;

		snprintf(cand, sizeof(cand), "%.*s/%s", (int)n, n ? path : ".", name);
		if (access(cand, X_OK) == 0 && stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
			rc = absolute(cand, out);
			if (rc == -REC_E_NOT_ELF) {
				ukt_buf_reset(out);
				ukt_buf_adds(out, cand);
			}
			return rc;
		}
		path += n + (path[n] == ':');
	}
	return -ENOENT;
}

/* ---- resolution for a target ---- */

/* Whether the file name base is the library short name (as search_dir
 * forms it): libc -> libc.so.6, libpython3.11 -> libpython3.11.so.1.0. */
static bool short_name_matches(const char *name, const char *base)
{
	char want[512];
	size_t n;

	if (strstr(name, ".so"))
		return !strcmp(base, name);
	snprintf(want, sizeof(want), "%s%s", strncmp(name, "lib", 3) ? "lib" : "", name);
	n = strlen(want);
	return !strncmp(base, want, n) &&
	       (!strncmp(base + n, ".so", 3) || base[n] == '-');
}

static const char *base_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* One file mapping of a /proc/PID/maps line. */
struct mapping {
	unsigned long long start, end;
	unsigned int maj, min;
	unsigned long ino;
	bool exec, deleted;
	char path[PATH_MAX];
};

static bool parse_mapping(const char *line, struct mapping *m)
{
	char perms[8];
	unsigned long long off;
	size_t n;

	m->path[0] = '\0';
	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %lu %4095[^\n]", &m->start, &m->end,
		   perms, &off, &m->maj, &m->min, &m->ino, m->path) < 8 ||
	    m->path[0] != '/' || !m->ino)
		return false;
	m->exec = perms[2] == 'x';
	n = strlen(m->path);
	m->deleted = n > 10 && !strcmp(m->path + n - 10, " (deleted)");
	if (m->deleted)
		m->path[n - 10] = '\0';
	return true;
}

static bool same_file(const char *path, const struct mapping *m)
{
	struct stat st;

	return stat(path, &st) == 0 && st.st_ino == m->ino &&
	       major(st.st_dev) == m->maj && minor(st.st_dev) == m->min;
}

/*
 * A path of ours to the file of mapping m of pid: the path maps shows
 * when it names that very file for us too (maps names files from the
 * reader's root: a chroot's files by their full path); else through the
 * process's root; else its executable; else the mapping itself.
 */
static int mapped_path(pid_t pid, const struct mapping *m, struct ukt_buf *out)
{
	struct ukt_buf p = UKT_BUF_INIT;
	int rc = 0;

	ukt_buf_reset(out);
	if (!m->deleted && same_file(m->path, m)) {
		ukt_buf_adds(out, m->path);
		goto out;
	}
	ukt_buf_addf(&p, "/proc/%d/root%s", (int)pid, m->path);
	if (!m->deleted && same_file(p.data, m)) {
		ukt_buf_adds(out, p.data);
		goto out;
	}
	ukt_buf_reset(&p);
	ukt_buf_addf(&p, "/proc/%d/exe", (int)pid);
	if (same_file(p.data, m)) {
		ukt_buf_adds(out, p.data);
		goto out;
	}
	ukt_buf_reset(&p);
	ukt_buf_addf(&p, "/proc/%d/map_files/%llx-%llx", (int)pid, m->start, m->end);
	if (access(p.data, R_OK) == 0)
		ukt_buf_adds(out, p.data);
	else
		rc = -errno;
out:
	ukt_buf_release(&p);
	return rc;
}

/* The first mapping of pid for which match() holds, into *m. */
static bool find_mapping(pid_t pid, bool (*match)(const struct mapping *, const void *),
			 const void *arg, struct mapping *m)
{
	struct ukt_buf maps = UKT_BUF_INIT;
	char path[64];
	bool found = false;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	if (ukt_buf_read_file(&maps, path) == 0) {
		for (char *line = maps.data; line && *line && !found;) {
			char *nl = strchr(line, '\n');

			if (nl)
				*nl = '\0';
			found = parse_mapping(line, m) && match(m, arg);
			line = nl ? nl + 1 : NULL;
		}
	}
	ukt_buf_release(&maps);
	return found;
}

static bool match_short(const struct mapping *m, const void *name)
{
	return short_name_matches(name, base_of(m->path));
}

/* The mapping of the program pid runs (its /proc/PID/exe). */
static bool match_program(const struct mapping *m, const void *arg)
{
	char exe[64];
	struct stat st;

	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)*(const pid_t *)arg);
	return m->exec && stat(exe, &st) == 0 && st.st_ino == m->ino &&
	       major(st.st_dev) == m->maj && minor(st.st_dev) == m->min;
}

/* Whether a program file is the one a short name means: "python3" for
 * python3, python3.11 (its versioned name) */
static bool program_named(const char *name, const struct mapping *m)
{
	const char *b = base_of(m->path);
	size_t n = strlen(name);

	return !strncmp(b, name, n) && (!b[n] || b[n] == '.' || (b[n] >= '0' && b[n] <= '9'));
}

/* The directories of a ':'-separated list, $ORIGIN as origin. */
static void add_path_list(struct ukt_buf *dirs, const char *list, const char *origin)
{
	while (list && *list) {
		size_t n = strcspn(list, ":;");
		struct ukt_buf d = UKT_BUF_INIT;

		ukt_buf_add(&d, list, n);
		for (const char *o; (o = strstr(d.data, "$ORIGIN")) || (o = strstr(d.data, "${ORIGIN}"));) {
			struct ukt_buf e = UKT_BUF_INIT;
			size_t k = (size_t)(o - d.data), len = o[1] == '{' ? 9 : 7;

			ukt_buf_add(&e, d.data, k);
			ukt_buf_adds(&e, origin);
			ukt_buf_adds(&e, d.data + k + len);
			ukt_buf_release(&d);
			d = e;
		}
		add_dir(dirs, d.data, d.len);
		ukt_buf_release(&d);
		list += n + (list[n] != '\0');
	}
}

/*
 * The library the program's loader would load for short name: a breadth-
 * first walk of DT_NEEDED from the program, each name searched as ld.so
 * does (the object's DT_RPATH when it has no DT_RUNPATH, the program's
 * DT_RPATH, LD_LIBRARY_PATH, the object's DT_RUNPATH, the system's).
 */
static int program_lib(const char *program, const char *name, struct ukt_buf *out)
{
	struct ukt_buf queue = UKT_BUF_INIT, seen = UKT_BUF_INIT, sys = UKT_BUF_INIT;
	struct ukt_buf prog_rpath = UKT_BUF_INIT;
	int rc = -ENOENT, walked = 0;
	size_t pos = 0;

	ukt_buf_addf(&queue, "%s\n", program);
	ukt_buf_adds(&seen, "\n");
	read_conf(&sys, "/etc/ld.so.conf", 0);
	for (size_t i = 0; i < sizeof(default_dirs) / sizeof(default_dirs[0]); i++)
		add_dir(&sys, default_dirs[i], strlen(default_dirs[i]));
	while (pos < queue.len && rc && walked++ < 300) {
		struct ukt_buf needed = UKT_BUF_INIT, rpath = UKT_BUF_INIT, runpath = UKT_BUF_INIT;
		struct ukt_buf dirs = UKT_BUF_INIT;
		size_t n = strcspn(queue.data + pos, "\n");
		char obj[PATH_MAX], origin[PATH_MAX], *slash;

		snprintf(obj, sizeof(obj), "%.*s", (int)n, queue.data + pos);
		pos += n + 1;
		if (elfsym_dynamic(obj, &needed, &rpath, &runpath))
			goto next;
		if (!realpath(obj, origin))
			snprintf(origin, sizeof(origin), "%s", obj);
		slash = strrchr(origin, '/');
		if (slash)
			*slash = '\0';
		if (walked == 1)
			ukt_buf_add(&prog_rpath, rpath.data, rpath.len);
		if (!runpath.len) {
			add_path_list(&dirs, rpath.data, origin);
			if (walked > 1)
				add_path_list(&dirs, prog_rpath.data, origin);
		}
		add_path_list(&dirs, getenv("LD_LIBRARY_PATH"), origin);
		add_path_list(&dirs, runpath.data, origin);
		ukt_buf_add(&dirs, sys.data, sys.len);
		for (char *nd = needed.data; *nd && rc;) {
			size_t k = strcspn(nd, "\n");
			char lib[512], cand[2 * PATH_MAX];

			snprintf(lib, sizeof(lib), "%.*s", (int)k, nd);
			nd += k + (nd[k] != '\0');
			for (char *d = dirs.data; *d;) {
				size_t dl = strcspn(d, "\n");

				snprintf(cand, sizeof(cand), "%.*s/%s", (int)dl, d, lib);
				d += dl + (d[dl] != '\0');
				if (!elf_is_elf(cand))
					continue;
				if (short_name_matches(name, lib)) {
					rc = absolute(cand, out);
				} else {
					char key[520];

					snprintf(key, sizeof(key), "\n%s\n", lib);
					if (!strstr(seen.data, key)) {
						ukt_buf_addf(&seen, "%s\n", lib);
						ukt_buf_addf(&queue, "%s\n", cand);
					}
				}
				break;
			}
		}
next:
		ukt_buf_release(&needed);
		ukt_buf_release(&rpath);
		ukt_buf_release(&runpath);
		ukt_buf_release(&dirs);
	}
	ukt_buf_release(&queue);
	ukt_buf_release(&seen);
	ukt_buf_release(&sys);
	ukt_buf_release(&prog_rpath);
	return rc;
}

static bool is_short_name(const char *name)
{
	struct stat st;

	return !strchr(name, '/') && !(stat(name, &st) == 0 && S_ISREG(st.st_mode));
}

struct file_id {
	const char *path;	/* as resolved */
	struct stat st;
};

static bool match_file(const struct mapping *m, const void *arg)
{
	const struct file_id *f = arg;

	return m->ino == f->st.st_ino && m->maj == major(f->st.st_dev) &&
	       m->min == minor(f->st.st_dev);
}

static bool match_exact_path(const struct mapping *m, const void *arg)
{
	const struct file_id *f = arg;

	return m->exec && !strcmp(m->path, f->path);
}

static bool match_path(const struct mapping *m, const void *arg)
{
	const struct file_id *f = arg;

	return !strcmp(m->path, f->path) || !strcmp(base_of(m->path), base_of(f->path));
}

/*
 * path against what each -P process maps: the same file, good; a file of
 * that name that is another one (replaced, deleted, another namespace's),
 * probe that one instead; none at all, say so.
 */
static int check_targets(const struct libfind_ctx *ctx, struct ukt_buf *out)
{
	struct file_id f = { .path = out->data };
	struct ukt_buf orig = UKT_BUF_INIT;
	int rc = 0;

	if (!ctx->npids || stat(out->data, &f.st) < 0)
		return 0;
	ukt_buf_adds(&orig, out->data);
	f.path = orig.data;
	for (size_t i = 0; i < ctx->npids && !rc; i++) {
		struct mapping m;

		if (find_mapping(ctx->pids[i], match_file, &f, &m))
			continue;
		if (find_mapping(ctx->pids[i], match_path, &f, &m) && i == 0) {
			struct ukt_buf mine = UKT_BUF_INIT;

			rc = mapped_path(ctx->pids[i], &m, &mine);
			if (!rc) {
				if (ctx->warnings && m.deleted)
					ukt_buf_addf(ctx->warnings, "pid %d runs a %s that is no longer on disk (replaced or deleted since it started), not %s: probing the one it runs, through %s\n",
						     (int)ctx->pids[i], m.path, orig.data, mine.data);
				else if (ctx->warnings)
					ukt_buf_addf(ctx->warnings, "pid %d maps its own %s (of another mount namespace, or replaced), not %s: probing the one it maps, through %s\n",
						     (int)ctx->pids[i], m.path, orig.data, mine.data);
				ukt_buf_reset(out);
				ukt_buf_add(out, mine.data, mine.len);
				stat(out->data, &f.st);
			}
			ukt_buf_release(&mine);
			rc = 0;
		} else if (ctx->warnings) {
			ukt_buf_addf(ctx->warnings, "pid %d does not map %s: the probe fires in it only if it loads that file later\n",
				     (int)ctx->pids[i], orig.data);
		}
	}
	ukt_buf_release(&orig);
	return rc;
}

/*
 * A path that is no longer on disk (deleted since the process started, or
 * replaced by a file of another name): the copy a -P process runs, through
 * /proc/PID/exe or map_files.
 */
static int deleted_in_targets(const struct libfind_ctx *ctx, const char *name,
			      struct ukt_buf *out)
{
	struct ukt_buf abs = UKT_BUF_INIT;
	char cwd[PATH_MAX];
	int rc = -ENOENT;

	if (name[0] != '/' && getcwd(cwd, sizeof(cwd)))
		ukt_buf_addf(&abs, "%s/", cwd);
	ukt_buf_adds(&abs, name);
	for (size_t i = 0; i < ctx->npids && rc; i++) {
		struct file_id f = { .path = abs.data };
		struct mapping m;

		if (!find_mapping(ctx->pids[i], match_exact_path, &f, &m))
			continue;
		rc = mapped_path(ctx->pids[i], &m, out);
		if (!rc && ctx->warnings)
			ukt_buf_addf(ctx->warnings, "%s is no longer on disk, but pid %d runs it (deleted since it started): probing the copy it runs, through %s\n",
				     abs.data, (int)ctx->pids[i], out->data);
	}
	ukt_buf_release(&abs);
	return rc;
}

int libfind_resolve_in(const char *name, const struct libfind_ctx *ctx,
		       struct ukt_buf *out)
{
	int rc = -ENOENT;

	/* the command's own name is the program its exec runs */
	if (ctx && ctx->command && ctx->program && !strchr(name, '/') &&
	    !strcmp(name, base_of(ctx->command))) {
		rc = absolute(ctx->program, out);
		if (rc == -REC_E_NOT_ELF) {
			ukt_buf_reset(out);
			ukt_buf_adds(out, ctx->program);
		}
		return rc;
	}
	if (!ctx || !is_short_name(name))
		goto plain;
	for (size_t i = 0; i < ctx->npids && rc; i++) {
		struct mapping m;

		if (find_mapping(ctx->pids[i], match_short, name, &m) ||
		    find_mapping(ctx->pids[i], match_program, &ctx->pids[i], &m))
			rc = program_named(name, &m) || match_short(&m, name) ?
			     mapped_path(ctx->pids[i], &m, out) : -ENOENT;
	}
	if (rc && ctx->program)
		rc = program_lib(ctx->program, name, out);
	if (!rc)
		return check_targets(ctx, out);
	rc = libfind_resolve(name, out);
	if (!rc && ctx->program && ctx->warnings && strstr(base_of(out->data), ".so"))
		ukt_buf_addf(ctx->warnings, "'%s' is not among the libraries %s loads: probing %s, which fires only if it loads that file later (dlopen)\n",
			     name, ctx->program, out->data);
	return rc ? rc : check_targets(ctx, out);
plain:
	rc = libfind_resolve(name, out);
	if (rc == -ENOENT && ctx && strchr(name, '/'))
		rc = deleted_in_targets(ctx, name, out);
	return !rc && ctx ? check_targets(ctx, out) : rc;
}

/* The short name of a library path: "/usr/lib/libsqlite3.so.0.8.6" ->
 * "libsqlite3". */
static void short_name_of(const char *path, struct ukt_buf *out)
{
	const char *b = base_of(path);
	const char *so = strstr(b, ".so");

	ukt_buf_reset(out);
	ukt_buf_add(out, b, so ? (size_t)(so - b) : strlen(b));
}

static bool exports(const char *path, const char *sym)
{
	struct elfsym *e = elfsym_load(path);
	const struct elf_sym *s;
	bool yes = e && elfsym_find(e, sym, &s) > 0;

	elfsym_free(e);
	return yes;
}

/* Every library file (newline-separated) the targets load. */
static void target_libs(const struct libfind_ctx *ctx, struct ukt_buf *libs)
{
	for (size_t i = 0; ctx && i < ctx->npids; i++) {
		struct ukt_buf maps = UKT_BUF_INIT;
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/maps", (int)ctx->pids[i]);
		if (ukt_buf_read_file(&maps, path) == 0) {
			for (char *line = maps.data; line && *line;) {
				char *nl = strchr(line, '\n');
				struct mapping m;
				struct ukt_buf mine = UKT_BUF_INIT;

				if (nl)
					*nl = '\0';
				if (parse_mapping(line, &m) && m.exec && strstr(base_of(m.path), ".so") &&
				    mapped_path(ctx->pids[i], &m, &mine) == 0)
					ukt_buf_addf(libs, "%s\n", mine.data);
				ukt_buf_release(&mine);
				line = nl ? nl + 1 : NULL;
			}
		}
		ukt_buf_release(&maps);
	}
	if (ctx && ctx->program) {
		struct ukt_buf needed = UKT_BUF_INIT, rpath = UKT_BUF_INIT, runpath = UKT_BUF_INIT;

		/* the direct dependencies, as the loader finds them */
		if (elfsym_dynamic(ctx->program, &needed, &rpath, &runpath) == 0) {
			for (char *nd = needed.data; *nd;) {
				size_t k = strcspn(nd, "\n");
				struct ukt_buf lib = UKT_BUF_INIT, found = UKT_BUF_INIT;

				ukt_buf_add(&lib, nd, k);
				nd += k + (nd[k] != '\0');
				if (program_lib(ctx->program, lib.data, &found) == 0)
					ukt_buf_addf(libs, "%s\n", found.data);
				ukt_buf_release(&lib);
				ukt_buf_release(&found);
			}
		}
		ukt_buf_release(&needed);
		ukt_buf_release(&rpath);
		ukt_buf_release(&runpath);
	}
}

int libfind_exporting(const char *sym, const struct libfind_ctx *ctx,
		      struct ukt_buf *out)
{
	struct ukt_buf libs = UKT_BUF_INIT, dirs = UKT_BUF_INIT;
	double deadline = ukt_now_s() + 1.5;
	int rc = -ENOENT;

	target_libs(ctx, &libs);
	for (char *l = libs.data; *l && rc;) {
		size_t k = strcspn(l, "\n");
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%.*s", (int)k, l);
		l += k + (l[k] != '\0');
		if (exports(path, sym)) {
			short_name_of(path, out);
			rc = 0;
		}
	}
	libfind_search_dirs(&dirs);
	for (char *d = dirs.data; *d && rc && ukt_now_s() < deadline;) {
		size_t k = strcspn(d, "\n");
		char pat[PATH_MAX];
		glob_t g;

		snprintf(pat, sizeof(pat), "%.*s/lib*.so.*", (int)k, d);
		d += k + (d[k] != '\0');
		if (glob(pat, 0, NULL, &g) != 0)
			continue;
		for (size_t i = 0; i < g.gl_pathc && rc && ukt_now_s() < deadline; i++) {
			if (elf_is_elf(g.gl_pathv[i]) && exports(g.gl_pathv[i], sym)) {
				short_name_of(g.gl_pathv[i], out);
				rc = 0;
			}
		}
		globfree(&g);
	}
	ukt_buf_release(&libs);
	ukt_buf_release(&dirs);
	return rc;
}
