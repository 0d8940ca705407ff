/*
 * test-integration-blocking.c — queues, locks, rlocks and events against a
 * real objmgrd: calls that wait are parked by the server, never by a
 * thread, while it serves everyone else; waiters are served first come,
 * first served; a connection that closes gives up what it held.
 *
 * Workers are forked processes with their own libobjmgr connection; they
 * report through their exit status, and the parent reaps them all before
 * it asserts. Calls the parent must leave waiting go through raw sockets
 * (msgpack-c), whose replies it reads when it chooses, by msgid.
 */
#include <check.h>
#include <errno.h>
#include <msgpack.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "calls.h"
#include "check-main.h"
#include "harness.h"
#include "objmgr.h"
#include "packet.h"
#include "workers.h"

#define REPLY_MS 10000

/* A client of the parent process; om_call()s on it fail rather than hang after 60 s. */
static om_client *client(void)
{
	om_options opts = {.timeout_s = 60};
	om_client *c = om_connect(harness_srv.socket, &opts);
	ck_assert_msg(om_errcode(c) == OM_OK, "%s", om_errmsg(c));
	return c;
}

static int64_t int_of(const om_value *v)
{
	ck_assert_msg(v->kind == OM_INT || v->kind == OM_UINT, "not an integer");
	return v->kind == OM_INT ? v->as.i : (int64_t)v->as.u;
}

/* The integer called key in server.info. */
static int64_t info_int(om_client *c, const char *key)
{
	om_value info;
	ck_assert_int_eq(om_call(c, "server.info", NULL, 0, &info), OM_OK);
	const om_value *w = om_value_map_get(&info, key);
	ck_assert_msg(w != NULL, "server.info has no %s", key);
	int64_t n = int_of(w);
	om_value_free(&info);
	return n;
}

/* server.info's "waiting": the calls parked right now. */
static int64_t parked_calls(om_client *c)
{
	return info_int(c, "waiting");
}

/* Waits until n calls are parked: blocked calls were sent on other connections, and arrive asynchronously. */
static void wait_parked(om_client *c, int64_t n)
{
	for (int ms = 0; parked_calls(c) != n; ms += 5) {
		ck_assert_msg(ms < REPLY_MS, "the server never had %lld parked calls", (long long)n);
		harness_sleep_ms(5);
	}
}

/* --- raw connections ------------------------------------------------------ */

typedef struct raw {
	int fd;
	msgpack_unpacker up;
	msgpack_unpacked msg;
} raw;

static void raw_open(raw *r)
{
	r->fd = harness_connect_raw(&harness_srv);
	ck_assert(msgpack_unpacker_init(&r->up, 64 * 1024));
	msgpack_unpacked_init(&r->msg);
}

static void raw_close(raw *r)
{
	close(r->fd);
	msgpack_unpacked_destroy(&r->msg);
	msgpack_unpacker_destroy(&r->up);
}

static void pack_value(msgpack_packer *pk, const om_value *v)
{
	switch (v->kind) {
	case OM_NIL:
		msgpack_pack_nil(pk);
		break;
	case OM_BOOL:
		v->as.b ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
		break;
	case OM_INT:
		msgpack_pack_int64(pk, v->as.i);
		break;
	case OM_FLOAT64:
		msgpack_pack_double(pk, v->as.f);
		break;
	case OM_STR:
		msgpack_pack_str_with_body(pk, v->as.str, v->len);
		break;
	default:
		ck_abort_msg("raw_send: kind %d is not supported here", v->kind);
	}
}

/* Packs [0, msgid, method, params]; with msgid NULL, the notification [2, method, params]. */
static void pack_message(msgpack_packer *pk, const uint32_t *msgid, const char *method,
			 const om_value *params, size_t n)
{
	msgpack_pack_array(pk, msgid ? 4 : 3);
	msgpack_pack_uint8(pk, msgid ? 0 : 2);
	if (msgid)
		msgpack_pack_uint32(pk, *msgid);
	msgpack_pack_str_with_body(pk, method, strlen(method));
	msgpack_pack_array(pk, (uint32_t)n);
	for (size_t i = 0; i < n; i++)
		pack_value(pk, &params[i]);
}

/* Sends all of buf on r. */
static void raw_send_all(raw *r, const msgpack_sbuffer *buf)
{
	for (size_t off = 0; off < buf->size;) {
		ssize_t n = send(r->fd, buf->data + off, buf->size - off, MSG_NOSIGNAL);
		ck_assert_msg(n > 0 || errno == EINTR, "send: %s", strerror(errno));
		off += n > 0 ? (size_t)n : 0;
	}
}

/* Sends one message (see pack_message()) without waiting for the reply. */
static void raw_send_message(raw *r, const uint32_t *msgid, const char *method,
			     const om_value *params, size_t n)
{
	msgpack_sbuffer buf;
	msgpack_packer pk;
	msgpack_sbuffer_init(&buf);
	msgpack_packer_init(&pk, &buf, msgpack_sbuffer_write);
	pack_message(&pk, msgid, method, params, n);
	raw_send_all(r, &buf);
	msgpack_sbuffer_destroy(&buf);
}

static void raw_send_params(raw *r, uint32_t msgid, const char *method, const om_value *params,
			    size_t n)
{
	raw_send_message(r, &msgid, method, params, n);
}

#define RAW_SEND(r, msgid, method, ...)                                                   \
	raw_send_params((r), (msgid), (method), (const om_value[]){__VA_ARGS__},             \
			sizeof((const om_value[]){__VA_ARGS__}) / sizeof(om_value))

/* Whether bytes arrive on r within ms. */
static bool raw_readable(raw *r, int ms)
{
	struct pollfd p = {.fd = r->fd, .events = POLLIN};
	int n;
	while ((n = poll(&p, 1, ms)) < 0 && errno == EINTR)
		;
	return n == 1;
}

/* The next message on r (valid until the next call); fails after REPLY_MS or at end of stream. */
static const msgpack_object *raw_next(raw *r)
{
	for (;;) {
		msgpack_unpack_return rc = msgpack_unpacker_next(&r->up, &r->msg);
		if (rc == MSGPACK_UNPACK_SUCCESS)
			return &r->msg.data;
		ck_assert_int_eq(rc, MSGPACK_UNPACK_CONTINUE);
		ck_assert_msg(raw_readable(r, REPLY_MS), "no reply within %d ms", REPLY_MS);
		ck_assert(msgpack_unpacker_reserve_buffer(&r->up, 64 * 1024));
		ssize_t n = read(r->fd, msgpack_unpacker_buffer(&r->up),
				 msgpack_unpacker_buffer_capacity(&r->up));
		ck_assert_msg(n > 0, "the server closed the connection");
		msgpack_unpacker_buffer_consumed(&r->up, (size_t)n);
	}
}

/* True when r has no message buffered (unpacker fields: bytes read, bytes parsed) and none arrives within ms. */
static bool raw_quiet(raw *r, int ms)
{
	return r->up.used == r->up.off && !raw_readable(r, ms);
}

/* The next message is the response to msgid: returns its [error, result]. */
static const msgpack_object *raw_reply(raw *r, uint32_t msgid)
{
	const msgpack_object *o = raw_next(r);
	ck_assert_int_eq(o->type, MSGPACK_OBJECT_ARRAY);
	ck_assert_int_eq(o->via.array.size, 4);
	const msgpack_object *f = o->via.array.ptr;
	ck_assert_int_eq(f[0].via.u64, 1);
	ck_assert_msg(f[1].via.u64 == msgid, "a reply to msgid %llu, expected %u",
		      (unsigned long long)f[1].via.u64, msgid);
	return &f[2];
}

/* The next message answers msgid with success: returns the result. */
static const msgpack_object *raw_result(raw *r, uint32_t msgid)
{
	const msgpack_object *f = raw_reply(r, msgid);
	ck_assert_msg(f[0].type == MSGPACK_OBJECT_NIL, "msgid %u failed: %.*s", msgid,
		      f[0].type == MSGPACK_OBJECT_ARRAY ? (int)f[0].via.array.ptr[1].via.str.size : 0,
		      f[0].type == MSGPACK_OBJECT_ARRAY ? f[0].via.array.ptr[1].via.str.ptr : "");
	return &f[1];
}

/* Sends a request on r that must answer at once and succeed. */
#define RAW_OK(r, msgid, method, ...)                                                     \
	do {                                                                              \
		RAW_SEND((r), (msgid), (method), __VA_ARGS__);                            \
		raw_result((r), (msgid));                                                 \
	} while (0)

static bool is_str(const msgpack_object *o, const char *s)
{
	return o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(s) &&
	       memcmp(o->via.str.ptr, s, o->via.str.size) == 0;
}

static void raw_expect_bool(raw *r, uint32_t msgid, bool want)
{
	const msgpack_object *v = raw_result(r, msgid);
	ck_assert_int_eq(v->type, MSGPACK_OBJECT_BOOLEAN);
	ck_assert_int_eq(v->via.boolean, want);
}

static void raw_expect_str(raw *r, uint32_t msgid, const char *want)
{
	const msgpack_object *v = raw_result(r, msgid);
	ck_assert_msg(is_str(v, want), "msgid %u: not the string \"%s\"", msgid, want);
}

/* The next message answers msgid with error code and message. */
static void raw_expect_error(raw *r, uint32_t msgid, const char *code, const char *message)
{
	const msgpack_object *f = raw_reply(r, msgid);
	ck_assert_msg(f[0].type == MSGPACK_OBJECT_ARRAY && f[0].via.array.size == 2,
		      "msgid %u did not fail", msgid);
	ck_assert_msg(is_str(&f[0].via.array.ptr[0], code), "msgid %u: not a %s error", msgid, code);
	ck_assert_msg(is_str(&f[0].via.array.ptr[1], message), "msgid %u: message \"%.*s\"", msgid,
		      (int)f[0].via.array.ptr[1].via.str.size, f[0].via.array.ptr[1].via.str.ptr);
}

/* --- forked workers -------------------------------------------------------- */

/* A worker's check: fails the worker with OM_VALUE_ERROR unless cond. */
#define WORKER_CHECK(cond) do { if (!(cond)) return OM_VALUE_ERROR; } while (0)

/* --- locks ------------------------------------------------------------------ */

static int lock_rounds;

/* counter.get then counter.set value + 1, under the lock: a read-modify-write no other worker may split. */
static int increment_under_lock(om_client *c, int id)
{
	(void)id;
	for (int i = 0; i < lock_rounds; i++) {
		om_value got, n;
		int rc = CALL(c, &got, "lock.acquire", om_str("guard"));
		if (rc)
			return rc;
		WORKER_CHECK(got.kind == OM_BOOL && got.as.b);
		if ((rc = CALL(c, &n, "counter.get", om_str("total"))))
			return rc;
		sched_yield();
		rc = CALL(c, NULL, "counter.set", om_str("total"), om_int(n.as.i + 1));
		if (rc || (rc = CALL(c, NULL, "lock.release", om_str("guard"))))
			return rc;
	}
	return OM_OK;
}

static void check_counter(int64_t want)
{
	om_client *c = client();
	om_value n;
	OK(c, &n, "counter.get", om_str("total"));
	ck_assert_int_eq(int_of(&n), want);
	OK(c, &n, "lock.locked", om_str("guard"));
	ck_assert(n.kind == OM_BOOL && !n.as.b);
	om_close(c);
}

START_TEST(test_five_processes_incrementing_under_a_lock_make_exactly_5)
{
	lock_rounds = 1;
	ck_assert_int_eq(worker_run(5, increment_under_lock), 0);
	check_counter(5);
}
END_TEST

START_TEST(test_four_processes_incrementing_200_times_under_a_lock_make_exactly_800)
{
	lock_rounds = 200;
	ck_assert_int_eq(worker_run(4, increment_under_lock), 0);
	check_counter(800);
}
END_TEST

/*
 * Forks a process that calls method (an acquire) on object name, then holds
 * what it got until SIGKILL; returns once it holds it.
 */
static pid_t fork_holder(const char *method, const char *name)
{
	int ready[2];
	ck_assert_int_eq(pipe(ready), 0);
	fflush(NULL);
	pid_t holder = fork();
	ck_assert_int_ge(holder, 0);
	if (holder == 0) {
		om_client *c = om_connect(harness_srv.socket, NULL);
		om_value got;
		if (CALL(c, &got, method, om_str(name)) != OM_OK || !got.as.b ||
		    write(ready[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	char byte;
	ck_assert_int_eq(read(ready[0], &byte, 1), 1);
	close(ready[0]);
	return holder;
}

START_TEST(test_killed_holder_releases_its_lock_to_a_blocked_waiter)
{
	pid_t holder = fork_holder("lock.acquire", "L");
	om_client *c = client();
	raw waiter;
	raw_open(&waiter);
	RAW_SEND(&waiter, 1, "lock.acquire", om_str("L"));
	wait_parked(c, 1);
	ck_assert(raw_quiet(&waiter, 100));

	ck_assert_int_eq(kill(holder, SIGKILL), 0);
	int status;
	ck_assert_int_eq(waitpid(holder, &status, 0), holder);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	raw_expect_bool(&waiter, 1, true);
	RAW_OK(&waiter, 2, "lock.release", om_str("L"));
	om_value locked;
	OK(c, &locked, "lock.locked", om_str("L"));
	ck_assert(!locked.as.b);
	raw_close(&waiter);
	om_close(c);
}
END_TEST

START_TEST(test_rlock_is_reentrant_for_its_holder_and_not_owned_by_others)
{
	om_client *a = client(), *b = client();
	om_value v;
	OK(a, &v, "rlock.acquire", om_str("r"));
	ck_assert(v.as.b);
	OK(a, &v, "rlock.acquire", om_str("r"), om_float(0.5));
	ck_assert(v.as.b);
	OK(b, &v, "rlock.acquire", om_str("r"), om_int(0));
	ck_assert(!v.as.b);
	ck_assert_int_eq(CALL(b, NULL, "rlock.release", om_str("r")), OM_NOT_OWNER);
	ck_assert_str_eq(om_errmsg(b), "rlock 'r' is held by another connection");
	OK(a, NULL, "rlock.release", om_str("r"));
	OK(b, &v, "rlock.locked", om_str("r"));
	ck_assert(v.as.b);
	OK(a, NULL, "rlock.release", om_str("r"));
	OK(b, &v, "rlock.locked", om_str("r"));
	ck_assert(!v.as.b);
	ck_assert_int_eq(CALL(a, NULL, "rlock.release", om_str("r")), OM_NOT_OWNER);
	ck_assert_str_eq(om_errmsg(a), "rlock 'r' is not held");
	OK(b, &v, "rlock.acquire", om_str("r"), om_int(0));
	ck_assert(v.as.b);
	om_close(a);
	om_close(b);
}
END_TEST

START_TEST(test_lock_release_by_a_non_holder_is_not_owner)
{
	om_client *a = client(), *b = client();
	ck_assert_int_eq(CALL(a, NULL, "lock.release", om_str("m")), OM_NOT_OWNER);
	ck_assert_str_eq(om_errmsg(a), "lock 'm' is not held");
	OK(a, NULL, "lock.acquire", om_str("m"));
	ck_assert_int_eq(CALL(b, NULL, "lock.release", om_str("m")), OM_NOT_OWNER);
	om_value v;
	OK(b, &v, "lock.acquire", om_str("m"), om_float(0.05));
	ck_assert(!v.as.b);
	om_close(a);
	om_close(b);
}
END_TEST

/* --- queues ------------------------------------------------------------------ */

enum { ITEMS = 10000, CONSUMERS = 3 };

static int produce(om_client *c, int id)
{
	(void)id;
	int rc = OM_OK;
	for (int i = 0; i < ITEMS && rc == OM_OK; i++)
		rc = CALL(c, NULL, "queue.put", om_str("jobs"), om_int(i));
	for (int i = 0; i < CONSUMERS && rc == OM_OK; i++)
		rc = CALL(c, NULL, "queue.put", om_str("jobs"), om_nil());
	return rc;
}

/* Gets until the nil sentinel, then stores what it got as the list "seen-<id>". */
static int consume(om_client *c, int id)
{
	om_value *got = calloc(ITEMS, sizeof *got);
	size_t n = 0;
	int rc;
	for (;;) {
		om_value v;
		if ((rc = CALL(c, &v, "queue.get", om_str("jobs"))))
			break;
		if (v.kind == OM_NIL)
			break;
		if (v.kind != OM_INT || n == ITEMS) {
			rc = OM_VALUE_ERROR;
			break;
		}
		got[n++] = v;
	}
	char name[32];
	snprintf(name, sizeof name, "seen-%d", id);
	if (rc == OM_OK)
		rc = CALL(c, NULL, "list.extend", om_str(name), om_array(got, n));
	free(got);
	return rc;
}

START_TEST(test_10000_items_through_a_bounded_queue_reach_3_consumers_exactly_once)
{
	om_client *c = client();
	om_value opts[] = {om_str("maxsize"), om_int(10)};
	OK(c, NULL, "objects.create", om_str("jobs"), om_str("queue"), om_map(opts, 1));
	pid_t pids[CONSUMERS + 1];
	for (int i = 0; i < CONSUMERS; i++)
		pids[i] = worker_spawn(consume, i);
	pids[CONSUMERS] = worker_spawn(produce, 0);
	ck_assert_int_eq(worker_reap_all(pids, CONSUMERS + 1), 0);

	static int seen[ITEMS];
	memset(seen, 0, sizeof seen);
	size_t total = 0;
	for (int id = 0; id < CONSUMERS; id++) {
		char name[32];
		snprintf(name, sizeof name, "seen-%d", id);
		om_value items;
		OK(c, &items, "list.items", om_str(name));
		for (uint32_t k = 0; k < items.len; k++) {
			int64_t i = int_of(&items.as.items[k]);
			ck_assert(i >= 0 && i < ITEMS);
			seen[i]++;
		}
		total += items.len;
		om_value_free(&items);
	}
	ck_assert_uint_eq(total, ITEMS);
	for (int i = 0; i < ITEMS; i++)
		ck_assert_msg(seen[i] == 1, "item %d seen %d times", i, seen[i]);
	om_value len;
	OK(c, &len, "queue.len", om_str("jobs"));
	ck_assert_int_eq(int_of(&len), 0);
	om_close(c);
}
END_TEST

/* Gets until nil, counting the items in the counter "consumed". */
static int consume_until_sentinel(om_client *c, int id)
{
	(void)id;
	for (;;) {
		om_value v;
		int rc = CALL(c, &v, "queue.get", om_str("work"));
		if (rc || v.kind == OM_NIL)
			return rc;
		om_value_free(&v);
		if ((rc = CALL(c, NULL, "counter.add", om_str("consumed"), om_int(1))))
			return rc;
	}
}

START_TEST(test_nil_sentinels_stop_every_blocked_consumer)
{
	om_client *c = client();
	pid_t pids[CONSUMERS];
	for (int i = 0; i < CONSUMERS; i++)
		pids[i] = worker_spawn(consume_until_sentinel, i);
	wait_parked(c, CONSUMERS);
	for (int i = 0; i < 30; i++)
		OK(c, NULL, "queue.put", om_str("work"), om_str("job"));
	for (int i = 0; i < CONSUMERS; i++)
		OK(c, NULL, "queue.put", om_str("work"), om_nil());
	ck_assert_int_eq(worker_reap_all(pids, CONSUMERS), 0);
	om_value v;
	OK(c, &v, "counter.get", om_str("consumed"));
	ck_assert_int_eq(int_of(&v), 30);
	OK(c, &v, "queue.len", om_str("work"));
	ck_assert_int_eq(int_of(&v), 0);
	ck_assert_int_eq(parked_calls(c), 0);
	om_close(c);
}
END_TEST

START_TEST(test_blocked_get_leaves_1000_requests_of_another_client_answered)
{
	raw blocked;
	raw_open(&blocked);
	RAW_SEND(&blocked, 1, "queue.get", om_str("q"));
	/* the same connection goes on being served: its ping is answered first */
	raw_send_params(&blocked, 2, "server.ping", NULL, 0);
	raw_expect_str(&blocked, 2, "pong");

	om_client *c = client();
	for (int i = 1; i <= 1000; i++) {
		om_value v;
		OK(c, &v, "counter.add", om_str("other"), om_int(1));
		ck_assert_int_eq(int_of(&v), i);
	}
	ck_assert(raw_quiet(&blocked, 0));
	OK(c, NULL, "queue.put", om_str("q"), om_str("finally"));
	raw_expect_str(&blocked, 1, "finally");
	raw_close(&blocked);
	om_close(c);
}
END_TEST

START_TEST(test_get_with_timeout_on_an_empty_queue_is_empty_after_the_timeout)
{
	om_client *c = client();
	double t0 = harness_now_s();
	ck_assert_int_eq(CALL(c, NULL, "queue.get", om_str("none"), om_float(0.2)), OM_EMPTY);
	double elapsed = harness_now_s() - t0;
	ck_assert_str_eq(om_errmsg(c), "queue 'none' is empty");
	ck_assert_msg(elapsed >= 0.2, "answered after %.4f s, before the 0.2 s timeout", elapsed);
	ck_assert_msg(elapsed < 5, "answered after %.4f s", elapsed);

	t0 = harness_now_s();
	ck_assert_int_eq(CALL(c, NULL, "queue.get", om_str("none"), om_int(0)), OM_EMPTY);
	ck_assert_msg(harness_now_s() - t0 < 5, "a zero timeout waited");
	ck_assert_int_eq(parked_calls(c), 0);
	om_close(c);
}
END_TEST

START_TEST(test_put_with_timeout_on_a_full_queue_is_full_after_the_timeout)
{
	om_client *c = client();
	om_value opts[] = {om_str("maxsize"), om_int(1)};
	OK(c, NULL, "objects.create", om_str("one"), om_str("queue"), om_map(opts, 1));
	OK(c, NULL, "queue.put", om_str("one"), om_int(1));
	double t0 = harness_now_s();
	ck_assert_int_eq(CALL(c, NULL, "queue.put", om_str("one"), om_int(2), om_float(0.1)), OM_FULL);
	ck_assert(harness_now_s() - t0 >= 0.1);
	ck_assert_str_eq(om_errmsg(c), "queue 'one' is full (maxsize 1)");
	om_value v;
	OK(c, &v, "queue.len", om_str("one"));
	ck_assert_int_eq(int_of(&v), 1);
	om_close(c);
}
END_TEST

START_TEST(test_waiters_on_get_are_served_in_arrival_order)
{
	om_client *c = client();
	raw w[3];
	for (int i = 0; i < 3; i++) {
		raw_open(&w[i]);
		RAW_SEND(&w[i], 10 + (uint32_t)i, "queue.get", om_str("fifo"));
		wait_parked(c, i + 1);
	}
	OK(c, NULL, "queue.put", om_str("fifo"), om_str("first"));
	OK(c, NULL, "queue.put", om_str("fifo"), om_str("second"));
	OK(c, NULL, "queue.put", om_str("fifo"), om_str("third"));
	raw_expect_str(&w[0], 10, "first");
	raw_expect_str(&w[1], 11, "second");
	raw_expect_str(&w[2], 12, "third");
	for (int i = 0; i < 3; i++)
		raw_close(&w[i]);
	om_close(c);
}
END_TEST

START_TEST(test_join_answers_once_every_item_is_marked_done)
{
	om_client *c = client();
	OK(c, NULL, "queue.put", om_str("tasks"), om_int(1));
	OK(c, NULL, "queue.put", om_str("tasks"), om_int(2));
	raw joiner;
	raw_open(&joiner);
	RAW_SEND(&joiner, 7, "queue.join", om_str("tasks"));
	wait_parked(c, 1);
	OK(c, NULL, "queue.get", om_str("tasks"));
	OK(c, NULL, "queue.get", om_str("tasks"));
	OK(c, NULL, "queue.task_done", om_str("tasks"));
	ck_assert(raw_quiet(&joiner, 100));
	OK(c, NULL, "queue.task_done", om_str("tasks"));
	raw_expect_bool(&joiner, 7, true);
	ck_assert_int_eq(CALL(c, NULL, "queue.task_done", om_str("tasks")), OM_VALUE_ERROR);
	raw_close(&joiner);
	om_close(c);
}
END_TEST

START_TEST(test_closed_connection_drops_its_waiting_get_and_loses_no_item)
{
	om_client *c = client();
	raw gone;
	raw_open(&gone);
	RAW_SEND(&gone, 1, "queue.get", om_str("q"), om_float(30));
	wait_parked(c, 1);
	raw_close(&gone);
	wait_parked(c, 0);
	OK(c, NULL, "queue.put", om_str("q"), om_str("kept"));
	om_value v;
	OK(c, &v, "queue.get", om_str("q"), om_int(0));
	ck_assert_str_eq(v.as.str, "kept");
	om_value_free(&v);
	om_close(c);
}
END_TEST

START_TEST(test_deleting_an_object_answers_its_waiters_broken)
{
	om_client *c = client();
	raw w;
	raw_open(&w);
	RAW_SEND(&w, 3, "queue.get", om_str("doomed"));
	RAW_SEND(&w, 4, "queue.get", om_str("doomed"), om_float(30));
	wait_parked(c, 2);
	om_value existed;
	OK(c, &existed, "objects.delete", om_str("doomed"));
	ck_assert(existed.as.b);
	raw_expect_error(&w, 3, "broken", "queue 'doomed' was deleted");
	raw_expect_error(&w, 4, "broken", "queue 'doomed' was deleted");
	ck_assert_int_eq(parked_calls(c), 0);
	raw_close(&w);
	om_close(c);
}
END_TEST

START_TEST(test_blocking_notification_waits_and_is_never_answered)
{
	om_client *c = client();
	raw w;
	raw_open(&w);
	om_value params[] = {om_str("q")};
	raw_send_message(&w, NULL, "queue.get", params, 1);
	wait_parked(c, 1);
	OK(c, NULL, "queue.put", om_str("q"), om_str("taken"));
	ck_assert_int_eq(parked_calls(c), 0);
	om_value v;
	OK(c, &v, "queue.len", om_str("q"));
	ck_assert_int_eq(int_of(&v), 0);
	raw_send_params(&w, 9, "server.ping", NULL, 0);
	raw_expect_str(&w, 9, "pong");
	raw_close(&w);
	om_close(c);
}
END_TEST

START_TEST(test_server_stops_cleanly_with_calls_parked)
{
	om_client *c = client();
	OK(c, NULL, "lock.acquire", om_str("held"));
	raw w;
	raw_open(&w);
	RAW_SEND(&w, 1, "queue.get", om_str("q"), om_float(60));
	RAW_SEND(&w, 2, "lock.acquire", om_str("held"));
	RAW_SEND(&w, 3, "event.wait", om_str("e"));
	wait_parked(c, 3);
	harness_stop(&harness_srv); /* exits 0, so no leak under ASan */
	harness_fixture_start();     /* for the fixture's own stop */
	raw_close(&w);
	om_close(c);
}
END_TEST

/* --- events ------------------------------------------------------------------- */

START_TEST(test_event_set_wakes_every_waiter)
{
	om_client *c = client();
	raw w[3];
	for (int i = 0; i < 3; i++) {
		raw_open(&w[i]);
		RAW_SEND(&w[i], 5, "event.wait", om_str("go"), i == 2 ? om_float(30) : om_nil());
	}
	wait_parked(c, 3);
	om_value v;
	OK(c, &v, "event.is_set", om_str("go"));
	ck_assert(!v.as.b);
	OK(c, NULL, "event.set", om_str("go"));
	for (int i = 0; i < 3; i++) {
		raw_expect_bool(&w[i], 5, true);
		raw_close(&w[i]);
	}
	OK(c, &v, "event.wait", om_str("go"));
	ck_assert(v.as.b);
	OK(c, NULL, "event.clear", om_str("go"));
	OK(c, &v, "event.wait", om_str("go"), om_float(0.05));
	ck_assert(!v.as.b);
	om_close(c);
}
END_TEST

/* --- the server's side of semaphores, conditions and barriers ---------------- */

/* Creates the condition "cv" over the named lock "L". */
static void create_condition_over_l(om_client *c)
{
	om_value opts[] = {om_str("lock"), om_str("L")};
	OK(c, NULL, "objects.create", om_str("cv"), om_str("condition"), om_map(opts, 1));
}

/* r takes the lock "L" (free now) with request msgid. */
static void raw_acquire_l(raw *r, uint32_t msgid)
{
	RAW_SEND(r, msgid, "lock.acquire", om_str("L"));
	raw_expect_bool(r, msgid, true);
}

/* Creates the barrier "b" for parties connections. */
static void create_barrier(om_client *c, int64_t parties)
{
	om_value opts[] = {om_str("parties"), om_int(parties)};
	OK(c, NULL, "objects.create", om_str("b"), om_str("barrier"), om_map(opts, 1));
}

/* Waits at the 4-party barrier, then appends its arrival index to the list "arrivals". */
static int wait_at_barrier(om_client *c, int id)
{
	(void)id;
	om_value index;
	int rc = CALL(c, &index, "barrier.wait", om_str("b"), om_int(30));
	if (rc == OM_OK)
		rc = CALL(c, NULL, "list.append", om_str("arrivals"), index);
	return rc;
}

START_TEST(test_barrier_of_4_parties_across_4_processes_releases_them_together)
{
	om_client *c = client();
	create_barrier(c, 4);
	ck_assert_int_eq(worker_run(4, wait_at_barrier), 0);
	om_value arrivals;
	OK(c, NULL, "list.sort", om_str("arrivals"));
	OK(c, &arrivals, "list.items", om_str("arrivals"));
	ck_assert_uint_eq(arrivals.len, 4);
	for (uint32_t i = 0; i < 4; i++)
		ck_assert_int_eq(int_of(&arrivals.as.items[i]), i);
	om_value_free(&arrivals);
	om_close(c);
}
END_TEST

START_TEST(test_closed_waiter_breaks_the_barrier_for_the_others)
{
	om_client *c = client();
	create_barrier(c, 3);
	raw stays, leaves;
	raw_open(&stays);
	raw_open(&leaves);
	RAW_SEND(&stays, 1, "barrier.wait", om_str("b"));
	RAW_SEND(&leaves, 1, "barrier.wait", om_str("b"));
	wait_parked(c, 2);
	raw_close(&leaves);
	const msgpack_object *f = raw_reply(&stays, 1);
	ck_assert(f[0].type == MSGPACK_OBJECT_ARRAY && is_str(&f[0].via.array.ptr[0], "broken"));
	ck_assert_int_eq(parked_calls(c), 0);
	raw_close(&stays);
	om_close(c);
}
END_TEST

START_TEST(test_condition_over_a_named_lock_resumes_once_the_notifier_releases_it)
{
	om_client *c = client();
	create_condition_over_l(c);
	raw waiter;
	raw_open(&waiter);
	raw_acquire_l(&waiter, 1);
	RAW_SEND(&waiter, 2, "condition.wait", om_str("cv"));
	wait_parked(c, 1);

	om_value v;
	OK(c, &v, "lock.acquire", om_str("L"), om_int(5)); /* released by the wait */
	ck_assert(v.as.b);
	OK(c, NULL, "condition.notify", om_str("cv"));
	ck_assert(raw_quiet(&waiter, 100)); /* notified, but the lock is ours */
	OK(c, NULL, "lock.release", om_str("L"));
	raw_expect_bool(&waiter, 2, true);
	ck_assert_int_eq(CALL(c, NULL, "lock.release", om_str("L")), OM_NOT_OWNER);
	RAW_OK(&waiter, 3, "lock.release", om_str("L"));
	raw_close(&waiter);
	om_close(c);
}
END_TEST

START_TEST(test_condition_wait_past_its_timeout_still_waits_for_the_lock)
{
	om_client *c = client();
	raw waiter;
	raw_open(&waiter);
	RAW_SEND(&waiter, 1, "condition.acquire", om_str("cv"));
	raw_expect_bool(&waiter, 1, true);
	double t0 = harness_now_s();
	RAW_SEND(&waiter, 2, "condition.wait", om_str("cv"), om_float(0.1));
	wait_parked(c, 1);
	OK(c, NULL, "condition.acquire", om_str("cv"));
	ck_assert(raw_quiet(&waiter, 300)); /* timed out, waiting for the lock */
	ck_assert_int_eq(parked_calls(c), 1);
	OK(c, NULL, "condition.release", om_str("cv"));
	raw_expect_bool(&waiter, 2, false);
	ck_assert(harness_now_s() - t0 >= 0.3);
	RAW_OK(&waiter, 3, "condition.release", om_str("cv"));
	raw_close(&waiter);
	om_close(c);
}
END_TEST

START_TEST(test_killed_holders_semaphore_permit_goes_to_a_waiter)
{
	pid_t holder = fork_holder("semaphore.acquire", "s");
	om_client *c = client();
	raw waiter;
	raw_open(&waiter);
	RAW_SEND(&waiter, 1, "semaphore.acquire", om_str("s"), om_int(30));
	wait_parked(c, 1);
	ck_assert_int_eq(kill(holder, SIGKILL), 0);
	ck_assert_int_eq(waitpid(holder, NULL, 0), holder);
	raw_expect_bool(&waiter, 1, true);
	om_value v;
	OK(c, &v, "semaphore.value", om_str("s"));
	ck_assert_int_eq(int_of(&v), 0);
	raw_close(&waiter);
	om_close(c);
}
END_TEST

/* --- wake-ups: which parked calls a change runs again (server/wait.h) ------------ */

static void raw_expect_uint(raw *r, uint32_t msgid, uint64_t want)
{
	const msgpack_object *v = raw_result(r, msgid);
	ck_assert_int_eq(v->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
	ck_assert_uint_eq(v->via.u64, want);
}

START_TEST(test_put_on_one_queue_leaves_the_waiters_on_another_waiting)
{
	om_client *c = client();
	raw a, b;
	raw_open(&a);
	raw_open(&b);
	RAW_SEND(&a, 1, "queue.get", om_str("qa"));
	RAW_SEND(&b, 1, "queue.get", om_str("qb"));
	wait_parked(c, 2);
	OK(c, NULL, "queue.put", om_str("qa"), om_str("for a"));
	raw_expect_str(&a, 1, "for a");
	ck_assert(raw_quiet(&b, 50));
	ck_assert_int_eq(parked_calls(c), 1);
	OK(c, NULL, "queue.put", om_str("qb"), om_str("for b"));
	raw_expect_str(&b, 1, "for b");
	ck_assert_int_eq(parked_calls(c), 0);
	raw_close(&a);
	raw_close(&b);
	om_close(c);
}
END_TEST

START_TEST(test_1000_gets_parked_on_one_queue_are_served_in_arrival_order_by_1000_puts)
{
	om_client *c = client();
	raw r;
	raw_open(&r);
	for (uint32_t i = 1; i <= 1000; i++)
		RAW_SEND(&r, i, "queue.get", om_str("many"));
	wait_parked(c, 1000);
	for (int i = 0; i < 1000; i++)
		OK(c, NULL, "queue.put", om_str("many"), om_int(i));
	for (uint32_t i = 1; i <= 1000; i++)
		raw_expect_uint(&r, i, i - 1);
	ck_assert_int_eq(parked_calls(c), 0);
	raw_close(&r);
	om_close(c);
}
END_TEST

/* A join waiting at the head of the list does not hold up the gets behind it. */
START_TEST(test_get_parked_behind_a_waiting_join_gets_the_item_put)
{
	om_client *c = client();
	OK(c, NULL, "queue.put", om_str("mix"), om_int(1));
	OK(c, NULL, "queue.get", om_str("mix")); /* one unfinished task, no item */
	raw joiner, getter;
	raw_open(&joiner);
	raw_open(&getter);
	RAW_SEND(&joiner, 1, "queue.join", om_str("mix"));
	wait_parked(c, 1);
	RAW_SEND(&getter, 1, "queue.get", om_str("mix"));
	wait_parked(c, 2);
	OK(c, NULL, "queue.put", om_str("mix"), om_int(2));
	raw_expect_uint(&getter, 1, 2);
	ck_assert(raw_quiet(&joiner, 50));
	OK(c, NULL, "queue.task_done", om_str("mix"));
	ck_assert(raw_quiet(&joiner, 50));
	OK(c, NULL, "queue.task_done", om_str("mix"));
	raw_expect_bool(&joiner, 1, true);
	raw_close(&joiner);
	raw_close(&getter);
	om_close(c);
}
END_TEST

/* rlock.acquire is OP_OWNER: the new holder's own parked acquires go through past another's. */
START_TEST(test_parked_rlock_acquire_of_the_new_holder_goes_through_past_an_older_waiter)
{
	om_client *c = client();
	OK(c, NULL, "rlock.acquire", om_str("r"));
	raw a, b;
	raw_open(&a);
	raw_open(&b);
	RAW_SEND(&b, 1, "rlock.acquire", om_str("r"));
	wait_parked(c, 1);
	RAW_SEND(&a, 1, "rlock.acquire", om_str("r"));
	wait_parked(c, 2);
	RAW_SEND(&b, 2, "rlock.acquire", om_str("r"));
	wait_parked(c, 3);
	OK(c, NULL, "rlock.release", om_str("r"));
	raw_expect_bool(&b, 1, true);
	raw_expect_bool(&b, 2, true);
	ck_assert(raw_quiet(&a, 50));
	RAW_OK(&b, 3, "rlock.release", om_str("r"));
	ck_assert(raw_quiet(&a, 50));
	RAW_OK(&b, 4, "rlock.release", om_str("r"));
	raw_expect_bool(&a, 1, true);
	raw_close(&a);
	raw_close(&b);
	om_close(c);
}
END_TEST

/*
 * 20 connections park three rlock acquires each, interleaved; the first of
 * each times out. Then each connection in turn gets the lock with its two
 * others at once, in the order they came, as the one before releases it.
 * Each acquire is sent once the one before it is parked: the server reads
 * different connections in no set order.
 */
START_TEST(test_rlock_acquires_of_20_connections_go_through_owner_by_owner)
{
	enum { OWNERS = 20 };
	om_client *c = client();
	OK(c, NULL, "rlock.acquire", om_str("x"));
	raw r[OWNERS];
	for (int i = 0; i < OWNERS; i++)
		raw_open(&r[i]);
	for (uint32_t k = 1; k <= 3; k++)
		for (int i = 0; i < OWNERS; i++) {
			if (k == 1)
				RAW_SEND(&r[i], k, "rlock.acquire", om_str("x"), om_float(3));
			else
				RAW_SEND(&r[i], k, "rlock.acquire", om_str("x"));
			wait_parked(c, (int64_t)(k - 1) * OWNERS + i + 1);
		}
	for (int i = 0; i < OWNERS; i++)
		raw_expect_bool(&r[i], 1, false);
	ck_assert_int_eq(parked_calls(c), 2 * OWNERS);
	OK(c, NULL, "rlock.release", om_str("x"));
	for (int i = 0; i < OWNERS; i++) {
		raw_expect_bool(&r[i], 2, true);
		raw_expect_bool(&r[i], 3, true);
		if (i + 1 < OWNERS)
			ck_assert(raw_quiet(&r[i + 1], 0));
		RAW_OK(&r[i], 4, "rlock.release", om_str("x"));
		RAW_OK(&r[i], 5, "rlock.release", om_str("x"));
	}
	ck_assert_int_eq(parked_calls(c), 0);
	for (int i = 0; i < OWNERS; i++)
		raw_close(&r[i]);
	om_close(c);
}
END_TEST

/* A waiter never notified, first in the list, does not hold up an acquire behind it. */
START_TEST(test_condition_acquire_parked_behind_an_unnotified_wait_gets_the_lock)
{
	om_client *c = client();
	raw waiter, acquirer;
	raw_open(&waiter);
	raw_open(&acquirer);
	RAW_SEND(&waiter, 1, "condition.acquire", om_str("cv"));
	raw_expect_bool(&waiter, 1, true);
	RAW_SEND(&waiter, 2, "condition.wait", om_str("cv"));
	wait_parked(c, 1);
	OK(c, NULL, "condition.acquire", om_str("cv"));
	RAW_SEND(&acquirer, 1, "condition.acquire", om_str("cv"));
	wait_parked(c, 2);
	OK(c, NULL, "condition.release", om_str("cv"));
	raw_expect_bool(&acquirer, 1, true);
	ck_assert(raw_quiet(&waiter, 50));
	ck_assert_int_eq(parked_calls(c), 1);
	raw_close(&acquirer); /* gives the lock up: the waiter still waits to be notified */
	OK(c, NULL, "condition.acquire", om_str("cv"));
	OK(c, NULL, "condition.notify", om_str("cv"));
	OK(c, NULL, "condition.release", om_str("cv"));
	raw_expect_bool(&waiter, 2, true);
	raw_close(&waiter);
	om_close(c);
}
END_TEST

/* A notified waiter queues for the lock when notified: behind an acquire that was waiting already. */
START_TEST(test_notified_condition_waiter_takes_the_lock_after_an_acquire_waiting_before_the_notify)
{
	om_client *c = client();
	raw waiter, acquirer;
	raw_open(&waiter);
	raw_open(&acquirer);
	RAW_SEND(&waiter, 1, "condition.acquire", om_str("cv"));
	raw_expect_bool(&waiter, 1, true);
	RAW_SEND(&waiter, 2, "condition.wait", om_str("cv"));
	wait_parked(c, 1);
	OK(c, NULL, "condition.acquire", om_str("cv"));
	RAW_SEND(&acquirer, 1, "condition.acquire", om_str("cv"));
	wait_parked(c, 2);
	OK(c, NULL, "condition.notify", om_str("cv"));
	OK(c, NULL, "condition.release", om_str("cv"));
	raw_expect_bool(&acquirer, 1, true);
	ck_assert(raw_quiet(&waiter, 50));
	RAW_OK(&acquirer, 2, "condition.release", om_str("cv"));
	raw_expect_bool(&waiter, 2, true);
	RAW_OK(&waiter, 3, "condition.release", om_str("cv"));
	raw_close(&waiter);
	raw_close(&acquirer);
	om_close(c);
}
END_TEST

/* A waiter past its timeout gets the lock past an older one never notified, which sleeps. */
START_TEST(test_condition_waiter_past_its_timeout_takes_the_lock_past_an_older_unnotified_one)
{
	om_client *c = client();
	raw older, timed;
	raw_open(&older);
	raw_open(&timed);
	RAW_SEND(&older, 1, "condition.acquire", om_str("cv"));
	raw_expect_bool(&older, 1, true);
	RAW_SEND(&older, 2, "condition.wait", om_str("cv"));
	wait_parked(c, 1);
	RAW_SEND(&timed, 1, "condition.acquire", om_str("cv"));
	raw_expect_bool(&timed, 1, true);
	RAW_SEND(&timed, 2, "condition.wait", om_str("cv"), om_float(0.1));
	wait_parked(c, 2);
	OK(c, NULL, "condition.acquire", om_str("cv"));
	ck_assert(raw_quiet(&timed, 300)); /* timed out, waiting for the lock */
	OK(c, NULL, "condition.release", om_str("cv"));
	raw_expect_bool(&timed, 2, false);
	ck_assert(raw_quiet(&older, 50));
	RAW_OK(&timed, 3, "condition.release", om_str("cv"));
	OK(c, NULL, "condition.acquire", om_str("cv"));
	OK(c, NULL, "condition.notify", om_str("cv"));
	OK(c, NULL, "condition.release", om_str("cv"));
	raw_expect_bool(&older, 2, true);
	raw_close(&older);
	raw_close(&timed);
	om_close(c);
}
END_TEST

/* A timeout that breaks the barrier is a change: the other waiter answers broken at once. */
START_TEST(test_barrier_waiter_timing_out_breaks_the_round_for_the_waiter_parked_before_it)
{
	om_client *c = client();
	create_barrier(c, 3);
	raw stays, times_out;
	raw_open(&stays);
	raw_open(&times_out);
	RAW_SEND(&stays, 1, "barrier.wait", om_str("b"));
	wait_parked(c, 1);
	RAW_SEND(&times_out, 1, "barrier.wait", om_str("b"), om_float(0.1));
	raw_expect_error(&times_out, 1, "broken", "barrier 'b' broke: the wait timed out");
	raw_expect_error(&stays, 1, "broken", "barrier 'b' is broken");
	ck_assert_int_eq(parked_calls(c), 0);
	raw_close(&stays);
	raw_close(&times_out);
	om_close(c);
}
END_TEST

/* The condition's wait releases the named lock: the acquire waiting on the lock object gets it. */
START_TEST(test_condition_wait_releasing_a_named_lock_lets_a_parked_lock_acquire_through)
{
	om_client *c = client();
	create_condition_over_l(c);
	raw waiter, acquirer;
	raw_open(&waiter);
	raw_open(&acquirer);
	raw_acquire_l(&waiter, 1);
	RAW_SEND(&acquirer, 1, "lock.acquire", om_str("L"));
	wait_parked(c, 1);
	RAW_SEND(&waiter, 2, "condition.wait", om_str("cv"));
	raw_expect_bool(&acquirer, 1, true);
	ck_assert_int_eq(parked_calls(c), 1);
	RAW_OK(&acquirer, 2, "condition.notify", om_str("cv"));
	ck_assert(raw_quiet(&waiter, 50));
	RAW_OK(&acquirer, 3, "lock.release", om_str("L"));
	raw_expect_bool(&waiter, 2, true);
	raw_close(&waiter);
	raw_close(&acquirer);
	om_close(c);
}
END_TEST

/* The named lock a notified waiter needs is freed by its holder's connection closing. */
START_TEST(test_notified_condition_waiter_takes_the_named_lock_its_holders_closing_frees)
{
	om_client *c = client();
	create_condition_over_l(c);
	raw waiter, holder;
	raw_open(&waiter);
	raw_open(&holder);
	raw_acquire_l(&waiter, 1);
	RAW_SEND(&waiter, 2, "condition.wait", om_str("cv"));
	wait_parked(c, 1);
	RAW_SEND(&holder, 1, "lock.acquire", om_str("L"));
	raw_expect_bool(&holder, 1, true);
	RAW_OK(&holder, 2, "condition.notify", om_str("cv"));
	ck_assert(raw_quiet(&waiter, 50));
	raw_close(&holder);
	raw_expect_bool(&waiter, 2, true);
	om_value v;
	OK(c, &v, "lock.locked", om_str("L"));
	ck_assert(v.as.b);
	raw_close(&waiter);
	om_close(c);
}
END_TEST

/* Deleting the named lock a notified waiter needs: it takes the new lock of that name. */
START_TEST(test_notified_condition_waiter_takes_a_new_lock_once_the_named_one_is_deleted)
{
	om_client *c = client();
	create_condition_over_l(c);
	raw waiter;
	raw_open(&waiter);
	raw_acquire_l(&waiter, 1);
	RAW_SEND(&waiter, 2, "condition.wait", om_str("cv"));
	wait_parked(c, 1);
	OK(c, NULL, "lock.acquire", om_str("L"));
	OK(c, NULL, "condition.notify", om_str("cv"));
	ck_assert(raw_quiet(&waiter, 50));
	OK(c, NULL, "objects.delete", om_str("L"));
	raw_expect_bool(&waiter, 2, true);
	ck_assert_int_eq(CALL(c, NULL, "lock.release", om_str("L")), OM_NOT_OWNER);
	ck_assert_str_eq(om_errmsg(c), "lock 'L' is held by another connection");
	raw_close(&waiter);
	om_close(c);
}
END_TEST

/* A condition waiter waiting for its named lock, and one on the lock object. */
static void park_waiters_of_a_named_lock(om_client *c, raw *w)
{
	create_condition_over_l(c);
	RAW_SEND(w, 1, "lock.acquire", om_str("L"));
	raw_expect_bool(w, 1, true);
	RAW_SEND(w, 2, "condition.wait", om_str("cv"));
	wait_parked(c, 1);
	OK(c, NULL, "lock.acquire", om_str("L"));
	OK(c, NULL, "condition.notify", om_str("cv"));
	RAW_SEND(w, 3, "lock.acquire", om_str("L"), om_float(60));
	wait_parked(c, 2);
}

START_TEST(test_deleting_a_condition_answers_its_waiter_for_the_lock_broken_and_keeps_the_lock)
{
	om_client *c = client();
	raw w;
	raw_open(&w);
	park_waiters_of_a_named_lock(c, &w);
	om_value existed;
	OK(c, &existed, "objects.delete", om_str("cv"));
	ck_assert(existed.as.b);
	raw_expect_error(&w, 2, "broken", "condition 'cv' was deleted");
	ck_assert_int_eq(parked_calls(c), 1);
	OK(c, NULL, "lock.release", om_str("L"));
	raw_expect_bool(&w, 3, true);
	raw_close(&w);
	om_close(c);
}
END_TEST

START_TEST(test_server_stops_cleanly_with_waiters_of_a_named_lock_parked)
{
	om_client *c = client();
	raw w;
	raw_open(&w);
	park_waiters_of_a_named_lock(c, &w);
	harness_stop(&harness_srv); /* exits 0, so no leak under ASan */
	harness_fixture_start();     /* for the fixture's own stop */
	raw_close(&w);
	om_close(c);
}
END_TEST

/* --- many parked calls: serving them costs O(n) handler runs ------------------------ */

/*
 * n parked calls of any blocking method are served in at most RUNS_PER_CALL
 * handler runs each (server.info's parked_runs), where running every parked
 * call of an object on every change would cost n^2 runs or more.
 */
enum { MANY = 50000, RUNS_PER_CALL = 4 };

/*
 * ck_assert_msg() without Check's bookkeeping (a write() per passing
 * assertion), for the loops over every call.
 */
#define MUST(expr, ...)                                                                   \
	do {                                                                              \
		if (!(expr))                                                              \
			ck_abort_msg(__VA_ARGS__);                                        \
	} while (0)

/* Adds a request to a packet: a pipeline of thousands of calls sent in a few writes. */
#define BATCH_ADD(b, msgid, method, ...)                                                  \
	pack_message(&(b)->pk, &(uint32_t){msgid}, (method), (const om_value[]){__VA_ARGS__}, \
		     sizeof((const om_value[]){__VA_ARGS__}) / sizeof(om_value))

static void batch_send(raw *r, packet *b)
{
	raw_send_all(r, &b->buf);
	packet_free(b);
}

/* What one request was answered: each msgid once, or the test fails. */
typedef struct reply {
	bool answered, failed;
	msgpack_object_type type;
	int64_t i;      /* an integer or boolean result */
	char code[16];  /* a failed request's error code */
} reply;

/* Reads count replies on r to msgids 1..nids into got[msgid], in whatever order they come. */
static void raw_collect(raw *r, reply *got, uint32_t nids, size_t count)
{
	for (size_t k = 0; k < count; k++) {
		const msgpack_object *o = raw_next(r);
		MUST(o->type == MSGPACK_OBJECT_ARRAY && o->via.array.size == 4 &&
			     o->via.array.ptr[0].via.u64 == 1, "not a response");
		const msgpack_object *f = o->via.array.ptr;
		uint64_t id = f[1].via.u64;
		MUST(id >= 1 && id <= nids, "a reply to msgid %llu", (unsigned long long)id);
		reply *g = &got[id];
		MUST(!g->answered, "msgid %llu answered twice", (unsigned long long)id);
		g->answered = true;
		g->failed = f[2].type != MSGPACK_OBJECT_NIL;
		if (g->failed) {
			const msgpack_object_str *code = &f[2].via.array.ptr[0].via.str;
			snprintf(g->code, sizeof g->code, "%.*s", (int)code->size, code->ptr);
			continue;
		}
		g->type = f[3].type;
		if (g->type == MSGPACK_OBJECT_BOOLEAN)
			g->i = f[3].via.boolean;
		else if (g->type == MSGPACK_OBJECT_POSITIVE_INTEGER || g->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
			g->i = f[3].via.i64;
	}
}

static void expect_reply(const reply *got, uint32_t id, msgpack_object_type type, int64_t i)
{
	MUST(got[id].answered && !got[id].failed, "msgid %u: not answered, or failed %s", id,
	     got[id].code);
	MUST(got[id].type == type && got[id].i == i, "msgid %u: answered %d %lld", id, got[id].type,
	     (long long)got[id].i);
}

#define EXPECT_TRUE(got, id) expect_reply((got), (id), MSGPACK_OBJECT_BOOLEAN, 1)
#define EXPECT_NIL(got, id) expect_reply((got), (id), MSGPACK_OBJECT_NIL, 0)

/* A scenario: MANY calls parked and served; returns the replies to msgids 1..nids. */
typedef struct many {
	om_client *c;
	raw r;
	reply *got;
	uint32_t nids;
	int64_t runs0;
	double t0;
} many;

static void many_begin(many *m, uint32_t nids)
{
	m->c = client();
	raw_open(&m->r);
	m->got = calloc(nids + 1, sizeof *m->got);
	ck_assert_ptr_nonnull(m->got);
	m->nids = nids;
	m->runs0 = info_int(m->c, "parked_runs");
	m->t0 = harness_now_s();
}

/* Checks that no call is left parked and that serving them took at most RUNS_PER_CALL runs each. */
static void many_end(many *m, const char *what)
{
	ck_assert_int_eq(parked_calls(m->c), 0);
	int64_t runs = info_int(m->c, "parked_runs") - m->runs0;
	fprintf(stderr, "%s: %d calls, %lld runs of parked calls (%.2f s)\n", what, MANY, (long long)runs, harness_now_s() - m->t0);
	ck_assert_msg(runs <= (int64_t)RUNS_PER_CALL * MANY, "%s: %lld runs for %d calls", what,
		      (long long)runs, MANY);
	free(m->got);
	raw_close(&m->r);
	om_close(m->c);
}

START_TEST(test_50000_gets_parked_then_50000_puts_cost_linear_runs)
{
	many m;
	many_begin(&m, MANY);
	packet b;
	packet_init(&b);
	for (uint32_t i = 1; i <= MANY; i++)
		BATCH_ADD(&b, i, "queue.get", om_str("q"));
	batch_send(&m.r, &b);
	wait_parked(m.c, MANY);
	om_client *p = client();
	for (int i = 0; i < MANY; i++)
		MUST(om_send(p, "queue.put", (om_value[]){om_str("q"), om_int(i)}, 2, NULL) == OM_OK,
		     "om_send failed");
	ck_assert_int_eq(om_flush(p), OM_OK);
	raw_collect(&m.r, m.got, MANY, MANY);
	for (uint32_t i = 1; i <= MANY; i++)
		expect_reply(m.got, i, MSGPACK_OBJECT_POSITIVE_INTEGER, i - 1);
	om_close(p);
	many_end(&m, "queue.get");
}
END_TEST

START_TEST(test_50000_puts_parked_on_a_full_queue_cost_linear_runs)
{
	many m;
	many_begin(&m, MANY + 1);
	om_value opts[] = {om_str("maxsize"), om_int(1)};
	OK(m.c, NULL, "objects.create", om_str("q"), om_str("queue"), om_map(opts, 1));
	OK(m.c, NULL, "queue.put", om_str("q"), om_int(-1));
	packet b;
	packet_init(&b);
	for (uint32_t i = 1; i <= MANY; i++)
		BATCH_ADD(&b, i, "queue.put", om_str("q"), om_int(i - 1));
	batch_send(&m.r, &b);
	wait_parked(m.c, MANY);
	raw gets;
	raw_open(&gets);
	packet_init(&b);
	for (uint32_t i = 1; i <= MANY + 1; i++)
		BATCH_ADD(&b, i, "queue.get", om_str("q"));
	batch_send(&gets, &b);
	reply *items = calloc(MANY + 2, sizeof *items);
	raw_collect(&gets, items, MANY + 1, MANY + 1);
	raw_collect(&m.r, m.got, MANY, MANY);
	for (uint32_t i = 1; i <= MANY + 1; i++)
		expect_reply(items, i, i == 1 ? MSGPACK_OBJECT_NEGATIVE_INTEGER
					      : MSGPACK_OBJECT_POSITIVE_INTEGER, (int64_t)i - 2);
	for (uint32_t i = 1; i <= MANY; i++)
		EXPECT_NIL(m.got, i);
	free(items);
	raw_close(&gets);
	many_end(&m, "queue.put");
}
END_TEST

/*
 * Another connection holds the lock `name` of `type` (taken with
 * acquire); m's connection parks MANY acquires, and the holder releases.
 * Returns the holder.
 */
static om_client *park_acquires(many *m, const char *acquire, const char *release)
{
	om_client *holder = client();
	OK(holder, NULL, acquire, om_str("x"));
	packet b;
	packet_init(&b);
	for (uint32_t i = 1; i <= MANY; i++)
		BATCH_ADD(&b, i, acquire, om_str("x"));
	batch_send(&m->r, &b);
	wait_parked(m->c, MANY);
	OK(holder, NULL, release, om_str("x"));
	return holder;
}

/*
 * A lock that its holder cannot take again: the MANY acquires parked go
 * through one by one, as m's connection releases what each took.
 */
static void serve_acquires_one_by_one(const char *acquire, const char *release)
{
	many m;
	many_begin(&m, 2 * MANY);
	om_client *holder = park_acquires(&m, acquire, release);
	packet b;
	packet_init(&b);
	for (uint32_t i = MANY + 1; i <= 2 * MANY; i++)
		BATCH_ADD(&b, i, release, om_str("x"));
	batch_send(&m.r, &b);
	raw_collect(&m.r, m.got, 2 * MANY, 2 * MANY);
	for (uint32_t i = 1; i <= MANY; i++) {
		EXPECT_TRUE(m.got, i);
		EXPECT_NIL(m.got, MANY + i);
	}
	om_close(holder);
	many_end(&m, acquire);
}

START_TEST(test_50000_lock_acquires_parked_cost_linear_runs)
{
	serve_acquires_one_by_one("lock.acquire", "lock.release");
}
END_TEST

START_TEST(test_50000_condition_acquires_parked_cost_linear_runs)
{
	serve_acquires_one_by_one("condition.acquire", "condition.release");
}
END_TEST

/* The holder's parked acquires all go through at once when it gets the rlock. */
START_TEST(test_50000_rlock_acquires_parked_cost_linear_runs)
{
	many m;
	many_begin(&m, MANY);
	om_client *holder = park_acquires(&m, "rlock.acquire", "rlock.release");
	raw_collect(&m.r, m.got, MANY, MANY);
	for (uint32_t i = 1; i <= MANY; i++)
		EXPECT_TRUE(m.got, i);
	om_close(holder);
	many_end(&m, "rlock.acquire");
}
END_TEST

START_TEST(test_50000_event_waits_parked_cost_linear_runs)
{
	many m;
	many_begin(&m, MANY);
	packet b;
	packet_init(&b);
	for (uint32_t i = 1; i <= MANY; i++)
		BATCH_ADD(&b, i, "event.wait", om_str("e"));
	batch_send(&m.r, &b);
	wait_parked(m.c, MANY);
	OK(m.c, NULL, "event.set", om_str("e"));
	raw_collect(&m.r, m.got, MANY, MANY);
	for (uint32_t i = 1; i <= MANY; i++)
		EXPECT_TRUE(m.got, i);
	many_end(&m, "event.wait");
}
END_TEST

START_TEST(test_50000_semaphore_acquires_parked_cost_linear_runs)
{
	many m;
	many_begin(&m, MANY);
	om_value opts[] = {om_str("value"), om_int(0)};
	OK(m.c, NULL, "objects.create", om_str("s"), om_str("semaphore"), om_map(opts, 1));
	packet b;
	packet_init(&b);
	for (uint32_t i = 1; i <= MANY; i++)
		BATCH_ADD(&b, i, "semaphore.acquire", om_str("s"));
	batch_send(&m.r, &b);
	wait_parked(m.c, MANY);
	raw releaser;
	raw_open(&releaser);
	reply *released = calloc(MANY + 1, sizeof *released);
	packet_init(&b);
	for (uint32_t i = 1; i <= MANY; i++)
		BATCH_ADD(&b, i, "semaphore.release", om_str("s"));
	batch_send(&releaser, &b);
	raw_collect(&releaser, released, MANY, MANY);
	raw_collect(&m.r, m.got, MANY, MANY);
	for (uint32_t i = 1; i <= MANY; i++) {
		EXPECT_NIL(released, i);
		EXPECT_TRUE(m.got, i);
	}
	om_value v;
	OK(m.c, &v, "semaphore.value", om_str("s"));
	ck_assert_int_eq(int_of(&v), 0);
	free(released);
	raw_close(&releaser);
	many_end(&m, "semaphore.acquire");
}
END_TEST

/*
 * m's connection pipelines MANY condition.acquire + condition.wait pairs
 * (msgids 2i - 1 and 2i): MANY waiters asleep, the lock free.
 */
static void park_condition_waits(many *m, packet *b)
{
	packet_init(b);
	for (uint32_t i = 1; i <= MANY; i++) {
		BATCH_ADD(b, 2 * i - 1, "condition.acquire", om_str("cv"));
		BATCH_ADD(b, 2 * i, "condition.wait", om_str("cv"));
	}
	batch_send(&m->r, b);
	raw_collect(&m->r, m->got, m->nids, MANY);
	wait_parked(m->c, MANY);
}

/* Each notify wakes one waiter, which takes the lock again once the notifier releases it. */
START_TEST(test_50000_condition_waits_notified_one_by_one_cost_linear_runs)
{
	many m;
	many_begin(&m, 6 * MANY);
	packet b;
	park_condition_waits(&m, &b);
	packet_init(&b);
	uint32_t id = 2 * MANY;
	for (uint32_t i = 1; i <= MANY; i++) {
		BATCH_ADD(&b, ++id, "condition.acquire", om_str("cv"));
		BATCH_ADD(&b, ++id, "condition.notify", om_str("cv"));
		BATCH_ADD(&b, ++id, "condition.release", om_str("cv")); /* the waiter takes it */
		BATCH_ADD(&b, ++id, "condition.release", om_str("cv")); /* the waiter's, released */
	}
	batch_send(&m.r, &b);
	raw_collect(&m.r, m.got, m.nids, 5 * MANY);
	for (uint32_t i = 1; i <= MANY; i++) {
		EXPECT_TRUE(m.got, 2 * i - 1);
		EXPECT_TRUE(m.got, 2 * i);
		uint32_t k = 2 * MANY + 4 * (i - 1);
		EXPECT_TRUE(m.got, k + 1);
		for (uint32_t j = 2; j <= 4; j++)
			EXPECT_NIL(m.got, k + j);
	}
	many_end(&m, "condition.wait, notify");
}
END_TEST

/* notify_all wakes them all; each takes the lock in turn, as the one before releases it. */
START_TEST(test_50000_condition_waits_woken_by_notify_all_cost_linear_runs)
{
	many m;
	many_begin(&m, 3 * MANY + 3);
	packet b;
	park_condition_waits(&m, &b);
	packet_init(&b);
	uint32_t id = 2 * MANY;
	BATCH_ADD(&b, ++id, "condition.acquire", om_str("cv"));
	BATCH_ADD(&b, ++id, "condition.notify_all", om_str("cv"));
	BATCH_ADD(&b, ++id, "condition.release", om_str("cv"));
	for (uint32_t i = 1; i <= MANY; i++)
		BATCH_ADD(&b, ++id, "condition.release", om_str("cv"));
	batch_send(&m.r, &b);
	raw_collect(&m.r, m.got, m.nids, 2 * MANY + 3);
	for (uint32_t i = 1; i <= 2 * MANY; i++)
		EXPECT_TRUE(m.got, i);
	EXPECT_TRUE(m.got, 2 * MANY + 1);
	for (uint32_t i = 2 * MANY + 2; i <= m.nids; i++)
		EXPECT_NIL(m.got, i);
	many_end(&m, "condition.wait, notify_all");
}
END_TEST

START_TEST(test_barrier_of_50000_parties_costs_linear_runs)
{
	many m;
	many_begin(&m, MANY);
	create_barrier(m.c, MANY);
	packet b;
	packet_init(&b);
	for (uint32_t i = 1; i <= MANY; i++)
		BATCH_ADD(&b, i, "barrier.wait", om_str("b"));
	batch_send(&m.r, &b);
	raw_collect(&m.r, m.got, MANY, MANY);
	for (uint32_t i = 1; i <= MANY; i++)
		expect_reply(m.got, i, MSGPACK_OBJECT_POSITIVE_INTEGER, i - 1);
	many_end(&m, "barrier.wait");
}
END_TEST

START_TEST(test_50000_gets_timing_out_cost_linear_runs)
{
	many m;
	many_begin(&m, MANY);
	packet b;
	packet_init(&b);
	for (uint32_t i = 1; i <= MANY; i++)
		BATCH_ADD(&b, i, "queue.get", om_str("q"), om_float(0.5));
	batch_send(&m.r, &b);
	raw_collect(&m.r, m.got, MANY, MANY);
	for (uint32_t i = 1; i <= MANY; i++)
		MUST(m.got[i].failed && strcmp(m.got[i].code, "empty") == 0,
			      "msgid %u did not answer empty", i);
	many_end(&m, "queue.get timing out");
}
END_TEST

/* Closing a connection with MANY parked calls, and deleting an object with MANY, run none of them. */
START_TEST(test_50000_calls_dropped_with_their_connection_or_object_run_none)
{
	many m;
	many_begin(&m, MANY);
	raw other;
	raw_open(&other);
	packet b;
	packet_init(&b);
	for (uint32_t i = 1; i <= MANY; i++)
		BATCH_ADD(&b, i, "rlock.acquire", om_str("x"));
	OK(m.c, NULL, "rlock.acquire", om_str("x"));
	batch_send(&other, &b);
	wait_parked(m.c, MANY);
	raw_close(&other);
	wait_parked(m.c, 0);
	packet_init(&b);
	for (uint32_t i = 1; i <= MANY; i++)
		BATCH_ADD(&b, i, "queue.get", om_str("q"));
	batch_send(&m.r, &b);
	wait_parked(m.c, MANY);
	int64_t runs = info_int(m.c, "parked_runs");
	OK(m.c, NULL, "objects.delete", om_str("q"));
	raw_collect(&m.r, m.got, MANY, MANY);
	for (uint32_t i = 1; i <= MANY; i++)
		MUST(m.got[i].failed && strcmp(m.got[i].code, "broken") == 0,
			      "msgid %u did not answer broken", i);
	ck_assert_int_eq(info_int(m.c, "parked_runs"), runs);
	many_end(&m, "dropped");
}
END_TEST

static void start_server_waiting_2(void)
{
	harness_start(&harness_srv, "--max-waiting", "2", NULL);
}

/* Parked calls hold memory: one connection may have only --max-waiting of them. */
START_TEST(test_calls_past_max_waiting_are_answered_limit)
{
	om_client *c = client();
	raw r;
	raw_open(&r);
	RAW_SEND(&r, 1, "queue.get", om_str("q"));
	RAW_SEND(&r, 2, "queue.get", om_str("q"));
	RAW_SEND(&r, 3, "queue.get", om_str("q"));
	raw_expect_error(&r, 3, "limit",
			 "queue.get: this connection already has 2 calls waiting (--max-waiting)");
	ck_assert_int_eq(parked_calls(c), 2);
	/* another connection has its own allowance */
	raw other;
	raw_open(&other);
	RAW_SEND(&other, 9, "queue.get", om_str("q"));
	wait_parked(c, 3);
	OK(c, NULL, "queue.put", om_str("q"), om_str("one"));
	raw_expect_str(&r, 1, "one");
	raw_close(&other);
	raw_close(&r);
	om_close(c);
}
END_TEST

/*
 * At the limit a blocking call is refused before it runs: a barrier.wait
 * refused then must not count as an arrival, or the next one would pass.
 */
START_TEST(test_call_refused_at_max_waiting_leaves_no_trace)
{
	om_client *c = client();
	create_barrier(c, 2);
	raw r;
	raw_open(&r);
	RAW_SEND(&r, 1, "queue.get", om_str("q"));
	RAW_SEND(&r, 2, "queue.get", om_str("q"));
	RAW_SEND(&r, 3, "barrier.wait", om_str("b"));
	raw_expect_error(&r, 3, "limit",
			 "barrier.wait: this connection already has 2 calls waiting (--max-waiting)");
	om_value n_waiting;
	OK(c, &n_waiting, "barrier.n_waiting", om_str("b"));
	ck_assert_int_eq(int_of(&n_waiting), 0);
	int rc = CALL(c, NULL, "barrier.wait", om_str("b"), om_float(0.2));
	ck_assert_int_eq(rc, OM_BROKEN);
	raw_close(&r);
	om_close(c);
}
END_TEST

/* --- what calls leave behind --------------------------------------------- */

/* objects.list renders as want (om_value_format()). */
static void expect_objects(om_client *c, const char *want)
{
	om_value all;
	char buf[512];
	OK(c, &all, "objects.list");
	om_value_format(&all, buf, sizeof buf);
	om_value_free(&all);
	ck_assert_str_eq(buf, want);
}

/* A call that must fail with code. */
static void expect_fails(om_client *c, int rc, int code)
{
	ck_assert_msg(rc == code, "wanted %s, got %s: %s", om_code_name(code), om_code_name(rc),
		      om_errmsg(c));
}

START_TEST(test_calls_answered_with_an_error_create_nothing)
{
	om_client *c = client();
	create_condition_over_l(c);
	expect_fails(c, CALL(c, NULL, "queue.get", om_str("q"), om_int(0)), OM_EMPTY);
	expect_fails(c, CALL(c, NULL, "queue.task_done", om_str("t")), OM_VALUE_ERROR);
	expect_fails(c, CALL(c, NULL, "dict.del", om_str("d"), om_str("k")), OM_KEY_ERROR);
	expect_fails(c, CALL(c, NULL, "list.pop", om_str("l")), OM_INDEX_ERROR);
	expect_fails(c, CALL(c, NULL, "barrier.wait", om_str("b")), OM_BAD_PARAMS);
	expect_fails(c, CALL(c, NULL, "condition.notify", om_str("cv")), OM_NOT_OWNER);
	expect_fails(c, CALL(c, NULL, "condition.notify_all", om_str("cv")), OM_NOT_OWNER);
	expect_fails(c, CALL(c, NULL, "condition.release", om_str("cv")), OM_NOT_OWNER);
	expect_fails(c, CALL(c, NULL, "condition.wait", om_str("cv"), om_int(0)), OM_NOT_OWNER);
	expect_fails(c, CALL(c, NULL, "condition.notify", om_str("own")), OM_NOT_OWNER);
	expect_objects(c, "{\"cv\": \"condition\"}");
	om_close(c);
}
END_TEST

START_TEST(test_waits_answered_at_once_create_nothing)
{
	om_client *c = client();
	om_value v;
	OK(c, &v, "queue.join", om_str("j"));
	ck_assert(v.as.b);
	OK(c, &v, "queue.join", om_str("j"), om_int(0));
	ck_assert(v.as.b);
	OK(c, &v, "event.wait", om_str("e"), om_int(0));
	ck_assert(!v.as.b);
	expect_objects(c, "{}");
	om_close(c);
}
END_TEST

START_TEST(test_wait_timing_out_on_an_object_it_made_leaves_nothing)
{
	om_client *c = client();
	om_value v;
	expect_fails(c, CALL(c, NULL, "queue.get", om_str("q"), om_float(0.1)), OM_EMPTY);
	OK(c, &v, "event.wait", om_str("e"), om_float(0.1));
	ck_assert(!v.as.b);
	expect_objects(c, "{}");

	raw first, second;
	raw_open(&first);
	raw_open(&second);
	RAW_SEND(&first, 1, "queue.get", om_str("w"), om_float(0.1));
	RAW_SEND(&second, 2, "queue.get", om_str("w"), om_float(30));
	wait_parked(c, 2);
	raw_expect_error(&first, 1, "empty", "queue 'w' is empty");
	expect_objects(c, "{\"w\": \"queue\"}"); /* the second still waits on it */
	raw_close(&second);
	wait_parked(c, 0);
	expect_objects(c, "{}"); /* nobody is left to use it */
	raw_close(&first);
	om_close(c);
}
END_TEST

START_TEST(test_object_a_wait_made_stays_once_a_write_succeeds_on_it)
{
	om_client *c = client();
	/* One connection each: the two timeouts may end in either order. */
	raw w[3];
	for (int i = 0; i < 3; i++)
		raw_open(&w[i]);
	RAW_SEND(&w[0], 1, "queue.get", om_str("got"), om_float(30));
	RAW_SEND(&w[1], 2, "queue.get", om_str("made"), om_float(0.2));
	RAW_SEND(&w[2], 3, "event.wait", om_str("cleared"), om_float(0.2));
	wait_parked(c, 3);
	OK(c, NULL, "queue.put", om_str("got"), om_int(7));
	raw_expect_uint(&w[0], 1, 7);
	OK(c, NULL, "objects.create", om_str("made"), om_str("queue"));
	OK(c, NULL, "event.clear", om_str("cleared"));
	raw_expect_error(&w[1], 2, "empty", "queue 'made' is empty");
	raw_expect_bool(&w[2], 3, false);
	expect_objects(c, "{\"cleared\": \"event\", \"got\": \"queue\", \"made\": \"queue\"}");
	for (int i = 0; i < 3; i++)
		raw_close(&w[i]);
	om_close(c);
}
END_TEST

START_TEST(test_acquires_that_succeed_create_what_they_take)
{
	om_client *c = client();
	create_condition_over_l(c);
	OK(c, NULL, "lock.acquire", om_str("lk"), om_int(0));
	OK(c, NULL, "semaphore.acquire", om_str("sm"), om_int(0));
	OK(c, NULL, "condition.acquire", om_str("cv"), om_int(0));
	OK(c, NULL, "condition.notify", om_str("cv"));
	expect_objects(c, "{\"L\": \"lock\", \"cv\": \"condition\", \"lk\": \"lock\", "
			  "\"sm\": \"semaphore\"}");
	om_close(c);
}
END_TEST

static Suite *blocking_suite(void)
{
	Suite *s = suite_create("integration-blocking");
	TCase *tc = tcase_create("blocking");
	tcase_add_checked_fixture(tc, harness_fixture_start, harness_fixture_stop);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_five_processes_incrementing_under_a_lock_make_exactly_5);
	tcase_add_test(tc, test_four_processes_incrementing_200_times_under_a_lock_make_exactly_800);
	tcase_add_test(tc, test_killed_holder_releases_its_lock_to_a_blocked_waiter);
	tcase_add_test(tc, test_rlock_is_reentrant_for_its_holder_and_not_owned_by_others);
	tcase_add_test(tc, test_lock_release_by_a_non_holder_is_not_owner);
	tcase_add_test(tc, test_10000_items_through_a_bounded_queue_reach_3_consumers_exactly_once);
	tcase_add_test(tc, test_nil_sentinels_stop_every_blocked_consumer);
	tcase_add_test(tc, test_blocked_get_leaves_1000_requests_of_another_client_answered);
	tcase_add_test(tc, test_get_with_timeout_on_an_empty_queue_is_empty_after_the_timeout);
	tcase_add_test(tc, test_put_with_timeout_on_a_full_queue_is_full_after_the_timeout);
	tcase_add_test(tc, test_waiters_on_get_are_served_in_arrival_order);
	tcase_add_test(tc, test_join_answers_once_every_item_is_marked_done);
	tcase_add_test(tc, test_closed_connection_drops_its_waiting_get_and_loses_no_item);
	tcase_add_test(tc, test_deleting_an_object_answers_its_waiters_broken);
	tcase_add_test(tc, test_blocking_notification_waits_and_is_never_answered);
	tcase_add_test(tc, test_server_stops_cleanly_with_calls_parked);
	tcase_add_test(tc, test_event_set_wakes_every_waiter);
	suite_add_tcase(s, tc);

	tc = tcase_create("other types");
	tcase_add_checked_fixture(tc, harness_fixture_start, harness_fixture_stop);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_barrier_of_4_parties_across_4_processes_releases_them_together);
	tcase_add_test(tc, test_closed_waiter_breaks_the_barrier_for_the_others);
	tcase_add_test(tc, test_condition_over_a_named_lock_resumes_once_the_notifier_releases_it);
	tcase_add_test(tc, test_condition_wait_past_its_timeout_still_waits_for_the_lock);
	tcase_add_test(tc, test_killed_holders_semaphore_permit_goes_to_a_waiter);
	suite_add_tcase(s, tc);

	tc = tcase_create("nothing left behind");
	tcase_add_checked_fixture(tc, harness_fixture_start, harness_fixture_stop);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_calls_answered_with_an_error_create_nothing);
	tcase_add_test(tc, test_waits_answered_at_once_create_nothing);
	tcase_add_test(tc, test_wait_timing_out_on_an_object_it_made_leaves_nothing);
	tcase_add_test(tc, test_object_a_wait_made_stays_once_a_write_succeeds_on_it);
	tcase_add_test(tc, test_acquires_that_succeed_create_what_they_take);
	suite_add_tcase(s, tc);

	tc = tcase_create("wake-ups");
	tcase_add_checked_fixture(tc, harness_fixture_start, harness_fixture_stop);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_put_on_one_queue_leaves_the_waiters_on_another_waiting);
	tcase_add_test(tc, test_1000_gets_parked_on_one_queue_are_served_in_arrival_order_by_1000_puts);
	tcase_add_test(tc, test_get_parked_behind_a_waiting_join_gets_the_item_put);
	tcase_add_test(tc, test_parked_rlock_acquire_of_the_new_holder_goes_through_past_an_older_waiter);
	tcase_add_test(tc, test_rlock_acquires_of_20_connections_go_through_owner_by_owner);
	tcase_add_test(tc, test_condition_acquire_parked_behind_an_unnotified_wait_gets_the_lock);
	tcase_add_test(tc, test_condition_waiter_past_its_timeout_takes_the_lock_past_an_older_unnotified_one);
	tcase_add_test(tc, test_notified_condition_waiter_takes_the_lock_after_an_acquire_waiting_before_the_notify);
	tcase_add_test(tc, test_barrier_waiter_timing_out_breaks_the_round_for_the_waiter_parked_before_it);
	tcase_add_test(tc, test_condition_wait_releasing_a_named_lock_lets_a_parked_lock_acquire_through);
	tcase_add_test(tc, test_notified_condition_waiter_takes_the_named_lock_its_holders_closing_frees);
	tcase_add_test(tc, test_notified_condition_waiter_takes_a_new_lock_once_the_named_one_is_deleted);
	tcase_add_test(tc, test_deleting_a_condition_answers_its_waiter_for_the_lock_broken_and_keeps_the_lock);
	tcase_add_test(tc, test_server_stops_cleanly_with_waiters_of_a_named_lock_parked);
	suite_add_tcase(s, tc);

	tc = tcase_create("many parked calls");
	tcase_add_checked_fixture(tc, harness_fixture_start, harness_fixture_stop);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_50000_gets_parked_then_50000_puts_cost_linear_runs);
	tcase_add_test(tc, test_50000_puts_parked_on_a_full_queue_cost_linear_runs);
	tcase_add_test(tc, test_50000_lock_acquires_parked_cost_linear_runs);
	tcase_add_test(tc, test_50000_condition_acquires_parked_cost_linear_runs);
	tcase_add_test(tc, test_50000_rlock_acquires_parked_cost_linear_runs);
	tcase_add_test(tc, test_50000_event_waits_parked_cost_linear_runs);
	tcase_add_test(tc, test_50000_semaphore_acquires_parked_cost_linear_runs);
	tcase_add_test(tc, test_50000_condition_waits_notified_one_by_one_cost_linear_runs);
	tcase_add_test(tc, test_50000_condition_waits_woken_by_notify_all_cost_linear_runs);
	tcase_add_test(tc, test_barrier_of_50000_parties_costs_linear_runs);
	tcase_add_test(tc, test_50000_gets_timing_out_cost_linear_runs);
	tcase_add_test(tc, test_50000_calls_dropped_with_their_connection_or_object_run_none);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, start_server_waiting_2, harness_fixture_stop);
	tcase_add_test(tc, test_calls_past_max_waiting_are_answered_limit);
	tcase_add_test(tc, test_call_refused_at_max_waiting_leaves_no_trace);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(blocking_suite());
}
