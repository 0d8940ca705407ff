/* calls.h — om_call() with its params written inline, for the integration suites. */
#ifndef OBJMGR_TEST_CALLS_H
#define OBJMGR_TEST_CALLS_H

#include <check.h>

#include "objmgr.h"

/* om_call with the params given inline: CALL(c, &out, "queue.put", om_str("q"), om_int(1)). */
#define CALL(c, out, method, ...)                                                         \
	om_call((c), (method), (const om_value[]){__VA_ARGS__},                             \
		sizeof((const om_value[]){__VA_ARGS__}) / sizeof(om_value), (out))

/* A call that must succeed. */
#define OK(c, out, method, ...)                                                           \
	do {                                                                              \
		int rc_ = CALL(c, out, method, __VA_ARGS__);                              \
		ck_assert_msg(rc_ == OM_OK, "%s: %s: %s", method, om_code_name(rc_),        \
			      om_errmsg(c));                                              \
	} while (0)

#endif
