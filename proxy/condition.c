/* condition.c — the typed proxy for conditions: one function per condition.* wire method. */
#include "handle.h"

int om_condition_acquire(om_condition *cv, double timeout_s, bool *acquired)
{
	om_value timeout = handle_timeout(timeout_s);
	return handle_call_bool(&cv->h, "condition.acquire", &timeout, 1, acquired);
}

int om_condition_release(om_condition *cv)
{
	return handle_call(&cv->h, "condition.release", NULL, 0, NULL);
}

int om_condition_wait(om_condition *cv, double timeout_s, bool *notified)
{
	om_value timeout = handle_timeout(timeout_s);
	return handle_call_bool(&cv->h, "condition.wait", &timeout, 1, notified);
}

int om_condition_notify(om_condition *cv, size_t n)
{
	om_value count = om_uint(n);
	return handle_call(&cv->h, "condition.notify", &count, 1, NULL);
}

int om_condition_notify_all(om_condition *cv)
{
	return handle_call(&cv->h, "condition.notify_all", NULL, 0, NULL);
}
