/*
 * harness.h — a real objmgrd for integration tests.
 *
 * Each server runs on its own socket in a fresh temporary directory and
 * dies with the process that started it (PR_SET_PDEATHSIG), so a failing
 * Check test (forked by default) never leaves a server behind.
 *
 * Only the process that called harness_start() can reap the server, so
 * call harness_stop() and harness_wait() from that same process: a checked
 * fixture and its tests (one server per test), or an unchecked fixture
 * alone (one server per test case, which its tests must not stop).
 */
#ifndef OBJMGR_TEST_HARNESS_H
#define OBJMGR_TEST_HARNESS_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct harness_server {
	pid_t pid;
	char dir[256];
	char socket[512];
	char log[512]; /* the server's standard error, with harness_options.capture_log */
} harness_server;

/* How harness_start_with() runs the server. */
typedef struct harness_options {
	long nofile;      /* its RLIMIT_NOFILE (soft and hard), 0: the test's own */
	bool capture_log; /* its standard error goes to s->log, for harness_log_wait() */
	/*
	 * Its RLIMIT_AS in bytes, 0: the test's own; its allocations fail once
	 * it holds about that much.
	 */
	size_t address_space;
} harness_options;

/*
 * Starts $OBJMGRD (env var set by meson) on a socket in a fresh mkdtemp
 * dir, extra argv NULL-terminated after s; waits (polling connect, up to
 * 10 s) until it accepts. ck_abort on failure.
 */
void harness_start(harness_server *s, ...);
/* harness_start() with options (o may be NULL). */
void harness_start_with(harness_server *s, const harness_options *o, ...);

/*
 * Waits (up to 10 s) until the log of a server started with capture_log
 * has a line containing text; false if it never does.
 */
bool harness_log_wait(const harness_server *s, const char *text);


/*
 * SIGTERM, waitpid, checks it exited 0 and removed its socket, removes the
 * socket dir. After harness_wait() only the socket and dir steps remain.
 */
void harness_stop(harness_server *s);

/*
 * Waits (up to 10 s) for the server to exit by itself, e.g. after
 * server.shutdown, and returns its exit status (128 + the signal number when
 * a signal killed it). Sets s->pid to 0.
 */
int harness_wait(harness_server *s);

/* A blocking stream connection to s's socket, for raw wire tests. ck_abort on failure. */
int harness_connect_raw(const harness_server *s);

/*
 * The server most suites run beside: harness_fixture_start() starts it
 * with no extra options and harness_fixture_stop() stops it, ready to pass
 * to tcase_add_checked_fixture() or tcase_add_unchecked_fixture().
 */
extern harness_server harness_srv;
void harness_fixture_start(void);
void harness_fixture_stop(void);

/* Sleeps ms milliseconds, through signals. */
void harness_sleep_ms(long ms);
/* Seconds on CLOCK_MONOTONIC, for measuring waits. */
double harness_now_s(void);

#endif
