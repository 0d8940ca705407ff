/* queue.c — the typed proxy for queues: one function per queue.* wire method. */
#include "handle.h"

int om_queue_put(om_queue *q, om_value v, double timeout_s)
{
	om_value args[] = {v, handle_timeout(timeout_s)};
	return handle_call(&q->h, "queue.put", args, 2, NULL);
}

int om_queue_get(om_queue *q, double timeout_s, om_value *out)
{
	om_value timeout = handle_timeout(timeout_s);
	return handle_call(&q->h, "queue.get", &timeout, 1, out);
}

int om_queue_len(om_queue *q, size_t *out)
{
	return handle_call_size(&q->h, "queue.len", NULL, 0, out);
}

int om_queue_items(om_queue *q, om_value *out)
{
	return handle_call(&q->h, "queue.items", NULL, 0, out);
}

int om_queue_slice(om_queue *q, om_value start, om_value stop, om_value *out)
{
	om_value args[] = {start, stop};
	return handle_call(&q->h, "queue.slice", args, 2, out);
}

int om_queue_task_done(om_queue *q)
{
	return handle_call(&q->h, "queue.task_done", NULL, 0, NULL);
}

int om_queue_join(om_queue *q, double timeout_s, bool *done)
{
	om_value timeout = handle_timeout(timeout_s);
	return handle_call_bool(&q->h, "queue.join", &timeout, 1, done);
}
