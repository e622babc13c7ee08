// SPDX-License-Identifier: MIT
/*
 * The database cache: trace.ukt.db next to trace.ukt, reused while the
 * trace's size and mtime and the schema version match what the database
 * recorded; rebuilt otherwise. Also the damage warning every command gives.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cache.h"
#include "cleanup.h"
#include "db.h"
#include "import.h"
#include "report.h"
#include "tables.h"
#include "trace.h"
#include "errors.h"

/* how long a command waits for another one's import of the same trace */
#define CACHE_WAIT_S 600

/*
 * What the cache is of: each file with its size, mtime and a hash of its
 * content, cheap to take: CRC32C of its first and of its last 64 KiB
 * (the header, the first META with the recording's random id, the
 * formats; the trailer, the last META and the index of every block). A
 * file replaced by another of the same size and mtime (touch -r, rsync
 * -t, a rotation file) is not taken for it.
 */
#define IDENTITY_SPAN (64 << 10)

static void file_hash(const char *path, const struct stat *st, struct ukt_buf *out)
{
	static char buf[IDENTITY_SPAN];
	uint32_t crc[2] = { 0, 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	for (int i = 0; i < 2 && fd >= 0; i++) {
		off_t at = i && st->st_size > IDENTITY_SPAN ? st->st_size - IDENTITY_SPAN : 0;
		ssize_t n = pread(fd, buf, sizeof(buf), at);

		if (n > 0)
			crc[i] = ukt_crc32c(0, buf, (size_t)n);
	}
	if (fd >= 0)
		close(fd);
	ukt_buf_addf(out, "%08" PRIx32 "%08" PRIx32, crc[0], crc[1]);
}

void report_files_identity(const char *const *paths, size_t n, struct ukt_buf *out)
{
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (stat(paths[i], &st) < 0)
			memset(&st, 0, sizeof(st));
		ukt_buf_addf(out, "%s\t%lld\t%lld.%09ld\t", paths[i], (long long)st.st_size,
			     (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		file_hash(paths[i], &st, out);
		ukt_buf_adds(out, "\n");
	}
}

/*
 * Whether no one else can put a file of their own at path: its directory
 * is ours or root's, and others can write it only with the sticky bit
 * (/tmp), which keeps them from renaming or removing our files. Else a
 * database checked there could be swapped before it is read.
 */
static bool dir_safe(const char *path, struct ukt_buf *why)
{
	const char *slash = strrchr(path, '/');
	struct ukt_buf dir = UKT_BUF_INIT;
	struct stat st;
	bool ok;

	if (slash)
		ukt_buf_add(&dir, path, slash == path ? 1 : (size_t)(slash - path));
	else
		ukt_buf_adds(&dir, ".");
	ok = stat(dir.data, &st) == 0 && (st.st_uid == geteuid() || st.st_uid == 0) &&
	     (!(st.st_mode & (S_IWGRP | S_IWOTH)) || (st.st_mode & S_ISVTX));
	if (!ok)
		ukt_buf_addf(why, "others can replace files in '%s'", out_term(dir.data));
	ukt_buf_release(&dir);
	return ok;
}

void report_file_id(const struct stat *st, char *buf, size_t n)
{
	snprintf(buf, n, "%llu:%llu", (unsigned long long)st->st_dev,
		 (unsigned long long)st->st_ino);
}

/*
 * The cached database at path, open, when it is ours and of these
 * trace files; else NULL, and it is to be built again. A cache is data
 * anyone could have put next to a trace (an archive holds both, or
 * another user wrote it), and a planted one would answer every query:
 * so it must be a regular file of ours that no one else can write,
 * recorded as made at this very device and inode (a copy, an unpacked
 * archive or someone else's file is another inode), of this schema and
 * report version, and of the files as they are (report_files_identity).
 * why says what was there and not trusted (not when merely stale).
 */
static struct db *cache_open(const char *db_path, const char *const *paths, size_t n,
			     struct ukt_buf *why)
{
	struct ukt_buf want = UKT_BUF_INIT;
	struct stat st;
	struct db *d;
	char *ver = NULL, *files = NULL, *rver = NULL, *made = NULL, id[64];
	bool current;

	if (lstat(db_path, &st) < 0)
		return NULL;
	if (!S_ISREG(st.st_mode))
		ukt_buf_adds(why, "it is not a regular file");
	else if (st.st_uid != geteuid())
		ukt_buf_addf(why, "it belongs to uid %u, not to you", (unsigned int)st.st_uid);
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		ukt_buf_addf(why, "others can write it (mode %03o)", (unsigned int)(st.st_mode & 0777));
	if (why->len)
		return NULL;
	d = db_open(db_path, DB_READONLY, NULL);
	if (!d)
		return NULL;
	ver = tables_meta(d, "schema_version");
	files = tables_meta(d, "trace_files");
	/* a newer uktrace may import differently: rebuild then too */
	rver = tables_meta(d, "report_version");
	made = tables_meta(d, "db_file");
	report_files_identity(paths, n, &want);
	current = ver && files && rver && atoi(ver) == UKT_SCHEMA_VERSION &&
		  !strcmp(rver, UKT_VERSION) && !strcmp(files, want.data);
	report_file_id(&st, id, sizeof(id));
	if (current && (!made || strcmp(made, id)))
		ukt_buf_adds(why, "it is not the database that was made there (a copy, or someone else's)");
	if (!current || why->len) {
		db_close(d);
		d = NULL;
	}
	free(ver);
	free(files);
	free(rver);
	free(made);
	ukt_buf_release(&want);
	return d;
}

static void warn_damage(struct db *d, bool quiet)
{
	struct db_stmt *s;

	if (quiet)
		return;
	s = db_prepare(d, "SELECT description FROM damage", NULL);
	while (s && db_step(s, NULL) == 1)
		fprintf(stderr, "warning: %s\n", out_term(db_column_text(s, 0)));
	db_finalize(s);
	s = db_prepare(d, "SELECT cpu, lost_events, missed_marks FROM cpus"
			  " WHERE lost_events > 0 OR missed_marks > 0", NULL);
	while (s && db_step(s, NULL) == 1)
		fprintf(stderr, "warning: cpu %" PRId64 " lost %" PRId64 " events (ring buffer overrun; %" PRId64 " missed-event marks in the data)\n",
			db_column_int(s, 0), db_column_int(s, 1), db_column_int(s, 2));
	db_finalize(s);
}

/*
 * The disk filled while importing: how much the database needs (about
 * the size of the ring-buffer pages, docs/SCHEMA.md), how much there is,
 * and where else it can go. Nothing was left behind.
 */
static void disk_full(const struct trace *t, const char *db_path)
{
	char dir[4096], need[32], have[32];
	const char *slash = strrchr(db_path, '/');
	struct statvfs vfs;
	uint64_t raw = 0;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - db_path) : 1,
		 slash ? (slash == db_path ? "/" : db_path) : ".");
	for (uint32_t c = 0; c < t->ncpus; c++)
		raw += t->cpus[c].raw_bytes;
	ukt_human_bytes(need, sizeof(need), (double)raw);
	if (statvfs(dir, &vfs) == 0)
		ukt_human_bytes(have, sizeof(have), (double)vfs.f_bavail * (double)vfs.f_frsize);
	else
		snprintf(have, sizeof(have), "less");
	fprintf(stderr, "uktrace-report: the disk is full: the database of '%s' needs about %s and %s has %s free. Free some space, write the database elsewhere with --db PATH, or import it into $TMPDIR for this command only with --no-cache\n",
		out_term(t->path), need, out_term(dir), have);
}

/*
 * The finished database gets the mode asked for (--mode). It was made
 * 0600; through a descriptor of the file itself (never a symlink, never
 * a file with other links), so a file put at its name meanwhile is not
 * the one changed.
 */
static int set_mode(const char *path, mode_t mode)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), rc = 0;
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		rc = -errno;
	else if (!S_ISREG(st.st_mode) || st.st_nlink != 1 || st.st_uid != geteuid())
		rc = -EPERM;
	else if ((st.st_mode & 07777) != mode && fchmod(fd, mode) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

int report_import(const char *const *paths, size_t n, const char *db_path, mode_t mode,
		  bool quiet)
{
	struct ukt_buf err = UKT_BUF_INIT, warn = UKT_BUF_INIT;
	struct import_result res;
	struct trace *t;
	int rc;

	t = trace_open_set(paths, n, &rc, &err);
	if (!t) {
		fprintf(stderr, "uktrace-report: %s\n", out_term(err.data));
		goto out;
	}
	if (!quiet && n > 1)
		fprintf(stderr, "importing %zu files of one recording, %s to %s ...\n", n,
			out_term(t->paths[0]), out_term(t->paths[n - 1]));
	else if (!quiet)
		fprintf(stderr, "importing %s ...\n", out_term(paths[0]));
	rc = import_trace(t, db_path, &res, &err, &warn);
	if (warn.len && !quiet) {
		fputs("warning: ", stderr);
		out_term_puts(stderr, warn.data);
	}
	if (!rc && (rc = set_mode(db_path, mode)))
		ukt_buf_addf(&err, "cannot set the mode of '%s' to %03o: %s", out_term(db_path),
			     (unsigned int)mode, strerror(-rc));
	if (rc == -ENOSPC)
		disk_full(t, db_path);
	else if (rc)
		fprintf(stderr, "uktrace-report: %s\n", err.len ? out_term(err.data) : rep_strerror(rc));
	else if (!quiet)
		fprintf(stderr, "imported %" PRIu64 " events, %" PRIu64 " calls in %.2f s (%.0f events/s) into %s\n",
			res.events, res.calls, res.seconds,
			res.seconds > 0 ? (double)res.events / res.seconds : 0.0, out_term(db_path));
out:
	trace_free(t);
	ukt_buf_release(&err);
	ukt_buf_release(&warn);
	return rc;
}

/* A database for this command only, in $TMPDIR, removed at its end. */
static void use_temporary(struct ukt_buf *path, char **tmp)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

	ukt_buf_reset(path);
	ukt_buf_addf(path, "%s/uktrace-%d.db", dir, (int)getpid());
	*tmp = strdup(path->data);
	cleanup_register(path->data);
}

/*
 * Where o's database is cached: --db, or beside the (first) trace. False
 * when it is not to be kept there (--no-cache, or a directory others can
 * write: why says so).
 */
static bool cache_path(const struct report_opts *o, struct ukt_buf *path, struct ukt_buf *why)
{
	if (o->no_cache)
		return false;
	if (o->db_path)
		ukt_buf_adds(path, o->db_path);
	else	/* the files of a recording: their own, beside the first's */
		ukt_buf_addf(path, "%s%s.db", o->trace, o->ntraces > 1 ? ".set" : "");
	return dir_safe(path->data, why);
}

/*
 * An import of path another uktrace-report is running (one in the
 * background, report_cache_in_background): wait for it, up to a limit,
 * rather than do its work again.
 */
static void wait_for_import(const char *path, bool quiet)
{
	bool said = false;
	pid_t pid;

	for (int i = 0; i < CACHE_WAIT_S * 10 && (pid = cleanup_live_import(path)); i++) {
		struct timespec ts = { 0, 100000000 };

		if (!said && !quiet)
			fprintf(stderr, "waiting for the import of '%s' that process %d is making ...\n",
				out_term(path), (int)pid);
		said = true;
		nanosleep(&ts, NULL);
	}
}

struct db *report_cached_db(const struct report_opts *o)
{
	struct ukt_buf path = UKT_BUF_INIT, why = UKT_BUF_INIT;
	struct db *d = NULL;

	for (size_t i = 0; i < o->ntraces; i++)
		if (access(o->traces[i], R_OK) < 0)
			goto out;
	if (!cache_path(o, &path, &why))
		goto out;
	d = cache_open(path.data, o->traces, o->ntraces, &why);
	if (d)
		warn_damage(d, o->quiet);
out:
	ukt_buf_release(&path);
	ukt_buf_release(&why);
	return d;
}

bool report_cache_in_background(const struct report_opts *o)
{
	struct ukt_buf path = UKT_BUF_INIT, why = UKT_BUF_INIT;
	bool child = false;
	sigset_t term, old;
	pid_t pid;
	int fd;

	/* an explicit --db was imported in the foreground, as asked; and a
	 * script (no terminal) is left no process running after it: its
	 * next command that needs the database imports it */
	if (o->db_path || (!isatty(STDOUT_FILENO) && !isatty(STDERR_FILENO)) ||
	    !cache_path(o, &path, &why) || cleanup_live_import(path.data))
		goto out;
	fflush(stdout);
	fflush(stderr);
	/*
	 * The terminal's signals held over the fork: when the command ends,
	 * its terminal may hang up (a closed window, script(1)) and SIGHUP
	 * its foreground group, which the child is in until setsid. It
	 * ignores a hang-up (dropping one that came early); an interrupt
	 * that came for the command still stops it.
	 */
	sigemptyset(&term);
	sigaddset(&term, SIGHUP);
	sigaddset(&term, SIGINT);
	sigaddset(&term, SIGQUIT);
	sigprocmask(SIG_BLOCK, &term, &old);
	pid = fork();
	if (pid != 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		goto out;
	}
	/* the child: no terminal, no output, the machine's spare time */
	child = true;
	setsid();
	signal(SIGHUP, SIG_IGN);
	sigprocmask(SIG_SETMASK, &old, NULL);
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	if (setpriority(PRIO_PROCESS, 0, 10) < 0) {
		/* still worth doing at the priority it has */
	}
	report_import(o->traces, o->ntraces, path.data, o->mode, true);
out:
	ukt_buf_release(&path);
	ukt_buf_release(&why);
	return child;
}

struct db *report_open_db(const struct report_opts *o, char **tmp, int *err)
{
	struct ukt_buf path = UKT_BUF_INIT, e = UKT_BUF_INIT, why = UKT_BUF_INIT;
	struct db *d = NULL;
	int rc = 0;

	*tmp = NULL;
	for (size_t i = 0; i < o->ntraces; i++) {
		if (access(o->traces[i], R_OK) < 0) {
			rc = -errno;
			fprintf(stderr, "uktrace-report: cannot read '%s': %s\n", out_term(o->traces[i]),
				strerror(errno));
			goto out;
		}
	}
	if (o->no_cache) {
		use_temporary(&path, tmp);
	} else if (!cache_path(o, &path, &why)) {
		if (!o->quiet)
			fprintf(stderr, "warning: not keeping the database at '%s': %s; using a temporary one\n",
				out_term(path.data), why.data);
		use_temporary(&path, tmp);
	}
	ukt_buf_reset(&why);
	if (!*tmp) {
		wait_for_import(path.data, o->quiet);
		d = cache_open(path.data, o->traces, o->ntraces, &why);
		if (!d && why.len && !o->quiet)
			fprintf(stderr, "warning: not using the database '%s': %s; importing the trace again\n",
				out_term(path.data), why.data);
	}
	if (!d) {
		rc = report_import(o->traces, o->ntraces, path.data, o->mode, o->quiet);
		if ((rc == -EACCES || rc == -EROFS || rc == -ENOENT || rc == -EPERM) && !o->db_path && !*tmp) {
			/* the trace's directory is not ours to write: use /tmp */
			use_temporary(&path, tmp);
			if (!o->quiet)
				fprintf(stderr, "cannot write next to the trace; using a temporary database\n");
			rc = report_import(o->traces, o->ntraces, path.data, o->mode, o->quiet);
		}
		if (rc)
			goto out;
		d = db_open(path.data, DB_READONLY, &e);
		if (!d) {
			rc = -errno;
			fprintf(stderr, "uktrace-report: %s\n", out_term(e.data));
			goto out;
		}
	}
	warn_damage(d, o->quiet);
out:
	if (!d && *tmp) {
		unlink(*tmp);
		cleanup_unregister(*tmp);
		free(*tmp);
		*tmp = NULL;
	}
	*err = rc;
	ukt_buf_release(&path);
	ukt_buf_release(&e);
	ukt_buf_release(&why);
	return d;
}

void report_close_db(struct db *d, char *tmp)
{
	db_close(d);
	if (tmp) {
		unlink(tmp);
		cleanup_unregister(tmp);
		free(tmp);
	}
}

int report_parse_time(const char *s, int64_t start, int64_t *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s + (*s == '+'), &end);
	if (errno || end == s || *end)
		return -EINVAL;
	*out = (int64_t)(v * 1e9) + (*s == '+' ? start : 0);
	return 0;
}

int report_resolve_times(struct report_opts *o, struct db *d)
{
	if (!o->since_arg && !o->until_arg)
		return 0;
	return report_resolve_times_at(o, tables_first_ts(d));
}

int report_resolve_times_at(struct report_opts *o, int64_t start)
{
	if (o->since_arg) {
		if (report_parse_time(o->since_arg, start, &o->since)) {
			fprintf(stderr, "uktrace-report: --since wants seconds ('+1.5' from the start, or an absolute time as dump shows), not '%s'\n", out_term(o->since_arg));
			return -EINVAL;
		}
		o->has_since = true;
	}
	if (o->until_arg) {
		if (report_parse_time(o->until_arg, start, &o->until)) {
			fprintf(stderr, "uktrace-report: --until wants seconds ('+1.5' from the start, or an absolute time as dump shows), not '%s'\n", out_term(o->until_arg));
			return -EINVAL;
		}
		o->has_until = true;
	}
	return 0;
}
