// SPDX-License-Identifier: MIT
/*
 * Library lookup by short name. The loader's order is LD_LIBRARY_PATH, the
 * ld.so.cache (built from /etc/ld.so.conf), then the default directories;
 * we read /etc/ld.so.conf and its includes instead of parsing the binary
 * cache, which gives the same directories in the same order.
 */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int libfind_search_dirs(struct ukt_buf *out)
{
	const char *llp = getenv("LD_LIBRARY_PATH");
	static const char *const defaults[] = {
		"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
		"/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
		"/lib64", "/usr/lib64", "/lib", "/usr/lib",
	};

	if (llp) {
		const char *p = llp;

		while (*p) {
			size_t n = strcspn(p, ":;");

			add_dir(out, p, n);
			p += n + (p[n] != '\0');
		}
	}
	read_conf(out, "/etc/ld.so.conf", 0);
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		add_dir(out, defaults[i], strlen(defaults[i]));
	return 0;
}

static int absolute(const char *path, struct ukt_buf *out)
{
	char real[PATH_MAX];

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
	/* An executable on PATH, as a shell would find it. */
	{
		const char *path = getenv("PATH");
		char cand[PATH_MAX];

		while (path && *path) {
			size_t n = strcspn(path, ":");

			snprintf(cand, sizeof(cand), "%.*s/%s", (int)n, path, name);
			if (n && access(cand, X_OK) == 0 && absolute(cand, out) == 0)
				return 0;
			path += n + (path[n] == ':');
		}
	}
	return -ENOENT;
}
