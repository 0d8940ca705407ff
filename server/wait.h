/*
 * wait.h — blocking calls without blocking: a call whose handler answers
 * OP_WAIT is parked at the end of its object's wait list, with a timer
 * when it has a timeout, and run again after every change that may let it
 * proceed; its reply then goes out of band, matched by msgid.
 *
 * Wake-ups run every parked call, object by object, each list oldest
 * first (first come, first served), in passes repeated while any call
 * completes: a completed get can make room for a waiting put, a lock
 * released by a condition can let a waiting acquire through.
 */
#ifndef OBJMGRD_WAIT_H
#define OBJMGRD_WAIT_H

#include <stdint.h>

#include "server.h"

/*
 * c, op's call on e from connection `from` (a request with msgid, or a
 * notification when msgid is NULL), answered OP_WAIT on its first run.
 * With a timeout of 0 runs it again at once as timed out; otherwise parks
 * it, moving its arguments out of c (they are left nil). Returns the
 * call's code when it was answered now (the answer is in c), else OP_WAIT.
 */
int wait_park(server *s, conn *from, registry_entry *e, const op_def *op, op_call *c,
	      const uint32_t *msgid);

/*
 * Runs the parked calls again after a change, answers those that complete
 * and sends their replies. Re-entrant: a call made while it runs makes it
 * run once more.
 */
void wait_wake(server *s);

/*
 * e is about to be deleted: its parked calls answer broken ("queue 'q' was
 * deleted"); their replies go out at the next wait_wake().
 */
void wait_object_deleted(server *s, registry_entry *e);

/*
 * Connection `from` (whose id is owner) is closing: drops its parked calls
 * unanswered, gives up what it holds (each type's release hook), then lets
 * the other waiters proceed.
 */
void wait_conn_closed(server *s, conn *from, uint64_t owner);

#endif
