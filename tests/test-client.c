/*
 * test-client.c — libobjmgr's connection handling against a scripted fake
 * server: what the client does when replies are late, split, interleaved
 * with notifications, malformed, or never come, and when the server closes;
 * how notifications are queued and given back by om_next_notification.
 *
 * The fake server is a forked process that accepts one connection, waits
 * for the first request, then writes canned bytes. A fresh client numbers
 * its requests from msgid 1, so the canned replies are addressed to 1, 2...
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check-main.h"
#include "objmgr.h"

/*
 * The fake servers answer scripted bytes to the first request: the
 * clients send none on connecting (no client.setname).
 */
static const om_options unnamed = {.client_name = ""};

/* Every socket of the suite lives here; the unchecked teardown removes it all, even after failures. */
static char dir[] = "/tmp/objmgr-test-client-XXXXXX";

static void dir_create(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void dir_remove(void)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(dir);
}

typedef struct fake {
	char path[sizeof ((struct sockaddr_un *)0)->sun_path];
	int listener;
	pid_t pid;
} fake;

/* Listens on a new socket in dir; nothing accepts until fake_serve(). */
static void fake_listen(fake *f)
{
	static int n;
	snprintf(f->path, sizeof f->path, "%s/fake-%d-%d.sock", dir, (int)getpid(), n++);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	memcpy(sa.sun_path, f->path, sizeof sa.sun_path);
	f->listener = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(f->listener, 0);
	ck_assert_int_eq(bind(f->listener, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(listen(f->listener, 4), 0);
	f->pid = -1;
}

/*
 * Forks the fake server: it accepts one connection, waits for the client's
 * first bytes, then writes reply[0..n) in pieces of chunk bytes (a pause
 * between pieces), and closes the connection when close_after is set, or
 * else keeps it open until the client goes away.
 */
static void fake_serve(fake *f, const char *reply, size_t n, size_t chunk, bool close_after)
{
	f->pid = fork();
	ck_assert_int_ge(f->pid, 0);
	if (f->pid > 0)
		return;
	/* Drop inherited client sockets, or the fake would never see its client close. */
	for (int fd = 3; fd < 1024; fd++)
		if (fd != f->listener)
			close(fd);
	int conn = accept(f->listener, NULL, NULL);
	char buf[4096];
	if (conn < 0 || read(conn, buf, sizeof buf) <= 0)
		_exit(1);
	for (size_t off = 0; off < n; off += chunk) {
		size_t k = n - off < chunk ? n - off : chunk;
		if (write(conn, reply + off, k) != (ssize_t)k)
			_exit(1);
		if (chunk < n)
			usleep(2000);
	}
	if (close_after)
		_exit(0);
	while (read(conn, buf, sizeof buf) > 0)
		;
	_exit(0);
}

/* A fake server answering reply[0..n) as fake_serve() says, and a client connected to it. */
static om_client *fake_client(fake *f, const char *reply, size_t n, size_t chunk, bool close_after)
{
	fake_listen(f);
	fake_serve(f, reply, n, chunk, close_after);
	return om_connect(f->path, &unnamed);
}

/* Reaps the fake server; it must have exited 0. */
static void fake_end(fake *f)
{
	close(f->listener);
	if (f->pid <= 0)
		return;
	int status;
	ck_assert_int_eq(waitpid(f->pid, &status, 0), f->pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define assert_value(v, want)                                          \
	do {                                                           \
		char buf_[1024];                                       \
		om_value_format(&(v), buf_, sizeof buf_);              \
		ck_assert_str_eq(buf_, (want));                        \
		om_value_free(&(v));                                   \
	} while (0)

/* [1, 1, nil, "pong"] */
static const char PONG_1[] = "\x94\x01\x01\xc0\xa4pong";

/* [2, "server.error", ["limit", "too many connections"]] */
static const char SERVER_ERROR[] = "\x93\x02\xacserver.error\x92\xa5limit\xb4too many connections";

/* What SERVER_ERROR leaves after the call that read it returned rc: its code and message, no connection. */
static void assert_closed_by_server_error(om_client *c, int rc)
{
	ck_assert_int_eq(rc, OM_LIMIT);
	ck_assert_str_eq(om_errmsg(c), "objmgrd closed the connection: too many connections");
	ck_assert(!om_connected(c));
}

START_TEST(test_connect_to_missing_socket_fails_with_io_naming_the_path)
{
	char path[256], want[512];
	snprintf(path, sizeof path, "%s/nobody-listens.sock", dir);
	om_client *c = om_connect(path, &unnamed);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(om_errcode(c), OM_IO);
	snprintf(want, sizeof want, "cannot connect to %s: No such file or directory (is objmgrd running?)",
		 path);
	ck_assert_str_eq(om_errmsg(c), want);
	ck_assert(!om_connected(c));
	ck_assert_str_eq(om_address(c), path);

	ck_assert_int_eq(om_call(c, "server.ping", NULL, 0, NULL), OM_IO);
	snprintf(want, sizeof want, "server.ping: not connected to %s (om_reconnect() connects again)",
		 path);
	ck_assert_str_eq(om_errmsg(c), want);
	ck_assert_int_eq(om_reconnect(c), OM_IO);
	om_close(c);
}
END_TEST

START_TEST(test_connect_to_a_path_too_long_fails_with_io)
{
	char path[200];
	memset(path, 'a', sizeof path - 1);
	path[0] = '/';
	path[sizeof path - 1] = '\0';
	om_client *c = om_connect(path, &unnamed);
	ck_assert_int_eq(om_errcode(c), OM_IO);
	ck_assert_ptr_nonnull(strstr(om_errmsg(c), ": the path is longer than 107 bytes"));
	om_close(c);
}
END_TEST

START_TEST(test_close_of_null_is_a_no_op)
{
	om_close(NULL);
	om_dict_close(NULL);
	om_list_close(NULL);
	om_counter_close(NULL);
}
END_TEST

START_TEST(test_unix_scheme_is_stripped_from_the_address)
{
	fake f;
	fake_listen(&f);
	char address[200];
	snprintf(address, sizeof address, "unix:%s", f.path);
	om_client *c = om_connect(address, &unnamed);
	ck_assert_int_eq(om_errcode(c), OM_OK);
	ck_assert(om_connected(c));
	ck_assert_str_eq(om_address(c), f.path);
	om_close(c);
	fake_end(&f);
}
END_TEST

START_TEST(test_default_address_follows_objmgr_socket)
{
	char buf[256];
	setenv("OBJMGR_SOCKET", "/run/elsewhere/objmgr.sock", 1);
	ck_assert_int_eq(om_default_address(buf, sizeof buf), OM_OK);
	ck_assert_str_eq(buf, "/run/elsewhere/objmgr.sock");
	ck_assert_int_eq(om_default_address(buf, 8), OM_LIMIT);

	om_client *c = om_connect(NULL, &unnamed);
	ck_assert_str_eq(om_address(c), "/run/elsewhere/objmgr.sock");
	ck_assert_int_eq(om_errcode(c), OM_IO);
	om_close(c);
}
END_TEST

START_TEST(test_reply_is_returned_with_its_value)
{
	fake f;
	om_client *c = fake_client(&f, PONG_1, sizeof PONG_1 - 1, sizeof PONG_1, false);
	om_value v;
	ck_assert_int_eq(om_call(c, "server.ping", NULL, 0, &v), OM_OK);
	assert_value(v, "\"pong\"");
	om_close(c);
	fake_end(&f);
}
END_TEST

START_TEST(test_reply_split_into_single_bytes_is_reassembled)
{
	/* [1, 1, nil, [1, "two", 3.5]] */
	static const char reply[] = "\x94\x01\x01\xc0\x93\x01\xa3two\xcb\x40\x0c\x00\x00\x00\x00\x00\x00";
	fake f;
	om_client *c = fake_client(&f, reply, sizeof reply - 1, 1, false);
	om_value v;
	ck_assert_int_eq(om_call(c, "list.items", NULL, 0, &v), OM_OK);
	assert_value(v, "[1, \"two\", 3.5]");
	om_close(c);
	fake_end(&f);
}
END_TEST

START_TEST(test_notifications_are_queued_and_other_msgids_skipped_by_a_call)
{
	/* [2, "log", ["x"]], [1, 7, nil, "other"], [1, 1, nil, "mine"] */
	static const char reply[] = "\x93\x02\xa3log\x91\xa1x"
				    "\x94\x01\x07\xc0\xa5other"
				    "\x94\x01\x01\xc0\xa4mine";
	fake f;
	om_client *c = fake_client(&f, reply, sizeof reply - 1, sizeof reply, false);
	om_value v;
	ck_assert_int_eq(om_call(c, "server.ping", NULL, 0, &v), OM_OK);
	assert_value(v, "\"mine\"");
	om_notification n;
	ck_assert_int_eq(om_next_notification(c, 0, &n), OM_OK);
	ck_assert_str_eq(n.method, "log");
	assert_value(n.params, "[\"x\"]");
	om_notification_free(&n);
	ck_assert_int_eq(om_next_notification(c, 0, &n), OM_TIMEOUT);
	ck_assert_ptr_null(n.method);
	om_close(c);
	fake_end(&f);
}
END_TEST

/* [2, "objects.changed", ["cfg", "dict.set", ["a", 1], 3]] and ["cfg", "dict.del", ["a"], 4] */
#define CHANGED_SET "\x93\x02\xaf" "objects.changed" "\x94\xa3" "cfg" "\xa8" "dict.set" "\x92\xa1" "a" "\x01\x03"
#define CHANGED_DEL "\x93\x02\xaf" "objects.changed" "\x94\xa3" "cfg" "\xa8" "dict.del" "\x91\xa1" "a" "\x04"

/* Takes the next notification, which must be method with params formatted as want. */
static void assert_notification(om_client *c, double timeout_s, const char *method,
				const char *want)
{
	om_notification n;
	ck_assert_int_eq(om_next_notification(c, timeout_s, &n), OM_OK);
	ck_assert_str_eq(n.method, method);
	assert_value(n.params, want);
	om_notification_free(&n);
}

START_TEST(test_next_notification_sends_queued_requests_and_keeps_their_replies)
{
	/* Notifications split byte by byte, the reply to the pipelined ping between them. */
	static const char script[] = CHANGED_SET "\x94\x01\x01\xc0\xa4pong" CHANGED_DEL;
	fake f;
	om_client *c = fake_client(&f, script, sizeof script - 1, 1, false);
	uint32_t id;
	ck_assert_int_eq(om_send(c, "server.ping", NULL, 0, &id), OM_OK);
	/* The fake writes only once the ping reaches it: om_next_notification must send it. */
	assert_notification(c, 5, "objects.changed", "[\"cfg\", \"dict.set\", [\"a\", 1], 3]");
	assert_notification(c, 5, "objects.changed", "[\"cfg\", \"dict.del\", [\"a\"], 4]");
	om_value v;
	ck_assert_int_eq(om_recv_id(c, id, &v), OM_OK);
	assert_value(v, "\"pong\"");
	om_close(c);
	fake_end(&f);
}
END_TEST

START_TEST(test_next_notification_with_timeout_0_returns_at_once_and_positive_waits)
{
	fake f;
	om_client *c = fake_client(&f, "", 0, 1, false);
	ck_assert_int_eq(om_send(c, "server.ping", NULL, 0, NULL), OM_OK);
	ck_assert_int_eq(om_flush(c), OM_OK);
	om_notification n;
	double t0 = now_s();
	ck_assert_int_eq(om_next_notification(c, 0, &n), OM_TIMEOUT);
	ck_assert_double_lt(now_s() - t0, 0.5); /* at once; the bound is for a loaded machine */
	t0 = now_s();
	ck_assert_int_eq(om_next_notification(c, 0.2, &n), OM_TIMEOUT);
	double waited = now_s() - t0;
	ck_assert_double_ge(waited, 0.2);
	ck_assert_double_lt(waited, 1.0);
	char want[256];
	snprintf(want, sizeof want, "om_next_notification: none from %s within 0.2 s", f.path);
	ck_assert_str_eq(om_errmsg(c), want);
	ck_assert_ptr_null(n.method);
	ck_assert_int_eq(n.params.kind, OM_NIL);
	ck_assert(om_connected(c));
	ck_assert_int_eq(om_pending(c), 1);
	om_close(c);
	fake_end(&f);
}
END_TEST

START_TEST(test_server_error_ends_a_notification_wait_and_is_not_queued)
{
	fake f;
	om_client *c = fake_client(&f, SERVER_ERROR, sizeof SERVER_ERROR - 1, sizeof SERVER_ERROR,
				   true);
	ck_assert_int_eq(om_send(c, "server.ping", NULL, 0, NULL), OM_OK);
	om_notification n;
	assert_closed_by_server_error(c, om_next_notification(c, 5, &n));
	ck_assert_int_eq(om_next_notification(c, 0, &n), OM_IO);
	om_close(c);
	fake_end(&f);
}
END_TEST

START_TEST(test_notifications_read_before_a_drop_are_given_back_then_io)
{
	static const char script[] = CHANGED_SET;
	fake f;
	om_client *c = fake_client(&f, script, sizeof script - 1, sizeof script, true);
	ck_assert_int_eq(om_call(c, "server.ping", NULL, 0, NULL), OM_IO);
	ck_assert_int_eq(om_fd(c), -1);
	assert_notification(c, 0, "objects.changed", "[\"cfg\", \"dict.set\", [\"a\", 1], 3]");
	om_notification n;
	ck_assert_int_eq(om_next_notification(c, -1, &n), OM_IO);
	om_close(c);
	fake_end(&f);
}
END_TEST

START_TEST(test_queued_notifications_are_freed_by_om_close)
{
	/* More than the ring's first allocation, half never taken: ASan checks the close frees them. */
	enum { N = 40, ONE = sizeof CHANGED_SET - 1 };
	char script[N * ONE + sizeof PONG_1];
	for (int i = 0; i < N; i++)
		memcpy(script + i * ONE, CHANGED_SET, ONE);
	memcpy(script + N * ONE, PONG_1, sizeof PONG_1);
	fake f;
	om_client *c = fake_client(&f, script, sizeof script - 1, sizeof script, false);
	ck_assert_int_eq(om_call(c, "server.ping", NULL, 0, NULL), OM_OK);
	for (int i = 0; i < N / 2; i++)
		assert_notification(c, 0, "objects.changed", "[\"cfg\", \"dict.set\", [\"a\", 1], 3]");
	om_close(c);
	fake_end(&f);
}
END_TEST

START_TEST(test_timeout_returns_after_the_deadline_and_keeps_the_connection)
{
	fake f;
	fake_listen(&f);
	om_options opts = {.timeout_s = 0.2, .client_name = ""};
	om_client *c = om_connect(f.path, &opts);
	ck_assert_int_eq(om_errcode(c), OM_OK);
	double t0 = now_s();
	ck_assert_int_eq(om_call(c, "server.ping", NULL, 0, NULL), OM_TIMEOUT);
	double waited = now_s() - t0;
	ck_assert_double_ge(waited, 0.2);
	ck_assert_double_lt(waited, 1.0);
	char want[256];
	snprintf(want, sizeof want, "server.ping: no reply from %s within 0.2 s", f.path);
	ck_assert_str_eq(om_errmsg(c), want);
	ck_assert(om_connected(c));
	om_close(c);
	fake_end(&f);
}
END_TEST

START_TEST(test_late_reply_to_a_timed_out_call_is_not_taken_by_the_next)
{
	/* [1, 1, nil, "late"], [1, 2, nil, "fresh"] */
	static const char reply[] = "\x94\x01\x01\xc0\xa4late\x94\x01\x02\xc0\xa5" "fresh";
	fake f;
	fake_listen(&f);
	om_options opts = {.timeout_s = 0.5, .client_name = ""};
	om_client *c = om_connect(f.path, &opts);
	ck_assert_int_eq(om_call(c, "server.ping", NULL, 0, NULL), OM_TIMEOUT);
	/* Only now does the fake accept, read request 1 and answer both. */
	fake_serve(&f, reply, sizeof reply - 1, sizeof reply, false);
	om_value v;
	ck_assert_int_eq(om_call(c, "server.ping", NULL, 0, &v), OM_OK);
	assert_value(v, "\"fresh\"");
	om_close(c);
	fake_end(&f);
}
END_TEST

START_TEST(test_error_reply_sets_code_and_message_until_the_next_success)
{
	/* [1, 1, ["key_error", "dict 'd' has no key \"k\""], nil], [1, 2, nil, nil] */
	static const char reply[] = "\x94\x01\x01\x92\xa9key_error\xb7" "dict 'd' has no key \"k\"\xc0"
				    "\x94\x01\x02\xc0\xc0";
	fake f;
	om_client *c = fake_client(&f, reply, sizeof reply - 1, sizeof reply, false);
	om_value v = om_int(5);
	ck_assert_int_eq(om_call(c, "dict.get", NULL, 0, &v), OM_KEY_ERROR);
	ck_assert_int_eq(v.kind, OM_NIL);
	ck_assert_int_eq(om_errcode(c), OM_KEY_ERROR);
	ck_assert_str_eq(om_errmsg(c), "dict 'd' has no key \"k\"");
	ck_assert(om_connected(c));

	ck_assert_int_eq(om_call(c, "dict.set", NULL, 0, NULL), OM_OK);
	ck_assert_int_eq(om_errcode(c), OM_OK);
	ck_assert_str_eq(om_errmsg(c), "");
	om_close(c);
	fake_end(&f);
}
END_TEST

START_TEST(test_unknown_error_code_keeps_its_name_in_the_message)
{
	/* [1, 1, ["mystery", "boom"], nil] */
	static const char reply[] = "\x94\x01\x01\x92\xa7mystery\xa4" "boom\xc0";
	fake f;
	om_client *c = fake_client(&f, reply, sizeof reply - 1, sizeof reply, false);
	ck_assert_int_eq(om_call(c, "server.ping", NULL, 0, NULL), OM_UNKNOWN_ERROR);
	ck_assert_str_eq(om_errmsg(c), "mystery: boom");
	om_close(c);
	fake_end(&f);
}
END_TEST

START_TEST(test_server_error_notification_reports_its_code_and_drops_the_connection)
{
	fake f;
	om_client *c = fake_client(&f, SERVER_ERROR, sizeof SERVER_ERROR - 1, sizeof SERVER_ERROR,
				   true);
	assert_closed_by_server_error(c, om_call(c, "server.ping", NULL, 0, NULL));
	om_close(c);
	fake_end(&f);
}
END_TEST

START_TEST(test_bytes_that_are_not_msgpack_are_a_protocol_error)
{
	static const char reply[] = "\xc1\xc1\xc1";
	fake f;
	om_client *c = fake_client(&f, reply, sizeof reply - 1, sizeof reply, false);
	ck_assert_int_eq(om_call(c, "server.ping", NULL, 0, NULL), OM_PROTOCOL);
	char want[256];
	snprintf(want, sizeof want, "bad reply from %s: bytes that are not msgpack, or nested too deeply",
		 f.path);
	ck_assert_str_eq(om_errmsg(c), want);
	ck_assert(!om_connected(c));
	om_close(c);
	fake_end(&f);
}
END_TEST

START_TEST(test_reply_of_the_wrong_shape_is_a_protocol_error)
{
	/* [1, 1, nil] */
	static const char reply[] = "\x93\x01\x01\xc0";
	fake f;
	om_client *c = fake_client(&f, reply, sizeof reply - 1, sizeof reply, false);
	ck_assert_int_eq(om_call(c, "server.ping", NULL, 0, NULL), OM_PROTOCOL);
	char want[256];
	snprintf(want, sizeof want, "bad reply from %s: a response must be [1, msgid, error, result]",
		 f.path);
	ck_assert_str_eq(om_errmsg(c), want);
	ck_assert(!om_connected(c));
	om_close(c);
	fake_end(&f);
}
END_TEST

START_TEST(test_typed_result_of_the_wrong_type_is_a_protocol_error)
{
	/* [1, 1, nil, "three"] */
	static const char reply[] = "\x94\x01\x01\xc0\xa5three";
	fake f;
	om_client *c = fake_client(&f, reply, sizeof reply - 1, sizeof reply, false);
	om_list *l = om_list_open(c, "l");
	size_t n = 99;
	ck_assert_int_eq(om_list_len(l, &n), OM_PROTOCOL);
	ck_assert_uint_eq(n, 99);
	char want[256];
	snprintf(want, sizeof want, "list.len: expected a non-negative integer from %s, got \"three\"",
		 f.path);
	ck_assert_str_eq(om_errmsg(c), want);
	ck_assert(om_connected(c));
	om_list_close(l);
	om_close(c);
	fake_end(&f);
}
END_TEST

START_TEST(test_server_closing_is_an_io_error_not_sigpipe)
{
	signal(SIGPIPE, SIG_DFL);
	fake f;
	fake_listen(&f);
	fake_serve(&f, "", 0, 1, true);
	om_client *c = om_connect(f.path, &unnamed);
	/* The request reaches the fake, which reads it and closes: no reply comes. */
	ck_assert_int_eq(om_call(c, "server.ping", NULL, 0, NULL), OM_IO);
	char want[256];
	snprintf(want, sizeof want, "lost the connection to %s: the server closed it", f.path);
	ck_assert_str_eq(om_errmsg(c), want);
	ck_assert(!om_connected(c));
	om_close(c);
	fake_end(&f);
}
END_TEST

START_TEST(test_writing_to_a_closed_connection_is_an_io_error_not_sigpipe)
{
	signal(SIGPIPE, SIG_DFL);
	fake f;
	fake_listen(&f);
	om_client *c = om_connect(f.path, &unnamed);
	/* Accept and close without reading: the client's next write hits a closed socket. */
	int conn = accept(f.listener, NULL, NULL);
	ck_assert_int_ge(conn, 0);
	close(conn);
	char big[256 * 1024];
	memset(big, 'x', sizeof big);
	om_value arg = om_strn(big, sizeof big);
	ck_assert_int_eq(om_call(c, "dict.set", &arg, 1, NULL), OM_IO);
	char want[256];
	snprintf(want, sizeof want, "lost the connection to %s: send: Broken pipe", f.path);
	ck_assert_str_eq(om_errmsg(c), want);
	ck_assert(!om_connected(c));
	om_close(c);
	fake_end(&f);
}
END_TEST

static Suite *client_suite(void)
{
	Suite *s = suite_create("client");
	TCase *tc = tcase_create("client");
	tcase_add_unchecked_fixture(tc, dir_create, dir_remove);
	tcase_add_test(tc, test_connect_to_missing_socket_fails_with_io_naming_the_path);
	tcase_add_test(tc, test_connect_to_a_path_too_long_fails_with_io);
	tcase_add_test(tc, test_close_of_null_is_a_no_op);
	tcase_add_test(tc, test_unix_scheme_is_stripped_from_the_address);
	tcase_add_test(tc, test_default_address_follows_objmgr_socket);
	tcase_add_test(tc, test_reply_is_returned_with_its_value);
	tcase_add_test(tc, test_reply_split_into_single_bytes_is_reassembled);
	tcase_add_test(tc, test_notifications_are_queued_and_other_msgids_skipped_by_a_call);
	tcase_add_test(tc, test_next_notification_sends_queued_requests_and_keeps_their_replies);
	tcase_add_test(tc, test_next_notification_with_timeout_0_returns_at_once_and_positive_waits);
	tcase_add_test(tc, test_server_error_ends_a_notification_wait_and_is_not_queued);
	tcase_add_test(tc, test_notifications_read_before_a_drop_are_given_back_then_io);
	tcase_add_test(tc, test_queued_notifications_are_freed_by_om_close);
	tcase_add_test(tc, test_timeout_returns_after_the_deadline_and_keeps_the_connection);
	tcase_add_test(tc, test_late_reply_to_a_timed_out_call_is_not_taken_by_the_next);
	tcase_add_test(tc, test_error_reply_sets_code_and_message_until_the_next_success);
	tcase_add_test(tc, test_unknown_error_code_keeps_its_name_in_the_message);
	tcase_add_test(tc, test_server_error_notification_reports_its_code_and_drops_the_connection);
	tcase_add_test(tc, test_bytes_that_are_not_msgpack_are_a_protocol_error);
	tcase_add_test(tc, test_reply_of_the_wrong_shape_is_a_protocol_error);
	tcase_add_test(tc, test_typed_result_of_the_wrong_type_is_a_protocol_error);
	tcase_add_test(tc, test_server_closing_is_an_io_error_not_sigpipe);
	tcase_add_test(tc, test_writing_to_a_closed_connection_is_an_io_error_not_sigpipe);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(client_suite());
}
