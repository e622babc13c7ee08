// SPDX-License-Identifier: MIT
/* The files of a recording (outfiles.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "uktrace/vec.h"
#include "outfiles.h"

int outfiles_init(struct outfiles *f, const char *output, unsigned int keep)
{
	const char *slash = strrchr(output, '/'), *dot = strrchr(output, '.');

	memset(f, 0, sizeof(*f));
	f->keep = keep;
	if (!dot || (slash && dot < slash) || dot == (slash ? slash + 1 : output))
		dot = output + strlen(output);	/* no extension */
	f->stem = strndup(output, (size_t)(dot - output));
	f->ext = strdup(dot);
	return f->stem && f->ext ? 0 : -ENOMEM;
}

char *outfiles_next(struct outfiles *f)
{
	while (f->seq < 999999) {
		struct stat st;
		char *p = NULL;

		f->seq++;
		if (asprintf(&p, "%s-%04u%s", f->stem, f->seq, f->ext) < 0)
			return NULL;
		/* lstat: a dangling symlink takes its name too */
		if (lstat(p, &st) != 0 && errno == ENOENT)
			return p;
		free(p);
	}
	errno = EEXIST;
	return NULL;
}

int outfiles_done(struct outfiles *f, const char *path, struct ukt_buf *deleted)
{
	int rc = 0;

	if (ukt_grow_counted(&f->done, f->ndone, sizeof(*f->done)))
		return -ENOMEM;
	f->done[f->ndone] = strdup(path);
	if (!f->done[f->ndone])
		return -ENOMEM;
	f->ndone++;
	while (f->keep && f->ndone > f->keep) {
		if (unlink(f->done[0]) < 0 && errno != ENOENT)
			rc = -errno;
		else if (deleted)
			ukt_buf_addf(deleted, "%s\n", f->done[0]);
		free(f->done[0]);
		memmove(f->done, f->done + 1, (f->ndone - 1) * sizeof(*f->done));
		f->ndone--;
	}
	return rc;
}

void outfiles_release(struct outfiles *f)
{
	for (size_t i = 0; i < f->ndone; i++)
		free(f->done[i]);
	free(f->done);
	free(f->stem);
	free(f->ext);
	memset(f, 0, sizeof(*f));
}
