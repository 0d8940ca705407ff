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

#include <stddef.h>
#include <sys/types.h>

typedef struct harness_server {
	pid_t pid;
	char dir[256];
	char socket[512];
} harness_server;

/*
 * Starts $OBJMGRD (env var set by meson) on a socket in a fresh mkdtemp
 * dir, extra argv NULL-terminated after s; waits (polling connect, up to
 * 10 s) until it accepts. ck_abort on failure.
 */
void harness_start(harness_server *s, ...);

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

/*
 * The factor timing bounds in tests are multiplied by: $OBJMGR_TEST_SLOWDOWN
 * (scripts/test sets it for the sanitizer build), at least 1; 1 when unset.
 */
double harness_slowdown(void);

/* Fails, saying how, when the server died (it is then reaped and s->pid is 0). */
void harness_assert_running(harness_server *s);

/* The resident memory of process pid (VmRSS in /proc/PID/status), in KiB. */
long harness_rss_kib(pid_t pid);

/* Writes all n bytes to a socket, through short writes and signals; fails on an error. */
void harness_send_all(int fd, const void *data, size_t n);

/*
 * Reads fd until the server closes it (end of stream or a reset), keeping
 * the first size bytes in buf and dropping the rest; returns how many it
 * kept. Fails when the connection is still open after ms milliseconds.
 */
size_t harness_read_to_eof(int fd, void *buf, size_t size, int ms);

#endif
