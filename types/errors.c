/* errors.c — the wire names of the status codes, one table for every side. */
#include <string.h>

#include "om_value.h"

static const char *const code_names[] = {
	[-OM_OK] = "ok",
	[-OM_NO_SUCH_METHOD] = "no_such_method",
	[-OM_BAD_PARAMS] = "bad_params",
	[-OM_WRONG_TYPE] = "wrong_type",
	[-OM_KEY_ERROR] = "key_error",
	[-OM_INDEX_ERROR] = "index_error",
	[-OM_VALUE_ERROR] = "value_error",
	[-OM_TIMEOUT] = "timeout",
	[-OM_EMPTY] = "empty",
	[-OM_FULL] = "full",
	[-OM_AUTH_REQUIRED] = "auth_required",
	[-OM_AUTH_FAILED] = "auth_failed",
	[-OM_TOO_LARGE] = "too_large",
	[-OM_TOO_DEEP] = "too_deep",
	[-OM_NOT_OWNER] = "not_owner",
	[-OM_LIMIT] = "limit",
	[-OM_BROKEN] = "broken",
	[-OM_BAD_REQUEST] = "bad_request",
	[-OM_IO] = "io",
	[-OM_PROTOCOL] = "protocol",
	[-OM_UNKNOWN_ERROR] = "unknown",
	[-OM_CONFLICT] = "conflict",
};

#define NCODES (sizeof code_names / sizeof code_names[0])

const char *om_code_name(int code)
{
	if (code > 0 || (size_t)-code >= NCODES)
		return "unknown";
	return code_names[-code];
}

int om_code_from_name(const char *name, size_t len)
{
	for (size_t i = 1; i < NCODES; i++)
		if (strlen(code_names[i]) == len && memcmp(code_names[i], name, len) == 0)
			return -(int)i;
	return OM_UNKNOWN_ERROR;
}
