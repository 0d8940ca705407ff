/*
 * fuzz-types.c — libFuzzer harness over the data types' operations, run
 * straight through their op tables (types/ops.h) as the server runs them:
 * arguments decoded with codec_decode(), checked with op_check_args(), a
 * read of a missing object on a fresh one, a write creating it, a call that
 * answers OP_WAIT parked and run again after every change until it
 * answers, timeouts, connections closing (release hooks) and objects
 * deleted under waiting calls. A condition's named lock is opened through
 * c->open in a small registry of the harness's own. Every answer is
 * packed, as a reply would be. Nothing persists from one input to the next.
 *
 * An input is a sequence of records, each starting with a byte whose value
 * modulo 5 says what it is:
 *   0 call    NAME TYPE OP WHO ARGS   TYPE.OP on the object NAME, by WHO
 *   1 create  NAME TYPE OPTIONS       as objects.create
 *   2 delete  NAME                    as objects.delete: calls waiting on it answer broken
 *   3 expire  WHICH                   the timeout of waiting call WHICH (modulo how many have one)
 *   4 close   WHO                     WHO's connection closes: its waiting calls are
 *                                     dropped, and it releases what it holds
 * NAME is a byte: "a", "b", "c" or "d" (modulo 4); TYPE indexes the data
 * types of type_table and OP the type's ops (modulo their counts). WHO is a
 * byte: the connection is 1 + (WHO & 3); with bit 7 set, a keyed call's key
 * is hashed beforehand, as dispatch does for a batch (op_key_hash()). ARGS
 * and OPTIONS are one msgpack value each: ARGS the params after the object
 * name (anything but an array is none), OPTIONS as objects.create takes
 * them. A record cut short, or bytes that are not one msgpack value where
 * one is due, end the input.
 *
 * What fails an input, besides a crash or a sanitizer report: a handler
 * that breaks the contract of types/ops.h (its code is not the one it
 * recorded, or it fails or waits with an answer).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "ops.h"
#include "value.h"

/* As the server: names of 1 to 1,024 bytes, params nested 24 levels at most. */
#define NAME_MAX_LEN 1024
#define MAX_DEPTH 24
/* The harness's registry: "a" to "d", and the locks conditions name. */
#define MAX_OBJECTS 16
#define CALL_NAMES 4
/* Calls one connection may have waiting (the server's --max-waiting, smaller: every change runs them all). */
#define MAX_WAITING 16
#define OWNERS 4
/* Timeouts of this many seconds or more wait forever (wait.c). */
#define MAX_TIMEOUT_S 1e9

enum { REC_CALL, REC_CREATE, REC_DELETE, REC_EXPIRE, REC_CLOSE, REC_KINDS };

typedef struct entry {
	const type_def *t;
	void *obj;
	size_t len;
	char name[NAME_MAX_LEN + 1];
} entry;

typedef struct parked {
	entry *e;
	const op_def *op;
	bool timer;      /* has a timeout that has not expired yet */
	op_call c;
	om_value args[OP_MAX_ARGS];
} parked;

typedef struct harness {
	entry *objects[MAX_OBJECTS];
	size_t nobjects;
	parked *waiting[OWNERS * MAX_WAITING]; /* oldest first */
	size_t nwaiting;
	size_t waiting_by[OWNERS + 1];
	msgpack_sbuffer out; /* the answers, packed and dropped */
} harness;

static const type_def *data_types[16];
static size_t ndata_types;
static const om_value no_options; /* nil */

static void fail(const char *what, const type_def *t, const op_def *op)
{
	fprintf(stderr, "fuzz-types: %s.%s: %s\n", t->name, op->name, what);
	abort();
}

/* --- the input ------------------------------------------------------------ */

typedef struct reader {
	const uint8_t *p;
	size_t n, off;
} reader;

static bool read_byte(reader *r, uint8_t *b)
{
	if (r->off >= r->n)
		return false;
	*b = r->p[r->off++];
	return true;
}

static bool read_be(reader *r, int width, size_t *v)
{
	if (r->n - r->off < (size_t)width)
		return false;
	*v = 0;
	for (int i = 0; i < width; i++)
		*v = *v << 8 | r->p[r->off++];
	return true;
}

static bool skip_bytes(reader *r, size_t n)
{
	if (r->n - r->off < n)
		return false;
	r->off += n;
	return true;
}

/*
 * Skips one msgpack value, refusing any array, map, str, bin or ext that
 * declares more than the bytes left: msgpack-c would reserve room for what
 * a header declares before reading it, and the decoder is not what this
 * harness is after (fuzz-conn.c is).
 */
static bool skip_value(reader *r, int depth)
{
	uint8_t b;
	size_t items = 0, len = 0;
	if (depth > 2 * MAX_DEPTH || !read_byte(r, &b))
		return false;
	if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
		return true;
	if ((b & 0xe0) == 0xa0)
		return skip_bytes(r, b & 0x1f);
	if (b >= 0xd4 && b <= 0xd8) /* fixext 1 to 16 */
		return skip_bytes(r, 1 + ((size_t)1 << (b - 0xd4)));
	switch (b) {
	case 0xca: case 0xce: case 0xd2:
		return skip_bytes(r, 4);
	case 0xcb: case 0xcf: case 0xd3:
		return skip_bytes(r, 8);
	case 0xcc: case 0xd0:
		return skip_bytes(r, 1);
	case 0xcd: case 0xd1:
		return skip_bytes(r, 2);
	case 0xc4: case 0xd9:
		return read_be(r, 1, &len) && skip_bytes(r, len);
	case 0xc5: case 0xda:
		return read_be(r, 2, &len) && skip_bytes(r, len);
	case 0xc6: case 0xdb:
		return read_be(r, 4, &len) && skip_bytes(r, len);
	case 0xc7:
		return read_be(r, 1, &len) && skip_bytes(r, len + 1);
	case 0xc8:
		return read_be(r, 2, &len) && skip_bytes(r, len + 1);
	case 0xc9:
		return read_be(r, 4, &len) && skip_bytes(r, len + 1);
	case 0xdc: case 0xde:
		if (!read_be(r, 2, &items))
			return false;
		break;
	case 0xdd: case 0xdf:
		if (!read_be(r, 4, &items))
			return false;
		break;
	default:
		if ((b & 0xe0) == 0x80) /* fixarray, fixmap */
			items = b & 0x0f;
		else
			return false; /* 0xc1 */
	}
	if (b == 0xde || b == 0xdf || (b & 0xf0) == 0x80)
		items *= 2;
	if (items > r->n - r->off)
		return false;
	for (size_t i = 0; i < items; i++)
		if (!skip_value(r, depth + 1))
			return false;
	return true;
}

/* The next msgpack value of the input, unpacked into u. */
static bool read_value(reader *r, msgpack_unpacked *u)
{
	size_t start = r->off, off = 0;
	if (!skip_value(r, 0))
		return false;
	return msgpack_unpack_next(u, (const char *)r->p + start, r->off - start, &off) ==
	       MSGPACK_UNPACK_SUCCESS;
}

/* --- the registry ----------------------------------------------------------- */

static entry *find(harness *h, const char *name, size_t len)
{
	for (size_t i = 0; i < h->nobjects; i++)
		if (h->objects[i]->len == len && memcmp(h->objects[i]->name, name, len) == 0)
			return h->objects[i];
	return NULL;
}

static entry *add(harness *h, const char *name, size_t len, const type_def *t, void *obj)
{
	entry *e = calloc(1, sizeof *e);
	if (!e)
		abort();
	e->t = t;
	e->obj = obj;
	e->len = len;
	memcpy(e->name, name, len);
	h->objects[h->nobjects++] = e;
	return e;
}

static int wrong_type(op_call *c, const entry *e, const type_def *want)
{
	return op_fail(c, OM_WRONG_TYPE, "\"%s\" is a %s, not a %s", e->name, e->t->name,
		       want->name);
}

/* c->open, as the server's: the object name of type t, created when the name is free. */
static void *open_object(void *ctx, const char *name, const type_def *t, op_call *c)
{
	harness *h = ctx;
	size_t len = strlen(name);
	if (len == 0 || len > NAME_MAX_LEN) {
		op_fail(c, OM_BAD_PARAMS, "%s: \"%s\" is not a valid object name", c->type, name);
		return NULL;
	}
	entry *e = find(h, name, len);
	if (e && e->t != t) {
		wrong_type(c, e, t);
		return NULL;
	}
	if (e)
		return e->obj;
	/* Room is kept for the names calls use. */
	if (h->nobjects >= MAX_OBJECTS - CALL_NAMES) {
		op_fail(c, OM_LIMIT, "the harness holds %d objects at most", MAX_OBJECTS);
		return NULL;
	}
	void *obj = t->create(&no_options, c);
	return obj ? add(h, name, len, t, obj)->obj : NULL;
}

/* --- calls ------------------------------------------------------------------ */

/* Checks the contract of types/ops.h on a handler's answer rc, before anything else touches c. */
static void check(const type_def *t, const op_def *op, const op_call *c, int rc)
{
	if (rc == OP_WAIT ? c->code != OM_OK : rc != c->code)
		fail("the code returned is not the one recorded", t, op);
	if (rc != OM_OK && (c->result.kind != OM_NIL || c->borrowed))
		fail("a call that failed or waits has an answer", t, op);
	if (rc == OP_WAIT && !(op->flags & OP_BLOCKING))
		fail("a call of an op that does not block waits", t, op);
}

/* Packs c's answer, as a reply would be, and drops it. */
static void pack(harness *h, const op_call *c)
{
	msgpack_packer pk;
	msgpack_packer_init(&pk, &h->out, codec_sbuffer_write);
	codec_pack(&pk, op_answer(c));
	h->out.size = 0;
}

/* Runs a parked call again, as wait.c does; the call's code or OP_WAIT. */
static int run_again(harness *h, parked *p, bool timed_out)
{
	op_call *c = &p->c;
	c->code = OM_OK;
	c->message[0] = '\0';
	c->timed_out = timed_out;
	int rc = p->op->fn(p->e->obj, c);
	c->timed_out = false;
	check(p->e->t, p->op, c, rc);
	if (rc == OM_OK)
		pack(h, c);
	return rc;
}

/* Takes the i-th waiting call off the list and frees it. */
static void unpark(harness *h, size_t i)
{
	parked *p = h->waiting[i];
	for (size_t k = 0; k < p->c.nargs; k++)
		om_value_free(&p->args[k]);
	op_answer_free(&p->c);
	h->waiting_by[p->c.owner]--;
	free(p);
	memmove(&h->waiting[i], &h->waiting[i + 1], (h->nwaiting - i - 1) * sizeof *h->waiting);
	h->nwaiting--;
}

/*
 * After a change: runs the waiting calls again, oldest first, starting
 * over from the oldest each time one answers (it changed something), until
 * none does. The server runs only those of the objects that changed; the
 * others would wait again, as ops.h requires.
 */
static void wake(harness *h)
{
	for (size_t i = 0; i < h->nwaiting;) {
		if (run_again(h, h->waiting[i], false) == OP_WAIT) {
			i++;
			continue;
		}
		unpark(h, i);
		i = 0;
	}
}

/* c answered OP_WAIT on e: as wait_park(), runs it timed out at once for a timeout of 0, else parks it. */
static int park(harness *h, entry *e, const op_def *op, op_call *c)
{
	double timeout = op_call_timeout(op, c);
	if (timeout == 0) {
		c->timed_out = true;
		int rc = op->fn(e->obj, c);
		c->timed_out = false;
		check(e->t, op, c, rc);
		if (rc != OP_WAIT)
			return rc;
	}
	parked *p = calloc(1, sizeof *p);
	if (!p)
		abort();
	p->e = e;
	p->op = op;
	p->timer = timeout > 0 && timeout < MAX_TIMEOUT_S;
	p->c = *c;
	p->c.name = e->name;
	p->c.args = p->args;
	for (size_t i = 0; i < c->nargs; i++) {
		p->args[i] = c->args[i];
		c->args[i] = om_nil();
	}
	h->waiting[h->nwaiting++] = p;
	h->waiting_by[c->owner]++;
	return OP_WAIT;
}

/* Runs op on the object named c->name as dispatch's run_on_object(); a temporary object goes to *temp. */
static int run_on_object(harness *h, const type_def *t, const op_def *op, op_call *c, entry **at,
			 void **temp)
{
	size_t len = strlen(c->name);
	entry *e = find(h, c->name, len);
	if (e) {
		if (e->t != t)
			return wrong_type(c, e, t);
		*at = e;
		if (c->key_hashed && t->prefetch) {
			t->prefetch(e->obj, c->key_hash, 0);
			t->prefetch(e->obj, c->key_hash, 1);
		}
		return op->fn(e->obj, c);
	}
	void *obj = t->create(&no_options, c);
	if (!obj)
		return c->code;
	int rc = op->fn(obj, c);
	if (!(op->flags & OP_WRITE)) {
		*temp = obj;
		return rc;
	}
	if (rc != OM_OK && rc != OP_WAIT) {
		t->destroy(obj);
		return rc;
	}
	*at = add(h, c->name, len, t, obj);
	return rc;
}

static void do_call(harness *h, const char *name, const type_def *t, const op_def *op,
		    uint8_t who, const msgpack_object *params)
{
	om_value args[OP_MAX_ARGS];
	op_call c;
	memset(&c, 0, sizeof c);
	c.type = t->name;
	c.name = name;
	c.args = args;
	c.owner = 1 + (who & (OWNERS - 1));
	c.open = open_object;
	c.open_ctx = h;
	c.nargs = params->type == MSGPACK_OBJECT_ARRAY ? params->via.array.size : 0;
	size_t ndecoded = 0;
	entry *e = NULL;
	void *temp = NULL;
	int rc = OM_OK;

	if ((op->flags & OP_BLOCKING) && h->waiting_by[c.owner] >= MAX_WAITING)
		rc = op_fail(&c, OM_LIMIT, "%s.%s: too many calls waiting", t->name, op->name);
	for (; rc == OM_OK && ndecoded < c.nargs && ndecoded < op->nargs; ndecoded++)
		if (codec_decode(&params->via.array.ptr[ndecoded], &args[ndecoded], MAX_DEPTH))
			rc = op_fail(&c, OM_TOO_DEEP, "%s.%s: too deep", t->name, op->name);
	if (rc == OM_OK)
		rc = op_check_args(t, op, &c);
	if (rc == OM_OK && (who & 0x80) && (op->flags & OP_KEYED) && c.nargs > 0 &&
	    args[0].kind != OM_ARRAY && args[0].kind != OM_MAP) {
		c.key_hash = value_hash(&args[0]);
		c.key_hashed = true;
	}
	if (rc == OM_OK) {
		rc = run_on_object(h, t, op, &c, &e, &temp);
		check(t, op, &c, rc);
	}
	if (rc == OP_WAIT)
		rc = park(h, e, op, &c);
	if (rc == OM_OK)
		pack(h, &c);
	if (temp) {
		t->len(temp);
		t->destroy(temp);
	}
	if (e)
		e->t->len(e->obj);
	for (size_t i = 0; i < ndecoded; i++)
		om_value_free(&args[i]);
	op_answer_free(&c);
	if (h->nwaiting && (op->flags & OP_WRITE))
		wake(h);
}

/* --- the other records ---------------------------------------------------------- */

static void do_create(harness *h, const char *name, const type_def *t, const msgpack_object *o)
{
	om_value options;
	op_call c;
	memset(&c, 0, sizeof c);
	c.type = t->name;
	c.name = name;
	if (codec_decode(o, &options, MAX_DEPTH))
		return;
	if (!find(h, name, strlen(name))) {
		void *obj = t->create(&options, &c);
		if (obj)
			add(h, name, strlen(name), t, obj);
	}
	om_value_free(&options);
}

/* Deletes e, as objects.delete: the calls waiting on it answer broken first. */
static void delete(harness *h, entry *e)
{
	for (size_t i = 0; i < h->nwaiting;) {
		if (h->waiting[i]->e == e)
			unpark(h, i);
		else
			i++;
	}
	size_t i = 0;
	while (h->objects[i] != e)
		i++;
	h->objects[i] = h->objects[--h->nobjects];
	e->t->destroy(e->obj);
	free(e);
}

static void do_expire(harness *h, uint8_t which)
{
	size_t timed = 0;
	for (size_t i = 0; i < h->nwaiting; i++)
		timed += h->waiting[i]->timer;
	if (timed == 0)
		return;
	size_t k = which % timed, i = 0;
	for (;; i++)
		if (h->waiting[i]->timer && k-- == 0)
			break;
	parked *p = h->waiting[i];
	p->timer = false;
	if (run_again(h, p, true) != OP_WAIT)
		unpark(h, i);
	wake(h);
}

static void do_close(harness *h, uint64_t owner)
{
	for (size_t i = 0; i < h->nwaiting;) {
		if (h->waiting[i]->c.owner == owner)
			unpark(h, i);
		else
			i++;
	}
	for (size_t i = 0; i < h->nobjects; i++)
		if (h->objects[i]->t->release)
			h->objects[i]->t->release(h->objects[i]->obj, owner);
	wake(h);
}

/* Reads and runs one record; false at the end of the input. */
static bool run_record(harness *h, reader *r, msgpack_unpacked *u)
{
	static const char *const names[CALL_NAMES] = {"a", "b", "c", "d"};
	uint8_t kind, name, type, op, who;
	if (!read_byte(r, &kind))
		return false;
	switch (kind % REC_KINDS) {
	case REC_CALL: {
		if (!read_byte(r, &name) || !read_byte(r, &type) || !read_byte(r, &op) ||
		    !read_byte(r, &who) || !read_value(r, u))
			return false;
		const type_def *t = data_types[type % ndata_types];
		do_call(h, names[name % CALL_NAMES], t, &t->ops[op % t->nops], who, &u->data);
		return true;
	}
	case REC_CREATE:
		if (!read_byte(r, &name) || !read_byte(r, &type) || !read_value(r, u))
			return false;
		do_create(h, names[name % CALL_NAMES], data_types[type % ndata_types], &u->data);
		return true;
	case REC_DELETE: {
		if (!read_byte(r, &name))
			return false;
		entry *e = find(h, names[name % CALL_NAMES], 1);
		if (e) {
			delete(h, e);
			wake(h);
		}
		return true;
	}
	case REC_EXPIRE:
		if (!read_byte(r, &who))
			return false;
		do_expire(h, who);
		return true;
	default:
		if (!read_byte(r, &who))
			return false;
		do_close(h, 1 + (who & (OWNERS - 1)));
		return true;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (const type_def *const *t = type_table; *t; t++)
		if (!(*t)->admin && ndata_types < sizeof data_types / sizeof data_types[0])
			data_types[ndata_types++] = *t;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static harness h;
	reader r = {data, size, 0};
	msgpack_unpacked u;
	msgpack_unpacked_init(&u);
	msgpack_sbuffer_init(&h.out);
	while (run_record(&h, &r, &u))
		;
	while (h.nwaiting)
		unpark(&h, h.nwaiting - 1);
	while (h.nobjects)
		delete(&h, h.objects[0]);
	msgpack_sbuffer_destroy(&h.out);
	msgpack_unpacked_destroy(&u);
	return 0;
}
