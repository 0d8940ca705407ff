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
/* Drops the connection (if any) and connects again to the same address: OM_OK, or OM_IO as om_connect(). */
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
 * code and leaves *result nil. Errors:
 *  - the server's code for the request (OM_KEY_ERROR, OM_BAD_PARAMS, ...),
 *    with its message; the connection stays up;
 *  - OM_IO when the client is not connected or the connection failed
 *    (the message names the socket path and the system error), and the
 *    server's code when it closed the connection with a "server.error"
 *    notification saying why (OM_LIMIT, OM_TOO_LARGE, ...); the
 *    connection is down after either: see om_reconnect();
 *  - OM_TIMEOUT when opts->timeout_s passed first. The connection stays up
 *    when the request was sent whole (its late reply is skipped), and is
 *    dropped when it was not;
 *  - OM_PROTOCOL when the server's bytes are not msgpack-RPC; the
 *    connection is dropped.
 * Signals do not interrupt a call (EINTR is retried) and a closed socket
 * never raises SIGPIPE.
 */
int om_call(om_client *c, const char *method, const om_value *params, size_t n,
	    om_value *result);

/*
 * Proxy handles.
 *
 * A proxy handle names one shared object on one client: om_dict_open(c,
 * "users") returns a handle through which every dict.* method is a typed C
 * function (dict.set is om_dict_set, and so on). Opening sends nothing and
 * creates nothing on the server; the object is created by the first write
 * (a read of a missing object answers as on an empty one).
 *
 * Every typed function is one request: it returns what om_call() would
 * (OM_OK, the server's error code, OM_IO, OM_TIMEOUT or OM_PROTOCOL) and
 * leaves the same detail on the client, readable with om_errcode() and
 * om_errmsg(). Two errors can come from any of them and are not repeated
 * below: OM_WRONG_TYPE when the name is held by an object of another type
 * ("\"users\" is a list, not a dict"), and OM_BAD_PARAMS when the name is
 * not a valid object name (empty, or over 1,024 bytes).
 *
 * Results: an `om_value *out` is set to an owned value on success, to nil
 * otherwise, and must be released with om_value_free(); a `size_t *`,
 * `bool *` or `int64_t *` out is written on success only. Any out pointer
 * may be NULL to discard the result.
 *
 * A handle borrows its client: close the handles before (or after) the
 * client, but use none after om_close(). The handle keeps its own copy of
 * the name. Like its client, a handle is for one thread at a time.
 */
typedef struct om_dict om_dict;
typedef struct om_list om_list;
typedef struct om_counter om_counter;


/*
 * Dicts: hash tables that keep insertion order, keys and values of any type.
 */

/* A handle on the dict called name on c. Never NULL; free with om_dict_close(). */
om_dict *om_dict_open(om_client *c, const char *name);
/* Frees the handle (not the dict on the server). NULL is a no-op. */
void om_dict_close(om_dict *d);

/* dict.set: stores value under key, keeping key's position if it was there. */
int om_dict_set(om_dict *d, om_value key, om_value value);

/*
 * dict.get: the value stored under key, into *out (owned).
 * Errors: OM_KEY_ERROR when key is absent ("dict 'users' has no key \"bob\"").
 */
int om_dict_get(om_dict *d, om_value key, om_value *out);

/* dict.get with a default: the value under key, or a copy of dflt when absent. */
int om_dict_get_default(om_dict *d, om_value key, om_value dflt, om_value *out);

/* dict.has: whether key is present. */
int om_dict_has(om_dict *d, om_value key, bool *out);

/* dict.del: removes key. Errors: OM_KEY_ERROR when key is absent. */
int om_dict_del(om_dict *d, om_value key);

/*
 * dict.pop: removes key and gives back its value (owned) in *out.
 * Errors: OM_KEY_ERROR when key is absent.
 */
int om_dict_pop(om_dict *d, om_value key, om_value *out);

/* dict.pop with a default: as om_dict_pop(), but a copy of dflt when key is absent. */
int om_dict_pop_default(om_dict *d, om_value key, om_value dflt, om_value *out);

/* dict.setdefault: stores dflt under key unless key is present; *out is the value now stored. */
int om_dict_setdefault(om_dict *d, om_value key, om_value dflt, om_value *out);

/* dict.len: the number of keys (0 for a missing dict). */
int om_dict_len(om_dict *d, size_t *out);

/* dict.keys: an owned array of the keys, in insertion order. */
int om_dict_keys(om_dict *d, om_value *out);

/* dict.values: an owned array of the values, in insertion order. */
int om_dict_values(om_dict *d, om_value *out);

/* dict.items: the whole dict as an owned map, in insertion order. */
int om_dict_items(om_dict *d, om_value *out);

/* dict.update: stores every pair of map (an OM_MAP value), in its order. */
int om_dict_update(om_dict *d, om_value map);

/* dict.clear: removes every key. */
int om_dict_clear(om_dict *d);

/*
 * dict.popitem: removes the most recently inserted pair and gives back its
 * key and value (owned; either pointer may be NULL to drop that half).
 * Errors: OM_KEY_ERROR when the dict is empty.
 */
int om_dict_popitem(om_dict *d, om_value *key, om_value *value);

/*
 * dict.incr: adds delta (a number) to the number under key, a missing key
 * counting as 0, and gives back the new number in *out. int + int stays an
 * int; anything with a float gives a float.
 * Errors: OM_WRONG_TYPE when the stored value is not a number;
 * OM_VALUE_ERROR on integer overflow (nothing is stored then).
 */
int om_dict_incr(om_dict *d, om_value key, om_value delta, om_value *out);


/*
 * Lists: arrays with O(1) access at both ends. Indexes follow Python: a
 * negative index counts from the end (-1 is the last item).
 */

/* A handle on the list called name on c. Never NULL; free with om_list_close(). */
om_list *om_list_open(om_client *c, const char *name);
/* Frees the handle (not the list on the server). NULL is a no-op. */
void om_list_close(om_list *l);

/* list.append: adds v at the end; *new_len is the length after. */
int om_list_append(om_list *l, om_value v, size_t *new_len);

/* list.extend: adds every item of array (an OM_ARRAY value) at the end; *new_len is the length after. */
int om_list_extend(om_list *l, om_value array, size_t *new_len);

/*
 * list.insert: inserts v before index i; i is clamped to the list as in
 * Python (past the end appends, far negative prepends). *new_len is the
 * length after.
 */
int om_list_insert(om_list *l, int64_t i, om_value v, size_t *new_len);

/* list.get: the item at i (owned). Errors: OM_INDEX_ERROR when i is out of range. */
int om_list_get(om_list *l, int64_t i, om_value *out);

/* list.set: replaces the item at i. Errors: OM_INDEX_ERROR when i is out of range. */
int om_list_set(om_list *l, int64_t i, om_value v);

/* list.pop: removes the last item and gives it back (owned). Errors: OM_INDEX_ERROR when empty. */
int om_list_pop(om_list *l, om_value *out);

/* list.pop with an index: removes the item at i. Errors: OM_INDEX_ERROR when i is out of range. */
int om_list_pop_at(om_list *l, int64_t i, om_value *out);

/* list.popleft: removes the first item and gives it back (owned). Errors: OM_INDEX_ERROR when empty. */
int om_list_popleft(om_list *l, om_value *out);

/* list.remove: removes the first item equal to v. Errors: OM_VALUE_ERROR when none is. */
int om_list_remove(om_list *l, om_value v);

/* list.index: the index of the first item equal to v. Errors: OM_VALUE_ERROR when none is. */
int om_list_index(om_list *l, om_value v, size_t *out);

/* list.count: how many items are equal to v. */
int om_list_count(om_list *l, om_value v, size_t *out);

/* list.len: the number of items (0 for a missing list). */
int om_list_len(om_list *l, size_t *out);

/*
 * list.slice: an owned array of the items in [start, stop), with Python's
 * slice semantics: start and stop are integers (negative counts from the
 * end, out of range is clamped) or om_nil() for an open end.
 * Errors: OM_BAD_PARAMS when a bound is neither an integer nor nil.
 */
int om_list_slice(om_list *l, om_value start, om_value stop, om_value *out);

/* list.items: the whole list as an owned array. */
int om_list_items(om_list *l, om_value *out);

/* list.clear: removes every item. */
int om_list_clear(om_list *l);

/* list.reverse: reverses the items in place. */
int om_list_reverse(om_list *l);

/*
 * list.sort: sorts the items in place, stably, in the total order of
 * om_value_compare() (descending when reverse is true).
 */
int om_list_sort(om_list *l, bool reverse);


/*
 * Counters: a number, an int64 until a float is stored in it or added to
 * it, a float64 from then on. Integer overflow is an error, never a wrap.
 */

/* A handle on the counter called name on c. Never NULL; free with om_counter_close(). */
om_counter *om_counter_open(om_client *c, const char *name);
/* Frees the handle (not the counter on the server). NULL is a no-op. */
void om_counter_close(om_counter *n);

/* counter.get: the value (owned; an OM_INT 0 for a missing counter). */
int om_counter_get(om_counter *n, om_value *out);

/* counter.set: stores v, a number. Errors: OM_BAD_PARAMS when v is not a number. */
int om_counter_set(om_counter *n, om_value v);

/*
 * counter.add: adds delta (a number) and gives back the new value.
 * Errors: OM_VALUE_ERROR on integer overflow (the counter is unchanged).
 */
int om_counter_add(om_counter *n, om_value delta, om_value *out);

/*
 * counter.add with an integer delta, for the common case: *out is the new
 * value. Errors: as om_counter_add(), and OM_WRONG_TYPE when the counter
 * holds a float, which an int64_t cannot carry; the addition was done
 * then, and om_counter_get() reads the float.
 */
int om_counter_add_int(om_counter *n, int64_t delta, int64_t *out);

/*
 * counter.cas: compare and swap. Stores new_value and sets *swapped to
 * true when the counter equals expected (the int 1 does not equal the
 * float 1.0), else sets *swapped to false and changes nothing.
 */
int om_counter_cas(om_counter *n, om_value expected, om_value new_value, bool *swapped);


/*
 * The registry of named objects, and the server itself. Results and errors
 * follow the conventions of the proxy handles above.
 */

/* objects.list: an owned map from each object's name to its type name ("dict"), sorted by name. */
int om_objects_list(om_client *c, om_value *out);

/* objects.type: the type name of the object (an owned OM_STR), or nil when there is none. */
int om_objects_type(om_client *c, const char *name, om_value *out);

/* objects.delete: deletes the object; *existed says whether there was one. */
int om_objects_delete(om_client *c, const char *name, bool *existed);

/*
 * objects.create: creates an empty object of the type named type ("dict",
 * "list", "counter") with options (an OM_MAP, or om_nil() for none).
 * Succeeds too when it exists already with that type.
 * Errors: OM_WRONG_TYPE when it exists with another type; OM_BAD_PARAMS
 * for an unknown type or option.
 */
int om_objects_create(om_client *c, const char *name, const char *type, om_value options);

/* server.ping: OM_OK when the server answers. */
int om_server_ping(om_client *c);

/*
 * server.info: an owned map of server facts: "version" (str), "uptime_s"
 * (float), "connections", "objects", "ops_total", "used_memory" (bytes),
 * "pid" (ints) and "socket" (str). Read them with om_value_map_get().
 */
int om_server_info(om_client *c, om_value *out);

/*
 * server.shutdown: asks the server to stop. It answers first, then closes
 * every connection, removes its socket and exits; later calls on c fail
 * with OM_IO.
 */
int om_server_shutdown(om_client *c);

#ifdef __cplusplus
}
#endif

#endif
