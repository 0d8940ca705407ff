/*
 * admin.c — the "objects" and "server" methods. Their parameter specs are
 * the tables in types/admin.c; dispatch has checked the arguments (and the
 * object names) against them before a handler here runs.
 */
#include "admin.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dispatch.h"
#include "stats.h"
#include "value.h"
#include "wait.h"

static om_value str_value(const char *s)
{
	return value_str_dup(s, strlen(s));
}

/* Fills the pair at *ctx (an om_value **) with e's name and type, and moves to the next. */
static void list_add(const registry_entry *e, void *ctx)
{
	om_value **pair = ctx;
	(*pair)[0] = value_str_dup(e->name, e->len);
	(*pair)[1] = str_value(e->type->name);
	*pair += 2;
}

static int pair_cmp(const void *a, const void *b)
{
	return value_cmp(a, b);
}

/* A map name -> type name, sorted by name (bytewise) so listings are stable. */
static int admin_objects_list(server *s, op_call *c)
{
	om_value map = value_map_new(s->objects.count);
	om_value *pair = map.as.items;
	registry_each(&s->objects, list_add, &pair);
	qsort(map.as.items, map.len, 2 * sizeof *map.as.items, pair_cmp);
	return op_ok(c, map);
}

static int admin_objects_type(server *s, op_call *c)
{
	const registry_entry *e = registry_find(&s->objects, c->args[0].as.str, c->args[0].len);
	return e ? op_ok(c, str_value(e->type->name)) : OM_OK;
}

/*
 * The calls parked on the object are answered broken first, as they must
 * not outlive it; their replies go out, and the others waiting run again,
 * once it is gone.
 */
static int admin_objects_delete(server *s, op_call *c)
{
	registry_entry *e = registry_find(&s->objects, c->args[0].as.str, c->args[0].len);
	if (!e)
		return op_ok(c, om_bool(false));
	wait_object_deleted(s, e);
	registry_delete(&s->objects, c->args[0].as.str, c->args[0].len);
	wait_wake(s);
	return op_ok(c, om_bool(true));
}

/*
 * Creating an existing object of the same type succeeds and changes
 * nothing: its options are not compared with the ones given now.
 */
static int admin_objects_create(server *s, op_call *c)
{
	static const om_value no_options; /* nil */
	const om_value *name = &c->args[0], *type = &c->args[1];
	const om_value *options = c->nargs > 2 ? &c->args[2] : &no_options;
	const type_def *t = type_find(type->as.str, type->len);
	if (!t || t->admin)
		return op_fail(c, OM_BAD_PARAMS, "objects.create: unknown type \"%s\"", type->as.str);
	const registry_entry *e = registry_find(&s->objects, name->as.str, name->len);
	if (e)
		return e->type == t ? OM_OK : dispatch_wrong_type(c, e, t);
	void *obj = t->create(options, c);
	if (!obj) {
		/* The type names the option; say which method and parameter it came through. */
		char why[sizeof c->message];
		memcpy(why, c->message, sizeof why);
		return op_fail(c, c->code, "objects.create: parameter 'options': %.200s", why);
	}
	registry_add(&s->objects, name->as.str, name->len, t, obj);
	return OM_OK;
}

static int admin_server_ping(server *s, op_call *c)
{
	static const om_value pong = {.kind = OM_STR, .len = 4, .as.str = (char *)"pong"};
	(void)s;
	return op_borrow(c, &pong);
}

static void info_set(om_value **pair, const char *key, om_value v)
{
	(*pair)[0] = str_value(key);
	(*pair)[1] = v;
	*pair += 2;
}

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif

#ifdef HAVE_ASAN
/* From the sanitizer runtime (sanitizer/allocator_interface.h, which gcc does not install). */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

/* Heap bytes in use. Under ASan malloc bypasses glibc's arenas, so ask ASan's allocator instead. */
static size_t heap_in_use(void)
{
#ifdef HAVE_ASAN
	return __sanitizer_get_current_allocated_bytes();
#else
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
#endif
}

/* The settings the server runs with, as its options name them. */
static om_value config_info(const server *s)
{
	om_value map = value_map_new(5);
	om_value *p = map.as.items;
	info_set(&p, "max_message_size", om_uint(s->limits.max_message_size));
	info_set(&p, "max_clients", om_uint(s->limits.max_clients));
	info_set(&p, "max_output", om_uint(s->limits.max_output));
	info_set(&p, "max_waiting", om_uint(s->limits.max_waiting));
	info_set(&p, "busy_poll_us", om_uint(s->busy_poll_us));
	return map;
}

static int admin_server_info(server *s, op_call *c)
{
	om_value map = value_map_new(12);
	om_value *p = map.as.items;
	info_set(&p, "version", str_value(OM_VERSION));
	info_set(&p, "uptime_s", om_float((double)(uv_now(s->loop) - s->started_ms) / 1000.0));
	info_set(&p, "connections", om_uint(s->nconns));
	info_set(&p, "objects", om_uint(s->objects.count));
	info_set(&p, "ops_total", om_uint(s->ops_total));
	info_set(&p, "waiting", om_uint(s->nparked));
	info_set(&p, "parked_runs", om_uint(s->parked_runs));
	info_set(&p, "used_memory", om_uint(heap_in_use()));
	info_set(&p, "pid", om_int(getpid()));
	info_set(&p, "socket", str_value(s->socket_path));
	info_set(&p, "config", config_info(s));
	info_set(&p, "methods", stats_info(s->stats));
	return op_ok(c, map);
}

/* Answers nil; the reply is sent before the connections close. */
static int admin_server_shutdown(server *s, op_call *c)
{
	(void)c;
	server_stop(s);
	return OM_OK;
}

static const struct {
	const char *type, *op;
	admin_fn fn;
} handlers[] = {
	{"objects", "list", admin_objects_list},
	{"objects", "type", admin_objects_type},
	{"objects", "delete", admin_objects_delete},
	{"objects", "create", admin_objects_create},
	{"server", "ping", admin_server_ping},
	{"server", "info", admin_server_info},
	{"server", "shutdown", admin_server_shutdown},
};

admin_fn admin_handler(const type_def *t, const op_def *op)
{
	for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++)
		if (strcmp(handlers[i].type, t->name) == 0 && strcmp(handlers[i].op, op->name) == 0)
			return handlers[i].fn;
	return NULL;
}
