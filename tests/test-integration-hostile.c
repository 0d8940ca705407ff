/*
 * test-integration-hostile.c — nothing a client sends can crash, freeze or
 * starve objmgrd (issue 10's end-to-end check).
 *
 * Each test starts a server and a bystander: a forked process with its own
 * libobjmgr connection, open from the start, that adds 1 to its counter
 * every BYSTANDER_PAUSE_MS and checks each answer (the exact new value)
 * and its round trip. The test then attacks the server and marks each
 * step (bystander_mark): the bystander answers a mark only after one more
 * correct answer, so each step is followed by a correct answer. At the end
 * the server must still run, every answer must have come within
 * LATENCY_MS (times $OBJMGR_TEST_SLOWDOWN), the one timing bound the issue
 * asks for, and the counter must hold exactly the number of answers.
 *
 * Hostile bytes go out on raw sockets, packed with msgpack-c; what the
 * server sends back on them is read to the end of stream and decoded
 * whole. Well-formed floods (parked calls) go through libobjmgr's
 * pipelining.
 */
#include <check.h>
#include <errno.h>
#include <msgpack.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "calls.h"
#include "check-main.h"
#include "harness.h"
#include "objmgr.h"
#include "packet.h"

/* The longest a bystander's round trip may take, before the slowdown factor. */
#define LATENCY_MS 100
/* The bystander's pause between requests. */
#define BYSTANDER_PAUSE_MS 2
/* How long the test's own calls, and a mark, may take before the test fails (times the slowdown). */
#define REPLY_S 20
/* Parked calls per blocking-type test. */
#define WAITERS 50000
/* A server read to the end may take this long to close (times the slowdown). */
#define CLOSE_MS 10000

/* The test's well-behaved client, connected in setup. */
static om_client *admin;

static om_client *client(void)
{
	om_options opts = {.timeout_s = REPLY_S * harness_slowdown()};
	om_client *c = om_connect(harness_srv.socket, &opts);
	ck_assert_msg(om_errcode(c) == OM_OK, "%s", om_errmsg(c));
	return c;
}

static int64_t int_of(const om_value *v)
{
	ck_assert_msg(v->kind == OM_INT || v->kind == OM_UINT, "not an integer");
	return v->kind == OM_INT ? v->as.i : (int64_t)v->as.u;
}

/* --- the bystander ------------------------------------------------------- */

/* What the bystander reports when it stops, after an 'r' on its pipe. */
typedef struct bystander_report {
	int64_t answers;
	double max_ms;
	char failure[256]; /* "" when every answer was right */
} bystander_report;

static struct {
	pid_t pid;
	int cmd; /* to it: 'm' per mark; closed to stop it */
	int ack; /* from it: 'a' per mark, then 'r' and its report */
} by;

static void write_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void bystander_main(int cmd, int ack)
{
	bystander_report r = {0};
	double bound_ms = LATENCY_MS * harness_slowdown();
	om_options opts = {.timeout_s = 60 * harness_slowdown()};
	om_client *c = om_connect(harness_srv.socket, &opts);
	om_counter *n = om_counter_open(c, "bystander");
	bool marked = false;
	if (om_errcode(c) != OM_OK)
		snprintf(r.failure, sizeof r.failure, "connect: %s", om_errmsg(c));
	while (!r.failure[0]) {
		struct pollfd p = {.fd = cmd, .events = POLLIN};
		if (poll(&p, 1, marked ? 0 : BYSTANDER_PAUSE_MS) == 1) {
			char ch;
			if (read(cmd, &ch, 1) != 1)
				break;
			marked = true;
		}
		int64_t v;
		double t0 = harness_now_s();
		int rc = om_counter_add_int(n, 1, &v);
		double ms = (harness_now_s() - t0) * 1000;
		if (rc != OM_OK)
			snprintf(r.failure, sizeof r.failure, "counter.add after %lld answers: %s: %s",
				 (long long)r.answers, om_code_name(rc), om_errmsg(c));
		else if (v != r.answers + 1)
			snprintf(r.failure, sizeof r.failure, "counter.add answered %lld, expected %lld",
				 (long long)v, (long long)r.answers + 1);
		else
			r.answers++;
		if (ms > r.max_ms)
			r.max_ms = ms;
		if (ms > bound_ms) /* shows when, in the test's log */
			fprintf(stderr, "bystander: answer %lld took %.1f ms\n", (long long)r.answers, ms);
		if (marked && !r.failure[0]) {
			write_all(ack, "a", 1);
			marked = false;
		}
	}
	write_all(ack, "r", 1);
	write_all(ack, &r, sizeof r);
	om_counter_close(n);
	om_close(c);
	_exit(0);
}

static void bystander_start(void)
{
	int cmd[2], ack[2];
	ck_assert_int_eq(pipe(cmd), 0);
	ck_assert_int_eq(pipe(ack), 0);
	signal(SIGPIPE, SIG_IGN);
	pid_t parent = getpid();
	by.pid = fork();
	ck_assert_msg(by.pid >= 0, "fork: %s", strerror(errno));
	if (by.pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		close(cmd[1]);
		close(ack[0]);
		bystander_main(cmd[0], ack[1]);
	}
	close(cmd[0]);
	close(ack[1]);
	by.cmd = cmd[1];
	by.ack = ack[0];
}

/* Reads n bytes from the bystander, waiting at most REPLY_S; false at end of stream. */
static bool bystander_read(void *p, size_t n)
{
	char *s = p;
	while (n) {
		struct pollfd pf = {.fd = by.ack, .events = POLLIN};
		int r = poll(&pf, 1, (int)(REPLY_S * 1000 * harness_slowdown()));
		if (r < 0 && errno == EINTR)
			continue;
		ck_assert_msg(r == 1, "the bystander got no answer within %g s",
			      REPLY_S * harness_slowdown());
		ssize_t k = read(by.ack, s, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		s += k;
		n -= (size_t)k;
	}
	return true;
}

/* Reads the bystander's report and reaps it. */
static void bystander_reap(bystander_report *r)
{
	ck_assert_msg(bystander_read(r, sizeof *r), "the bystander died");
	int status;
	ck_assert_int_eq(waitpid(by.pid, &status, 0), by.pid);
	by.pid = 0;
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the bystander failed");
}

/* After this, the bystander got one more answer, and it was right. */
static void bystander_mark(const char *step)
{
	write_all(by.cmd, "m", 1);
	char ch;
	ck_assert_msg(bystander_read(&ch, 1), "the bystander died after %s", step);
	if (ch == 'r') {
		for (int ms = 0; ms < 500; ms += 10) { /* a server that crashed is reaped soon after */
			harness_assert_running(&harness_srv);
			harness_sleep_ms(10);
		}
		bystander_report r;
		bystander_reap(&r);
		ck_abort_msg("after %s: bystander: %s", step, r.failure);
	}
	ck_assert_int_eq(ch, 'a');
}

/*
 * Ends a test: the server still runs, the bystander's answers were all
 * right and quick, and its counter holds exactly one per answer.
 */
static void bystander_finish(const char *attack)
{
	harness_assert_running(&harness_srv);
	close(by.cmd);
	char ch;
	ck_assert_msg(bystander_read(&ch, 1) && ch == 'r', "the bystander died");
	bystander_report r;
	bystander_reap(&r);
	printf("%s: bystander: %lld answers, the slowest in %.1f ms\n", attack,
	       (long long)r.answers, r.max_ms);
	ck_assert_msg(!r.failure[0], "bystander: %s", r.failure);
	ck_assert_msg(r.max_ms <= LATENCY_MS * harness_slowdown(),
		      "%s: a bystander's answer took %.1f ms (bound %g ms)", attack, r.max_ms,
		      LATENCY_MS * harness_slowdown());
	om_value v;
	OK(admin, &v, "counter.get", om_str("bystander"));
	ck_assert_int_eq(int_of(&v), r.answers);
	harness_assert_running(&harness_srv);
}

static void setup_with(const char *opt, const char *arg)
{
	harness_start(&harness_srv, opt, arg, NULL);
	admin = client();
	bystander_start();
	bystander_mark("start");
}

static void setup(void)
{
	setup_with(NULL, NULL);
}

static void teardown(void)
{
	om_close(admin);
	admin = NULL;
	harness_stop(&harness_srv);
}

/* --- raw connections ------------------------------------------------------ */

/* What the server sent on a raw connection until it closed it. */
typedef struct received {
	char buf[256 * 1024];
	size_t size, off;
	msgpack_unpacked msg;
} received;

/* Reads fd to its end (the server must close it within CLOSE_MS) and closes it. */
static received *receive_all(int fd)
{
	received *r = calloc(1, sizeof *r);
	ck_assert_ptr_nonnull(r);
	r->size = harness_read_to_eof(fd, r->buf, sizeof r->buf,
				      (int)(CLOSE_MS * harness_slowdown()));
	close(fd);
	msgpack_unpacked_init(&r->msg);
	return r;
}

static void received_free(received *r)
{
	msgpack_unpacked_destroy(&r->msg);
	free(r);
}

/* The next message received (valid until the next call), or NULL after the last. */
static const msgpack_object *received_next(received *r)
{
	if (r->off == r->size)
		return NULL;
	msgpack_unpack_return rc = msgpack_unpack_next(&r->msg, r->buf, r->size, &r->off);
	ck_assert_msg(rc == MSGPACK_UNPACK_SUCCESS, "the server sent bytes that are not msgpack (%d)",
		      (int)rc);
	return &r->msg.data;
}

/* o as text, for failure messages; valid until the next call. */
static const char *describe(const msgpack_object *o)
{
	static char text[512];
	if (msgpack_object_print_buffer(text, sizeof text, *o) < 0)
		snprintf(text, sizeof text, "(unprintable)");
	return text;
}

static bool is_str(const msgpack_object *o, const char *s)
{
	return o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(s) &&
	       memcmp(o->via.str.ptr, s, o->via.str.size) == 0;
}

static bool is_uint(const msgpack_object *o, uint64_t v)
{
	return o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 == v;
}

/* r's next message is [2, "server.error", [code, message]]. */
static void expect_server_error(received *r, const char *code)
{
	const msgpack_object *o = received_next(r);
	ck_assert_msg(o, "the server closed the connection without a server.error notification");
	ck_assert_msg(o->type == MSGPACK_OBJECT_ARRAY && o->via.array.size == 3 &&
			      is_uint(&o->via.array.ptr[0], 2) &&
			      is_str(&o->via.array.ptr[1], "server.error"),
		      "not a server.error notification: %s", describe(o));
	const msgpack_object *p = &o->via.array.ptr[2];
	ck_assert(p->type == MSGPACK_OBJECT_ARRAY && p->via.array.size == 2);
	ck_assert_msg(is_str(&p->via.array.ptr[0], code), "server.error %.*s, expected %s",
		      (int)p->via.array.ptr[0].via.str.size, p->via.array.ptr[0].via.str.ptr, code);
	ck_assert_int_eq(p->via.array.ptr[1].type, MSGPACK_OBJECT_STR);
}

/* r's next message is [1, msgid, nil, result]: returns the result. */
static const msgpack_object *expect_result(received *r, uint32_t msgid)
{
	const msgpack_object *o = received_next(r);
	ck_assert_msg(o, "the server closed the connection without answering %u", msgid);
	ck_assert_msg(o->type == MSGPACK_OBJECT_ARRAY && o->via.array.size == 4 &&
			      is_uint(&o->via.array.ptr[0], 1) && is_uint(&o->via.array.ptr[1], msgid),
		      "not the response to %u: %s", msgid, describe(o));
	ck_assert_msg(o->via.array.ptr[2].type == MSGPACK_OBJECT_NIL, "request %u failed: %s", msgid,
		      describe(o));
	return &o->via.array.ptr[3];
}

static void expect_end(received *r)
{
	const msgpack_object *o = received_next(r);
	ck_assert_msg(o == NULL, "the server sent more than expected: %s", describe(o));
	received_free(r);
}

/* Sends bytes on a fresh connection, which the server must answer with server.error code and close. */
static void expect_rejected(const void *bytes, size_t n, const char *code, const char *what)
{
	int fd = harness_connect_raw(&harness_srv);
	harness_send_all(fd, bytes, n);
	received *r = receive_all(fd);
	expect_server_error(r, code);
	expect_end(r);
	bystander_mark(what);
}

/* --- malformed input ------------------------------------------------------ */

START_TEST(test_garbage_is_rejected_while_others_are_served)
{
	static const struct {
		const char *bytes;
		size_t n;
		const char *what;
	} bad[] = {
		{"\xc1", 1, "0xc1 alone"},
		{"\xc1 not msgpack", 14, "0xc1 and text"},
		{"\x94\x00\x01\xc1", 4, "0xc1 as the method"},
		{"\x94\x00\x01\xa4ping\x91\xc1", 10, "0xc1 among the params"},
		{"\x94\x00\xc1", 3, "0xc1 as the msgid"},
		{"\x91\xc1\xc1\xc1", 4, "0xc1 in an array"},
		{"\x82\xa1k\xc1", 4, "0xc1 as a map value"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_rejected(bad[i].bytes, bad[i].n, "bad_request", bad[i].what);

	/* Random bytes: whatever they read as, the server answers only what it must and closes at the end. */
	unsigned seed = 10;
	for (int round = 0; round < 64; round++) {
		char bytes[512];
		for (size_t i = 0; i < sizeof bytes; i++)
			bytes[i] = (char)(rand_r(&seed) & 0xff);
		int fd = harness_connect_raw(&harness_srv);
		harness_send_all(fd, bytes, sizeof bytes);
		shutdown(fd, SHUT_WR);
		received *r = receive_all(fd);
		for (const msgpack_object *o; r->off < r->size && (o = received_next(r));)
			ck_assert_msg(o->type == MSGPACK_OBJECT_ARRAY && o->via.array.size >= 3 &&
					      (is_uint(&o->via.array.ptr[0], 1) ||
					       is_uint(&o->via.array.ptr[0], 2)),
				      "round %d: not a response or a notification: %s", round, describe(o));
		received_free(r);
		char step[64];
		snprintf(step, sizeof step, "random bytes, round %d", round);
		bystander_mark(step);
	}
	bystander_finish("garbage");
}
END_TEST

/*
 * Each top-level scalar, sent alone as the first message of a connection,
 * is not a request and has no msgid to answer with: it gets a server.error
 * bad_request notification, the connection stays open and a request sent
 * after it is answered.
 */
START_TEST(test_each_scalar_as_first_message_is_ignored)
{
	static const struct {
		const char *bytes;
		size_t n;
		const char *what;
	} scalars[] = {
		{"\xc0", 1, "nil"},
		{"\xc3", 1, "true"},
		{"\xc2", 1, "false"},
		{"\x05", 1, "positive fixint"},
		{"\xe0", 1, "negative fixint"},
		{"\xd3\x80\x00\x00\x00\x00\x00\x00\x00", 9, "int64"},
		{"\xcf\xff\xff\xff\xff\xff\xff\xff\xff", 9, "uint64"},
		{"\xca\x3f\x80\x00\x00", 5, "float32"},
		{"\xcb\x3f\xf0\x00\x00\x00\x00\x00\x00", 9, "float64"},
		{"\xa5hello", 6, "str"},
		{"\xc4\x03\x01\x02\x03", 5, "bin"},
		{"\xd4\x01\x00", 3, "fixext"},
	};
	for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
		int fd = harness_connect_raw(&harness_srv);
		harness_send_all(fd, scalars[i].bytes, scalars[i].n);
		bystander_mark(scalars[i].what);
		harness_assert_running(&harness_srv);
		packet p;
		packet_init(&p);
		pack_request(&p.pk, 7, "server.ping", 0);
		harness_send_all(fd, p.buf.data, p.buf.size);
		packet_free(&p);
		shutdown(fd, SHUT_WR);
		received *r = receive_all(fd);
		expect_server_error(r, "bad_request");
		ck_assert_msg(is_str(expect_result(r, 7), "pong"), "%s: not pong", scalars[i].what);
		expect_end(r);
		bystander_mark(scalars[i].what);
	}
	bystander_finish("scalars");
}
END_TEST

/*
 * A list.append whose value has items of every kind, cut after each of
 * its bytes: sent cut and closed, it runs nothing; sent cut, paused and
 * completed, it runs once. So the k-th completed one answers length k.
 */
START_TEST(test_request_cut_at_every_byte_runs_only_when_completed)
{
	packet p;
	packet_init(&p);
	pack_request(&p.pk, 9, "list.append", 2);
	pack_str(&p.pk, "cut");
	msgpack_pack_map(&p.pk, 9);
	pack_str(&p.pk, "nil");
	msgpack_pack_nil(&p.pk);
	pack_str(&p.pk, "bool");
	msgpack_pack_true(&p.pk);
	pack_str(&p.pk, "neg");
	msgpack_pack_int64(&p.pk, -1234567890123LL);
	pack_str(&p.pk, "u64");
	msgpack_pack_uint64(&p.pk, UINT64_MAX);
	pack_str(&p.pk, "f32");
	msgpack_pack_float(&p.pk, 1.5f);
	pack_str(&p.pk, "f64");
	msgpack_pack_double(&p.pk, -0.25);
	pack_str(&p.pk, "bin");
	msgpack_pack_bin_with_body(&p.pk, "\x00\x01\x02", 3);
	pack_str(&p.pk, "str");
	pack_str(&p.pk, "a string longer than thirty-one bytes (str8)");
	pack_str(&p.pk, "nested");
	msgpack_pack_array(&p.pk, 2);
	msgpack_pack_array(&p.pk, 0);
	msgpack_pack_map(&p.pk, 0);
	const char *req = p.buf.data;
	size_t len = p.buf.size;

	for (size_t k = 1; k < len; k++) {
		int cut = harness_connect_raw(&harness_srv);
		harness_send_all(cut, req, k);
		close(cut);

		int split = harness_connect_raw(&harness_srv);
		harness_send_all(split, req, k);
		bystander_mark("a request cut short");
		harness_send_all(split, req + k, len - k);
		shutdown(split, SHUT_WR);
		received *r = receive_all(split);
		const msgpack_object *n = expect_result(r, 9);
		ck_assert_msg(is_uint(n, k), "cut after %zu bytes: the list's length is not %zu", k, k);
		expect_end(r);
	}
	om_value n, item;
	OK(admin, &n, "list.len", om_str("cut"));
	ck_assert_int_eq(int_of(&n), (int64_t)len - 1);
	OK(admin, &item, "list.get", om_str("cut"), om_int(-1));
	ck_assert_int_eq(item.kind, OM_MAP);
	ck_assert_uint_eq(item.len, 9);
	const om_value *u = om_value_map_get(&item, "u64");
	ck_assert(u && u->kind == OM_UINT && u->as.u == UINT64_MAX);
	const om_value *s = om_value_map_get(&item, "str");
	ck_assert(s && s->kind == OM_STR && s->len == strlen("a string longer than thirty-one bytes (str8)"));
	om_value_free(&item);
	packet_free(&p);
	bystander_finish("truncated");
}
END_TEST

/*
 * Headers declaring enormous sizes, with nothing behind them, on
 * connections kept open: the server must not reserve what they declare.
 */
START_TEST(test_huge_declared_lengths_reserve_nothing)
{
	static const struct {
		const char *what;
		const char *head; /* after a request's "dict.set" prefix, or alone when prefix is false */
		size_t n;
		bool prefix;
	} heads[] = {
		{"array32 of 2^31-1 items", "\xdd\x7f\xff\xff\xff", 5, false},
		{"map32 of 2^31-1 pairs", "\xdf\x7f\xff\xff\xff", 5, false},
		{"str32 of 2^32-1 bytes", "\xdb\xff\xff\xff\xff", 5, false},
		{"params array32 of 2^27 items", "\xdd\x08\x00\x00\x00", 5, true},
		{"params array32 of 2^31-1 items", "\xdd\x7f\xff\xff\xff", 5, true},
		{"str32 value of 2^31 bytes", "\x93\xa1" "d" "\xa1" "k" "\xdb\x80\x00\x00\x00", 10, true},
		{"bin32 value of 2^31 bytes", "\x93\xa1" "d" "\xa1" "k" "\xc6\x80\x00\x00\x00", 10, true},
		{"map32 value of 2^31-1 pairs", "\x93\xa1" "d" "\xa1" "k" "\xdf\x7f\xff\xff\xff", 10, true},
		{"array32 in array32", "\x93\xa1" "d" "\xa1" "k" "\xdd\x7f\xff\xff\xff\xdd\x7f\xff\xff\xff", 15, true},
	};
	enum { N = sizeof heads / sizeof heads[0] };
	int fds[N];
	long before = harness_rss_kib(harness_srv.pid), most = before;
	for (int i = 0; i < N; i++) {
		packet p;
		packet_init(&p);
		if (heads[i].prefix) {
			msgpack_pack_array(&p.pk, 4);
			msgpack_pack_uint8(&p.pk, 0);
			msgpack_pack_uint32(&p.pk, 1);
			pack_str(&p.pk, "dict.set");
		}
		msgpack_sbuffer_write(&p.buf, heads[i].head, heads[i].n);
		fds[i] = harness_connect_raw(&harness_srv);
		harness_send_all(fds[i], p.buf.data, p.buf.size);
		packet_free(&p);
		bystander_mark(heads[i].what);
		harness_assert_running(&harness_srv);
		long rss = harness_rss_kib(harness_srv.pid);
		printf("huge lengths: after %s: the server's RSS is %ld KiB (%+ld KiB)\n",
		       heads[i].what, rss, rss - before);
		if (rss > most)
			most = rss;
	}
	harness_sleep_ms(200);
	bystander_mark("holding the headers");
	long rss = harness_rss_kib(harness_srv.pid);
	if (rss > most)
		most = rss;
	/* Under ASan freed replies stay in its quarantine: RSS shows that, not what the server holds. */
	ck_assert_msg(HARNESS_UNDER_ASAN || most - before <= 32 * 1024,
		      "the server's RSS grew by %ld KiB", most - before);
	for (int i = 0; i < N; i++)
		close(fds[i]);
	bystander_mark("closing");
	bystander_finish("huge lengths");
}
END_TEST

/* depth nested one-item arrays (or maps {0: ...}) around the integer 1. */
static void pack_nested(msgpack_packer *pk, int depth, bool maps)
{
	for (int i = 0; i < depth; i++) {
		if (maps) {
			msgpack_pack_map(pk, 1);
			msgpack_pack_uint8(pk, 0);
		} else {
			msgpack_pack_array(pk, 1);
		}
	}
	msgpack_pack_uint8(pk, 1);
}

/* Nesting deeper than msgpack-c's unpacker stack: server.error too_deep, and the connection closes. */
START_TEST(test_deep_nesting_is_rejected)
{
	for (int form = 0; form < 3; form++) {
		packet p;
		packet_init(&p);
		if (form == 0) {
			pack_nested(&p.pk, 1000, false);
		} else {
			pack_request(&p.pk, 3, "dict.set", 3);
			pack_str(&p.pk, "deep");
			pack_str(&p.pk, "k");
			pack_nested(&p.pk, 1000, form == 2);
		}
		expect_rejected(p.buf.data, p.buf.size, "too_deep",
				form == 0 ? "1,000 nested arrays" : form == 1 ? "a value of 1,000 nested arrays"
									: "a value of 1,000 nested maps");
		packet_free(&p);
	}
	om_value t;
	OK(admin, &t, "objects.type", om_str("deep"));
	ck_assert_int_eq(t.kind, OM_NIL);
	bystander_finish("deep nesting");
}
END_TEST

/* --- costly values -------------------------------------------------------- */

enum { BIG_KEYS = 100000 };

/*
 * A map of BIG_KEYS pairs "k<i>": i, in order or reversed; pair `changed`
 * (if in range) holds -1 instead. Its strings point into names.
 */
static om_value big_map(om_value *pairs, char (*names)[8], bool reversed, int changed)
{
	for (int j = 0; j < BIG_KEYS; j++) {
		int i = reversed ? BIG_KEYS - 1 - j : j;
		snprintf(names[i], sizeof names[i], "k%d", i);
		pairs[2 * j] = om_str(names[i]);
		pairs[2 * j + 1] = om_int(i == changed ? -1 : i);
	}
	return om_map(pairs, BIG_KEYS);
}

START_TEST(test_map_of_100000_keys_as_dict_key)
{
	char(*names)[8] = malloc(BIG_KEYS * sizeof *names);
	om_value *pairs = malloc(2 * BIG_KEYS * sizeof *pairs);
	ck_assert(names && pairs);
	om_value v;

	om_value key = big_map(pairs, names, false, -1);
	OK(admin, NULL, "dict.set", om_str("big"), key, om_str("found"));
	bystander_mark("dict.set with the key");
	key = big_map(pairs, names, true, -1);
	OK(admin, &v, "dict.get", om_str("big"), key);
	ck_assert(v.kind == OM_STR && v.len == 5 && memcmp(v.as.str, "found", 5) == 0);
	om_value_free(&v);
	bystander_mark("dict.get with the keys in reverse order");
	key = big_map(pairs, names, true, BIG_KEYS / 2);
	ck_assert_int_eq(CALL(admin, &v, "dict.get", om_str("big"), key), OM_KEY_ERROR);
	bystander_mark("dict.get with one value changed");
	OK(admin, &v, "dict.len", om_str("big"));
	ck_assert_int_eq(int_of(&v), 1);
	free(pairs);
	free(names);
	bystander_finish("100,000-key map key");
}
END_TEST

/* --- 50,000 parked calls of each blocking type ---------------------------- */

/* server.info's "waiting": the calls parked right now. */
static int64_t parked_calls(void)
{
	om_value info;
	OK(admin, &info, "server.info");
	const om_value *w = om_value_map_get(&info, "waiting");
	ck_assert_ptr_nonnull(w);
	int64_t n = int_of(w);
	om_value_free(&info);
	return n;
}

/* Waits until n calls are parked, the bystander's answers checked meanwhile. */
static void wait_parked(int64_t n)
{
	double end = harness_now_s() + REPLY_S * harness_slowdown();
	while (parked_calls() != n) {
		ck_assert_msg(harness_now_s() < end, "the server never had %lld parked calls",
			      (long long)n);
		harness_sleep_ms(10);
	}
	bystander_mark("parking the calls");
}

/* om_send that must succeed: SEND(c, &id, "queue.put", om_str("q"), om_int(1)). */
#define SEND(c, id, method, ...)                                                          \
	do {                                                                              \
		int rc_ = om_send((c), (method), (const om_value[]){__VA_ARGS__},           \
				  sizeof((const om_value[]){__VA_ARGS__}) / sizeof(om_value),     \
				  (id));                                                          \
		ck_assert_msg(rc_ == OM_OK, "%s: %s: %s", (method), om_code_name(rc_),      \
			      om_errmsg(c));                                              \
	} while (0)

/* Sends the same request WAITERS times on c; ids[i] is the i-th one's msgid. */
static void send_many(om_client *c, uint32_t *ids, const char *method, const om_value *params,
		      size_t n)
{
	int rc;
	for (int i = 0; i < WAITERS; i++) {
		rc = om_send(c, method, params, n, &ids[i]);
		ck_assert_msg(rc == OM_OK, "%s #%d: %s: %s", method, i, om_code_name(rc), om_errmsg(c));
	}
	rc = om_flush(c);
	ck_assert_msg(rc == OM_OK, "%s: %s: %s", method, om_code_name(rc), om_errmsg(c));
}

#define SEND_MANY(c, ids, method, ...)                                                    \
	send_many((c), (ids), (method), (const om_value[]){__VA_ARGS__},                    \
		  sizeof((const om_value[]){__VA_ARGS__}) / sizeof(om_value))

/* Every reply to ids is want (true, nil, ...) */
static void expect_all(om_client *c, const uint32_t *ids, om_value want, const char *what)
{
	for (int i = 0; i < WAITERS; i++) {
		om_value v;
		int rc = om_recv_id(c, ids[i], &v);
		ck_assert_msg(rc == OM_OK, "%s #%d: %s: %s", what, i, om_code_name(rc), om_errmsg(c));
		ck_assert_msg(om_value_equal(&v, &want), "%s #%d: a wrong answer", what, i);
		om_value_free(&v);
	}
}

/* The reply to ids[i] is the integer first + i. */
static void expect_counting(om_client *c, const uint32_t *ids, int64_t first, const char *what)
{
	for (int i = 0; i < WAITERS; i++) {
		om_value v;
		int rc = om_recv_id(c, ids[i], &v);
		ck_assert_msg(rc == OM_OK, "%s #%d: %s: %s", what, i, om_code_name(rc), om_errmsg(c));
		ck_assert_msg(int_of(&v) == first + i, "%s #%d: answered %lld", what, i,
			      (long long)int_of(&v));
	}
}

static uint32_t *new_ids(void)
{
	uint32_t *ids = calloc(WAITERS, sizeof *ids);
	ck_assert_ptr_nonnull(ids);
	return ids;
}

START_TEST(test_50000_gets_on_an_empty_queue)
{
	om_client *w = client();
	uint32_t *gets = new_ids(), *puts = new_ids();
	SEND_MANY(w, gets, "queue.get", om_str("q"));
	wait_parked(WAITERS);
	for (int i = 0; i < WAITERS; i++)
		SEND(admin, &puts[i], "queue.put", om_str("q"), om_int(i));
	expect_all(admin, puts, om_nil(), "queue.put");
	expect_counting(w, gets, 0, "queue.get");
	bystander_mark("the gets answered");
	ck_assert_int_eq(parked_calls(), 0);
	free(gets);
	free(puts);
	om_close(w);
	bystander_finish("queue.get x 50,000");
}
END_TEST

START_TEST(test_50000_puts_on_a_full_queue)
{
	om_client *w = client();
	uint32_t *gets = new_ids(), *puts = new_ids();
	om_value opts[] = {om_str("maxsize"), om_int(1)};
	OK(admin, NULL, "objects.create", om_str("q"), om_str("queue"), om_map(opts, 1));
	OK(admin, NULL, "queue.put", om_str("q"), om_int(-1));
	for (int i = 0; i < WAITERS; i++)
		SEND(w, &puts[i], "queue.put", om_str("q"), om_int(i));
	ck_assert_msg(om_flush(w) == OM_OK, "queue.put: %s", om_errmsg(w));
	wait_parked(WAITERS);
	om_value v;
	OK(admin, &v, "queue.get", om_str("q"));
	ck_assert_int_eq(int_of(&v), -1);
	SEND_MANY(admin, gets, "queue.get", om_str("q"));
	expect_counting(admin, gets, 0, "queue.get");
	expect_all(w, puts, om_nil(), "queue.put");
	bystander_mark("the puts answered");
	OK(admin, &v, "queue.len", om_str("q"));
	ck_assert_int_eq(int_of(&v), 0);
	free(gets);
	free(puts);
	om_close(w);
	bystander_finish("queue.put x 50,000");
}
END_TEST

/*
 * admin holds type's object "x"; WAITERS acquires are parked on another
 * connection; admin releases, then that connection releases WAITERS
 * times: every acquire is granted in turn, every release succeeds.
 */
static void acquires_then_releases(const char *type)
{
	char acquire[32], release[32];
	snprintf(acquire, sizeof acquire, "%s.acquire", type);
	snprintf(release, sizeof release, "%s.release", type);
	om_client *w = client();
	uint32_t *acq = new_ids(), *rel = new_ids();
	om_value v;
	OK(admin, &v, acquire, om_str("x"));
	ck_assert(v.kind == OM_BOOL && v.as.b);
	SEND_MANY(w, acq, acquire, om_str("x"));
	wait_parked(WAITERS);
	OK(admin, NULL, release, om_str("x"));
	SEND_MANY(w, rel, release, om_str("x"));
	expect_all(w, acq, om_bool(true), acquire);
	expect_all(w, rel, om_nil(), release);
	bystander_mark("the acquires answered");
	ck_assert_int_eq(parked_calls(), 0);
	free(acq);
	free(rel);
	om_close(w);
}

START_TEST(test_50000_lock_acquires)
{
	acquires_then_releases("lock");
	bystander_finish("lock.acquire x 50,000");
}
END_TEST

START_TEST(test_50000_rlock_acquires)
{
	acquires_then_releases("rlock");
	bystander_finish("rlock.acquire x 50,000");
}
END_TEST

START_TEST(test_50000_condition_acquires)
{
	acquires_then_releases("condition");
	bystander_finish("condition.acquire x 50,000");
}
END_TEST

START_TEST(test_50000_semaphore_acquires)
{
	om_client *w = client();
	uint32_t *acq = new_ids(), *rel = new_ids();
	om_value opts[] = {om_str("value"), om_int(0)};
	OK(admin, NULL, "objects.create", om_str("s"), om_str("semaphore"), om_map(opts, 1));
	SEND_MANY(w, acq, "semaphore.acquire", om_str("s"));
	wait_parked(WAITERS);
	SEND_MANY(admin, rel, "semaphore.release", om_str("s"));
	expect_all(admin, rel, om_nil(), "semaphore.release");
	expect_all(w, acq, om_bool(true), "semaphore.acquire");
	bystander_mark("the acquires answered");
	om_value v;
	OK(admin, &v, "semaphore.value", om_str("s"));
	ck_assert_int_eq(int_of(&v), 0);
	free(acq);
	free(rel);
	om_close(w);
	bystander_finish("semaphore.acquire x 50,000");
}
END_TEST

START_TEST(test_50000_event_waits)
{
	om_client *w = client();
	uint32_t *waits = new_ids();
	SEND_MANY(w, waits, "event.wait", om_str("e"));
	wait_parked(WAITERS);
	OK(admin, NULL, "event.set", om_str("e"));
	expect_all(w, waits, om_bool(true), "event.wait");
	bystander_mark("the waits answered");
	free(waits);
	om_close(w);
	bystander_finish("event.wait x 50,000");
}
END_TEST

/*
 * One connection acquires the condition and waits, WAITERS times; after a
 * notify_all each wait takes the lock again in turn, as the connection
 * releases it.
 */
START_TEST(test_50000_condition_waits)
{
	om_client *w = client();
	uint32_t *acq = new_ids(), *waits = new_ids(), *rel = new_ids();
	for (int i = 0; i < WAITERS; i++) {
		SEND(w, &acq[i], "condition.acquire", om_str("c"));
		SEND(w, &waits[i], "condition.wait", om_str("c"));
	}
	ck_assert_msg(om_flush(w) == OM_OK, "condition.wait: %s", om_errmsg(w));
	wait_parked(WAITERS);
	OK(admin, NULL, "condition.acquire", om_str("c"));
	OK(admin, NULL, "condition.notify_all", om_str("c"));
	OK(admin, NULL, "condition.release", om_str("c"));
	SEND_MANY(w, rel, "condition.release", om_str("c"));
	expect_all(w, acq, om_bool(true), "condition.acquire");
	expect_all(w, waits, om_bool(true), "condition.wait");
	expect_all(w, rel, om_nil(), "condition.release");
	bystander_mark("the waits answered");
	ck_assert_int_eq(parked_calls(), 0);
	free(acq);
	free(waits);
	free(rel);
	om_close(w);
	bystander_finish("condition.wait x 50,000");
}
END_TEST

START_TEST(test_50000_barrier_waits)
{
	om_client *w = client();
	uint32_t *waits = new_ids();
	om_value opts[] = {om_str("parties"), om_int(WAITERS + 1)};
	OK(admin, NULL, "objects.create", om_str("b"), om_str("barrier"), om_map(opts, 1));
	SEND_MANY(w, waits, "barrier.wait", om_str("b"));
	wait_parked(WAITERS);
	om_value v;
	OK(admin, &v, "barrier.wait", om_str("b"));
	ck_assert_int_eq(int_of(&v), WAITERS);
	expect_counting(w, waits, 0, "barrier.wait");
	bystander_mark("the waits answered");
	free(waits);
	om_close(w);
	bystander_finish("barrier.wait x 50,000");
}
END_TEST

/* --- clients that take too much -------------------------------------------- */

static void start_small_output(void)
{
	setup_with("--max-output", "4M");
}

/* The largest RSS of the server seen so far, in KiB, updated with a reading now. */
static long rss_peak(long most)
{
	long rss = harness_rss_kib(harness_srv.pid);
	return rss > most ? rss : most;
}

/*
 * A client asks for many 1 MiB replies and never reads them: first queue
 * gets that wait, then dict gets. The server stops reading it once about
 * --max-output is unsent, and serves everyone else meanwhile. The queue
 * gets it had read are then answered, one 1 MiB value after another:
 * their replies must not pile up in the server either (until the server
 * drops the client, which then leaves the values in the queue).
 */
START_TEST(test_reader_that_never_reads)
{
	enum { BIG = 1 << 20, GETS = 64 };
	char *big = malloc(BIG);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', BIG);
	om_value value = om_strn(big, BIG);
	OK(admin, NULL, "dict.set", om_str("d"), om_str("big"), value);
	bystander_mark("storing the value");
	long before = harness_rss_kib(harness_srv.pid), most = before;

	packet p;
	packet_init(&p);
	for (uint32_t id = 1; id <= GETS; id++) {
		pack_request(&p.pk, id, "queue.get", 1);
		pack_str(&p.pk, "q");
	}
	for (uint32_t id = GETS + 1; id <= 2 * GETS; id++) {
		pack_request(&p.pk, id, "dict.get", 2);
		pack_str(&p.pk, "d");
		pack_str(&p.pk, "big");
	}
	int fd = harness_connect_raw(&harness_srv);
	harness_send_all(fd, p.buf.data, p.buf.size);
	packet_free(&p);
	wait_parked(GETS);
	for (double end = harness_now_s() + 0.5; harness_now_s() < end; harness_sleep_ms(20)) {
		bystander_mark("a client not reading its replies");
		most = rss_peak(most);
	}
	int answered = 0;
	for (om_value n = om_int(0); answered < GETS && int_of(&n) == 0; answered++) {
		OK(admin, NULL, "queue.put", om_str("q"), value);
		bystander_mark("a reply to a client not reading");
		most = rss_peak(most);
		OK(admin, &n, "queue.len", om_str("q"));
	}
	printf("never reads: %d parked gets answered, the server's RSS grew by %ld KiB at most\n",
	       answered, most - before);
	/* Under ASan freed replies stay in its quarantine: RSS shows that, not what the server holds. */
	ck_assert_msg(HARNESS_UNDER_ASAN || most - before <= 32 * 1024,
		      "the server's RSS grew by %ld KiB", most - before);
	close(fd);
	free(big);
	bystander_mark("the client gone");
	bystander_finish("reader that never reads");
}
END_TEST

enum { CONNECTIONS = 2000, MAX_CLIENTS = 1024 };

/*
 * The server starts with the soft RLIMIT_NOFILE most systems give, 1,024
 * (or less when the hard limit is lower); the test then raises its own
 * to the hard limit, to open its CONNECTIONS.
 */
static void start_with_1024_files(void)
{
	struct rlimit rl;
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	struct rlimit low = {rl.rlim_max < 1024 ? rl.rlim_max : 1024, rl.rlim_max};
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	setup();
	low.rlim_cur = rl.rlim_max;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
}

/* How many of fds[0..n) the server has sent something or closed. */
static int count_readable(const int *fds, int n)
{
	static struct pollfd p[CONNECTIONS];
	for (int i = 0; i < n; i++)
		p[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
	ck_assert_int_ge(poll(p, (nfds_t)n, 0), 0);
	int k = 0;
	for (int i = 0; i < n; i++)
		k += (p[i].revents & (POLLIN | POLLHUP)) != 0;
	return k;
}

/*
 * CONNECTIONS clients at once: the first MAX_CLIENTS (the default
 * --max-clients, counting admin and the bystander) are served; each one
 * past it gets server.error "limit" and is closed; none vanishes silently.
 */
START_TEST(test_2000_connections_at_once)
{
	enum { SERVED = MAX_CLIENTS - 2 };
	struct rlimit rl;
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < CONNECTIONS + 64) {
		printf("2,000 connections: skipped, RLIMIT_NOFILE's hard limit is %llu\n",
		       (unsigned long long)rl.rlim_max);
		bystander_finish("2,000 connections (skipped)");
		return;
	}
	static int fds[CONNECTIONS];
	for (int i = 0; i < CONNECTIONS; i++)
		fds[i] = harness_connect_raw(&harness_srv);
	bystander_mark("opening the connections");
	/* The refused ones are readable once the server has accepted them all. */
	double end = harness_now_s() + CLOSE_MS / 1000.0 * harness_slowdown();
	while (count_readable(fds, CONNECTIONS) < CONNECTIONS - SERVED && harness_now_s() < end)
		harness_sleep_ms(10);
	harness_assert_running(&harness_srv);
	bystander_mark("the server accepting them");

	packet p;
	packet_init(&p);
	pack_request(&p.pk, 5, "server.ping", 0);
	int served = 0, refused = 0;
	for (int i = 0; i < CONNECTIONS; i++) {
		bool answered = count_readable(&fds[i], 1) == 0;
		if (answered) { /* not refused: it must answer */
			send(fds[i], p.buf.data, p.buf.size, MSG_NOSIGNAL);
			shutdown(fds[i], SHUT_WR);
		}
		received *r = receive_all(fds[i]);
		if (answered) {
			ck_assert_msg(is_str(expect_result(r, 5), "pong"), "connection %d: not pong", i);
			served++;
		} else {
			expect_server_error(r, "limit");
			refused++;
		}
		expect_end(r);
	}
	packet_free(&p);
	bystander_mark("pinging on each");
	ck_assert_int_eq(served, SERVED);
	ck_assert_int_eq(refused, CONNECTIONS - SERVED);
	bystander_finish("2,000 connections");
}
END_TEST

static TCase *tcase(Suite *s, const char *name, void (*start)(void), const TTest *t)
{
	TCase *tc = tcase_create(name);
	tcase_add_checked_fixture(tc, start, teardown);
	tcase_set_timeout(tc, 120 * harness_slowdown());
	tcase_add_test(tc, t);
	suite_add_tcase(s, tc);
	return tc;
}

static Suite *hostile_suite(void)
{
	Suite *s = suite_create("hostile");
	tcase(s, "garbage", setup, test_garbage_is_rejected_while_others_are_served);
	tcase(s, "scalars", setup, test_each_scalar_as_first_message_is_ignored);
	tcase(s, "truncated", setup, test_request_cut_at_every_byte_runs_only_when_completed);
	tcase(s, "huge_lengths", setup, test_huge_declared_lengths_reserve_nothing);
	tcase(s, "deep_nesting", setup, test_deep_nesting_is_rejected);
	tcase(s, "map_key", setup, test_map_of_100000_keys_as_dict_key);
	tcase(s, "queue_get", setup, test_50000_gets_on_an_empty_queue);
	tcase(s, "queue_put", setup, test_50000_puts_on_a_full_queue);
	tcase(s, "lock", setup, test_50000_lock_acquires);
	tcase(s, "rlock", setup, test_50000_rlock_acquires);
	tcase(s, "condition_acquire", setup, test_50000_condition_acquires);
	tcase(s, "semaphore", setup, test_50000_semaphore_acquires);
	tcase(s, "event", setup, test_50000_event_waits);
	tcase(s, "condition_wait", setup, test_50000_condition_waits);
	tcase(s, "barrier", setup, test_50000_barrier_waits);
	tcase(s, "never_reads", start_small_output, test_reader_that_never_reads);
	tcase(s, "connections", start_with_1024_files, test_2000_connections_at_once);
	return s;
}

int main(void)
{
	return check_main(hostile_suite());
}
