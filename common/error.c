// SPDX-License-Identifier: MIT
/* Error text for errno values and uktrace's own codes (uktrace/error.h). */
#include <string.h>

#include "uktrace/error.h"

#define _E(name, msg) msg,
static const char *const ukt_messages[] = { UKT_ERRORS };
#undef _E

const char *ukt_strerror_in(int err, int base, const char *const *msgs, int n)
{
	if (err < 0)
		err = -err;
	if (err == 0)
		return "success";
	if (err > base && err <= base + n)
		return msgs[err - base - 1];
	if (err > UKT_E_BASE && err < UKT_E_MAX)
		return ukt_messages[err - UKT_E_BASE - 1];
	return strerror(err);
}

const char *ukt_strerror(int err)
{
	return ukt_strerror_in(err, 0, NULL, 0);
}
