/* SPDX-License-Identifier: MIT */
/* uktrace-record's own error codes (uktrace/error.h explains the ranges). */
#ifndef UKT_RECORD_ERRORS_H
#define UKT_RECORD_ERRORS_H

#include "uktrace/error.h"

#define REC_ERRORS							\
	_E(NO_SYMBOL,	"no such function")				\
	_E(NOT_ELF,	"not an ELF file")				\
	_E(SPEC,	"invalid probe spec")				\
	_E(KERNEL,	"the kernel rejected the definition")		\
	_E(NO_KPROBES,	"this kernel has no kprobe support (no kprobe_events in tracefs)") \
	_E(NO_UPROBES,	"this kernel has no uprobe support (no uprobe_events in tracefs)") \
	_E(NO_TRACEFS,	"tracefs is not available")				\
	_E(UNWIND,	"an exception can unwind through the function")	\
	_E(FILTER,	"the kernel refused the filter")			\
	_E(NO_DWARF,	"no debug information for the function")	\
	_E(DWARF_ARG,	"cannot fetch the argument")

#define _E(name, msg) REC_E_##name,
enum rec_error {
	REC_E_BASE = UKT_E_RECORD_BASE,
	REC_ERRORS
	REC_E_MAX
};
#undef _E

/* Text for 0, a negative errno, a trace file error or a record error. */
const char *rec_strerror(int err);

#endif
