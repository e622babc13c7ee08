/* SPDX-License-Identifier: MIT */
/* uktrace-report's own error codes (uktrace/error.h explains the ranges). */
#ifndef UKT_REPORT_ERRORS_H
#define UKT_REPORT_ERRORS_H

#include "uktrace/error.h"

#define REP_ERRORS							\
	_E(TEP,		"libtraceevent could not parse the data")	\
	_E(SQL,		"SQLite error")					\
	_E(LIMIT,	"the file holds more than any recording writes (format/FORMAT.md, Limits): it is damaged or crafted")

#define _E(name, msg) REP_E_##name,
enum rep_error {
	REP_E_BASE = UKT_E_REPORT_BASE,
	REP_ERRORS
	REP_E_MAX
};
#undef _E

/* Text for 0, a negative errno, a trace file error or a report error. */
const char *rep_strerror(int err);

#endif
