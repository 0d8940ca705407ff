/*
 * trust.c — checks on a Unix socket's directory and on its peer, shared by
 * objmgrd and libobjmgr so that both sides apply the same rule.
 */
#include "trust.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

bool trust_dir_of(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return snprintf(buf, size, ".") < (int)size;
	size_t n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= size)
		return false;
	memcpy(buf, path, n);
	buf[n] = '\0';
	return true;
}

bool trust_dir(const char *dir, uid_t uid, char why[TRUST_WHY_MAX])
{
	struct stat st;
	if (lstat(dir, &st) < 0) {
		snprintf(why, TRUST_WHY_MAX, "%s: %s", dir, strerror(errno));
		return false;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, TRUST_WHY_MAX, "%s is not a directory%s", dir,
			 S_ISLNK(st.st_mode) ? " but a symbolic link" : "");
		return false;
	}
	if (st.st_uid != uid) {
		snprintf(why, TRUST_WHY_MAX, "%s belongs to uid %u, not to uid %u", dir,
			 (unsigned)st.st_uid, (unsigned)uid);
		return false;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, TRUST_WHY_MAX, "%s is writable by %s (mode %04o)", dir,
			 st.st_mode & S_IWOTH ? "others" : "its group", (unsigned)(st.st_mode & 07777));
		return false;
	}
	return true;
}

int trust_peer_of(int fd, trust_peer *peer)
{
	struct ucred cred;
	socklen_t len = sizeof cred;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -1;
	*peer = (trust_peer){.pid = cred.pid, .uid = cred.uid, .gid = cred.gid};
	return 0;
}
