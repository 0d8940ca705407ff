/*
 * payoff.h — when polling for the next message pays off: the rule objmgrd
 * (server/poll.c) and libobjmgr (proxy/call.c) share.
 *
 * After a message is handled, a peer that answers at once (a client on
 * another CPU waiting for each reply) finds the poller awake if it polls
 * for a short window instead of sleeping: waking a sleeping CPU can cost
 * more than the work. Polling is worth its CPU only while windows catch
 * something. A window ends one of three ways:
 *
 *  - CAUGHT: a message came within it;
 *  - MISSED: it passed with nothing (an idle peer, or one that thinks for
 *    longer than the window);
 *  - STOLEN: the poller was preempted since the last window ended: another
 *    thread wants this CPU, perhaps the very peer it waits for (a client
 *    on the server's CPU, which can only send once the poller stops).
 *
 * The rule keeps a credit of windows: a catch adds one (up to PAYOFF_CREDIT_MAX),
 * a miss takes one, a steal takes all. While there is credit, every
 * message is followed by a window. Once it runs out, the poller sleeps
 * after the next `backoff` messages and then tries one window; a catch
 * there earns a credit of one and polling resumes, a miss or a steal
 * doubles backoff (up to PAYOFF_BACKOFF_MAX). backoff falls back to 1 only
 * once the credit is full again, so a peer that catches now and then does
 * not make polling flap (hysteresis): polling goes on while more than half
 * the windows catch, and costs at most one window in PAYOFF_BACKOFF_MAX
 * messages when none do. Nothing here starts a window on its own: a poller
 * that receives nothing polls at most one window after the last message.
 *
 * Telling a stolen window takes two system calls (payoff_preemptions()),
 * as much as a round trip's own on some machines, so the caller watches
 * only the windows payoff_watch() names: every trial window, and one in
 * PAYOFF_WATCH_EVERY others. A poller that shares its CPU is told within
 * that many windows, and then every trial is watched.
 *
 * Pure but for payoff_preemptions(): no clock, no I/O; the caller times
 * the windows.
 */
#ifndef OBJMGR_PAYOFF_H
#define OBJMGR_PAYOFF_H

#include <stdbool.h>
#include <stdint.h>

/* The most credit: misses in a row, from full, before polling stops. */
#define PAYOFF_CREDIT_MAX 4
/* The longest backoff, in messages handled between trial windows. */
#define PAYOFF_BACKOFF_MAX 1024
/* One window in this many, besides every trial window, is watched for preemption. */
#define PAYOFF_WATCH_EVERY 16

typedef enum payoff_outcome {
	PAYOFF_CAUGHT,
	PAYOFF_MISSED,
	PAYOFF_STOLEN,
} payoff_outcome;

typedef struct payoff {
	uint32_t credit;  /* windows in hand: a window follows each message while > 0 */
	uint32_t backoff; /* messages to skip when the credit runs out next */
	uint32_t skip;    /* messages left to skip before the next trial window */
	uint32_t opened;  /* windows opened, modulo 2^32 */
} payoff;

/* A fresh rule: credit for one window, so the first message is followed by one. */
void payoff_init(payoff *p);

/*
 * Called once a message (or a batch) has been handled, before sleeping:
 * true to poll for a window now (then report how it ended with
 * payoff_note()), false to sleep.
 */
bool payoff_try(payoff *p);

/*
 * Whether to watch the window payoff_try() just opened for preemption
 * (payoff_preemptions() as it opens and as it ends); call it once per
 * window. Only a watched window can end PAYOFF_STOLEN.
 */
bool payoff_watch(payoff *p);

/* How the window payoff_try() opened ended. */
void payoff_note(payoff *p, payoff_outcome outcome);

/*
 * The involuntary context switches of the calling thread so far
 * (getrusage RUSAGE_THREAD), for telling a STOLEN window: a window is
 * stolen when the count moved since the last window ended.
 */
uint64_t payoff_preemptions(void);

/*
 * A window timed by a client-side poller, for the common case: opened
 * after payoff_try() said yes (watching it when payoff_watch() says so),
 * closed with whether it caught its message, which notes CAUGHT, MISSED
 * or, when watched and the thread was preempted meanwhile, STOLEN.
 */
typedef struct payoff_window {
	bool watched;
	uint64_t preempted; /* payoff_preemptions() at opening, when watched */
} payoff_window;

payoff_window payoff_open(payoff *p);
void payoff_close(payoff *p, payoff_window w, bool caught);

#endif
