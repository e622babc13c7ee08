/* SPDX-License-Identifier: MIT */
/*
 * Error codes. Functions return 0 or a negative errno; errors that have no
 * errno of their own use negative codes from 4000 up. The trace file's own
 * errors (below) are shared by both programs; each program keeps its own
 * errors in its own table (record/errors.h, report/errors.h), in a range of
 * its own, so neither carries the other's messages. A table feeds both the
 * enum and the messages, as libtraceevent's _PE table does.
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
	_E(WRITER_FAILED, "an earlier write to the trace file failed")

#define _E(name, msg) UKT_E_##name,
enum ukt_error {
	UKT_E_BASE = 4000,
	UKT_ERRORS
	UKT_E_MAX
};
#undef _E

/* The ranges of the programs' own errors. */
#define UKT_E_RECORD_BASE 4100
#define UKT_E_REPORT_BASE 4200

/* Text for 0, a negative errno or a negative ukt_error. Never NULL. */
const char *ukt_strerror(int err);

/*
 * Text for err from a program's table msgs[0..n) of codes base+1..base+n,
 * else as ukt_strerror. For the programs' own strerror functions.
 */
const char *ukt_strerror_in(int err, int base, const char *const *msgs, int n);

#endif
