/*
 * withlock.c — `objmgr with-lock NAME [-w TIMEOUT] -- CMD ARGS...` and
 * with-semaphore: flock(1) across programs and hosts. objmgr acquires on
 * its connection, runs the command as a child, waits for it, releases,
 * and exits with the command's status.
 *
 * The server holds the lock for the connection, not for the command: the
 * command inherits no socket (libobjmgr's is close-on-exec), and if objmgr
 * dies the server gives the lock back while the command may still run. So
 * objmgr stays until the command ends: SIGINT, SIGTERM, SIGHUP and SIGQUIT
 * sent to it are passed on to the command, which decides; those the
 * terminal sends to the whole foreground job reach the command already
 * and are not sent twice. Only SIGKILL parts them (and then the server
 * releases, as for any closed connection).
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "mem.h"

const char with_lock_manual[] =
	"NAME\n"
	"    objmgr with-lock, with-semaphore - run a command holding a lock or a\n"
	"    semaphore's permit\n"
	"\n"
	"SYNOPSIS\n"
	"    objmgr [OPTIONS] with-lock NAME [-w TIMEOUT] -- CMD ARGS...\n"
	"    objmgr [OPTIONS] with-semaphore NAME [-w TIMEOUT] -- CMD ARGS...\n"
	"\n"
	"DESCRIPTION\n"
	"    Acquires the lock NAME (lock.acquire) or a permit of the semaphore NAME\n"
	"    (semaphore.acquire), runs CMD with ARGS (searched in PATH) with objmgr's\n"
	"    standard input, output and error, waits for it to end, releases, and\n"
	"    exits with CMD's status: flock(1) for programs that share a server.\n"
	"    A missing NAME is made by the acquire, with the type's defaults (a\n"
	"    semaphore of value 1: objects.create NAME semaphore {\"value\": N} first\n"
	"    for more). Without -w objmgr waits as long as it takes; with -w it gives\n"
	"    up after TIMEOUT seconds (0: do not wait) and exits with 5.\n"
	"\n"
	"    The server holds the lock for objmgr's connection: when objmgr ends,\n"
	"    however it ends (SIGKILL too), the server releases it. So objmgr stays\n"
	"    until CMD ends: SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to objmgr are\n"
	"    passed on to CMD (unlike flock(1), whose lock CMD inherits); Ctrl-C at\n"
	"    a terminal reaches CMD itself, once. CMD inherits no connection to the\n"
	"    server. The -- ends objmgr's words: what follows is CMD's, --help too.\n"
	"\n"
	"EXIT STATUS\n"
	"    CMD's status, or 128+N when signal N ended it\n"
	"    2    the server could not be reached, or the connection was lost\n"
	"    4    the server refused (NAME is another type's object)\n"
	"    5    not obtained within -w TIMEOUT\n"
	"    64   a wrong command line\n"
	"    126  CMD cannot be run; 127 CMD is not found\n"
	"    When the release fails after CMD ran (the connection was lost), the\n"
	"    error is printed and the status is CMD's when not 0, else 2 or 4.\n"
	"\n"
	"EXAMPLES\n"
	"    objmgr with-lock deploy -- ./deploy.sh production\n"
	"    objmgr with-lock nightly -w 0 -- make backup || echo \"already running\"\n"
	"    objmgr objects.create gpus semaphore '{\"value\": 2}'\n"
	"    objmgr with-semaphore gpus -- python train.py\n";

/* The child while it runs, for forward(); 0 when none (pid_t is an int on Linux). */
static volatile sig_atomic_t child;

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
enum { NFORWARDED = sizeof forwarded / sizeof forwarded[0] };

/* Passes a signal on to the child, unless the terminal sent it, to the child as well. */
static void forward(int sig, siginfo_t *si, void *context)
{
	(void)context;
	if (si->si_code != SI_KERNEL && child > 0)
		kill((pid_t)child, sig);
}

/* NAME [-w TIMEOUT] [--] CMD...: *timeout -1 for none, *first CMD's index; CLI_USAGE, printed. */
static int parse(cli *c, char *const *argv, size_t argc, double *timeout, size_t *first)
{
	size_t i = 2;
	*timeout = -1;
	while (i < argc && strcmp(argv[i], "-w") == 0) {
		char *end;
		double t = i + 1 < argc ? strtod(argv[i + 1], &end) : -1;
		if (i + 1 == argc || end == argv[i + 1] || *end || !isfinite(t) || t < 0)
			return cli_usage(c, OM_BAD_PARAMS, "%s: -w takes a number of seconds, 0 or more",
					 argv[0]);
		*timeout = t;
		i += 2;
	}
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i == argc)
		return cli_usage(c, OM_BAD_PARAMS, "usage: %s NAME [-w SEC] -- CMD...", argv[0]);
	*first = i;
	return CLI_OK;
}

/*
 * Runs argv[0..argc) as a child with the forwarded signals passed on, and
 * waits for it: its exit status, 128+N for signal N, 126/127 when it could
 * not be run (said by the child), CLI_FAILED when it could not start.
 */
static int run_child(cli *c, const char *what, char *const *argv, size_t argc)
{
	char **args = xcalloc(argc + 1, sizeof *args);
	memcpy(args, argv, argc * sizeof *args);
	sigset_t block, old;
	sigemptyset(&block);
	for (int i = 0; i < NFORWARDED; i++)
		sigaddset(&block, forwarded[i]);
	/* Blocked until child is set: a signal before that is forwarded after, not lost. */
	sigprocmask(SIG_BLOCK, &block, &old);
	struct sigaction sa = {.sa_sigaction = forward, .sa_flags = SA_SIGINFO | SA_RESTART}, saved[NFORWARDED];
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < NFORWARDED; i++)
		sigaction(forwarded[i], &sa, &saved[i]);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0) {
		for (int i = 0; i < NFORWARDED; i++)
			sigaction(forwarded[i], &saved[i], NULL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		execvp(args[0], args);
		int e = errno;
		fprintf(stderr, "objmgr: %s: %s: %s\n", what, args[0], strerror(e));
		_exit(e == ENOENT ? 127 : 126);
	}
	int status = CLI_FAILED, e = errno;
	if (pid > 0) {
		child = pid;
		sigprocmask(SIG_SETMASK, &old, NULL);
		int ws;
		while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
			;
		status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
		sigprocmask(SIG_BLOCK, &block, NULL);
		child = 0;
	} else {
		cli_fail(c, OM_UNKNOWN_ERROR, "%s: cannot start %s: %s", what, args[0], strerror(e));
	}
	for (int i = 0; i < NFORWARDED; i++)
		sigaction(forwarded[i], &saved[i], NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(args);
	return status;
}

/* with-lock and with-semaphore, for type "lock" or "semaphore". */
static int with(cli *c, const char *type, char *const *argv, size_t argc)
{
	double timeout;
	size_t first = 0;
	int rc = parse(c, argv, argc, &timeout, &first);
	if (rc != CLI_OK)
		return rc;
	char acquire[32], release[32];
	snprintf(acquire, sizeof acquire, "%s.acquire", type);
	snprintf(release, sizeof release, "%s.release", type);
	om_value params[] = {om_str(argv[1]), om_float(timeout)}, got;
	rc = cli_call(c, acquire, params, timeout < 0 ? 1 : 2, &got);
	if (rc != CLI_OK)
		return rc;
	bool held = got.kind == OM_BOOL && got.as.b;
	om_value_free(&got);
	if (!held) {
		cli_fail(c, OM_TIMEOUT, "%s: %s '%s' was not obtained within %g s", argv[0], type,
			 argv[1], timeout);
		return CLI_TIMEOUT;
	}
	int status = run_child(c, argv[0], argv + first, argc - first);
	rc = cli_call(c, release, params, 1, NULL);
	return status != CLI_OK || rc == CLI_OK ? status : rc;
}

int with_lock_run(cli *c, char *const *argv, size_t argc)
{
	return with(c, "lock", argv, argc);
}

int with_semaphore_run(cli *c, char *const *argv, size_t argc)
{
	return with(c, "semaphore", argv, argc);
}
