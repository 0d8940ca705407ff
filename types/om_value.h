/*
 * om_value.h — the value model every layer speaks: om_value, its
 * constructors and functions, and the OM_* status codes with their wire
 * names. The server (objmgrd), the client library and the objmgr program
 * all build on it; objmgr.h, the client API, includes it, so a client
 * program includes objmgr.h only.
 *
 * Ownership, as objmgr.h says: values built with the constructors borrow
 * the memory given them; values handed back through an `om_value *out`
 * are owned by the caller and released with om_value_free().
 */
#ifndef OBJMGR_OM_VALUE_H
#define OBJMGR_OM_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define OM_VERSION "0.1.0"

/*
 * Status codes. The server's error codes travel on the wire as snake_case
 * strings ("key_error"); om_code_name() gives that string for a code and
 * om_code_from_name() the code for a string. OM_IO, OM_PROTOCOL and
 * OM_UNKNOWN_ERROR are local to the client, and so is OM_TIMEOUT when the
 * client's own om_options.timeout_s passes before a reply (see om_call()).
 */
enum om_code {
	OM_OK = 0,
	OM_NO_SUCH_METHOD = -1, /* "no_such_method": unknown "<type>.<op>" */
	OM_BAD_PARAMS = -2,     /* "bad_params": wrong arity or parameter type */
	OM_WRONG_TYPE = -3,     /* "wrong_type": object or value of another type */
	OM_KEY_ERROR = -4,      /* "key_error": no such key */
	OM_INDEX_ERROR = -5,    /* "index_error": index out of range */
	OM_VALUE_ERROR = -6,    /* "value_error": value absent, overflow, ... */
	OM_TIMEOUT = -7,        /* "timeout" */
	OM_EMPTY = -8,          /* "empty": nothing to take before the timeout */
	OM_FULL = -9,           /* "full": no room before the timeout */
	OM_AUTH_REQUIRED = -10, /* "auth_required" */
	OM_AUTH_FAILED = -11,   /* "auth_failed" */
	OM_TOO_LARGE = -12,     /* "too_large": message over the size limit */
	OM_TOO_DEEP = -13,      /* "too_deep": value nested too deeply */
	OM_NOT_OWNER = -14,     /* "not_owner": releasing what you do not hold */
	OM_LIMIT = -15,         /* "limit": a server limit was reached */
	OM_BROKEN = -16,        /* "broken": a barrier was broken */
	OM_BAD_REQUEST = -17,   /* "bad_request": not a msgpack-RPC request; om_recv_id(): not pending */
	OM_IO = -18,            /* "io": connecting, sending or receiving failed */
	OM_PROTOCOL = -19,      /* "protocol": the server's reply is malformed */
	OM_UNKNOWN_ERROR = -20, /* "unknown": an error code this library lacks */
	OM_CONFLICT = -21       /* "conflict": server.batch's if_versions found a changed object */
};

/* The wire name of a code ("key_error"); "unknown" for codes not listed. */
const char *om_code_name(int code);
/* The code for a wire name of len bytes; OM_UNKNOWN_ERROR if not listed. */
int om_code_from_name(const char *name, size_t len);

/*
 * The value model: everything msgpack can carry, plus a reference to another
 * named shared object (on the wire: msgpack ext type 1 whose payload is the
 * object's name).
 *
 * Integers are normalised: every integer that fits in int64_t is OM_INT, only
 * those above INT64_MAX are OM_UINT. So 1 sent as a fixint and 1 sent as a
 * uint64 are the same value (and the same dict key). Integers and floats are
 * never equal to each other: 1 and 1.0 are different keys. A float32 and a
 * float64 of the same numeric value are equal; all NaNs are equal to each
 * other; 0.0 and -0.0 are equal.
 */
typedef enum om_kind {
	OM_NIL,
	OM_BOOL,
	OM_INT,     /* as.i */
	OM_UINT,    /* as.u, always > INT64_MAX */
	OM_FLOAT32, /* as.f (kept as a double, sent as a float32) */
	OM_FLOAT64, /* as.f */
	OM_STR,     /* as.str, len bytes (UTF-8 expected, not enforced) */
	OM_BIN,     /* as.str, len bytes */
	OM_ARRAY,   /* as.items, len values */
	OM_MAP,     /* as.items, 2*len values: key, value, key, value, ... */
	OM_EXT,     /* as.str, len bytes; ext_type the msgpack ext type */
	OM_REF      /* as.str, len bytes: the name of a shared object */
} om_kind;

typedef struct om_value {
	uint8_t kind;    /* an om_kind */
	int8_t ext_type; /* OM_EXT only */
	uint32_t len;    /* bytes (STR, BIN, EXT, REF), items (ARRAY), pairs (MAP) */
	union {
		bool b;
		int64_t i;
		uint64_t u;
		double f;
		char *str;              /* owned values: also NUL-terminated */
		struct om_value *items; /* ARRAY: len; MAP: 2 * len */
	} as;
} om_value;

/* Constructors. They borrow: pointers passed in must outlive the value. */
static inline om_value om_nil(void) { om_value v = {OM_NIL, 0, 0, {0}}; return v; }
static inline om_value om_bool(bool b) { om_value v = {OM_BOOL, 0, 0, {0}}; v.as.b = b; return v; }
static inline om_value om_int(int64_t i) { om_value v = {OM_INT, 0, 0, {0}}; v.as.i = i; return v; }
static inline om_value om_uint(uint64_t u)
{
	om_value v = {OM_INT, 0, 0, {0}};
	if (u > (uint64_t)INT64_MAX) { v.kind = OM_UINT; v.as.u = u; } else { v.as.i = (int64_t)u; }
	return v;
}
static inline om_value om_float(double f) { om_value v = {OM_FLOAT64, 0, 0, {0}}; v.as.f = f; return v; }
static inline om_value om_strn(const char *s, size_t n)
{
	om_value v = {OM_STR, 0, (uint32_t)n, {0}};
	v.as.str = (char *)s;
	return v;
}
static inline om_value om_str(const char *s) { return om_strn(s, strlen(s)); }
static inline om_value om_bin(const void *p, size_t n) { om_value v = om_strn((const char *)p, n); v.kind = OM_BIN; return v; }
static inline om_value om_ref(const char *name) { om_value v = om_str(name); v.kind = OM_REF; return v; }
static inline om_value om_ext(int8_t type, const void *p, size_t n)
{
	om_value v = om_strn((const char *)p, n);
	v.kind = OM_EXT;
	v.ext_type = type;
	return v;
}
static inline om_value om_array(const om_value *items, size_t n)
{
	om_value v = {OM_ARRAY, 0, (uint32_t)n, {0}};
	v.as.items = (om_value *)items;
	return v;
}
/* pairs holds 2 * n values: key, value, key, value, ... */
static inline om_value om_map(const om_value *pairs, size_t n)
{
	om_value v = {OM_MAP, 0, (uint32_t)n, {0}};
	v.as.items = (om_value *)pairs;
	return v;
}

/* Releases an owned value (one the library gave you) and sets it to nil. */
void om_value_free(om_value *v);
/* Deep-copies src into *dst, which you then own. */
void om_value_copy(om_value *dst, const om_value *src);
/*
 * Structural equality, as the server compares dict keys: maps are equal
 * when they hold the same pairs in any order (duplicate keys counted).
 */
bool om_value_equal(const om_value *a, const om_value *b);
/*
 * The total order the server sorts lists by: nil < bool < numbers < str <
 * bin < array < map < ext < ref. Numbers compare by numeric value (an int
 * before a float of the same value, NaN after every other number). Strings
 * and bins compare bytewise, arrays element by element, maps by size and
 * then pair by pair with each map's pairs sorted by key, then by value.
 * Returns <0, 0 or >0; 0 exactly when om_value_equal(). Comparing maps
 * takes O(n log n) time and scratch memory; should none be left, a slower
 * method gives the same answer.
 */
int om_value_compare(const om_value *a, const om_value *b);
/*
 * Writes a one-line, JSON-like rendering of v into buf (always
 * NUL-terminated, cut with "..." when it does not fit) and returns the
 * length it would have had uncut, like snprintf.
 */
size_t om_value_format(const om_value *v, char *buf, size_t size);
/* For a map value: the value stored under the string key, or NULL. */
const om_value *om_value_map_get(const om_value *map, const char *key);

#ifdef __cplusplus
}
#endif

#endif
