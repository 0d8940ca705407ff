/*
 * activation.h — listening sockets handed over by systemd (socket activation).
 *
 * systemd, or anything that follows its LISTEN_FDS/LISTEN_PID protocol
 * (sd_listen_fds(3)), opens the sockets itself and starts objmgrd with them
 * as descriptors 3, 4, ... and with objmgrd's own pid in LISTEN_PID.
 * objmgrd then serves those instead of binding its own: Unix sockets, whose
 * file stays when it exits (systemd made it and keeps listening), and TCP
 * ones, which need --authkey-file as --listen's do. A client that connected
 * before objmgrd started waits in the socket's backlog and is served once
 * it runs.
 */
#ifndef OBJMGRD_ACTIVATION_H
#define OBJMGRD_ACTIVATION_H

#include <stdbool.h>

#include "server.h"

/* The first socket's descriptor (SD_LISTEN_FDS_START); the others follow it. */
#define ACTIVATION_FD_START 3

typedef struct activation {
	int n;                          /* sockets passed; 0: not started that way */
	bool tcp[SERVER_LISTENERS_MAX]; /* ACTIVATION_FD_START + i is a TCP socket, else a Unix one */
} activation;

/*
 * Fills a with the sockets passed to this process, and removes LISTEN_PID,
 * LISTEN_FDS and LISTEN_FDNAMES from the environment. LISTEN_PID naming
 * another process means none were passed. Returns 0, or -1 after logging
 * why they cannot be served: more than SERVER_LISTENERS_MAX, or one that is
 * not a listening Unix or TCP stream socket.
 */
int activation_get(activation *a);

/* Serves a's sockets as s's listeners. 0, or -1 after logging (listener_stop() closes what was opened). */
int activation_listen(server *s, const activation *a);

/* Tells systemd (Type=notify) that the server is ready; nothing when $NOTIFY_SOCKET is unset. */
void activation_ready(void);

#endif
