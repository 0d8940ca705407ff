/*
 * ops.h — the operation tables every shared type exposes.
 *
 * One table per type names each operation with its parameters, flags,
 * handler and one line of help. The server dispatches "<type>.<op>" through
 * these tables, and the objmgr REPL builds its help, argument checking and
 * completion from the same tables: one source of truth.
 */
#ifndef OBJMGR_OPS_H
#define OBJMGR_OPS_H

#include "cval.h"
#include "om_value.h"

/* What a parameter must be; op_check_args() enforces it before a handler runs. */
enum arg_kind {
	ARG_ANY,        /* any value */
	ARG_INT,        /* an integer (OM_INT or OM_UINT) */
	ARG_NUMBER,     /* an integer or a float */
	ARG_BOOL,       /* true or false */
	ARG_STR,        /* a string */
	ARG_ARRAY,      /* an array */
	ARG_MAP,        /* a map */
	ARG_INT_OR_NIL, /* an integer, or nil (e.g. an open slice bound) */
	ARG_TIMEOUT,    /* seconds: a non-negative number, or nil for "forever" */
	ARG_MAP_OR_NIL, /* a map, or nil for none (objects.create's options) */
	ARG_STR_OR_NIL, /* a string, or nil for none (objects.list's pattern) */
	/*
	 * A string naming an object, in an admin op (a data type's object
	 * name is params[0], never listed in args): the server also checks
	 * that it is a valid object name (name.h), and the REPL completes it
	 * with the names of the objects.
	 */
	ARG_NAME
};

#define OP_MAX_ARGS 4

typedef struct op_arg {
	const char *name; /* as shown in help and in bad_params messages */
	uint8_t kind;     /* an arg_kind */
	bool optional;    /* optional params come last */
} op_arg;

enum op_flags {
	OP_WRITE = 1 << 0,    /* mutates; creates the object when it is missing */
	OP_BLOCKING = 1 << 1, /* may have to wait (queue.get, lock.acquire, ...) */
	OP_KEYED = 1 << 2,    /* args[0] is a key the object looks up by value_hash() */
	/*
	 * A blocking op whose parked calls on one object all wait for the same
	 * thing (an item, room, a free lock, a permit, the flag, the end of the
	 * round), but for those asleep (see OP_WAIT): once one answers OP_WAIT,
	 * every later one would too until the object changes, so the server
	 * need not run them (server/wait.h).
	 */
	OP_FIFO = 1 << 3,
	/*
	 * A write that can make the server hold more memory: it stores a value
	 * or creates an object (Redis's "denyoom"). Over --max-memory these are
	 * answered limit; reads, removals, takes and releases still run, so
	 * clients can free memory and nobody holding a lock is stuck.
	 */
	OP_GROWS = 1 << 4,
	/*
	 * A blocking op whose parked calls wait for the same thing but for
	 * their owner's: a call of the owner holding it never waits, the
	 * others wait until the owner of the oldest of them gets it, and then
	 * all of that owner's go through (rlock.acquire). Every blocking op is
	 * OP_FIFO or OP_OWNER (dispatch_check_tables()).
	 */
	OP_OWNER = 1 << 5,
	/*
	 * args[0] is a key or value the op only compares with what the object
	 * holds: the handler never keeps or moves it, so the server may pass a
	 * view whose bytes stay in the request (codec_decode_view()), and a
	 * 100,000-key map looked up costs no copy of each of its strings. Not
	 * for blocking ops, whose calls outlive the request.
	 */
	OP_LOOKUP = 1 << 6,
	/*
	 * A blocking op that only waits and never changes its object
	 * (queue.join, event.wait): on a free name it makes the object only
	 * to park on, and its answers keep nothing (server/dispatch.c).
	 */
	OP_PASSIVE = 1 << 7,
};

typedef struct op_call op_call;
typedef struct type_def type_def;

/*
 * A handler's answer for "not now": the call cannot complete yet (an empty
 * queue, a lock held by another connection). The server parks it on the
 * object's wait list and runs the handler again, with the same op_call,
 * after changes that may let it through (server/wait.h), and a last time with
 * c->timed_out set when its timeout expires. A handler answering OP_WAIT
 * must leave the object as it would be had the call never come, except
 * for what it records in c->state to resume later (and the waiters a
 * condition or barrier records, which its release hook drops).
 *
 * condition.wait bends two of these rules, and the server allows for it:
 *  - its first run releases its lock, then answers OP_WAIT: the server
 *    wakes the parked calls after a first run answering OP_WAIT as after
 *    a successful op, so those waiting for that lock get it;
 *  - it may answer OP_WAIT to its timed_out run: it must hold its lock
 *    again before answering false, and another connection may hold it
 *    when the timeout expires. The server keeps such a call parked in
 *    place, its timer gone: later runs have timed_out false, and the
 *    handler, which recorded the timeout in c->state, answers once it has
 *    the lock (Python's Condition.wait does the same).
 */
#define OP_WAIT 1

/*
 * A handler runs one operation on an existing object (for a read on a
 * missing object the dispatcher passes a fresh empty one). It answers with
 * op_ok()/op_borrow()/op_ok_cval() or op_fail() and returns the resulting code.
 */
typedef int (*op_fn)(void *obj, op_call *call);

typedef struct op_def {
	const char *name; /* "set": the wire method is "<type>.<name>" */
	op_fn fn;         /* NULL in admin_ops, whose handlers live in server/ */
	uint8_t flags;    /* op_flags */
	uint8_t nargs;    /* entries used in args */
	op_arg args[OP_MAX_ARGS]; /* the params after the object name */
	const char *help; /* one line, no trailing period */
} op_def;

/* One request, as a handler sees it. */
struct op_call {
	const char *type; /* "dict" */
	const char *name; /* the object's name, NUL-terminated */
	om_value *args;   /* owned params after the name; a handler may move out of them */
	size_t nargs;     /* how many were given: optional ones may be absent */
	om_value result;  /* an owned result, nil unless set */
	const om_value *borrowed; /* or a value inside the object, sent before anything changes it */
	om_value view;    /* what borrowed points at when the object lends a stored cval */
	/*
	 * Values moved out of the object for the answer (op_ok_cval(),
	 * op_ok_cval_pair()), kept here and answered as views of them: the
	 * call owns them until op_answer_free(). pair[] holds the items of a
	 * two-item answer.
	 */
	cval held[2];
	om_value pair[2];
	/* An OP_KEYED call's value_hash(&args[0]) when dispatch computed it already (op_key_hash()). */
	uint64_t key_hash;
	bool key_hashed;
	int code;         /* OM_OK or the error */
	char message[256];
	/* Blocking operations (OP_BLOCKING) also use: */
	uint64_t owner;   /* the connection making the call, never 0: owns what it acquires */
	bool timed_out;   /* the run of a parked call whose timeout expired: answer (OP_WAIT: see above) */
	bool sleep;       /* set with OP_WAIT: the call waits for a wake-up, not a change (see above) */
	size_t wake;      /* set by a handler: wakes the object's first `wake` sleeping calls */
	int64_t state[2]; /* scratch a parked call keeps between runs; zero on the first run */
	/*
	 * Another named object of type t, created when the name is free, for
	 * operations that span two objects (a condition over a named lock).
	 * NULL, with c failed as wrong_type, when the name has another type.
	 */
	void *(*open)(void *ctx, const char *name, const type_def *t, op_call *c);
	void *open_ctx;
	/*
	 * Where open() notes what it opened, in the opener's own terms (the
	 * server's registry entry, whose parked calls then depend on it);
	 * cleared by the caller before each run.
	 */
	void *opened;
};

/* Sets the call's error and returns code. */
int op_fail(op_call *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * A mem_* allocation failed while serving c: answers limit, "out of
 * memory". The handler returns this before changing its object.
 */
int op_no_memory(op_call *c);

/* value_hash(&c->args[0]) of an OP_KEYED call, hashed once per request. */
static inline uint64_t op_key_hash(const op_call *c)
{
	return c->key_hashed ? c->key_hash : value_hash(&c->args[0]);
}

/* Answers with v, whose ownership passes to the call. */
static inline int op_ok(op_call *c, om_value v)
{
	c->result = v;
	return OM_OK;
}

/* Answers with a value still owned by the object. */
static inline int op_borrow(op_call *c, const om_value *v)
{
	c->borrowed = v;
	return OM_OK;
}

/* Answers with a view of a value still owned by the object (see cval.h). */
static inline int op_borrow_view(op_call *c, om_value view)
{
	c->view = view;
	c->borrowed = &c->view;
	return OM_OK;
}

/* Answers with a cval still stored in the object: the value itself, or a view of an inline one. */
static inline int op_borrow_cval(op_call *c, const cval *v)
{
	if (!cval_is_inline(v))
		return op_borrow(c, &v->v);
	return op_borrow_view(c, cval_view(v));
}

/*
 * Answers with v, moved out of the object, without copying it: an owned
 * value becomes the result as with op_ok(); an inline string stays in the
 * call and is answered as a view of it, so that popping a short string
 * costs no malloc to unpack it.
 */
static inline int op_ok_cval(op_call *c, cval v)
{
	if (!cval_is_inline(&v))
		return op_ok(c, v.v);
	c->held[0] = v;
	return op_borrow_view(c, cval_view(&c->held[0]));
}

/* Answers the array [a, b], both moved out of the object, allocating nothing. */
static inline int op_ok_cval_pair(op_call *c, cval a, cval b)
{
	c->held[0] = a;
	c->held[1] = b;
	c->pair[0] = cval_view(&c->held[0]);
	c->pair[1] = cval_view(&c->held[1]);
	return op_borrow_view(c, om_array(c->pair, 2));
}

/*
 * The answer: the borrowed value if any, else the owned result. It may
 * point into c itself (op_ok_cval()): pack it from c, not from a copy.
 */
static inline const om_value *op_answer(const op_call *c)
{
	return c->borrowed ? c->borrowed : &c->result;
}

/*
 * Frees what c owns of its answer, once it is packed: the result and the
 * held values. Those are nil in most calls: testing that inline spares
 * every call two calls of om_value_free().
 */
static inline void op_answer_free(op_call *c)
{
	om_value_free(&c->result);
	for (int i = 0; i < 2; i++)
		if (c->held[i].v.kind != OM_NIL)
			cval_free(&c->held[i]);
}

/* The most items one call of a save hook carries: a snapshot's records stay small. */
#define SAVE_CHUNK 1024

/* Where a type's save hook writes (server/snapshot.c packs each call as a record). */
typedef struct save_sink {
	/* Records "method" [name, args...] for the object being saved; false on failure. */
	bool (*call)(struct save_sink *sink, const char *method, const om_value *args, size_t nargs);
} save_sink;

struct type_def {
	const char *name; /* "dict" */
	const char *help; /* one line */
	/*
	 * Admin tables ("objects", "server") have no implicit object name:
	 * their params are all listed in args. Data types take the object's
	 * name as params[0], not listed in args.
	 */
	bool admin;
	/*
	 * A new empty object; options is nil or a map. NULL and op_fail() on
	 * bad options, or op_no_memory() when memory runs out.
	 */
	void *(*create)(const om_value *options, op_call *c);
	/*
	 * Into *out, an owned map, the options obj was created with, so that
	 * create() given them makes an equal object (objects.describe, then
	 * objects.create, is how `objmgr export` and `import` copy one): only
	 * those that differ from the defaults, and the required ones (a
	 * barrier's parties); an empty map when all are defaults. False, *out
	 * nil, when memory runs out. NULL for types that take no options.
	 */
	bool (*options)(const void *obj, om_value *out);
	/*
	 * Writes into sink the calls that give a new empty object obj's
	 * contents (a snapshot: server/snapshot.c), in chunks of at most
	 * SAVE_CHUNK items, as views of obj's values; false when the sink
	 * failed. NULL for types whose objects keep nothing across a restart
	 * but their options (those with a release hook).
	 */
	bool (*save)(const void *obj, struct save_sink *sink);
	void (*destroy)(void *obj);
	size_t (*len)(const void *obj); /* items held; 1 for a counter */
	/*
	 * Gives up everything owner holds in obj (locks, permits) because its
	 * connection closed; NULL for types whose objects nobody holds.
	 */
	void (*release)(void *obj, uint64_t owner);
	/*
	 * How much of obj owner holds that release() would give back: the
	 * acquisitions of a lock, the permits of a semaphore; 0 for none.
	 * NULL for types whose objects hold nothing for anyone (clients.list
	 * reports these counts without knowing the types).
	 */
	uint64_t (*held_by)(const void *obj, uint64_t owner);
	/*
	 * Starts fetching into the cache what an OP_KEYED op on key_hash will
	 * read, in two stages so that a batch of lookups overlaps its cache
	 * misses: stage 0 for every call of the batch, then stage 1 for every
	 * call, then the calls run. Only reads; NULL for types without keys.
	 */
	void (*prefetch)(const void *obj, uint64_t key_hash, int stage);
	const op_def *ops;
	size_t nops;
};

extern const type_def dict_type, list_type, counter_type;
extern const type_def semaphore_type, condition_type, barrier_type;
extern const type_def queue_type, lock_type, rlock_type, event_type;
extern const type_def objects_type, server_type, clients_type, client_type;

/*
 * The admin methods, by their position in admin_ops (types/admin.c):
 * objects.*, server.*, clients.* then client.*. Each admin type lists its slice
 * of it, and the server finds each one's handler at the same position in
 * a table of its own (server/admin.c), as it finds a data type's in its
 * op_def: no name is compared.
 */
enum admin_op {
	ADMIN_OBJECTS_LIST,
	ADMIN_OBJECTS_SCAN,
	ADMIN_OBJECTS_TYPE, ADMIN_OBJECTS_DELETE, ADMIN_OBJECTS_CREATE,
	ADMIN_OBJECTS_DESCRIBE, ADMIN_OBJECTS_VERSION, ADMIN_OBJECTS_WATCH, ADMIN_OBJECTS_UNWATCH,
	ADMIN_SERVER_PING, ADMIN_SERVER_INFO, ADMIN_SERVER_SHUTDOWN, ADMIN_SERVER_SAVE,
	ADMIN_SERVER_MONITOR, ADMIN_SERVER_BATCH, ADMIN_SERVER_SHM,
	ADMIN_CLIENTS_LIST, ADMIN_CLIENTS_KILL,
	ADMIN_CLIENT_SETNAME,
	ADMIN_NOPS
};

extern const op_def admin_ops[ADMIN_NOPS];

/* Every type: the data types, then the admin tables. NULL-terminated. */
extern const type_def *const type_table[];

/* The type named by name[0..len), or NULL. */
const type_def *type_find(const char *name, size_t len);
/* The op named by name[0..len) in t, or NULL. */
const op_def *type_find_op(const type_def *t, const char *name, size_t len);

/*
 * Checks c->nargs and each argument's kind against op's spec. On a mismatch
 * fails c with OM_BAD_PARAMS and a message naming the method and parameter:
 * "dict.get: parameter 'key' is missing".
 */
int op_check_args(const type_def *t, const op_def *op, op_call *c);

/*
 * A checked call's timeout in seconds, from its ARG_TIMEOUT parameter; -1
 * when it has none or it is nil (wait for ever).
 */
double op_call_timeout(const op_def *op, const op_call *c);

/* Writes op's params as "key value [default]" into buf, for help and usage lines. */
void op_usage(const op_def *op, char *buf, size_t size);

#endif
