/* listener.h — the listening Unix socket of objmgrd. */
#ifndef OBJMGRD_LISTENER_H
#define OBJMGRD_LISTENER_H

#include "server.h"

/*
 * Listens on s->socket_path: fails when a live server holds it, replaces a
 * stale socket file, creates the private default directory when the path
 * is in it. Returns 0, or -1 after logging why not.
 */
int listener_start(server *s);

/* Stops accepting. libuv removes the socket file as the handle closes. */
void listener_stop(server *s);

#endif
