// SPDX-License-Identifier: MIT
/*
 * ELF symbol loading with libelf. Offsets are computed the way the kernel's
 * uprobe_events wants them (and perf probe writes them): the file offset of
 * the symbol's address inside its PT_LOAD segment, for PIE and non-PIE
 * executables and shared libraries alike.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <lzma.h>
#include <limits.h>
#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfsym.h"
#include "suggest.h"
#include "uktrace/demangle.h"
#include "uktrace/payload.h"
#include "errors.h"

int elfsym_dynamic(const char *path, struct ukt_buf *needed,
		   struct ukt_buf *rpath, struct ukt_buf *runpath)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;
	Elf_Scn *scn = NULL;
	Elf *elf;

	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		err = -REC_E_NOT_ELF;
		goto out;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC || !sh.sh_entsize)
			continue;
		d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Dyn dyn;
			const char *s;

			if (!gelf_getdyn(d, (int)i, &dyn))
				break;
			if (dyn.d_tag != DT_NEEDED && dyn.d_tag != DT_RPATH && dyn.d_tag != DT_RUNPATH)
				continue;
			s = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
			if (!s)
				continue;
			if (dyn.d_tag == DT_NEEDED)
				ukt_buf_addf(needed, "%s\n", s);
			else
				ukt_buf_adds(dyn.d_tag == DT_RPATH ? rpath : runpath, s);
		}
		break;
	}
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
}

static Elf_Scn *find_section(Elf *elf, const char *want, GElf_Shdr *sh);

/* Whether a symbol table section (defined symbols or not) names name. */
static bool names_symbol(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, const char *name)
{
	Elf_Data *d = elf_getdata(scn, NULL);

	for (size_t i = 0; d && sh->sh_entsize && i < sh->sh_size / sh->sh_entsize; i++) {
		GElf_Sym sym;
		const char *s;

		if (!gelf_getsym(d, (int)i, &sym))
			break;
		s = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (s && !strncmp(s, name, strlen(name)) && (!s[strlen(name)] || s[strlen(name)] == '@'))
			return true;
	}
	return false;
}

int elfsym_unwind_info(const char *path, struct elf_unwind *u)
{
	struct ukt_buf needed = UKT_BUF_INIT, rp = UKT_BUF_INIT, rup = UKT_BUF_INIT;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	Elf *elf;

	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		err = -REC_E_NOT_ELF;
		goto out;
	}
	u->ptr_size = gelf_getclass(elf) == ELFCLASS32 ? 4 : 8;
	u->cxx = false;
	scn = find_section(elf, ".eh_frame", &sh);
	if (scn && sh.sh_type == SHT_PROGBITS) {
		Elf_Data *d = elf_getdata(scn, NULL);

		u->eh_addr = sh.sh_addr;
		if (d && d->d_buf && d->d_size)
			err = ukt_buf_add(&u->eh_frame, d->d_buf, d->d_size);
	}
	for (scn = NULL; !err && !u->cxx && (scn = elf_nextscn(elf, scn));)
		if (gelf_getshdr(scn, &sh) && (sh.sh_type == SHT_DYNSYM || sh.sh_type == SHT_SYMTAB))
			u->cxx = names_symbol(elf, scn, &sh, "__gxx_personality_v0");
	if (!err && !u->cxx && elfsym_dynamic(path, &needed, &rp, &rup) == 0 && needed.len)
		u->cxx = strstr(needed.data, "libstdc++") || strstr(needed.data, "libc++");
out:
	if (elf)
		elf_end(elf);
	close(fd);
	ukt_buf_release(&needed);
	ukt_buf_release(&rp);
	ukt_buf_release(&rup);
	return err;
}

bool elf_is_elf(const char *path)
{
	char m[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = read(fd, m, 4) == 4 && memcmp(m, ELFMAG, 4) == 0;
	close(fd);
	return ok;
}

static int sym_cmp(const void *a, const void *b)
{
	const struct elf_sym *x = a, *y = b;

	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Read the functions of one symbol table section. */
static int read_symtab(Elf *elf, Elf_Scn *scn, GElf_Shdr *sh, struct elfsym *e)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t n, cap = e->nsyms;
	GElf_Sym sym;

	if (!data || !sh->sh_entsize)
		return 0;
	n = sh->sh_size / sh->sh_entsize;
	for (size_t i = 0; i < n; i++) {
		const char *name;
		int type;
		char *at;

		if (!gelf_getsym(data, (int)i, &sym))
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		if (type != STT_FUNC && type != STT_GNU_IFUNC)
			continue;
		if (sym.st_shndx == SHN_UNDEF || sym.st_value == 0)
			continue;
		name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		if (e->nsyms == cap) {
			void *p;

			cap = cap ? cap * 2 : 256;
			p = reallocarray(e->syms, cap, sizeof(*e->syms));
			if (!p)
				return -ENOMEM;
			e->syms = p;
		}
		e->syms[e->nsyms].name = strdup(name);
		if (!e->syms[e->nsyms].name)
			return -ENOMEM;
		at = strchr(e->syms[e->nsyms].name, '@');
		if (at && at != e->syms[e->nsyms].name)
			*at = '\0';
		e->syms[e->nsyms].value = sym.st_value;
		e->syms[e->nsyms].size = sym.st_size;
		e->syms[e->nsyms].ifunc = type == STT_GNU_IFUNC;
		e->nsyms++;
	}
	return 0;
}

/* Find a section by name; fills *sh. */
static Elf_Scn *find_section(Elf *elf, const char *want, GElf_Shdr *sh)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, sh))
			continue;
		name = elf_strptr(elf, shstrndx, sh->sh_name);
		if (name && strcmp(name, want) == 0)
			return scn;
	}
	return NULL;
}

static int load_table(Elf *elf, const char *section, Elf64_Word type,
		      struct elfsym *e)
{
	GElf_Shdr sh;
	Elf_Scn *scn = find_section(elf, section, &sh);

	if (!scn || sh.sh_type != type)
		return 0;
	return read_symtab(elf, scn, &sh, e);
}

static void read_build_id(Elf *elf, struct elfsym *e)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *data;
		GElf_Nhdr nh;
		size_t off = 0, noff, doff;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		while ((off = gelf_getnote(data, off, &nh, &noff, &doff)) > 0) {
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    memcmp((char *)data->d_buf + noff, "GNU", 4) == 0 &&
			    nh.n_descsz <= sizeof(e->build_id)) {
				memcpy(e->build_id, (char *)data->d_buf + doff,
				       nh.n_descsz);
				e->build_id_len = nh.n_descsz;
				return;
			}
		}
	}
}

static int read_segments(Elf *elf, struct elfsym *e)
{
	size_t n;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &n) != 0)
		return -REC_E_NOT_ELF;
	e->segs = calloc(n ? n : 1, sizeof(*e->segs));
	if (!e->segs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		e->segs[e->nsegs++] = (struct elf_seg){
			.vaddr = ph.p_vaddr, .offset = ph.p_offset,
			.filesz = ph.p_filesz, .memsz = ph.p_memsz,
			.flags = ph.p_flags,
		};
	}
	return 0;
}

/* The debuglink name of elf, or NULL. */
static const char *debuglink(Elf *elf)
{
	GElf_Shdr sh;
	Elf_Scn *scn = find_section(elf, ".gnu_debuglink", &sh);
	Elf_Data *d;

	if (!scn)
		return NULL;
	d = elf_getdata(scn, NULL);
	if (!d || !d->d_size || !memchr(d->d_buf, '\0', d->d_size))
		return NULL;
	return d->d_buf;
}

/* The .symtab of the ELF file at path, when its build-id is e's (a
 * debug file for another build would name the wrong functions). 1 when
 * it had symbols, 0 when not, negative on ENOMEM. */
static int load_debug_symtab(struct elfsym *e, const char *path, int fd_in)
{
	int fd = fd_in >= 0 ? fd_in : open(path, O_RDONLY | O_CLOEXEC);
	struct elfsym other = { 0 };
	Elf *dbg;
	int err = 0;

	if (fd < 0)
		return 0;
	dbg = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (dbg) {
		read_build_id(dbg, &other);
		if (!e->build_id_len || (other.build_id_len == e->build_id_len &&
					 !memcmp(other.build_id, e->build_id, e->build_id_len)))
			err = load_table(dbg, ".symtab", SHT_SYMTAB, e);
		elf_end(dbg);
	}
	if (fd_in < 0)
		close(fd);
	if (err)
		return err;
	if (!e->nsyms)
		return 0;
	e->symsrc = strdup(path);
	return e->symsrc ? 1 : -ENOMEM;
}

#define DEBUG_CANDIDATES 4
typedef char debug_path_t[2 * PATH_MAX + 64];

/*
 * Where gdb and perf look for a separate debug file:
 * /usr/lib/debug/.build-id/xx/yyyy.debug by build-id (libc6-dbg, every
 * -dbgsym package), then by .gnu_debuglink name beside the file, in its
 * .debug directory and under /usr/lib/debug. How many, in cand.
 */
static int debug_candidates(Elf *elf, const struct elfsym *e,
			    debug_path_t cand[DEBUG_CANDIDATES])
{
	int ncand = 0;
	const char *link = debuglink(elf);

	if (e->build_id_len >= 2) {
		char hex[130];

		for (size_t i = 0; i < e->build_id_len; i++)
			sprintf(hex + 2 * i, "%02x", e->build_id[i]);
		snprintf(cand[ncand++], sizeof(cand[0]), "/usr/lib/debug/.build-id/%.2s/%s.debug",
			 hex, hex + 2);
	}
	if (link) {
		char dir[PATH_MAX];
		char *slash;

		snprintf(dir, sizeof(dir), "%s", e->path);
		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		snprintf(cand[ncand++], sizeof(cand[0]), "%s/%s", dir, link);
		snprintf(cand[ncand++], sizeof(cand[0]), "%s/.debug/%s", dir, link);
		snprintf(cand[ncand++], sizeof(cand[0]), "/usr/lib/debug%s/%s", dir, link);
	}
	return ncand;
}

/* Symbols from a separate debug file (debug_candidates). 0 also when
 * there is none. */
static int load_debug_file(Elf *elf, struct elfsym *e)
{
	debug_path_t cand[DEBUG_CANDIDATES];
	int ncand = debug_candidates(elf, e, cand), err = 0;

	for (int i = 0; i < ncand; i++) {
		if (!strcmp(cand[i], e->path))
			continue;	/* the debuglink names the file itself */
		err = load_debug_symtab(e, cand[i], -1);
		if (err < 0)
			return err;
		if (err) {
			e->table = "debug .symtab";
			return 0;
		}
	}
	return 0;
}

/* Whether the ELF file at path is of e's build (or e has no build-id). */
static bool same_build(const struct elfsym *e, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct elfsym other = { 0 };
	Elf *elf;

	if (fd < 0)
		return false;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf) {
		read_build_id(elf, &other);
		elf_end(elf);
	}
	close(fd);
	return elf && (!e->build_id_len || (other.build_id_len == e->build_id_len &&
					     !memcmp(other.build_id, e->build_id, e->build_id_len)));
}

int elfsym_debug_file(const struct elfsym *e, struct ukt_buf *out)
{
	debug_path_t cand[DEBUG_CANDIDATES];
	int fd = open(e->path, O_RDONLY | O_CLOEXEC), ncand, rc = -ENOENT;
	Elf *elf;

	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf) {
		ncand = debug_candidates(elf, e, cand);
		for (int i = 0; i < ncand && rc; i++)
			if (strcmp(cand[i], e->path) && same_build(e, cand[i]))
				rc = ukt_buf_adds(out, cand[i]) ? -ENOMEM : 0;
		elf_end(elf);
	}
	close(fd);
	return rc;
}

/*
 * MiniDebugInfo: a .gnu_debugdata section holding an xz-compressed ELF
 * file whose .symtab has the functions .dynsym lacks (Fedora and others
 * ship binaries so). Its symbols are added to the .dynsym ones.
 */
static int load_minidebuginfo(Elf *elf, struct elfsym *e)
{
	GElf_Shdr sh;
	Elf_Scn *scn = find_section(elf, ".gnu_debugdata", &sh);
	Elf_Data *d;
	uint64_t memlimit = 1ull << 30;
	size_t in_pos = 0, out_pos = 0, cap;
	uint8_t *out;
	Elf *mini;
	int err = 0;

	if (!scn || !(d = elf_getdata(scn, NULL)) || !d->d_size)
		return 0;
	cap = d->d_size * 8 + 65536;
	for (;;) {
		lzma_ret r;

		out = malloc(cap);
		if (!out)
			return -ENOMEM;
		in_pos = out_pos = 0;
		r = lzma_stream_buffer_decode(&memlimit, 0, NULL, d->d_buf, &in_pos,
					      d->d_size, out, &out_pos, cap);
		if (r == LZMA_OK || r == LZMA_STREAM_END)
			break;
		free(out);
		if (r != LZMA_BUF_ERROR || cap > (256u << 20))
			return 0;	/* not xz, or absurd: no symbols from it */
		cap *= 4;
	}
	mini = elf_memory((char *)out, out_pos);
	if (mini) {
		size_t before = e->nsyms;

		err = load_table(mini, ".symtab", SHT_SYMTAB, e);
		if (!err && e->nsyms > before)
			e->table = ".dynsym + .gnu_debugdata";
		elf_end(mini);
	}
	free(out);
	return err;
}

/* libdebuginfod, loaded when DEBUGINFOD_URLS asks for it (optional). */
typedef struct debuginfod_client debuginfod_client;

static struct {
	debuginfod_client *(*begin)(void);
	int (*find)(debuginfod_client *, const unsigned char *, int, char **);
	void (*end)(debuginfod_client *);
} dfd;
static pthread_once_t dfd_once = PTHREAD_ONCE_INIT;

/*
 * Loaded once and kept for the life of the process: it brings libcurl and
 * OpenSSL, whose global state is set up by their constructors and is not
 * meant to be torn down and set up again for every binary (unloading it
 * strands that state, which LeakSanitizer reports as leaks).
 */
static void dfd_load(void)
{
	void *lib = dlopen("libdebuginfod.so.1", RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);

	if (!lib)
		return;
	dfd.begin = (debuginfod_client *(*)(void))dlsym(lib, "debuginfod_begin");
	dfd.find = (int (*)(debuginfod_client *, const unsigned char *, int, char **))
		dlsym(lib, "debuginfod_find_debuginfo");
	dfd.end = (void (*)(debuginfod_client *))dlsym(lib, "debuginfod_end");
	if (!dfd.begin || !dfd.find || !dfd.end)
		dfd.begin = NULL;
}

/*
 * The debug file of e's build-id from the debuginfod servers in
 * DEBUGINFOD_URLS, as perf and gdb fetch them (through libdebuginfod,
 * which caches them). 0 also when none is found or it is not installed.
 */
static int load_debuginfod(struct elfsym *e)
{
	debuginfod_client *c;
	char *path = NULL;
	int fd, err = 0;

	if (!getenv("DEBUGINFOD_URLS") || !*getenv("DEBUGINFOD_URLS") || !e->build_id_len)
		return 0;
	pthread_once(&dfd_once, dfd_load);
	if (!dfd.begin || !(c = dfd.begin()))
		return 0;
	fd = dfd.find(c, e->build_id, (int)e->build_id_len, &path);
	if (fd >= 0) {
		size_t before = e->nsyms;

		err = load_debug_symtab(e, path ? path : "debuginfod", fd);
		if (err > 0 && e->nsyms > before)
			e->table = "debuginfod .symtab";
		close(fd);
	}
	free(path);
	dfd.end(c);
	return err < 0 ? err : 0;
}

bool elfsym_is_cxx_name(const char *pattern)
{
	return strstr(pattern, "::") || strchr(pattern, '(');
}

bool elfsym_cxx_matches(const char *pattern, bool glob, const char *sym,
			struct ukt_buf *tmp)
{
	size_t base;
	char c;
	bool m;

	if (strncmp(sym, "_Z", 2))
		return false;
	ukt_buf_reset(tmp);
	if (!demangle_add(tmp, sym))
		return false;
	if (glob ? !fnmatch(pattern, tmp->data, 0) : !strcmp(pattern, tmp->data))
		return true;
	base = demangle_base_len(tmp->data);
	c = tmp->data[base];
	tmp->data[base] = '\0';
	m = glob ? !fnmatch(pattern, tmp->data, 0) : !strcmp(pattern, tmp->data);
	tmp->data[base] = c;
	return m;
}

struct elfsym *elfsym_load(const char *path)
{
	struct elfsym *e;
	Elf *elf = NULL;
	GElf_Ehdr eh;
	int fd = -1, err = 0;
	size_t out = 0;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		errno = REC_E_NOT_ELF;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->path = strdup(path);
	if (!e->path) {
		err = -ENOMEM;
		goto out;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		err = -REC_E_NOT_ELF;
		goto out;
	}
	e->is_pie_or_dso = eh.e_type == ET_DYN;
	err = read_segments(elf, e);
	if (err)
		goto out;
	read_build_id(elf, e);
	/* the fullest table first: the file's own .symtab, a debug file's,
	 * .dynsym with MiniDebugInfo, a debuginfod server's, .dynsym */
	e->table = ".symtab";
	err = load_table(elf, ".symtab", SHT_SYMTAB, e);
	if (!err && !e->nsyms)
		err = load_debug_file(elf, e);
	if (!err && !e->nsyms) {
		e->table = ".dynsym";
		err = load_table(elf, ".dynsym", SHT_DYNSYM, e);
		if (!err)
			err = load_minidebuginfo(elf, e);
		/* its symbols join .dynsym's; the duplicates go below */
		if (!err && !strcmp(e->table, ".dynsym"))
			err = load_debuginfod(e);
	}
	if (err)
		goto out;
	if (!e->symsrc)
		e->symsrc = strdup(path);
	if (e->nsyms > 1)
		qsort(e->syms, e->nsyms, sizeof(*e->syms), sym_cmp);
	/* drop exact duplicates (same name, same address: .symtab repeats) */
	for (size_t i = 0; i < e->nsyms; i++) {
		if (out && e->syms[out - 1].value == e->syms[i].value &&
		    strcmp(e->syms[out - 1].name, e->syms[i].name) == 0) {
			free(e->syms[i].name);
			continue;
		}
		e->syms[out++] = e->syms[i];
	}
	e->nsyms = out;
out:
	if (elf)
		elf_end(elf);
	if (fd >= 0)
		close(fd);
	if (err) {
		elfsym_free(e);
		errno = -err;
		return NULL;
	}
	return e;
}

void elfsym_free(struct elfsym *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nsyms; i++)
		free(e->syms[i].name);
	free(e->syms);
	free(e->segs);
	free(e->path);
	free(e->symsrc);
	free(e);
}

size_t elfsym_find(const struct elfsym *e, const char *name,
		   const struct elf_sym **out)
{
	size_t n = 0;
	uint64_t first = 0;

	for (size_t i = 0; i < e->nsyms; i++) {
		if (strcmp(e->syms[i].name, name) != 0)
			continue;
		if (n == 0) {
			*out = &e->syms[i];
			first = e->syms[i].value;
			n = 1;
		} else if (e->syms[i].value != first) {
			n++;
		}
	}
	return n;
}

int elfsym_vaddr_to_offset(const struct elfsym *e, uint64_t vaddr,
			   uint64_t *offset)
{
	for (size_t i = 0; i < e->nsegs; i++) {
		const struct elf_seg *s = &e->segs[i];

		if (vaddr >= s->vaddr && vaddr < s->vaddr + s->filesz) {
			*offset = vaddr - s->vaddr + s->offset;
			return 0;
		}
	}
	return -ENOENT;
}

static const char *sym_name(const void *ctx, size_t i)
{
	return ((const struct elfsym *)ctx)->syms[i].name;
}

void elfsym_suggest(const struct elfsym *e, const char *name,
		    struct ukt_buf *out, int max)
{
	suggest(name, e, e->nsyms, sym_name, out, max);
}

int elfsym_serialize(const struct elfsym *e, const struct elfsym_ident *id,
		     struct ukt_buf *out)
{
	const char *path = id && id->path ? id->path : e->path;
	struct ukt_symtab s = {
		.path = path, .plen = (uint32_t)strlen(path),
		.build_id = e->build_id, .build_id_len = (uint32_t)e->build_id_len,
		.nsegs = (uint32_t)e->nsegs, .nsyms = (uint32_t)e->nsyms,
		.has_id = id && id->has_id,
		.dev_major = id ? id->dev_major : 0, .dev_minor = id ? id->dev_minor : 0,
		.ino = id ? id->ino : 0,
		.mntns = id ? id->mntns : NULL,
		.mntns_len = id && id->mntns ? (uint32_t)strlen(id->mntns) : 0,
		/* symbols from elsewhere than the file (a debug file) say so */
		.source = e->symsrc && strcmp(e->symsrc, e->path) ? e->symsrc : NULL,
		.source_len = e->symsrc && strcmp(e->symsrc, e->path) ? (uint32_t)strlen(e->symsrc) : 0,
	};
	int err = -ENOMEM;

	if (e->nsegs > UINT32_MAX || e->nsyms > UINT32_MAX)
		return -EOVERFLOW;
	s.segs = calloc(e->nsegs + 1, sizeof(*s.segs));
	s.syms = calloc(e->nsyms + 1, sizeof(*s.syms));
	if (!s.segs || !s.syms)
		goto out;
	for (size_t i = 0; i < e->nsegs; i++)
		s.segs[i] = (struct ukt_symtab_seg){
			.vaddr = e->segs[i].vaddr, .offset = e->segs[i].offset,
			.filesz = e->segs[i].filesz, .flags = e->segs[i].flags,
		};
	for (size_t i = 0; i < e->nsyms; i++)
		s.syms[i] = (struct ukt_symtab_sym){
			.value = e->syms[i].value, .size = e->syms[i].size,
			.kind = e->syms[i].ifunc ? UKT_SYM_IFUNC : UKT_SYM_FUNC,
			.name = e->syms[i].name,
			.nlen = (uint32_t)strlen(e->syms[i].name),
		};
	err = ukt_symtab_encode(out, &s);
out:
	free(s.segs);
	free(s.syms);
	return err;
}
