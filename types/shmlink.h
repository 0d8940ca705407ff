/*
 * shmlink.h — a client's end of the shared-memory carrier
 * (docs/protocol.md "Shared memory"), for libobjmgr and the benchmark:
 * taking the fds of server.shm's reply, mapping the region, and moving
 * bytes through its rings as recv() and send() would, with a wait that
 * polls the rings for SHM_LINK_POLL_NS and then sleeps on the region's
 * futex. A wait for the reply to a request that had to wake the server
 * polls for SHM_LINK_WAKE_POLL_NS instead, while that pays off
 * (types/payoff.h): the server's CPU takes tens of microseconds to wake,
 * and a client that slept meanwhile would pay a second wake-up, its own.
 * The server writes nothing on the socket after the switch, so
 * anything readable there means it is gone: a sleep is cut every
 * SHM_LINK_CHECK_MS to look (a server killed outright wakes nobody).
 *
 * The server is trusted as the socket's peer is (its user was checked on
 * connecting); the header is checked all the same. Not thread-safe; a
 * link belongs to the process that opened it (shm_link.pid).
 */
#ifndef OBJMGR_SHMLINK_H
#define OBJMGR_SHMLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "payoff.h"
#include "shmring.h"

#define SHM_LINK_POLL_NS (50 * 1000)
#define SHM_LINK_WAKE_POLL_NS (250 * 1000)
#define SHM_LINK_CHECK_MS 100

typedef struct shm_link {
	shm_header *h;     /* the mapped region, NULL: not open */
	size_t size;
	int sock;          /* the connection's socket (borrowed) */
	int efd;           /* the server's eventfd (owned) */
	pid_t pid;         /* the process that opened it */
	bool hup;          /* the socket said the server is gone */
	bool rang;         /* a request was sent with the server asleep, since the last wait for replies */
	payoff wake_rule;  /* whether the longer window after rang pays off */
	shm_ring requests, replies;
} shm_link;

/*
 * recv() on sock with recvmsg(), close-on-exec: the fds that come with
 * the bytes are stored in fds while *nfds < 2 and closed past that,
 * *nfds counting every one (and set past 2 when some were cut off).
 */
ssize_t shm_link_recvmsg(int sock, void *buf, size_t n, int fds[2], size_t *nfds);

/*
 * Maps the region memfd holds and checks its header: 0 with l open (efd
 * taken over, memfd still the caller's to close), or -1 with *why set and
 * nothing taken.
 */
int shm_link_open(shm_link *l, int sock, int memfd, int efd, const char **why);

/* Unmaps l and closes its eventfd; a link not open is left as it is. */
void shm_link_close(shm_link *l);

/*
 * As recv() and send(): > 0 bytes moved, -1 with errno EAGAIN (ring empty,
 * full), EPIPE (send: the server is gone) or EPROTO (impossible indices);
 * recv gives 0 once the server is gone and every byte is taken.
 */
ssize_t shm_link_recv(shm_link *l, void *buf, size_t n);
ssize_t shm_link_send(shm_link *l, const void *buf, size_t n);

/*
 * Waits until the rings allow events (POLLIN, POLLOUT; both once the
 * server is gone) or the deadline (CLOCK_MONOTONIC; NULL: none): the
 * events ready, 0 at the deadline.
 */
int shm_link_wait(shm_link *l, short events, const struct timespec *deadline);

#endif
