// SPDX-License-Identifier: MIT
/* uktrace-record's error text (errors.h). */
#include "errors.h"

#define _E(name, msg) msg,
static const char *const messages[] = { REC_ERRORS };
#undef _E

const char *rec_strerror(int err)
{
	return ukt_strerror_in(err, REC_E_BASE, messages,
			       (int)(sizeof(messages) / sizeof(messages[0])));
}
