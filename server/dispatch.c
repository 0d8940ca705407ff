/*
 * dispatch.c — "type.op" to an operation, parameter checks, and the
 * object rules every data-type method shares:
 *  - params[0] names the object (a valid registry name);
 *  - an object is created by a write that succeeds, or by a blocking call
 *    that parks; a call answered with an error leaves nothing behind, nor
 *    does one that only waits (OP_PASSIVE) answered at once. An object a
 *    call parked on, or a lock a condition's call opened, is provisional
 *    (registry_entry.provisional) until a write succeeds on it: it goes
 *    when the call that made it fails, or when its last parked call ends
 *    (a timeout, a closed connection) without any success;
 *  - a read on a free name runs on a fresh empty object, destroyed once
 *    the reply is packed, so reads never create anything;
 *  - a name used as another type answers wrong_type.
 * Each argument is decoded into an owned value (at most SERVER_MAX_DEPTH
 * levels deep), the handler runs, the answer is packed straight into the
 * connection's output buffer, and the arguments are freed. A call that
 * must wait (OP_WAIT) is handed to wait.c with its arguments instead, and
 * after a write the parked calls it may let through run again (wait.h).
 *
 * Running out of memory anywhere in a call answers it limit "out of
 * memory", every object left as it was: decoding, creating the object,
 * the handler (which allocates before it changes anything), packing the
 * reply (taken back out of the output and replaced by that error).
 */
#include "dispatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "batch.h"
#include "codec.h"
#include "conn.h"
#include "journal.h"
#include "log.h"
#include "memory.h"
#include "reply.h"
#include "stats.h"
#include "value.h"
#include "wait.h"
#include "watch.h"

/*
 * Objects smaller than this fit in the CPU's caches: hashing their keys
 * twice (once to prefetch) would cost more than the prefetch saves.
 */
#define PREFETCH_MIN_LEN 16384

/* How much of an unknown method name an error message repeats. */
#define SHOWN_METHOD 64

static const om_value no_options; /* nil */

int dispatch_wrong_type(op_call *c, const registry_entry *e, const type_def *want)
{
	return op_fail(c, OM_WRONG_TYPE, "\"%s\" is a %s, not a %s", e->name, e->type->name,
		       want->name);
}

static int check_name(const type_def *t, const op_def *op, const char *param,
		      const char *name, size_t len, op_call *c)
{
	if (object_name_valid(name, len))
		return OM_OK;
	return op_fail(c, OM_BAD_PARAMS,
		       "%s.%s: parameter '%s' must be a non-empty string of at most %d bytes without NUL",
		       t->name, op->name, param, OBJECT_NAME_MAX);
}

/* Copies the object name params[0] into name (OBJECT_NAME_MAX + 1 bytes), NUL-terminated. */
static int take_name(const type_def *t, const op_def *op, const msgpack_object_array *params,
		     op_call *c, char *name, size_t *len)
{
	if (params->size == 0)
		return op_fail(c, OM_BAD_PARAMS, "%s.%s: parameter 'name' is missing", t->name, op->name);
	const msgpack_object *o = &params->ptr[0];
	bool str = o->type == MSGPACK_OBJECT_STR;
	if (check_name(t, op, "name", str ? o->via.str.ptr : NULL, str ? o->via.str.size : 0, c))
		return c->code;
	memcpy(name, o->via.str.ptr, o->via.str.size);
	name[o->via.str.size] = '\0';
	*len = o->via.str.size;
	return OM_OK;
}

/* Where a call ran: its registered object, or a temporary one for a read of a free name. */
typedef struct target {
	registry_entry *entry;
	void *temp;
} target;

/*
 * Runs op on the object named c->name (len bytes). A read of a free name
 * runs on a new empty object left in to->temp: the answer may borrow from
 * it, so the caller destroys it after packing. A write that waits keeps
 * the object it created: the call is parked on it. A write allocates the
 * new object's registry entry first: once it has run, adding it cannot fail.
 */
static int run_on_object(server *s, const type_def *t, const op_def *op, size_t len,
			 op_call *c, target *to)
{
	registry_entry *e = registry_find(&s->objects, c->name, len);
	if (e) {
		if (e->type != t)
			return dispatch_wrong_type(c, e, t);
		to->entry = e;
		return op->fn(e->obj, c);
	}
	registry_entry *fresh = NULL;
	if ((op->flags & OP_WRITE) && !(fresh = registry_entry_new(c->name, len)))
		return op_no_memory(c);
	void *obj = t->create(&no_options, c);
	if (!obj) {
		free(fresh);
		return c->code;
	}
	int rc = op->fn(obj, c);
	if (!(op->flags & OP_WRITE) || (rc == OM_OK && (op->flags & OP_PASSIVE))) {
		free(fresh);
		to->temp = obj;
		return rc;
	}
	if (rc != OM_OK && rc != OP_WAIT) {
		t->destroy(obj);
		free(fresh);
		return rc;
	}
	registry_insert(&s->objects, fresh, t, obj);
	fresh->provisional = rc == OP_WAIT;
	to->entry = fresh;
	return rc;
}

/* c->open: the object called name of type t, created when the name is free. */
static void *open_object(void *ctx, const char *name, const type_def *t, op_call *c)
{
	server *s = ctx;
	size_t len = strlen(name);
	if (!object_name_valid(name, len)) {
		op_fail(c, OM_BAD_PARAMS, "%s: \"%s\" is not a valid object name", c->type, name);
		return NULL;
	}
	registry_entry *e = registry_find(&s->objects, name, len);
	if (e && e->type != t) {
		dispatch_wrong_type(c, e, t);
		return NULL;
	}
	if (!e) {
		void *obj = t->create(&no_options, c);
		if (!obj)
			return NULL;
		e = registry_add(&s->objects, name, len, t, obj);
		if (!e) {
			t->destroy(obj);
			op_no_memory(c);
			return NULL;
		}
		e->provisional = true; /* kept if the call succeeds (settle_created()) */
	}
	c->opened = e; /* for wait.c: the calls of c's object depend on e */
	return e->obj;
}

/* Whether op's argument i is decoded as a view into the request (OP_LOOKUP). */
static bool arg_is_view(const op_def *op, size_t i)
{
	return i == 0 && (op->flags & OP_LOOKUP);
}

/*
 * Whether a call that may be journaled has room for its record
 * (journal_admit()). Only what journal.c records asks: writes to data
 * types, objects.create and objects.delete, and a call that makes a
 * coordination object (its existence is recorded); releasing a lock
 * never waits for the disk.
 */
static bool journal_admits(server *s, const type_def *t, const op_def *op, size_t len,
			   size_t size, op_call *c)
{
	if (!(op->flags & OP_WRITE) || (op->flags & OP_PASSIVE))
		return true;
	if (t->admin ? op != &admin_ops[ADMIN_OBJECTS_CREATE] && op != &admin_ops[ADMIN_OBJECTS_DELETE]
		     : t->release && registry_find(&s->objects, c->name, len))
		return true;
	return journal_admit(s, size, c);
}

/*
 * Decodes the arguments, checks them and runs t.op. Only the first
 * op->nargs arguments are decoded: with more, op_check_args rejects the
 * call on their count before it looks at any of them.
 */
static int execute(server *s, const type_def *t, const op_def *op,
		   const msgpack_object_array *params, size_t size, char *name, op_call *c,
		   size_t *ndecoded, target *to)
{
	size_t len = 0, first = 0;
	if (!t->admin) {
		if (take_name(t, op, params, c, name, &len))
			return c->code;
		first = 1;
	}
	c->nargs = params->size - first;
	for (size_t i = 0; i < c->nargs && i < op->nargs; i++, (*ndecoded)++) {
		const msgpack_object *arg = &params->ptr[first + i];
		int rc = arg_is_view(op, i) ? codec_decode_view(arg, &c->args[i], SERVER_MAX_DEPTH)
					    : codec_decode(arg, &c->args[i], SERVER_MAX_DEPTH);
		if (rc == OM_LIMIT)
			return op_no_memory(c);
		if (rc == OM_BAD_PARAMS)
			return op_fail(c, OM_BAD_PARAMS,
				       "%s.%s: parameter '%s' holds a reference whose name is not a "
				       "valid object name (1 to %d bytes without NUL)",
				       t->name, op->name, op->args[i].name, OBJECT_NAME_MAX);
		if (rc != OM_OK)
			return op_fail(c, OM_TOO_DEEP,
				       "%s.%s: parameter '%s' nests arrays and maps more than %d levels deep",
				       t->name, op->name, op->args[i].name, SERVER_MAX_DEPTH);
	}
	if (op_check_args(t, op, c))
		return c->code;
	if (s->journal && !journal_admits(s, t, op, len, size, c))
		return c->code;
	if (!t->admin)
		return run_on_object(s, t, op, len, c, to);
	for (size_t i = 0; i < c->nargs; i++)
		if (op->args[i].kind == ARG_NAME &&
		    check_name(t, op, op->args[i].name, c->args[i].as.str, c->args[i].len, c))
			return c->code;
	return admin_handler(t, op)(s, c);
}

/* Sets up c for a call of t by owner, with name and args as its storage. */
static void call_begin(server *s, const type_def *t, op_call *c, char *name, om_value *args,
		       uint64_t owner)
{
	memset(c, 0, sizeof *c);
	name[0] = '\0';
	c->type = t->name;
	c->name = name;
	c->args = args;
	c->owner = owner;
	c->open = open_object;
	c->open_ctx = s;
}

/* Frees what a call of t.op decoded and answered, and the temporary object it ran on. */
static void call_end(const type_def *t, const op_def *op, op_call *c, size_t ndecoded,
		     const target *to)
{
	for (size_t i = 0; i < ndecoded; i++) {
		if (arg_is_view(op, i))
			codec_view_free(&c->args[i]);
		else
			om_value_free(&c->args[i]);
	}
	op_answer_free(c);
	if (to->temp)
		t->destroy(to->temp);
}

/* Packs a server.error bad_request notification; out of memory, conn.c closes the connection. */
static void pack_server_error(msgpack_packer *pk, const char *message)
{
	codec_out *out = codec_out_of(pk);
	size_t mark = out->buf->size;
	rpc_pack_server_error(pk, OM_BAD_REQUEST, message);
	if (out->failed)
		out->buf->size = mark;
}

/* Packs c's reply to msgid into from's output; a notification's (msgid NULL) failure is only logged. */
static void reply(conn *from, const uint32_t *msgid, const op_def *op, const op_call *c)
{
	if (!msgid) {
		if (c->code)
			log_debug("notification %s.%s failed: %s", c->type, op->name, c->message);
		return;
	}
	if (!rpc_pack_reply(conn_packer(from), *msgid, c))
		log_debug("out of memory packing the reply of %s.%s", c->type, op->name);
}

/*
 * Over --max-memory, a write that can grow memory (OP_GROWS) is answered
 * limit before it runs; everything else runs, so that clients can free
 * memory and release what they hold (Redis's noeviction policy).
 */
static bool memory_refused(server *s, const type_def *t, const op_def *op, op_call *c)
{
	size_t used;
	if (!(op->flags & OP_GROWS) || !memory_over_limit(s, &used))
		return false;
	op_fail(c, OM_LIMIT, "%s.%s: used memory %zu is over --max-memory %zu", t->name, op->name,
		used, s->limits.max_memory);
	return true;
}

/*
 * After call c of op answered rc (OP_WAIT: it parked; waited: its first
 * run answered OP_WAIT): the provisional objects it ran on (e) and opened
 * are kept once a write succeeds on them, without waiting (an answer after
 * a wait of timeout 0 is a timeout), and dropped when it failed and no
 * call waits on them. What a parked call opened stays: it waits on it.
 */
static void settle_created(server *s, const op_def *op, registry_entry *e,
			   registry_entry *opened, int rc, bool waited)
{
	bool succeeded = rc == OM_OK && (op->flags & OP_WRITE) && !(op->flags & OP_PASSIVE) &&
			 !waited;
	if (e && e->provisional) {
		if (succeeded)
			e->provisional = false;
		else
			wait_drop_unused(s, e);
	}
	if (opened && opened != e && opened->provisional) {
		if (succeeded || rc == OP_WAIT)
			opened->provisional = false;
		else
			wait_drop_unused(s, opened);
	}
}

/* Whether a call of op that succeeds changes its object (a write that does more than wait). */
static bool changes(const op_def *op)
{
	return (op->flags & OP_WRITE) && !(op->flags & OP_PASSIVE);
}

/*
 * A call of data type t's op with params changed e (and the lock it
 * opened): new versions, and the watchers told, after its reply.
 */
static void tell_changed(server *s, const type_def *t, const op_def *op,
		    const msgpack_object_array *params, registry_entry *e, registry_entry *opened)
{
	watch_changed(s, e, t->name, op->name, params->ptr + 1, params->size - 1);
	if (opened && opened != e)
		watch_changed(s, opened, t->name, op->name, params->ptr + 1, params->size - 1);
}

/* Packs c's answer as an item of server.batch's answer, [error, result], into pk. */
static void pack_batch_answer(msgpack_packer *pk, const op_call *c)
{
	codec_out *out = codec_out_of(pk);
	size_t mark = out->buf->size;
	msgpack_pack_array(pk, 2);
	if (c->code) {
		rpc_pack_error_value(pk, c->code, c->message);
		msgpack_pack_nil(pk);
	} else {
		msgpack_pack_nil(pk);
		codec_pack(pk, op_answer(c));
	}
	if (!out->failed)
		return;
	out->buf->size = mark;
	out->failed = false;
	msgpack_pack_array(pk, 2);
	rpc_pack_error_value(pk, OM_LIMIT, "out of memory");
	msgpack_pack_nil(pk);
}

/*
 * Runs a request (msgid set) or a notification (msgid NULL) of method t.op
 * from connection `from`; key_hash is its key's hash when already known.
 * In a batch (batch set), the call does not wait and its answer is packed
 * into batch; the batch wakes the parked calls once it is over. Answers
 * the call's code (OP_WAIT: it waits).
 */
static int run_call(server *s, conn *from, const type_def *t, const op_def *op,
		    const msgpack_object_array *params, size_t size, const uint32_t *msgid,
		    const uint64_t *key_hash, msgpack_packer *batch)
{
	char name[OBJECT_NAME_MAX + 1];
	om_value args[OP_MAX_ARGS];
	op_call c;
	call_begin(s, t, &c, name, args, conn_id(from));
	c.key_hashed = key_hash != NULL;
	c.key_hash = key_hash ? *key_hash : 0;
	size_t ndecoded = 0;
	target to = {NULL, NULL};

	s->ops_total++;
	if (s->nmonitors)
		watch_call(s, from, t, op, params);
	s->call_params = params;
	method_stats *st = stats_of(s->stats, t, op);
	int rc = !wait_admit(s, from, t, op, &c) || memory_refused(s, t, op, &c)
			 ? c.code
			 : execute(s, t, op, params, size, name, &c, &ndecoded, &to);
	registry_entry *opened = c.opened;
	if (t->release || (opened && opened->type->release))
		conn_note_holder(from);
	bool waited = rc == OP_WAIT;
	if (rc == OP_WAIT)
		rc = batch ? wait_park_now(s, from, to.entry, op, &c)
			   : wait_park(s, from, to.entry, op, &c, msgid);
	c.code = rc == OP_WAIT ? OM_TIMEOUT : rc;
	if (batch && rc == OP_WAIT)
		op_fail(&c, OM_TIMEOUT, "%s.%s: it must wait, which a batch does not: it waits on, "
			"unanswered", t->name, op->name);
	if (batch)
		pack_batch_answer(batch, &c);
	else if (rc != OP_WAIT)
		reply(from, msgid, op, &c);
	if (rc == OM_OK && !waited && !t->admin && changes(op))
		tell_changed(s, t, op, params, to.entry, opened);
	s->call_params = NULL;

	call_end(t, op, &c, ndecoded, &to);
	bool changed = s->nparked && (op->flags & OP_WRITE);
	if (changed)
		wait_changed(s, to.entry, opened, c.wake);
	settle_created(s, op, to.entry, opened, rc, waited);
	if (s->journal && rc == OM_OK && (op->flags & OP_WRITE) && !waited)
		journal_call(s, t, op, params, to.entry, opened);
	if (changed && !batch)
		wait_wake(s);
	st->calls++;
	uint64_t now = uv_hrtime();
	st->ns += now - s->call_clock;
	s->call_clock = now;
	return rc;
}

int dispatch_batch_call(server *s, conn *from, const type_def *t, const op_def *op,
			const msgpack_object_array *params, msgpack_packer *pk)
{
	int rc = run_call(s, from, t, op, params, 0, NULL, NULL, pk);
	return rc == OP_WAIT ? OM_TIMEOUT : rc;
}

void dispatch_clock_start(server *s)
{
	s->call_clock = uv_hrtime();
}

const op_def *dispatch_find_method(const char *method, size_t len, const type_def **t)
{
	const char *dot = len ? memchr(method, '.', len) : NULL;
	if (!dot)
		return NULL;
	*t = type_find(method, (size_t)(dot - method));
	if (!*t)
		return NULL;
	return type_find_op(*t, dot + 1, len - (size_t)(dot - method) - 1);
}

void dispatch_read(dispatch_msg *d, const msgpack_object *o)
{
	char err[1];
	d->o = *o;
	d->parsed = !rpc_parse(&d->o, &d->m, err, sizeof err);
	d->op = NULL;
	d->size = 0;
	d->key_hashed = false;
	if (d->parsed && d->m.type != RPC_RESPONSE)
		d->op = dispatch_find_method(d->m.method, d->m.method_len, &d->t);
}

/* Where message d's keyed operation will look, if it has one; hashes its key into d. */
static bool key_target(server *s, dispatch_msg *d, const registry_entry **e)
{
	if (!d->op || !(d->op->flags & OP_KEYED) || !d->t->prefetch)
		return false;
	const msgpack_object_array *params = &d->m.params->via.array;
	om_value key;
	if (params->size < 2 || params->ptr[0].type != MSGPACK_OBJECT_STR ||
	    !codec_view(&params->ptr[1], &key))
		return false;
	const msgpack_object_str *name = &params->ptr[0].via.str;
	*e = registry_find(&s->objects, name->ptr, name->size);
	if (!*e || (*e)->type != d->t || d->t->len((*e)->obj) < PREFETCH_MIN_LEN)
		return false;
	d->key_hash = value_hash(&key);
	d->key_hashed = true;
	return true;
}

void dispatch_prefetch(server *s, dispatch_msg *msgs, size_t n)
{
	const registry_entry *at[DISPATCH_BATCH];
	dispatch_msg *of[DISPATCH_BATCH];
	size_t k = 0;
	if (n < 2)
		return; /* one lookup has nothing to overlap with */
	for (size_t i = 0; i < n && k < DISPATCH_BATCH; i++)
		if (key_target(s, &msgs[i], &at[k]))
			of[k++] = &msgs[i];
	for (int stage = 0; stage < 2; stage++)
		for (size_t i = 0; i < k; i++)
			at[i]->type->prefetch(at[i]->obj, of[i]->key_hash, stage);
}

void dispatch_message(server *s, conn *from, const dispatch_msg *d)
{
	msgpack_packer *pk = conn_packer(from);
	const rpc_msg *m = &d->m;
	char err[128];
	if (!d->parsed) {
		rpc_msg again; /* parsed once more, for the words of the error */
		rpc_parse(&d->o, &again, err, sizeof err);
		if (again.type == RPC_REQUEST && again.has_msgid)
			rpc_pack_error_reply(pk, again.msgid, OM_BAD_REQUEST, err);
		else if (again.type == RPC_RESPONSE)
			log_debug("ignored a malformed response: %s", err);
		else /* no msgid to answer: a client waiting for one is told all the same */
			pack_server_error(pk, err);
		return;
	}
	if (m->type == RPC_RESPONSE) {
		log_debug("ignored a response (msgid %u): the server takes requests", m->msgid);
		return;
	}
	int shown = (int)(m->method_len < SHOWN_METHOD ? m->method_len : SHOWN_METHOD);
	if (!d->op && m->type == RPC_REQUEST) {
		snprintf(err, sizeof err, "no such method: %.*s", shown, m->method);
		rpc_pack_error_reply(pk, m->msgid, OM_NO_SUCH_METHOD, err);
		return;
	}
	if (!d->op) {
		log_debug("ignored a notification of unknown method '%.*s'", shown, m->method);
		return;
	}
	conn_note_request(from);
	const uint32_t *msgid = m->type == RPC_REQUEST ? &m->msgid : NULL;
	if (d->op == &admin_ops[ADMIN_SERVER_BATCH]) {
		batch_run(s, from, &m->params->via.array, msgid);
		return;
	}
	run_call(s, from, d->t, d->op, &m->params->via.array, d->size, msgid,
		 d->key_hashed ? &d->key_hash : NULL, NULL);
}

/* The owner of what a replayed call acquires: no connection has it. */
#define REPLAY_OWNER UINT64_MAX

static int replay(server *s, const msgpack_object *record, bool nested, char *why, size_t size);

/* An atomic batch's records, grouped as one (journal_group()): each in turn. */
static int replay_batch(server *s, const msgpack_object_array *records, char *why, size_t size)
{
	for (uint32_t i = 0; i < records->size; i++)
		if (replay(s, &records->ptr[i], true, why, size))
			return -1;
	return 0;
}

int dispatch_replay(server *s, const msgpack_object *record, char *why, size_t size)
{
	return replay(s, record, false, why, size);
}

/* A record run as a call; nested: inside a batch's, where no batch may be. */
static int replay(server *s, const msgpack_object *record, bool nested, char *why, size_t size)
{
	const msgpack_object *a = record->via.array.ptr;
	if (record->type != MSGPACK_OBJECT_ARRAY || record->via.array.size != 2 ||
	    a[0].type != MSGPACK_OBJECT_STR || a[1].type != MSGPACK_OBJECT_ARRAY) {
		snprintf(why, size, "a record is not [method, params]");
		return -1;
	}
	const type_def *t;
	const op_def *op = dispatch_find_method(a[0].via.str.ptr, a[0].via.str.size, &t);
	if (op == &admin_ops[ADMIN_SERVER_BATCH] && !nested)
		return replay_batch(s, &a[1].via.array, why, size);
	int shown = (int)(a[0].via.str.size < SHOWN_METHOD ? a[0].via.str.size : SHOWN_METHOD);
	if (!op || !(op->flags & OP_WRITE) || (op->flags & OP_PASSIVE) ||
	    (t->admin ? op != &admin_ops[ADMIN_OBJECTS_CREATE] && op != &admin_ops[ADMIN_OBJECTS_DELETE]
		      : t->release != NULL)) {
		snprintf(why, size, "a record calls %.*s, which no journal holds", shown,
			 a[0].via.str.ptr);
		return -1;
	}
	char name[OBJECT_NAME_MAX + 1];
	om_value args[OP_MAX_ARGS];
	op_call c;
	call_begin(s, t, &c, name, args, REPLAY_OWNER);
	size_t ndecoded = 0;
	target to = {NULL, NULL};
	int rc = execute(s, t, op, &a[1].via.array, 0, name, &c, &ndecoded, &to);
	if (rc == OP_WAIT)
		rc = op_fail(&c, OM_VALUE_ERROR, "it would wait (the state differs from when it ran)");
	call_end(t, op, &c, ndecoded, &to);
	settle_created(s, op, to.entry, c.opened, rc, false);
	if (rc != OM_OK) {
		snprintf(why, size, "a record of %.*s failed: %s", shown, a[0].via.str.ptr, c.message);
		return -1;
	}
	if (t->admin && a[1].via.array.size > 0 && a[1].via.array.ptr[0].type == MSGPACK_OBJECT_STR) {
		const msgpack_object_str *n = &a[1].via.array.ptr[0].via.str;
		to.entry = registry_find(&s->objects, n->ptr, n->size);
	}
	if (to.entry)
		to.entry->journaled = true;
	if (to.entry && !t->admin)
		to.entry->version = ++s->revision;
	return 0;
}

bool dispatch_check_tables(void)
{
	bool ok = true;
	for (const type_def *const *t = type_table; *t; t++) {
		for (size_t i = 0; i < (*t)->nops; i++) {
			const op_def *op = &(*t)->ops[i];
			/* server.batch runs from dispatch_message(), through batch.h */
			bool batch = op == &admin_ops[ADMIN_SERVER_BATCH];
			if (!((*t)->admin ? admin_handler(*t, op) != NULL || batch : op->fn != NULL)) {
				log_error("internal error: method %s.%s has no handler", (*t)->name,
					  op->name);
				ok = false;
			}
			if ((op->flags & OP_BLOCKING) && !(op->flags & (OP_FIFO | OP_OWNER))) {
				log_error("internal error: method %s.%s blocks but is no FIFO op",
					  (*t)->name, op->name);
				ok = false;
			}
			if ((op->flags & OP_LOOKUP) && ((op->flags & OP_BLOCKING) || !op->nargs)) {
				log_error("internal error: method %s.%s looks up no parameter or blocks",
					  (*t)->name, op->name);
				ok = false;
			}
			if ((op->flags & (OP_BLOCKING | OP_GROWS)) && !(op->flags & OP_WRITE)) {
				log_error("internal error: method %s.%s blocks or grows but is not a write",
					  (*t)->name, op->name);
				ok = false;
			}
		}
	}
	return ok;
}
