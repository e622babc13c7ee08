// SPDX-License-Identifier: MIT
/* Functions' return types and parameters from DWARF (dwret.h), through libdw. */
#include <ctype.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dwret.h"
#include "errors.h"

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
	bool found;
	Dwarf_Die die;
};

static int on_func(Dwarf_Die *die, void *arg)
{
	struct want *w = arg;
	Dwarf_Addr lo;

	if (dwarf_lowpc(die, &lo) != 0 || lo != w->vaddr)
		return DWARF_CB_OK;
	w->die = *die;
	w->found = true;
	return DWARF_CB_ABORT;
}

/* The DW_TAG_subprogram of the function that starts at vaddr. */
static bool func_in(Dwarf *dw, uint64_t vaddr, Dwarf_Die *out)
{
	struct want w = { .vaddr = vaddr };
	Dwarf_Die cu;
	Dwarf_Off off = 0, next;
	size_t hsize;

	if (dwarf_addrdie(dw, vaddr, &cu)) {
		dwarf_getfuncs(&cu, on_func, &w, 0);
		if (w.found)
			goto out;
	}
	/* no (or an incomplete) address table: every unit */
	while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		if (dwarf_offdie(dw, off + hsize, &cu) && dwarf_haspc(&cu, vaddr) > 0) {
			dwarf_getfuncs(&cu, on_func, &w, 0);
			if (w.found)
				break;
		}
		off = next;
	}
out:
	if (w.found)
		*out = w.die;
	return w.found;
}

static bool func_find(const char *path, const char *debug_path, uint64_t vaddr,
		      Dwarf_Die *out)
{
	Dwarf *dw = dw_get(path);

	if (dw && func_in(dw, vaddr, out))
		return true;
	return debug_path && strcmp(debug_path, path) && (dw = dw_get(debug_path)) &&
	       func_in(dw, vaddr, out);
}

enum dwret dwret_lookup(const char *path, const char *debug_path, uint64_t vaddr)
{
	Dwarf_Die die;
	Dwarf_Attribute a;

	if (!func_find(path, debug_path, vaddr, &die))
		return DWRET_UNKNOWN;
	/* a definition's type may be on its declaration (C++ members:
	 * DW_AT_specification) or its abstract instance */
	return dwarf_attr_integrate(&die, DW_AT_type, &a) ? DWRET_VALUE : DWRET_VOID;
}

/* ---- parameters at a probe address ---- */

struct dwret_func {
	Dwarf_Die die;		/* the function's code (its concrete instance) */
	Dwarf_Die origin;	/* its parameters in order: the abstract
				 * instance an optimized build refers to, or
				 * the function itself */
	uint64_t vaddr;
};

struct dwret_func *dwret_func_find(const char *path, const char *debug_path,
				   uint64_t vaddr)
{
	struct dwret_func *f = calloc(1, sizeof(*f));
	Dwarf_Attribute a;

	if (!f)
		return NULL;
	if (!func_find(path, debug_path, vaddr, &f->die)) {
		free(f);
		errno = ENOENT;
		return NULL;
	}
	f->vaddr = vaddr;
	f->origin = f->die;
	if (dwarf_attr(&f->die, DW_AT_abstract_origin, &a))
		dwarf_formref_die(&a, &f->origin);
	return f;
}

void dwret_func_free(struct dwret_func *f)
{
	free(f);
}

/* The next formal parameter among parent's children: the first when
 * first, else the one after *it. */
static bool param_next(Dwarf_Die *parent, Dwarf_Die *it, bool first)
{
	int r = first ? dwarf_child(parent, it) : dwarf_siblingof(it, it);

	while (r == 0) {
		if (dwarf_tag(it) == DW_TAG_formal_parameter)
			return true;
		r = dwarf_siblingof(it, it);
	}
	return false;
}

static bool param_named(Dwarf_Die *parent, const char *name, Dwarf_Die *out)
{
	for (bool ok = param_next(parent, out, true); ok; ok = param_next(parent, out, false)) {
		const char *n = dwarf_diename(out);

		if (n && !strcmp(n, name))
			return true;
	}
	return false;
}

void dwret_params(const struct dwret_func *f, struct ukt_buf *out)
{
	Dwarf_Die origin = f->origin, p;
	size_t n = 0;

	for (bool ok = param_next(&origin, &p, true); ok; ok = param_next(&origin, &p, false)) {
		const char *name = dwarf_diename(&p);

		ukt_buf_addf(out, "%s%s", n++ ? ", " : "", name ? name : "(unnamed)");
	}
	if (!n)
		ukt_buf_adds(out, "none");
}

/* The type die refers to, without typedefs and qualifiers; false: none
 * (void). */
static bool type_of(Dwarf_Die *die, Dwarf_Die *type)
{
	Dwarf_Attribute a;
	Dwarf_Die t = *die;

	for (int depth = 0; depth < 32; depth++) {
		if (!dwarf_attr_integrate(&t, DW_AT_type, &a) || !dwarf_formref_die(&a, &t))
			return false;
		switch (dwarf_tag(&t)) {
		case DW_TAG_typedef:
		case DW_TAG_const_type:
		case DW_TAG_volatile_type:
		case DW_TAG_restrict_type:
		case DW_TAG_atomic_type:
			continue;
		default:
			*type = t;
			return true;
		}
	}
	return false;
}

enum tclass {
	T_INT,		/* integers, bool, enums: 'u' or 's' */
	T_PTR,		/* pointers and references */
	T_FLOAT,
	T_AGG,		/* struct, union, class, array */
	T_OTHER,
};

/* What kind of value a type is; its size in *size and, for integers,
 * its signedness in *sign ('s' or 'u'). */
static enum tclass classify(Dwarf_Die *type, int *size, char *sign)
{
	Dwarf_Attribute a;
	Dwarf_Word enc = 0;
	Dwarf_Die under;

	*size = dwarf_bytesize(type);
	*sign = 'u';
	switch (dwarf_tag(type)) {
	case DW_TAG_base_type:
		if (dwarf_attr(type, DW_AT_encoding, &a))
			dwarf_formudata(&a, &enc);
		if (enc == DW_ATE_float || enc == DW_ATE_complex_float)
			return T_FLOAT;
		if (enc == DW_ATE_signed || enc == DW_ATE_signed_char)
			*sign = 's';
		return enc == DW_ATE_signed || enc == DW_ATE_signed_char ||
		       enc == DW_ATE_unsigned || enc == DW_ATE_unsigned_char ||
		       enc == DW_ATE_boolean || enc == DW_ATE_UTF ? T_INT : T_OTHER;
	case DW_TAG_enumeration_type:
		if (type_of(type, &under)) {
			int us;

			if (classify(&under, &us, sign) != T_INT)
				*sign = 'u';
		}
		return T_INT;
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
		*size = 8;
		return T_PTR;
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
	case DW_TAG_class_type:
	case DW_TAG_array_type:
		return T_AGG;
	default:
		return T_OTHER;
	}
}

/* A type as C writes it, for messages. */
static void type_name(Dwarf_Die *type, struct ukt_buf *out)
{
	const char *n = dwarf_diename(type);
	const char *kw = "";

	switch (dwarf_tag(type)) {
	case DW_TAG_structure_type: kw = "struct "; break;
	case DW_TAG_union_type: kw = "union "; break;
	case DW_TAG_class_type: kw = "class "; break;
	case DW_TAG_enumeration_type: kw = "enum "; break;
	case DW_TAG_array_type: ukt_buf_adds(out, "an array"); return;
	default: break;
	}
	ukt_buf_addf(out, "%s%s", kw, n ? n : "(anonymous)");
}

#if defined(__x86_64__)
/* DWARF register numbers of x86-64 (SysV psABI, figure 3.36), as the
 * kernel's fetchargs name them. */
static const char *const regs[] = {
	"ax", "dx", "cx", "bx", "si", "di", "bp", "sp",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};
/* Integer parameters, in order; then the stack above the return address. */
static const int int_args[] = { 5, 4, 1, 2, 8, 9 };
#define SSE_ARGS 8
#define SP_AT_CFA 8		/* at entry the CFA is the stack pointer + 8 */
#endif

/* The DWARF register r as a fetcharg: "%di". */
static int reg_name(unsigned long r, struct ukt_buf *loc, struct ukt_buf *why)
{
#if defined(__x86_64__)
	if (r < sizeof(regs) / sizeof(regs[0])) {
		ukt_buf_addf(loc, "%%%s", regs[r]);
		return 1;
	}
	if (r >= 17 && r <= 32)
		ukt_buf_addf(why, "it is in %%xmm%lu, a floating-point register the kernel cannot fetch from", r - 17);
	else
		ukt_buf_addf(why, "it is in DWARF register %lu, which the kernel cannot fetch from", r);
#else
	(void)r;
	(void)loc;
	ukt_buf_adds(why, "argument names are supported on x86-64 only");
#endif
	return -REC_E_DWARF_ARG;
}

/*
 * Where param's value is at the probe address, from its DW_AT_location:
 * "%di" (a register) or "+8(%sp)" (memory). 1 found; 0 not there (no
 * location at that address, or a stack slot the prologue has not filled
 * yet), with a note in why; negative with the reason in why.
 */
static int dwarf_loc(const struct dwret_func *f, Dwarf_Die *param, uint64_t off,
		     struct ukt_buf *loc, struct ukt_buf *why)
{
	Dwarf_Die fn = f->die;
	Dwarf_Attribute a;
	Dwarf_Op *e, *fb;
	size_t n, nfb;
	uint64_t pc = f->vaddr + off;
	int64_t o;

	if (!dwarf_attr(param, DW_AT_location, &a) ||
	    dwarf_getlocation_addr(&a, pc, &e, &n, 1) <= 0 || !n) {
		ukt_buf_adds(why, "it is optimized out at that address");
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (e[i].atom == DW_OP_piece || e[i].atom == DW_OP_bit_piece) {
			ukt_buf_adds(why, "it is split across registers (DW_OP_piece)");
			return -REC_E_DWARF_ARG;
		}
	if (n == 1 && e[0].atom >= DW_OP_reg0 && e[0].atom <= DW_OP_reg31)
		return reg_name(e[0].atom - DW_OP_reg0, loc, why);
	if (n == 1 && e[0].atom == DW_OP_regx)
		return reg_name(e[0].number, loc, why);
	if (n == 1 && ((e[0].atom >= DW_OP_breg0 && e[0].atom <= DW_OP_breg31) ||
		       e[0].atom == DW_OP_bregx)) {
		unsigned long r = e[0].atom == DW_OP_bregx ? e[0].number :
				  (unsigned long)(e[0].atom - DW_OP_breg0);
		struct ukt_buf rn = UKT_BUF_INIT;
		int rc;

		o = (int64_t)(e[0].atom == DW_OP_bregx ? e[0].number2 : e[0].number);
		rc = reg_name(r, &rn, why);
		if (rc > 0)
			ukt_buf_addf(loc, "%+" PRId64 "(%s)", o, rn.data);
		ukt_buf_release(&rn);
		return rc;
	}
	if (n == 1 && e[0].atom == DW_OP_fbreg) {
		o = (int64_t)e[0].number;
		if (!dwarf_attr(&fn, DW_AT_frame_base, &a) ||
		    dwarf_getlocation_addr(&a, pc, &fb, &nfb, 1) <= 0 || nfb != 1) {
			ukt_buf_adds(why, "its frame base is not described at that address");
			return -REC_E_DWARF_ARG;
		}
#if defined(__x86_64__)
		/* At the first instruction the stack pointer is known: the
		 * slots above the return address hold the arguments passed
		 * on the stack; those below, the copies the prologue makes
		 * of register arguments (-O0), are not written yet. */
		if (off == 0 && fb[0].atom == DW_OP_call_frame_cfa)
			o += SP_AT_CFA;
		else if (off == 0 && fb[0].atom == DW_OP_breg7)
			o += (int64_t)fb[0].number;
		else
			o = INT64_MIN;
		if (o >= SP_AT_CFA) {
			ukt_buf_addf(loc, "%+" PRId64 "(%%sp)", o);
			return 1;
		}
#endif
		if (off == 0) {
			ukt_buf_adds(why, "its stack slot is not written yet at the function's entry");
			return 0;
		}
		ukt_buf_adds(why, "it is in the function's stack frame, which a probe can address only at the function's entry (give no +OFFSET)");
		return -REC_E_DWARF_ARG;
	}
	ukt_buf_addf(why, "its location is a DWARF expression uktrace does not evaluate (DW_OP 0x%x%s)",
		     e[0].atom, n > 1 ? ", ..." : "");
	return 0;
}

/* The return type of f is a C struct returned in registers (not more
 * than 16 bytes), memory (more), or something else. */
static bool hidden_return_pointer(const struct dwret_func *f, bool *unsure)
{
	Dwarf_Die origin = f->origin, t, cu;
	int size;
	char sign;

	*unsure = false;
	if (!type_of(&origin, &t) || classify(&t, &size, &sign) != T_AGG)
		return false;
	if (size > 16)
		return true;
	/* C++ returns a small class through memory too when it is not
	 * trivially copyable: tell only for C */
	if (dwarf_diecu(&origin, &cu, NULL, NULL)) {
		int lang = dwarf_srclang(&cu);

		if (lang == DW_LANG_C89 || lang == DW_LANG_C || lang == DW_LANG_C99 ||
		    lang == DW_LANG_C11)
			return false;
	}
	*unsure = true;
	return false;
}

/*
 * Where the calling convention puts the parameter named name at the
 * function's entry (x86-64 SysV psABI 3.2.3: integer class in %rdi, %rsi,
 * %rdx, %rcx, %r8, %r9, floating point in %xmm0-7, then the stack). 1
 * with loc, or negative with the reason.
 */
static int abi_loc(const struct dwret_func *f, const char *name,
		   struct ukt_buf *loc, struct ukt_buf *why)
{
#if defined(__x86_64__)
	Dwarf_Die origin = f->origin, p, t;
	int nint = 0, nsse = 0, nstack = 0, size;
	bool unsure;
	char sign;

	if (hidden_return_pointer(f, &unsure))
		nint = 1;	/* %rdi holds where the result goes */
	if (unsure) {
		ukt_buf_adds(why, "the function returns a class by value, which may take the first register");
		return -REC_E_DWARF_ARG;
	}
	for (bool ok = param_next(&origin, &p, true); ok; ok = param_next(&origin, &p, false)) {
		const char *n = dwarf_diename(&p);
		bool me = n && !strcmp(n, name);
		enum tclass c = type_of(&p, &t) ? classify(&t, &size, &sign) : T_OTHER;
		bool stack = false;

		if ((c == T_INT || c == T_PTR) && size <= 8 && size > 0) {
			if (nint < (int)(sizeof(int_args) / sizeof(int_args[0])))
				nint++;
			else
				stack = true;
		} else if (c == T_FLOAT && size <= 8 && size > 0) {
			if (me) {
				ukt_buf_adds(why, "it is a floating-point value, passed in an %xmm register the kernel cannot fetch from");
				return -REC_E_DWARF_ARG;
			}
			if (nsse < SSE_ARGS)
				nsse++;
			else
				stack = true;
		} else {
			ukt_buf_adds(why, "it is where the calling convention puts it, which uktrace cannot tell ");
			if (me) {
				ukt_buf_adds(why, "for a value of type ");
			} else {
				ukt_buf_addf(why, "after parameter '%s' of type ", n ? n : "(unnamed)");
			}
			if (c == T_OTHER && !type_of(&p, &t))
				ukt_buf_adds(why, "(unknown)");
			else
				type_name(&t, why);
			return -REC_E_DWARF_ARG;
		}
		if (me) {
			if (stack)
				ukt_buf_addf(loc, "+%d(%%sp)", SP_AT_CFA + 8 * nstack);
			else
				ukt_buf_addf(loc, "%%%s", regs[int_args[nint - 1]]);
			return 1;
		}
		if (stack)
			nstack++;
	}
	ukt_buf_adds(why, "it is not among the declared parameters");
	return -REC_E_DWARF_ARG;
#else
	(void)f;
	(void)name;
	(void)loc;
	ukt_buf_adds(why, "argument names are supported on x86-64 only");
	return -REC_E_DWARF_ARG;
#endif
}

/* The member named name of the struct, union or class type, and its
 * offset; nested anonymous members are searched too. */
static int member_find(Dwarf_Die *agg, const char *name, Dwarf_Die *out,
		       uint64_t *offset, int depth)
{
	Dwarf_Die m, t;
	Dwarf_Attribute a;

	if (depth > 8 || dwarf_child(agg, &m) != 0)
		return -ENOENT;
	do {
		const char *n;
		Dwarf_Word o = 0;

		if (dwarf_tag(&m) != DW_TAG_member)
			continue;
		n = dwarf_diename(&m);
		if (dwarf_attr(&m, DW_AT_data_member_location, &a) && dwarf_formudata(&a, &o) != 0) {
			Dwarf_Op *e;
			size_t ne;

			/* DWARF 2: DW_OP_plus_uconst */
			if (dwarf_getlocation(&a, &e, &ne) != 0 || ne != 1 ||
			    e[0].atom != DW_OP_plus_uconst)
				continue;
			o = e[0].number;
		}
		if (n && !strcmp(n, name)) {
			*out = m;
			*offset = o;
			return 0;
		}
		if (!n && type_of(&m, &t)) {
			uint64_t inner;

			if (member_find(&t, name, out, &inner, depth + 1) == 0) {
				*offset = o + inner;
				return 0;
			}
		}
	} while (dwarf_siblingof(&m, &m) == 0);
	return -ENOENT;
}

static bool is_ident(const char *s, size_t n)
{
	if (!n || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

/* The fetch types of tracefs (Documentation/trace/uprobetracer.rst). */
static bool known_type(const char *t)
{
	static const char *const types[] = {
		"u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64",
		"x8", "x16", "x32", "x64", "string", "ustring", "symbol",
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(t, types[i]))
			return true;
	return false;
}

int dwret_fetcharg(const struct dwret_func *f, uint64_t off, bool abi,
		   const char *arg, struct ukt_buf *out, struct ukt_buf *why)
{
	struct ukt_buf val = UKT_BUF_INIT, name = UKT_BUF_INIT, note = UKT_BUF_INIT;
	const char *eq = strchr(arg, '='), *var = eq ? eq + 1 : arg, *colon, *p;
	const char *utype = NULL;
	Dwarf_Die fn = f->die, origin = f->origin, param, type;
	bool have_type;
	size_t n;
	int size, rc;
	char sign, *vname = NULL;
	enum tclass c;

	colon = strchr(var, ':');
	if (colon)
		utype = colon + 1;
	n = strcspn(var, "-:");
	if ((eq && !is_ident(arg, (size_t)(eq - arg))) || !is_ident(var, n) ||
	    (utype && !known_type(utype))) {
		if (utype && !known_type(utype))
			ukt_buf_addf(why, "unknown type '%s' (types: u8..u64, s8..s64, x8..x64, string)", utype);
		else
			ukt_buf_adds(why, "expected [NAME=]PARAMETER[->MEMBER...][:TYPE]");
		rc = -REC_E_DWARF_ARG;
		goto out;
	}
	vname = strndup(var, n);
	if (!vname) {
		rc = -ENOMEM;
		goto out;
	}
	/* the parameter as the code has it, else as it was declared */
	if (!param_named(&fn, vname, &param) && !param_named(&origin, vname, &param)) {
		ukt_buf_adds(why, "the function has no parameter of that name (its parameters: ");
		dwret_params(f, why);
		ukt_buf_adds(why, ")");
		rc = -REC_E_DWARF_ARG;
		goto out;
	}
	have_type = type_of(&param, &type);
	rc = dwarf_loc(f, &param, off, &val, &note);
	if (rc == 0 && abi && off == 0) {
		rc = abi_loc(f, vname, &val, why);
	} else if (rc == 0) {
		ukt_buf_adds(why, note.data);
		rc = -REC_E_DWARF_ARG;
	} else if (rc < 0) {
		ukt_buf_adds(why, note.data);
	}
	if (rc < 0)
		goto out;
	ukt_buf_adds(&name, eq ? "" : vname);
	if (eq)
		ukt_buf_add(&name, arg, (size_t)(eq - arg));
	/* ->MEMBER: through the pointer */
	for (p = var + n; *p && *p != ':';) {
		Dwarf_Die target, m;
		uint64_t moff;
		size_t mn;
		char *mname;

		if (strncmp(p, "->", 2)) {
			ukt_buf_adds(why, "expected [NAME=]PARAMETER[->MEMBER...][:TYPE]");
			rc = -REC_E_DWARF_ARG;
			goto out;
		}
		p += 2;
		mn = strcspn(p, "-:");
		if (!is_ident(p, mn)) {
			ukt_buf_adds(why, "expected a member name after '->'");
			rc = -REC_E_DWARF_ARG;
			goto out;
		}
		if (!have_type || classify(&type, &size, &sign) != T_PTR ||
		    !type_of(&type, &target) || classify(&target, &size, &sign) != T_AGG ||
		    dwarf_tag(&target) == DW_TAG_array_type) {
			ukt_buf_addf(why, "'%.*s' is not a pointer to a struct, union or class", (int)(p - 2 - var), var);
			rc = -REC_E_DWARF_ARG;
			goto out;
		}
		mname = strndup(p, mn);
		if (!mname) {
			rc = -ENOMEM;
			goto out;
		}
		if (dwarf_child(&target, &m) != 0 && dwarf_hasattr(&target, DW_AT_declaration)) {
			type_name(&target, why);
			ukt_buf_adds(why, " is only declared in this unit (an incomplete type)");
			rc = -REC_E_DWARF_ARG;
		} else if (member_find(&target, mname, &m, &moff, 0)) {
			type_name(&target, why);
			ukt_buf_addf(why, " has no member '%s'", mname);
			rc = -REC_E_DWARF_ARG;
		} else if (dwarf_hasattr(&m, DW_AT_bit_size)) {
			ukt_buf_addf(why, "member '%s' is a bit-field", mname);
			rc = -REC_E_DWARF_ARG;
		}
		if (rc < 0) {
			free(mname);
			goto out;
		}
		{
			char *inner = ukt_buf_detach(&val);

			if (!inner) {	/* an append to val failed */
				free(mname);
				rc = -ENOMEM;
				goto out;
			}
			ukt_buf_addf(&val, "+%" PRIu64 "(%s)", moff, inner);
			free(inner);
		}
		if (!eq)
			ukt_buf_addf(&name, "_%s", mname);
		free(mname);
		have_type = type_of(&m, &type);
		p += mn;
	}
	c = have_type ? classify(&type, &size, &sign) : T_OTHER;
	if (utype && (!strcmp(utype, "string") || !strcmp(utype, "ustring")) &&
	    c == T_AGG && dwarf_tag(&type) == DW_TAG_array_type && val.data[0] != '%') {
		/* a char array in memory (a member): the string is there */
		ukt_buf_addf(out, "%s=%s:%s", name.data, val.data, utype);
	} else if (utype && (!strcmp(utype, "string") || !strcmp(utype, "ustring"))) {
		if (c != T_PTR) {
			ukt_buf_addf(why, "a %s is fetched through a pointer (char *) or from a char array member, and this is neither", utype);
			rc = -REC_E_DWARF_ARG;
			goto out;
		}
		ukt_buf_addf(out, "%s=+0(%s):%s", name.data, val.data, utype);
	} else if (utype) {
		ukt_buf_addf(out, "%s=%s:%s", name.data, val.data, utype);
	} else if (c == T_PTR) {
		ukt_buf_addf(out, "%s=%s:x64", name.data, val.data);
	} else if (c == T_INT && (size == 1 || size == 2 || size == 4 || size == 8)) {
		ukt_buf_addf(out, "%s=%s:%c%d", name.data, val.data, sign, size * 8);
	} else {
		ukt_buf_adds(why, "it is ");
		if (!have_type)
			ukt_buf_adds(why, "of no known type");
		else if (c == T_FLOAT)
			ukt_buf_adds(why, "a floating-point value (tracefs has no floating-point type)");
		else if (c == T_AGG)
			ukt_buf_adds(why, "passed by value (a struct, union or array): name a member through a pointer instead");
		else
			ukt_buf_addf(why, "%d bytes wide, and tracefs fetches at most 8", size);
		if (c == T_AGG || c == T_FLOAT) {
			ukt_buf_adds(why, " (");
			type_name(&type, why);
			ukt_buf_adds(why, ")");
		}
		rc = -REC_E_DWARF_ARG;
		goto out;
	}
	rc = 0;
out:
	free(vname);
	ukt_buf_release(&val);
	ukt_buf_release(&name);
	ukt_buf_release(&note);
	return rc;
}

const char *dwret_name(enum dwret r)
{
	return r == DWRET_VOID ? "void" : r == DWRET_VALUE ? "value" : NULL;
}
