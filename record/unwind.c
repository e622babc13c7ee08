// SPDX-License-Identifier: MIT
/* Functions exceptions unwind through (unwind.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ehframe.h"
#include "elfsym.h"
#include "unwind.h"

struct unwind_file {
	char *path;
	bool cxx;
	struct ehf_ranges lsda;
};

static struct unwind_file *files;
static size_t nfiles;

static struct unwind_file *file_get(const char *path)
{
	struct elf_unwind u = { .eh_frame = UKT_BUF_INIT };
	struct unwind_file *f;
	void *p;

	for (size_t i = 0; i < nfiles; i++)
		if (!strcmp(files[i].path, path))
			return &files[i];
	p = reallocarray(files, nfiles + 1, sizeof(*files));
	if (!p)
		return NULL;
	files = p;
	f = &files[nfiles];
	*f = (struct unwind_file){ .path = strdup(path) };
	if (!f->path)
		return NULL;
	/* a file that cannot be read has no risk we can see */
	if (elfsym_unwind_info(path, &u) == 0) {
		f->cxx = u.cxx;
		if (u.cxx && u.eh_frame.len &&
		    ehframe_lsda_ranges(u.eh_frame.data, u.eh_frame.len, u.eh_addr, u.ptr_size,
					&f->lsda)) {
			ukt_buf_release(&u.eh_frame);
			free(f->path);
			return NULL;
		}
	}
	ukt_buf_release(&u.eh_frame);
	nfiles++;
	return f;
}

__attribute__((destructor)) static void files_release(void)
{
	for (size_t i = 0; i < nfiles; i++) {
		free(files[i].path);
		ehframe_release(&files[i].lsda);
	}
	free(files);
	files = NULL;
	nfiles = 0;
}

int unwind_risky(const char *path, uint64_t vaddr)
{
	const struct unwind_file *f = file_get(path);

	if (!f)
		return -ENOMEM;
	return f->cxx && ehframe_in(&f->lsda, vaddr);
}
