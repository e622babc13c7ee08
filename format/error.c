// SPDX-License-Identifier: MIT
/* Error text for errno values and uktrace's own codes. */
#include <string.h>

#include "uktrace/error.h"

#define _E(name, msg) msg,
static const char *const ukt_messages[] = { UKT_ERRORS };
#undef _E

const char *ukt_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err == 0)
		return "success";
	if (err > UKT_E_BASE && err < UKT_E_MAX)
		return ukt_messages[err - UKT_E_BASE - 1];
	return strerror(err);
}
