/* dict.c — the typed proxy for dicts: one function per dict.* wire method. */
#include "handle.h"

int om_dict_set(om_dict *d, om_value key, om_value value)
{
	om_value args[] = {key, value};
	return handle_call(&d->h, "dict.set", args, 2, NULL);
}

int om_dict_get(om_dict *d, om_value key, om_value *out)
{
	return handle_call(&d->h, "dict.get", &key, 1, out);
}

int om_dict_get_default(om_dict *d, om_value key, om_value dflt, om_value *out)
{
	om_value args[] = {key, dflt};
	return handle_call(&d->h, "dict.get", args, 2, out);
}

int om_dict_has(om_dict *d, om_value key, bool *out)
{
	return handle_call_bool(&d->h, "dict.has", &key, 1, out);
}

int om_dict_del(om_dict *d, om_value key)
{
	return handle_call(&d->h, "dict.del", &key, 1, NULL);
}

int om_dict_pop(om_dict *d, om_value key, om_value *out)
{
	return handle_call(&d->h, "dict.pop", &key, 1, out);
}

int om_dict_pop_default(om_dict *d, om_value key, om_value dflt, om_value *out)
{
	om_value args[] = {key, dflt};
	return handle_call(&d->h, "dict.pop", args, 2, out);
}

int om_dict_setdefault(om_dict *d, om_value key, om_value dflt, om_value *out)
{
	om_value args[] = {key, dflt};
	return handle_call(&d->h, "dict.setdefault", args, 2, out);
}

int om_dict_len(om_dict *d, size_t *out)
{
	return handle_call_size(&d->h, "dict.len", NULL, 0, out);
}

int om_dict_keys(om_dict *d, om_value *out)
{
	return handle_call(&d->h, "dict.keys", NULL, 0, out);
}

int om_dict_values(om_dict *d, om_value *out)
{
	return handle_call(&d->h, "dict.values", NULL, 0, out);
}

int om_dict_items(om_dict *d, om_value *out)
{
	return handle_call(&d->h, "dict.items", NULL, 0, out);
}

int om_dict_scan(om_dict *d, uint64_t cursor, size_t count, uint64_t *next, om_value *page)
{
	om_value args[] = {om_uint(cursor), handle_count(count)}, v;
	*page = om_nil();
	int rc = handle_call(&d->h, "dict.scan", args, 2, &v);
	return rc != OM_OK ? rc : result_page(d->h.client, "dict.scan", &v, next, page);
}

int om_dict_update(om_dict *d, om_value map)
{
	return handle_call(&d->h, "dict.update", &map, 1, NULL);
}

int om_dict_clear(om_dict *d)
{
	return handle_call(&d->h, "dict.clear", NULL, 0, NULL);
}

int om_dict_popitem(om_dict *d, om_value *key, om_value *value)
{
	om_value pair;
	if (key)
		*key = om_nil();
	if (value)
		*value = om_nil();
	int rc = handle_call(&d->h, "dict.popitem", NULL, 0, &pair);
	return rc != OM_OK ? rc : result_pair(d->h.client, "dict.popitem", &pair, key, value);
}

int om_dict_incr(om_dict *d, om_value key, om_value delta, om_value *out)
{
	om_value args[] = {key, delta};
	return handle_call(&d->h, "dict.incr", args, 2, out);
}
