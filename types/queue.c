/*
 * queue.c — the queue type: a FIFO of values, bounded by its maxsize
 * option or unbounded, that counts unfinished tasks like Python's
 * JoinableQueue (every put adds one, every task_done takes one away, join
 * waits for none).
 *
 * The items live in a ring: ring[(head + i) % cap] for i < count. It
 * doubles when full and halves when a quarter full, so a queue that was
 * long once does not keep its memory. A put makes room before it changes
 * anything: when memory runs out the queue is left as it was (a get only
 * skips the halving).
 *
 * Invariants: count <= cap; count <= maxsize when maxsize > 0;
 * unfinished >= count (an item counts until marked done, even once got).
 */
#include <string.h>

#include "mem.h"
#include "ops.h"
#include "typeutil.h"
#include "value.h"

#define QUEUE_MIN_CAP 8

typedef struct queue {
	om_value *ring;
	size_t cap, head, count;
	uint64_t maxsize;    /* 0: unbounded */
	uint64_t unfinished; /* items put and not yet marked done */
} queue;

/* Moves the items to a new ring of cap slots, the first at index 0; false when out of memory. */
static bool queue_resize(queue *q, size_t cap)
{
	om_value *ring = mem_calloc(cap, sizeof *ring);
	if (!ring)
		return false;
	for (size_t i = 0; i < q->count; i++)
		ring[i] = q->ring[(q->head + i) % q->cap];
	free(q->ring);
	q->ring = ring;
	q->cap = cap;
	q->head = 0;
	return true;
}

/* Appends v; false, with q as it was, when there is no memory to grow the ring. */
static bool queue_push(queue *q, om_value *v)
{
	if (q->count == q->cap && !queue_resize(q, q->cap ? 2 * q->cap : QUEUE_MIN_CAP))
		return false;
	q->ring[(q->head + q->count) % q->cap] = typeutil_take(v);
	q->count++;
	return true;
}

static om_value queue_pop(queue *q)
{
	om_value v = q->ring[q->head];
	q->head = (q->head + 1) % q->cap;
	q->count--;
	if (q->cap > QUEUE_MIN_CAP && q->count < q->cap / 4)
		queue_resize(q, q->cap / 2);
	return v;
}

static bool queue_full(const queue *q)
{
	return q->maxsize && q->count >= q->maxsize;
}

static int queue_op_put(void *obj, op_call *c)
{
	queue *q = obj;
	if (queue_full(q)) {
		if (!c->timed_out)
			return OP_WAIT;
		return op_fail(c, OM_FULL, "queue '%s' is full (maxsize %llu)", c->name,
			       (unsigned long long)q->maxsize);
	}
	if (!queue_push(q, &c->args[0]))
		return op_no_memory(c);
	q->unfinished++;
	return op_ok(c, om_nil());
}

static int queue_op_get(void *obj, op_call *c)
{
	queue *q = obj;
	if (q->count)
		return op_ok(c, queue_pop(q));
	if (!c->timed_out)
		return OP_WAIT;
	return op_fail(c, OM_EMPTY, "queue '%s' is empty", c->name);
}

static int queue_op_len(void *obj, op_call *c)
{
	return op_ok(c, om_int((int64_t)((const queue *)obj)->count));
}

/* Copies of every value waiting, oldest first: a look that takes nothing (export, show). */
/* Answers an owned array of copies of the values waiting in [start, stop), oldest first. */
static int queue_copy_range(const queue *q, size_t start, size_t stop, op_call *c)
{
	size_t n = stop > start ? stop - start : 0;
	om_value out;
	if (!value_array_alloc(&out, n))
		return op_no_memory(c);
	for (size_t i = 0; i < n; i++) {
		if (!value_copy(&out.as.items[i], &q->ring[(q->head + start + i) % q->cap])) {
			om_value_free(&out);
			return op_no_memory(c);
		}
	}
	return op_ok(c, out);
}

static int queue_op_items(void *obj, op_call *c)
{
	const queue *q = obj;
	return queue_copy_range(q, 0, q->count, c);
}

/* A page of what items answers, so that a long queue can be read in bounded replies. */
static int queue_op_slice(void *obj, op_call *c)
{
	const queue *q = obj;
	size_t start = typeutil_slice_bound(&c->args[0], q->count, 0);
	size_t stop = typeutil_slice_bound(&c->args[1], q->count, q->count);
	return queue_copy_range(q, start, stop, c);
}

static int queue_op_task_done(void *obj, op_call *c)
{
	queue *q = obj;
	if (q->unfinished == q->count)
		return op_fail(c, OM_VALUE_ERROR,
			       "queue '%s': task_done called more times than items were got", c->name);
	q->unfinished--;
	return op_ok(c, om_nil());
}

static int queue_op_join(void *obj, op_call *c)
{
	if (((const queue *)obj)->unfinished == 0)
		return op_ok(c, om_bool(true));
	if (c->timed_out)
		return op_ok(c, om_bool(false));
	return OP_WAIT;
}

static void *queue_create(const om_value *options, op_call *c)
{
	static const char *const names[] = {"maxsize", NULL};
	if (!typeutil_known_options("queue", options, names, c))
		return NULL;
	const om_value *max = typeutil_option(options, "maxsize");
	if (max && !(max->kind == OM_UINT || (max->kind == OM_INT && max->as.i >= 0))) {
		op_fail(c, OM_BAD_PARAMS, "queue: option 'maxsize' must be a non-negative integer");
		return NULL;
	}
	queue *q = mem_calloc(1, sizeof *q);
	if (!q) {
		op_no_memory(c);
		return NULL;
	}
	if (max)
		q->maxsize = max->kind == OM_UINT ? max->as.u : (uint64_t)max->as.i;
	return q;
}

/* {"maxsize": N} for a bounded queue, {} for an unbounded one. */
static bool queue_options(const void *obj, om_value *out)
{
	const queue *q = obj;
	return typeutil_options_begin(out, 1) &&
	       (!q->maxsize || typeutil_options_add(out, "maxsize", om_uint(q->maxsize)));
}

static void queue_destroy(void *obj)
{
	queue *q = obj;
	while (q->count) {
		om_value v = queue_pop(q);
		om_value_free(&v);
	}
	free(q->ring);
	free(q);
}

static size_t queue_len(const void *obj)
{
	return ((const queue *)obj)->count;
}

#define TIMEOUT {"timeout", ARG_TIMEOUT, true}

/* A queue.put per item, oldest first: its unfinished count restarts at its length. */
static bool queue_save(const void *obj, save_sink *sink)
{
	const queue *q = obj;
	for (size_t i = 0; i < q->count; i++)
		if (!sink->call(sink, "queue.put", &q->ring[(q->head + i) % q->cap], 1))
			return false;
	return true;
}

static const op_def queue_ops[] = {
	{"put", queue_op_put, OP_WRITE | OP_GROWS | OP_BLOCKING | OP_FIFO, 2, {{"value", ARG_ANY, false}, TIMEOUT},
	 "add value at the end, waiting while the queue is full; full when the timeout expires"},
	{"get", queue_op_get, OP_WRITE | OP_BLOCKING | OP_FIFO, 1, {TIMEOUT},
	 "remove and answer the first value, waiting while the queue is empty; empty when the timeout expires"},
	{"len", queue_op_len, 0, 0, {{0}}, "the number of values waiting to be got"},
	{"items", queue_op_items, 0, 0, {{0}}, "every value waiting, oldest first, as an array; takes none"},
	{"slice", queue_op_slice, 0, 2, {{"start", ARG_INT_OR_NIL, false}, {"stop", ARG_INT_OR_NIL, false}},
	 "the values waiting in [start, stop) (0 the oldest), as list.slice counts; takes none"},
	{"task_done", queue_op_task_done, OP_WRITE, 0, {{0}},
	 "mark one got value as processed; value_error when every got value already is"},
	{"join", queue_op_join, OP_WRITE | OP_BLOCKING | OP_FIFO | OP_PASSIVE, 1, {TIMEOUT},
	 "wait until every value put has been marked done; true, or false when the timeout expires"},
};

const type_def queue_type = {
	.name = "queue",
	.help = "a FIFO of values (option maxsize, 0 = unbounded); get and put wait, join waits for task_done",
	.create = queue_create,
	.options = queue_options,
	.save = queue_save,
	.destroy = queue_destroy,
	.len = queue_len,
	.ops = queue_ops,
	.nops = sizeof queue_ops / sizeof queue_ops[0],
};
