// SPDX-License-Identifier: MIT
/* Functions' return types from DWARF (dwret.h), through libdw. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dwret.h"

/* Open files: a glob may name hundreds of functions of one library. */
struct dw_file {
	char *path;
	int fd;
	Dwarf *dw;		/* NULL: the file has no DWARF */
};

static struct dw_file *files;
static size_t nfiles;

static Dwarf *dw_get(const char *path)
{
	struct dw_file *f;
	void *p;

	for (size_t i = 0; i < nfiles; i++)
		if (!strcmp(files[i].path, path))
			return files[i].dw;
	p = reallocarray(files, nfiles + 1, sizeof(*files));
	if (!p)
		return NULL;
	files = p;
	f = &files[nfiles];
	f->path = strdup(path);
	if (!f->path)
		return NULL;
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	f->dw = f->fd >= 0 ? dwarf_begin(f->fd, DWARF_C_READ) : NULL;
	nfiles++;
	return f->dw;
}

__attribute__((destructor)) static void dw_release(void)
{
	for (size_t i = 0; i < nfiles; i++) {
		if (files[i].dw)
			dwarf_end(files[i].dw);
		if (files[i].fd >= 0)
			close(files[i].fd);
		free(files[i].path);
	}
	free(files);
	files = NULL;
	nfiles = 0;
}

struct want {
	uint64_t vaddr;
	enum dwret r;
};

static int on_func(Dwarf_Die *die, void *arg)
{
	struct want *w = arg;
	Dwarf_Attribute a;
	Dwarf_Addr lo;

	if (dwarf_lowpc(die, &lo) != 0 || lo != w->vaddr)
		return DWARF_CB_OK;
	/* a definition's type may be on its declaration (C++ members:
	 * DW_AT_specification) or its abstract instance */
	w->r = dwarf_attr_integrate(die, DW_AT_type, &a) ? DWRET_VALUE : DWRET_VOID;
	return DWARF_CB_ABORT;
}

static enum dwret lookup_in(Dwarf *dw, uint64_t vaddr)
{
	struct want w = { vaddr, DWRET_UNKNOWN };
	Dwarf_Die cu;
	Dwarf_Off off = 0, next;
	size_t hsize;

	if (dwarf_addrdie(dw, vaddr, &cu)) {
		dwarf_getfuncs(&cu, on_func, &w, 0);
		if (w.r != DWRET_UNKNOWN)
			return w.r;
	}
	/* no (or an incomplete) address table: every unit */
	while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		if (dwarf_offdie(dw, off + hsize, &cu) && dwarf_haspc(&cu, vaddr) > 0) {
			dwarf_getfuncs(&cu, on_func, &w, 0);
			if (w.r != DWRET_UNKNOWN)
				break;
		}
		off = next;
	}
	return w.r;
}

enum dwret dwret_lookup(const char *path, const char *debug_path, uint64_t vaddr)
{
	Dwarf *dw = dw_get(path);
	enum dwret r = dw ? lookup_in(dw, vaddr) : DWRET_UNKNOWN;

	if (r == DWRET_UNKNOWN && debug_path && strcmp(debug_path, path) &&
	    (dw = dw_get(debug_path)))
		r = lookup_in(dw, vaddr);
	return r;
}

const char *dwret_name(enum dwret r)
{
	return r == DWRET_VOID ? "void" : r == DWRET_VALUE ? "value" : NULL;
}
