/*
 * handle.c — every typed handle's open and close (HANDLE_TYPES), and the
 * shared body of every typed proxy function: prepend the object's name to
 * the params, call, and check the shape of the result when the C
 * signature promises a plain C type (size_t, bool).
 */
#include "handle.h"

#include <assert.h>

#include "mem.h"

handle handle_make(om_client *c, const char *name)
{
	return (handle){.client = c, .name = xstrdup(name)};
}

void handle_free(handle *h)
{
	free(h->name);
	h->name = NULL;
}

/* om_<type>_open() and om_<type>_close() of every type in HANDLE_TYPES (objmgr.h). */
#define HANDLE_OPEN_CLOSE(type)                                         \
	om_##type *om_##type##_open(om_client *c, const char *name)     \
	{                                                               \
		om_##type *x = xmalloc(sizeof *x);                      \
		x->h = handle_make(c, name);                            \
		return x;                                               \
	}                                                               \
                                                                        \
	void om_##type##_close(om_##type *x)                            \
	{                                                               \
		if (!x)                                                 \
			return;                                         \
		handle_free(&x->h);                                     \
		free(x);                                                \
	}
HANDLE_TYPES(HANDLE_OPEN_CLOSE)
#undef HANDLE_OPEN_CLOSE

int handle_call(const handle *h, const char *method, const om_value *args, size_t n,
		om_value *out)
{
	om_value params[1 + HANDLE_MAX_ARGS];
	assert(n <= HANDLE_MAX_ARGS);
	params[0] = om_str(h->name);
	for (size_t i = 0; i < n; i++)
		params[1 + i] = args[i];
	return om_call(h->client, method, params, 1 + n, out);
}

/* A result of the wrong shape: the server and this library disagree on the method. */
static int bad_result(om_client *c, const char *method, om_value *v, const char *want)
{
	char got[64];
	om_value_format(v, got, sizeof got);
	om_value_free(v);
	return client_fail(c, OM_PROTOCOL, "%s: expected %s from %s, got %s", method, want,
			   c->address, got);
}

int handle_call_size(const handle *h, const char *method, const om_value *args, size_t n,
		     size_t *out)
{
	om_value v;
	int rc = handle_call(h, method, args, n, &v);
	if (rc != OM_OK)
		return rc;
	if (v.kind != OM_INT || v.as.i < 0)
		return bad_result(h->client, method, &v, "a non-negative integer");
	if (out)
		*out = (size_t)v.as.i;
	return OM_OK;
}

int handle_call_bool(const handle *h, const char *method, const om_value *args, size_t n,
		     bool *out)
{
	om_value v;
	int rc = handle_call(h, method, args, n, &v);
	return rc != OM_OK ? rc : result_bool(h->client, method, &v, out);
}

int result_bool(om_client *c, const char *method, om_value *v, bool *out)
{
	if (v->kind != OM_BOOL)
		return bad_result(c, method, v, "a bool");
	if (out)
		*out = v->as.b;
	return OM_OK;
}

int result_uint(om_client *c, const char *method, om_value *v, uint64_t *out)
{
	if (v->kind != OM_UINT && (v->kind != OM_INT || v->as.i < 0))
		return bad_result(c, method, v, "a non-negative integer");
	if (out)
		*out = v->kind == OM_UINT ? v->as.u : (uint64_t)v->as.i;
	return OM_OK;
}

int result_pair(om_client *c, const char *method, om_value *v, om_value *first,
		om_value *second)
{
	if (v->kind != OM_ARRAY || v->len != 2)
		return bad_result(c, method, v, "a pair [key, value]");
	/* Move the items out, leaving nils for om_value_free to skip. */
	if (first) {
		*first = v->as.items[0];
		v->as.items[0] = om_nil();
	}
	if (second) {
		*second = v->as.items[1];
		v->as.items[1] = om_nil();
	}
	om_value_free(v);
	return OM_OK;
}

om_value handle_timeout(double timeout_s)
{
	return timeout_s < 0 ? om_nil() : om_float(timeout_s);
}

int result_page(om_client *c, const char *method, om_value *v, uint64_t *next, om_value *page)
{
	*page = om_nil();
	const om_value *cursor = v->kind == OM_ARRAY && v->len == 2 ? &v->as.items[0] : NULL;
	if (!cursor || cursor[1].kind != OM_MAP || cursor->kind != OM_INT || cursor->as.i < 0)
		return bad_result(c, method, v, "a page [cursor, map]");
	*next = (uint64_t)cursor->as.i;
	*page = v->as.items[1];
	v->as.items[1] = om_nil();
	om_value_free(v);
	return OM_OK;
}
