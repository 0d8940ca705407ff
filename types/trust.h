/*
 * trust.h — whom a Unix socket connects: the checks objmgrd and libobjmgr
 * make before they trust a socket's directory or the process at its other
 * end (docs/guide.md, "Who can connect").
 *
 * A socket file is only as safe as its directory: whoever can write there
 * can put their own socket in its place. So objmgrd listens only in a
 * directory that is its own and that nobody else can write, and a client
 * connecting to the default socket checks the same; any client checks the
 * server's user with SO_PEERCRED.
 */
#ifndef OBJMGR_TRUST_H
#define OBJMGR_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The longest explanation trust_dir() writes. */
#define TRUST_WHY_MAX 256

/* Who is at the other end of a connected Unix socket, as the kernel saw it connect. */
typedef struct trust_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
} trust_peer;

/*
 * The directory part of a socket path into buf ("." for a bare name, "/"
 * for one in the root). False when it does not fit.
 */
bool trust_dir_of(const char *path, char *buf, size_t size);

/*
 * True when dir is a directory (not a link to one) owned by uid that
 * neither its group nor others can write. Otherwise false, with why saying
 * what is wrong ("/tmp/x is writable by others (mode 0777)"), at most
 * TRUST_WHY_MAX bytes.
 */
bool trust_dir(const char *dir, uid_t uid, char why[TRUST_WHY_MAX]);

/* Reads the peer of connected Unix socket fd; 0, or -1 with errno set. */
int trust_peer_of(int fd, trust_peer *peer);

#endif
