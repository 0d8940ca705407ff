/* event.c — the typed proxy for events: one function per event.* wire method. */
#include "handle.h"
#include "mem.h"

om_event *om_event_open(om_client *c, const char *name)
{
	om_event *e = xmalloc(sizeof *e);
	e->h = handle_make(c, name);
	return e;
}

void om_event_close(om_event *e)
{
	if (!e)
		return;
	handle_free(&e->h);
	free(e);
}

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
