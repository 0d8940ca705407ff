/*
 * admin.h — the handlers of the "objects" and "server" methods, whose
 * specs are in types/admin.c: they need the registry and the loop, which
 * types/ must not know about.
 */
#ifndef OBJMGRD_ADMIN_H
#define OBJMGRD_ADMIN_H

#include "server.h"

/* Runs with c's args checked against the op's spec; answers like an op_fn. */
typedef int (*admin_fn)(server *s, op_call *c);

/* The handler of the admin method t.op, by its position in admin_ops; NULL for a data type's. */
admin_fn admin_handler(const type_def *t, const op_def *op);

/*
 * Deletes the ephemeral objects of a closing connection, as objects.delete
 * would (their parked calls answered broken); watchers are told of each
 * as changed by "client.closed" [owner].
 */
void admin_delete_owned(server *s, registry_owned *list);

#endif
