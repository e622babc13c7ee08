// SPDX-License-Identifier: MIT
/* uktrace-report's error text (errors.h). */
#include "errors.h"

#define _E(name, msg) msg,
static const char *const messages[] = { REP_ERRORS };
#undef _E

const char *rep_strerror(int err)
{
	return ukt_strerror_in(err, REP_E_BASE, messages,
			       (int)(sizeof(messages) / sizeof(messages[0])));
}
