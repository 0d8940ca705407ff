/*
 * test-integration-activation.c — objmgrd started the way systemd starts a
 * socket-activated service: the test binds and listens itself, and the
 * server gets the socket as descriptor 3 with LISTEN_FDS=1 and its own pid
 * in LISTEN_PID (sd_listen_fds(3)). No systemd needed.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
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
#include "packet.h"

#define WAIT_MS 10000
#define NOBODY 65534

/* An activated server: its process, its standard output and error, the directory of its files. */
typedef struct activated {
	pid_t pid;
	int out;            /* read end of its standard output */
	char dir[64];       /* a fresh directory for the sockets and the log */
	char socket[96];    /* dir/objmgr.sock, the socket the test passes */
	char log[96];       /* its standard error */
	char notify[96];    /* dir/notify, a datagram socket for $NOTIFY_SOCKET */
} activated;

/* How spawn() passes the socket. */
typedef struct spawn_opts {
	bool other_pid;  /* LISTEN_PID names the test, not the server */
	bool notify;     /* $NOTIFY_SOCKET is a->notify */
	uid_t uid;       /* run it as this user and group (the test must be root); 0: as the test */
} spawn_opts;

static void setup_dir(activated *a)
{
	memset(a, 0, sizeof *a);
	a->out = -1;
	strcpy(a->dir, "/tmp/objmgr-act-XXXXXX");
	ck_assert_msg(mkdtemp(a->dir), "mkdtemp: %s", strerror(errno));
	snprintf(a->socket, sizeof a->socket, "%s/objmgr.sock", a->dir);
	snprintf(a->log, sizeof a->log, "%s/objmgrd.log", a->dir);
	snprintf(a->notify, sizeof a->notify, "%s/notify", a->dir);
}

/* A Unix stream socket bound to path and listening, as systemd's ListenStream=PATH makes it. */
static int listen_unix(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_msg(bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0, "bind %s: %s", path,
		      strerror(errno));
	ck_assert_int_eq(listen(fd, 16), 0);
	return fd;
}

/* A TCP socket listening on 127.0.0.1 on a free port, which *port gets. */
static int listen_tcp(unsigned *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(listen(fd, 16), 0);
	socklen_t len = sizeof sa;
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* A connected socket to path, or -1. */
static int connect_unix(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
		return fd;
	close(fd);
	return -1;
}

/*
 * In the child, as systemd does it: the socket becomes descriptor 3 (kept
 * across exec), LISTEN_FDS=1 and LISTEN_PID=getpid(). Standard output goes
 * to the pipe, standard error to a->log.
 */
static void child_exec(const activated *a, int fd, int out, const spawn_opts *o,
		       const char *const args[])
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	int err = open(a->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (err < 0 || dup2(out, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0)
		_exit(127);
	if (fd == 3 ? fcntl(fd, F_SETFD, 0) < 0 : dup2(fd, 3) < 0)
		_exit(127);
	if (o->uid && (setgroups(0, NULL) < 0 || setgid(o->uid) < 0 || setuid(o->uid) < 0))
		_exit(127);
	char pid[32];
	snprintf(pid, sizeof pid, "%d", (int)(o->other_pid ? getppid() : getpid()));
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "1", 1);
	if (o->notify)
		setenv("NOTIFY_SOCKET", a->notify, 1);
	else
		unsetenv("NOTIFY_SOCKET");
	unsetenv("OBJMGR_SOCKET");
	const char *bin = getenv("OBJMGRD");
	const char *argv[16] = {bin};
	for (size_t i = 0; args && args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	execv(bin, (char *const *)argv);
	_exit(127);
}

/* Starts $OBJMGRD with fd passed to it; args (NULL-terminated, or NULL) after its name. */
static void spawn(activated *a, int fd, const spawn_opts *o, const char *const args[])
{
	static const spawn_opts plain;
	int p[2];
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	fflush(NULL);
	a->pid = fork();
	ck_assert_int_ge(a->pid, 0);
	if (a->pid == 0)
		child_exec(a, fd, p[1], o ? o : &plain, args);
	close(p[1]);
	a->out = p[0];
}

/* The next line the server printed on standard output, without its newline. */
static void read_line(const activated *a, char *buf, size_t size)
{
	size_t n = 0;
	while (n + 1 < size) {
		struct pollfd pfd = {.fd = a->out, .events = POLLIN};
		int ms = (int)(WAIT_MS * harness_slowdown());
		ck_assert_msg(poll(&pfd, 1, ms) == 1, "objmgrd printed nothing within %d ms", ms);
		ssize_t r = read(a->out, buf + n, 1);
		ck_assert_msg(r == 1, "objmgrd's standard output ended after \"%.*s\"", (int)n, buf);
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
}

/* Waits for the server to exit; its exit status (128 + the signal when killed). */
static int wait_exit(activated *a)
{
	int status;
	ck_assert_int_eq(waitpid(a->pid, &status, 0), a->pid);
	a->pid = 0;
	close(a->out);
	a->out = -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* SIGTERM, then its exit status. */
static int stop(activated *a)
{
	ck_assert_int_eq(kill(a->pid, SIGTERM), 0);
	return wait_exit(a);
}

/* What the server wrote on standard error. */
static void read_log(const activated *a, char *buf, size_t size)
{
	FILE *f = fopen(a->log, "r");
	ck_assert_msg(f, "%s: %s", a->log, strerror(errno));
	size_t n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Removes what the test made in a->dir, and the directory. */
static void cleanup(activated *a)
{
	if (a->pid > 0) {
		kill(a->pid, SIGKILL);
		waitpid(a->pid, NULL, 0);
	}
	if (a->out >= 0)
		close(a->out);
	char path[160];
	const char *names[] = {"objmgr.sock", "objmgrd.log", "notify", "own.sock", "key"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		snprintf(path, sizeof path, "%s/%s", a->dir, names[i]);
		unlink(path);
	}
	ck_assert_msg(rmdir(a->dir) == 0, "rmdir %s: %s", a->dir, strerror(errno));
}

/* The "listening" addresses of server.info at address, joined by spaces, and its "socket" (or "nil"). */
static void info_addresses(const char *address, const om_options *opts, char *listening,
			   size_t size, char *socket, size_t socket_size)
{
	om_client *c = om_connect(address, opts);
	ck_assert_msg(c && om_connected(c), "connect %s: %s", address, c ? om_errmsg(c) : "");
	om_value info;
	ck_assert_int_eq(om_server_info(c, &info), OM_OK);
	const om_value *l = om_value_map_get(&info, "listening");
	ck_assert_msg(l && l->kind == OM_ARRAY, "server.info has no listening array");
	size_t n = 0;
	listening[0] = '\0';
	for (size_t i = 0; i < l->len; i++)
		n += (size_t)snprintf(listening + n, size - n, "%s%.*s", i ? " " : "",
				      (int)l->as.items[i].len, l->as.items[i].as.str);
	const om_value *s = om_value_map_get(&info, "socket");
	ck_assert_ptr_nonnull(s);
	if (s->kind == OM_STR)
		snprintf(socket, socket_size, "%.*s", (int)s->len, s->as.str);
	else
		snprintf(socket, socket_size, "nil");
	om_value_free(&info);
	om_close(c);
}

/* counter.add NAME 1 through a fresh client of address; the counter's new value. */
static int64_t count_once(const char *address, const om_options *opts, const char *name)
{
	om_client *c = om_connect(address, opts);
	ck_assert_msg(c && om_connected(c), "connect %s: %s", address, c ? om_errmsg(c) : "");
	om_counter *n = om_counter_open(c, name);
	int64_t v = 0;
	ck_assert_int_eq(om_counter_add_int(n, 1, &v), OM_OK);
	om_counter_close(n);
	om_close(c);
	return v;
}

START_TEST(test_passed_unix_socket_is_served_and_left_in_place)
{
	activated a;
	setup_dir(&a);
	int fd = listen_unix(a.socket);
	spawn(&a, fd, NULL, NULL);
	char line[256], want[256], listening[512], socket[256];
	read_line(&a, line, sizeof line);
	snprintf(want, sizeof want, "objmgrd: listening on %s", a.socket);
	ck_assert_str_eq(line, want);
	ck_assert_int_eq(count_once(a.socket, NULL, "hits"), 1);
	info_addresses(a.socket, NULL, listening, sizeof listening, socket, sizeof socket);
	ck_assert_str_eq(listening, a.socket);
	ck_assert_str_eq(socket, a.socket);
	ck_assert_int_eq(stop(&a), 0);

	/* systemd's socket file stays, and still listens: the next start serves it again. */
	struct stat st;
	ck_assert_msg(lstat(a.socket, &st) == 0 && S_ISSOCK(st.st_mode),
		      "objmgrd removed the socket systemd passed");
	spawn(&a, fd, NULL, NULL);
	read_line(&a, line, sizeof line);
	ck_assert_str_eq(line, want);
	ck_assert_int_eq(count_once(a.socket, NULL, "hits"), 1);
	ck_assert_int_eq(stop(&a), 0);
	close(fd);
	cleanup(&a);
}
END_TEST

/* The "starts on first use" case: a client connects and asks before the server runs. */
START_TEST(test_request_sent_before_the_server_started_is_answered)
{
	activated a;
	setup_dir(&a);
	int fd = listen_unix(a.socket);
	int client = connect_unix(a.socket);
	ck_assert_msg(client >= 0, "connect before the server: %s", strerror(errno));
	packet p;
	packet_init(&p);
	pack_request(&p.pk, 7, "server.ping", 0);
	harness_send_all(client, p.buf.data, p.buf.size);
	packet_free(&p);

	spawn(&a, fd, NULL, NULL);
	close(fd);
	/* [1, 7, nil, "pong"] */
	static const unsigned char want[] = {0x94, 0x01, 0x07, 0xc0, 0xa4, 'p', 'o', 'n', 'g'};
	unsigned char got[sizeof want];
	size_t n = 0;
	while (n < sizeof got) {
		struct pollfd pfd = {.fd = client, .events = POLLIN};
		ck_assert_msg(poll(&pfd, 1, (int)(WAIT_MS * harness_slowdown())) == 1,
			      "no reply to the request sent before the server started");
		ssize_t r = read(client, got + n, sizeof got - n);
		ck_assert_msg(r > 0, "the connection closed before the reply");
		n += (size_t)r;
	}
	ck_assert_mem_eq(got, want, sizeof want);
	close(client);
	ck_assert_int_eq(stop(&a), 0);
	cleanup(&a);
}
END_TEST

START_TEST(test_listen_pid_of_another_process_is_ignored)
{
	activated a;
	setup_dir(&a);
	int fd = listen_unix(a.socket);
	char own[160];
	snprintf(own, sizeof own, "%s/own.sock", a.dir);
	spawn(&a, fd, &(spawn_opts){.other_pid = true}, (const char *[]){"--socket", own, NULL});
	close(fd);
	char line[256], want[256], listening[512], socket[256];
	read_line(&a, line, sizeof line);
	snprintf(want, sizeof want, "objmgrd: listening on %s", own);
	ck_assert_str_eq(line, want);
	info_addresses(own, NULL, listening, sizeof listening, socket, sizeof socket);
	ck_assert_str_eq(listening, own);
	ck_assert_str_eq(socket, own);
	ck_assert_int_eq(stop(&a), 0);
	/* Its own socket it removes, as always. */
	ck_assert_int_eq(access(own, F_OK), -1);
	cleanup(&a);
}
END_TEST

/*
 * The peer checks are those of a socket the server binds: run as nobody with
 * --allow-uid naming someone else, it refuses the test (root). Only root
 * can start a server as another user: run as another, this case says so and
 * passes.
 */
START_TEST(test_allow_uid_applies_to_a_passed_socket)
{
	if (geteuid() != 0) {
		fprintf(stderr, "test_allow_uid_applies_to_a_passed_socket: not root, left out\n");
		return;
	}
	activated a;
	setup_dir(&a);
	int fd = listen_unix(a.socket);
	spawn(&a, fd, &(spawn_opts){.uid = NOBODY}, (const char *[]){"--allow-uid", "4242", NULL});
	close(fd);
	char line[256], want[256];
	read_line(&a, line, sizeof line);
	snprintf(want, sizeof want, "objmgrd: listening on %s", a.socket);
	ck_assert_str_eq(line, want);
	om_client *c = om_connect(a.socket, &(om_options){.timeout_s = 10, .server_uid = NOBODY});
	int rc = om_errcode(c) == OM_OK ? om_server_ping(c) : om_errcode(c);
	ck_assert_int_eq(rc, OM_AUTH_FAILED);
	snprintf(want, sizeof want, "uid 0 (pid %d) may not use this server", (int)getpid());
	ck_assert_msg(strstr(om_errmsg(c), want), "the error said: %s", om_errmsg(c));
	om_close(c);
	ck_assert_int_eq(stop(&a), 0);
	cleanup(&a);
}
END_TEST

/* Runs the server on a passed fd where it must refuse to start: its exit status and standard error. */
static int refused(activated *a, int fd, const char *const args[], char *err, size_t size)
{
	spawn(a, fd, NULL, args);
	int status = wait_exit(a);
	read_log(a, err, size);
	return status;
}

START_TEST(test_socket_options_beside_a_passed_socket_are_refused)
{
	activated a;
	setup_dir(&a);
	int fd = listen_unix(a.socket);
	char err[1024], own[160];
	snprintf(own, sizeof own, "%s/own.sock", a.dir);
	ck_assert_int_eq(refused(&a, fd, (const char *[]){"--socket", own, NULL}, err, sizeof err), 2);
	ck_assert_str_eq(err, "objmgrd: error: systemd passed 1 listening socket (LISTEN_FDS): "
			      "--socket and --listen cannot be given too; change ListenStream= in "
			      "the .socket unit\n");
	ck_assert_int_eq(refused(&a, fd, (const char *[]){"--listen", own, NULL}, err, sizeof err),
			 2);
	ck_assert_int_eq(refused(&a, fd, (const char *[]){"--socket-mode", "0660", NULL}, err,
				 sizeof err), 2);
	ck_assert_str_eq(err, "objmgrd: error: --socket-mode and --socket-group do not apply to the "
			      "sockets systemd passes: set SocketMode= and SocketGroup= in the "
			      ".socket unit\n");
	ck_assert_int_eq(access(own, F_OK), -1);
	close(fd);
	cleanup(&a);
}
END_TEST

START_TEST(test_passed_socket_that_does_not_listen_is_refused)
{
	activated a;
	setup_dir(&a);
	int pair[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
	char err[1024];
	ck_assert_int_eq(refused(&a, pair[0], NULL, err, sizeof err), 1);
	ck_assert_str_eq(err, "objmgrd: error: descriptor 3 from systemd is not a listening Unix or "
			      "TCP stream socket (ListenStream= in the .socket unit, without "
			      "Accept=yes)\n");
	close(pair[0]);
	close(pair[1]);
	cleanup(&a);
}
END_TEST

START_TEST(test_passed_tcp_socket_needs_an_authkey)
{
	activated a;
	setup_dir(&a);
	unsigned port;
	int fd = listen_tcp(&port);
	char err[1024];
	ck_assert_int_eq(refused(&a, fd, NULL, err, sizeof err), 2);
	ck_assert_str_eq(err, "objmgrd: error: systemd passed a TCP socket (descriptor 3): TCP needs "
			      "--authkey-file\n");

	/* With one, it serves TCP clients that know the key. */
	char key[160], line[256], want[256], address[64], listening[512], socket[256];
	snprintf(key, sizeof key, "%s/key", a.dir);
	static const char secret[] = "0123456789abcdef0123456789abcdef";
	FILE *f = fopen(key, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fchmod(fileno(f), 0600), 0);
	fputs(secret, f);
	fclose(f);
	spawn(&a, fd, NULL, (const char *[]){"--authkey-file", key, NULL});
	close(fd);
	snprintf(address, sizeof address, "tcp:127.0.0.1:%u", port);
	read_line(&a, line, sizeof line);
	snprintf(want, sizeof want, "objmgrd: listening on %s", address);
	ck_assert_str_eq(line, want);
	om_options opts = {.authkey = secret, .authkey_len = strlen(secret)};
	ck_assert_int_eq(count_once(address, &opts, "tcp"), 1);
	info_addresses(address, &opts, listening, sizeof listening, socket, sizeof socket);
	ck_assert_str_eq(listening, address);
	ck_assert_str_eq(socket, "nil");
	ck_assert_int_eq(stop(&a), 0);
	cleanup(&a);
}
END_TEST

/* Type=notify: once it listens, the server sends READY=1 to $NOTIFY_SOCKET. */
START_TEST(test_ready_is_notified)
{
	activated a;
	setup_dir(&a);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", a.notify);
	int notify = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(notify, 0);
	ck_assert_int_eq(bind(notify, (struct sockaddr *)&sa, sizeof sa), 0);
	int fd = listen_unix(a.socket);
	spawn(&a, fd, &(spawn_opts){.notify = true}, NULL);
	close(fd);
	struct pollfd pfd = {.fd = notify, .events = POLLIN};
	ck_assert_msg(poll(&pfd, 1, (int)(WAIT_MS * harness_slowdown())) == 1,
		      "no notification from objmgrd");
	char msg[64];
	ssize_t n = recv(notify, msg, sizeof msg - 1, 0);
	ck_assert_int_ge(n, 0);
	msg[n] = '\0';
	ck_assert_str_eq(msg, "READY=1");
	/* Only after it printed where it listens. */
	char line[256], want[256];
	read_line(&a, line, sizeof line);
	snprintf(want, sizeof want, "objmgrd: listening on %s", a.socket);
	ck_assert_str_eq(line, want);
	close(notify);
	ck_assert_int_eq(stop(&a), 0);
	cleanup(&a);
}
END_TEST

static Suite *activation_suite(void)
{
	Suite *s = suite_create("activation");
	TCase *tc = tcase_create("activation");
	tcase_set_timeout(tc, 60 * harness_slowdown());
	tcase_add_test(tc, test_passed_unix_socket_is_served_and_left_in_place);
	tcase_add_test(tc, test_request_sent_before_the_server_started_is_answered);
	tcase_add_test(tc, test_listen_pid_of_another_process_is_ignored);
	tcase_add_test(tc, test_socket_options_beside_a_passed_socket_are_refused);
	tcase_add_test(tc, test_passed_socket_that_does_not_listen_is_refused);
	tcase_add_test(tc, test_passed_tcp_socket_needs_an_authkey);
	tcase_add_test(tc, test_ready_is_notified);
	tcase_add_test(tc, test_allow_uid_applies_to_a_passed_socket);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(activation_suite());
}
