/* SPDX-License-Identifier: MIT */
/*
 * Making output files without trusting what is already at their names.
 *
 * A recorder run as root with --force -o /tmp/trace.ukt, or a report
 * writing report.html in a shared directory, must not write through a
 * symlink (or into a hard link) that someone else left at that name: it
 * would overwrite the file the link points to. So a file is never opened
 * by its name for writing. It is created new under a name of its own in
 * the same directory (O_EXCL: never an existing file or link), with the
 * mode asked for, and rename() gives it its name, replacing whatever was
 * there (a symlink itself, not what it points to). Both programs use it
 * for every file they write.
 */
#ifndef UKTRACE_OUTFILE_H
#define UKTRACE_OUTFILE_H

#include <sys/types.h>

struct ukt_outfile {
	int fd;			/* -1 when closed */
	char *path;		/* the name it gets */
	char *tmp;		/* its name until committed; NULL after */
};

/*
 * Create the file under a temporary name beside path (DIR/.BASE.XXXXXX),
 * open for writing, with exactly mode (umask does not apply: outputs of a
 * trace are private unless asked otherwise). 0 or -errno; on error
 * nothing is left behind and f needs no release.
 */
int ukt_outfile_create(struct ukt_outfile *f, const char *path, mode_t mode);
/* Give the file its name (rename over path). The fd stays open. 0 or
 * -errno, when the temporary file is removed. */
int ukt_outfile_commit(struct ukt_outfile *f);
/* Close the fd if open, remove the temporary file if not committed, and
 * free the names. */
void ukt_outfile_release(struct ukt_outfile *f);

/* Create path only when nothing is there, not even a dangling symlink
 * (O_CREAT | O_EXCL | O_NOFOLLOW), open for writing with exactly mode.
 * An fd, or -errno (-EEXIST when something is there). */
int ukt_create_new(const char *path, mode_t mode);

#endif
