/*
 * watch.h — telling clients what changes: versions, watches and monitors.
 *
 * Every object carries a version, the server's revision (a counter of
 * every change since it started) at its last change: a write call that
 * succeeded, a blocking call that completed, its creation, a lock released
 * because its holder closed. A deleted name's change takes a revision too.
 *
 * A connection that watches patterns (objects.watch) is sent
 * [2, "objects.changed", [name, method, params, version]] after each change
 * to an object whose name matches one, packed right after the reply to the
 * call that made it, so every watcher sees changes in the server's order.
 * A monitoring connection (server.monitor) is sent
 * [2, "server.call", [time, client, method, params]] for every call run.
 * params are summarised (watch_summary()): a notification stays small
 * whatever the call carried.
 *
 * Neither may slow the server: a watcher or monitor whose unsent output
 * is past --max-output when a notification is due is sent one overflow
 * notification instead ("objects.overflow" [message, revision] or
 * "server.overflow" [message]) and stops watching (or monitoring).
 */
#ifndef OBJMGRD_WATCH_H
#define OBJMGRD_WATCH_H

#include <msgpack.h>

#include "server.h"

/* The most patterns one connection watches at once. */
#define WATCH_PATTERNS_MAX 32

/* What a connection watches (conn.c keeps a pointer; NULL: nothing). */
typedef struct watcher watcher;

/* objects.watch, objects.unwatch and server.monitor for the calling connection (c->owner). */
int watch_add(server *s, op_call *c);
int watch_remove(server *s, op_call *c);
int watch_monitor(server *s, op_call *c);

/* Connection from is closing: it watches nothing any more. */
void watch_conn_closed(server *s, conn *from);

/*
 * A call of t.op with params from connection `from` runs (params[0] is the
 * object's name for a data type): monitors are told.
 */
void watch_call(server *s, conn *from, const type_def *t, const op_def *op,
		const msgpack_object_array *params);

/*
 * e changed through method type.op called with args[0..nargs) (after the
 * object's name; NULL, 0: none shown): e takes the next version, and the
 * watchers of its name are told.
 */
void watch_changed(server *s, registry_entry *e, const char *type, const char *op,
		   const msgpack_object *args, size_t nargs);

/* watch_changed() with args as values (a parked call's, which it keeps decoded). */
void watch_changed_values(server *s, registry_entry *e, const char *type, const char *op,
			  const om_value *args, size_t nargs);

/* Likewise for name[0..len), deleted: the change takes the next revision. */
void watch_deleted(server *s, const char *name, size_t len, const char *type, const char *op,
		   const msgpack_object *args, size_t nargs);

/*
 * Inside an atomic batch (server.batch): notifications wait, and at its
 * end they go out (deliver) or are forgotten (the batch was undone).
 */
void watch_hold(server *s);
void watch_release(server *s, bool deliver);

/* Frees what the watchers' notifications were packed in, at exit. */
void watch_free(server *s);

#endif
