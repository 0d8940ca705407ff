/*
 * shm.c — shared-memory carriers: their regions, the client's eventfd, and
 * the polling of their rings from the event loop (shm.h).
 *
 * Why an eventfd and not a futex for the server: the server is one libuv
 * loop, which must go on serving sockets and timers while it waits; a
 * futex cannot be watched by epoll, and a thread waiting on it would
 * only have to wake the loop through an fd anyway. The eventfd is
 * per-connection so that no client can swallow another's wake-up.
 */
#include "shm.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "mem.h"
#include "shmring.h"

struct shm_carrier {
	server *srv;
	conn *conn;              /* NULL once closed */
	shm_carrier *prev, *next; /* in srv->shm_carriers while open */
	shm_header *h;
	size_t size;
	shm_ring requests, replies;
	int memfd;               /* -1 once sent */
	int efd;
	uv_poll_t poll;          /* watches efd once started */
};

/* Tells every carrier's client whether it must write the eventfd to wake the server. */
static void set_sleeping(server *s, bool on)
{
	for (shm_carrier *k = s->shm_carriers; k; k = k->next)
		__atomic_store_n(&k->h->server_sleeping, on, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	s->shm_awake = !on;
}

/*
 * Gives each open carrier's connection a look at its rings: true when any
 * moved. A connection closed meanwhile is unlinked but not freed before
 * the loop's close phase, so following next stays safe.
 */
static bool pump_all(server *s)
{
	bool moved = false;
	shm_carrier *next;
	for (shm_carrier *k = s->shm_carriers; k; k = next) {
		next = k->next;
		if (k->conn && conn_shm_pump(k->conn))
			moved = true;
	}
	return moved;
}

/* Each turn of a polling window (poll.h): the clients need not wake the server meanwhile. */
static void on_spin(server *s)
{
	if (!s->shm_carriers)
		return;
	if (!s->shm_awake)
		set_sleeping(s, false);
	pump_all(s);
}

/*
 * The loop may sleep next: the server marks itself asleep, then looks at
 * every ring once more, since a client that moved an index before it saw
 * the mark did not write its eventfd. True when that look found something.
 */
static bool on_rest(server *s)
{
	if (!s->shm_awake)
		return false;
	set_sleeping(s, true);
	return pump_all(s);
}

/* The client wrote its eventfd (or the server did, shm_carrier_kick()): drain it and serve. */
static void on_doorbell(uv_poll_t *p, int status, int events)
{
	shm_carrier *k = p->data;
	(void)events;
	uint64_t n;
	/* One read takes the whole count and zeroes it. */
	if (status == 0 && read(k->efd, &n, sizeof n) == (ssize_t)sizeof n && (n & SHM_DOORBELL_MASK))
		k->srv->shm_doorbells++;
	if (k->conn)
		conn_shm_pump(k->conn);
}

shm_carrier *shm_carrier_new(server *s, conn *c, uint32_t req, uint32_t rep, char *why,
			     size_t size)
{
	shm_carrier *k = mem_calloc(1, sizeof *k);
	if (!k) {
		snprintf(why, size, "out of memory");
		return NULL;
	}
	k->srv = s;
	k->conn = c;
	k->size = shm_region_size(req, rep);
	k->efd = -1;
	k->memfd = memfd_create("objmgr-shm", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (k->memfd < 0)
		goto fail;
	/* Sealed: a client that could shrink the memfd would make the server's accesses fault. */
	if (ftruncate(k->memfd, (off_t)k->size) < 0 ||
	    fcntl(k->memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		goto fail;
	void *m = mmap(NULL, k->size, PROT_READ | PROT_WRITE, MAP_SHARED, k->memfd, 0);
	if (m == MAP_FAILED)
		goto fail;
	k->h = m;
	k->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (k->efd < 0)
		goto fail;
	shm_header_init(k->h, req, rep);
	/* Asleep until a window says otherwise: a client that writes before the server polls rings. */
	k->h->server_sleeping = 1;
	shm_server_rings(k->h, &k->requests, &k->replies);
	return k;
fail:
	snprintf(why, size, "cannot make the shared memory: %s", strerror(errno));
	if (k->h)
		munmap(k->h, k->size);
	if (k->memfd >= 0)
		close(k->memfd);
	free(k);
	return NULL;
}

long shm_carrier_send(shm_carrier *k, int sock, const char *buf, size_t len)
{
	int fds[2] = {k->memfd, k->efd};
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof fds)];
	} control;
	memset(&control, 0, sizeof control);
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			     .msg_controllen = sizeof control.buf};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof fds);
	memcpy(CMSG_DATA(cm), fds, sizeof fds);
	ssize_t n;
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	close(k->memfd);
	k->memfd = -1;
	return (long)n;
}

void shm_carrier_start(shm_carrier *k)
{
	server *s = k->srv;
	k->next = s->shm_carriers;
	if (s->shm_carriers)
		s->shm_carriers->prev = k;
	s->shm_carriers = k;
	uv_poll_init(s->loop, &k->poll, k->efd);
	k->poll.data = k;
	int rc = uv_poll_start(&k->poll, UV_READABLE, on_doorbell);
	if (rc < 0)
		log_warn("client %llu: cannot watch its eventfd: %s; served only while the server polls",
			 (unsigned long long)conn_id(k->conn), uv_strerror(rc));
	poll_set_carrier(s, on_spin, on_rest);
	if (s->shm_awake)
		__atomic_store_n(&k->h->server_sleeping, 0, __ATOMIC_SEQ_CST);
}

void shm_carrier_kick(shm_carrier *k)
{
	uint64_t kick = SHM_KICK;
	if (write(k->efd, &kick, sizeof kick) < 0)
		log_warn("client %llu: cannot write its eventfd: %s",
			 (unsigned long long)conn_id(k->conn), strerror(errno));
}

static void carrier_free(uv_handle_t *h)
{
	shm_carrier *k = h->data;
	munmap(k->h, k->size);
	close(k->efd);
	free(k);
}

/* Wakes the client when it sleeps on client_wake waiting for what an index moved (SHM_WAITS_*) gives. */
static void notify_client(shm_carrier *k, uint32_t gives)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!(__atomic_load_n(&k->h->client_sleeping, __ATOMIC_RELAXED) & gives))
		return;
	__atomic_fetch_add(&k->h->client_wake, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &k->h->client_wake, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

void shm_carrier_close(shm_carrier *k)
{
	server *s = k->srv;
	if (k->memfd >= 0) {
		/* Never sent, so never started: not linked, no handle. */
		close(k->memfd);
		munmap(k->h, k->size);
		close(k->efd);
		free(k);
		return;
	}
	k->conn = NULL;
	*(k->prev ? &k->prev->next : &s->shm_carriers) = k->next;
	if (k->next)
		k->next->prev = k->prev;
	/* The client may sleep with its flag scribbled to 0: wake it regardless. */
	__atomic_store_n(&k->h->closed, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&k->h->client_wake, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &k->h->client_wake, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	uv_close((uv_handle_t *)&k->poll, carrier_free);
}

long shm_carrier_readable(shm_carrier *k)
{
	return (long)shm_ring_readable(&k->requests);
}

long shm_carrier_read(shm_carrier *k, void *dst, size_t n)
{
	long got = (long)shm_ring_read(&k->requests, dst, n);
	if (got > 0)
		notify_client(k, SHM_WAITS_ROOM);
	return got;
}

long shm_carrier_writable(shm_carrier *k)
{
	return (long)shm_ring_writable(&k->replies);
}

long shm_carrier_write(shm_carrier *k, const void *src, size_t n)
{
	long put = (long)shm_ring_write(&k->replies, src, n);
	if (put >= 0 && (size_t)put < n) {
		/*
		 * Full: the client must write the eventfd once it makes room. The
		 * flag is raised, then the ring looked at again (behind full
		 * fences on both sides): one of the two sees the other.
		 */
		__atomic_store_n(&k->h->reply_blocked, 1, __ATOMIC_SEQ_CST);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		long more = (long)shm_ring_write(&k->replies, (const char *)src + put, n - (size_t)put);
		put = more < 0 ? more : put + more;
	} else if (put >= 0 && __atomic_load_n(&k->h->reply_blocked, __ATOMIC_RELAXED)) {
		__atomic_store_n(&k->h->reply_blocked, 0, __ATOMIC_RELAXED);
	}
	if (put > 0)
		notify_client(k, SHM_WAITS_REPLIES);
	return put;
}

size_t shm_carrier_size(const shm_carrier *k)
{
	return sizeof *k + k->size;
}
