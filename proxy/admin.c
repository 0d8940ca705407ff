/*
 * admin.c — the registry (objects.*), the server (server.*) and the
 * connections (clients.*, client.*) methods on a client.
 */
#include "handle.h"

int om_objects_list(om_client *c, om_value *out)
{
	return om_call(c, "objects.list", NULL, 0, out);
}

int om_objects_type(om_client *c, const char *name, om_value *out)
{
	om_value arg = om_str(name);
	return om_call(c, "objects.type", &arg, 1, out);
}

int om_objects_delete(om_client *c, const char *name, bool *existed)
{
	om_value arg = om_str(name), v;
	int rc = om_call(c, "objects.delete", &arg, 1, &v);
	return rc != OM_OK ? rc : result_bool(c, "objects.delete", &v, existed);
}

int om_objects_create(om_client *c, const char *name, const char *type, om_value options)
{
	om_value args[] = {om_str(name), om_str(type), options};
	/* nil options: the short form [name, type]. */
	return om_call(c, "objects.create", args, options.kind == OM_NIL ? 2 : 3, NULL);
}

int om_objects_describe(om_client *c, const char *name, om_value *out)
{
	om_value arg = om_str(name);
	return om_call(c, "objects.describe", &arg, 1, out);
}

int om_objects_version(om_client *c, const char *name, uint64_t *version)
{
	om_value arg = om_str(name), v;
	int rc = om_call(c, "objects.version", &arg, 1, &v);
	return rc != OM_OK ? rc : result_uint(c, "objects.version", &v, version);
}

int om_objects_list_versions(om_client *c, const char *pattern, om_value *out)
{
	om_value pairs[] = {om_str("versions"), om_bool(true)};
	om_value args[] = {pattern ? om_str(pattern) : om_nil(), om_map(pairs, 1)};
	return om_call(c, "objects.list", args, 2, out);
}

int om_objects_scan(om_client *c, uint64_t cursor, const char *pattern, size_t count,
		    uint64_t *next, om_value *page)
{
	om_value args[] = {om_uint(cursor), pattern ? om_str(pattern) : om_nil(), handle_count(count)}, v;
	*page = om_nil();
	int rc = om_call(c, "objects.scan", args, 3, &v);
	return rc != OM_OK ? rc : result_page(c, "objects.scan", &v, next, page);
}

int om_batch(om_client *c, const om_value *calls, const om_value *options, om_value *result)
{
	om_value args[] = {*calls, options ? *options : om_nil()};
	/* No options: the short form [calls]. */
	return om_call(c, "server.batch", args, options && options->kind != OM_NIL ? 2 : 1, result);
}

int om_server_ping(om_client *c)
{
	return om_call(c, "server.ping", NULL, 0, NULL);
}

int om_server_info(om_client *c, om_value *out)
{
	return om_call(c, "server.info", NULL, 0, out);
}

int om_server_shutdown(om_client *c)
{
	return om_call(c, "server.shutdown", NULL, 0, NULL);
}

int om_clients_list(om_client *c, om_value *out)
{
	return om_call(c, "clients.list", NULL, 0, out);
}

int om_clients_kill(om_client *c, uint64_t id, bool *existed)
{
	om_value arg = om_uint(id), v;
	int rc = om_call(c, "clients.kill", &arg, 1, &v);
	return rc != OM_OK ? rc : result_bool(c, "clients.kill", &v, existed);
}

int om_client_setname(om_client *c, const char *name)
{
	om_value arg = om_str(name);
	return om_call(c, "client.setname", &arg, 1, NULL);
}
