/* counter.c — the typed proxy for counters: one function per counter.* wire method. */
#include "handle.h"

int om_counter_get(om_counter *n, om_value *out)
{
	return handle_call(&n->h, "counter.get", NULL, 0, out);
}

int om_counter_set(om_counter *n, om_value v)
{
	return handle_call(&n->h, "counter.set", &v, 1, NULL);
}

int om_counter_add(om_counter *n, om_value delta, om_value *out)
{
	return handle_call(&n->h, "counter.add", &delta, 1, out);
}

int om_counter_add_int(om_counter *n, int64_t delta, int64_t *out)
{
	om_value v;
	int rc = om_counter_add(n, om_int(delta), &v);
	if (rc != OM_OK)
		return rc;
	if (v.kind != OM_INT) {
		char got[64];
		om_value_format(&v, got, sizeof got);
		om_value_free(&v);
		return client_fail(n->h.client, OM_WRONG_TYPE,
				   "counter '%s' holds %s, not an integer (the addition was done)",
				   n->h.name, got);
	}
	if (out)
		*out = v.as.i;
	return OM_OK;
}

int om_counter_cas(om_counter *n, om_value expected, om_value new_value, bool *swapped)
{
	om_value args[] = {expected, new_value};
	return handle_call_bool(&n->h, "counter.cas", args, 2, swapped);
}
