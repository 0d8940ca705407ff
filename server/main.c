/*
 * main.c — objmgrd's command line, start-up, signals and clean stop.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "dispatch.h"
#include "listener.h"
#include "log.h"
#include "server.h"
#include "value.h"

#define MIB ((size_t)1 << 20)

/* The longest --busy-poll, in microseconds: a second of spinning after each request. */
#define BUSY_POLL_MAX_US 1000000
#define STRINGIFY(x) #x
#define STR(x) STRINGIFY(x)

static const char help_text[] =
	"NAME\n"
	"    objmgrd - the objmgr shared-object server\n"
	"\n"
	"SYNOPSIS\n"
	"    objmgrd [--socket PATH] [--log-level LEVEL] [--max-message-size BYTES]\n"
	"            [--max-clients N] [--max-output BYTES] [--max-waiting N]\n"
	"            [--busy-poll USEC]\n"
	"    objmgrd --help | --version\n"
	"\n"
	"DESCRIPTION\n"
	"    objmgrd owns named shared objects (dicts, lists, counters, queues,\n"
	"    locks, events and other coordination objects) and serves them to any\n"
	"    number of programs over a Unix socket with msgpack-RPC (see\n"
	"    docs/protocol.md). One event loop in one thread serves every client,\n"
	"    so each operation is atomic. A call that must wait (a get from an\n"
	"    empty queue) is parked and answered later; nobody else waits for it.\n"
	"    What a client held (locks, permits) is released when it disconnects.\n"
	"\n"
	"    Once ready it prints \"objmgrd: listening on PATH\" on standard output.\n"
	"    It refuses to start when a live server holds the socket, and replaces\n"
	"    a stale socket file left by a server that died. SIGINT, SIGTERM and\n"
	"    the server.shutdown method stop it cleanly: replies already computed\n"
	"    are sent, the socket file is removed, and it exits 0.\n"
	"\n"
	"OPTIONS\n"
	"    -s, --socket PATH\n"
	"        Listen on PATH (\"unix:PATH\" works too) instead of the default.\n"
	"    -l, --log-level error|warn|info|debug\n"
	"        Log events of this level and above to standard error (default info).\n"
	"    --max-message-size BYTES\n"
	"        The largest message a client may send (default 64M). A client that\n"
	"        sends a larger one gets a server.error notification \"too_large\"\n"
	"        and is disconnected.\n"
	"    --max-clients N\n"
	"        The most connections open at once (default 1024). One more gets a\n"
	"        server.error notification \"limit\" and is disconnected.\n"
	"    --max-output BYTES\n"
	"        The unsent replies one client may accumulate (default 64M). Past it\n"
	"        the server stops reading that client's requests until its replies\n"
	"        drain below half; nothing is dropped.\n"
	"    --max-waiting N\n"
	"        The most calls one client may have waiting at once (default 65536),\n"
	"        e.g. pipelined gets on an empty queue. Until one ends, that client's\n"
	"        blocking calls are answered \"limit\" without running.\n"
	"    --busy-poll USEC\n"
	"        After each request, keep polling for the next one without sleeping\n"
	"        for up to USEC microseconds, 0 to " STR(BUSY_POLL_MAX_US) " (default 0: off). A\n"
	"        client that waits for each reply then finds the server's CPU awake:\n"
	"        on machines (VMs especially) where waking an idle CPU is slow,\n"
	"        this can double one client's round trips per second, e.g. with 50.\n"
	"        It costs a busy CPU while requests keep coming, and nothing once\n"
	"        they stop. Useful only when the clients run on other CPUs.\n"
	"    -h, --help\n"
	"        Print this help and exit.\n"
	"    -V, --version\n"
	"        Print the version and exit.\n"
	"    BYTES is a number with an optional suffix K, M or G (powers of 1024).\n"
	"\n"
	"ENVIRONMENT\n"
	"    OBJMGR_SOCKET\n"
	"        The socket path when --socket is not given.\n"
	"    XDG_RUNTIME_DIR\n"
	"        Otherwise the socket is $XDG_RUNTIME_DIR/objmgr.sock; without\n"
	"        either variable it is /tmp/objmgr-$UID/objmgr.sock, in a directory\n"
	"        created with mode 0700.\n"
	"\n"
	"EXIT STATUS\n"
	"    0   stopped cleanly, or --help or --version\n"
	"    1   could not start (socket held by a live server, unusable path, ...)\n"
	"    2   bad command line\n";

typedef struct options {
	const char *socket; /* NULL: the default */
	int log_level;
	server_limits limits;
	unsigned long busy_poll_us; /* 0: off */
} options;

enum {
	OPT_MAX_MESSAGE_SIZE = 256, OPT_MAX_CLIENTS, OPT_MAX_OUTPUT, OPT_MAX_WAITING, OPT_BUSY_POLL
};

/* A positive count; with units, an optional K, M or G suffix multiplies by 1024^n. */
static int parse_count(const char *arg, bool units, size_t *out)
{
	if (!isdigit((unsigned char)arg[0]))
		return -1;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(arg, &end, 10);
	unsigned shift = 0;
	if (units && *end) {
		const char *suffixes = "KMG";
		const char *u = strchr(suffixes, toupper((unsigned char)*end));
		if (!u)
			return -1;
		shift = 10 * (unsigned)(u - suffixes + 1);
		end++;
	}
	if (errno || *end || v == 0 || v > (SIZE_MAX >> shift))
		return -1;
	*out = (size_t)v << shift;
	return 0;
}

/* A number from 0 to max, digits only. */
static int parse_bounded(const char *arg, unsigned long max, unsigned long *out)
{
	if (!isdigit((unsigned char)arg[0]))
		return -1;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(arg, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = (unsigned long)v;
	return 0;
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "objmgrd: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'objmgrd --help'.\n");
	return 2;
}

/* Fills o from argv. Returns -1 to go on, else the exit status (--help, --version, errors). */
static int parse_options(int argc, char **argv, options *o)
{
	static const struct option longopts[] = {
		{"socket", required_argument, NULL, 's'},
		{"log-level", required_argument, NULL, 'l'},
		{"max-message-size", required_argument, NULL, OPT_MAX_MESSAGE_SIZE},
		{"max-clients", required_argument, NULL, OPT_MAX_CLIENTS},
		{"max-output", required_argument, NULL, OPT_MAX_OUTPUT},
		{"max-waiting", required_argument, NULL, OPT_MAX_WAITING},
		{"busy-poll", required_argument, NULL, OPT_BUSY_POLL},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int ch;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":s:l:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			o->socket = optarg;
			break;
		case 'l':
			if (log_parse_level(optarg, &o->log_level))
				return usage_error("unknown log level '%s'", optarg);
			break;
		case OPT_MAX_MESSAGE_SIZE:
			if (parse_count(optarg, true, &o->limits.max_message_size))
				return usage_error("--max-message-size: not a size: '%s'", optarg);
			break;
		case OPT_MAX_CLIENTS:
			if (parse_count(optarg, false, &o->limits.max_clients))
				return usage_error("--max-clients: not a positive number: '%s'", optarg);
			break;
		case OPT_MAX_OUTPUT:
			if (parse_count(optarg, true, &o->limits.max_output))
				return usage_error("--max-output: not a size: '%s'", optarg);
			break;
		case OPT_MAX_WAITING:
			if (parse_count(optarg, false, &o->limits.max_waiting))
				return usage_error("--max-waiting: not a positive number: '%s'", optarg);
			break;
		case OPT_BUSY_POLL:
			if (parse_bounded(optarg, BUSY_POLL_MAX_US, &o->busy_poll_us))
				return usage_error("--busy-poll: not a number of microseconds from 0 to "
						   STR(BUSY_POLL_MAX_US) ": '%s'", optarg);
			break;
		case 'h':
			fputs(help_text, stdout);
			return 0;
		case 'V':
			printf("objmgrd %s\n", OM_VERSION);
			return 0;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	return -1;
}

static void on_signal(uv_signal_t *h, int signum)
{
	log_info("got %s", strsignal(signum));
	server_stop(h->data);
}

static void watch_signal(server *s, uv_signal_t *h, int signum)
{
	uv_signal_init(s->loop, h);
	h->data = s;
	uv_signal_start(h, on_signal, signum);
}

/*
 * --busy-poll. A client that waits for each reply leaves the server's CPU
 * idle between requests, and waking an idle CPU can cost more than serving
 * the request (~20 µs in a KVM guest whose idle vCPUs halt). So for a while
 * after the last request an active idle handle makes every loop iteration
 * poll for I/O without blocking (libuv's poll timeout is 0 while an idle
 * handle is active); a check handle, run after every poll, notes new
 * requests and stops the idle handle once the window has passed, so the
 * loop blocks in epoll_wait again. Both handles are unreferenced: they never
 * keep the loop alive, so stopping works as without them.
 * (UV_RUN_NOWAIT in a loop around uv_run would do the same, but would need
 * its own copy of how UV_RUN_DEFAULT decides the loop is finished.)
 */
static struct busy_poll {
	uint64_t window_ns;   /* how long to keep polling after the last request */
	uint64_t ops_seen;    /* s->ops_total at the last check */
	uint64_t last_ops_ns; /* uv_hrtime() when requests were last seen to run */
	uv_check_t check;
	uv_idle_t idle;
} busy_poll;

/*
 * While active, the handle alone keeps the loop from blocking. It does not
 * sched_yield(): that helps a client on the server's CPU, but with any busy
 * process on that CPU the yielding server ran only now and then, and one
 * client's round trips fell from ~11k/s (no polling) to ~660/s.
 */
static void busy_poll_spin(uv_idle_t *h)
{
	(void)h;
}

/* After each poll for I/O: spin on when requests ran, stop once the window passed or a stop began. */
static void busy_poll_check(uv_check_t *h)
{
	server *s = h->data;
	bool spinning = uv_is_active((uv_handle_t *)&busy_poll.idle);
	if (s->stopping) {
		uv_idle_stop(&busy_poll.idle);
		return;
	}
	if (s->ops_total != busy_poll.ops_seen) {
		busy_poll.ops_seen = s->ops_total;
		busy_poll.last_ops_ns = uv_hrtime();
		if (!spinning)
			uv_idle_start(&busy_poll.idle, busy_poll_spin);
		return;
	}
	if (spinning && uv_hrtime() - busy_poll.last_ops_ns >= busy_poll.window_ns)
		uv_idle_stop(&busy_poll.idle);
}

static void busy_poll_start(server *s, unsigned long usec)
{
	if (usec == 0)
		return;
	busy_poll.window_ns = (uint64_t)usec * 1000;
	uv_idle_init(s->loop, &busy_poll.idle);
	uv_unref((uv_handle_t *)&busy_poll.idle);
	uv_check_init(s->loop, &busy_poll.check);
	busy_poll.check.data = s;
	uv_check_start(&busy_poll.check, busy_poll_check);
	uv_unref((uv_handle_t *)&busy_poll.check);
	log_debug("busy-polling for %lu µs after each request", usec);
}

/*
 * Releases the server and the loop. Every other handle is closed by now
 * (the loop runs until they are); the busy-poll handles never keep it
 * running, so close them here.
 */
static void finish(server *s)
{
	server_close_handle((uv_handle_t *)&busy_poll.check);
	server_close_handle((uv_handle_t *)&busy_poll.idle);
	server_free(s);
	int rc = uv_loop_close(s->loop);
	if (rc)
		log_error("the event loop did not close cleanly: %s", uv_strerror(rc));
}

int main(int argc, char **argv)
{
	options o = {
		.log_level = LOG_LEVEL_INFO,
		.limits = {.max_message_size = 64 * MIB, .max_clients = 1024, .max_output = 64 * MIB,
			   .max_waiting = 65536},
	};
	int status = parse_options(argc, argv, &o);
	if (status >= 0)
		return status;
	log_level = o.log_level;
	if (!dispatch_check_tables())
		return 1;

	char default_path[PATH_MAX];
	if (!o.socket) {
		if (address_default(default_path, sizeof default_path)) {
			log_error("the default socket path is too long; use --socket");
			return 1;
		}
		o.socket = default_path;
	}
	/* A client that hangs up must not kill the server with SIGPIPE: writes report EPIPE instead. */
	signal(SIGPIPE, SIG_IGN);

	static server s;
	value_hash_randomize();
	server_init(&s, uv_default_loop(), &o.limits);
	s.socket_path = address_path(o.socket);
	if (listener_start(&s)) {
		finish(&s);
		return 1;
	}
	watch_signal(&s, &s.sigint, SIGINT);
	watch_signal(&s, &s.sigterm, SIGTERM);
	s.busy_poll_us = o.busy_poll_us;
	busy_poll_start(&s, o.busy_poll_us);
	s.started_ms = uv_now(s.loop);
	printf("objmgrd: listening on %s\n", s.socket_path);
	fflush(stdout);

	uv_run(s.loop, UV_RUN_DEFAULT);
	finish(&s);
	log_info("stopped");
	return 0;
}
