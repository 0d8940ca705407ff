/*
 * access.h — who may connect to objmgrd, and the mode of its socket file.
 *
 * A Unix socket is reachable by whoever may open its file, so the file is
 * made 0600 (the server's user only) unless --socket-mode and
 * --socket-group open it to a group on purpose. The kernel tells the
 * server each client's uid (SO_PEERCRED); with --allow-uid only the listed
 * users, and the server's own, get in.
 */
#ifndef OBJMGRD_ACCESS_H
#define OBJMGRD_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The most --allow-uid options. */
#define ACCESS_UIDS_MAX 64

typedef struct server_access {
	unsigned socket_mode;  /* the socket file's permission bits */
	bool set_group;        /* chown the socket file to socket_group */
	gid_t socket_group;
	uid_t allow[ACCESS_UIDS_MAX]; /* --allow-uid; none: every user who can open the socket */
	size_t nallow;
} server_access;

/* The socket file's mode when --socket-mode is not given. */
#define ACCESS_SOCKET_MODE 0600

/* True when a client running as uid may connect. */
bool access_allows_uid(const server_access *a, uid_t uid);

/*
 * Gives the socket file at path a's mode and group. 0, or -1 after logging
 * why not.
 */
int access_apply_socket(const server_access *a, const char *path);

#endif
