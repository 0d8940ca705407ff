/*
 * test-integration-access.c — who gets in, tried as an attacker would: the
 * socket file's mode and the server's directory, --allow-uid against a
 * client of another user, and a client that must not talk to a server
 * someone else put in its socket's place.
 *
 * The cases that need a second user run the other side as nobody (uid
 * 65534), which only root can do: scripts/test runs as root on CI; run as
 * another user they are left out, and say so.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
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

/* Forks a process that runs as nobody and returns what fn returns as its exit status. */
static int as_nobody(int (*fn)(void))
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
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
			_exit(100);
		_exit(plant_server());
	}
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
