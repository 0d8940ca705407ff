/*
 * clients.c — clients.list, clients.kill and client.setname. The caller's
 * connection is the one numbered c->owner; what a connection holds is
 * asked of each holdable object's type (type_def.held_by), so this file
 * knows no type.
 */
#include "clients.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "value.h"

/* The keys of each connection's map, in the order clients.list gives them. */
#define CLIENT_KEYS 11

static bool put(om_value **pair, const char *key, om_value v)
{
	om_value *p = *pair;
	*pair += 2;
	p[1] = v;
	return value_str_copy(&p[0], key, strlen(key));
}

static bool put_str(om_value **pair, const char *key, const char *s)
{
	om_value v;
	return value_str_copy(&v, s, strlen(s)) && put(pair, key, v);
}

static int pair_cmp(const void *a, const void *b)
{
	return value_cmp(a, b);
}

/*
 * Into *out a map object name -> count of what c holds there, sorted by
 * name (bytewise); false when out of memory.
 */
static bool holdings(server *s, conn *c, om_value *out)
{
	size_t n = 0;
	uint64_t owner = conn_id(c);
	registry_entry *first = conn_is_holder(c) ? s->objects.holdable : NULL;
	for (registry_entry *e = first; e; e = e->hold_next)
		n += e->type->held_by && e->type->held_by(e->obj, owner) > 0;
	if (!value_map_alloc(out, n))
		return false;
	om_value *p = out->as.items;
	for (registry_entry *e = first; e && n; e = e->hold_next) {
		uint64_t held = e->type->held_by ? e->type->held_by(e->obj, owner) : 0;
		if (!held)
			continue;
		n--;
		p[1] = om_uint(held);
		if (!value_str_copy(&p[0], e->name, e->len)) {
			om_value_free(out);
			return false;
		}
		p += 2;
	}
	qsort(out->as.items, out->len, 2 * sizeof *out->as.items, pair_cmp);
	return true;
}

/* clients.list's array being filled: the next item, until memory runs out. */
typedef struct listing {
	server *srv;
	uint64_t me;
	om_value *item;
	size_t left;
	bool failed;
} listing;

static void count_one(conn *c, void *ctx)
{
	(void)c;
	(*(size_t *)ctx)++;
}

/* Fills the next item of the listing at ctx with c's map. */
static void describe_one(conn *c, void *ctx)
{
	listing *l = ctx;
	if (l->failed || l->left == 0)
		return;
	conn_info info;
	conn_describe(c, &info);
	char address[128];
	conn_address(c, address, sizeof address);
	om_value *map = l->item++, held, name = om_nil();
	l->left--;
	if (!value_map_alloc(map, CLIENT_KEYS)) {
		l->failed = true;
		return;
	}
	om_value *p = map->as.items;
	l->failed = !(put(&p, "id", om_uint(info.id)) && put_str(&p, "address", address) &&
		      (!info.name || value_str_copy(&name, info.name, strlen(info.name))) &&
		      put(&p, "name", name) && put(&p, "age", om_float(info.age_s)) &&
		      put(&p, "idle", om_float(info.idle_s)) &&
		      put(&p, "authenticated", om_bool(info.authed)) &&
		      put(&p, "requests", om_uint(info.requests)) &&
		      put(&p, "output", om_uint(info.output)) &&
		      put(&p, "parked", om_uint(info.parked)) &&
		      holdings(l->srv, c, &held) && put(&p, "holds", held) &&
		      put(&p, "me", om_bool(info.id == l->me)));
}

static uint64_t item_id(const om_value *map)
{
	return map->as.items[1].as.u; /* "id" comes first */
}

static int id_cmp(const void *a, const void *b)
{
	uint64_t x = item_id(a), y = item_id(b);
	return (x > y) - (x < y);
}

/* One map per open connection, oldest (lowest id) first. */
int admin_clients_list(server *s, op_call *c)
{
	size_t n = 0;
	conn_each_open(s, count_one, &n);
	om_value list;
	if (!value_array_alloc(&list, n))
		return op_no_memory(c);
	listing l = {s, c->owner, list.as.items, n, false};
	conn_each_open(s, describe_one, &l);
	if (l.failed) {
		om_value_free(&list);
		return op_no_memory(c);
	}
	qsort(list.as.items, list.len, sizeof *list.as.items, id_cmp);
	return op_ok(c, list);
}

int admin_clients_kill(server *s, op_call *c)
{
	const om_value *id = &c->args[0];
	if (id->kind == OM_INT && id->as.i < 0)
		return op_ok(c, om_bool(false)); /* ids are positive: no such connection */
	conn *victim = conn_find(s, id->kind == OM_UINT ? id->as.u : (uint64_t)id->as.i);
	if (!victim)
		return op_ok(c, om_bool(false));
	conn_kill(victim, c->owner);
	return op_ok(c, om_bool(true));
}

/* As Redis's CLIENT SETNAME: printable ASCII without spaces, so a name is one word in a table. */
static bool name_ok(const char *name, size_t len)
{
	if (len > CONN_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (name[i] <= ' ' || name[i] > '~')
			return false;
	return true;
}

int admin_client_setname(server *s, op_call *c)
{
	const om_value *name = &c->args[0];
	if (!name_ok(name->as.str, name->len))
		return op_fail(c, OM_BAD_PARAMS, "client.setname: parameter 'name' must be at most %d "
			       "printable ASCII bytes without spaces (\"\" clears it)", CONN_NAME_MAX);
	conn *me = conn_find(s, c->owner);
	if (me)
		conn_set_name(me, name->as.str, name->len);
	return OM_OK;
}
