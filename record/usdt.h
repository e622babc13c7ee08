/* SPDX-License-Identifier: MIT */
/*
 * USDT probes: the statically defined tracepoints of systemtap's
 * <sys/sdt.h> (and of dtrace -G), which python, postgres and many other
 * programs carry. Each probe site is a note in the ELF file's
 * .note.stapsdt section: provider, name, the address of the site (a nop),
 * the address of its semaphore (a counter the program tests before it
 * does the work of a probe's arguments; 0: none), and the argument specs
 * as the assembler wrote them ("-4@%edi 8@-16(%rbp)").
 *
 * This module reads the notes with libelf (as elfsym.c reads symbols),
 * turns their addresses into the file offsets uprobes take, and their
 * argument specs into uprobe fetchargs. It never touches tracefs.
 */
#ifndef UKT_USDT_H
#define UKT_USDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uktrace/buf.h"

enum usdt_arg_kind {
	UA_REG,		/* a register: %di */
	UA_MEM,		/* memory at a register plus a displacement: -16(%bp) */
	UA_CONST,	/* an immediate: \5 */
	UA_FILE,	/* memory at a file offset of the probed file: @+0x2010
			 * (a %rip-relative operand, resolved through its symbol) */
	UA_BAD,		/* an operand uprobes cannot fetch; why says which */
};

/* One argument of a probe, as the note gives it (N@OPERAND). */
struct usdt_arg {
	enum usdt_arg_kind kind;
	int size;		/* bytes: 1, 2, 4 or 8 */
	bool is_signed;		/* a negative N: -4@... */
	char reg[8];		/* the kernel's register name: "di", "r12" */
	int shift;		/* bits above the register's start (8: %ah) */
	int64_t value;		/* UA_MEM: displacement; UA_CONST: the value;
				 * UA_FILE: the file offset */
	char spec[64];		/* as the note wrote it, for messages */
	char why[96];		/* UA_BAD: what uprobes cannot do */
};

struct usdt_note {
	char *provider;
	char *name;
	uint64_t pc;		/* the site's virtual address (prelink adjusted) */
	uint64_t offset;	/* its file offset: where the uprobe goes */
	uint64_t sem;		/* the semaphore's virtual address, 0: none */
	uint64_t sem_offset;	/* its file offset: the uprobe's reference counter */
	char *args;		/* the argument specs as written, "" for none */
	struct usdt_arg *argv;	/* parsed, one per spec */
	int nargs;
};

struct usdt_file {
	char *path;
	bool translated;	/* the argument specs are of this machine (x86-64) */
	struct usdt_note *v;	/* in note order */
	size_t n;
};

/*
 * Read the USDT notes of the ELF file at path into f (f->n may be 0).
 * Site and semaphore addresses are adjusted by .stapsdt.base for files
 * moved by prelink, as systemtap and perf do, and translated to file
 * offsets through the PT_LOAD segments. 0, or -errno / -REC_E_NOT_ELF.
 */
int usdt_load(const char *path, struct usdt_file *f);
void usdt_file_release(struct usdt_file *f);

/*
 * The address lookup of %rip-relative operands (sym(%rip), sym+8(%rip)):
 * the virtual address of a symbol (any type: data objects too).
 * 0, or -ENOENT.
 */
typedef int (*usdt_sym_fn)(void *ctx, const char *name, uint64_t *vaddr);

/*
 * Parse one argument spec ("-4@%edi", "8@-16(%rbp)", "-4@$5",
 * "8@sym(%rip)") of x86-64 (or i386) into a, for a probe at virtual
 * address pc and file offset pc_offset (a %rip-relative operand becomes
 * a file offset of the probed file, found through sym). Operands that
 * uprobes cannot fetch (an index register, a segment, %xmm) come back as
 * UA_BAD with the reason; the function itself does not fail.
 */
void usdt_arg_parse(const char *spec, uint64_t pc, uint64_t pc_offset,
		    usdt_sym_fn sym, void *ctx, struct usdt_arg *a);

/*
 * Append a's fetcharg (without its name) to out: "%di:s32",
 * "-16(%bp):u64", "\5:s32", "@+0x2010:u64". type, when not NULL,
 * replaces the type the note gives: a kernel type ("x64", "u8") or
 * "string" (the argument is a pointer to a NUL-terminated string,
 * fetched as the string). -EINVAL (a constant as a string, UA_BAD),
 * with why, or 0.
 */
int usdt_arg_fetch(const struct usdt_arg *a, const char *type,
		   struct ukt_buf *out, struct ukt_buf *why);

/*
 * Parse one note's descriptor (desc, len bytes: three addresses of
 * addr_size bytes in the file's byte order, then provider, name and
 * argument strings) into n, with .stapsdt.base at base_now (0: the file
 * has no such section). n->offset and n->sem_offset are left 0, and the
 * arguments unparsed. 0, -EBADMSG or -ENOMEM.
 */
int usdt_parse_desc(const void *desc, size_t len, int addr_size, bool big_endian,
		    uint64_t base_now, struct usdt_note *n);
void usdt_note_release(struct usdt_note *n);

/*
 * Entry/return pairs by name: X__entry with X__return, X__start with
 * X__done, X__begin with X__end, X__enter with X__exit (python's
 * function__entry/function__return, postgres' query__start/query__done).
 * Whether name is such a half: its base (X) length in *base_len, whether
 * it is the entry in *entry, and the other half's name in partner.
 */
bool usdt_pair_name(const char *name, size_t *base_len, bool *entry,
		    struct ukt_buf *partner);

#endif
