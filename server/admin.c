/*
 * admin.c — the "objects" and "server" methods, and the table of every
 * admin method's handler (clients.c has the "clients" and "client" ones).
 * Their parameter specs are admin_ops in types/admin.c, whose positions
 * (enum admin_op) find the handlers here; dispatch has checked the
 * arguments (and the object names, ARG_NAME) against them before a handler
 * here runs.
 */
#include "admin.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clients.h"
#include "conn.h"
#include "journal.h"
#include "dispatch.h"
#include "memory.h"
#include "stats.h"
#include "mem.h"
#include "value.h"
#include "glob.h"
#include "typeutil.h"
#include "wait.h"
#include "watch.h"

static const om_value no_options; /* nil */

static bool str_value(om_value *out, const char *s)
{
	return value_str_copy(out, s, strlen(s));
}

/*
 * Sets the pair at *pair to key -> v and moves to the next. v is owned:
 * the map frees it with the rest, even when there is no memory for key.
 */
static bool info_set(om_value **pair, const char *key, om_value v)
{
	om_value *p = *pair;
	*pair += 2;
	p[1] = v;
	return str_value(&p[0], key);
}

/* info_set() with a copy of the string s. */
static bool info_str(om_value **pair, const char *key, const char *s)
{
	om_value v;
	return str_value(&v, s) && info_set(pair, key, v);
}

/* objects.list's map being filled: the next pair, until memory runs out. */
typedef struct listing {
	const om_value *pattern; /* NULL: every name */
	bool versions;           /* name -> [type, version] */
	om_value *pair;          /* NULL: only counting */
	size_t count;
	bool failed;
} listing;

static bool listed(const listing *l, const registry_entry *e)
{
	return !l->pattern || glob_match(l->pattern->as.str, l->pattern->len, e->name, e->len);
}

/* Counts e when it is listed (the first pass sizes the map). */
static void list_count(const registry_entry *e, void *ctx)
{
	listing *l = ctx;
	l->count += listed(l, e);
}

/* Fills the next pair of the listing at ctx with e's name and type (and version). */
static void list_add(const registry_entry *e, void *ctx)
{
	listing *l = ctx;
	if (l->failed || !listed(l, e))
		return;
	om_value *type = &l->pair[1];
	if (l->versions) {
		l->failed = !value_array_alloc(&l->pair[1], 2);
		if (l->failed)
			return;
		type = &l->pair[1].as.items[0];
		l->pair[1].as.items[1] = om_uint(e->version);
	}
	l->failed = !value_str_copy(&l->pair[0], e->name, e->len) || !str_value(type, e->type->name);
	l->pair += 2;
}

static int pair_cmp(const void *a, const void *b)
{
	return value_cmp(a, b);
}

/* The option named key in options (a map or nil), or NULL. */
static const om_value *option(const om_value *options, const char *key)
{
	size_t len = strlen(key);
	for (size_t i = 0; options->kind == OM_MAP && i < options->len; i++) {
		const om_value *k = &options->as.items[2 * i];
		if (k->kind == OM_STR && k->len == len && memcmp(k->as.str, key, len) == 0)
			return k + 1;
	}
	return NULL;
}

/* A map name -> type name (or [type name, version]), sorted by name (bytewise) so listings are stable. */
static int admin_objects_list(server *s, op_call *c)
{
	const om_value *options = c->nargs > 1 ? &c->args[1] : &no_options;
	const om_value *versions = option(options, "versions");
	if (versions && versions->kind != OM_BOOL)
		return op_fail(c, OM_BAD_PARAMS, "objects.list: option 'versions' must be a boolean");
	listing l = {.pattern = c->nargs && c->args[0].kind == OM_STR ? &c->args[0] : NULL,
		     .versions = versions && versions->as.b};
	registry_each(&s->objects, list_count, &l);
	om_value map;
	if (!value_map_alloc(&map, l.count))
		return op_no_memory(c);
	l.pair = map.as.items;
	registry_each(&s->objects, list_add, &l);
	if (l.failed) {
		om_value_free(&map);
		return op_no_memory(c);
	}
	qsort(map.as.items, map.len, 2 * sizeof *map.as.items, pair_cmp);
	return op_ok(c, map);
}

/* The entries of an objects.scan page whose names match, in a growing array. */
typedef struct scan_page {
	const om_value *pattern; /* NULL: every name */
	const registry_entry **found;
	size_t n, cap;
	bool failed;
} scan_page;

static void scan_add(const registry_entry *e, void *ctx)
{
	scan_page *p = ctx;
	if (p->failed || (p->pattern && !glob_match(p->pattern->as.str, p->pattern->len, e->name, e->len)))
		return;
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		const registry_entry **found = mem_realloc(p->found, cap * sizeof *found);
		if (!found) {
			p->failed = true;
			return;
		}
		p->found = found;
		p->cap = cap;
	}
	p->found[p->n++] = e;
}

/* Fills *out, an owned [cursor, {name: type}], from the entries of p; false when memory runs out. */
static bool scan_answer(const scan_page *p, uint64_t next, om_value *out)
{
	if (!value_array_alloc(out, 2))
		return false;
	out->as.items[0] = om_int((int64_t)next);
	if (!value_map_alloc(&out->as.items[1], p->n))
		return false;
	om_value *pair = out->as.items[1].as.items;
	for (size_t i = 0; i < p->n; i++, pair += 2)
		if (!value_str_copy(&pair[0], p->found[i]->name, p->found[i]->len) ||
		    !str_value(&pair[1], p->found[i]->type->name))
			return false;
	return true;
}

/*
 * [next cursor, {name: type}]: a page of a walk of the registry
 * (registry_scan()), count counting the names looked at, matching or not,
 * so that a page with a pattern may hold none before the walk ends.
 */
static int admin_objects_scan(server *s, op_call *c)
{
	uint64_t cursor;
	size_t count;
	if (!typeutil_scan_args(c, 0, 2, &cursor, &count))
		return c->code;
	scan_page p = {.pattern = c->nargs > 1 && c->args[1].kind == OM_STR ? &c->args[1] : NULL};
	uint64_t next = registry_scan(&s->objects, cursor, count, SCAN_VISITS_PER_ITEM * count,
				      scan_add, &p);
	om_value out = om_nil();
	bool ok = !p.failed && scan_answer(&p, next, &out);
	free(p.found);
	if (!ok) {
		om_value_free(&out);
		return op_no_memory(c);
	}
	return op_ok(c, out);
}

static int admin_objects_type(server *s, op_call *c)
{
	const registry_entry *e = registry_find(&s->objects, c->args[0].as.str, c->args[0].len);
	om_value type;
	if (!e)
		return OM_OK;
	if (!str_value(&type, e->type->name))
		return op_no_memory(c);
	return op_ok(c, type);
}

/*
 * The calls parked on the object are answered broken first, as they must
 * not outlive it; their replies go out, and the others waiting run again,
 * once it is gone.
 */
static int admin_objects_delete(server *s, op_call *c)
{
	const om_value *name = &c->args[0];
	registry_entry *e = registry_find(&s->objects, name->as.str, name->len);
	if (!e)
		return op_ok(c, om_bool(false));
	wait_object_deleted(s, e);
	registry_delete(&s->objects, name->as.str, name->len);
	watch_deleted(s, name->as.str, name->len, "objects", "delete", NULL, 0);
	wait_wake(s);
	return op_ok(c, om_bool(true));
}

void admin_delete_owned(server *s, registry_owned *list)
{
	char name[OBJECT_NAME_MAX];
	if (!list->first)
		return;
	while (list->first) {
		registry_entry *e = list->first;
		size_t len = e->len;
		memcpy(name, e->name, len);
		wait_object_deleted(s, e);
		registry_delete(&s->objects, name, len);
		watch_deleted(s, name, len, "objects", "delete", NULL, 0);
	}
	wait_wake(s);
}

static int admin_objects_version(server *s, op_call *c)
{
	const registry_entry *e = registry_find(&s->objects, c->args[0].as.str, c->args[0].len);
	return op_ok(c, om_uint(e ? e->version : 0));
}

/*
 * Into *out a view of options without its "ephemeral" pair, which is the
 * registry's, not the type's: its items are options's, only the array is
 * to be freed. False when out of memory.
 */
static bool type_options(const om_value *options, const om_value *ephemeral, om_value *out)
{
	*out = *options;
	if (!ephemeral)
		return true;
	out->as.items = mem_alloc((options->len - 1) * 2 * sizeof *out->as.items + 1);
	if (!out->as.items)
		return false;
	out->len = 0;
	for (size_t i = 0; i < options->len; i++)
		if (&options->as.items[2 * i + 1] != ephemeral) {
			out->as.items[2 * out->len] = options->as.items[2 * i];
			out->as.items[2 * out->len++ + 1] = options->as.items[2 * i + 1];
		}
	return true;
}

/*
 * An ephemeral object must be new, as a service registering its presence
 * must learn that the name is taken; asking again for one's own succeeds.
 */
static int ephemeral_exists(op_call *c, registry_entry *e)
{
	if (e->owned_by && e->owned_by->owner == c->owner)
		return OM_OK;
	return op_fail(c, OM_VALUE_ERROR, "objects.create: \"%s\" exists already (an ephemeral "
		       "object must be new)", e->name);
}

/* Announces e, just made by objects.create, to its watchers. */
static void created(server *s, registry_entry *e)
{
	const msgpack_object_array *p = s->call_params;
	e->provisional = false;
	watch_changed(s, e, "objects", "create", p && p->size ? p->ptr + 1 : NULL,
		      p && p->size ? p->size - 1 : 0);
}

/*
 * Creating an existing object of the same type succeeds and changes
 * nothing, but options given (not nil nor empty) are checked as for a new
 * one, by making one with them and throwing it away: unknown keys and bad
 * values are refused; they are not compared with the object's own. The
 * option "ephemeral" ties the object to the calling connection: it is
 * deleted when that closes (admin_delete_owned()).
 */
static int admin_objects_create(server *s, op_call *c)
{
	const om_value *name = &c->args[0], *type = &c->args[1];
	const om_value *given = c->nargs > 2 ? &c->args[2] : &no_options;
	const type_def *t = type_find(type->as.str, type->len);
	if (!t || t->admin)
		return op_fail(c, OM_BAD_PARAMS, "objects.create: unknown type \"%s\"", type->as.str);
	const om_value *ephemeral = option(given, "ephemeral");
	if (ephemeral && ephemeral->kind != OM_BOOL)
		return op_fail(c, OM_BAD_PARAMS,
			       "objects.create: parameter 'options': 'ephemeral' must be a boolean");
	bool owned = ephemeral && ephemeral->as.b;
	conn *from = owned ? conn_find(s, c->owner) : NULL;
	if (owned && !from)
		return op_fail(c, OM_VALUE_ERROR, "objects.create: an ephemeral object needs a "
			       "connection to belong to");
	registry_entry *e = registry_find(&s->objects, name->as.str, name->len);
	if (e && e->type != t)
		return dispatch_wrong_type(c, e, t);
	if (e && owned && !e->provisional && ephemeral_exists(c, e))
		return c->code;
	om_value options;
	if (!type_options(given, ephemeral, &options))
		return op_no_memory(c);
	bool defaults = options.kind == OM_NIL || options.len == 0;
	void *obj = e && defaults ? NULL : t->create(&options, c);
	if (ephemeral)
		free(options.as.items);
	if (!obj && c->code == OM_LIMIT)
		return c->code; /* out of memory */
	if (!obj && c->code) {
		/* The type names the option; say which method and parameter it came through. */
		char why[sizeof c->message];
		memcpy(why, c->message, sizeof why);
		return op_fail(c, c->code, "objects.create: parameter 'options': %.200s", why);
	}
	if (e) {
		if (obj)
			t->destroy(obj);
		if (owned && !e->owned_by)
			registry_own(conn_owned(from), e);
		if (e->provisional)
			created(s, e);
		return OM_OK;
	}
	if (!(e = registry_add(&s->objects, name->as.str, name->len, t, obj))) {
		t->destroy(obj);
		return op_no_memory(c);
	}
	if (from)
		registry_own(conn_owned(from), e);
	created(s, e);
	return OM_OK;
}

/* Into *out the options e's object was made with (types/ops.h); an empty map for a type without. */
static bool object_options(const registry_entry *e, om_value *out)
{
	if (e->type->options)
		return e->type->options(e->obj, out);
	return value_map_alloc(out, 0);
}

/*
 * {"type": ..., "options": {...}, "len": N}: the options are what
 * objects.create takes to make an equal object, empty, so that `objmgr
 * export` can copy an object without knowing each type.
 */
static int admin_objects_describe(server *s, op_call *c)
{
	const registry_entry *e = registry_find(&s->objects, c->args[0].as.str, c->args[0].len);
	om_value map, options;
	if (!e)
		return OM_OK;
	if (!value_map_alloc(&map, 3))
		return op_no_memory(c);
	om_value *p = map.as.items;
	if (info_str(&p, "type", e->type->name) && object_options(e, &options) &&
	    info_set(&p, "options", options) && info_set(&p, "len", om_uint(e->type->len(e->obj))))
		return op_ok(c, map);
	om_value_free(&map);
	return op_no_memory(c);
}

static int admin_server_ping(server *s, op_call *c)
{
	static const om_value pong = {.kind = OM_STR, .len = 4, .as.str = (char *)"pong"};
	(void)s;
	return op_borrow(c, &pong);
}

/* Into *out the settings the server runs with, as its options name them; false when out of memory. */
static bool config_info(const server *s, om_value *out)
{
	if (!value_map_alloc(out, 10))
		return false;
	om_value *p = out->as.items;
	if (info_set(&p, "max_message_size", om_uint(s->limits.max_message_size)) &&
	    info_set(&p, "max_clients", om_uint(s->limits.max_clients)) &&
	    info_set(&p, "max_output", om_uint(s->limits.max_output)) &&
	    info_set(&p, "max_output_hard", om_uint(s->limits.max_output_hard)) &&
	    info_set(&p, "max_waiting", om_uint(s->limits.max_waiting)) &&
	    info_set(&p, "max_memory", om_uint(s->limits.max_memory)) &&
	    info_set(&p, "idle_timeout_s", om_float((double)s->limits.idle_timeout_ms / 1000.0)) &&
	    info_set(&p, "message_timeout_s",
		     om_float((double)s->limits.message_timeout_ms / 1000.0)) &&
	    info_set(&p, "busy_poll_us", om_uint(poll_window_us(s))) &&
	    info_set(&p, "authkey", om_bool(s->authkey != NULL)))
		return true;
	om_value_free(out);
	return false;
}

/* Into *out every address the server listens on (TCP ports as bound); false when out of memory. */
static bool listening_info(const server *s, om_value *out)
{
	if (!value_array_alloc(out, s->nlisteners))
		return false;
	for (size_t i = 0; i < s->nlisteners; i++)
		if (!str_value(&out->as.items[i], s->listener_names[i])) {
			om_value_free(out);
			return false;
		}
	return true;
}

static int admin_server_info(server *s, op_call *c)
{
	om_value map, config, methods, listening, persistence, polling;
	if (!value_map_alloc(&map, 18))
		return op_no_memory(c);
	om_value *p = map.as.items;
	if (info_str(&p, "version", OM_VERSION) && info_str(&p, "run_id", s->run_id) &&
	    info_set(&p, "revision", om_uint(s->revision)) &&
	    info_set(&p, "uptime_s", om_float((double)(uv_now(s->loop) - s->started_ms) / 1000.0)) &&
	    info_set(&p, "connections", om_uint(s->nconns)) &&
	    info_set(&p, "objects", om_uint(s->objects.count)) &&
	    info_set(&p, "ops_total", om_uint(s->ops_total)) &&
	    info_set(&p, "waiting", om_uint(s->nparked)) &&
	    info_set(&p, "parked_runs", om_uint(s->parked_runs)) &&
	    info_set(&p, "used_memory", om_uint(memory_used())) &&
	    info_set(&p, "clients_buffers", om_uint(conn_buffers(s))) &&
	    info_set(&p, "pid", om_int(getpid())) &&
	    (s->socket_path ? info_str(&p, "socket", s->socket_path)
			    : info_set(&p, "socket", om_nil())) &&
	    listening_info(s, &listening) && info_set(&p, "listening", listening) &&
	    config_info(s, &config) && info_set(&p, "config", config) &&
	    journal_info(s, &persistence) && info_set(&p, "persistence", persistence) &&
	    poll_info(s, &polling) && info_set(&p, "polling", polling) &&
	    stats_info(s->stats, &methods) && info_set(&p, "methods", methods))
		return op_ok(c, map);
	om_value_free(&map);
	return op_no_memory(c);
}

/* Answers nil; the reply is sent before the connections close. */
static int admin_server_shutdown(server *s, op_call *c)
{
	(void)c;
	server_stop(s);
	return OM_OK;
}

/* Starts a snapshot (or finds one running) and answers the generation it writes. */
static int admin_server_save(server *s, op_call *c)
{
	if (journal_save(s, c))
		return c->code;
	return op_ok(c, om_uint(journal_generation(s)));
}

/* By position in admin_ops (types/ops.h). */
static const admin_fn handlers[ADMIN_NOPS] = {
	[ADMIN_OBJECTS_LIST] = admin_objects_list,
	[ADMIN_OBJECTS_SCAN] = admin_objects_scan,
	[ADMIN_OBJECTS_TYPE] = admin_objects_type,
	[ADMIN_OBJECTS_DELETE] = admin_objects_delete,
	[ADMIN_OBJECTS_CREATE] = admin_objects_create,
	[ADMIN_OBJECTS_DESCRIBE] = admin_objects_describe,
	[ADMIN_OBJECTS_VERSION] = admin_objects_version,
	[ADMIN_OBJECTS_WATCH] = watch_add,
	[ADMIN_OBJECTS_UNWATCH] = watch_remove,
	[ADMIN_SERVER_PING] = admin_server_ping,
	[ADMIN_SERVER_INFO] = admin_server_info,
	[ADMIN_SERVER_SHUTDOWN] = admin_server_shutdown,
	[ADMIN_SERVER_SAVE] = admin_server_save,
	[ADMIN_SERVER_MONITOR] = watch_monitor,
	[ADMIN_CLIENTS_LIST] = admin_clients_list,
	[ADMIN_CLIENTS_KILL] = admin_clients_kill,
	[ADMIN_CLIENT_SETNAME] = admin_client_setname,
};

admin_fn admin_handler(const type_def *t, const op_def *op)
{
	if (!t->admin)
		return NULL;
	return handlers[(t->ops - admin_ops) + (op - t->ops)];
}
