/*
 * event.c — the event type: a flag that connections wait on, as Python's
 * Event. Setting it wakes every waiter: the server re-runs them all right
 * after the set, before any later request can clear it again.
 */
#include "mem.h"
#include "ops.h"
#include "typeutil.h"
#include "value.h"

typedef struct event {
	bool set;
} event;

static int event_op_set(void *obj, op_call *c)
{
	((event *)obj)->set = true;
	return op_ok(c, om_nil());
}

static int event_op_clear(void *obj, op_call *c)
{
	((event *)obj)->set = false;
	return op_ok(c, om_nil());
}

static int event_op_is_set(void *obj, op_call *c)
{
	return op_ok(c, om_bool(((const event *)obj)->set));
}

static int event_op_wait(void *obj, op_call *c)
{
	if (((const event *)obj)->set)
		return op_ok(c, om_bool(true));
	if (c->timed_out)
		return op_ok(c, om_bool(false));
	return OP_WAIT;
}

static void *event_create(const om_value *options, op_call *c)
{
	if (!typeutil_no_options("event", options, c))
		return NULL;
	event *e = mem_calloc(1, sizeof *e);
	if (!e)
		op_no_memory(c);
	return e;
}

static void event_destroy(void *obj)
{
	free(obj);
}

static size_t event_len(const void *obj)
{
	(void)obj;
	return 1;
}

static bool event_save(const void *obj, save_sink *sink)
{
	return !((const event *)obj)->set || sink->call(sink, "event.set", NULL, 0);
}

static const op_def event_ops[] = {
	{"set", event_op_set, OP_WRITE, 0, {{0}}, "set the flag and wake every waiter"},
	{"clear", event_op_clear, OP_WRITE, 0, {{0}}, "clear the flag"},
	{"is_set", event_op_is_set, 0, 0, {{0}}, "whether the flag is set"},
	{"wait", event_op_wait, OP_WRITE | OP_BLOCKING | OP_FIFO | OP_PASSIVE, 1, {{"timeout", ARG_TIMEOUT, true}},
	 "wait until the flag is set; true, or false when the timeout expires"},
};

const type_def event_type = {
	.name = "event",
	.help = "a flag: wait blocks until set, which wakes every waiter",
	.create = event_create,
	.destroy = event_destroy,
	.save = event_save,
	.len = event_len,
	.ops = event_ops,
	.nops = sizeof event_ops / sizeof event_ops[0],
};
