/*
 * semaphore.c — the semaphore type: a count of free permits, as Python's
 * Semaphore, or BoundedSemaphore with {"bounded": true}.
 *
 * Anyone may release a permit, as in Python, but each permit taken is also
 * recorded against the connection that took it: when a connection closes,
 * the permits it still holds come back, so a crashed holder cannot starve
 * the others. A release settles one permit: the releasing connection's own
 * when it holds one, else one of the connection that has held one longest
 * (a hand-off: taken here, given back there). So the permits recorded are
 * always exactly those taken and not yet released, and a closing holder
 * never gives back a permit someone already released. With
 * {"owned": false} nothing is recorded, as in Python: a close gives nothing
 * back.
 *
 * Invariants: 0 <= value, and value <= limit when bounded; holders[] has
 * one entry per owner holding at least one permit, in the order they began
 * to hold one.
 */
#include <string.h>

#include "mem.h"
#include "ops.h"
#include "typeutil.h"
#include "value.h"

typedef struct holding {
	uint64_t owner;
	int64_t count; /* > 0 */
} holding;

typedef struct semaphore {
	int64_t value;    /* permits free now */
	int64_t limit;    /* the initial value, which a bounded one never exceeds */
	bool bounded;
	bool unowned;     /* {"owned": false}: permits are recorded against nobody */
	holding *holders;
	size_t nholders;
	size_t cap;
} semaphore;

static holding *sem_holding(semaphore *s, uint64_t owner)
{
	for (size_t i = 0; i < s->nholders; i++)
		if (s->holders[i].owner == owner)
			return &s->holders[i];
	return NULL;
}

/* Removes h, keeping the others in the order they began to hold. */
static void sem_drop_holding(semaphore *s, holding *h)
{
	size_t i = (size_t)(h - s->holders);
	memmove(h, h + 1, (s->nholders - i - 1) * sizeof *h);
	s->nholders--;
}

/* Records a permit taken by owner; false, with s as it was, when out of memory. */
static bool sem_record_take(semaphore *s, uint64_t owner)
{
	holding *h = sem_holding(s, owner);
	if (h) {
		h->count++;
		return true;
	}
	if (s->nholders == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 4;
		holding *holders = mem_realloc(s->holders, cap * sizeof *holders);
		if (!holders)
			return false;
		s->holders = holders;
		s->cap = cap;
	}
	s->holders[s->nholders++] = (holding){owner, 1};
	return true;
}

/* Adds n permits, never past limit when bounded nor past INT64_MAX. */
static void sem_give(semaphore *s, int64_t n)
{
	int64_t top = s->bounded ? s->limit : INT64_MAX;
	s->value = n > top - s->value ? top : s->value + n;
}

static int sem_op_acquire(void *obj, op_call *c)
{
	semaphore *s = obj;
	if (s->value > 0) {
		if (!s->unowned && !sem_record_take(s, c->owner))
			return op_no_memory(c);
		s->value--;
		return op_ok(c, om_bool(true));
	}
	if (c->timed_out)
		return op_ok(c, om_bool(false));
	return OP_WAIT;
}

static int sem_op_release(void *obj, op_call *c)
{
	semaphore *s = obj;
	if (s->bounded && s->value >= s->limit)
		return op_fail(c, OM_VALUE_ERROR, "semaphore '%s' released too many times", c->name);
	if (s->value == INT64_MAX)
		return op_fail(c, OM_VALUE_ERROR, "semaphore '%s': the value would overflow int64",
			       c->name);
	s->value++;
	holding *h = sem_holding(s, c->owner);
	if (!h && s->nholders)
		h = &s->holders[0]; /* the longest holder's permit was handed off */
	if (h && --h->count == 0)
		sem_drop_holding(s, h);
	return op_ok(c, om_nil());
}

static int sem_op_value(void *obj, op_call *c)
{
	return op_ok(c, om_int(((semaphore *)obj)->value));
}

static void *sem_create(const om_value *options, op_call *c)
{
	static const char *const names[] = {"value", "bounded", "owned", NULL};
	if (!typeutil_known_options("semaphore", options, names, c))
		return NULL;
	const om_value *value = typeutil_option(options, "value");
	const om_value *bounded = typeutil_option(options, "bounded");
	const om_value *owned = typeutil_option(options, "owned");
	if (value && value->kind == OM_UINT) {
		op_fail(c, OM_BAD_PARAMS, "semaphore: option 'value' is too large");
		return NULL;
	}
	if (value && (value->kind != OM_INT || value->as.i < 0)) {
		op_fail(c, OM_BAD_PARAMS, "semaphore: option 'value' must be a non-negative integer");
		return NULL;
	}
	if (bounded && bounded->kind != OM_BOOL) {
		op_fail(c, OM_BAD_PARAMS, "semaphore: option 'bounded' must be a boolean");
		return NULL;
	}
	if (owned && owned->kind != OM_BOOL) {
		op_fail(c, OM_BAD_PARAMS, "semaphore: option 'owned' must be a boolean");
		return NULL;
	}
	semaphore *s = mem_calloc(1, sizeof *s);
	if (!s) {
		op_no_memory(c);
		return NULL;
	}
	s->value = s->limit = value ? value->as.i : 1;
	s->bounded = bounded && bounded->as.b;
	s->unowned = owned && !owned->as.b;
	return s;
}

/* value (the initial one, not the permits free now), bounded and owned, where not the defaults. */
static bool sem_options(const void *obj, om_value *out)
{
	const semaphore *s = obj;
	return typeutil_options_begin(out, 3) &&
	       (s->limit == 1 || typeutil_options_add(out, "value", om_int(s->limit))) &&
	       (!s->bounded || typeutil_options_add(out, "bounded", om_bool(true))) &&
	       (!s->unowned || typeutil_options_add(out, "owned", om_bool(false)));
}

static void sem_destroy(void *obj)
{
	semaphore *s = obj;
	free(s->holders);
	free(s);
}

static size_t sem_len(const void *obj)
{
	(void)obj;
	return 1;
}

/* owner's connection closed: the permits it still holds are free again. */
static void sem_release_owner(void *obj, uint64_t owner)
{
	semaphore *s = obj;
	holding *h = sem_holding(s, owner);
	if (!h)
		return;
	sem_give(s, h->count);
	sem_drop_holding(s, h);
}

/* The permits owner took and has not released (none are recorded when unowned). */
static uint64_t sem_held_by(const void *obj, uint64_t owner)
{
	const semaphore *s = obj;
	for (size_t i = 0; i < s->nholders; i++)
		if (s->holders[i].owner == owner)
			return (uint64_t)s->holders[i].count;
	return 0;
}

static const op_def sem_ops[] = {
	{"acquire", sem_op_acquire, OP_WRITE | OP_BLOCKING | OP_FIFO, 1, {{"timeout", ARG_TIMEOUT, true}},
	 "take a permit, waiting while none is free; true, or false when the timeout expires"},
	{"release", sem_op_release, OP_WRITE, 0, {{0}},
	 "give a permit back; value_error when a bounded semaphore would pass its initial value"},
	{"value", sem_op_value, 0, 0, {{0}}, "the number of free permits"},
};

const type_def semaphore_type = {
	.name = "semaphore",
	.help = "a count of permits (options: value, default 1; bounded; owned); a closed connection's permits come back unless owned is false",
	.create = sem_create,
	.options = sem_options,
	.destroy = sem_destroy,
	.len = sem_len,
	.release = sem_release_owner,
	.held_by = sem_held_by,
	.ops = sem_ops,
	.nops = sizeof sem_ops / sizeof sem_ops[0],
};
