/* activation.c — serving the listening sockets systemd passes (activation.h). */
#include "activation.h"

#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>

#include "listener.h"
#include "log.h"

_Static_assert(ACTIVATION_FD_START == SD_LISTEN_FDS_START, "systemd's first descriptor");

int activation_get(activation *a)
{
	memset(a, 0, sizeof *a);
	int n = sd_listen_fds(1);
	if (n < 0) {
		log_error("cannot take the sockets systemd passed (LISTEN_FDS): %s", strerror(-n));
		return -1;
	}
	if (n > SERVER_LISTENERS_MAX) {
		log_error("systemd passed %d sockets; objmgrd serves %d at most", n,
			  SERVER_LISTENERS_MAX);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		int fd = ACTIVATION_FD_START + i;
		if (sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) > 0)
			continue;
		if (sd_is_socket_inet(fd, 0, SOCK_STREAM, 1, 0) > 0) {
			a->tcp[i] = true;
			continue;
		}
		log_error("descriptor %d from systemd is not a listening Unix or TCP stream socket "
			  "(ListenStream= in the .socket unit, without Accept=yes)", fd);
		return -1;
	}
	a->n = n;
	return 0;
}

int activation_listen(server *s, const activation *a)
{
	for (int i = 0; i < a->n; i++)
		if (listener_adopt(s, ACTIVATION_FD_START + i, a->tcp[i]))
			return -1;
	return 0;
}

void activation_ready(void)
{
	int rc = sd_notify(0, "READY=1");
	if (rc < 0)
		log_warn("cannot tell systemd the server is ready: %s", strerror(-rc));
}
