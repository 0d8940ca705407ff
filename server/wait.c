/*
 * wait.c — parked calls, their timers, and the wake-ups that run them again.
 *
 * A parked call owns its arguments and the op_call every run of it sees
 * (c->state kept between runs). Its name is its object's, which outlives
 * it: an object's parked calls are answered before it is deleted. Its
 * connection outlives it too: a closing connection drops its calls first.
 *
 * An object's wait_obj (entry->wait) holds its wait list, its place on the
 * server's dirty list, and the links between the objects whose calls open
 * another one and that one. It exists while the object has parked calls,
 * objects depending on it or a wake-up pending, and is freed once it has
 * none (wait_obj_gc). Calls only depend on an object while they are parked:
 * an object with an empty list depends on nothing.
 *
 * Nothing closes a connection or deletes an object while a wake-up runs
 * the lists: replies are only packed then, and sent (which may fail and
 * close a connection) once no object is dirty.
 */
#include "wait.h"

#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "dispatch.h"
#include "mem.h"

/* Timeouts longer than this (about 31 years) wait forever. */
#define MAX_TIMEOUT_S 1e9
#define NS_PER_S 1000000000.0
#define NS_PER_MS 1000000

/* FIFO ops are counted by their index in their type's table, which must be below this. */
#define FIFO_SLOTS 8

typedef struct parked {
	struct parked *prev, *next; /* in its object's wait list, oldest first */
	server *srv;
	registry_entry *entry;
	conn *from;
	const op_def *op;
	int slot;                   /* op's index in its type's table for a FIFO op, else -1 */
	uv_timer_t *timer;          /* NULL without a timeout, or once it expired */
	uint64_t deadline;          /* uv_hrtime() at which the timeout expires */
	uint32_t msgid;
	bool has_msgid;
	op_call call;
	om_value args[OP_MAX_ARGS];
} parked;

typedef struct wait_obj {
	registry_entry *entry;
	parked *first, *last;          /* its parked calls, oldest first */
	size_t nfifo[FIFO_SLOTS];      /* how many are calls of each FIFO op, by slot */
	size_t nother;                 /* and how many are calls of other ops */
	struct wait_obj *prev, *next;  /* in s->waiting, while it has parked calls */
	struct wait_obj *dirty_prev, *dirty_next; /* in s->dirty, while dirty */
	bool dirty;                    /* its calls must run again (only with parked calls) */
	bool busy;                     /* its list is being run or answered: keep it */
	struct wait_obj *dep;          /* what its calls open (a condition's named lock), or NULL */
	struct wait_obj *dep_prev, *dep_next; /* among dep's dependents */
	struct wait_obj *dependents;   /* the objects whose calls open this one */
} wait_obj;

/*
 * op's slot when it is an OP_FIFO op, else -1. Not rlock.acquire: its
 * holder's calls go through while others wait. Not condition.wait: each
 * waits for its own notification or timeout, and one whose timeout expired
 * may take the lock while an older one still waits to be notified.
 */
static int fifo_slot(const type_def *t, const op_def *op)
{
	size_t i = (size_t)(op - t->ops);
	return (op->flags & OP_FIFO) && i < FIFO_SLOTS ? (int)i : -1;
}

/* The call's timeout in seconds, or -1 for none (its timeout param is nil or absent). */
static double call_timeout(const op_def *op, const op_call *c)
{
	for (size_t i = 0; i < op->nargs && i < c->nargs; i++) {
		const om_value *v = &c->args[i];
		if (op->args[i].kind != ARG_TIMEOUT || v->kind == OM_NIL)
			continue;
		if (v->kind == OM_INT)
			return (double)v->as.i;
		return v->kind == OM_UINT ? (double)v->as.u : v->as.f;
	}
	return -1;
}

/* Runs c's handler again on obj, as its timeout expires when timed_out. */
static int run_again(const op_def *op, void *obj, op_call *c, bool timed_out)
{
	c->code = OM_OK;
	c->message[0] = '\0';
	c->timed_out = timed_out;
	int rc = op->fn(obj, c);
	c->timed_out = false; /* later runs of a call still waiting (see OP_WAIT) */
	return rc;
}

/* Runs p again; *opened is what the run opened through c->open, or NULL. */
static int run_parked(server *s, parked *p, bool timed_out, registry_entry **opened)
{
	s->opened = NULL;
	int rc = run_again(p->op, p->entry->obj, &p->call, timed_out);
	*opened = s->opened;
	return rc;
}

/* --- wait_obj: lifetime, dirty list, dependencies -------------------------- */

static wait_obj *wait_obj_of(registry_entry *e)
{
	if (!e->wait) {
		e->wait = xcalloc(1, sizeof *e->wait);
		e->wait->entry = e;
	}
	return e->wait;
}

/* Frees w once nothing needs it. */
static void wait_obj_gc(wait_obj *w)
{
	if (!w || w->first || w->dependents || w->dirty || w->busy)
		return;
	w->entry->wait = NULL;
	free(w);
}

/* Marks w dirty: its calls run at the next wait_wake(), after those marked before. */
static void mark_one(server *s, wait_obj *w)
{
	if (!w || w->dirty || !w->first)
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
 */
static void depend(wait_obj *w, registry_entry *to)
{
	if (!to || !w->first || to == w->entry || (w->dep && w->dep->entry == to))
		return;
	undepend(w);
	wait_obj *d = wait_obj_of(to);
	w->dep = d;
	w->dep_next = d->dependents;
	if (d->dependents)
		d->dependents->dep_prev = w;
	d->dependents = w;
}

void wait_changed(server *s, registry_entry *e, registry_entry *opened)
{
	if (e && e->wait)
		depend(e->wait, opened);
	mark(s, e);
	mark(s, opened);
}

/* --- parking and answering ----------------------------------------------- */

static void free_handle(uv_handle_t *h)
{
	free(h);
}

static void stop_timer(parked *p)
{
	if (!p->timer)
		return;
	uv_close((uv_handle_t *)p->timer, free_handle);
	p->timer = NULL;
}

static void list_append(server *s, wait_obj *w, parked *p)
{
	if (!w->first) {
		w->next = NULL;
		w->prev = s->waiting_last;
		*(s->waiting_last ? &s->waiting_last->next : &s->waiting) = w;
		s->waiting_last = w;
	}
	p->prev = w->last;
	*(w->last ? &w->last->next : &w->first) = p;
	w->last = p;
	if (p->slot >= 0)
		w->nfifo[p->slot]++;
	else
		w->nother++;
}

static void list_remove(server *s, wait_obj *w, parked *p)
{
	*(p->prev ? &p->prev->next : &w->first) = p->next;
	*(p->next ? &p->next->prev : &w->last) = p->prev;
	if (p->slot >= 0)
		w->nfifo[p->slot]--;
	else
		w->nother--;
	if (w->first)
		return;
	*(w->prev ? &w->prev->next : &s->waiting) = w->next;
	*(w->next ? &w->next->prev : &s->waiting_last) = w->prev;
	w->prev = w->next = NULL;
	undepend(w);
}

/* Takes p off its wait list and frees it, unanswered. */
static void unpark(server *s, parked *p)
{
	wait_obj *w = p->entry->wait;
	list_remove(s, w, p);
	stop_timer(p);
	for (size_t i = 0; i < p->call.nargs; i++)
		om_value_free(&p->args[i]);
	op_answer_free(&p->call);
	(*conn_parked(p->from))--;
	free(p);
	s->nparked--;
	wait_obj_gc(w);
}

/* p's last run answered code: packs the reply for its connection, which sends it after the wake-up. */
static void finish(server *s, parked *p, int code)
{
	p->call.code = code;
	dispatch_reply(conn_packer(p->from), p->has_msgid ? &p->msgid : NULL, p->op, &p->call);
	if (p->has_msgid)
		conn_reply_later(p->from);
	unpark(s, p);
}

static void on_timeout(uv_timer_t *t);

static void start_timer(parked *p, uint64_t ns)
{
	uv_timer_start(p->timer, on_timeout, (ns + NS_PER_MS - 1) / NS_PER_MS, 0);
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
	stop_timer(p);
	int rc = run_parked(s, p, true, &opened);
	if (rc != OP_WAIT)
		finish(s, p, rc);
	wait_changed(s, e, opened);
	wait_wake(s);
}

int wait_park(server *s, conn *from, registry_entry *e, const op_def *op, op_call *c,
	      const uint32_t *msgid)
{
	double timeout = call_timeout(op, c);
	if (timeout == 0) {
		int rc = run_again(op, e->obj, c, true);
		if (rc != OP_WAIT)
			return rc;
		timeout = -1; /* still waiting once timed out: no timeout any more */
	}
	(*conn_parked(from))++; /* under --max-waiting: dispatch refuses blocking calls past it */
	parked *p = xcalloc(1, sizeof *p);
	p->srv = s;
	p->entry = e;
	p->from = from;
	p->op = op;
	p->slot = fifo_slot(e->type, op);
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
	list_append(s, wait_obj_of(e), p);
	s->nparked++;

	if (timeout > 0 && timeout < MAX_TIMEOUT_S) {
		uint64_t ns = (uint64_t)(timeout * NS_PER_S);
		p->deadline = uv_hrtime() + ns;
		p->timer = xmalloc(sizeof *p->timer);
		uv_timer_init(s->loop, p->timer);
		p->timer->data = p;
		start_timer(p, ns);
	}
	return OP_WAIT;
}

/* --- wake-ups ------------------------------------------------------------- */

/* Where a run of one wait list is: see "Where a run of a list stops" in wait.h. */
typedef struct list_run {
	size_t left[FIFO_SLOTS]; /* calls of each FIFO op not reached yet */
	size_t other_left;       /* calls of other ops not reached yet */
	unsigned skipped;        /* the FIFO ops (bits by slot) a call of which waited in this run */
} list_run;

/* Whether every call not reached yet would wait: the run can end. */
static bool run_over(const list_run *r)
{
	if (r->other_left)
		return false;
	for (int i = 0; i < FIFO_SLOTS; i++)
		if (r->left[i] && !(r->skipped & 1u << i))
			return false;
	return true;
}

/*
 * Runs w's parked calls once, oldest first, but for the later calls of a
 * FIFO op one call of which waited: those run again in w's next run, which
 * a call completing in this one (a change) brings about, so that the
 * oldest of them has the first chance at what the change freed.
 */
static void wake_object(server *s, wait_obj *w)
{
	list_run r = {.other_left = w->nother};
	memcpy(r.left, w->nfifo, sizeof r.left);
	parked *next;
	for (parked *p = w->first; p && !run_over(&r); p = next) {
		next = p->next;
		if (p->slot < 0)
			r.other_left--;
		else
			r.left[p->slot]--;
		if (p->slot >= 0 && (r.skipped & 1u << p->slot))
			continue;
		registry_entry *opened;
		int rc = run_parked(s, p, false, &opened);
		if (rc == OP_WAIT) {
			if (p->slot >= 0)
				r.skipped |= 1u << p->slot;
			depend(w, opened);
			continue;
		}
		finish(s, p, rc);
		wait_changed(s, w->entry, opened);
	}
}

/* Runs the dirty objects' lists until none is dirty; once the server is stopping, just forgets them. */
static void wake_dirty(server *s)
{
	while (s->dirty) {
		wait_obj *w = s->dirty;
		unmark(s, w);
		if (!s->stopping) {
			w->busy = true;
			wake_object(s, w);
			w->busy = false;
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

void wait_conn_closed(server *s, conn *from, uint64_t owner)
{
	wait_obj *next_w;
	for (wait_obj *w = *conn_parked(from) ? s->waiting : NULL; w; w = next_w) {
		next_w = w->next;
		parked *next;
		for (parked *p = w->first; p; p = next) {
			next = p->next;
			if (p->from == from)
				unpark(s, p);
		}
	}
	/* Only a connection that called an object with a release hook can hold something. */
	for (registry_entry *e = conn_is_holder(from) ? s->objects.holdable : NULL; e;
	     e = e->hold_next) {
		e->type->release(e->obj, owner);
		mark(s, e);
	}
	wait_wake(s);
}
