/*
 * objmgr-benchmark.c — a load generator for objmgrd, after redis-benchmark.
 *
 * One thread drives CLIENTS connections with poll(), each keeping PIPELINE
 * requests in flight until REQUESTS replies have come back per test.
 * Requests are packed with msgpack-c straight into a per-connection buffer
 * sized once, and replies are walked with its streaming unpacker without
 * building values: on a small machine this program shares the cores with
 * the server it measures, so it spends as little CPU per request as it can.
 *
 * A request's latency runs from the moment its batch starts to be written
 * to the moment the read that completes its reply returns, as in
 * redis-benchmark.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <msgpack.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "authkey.h"
#include "latency.h"
#include "mem.h"
#include "payoff.h"
#include "shmlink.h"

#define PROG "objmgr-benchmark"

static const char help_text[] =
	"NAME\n"
	"    objmgr-benchmark - measure the throughput and latency of an objmgrd server\n"
	"\n"
	"SYNOPSIS\n"
	"    objmgr-benchmark [-s ADDRESS] [--authkey-file FILE] [-c CLIENTS] [-n REQUESTS]\n"
	"                     [-P PIPELINE] [--shm] [--gap-us USEC] [--no-poll]\n"
	"                     [-t TESTS] [-d VALUE_SIZE] [-r KEYSPACE] [--csv] [-q]\n"
	"    objmgr-benchmark --help\n"
	"\n"
	"DESCRIPTION\n"
	"    objmgr-benchmark opens CLIENTS connections to objmgrd and, for each\n"
	"    test, sends REQUESTS requests in all over them, each connection keeping\n"
	"    PIPELINE requests in flight: it sends a batch of PIPELINE requests,\n"
	"    waits for their replies, and sends the next. One thread drives every\n"
	"    connection, like redis-benchmark. For each test it prints the requests\n"
	"    answered per second and the latency percentiles p50, p99, p99.9 and\n"
	"    the maximum, in milliseconds: from the moment a request's batch starts\n"
	"    to be written until its reply is read. On a terminal a progress line\n"
	"    is shown on standard error while a test runs.\n"
	"\n"
	"    Tests run in the order below; the objects they use are named bench:*.\n"
	"    ping                  server.ping\n"
	"    dict.set              dict.set bench:dict KEY VALUE\n"
	"    dict.get              dict.get bench:dict KEY null (nil when absent)\n"
	"    dict.incr             dict.incr bench:incr KEY 1\n"
	"    counter.add           counter.add bench:counter 1\n"
	"    list.append           list.append bench:list VALUE\n"
	"    list.get              list.get bench:list INDEX (index_error past the end)\n"
	"    list.popleft          list.popleft bench:list (index_error when empty)\n"
	"    list.append+popleft   list.append and list.popleft bench:list in turn:\n"
	"                          the list keeps its length\n"
	"    queue.put+get         queue.put bench:queue VALUE and queue.get\n"
	"                          bench:queue in turn (a get never waits)\n"
	"    KEY is \"key:N\" and INDEX is N, with N drawn at random below KEYSPACE,\n"
	"    or 0 without -r. VALUE is a string of VALUE_SIZE bytes \"xxx...\".\n"
	"    An error reply counts as an answered request; their number is shown.\n"
	"\n"
	"OPTIONS\n"
	"    -s ADDRESS\n"
	"        The server's socket (\"unix:PATH\" works too). Default: as objmgrd:\n"
	"        $OBJMGR_SOCKET, else $XDG_RUNTIME_DIR/objmgr.sock, else\n"
	"        /tmp/objmgr-$UID/objmgr.sock.\n"
	"    --authkey-file FILE\n"
	"        Authenticate every connection with the key in FILE, for a server\n"
	"        started with --authkey-file (default: $OBJMGR_AUTHKEY_FILE, if set).\n"
	"        The handshakes happen before the clock starts.\n"
	"    -c CLIENTS\n"
	"        Connections (default 50).\n"
	"    -n REQUESTS\n"
	"        Requests per test (default 100000).\n"
	"    -P PIPELINE\n"
	"        Requests in flight per connection (default 1: no pipelining).\n"
	"    --shm\n"
	"        Move the connection onto shared memory (server.shm) before the\n"
	"        clock starts, as libobjmgr's om_options.shm does: requests and\n"
	"        replies go through the rings, each side polling briefly before it\n"
	"        sleeps. Needs -c 1, and -P times the request size under 1 MiB.\n"
	"    --gap-us USEC\n"
	"        Sleep USEC microseconds (1 to 1000000) between a reply and the next\n"
	"        request, so that the server's polling window ends and it sleeps:\n"
	"        every request then measures waking it up. Needs -c 1 -P 1. The\n"
	"        requests per second are counted over the time not spent in the\n"
	"        gaps (one over the mean round trip); latencies never include them.\n"
	"    --no-poll\n"
	"        With one connection, sleep in recv() for each reply. By default it\n"
	"        first polls for the reply for up to 50 us, while that pays off, as\n"
	"        libobjmgr does (om_options.no_poll): a client that waits for each\n"
	"        reply then finds its own CPU awake when the answer comes.\n"
	"    -t TESTS\n"
	"        Only these tests, comma-separated (default: all).\n"
	"    -d VALUE_SIZE\n"
	"        Bytes in each value (default 3).\n"
	"    -r KEYSPACE\n"
	"        Draw keys and indexes at random below KEYSPACE (default: always 0).\n"
	"    --csv\n"
	"        Print CSV: a header line, then one line per test with the fields\n"
	"        test, rps, p50_latency_ms, p99_latency_ms, p999_latency_ms,\n"
	"        max_latency_ms, errors.\n"
	"    -q\n"
	"        Quiet: one line per test, \"TEST: N requests per second, p50=X msec\".\n"
	"    -h, --help\n"
	"        Print this help and exit.\n"
	"\n"
	"EXAMPLES\n"
	"    objmgr-benchmark -q\n"
	"    objmgr-benchmark -c 50 -P 16 -t dict.set,dict.get -r 100000 --csv\n"
	"\n"
	"EXIT STATUS\n"
	"    0   every test ran to the end\n"
	"    1   could not connect, or lost a connection, or a reply was malformed\n"
	"    2   bad command line\n";

typedef enum test_id {
	T_PING,
	T_DICT_SET,
	T_DICT_GET,
	T_DICT_INCR,
	T_COUNTER_ADD,
	T_LIST_APPEND,
	T_LIST_GET,
	T_LIST_POPLEFT,
	T_LIST_APPEND_POPLEFT,
	T_QUEUE_PUT_GET,
	NTESTS
} test_id;

static const char *const test_names[NTESTS] = {
	"ping", "dict.set", "dict.get", "dict.incr", "counter.add", "list.append",
	"list.get", "list.popleft", "list.append+popleft", "queue.put+get",
};

typedef struct options {
	const char *address; /* NULL: the default */
	const char *authkey_file; /* NULL: $OBJMGR_AUTHKEY_FILE, or no handshake */
	size_t clients, requests, pipeline, value_size, keyspace;
	size_t gap_us;           /* --gap-us: a pause before each request but the first; 0: none */
	bool csv, quiet, shm;
	bool no_poll;            /* --no-poll: one connection sleeps for each reply */
	bool run[NTESTS];
} options;

/*
 * One connection. Its output buffer holds one batch and is sized for the
 * largest batch up front, so packing never allocates.
 */
typedef struct client {
	int fd;
	shm_link link;        /* with --shm: the rings, used in place of send and recv */
	char *out;
	size_t out_len, out_sent, out_cap;
	msgpack_unpacker in;
	uint32_t next_msgid;  /* for the next request */
	uint32_t expect;      /* the msgid of the next reply: the server answers in order */
	size_t inflight;      /* requests of the batch not answered yet */
	size_t seq;           /* requests sent in this test: the alternating tests' turn */
	uint64_t batch_start; /* ns, when the batch started to be written */
} client;

typedef struct bench {
	options o;
	const char *path;
	client *clients;
	struct pollfd *pfds;
	bool blocking;        /* one connection: plain blocking send and recv, no poll */
	bool progress;        /* a progress line on standard error */
	payoff poll_rule;     /* one socket connection: poll for replies while this says so */
	char *value;
	size_t max_request;
	uint64_t rng;
	/* The test running: */
	test_id test;
	size_t issued, done, errors;
	uint64_t slept;       /* ns spent in --gap-us pauses, left out of the rate */
	char first_error[256];
	uint64_t *latency;    /* ns, one per reply */
	uint64_t start, last_progress;
} bench;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs(PROG ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* How long one connection polls for a reply before sleeping, as libobjmgr (proxy/call.c). */
#define POLL_WINDOW_NS 50000

static bool would_block(ssize_t n)
{
	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/* xorshift64*: the key and index draws must cost next to nothing. */
static uint64_t rng_next(bench *b)
{
	b->rng ^= b->rng >> 12;
	b->rng ^= b->rng << 25;
	b->rng ^= b->rng >> 27;
	return b->rng * 2685821657736338717ull;
}

static uint64_t draw(bench *b)
{
	return b->o.keyspace ? rng_next(b) % b->o.keyspace : 0;
}

/* Appends to the connection's batch buffer, which pack_batch has checked is large enough. */
static int out_write(void *data, const char *buf, size_t len)
{
	client *cl = data;
	memcpy(cl->out + cl->out_len, buf, len);
	cl->out_len += len;
	return 0;
}

static void pack_str(msgpack_packer *pk, const char *s, size_t n)
{
	msgpack_pack_str_with_body(pk, s, n);
}

#define PACK_LIT(pk, s) pack_str((pk), (s), sizeof(s) - 1)

static void pack_key(bench *b, msgpack_packer *pk)
{
	char key[32];
	int n = snprintf(key, sizeof key, "key:%llu", (unsigned long long)draw(b));
	pack_str(pk, key, (size_t)n);
}

static void pack_value(bench *b, msgpack_packer *pk)
{
	pack_str(pk, b->value, b->o.value_size);
}

/* [0, msgid, method, params] for the test running; seq picks the turn of the alternating tests. */
static void pack_request(bench *b, msgpack_packer *pk, uint32_t msgid, size_t seq)
{
	msgpack_pack_array(pk, 4);
	msgpack_pack_uint8(pk, 0);
	msgpack_pack_uint32(pk, msgid);
	switch (b->test) {
	case T_PING:
		PACK_LIT(pk, "server.ping");
		msgpack_pack_array(pk, 0);
		break;
	case T_DICT_SET:
		PACK_LIT(pk, "dict.set");
		msgpack_pack_array(pk, 3);
		PACK_LIT(pk, "bench:dict");
		pack_key(b, pk);
		pack_value(b, pk);
		break;
	case T_DICT_GET:
		PACK_LIT(pk, "dict.get");
		msgpack_pack_array(pk, 3);
		PACK_LIT(pk, "bench:dict");
		pack_key(b, pk);
		msgpack_pack_nil(pk);
		break;
	case T_DICT_INCR:
		PACK_LIT(pk, "dict.incr");
		msgpack_pack_array(pk, 3);
		PACK_LIT(pk, "bench:incr");
		pack_key(b, pk);
		msgpack_pack_uint8(pk, 1);
		break;
	case T_COUNTER_ADD:
		PACK_LIT(pk, "counter.add");
		msgpack_pack_array(pk, 2);
		PACK_LIT(pk, "bench:counter");
		msgpack_pack_uint8(pk, 1);
		break;
	case T_LIST_GET:
		PACK_LIT(pk, "list.get");
		msgpack_pack_array(pk, 2);
		PACK_LIT(pk, "bench:list");
		msgpack_pack_uint64(pk, draw(b));
		break;
	case T_LIST_APPEND:
	case T_LIST_POPLEFT:
	case T_LIST_APPEND_POPLEFT:
		if (b->test == T_LIST_POPLEFT || (b->test == T_LIST_APPEND_POPLEFT && seq % 2)) {
			PACK_LIT(pk, "list.popleft");
			msgpack_pack_array(pk, 1);
			PACK_LIT(pk, "bench:list");
		} else {
			PACK_LIT(pk, "list.append");
			msgpack_pack_array(pk, 2);
			PACK_LIT(pk, "bench:list");
			pack_value(b, pk);
		}
		break;
	case T_QUEUE_PUT_GET:
		/* Each connection puts before it gets, so the queue is never empty for a get. */
		if (seq % 2) {
			PACK_LIT(pk, "queue.get");
			msgpack_pack_array(pk, 1);
			PACK_LIT(pk, "bench:queue");
		} else {
			PACK_LIT(pk, "queue.put");
			msgpack_pack_array(pk, 2);
			PACK_LIT(pk, "bench:queue");
			pack_value(b, pk);
		}
		break;
	case NTESTS:
		abort();
	}
}

/* Sends what the socket takes of the batch (all of it, blocking, with one connection). */
static void client_write(bench *b, client *cl)
{
	while (cl->link.h && cl->out_sent < cl->out_len) {
		ssize_t n = shm_link_send(&cl->link, cl->out + cl->out_sent, cl->out_len - cl->out_sent);
		if (n > 0)
			cl->out_sent += (size_t)n;
		else if (errno == EAGAIN)
			shm_link_wait(&cl->link, POLLOUT, NULL);
		else
			die("lost the connection to %s: shared memory: %s", b->path, strerror(errno));
	}
	while (cl->out_sent < cl->out_len) {
		ssize_t n = send(cl->fd, cl->out + cl->out_sent, cl->out_len - cl->out_sent,
				 MSG_NOSIGNAL | (b->blocking ? 0 : MSG_DONTWAIT));
		if (n >= 0) {
			cl->out_sent += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		die("lost the connection to %s: send: %s", b->path, strerror(errno));
	}
}

/* Packs and starts sending the connection's next batch, if requests remain. */
static void client_issue(bench *b, client *cl)
{
	size_t k = b->o.pipeline;
	if (k > b->o.requests - b->issued)
		k = b->o.requests - b->issued;
	if (k == 0)
		return;
	msgpack_packer pk;
	msgpack_packer_init(&pk, cl, out_write);
	cl->out_len = cl->out_sent = 0;
	for (size_t i = 0; i < k; i++)
		pack_request(b, &pk, cl->next_msgid++, cl->seq++);
	b->issued += k;
	cl->inflight = k;
	cl->batch_start = now_ns();
	client_write(b, cl);
}

static bool is_str(const msgpack_object *o)
{
	return o->type == MSGPACK_OBJECT_STR;
}

/* Checks one message from the server: the next reply of cl, in order. */
static void take_reply(bench *b, client *cl, const msgpack_object *o, uint64_t t)
{
	const msgpack_object *f = o->via.array.ptr;
	if (o->type == MSGPACK_OBJECT_ARRAY && o->via.array.size == 3 &&
	    f[0].type == MSGPACK_OBJECT_POSITIVE_INTEGER && f[0].via.u64 == 2 &&
	    f[2].type == MSGPACK_OBJECT_ARRAY && f[2].via.array.size == 2 &&
	    is_str(&f[2].via.array.ptr[1]))
		die("the server closed a connection: %.*s", (int)f[2].via.array.ptr[1].via.str.size,
		    f[2].via.array.ptr[1].via.str.ptr);
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 4 ||
	    f[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER || f[0].via.u64 != 1 ||
	    f[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		die("a message from %s that is not a msgpack-RPC response", b->path);
	if (f[1].via.u64 != cl->expect || cl->inflight == 0)
		die("a reply out of order from %s: msgid %llu, expected %u", b->path,
		    (unsigned long long)f[1].via.u64, cl->expect);
	if (f[2].type != MSGPACK_OBJECT_NIL) {
		const msgpack_object *e = &f[2];
		if (b->errors++ == 0 && e->type == MSGPACK_OBJECT_ARRAY && e->via.array.size == 2 &&
		    is_str(&e->via.array.ptr[0]) && is_str(&e->via.array.ptr[1]))
			snprintf(b->first_error, sizeof b->first_error, "%.*s: %.*s",
				 (int)e->via.array.ptr[0].via.str.size, e->via.array.ptr[0].via.str.ptr,
				 (int)e->via.array.ptr[1].via.str.size, e->via.array.ptr[1].via.str.ptr);
	}
	cl->expect++;
	cl->inflight--;
	b->latency[b->done++] = t - cl->batch_start;
}

/* --gap-us: sleeps before the next request, if one remains, and counts the time slept. */
static void pause_gap(bench *b)
{
	if (!b->o.gap_us || b->issued == b->o.requests)
		return;
	struct timespec ts = {.tv_sec = (time_t)(b->o.gap_us / 1000000),
			      .tv_nsec = (long)(b->o.gap_us % 1000000) * 1000};
	uint64_t t = now_ns();
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	b->slept += now_ns() - t;
}

/*
 * The blocking connection's recv() for a reply, as libobjmgr waits for one
 * (proxy/call.c, poll_reply()): polling without sleeping for up to
 * POLL_WINDOW_NS first while the pay-off rule says windows catch replies.
 */
static ssize_t recv_polling(bench *b, client *cl)
{
	void *buf = msgpack_unpacker_buffer(&cl->in);
	size_t cap = msgpack_unpacker_buffer_capacity(&cl->in);
	ssize_t n = recv(cl->fd, buf, cap, MSG_DONTWAIT);
	if (!would_block(n) || !payoff_try(&b->poll_rule))
		return would_block(n) ? recv(cl->fd, buf, cap, 0) : n;
	payoff_window w = payoff_open(&b->poll_rule);
	uint64_t end = now_ns() + POLL_WINDOW_NS;
	do
		n = recv(cl->fd, buf, cap, MSG_DONTWAIT);
	while (would_block(n) && now_ns() < end);
	payoff_close(&b->poll_rule, w, !would_block(n));
	return would_block(n) ? recv(cl->fd, buf, cap, 0) : n;
}

/*
 * Reads what the connection has (waiting for it with one connection),
 * takes the complete replies, and starts the next batch once the current
 * one is answered. Replies are walked in place: execute, look, reset the
 * zone, so reading allocates nothing per reply.
 */
static void client_read(bench *b, client *cl)
{
	if (!msgpack_unpacker_reserve_buffer(&cl->in, 64 * 1024))
		die("out of memory");
	ssize_t n;
	if (cl->link.h) {
		while ((n = shm_link_recv(&cl->link, msgpack_unpacker_buffer(&cl->in),
					  msgpack_unpacker_buffer_capacity(&cl->in))) < 0 &&
		       errno == EAGAIN)
			shm_link_wait(&cl->link, POLLIN, NULL);
	} else if (b->blocking && !b->o.no_poll) {
		n = recv_polling(b, cl);
	} else {
		n = recv(cl->fd, msgpack_unpacker_buffer(&cl->in),
			 msgpack_unpacker_buffer_capacity(&cl->in), b->blocking ? 0 : MSG_DONTWAIT);
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n < 0)
		die("lost the connection to %s: recv: %s", b->path, strerror(errno));
	if (n == 0)
		die("lost the connection to %s: the server closed it", b->path);
	uint64_t t = now_ns();
	msgpack_unpacker_buffer_consumed(&cl->in, (size_t)n);
	int rc;
	while ((rc = msgpack_unpacker_execute(&cl->in)) > 0) {
		msgpack_object o = msgpack_unpacker_data(&cl->in);
		take_reply(b, cl, &o, t);
		msgpack_unpacker_reset_zone(&cl->in);
		msgpack_unpacker_reset(&cl->in);
	}
	if (rc < 0)
		die("bytes from %s that are not msgpack", b->path);
	if (cl->inflight == 0) {
		pause_gap(b);
		client_issue(b, cl);
	}
}

static double ops_per_s(size_t n, uint64_t ns)
{
	return ns ? (double)n * 1e9 / (double)ns : 0;
}

static void show_progress(bench *b, uint64_t t)
{
	if (!b->progress || t - b->last_progress < 250000000u)
		return;
	b->last_progress = t;
	fprintf(stderr, "\r%s: %.2f ops/s, %zu of %zu done\033[K", test_names[b->test],
		ops_per_s(b->done, t - b->start), b->done, b->o.requests);
}

/* One turn of the loop: wait for any connection to be ready and serve it. */
static void step(bench *b)
{
	size_t nc = b->o.clients;
	if (b->blocking) {
		client_write(b, &b->clients[0]);
		client_read(b, &b->clients[0]);
		return;
	}
	for (size_t i = 0; i < nc; i++) {
		client *cl = &b->clients[i];
		b->pfds[i].events = POLLIN | (cl->out_sent < cl->out_len ? POLLOUT : 0);
	}
	int n = poll(b->pfds, nc, 250);
	if (n < 0 && errno != EINTR)
		die("poll: %s", strerror(errno));
	for (size_t i = 0; n > 0 && i < nc; i++) {
		short ev = b->pfds[i].revents;
		if (!ev)
			continue;
		n--;
		if (ev & POLLOUT)
			client_write(b, &b->clients[i]);
		if (ev & (POLLIN | POLLHUP | POLLERR))
			client_read(b, &b->clients[i]);
	}
}

static void report(bench *b, uint64_t elapsed)
{
	size_t n = b->done;
	latency_sort(b->latency, n);
	double rps = ops_per_s(n, elapsed);
	double p50 = latency_percentile_ms(b->latency, n, 0.50);
	double p99 = latency_percentile_ms(b->latency, n, 0.99);
	double p999 = latency_percentile_ms(b->latency, n, 0.999);
	double max = (double)b->latency[n - 1] / 1e6;
	const char *name = test_names[b->test];
	if (b->progress)
		fputs("\r\033[K", stderr);
	if (b->o.csv)
		printf("\"%s\",\"%.2f\",\"%.3f\",\"%.3f\",\"%.3f\",\"%.3f\",\"%zu\"\n", name, rps,
		       p50, p99, p999, max, b->errors);
	else if (b->o.quiet)
		printf("%s: %.2f requests per second, p50=%.3f msec\n", name, rps, p50);
	else
		printf("%-20s %12.2f %9.3f %9.3f %9.3f %9.3f\n", name, rps, p50, p99, p999, max);
	fflush(stdout);
	if (b->errors && !b->o.csv)
		fprintf(stderr, "%s: %s: %zu of %zu replies were errors, the first: %s\n", PROG, name,
			b->errors, n, b->first_error);
}

static void run_test(bench *b, test_id t)
{
	b->test = t;
	b->issued = b->done = b->errors = 0;
	b->slept = 0;
	b->first_error[0] = '\0';
	b->start = b->last_progress = now_ns();
	for (size_t i = 0; i < b->o.clients; i++) {
		client *cl = &b->clients[i];
		cl->expect = cl->next_msgid;
		cl->seq = 0;
		client_issue(b, cl);
	}
	while (b->done < b->o.requests) {
		step(b);
		show_progress(b, now_ns());
	}
	report(b, now_ns() - b->start - b->slept);
}

/* The next message on cl's blocking socket into *m (cl->in's zone). */
static void read_message(bench *b, client *cl, msgpack_unpacked *m)
{
	while (msgpack_unpacker_next(&cl->in, m) != MSGPACK_UNPACK_SUCCESS) {
		if (!msgpack_unpacker_reserve_buffer(&cl->in, 4096))
			die("out of memory");
		ssize_t n = recv(cl->fd, msgpack_unpacker_buffer(&cl->in),
				 msgpack_unpacker_buffer_capacity(&cl->in), 0);
		if (n <= 0)
			die("%s closed the connection during the authkey handshake", b->path);
		msgpack_unpacker_buffer_consumed(&cl->in, (size_t)n);
	}
}

static bool is_bin32(const msgpack_object *o)
{
	return o->type == MSGPACK_OBJECT_BIN && o->via.bin.size == AUTH_NONCE_SIZE;
}

/*
 * The handshake of docs/protocol.md on cl's fresh connection: reads the
 * challenge, proves the key, checks the server's proof. Dies on failure.
 */
static void authenticate(bench *b, client *cl, const authkey *key)
{
	msgpack_unpacked m;
	msgpack_unpacked_init(&m);
	read_message(b, cl, &m);
	const msgpack_object *o = &m.data, *p;
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 3 ||
	    (p = &o->via.array.ptr[2])->type != MSGPACK_OBJECT_ARRAY || p->via.array.size != 2 ||
	    !is_bin32(&p->via.array.ptr[1]))
		die("%s sent no auth.challenge: is it started with --authkey-file?", b->path);
	unsigned char server_nonce[AUTH_NONCE_SIZE], client_nonce[AUTH_NONCE_SIZE];
	unsigned char proof[AUTH_PROOF_SIZE], want[AUTH_PROOF_SIZE];
	memcpy(server_nonce, p->via.array.ptr[1].via.bin.ptr, AUTH_NONCE_SIZE);
	auth_nonce(client_nonce);
	auth_client_proof(key, server_nonce, client_nonce, proof);
	auth_server_proof(key, client_nonce, server_nonce, want);

	msgpack_sbuffer sb;
	msgpack_sbuffer_init(&sb);
	msgpack_packer pk;
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 4);
	msgpack_pack_int(&pk, 0);
	msgpack_pack_uint32(&pk, 0);
	msgpack_pack_str_with_body(&pk, AUTH_HELLO, strlen(AUTH_HELLO));
	msgpack_pack_array(&pk, 2);
	msgpack_pack_bin_with_body(&pk, client_nonce, sizeof client_nonce);
	msgpack_pack_bin_with_body(&pk, proof, sizeof proof);
	if (send(cl->fd, sb.data, sb.size, MSG_NOSIGNAL) != (ssize_t)sb.size)
		die("cannot send auth.hello to %s: %s", b->path, strerror(errno));
	msgpack_sbuffer_destroy(&sb);
	read_message(b, cl, &m);
	o = &m.data;
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 4 ||
	    o->via.array.ptr[2].type != MSGPACK_OBJECT_NIL || !is_bin32(&o->via.array.ptr[3]))
		die("%s refused the authkey", b->path);
	if (!auth_proof_equal(want, o->via.array.ptr[3].via.bin.ptr, AUTH_PROOF_SIZE))
		die("%s does not know the authkey: its proof is wrong", b->path);
	msgpack_unpacked_destroy(&m);
	cl->next_msgid = 1; /* msgid 0 was the hello's */
}

/*
 * server.shm on cl's fresh connection (docs/protocol.md, "Shared memory"):
 * its reply comes with the region's fds, read with recvmsg. Dies on failure.
 */
static void switch_to_shm(bench *b, client *cl)
{
	static const char req[] = "\x94\x00\xce\xff\xff\xff\xff\xaaserver.shm\x90";
	if (send(cl->fd, req, sizeof req - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof req - 1))
		die("cannot send server.shm to %s: %s", b->path, strerror(errno));
	int fds[2] = {-1, -1};
	size_t nfds = 0;
	msgpack_unpacked m;
	msgpack_unpacked_init(&m);
	while (msgpack_unpacker_next(&cl->in, &m) != MSGPACK_UNPACK_SUCCESS) {
		if (!msgpack_unpacker_reserve_buffer(&cl->in, 4096))
			die("out of memory");
		ssize_t n = shm_link_recvmsg(cl->fd, msgpack_unpacker_buffer(&cl->in),
					     msgpack_unpacker_buffer_capacity(&cl->in), fds, &nfds);
		if (n <= 0)
			die("%s closed the connection at server.shm", b->path);
		msgpack_unpacker_buffer_consumed(&cl->in, (size_t)n);
	}
	const msgpack_object *o = &m.data;
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 4 ||
	    o->via.array.ptr[2].type != MSGPACK_OBJECT_NIL || nfds != 2)
		die("%s refused server.shm (is it older than shared memory?)", b->path);
	msgpack_unpacked_destroy(&m);
	const char *why;
	if (shm_link_open(&cl->link, cl->fd, fds[0], fds[1], &why) < 0)
		die("server.shm: %s", why);
	close(fds[0]);
}

/* The key of --authkey-file or $OBJMGR_AUTHKEY_FILE into key; false when there is none. */
static bool load_key(const options *o, authkey *key)
{
	const char *file = o->authkey_file ? o->authkey_file : getenv("OBJMGR_AUTHKEY_FILE");
	if (!file || !*file)
		return false;
	char why[AUTHKEY_WHY_MAX];
	if (authkey_load(key, file, why))
		die("%s", why);
	return true;
}

static void connect_all(bench *b)
{
	static authkey key;
	bool keyed = load_key(&b->o, &key);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(b->path) >= sizeof sa.sun_path)
		die("the socket path %s is longer than %zu bytes", b->path, sizeof sa.sun_path - 1);
	strcpy(sa.sun_path, b->path);
	for (size_t i = 0; i < b->o.clients; i++) {
		client *cl = &b->clients[i];
		cl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (cl->fd < 0)
			die("socket: %s", strerror(errno));
		if (connect(cl->fd, (struct sockaddr *)&sa, sizeof sa) < 0)
			die("cannot connect to %s: %s%s", b->path, strerror(errno),
			    errno == ENOENT || errno == ECONNREFUSED ? " (is objmgrd running?)" : "");
		if (!msgpack_unpacker_init(&cl->in, 64 * 1024))
			die("out of memory");
		cl->out_cap = b->o.pipeline * b->max_request;
		cl->out = xmalloc(cl->out_cap);
		cl->next_msgid = 1;
		b->pfds[i].fd = cl->fd;
		if (keyed)
			authenticate(b, cl, &key);
		if (b->o.shm)
			switch_to_shm(b, cl);
	}
	authkey_wipe(&key);
}

static void bench_free(bench *b)
{
	for (size_t i = 0; i < b->o.clients; i++) {
		shm_link_close(&b->clients[i].link);
		close(b->clients[i].fd);
		msgpack_unpacker_destroy(&b->clients[i].in);
		free(b->clients[i].out);
	}
	free(b->clients);
	free(b->pfds);
	free(b->latency);
	free(b->value);
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, PROG ": ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry '" PROG " --help'.\n");
	return 2;
}

/* A count in [min, max]. */
static int parse_count(const char *arg, size_t min, size_t max, size_t *out)
{
	if (!isdigit((unsigned char)arg[0]))
		return -1;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(arg, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = (size_t)v;
	return 0;
}

static int parse_tests(const char *arg, bool *run)
{
	memset(run, 0, NTESTS * sizeof *run);
	const char *p = arg;
	for (;;) {
		size_t len = strcspn(p, ",");
		test_id t = 0;
		while (t < NTESTS && (strlen(test_names[t]) != len || memcmp(test_names[t], p, len)))
			t++;
		if (t == NTESTS)
			return usage_error("-t: no test called '%s' (see --help)", p);
		run[t] = true;
		if (!p[len])
			return -1;
		p += len + 1;
	}
}

/* Fills o from argv. Returns -1 to go on, else the exit status (--help, errors). */
static int parse_options(int argc, char **argv, options *o)
{
	enum { OPT_CSV = 256, OPT_AUTHKEY_FILE, OPT_SHM, OPT_GAP_US, OPT_NO_POLL };
	static const struct option longopts[] = {
		{"csv", no_argument, NULL, OPT_CSV},
		{"shm", no_argument, NULL, OPT_SHM},
		{"gap-us", required_argument, NULL, OPT_GAP_US},
		{"no-poll", no_argument, NULL, OPT_NO_POLL},
		{"authkey-file", required_argument, NULL, OPT_AUTHKEY_FILE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch, rc;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":s:c:n:P:t:d:r:qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			o->address = optarg;
			break;
		case 'c':
			if (parse_count(optarg, 1, 100000, &o->clients))
				return usage_error("-c: not a number of clients from 1 to 100000: '%s'", optarg);
			break;
		case 'n':
			if (parse_count(optarg, 1, SIZE_MAX / sizeof(uint64_t), &o->requests))
				return usage_error("-n: not a positive number: '%s'", optarg);
			break;
		case 'P':
			if (parse_count(optarg, 1, 1000000, &o->pipeline))
				return usage_error("-P: not a pipeline depth from 1 to 1000000: '%s'", optarg);
			break;
		case 't':
			if ((rc = parse_tests(optarg, o->run)) >= 0)
				return rc;
			break;
		case 'd':
			if (parse_count(optarg, 0, 64 << 20, &o->value_size))
				return usage_error("-d: not a size from 0 to 67108864: '%s'", optarg);
			break;
		case 'r':
			if (parse_count(optarg, 1, SIZE_MAX, &o->keyspace))
				return usage_error("-r: not a positive number: '%s'", optarg);
			break;
		case OPT_CSV:
			o->csv = true;
			break;
		case OPT_AUTHKEY_FILE:
			o->authkey_file = optarg;
			break;
		case OPT_SHM:
			o->shm = true;
			break;
		case OPT_NO_POLL:
			o->no_poll = true;
			break;
		case OPT_GAP_US:
			if (parse_count(optarg, 1, 1000000, &o->gap_us))
				return usage_error("--gap-us: not a number of microseconds from 1 to 1000000: '%s'",
						   optarg);
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			fputs(help_text, stdout);
			return 0;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (o->shm && o->clients != 1)
		return usage_error("--shm needs -c 1%s", "");
	if (o->gap_us && (o->clients != 1 || o->pipeline != 1))
		return usage_error("--gap-us needs -c 1 -P 1%s", "");
	return -1;
}

int main(int argc, char **argv)
{
	static bench b;
	b.o = (options){.clients = 50, .requests = 100000, .pipeline = 1, .value_size = 3};
	for (int t = 0; t < NTESTS; t++)
		b.o.run[t] = true;
	int status = parse_options(argc, argv, &b.o);
	if (status >= 0)
		return status;

	char default_path[PATH_MAX];
	if (!b.o.address) {
		if (address_default(default_path, sizeof default_path))
			die("the default socket path is too long; use -s");
		b.o.address = default_path;
	}
	b.path = address_path(b.o.address);
	/* Header, msgid, method, name, key and a number take under 128 bytes; the value the rest. */
	b.max_request = 128 + b.o.value_size;
	b.value = xmalloc(b.o.value_size + 1);
	memset(b.value, 'x', b.o.value_size);
	b.clients = xcalloc(b.o.clients, sizeof *b.clients);
	b.pfds = xcalloc(b.o.clients, sizeof *b.pfds);
	b.latency = xmalloc(b.o.requests * sizeof *b.latency);
	b.rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
	/* Past 1 MiB a blocking batch could fill both directions at once; poll() avoids that. */
	b.blocking = b.o.clients == 1 && b.o.pipeline * (b.max_request + b.o.value_size) <= 1 << 20;
	payoff_init(&b.poll_rule);
	/* The rings are driven the blocking way only: a batch must not fill both directions. */
	if (b.o.shm && !b.blocking)
		return usage_error("--shm needs a batch (-P times the request size) under 1 MiB%s", "");
	b.progress = !b.o.csv && !b.o.quiet && isatty(STDERR_FILENO);
	connect_all(&b);

	if (b.o.csv)
		puts("\"test\",\"rps\",\"p50_latency_ms\",\"p99_latency_ms\",\"p999_latency_ms\","
		     "\"max_latency_ms\",\"errors\"");
	else if (!b.o.quiet)
		printf("%zu clients, %zu requests per test, pipeline %zu, %zu-byte values, "
		       "keyspace %zu, on %s\n%-20s %12s %9s %9s %9s %9s\n",
		       b.o.clients, b.o.requests, b.o.pipeline, b.o.value_size, b.o.keyspace, b.path,
		       "test", "ops/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms");
	for (int t = 0; t < NTESTS; t++)
		if (b.o.run[t])
			run_test(&b, (test_id)t);
	bench_free(&b);
	return 0;
}
