/* harness.c — starting, reaching and stopping a real objmgrd for tests. */
#include "harness.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS 10000
#define POLL_MS 10
#define MAX_ARGS 32

harness_server harness_srv;

void harness_fixture_start(void)
{
	harness_start(&harness_srv, NULL);
}

void harness_fixture_stop(void)
{
	harness_stop(&harness_srv);
}

void harness_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

double harness_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A connected socket to path, or -1. */
static int try_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sa.sun_path)
		return -1;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

/*
 * In the child: dies with the test process, and lets a sanitizer build's
 * malloc return NULL for the huge sizes hostile msgpack headers ask for, as
 * production malloc does, instead of aborting the server.
 */
static void child_exec(const char *bin, char *const argv[], pid_t parent,
		       const harness_options *o, const char *log)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	if (o && o->nofile) {
		struct rlimit rl = {(rlim_t)o->nofile, (rlim_t)o->nofile};
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			_exit(127);
	}
	if (o && o->address_space) {
		struct rlimit rl = {(rlim_t)o->address_space, (rlim_t)o->address_space};
		if (setrlimit(RLIMIT_AS, &rl) < 0)
			_exit(127);
	}
	if (o && o->uid && (setgroups(0, NULL) < 0 || setgid(o->gid) < 0 || setuid(o->uid) < 0))
		_exit(127);
	if (o && o->capture_log) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || dup2(fd, STDERR_FILENO) < 0)
			_exit(127);
	}
	const char *asan = getenv("ASAN_OPTIONS");
	char opts[1024];
	snprintf(opts, sizeof opts, "%s%sallocator_may_return_null=1", asan ? asan : "",
		 asan && *asan ? ":" : "");
	setenv("ASAN_OPTIONS", opts, 1);
	execv(bin, argv);
	fprintf(stderr, "harness: cannot run %s: %s\n", bin, strerror(errno));
	_exit(127);
}

static void start_v(harness_server *s, const harness_options *o, va_list ap)
{
	const char *bin = getenv("OBJMGRD");
	ck_assert_msg(bin && *bin, "OBJMGRD is not set (meson test sets it)");
	memset(s, 0, sizeof *s);
	strcpy(s->dir, "/tmp/objmgr-test-XXXXXX");
	ck_assert_msg(mkdtemp(s->dir), "mkdtemp: %s", strerror(errno));
	snprintf(s->socket, sizeof s->socket, "%s/objmgr.sock", s->dir);
	if (o && o->capture_log)
		snprintf(s->log, sizeof s->log, "%s/objmgrd.log", s->dir);
	if (o && o->uid)
		ck_assert_msg(chown(s->dir, o->uid, o->gid) == 0, "chown %s: %s", s->dir, strerror(errno));

	char *argv[MAX_ARGS + 4];
	size_t n = 0;
	argv[n++] = (char *)bin;
	argv[n++] = "--socket";
	argv[n++] = s->socket;
	for (char *a; (a = va_arg(ap, char *));) {
		ck_assert_msg(n < MAX_ARGS + 3, "harness_start: too many arguments");
		argv[n++] = a;
	}
	argv[n] = NULL;

	pid_t parent = getpid();
	s->pid = fork();
	ck_assert_msg(s->pid >= 0, "fork: %s", strerror(errno));
	if (s->pid == 0)
		child_exec(bin, argv, parent, o, s->log);

	for (int waited = 0; waited < WAIT_MS; waited += POLL_MS) {
		int fd = try_connect(s->socket);
		if (fd >= 0) {
			close(fd);
			return;
		}
		int status;
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = 0;
			if (*s->log)
				unlink(s->log);
			rmdir(s->dir);
			ck_abort_msg("objmgrd exited (status 0x%x) before accepting connections", status);
		}
		harness_sleep_ms(POLL_MS);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	s->pid = 0;
	if (*s->log)
		unlink(s->log);
	rmdir(s->dir);
	ck_abort_msg("objmgrd did not accept connections on %s within %d ms", s->socket, WAIT_MS);
}

void harness_start(harness_server *s, ...)
{
	va_list ap;
	va_start(ap, s);
	start_v(s, NULL, ap);
	va_end(ap);
}

void harness_start_with(harness_server *s, const harness_options *o, ...)
{
	va_list ap;
	va_start(ap, o);
	start_v(s, o, ap);
	va_end(ap);
}

bool harness_log_wait(const harness_server *s, const char *text)
{
	ck_assert_msg(*s->log, "harness_log_wait: the server was started without capture_log");
	for (int waited = 0; waited < WAIT_MS; waited += POLL_MS) {
		FILE *f = fopen(s->log, "r");
		char line[1024];
		bool found = false;
		while (f && !found && fgets(line, sizeof line, f))
			found = strstr(line, text) != NULL;
		if (f)
			fclose(f);
		if (found)
			return true;
		harness_sleep_ms(POLL_MS);
	}
	return false;
}

/* The server's exit status (128 + signal when killed); kills it when it does not exit within WAIT_MS. */
static int reap(harness_server *s)
{
	int status;
	for (int waited = 0; waited < WAIT_MS; waited += POLL_MS) {
		pid_t r = waitpid(s->pid, &status, WNOHANG);
		if (r < 0 && errno == ECHILD)
			ck_abort_msg("objmgrd (pid %d) was started by another process: stop it from "
				     "the process (fixture) that started it", (int)s->pid);
		if (r == s->pid) {
			s->pid = 0;
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		}
		harness_sleep_ms(POLL_MS);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	s->pid = 0;
	ck_abort_msg("objmgrd did not exit within %d ms", WAIT_MS);
	return -1;
}

int harness_wait(harness_server *s)
{
	ck_assert_msg(s->pid > 0, "harness_wait: no server running");
	return reap(s);
}

void harness_stop(harness_server *s)
{
	int code = 0;
	if (s->pid > 0) {
		ck_assert_int_eq(kill(s->pid, SIGTERM), 0);
		code = reap(s);
	}
	bool socket_left = access(s->socket, F_OK) == 0;
	unlink(s->socket);
	if (*s->log)
		unlink(s->log);
	int rc = rmdir(s->dir);
	ck_assert_msg(code == 0, "objmgrd exited with status %d", code);
	ck_assert_msg(!socket_left, "objmgrd left its socket %s behind", s->socket);
	ck_assert_msg(rc == 0, "rmdir %s: %s", s->dir, strerror(errno));
}

int harness_connect_raw(const harness_server *s)
{
	int fd = try_connect(s->socket);
	ck_assert_msg(fd >= 0, "connect %s: %s", s->socket, strerror(errno));
	return fd;
}

double harness_slowdown(void)
{
	const char *s = getenv("OBJMGR_TEST_SLOWDOWN");
	double f = s && *s ? strtod(s, NULL) : 1;
	return f >= 1 ? f : 1;
}

void harness_assert_running(harness_server *s)
{
	int status;
	ck_assert_msg(s->pid > 0, "harness_assert_running: no server running");
	pid_t r = waitpid(s->pid, &status, WNOHANG);
	ck_assert_msg(r >= 0, "waitpid: %s", strerror(errno));
	if (r == s->pid) {
		s->pid = 0;
		if (WIFSIGNALED(status))
			ck_abort_msg("objmgrd died of signal %d (%s)", WTERMSIG(status),
				     strsignal(WTERMSIG(status)));
		ck_abort_msg("objmgrd exited with status %d", WEXITSTATUS(status));
	}
}

long harness_rss_kib(pid_t pid)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	long kib = -1;
	while (kib < 0 && fgets(line, sizeof line, f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			kib = strtol(line + 6, NULL, 10);
	fclose(f);
	ck_assert_msg(kib >= 0, "%s has no VmRSS line", path);
	return kib;
}

void harness_send_all(int fd, const void *data, size_t n)
{
	const char *p = data;
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		ck_assert_msg(w > 0, "send: %s", strerror(errno));
		p += w;
		n -= (size_t)w;
	}
}

size_t harness_read_to_eof(int fd, void *buf, size_t size, int ms)
{
	char *p = buf;
	size_t got = 0;
	double end = harness_now_s() + ms / 1000.0;
	for (;;) {
		int left = (int)((end - harness_now_s()) * 1000);
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		int r = poll(&pf, 1, left > 0 ? left : 0);
		if (r < 0 && errno == EINTR)
			continue;
		ck_assert_msg(r == 1, "the server kept the connection open for %d ms", ms);
		char scratch[4096];
		bool full = got == size;
		ssize_t n = read(fd, full ? scratch : p + got, full ? sizeof scratch : size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return got;
		ck_assert_msg(n > 0, "read: %s", strerror(errno));
		if (!full)
			got += (size_t)n;
	}
}
