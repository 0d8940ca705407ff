/*
 * handle.h — what every typed proxy handle is (a client and an object's
 * name) and the one helper they all call through, so each typed function
 * is a line or two: "call <type>.<op> with [name, args...]".
 */
#ifndef OBJMGR_HANDLE_H
#define OBJMGR_HANDLE_H

#include "client.h"

/* The most params a data-type method takes after the object's name. */
#define HANDLE_MAX_ARGS 3

typedef struct handle {
	om_client *client;
	char *name; /* owned copy */
} handle;

/*
 * Every typed handle, as X(type): the om_<type> struct, and its
 * om_<type>_open() and om_<type>_close() (handle.c), are made from this
 * list. Each type's own functions, one per wire method, are in <type>.c.
 */
#define HANDLE_TYPES(X) \
	X(dict)         \
	X(list)         \
	X(counter)      \
	X(queue)        \
	X(lock)         \
	X(rlock)        \
	X(semaphore)    \
	X(event)        \
	X(condition)    \
	X(barrier)

#define HANDLE_STRUCT(type) \
	struct om_##type {  \
		handle h;   \
	};
HANDLE_TYPES(HANDLE_STRUCT)
#undef HANDLE_STRUCT

/* A handle on the object name of client c; the name is copied. */
handle handle_make(om_client *c, const char *name);
void handle_free(handle *h);

/* Calls method with params [h's name, args[0..n)], as om_call does. */
int handle_call(const handle *h, const char *method, const om_value *args, size_t n,
		om_value *out);
/* The same, for methods answering a length or an index; out may be NULL. */
int handle_call_size(const handle *h, const char *method, const om_value *args, size_t n,
		     size_t *out);
/* The same, for methods answering a bool; out may be NULL. */
int handle_call_bool(const handle *h, const char *method, const om_value *args, size_t n,
		     bool *out);

/*
 * The timeout param of a blocking method, from the C API's convention:
 * negative waits forever (nil on the wire), else seconds (0: do not wait).
 */
om_value handle_timeout(double timeout_s);

/*
 * Checks that the owned result v of method is a bool, stores it in *out (if
 * out) and frees v. Anything else is OM_PROTOCOL, recorded on c.
 */
int result_bool(om_client *c, const char *method, om_value *v, bool *out);

/* As result_bool(), for a result that must be a non-negative integer. */
int result_uint(om_client *c, const char *method, om_value *v, uint64_t *out);

/*
 * Splits the owned result v of method, which must be [first, second], into
 * two owned values (either pointer may be NULL to drop that one). Anything
 * else is OM_PROTOCOL, recorded on c.
 */
int result_pair(om_client *c, const char *method, om_value *v, om_value *first,
		om_value *second);

/*
 * Splits the owned result v of a scan method, which must be [cursor, map]
 * with cursor a non-negative integer, into *next and an owned *page (v is
 * consumed). Anything else is OM_PROTOCOL, recorded on c, *page nil.
 */
int result_page(om_client *c, const char *method, om_value *v, uint64_t *next, om_value *page);

/* The [cursor, ..., count] params of a scan: count 0 is nil, the server's default. */
static inline om_value handle_count(size_t count)
{
	return count ? om_uint(count) : om_nil();
}

#endif
