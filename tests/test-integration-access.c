/*
 * test-integration-access.c — who gets in, tried as an attacker would: the
 * socket file's mode and the server's directory, --allow-uid against a
 * client of another user, a client that must not talk to a server
 * someone else put in its socket's place, and the authkey handshake
 * (no key, a wrong key, a replayed proof, a server that does not know the
 * key, a handshake never finished).
 *
 * The cases that need a second user run the other side as nobody (uid
 * 65534), which only root can do: scripts/test runs as root on CI; run as
 * another user they are left out, and say so.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check-main.h"
#include "harness.h"
#include "objmgr.h"
#include "packet.h"

#define NOBODY 65534

static harness_server srv;

/* The permission bits of path. */
static unsigned mode_of(const char *path)
{
	struct stat st;
	ck_assert_msg(stat(path, &st) == 0, "stat %s: %s", path, strerror(errno));
	return st.st_mode & 07777;
}

/*
 * Runs objmgrd on socket with one more option (or none) where it must
 * refuse to start: returns its exit status, and what it said in err.
 */
static int objmgrd_refused(const char *socket, const char *opt, const char *arg, char *err,
			   size_t size)
{
	char log[] = "/tmp/objmgr-test-log-XXXXXX";
	int fd = mkstemp(log);
	ck_assert_int_ge(fd, 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fd, STDERR_FILENO);
		const char *bin = getenv("OBJMGRD");
		execl(bin, bin, "--socket", socket, opt, arg, (char *)NULL);
		_exit(127);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ssize_t n = pread(fd, err, size - 1, 0);
	err[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(log);
	ck_assert_msg(WIFEXITED(status), "objmgrd died of signal %d", WTERMSIG(status));
	return WEXITSTATUS(status);
}

/* Forks a process that runs fn as nobody, exits with what it returns and dies with the test. */
static pid_t spawn_as_nobody(int (*fn)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
			_exit(100);
		_exit(fn());
	}
	return pid;
}

/* Runs fn as nobody in a process of its own; returns its exit status. */
static int as_nobody(int (*fn)(void))
{
	pid_t pid = spawn_as_nobody(fn);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status), "the process of nobody died of signal %d", WTERMSIG(status));
	return WEXITSTATUS(status);
}

/* --- the socket file and its directory ---------------------------------- */

START_TEST(test_the_socket_is_the_server_users_alone)
{
	harness_start(&srv, NULL);
	ck_assert_uint_eq(mode_of(srv.socket), 0600);
	harness_stop(&srv);
}
END_TEST

START_TEST(test_socket_mode_and_group_open_it_to_a_group)
{
	/* Root may give the socket any group; others only one of their own. */
	gid_t gid = geteuid() == 0 ? NOBODY : getegid();
	char group[32];
	snprintf(group, sizeof group, "%u", (unsigned)gid);
	harness_start(&srv, "--socket-mode", "0660", "--socket-group", group, NULL);
	struct stat st;
	ck_assert_int_eq(stat(srv.socket, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0660);
	ck_assert_uint_eq(st.st_gid, gid);
	harness_stop(&srv);
}
END_TEST

START_TEST(test_the_server_refuses_a_directory_others_can_write)
{
	char dir[] = "/tmp/objmgr-test-XXXXXX", socket[64], err[1024];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(socket, sizeof socket, "%s/objmgr.sock", dir);

	ck_assert_int_eq(chmod(dir, 0777), 0);
	ck_assert_int_eq(objmgrd_refused(socket, NULL, NULL, err, sizeof err), 1);
	ck_assert_msg(strstr(err, "is writable by others (mode 0777)"), "it said: %s", err);
	ck_assert_int_eq(chmod(dir, 0770), 0);
	ck_assert_int_eq(objmgrd_refused(socket, NULL, NULL, err, sizeof err), 1);
	ck_assert_msg(strstr(err, "is writable by its group (mode 0770)"), "it said: %s", err);
	ck_assert_int_eq(access(socket, F_OK), -1); /* it made no socket there */

	/* The shared /tmp itself, as a user might try first. */
	ck_assert_int_eq(objmgrd_refused("/tmp/objmgr-test.sock", NULL, NULL, err, sizeof err), 1);
	ck_assert_msg(strstr(err, "refusing to listen on /tmp/objmgr-test.sock: /tmp is writable by "
				  "others"), "it said: %s", err);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_the_server_refuses_a_directory_of_another_user)
{
	char dir[] = "/tmp/objmgr-test-XXXXXX", socket[64], err[1024];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(socket, sizeof socket, "%s/objmgr.sock", dir);
	ck_assert_int_eq(chown(dir, NOBODY, NOBODY), 0);
	ck_assert_int_eq(objmgrd_refused(socket, NULL, NULL, err, sizeof err), 1);
	ck_assert_msg(strstr(err, "belongs to uid 65534, not to uid 0"), "it said: %s", err);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_bad_access_options_are_usage_errors)
{
	char err[1024];
	ck_assert_int_eq(objmgrd_refused("/nonexistent/s", "--socket-mode", "0800", err, sizeof err), 2);
	ck_assert_msg(strstr(err, "--socket-mode: not permissions in octal"), "it said: %s", err);
	ck_assert_int_eq(objmgrd_refused("/nonexistent/s", "--socket-group", "no-such-group-x", err,
					 sizeof err), 2);
	ck_assert_msg(strstr(err, "--socket-group: no such group"), "it said: %s", err);
	ck_assert_int_eq(objmgrd_refused("/nonexistent/s", "--allow-uid", "no-such-user-x", err,
					 sizeof err), 2);
	ck_assert_msg(strstr(err, "--allow-uid: no such user"), "it said: %s", err);
}
END_TEST

/* --- --allow-uid -------------------------------------------------------- */

/* Opens the server to nobody as far as the file system goes: only --allow-uid stands in the way. */
static void start_open_to_all(const char *allow)
{
	harness_start(&srv, "--socket-mode", "0666", "--allow-uid", allow, NULL);
	ck_assert_int_eq(chmod(srv.dir, 0711), 0);
}

/* As nobody: connects and pings; 0 when the ping was answered, else the code's negation. */
static int nobody_pings(void)
{
	om_client *c = om_connect(srv.socket, &(om_options){.timeout_s = 10});
	int rc = om_errcode(c) == OM_OK ? om_server_ping(c) : om_errcode(c);
	if (rc != OM_OK)
		fprintf(stderr, "nobody: %s: %s\n", om_code_name(rc), om_errmsg(c));
	om_close(c);
	return -rc;
}

START_TEST(test_allow_uid_lets_the_named_user_in)
{
	start_open_to_all("nobody");
	ck_assert_int_eq(as_nobody(nobody_pings), 0);
	harness_stop(&srv);
}
END_TEST

/*
 * As nobody, refused: the server says auth_failed before any request runs
 * and closes; the request sent at once is never answered. 0 when so.
 */
static int nobody_is_refused(void)
{
	int fd = harness_connect_raw(&srv);
	/* [0, 1, "objects.create", ["planted", "dict"]]: must never run */
	static const char req[] = "\x94\x00\x01\xae" "objects.create" "\x92\xa7" "planted" "\xa4" "dict";
	/* The server may have closed already: the request is lost either way. */
	if (send(fd, req, sizeof req - 1, MSG_NOSIGNAL) < 0 && errno != EPIPE && errno != ECONNRESET)
		return 4;
	char buf[512];
	size_t n = harness_read_to_eof(fd, buf, sizeof buf, 10000);
	close(fd);
	/* [2, "server.error", ["auth_failed", "uid 65534 (pid N) may not use this server"]] */
	static const char head[] = "\x93\x02\xac" "server.error" "\x92\xab" "auth_failed";
	if (n < sizeof head - 1 || memcmp(buf, head, sizeof head - 1) != 0)
		return 1;
	buf[n] = '\0';
	if (!memmem(buf, n, "uid 65534 (pid ", 15) || !memmem(buf, n, "may not use this server", 23))
		return 2;
	/* The library reports it as the code of the notification. */
	om_client *c = om_connect(srv.socket, &(om_options){.timeout_s = 10});
	int rc = om_errcode(c) == OM_OK ? om_server_ping(c) : om_errcode(c);
	om_close(c);
	return rc == OM_AUTH_FAILED ? 0 : 3;
}

START_TEST(test_allow_uid_refuses_other_users_before_any_request_runs)
{
	start_open_to_all("12345");
	ck_assert_int_eq(as_nobody(nobody_is_refused), 0);
	/* The server's own user always gets in, and nothing ran for nobody. */
	om_client *c = om_connect(srv.socket, NULL);
	ck_assert_int_eq(om_errcode(c), OM_OK);
	om_value names;
	ck_assert_int_eq(om_objects_list(c, &names), OM_OK);
	ck_assert_uint_eq(names.len, 0);
	om_value_free(&names);
	om_close(c);
	harness_stop(&srv);
}
END_TEST

/* --- the client checks whom it talks to --------------------------------- */

START_TEST(test_a_client_refuses_a_server_of_another_user)
{
	harness_start_with(&srv, &(harness_options){.uid = NOBODY, .gid = NOBODY}, NULL);
	om_client *c = om_connect(srv.socket, NULL);
	ck_assert_int_eq(om_errcode(c), OM_AUTH_FAILED);
	char want[1024];
	snprintf(want, sizeof want, "refusing the server at %s: it runs as uid 65534, not as you "
		 "(uid 0) or root", srv.socket);
	ck_assert_msg(strstr(om_errmsg(c), want), "%s", om_errmsg(c));
	ck_assert(!om_connected(c));
	ck_assert_int_eq(om_reconnect(c), OM_AUTH_FAILED);
	om_close(c);

	/* Trusted on purpose, it is the server like any other. */
	c = om_connect(srv.socket, &(om_options){.server_uid = NOBODY});
	ck_assert_int_eq(om_errcode(c), OM_OK);
	ck_assert_int_eq(om_server_ping(c), OM_OK);
	om_close(c);
	harness_stop(&srv);
}
END_TEST

/* Points the default socket at dir: $XDG_RUNTIME_DIR/objmgr.sock. */
static void default_socket_in(const char *dir)
{
	unsetenv("OBJMGR_SOCKET");
	setenv("XDG_RUNTIME_DIR", dir, 1);
}

START_TEST(test_the_default_socket_must_be_in_a_directory_of_ones_own)
{
	harness_start(&srv, NULL);
	default_socket_in(srv.dir);
	om_client *c = om_connect(NULL, NULL);
	ck_assert_int_eq(om_errcode(c), OM_OK);
	om_close(c);

	/* Somebody made it writable: anyone could have replaced the socket. */
	ck_assert_int_eq(chmod(srv.dir, 0777), 0);
	c = om_connect(NULL, NULL);
	ck_assert_int_eq(om_errcode(c), OM_AUTH_FAILED);
	char want[1024];
	snprintf(want, sizeof want, "refusing the default socket %s: %s is writable by others "
		 "(mode 0777)", srv.socket, srv.dir);
	ck_assert_msg(strstr(om_errmsg(c), want), "%s", om_errmsg(c));
	om_close(c);

	/* A socket the user names is the user's choice: only the server's user is checked. */
	setenv("OBJMGR_SOCKET", srv.socket, 1);
	c = om_connect(NULL, NULL);
	ck_assert_int_eq(om_errcode(c), OM_OK);
	om_close(c);
	ck_assert_int_eq(chmod(srv.dir, 0700), 0);
	harness_stop(&srv);
}
END_TEST

/*
 * The attack of issue 12: another user makes the victim's socket directory
 * first, open to all, and listens there. The victim's client must not send
 * it anything, whether it finds the socket by default or by name.
 */
static char planted_dir[64], planted_socket[96];

/* As nobody: listens on planted_socket, records what arrives to a file, until killed. */
static int plant_server(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", planted_socket);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 8) < 0)
		return 1;
	chmod(planted_socket, 0777);
	char ready[128];
	snprintf(ready, sizeof ready, "%s/ready", planted_dir);
	close(open(ready, O_WRONLY | O_CREAT, 0666));
	char got[128];
	snprintf(got, sizeof got, "%s/received", planted_dir);
	for (;;) {
		int c = accept(fd, NULL, NULL);
		char buf[256];
		ssize_t n;
		while (c >= 0 && (n = read(c, buf, sizeof buf)) > 0) {
			int out = open(got, O_WRONLY | O_CREAT | O_APPEND, 0666);
			if (out >= 0 && write(out, buf, (size_t)n) < 0)
				return 2;
			close(out);
		}
		close(c);
	}
}

START_TEST(test_a_client_sends_nothing_to_a_planted_server)
{
	strcpy(planted_dir, "/tmp/objmgr-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(planted_dir));
	ck_assert_int_eq(chmod(planted_dir, 0777), 0);
	ck_assert_int_eq(chown(planted_dir, NOBODY, NOBODY), 0);
	snprintf(planted_socket, sizeof planted_socket, "%s/objmgr.sock", planted_dir);
	pid_t pid = spawn_as_nobody(plant_server);
	char ready[128];
	snprintf(ready, sizeof ready, "%s/ready", planted_dir);
	for (int i = 0; i < 1000 && access(ready, F_OK) < 0; i++)
		harness_sleep_ms(10);
	ck_assert_msg(access(ready, F_OK) == 0, "the planted server did not start");

	default_socket_in(planted_dir);
	om_client *c = om_connect(NULL, NULL);
	ck_assert_int_eq(om_errcode(c), OM_AUTH_FAILED);
	ck_assert_msg(strstr(om_errmsg(c), "belongs to uid 65534, not to uid 0"), "%s", om_errmsg(c));
	/* The victim's next step: a secret, which must go nowhere. */
	om_dict *creds = om_dict_open(c, "creds");
	ck_assert_int_ne(om_dict_set(creds, om_str("api_key"), om_str("SECRET")), OM_OK);
	om_dict_close(creds);
	om_close(c);
	c = om_connect(planted_socket, NULL);
	ck_assert_int_eq(om_errcode(c), OM_AUTH_FAILED);
	ck_assert_msg(strstr(om_errmsg(c), "it runs as uid 65534"), "%s", om_errmsg(c));
	om_close(c);

	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	char got[128];
	snprintf(got, sizeof got, "%s/received", planted_dir);
	ck_assert_msg(access(got, F_OK) < 0, "the planted server received bytes");
	unlink(planted_socket);
	unlink(ready);
	ck_assert_int_eq(rmdir(planted_dir), 0);
}
END_TEST


/* --- the authkey handshake ---------------------------------------------- */

/* A printable key, so that a test can look for it in what the server writes. */
static const char KEY[] = "correct horse battery staple";
static char key_dir[64], key_file[96];

/* Writes KEY (or len bytes of it) to key_file with mode; returns its path. */
static const char *write_key(size_t len, mode_t mode)
{
	strcpy(key_dir, "/tmp/objmgr-test-key-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(key_dir));
	snprintf(key_file, sizeof key_file, "%s/key", key_dir);
	int fd = open(key_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, KEY, len), (ssize_t)len);
	close(fd);
	ck_assert_int_eq(chmod(key_file, mode), 0);
	return key_file;
}

static void remove_key(void)
{
	unlink(key_file);
	rmdir(key_dir);
}

/* A raw connection and what it has read. */
typedef struct wire {
	int fd;
	msgpack_unpacker u;
	msgpack_unpacked m;
} wire;

static void wire_open(wire *w)
{
	w->fd = harness_connect_raw(&srv);
	ck_assert(msgpack_unpacker_init(&w->u, 4096));
	msgpack_unpacked_init(&w->m);
}

static void wire_close(wire *w)
{
	close(w->fd);
	msgpack_unpacked_destroy(&w->m);
	msgpack_unpacker_destroy(&w->u);
}

/* The next message into w->m, waiting up to 10 s; false at the end of the stream. */
static bool wire_next(wire *w)
{
	for (;;) {
		if (msgpack_unpacker_next(&w->u, &w->m) == MSGPACK_UNPACK_SUCCESS)
			return true;
		struct pollfd p = {.fd = w->fd, .events = POLLIN};
		ck_assert_msg(poll(&p, 1, 10000) == 1, "nothing from the server within 10 s");
		ck_assert(msgpack_unpacker_reserve_buffer(&w->u, 4096));
		ssize_t n = read(w->fd, msgpack_unpacker_buffer(&w->u), msgpack_unpacker_buffer_capacity(&w->u));
		if (n <= 0)
			return false;
		msgpack_unpacker_buffer_consumed(&w->u, (size_t)n);
	}
}

static void wire_send(wire *w, packet *p)
{
	ck_assert_int_eq(send(w->fd, p->buf.data, p->buf.size, MSG_NOSIGNAL), (ssize_t)p->buf.size);
	packet_free(p);
}

static const msgpack_object *item(const msgpack_object *o, uint32_t i)
{
	ck_assert_int_eq(o->type, MSGPACK_OBJECT_ARRAY);
	ck_assert_uint_gt(o->via.array.size, i);
	return &o->via.array.ptr[i];
}

static bool str_is(const msgpack_object *o, const char *s)
{
	return o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(s) &&
	       memcmp(o->via.str.ptr, s, o->via.str.size) == 0;
}

/* Reads the challenge every connection gets first; its nonce into nonce. */
static void read_challenge(wire *w, unsigned char nonce[32])
{
	ck_assert(wire_next(w));
	const msgpack_object *o = &w->m.data;
	ck_assert_uint_eq(o->via.array.size, 3);
	ck_assert_uint_eq(item(o, 0)->via.u64, 2);
	ck_assert(str_is(item(o, 1), "auth.challenge"));
	const msgpack_object *params = item(o, 2);
	ck_assert_uint_eq(params->via.array.size, 2);
	ck_assert_uint_eq(item(params, 0)->via.u64, 1);
	ck_assert_int_eq(item(params, 1)->type, MSGPACK_OBJECT_BIN);
	ck_assert_uint_eq(item(params, 1)->via.bin.size, 32);
	memcpy(nonce, item(params, 1)->via.bin.ptr, 32);
}

/* HMAC-SHA256(KEY, role || a || b), computed here with libsodium's one-shot API. */
static void hmac(const char *role, const unsigned char a[32], const unsigned char b[32],
		 unsigned char out[32])
{
	unsigned char msg[13 + 64];
	memcpy(msg, role, 13);
	memcpy(msg + 13, a, 32);
	memcpy(msg + 45, b, 32);
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)KEY, strlen(KEY));
	crypto_auth_hmacsha256_update(&st, msg, sizeof msg);
	crypto_auth_hmacsha256_final(&st, out);
}

static void send_hello(wire *w, uint32_t msgid, const unsigned char client_nonce[32],
		       const unsigned char proof[32])
{
	packet p;
	packet_init(&p);
	pack_request(&p.pk, msgid, "auth.hello", 2);
	msgpack_pack_bin_with_body(&p.pk, client_nonce, 32);
	msgpack_pack_bin_with_body(&p.pk, proof, 32);
	wire_send(w, &p);
}

/* Checks w->m is the response to msgid with error code (NULL: a success). */
static void expect_response(wire *w, uint32_t msgid, const char *code)
{
	const msgpack_object *o = &w->m.data;
	ck_assert_uint_eq(item(o, 0)->via.u64, 1);
	ck_assert_uint_eq(item(o, 1)->via.u64, msgid);
	if (code)
		ck_assert_msg(str_is(item(item(o, 2), 0), code), "not %s", code);
	else
		ck_assert_int_eq(item(o, 2)->type, MSGPACK_OBJECT_NIL);
}

static void start_with_key(void)
{
	harness_start_with(&srv, &(harness_options){.capture_log = true}, "--authkey-file",
			   write_key(strlen(KEY), 0600), "--log-level", "debug", NULL);
}

START_TEST(test_the_key_holder_gets_in_and_checks_the_server)
{
	start_with_key();
	om_client *c = om_connect(srv.socket, &(om_options){.authkey_file = key_file});
	ck_assert_msg(om_errcode(c) == OM_OK, "%s", om_errmsg(c));
	ck_assert_int_eq(om_server_ping(c), OM_OK);
	ck_assert_int_eq(om_pending(c), 0); /* the probe's auth_required was taken */
	ck_assert_int_eq(om_reconnect(c), OM_OK);
	ck_assert_int_eq(om_server_ping(c), OM_OK);
	om_close(c);
	c = om_connect(srv.socket, &(om_options){.authkey = KEY, .authkey_len = strlen(KEY)});
	ck_assert_msg(om_errcode(c) == OM_OK, "%s", om_errmsg(c));
	ck_assert_int_eq(om_server_ping(c), OM_OK);
	om_close(c);
	setenv("OBJMGR_AUTHKEY_FILE", key_file, 1);
	c = om_connect(srv.socket, NULL);
	unsetenv("OBJMGR_AUTHKEY_FILE");
	ck_assert_msg(om_errcode(c) == OM_OK, "%s", om_errmsg(c));
	om_close(c);

	/* The handshake by hand, as docs/protocol.md tells a client writer. */
	wire w;
	wire_open(&w);
	unsigned char server_nonce[32], client_nonce[32], proof[32], want[32];
	read_challenge(&w, server_nonce);
	randombytes_buf(client_nonce, sizeof client_nonce);
	hmac("objmgr-client", server_nonce, client_nonce, proof);
	send_hello(&w, 7, client_nonce, proof);
	ck_assert(wire_next(&w));
	expect_response(&w, 7, NULL);
	const msgpack_object *result = item(&w.m.data, 3);
	ck_assert_int_eq(result->type, MSGPACK_OBJECT_BIN);
	ck_assert_uint_eq(result->via.bin.size, 32);
	hmac("objmgr-server", client_nonce, server_nonce, want);
	ck_assert(memcmp(result->via.bin.ptr, want, 32) == 0);
	wire_close(&w);

	harness_stop(&srv);
	remove_key();
}
END_TEST

START_TEST(test_before_the_handshake_nothing_runs)
{
	start_with_key();
	wire w;
	wire_open(&w);
	unsigned char nonce[32];
	read_challenge(&w, nonce);
	packet p;
	packet_init(&p);
	pack_notification(&p.pk, "objects.create", 2); /* dropped */
	pack_str(&p.pk, "by-notification");
	pack_str(&p.pk, "dict");
	pack_request(&p.pk, 1, "objects.create", 2);
	pack_str(&p.pk, "by-request");
	pack_str(&p.pk, "dict");
	pack_request(&p.pk, 2, "auth.hello", 1); /* malformed: stays unauthenticated */
	pack_str(&p.pk, "hello?");
	wire_send(&w, &p);
	ck_assert(wire_next(&w));
	expect_response(&w, 1, "auth_required");
	ck_assert(str_is(item(item(&w.m.data, 2), 1), "this server needs an authkey: authenticate "
			 "with auth.hello first (objmgr and libobjmgr: --authkey-file or "
			 "$OBJMGR_AUTHKEY_FILE)"));
	ck_assert(wire_next(&w));
	expect_response(&w, 2, "bad_params");
	wire_close(&w);

	/* A client without the key is told so by its first call. */
	om_client *c = om_connect(srv.socket, NULL);
	ck_assert_int_eq(om_errcode(c), OM_OK);
	ck_assert_int_eq(om_server_ping(c), OM_AUTH_REQUIRED);
	om_close(c);

	c = om_connect(srv.socket, &(om_options){.authkey_file = key_file});
	om_value names;
	ck_assert_int_eq(om_objects_list(c, &names), OM_OK);
	ck_assert_uint_eq(names.len, 0);
	om_value_free(&names);
	/* Named after the handshake: client.setname is not refused auth_required. */
	om_value list;
	ck_assert_int_eq(om_clients_list(c, &list), OM_OK);
	ck_assert_uint_eq(list.len, 1);
	const om_value *name = om_value_map_get(&list.as.items[0], "name");
	ck_assert(name && name->kind == OM_STR);
	ck_assert_str_eq(name->as.str, "test-integration-access");
	om_value_free(&list);
	om_close(c);
	harness_stop(&srv);
	remove_key();
}
END_TEST

START_TEST(test_before_the_handshake_messages_stay_small)
{
	start_with_key();
	static char big[8192];
	memset(big, 'x', sizeof big);
	/* Authenticated, a large message is fine. */
	om_client *c = om_connect(srv.socket, &(om_options){.authkey_file = key_file});
	ck_assert_int_eq(om_errcode(c), OM_OK);
	om_dict *d = om_dict_open(c, "d");
	ck_assert_int_eq(om_dict_set(d, om_str("k"), om_strn(big, sizeof big)), OM_OK);
	om_dict_close(d);
	om_close(c);
	/* Not yet: the same request is too large, and the connection is closed. */
	wire w;
	wire_open(&w);
	unsigned char nonce[32];
	read_challenge(&w, nonce);
	packet p;
	packet_init(&p);
	pack_request(&p.pk, 1, "dict.set", 3);
	pack_str(&p.pk, "d");
	pack_str(&p.pk, "k");
	msgpack_pack_str_with_body(&p.pk, big, sizeof big);
	wire_send(&w, &p);
	ck_assert(wire_next(&w));
	const msgpack_object *o = &w.m.data;
	ck_assert(str_is(item(o, 1), "server.error"));
	ck_assert(str_is(item(item(o, 2), 0), "too_large"));
	ck_assert(str_is(item(item(o, 2), 1), "message larger than the limit of 4096 bytes before "
			 "authenticating (its headers declare more items or bytes than fit)"));
	ck_assert(!wire_next(&w));
	wire_close(&w);
	harness_stop(&srv);
	remove_key();
}
END_TEST

START_TEST(test_a_wrong_or_replayed_proof_is_refused_late_and_closed)
{
	start_with_key();
	om_client *bystander = om_connect(srv.socket, &(om_options){.authkey_file = key_file});
	ck_assert_int_eq(om_errcode(bystander), OM_OK);

	/* A proof that was good for another connection's nonces. */
	wire first, second;
	wire_open(&first);
	unsigned char nonce1[32], nonce2[32], client_nonce[32], proof[32];
	read_challenge(&first, nonce1);
	randombytes_buf(client_nonce, sizeof client_nonce);
	hmac("objmgr-client", nonce1, client_nonce, proof);
	wire_open(&second);
	read_challenge(&second, nonce2);
	ck_assert(memcmp(nonce1, nonce2, 32) != 0);

	double start = harness_now_s();
	send_hello(&second, 1, client_nonce, proof);
	/* The server serves others while the refusal waits. */
	ck_assert_int_eq(om_server_ping(bystander), OM_OK);
	ck_assert(wire_next(&second));
	double waited = harness_now_s() - start;
	expect_response(&second, 1, "auth_failed");
	ck_assert(str_is(item(item(&second.m.data, 2), 1), "wrong proof: the client does not know "
			 "this server's authkey"));
	ck_assert_msg(waited >= 0.1, "refused after %.3f s, not after 0.1 s", waited);
	ck_assert(!wire_next(&second)); /* closed */
	wire_close(&second);

	/* The same proof on its own connection is good: the refusal was the replay's. */
	send_hello(&first, 1, client_nonce, proof);
	ck_assert(wire_next(&first));
	expect_response(&first, 1, NULL);
	wire_close(&first);

	/* The library with another key. */
	static const char other[] = "not the server's key at all";
	om_client *c = om_connect(srv.socket, &(om_options){.authkey = other,
							    .authkey_len = strlen(other)});
	ck_assert_int_eq(om_errcode(c), OM_AUTH_FAILED);
	ck_assert_str_eq(om_errmsg(c), "wrong proof: the client does not know this server's authkey");
	ck_assert(!om_connected(c));
	om_close(c);
	om_close(bystander);

	/* What the server wrote never shows the key. */
	FILE *f = fopen(srv.log, "r");
	ck_assert_ptr_nonnull(f);
	char line[1024];
	bool warned = false;
	while (fgets(line, sizeof line, f)) {
		ck_assert_msg(!strstr(line, "horse"), "the log shows the key: %s", line);
		warned |= strstr(line, "wrong authkey proof") != NULL;
	}
	fclose(f);
	ck_assert(warned);
	harness_stop(&srv);
	remove_key();
}
END_TEST

START_TEST(test_a_connection_that_does_not_authenticate_is_closed)
{
	start_with_key();
	wire w;
	wire_open(&w);
	unsigned char nonce[32];
	read_challenge(&w, nonce);
	ck_assert(wire_next(&w)); /* within 5 s and the 10 s wire_next waits */
	const msgpack_object *o = &w.m.data;
	ck_assert(str_is(item(o, 1), "server.error"));
	ck_assert(str_is(item(item(o, 2), 0), "timeout"));
	ck_assert(str_is(item(item(o, 2), 1), "not authenticated within 5 s"));
	ck_assert(!wire_next(&w));
	wire_close(&w);
	harness_stop(&srv);
	remove_key();
}
END_TEST

/*
 * A server that does not know the key: it challenges, then answers the
 * hello with 32 bytes of its own. Run in a child until killed.
 */
static int fake_server(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sa.sun_path)
		return 1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 8) < 0)
		return 1;
	for (;;) {
		int c = accept(fd, NULL, NULL);
		packet p;
		packet_init(&p);
		pack_notification(&p.pk, "auth.challenge", 2);
		msgpack_pack_int(&p.pk, 1);
		unsigned char nonce[32];
		randombytes_buf(nonce, sizeof nonce);
		msgpack_pack_bin_with_body(&p.pk, nonce, 32);
		if (write(c, p.buf.data, p.buf.size) < 0)
			return 2;
		packet_free(&p);
		/* Reads the ping and the hello (msgids 1 and 2), answers both. */
		char buf[4096];
		if (read(c, buf, sizeof buf) <= 0)
			return 3;
		packet_init(&p);
		msgpack_pack_array(&p.pk, 4);
		msgpack_pack_int(&p.pk, 1);
		msgpack_pack_uint32(&p.pk, 2);
		msgpack_pack_nil(&p.pk);
		msgpack_pack_bin_with_body(&p.pk, nonce, 32);
		if (write(c, p.buf.data, p.buf.size) < 0)
			return 4;
		packet_free(&p);
		harness_sleep_ms(1000);
		close(c);
	}
}

START_TEST(test_a_server_without_the_key_cannot_pass_for_the_real_one)
{
	write_key(strlen(KEY), 0600);
	char path[128];
	snprintf(path, sizeof path, "%s/fake.sock", key_dir);
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		_exit(fake_server(path));
	}
	om_client *c = NULL;
	char want[1024];
	for (int i = 0; i < 500; i++) {
		om_close(c);
		c = om_connect(path, &(om_options){.authkey_file = key_file, .timeout_s = 10});
		if (om_errcode(c) != OM_IO)
			break;
		harness_sleep_ms(10);
	}
	ck_assert_int_eq(om_errcode(c), OM_AUTH_FAILED);
	snprintf(want, sizeof want, "the server at %s does not know the authkey: its proof is wrong",
		 path);
	ck_assert_str_eq(om_errmsg(c), want);
	om_close(c);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	unlink(path);

	/* A server with no key at all. */
	harness_start(&srv, NULL);
	c = om_connect(srv.socket, &(om_options){.authkey_file = key_file});
	ck_assert_int_eq(om_errcode(c), OM_AUTH_FAILED);
	snprintf(want, sizeof want, "the server at %s asks for no authkey, so it cannot prove it "
		 "knows yours", srv.socket);
	ck_assert_str_eq(om_errmsg(c), want);
	om_close(c);
	harness_stop(&srv);
	remove_key();
}
END_TEST

START_TEST(test_key_files_open_to_others_or_too_short_are_refused)
{
	char err[1024];
	harness_start(&srv, NULL); /* only for a directory to put sockets in */
	char socket[600];
	snprintf(socket, sizeof socket, "%s/keyed.sock", srv.dir);

	write_key(strlen(KEY), 0640);
	ck_assert_int_eq(objmgrd_refused(socket, "--authkey-file", key_file, err, sizeof err), 1);
	ck_assert_msg(strstr(err, "may be read or written by its group (mode 0640): chmod 600 it"),
		      "%s", err);
	ck_assert_msg(!strstr(err, "horse"), "%s", err);
	om_client *c = om_connect(srv.socket, &(om_options){.authkey_file = key_file});
	ck_assert_int_eq(om_errcode(c), OM_BAD_PARAMS);
	ck_assert_msg(strstr(om_errmsg(c), "(mode 0640): chmod 600 it"), "%s", om_errmsg(c));
	om_close(c);
	remove_key();

	write_key(15, 0600);
	ck_assert_int_eq(objmgrd_refused(socket, "--authkey-file", key_file, err, sizeof err), 1);
	ck_assert_msg(strstr(err, "holds 15 bytes: a key needs at least 16"), "%s", err);
	ck_assert_msg(!strstr(err, "horse"), "%s", err);
	remove_key();
	c = om_connect(srv.socket, &(om_options){.authkey = KEY, .authkey_len = 15});
	ck_assert_int_eq(om_errcode(c), OM_BAD_PARAMS);
	ck_assert_str_eq(om_errmsg(c), "cannot connect: an authkey has 16 to 4096 bytes, not 15");
	om_close(c);
	harness_stop(&srv);
}
END_TEST

/* --- TCP ---------------------------------------------------------------- */

/* A TCP port free on host (an IP address) right now, or 0 when host cannot be bound. */
static unsigned free_port(int family, const char *host)
{
	struct sockaddr_storage sa = {0};
	socklen_t len;
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&sa;
		a->sin6_family = AF_INET6;
		inet_pton(AF_INET6, host, &a->sin6_addr);
		len = sizeof *a;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&sa;
		a->sin_family = AF_INET;
		inet_pton(AF_INET, host, &a->sin_addr);
		len = sizeof *a;
	}
	int fd = socket(family, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, len) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	close(fd);
	return ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
					: ((struct sockaddr_in *)&sa)->sin_port);
}

START_TEST(test_tcp_needs_an_authkey)
{
	char err[1024];
	ck_assert_int_eq(objmgrd_refused("/nonexistent/s", "--listen", "tcp:127.0.0.1:0", err,
					 sizeof err), 2);
	ck_assert_msg(strstr(err, "--listen tcp:127.0.0.1:0 needs --authkey-file: a TCP client has "
				  "no user the kernel can name"), "%s", err);
	ck_assert_int_eq(objmgrd_refused("/nonexistent/s", "--listen", "tcp:::1:6000", err,
					 sizeof err), 2);
	ck_assert_msg(strstr(err, "--listen: not tcp:HOST:PORT"), "%s", err);
}
END_TEST

START_TEST(test_tcp_clients_with_the_key_share_the_objects)
{
	unsigned port = free_port(AF_INET, "127.0.0.1");
	ck_assert_uint_gt(port, 0);
	char listen[64];
	snprintf(listen, sizeof listen, "tcp:127.0.0.1:%u", port);
	/* --allow-uid binds Unix clients only: TCP ones have the key to show. */
	harness_start(&srv, "--authkey-file", write_key(strlen(KEY), 0600), "--listen", listen,
		      "--allow-uid", "12345", NULL);
	om_options keyed = {.authkey_file = key_file, .timeout_s = 10};
	om_client *tcp = om_connect(listen, &keyed), *unix_client = om_connect(srv.socket, &keyed);
	ck_assert_msg(om_errcode(tcp) == OM_OK, "%s", om_errmsg(tcp));
	ck_assert_msg(om_errcode(unix_client) == OM_OK, "%s", om_errmsg(unix_client));
	ck_assert_str_eq(om_address(tcp), listen);
	om_value info;
	ck_assert_int_eq(om_server_info(tcp, &info), OM_OK);
	const om_value *listening = om_value_map_get(&info, "listening");
	ck_assert_ptr_nonnull(listening);
	ck_assert_uint_eq(listening->len, 2);
	ck_assert_str_eq(listening->as.items[0].as.str, srv.socket);
	ck_assert_str_eq(listening->as.items[1].as.str, listen);
	ck_assert(om_value_map_get(om_value_map_get(&info, "config"), "authkey")->as.b);
	om_value_free(&info);
	/* clients.list shows the TCP client by its address. */
	om_value list;
	ck_assert_int_eq(om_clients_list(tcp, &list), OM_OK);
	bool seen_tcp = false;
	for (uint32_t i = 0; i < list.len; i++) {
		const om_value *me = om_value_map_get(&list.as.items[i], "me");
		const char *address = om_value_map_get(&list.as.items[i], "address")->as.str;
		if (me->as.b) {
			ck_assert_msg(strncmp(address, "tcp:127.0.0.1:", 14) == 0, "%s", address);
			seen_tcp = true;
		}
	}
	ck_assert(seen_tcp);
	om_value_free(&list);

	/* A lock taken over TCP is released when that connection closes. */
	om_lock *held = om_lock_open(tcp, "L");
	bool got;
	ck_assert_int_eq(om_lock_acquire(held, 0, &got), OM_OK);
	ck_assert(got);
	om_lock *waiting = om_lock_open(unix_client, "L");
	ck_assert_int_eq(om_lock_acquire(waiting, 0, &got), OM_OK);
	ck_assert(!got);
	om_dict *d = om_dict_open(tcp, "shared");
	ck_assert_int_eq(om_dict_set(d, om_str("from"), om_str("tcp")), OM_OK);
	om_dict_close(d);
	om_lock_close(held);
	om_close(tcp);
	ck_assert_int_eq(om_lock_acquire(waiting, 5, &got), OM_OK);
	ck_assert(got);
	om_lock_close(waiting);
	d = om_dict_open(unix_client, "shared");
	om_value v;
	ck_assert_int_eq(om_dict_get(d, om_str("from"), &v), OM_OK);
	ck_assert_str_eq(v.as.str, "tcp");
	om_value_free(&v);
	om_dict_close(d);
	om_close(unix_client);

	/* Without the key, or with another, nothing runs. */
	om_client *c = om_connect(listen, NULL);
	ck_assert_int_eq(om_errcode(c), OM_OK);
	ck_assert_int_eq(om_server_ping(c), OM_AUTH_REQUIRED);
	om_close(c);
	c = om_connect(listen, &(om_options){.authkey = "not the server's key", .authkey_len = 20});
	ck_assert_int_eq(om_errcode(c), OM_AUTH_FAILED);
	om_close(c);
	harness_stop(&srv);
	remove_key();
}
END_TEST

START_TEST(test_tcp_over_ipv6)
{
	unsigned port = free_port(AF_INET6, "::1");
	if (!port) {
		fprintf(stderr, "integration-access: no IPv6 loopback here; tcp:[::1] left out\n");
		return;
	}
	char listen[64];
	snprintf(listen, sizeof listen, "tcp:[::1]:%u", port);
	harness_start(&srv, "--authkey-file", write_key(strlen(KEY), 0600), "--listen", listen, NULL);
	om_client *c = om_connect(listen, &(om_options){.authkey_file = key_file, .timeout_s = 10});
	ck_assert_msg(om_errcode(c) == OM_OK, "%s", om_errmsg(c));
	ck_assert_int_eq(om_server_ping(c), OM_OK);
	om_close(c);
	harness_stop(&srv);
	remove_key();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("integration-access");
	TCase *tc = tcase_create("socket");
	tcase_add_test(tc, test_the_socket_is_the_server_users_alone);
	tcase_add_test(tc, test_socket_mode_and_group_open_it_to_a_group);
	tcase_add_test(tc, test_the_server_refuses_a_directory_others_can_write);
	tcase_add_test(tc, test_bad_access_options_are_usage_errors);
	tcase_add_test(tc, test_the_default_socket_must_be_in_a_directory_of_ones_own);
	suite_add_tcase(s, tc);
	tc = tcase_create("authkey");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_the_key_holder_gets_in_and_checks_the_server);
	tcase_add_test(tc, test_before_the_handshake_nothing_runs);
	tcase_add_test(tc, test_before_the_handshake_messages_stay_small);
	tcase_add_test(tc, test_a_wrong_or_replayed_proof_is_refused_late_and_closed);
	tcase_add_test(tc, test_a_connection_that_does_not_authenticate_is_closed);
	tcase_add_test(tc, test_a_server_without_the_key_cannot_pass_for_the_real_one);
	tcase_add_test(tc, test_key_files_open_to_others_or_too_short_are_refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("tcp");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_tcp_needs_an_authkey);
	tcase_add_test(tc, test_tcp_clients_with_the_key_share_the_objects);
	tcase_add_test(tc, test_tcp_over_ipv6);
	suite_add_tcase(s, tc);
	if (geteuid() != 0) {
		fprintf(stderr, "integration-access: not root, so the cases with a second user "
			"(nobody) are left out\n");
		return check_main(s);
	}
	tc = tcase_create("other users");
	tcase_add_test(tc, test_the_server_refuses_a_directory_of_another_user);
	tcase_add_test(tc, test_allow_uid_lets_the_named_user_in);
	tcase_add_test(tc, test_allow_uid_refuses_other_users_before_any_request_runs);
	tcase_add_test(tc, test_a_client_refuses_a_server_of_another_user);
	tcase_add_test(tc, test_a_client_sends_nothing_to_a_planted_server);
	suite_add_tcase(s, tc);
	return check_main(s);
}
