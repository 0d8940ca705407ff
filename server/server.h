/*
 * server.h — the state of one objmgrd process, shared by its modules.
 *
 * Everything runs on one libuv loop in one thread: no field needs a lock,
 * and every operation is atomic with respect to every other.
 */
#ifndef OBJMGRD_SERVER_H
#define OBJMGRD_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <msgpack.h>
#include <uv.h>

#include "access.h"
#include "codec.h"
#include "poll.h"
#include "registry.h"

/* How deeply arrays and maps may nest inside one parameter. */
#define SERVER_MAX_DEPTH 24

typedef struct server_limits {
	size_t max_message_size; /* bytes of one incoming message */
	size_t max_clients;      /* open connections */
	size_t max_output;       /* unsent reply bytes per connection before reading pauses */
	size_t max_output_hard;  /* unsent reply bytes past which a client is disconnected */
	size_t max_waiting;      /* parked calls per connection */
	size_t max_memory;       /* heap bytes past which growing writes are refused, 0: off */
	uint64_t idle_timeout_ms;    /* a connection silent this long is closed, 0: off */
	uint64_t message_timeout_ms; /* a message unfinished this long closes it, 0: off */
} server_limits;

typedef struct conn conn;

/* The most TCP listening sockets: --listen tcp:... addresses, and each address a name resolves to. */
#define SERVER_TCP_MAX 8
/* The most listening sockets: the Unix socket and the TCP ones. */
#define SERVER_LISTENERS_MAX (1 + SERVER_TCP_MAX)
/* A listener's address as it is logged and reported: "tcp:[::1]:6000" or a path. */
#define SERVER_ADDRESS_MAX 128

/* A stream over a Unix socket or over TCP (conn.c, listener.c). */
typedef union stream_handle {
	uv_handle_t handle;
	uv_stream_t stream;
	uv_pipe_t pipe;
	uv_tcp_t tcp;
} stream_handle;

typedef struct server {
	uv_loop_t *loop;
	server_limits limits;
	poller poll;           /* polling after each batch (poll.h; its own) */
	server_access access;  /* the socket file's mode, who may connect */
	const struct authkey *authkey; /* --authkey-file; NULL: no handshake (auth.h) */
	uv_timer_t refuse_timer; /* answers wrong proofs once their delay passed (conn.c) */
	size_t nrefused;       /* connections waiting for that */
	const char *socket_path; /* the Unix socket to listen on (or systemd's first), NULL: none */
	const char *tcp[SERVER_TCP_MAX]; /* --listen tcp:HOST:PORT addresses, as given */
	size_t ntcp;
	/*
	 * Listening (listener.c): the Unix socket, if any, first; or the
	 * sockets systemd passed, in its order (activation.h).
	 */
	stream_handle listeners[SERVER_LISTENERS_MAX];
	char listener_names[SERVER_LISTENERS_MAX][SERVER_ADDRESS_MAX];
	size_t nlisteners;
	stream_handle refused; /* a connection there was no memory for, closing (conn.c) */
	bool refusing;         /* refused is in use */
	uint32_t refuse_next;  /* bit i: a connection on listeners[i] waits for refused to close */
	uv_signal_t sigint, sigterm;
	uv_timer_t stop_timer; /* closes the connections once a stop begins */
	uv_timer_t sweep_timer; /* closes timed-out connections (conn_sweep_start()) */
	registry objects;
	struct journal *journal; /* --data-dir's journal (journal.h), NULL: memory only */
	conn *conns;           /* every open connection, most recent first */
	size_t nconns;
	uint64_t next_conn_id;
	uint64_t ops_total;    /* requests and notifications executed */
	struct method_stats *stats; /* per method: calls and time (stats.h) */
	uint64_t call_clock;   /* uv_hrtime() at the end of the last call (dispatch.h) */
	uint64_t started_ms;   /* uv_now() at start-up */
	bool stopping;
	/* Blocking calls (wait.c): */
	struct wait_obj *dirty, *dirty_last; /* those whose parked calls must run again, in order */
	size_t nparked;        /* parked calls, on every object */
	uint64_t parked_runs;  /* runs of parked calls' handlers: wake-ups and timeouts */
	struct parked *spare_parked;      /* reserved for the next call to park (wait_reserve()) */
	struct wait_obj *spare_wait[2];   /* and for its object and what it opens */
	conn *ready;           /* connections with replies of parked calls to send */
	conn *held;            /* connections with output waiting for the journal (conn.c) */
	/* Connections that used up their turn with messages left, served by `resume` (conn.c): */
	conn *deferred, *deferred_last;
	uv_idle_t resume;      /* active while any is deferred; initialised when first needed */
	size_t turn_accepts;   /* connections accepted since accepting last yielded */
	uint32_t accept_deferred; /* bit i: one on listeners[i] waits for accepting's next turn (conn.c) */
	bool waking;           /* wait_wake() is running */
	/* Versions and notifications (watch.c): */
	uint64_t revision;     /* changes since start-up: the last version given to an object */
	char run_id[33];       /* 32 hex digits, random at start-up: versions count within one run */
	struct watcher *watchers; /* connections that watch or monitor */
	size_t nmonitors;      /* of which monitor */
	msgpack_sbuffer notes; /* notifications being packed, and those held (watch_hold()) */
	codec_out notes_out;   /* what notes_pk writes into */
	msgpack_packer notes_pk;
	bool holding;          /* inside an atomic batch: notifications wait */
	struct held_note *held_notes;
	size_t nheld, held_cap;
	uint64_t batches;      /* server.batch calls run (batch.c) */
	/* The shared-memory carriers (shm.c): */
	struct shm_carrier *shm_carriers; /* every open one */
	bool shm_awake;        /* their server_sleeping flags are 0: the loop polls the rings */
	uint64_t shm_doorbells; /* wake-ups by a client's eventfd, for server.info */
	/* The params of the call running, for objects.create's and objects.delete's notifications. */
	const msgpack_object_array *call_params;
} server;

/* Closes h unless it was never initialised or is closing already. */
static inline void server_close_handle(uv_handle_t *h)
{
	if (h->loop && !uv_is_closing(h))
		uv_close(h, NULL);
}

/*
 * Sets up s, zeroed, to serve on loop with limits: an empty registry, no
 * connections, no listener (listener.h starts one). s->socket_path is the
 * caller's to set.
 */
void server_init(server *s, uv_loop_t *loop, const server_limits *limits);

/*
 * Releases what server_init() set up, once every connection is closed:
 * closes the stop timer, runs the loop until its closing handles are done,
 * and destroys the objects. The loop itself stays the caller's.
 */
void server_free(server *s);

/*
 * Begins a clean stop: accepts no more connections and reads no more
 * requests; each connection is closed once its replies are sent (or after
 * a grace period), then the loop ends.
 */
void server_stop(server *s);

#endif
