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
#include <stddef.h>
#include <sys/types.h>

/*
 * 1 when this test is built with AddressSanitizer: the server then is too
 * (the same build dir), its memory is not what RSS shows (freed memory is
 * kept in quarantine) and RLIMIT_AS cannot bound it (shadow mappings).
 */
#if defined(__SANITIZE_ADDRESS__)
#define HARNESS_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HARNESS_UNDER_ASAN 1
#endif
#endif
#ifndef HARNESS_UNDER_ASAN
#define HARNESS_UNDER_ASAN 0
#endif

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
	/*
	 * The user and group it runs as (the test must be root), given its
	 * socket directory; 0: the test's own.
	 */
	uid_t uid;
	gid_t gid;
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
