// SPDX-License-Identifier: MIT
/*
 * USDT notes with libelf (usdt.h). The note layout is systemtap's
 * (sys/sdt.h, _SDT_NOTE_TYPE 3): three addresses (site, .stapsdt.base as
 * linked, semaphore), then provider, name and arguments, NUL-terminated.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "uktrace/vec.h"
#include "errors.h"
#include "usdt.h"

#define NT_STAPSDT 3

void usdt_note_release(struct usdt_note *n)
{
	free(n->provider);
	free(n->name);
	free(n->args);
	free(n->argv);
	memset(n, 0, sizeof(*n));
}

void usdt_file_release(struct usdt_file *f)
{
	for (size_t i = 0; i < f->n; i++)
		usdt_note_release(&f->v[i]);
	free(f->v);
	free(f->path);
	memset(f, 0, sizeof(*f));
}

static uint64_t load_addr(const unsigned char *p, int size, bool big)
{
	uint64_t v = 0;

	for (int i = 0; i < size; i++)
		v |= (uint64_t)p[big ? i : size - 1 - i] << (8 * (size - 1 - i));
	return v;
}

int usdt_parse_desc(const void *desc, size_t len, int addr_size, bool big_endian,
		    uint64_t base_now, struct usdt_note *n)
{
	const unsigned char *d = desc;
	const char *s, *z, *end = (const char *)d + len;
	const char *prov, *name, *args = "";
	uint64_t base;

	memset(n, 0, sizeof(*n));
	if ((addr_size != 4 && addr_size != 8) || len < (size_t)addr_size * 3 + 2)
		return -EBADMSG;
	n->pc = load_addr(d, addr_size, big_endian);
	base = load_addr(d + addr_size, addr_size, big_endian);
	n->sem = load_addr(d + 2 * addr_size, addr_size, big_endian);
	prov = s = (const char *)d + 3 * addr_size;
	z = memchr(s, '\0', (size_t)(end - s));
	if (!z || z + 1 >= end)
		return -EBADMSG;
	name = s = z + 1;
	z = memchr(s, '\0', (size_t)(end - s));
	if (!z)
		return -EBADMSG;
	s = z + 1;
	/* old notes may end after the name: no arguments */
	if (s < end && memchr(s, '\0', (size_t)(end - s)))
		args = s;
	/*
	 * prelink moves a library without rewriting its notes: the note
	 * says where .stapsdt.base was when linked, the section header
	 * where it is now, and the site and semaphore moved with it.
	 */
	if (base && base_now) {
		n->pc += base_now - base;
		if (n->sem)
			n->sem += base_now - base;
	}
	n->provider = strdup(prov);
	n->name = strdup(name);
	n->args = strdup(args);
	if (!n->provider || !n->name || !n->args) {
		usdt_note_release(n);
		return -ENOMEM;
	}
	return 0;
}

bool usdt_pair_name(const char *name, size_t *base_len, bool *entry,
		    struct ukt_buf *partner)
{
	static const char *const pairs[][2] = {
		{ "__entry", "__return" }, { "__start", "__done" },
		{ "__begin", "__end" }, { "__enter", "__exit" },
	};
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		for (int half = 0; half < 2; half++) {
			size_t sl = strlen(pairs[i][half]);

			if (n <= sl || strcmp(name + n - sl, pairs[i][half]))
				continue;
			*base_len = n - sl;
			*entry = half == 0;
			if (partner) {
				ukt_buf_reset(partner);
				ukt_buf_addf(partner, "%.*s%s", (int)(n - sl), name,
					     pairs[i][!half]);
			}
			return true;
		}
	}
	return false;
}

/* ---- argument specs (x86-64) ---- */

static const struct {
	const char *gas;
	const char *k;
	int shift;
} x86_regs[] = {
	{ "rax", "ax", 0 }, { "eax", "ax", 0 }, { "ax", "ax", 0 }, { "al", "ax", 0 }, { "ah", "ax", 8 },
	{ "rbx", "bx", 0 }, { "ebx", "bx", 0 }, { "bx", "bx", 0 }, { "bl", "bx", 0 }, { "bh", "bx", 8 },
	{ "rcx", "cx", 0 }, { "ecx", "cx", 0 }, { "cx", "cx", 0 }, { "cl", "cx", 0 }, { "ch", "cx", 8 },
	{ "rdx", "dx", 0 }, { "edx", "dx", 0 }, { "dx", "dx", 0 }, { "dl", "dx", 0 }, { "dh", "dx", 8 },
	{ "rsi", "si", 0 }, { "esi", "si", 0 }, { "si", "si", 0 }, { "sil", "si", 0 },
	{ "rdi", "di", 0 }, { "edi", "di", 0 }, { "di", "di", 0 }, { "dil", "di", 0 },
	{ "rbp", "bp", 0 }, { "ebp", "bp", 0 }, { "bp", "bp", 0 }, { "bpl", "bp", 0 },
	{ "rsp", "sp", 0 }, { "esp", "sp", 0 }, { "sp", "sp", 0 }, { "spl", "sp", 0 },
	{ "rip", "ip", 0 }, { "eip", "ip", 0 },
};

/* "%r12d" -> "r12"; "%edi" -> "di". false for anything else. */
static bool x86_reg(const char *s, size_t n, char k[8], int *shift)
{
	char name[8];

	if (n < 2 || n > 6 || s[0] != '%')
		return false;
	memcpy(name, s + 1, n - 1);
	name[n - 1] = '\0';
	*shift = 0;
	for (size_t i = 0; i < sizeof(x86_regs) / sizeof(x86_regs[0]); i++) {
		if (!strcmp(name, x86_regs[i].gas)) {
			snprintf(k, 8, "%s", x86_regs[i].k);
			*shift = x86_regs[i].shift;
			return true;
		}
	}
	/* r8..r15 with their d/w/b (or l) parts */
	if (name[0] == 'r' && isdigit((unsigned char)name[1])) {
		char *end;
		long r = strtol(name + 1, &end, 10);

		if (r < 8 || r > 15 || (*end && (strchr("dwbl", *end) == NULL || end[1])))
			return false;
		snprintf(k, 8, "r%ld", r);
		return true;
	}
	return false;
}

static void bad(struct usdt_arg *a, const char *why)
{
	a->kind = UA_BAD;
	snprintf(a->why, sizeof(a->why), "%s", why);
}

/* A number as gas writes one: decimal or 0x hex, with a sign. */
static bool parse_num(const char *s, size_t n, int64_t *v)
{
	char buf[32], *end;

	if (!n || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	*v = strtoll(buf, &end, 0);
	if (errno == ERANGE && buf[0] != '-') {
		errno = 0;
		*v = (int64_t)strtoull(buf, &end, 0);
	}
	return !errno && !*end && end != buf;
}

void usdt_arg_parse(const char *spec, uint64_t pc, uint64_t pc_offset,
		    usdt_sym_fn sym, void *ctx, struct usdt_arg *a)
{
	const char *at = strchr(spec, '@'), *op;
	const char *lp, *rp;
	int64_t size = 8;

	memset(a, 0, sizeof(*a));
	snprintf(a->spec, sizeof(a->spec), "%s", spec);
	a->size = 8;
	op = spec;
	if (at) {
		if (!parse_num(spec, (size_t)(at - spec), &size)) {
			bad(a, "the operand's size is not a number");
			return;
		}
		op = at + 1;
	}
	a->is_signed = size < 0;
	a->size = (int)(size < 0 ? -size : size);
	if (a->size != 1 && a->size != 2 && a->size != 4 && a->size != 8) {
		bad(a, "an operand of this size (a vector or float register?)");
		return;
	}
	if (op[0] == '$') {
		if (!parse_num(op + 1, strlen(op + 1), &a->value)) {
			bad(a, "a constant that is not a number (a symbol's address?)");
			return;
		}
		a->kind = UA_CONST;
		return;
	}
	if (op[0] == '%') {
		if (!x86_reg(op, strlen(op), a->reg, &a->shift)) {
			bad(a, strchr(op, ':') ? "a segment-relative operand" :
			       "a register uprobes cannot fetch (a vector register?)");
			return;
		}
		a->kind = UA_REG;
		return;
	}
	lp = strchr(op, '(');
	rp = lp ? strchr(lp, ')') : NULL;
	if (!lp || !rp || rp[1]) {
		bad(a, "an absolute address");
		return;
	}
	if (strchr(lp, ',')) {
		bad(a, "an operand with an index register");
		return;
	}
	if (strchr(op, ':')) {
		bad(a, "a segment-relative operand");
		return;
	}
	if (!x86_reg(lp + 1, (size_t)(rp - lp - 1), a->reg, &a->shift)) {
		bad(a, "a base register uprobes cannot fetch");
		return;
	}
	if (!strcmp(a->reg, "ip")) {
		/*
		 * sym+N(%rip): the kernel's @+OFFSET fetches at an offset of
		 * the probed file, as far from the site's file offset as the
		 * symbol is from the site in the address space.
		 */
		char name[256];
		const char *p = op, *pm;
		int64_t add = 0;
		uint64_t v;

		if (lp == op || isdigit((unsigned char)*p) || *p == '-') {
			bad(a, "a %rip-relative operand without a symbol");
			return;
		}
		for (pm = p; pm < lp && *pm != '+' && *pm != '-'; pm++)
			;
		if ((size_t)(pm - p) >= sizeof(name)) {
			bad(a, "a symbol name too long");
			return;
		}
		memcpy(name, p, (size_t)(pm - p));
		name[pm - p] = '\0';
		if (pm < lp && !parse_num(pm, (size_t)(lp - pm), &add)) {
			bad(a, "a %rip-relative operand uktrace cannot read");
			return;
		}
		if (!sym || sym(ctx, name, &v)) {
			bad(a, "a %rip-relative operand whose symbol is not in the file");
			return;
		}
		v += (uint64_t)add;
		if (v + pc_offset < pc) {
			bad(a, "a %rip-relative operand before the file's start");
			return;
		}
		a->kind = UA_FILE;
		a->value = (int64_t)(v - pc + pc_offset);
		return;
	}
	if (lp == op) {
		a->value = 0;
	} else if (!parse_num(op, (size_t)(lp - op), &a->value)) {
		bad(a, "a displacement that is a symbol");
		return;
	}
	if (a->shift) {
		bad(a, "a memory operand based on a high-byte register");
		return;
	}
	a->kind = UA_MEM;
}

int usdt_arg_fetch(const struct usdt_arg *a, const char *type,
		   struct ukt_buf *out, struct ukt_buf *why)
{
	struct ukt_buf loc = UKT_BUF_INIT;
	char t[16];
	bool str = type && !strcmp(type, "string");
	int rc = 0;

	snprintf(t, sizeof(t), "%c%d", a->is_signed ? 's' : 'u', a->size * 8);
	switch (a->kind) {
	case UA_REG:
		ukt_buf_addf(&loc, "%%%s", a->reg);
		break;
	case UA_MEM:
		ukt_buf_addf(&loc, "%+" PRId64 "(%%%s)", a->value, a->reg);
		break;
	case UA_CONST:
		if (str) {
			ukt_buf_addf(why, "'%s' is a constant, not a string", a->spec);
			rc = -EINVAL;
			goto out;
		}
		ukt_buf_addf(&loc, "\\%" PRId64, a->value);
		break;
	case UA_FILE:
		ukt_buf_addf(&loc, "@+0x%" PRIx64, (uint64_t)a->value);
		break;
	case UA_BAD:
		ukt_buf_addf(why, "'%s' is %s", a->spec, a->why);
		rc = -EINVAL;
		goto out;
	}
	if (str)
		ukt_buf_addf(out, "+0(%s):string", loc.data);
	else if (type)
		ukt_buf_addf(out, "%s:%s", loc.data, type);
	else if (a->shift)
		/* %ah and its kind: a bitfield of the register, unsigned */
		ukt_buf_addf(out, "%s:b%d@%d/64", loc.data, a->size * 8, a->shift);
	else
		ukt_buf_addf(out, "%s:%s", loc.data, t);
out:
	ukt_buf_release(&loc);
	return rc;
}

/* ---- the ELF file ---- */

struct elf_ctx {
	Elf *elf;
};

/* A symbol's value, from .symtab, else .dynsym. */
static int elf_sym(void *ctx, const char *name, uint64_t *vaddr)
{
	Elf *elf = ((struct elf_ctx *)ctx)->elf;

	for (int pass = 0; pass < 2; pass++) {
		Elf_Scn *scn = NULL;

		while ((scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;
			Elf_Data *d;
			GElf_Sym s;

			if (!gelf_getshdr(scn, &sh) || !sh.sh_entsize ||
			    sh.sh_type != (pass ? SHT_DYNSYM : SHT_SYMTAB))
				continue;
			d = elf_getdata(scn, NULL);
			for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
				const char *nm;

				if (!gelf_getsym(d, (int)i, &s) || s.st_shndx == SHN_UNDEF)
					continue;
				nm = elf_strptr(elf, sh.sh_link, s.st_name);
				if (nm && !strcmp(nm, name)) {
					*vaddr = s.st_value;
					return 0;
				}
			}
		}
	}
	return -ENOENT;
}

/* The file offset of vaddr through the PT_LOAD segment that holds it. */
static int vaddr_offset(Elf *elf, uint64_t vaddr, uint64_t *off)
{
	size_t n;

	if (elf_getphdrnum(elf, &n))
		return -ENOENT;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz) {
			*off = vaddr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

static int add_note(struct usdt_file *f, size_t *cap, struct usdt_note *n)
{
	if (UKT_GROW(f->v, *cap, f->n))
		return -ENOMEM;
	f->v[f->n++] = *n;
	return 0;
}

/* Split n->args at blanks and parse each. */
static int parse_args(struct usdt_note *n, bool x86, struct elf_ctx *ec)
{
	const char *p = n->args;
	int cap = 0;

	for (;;) {
		size_t len;
		char spec[64];

		p += strspn(p, " \t");
		if (!*p)
			break;
		len = strcspn(p, " \t");
		if (n->nargs == cap) {
			int c = cap ? cap * 2 : 4;
			void *v = reallocarray(n->argv, (size_t)c, sizeof(*n->argv));

			if (!v)
				return -ENOMEM;
			n->argv = v;
			cap = c;
		}
		snprintf(spec, sizeof(spec), "%.*s", (int)len, p);
		if (x86) {
			usdt_arg_parse(spec, n->pc, n->offset, elf_sym, ec, &n->argv[n->nargs]);
		} else {
			memset(&n->argv[n->nargs], 0, sizeof(*n->argv));
			snprintf(n->argv[n->nargs].spec, sizeof(n->argv[0].spec), "%s", spec);
			bad(&n->argv[n->nargs], "an operand of another architecture than x86-64");
		}
		n->nargs++;
		p += len;
	}
	return 0;
}

int usdt_load(const char *path, struct usdt_file *f)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
	struct elf_ctx ec = { 0 };
	uint64_t base_now = 0;
	Elf_Scn *scn = NULL, *notes = NULL;
	size_t shstrndx, cap = 0;
	GElf_Ehdr eh;

	memset(f, 0, sizeof(*f));
	if (fd < 0)
		return -errno;
	f->path = strdup(path);
	if (!f->path) {
		rc = -ENOMEM;
		goto out;
	}
	elf_version(EV_CURRENT);
	ec.elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!ec.elf || elf_kind(ec.elf) != ELF_K_ELF || !gelf_getehdr(ec.elf, &eh) ||
	    elf_getshdrstrndx(ec.elf, &shstrndx)) {
		rc = -REC_E_NOT_ELF;
		goto out;
	}
	/* the specs are assembler operands of the file's machine */
#if defined(__x86_64__)
	f->translated = eh.e_machine == EM_X86_64;
#endif
	while ((scn = elf_nextscn(ec.elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(ec.elf, shstrndx, sh.sh_name);
		if (!name)
			continue;
		if (!strcmp(name, ".stapsdt.base"))
			base_now = sh.sh_addr;
		else if (!strcmp(name, ".note.stapsdt") && sh.sh_type == SHT_NOTE)
			notes = scn;
	}
	if (notes) {
		Elf_Data *d = elf_getdata(notes, NULL);
		size_t off = 0, name_off, desc_off;
		GElf_Nhdr nh;
		bool big = eh.e_ident[EI_DATA] == ELFDATA2MSB;
		int asz = eh.e_ident[EI_CLASS] == ELFCLASS32 ? 4 : 8;

		while (d && (off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
			struct usdt_note n;

			if (nh.n_type != NT_STAPSDT || nh.n_namesz != sizeof("stapsdt") ||
			    memcmp((char *)d->d_buf + name_off, "stapsdt", sizeof("stapsdt")))
				continue;
			rc = usdt_parse_desc((char *)d->d_buf + desc_off, nh.n_descsz, asz, big,
					     base_now, &n);
			if (rc == -EBADMSG) {
				rc = 0;		/* a malformed note is no probe */
				continue;
			}
			if (rc)
				goto out;
			if (vaddr_offset(ec.elf, n.pc, &n.offset) ||
			    (n.sem && vaddr_offset(ec.elf, n.sem, &n.sem_offset))) {
				usdt_note_release(&n);
				continue;	/* not in the file's image: no probe */
			}
			rc = parse_args(&n, f->translated, &ec);
			if (!rc)
				rc = add_note(f, &cap, &n);
			if (rc) {
				usdt_note_release(&n);
				goto out;
			}
		}
	}
out:
	if (ec.elf)
		elf_end(ec.elf);
	close(fd);
	if (rc)
		usdt_file_release(f);
	return rc;
}
