// SPDX-License-Identifier: MIT
/* Output files made new and renamed into place (outfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "uktrace/outfile.h"

int ukt_outfile_create(struct ukt_outfile *f, const char *path, mode_t mode)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0;
	int rc;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->path = strdup(path);
	if (!f->path || asprintf(&f->tmp, "%.*s.%s.XXXXXX", dirlen, path,
				 slash ? slash + 1 : path) < 0) {
		f->tmp = NULL;
		rc = -ENOMEM;
		goto fail;
	}
	/* mkostemp: O_CREAT | O_EXCL, mode 0600 */
	f->fd = mkostemp(f->tmp, O_CLOEXEC);
	if (f->fd < 0) {
		rc = -errno;
		goto fail;
	}
	if (fchmod(f->fd, mode) < 0) {
		rc = -errno;
		goto fail;
	}
	return 0;
fail:
	ukt_outfile_release(f);
	return rc;
}

int ukt_outfile_commit(struct ukt_outfile *f)
{
	int rc = 0;

	if (!f->tmp)
		return 0;
	if (rename(f->tmp, f->path) < 0) {
		rc = -errno;
		unlink(f->tmp);
	}
	free(f->tmp);
	f->tmp = NULL;
	return rc;
}

void ukt_outfile_release(struct ukt_outfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	if (f->tmp)
		unlink(f->tmp);
	free(f->tmp);
	free(f->path);
	memset(f, 0, sizeof(*f));
	f->fd = -1;
}

int ukt_create_new(const char *path, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);

	if (fd < 0)
		return -errno;
	/* exactly mode, whatever the umask */
	if (fchmod(fd, mode) < 0) {
		int rc = -errno;

		close(fd);
		unlink(path);
		return rc;
	}
	return fd;
}
