/*
 * wait.c — parked calls, their timers, and the wake-ups that run them again.
 *
 * A parked call owns its arguments and the op_call every run of it sees
 * (c->state kept between runs), and its timer (a handle inside it, so that
 * it is freed once libuv has closed that). Its name is its object's, which
 * outlives it: an object's parked calls are answered before it is
 * deleted. Its connection outlives it too: a closing connection drops its
 * calls first, found through the list of them its wait_conn keeps
 * (conn_waits()).
 *
 * An object's wait_obj (entry->wait) holds its parked calls: all of them
 * in one list, oldest first, and each in one lane (see wait.h), its place
 * on the server's dirty list, and the links between the objects whose
 * calls open another one and that one. It exists while the object has
 * parked calls, objects depending on it or a wake-up pending, and is freed
 * once it has none (wait_obj_gc). Calls only depend on an object while
 * they are parked: an object with an empty list depends on nothing.
 *
 * Nothing closes a connection or deletes an object while a wake-up runs
 * the lists: replies are only packed then, and sent (which may fail and
 * close a connection) once no object is dirty.
 *
 * Memory: what a blocking call needs to park (its parked struct, and a
 * wait_obj for its object and one for what it opens) is reserved before
 * it runs (wait_admit()), so that a call whose first run changed its
 * object (condition.wait released its lock) always parks. Only an OP_OWNER
 * op's owner table grows as a call parks, and such a call changed nothing.
 */
#include "wait.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "journal.h"
#include "log.h"
#include "mem.h"
#include "reply.h"
#include "watch.h"

/* Timeouts longer than this (about 31 years) wait forever. */
#define MAX_TIMEOUT_S 1e9
#define NS_PER_S 1000000000.0
#define NS_PER_MS 1000000

/* Blocking ops have a lane each, by their index in their type's table, which must be below this. */
#define LANES 8

typedef struct parked parked;

/* Calls in the order they joined it, each joining with a new seq of its object. */
typedef struct lane {
	parked *first, *last;
} lane;

struct parked {
	parked *prev, *next;        /* in its object's list of parked calls, oldest first */
	parked *lprev, *lnext;      /* in its lane */
	parked *gprev, *gnext;      /* an OP_OWNER op's: among its owner's calls in its lane */
	parked *cprev, *cnext;      /* among its connection's parked calls (wait_conn) */
	lane *in;                   /* its lane: its op's, or its object's sleeping calls */
	uint64_t seq;               /* when it joined that lane */
	server *srv;
	registry_entry *entry;
	conn *from;
	const op_def *op;
	int slot;                   /* op's index in its type's table: its lane */
	bool has_timer;             /* timer was initialised: close it before freeing */
	uv_timer_t timer;           /* running until the timeout expires */
	uint64_t deadline;          /* uv_hrtime() at which the timeout expires */
	uint32_t msgid;
	bool has_msgid;
	op_call call;
	om_value args[OP_MAX_ARGS];
};

/* An OP_OWNER op's owner table entry: the owner's newest call parked in the op's lane. */
typedef struct owner_slot {
	uint64_t owner; /* 0: free */
	parked *last;
} owner_slot;

typedef struct wait_obj {
	registry_entry *entry;
	parked *first, *last;          /* its parked calls, oldest first */
	lane lanes[LANES];             /* those that run again on a change, by op */
	lane sleeping;                 /* those that only a wake-up or a timeout runs */
	uint64_t seq;                  /* the last seq given to a call joining a lane */
	owner_slot *owners;            /* for its OP_OWNER op: open addressing, by owner */
	size_t owners_cap, nowners;
	struct wait_obj *dirty_prev, *dirty_next; /* in s->dirty, while dirty */
	bool dirty;                    /* its calls must run again (only with parked calls) */
	bool busy;                     /* its list is being run or answered: keep it */
	bool running;                  /* its lanes are being run: a change needs no marking */
	struct wait_obj *dep;          /* what its calls open (a condition's named lock), or NULL */
	struct wait_obj *dep_prev, *dep_next; /* among dep's dependents */
	struct wait_obj *dependents;   /* the objects whose calls open this one */
} wait_obj;

/* Runs c's handler again on obj, as its timeout expires when timed_out. */
static int run_again(server *s, const op_def *op, void *obj, op_call *c, bool timed_out)
{
	s->parked_runs++;
	c->code = OM_OK;
	c->message[0] = '\0';
	c->timed_out = timed_out;
	c->sleep = false;
	c->wake = 0;
	int rc = op->fn(obj, c);
	c->timed_out = false; /* later runs of a call still waiting (see OP_WAIT) */
	return rc;
}

/*
 * Runs p again; *opened is what the run opened through c->open, or NULL.
 * A parked run opens only a lock it then takes or waits for (a condition's
 * named lock, made again after a delete): that lock stays, provisional or not.
 */
static int run_parked(server *s, parked *p, bool timed_out, registry_entry **opened)
{
	p->call.opened = NULL;
	size_t mark;
	if (s->journal && !journal_parked_begin(s, p->entry, p->op, &p->call, &mark)) {
		*opened = NULL;
		return p->call.code;
	}
	int rc = run_again(s, p->op, p->entry->obj, &p->call, timed_out);
	if (s->journal)
		journal_parked_end(s, p->entry, p->op, rc, mark);
	*opened = p->call.opened;
	if (*opened)
		(*opened)->provisional = false;
	return rc;
}

/* --- memory reserved for parking ------------------------------------------ */

/* Reserves what a call needs to park (see the top of this file); false when out of memory. */
static bool wait_reserve(server *s)
{
	if (!s->spare_parked && !(s->spare_parked = mem_alloc(sizeof(parked))))
		return false;
	for (int i = 0; i < 2; i++)
		if (!s->spare_wait[i] && !(s->spare_wait[i] = mem_alloc(sizeof(wait_obj))))
			return false;
	return true;
}

bool wait_admit(server *s, conn *from, const type_def *t, const op_def *op, op_call *c)
{
	if (!(op->flags & OP_BLOCKING))
		return true;
	if (wait_parked(conn_waits(from)) >= s->limits.max_waiting) {
		op_fail(c, OM_LIMIT,
			"%s.%s: this connection already has %zu calls waiting (--max-waiting)",
			t->name, op->name, s->limits.max_waiting);
		return false;
	}
	if (!wait_reserve(s)) {
		op_no_memory(c);
		return false;
	}
	return true;
}

void wait_free_reserve(server *s)
{
	free(s->spare_parked);
	free(s->spare_wait[0]);
	free(s->spare_wait[1]);
	s->spare_parked = NULL;
	s->spare_wait[0] = s->spare_wait[1] = NULL;
}

/* A zeroed wait_obj, the reserve's when there is one; NULL when out of memory. */
static wait_obj *wait_obj_new(server *s)
{
	for (int i = 0; i < 2; i++) {
		if (s->spare_wait[i]) {
			wait_obj *w = s->spare_wait[i];
			s->spare_wait[i] = NULL;
			memset(w, 0, sizeof *w);
			return w;
		}
	}
	return mem_calloc(1, sizeof(wait_obj));
}

/* --- wait_obj: lifetime, dirty list, dependencies -------------------------- */

static wait_obj *wait_obj_of(server *s, registry_entry *e)
{
	if (!e->wait && (e->wait = wait_obj_new(s)))
		e->wait->entry = e;
	return e->wait;
}

/* Frees w once nothing needs it. */
static void wait_obj_gc(wait_obj *w)
{
	if (!w || w->first || w->dependents || w->dirty || w->busy)
		return;
	w->entry->wait = NULL;
	free(w->owners);
	free(w);
}

/* Marks w dirty: its calls run at the next wait_wake(), after those marked before. */
static void mark_one(server *s, wait_obj *w)
{
	if (!w || w->dirty || w->running || !w->first)
		return;
	w->dirty = true;
	w->dirty_next = NULL;
	w->dirty_prev = s->dirty_last;
	*(s->dirty_last ? &s->dirty_last->dirty_next : &s->dirty) = w;
	s->dirty_last = w;
}

static void unmark(server *s, wait_obj *w)
{
	if (!w->dirty)
		return;
	*(w->dirty_prev ? &w->dirty_prev->dirty_next : &s->dirty) = w->dirty_next;
	*(w->dirty_next ? &w->dirty_next->dirty_prev : &s->dirty_last) = w->dirty_prev;
	w->dirty_prev = w->dirty_next = NULL;
	w->dirty = false;
}

/*
 * e changed: its calls and those of the objects depending on it run again.
 * Dependents are marked on every change, even when e is dirty already: one
 * may have run since e was marked.
 */
static void mark(server *s, registry_entry *e)
{
	if (!e || !e->wait)
		return;
	mark_one(s, e->wait);
	for (wait_obj *d = e->wait->dependents; d; d = d->dep_next)
		mark_one(s, d);
}

/* w's calls depend on nothing any more. */
static void undepend(wait_obj *w)
{
	wait_obj *d = w->dep;
	if (!d)
		return;
	*(w->dep_prev ? &w->dep_prev->dep_next : &d->dependents) = w->dep_next;
	if (w->dep_next)
		w->dep_next->dep_prev = w->dep_prev;
	w->dep = w->dep_prev = w->dep_next = NULL;
	wait_obj_gc(d);
}

/*
 * A call on w's object opened `to`: while w has parked calls, a change to
 * `to` marks w dirty. One object at most: a condition opens only its lock
 * (opening another replaces it: the lock was deleted and made again).
 * Without memory for to's wait_obj (the reserve was used up) the link is
 * not made, and w's calls run again at w's own next change only.
 */
static void depend(server *s, wait_obj *w, registry_entry *to)
{
	if (!to || !w->first || to == w->entry || (w->dep && w->dep->entry == to))
		return;
	wait_obj *d = wait_obj_of(s, to);
	if (!d)
		return;
	undepend(w);
	w->dep = d;
	w->dep_next = d->dependents;
	if (d->dependents)
		d->dependents->dep_prev = w;
	d->dependents = w;
}

/* --- lanes and owners ---------------------------------------------------- */

static void lane_append(wait_obj *w, lane *l, parked *p)
{
	p->in = l;
	p->seq = ++w->seq;
	p->lnext = NULL;
	p->lprev = l->last;
	*(l->last ? &l->last->lnext : &l->first) = p;
	l->last = p;
}

static void lane_remove(parked *p)
{
	lane *l = p->in;
	*(p->lprev ? &p->lprev->lnext : &l->first) = p->lnext;
	*(p->lnext ? &p->lnext->lprev : &l->last) = p->lprev;
	p->lprev = p->lnext = NULL;
	p->in = NULL;
}

static bool is_owner_op(const parked *p)
{
	return (p->op->flags & OP_OWNER) != 0;
}

static size_t owner_home(uint64_t owner, size_t cap)
{
	return (size_t)((owner * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
}

/* owner's entry in w's owner table, or the free slot where it would go. */
static owner_slot *owner_slot_of(wait_obj *w, uint64_t owner)
{
	size_t i = owner_home(owner, w->owners_cap);
	while (w->owners[i].owner && w->owners[i].owner != owner)
		i = (i + 1) & (w->owners_cap - 1);
	return &w->owners[i];
}

/* Room for one more owner in w's table; false when out of memory. */
static bool owners_reserve(wait_obj *w)
{
	if (2 * (w->nowners + 1) <= w->owners_cap)
		return true;
	size_t cap = w->owners_cap ? 2 * w->owners_cap : 8;
	owner_slot *old = w->owners, *table = mem_calloc(cap, sizeof *table);
	if (!table)
		return false;
	size_t old_cap = w->owners_cap;
	w->owners = table;
	w->owners_cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].owner)
			*owner_slot_of(w, old[i].owner) = old[i];
	free(old);
	return true;
}

/* Empties slot x, moving back the entries after it that belong before it (linear probing). */
static void owner_slot_free(wait_obj *w, owner_slot *x)
{
	size_t mask = w->owners_cap - 1, i = (size_t)(x - w->owners), j = i;
	w->nowners--;
	for (;;) {
		w->owners[i].owner = 0;
		for (;;) {
			j = (j + 1) & mask;
			if (!w->owners[j].owner)
				return;
			size_t home = owner_home(w->owners[j].owner, w->owners_cap);
			/* j's entry may move to i unless its home lies cyclically in (i, j]. */
			if (i <= j ? (home <= i || home > j) : (home <= i && home > j))
				break;
		}
		w->owners[i] = w->owners[j];
		i = j;
	}
}

/* p, of an OP_OWNER op, joins its op's lane and its owner's calls there. */
static void owner_join(wait_obj *w, parked *p)
{
	owner_slot *slot = owner_slot_of(w, p->call.owner);
	if (slot->owner) {
		p->gprev = slot->last;
		slot->last->gnext = p;
	} else {
		slot->owner = p->call.owner;
		w->nowners++;
	}
	slot->last = p;
}

static void owner_leave(wait_obj *w, parked *p)
{
	if (p->gprev)
		p->gprev->gnext = p->gnext;
	if (p->gnext) {
		p->gnext->gprev = p->gprev;
	} else {
		owner_slot *slot = owner_slot_of(w, p->call.owner);
		if (p->gprev)
			slot->last = p->gprev;
		else
			owner_slot_free(w, slot);
	}
	p->gprev = p->gnext = NULL;
}

/* p answered OP_WAIT: it goes on waiting in its op's lane, or sleeps when it said so (c->sleep). */
static void place(wait_obj *w, parked *p)
{
	lane *want = p->call.sleep ? &w->sleeping : &w->lanes[p->slot];
	if (p->in == want)
		return;
	if (p->in)
		lane_remove(p);
	lane_append(w, want, p);
}

/* The first n sleeping calls of w (all of them for SIZE_MAX) wake: they join their ops' lanes. */
static void wake_sleepers(wait_obj *w, size_t n)
{
	for (; n > 0 && w->sleeping.first; n--) {
		parked *p = w->sleeping.first;
		lane_remove(p);
		lane_append(w, &w->lanes[p->slot], p);
	}
}

void wait_changed(server *s, registry_entry *e, registry_entry *opened, size_t wake)
{
	if (e && e->wait) {
		wake_sleepers(e->wait, wake);
		depend(s, e->wait, opened);
	}
	mark(s, e);
	mark(s, opened);
}

/* --- parking and answering ----------------------------------------------- */

static void free_parked(uv_handle_t *h)
{
	free(h->data);
}

static void list_append(wait_obj *w, parked *p)
{
	p->prev = w->last;
	*(w->last ? &w->last->next : &w->first) = p;
	w->last = p;
	if (is_owner_op(p))
		owner_join(w, p);
	place(w, p);
}

static void list_remove(wait_obj *w, parked *p)
{
	*(p->prev ? &p->prev->next : &w->first) = p->next;
	*(p->next ? &p->next->prev : &w->last) = p->prev;
	lane_remove(p);
	if (is_owner_op(p))
		owner_leave(w, p);
	if (!w->first)
		undepend(w);
}

/* Takes p off its wait list and frees it (once its timer is closed), unanswered. */
static void unpark(server *s, parked *p)
{
	wait_obj *w = p->entry->wait;
	wait_conn *mine = conn_waits(p->from);
	list_remove(w, p);
	*(p->cprev ? &p->cprev->cnext : &mine->first) = p->cnext;
	if (p->cnext)
		p->cnext->cprev = p->cprev;
	for (size_t i = 0; i < p->call.nargs; i++)
		om_value_free(&p->args[i]);
	op_answer_free(&p->call);
	mine->nparked--;
	s->nparked--;
	if (p->has_timer)
		uv_close((uv_handle_t *)&p->timer, free_parked);
	else
		free(p);
	wait_obj_gc(w);
}

/*
 * p's last run answered code: packs the reply for its connection, which
 * sends it after the wake-up (a notification's failure is only logged).
 */
static void finish(server *s, parked *p, int code)
{
	const op_call *c = &p->call;
	p->call.code = code;
	if (code == OM_OK && !(p->op->flags & OP_PASSIVE)) {
		watch_changed_values(s, p->entry, c->type, p->op->name, p->args, c->nargs);
		if (c->opened && c->opened != p->entry)
			watch_changed_values(s, c->opened, c->type, p->op->name, p->args, c->nargs);
	}
	if (!p->has_msgid) {
		if (code)
			log_debug("notification %s.%s failed: %s", c->type, p->op->name, c->message);
	} else {
		if (!rpc_pack_reply(conn_packer(p->from), p->msgid, c))
			log_debug("out of memory packing the reply of %s.%s", c->type, p->op->name);
		conn_reply_later(p->from);
	}
	unpark(s, p);
}

static void on_timeout(uv_timer_t *t);

static void start_timer(parked *p, uint64_t ns)
{
	uv_timer_start(&p->timer, on_timeout, (ns + NS_PER_MS - 1) / NS_PER_MS, 0);
}

/*
 * libuv's timers run on the loop's cached millisecond clock, which may lag:
 * a timer due too early is started again for what is left, so no call ever
 * answers its timeout before it has passed. The timed-out run may change
 * the object (a barrier breaks), so its object is marked dirty after it.
 */
static void on_timeout(uv_timer_t *t)
{
	parked *p = t->data;
	server *s = p->srv;
	registry_entry *e = p->entry, *opened;
	uint64_t now = uv_hrtime();
	if (now < p->deadline) {
		start_timer(p, p->deadline - now);
		return;
	}
	int rc = run_parked(s, p, true, &opened);
	size_t wake = p->call.wake;
	if (rc != OP_WAIT)
		finish(s, p, rc);
	else
		place(e->wait, p);
	wait_changed(s, e, opened, wake);
	/*
	 * Only a timeout ends the calls on a provisional object: a change
	 * that lets them through is a write that made it an object for good.
	 */
	wait_drop_unused(s, e);
	wait_wake(s);
}

/* wait_park() with the call's timeout given. */
static int park(server *s, conn *from, registry_entry *e, const op_def *op, op_call *c,
		const uint32_t *msgid, double timeout)
{
	if (timeout == 0) {
		int rc = run_again(s, op, e->obj, c, true);
		if (rc != OP_WAIT)
			return rc;
		timeout = -1; /* still waiting once timed out: no timeout any more */
	}
	wait_obj *w = wait_obj_of(s, e);
	parked *p = s->spare_parked;
	assert(w && p); /* reserved by wait_reserve() before the call ran */
	assert(op - e->type->ops < LANES);
	if ((op->flags & OP_OWNER) && !owners_reserve(w)) {
		wait_obj_gc(w);
		return op_no_memory(c); /* its first run changed nothing */
	}
	s->spare_parked = NULL;
	memset(p, 0, sizeof *p);
	wait_conn *mine = conn_waits(from);
	mine->nparked++; /* under --max-waiting: wait_admit() refuses blocking calls past it */
	p->srv = s;
	p->entry = e;
	p->from = from;
	p->op = op;
	p->slot = (int)(op - e->type->ops);
	p->has_msgid = msgid != NULL;
	p->msgid = msgid ? *msgid : 0;
	p->call = *c;
	/*
	 * A call that waits has answered nothing, and c keeps whatever it
	 * holds: the copy neither owns c's answer nor points into c (a view
	 * from op_ok_cval() or op_borrow_view() is packed from the op_call
	 * holding it: c here, p->call once a run of the parked call answers).
	 */
	p->call.result = om_nil();
	p->call.borrowed = NULL;
	memset(p->call.held, 0, sizeof p->call.held);
	p->call.name = e->name;
	p->call.args = p->args;
	for (size_t i = 0; i < c->nargs; i++) {
		p->args[i] = c->args[i];
		c->args[i] = om_nil();
	}
	list_append(w, p);
	p->cnext = mine->first;
	if (mine->first)
		mine->first->cprev = p;
	mine->first = p;
	s->nparked++;

	if (timeout > 0 && timeout < MAX_TIMEOUT_S) {
		uint64_t ns = (uint64_t)(timeout * NS_PER_S);
		p->deadline = uv_hrtime() + ns;
		uv_timer_init(s->loop, &p->timer);
		p->timer.data = p;
		p->has_timer = true;
		start_timer(p, ns);
	}
	return OP_WAIT;
}

int wait_park(server *s, conn *from, registry_entry *e, const op_def *op, op_call *c,
	      const uint32_t *msgid)
{
	return park(s, from, e, op, c, msgid, op_call_timeout(op, c));
}

int wait_park_now(server *s, conn *from, registry_entry *e, const op_def *op, op_call *c)
{
	return park(s, from, e, op, c, NULL, 0);
}

/* --- wake-ups ------------------------------------------------------------- */

/* The lane of w, not in `stopped` (bits by lane), whose first call joined first; -1: none. */
static int oldest_lane(const wait_obj *w, unsigned stopped)
{
	int best = -1;
	for (int i = 0; i < LANES; i++) {
		const parked *p = w->lanes[i].first;
		if (p && !(stopped & 1u << i) && (best < 0 || p->seq < w->lanes[best].first->seq))
			best = i;
	}
	return best;
}

/* Runs p, parked on w, once: true when it completed (a change), false when it waits still. */
static bool run_one(server *s, wait_obj *w, parked *p)
{
	registry_entry *opened;
	int rc = run_parked(s, p, false, &opened);
	if (rc == OP_WAIT) {
		place(w, p);
		depend(s, w, opened);
		return false;
	}
	size_t wake = p->call.wake;
	finish(s, p, rc);
	wait_changed(s, w->entry, opened, wake);
	return true;
}

/*
 * Runs w's lanes, see "Where a run stops" in wait.h: the first call of the
 * lane whose first call joined first, until each lane's first call waited
 * since the last change. A call completing is a change: every lane runs
 * again. When an OP_OWNER op's call completes, its owner's later calls in
 * that lane run right after it.
 */
static void wake_object(server *s, wait_obj *w)
{
	unsigned stopped = 0;
	int l;
	while ((l = oldest_lane(w, stopped)) >= 0) {
		parked *p = w->lanes[l].first;
		parked *same_owner = is_owner_op(p) ? p->gnext : NULL;
		if (!run_one(s, w, p)) {
			if (p->in == &w->lanes[l])
				stopped |= 1u << l;
			continue;
		}
		stopped = 0;
		while (same_owner) {
			p = same_owner;
			same_owner = p->gnext;
			if (!run_one(s, w, p))
				break;
		}
	}
}

/* Runs the dirty objects' lists until none is dirty; once the server is stopping, just forgets them. */
static void wake_dirty(server *s)
{
	while (s->dirty) {
		wait_obj *w = s->dirty;
		unmark(s, w);
		if (!s->stopping) {
			w->busy = w->running = true;
			wake_object(s, w);
			w->busy = w->running = false;
		}
		wait_obj_gc(w);
	}
}

void wait_wake(server *s)
{
	if (s->waking)
		return; /* the running wake-up goes on while anything is dirty */
	s->waking = true;
	while (s->dirty || s->ready) {
		wake_dirty(s);
		conn_flush_ready(s);
	}
	s->waking = false;
}

void wait_object_deleted(server *s, registry_entry *e)
{
	wait_obj *w = e->wait;
	if (!w)
		return;
	w->busy = true;
	while (w->first) {
		parked *p = w->first;
		int code = op_fail(&p->call, OM_BROKEN, "%s '%s' was deleted", e->type->name, e->name);
		finish(s, p, code);
	}
	while (w->dependents) {
		wait_obj *d = w->dependents;
		undepend(d);
		mark_one(s, d);
	}
	unmark(s, w);
	w->busy = false;
	wait_obj_gc(w);
}

void wait_drop_unused(server *s, registry_entry *e)
{
	if (e->provisional && !e->wait)
		registry_delete(&s->objects, e->name, e->len);
}

void wait_conn_closed(server *s, conn *from, uint64_t owner)
{
	wait_conn *mine = conn_waits(from);
	while (mine->first) {
		registry_entry *e = mine->first->entry;
		unpark(s, mine->first);
		wait_drop_unused(s, e);
	}
	/* Only a connection that called an object with a release hook can hold something. */
	msgpack_object closed = {.type = MSGPACK_OBJECT_POSITIVE_INTEGER, .via.u64 = owner};
	for (registry_entry *e = conn_is_holder(from) ? s->objects.holdable : NULL; e;
	     e = e->hold_next) {
		bool held = e->type->held_by && e->type->held_by(e->obj, owner) > 0;
		e->type->release(e->obj, owner);
		mark(s, e);
		if (held)
			watch_changed(s, e, "client", "closed", &closed, 1);
	}
	wait_wake(s);
}
