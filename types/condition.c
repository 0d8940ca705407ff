/*
 * condition.c — the condition type, as Python's threading.Condition: a
 * lock, and a FIFO of callers waiting to be notified. The lock is the
 * condition's own, embedded lock_type object, or the lock object named by
 * the option {"lock": name}, opened through c->open on every call (never
 * kept: it may be deleted and made again meanwhile).
 *
 * condition.wait runs in stages, kept in c->state[0] across runs:
 *   0  first run: must hold the lock; releases it, joins the waiters
 *      (c->state[1]) and sleeps;
 *   1  waiting to be notified: notify marks the first waiters notified;
 *      a notified run moves to stage 2, a timed-out one to stage 3;
 *   2, 3  taking the lock again, then answering true (notified) or false
 *      (timed out). A timed-out call whose lock is held by another
 *      connection answers OP_WAIT to its timed_out run and keeps waiting
 *      for the lock without a timeout, as types/ops.h describes.
 *
 * Invariant: the waiter list holds the calls in stage 1, in the order they
 * began to wait, each call's waiter in its c->state[1]; the notified ones
 * come first. A closed connection's are dropped by the release hook, with
 * its parked calls. The calls not notified sleep (types/ops.h): a notify
 * wakes exactly those it marks, the first ones, as c->wake says.
 */
#include "lock.h"
#include "mem.h"
#include "name.h"
#include "ops.h"
#include "typeutil.h"
#include "value.h"

enum {
	STAGE_FIRST,
	STAGE_WAITING,
	STAGE_NOTIFIED,
	STAGE_TIMED_OUT,
};

/* A call in stage 1, from its first run to the run that takes it back out. */
typedef struct waiter {
	struct waiter *prev, *next;
	uint64_t owner;
	bool notified;
} waiter;

typedef struct condition {
	char *lock_name; /* the named lock, or NULL for own_lock */
	void *own_lock;  /* a lock_type object when lock_name is NULL */
	waiter *first, *last; /* the calls in stage 1, in the order they began to wait */
	waiter *unnotified;   /* the first not notified: every one before it is */
} condition;

/* The lock of cond: its own, or the named one. NULL when c failed (the name has another type). */
static void *cond_lock(condition *cond, op_call *c)
{
	if (!cond->lock_name)
		return cond->own_lock;
	return c->open(c->open_ctx, cond->lock_name, &lock_type, c);
}

static int cond_not_owner(op_call *c, const char *what)
{
	return op_fail(c, OM_NOT_OWNER, "condition '%s': %s without holding the lock", c->name,
		       what);
}

/* The waiter of a call in stage 1, kept in its c->state[1]. */
static waiter *cond_waiter_of(const op_call *c)
{
	return (waiter *)(intptr_t)c->state[1];
}

/* Unlinks w and frees it. */
static void cond_remove(condition *cond, waiter *w)
{
	*(w->prev ? &w->prev->next : &cond->first) = w->next;
	*(w->next ? &w->next->prev : &cond->last) = w->prev;
	if (cond->unnotified == w)
		cond->unnotified = w->next;
	free(w);
}

/* c's call begins to wait, last, as w. */
static void cond_add_waiter(condition *cond, waiter *w, op_call *c)
{
	*w = (waiter){cond->last, NULL, c->owner, false};
	*(cond->last ? &cond->last->next : &cond->first) = w;
	cond->last = w;
	if (!cond->unnotified)
		cond->unnotified = w;
	c->state[1] = (int64_t)(intptr_t)w;
}

/*
 * Marks the first n waiters not yet notified (all of them when n is
 * SIZE_MAX); returns how many it marked. The notified waiters are always
 * the first ones: a notify costs what it wakes.
 */
static size_t cond_notify(condition *cond, size_t n)
{
	size_t marked = 0;
	waiter *w = cond->unnotified;
	for (; w && marked < n; w = w->next, marked++)
		w->notified = true;
	cond->unnotified = w;
	return marked;
}

static int cond_op_acquire(void *obj, op_call *c)
{
	void *lock = cond_lock(obj, c);
	if (!lock)
		return c->code;
	if (lock_try_acquire(lock, c->owner))
		return op_ok(c, om_bool(true));
	if (c->timed_out)
		return op_ok(c, om_bool(false));
	return OP_WAIT;
}

static int cond_op_release(void *obj, op_call *c)
{
	void *lock = cond_lock(obj, c);
	if (!lock)
		return c->code;
	if (!lock_release(lock, c->owner))
		return cond_not_owner(c, "release");
	return op_ok(c, om_nil());
}

/*
 * A waiter not yet notified sleeps (c->sleep): only the notify that marks
 * it (its c->wake) or its timeout runs it again, so a notify runs the
 * waiters it wakes and no others.
 */
static int cond_op_wait(void *obj, op_call *c)
{
	condition *cond = obj;
	if (c->state[0] == STAGE_WAITING) {
		waiter *w = cond_waiter_of(c);
		if (!w->notified && !c->timed_out) {
			c->sleep = true;
			return OP_WAIT;
		}
		c->state[0] = w->notified ? STAGE_NOTIFIED : STAGE_TIMED_OUT;
		cond_remove(cond, w);
	}
	void *lock = cond_lock(cond, c);
	if (!lock)
		return c->code;
	if (c->state[0] != STAGE_FIRST) {
		if (!lock_try_acquire(lock, c->owner))
			return OP_WAIT;
		return op_ok(c, om_bool(c->state[0] == STAGE_NOTIFIED));
	}
	if (!lock_held_by(lock, c->owner))
		return cond_not_owner(c, "wait");
	waiter *w = mem_alloc(sizeof *w);
	if (!w)
		return op_no_memory(c);
	lock_release(lock, c->owner);
	cond_add_waiter(cond, w, c);
	c->state[0] = STAGE_WAITING;
	c->sleep = true;
	return OP_WAIT;
}

static int cond_op_notify(void *obj, op_call *c)
{
	condition *cond = obj;
	size_t n = 1;
	if (c->nargs > 0 && c->args[0].kind == OM_INT) {
		if (c->args[0].as.i < 0)
			return op_fail(c, OM_BAD_PARAMS,
				       "condition.notify: parameter 'count' must not be negative");
		n = (size_t)c->args[0].as.i;
	} else if (c->nargs > 0) {
		n = SIZE_MAX; /* an OM_UINT, above INT64_MAX: more than can wait */
	}
	void *lock = cond_lock(cond, c);
	if (!lock)
		return c->code;
	if (!lock_held_by(lock, c->owner))
		return cond_not_owner(c, "notify");
	c->wake = cond_notify(cond, n);
	return op_ok(c, om_nil());
}

static int cond_op_notify_all(void *obj, op_call *c)
{
	condition *cond = obj;
	void *lock = cond_lock(cond, c);
	if (!lock)
		return c->code;
	if (!lock_held_by(lock, c->owner))
		return cond_not_owner(c, "notify_all");
	c->wake = cond_notify(cond, SIZE_MAX);
	return op_ok(c, om_nil());
}

static void *cond_create(const om_value *options, op_call *c)
{
	static const char *const names[] = {"lock", NULL};
	if (!typeutil_known_options("condition", options, names, c))
		return NULL;
	const om_value *name = typeutil_option(options, "lock");
	if (name && (name->kind != OM_STR || !object_name_valid(name->as.str, name->len))) {
		op_fail(c, OM_BAD_PARAMS,
			"condition: option 'lock' must be a lock's name: 1 to %d bytes without NUL",
			OBJECT_NAME_MAX);
		return NULL;
	}
	condition *cond = mem_calloc(1, sizeof *cond);
	if (!cond) {
		op_no_memory(c);
		return NULL;
	}
	if (name)
		cond->lock_name = mem_dup0(name->as.str, name->len);
	else
		cond->own_lock = lock_type.create(NULL, c); /* fails only when out of memory */
	if (!cond->lock_name && !cond->own_lock) {
		free(cond);
		op_no_memory(c);
		return NULL;
	}
	return cond;
}

/* {"lock": name} for a condition over a named lock, {} for one with its own. */
static bool cond_options(const void *obj, om_value *out)
{
	const condition *cond = obj;
	om_value name;
	if (!typeutil_options_begin(out, 1))
		return false;
	if (!cond->lock_name)
		return true;
	if (!value_str_copy(&name, cond->lock_name, strlen(cond->lock_name))) {
		om_value_free(out);
		return false;
	}
	return typeutil_options_add(out, "lock", name);
}

static void cond_destroy(void *obj)
{
	condition *cond = obj;
	if (cond->own_lock)
		lock_type.destroy(cond->own_lock);
	free(cond->lock_name);
	while (cond->first)
		cond_remove(cond, cond->first);
	free(cond);
}

static size_t cond_len(const void *obj)
{
	(void)obj;
	return 1;
}

/*
 * owner's connection closed, and its parked calls with it: drops its
 * waiters and gives up its own lock if it held it. A named lock is
 * released by the lock type's own hook.
 */
static void cond_release_owner(void *obj, uint64_t owner)
{
	condition *cond = obj;
	waiter *next;
	for (waiter *w = cond->first; w; w = next) {
		next = w->next;
		if (w->owner == owner)
			cond_remove(cond, w);
	}
	if (cond->own_lock)
		lock_type.release(cond->own_lock, owner);
}

/* Its own lock's acquisitions by owner; a named lock reports them under its own name. */
static uint64_t cond_held_by(const void *obj, uint64_t owner)
{
	const condition *cond = obj;
	return cond->own_lock ? lock_type.held_by(cond->own_lock, owner) : 0;
}

#define TIMEOUT {"timeout", ARG_TIMEOUT, true}

static const op_def cond_ops[] = {
	{"acquire", cond_op_acquire, OP_WRITE | OP_BLOCKING | OP_FIFO, 1, {TIMEOUT},
	 "take the lock, waiting while another connection holds it; true, or false on timeout"},
	{"release", cond_op_release, OP_WRITE, 0, {{0}},
	 "give the lock up; not_owner when this connection does not hold it"},
	{"wait", cond_op_wait, OP_WRITE | OP_BLOCKING | OP_FIFO, 1, {TIMEOUT},
	 "release the lock, wait for notify, take the lock again; true, or false on timeout"},
	{"notify", cond_op_notify, OP_WRITE, 1, {{"count", ARG_INT, true}},
	 "wake the first count waiters (default 1); the lock must be held"},
	{"notify_all", cond_op_notify_all, OP_WRITE, 0, {{0}},
	 "wake every waiter; the lock must be held"},
};

const type_def condition_type = {
	.name = "condition",
	.help = "a lock and waiters woken by notify (options: lock, a lock's name; default its own)",
	.create = cond_create,
	.options = cond_options,
	.destroy = cond_destroy,
	.len = cond_len,
	.release = cond_release_owner,
	.held_by = cond_held_by,
	.ops = cond_ops,
	.nops = sizeof cond_ops / sizeof cond_ops[0],
};
