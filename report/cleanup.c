// SPDX-License-Identifier: MIT
/* Files to remove on a signal (cleanup.h). */
#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

#define SLOTS 8
#define PATHLEN 4096

/* A slot is in use when its first byte is not 0; written before it is
 * marked used, so a handler never sees half a path. */
static char paths[SLOTS][PATHLEN];
static volatile sig_atomic_t used[SLOTS];

int cleanup_register(const char *path)
{
	size_t n = strlen(path);

	if (n >= PATHLEN)
		return -ENAMETOOLONG;
	for (int i = 0; i < SLOTS; i++) {
		if (used[i])
			continue;
		memcpy(paths[i], path, n + 1);
		used[i] = 1;
		return 0;
	}
	return -ENOSPC;
}

void cleanup_unregister(const char *path)
{
	for (int i = 0; i < SLOTS; i++)
		if (used[i] && !strcmp(paths[i], path))
			used[i] = 0;
}

void cleanup_now(void)
{
	for (int i = 0; i < SLOTS; i++)
		if (used[i])
			unlink(paths[i]);
}

int cleanup_stale(const char *path)
{
	size_t n = strlen(path);
	char *pat = malloc(n + 16);
	glob_t g;
	int removed = 0;

	if (!pat)
		return 0;
	memcpy(pat, path, n);
	memcpy(pat + n, ".tmp-*", 7);
	if (glob(pat, GLOB_NOSORT, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			char *end;
			long pid = strtol(g.gl_pathv[i] + n + 5, &end, 10);

			if (*end || pid <= 0 || pid == getpid())
				continue;
			if (kill((pid_t)pid, 0) < 0 && errno == ESRCH &&
			    unlink(g.gl_pathv[i]) == 0)
				removed++;
		}
		globfree(&g);
	}
	free(pat);
	return removed;
}

pid_t cleanup_live_import(const char *path)
{
	size_t n = strlen(path);
	char *pat = malloc(n + 16);
	pid_t live = 0;
	glob_t g;

	if (!pat)
		return 0;
	memcpy(pat, path, n);
	memcpy(pat + n, ".tmp-*", 7);
	if (glob(pat, GLOB_NOSORT, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc && !live; i++) {
			char *end;
			long pid = strtol(g.gl_pathv[i] + n + 5, &end, 10);

			if (!*end && pid > 0 && pid != getpid() &&
			    (kill((pid_t)pid, 0) == 0 || errno == EPERM))
				live = (pid_t)pid;
		}
		globfree(&g);
	}
	free(pat);
	return live;
}
