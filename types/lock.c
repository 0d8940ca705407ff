/*
 * lock.c — the lock and rlock types: a mutual-exclusion lock owned by the
 * connection that acquired it, as Python's Lock and RLock.
 *
 * Both share one object: an rlock lets its holder acquire it again and is
 * free once released as many times; a plain lock makes even its holder wait
 * (Python's Lock deadlocks there; a timeout gets the caller out). Unlike
 * Python's Lock, only the holder may release it, so that a closed
 * connection can give up exactly what it held (lock_type.release). A lock
 * made with {"owned": false} is Python's: any connection may release it
 * (a signal handed from one process to another), and a closing holder
 * keeps it held.
 *
 * Invariant: owner == 0 exactly when depth == 0; depth <= 1 unless
 * reentrant; an rlock is always owned.
 */
#include "lock.h"

#include "mem.h"
#include "ops.h"
#include "typeutil.h"
#include "value.h"

typedef struct lock {
	uint64_t owner; /* the connection holding it, 0 when free */
	uint64_t depth; /* acquisitions by owner not yet released */
	bool reentrant;
	bool unowned;   /* {"owned": false}: anyone may release it, a close releases nothing */
} lock;

bool lock_try_acquire(void *obj, uint64_t owner)
{
	lock *l = obj;
	if (l->owner && !(l->reentrant && l->owner == owner))
		return false;
	l->owner = owner;
	l->depth++;
	return true;
}

bool lock_held_by(const void *obj, uint64_t owner)
{
	const lock *l = obj;
	return l->owner != 0 && (l->unowned || l->owner == owner);
}

bool lock_release(void *obj, uint64_t owner)
{
	lock *l = obj;
	if (!lock_held_by(l, owner))
		return false;
	if (--l->depth == 0)
		l->owner = 0;
	return true;
}

static int lock_op_acquire(void *obj, op_call *c)
{
	if (lock_try_acquire(obj, c->owner))
		return op_ok(c, om_bool(true));
	if (c->timed_out)
		return op_ok(c, om_bool(false));
	return OP_WAIT;
}

static int lock_op_release(void *obj, op_call *c)
{
	const lock *l = obj;
	if (lock_release(obj, c->owner))
		return op_ok(c, om_nil());
	return op_fail(c, OM_NOT_OWNER, "%s '%s' is %s", c->type, c->name,
		       l->owner ? "held by another connection" : "not held");
}

static int lock_op_locked(void *obj, op_call *c)
{
	return op_ok(c, om_bool(((const lock *)obj)->owner != 0));
}

static lock *lock_new(bool reentrant, op_call *c)
{
	lock *l = mem_calloc(1, sizeof *l);
	if (!l) {
		op_no_memory(c);
		return NULL;
	}
	l->reentrant = reentrant;
	return l;
}

static void *lock_create(const om_value *options, op_call *c)
{
	static const char *const names[] = {"owned", NULL};
	if (!typeutil_known_options("lock", options, names, c))
		return NULL;
	const om_value *owned = typeutil_option(options, "owned");
	if (owned && owned->kind != OM_BOOL) {
		op_fail(c, OM_BAD_PARAMS, "lock: option 'owned' must be a boolean");
		return NULL;
	}
	lock *l = lock_new(false, c);
	if (l)
		l->unowned = owned && !owned->as.b;
	return l;
}

/* {"owned": false} for an unowned lock, {} for the default. */
static bool lock_options(const void *obj, om_value *out)
{
	const lock *l = obj;
	return typeutil_options_begin(out, 1) &&
	       (!l->unowned || typeutil_options_add(out, "owned", om_bool(false)));
}

static void *rlock_create(const om_value *options, op_call *c)
{
	if (!typeutil_no_options("rlock", options, c))
		return NULL;
	return lock_new(true, c);
}

static void lock_destroy(void *obj)
{
	free(obj);
}

static size_t lock_len(const void *obj)
{
	(void)obj;
	return 1;
}

/* owner's connection closed: a lock it held, however many times, is free again, unless unowned. */
static void lock_release_owner(void *obj, uint64_t owner)
{
	lock *l = obj;
	if (l->unowned || l->owner != owner)
		return;
	l->owner = 0;
	l->depth = 0;
}

/* What lock_release_owner() would give back: owner's acquisitions, none of an unowned lock. */
static uint64_t lock_held_count(const void *obj, uint64_t owner)
{
	const lock *l = obj;
	return !l->unowned && l->owner == owner ? l->depth : 0;
}

#define TIMEOUT {"timeout", ARG_TIMEOUT, true}

static const op_def lock_ops[] = {
	{"acquire", lock_op_acquire, OP_WRITE | OP_BLOCKING | OP_FIFO, 1, {TIMEOUT},
	 "take the lock, waiting while any connection (this one too) holds it; true, or false when the timeout expires"},
	{"release", lock_op_release, OP_WRITE, 0, {{0}},
	 "give the lock back; not_owner unless this connection holds it (any connection may when unowned)"},
	{"locked", lock_op_locked, 0, 0, {{0}}, "whether any connection holds the lock"},
};

static const op_def rlock_ops[] = {
	{"acquire", lock_op_acquire, OP_WRITE | OP_BLOCKING | OP_OWNER, 1, {TIMEOUT},
	 "take the lock, or once more when this connection holds it; waits while another does; true, or false when the timeout expires"},
	{"release", lock_op_release, OP_WRITE, 0, {{0}},
	 "undo one acquire: free once released as many times as acquired; not_owner unless this connection holds it"},
	{"locked", lock_op_locked, 0, 0, {{0}}, "whether any connection holds the lock"},
};

const type_def lock_type = {
	.name = "lock",
	.help = "a lock held by one connection at a time (option owned); only its holder releases it, and its holder's close frees it, unless owned is false",
	.create = lock_create,
	.options = lock_options,
	.destroy = lock_destroy,
	.len = lock_len,
	.release = lock_release_owner,
	.held_by = lock_held_count,
	.ops = lock_ops,
	.nops = sizeof lock_ops / sizeof lock_ops[0],
};

const type_def rlock_type = {
	.name = "rlock",
	.help = "a re-entrant lock: its holder may acquire it again; freed when its holder's connection closes",
	.create = rlock_create,
	.destroy = lock_destroy,
	.len = lock_len,
	.release = lock_release_owner,
	.held_by = lock_held_count,
	.ops = rlock_ops,
	.nops = sizeof rlock_ops / sizeof rlock_ops[0],
};
