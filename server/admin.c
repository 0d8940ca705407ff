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
#include "shmring.h"
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

/* server.info's sections, as its section param names them (docs/protocol.md). */
enum info_section { SEC_SERVER, SEC_CLIENTS, SEC_MEMORY, SEC_PERSISTENCE, SEC_CONFIG, SEC_POLLING,
		    SEC_METHODS, NSECTIONS };
static const char *const section_names[NSECTIONS] = {
	"server", "clients", "memory", "persistence", "config", "polling", "methods",
};

/*
 * Every fact, in the order of the whole map server.info answers without a
 * section; each belongs to one section. The last four are sections whole:
 * asked for alone, their map is the answer. A fact marked sectioned is only
 * in its section's answer (the whole map has it elsewhere: config's).
 */
enum info_fact { F_VERSION, F_RUN_ID, F_REVISION, F_UPTIME, F_CONNECTIONS, F_OBJECTS, F_OPS_TOTAL,
		 F_WAITING, F_PARKED_RUNS, F_USED_MEMORY, F_CLIENTS_BUFFERS, F_MAX_MEMORY, F_PID,
		 F_SOCKET, F_LISTENING, F_CONFIG, F_PERSISTENCE, F_POLLING, F_METHODS, NFACTS };
static const struct {
	const char *key;
	uint8_t section;
	bool sectioned;
} info_facts[NFACTS] = {
	[F_VERSION] = {"version", SEC_SERVER, false},
	[F_RUN_ID] = {"run_id", SEC_SERVER, false},
	[F_REVISION] = {"revision", SEC_SERVER, false},
	[F_UPTIME] = {"uptime_s", SEC_SERVER, false},
	[F_CONNECTIONS] = {"connections", SEC_CLIENTS, false},
	[F_OBJECTS] = {"objects", SEC_SERVER, false},
	[F_OPS_TOTAL] = {"ops_total", SEC_SERVER, false},
	[F_WAITING] = {"waiting", SEC_CLIENTS, false},
	[F_PARKED_RUNS] = {"parked_runs", SEC_CLIENTS, false},
	[F_USED_MEMORY] = {"used_memory", SEC_MEMORY, false},
	[F_CLIENTS_BUFFERS] = {"clients_buffers", SEC_MEMORY, false},
	[F_MAX_MEMORY] = {"max_memory", SEC_MEMORY, true},
	[F_PID] = {"pid", SEC_SERVER, false},
	[F_SOCKET] = {"socket", SEC_SERVER, false},
	[F_LISTENING] = {"listening", SEC_SERVER, false},
	[F_CONFIG] = {"config", SEC_CONFIG, false},
	[F_PERSISTENCE] = {"persistence", SEC_PERSISTENCE, false},
	[F_POLLING] = {"polling", SEC_POLLING, false},
	[F_METHODS] = {"methods", SEC_METHODS, false},
};

/* Into *out fact f's value, owned; false when out of memory. */
static bool fact_value(const server *s, enum info_fact f, om_value *out)
{
	switch (f) {
	case F_VERSION:
		return str_value(out, OM_VERSION);
	case F_RUN_ID:
		return str_value(out, s->run_id);
	case F_SOCKET:
		*out = om_nil();
		return !s->socket_path || str_value(out, s->socket_path);
	case F_LISTENING:
		return listening_info(s, out);
	case F_CONFIG:
		return config_info(s, out);
	case F_PERSISTENCE:
		return journal_info(s, out);
	case F_POLLING:
		return poll_info(s, out);
	case F_METHODS:
		return stats_info(s->stats, out);
	case F_UPTIME:
		*out = om_float((double)(uv_now(s->loop) - s->started_ms) / 1000.0);
		return true;
	case F_PID:
		*out = om_int(getpid());
		return true;
	default:
		break;
	}
	uint64_t n = f == F_REVISION      ? s->revision
		   : f == F_CONNECTIONS   ? s->nconns
		   : f == F_OBJECTS       ? s->objects.count
		   : f == F_OPS_TOTAL     ? s->ops_total
		   : f == F_WAITING       ? s->nparked
		   : f == F_PARKED_RUNS   ? s->parked_runs
		   : f == F_USED_MEMORY   ? memory_used()
		   : f == F_CLIENTS_BUFFERS ? conn_buffers(s)
					    : s->limits.max_memory;
	*out = om_uint(n);
	return true;
}

/* Whether fact f is in the answer for section (NSECTIONS: the whole map). */
static bool fact_in(enum info_fact f, int section)
{
	return section == NSECTIONS ? !info_facts[f].sectioned : info_facts[f].section == section;
}

/* The section named by v, NSECTIONS for the whole map (no param), or -1 (c failed). */
static int info_section(op_call *c)
{
	if (c->nargs == 0 || c->args[0].kind == OM_NIL)
		return NSECTIONS;
	for (int i = 0; i < NSECTIONS; i++)
		if (strlen(section_names[i]) == c->args[0].len &&
		    memcmp(section_names[i], c->args[0].as.str, c->args[0].len) == 0)
			return i;
	op_fail(c, OM_BAD_PARAMS,
		"server.info: no section \"%.*s\" (the sections: server, clients, memory, "
		"persistence, config, polling, methods)",
		(int)(c->args[0].len < 64 ? c->args[0].len : 64), c->args[0].as.str);
	return -1;
}

static int admin_server_info(server *s, op_call *c)
{
	int section = info_section(c);
	if (section < 0)
		return c->code;
	om_value map;
	if (section == SEC_PERSISTENCE || section == SEC_CONFIG || section == SEC_POLLING ||
	    section == SEC_METHODS) {
		enum info_fact whole = section == SEC_PERSISTENCE ? F_PERSISTENCE
				       : section == SEC_CONFIG    ? F_CONFIG
				       : section == SEC_POLLING   ? F_POLLING
								  : F_METHODS;
		return fact_value(s, whole, &map) ? op_ok(c, map) : op_no_memory(c);
	}
	size_t n = 0;
	for (int f = 0; f < NFACTS; f++)
		n += fact_in(f, section);
	if (!value_map_alloc(&map, n))
		return op_no_memory(c);
	om_value *p = map.as.items;
	for (int f = 0; f < NFACTS; f++) {
		om_value v;
		if (!fact_in(f, section))
			continue;
		if (!fact_value(s, f, &v) || !info_set(&p, info_facts[f].key, v)) {
			om_value_free(&map);
			return op_no_memory(c);
		}
	}
	return op_ok(c, map);
}

/* A ring size option of server.shm: SHM_RING_DEFAULT when absent; false when it is not a size allowed. */
static bool ring_option(const om_value *options, const char *key, uint32_t *size)
{
	const om_value *v = option(options, key);
	*size = SHM_RING_DEFAULT;
	if (!v)
		return true;
	if (v->kind != OM_INT || v->as.i < 0 || !shm_ring_size_ok((uint64_t)v->as.i))
		return false;
	*size = (uint32_t)v->as.i;
	return true;
}

/*
 * Offers the caller's connection shared memory (shm.h): the reply carries
 * the region's fds and the connection moves onto its rings once sent.
 */
static int admin_server_shm(server *s, op_call *c)
{
	const om_value *options = c->nargs > 0 ? &c->args[0] : &no_options;
	for (size_t i = 0; options->kind == OM_MAP && i < options->len; i++) {
		const om_value *k = &options->as.items[2 * i];
		if (k->kind != OM_STR || !((k->len == 12 && !memcmp(k->as.str, "request_ring", 12)) ||
					   (k->len == 10 && !memcmp(k->as.str, "reply_ring", 10))))
			return op_fail(c, OM_BAD_PARAMS, "server.shm: the options are "
				       "'request_ring' and 'reply_ring'");
	}
	uint32_t req, rep;
	if (!ring_option(options, "request_ring", &req) || !ring_option(options, "reply_ring", &rep))
		return op_fail(c, OM_BAD_PARAMS, "server.shm: a ring's size must be a power of two "
			       "from %u to %u bytes", SHM_RING_MIN, SHM_RING_MAX);
	conn *me = conn_find(s, c->owner);
	if (!me)
		return op_fail(c, OM_VALUE_ERROR, "server.shm: the connection is closing");
	om_value map;
	if (!value_map_alloc(&map, 3))
		return op_no_memory(c);
	om_value *p = map.as.items;
	if (!(info_set(&p, "version", om_uint(SHM_VERSION)) &&
	      info_set(&p, "request_ring", om_uint(req)) && info_set(&p, "reply_ring", om_uint(rep)))) {
		om_value_free(&map);
		return op_no_memory(c);
	}
	char why[128];
	int rc = conn_shm_offer(me, req, rep, why, sizeof why);
	if (rc != OM_OK) {
		om_value_free(&map);
		return op_fail(c, rc, "server.shm: %s", why);
	}
	return op_ok(c, map);
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
	[ADMIN_SERVER_SHM] = admin_server_shm,
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
