/*
 * poll.h — polling for the next request instead of sleeping, after each
 * batch of requests, while it pays off (types/payoff.h has the rule).
 *
 * A client that waits for each reply leaves the server's CPU idle between
 * requests, and waking an idle CPU can cost more than serving the request
 * (~20 µs in a KVM guest whose idle vCPUs halt). So after a batch the loop
 * may keep polling for I/O without blocking for a window: an active idle
 * handle makes libuv poll with a timeout of 0, and a check handle, run
 * after every poll, sees whether requests ran (ops_total moved) and ends
 * the window as caught, or as missed once it has passed. Both handles are
 * unreferenced: they never keep the loop alive.
 *
 * Three modes: POLL_AUTO (the default) opens a window after a batch only
 * while payoff.h says windows pay off, and tells a stolen window by the
 * loop thread's involuntary context switches (in the windows
 * payoff_watch() names); POLL_FIXED (--busy-poll USEC) opens one after
 * every batch; POLL_OFF (--busy-poll 0) never.
 * Either way a window opens only after a batch, so a server that receives
 * nothing polls for at most one window after the last request and then
 * sleeps in epoll_wait: an idle server uses no CPU, and its counters stop.
 *
 * The poller belongs to this module; others ask it through these functions.
 */
#ifndef OBJMGRD_POLL_H
#define OBJMGRD_POLL_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "om_value.h"
#include "payoff.h"

/* --busy-poll auto's window, in microseconds. */
#define POLL_AUTO_US 50
/* The longest --busy-poll, in microseconds: a second of spinning after each batch. */
#define POLL_MAX_US 1000000

typedef enum poll_mode { POLL_OFF, POLL_AUTO, POLL_FIXED } poll_mode;

struct server;

typedef struct poller {
	poll_mode mode;
	uint64_t window_ns;
	payoff rule;             /* POLL_AUTO's */
	uv_idle_t idle;          /* active while a window is open: the loop does not block */
	uv_check_t check;
	void (*spin)(struct server *s); /* the other carrier's (poll_set_carrier()), or NULL */
	bool (*rest)(struct server *s);
	bool open;               /* a window is open */
	bool watched;            /* and it is watched for preemption (payoff_watch()) */
	uint64_t opened_ns;      /* uv_hrtime() when it opened */
	uint64_t spun_ns;        /* uv_hrtime() on the last turn before this poll */
	uint64_t ops_seen;       /* s->ops_total at the last check */
	uint64_t preempted_seen; /* payoff_preemptions() when the last watched window opened or closed */
	bool preempted_fresh;    /* and that was in this very check: no need to read it again */
	/* Counters, for server.info: */
	uint64_t windows;        /* opened */
	uint64_t caught;         /* ended by a request (paid off) */
	uint64_t stolen;         /* POLL_AUTO: ended with the thread preempted meanwhile */
	uint64_t ns;             /* spent polling in them */
} poller;

/*
 * Sets up s's poller in mode, with windows of usec microseconds (POLL_FIXED;
 * POLL_AUTO takes POLL_AUTO_US). Handles are made only when mode is not
 * POLL_OFF; poll_close() closes them.
 */
void poll_start(struct server *s, poll_mode mode, unsigned long usec);
void poll_close(struct server *s);

/*
 * Has a carrier other than the sockets (shared-memory rings, which no
 * epoll sees) follow the windows: spin(s) runs on each turn of the loop
 * while a window is open, before its poll for I/O, and looks for requests
 * there (what it runs moves ops_total, which ends the window as caught, as
 * a socket's request does); rest(s) runs whenever the loop may sleep
 * next (no window open after a check), so that the carrier's peers know
 * they must wake it, and returns true when it found work all the same:
 * the loop then turns once more without sleeping. In POLL_OFF neither
 * runs: the carrier stays as it starts, asleep.
 */
void poll_set_carrier(struct server *s, void (*spin)(struct server *s),
		      bool (*rest)(struct server *s));

/* The window after a batch in microseconds (POLL_OFF: 0), as server.info's config.busy_poll_us. */
unsigned long poll_window_us(const struct server *s);

/*
 * Into *out server.info's "polling" map (owned): mode, window_us, next,
 * windows, caught, stolen, usec and doorbells (docs/protocol.md). False, with *out
 * nil, when out of memory.
 */
bool poll_info(const struct server *s, om_value *out);

#endif
