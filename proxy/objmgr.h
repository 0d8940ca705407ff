/*
 * objmgr.h — the public C API of libobjmgr, the objmgr client library.
 *
 * A client connects to an objmgrd server and manipulates its named shared
 * objects (dicts, lists, counters, ...) through msgpack-RPC requests.
 *
 * Conventions, everywhere in this header:
 *  - Functions that can fail return an int: OM_OK (0) on success or a negative
 *    OM_* code. The detail of the last failure on a client is kept on it:
 *    om_errcode() and om_errmsg(). Nothing here prints, exits or aborts on
 *    bad input (memory exhaustion aborts, as in Redis).
 *  - Values are om_value structs passed by value. Values you build with the
 *    constructors below (om_int, om_str, om_array, ...) BORROW the memory you
 *    give them: nothing is copied and nothing needs freeing. Values the
 *    library hands back to you through an `om_value *out` parameter are OWNED
 *    by you and must be released with om_value_free().
 *  - A client handle is not thread-safe: use one per thread.
 */
#ifndef OBJMGR_H
#define OBJMGR_H

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
 * OM_UNKNOWN_ERROR are local to the client.
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
	OM_BAD_REQUEST = -17,   /* "bad_request": not a msgpack-RPC request */
	OM_IO = -18,            /* "io": connecting, sending or receiving failed */
	OM_PROTOCOL = -19,      /* "protocol": the server's reply is malformed */
	OM_UNKNOWN_ERROR = -20  /* "unknown": an error code this library lacks */
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
/* Structural equality, as the server compares dict keys. */
bool om_value_equal(const om_value *a, const om_value *b);
/*
 * The total order the server sorts lists by: nil < bool < numbers < str <
 * bin < array < map < ext < ref. Numbers compare by numeric value (an int
 * before a float of the same value, NaN after every other number). Strings
 * and bins compare bytewise, arrays element by element, maps by size and
 * then pair by pair. Returns <0, 0 or >0.
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


/*
 * Clients.
 *
 * An address is a Unix socket path ("/run/user/1000/objmgr.sock", or with an
 * explicit scheme "unix:/path"). NULL means the default, the same one
 * objmgrd uses: $OBJMGR_SOCKET, else $XDG_RUNTIME_DIR/objmgr.sock, else
 * /tmp/objmgr-$UID/objmgr.sock.
 */
typedef struct om_client om_client;

typedef struct om_options {
	double timeout_s; /* how long a call waits for its reply; 0 = forever */
} om_options;

/*
 * Connects. Always returns a handle, never NULL; check om_errcode(): OM_OK when connected,
 * else OM_IO with om_errmsg() saying where it looked and why it failed.
 * opts may be NULL for the defaults. Free with om_close() in every case.
 */
om_client *om_connect(const char *address, const om_options *opts);
/* Closes the connection and frees the handle. NULL is a no-op. */
void om_close(om_client *c);
/* Drops the connection (if any) and connects again to the same address. */
int om_reconnect(om_client *c);
/* True while the connection is up (it goes down on an I/O error). */
bool om_connected(const om_client *c);
/* The code of the last failed call on c, or OM_OK if the last call succeeded. */
int om_errcode(const om_client *c);
/* The message of the last failure ("dict 'users' has no key \"bob\""); "" if none. Owned by c, valid until the next call. */
const char *om_errmsg(const om_client *c);
/* The socket path c connects to. Owned by c. */
const char *om_address(const om_client *c);
/* Writes the default address into buf; OM_LIMIT if it does not fit. */
int om_default_address(char *buf, size_t size);

/*
 * Sends the request [0, msgid, method, params] (params: n values, borrowed)
 * and waits for its reply. On success stores the owned result in *result
 * (may be NULL to discard it) and returns OM_OK; otherwise returns the error
 * code (the server's, or OM_IO / OM_PROTOCOL) and leaves *result nil.
 */
int om_call(om_client *c, const char *method, const om_value *params, size_t n,
	    om_value *result);

#ifdef __cplusplus
}
#endif

#endif
