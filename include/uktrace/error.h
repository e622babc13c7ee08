/* SPDX-License-Identifier: MIT */
/*
 * Error codes. Functions return 0 or a negative errno; errors that have no
 * errno of their own use the negative range below, and ukt_strerror()
 * describes both kinds. The table feeds the enum and the messages, as
 * libtraceevent's _PE table does.
 */
#ifndef UKTRACE_ERROR_H
#define UKTRACE_ERROR_H

#define UKT_ERRORS							\
	_E(NOT_TRACE,	"not a uktrace trace file (bad magic)")		\
	_E(TOO_NEW,	"trace file format is newer than this uktrace; upgrade uktrace") \
	_E(HEADER_CRC,	"trace file header is corrupt (checksum mismatch)") \
	_E(SHORT,	"file is shorter than a trace file header")	\
	_E(ZSTD,	"zstd (de)compression failed")			\
	_E(CORRUPT,	"corrupt data")					\
	_E(WRITER_FAILED, "an earlier write to the trace file failed")	\
	_E(NO_SYMBOL,	"no such function")				\
	_E(NOT_ELF,	"not an ELF file")				\
	_E(SPEC,	"invalid probe spec")				\
	_E(KERNEL,	"the kernel rejected the definition")		\
	_E(NO_KPROBES,	"this kernel has no kprobe support (no kprobe_events in tracefs)") \
	_E(NO_UPROBES,	"this kernel has no uprobe support (no uprobe_events in tracefs)") \
	_E(NO_TRACEFS,	"tracefs is not available")			\
	_E(TEP,		"libtraceevent could not parse the data")	\
	_E(SQL,		"SQLite error")

#define _E(name, msg) UKT_E_##name,
enum ukt_error {
	UKT_E_BASE = 4000,
	UKT_ERRORS
	UKT_E_MAX
};
#undef _E

/* Text for 0, a negative errno or a negative ukt_error. Never NULL. */
const char *ukt_strerror(int err);

#endif
