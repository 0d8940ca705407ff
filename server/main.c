/*
 * main.c — objmgrd's command line, start-up, signals and clean stop.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "activation.h"
#include "address.h"
#include "authkey.h"
#include "dispatch.h"
#include "journal.h"
#include "listener.h"
#include "log.h"
#include "memory.h"
#include "server.h"
#include "tcp.h"
#include "value.h"

#define MIB ((size_t)1 << 20)

/*
 * Descriptors kept for everything but clients: the standard streams, the
 * listener, libuv's own (epoll, signal pipe, wake-up, accept reserve), and
 * room for a refused client to be told why before it is closed.
 */
#define FD_RESERVE 32

/* The longest timeout an option takes, in seconds (a day). */
#define TIMEOUT_MAX_S 86400
/* --message-timeout's default, in seconds. */
#define MESSAGE_TIMEOUT_S 30

/* Compaction's defaults: when the journals reach the snapshot's size (Redis's 100 %), and 64 MiB. */
#define COMPACT_FACTOR 1
#define COMPACT_MIN_MIB 64

#define STRINGIFY(x) #x
#define STR(x) STRINGIFY(x)

/* The help (and objmgrd(1)) says how many sockets systemd may pass. */
_Static_assert(SERVER_LISTENERS_MAX == 9, "objmgrd --help: up to 9 sockets from systemd");

static const char help_text[] =
	"NAME\n"
	"    objmgrd - the objmgr shared-object server\n"
	"\n"
	"SYNOPSIS\n"
	"    objmgrd [--socket PATH] [--listen ADDRESS]... [--log-level LEVEL]\n"
	"            [--max-message-size BYTES]\n"
	"            [--max-clients N] [--max-output BYTES] [--max-output-hard BYTES]\n"
	"            [--max-waiting N] [--max-memory BYTES] [--idle-timeout SEC]\n"
	"            [--message-timeout SEC] [--busy-poll auto|USEC] [--socket-mode MODE]\n"
	"            [--socket-group GROUP] [--allow-uid USER]... [--authkey-file FILE]\n"
	"            [--data-dir DIR [--fsync always|everysec|no] [--repair]\n"
	"             [--compact-factor N] [--compact-min BYTES]]\n"
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
	"SOCKET ACTIVATION\n"
	"    Started by systemd with sockets of its own (LISTEN_FDS and LISTEN_PID,\n"
	"    sd_listen_fds(3); objmgrd.socket), it serves those: Unix and TCP\n"
	"    listening stream sockets, up to 9. A client that connected before\n"
	"    it started is served once it runs. It leaves their files in place when\n"
	"    it stops, for systemd to start it again on the next connection.\n"
	"    --socket, --listen, --socket-mode and --socket-group are refused beside\n"
	"    them (the .socket unit says where and with which mode); a TCP one needs\n"
	"    --authkey-file; --allow-uid applies as always. Once listening it tells\n"
	"    systemd READY=1 when $NOTIFY_SOCKET is set (Type=notify).\n"
	"\n"
	"OPTIONS\n"
	"    -s, --socket PATH\n"
	"        Listen on PATH (\"unix:PATH\" works too) instead of the default.\n"
	"        The socket's directory must belong to the server's user and be\n"
	"        writable by no one else (not /tmp itself): whoever can write there\n"
	"        could replace the socket with their own.\n"
	"    --listen ADDRESS\n"
	"        Listen on ADDRESS: tcp:HOST:PORT (tcp:localhost:6000, tcp:0.0.0.0:6000,\n"
	"        tcp:[::1]:6000; every address HOST resolves to; port 0 picks one),\n"
	"        or unix:PATH / a path, as --socket. Repeat it for more, up to\n"
	"        " STR(SERVER_TCP_MAX) " TCP sockets. With --listen and no Unix address among them and\n"
	"        no --socket, the server has no Unix socket. TCP needs\n"
	"        --authkey-file: its clients have no user the kernel can name, so only\n"
	"        the key tells who may connect. TCP is authenticated, not encrypted:\n"
	"        cross an untrusted network through an SSH tunnel (docs/guide.md).\n"
	"        A TCP peer that vanishes is dropped within " STR(TCP_KEEPALIVE_S) " s (keepalive), and\n"
	"        what it held is released.\n"
	"    --socket-mode MODE\n"
	"        The socket file's permissions, in octal (default 0600: the server's\n"
	"        user only). 0660 with --socket-group opens the server to a group;\n"
	"        its members need to be able to enter the directory too.\n"
	"    --socket-group GROUP\n"
	"        Give the socket file this group (a name or a number).\n"
	"    --allow-uid USER\n"
	"        Only this user (a name or a uid; repeat for more, up to " STR(ACCESS_UIDS_MAX) ") and\n"
	"        the server's own may connect: the kernel tells the server who each\n"
	"        client is. Others get a server.error \"auth_failed\" and are\n"
	"        disconnected before any request runs. Without it, anyone who can\n"
	"        open the socket file may connect.\n"
	"    --authkey-file FILE\n"
	"        Clients must prove they know the key in FILE (its bytes, at least\n"
	"        16; head -c 32 /dev/urandom > FILE makes one) before anything they\n"
	"        send runs, and the server proves it knows it too (docs/protocol.md,\n"
	"        Authentication). FILE must be yours (or root's) and closed to group\n"
	"        and others (chmod 600), as ssh wants of a private key. A wrong\n"
	"        proof is answered \"auth_failed\" after 0.1 s and disconnected; a\n"
	"        client that has not authenticated within 5 s is disconnected.\n"
	"    -l, --log-level error|warn|info|debug\n"
	"        Log events of this level and above to standard error (default info).\n"
	"    --max-message-size BYTES\n"
	"        The largest message a client may send (default 64M). A client that\n"
	"        sends a larger one, or a header declaring more items or bytes than\n"
	"        fit, gets a server.error notification \"too_large\" and is\n"
	"        disconnected. Decoding a message takes up to 24 bytes per item.\n"
	"    --max-clients N\n"
	"        The most connections open at once (default 1024). One more gets a\n"
	"        server.error notification \"limit\" and is disconnected. At start-up\n"
	"        the descriptor limit (RLIMIT_NOFILE) is raised to fit N clients and\n"
	"        " STR(FD_RESERVE) " more descriptors, as far as its hard limit allows; if that is\n"
	"        not enough, N is lowered to fit, and the log says so.\n"
	"    --max-output BYTES\n"
	"        The unsent replies one client may accumulate (default 64M). Past it\n"
	"        the server stops reading that client's requests until its replies\n"
	"        drain below half; nothing is dropped.\n"
	"    --max-output-hard BYTES\n"
	"        The unsent replies past which a client is disconnected (default\n"
	"        twice --max-output). Replies of its waiting calls that complete\n"
	"        still pile up while the server is not reading it: a client that\n"
	"        never reads them is closed once they pass this, with a log line.\n"
	"    --max-waiting N\n"
	"        The most calls one client may have waiting at once (default 65536),\n"
	"        e.g. pipelined gets on an empty queue. Until one ends, that client's\n"
	"        blocking calls are answered \"limit\" without running.\n"
	"    --max-memory BYTES\n"
	"        The memory the server may use (default 0: no limit), as server.info\n"
	"        reports it in used_memory, connection buffers included. Over it,\n"
	"        writes that store values or create objects (dict.set, list.append,\n"
	"        queue.put, counter.add, objects.create, ...) are answered \"limit\";\n"
	"        reads, deletes, pops, gets, locks and server calls still work, so\n"
	"        clients can free memory. Memory is measured about once a\n"
	"        millisecond, so writes may pass the limit by what they add in that\n"
	"        time, and by the size of one request.\n"
	"    --idle-timeout SEC\n"
	"        Close a connection that sends nothing and takes no replies for SEC\n"
	"        seconds (default 0: never), after a server.error \"timeout\". A\n"
	"        client with calls waiting, or that has used a lock, semaphore,\n"
	"        condition or barrier, is never idle. SEC may have a fraction.\n"
	"    --message-timeout SEC\n"
	"        Close a connection whose message is still unfinished SEC seconds\n"
	"        after its first bytes arrived (default " STR(MESSAGE_TIMEOUT_S) ", 0: never), after a\n"
	"        server.error \"timeout\": a client cannot hold the server's memory\n"
	"        by sending a message a byte at a time.\n"
	"    --busy-poll auto|USEC\n"
	"        After a batch of requests, keep polling for the next one without\n"
	"        sleeping for a while. A client that waits for each reply then finds\n"
	"        the server's CPU awake: on machines (VMs especially) where waking an\n"
	"        idle CPU is slow, one client's round trips per second can double or\n"
	"        triple. auto (the default) polls for up to " STR(POLL_AUTO_US) " µs, and only while\n"
	"        that pays off: while recent windows caught a request and the server\n"
	"        was not preempted in them. When windows catch nothing (an idle\n"
	"        server, a client that thinks longer) or the server is preempted (a\n"
	"        client on the server's CPU, which spinning would starve), it sleeps\n"
	"        again and tries a window less and less often (every 1, 2, 4, ... up\n"
	"        to " STR(PAYOFF_BACKOFF_MAX) " batches). USEC, 1 to " STR(POLL_MAX_US) ", polls for up to USEC µs after\n"
	"        every batch, whatever it catches; 0 never polls. Either way the\n"
	"        server polls only after a request, so once requests stop it sleeps\n"
	"        within a window. server.info's \"polling\" reports what it did.\n"
	"    --data-dir DIR\n"
	"        Keep the objects in DIR (made 0700, parents too, if missing), so that\n"
	"        they survive a restart, a crash or, with --fsync always, a power\n"
	"        cut. Start-up loads DIR's snapshot and replays its journal; then\n"
	"        every call that changed something is appended to the journal\n"
	"        before its reply leaves. Locks, permits and waiting calls belong to\n"
	"        connections and do not survive: after a restart locks are free.\n"
	"        Without it, objects live in memory only. One server at a time may\n"
	"        use DIR. See docs/guide.md, \"Keeping state\".\n"
	"    --fsync always|everysec|no\n"
	"        When the journal is flushed to the disk (default everysec). always:\n"
	"        before any reply that depends on it (one fdatasync covers every\n"
	"        call of a loop iteration), so a power cut loses nothing answered.\n"
	"        everysec: once a second, so a power cut loses about the last second.\n"
	"        no: when the kernel likes. A crash of objmgrd alone loses nothing\n"
	"        answered in any mode.\n"
	"    --repair\n"
	"        Start even when a journal is damaged before its end (a bad checksum\n"
	"        no crash explains): keep the records before the damage, move the\n"
	"        rest to FILE.damaged. Without it the server refuses to start and\n"
	"        says where the damage is. A write cut short at the very end (a\n"
	"        crash) is dropped with a warning either way.\n"
	"    --compact-factor N\n"
	"        Write a new snapshot, and start the journal over, once the journals\n"
	"        since the last snapshot are N times its size (default " STR(COMPACT_FACTOR) ", 0: as\n"
	"        soon as --compact-min is reached) ...\n"
	"    --compact-min BYTES\n"
	"        ... and at least BYTES (default " STR(COMPACT_MIN_MIB) "M). The snapshot is written\n"
	"        by a forked process; the server stops only for the fork. server.save\n"
	"        writes one at any time.\n"
	"    -h, --help\n"
	"        Print this help and exit.\n"
	"    -V, --version\n"
	"        Print the version and exit.\n"
	"    BYTES is a number with an optional suffix K, M or G (powers of 1024).\n"
	"\n"
	"ENVIRONMENT\n"
	"    OBJMGR_SOCKET\n"
	"        The address when neither --socket nor --listen is given: a path,\n"
	"        or tcp:HOST:PORT (which needs --authkey-file).\n"
	"    XDG_RUNTIME_DIR\n"
	"        Otherwise the socket is $XDG_RUNTIME_DIR/objmgr.sock; without\n"
	"        either variable it is /tmp/objmgr-$UID/objmgr.sock, in a directory\n"
	"        created with mode 0700.\n"
	"    LISTEN_FDS, LISTEN_PID, NOTIFY_SOCKET\n"
	"        Set by systemd: see SOCKET ACTIVATION.\n"
	"\n"
	"EXIT STATUS\n"
	"    0   stopped cleanly, or --help or --version\n"
	"    1   could not start (socket held by a live server, unusable path or\n"
	"        directory, data directory in use by another server, read-only or\n"
	"        damaged, ...)\n"
	"    2   bad command line, or options that systemd's sockets exclude\n";

typedef struct options {
	const char *socket; /* NULL: the default */
	int log_level;
	server_limits limits;
	poll_mode poll;           /* --busy-poll: auto (default), a fixed window, or off */
	unsigned long busy_poll_us; /* POLL_FIXED's window */
	server_access access;
	bool socket_mode_given;
	const char *authkey_file; /* NULL: no handshake */
	const char *tcp[SERVER_TCP_MAX]; /* --listen tcp:... */
	size_t ntcp;
	bool listen_given;        /* --listen was given: no default Unix socket */
	journal_config journal;   /* --data-dir and the options that go with it */
	bool fsync_given;
} options;

enum {
	OPT_MAX_MESSAGE_SIZE = 256, OPT_MAX_CLIENTS, OPT_MAX_OUTPUT, OPT_MAX_OUTPUT_HARD,
	OPT_MAX_WAITING, OPT_MAX_MEMORY, OPT_IDLE_TIMEOUT, OPT_MESSAGE_TIMEOUT, OPT_BUSY_POLL,
	OPT_SOCKET_MODE, OPT_SOCKET_GROUP, OPT_ALLOW_UID, OPT_AUTHKEY_FILE, OPT_LISTEN,
	OPT_DATA_DIR, OPT_FSYNC, OPT_REPAIR, OPT_COMPACT_FACTOR, OPT_COMPACT_MIN
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

/* Seconds from 0 to TIMEOUT_MAX_S, with an optional fraction, into whole milliseconds. */
static int parse_seconds(const char *arg, uint64_t *ms)
{
	if (!isdigit((unsigned char)arg[0]))
		return -1;
	errno = 0;
	char *end;
	double v = strtod(arg, &end);
	if (errno || *end || !(v >= 0 && v <= TIMEOUT_MAX_S))
		return -1;
	*ms = (uint64_t)(v * 1000 + 0.5);
	if (v > 0 && *ms == 0)
		*ms = 1;
	return 0;
}

/* A number from 0 to 1000, with an optional fraction. */
static int parse_factor(const char *arg, double *out)
{
	if (!isdigit((unsigned char)arg[0]))
		return -1;
	errno = 0;
	char *end;
	double v = strtod(arg, &end);
	if (errno || *end || !(v >= 0 && v <= 1000))
		return -1;
	*out = v;
	return 0;
}

/* Permission bits in octal, at most 0777. */
static int parse_mode(const char *arg, unsigned *out)
{
	if (!isdigit((unsigned char)arg[0]))
		return -1;
	errno = 0;
	char *end;
	unsigned long v = strtoul(arg, &end, 8);
	if (errno || *end || v > 0777)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* A group by name, or by number. */
static int parse_group(const char *arg, gid_t *out)
{
	struct group *g = getgrnam(arg);
	unsigned long v;
	if (g)
		*out = g->gr_gid;
	else if (parse_bounded(arg, UINT32_MAX - 1, &v) == 0)
		*out = (gid_t)v;
	else
		return -1;
	return 0;
}

/* A user by name, or by number. */
static int parse_user(const char *arg, uid_t *out)
{
	struct passwd *pw = getpwnam(arg);
	unsigned long v;
	if (pw)
		*out = pw->pw_uid;
	else if (parse_bounded(arg, UINT32_MAX - 1, &v) == 0)
		*out = (uid_t)v;
	else
		return -1;
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
		{"max-output-hard", required_argument, NULL, OPT_MAX_OUTPUT_HARD},
		{"max-waiting", required_argument, NULL, OPT_MAX_WAITING},
		{"max-memory", required_argument, NULL, OPT_MAX_MEMORY},
		{"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
		{"message-timeout", required_argument, NULL, OPT_MESSAGE_TIMEOUT},
		{"busy-poll", required_argument, NULL, OPT_BUSY_POLL},
		{"socket-mode", required_argument, NULL, OPT_SOCKET_MODE},
		{"socket-group", required_argument, NULL, OPT_SOCKET_GROUP},
		{"allow-uid", required_argument, NULL, OPT_ALLOW_UID},
		{"authkey-file", required_argument, NULL, OPT_AUTHKEY_FILE},
		{"listen", required_argument, NULL, OPT_LISTEN},
		{"data-dir", required_argument, NULL, OPT_DATA_DIR},
		{"fsync", required_argument, NULL, OPT_FSYNC},
		{"repair", no_argument, NULL, OPT_REPAIR},
		{"compact-factor", required_argument, NULL, OPT_COMPACT_FACTOR},
		{"compact-min", required_argument, NULL, OPT_COMPACT_MIN},
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
		case OPT_MAX_OUTPUT_HARD:
			if (parse_count(optarg, true, &o->limits.max_output_hard))
				return usage_error("--max-output-hard: not a size: '%s'", optarg);
			break;
		case OPT_MAX_MEMORY:
			if (strcmp(optarg, "0") != 0 &&
			    parse_count(optarg, true, &o->limits.max_memory))
				return usage_error("--max-memory: not a size: '%s'", optarg);
			break;
		case OPT_IDLE_TIMEOUT:
			if (parse_seconds(optarg, &o->limits.idle_timeout_ms))
				return usage_error("--idle-timeout: not a number of seconds from 0 to "
						   STR(TIMEOUT_MAX_S) ": '%s'", optarg);
			break;
		case OPT_MESSAGE_TIMEOUT:
			if (parse_seconds(optarg, &o->limits.message_timeout_ms))
				return usage_error("--message-timeout: not a number of seconds from 0 "
						   "to " STR(TIMEOUT_MAX_S) ": '%s'", optarg);
			break;
		case OPT_MAX_WAITING:
			if (parse_count(optarg, false, &o->limits.max_waiting))
				return usage_error("--max-waiting: not a positive number: '%s'", optarg);
			break;
		case OPT_BUSY_POLL:
			if (strcmp(optarg, "auto") == 0) {
				o->poll = POLL_AUTO;
				break;
			}
			if (parse_bounded(optarg, POLL_MAX_US, &o->busy_poll_us))
				return usage_error("--busy-poll: not auto or a number of microseconds "
						   "from 0 to " STR(POLL_MAX_US) ": '%s'", optarg);
			o->poll = o->busy_poll_us ? POLL_FIXED : POLL_OFF;
			break;
		case OPT_SOCKET_MODE:
			if (parse_mode(optarg, &o->access.socket_mode))
				return usage_error("--socket-mode: not permissions in octal, 0 to 0777: "
						   "'%s'", optarg);
			o->socket_mode_given = true;
			break;
		case OPT_SOCKET_GROUP:
			if (parse_group(optarg, &o->access.socket_group))
				return usage_error("--socket-group: no such group: '%s'", optarg);
			o->access.set_group = true;
			break;
		case OPT_ALLOW_UID:
			if (o->access.nallow == ACCESS_UIDS_MAX)
				return usage_error("--allow-uid: more than %s users",
						   STR(ACCESS_UIDS_MAX));
			if (parse_user(optarg, &o->access.allow[o->access.nallow]))
				return usage_error("--allow-uid: no such user: '%s'", optarg);
			o->access.nallow++;
			break;
		case OPT_AUTHKEY_FILE:
			o->authkey_file = optarg;
			break;
		case OPT_LISTEN:
			o->listen_given = true;
			if (!tcp_is_address(optarg)) {
				if (o->socket)
					return usage_error("one Unix socket at most: '%s'", optarg);
				o->socket = optarg;
				break;
			}
			if (o->ntcp == SERVER_TCP_MAX)
				return usage_error("--listen: more than %s TCP addresses",
						   STR(SERVER_TCP_MAX));
			char host[TCP_HOST_MAX], port[TCP_PORT_MAX];
			if (!tcp_parse(optarg, host, port))
				return usage_error("--listen: not tcp:HOST:PORT (tcp:[IPv6]:PORT for an "
						   "IPv6 address): '%s'", optarg);
			o->tcp[o->ntcp++] = optarg;
			break;
		case OPT_DATA_DIR:
			o->journal.dir = optarg;
			break;
		case OPT_FSYNC:
			o->fsync_given = true;
			if (strcmp(optarg, "always") == 0)
				o->journal.fsync = JOURNAL_ALWAYS;
			else if (strcmp(optarg, "everysec") == 0)
				o->journal.fsync = JOURNAL_EVERYSEC;
			else if (strcmp(optarg, "no") == 0)
				o->journal.fsync = JOURNAL_NO;
			else
				return usage_error("--fsync: not always, everysec or no: '%s'", optarg);
			break;
		case OPT_REPAIR:
			o->journal.repair = true;
			break;
		case OPT_COMPACT_FACTOR:
			if (parse_factor(optarg, &o->journal.compact_factor))
				return usage_error("--compact-factor: not a number from 0 to 1000: '%s'",
						   optarg);
			break;
		case OPT_COMPACT_MIN:
			if (parse_count(optarg, true, &o->journal.compact_min))
				return usage_error("--compact-min: not a size: '%s'", optarg);
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
	if (!o->journal.dir && (o->journal.repair || o->fsync_given))
		return usage_error("%s needs --data-dir", o->journal.repair ? "--repair" : "--fsync");
	if (o->ntcp && !o->authkey_file)
		return usage_error("--listen %s needs --authkey-file: a TCP client has no user the "
				   "kernel can name, so only a key can tell who may connect", o->tcp[0]);
	if (!o->limits.max_output_hard)
		o->limits.max_output_hard = o->limits.max_output > SIZE_MAX / 2 ? SIZE_MAX
										 : 2 * o->limits.max_output;
	if (o->limits.max_output_hard < o->limits.max_output) {
		fprintf(stderr, "objmgrd: --max-output-hard (%zu) is below --max-output (%zu)\n"
			"Try 'objmgrd --help'.\n", o->limits.max_output_hard, o->limits.max_output);
		return 2;
	}
	return -1;
}

/*
 * The options that name or shape the sockets are systemd's business when
 * it passes them: refuses them (exit status 2, as a usage error) rather
 * than guess which socket the user meant. A TCP socket needs the authkey
 * as --listen's do. -1 to go on.
 */
static int check_activated(const options *o, const activation *a)
{
	if (o->socket || o->listen_given) {
		log_error("systemd passed %d listening socket%s (LISTEN_FDS): --socket and --listen "
			  "cannot be given too; change ListenStream= in the .socket unit", a->n,
			  a->n == 1 ? "" : "s");
		return 2;
	}
	if (o->socket_mode_given || o->access.set_group) {
		log_error("--socket-mode and --socket-group do not apply to the sockets systemd "
			  "passes: set SocketMode= and SocketGroup= in the .socket unit");
		return 2;
	}
	for (int i = 0; i < a->n; i++)
		if (a->tcp[i] && !o->authkey_file) {
			log_error("systemd passed a TCP socket (descriptor %d): TCP needs "
				  "--authkey-file", ACTIVATION_FD_START + i);
			return 2;
		}
	return -1;
}

/*
 * Makes room for max_clients connections in the descriptor limit: raises
 * the soft limit as far as they need, up to the hard limit, and lowers
 * max_clients to what fits when that is not enough (as Redis does). Beyond
 * the limit, accepting fails with EMFILE, and libuv then accepts and
 * closes the pending clients to keep going: they would vanish without a
 * word, where a client past max_clients is told "limit".
 */
static int fit_descriptors(server_limits *l)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
		log_warn("cannot read the descriptor limit: %s", strerror(errno));
		return 0;
	}
	rlim_t want = (rlim_t)l->max_clients + FD_RESERVE;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		struct rlimit raised = rl;
		raised.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want ? rl.rlim_max : want;
		if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
			rl = raised;
		else
			log_warn("cannot raise the descriptor limit to %llu: %s",
				 (unsigned long long)raised.rlim_cur, strerror(errno));
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
		return 0;
	if (rl.rlim_cur <= FD_RESERVE) {
		log_error("the descriptor limit (RLIMIT_NOFILE %llu) leaves no room for clients: "
			  "the server needs %d besides them", (unsigned long long)rl.rlim_cur,
			  FD_RESERVE);
		return -1;
	}
	l->max_clients = (size_t)(rl.rlim_cur - FD_RESERVE);
	log_warn("max clients lowered to %zu because of the descriptor limit "
		 "(RLIMIT_NOFILE %llu, hard limit %llu)", l->max_clients,
		 (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
	return 0;
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
 * Releases the server and the loop. After a run every other handle is
 * closed by now (the loop runs until they are); the polling handles
 * never keep it running, and the signal handles are still open when the
 * listener failed to start, so close them here.
 */
static void finish(server *s)
{
	server_close_handle((uv_handle_t *)&s->sigint);
	server_close_handle((uv_handle_t *)&s->sigterm);
	poll_close(s);
	journal_close(s);
	server_free(s);
	int rc = uv_loop_close(s->loop);
	if (rc)
		log_error("the event loop did not close cleanly: %s", uv_strerror(rc));
}

int main(int argc, char **argv)
{
	options o = {
		.log_level = LOG_LEVEL_INFO,
		.poll = POLL_AUTO,
		.access = {.socket_mode = ACCESS_SOCKET_MODE},
		.limits = {.max_message_size = 64 * MIB, .max_clients = 1024, .max_output = 64 * MIB,
			   .max_waiting = 65536, .message_timeout_ms = MESSAGE_TIMEOUT_S * 1000},
		.journal = {.fsync = JOURNAL_EVERYSEC, .compact_factor = COMPACT_FACTOR,
			    .compact_min = COMPACT_MIN_MIB * MIB},
	};
	int status = parse_options(argc, argv, &o);
	if (status >= 0)
		return status;
	log_level = o.log_level;
	if (!dispatch_check_tables() || fit_descriptors(&o.limits))
		return 1;

	activation act;
	if (activation_get(&act))
		return 1;
	if (act.n && (status = check_activated(&o, &act)) >= 0)
		return status;

	char default_path[PATH_MAX];
	if (!act.n && !o.socket && !o.listen_given) {
		if (address_default(default_path, sizeof default_path)) {
			log_error("the default socket path is too long; use --socket");
			return 1;
		}
		o.socket = default_path;
		/* $OBJMGR_SOCKET may name a TCP address, for the clients' sake and ours. */
		if (tcp_is_address(default_path)) {
			o.socket = NULL;
			o.tcp[o.ntcp++] = default_path;
			if (!o.authkey_file) {
				log_error("$OBJMGR_SOCKET is %s: TCP needs --authkey-file", default_path);
				return 2;
			}
		}
	}
	/* A client that hangs up must not kill the server with SIGPIPE: writes report EPIPE instead. */
	signal(SIGPIPE, SIG_IGN);
	/* A file size limit reached by the journal is a write error it reports, not a crash. */
	signal(SIGXFSZ, SIG_IGN);

	static server s;
	static authkey key;
	if (o.authkey_file) {
		char why[AUTHKEY_WHY_MAX];
		if (authkey_load(&key, o.authkey_file, why)) {
			log_error("%s", why);
			return 1;
		}
	}
	value_hash_randomize();
	memory_keep_freed();
	server_init(&s, uv_default_loop(), &o.limits);
	s.access = o.access;
	if (o.authkey_file) {
		s.authkey = &key;
		log_info("clients must authenticate with the authkey of %s", o.authkey_file);
	}
	s.socket_path = o.socket ? address_path(o.socket) : NULL;
	memcpy(s.tcp, o.tcp, sizeof o.tcp);
	s.ntcp = o.ntcp;
	if (journal_open(&s, &o.journal)) {
		finish(&s);
		return 1;
	}
	/*
	 * Signals first: a client (a test) may connect, and so send SIGTERM,
	 * as soon as the socket listens.
	 */
	watch_signal(&s, &s.sigint, SIGINT);
	watch_signal(&s, &s.sigterm, SIGTERM);
	if (act.n ? activation_listen(&s, &act) : listener_start(&s)) {
		listener_stop(&s);
		finish(&s);
		return 1;
	}
	poll_start(&s, o.poll, o.busy_poll_us);
	s.started_ms = uv_now(s.loop);
	for (size_t i = 0; i < s.nlisteners; i++)
		printf("objmgrd: listening on %s\n", s.listener_names[i]);
	fflush(stdout);
	activation_ready();

	uv_run(s.loop, UV_RUN_DEFAULT);
	finish(&s);
	authkey_wipe(&key);
	log_info("stopped");
	return 0;
}
