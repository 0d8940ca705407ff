/*
 * client.h — libobjmgr's internals: the client handle, shared by the
 * connection code (client.c), the request/reply loop (call.c) and the typed
 * proxy handles (handle.c and the per-type files).
 */
#ifndef OBJMGR_CLIENT_H
#define OBJMGR_CLIENT_H

#include <msgpack.h>

#include "objmgr.h"

/*
 * Invariant: fd >= 0 exactly while connected, and the unpacker is
 * initialised exactly while connected, so a reconnect always starts
 * reading on a fresh, unbroken stream.
 */
struct om_client {
	int fd;
	char *address;           /* the socket path, without "unix:" */
	om_options opts;
	uint32_t next_msgid;
	msgpack_unpacker unpacker; /* replies read but not yet consumed */
	msgpack_sbuffer out;     /* the request being sent, reused between calls */
	int code;                /* the last call's status */
	char message[1024];      /* and its detail; "" after a success */
};

/* Records a failure on c and returns code, for `return client_fail(...)`. */
int client_fail(om_client *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Records a success: clears the code and the message. */
void client_ok(om_client *c);

/* Closes the connection after an I/O or protocol failure; the handle stays usable for om_reconnect. */
void client_disconnect(om_client *c);

#endif
