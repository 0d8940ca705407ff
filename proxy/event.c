/* event.c — the typed proxy for events: one function per event.* wire method. */
#include "handle.h"

int om_event_set(om_event *e)
{
	return handle_call(&e->h, "event.set", NULL, 0, NULL);
}

int om_event_clear(om_event *e)
{
	return handle_call(&e->h, "event.clear", NULL, 0, NULL);
}

int om_event_is_set(om_event *e, bool *out)
{
	return handle_call_bool(&e->h, "event.is_set", NULL, 0, out);
}

int om_event_wait(om_event *e, double timeout_s, bool *set)
{
	om_value timeout = handle_timeout(timeout_s);
	return handle_call_bool(&e->h, "event.wait", &timeout, 1, set);
}
