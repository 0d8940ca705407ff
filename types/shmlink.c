/*
 * shmlink.c — a client's end of the shared-memory carrier (shmlink.h).
 */
#include "shmlink.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

ssize_t shm_link_recvmsg(int sock, void *buf, size_t n, int fds[2], size_t *nfds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} control;
	struct iovec iov = {buf, n};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			    .msg_controllen = sizeof control.buf};
	ssize_t got = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	if (got < 0)
		return got;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof fd);
			if (*nfds < 2)
				fds[*nfds] = fd;
			else
				close(fd);
			(*nfds)++;
		}
	}
	if (mh.msg_flags & MSG_CTRUNC)
		*nfds += 3; /* some were cut off: refuse the lot */
	return got;
}

int shm_link_open(shm_link *l, int sock, int memfd, int efd, const char **why)
{
	struct stat st;
	if (fstat(memfd, &st) < 0 || st.st_size < SHM_HEADER_SIZE ||
	    (uint64_t)st.st_size > SIZE_MAX) {
		*why = "the shared memory's size is not a region's";
		return -1;
	}
	size_t size = (size_t)st.st_size;
	void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (m == MAP_FAILED) {
		*why = "cannot map the shared memory";
		return -1;
	}
	uint32_t req, rep;
	if (shm_header_check(m, size, &req, &rep) < 0) {
		munmap(m, size);
		*why = "the shared memory's header is not of a version this libobjmgr reads";
		return -1;
	}
	*l = (shm_link){.h = m, .size = size, .sock = sock, .efd = efd, .pid = getpid()};
	payoff_init(&l->wake_rule);
	shm_client_rings(l->h, &l->requests, &l->replies);
	l->requests.own = __atomic_load_n(l->requests.mine, __ATOMIC_ACQUIRE);
	l->replies.own = __atomic_load_n(l->replies.mine, __ATOMIC_ACQUIRE);
	return 0;
}

void shm_link_close(shm_link *l)
{
	if (!l->h)
		return;
	munmap(l->h, l->size);
	close(l->efd);
	*l = (shm_link){.efd = -1, .sock = -1};
}

/*
 * Wakes the server when it sleeps, after an index moved: request_head
 * always, reply_tail only when the server waits for room (reply_blocked).
 * True when it wrote the eventfd.
 */
static bool notify_server(shm_link *l, bool made_room)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&l->h->server_sleeping, __ATOMIC_RELAXED))
		return false;
	if (made_room && !__atomic_load_n(&l->h->reply_blocked, __ATOMIC_RELAXED))
		return false;
	uint64_t one = 1;
	while (write(l->efd, &one, sizeof one) < 0 && errno == EINTR)
		;
	return true;
}

static bool server_gone(const shm_link *l)
{
	return l->hup || __atomic_load_n(&l->h->closed, __ATOMIC_ACQUIRE);
}

ssize_t shm_link_recv(shm_link *l, void *buf, size_t n)
{
	int64_t k = shm_ring_read(&l->replies, buf, n);
	if (k > 0) {
		notify_server(l, true);
		return (ssize_t)k;
	}
	if (k < 0) {
		errno = EPROTO;
		return -1;
	}
	if (server_gone(l))
		return 0;
	errno = EAGAIN;
	return -1;
}

ssize_t shm_link_send(shm_link *l, const void *buf, size_t n)
{
	if (server_gone(l)) {
		errno = EPIPE;
		return -1;
	}
	int64_t k = shm_ring_write(&l->requests, buf, n);
	if (k > 0) {
		if (notify_server(l, false))
			l->rang = true;
		return (ssize_t)k;
	}
	errno = k < 0 ? EPROTO : EAGAIN;
	return -1;
}

/* What of events the rings allow now; a gone server makes both ready (the next call reports it). */
static short ready(shm_link *l, short events)
{
	short r = 0;
	if (server_gone(l))
		return events & (POLLIN | POLLOUT);
	if ((events & POLLIN) && shm_ring_readable(&l->replies) != 0)
		r |= POLLIN;
	if ((events & POLLOUT) && shm_ring_writable(&l->requests) != 0)
		r |= POLLOUT;
	return r;
}

static int64_t ns_since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - t->tv_sec) * 1000000000 + (now.tv_nsec - t->tv_nsec);
}

/* The socket is readable or hung up: after the switch that only means the server is gone. */
static void check_socket(shm_link *l)
{
	struct pollfd p = {.fd = l->sock, .events = POLLIN};
	if (poll(&p, 1, 0) > 0)
		l->hup = true;
}

/*
 * Sleeps on client_wake: the flag is raised and the rings looked at again
 * before sleeping, the server bumps the word after moving an index and
 * then looks at the flag (both behind full fences): one of the two sees
 * the other.
 */
static short sleep_once(shm_link *l, short events, int64_t ns)
{
	uint32_t seen = __atomic_load_n(&l->h->client_wake, __ATOMIC_SEQ_CST);
	uint32_t waits = (events & POLLIN ? SHM_WAITS_REPLIES : 0) |
			 (events & POLLOUT ? SHM_WAITS_ROOM : 0);
	__atomic_store_n(&l->h->client_sleeping, waits, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	short r = ready(l, events);
	if (!r) {
		struct timespec t = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
		long rc = syscall(SYS_futex, &l->h->client_wake, FUTEX_WAIT, seen, &t, NULL, 0);
		if (rc < 0 && errno == ETIMEDOUT)
			check_socket(l);
		r = ready(l, events);
	}
	__atomic_store_n(&l->h->client_sleeping, 0, __ATOMIC_RELAXED);
	return r;
}

/*
 * Polls the rings until events are ready, window_ns pass or the deadline
 * (NULL: none) comes: the events ready, 0 when none came. Yielding every
 * 16 turns costs little on a CPU of our own, and hands the CPU to the
 * server when we share one with it: spinning there would only delay the
 * reply we wait for.
 */
static short poll_rings(shm_link *l, short events, int64_t window_ns,
			const struct timespec *deadline)
{
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	if (deadline && -ns_since(deadline) < window_ns)
		window_ns = -ns_since(deadline);
	short r;
	for (unsigned spins = 0; !(r = ready(l, events)) && ns_since(&start) < window_ns; spins++) {
		if (spins % 16 == 15)
			sched_yield();
#if defined(__x86_64__) || defined(__i386__)
		else
			__builtin_ia32_pause();
#endif
	}
	return r;
}

/*
 * The first look of a wait for replies after a request woke the server:
 * the longer window, while the rule says it pays off; a window in which
 * this thread was preempted (one sharing its CPU with the server, which
 * it held back) counts as stolen.
 */
static short poll_after_ring(shm_link *l, short events, const struct timespec *deadline)
{
	l->rang = false;
	if (!payoff_try(&l->wake_rule))
		return poll_rings(l, events, SHM_LINK_POLL_NS, deadline);
	payoff_window w = payoff_open(&l->wake_rule);
	short r = poll_rings(l, events, SHM_LINK_WAKE_POLL_NS, deadline);
	payoff_close(&l->wake_rule, w, r != 0);
	return r;
}

int shm_link_wait(shm_link *l, short events, const struct timespec *deadline)
{
	short r = (events & POLLIN) && l->rang ? poll_after_ring(l, events, deadline)
					       : poll_rings(l, events, SHM_LINK_POLL_NS, deadline);
	while (!r) {
		int64_t left = deadline ? -ns_since(deadline) : INT64_MAX;
		if (left <= 0)
			return 0;
		if (left > (int64_t)SHM_LINK_CHECK_MS * 1000000)
			left = (int64_t)SHM_LINK_CHECK_MS * 1000000;
		r = sleep_once(l, events, left);
	}
	return r;
}
