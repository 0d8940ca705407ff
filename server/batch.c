/*
 * batch.c — server.batch (batch.h).
 *
 * The answers are packed into a buffer of the batch's own, then copied
 * into the caller's output after the response's header: the connection
 * may be sent notifications while the batch runs (it may monitor itself).
 * An atomic batch keeps an undo list: for each object, before the batch
 * first changes it, a copy of it (or that its name was free); undoing
 * restores them newest first, the copies put back in their registry
 * entries, so the calls parked on an object wait on as they were.
 */
#include "batch.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "conn.h"
#include "dispatch.h"
#include "journal.h"
#include "mem.h"
#include "reply.h"
#include "stats.h"
#include "value.h"
#include "wait.h"
#include "watch.h"

/* What an object was before an atomic batch changed it. */
typedef struct undo {
	char *name;
	size_t len;
	const type_def *type;  /* NULL: the name was free */
	void *copy;            /* the object as it was */
	registry_entry *spare; /* an entry to put it back in, should the batch delete it */
	uint64_t version;
	bool provisional;
	registry_owned *owned_by;
} undo;

typedef struct batch {
	server *s;
	conn *from;
	bool atomic;
	const msgpack_object *versions; /* if_versions, or NULL */
	undo *undos;
	size_t nundos, cap;
	uint64_t gen;                   /* marks the entries saved already (registry_entry.saved_in) */
	char why[256];
	int code;
} batch;

static int refuse(batch *b, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(batch *b, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = snprintf(b->why, sizeof b->why, "server.batch: ");
	vsnprintf(b->why + n, sizeof b->why - (size_t)n, fmt, ap);
	va_end(ap);
	b->code = code;
	return code;
}

static bool str_is(const msgpack_object *o, const char *s)
{
	size_t len = strlen(s);
	return o->type == MSGPACK_OBJECT_STR && o->via.str.size == len &&
	       memcmp(o->via.str.ptr, s, len) == 0;
}

/* Reads the options map (or nil): "atomic" and "if_versions". */
static int read_options(batch *b, const msgpack_object *o)
{
	if (o->type == MSGPACK_OBJECT_NIL)
		return OM_OK;
	if (o->type != MSGPACK_OBJECT_MAP)
		return refuse(b, OM_BAD_PARAMS, "parameter 'options' must be a map or nil");
	for (uint32_t i = 0; i < o->via.map.size; i++) {
		const msgpack_object *k = &o->via.map.ptr[i].key, *v = &o->via.map.ptr[i].val;
		if (str_is(k, "atomic") && v->type == MSGPACK_OBJECT_BOOLEAN)
			b->atomic = v->via.boolean;
		else if (str_is(k, "if_versions") && v->type == MSGPACK_OBJECT_MAP)
			b->versions = v;
		else if (str_is(k, "atomic") || str_is(k, "if_versions"))
			return refuse(b, OM_BAD_PARAMS, "option '%.*s' must be %s", (int)k->via.str.size,
				      k->via.str.ptr, str_is(k, "atomic") ? "a boolean" : "a map");
		else
			return refuse(b, OM_BAD_PARAMS, "unknown option (known: atomic, if_versions)");
	}
	return OM_OK;
}

/* The conflict, if any: an object of if_versions whose version is another. */
static int check_versions(batch *b)
{
	for (uint32_t i = 0; b->versions && i < b->versions->via.map.size; i++) {
		const msgpack_object *k = &b->versions->via.map.ptr[i].key;
		const msgpack_object *v = &b->versions->via.map.ptr[i].val;
		if (k->type != MSGPACK_OBJECT_STR || v->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
			return refuse(b, OM_BAD_PARAMS, "if_versions maps object names to versions "
				      "(non-negative integers)");
		const registry_entry *e = registry_find(&b->s->objects, k->via.str.ptr, k->via.str.size);
		uint64_t now = e ? e->version : 0;
		if (now != v->via.u64)
			return refuse(b, OM_CONFLICT, "\"%.*s\" is at version %llu, not %llu",
				      (int)(k->via.str.size > 200 ? 200 : k->via.str.size), k->via.str.ptr,
				      (unsigned long long)now, (unsigned long long)v->via.u64);
	}
	return OM_OK;
}

/* Objects an atomic batch can put back as they were: their type saves them, and nobody owns them. */
static bool undoable(const type_def *t)
{
	return t && !t->admin && t->save && !t->release;
}

/* Why call i (t.op with params) cannot be in an atomic batch, or OM_OK. */
static int atomic_check(batch *b, size_t i, const type_def *t, const op_def *op,
			const msgpack_object_array *params)
{
	const msgpack_object *name = params->size ? &params->ptr[0] : NULL;
	if (!t->admin && undoable(t))
		return OM_OK;
	if (t->admin && !(op->flags & OP_WRITE))
		return OM_OK;
	if (op == &admin_ops[ADMIN_OBJECTS_CREATE] && params->size > 1 &&
	    params->ptr[1].type == MSGPACK_OBJECT_STR &&
	    undoable(type_find(params->ptr[1].via.str.ptr, params->ptr[1].via.str.size)))
		return OM_OK;
	if (op == &admin_ops[ADMIN_OBJECTS_DELETE] && name && name->type == MSGPACK_OBJECT_STR) {
		const registry_entry *e = registry_find(&b->s->objects, name->via.str.ptr,
							name->via.str.size);
		if (!e || (undoable(e->type) && !e->wait))
			return OM_OK;
		if (e->wait)
			return refuse(b, OM_BAD_PARAMS, "call %zu (objects.delete): calls wait on "
				      "\"%s\", whose deletion an atomic batch could not undo", i + 1,
				      e->name);
	}
	return refuse(b, OM_BAD_PARAMS, "call %zu (%s.%s) cannot be undone: an atomic batch takes "
		      "reads and changes to dicts, lists, counters, queues and events", i + 1,
		      t->name, op->name);
}

/* Checks call i, [method, params], before anything runs; *t and *op are its method's. */
static int check_call(batch *b, size_t i, const msgpack_object *call, const type_def **t,
		      const op_def **op)
{
	const msgpack_object *a = call->via.array.ptr;
	if (call->type != MSGPACK_OBJECT_ARRAY || call->via.array.size != 2 ||
	    a[0].type != MSGPACK_OBJECT_STR || a[1].type != MSGPACK_OBJECT_ARRAY)
		return refuse(b, OM_BAD_PARAMS, "call %zu is not [method, params]", i + 1);
	*op = dispatch_find_method(a[0].via.str.ptr, a[0].via.str.size, t);
	int shown = (int)(a[0].via.str.size < 64 ? a[0].via.str.size : 64);
	if (!*op)
		return refuse(b, OM_NO_SUCH_METHOD, "call %zu: no such method: %.*s", i + 1, shown,
			      a[0].via.str.ptr);
	if (*op == &admin_ops[ADMIN_SERVER_BATCH])
		return refuse(b, OM_BAD_PARAMS, "call %zu: a batch cannot hold another", i + 1);
	if (*op == &admin_ops[ADMIN_SERVER_SHM])
		return refuse(b, OM_BAD_PARAMS, "call %zu: server.shm must be sent alone", i + 1);
	return b->atomic ? atomic_check(b, i, *t, *op, &a[1].via.array) : OM_OK;
}

/* --- undo -------------------------------------------------------------------- */

/* A save_sink that runs each call it is given on a copy. */
typedef struct copier {
	save_sink sink;
	const type_def *type;
	void *obj;
} copier;

static bool copy_call(save_sink *sink, const char *method, const om_value *args, size_t nargs)
{
	copier *k = (copier *)sink;
	const char *dot = strchr(method, '.');
	const op_def *op = dot ? type_find_op(k->type, dot + 1, strlen(dot + 1)) : NULL;
	om_value copies[OP_MAX_ARGS];
	char name[] = "(copy)";
	op_call c;
	if (!op || nargs > OP_MAX_ARGS)
		return false;
	memset(&c, 0, sizeof c);
	c.type = k->type->name;
	c.name = name;
	c.args = copies;
	size_t n = 0;
	while (n < nargs && value_copy(&copies[n], &args[n]))
		n++;
	c.nargs = n;
	int rc = n == nargs ? op->fn(k->obj, &c) : OM_LIMIT;
	for (size_t i = 0; i < n; i++)
		om_value_free(&copies[i]);
	op_answer_free(&c);
	return rc == OM_OK;
}

/* A copy of e's object, made the way a snapshot remakes it; NULL when out of memory. */
static void *object_copy(const registry_entry *e)
{
	const type_def *t = e->type;
	om_value options = om_nil();
	op_call c;
	memset(&c, 0, sizeof c);
	c.type = t->name;
	if (t->options && !t->options(e->obj, &options))
		return NULL;
	copier k = {{copy_call}, t, t->create(&options, &c)};
	om_value_free(&options);
	if (k.obj && !t->save(e->obj, &k.sink)) {
		t->destroy(k.obj);
		return NULL;
	}
	return k.obj;
}

static void undo_free(undo *u)
{
	if (u->copy)
		u->type->destroy(u->copy);
	free(u->spare);
	free(u->name);
}

/*
 * Before a call changes the object named name: remembers it as it is, once
 * per batch (a name free now is marked once the call made it).
 */
static int save(batch *b, const msgpack_object *name)
{
	if (name->type != MSGPACK_OBJECT_STR ||
	    !object_name_valid(name->via.str.ptr, name->via.str.size))
		return OM_OK; /* the call fails on its name */
	registry_entry *e = registry_find(&b->s->objects, name->via.str.ptr, name->via.str.size);
	if (e && e->saved_in == b->gen)
		return OM_OK;
	if (b->nundos == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 8;
		undo *u = mem_realloc(b->undos, cap * sizeof *u);
		if (!u)
			return refuse(b, OM_LIMIT, "out of memory");
		b->undos = u;
		b->cap = cap;
	}
	undo u = {.name = mem_dup0(name->via.str.ptr, name->via.str.size),
		  .len = name->via.str.size};
	if (u.name && e) {
		u.type = e->type;
		u.version = e->version;
		u.provisional = e->provisional;
		u.owned_by = e->owned_by;
		u.spare = registry_entry_new(e->name, e->len);
		u.copy = u.spare ? object_copy(e) : NULL;
	}
	if (!u.name || (e && !u.copy)) {
		undo_free(&u);
		return refuse(b, OM_LIMIT, "out of memory for a copy of \"%.*s\" to undo the batch",
			      (int)(name->via.str.size > 200 ? 200 : name->via.str.size),
			      name->via.str.ptr);
	}
	if (e)
		e->saved_in = b->gen;
	b->undos[b->nundos++] = u;
	return OM_OK;
}

/* After a call: the object it made on a free name is covered by that name's undo. */
static void mark_made(batch *b, const msgpack_object *name)
{
	if (name->type != MSGPACK_OBJECT_STR)
		return;
	registry_entry *e = registry_find(&b->s->objects, name->via.str.ptr, name->via.str.size);
	if (e)
		e->saved_in = b->gen;
}

/* Puts u back: its copy in its entry (or a new one), or the name free again. */
static void restore(batch *b, undo *u)
{
	registry *r = &b->s->objects;
	registry_entry *e = registry_find(r, u->name, u->len);
	if (e && (!u->type || e->type != u->type)) {
		wait_object_deleted(b->s, e);
		registry_delete(r, u->name, u->len);
		e = NULL;
	}
	if (!u->type)
		return;
	if (e) {
		void *changed = e->obj;
		e->obj = u->copy;
		u->type->destroy(changed);
	} else {
		e = u->spare;
		u->spare = NULL;
		registry_insert(r, e, u->type, u->copy);
	}
	u->copy = NULL;
	e->version = u->version;
	e->provisional = u->provisional;
	if (u->owned_by && !e->owned_by)
		registry_own(u->owned_by, e);
}

static void undo_all(batch *b)
{
	for (size_t i = b->nundos; i-- > 0;)
		restore(b, &b->undos[i]);
}

/* --- running ----------------------------------------------------------------- */

/* The name a call of t.op with params changes, when it changes one (undo saves it first). */
static const msgpack_object *changed_name(const type_def *t, const op_def *op,
					  const msgpack_object_array *params)
{
	if (!(op->flags & OP_WRITE) || !params->size)
		return NULL;
	if (t->admin && op != &admin_ops[ADMIN_OBJECTS_CREATE] &&
	    op != &admin_ops[ADMIN_OBJECTS_DELETE])
		return NULL;
	return &params->ptr[0];
}

/* Runs the calls, their answers packed into pk; a code when the batch must fail as a whole. */
static int run_calls(batch *b, const msgpack_object_array *calls, msgpack_packer *pk)
{
	msgpack_sbuffer *out = codec_out_of(pk)->buf;
	for (uint32_t i = 0; i < calls->size; i++) {
		const msgpack_object *a = calls->ptr[i].via.array.ptr;
		const msgpack_object_array *params = &a[1].via.array;
		const type_def *t;
		const op_def *op = dispatch_find_method(a[0].via.str.ptr, a[0].via.str.size, &t);
		const msgpack_object *name = b->atomic ? changed_name(t, op, params) : NULL;
		if (name && save(b, name))
			return b->code;
		size_t mark = out->size;
		int rc = dispatch_batch_call(b->s, b->from, t, op, params, pk);
		if (name)
			mark_made(b, name);
		if (rc && b->atomic) {
			msgpack_unpacked u; /* the call's error, as packed */
			msgpack_unpacked_init(&u);
			const msgpack_object *err = NULL;
			if (msgpack_unpack_next(&u, out->data, out->size, &mark) == MSGPACK_UNPACK_SUCCESS)
				err = &u.data.via.array.ptr[0].via.array.ptr[1];
			refuse(b, rc, "call %u (%.*s) failed: %.*s; nothing was changed", i + 1,
			       (int)a[0].via.str.size, a[0].via.str.ptr,
			       err ? (int)err->via.str.size : 0, err ? err->via.str.ptr : "");
			msgpack_unpacked_destroy(&u);
			return rc;
		}
		if (out->size > b->s->limits.max_output_hard)
			return refuse(b, OM_LIMIT, "the answers passed --max-output-hard (%zu bytes) "
				      "at call %u of %u%s", b->s->limits.max_output_hard, i + 1,
				      calls->size, b->atomic ? "; nothing was changed"
							     : "; the calls before it ran");
	}
	return OM_OK;
}

/* Packs the answer [1, msgid, nil, [answers...]] into from's output. */
static void answer(conn *from, uint32_t msgid, uint32_t n, const msgpack_sbuffer *answers)
{
	msgpack_packer *pk = conn_packer(from);
	codec_out *out = codec_out_of(pk);
	size_t mark = out->buf->size;
	msgpack_pack_array(pk, 4);
	msgpack_pack_uint32(pk, RPC_RESPONSE);
	msgpack_pack_uint32(pk, msgid);
	msgpack_pack_nil(pk);
	msgpack_pack_array(pk, n);
	pk->callback(pk->data, answers->data, answers->size);
	if (!out->failed)
		return;
	out->buf->size = mark;
	out->failed = false;
	rpc_pack_error_reply(pk, msgid, OM_LIMIT, "server.batch: out of memory for its answer");
}

/* Checks the params and every call: a code, and nothing runs, when they are not a batch. */
static int check(batch *b, const msgpack_object_array *params)
{
	if (params->size < 1 || params->size > 2)
		return refuse(b, OM_BAD_PARAMS, "takes [calls] or [calls, options], got %u parameters",
			      params->size);
	if (params->ptr[0].type != MSGPACK_OBJECT_ARRAY)
		return refuse(b, OM_BAD_PARAMS, "parameter 'calls' must be an array of [method, params]");
	if (params->size > 1 && read_options(b, &params->ptr[1]))
		return b->code;
	const msgpack_object_array *calls = &params->ptr[0].via.array;
	for (uint32_t i = 0; i < calls->size; i++) {
		const type_def *t;
		const op_def *op;
		if (check_call(b, i, &calls->ptr[i], &t, &op))
			return b->code;
	}
	return check_versions(b);
}

void batch_run(server *s, conn *from, const msgpack_object_array *params, const uint32_t *msgid)
{
	const op_def *op = &admin_ops[ADMIN_SERVER_BATCH];
	batch b = {.s = s, .from = from, .gen = ++s->batches};
	s->ops_total++;
	stats_of(s->stats, &server_type, op)->calls++;
	if (s->nmonitors)
		watch_call(s, from, &server_type, op, params);
	if (check(&b, params)) {
		if (msgid)
			rpc_pack_error_reply(conn_packer(from), *msgid, b.code, b.why);
		return;
	}
	msgpack_sbuffer answers;
	msgpack_sbuffer_init(&answers);
	codec_out out = {&answers, false};
	msgpack_packer pk;
	msgpack_packer_init(&pk, &out, codec_out_write);
	journal_mark jm = journal_mark_now(s);
	watch_hold(s);
	int rc = run_calls(&b, &params->ptr[0].via.array, &pk);
	if (rc && b.atomic) {
		undo_all(&b);
		journal_rollback(s, jm);
	} else if (b.atomic) {
		journal_group(s, jm);
	}
	if (msgid && rc)
		rpc_pack_error_reply(conn_packer(from), *msgid, b.code, b.why);
	else if (msgid)
		answer(from, *msgid, params->ptr[0].via.array.size, &answers);
	watch_release(s, !(rc && b.atomic));
	for (size_t i = 0; i < b.nundos; i++)
		undo_free(&b.undos[i]);
	free(b.undos);
	msgpack_sbuffer_destroy(&answers);
	wait_wake(s);
}
