/*
 * cli-run.c — objmgr as a child process, its three standard streams
 * through pipes, or left running with its output in files (cli-run.h).
 */
#include "cli-run.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *cli_path(void)
{
	const char *p = getenv("OBJMGR_CLI");
	ck_assert_msg(p && *p, "OBJMGR_CLI is not set (meson test sets it)");
	return p;
}

void run_free(run *r)
{
	free(r->out);
	free(r->err);
}

/* Appends what fd has to a buffer; false at end of file. */
static bool drain(int fd, FILE *to)
{
	char buf[4096];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) < 0 && errno == EINTR)
		;
	ck_assert_msg(n >= 0, "read: %s", strerror(errno));
	fwrite(buf, 1, (size_t)n, to);
	return n > 0;
}

/* All three pipes go through one poll loop, so that no pipe can fill up and stall the other side. */
run run_argv(const char *input, char **argv)
{
	int in[2], out[2], err[2];
	ck_assert(pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0 &&
		  pipe2(err, O_CLOEXEC) == 0);
	argv[0] = (char *)cli_path();
	pid_t parent = getpid();
	pid_t pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);

	run r = {0};
	size_t outlen, errlen, left = input ? strlen(input) : 0;
	FILE *o = open_memstream(&r.out, &outlen), *e = open_memstream(&r.err, &errlen);
	struct pollfd p[3] = {{.fd = out[0], .events = POLLIN}, {.fd = err[0], .events = POLLIN},
			      {.fd = left ? in[1] : -1, .events = POLLOUT}};
	if (!left)
		close(in[1]);
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		int rc = poll(p, 3, 30000);
		ck_assert_msg(rc > 0, "objmgr %s ...: no output within 30 s", argv[1] ? argv[1] : "");
		for (int i = 0; i < 2; i++)
			if (p[i].fd >= 0 && p[i].revents && !drain(p[i].fd, i ? e : o)) {
				close(p[i].fd);
				p[i].fd = -1;
			}
		if (p[2].fd >= 0 && p[2].revents) {
			ssize_t n = write(in[1], input, left);
			if (n > 0) {
				input += n;
				left -= (size_t)n;
			}
			if (n < 0 || left == 0) {
				close(in[1]);
				p[2].fd = -1;
			}
		}
	}
	if (p[2].fd >= 0)
		close(in[1]);
	fclose(o);
	fclose(e);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return r;
}

void cli_argv(char **argv, const char *socket, va_list ap)
{
	size_t n = 0;
	argv[n++] = NULL;
	argv[n++] = "-s";
	argv[n++] = (char *)socket;
	for (char *a; (a = va_arg(ap, char *));) {
		ck_assert(n < CLI_ARGV_MAX - 1);
		argv[n++] = a;
	}
	argv[n] = NULL;
}

run run_on(const char *socket, const char *input, ...)
{
	char *argv[CLI_ARGV_MAX];
	va_list ap;
	va_start(ap, input);
	cli_argv(argv, socket, ap);
	va_end(ap);
	return run_argv(input, argv);
}

pid_t run_spawn(char **argv, const char *out, const char *err)
{
	argv[0] = (char *)cli_path();
	pid_t parent = getpid();
	pid_t pid = fork();
	ck_assert(pid >= 0);
	if (pid > 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	int in = open("/dev/null", O_RDONLY);
	int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (getppid() != parent || in < 0 || o < 0 || e < 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 ||
	    dup2(e, 2) < 0)
		_exit(127);
	execv(argv[0], argv);
	_exit(127);
}
