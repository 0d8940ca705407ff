/*
 * counter.c — the counter type: one number, an int64 until a float is
 * stored in it or added to it, a float64 from then on.
 *
 * Invariant: value.kind is OM_INT or OM_FLOAT64, never OM_UINT or
 * OM_FLOAT32. Integer overflow is a value_error that changes nothing.
 */
#include "mem.h"
#include "ops.h"
#include "typeutil.h"
#include "value.h"

typedef struct counter {
	om_value value;
} counter;

/*
 * The number n as a counter holds it: a float64, or an int64. False for an
 * integer above INT64_MAX, which an int64 counter cannot hold.
 */
static bool counter_normalise(const om_value *n, om_value *out)
{
	if (value_is_float(n))
		*out = om_float(n->as.f);
	else if (n->kind == OM_INT)
		*out = *n;
	else
		return false;
	return true;
}

static int counter_too_big(op_call *c, const om_value *n)
{
	char buf[32];
	om_value_format(n, buf, sizeof buf);
	return op_fail(c, OM_VALUE_ERROR, "counter '%s': %s does not fit in an int64", c->name, buf);
}

static int counter_op_get(void *obj, op_call *c)
{
	return op_ok(c, ((counter *)obj)->value);
}

static int counter_op_set(void *obj, op_call *c)
{
	counter *n = obj;
	om_value v;
	if (!counter_normalise(&c->args[0], &v))
		return counter_too_big(c, &c->args[0]);
	n->value = v;
	return op_ok(c, om_nil());
}

static int counter_op_add(void *obj, op_call *c)
{
	counter *n = obj;
	om_value sum;
	if (!typeutil_add(&n->value, &c->args[0], &sum)) {
		char cur[32], delta[32];
		om_value_format(&n->value, cur, sizeof cur);
		om_value_format(&c->args[0], delta, sizeof delta);
		return op_fail(c, OM_VALUE_ERROR, "counter '%s': %s + %s overflows int64",
			       c->name, cur, delta);
	}
	n->value = sum;
	return op_ok(c, sum);
}

/* Compares with value_eq: the int 1 does not equal the float 1.0. */
static int counter_op_cas(void *obj, op_call *c)
{
	counter *n = obj;
	om_value v;
	if (!counter_normalise(&c->args[1], &v))
		return counter_too_big(c, &c->args[1]);
	if (!value_eq(&n->value, &c->args[0]))
		return op_ok(c, om_bool(false));
	n->value = v;
	return op_ok(c, om_bool(true));
}

static void *counter_create(const om_value *options, op_call *c)
{
	if (!typeutil_no_options("counter", options, c))
		return NULL;
	counter *n = mem_alloc(sizeof *n);
	if (!n) {
		op_no_memory(c);
		return NULL;
	}
	n->value = om_int(0);
	return n;
}

static void counter_destroy(void *obj)
{
	free(obj);
}

static size_t counter_len(const void *obj)
{
	(void)obj;
	return 1;
}

static bool counter_save(const void *obj, save_sink *sink)
{
	return sink->call(sink, "counter.set", &((const counter *)obj)->value, 1);
}

static const op_def counter_ops[] = {
	{"get", counter_op_get, 0, 0, {{0}}, "the value (0 for a new counter)"},
	{"set", counter_op_set, OP_WRITE | OP_GROWS, 1, {{"value", ARG_NUMBER, false}},
	 "store a number; a float makes the counter a float"},
	{"add", counter_op_add, OP_WRITE | OP_GROWS, 1, {{"delta", ARG_NUMBER, false}},
	 "add delta and answer the new value; int64 overflow is value_error"},
	{"cas", counter_op_cas, OP_WRITE | OP_GROWS, 2,
	 {{"expected", ARG_NUMBER, false}, {"new", ARG_NUMBER, false}},
	 "store new and answer true if the value equals expected (int 1 != float 1.0), else false"},
};

const type_def counter_type = {
	.name = "counter",
	.help = "a number: an int64 until a float is stored or added, then a float64",
	.create = counter_create,
	.destroy = counter_destroy,
	.save = counter_save,
	.len = counter_len,
	.ops = counter_ops,
	.nops = sizeof counter_ops / sizeof counter_ops[0],
};
