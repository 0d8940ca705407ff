/*
 * wait.h — blocking calls without blocking: a call whose handler answers
 * OP_WAIT is parked at the end of its object's wait list, with a timer
 * when it has a timeout, and run again after changes that may let it
 * proceed; its reply then goes out of band, matched by msgid.
 *
 * What runs again. A change to an object X marks X dirty, and with it
 * every object whose parked calls opened X through c->open (a condition
 * over the named lock X: its waiters take X again). A change is a write
 * call on X or one that opened X (condition.release on X's condition), a
 * parked call on X completing or timing out, a closing connection giving
 * up what it held (every object with a release hook counts as changed),
 * and, for the objects that opened X only, X's deletion. wait_wake() then
 * runs the dirty objects' lists, one object at a time in the order they
 * were marked, each oldest first (first come, first served), and a call
 * completing marks its object (and what it opened) dirty again, so the
 * lists run again while calls complete: a completed get can make room for
 * a waiting put, a lock released by condition.wait lets a waiting acquire
 * through on the lock object. Nothing else runs: a put on queue A leaves
 * the calls waiting on queue B alone.
 *
 * Where a run stops. Every blocking op is a FIFO op (OP_FIFO or OP_OWNER
 * in its table): the parked calls of one op on one object, but for those
 * asleep, all wait for the same thing (an item, room, a free lock, a
 * permit, the flag, the end of the round, the lock a condition.wait takes
 * again), so once the oldest answers OP_WAIT, every later one would too
 * until the object changes. Each op has a lane on its object: its calls in
 * the order they joined it. A run of an object runs the first call of the
 * lane whose first call joined first, and so on, until the first call of
 * every lane has waited since the last change; a call completing is a
 * change, and every lane runs again, from its oldest call, which has the
 * first chance at what was freed. So with 10,000 gets parked on a queue, a
 * put runs the first two, not 10,000, and serving n parked calls costs
 * O(n) handler runs (server.info's parked_runs counts them).
 *
 * A call joins its op's lane when it parks, and when it wakes. Sleeping
 * calls (c->sleep, types/ops.h: a condition.wait not yet notified) are in
 * their object's sleeping list instead, and no change runs them: a
 * notify's c->wake moves the first of them, oldest first, to the end of
 * their lane (so a notified wait takes the lock again in its turn behind
 * the calls already waiting for it), as a wait's timeout moves it. An
 * OP_OWNER op (rlock.acquire) keeps each owner's calls linked in its
 * lane: when one completes, its owner's later ones run right after it,
 * before anyone else's.
 */
#ifndef OBJMGRD_WAIT_H
#define OBJMGRD_WAIT_H

#include <stdint.h>

#include "server.h"

/*
 * A connection's parked calls, which wait.c keeps: how many, against
 * --max-waiting, and the newest of them, linked to the others so that
 * dropping them costs what they are. Each connection embeds one
 * (conn_waits()); zeroed, it has none.
 */
typedef struct wait_conn {
	size_t nparked;
	struct parked *first;
} wait_conn;

/* How many of w's calls are parked. */
static inline size_t wait_parked(const wait_conn *w)
{
	return w->nparked;
}

/*
 * Before t.op's call c from connection `from` runs: true for a call that
 * does not block. A blocking one (OP_BLOCKING) is refused, c failed limit,
 * when `from` has --max-waiting calls parked already, or when the memory
 * to park it cannot be reserved: its first run may change state that
 * waiting relies on (condition.wait releases its lock, barrier.wait counts
 * an arrival), which could not be undone if it then may not park.
 */
bool wait_admit(server *s, conn *from, const type_def *t, const op_def *op, op_call *c);

/*
 * c, op's call on e from connection `from` (a request with msgid, or a
 * notification when msgid is NULL), answered OP_WAIT on its first run,
 * after wait_admit(). With a timeout of 0 runs it again at once as timed
 * out; otherwise parks it, moving its arguments out of c (they are left
 * nil). Returns the call's code when it was answered now (the answer is in
 * c; limit when an OP_OWNER call finds no memory to park), else OP_WAIT.
 */
int wait_park(server *s, conn *from, registry_entry *e, const op_def *op, op_call *c,
	      const uint32_t *msgid);

/*
 * wait_park() for a call inside server.batch, which must not wait: it runs
 * again at once as timed out, whatever its timeout. Should that still
 * answer OP_WAIT (a condition.wait that cannot take its lock back), the
 * call is parked unanswered, as a notification's, until it completes.
 */
int wait_park_now(server *s, conn *from, registry_entry *e, const op_def *op, op_call *c);

/* Frees the memory wait_admit() reserved for parking, at exit. */
void wait_free_reserve(server *s);

/*
 * A write call just ran on e (NULL: none), and opened `opened` through
 * c->open (NULL: nothing): wakes e's first `wake` sleeping calls (its
 * c->wake), marks e and `opened` dirty for the next wait_wake(), and when
 * e has parked calls, records that they depend on `opened`.
 */
void wait_changed(server *s, registry_entry *e, registry_entry *opened, size_t wake);

/*
 * Runs the parked calls of the dirty objects again, as above, answers
 * those that complete and sends their replies. Re-entrant: what is marked
 * dirty while it runs, it runs too.
 */
void wait_wake(server *s);

/*
 * e is about to be deleted: its parked calls answer broken ("queue 'q' was
 * deleted"), and the objects depending on it are marked dirty; the replies
 * go out, and those objects' calls run, at the next wait_wake().
 */
void wait_object_deleted(server *s, registry_entry *e);

/*
 * Deletes e when it is provisional (registry.h) and no call waits on it or
 * depends on it any more (e->wait is NULL, so no list of wait.c points to
 * it): the calls it was made for ended without success.
 */
void wait_drop_unused(server *s, registry_entry *e);

/*
 * Connection `from` (whose id is owner) is closing: drops its parked calls
 * unanswered, at a cost in proportion to how many they are (and drops the
 * provisional objects they were the last calls on), gives up what
 * it holds (each type's release hook), then lets the other waiters
 * proceed. A connection that never called an object with a release hook
 * (conn_is_holder()) costs no scan of the objects that can be held.
 */
void wait_conn_closed(server *s, conn *from, uint64_t owner);

#endif
