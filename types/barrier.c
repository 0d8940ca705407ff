/*
 * barrier.c — the barrier type, as Python's threading.Barrier: parties
 * callers wait until the last of them arrives, then all go on together,
 * each answered its arrival index (0 for the first, parties - 1 for the
 * last, whose arrival releases the round).
 *
 * A round ends completed, or broken: by a wait whose timeout expired, by
 * abort, by reset, or by the connection of a waiting caller closing (as
 * in Python, where an interrupted wait breaks the barrier). Those waiting
 * in a broken round answer OM_BROKEN; after a timeout, an abort or a
 * closed connection the barrier stays broken, every wait failing at once,
 * until reset.
 *
 * A waiting call keeps the round it arrived in and its index in c->state.
 * When it runs again in a later round, its own round has ended, and ended
 * as last_completed says: the server re-runs every parked call right after
 * the operation that changed the object, so a waiter always sees the end
 * of its own round before another round can end.
 */
#include "mem.h"
#include "ops.h"
#include "typeutil.h"
#include "value.h"

typedef struct barrier {
	int64_t parties;     /* >= 1 */
	uint64_t *arrivals;  /* the owners waiting in this round, in arrival order */
	size_t count;        /* how many: always < parties */
	size_t cap;
	int64_t round;       /* the round filling now, from 0 */
	bool last_completed; /* how round - 1 ended: completed, or broken */
	bool broken;         /* waits fail until reset */
} barrier;

static void barrier_end_round(barrier *b, bool completed)
{
	b->last_completed = completed;
	b->round++;
	b->count = 0;
}

/* Breaks the round those waiting are in; with stay, later waits fail too until reset. */
static void barrier_break(barrier *b, bool stay)
{
	if (b->count > 0)
		barrier_end_round(b, false);
	b->broken = stay;
}

static int barrier_is_broken(op_call *c)
{
	return op_fail(c, OM_BROKEN, "barrier '%s' is broken", c->name);
}

/* A first run: the last arrival releases the round, the others wait for it. */
static int barrier_arrive(barrier *b, op_call *c)
{
	if (b->broken)
		return barrier_is_broken(c);
	int64_t index = (int64_t)b->count;
	if (index == b->parties - 1) {
		barrier_end_round(b, true);
		return op_ok(c, om_int(index));
	}
	if (b->count == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 4;
		uint64_t *arrivals = mem_realloc(b->arrivals, cap * sizeof *arrivals);
		if (!arrivals)
			return op_no_memory(c);
		b->arrivals = arrivals;
		b->cap = cap;
	}
	b->arrivals[b->count++] = c->owner;
	c->state[0] = b->round + 1;
	c->state[1] = index;
	return OP_WAIT;
}

static int barrier_op_wait(void *obj, op_call *c)
{
	barrier *b = obj;
	if (c->state[0] == 0)
		return barrier_arrive(b, c);
	int64_t round = c->state[0] - 1;
	if (round != b->round) {
		if (round + 1 == b->round && b->last_completed)
			return op_ok(c, om_int(c->state[1]));
		return barrier_is_broken(c);
	}
	if (!c->timed_out)
		return OP_WAIT;
	barrier_break(b, true);
	return op_fail(c, OM_BROKEN, "barrier '%s' broke: the wait timed out", c->name);
}

static int barrier_op_reset(void *obj, op_call *c)
{
	barrier_break(obj, false);
	return op_ok(c, om_nil());
}

static int barrier_op_abort(void *obj, op_call *c)
{
	barrier_break(obj, true);
	return op_ok(c, om_nil());
}

static int barrier_op_parties(void *obj, op_call *c)
{
	return op_ok(c, om_int(((barrier *)obj)->parties));
}

static int barrier_op_n_waiting(void *obj, op_call *c)
{
	return op_ok(c, om_int((int64_t)((barrier *)obj)->count));
}

static int barrier_op_broken(void *obj, op_call *c)
{
	return op_ok(c, om_bool(((barrier *)obj)->broken));
}

/* parties is required: a barrier used before objects.create made it is bad_params. */
static void *barrier_create(const om_value *options, op_call *c)
{
	static const char *const names[] = {"parties", NULL};
	if (!typeutil_known_options("barrier", options, names, c))
		return NULL;
	const om_value *parties = typeutil_option(options, "parties");
	if (!parties) {
		op_fail(c, OM_BAD_PARAMS,
			"barrier: option 'parties' is required: create it with objects.create");
		return NULL;
	}
	if (parties->kind == OM_UINT) {
		op_fail(c, OM_BAD_PARAMS, "barrier: option 'parties' is too large");
		return NULL;
	}
	if (parties->kind != OM_INT || parties->as.i < 1) {
		op_fail(c, OM_BAD_PARAMS, "barrier: option 'parties' must be a positive integer");
		return NULL;
	}
	barrier *b = mem_calloc(1, sizeof *b);
	if (!b) {
		op_no_memory(c);
		return NULL;
	}
	b->parties = parties->as.i;
	return b;
}

/* {"parties": N}: required, so always there. */
static bool barrier_options(const void *obj, om_value *out)
{
	const barrier *b = obj;
	return typeutil_options_begin(out, 1) &&
	       typeutil_options_add(out, "parties", om_int(b->parties));
}

static void barrier_destroy(void *obj)
{
	barrier *b = obj;
	free(b->arrivals);
	free(b);
}

static size_t barrier_len(const void *obj)
{
	(void)obj;
	return 1;
}

/* A waiting caller's connection closed: its wait was interrupted, which breaks the barrier. */
static void barrier_release_owner(void *obj, uint64_t owner)
{
	barrier *b = obj;
	for (size_t i = 0; i < b->count; i++) {
		if (b->arrivals[i] == owner) {
			barrier_break(b, true);
			return;
		}
	}
}

static const op_def barrier_ops[] = {
	{"wait", barrier_op_wait, OP_WRITE | OP_BLOCKING | OP_FIFO, 1, {{"timeout", ARG_TIMEOUT, true}},
	 "wait for all parties; the arrival index (0 first); broken if it breaks, and a timeout breaks it"},
	{"reset", barrier_op_reset, OP_WRITE, 0, {{0}},
	 "those waiting get broken; the barrier is empty and usable again"},
	{"abort", barrier_op_abort, OP_WRITE, 0, {{0}},
	 "break the barrier: those waiting and every later wait get broken until reset"},
	{"parties", barrier_op_parties, 0, 0, {{0}}, "the number of parties a round needs"},
	{"n_waiting", barrier_op_n_waiting, 0, 0, {{0}}, "how many are waiting in this round"},
	{"broken", barrier_op_broken, 0, 0, {{0}}, "whether the barrier is broken"},
};

const type_def barrier_type = {
	.name = "barrier",
	.help = "parties callers wait until all have arrived (options: parties, required)",
	.create = barrier_create,
	.options = barrier_options,
	.destroy = barrier_destroy,
	.len = barrier_len,
	.release = barrier_release_owner,
	.ops = barrier_ops,
	.nops = sizeof barrier_ops / sizeof barrier_ops[0],
};
