/* access.c — who may connect to objmgrd, and the mode of its socket file. */
#include "access.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

bool access_allows_uid(const server_access *a, uid_t uid)
{
	if (a->nallow == 0 || uid == geteuid())
		return true;
	for (size_t i = 0; i < a->nallow; i++)
		if (a->allow[i] == uid)
			return true;
	return false;
}

int access_apply_socket(const server_access *a, const char *path)
{
	if (a->set_group && chown(path, (uid_t)-1, a->socket_group) < 0) {
		log_error("cannot give %s the group %u: %s", path, (unsigned)a->socket_group,
			  strerror(errno));
		return -1;
	}
	if (chmod(path, a->socket_mode) < 0) {
		log_error("cannot give %s the mode %04o: %s", path, a->socket_mode, strerror(errno));
		return -1;
	}
	return 0;
}
