/*
 * lock.h — what other types need from a lock object (types/lock.c), for a
 * condition over its own lock or over a named one.
 *
 * lock is an object made by lock_type.create(); a condition with no "lock"
 * option embeds one, created and destroyed through lock_type and released
 * on a crash through lock_type.release, so both kinds of condition run the
 * same lock code. None of these functions waits: a caller that cannot take
 * the lock answers OP_WAIT and tries again when it is re-run.
 */
#ifndef OBJMGR_LOCK_H
#define OBJMGR_LOCK_H

#include "ops.h"

/* Takes lock for owner when nobody holds it; false, changing nothing, when anybody does. */
bool lock_try_acquire(void *lock, uint64_t owner);
/*
 * Releases lock held by owner; false, changing nothing, when owner does not
 * hold it. An unowned lock ({"owned": false}) counts as held by anyone while
 * it is held, as Python's Lock: here and in lock_held_by().
 */
bool lock_release(void *lock, uint64_t owner);
/* Whether owner holds lock (for an unowned lock: whether anyone does). */
bool lock_held_by(const void *lock, uint64_t owner);

#endif
