/*
 * clients.h — the "clients" and "client" admin methods: who is connected,
 * what each connection holds, naming one's own connection, and closing
 * another's. Their specs are in types/admin.c.
 */
#ifndef OBJMGRD_CLIENTS_H
#define OBJMGRD_CLIENTS_H

#include "admin.h"

int admin_clients_list(server *s, op_call *c);
int admin_clients_kill(server *s, op_call *c);
int admin_client_setname(server *s, op_call *c);

#endif
