/*
 * notify.c — notifications: the per-client queue that call.c fills
 * whenever it meets one, om_next_notification that empties it, and the
 * methods that make the server send them (objects.watch, server.monitor).
 */
#include "handle.h"

#include "mem.h"

void notes_push(notes *q, om_notification n)
{
	if (q->count == q->cap) {
		/* Unroll the ring into a doubled array, oldest first. */
		size_t cap = q->cap ? 2 * q->cap : 16;
		om_notification *items = xmalloc(cap * sizeof *items);
		for (size_t i = 0; i < q->count; i++)
			items[i] = q->items[(q->head + i) % q->cap];
		free(q->items);
		q->items = items;
		q->head = 0;
		q->cap = cap;
	}
	q->items[(q->head + q->count++) % q->cap] = n;
}

static om_notification notes_pop(notes *q)
{
	om_notification n = q->items[q->head];
	q->head = (q->head + 1) % q->cap;
	q->count--;
	return n;
}

void notes_clear(notes *q)
{
	while (q->count) {
		om_notification n = notes_pop(q);
		om_notification_free(&n);
	}
	free(q->items);
	*q = (notes){0};
}

void om_notification_free(om_notification *n)
{
	if (!n)
		return;
	free(n->method);
	om_value_free(&n->params);
	*n = (om_notification){.params = om_nil()};
}

int om_next_notification(om_client *c, double timeout_s, om_notification *out)
{
	*out = (om_notification){.params = om_nil()};
	if (!c->notes.count) {
		if (c->fd < 0)
			return client_fail(c, OM_IO, "om_next_notification: not connected to %s "
					   "(om_reconnect() connects again)", c->address);
		int rc = client_read_notification(c, timeout_s);
		if (rc != OM_OK)
			return rc;
	}
	*out = notes_pop(&c->notes);
	client_ok(c);
	return OM_OK;
}

int om_fd(const om_client *c)
{
	return c->fd;
}

int om_watch(om_client *c, const char *pattern, uint64_t *revision)
{
	om_value arg = om_str(pattern ? pattern : ""), v;
	/* No pattern: the short form [], which the server reads as "*". */
	int rc = om_call(c, "objects.watch", &arg, pattern ? 1 : 0, &v);
	return rc != OM_OK ? rc : result_uint(c, "objects.watch", &v, revision);
}

int om_unwatch(om_client *c, const char *pattern, bool *was)
{
	om_value arg = om_str(pattern ? pattern : ""), v;
	/* No pattern: the short form [], every watch. */
	int rc = om_call(c, "objects.unwatch", &arg, pattern ? 1 : 0, &v);
	return rc != OM_OK ? rc : result_bool(c, "objects.unwatch", &v, was);
}

int om_monitor(om_client *c, bool on)
{
	om_value arg = om_bool(on);
	return om_call(c, "server.monitor", &arg, 1, NULL);
}
