/*
 * types-helper.h — runs a data type's operations the way the dispatcher
 * does, for the unit suites of types/: the params are deep-copied (handlers
 * may move out of them), checked against the op's spec with
 * op_check_args(), then handed to the handler.
 *
 * The last call stays readable (th_answer(), th_message()) until the next
 * call or th_reset(). Every call also checks the handler contract: the
 * code returned is the one recorded on the call, and a failed call answers
 * nothing.
 */
#ifndef OBJMGR_TYPES_HELPER_H
#define OBJMGR_TYPES_HELPER_H

#include <check.h>
#include <stdarg.h>
#include <stdio.h>

#include "mem.h"
#include "ops.h"
#include "value.h"

#define TH_MAX_ARGS 6
/* Ends th_do()'s parameter list: a kind no value has. */
#define TH_END ((om_value){.kind = 0xfe})

/*
 * ck_assert_msg() without Check's bookkeeping, which costs a write() per
 * passing assertion: for the per-call checks here and the suites' hot
 * loops. The message (a format string, then its arguments) is required.
 */
#define th_assert(expr, ...)                                                              \
	do {                                                                              \
		if (!(expr))                                                              \
			ck_abort_msg(__VA_ARGS__);                                        \
	} while (0)

static op_call th_call;
static om_value th_args[TH_MAX_ARGS];
/* The connection th_do() calls come from, and the c->open they get (NULL: none). */
static uint64_t th_owner = 1;
static void *(*th_open)(void *ctx, const char *name, const type_def *t, op_call *c);
static void *th_open_ctx;

/* Frees the last call's params and result. */
static inline void th_reset(void)
{
	for (size_t i = 0; i < th_call.nargs; i++)
		om_value_free(&th_args[i]);
	op_answer_free(&th_call);
	memset(&th_call, 0, sizeof th_call);
}

/*
 * Checks c's params against def, then runs def's handler on obj, checking
 * the handler contract: the code returned is the one recorded (OP_WAIT
 * records nothing), and a call that failed or waits answers nothing.
 */
static inline int th_run(const type_def *t, const op_def *def, void *obj, op_call *c)
{
	int rc = op_check_args(t, def, c);
	if (rc == OM_OK) {
		rc = def->fn(obj, c);
		th_assert(rc == OP_WAIT ? c->code == OM_OK : rc == c->code,
			  "%s.%s returned %d, recorded %d", t->name, def->name, rc, c->code);
	}
	if (rc != OM_OK)
		th_assert(c->result.kind == OM_NIL && !c->borrowed,
			  "%s.%s failed or waits but answered", t->name, def->name);
	return rc;
}

/* Copies the params up to TH_END into args; returns how many. */
static inline size_t th_copy_args(om_value *args, va_list ap)
{
	size_t n = 0;
	for (om_value v = va_arg(ap, om_value); v.kind != TH_END.kind; v = va_arg(ap, om_value)) {
		th_assert(n < TH_MAX_ARGS, "more than %d params", TH_MAX_ARGS);
		om_value_copy(&args[n++], &v);
	}
	return n;
}

static inline const op_def *th_op(const type_def *t, const char *op)
{
	const op_def *def = type_find_op(t, op, strlen(op));
	th_assert(def != NULL, "%s has no op '%s'", t->name, op);
	return def;
}

/*
 * Runs t.op on obj (named name) as th_owner with the params that follow,
 * up to TH_END; they are borrowed and copied. Returns the call's code, or
 * OP_WAIT: a call that waits is not run again (see th_park() for that).
 */
static inline int th_do(const type_def *t, void *obj, const char *name, const char *op, ...)
{
	th_reset();
	const op_def *def = th_op(t, op);
	va_list ap;
	va_start(ap, op);
	th_call.nargs = th_copy_args(th_args, ap);
	va_end(ap);
	th_call.type = t->name;
	th_call.name = name;
	th_call.args = th_args;
	th_call.owner = th_owner;
	th_call.open = th_open;
	th_call.open_ctx = th_open_ctx;
	return th_run(t, def, obj, &th_call);
}

/*
 * A call of a blocking op kept across runs, as the server keeps a parked
 * call: th_park() makes and runs it, th_rerun() runs the same op_call again
 * (c.state kept), th_expire() runs it as its timeout expires, and
 * th_unpark() frees it. Several can wait on one object at once.
 */
typedef struct th_parked {
	const type_def *t;
	const op_def *def;
	void *obj;
	op_call c;
	om_value args[TH_MAX_ARGS];
} th_parked;

/* Runs t.op on obj as owner with the params up to TH_END, into a zeroed *p. */
static inline int th_park(th_parked *p, const type_def *t, void *obj, const char *name,
			  uint64_t owner, const char *op, ...)
{
	memset(p, 0, sizeof *p);
	p->t = t;
	p->def = th_op(t, op);
	p->obj = obj;
	va_list ap;
	va_start(ap, op);
	p->c.nargs = th_copy_args(p->args, ap);
	va_end(ap);
	p->c.type = t->name;
	p->c.name = name;
	p->c.args = p->args;
	p->c.owner = owner;
	p->c.open = th_open;
	p->c.open_ctx = th_open_ctx;
	return th_run(t, p->def, obj, &p->c);
}

/* Runs a call that answered OP_WAIT again, as the server does when its object changes (or wakes it). */
static inline int th_rerun(th_parked *p)
{
	th_assert(p->c.code == OM_OK && p->c.result.kind == OM_NIL && !p->c.borrowed,
		  "%s.%s re-run but it had answered", p->t->name, p->def->name);
	p->c.sleep = false;
	p->c.wake = 0;
	return th_run(p->t, p->def, p->obj, &p->c);
}

/*
 * Runs a waiting call as its timeout expires. A call answering OP_WAIT to
 * it (condition.wait, for its lock) stays parked without a timeout: its
 * later runs have timed_out false.
 */
static inline int th_expire(th_parked *p)
{
	p->c.timed_out = true;
	int rc = th_rerun(p);
	if (rc == OP_WAIT)
		p->c.timed_out = false;
	return rc;
}

static inline void th_unpark(th_parked *p)
{
	for (size_t i = 0; i < p->c.nargs; i++)
		om_value_free(&p->args[i]);
	op_answer_free(&p->c);
}

static inline const om_value *th_answer(void)
{
	return op_answer(&th_call);
}

static inline const char *th_message(void)
{
	return th_call.message;
}

/* Equal, and alike to the last detail: same kinds everywhere, map pairs in the same order. */
static inline bool th_same(const om_value *a, const om_value *b)
{
	if (a->kind != b->kind || !value_eq(a, b))
		return false;
	if (a->kind != OM_ARRAY && a->kind != OM_MAP)
		return true;
	size_t n = a->kind == OM_MAP ? 2 * (size_t)a->len : a->len;
	for (size_t i = 0; i < n; i++)
		if (!th_same(&a->as.items[i], &b->as.items[i]))
			return false;
	return true;
}

static inline void th_expect_at(const om_value *got, om_value want, const char *file, int line)
{
	if (th_same(got, &want))
		return;
	char g[512], w[512];
	om_value_format(got, g, sizeof g);
	om_value_format(&want, w, sizeof w);
	ck_abort_msg("%s:%d: got %s (%s), want %s (%s)", file, line, g, value_kind_name(got), w,
		     value_kind_name(&want));
}

/* Asserts that the last call answered exactly want. */
#define th_expect(want) th_expect_at(th_answer(), (want), __FILE__, __LINE__)
/* The same for the parked call *p. */
#define th_expect_parked(p, want) th_expect_at(op_answer(&(p)->c), (want), __FILE__, __LINE__)
/* The same for a borrowed array of values: th_expect_array(om_int(1), om_int(2)). */
#define th_expect_array(...)                                                              \
	th_expect(om_array((const om_value[]){__VA_ARGS__},                                \
			   sizeof((const om_value[]){__VA_ARGS__}) / sizeof(om_value)))
/* The same for a map, given as key, value, key, value, ... */
#define th_expect_map(...)                                                                \
	th_expect(om_map((const om_value[]){__VA_ARGS__},                                  \
			 sizeof((const om_value[]){__VA_ARGS__}) / sizeof(om_value) / 2))

/* Every op of t has a handler and help; exactly the ops named in writes are OP_WRITE. */
static inline void th_check_table(const type_def *t, const char *const *writes)
{
	for (size_t i = 0; i < t->nops; i++) {
		const op_def *op = &t->ops[i];
		bool write = false;
		for (const char *const *w = writes; *w; w++)
			write |= strcmp(*w, op->name) == 0;
		ck_assert_msg(op->fn != NULL, "%s.%s has no handler", t->name, op->name);
		ck_assert_msg(op->help && op->help[0], "%s.%s has no help", t->name, op->name);
		ck_assert_msg(((op->flags & OP_WRITE) != 0) == write, "%s.%s: OP_WRITE is %s",
			      t->name, op->name, write ? "missing" : "wrong");
		ck_assert_ptr_eq(type_find_op(t, op->name, strlen(op->name)), op);
	}
}

/* An owned copy of the answer of t.read, an op without params, on obj: what a test compares. */
static inline om_value th_state(const type_def *t, void *obj, const char *name, const char *read)
{
	op_call c = {.type = t->name, .name = name, .owner = th_owner};
	const op_def *def = th_op(t, read);
	int rc = def->fn(obj, &c);
	th_assert(rc == OM_OK, "%s.%s answered %d: %s", t->name, read, rc, c.message);
	om_value v;
	om_value_copy(&v, op_answer(&c));
	op_answer_free(&c);
	return v;
}

/*
 * What th_each_failure() runs. Only run() runs with an allocation set to
 * fail: prepare() and check() (either may be NULL) allocate freely.
 */
typedef struct th_attempt {
	void (*prepare)(void *ctx); /* before each run */
	/* The code under test: true when it failed for want of memory. */
	bool (*run)(void *ctx);
	/* After each run: that a failure changed nothing, or what a success did. */
	void (*check)(void *ctx, bool out_of_memory);
} th_attempt;

/*
 * Runs a->run with its 1st mem_* allocation failing (mem_fail_nth()), then
 * its 2nd, and so on, until a run makes fewer allocations than the one set
 * to fail; returns how many runs met a failure. A run must fail for want
 * of memory exactly when an allocation failed. Under ASan, a run that
 * leaks fails the suite.
 */
static inline unsigned long th_each_failure(const th_attempt *a, void *ctx)
{
	for (unsigned long k = 1;; k++) {
		if (a->prepare)
			a->prepare(ctx);
		mem_fail_nth(k);
		bool out_of_memory = a->run(ctx);
		bool failed = !mem_fail_pending();
		mem_fail_nth(0);
		th_assert(out_of_memory == failed, "with allocation %lu failing: %s", k,
			  failed ? "succeeded" : "answered out of memory without a failure");
		if (a->check)
			a->check(ctx, out_of_memory);
		if (!failed)
			return k - 1;
	}
}

typedef struct th_oom_call {
	const type_def *t;
	const op_def *def;
	void *obj;
	const char *name, *state;
	om_value params[TH_MAX_ARGS]; /* borrowed, copied into th_args for each run */
	size_t nparams;
	om_value before;              /* the state before any run */
	int rc;
} th_oom_call;

static inline void th_oom_prepare(void *ctx)
{
	th_oom_call *o = ctx;
	th_reset();
	for (size_t i = 0; i < o->nparams; i++)
		om_value_copy(&th_args[i], &o->params[i]);
	th_call = (op_call){.type = o->t->name, .name = o->name, .args = th_args,
			    .nargs = o->nparams, .owner = th_owner, .open = th_open,
			    .open_ctx = th_open_ctx};
}

static inline bool th_oom_run(void *ctx)
{
	th_oom_call *o = ctx;
	o->rc = th_run(o->t, o->def, o->obj, &th_call);
	return o->rc == OM_LIMIT;
}

/* A failed run answered limit "out of memory" and left the object's state as it was. */
static inline void th_oom_check(void *ctx, bool out_of_memory)
{
	th_oom_call *o = ctx;
	if (!out_of_memory)
		return;
	th_assert(strcmp(th_call.message, "out of memory") == 0, "%s.%s answered limit: %s",
		  o->t->name, o->def->name, th_call.message);
	om_value after = th_state(o->t, o->obj, o->name, o->state);
	th_assert(th_same(&after, &o->before), "%s.%s out of memory changed %s", o->t->name,
		  o->def->name, o->state);
	om_value_free(&after);
}

/* How many runs of the last th_do_oom() met an allocation failure. */
static unsigned long th_oom_failures;

/*
 * th_do(), run with each of the op's allocations failing in turn
 * (th_each_failure()), then with none: each run that met a failure must
 * answer limit "out of memory" and leave obj as the read op `state`
 * (without params: "items", "len") showed it before. Returns the code of
 * the run without a failure, its answer readable as after th_do();
 * th_oom_failures says how many runs came before it.
 */
static inline int th_do_oom(const type_def *t, void *obj, const char *name, const char *state,
			    const char *op, ...)
{
	th_oom_call o = {.t = t, .def = th_op(t, op), .obj = obj, .name = name, .state = state};
	va_list ap;
	va_start(ap, op);
	for (om_value v = va_arg(ap, om_value); v.kind != TH_END.kind; v = va_arg(ap, om_value)) {
		th_assert(o.nparams < TH_MAX_ARGS, "more than %d params", TH_MAX_ARGS);
		o.params[o.nparams++] = v;
	}
	va_end(ap);
	o.before = th_state(t, obj, name, state);
	static const th_attempt attempt = {th_oom_prepare, th_oom_run, th_oom_check};
	th_oom_failures = th_each_failure(&attempt, &o);
	om_value_free(&o.before);
	return o.rc;
}

/* t.create(options) with its allocation failing answers limit "out of memory" and makes nothing. */
static inline void th_create_oom(const type_def *t, const om_value *options)
{
	op_call c = {.type = t->name, .name = "new"};
	mem_fail_nth(1);
	void *obj = t->create(options, &c);
	mem_fail_nth(0);
	th_assert(!obj && c.code == OM_LIMIT && strcmp(c.message, "out of memory") == 0,
		  "%s.create with its allocation failing answered %d: %s", t->name, c.code,
		  c.message);
}

/* t.create(options), which must succeed; the object is the caller's to destroy. */
static inline void *th_create(const type_def *t, const om_value *options)
{
	op_call c = {.type = t->name, .name = "new"};
	void *obj = t->create(options, &c);
	th_assert(obj != NULL, "%s.create answered %d: %s", t->name, c.code, c.message);
	return obj;
}

/*
 * t.create(options), then its options hook, which must answer exactly
 * want (pairs in order); and an object created with that answer answers
 * the same again: what objects.describe gives objects.create makes an
 * equal object.
 */
static inline void th_expect_options_at(const type_def *t, const om_value *options,
					om_value want, const char *file, int line)
{
	void *obj = th_create(t, options);
	om_value got, again;
	th_assert(t->options(obj, &got), "%s: options ran out of memory", t->name);
	th_expect_at(&got, want, file, line);
	void *copy = th_create(t, &got);
	th_assert(t->options(copy, &again), "%s: options ran out of memory", t->name);
	th_expect_at(&again, want, file, line);
	om_value_free(&got);
	om_value_free(&again);
	t->destroy(copy);
	t->destroy(obj);
}

#define th_expect_options(t, options, want) \
	th_expect_options_at((t), (options), (want), __FILE__, __LINE__)

typedef struct th_options_oom {
	const type_def *t;
	void *obj;
	om_value out;
} th_options_oom;

static inline bool th_options_oom_run(void *ctx)
{
	th_options_oom *o = ctx;
	return !o->t->options(o->obj, &o->out);
}

/* A failed run leaves nil behind; a successful one answers a map. */
static inline void th_options_oom_check(void *ctx, bool out_of_memory)
{
	th_options_oom *o = ctx;
	th_assert(o->out.kind == (out_of_memory ? OM_NIL : OM_MAP),
		  "%s: options answered a %s", o->t->name, value_kind_name(&o->out));
	om_value_free(&o->out);
}

/*
 * t's options hook on an object made with options, run with each of its
 * allocations failing in turn: each such run answers false and nil, and
 * leaks nothing (ASan). Returns how many runs met a failure.
 */
static inline unsigned long th_options_each_failure(const type_def *t, const om_value *options)
{
	th_options_oom o = {.t = t, .obj = th_create(t, options)};
	static const th_attempt attempt = {NULL, th_options_oom_run, th_options_oom_check};
	unsigned long failures = th_each_failure(&attempt, &o);
	t->destroy(o.obj);
	return failures;
}

/*
 * Exactly the ops named in grows (NULL-terminated) are OP_GROWS: refused
 * over --max-memory, as docs/protocol.md lists them.
 */
static inline void th_check_grows(const type_def *t, const char *const *grows)
{
	for (size_t i = 0; i < t->nops; i++) {
		const op_def *op = &t->ops[i];
		bool want = false;
		for (const char *const *g = grows; *g; g++)
			want |= strcmp(*g, op->name) == 0;
		ck_assert_msg(((op->flags & OP_GROWS) != 0) == want, "%s.%s: OP_GROWS is %s",
			      t->name, op->name, want ? "missing" : "wrong");
	}
}

#endif
