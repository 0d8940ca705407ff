/*
 * fuzz-shm.c — libFuzzer harness over the server's ring reader: one
 * connection switched to shared memory (server.shm, as libobjmgr asks for
 * it, with the smallest rings), whose request ring and header the input
 * writes.
 *
 * Each input runs the real server on a loop of its own, as fuzz-conn.c
 * does: a socketpair end becomes a connection, the harness sends
 * server.shm, takes the region's fds from the reply (types/shmlink.h) and
 * from then on plays a hostile client. The input's bytes go into the
 * request ring, 4 KiB at a time, while the loop runs and the harness
 * drains the reply ring. 0xc1, a byte msgpack never uses, escapes:
 *   c1 00            the write ends here: the loop runs before the next
 *   c1 01 NN L ...   NN (16-bit big-endian) copies of the L bytes that follow
 *   c1 02 D0..D3     request_head := the harness's head + D (32-bit
 *                    little-endian, wrapping): an index claim
 *   c1 03 T0..T3     reply_tail := T (32-bit little-endian)
 *   c1 04 O V        the header's byte at O (mod its size) := V
 *   c1 05            stop draining replies (a reader gone slow) / start again
 *   c1 and any other byte, or c1 at the end: a literal c1
 *
 * What fails an input, besides a crash or a sanitizer report: the server
 * keeping the connection once the client hung up, calls parked or a handle
 * left open after, and, while no index or header byte was scribbled and
 * replies are drained, a server that stops taking request bytes it has
 * room to read (a freeze), or a reply stream that is not msgpack.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "codec.h"
#include "conn.h"
#include "log.h"
#include "server.h"
#include "shmlink.h"
#include "value.h"

#define ESCAPE 0xc1
#define MAX_STREAM (1u << 20)
#define MAX_IDLE_RUNS 1000

static const server_limits limits = {
	.max_message_size = 256u << 10,
	.max_clients = 16,
	.max_output = 16u << 10,
	.max_output_hard = 64u << 10,
	.max_waiting = 1024,
};

typedef struct harness {
	uv_loop_t loop;
	server s;
	int peer;
	shm_link link;
	msgpack_unpacker replies;
	bool scribbled;  /* an index or header byte was written: nothing is owed any more */
	bool slow;       /* replies are not drained */
	size_t total;
} harness;

static void fail(const char *what)
{
	fprintf(stderr, "fuzz-shm: %s\n", what);
	abort();
}

/* Takes what the reply ring holds; how many bytes came. */
static size_t drain(harness *h)
{
	size_t got = 0;
	if (h->slow || !h->link.h)
		return 0;
	for (;;) {
		if (!msgpack_unpacker_reserve_buffer(&h->replies, 16 * 1024))
			fail("out of memory for the replies");
		ssize_t n = shm_link_recv(&h->link, msgpack_unpacker_buffer(&h->replies),
					  msgpack_unpacker_buffer_capacity(&h->replies));
		if (n <= 0)
			break;
		msgpack_unpacker_buffer_consumed(&h->replies, (size_t)n);
		got += (size_t)n;
		msgpack_unpacked r;
		msgpack_unpacked_init(&r);
		int rc;
		while ((rc = msgpack_unpacker_next(&h->replies, &r)) == MSGPACK_UNPACK_SUCCESS)
			;
		msgpack_unpacked_destroy(&r);
		if (rc != MSGPACK_UNPACK_CONTINUE && !h->scribbled)
			fail("replies that are not msgpack");
		if (rc != MSGPACK_UNPACK_CONTINUE)
			h->slow = true; /* a stream the client broke itself: stop reading it */
	}
	return got;
}

/* Runs the loop once and drains: true when anything moved. */
static bool step(harness *h)
{
	uint32_t before = h->link.h ? __atomic_load_n(&h->link.h->request_tail, __ATOMIC_ACQUIRE) : 0;
	size_t got = drain(h);
	uv_run(&h->loop, UV_RUN_NOWAIT);
	got += drain(h);
	uint32_t after = h->link.h ? __atomic_load_n(&h->link.h->request_tail, __ATOMIC_ACQUIRE) : 0;
	return got || before != after;
}

/*
 * Writes p[0..n) into the request ring as room comes; false when it stops
 * (the connection closed, or no room for MAX_IDLE_RUNS runs while the
 * client itself is slow or broke the ring; otherwise that is a freeze).
 */
static bool ring_write(harness *h, const uint8_t *p, size_t n)
{
	int idle = 0;
	while (n > 0) {
		if (h->s.nconns == 0)
			return false;
		ssize_t w = shm_link_send(&h->link, p, n);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			idle = 0;
			continue;
		}
		if (w < 0 && errno != EAGAIN)
			return false;
		idle = step(h) ? 0 : idle + 1;
		if (idle > MAX_IDLE_RUNS) {
			if (!h->scribbled && !h->slow)
				fail("the server stopped reading a ring it has room to read");
			return false;
		}
	}
	return true;
}

/* Runs the loop until nothing moves for a while. */
static void settle(harness *h)
{
	for (int idle = 0; idle < 8 && h->s.nconns; idle = step(h) ? 0 : idle + 1)
		;
}

/* The switch, as a client does it: server.shm on the socket, the fds from its reply. */
static void switch_to_shm(harness *h)
{
	static const char req[] = "\x94\x00\x01\xaaserver.shm\x91\x82\xacrequest_ring\xcd\x10\x00"
				  "\xaareply_ring\xcd\x10\x00";
	if (send(h->peer, req, sizeof req - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof req - 1))
		fail("cannot send server.shm");
	int fds[2] = {-1, -1};
	size_t nfds = 0;
	char buf[256];
	size_t got = 0;
	for (int i = 0; i < 1000 && nfds < 2; i++) {
		uv_run(&h->loop, UV_RUN_NOWAIT);
		ssize_t n = shm_link_recvmsg(h->peer, buf + got, sizeof buf - got, fds, &nfds);
		if (n > 0)
			got += (size_t)n;
	}
	if (nfds != 2)
		fail("server.shm's reply came without its fds");
	const char *why;
	if (shm_link_open(&h->link, h->peer, fds[0], fds[1], &why) < 0)
		fail(why);
	close(fds[0]);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void run_input(harness *h, const uint8_t *data, size_t size)
{
	size_t i = 0;
	while (i < size && h->s.nconns) {
		size_t lit = i;
		while (lit < size && data[lit] != ESCAPE)
			lit++;
		if (lit > i && !ring_write(h, data + i, lit - i))
			return;
		i = lit;
		if (i == size)
			break;
		uint8_t kind = i + 1 < size ? data[i + 1] : ESCAPE;
		shm_header *hd = h->link.h;
		if (kind == 0x00) {
			i += 2;
			settle(h);
		} else if (kind == 0x01 && i + 5 <= size) {
			size_t count = (size_t)data[i + 2] << 8 | data[i + 3], n = data[i + 4];
			i += 5;
			if (n > size - i)
				n = size - i;
			for (size_t k = 0; k < count && n > 0 && h->total < MAX_STREAM; k++, h->total += n)
				if (!ring_write(h, data + i, n))
					return;
			i += n;
		} else if (kind == 0x02 && i + 6 <= size) {
			__atomic_store_n(&hd->request_head, h->link.requests.own + le32(data + i + 2),
					 __ATOMIC_RELEASE);
			h->scribbled = true;
			i += 6;
		} else if (kind == 0x03 && i + 6 <= size) {
			__atomic_store_n(&hd->reply_tail, le32(data + i + 2), __ATOMIC_RELEASE);
			h->scribbled = true;
			i += 6;
		} else if (kind == 0x04 && i + 4 <= size) {
			((volatile uint8_t *)hd)[data[i + 2] % SHM_HEADER_SIZE] = data[i + 3];
			h->scribbled = true;
			i += 4;
		} else if (kind == 0x05) {
			h->slow = !h->slow;
			i += 2;
		} else {
			if (!ring_write(h, data + i, 1))
				return;
			i++;
		}
		/* A scribbled index is seen once the server looks: wake it as a client would. */
		uint64_t one = 1;
		if (h->scribbled && write(h->link.efd, &one, sizeof one) < 0)
			fail("cannot write the eventfd");
	}
	settle(h);
}

static void check_no_handle(uv_handle_t *handle, void *arg)
{
	harness *h = arg;
	if (handle != (uv_handle_t *)&h->s.stop_timer &&
	    handle != (uv_handle_t *)&h->s.sweep_timer && handle != (uv_handle_t *)&h->s.resume &&
	    handle != (uv_handle_t *)&h->s.refuse_timer &&
	    !uv_is_closing(handle))
		fail("a handle is left open once the connection is closed");
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_level = getenv("OBJMGR_FUZZ_DEBUG") ? LOG_LEVEL_DEBUG : LOG_LEVEL_ERROR;
	signal(SIGPIPE, SIG_IGN);
	value_hash_randomize();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static harness h;
	memset(&h, 0, sizeof h);
	h.link = (shm_link){.efd = -1, .sock = -1};
	int fds[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) < 0)
		fail("socketpair failed");
	if (uv_loop_init(&h.loop) < 0 || !msgpack_unpacker_init(&h.replies, 16 * 1024))
		fail("cannot set up a loop");
	server_init(&h.s, &h.loop, &limits);
	h.s.socket_path = "(fuzz)";
	h.peer = fds[0];
	if (conn_open_fd(&h.s, fds[1]) < 0)
		fail("conn_open_fd failed");
	switch_to_shm(&h);
	run_input(&h, data, size);

	shutdown(h.peer, SHUT_WR);
	for (int i = 0; i < 100000 && h.s.nconns; i++)
		uv_run(&h.loop, UV_RUN_NOWAIT);
	if (h.s.nconns != 0)
		fail("the server keeps a connection open after the client hung up");
	if (h.s.nparked != 0)
		fail("calls are still parked once their connection is closed");
	uv_walk(&h.loop, check_no_handle, &h);

	shm_link_close(&h.link);
	close(h.peer);
	server_free(&h.s);
	if (uv_loop_close(&h.loop) != 0)
		fail("the loop does not close");
	msgpack_unpacker_destroy(&h.replies);
	return 0;
}
