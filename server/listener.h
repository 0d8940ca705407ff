/* listener.h — the listening sockets of objmgrd: its Unix socket, and TCP ones. */
#ifndef OBJMGRD_LISTENER_H
#define OBJMGRD_LISTENER_H

#include <stdbool.h>
#include <sys/socket.h>

#include "server.h"

/*
 * Listens on s->socket_path, unless NULL: fails when a live server holds
 * it, replaces a stale socket file, creates the private default directory
 * when the path is in it. Then on each of s->tcp, every address its host
 * resolves to. s->listener_names says where, the ports chosen for port 0
 * included. Returns 0, or -1 after logging why not (listener_stop() then
 * closes what was opened).
 */
int listener_start(server *s);

/*
 * Serves fd, a socket already bound and listening (socket activation,
 * activation.h): a TCP one when tcp, else a Unix one, named in
 * s->listener_names by the address it is bound to (getsockname; "@name" for
 * an abstract Unix socket). The first Unix one becomes s->socket_path. Its
 * file is not the server's: libuv removes only the files it bound, so it
 * stays when the server stops. Returns 0, or -1 after logging why not.
 */
int listener_adopt(server *s, int fd, bool tcp);

/* Stops accepting. libuv removes the socket file it bound as the handle closes. */
void listener_stop(server *s);

/* A TCP peer's or listener's address as "tcp:1.2.3.4:5" or "tcp:[::1]:5", into buf. */
void listener_format(const struct sockaddr_storage *sa, char *buf, size_t size);

#endif
