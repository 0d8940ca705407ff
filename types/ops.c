/*
 * ops.c — lookup in the operation tables and the parameter checks every
 * method goes through before its handler runs, so handlers can trust the
 * kinds of their arguments.
 */
#include "ops.h"

#include <stdarg.h>
#include <stdio.h>

#include "value.h"

const type_def *const type_table[] = {
	&dict_type, &list_type, &counter_type,
	&queue_type, &lock_type, &rlock_type, &event_type,
	&semaphore_type, &condition_type, &barrier_type,
	&objects_type, &server_type, &clients_type, &client_type,
	NULL,
};

static bool name_is(const char *name, const char *s, size_t len)
{
	return strlen(name) == len && memcmp(name, s, len) == 0;
}

const type_def *type_find(const char *name, size_t len)
{
	for (const type_def *const *t = type_table; *t; t++)
		if (name_is((*t)->name, name, len))
			return *t;
	return NULL;
}

const op_def *type_find_op(const type_def *t, const char *name, size_t len)
{
	for (size_t i = 0; i < t->nops; i++)
		if (name_is(t->ops[i].name, name, len))
			return &t->ops[i];
	return NULL;
}

int op_fail(op_call *c, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->message, sizeof c->message, fmt, ap);
	va_end(ap);
	c->code = code;
	return code;
}

int op_no_memory(op_call *c)
{
	return op_fail(c, OM_LIMIT, "out of memory");
}

static bool kind_ok(uint8_t kind, const om_value *v)
{
	switch (kind) {
	case ARG_ANY:
		return true;
	case ARG_INT:
		return v->kind == OM_INT || v->kind == OM_UINT;
	case ARG_NUMBER:
		return value_is_number(v);
	case ARG_BOOL:
		return v->kind == OM_BOOL;
	case ARG_STR:
	case ARG_NAME:
		return v->kind == OM_STR;
	case ARG_ARRAY:
		return v->kind == OM_ARRAY;
	case ARG_MAP:
		return v->kind == OM_MAP;
	case ARG_INT_OR_NIL:
		return v->kind == OM_NIL || v->kind == OM_INT || v->kind == OM_UINT;
	case ARG_MAP_OR_NIL:
		return v->kind == OM_MAP || v->kind == OM_NIL;
	case ARG_STR_OR_NIL:
		return v->kind == OM_STR || v->kind == OM_NIL;
	case ARG_TIMEOUT:
		if (v->kind == OM_INT)
			return v->as.i >= 0;
		if (value_is_float(v))
			return v->as.f >= 0; /* false for NaN */
		return v->kind == OM_NIL || v->kind == OM_UINT;
	}
	return false;
}

static const char *kind_want(uint8_t kind)
{
	static const char *const want[] = {
		[ARG_ANY] = "a value", [ARG_INT] = "an integer",
		[ARG_NUMBER] = "a number", [ARG_BOOL] = "a boolean",
		[ARG_STR] = "a string", [ARG_ARRAY] = "an array",
		[ARG_MAP] = "a map", [ARG_INT_OR_NIL] = "an integer or nil",
		[ARG_TIMEOUT] = "a non-negative number of seconds or nil",
		[ARG_MAP_OR_NIL] = "a map or nil", [ARG_STR_OR_NIL] = "a string or nil",
		[ARG_NAME] = "a string",
	};
	return want[kind];
}

int op_check_args(const type_def *t, const op_def *op, op_call *c)
{
	size_t required = 0;
	while (required < op->nargs && !op->args[required].optional)
		required++;
	if (c->nargs < required)
		return op_fail(c, OM_BAD_PARAMS, "%s.%s: parameter '%s' is missing",
			       t->name, op->name, op->args[c->nargs].name);
	if (c->nargs > op->nargs)
		return op_fail(c, OM_BAD_PARAMS, "%s.%s: takes at most %u parameter%s%s, got %zu",
			       t->name, op->name, op->nargs, op->nargs == 1 ? "" : "s",
			       t->admin ? "" : " after the object name", c->nargs);
	for (size_t i = 0; i < c->nargs; i++) {
		const op_arg *a = &op->args[i];
		if (!kind_ok(a->kind, &c->args[i]))
			return op_fail(c, OM_BAD_PARAMS, "%s.%s: parameter '%s' must be %s, got %s",
				       t->name, op->name, a->name, kind_want(a->kind),
				       value_kind_name(&c->args[i]));
	}
	return OM_OK;
}

void op_usage(const op_def *op, char *buf, size_t size)
{
	size_t pos = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < op->nargs && pos < size; i++) {
		const op_arg *a = &op->args[i];
		int n = snprintf(buf + pos, size - pos, "%s%s%s%s", i ? " " : "",
				 a->optional ? "[" : "", a->name, a->optional ? "]" : "");
		if (n < 0)
			break;
		pos += (size_t)n;
	}
}

double op_call_timeout(const op_def *op, const op_call *c)
{
	for (size_t i = 0; i < op->nargs && i < c->nargs; i++) {
		const om_value *v = &c->args[i];
		if (op->args[i].kind != ARG_TIMEOUT || v->kind == OM_NIL)
			continue;
		if (v->kind == OM_INT)
			return (double)v->as.i;
		return v->kind == OM_UINT ? (double)v->as.u : v->as.f;
	}
	return -1;
}
