/*
 * wait.c — parked calls, their timers, and the wake-ups that run them again.
 *
 * A parked call owns its arguments and the op_call every run of it sees
 * (c->state kept between runs). Its name is its object's, which outlives
 * it: an object's parked calls are answered before it is deleted. Its
 * connection outlives it too: a closing connection drops its calls first.
 *
 * Nothing closes a connection or deletes an object while a wake-up pass
 * walks the lists: replies are only packed during the passes, and sent
 * (which may fail and close a connection) once they are over.
 */
#include "wait.h"

#include <stdlib.h>

#include "conn.h"
#include "dispatch.h"
#include "mem.h"

/* Timeouts longer than this (about 31 years) wait forever. */
#define MAX_TIMEOUT_S 1e9
#define NS_PER_S 1000000000.0
#define NS_PER_MS 1000000

typedef struct parked {
	struct parked *prev, *next; /* in entry's wait list, oldest first */
	server *srv;
	registry_entry *entry;
	conn *from;
	const op_def *op;
	uv_timer_t *timer;          /* NULL without a timeout, or once it expired */
	uint64_t deadline;          /* uv_hrtime() at which the timeout expires */
	uint32_t msgid;
	bool has_msgid;
	op_call call;
	om_value args[OP_MAX_ARGS];
} parked;

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

/* Takes p off its wait list and frees it, unanswered. */
static void unpark(server *s, parked *p)
{
	registry_entry *e = p->entry;
	*(p->prev ? &p->prev->next : &e->wait_first) = p->next;
	*(p->next ? &p->next->prev : &e->wait_last) = p->prev;
	if (!e->wait_first) {
		*(e->wait_prev ? &e->wait_prev->wait_next : &s->waiting) = e->wait_next;
		*(e->wait_next ? &e->wait_next->wait_prev : &s->waiting_last) = e->wait_prev;
		e->wait_prev = e->wait_next = NULL;
	}
	stop_timer(p);
	for (size_t i = 0; i < p->call.nargs; i++)
		om_value_free(&p->args[i]);
	om_value_free(&p->call.result);
	(*conn_parked(p->from))--;
	free(p);
	s->nparked--;
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
 * answers its timeout before it has passed.
 */
static void on_timeout(uv_timer_t *t)
{
	parked *p = t->data;
	server *s = p->srv;
	uint64_t now = uv_hrtime();
	if (now < p->deadline) {
		start_timer(p, p->deadline - now);
		return;
	}
	stop_timer(p);
	int rc = run_again(p->op, p->entry->obj, &p->call, true);
	if (rc != OP_WAIT)
		finish(s, p, rc);
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
	if (*conn_parked(from) >= s->limits.max_waiting)
		return op_fail(c, OM_LIMIT, "%s.%s: this connection already has %zu calls waiting (--max-waiting)",
			       c->type, op->name, s->limits.max_waiting);
	(*conn_parked(from))++;
	parked *p = xcalloc(1, sizeof *p);
	p->srv = s;
	p->entry = e;
	p->from = from;
	p->op = op;
	p->has_msgid = msgid != NULL;
	p->msgid = msgid ? *msgid : 0;
	p->call = *c;
	p->call.name = e->name;
	p->call.args = p->args;
	for (size_t i = 0; i < c->nargs; i++) {
		p->args[i] = c->args[i];
		c->args[i] = om_nil();
	}

	p->prev = e->wait_last;
	*(e->wait_last ? &e->wait_last->next : &e->wait_first) = p;
	e->wait_last = p;
	if (!p->prev) {
		e->wait_prev = s->waiting_last;
		*(s->waiting_last ? &s->waiting_last->wait_next : &s->waiting) = e;
		s->waiting_last = e;
	}
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

/* Runs every parked call once, each list oldest first; true when any completed. */
static bool wake_pass(server *s)
{
	bool completed = false;
	registry_entry *next_e;
	for (registry_entry *e = s->waiting; e; e = next_e) {
		next_e = e->wait_next;
		parked *next;
		for (parked *p = e->wait_first; p; p = next) {
			next = p->next;
			int rc = run_again(p->op, e->obj, &p->call, false);
			if (rc == OP_WAIT)
				continue;
			finish(s, p, rc);
			completed = true;
		}
	}
	return completed;
}

void wait_wake(server *s)
{
	if (s->waking) {
		s->wake_again = true;
		return;
	}
	s->waking = true;
	do {
		s->wake_again = false;
		while (!s->stopping && wake_pass(s))
			;
		conn_flush_ready(s);
	} while (s->wake_again);
	s->waking = false;
}

void wait_object_deleted(server *s, registry_entry *e)
{
	while (e->wait_first) {
		parked *p = e->wait_first;
		int code = op_fail(&p->call, OM_BROKEN, "%s '%s' was deleted", e->type->name, e->name);
		finish(s, p, code);
	}
}

void wait_conn_closed(server *s, conn *from, uint64_t owner)
{
	registry_entry *next_e;
	for (registry_entry *e = s->waiting; e; e = next_e) {
		next_e = e->wait_next;
		parked *next;
		for (parked *p = e->wait_first; p; p = next) {
			next = p->next;
			if (p->from == from)
				unpark(s, p);
		}
	}
	for (registry_entry *e = s->objects.holdable; e; e = e->hold_next)
		e->type->release(e->obj, owner);
	wait_wake(s);
}
