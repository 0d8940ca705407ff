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
 *    constructors of om_value.h (om_int, om_str, om_array, ...) BORROW the memory you
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

#include "om_value.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Clients.
 *
 * An address is a Unix socket path ("/run/user/1000/objmgr.sock", or with an
 * explicit scheme "unix:/path"), or "tcp:HOST:PORT" ("tcp:db1:6000",
 * "tcp:[::1]:6000") for a server listening on TCP, which always needs an
 * authkey (om_options.authkey). NULL means the default, the same one
 * objmgrd uses: $OBJMGR_SOCKET, else $XDG_RUNTIME_DIR/objmgr.sock, else
 * /tmp/objmgr-$UID/objmgr.sock.
 */
typedef struct om_client om_client;

/*
 * Options for om_connect(); zero-initialise it ({0} or designated
 * initialisers), and leave unnamed fields 0. New fields are added at its
 * end. Until objmgr 1.0 the soname does not change with them: a program
 * must be built against the objmgr.h of the libobjmgr it runs with.
 */
typedef struct om_options {
	/*
	 * How long a call waits for its reply; 0 = forever. Keep it longer
	 * than the timeout_s you give calls that wait (see Coordination).
	 */
	double timeout_s;
	/*
	 * A user whose server you trust besides yourself and root (0: none).
	 * Connecting, the library asks the kernel which user the server runs
	 * as (SO_PEERCRED) and refuses any other with OM_AUTH_FAILED: a server
	 * somebody else started in your socket's place would see every value
	 * you send. Set it to reach a shared server run by a service user.
	 */
	unsigned server_uid;
	/*
	 * The authkey of a server started with --authkey-file: authkey_len
	 * bytes at authkey; else the bytes of the file authkey_file; else of
	 * the file $OBJMGR_AUTHKEY_FILE names; else none. With a key,
	 * connecting runs the handshake of docs/protocol.md: the client proves
	 * it knows the key and checks that the server does too, failing with
	 * OM_AUTH_FAILED when it does not (or asks for no key). A key has 16
	 * to 4096 bytes; its file must be closed to group and others (chmod
	 * 600). om_connect() copies the key: the pointers need not outlive it.
	 */
	const void *authkey;
	size_t authkey_len;
	const char *authkey_file;
	/*
	 * The name this connection shows in clients.list, set with
	 * client.setname right after connecting and reconnecting (after the
	 * authkey handshake): one round trip. NULL: the program's name
	 * (program_invocation_short_name, cut to 64 bytes, bytes other than
	 * printable ASCII and spaces made '_'); "": none, nothing is sent.
	 * A name the server refuses fails om_connect() with OM_BAD_PARAMS; a
	 * server without client.setname (no_such_method) leaves it unnamed,
	 * as does one that wants an authkey c was not given (auth_required,
	 * which the first call then answers).
	 * om_connect() copies it.
	 */
	const char *client_name;
	/*
	 * Shared memory (Linux, a Unix socket): after connecting (and the
	 * authkey handshake) the client asks the server for server.shm, and
	 * from then on requests and replies go through two rings in memory
	 * both processes map, each side polling briefly before it sleeps, in
	 * place of the socket, which stays open so that the server notices
	 * when the client dies. Everything else behaves the same. A server
	 * that refuses (an older one, TCP) leaves the connection on the
	 * socket, silently: om_uses_shm() tells which. A process that forks
	 * after connecting may not use the connection in the child: its
	 * calls there fail with OM_IO (connection dropped, in the child only)
	 * until om_reconnect(), which gives the child a connection of its own.
	 * A server that dies is noticed within 100 ms while a call waits.
	 * Calling "server.shm" through om_call() or om_send() fails with
	 * OM_BAD_PARAMS: this option is the way to it.
	 */
	bool shm;
	/*
	 * false (the default): a call waiting for its reply first polls the
	 * socket without sleeping for up to 50 µs, while such windows catch
	 * the reply; a server on another CPU often answers within that, and
	 * waking a sleeping thread can cost more (20 µs and up in a VM). The
	 * rule is the server's (docs/guide.md, Running the server): a window
	 * that catches nothing, or during which the calling thread was
	 * preempted, makes the next ones rarer (every 1, 2, 4, ... up to 1024
	 * waits), so a client on the server's CPU, an idle one or one that
	 * waits for slow calls soon stops polling. true: never poll, always
	 * sleep in poll(2). OBJMGR_POLL=0 in the environment does the same for
	 * every connection. Results are the same either way. Shared memory
	 * (shm) polls its rings regardless: it is what that carrier is for.
	 */
	bool no_poll;
} om_options;

/*
 * Connects. Always returns a handle, never NULL; check om_errcode(): OM_OK when connected,
 * else OM_IO with om_errmsg() saying where it looked and why it failed,
 * OM_BAD_PARAMS for an authkey that cannot be used (the message says why,
 * never what the key is), or OM_AUTH_FAILED when the server is not one to
 * trust (see server_uid and authkey above), when it refused the key,
 * or, for the default socket (address NULL and $OBJMGR_SOCKET unset), its
 * directory is not yours alone. opts may be NULL for the defaults. Free
 * with om_close() in every case.
 */
om_client *om_connect(const char *address, const om_options *opts);
/* Closes the connection and frees the handle. NULL is a no-op. */
void om_close(om_client *c);
/* Drops the connection (if any) and connects again to the same address: OM_OK, or an error as om_connect(). */
int om_reconnect(om_client *c);
/* True while the connection is up and its requests and replies go through shared memory (om_options.shm). */
bool om_uses_shm(const om_client *c);
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
 * Pipelining.
 *
 * om_send() queues a request without waiting for its reply; om_recv()
 * takes the replies back one at a time, in arrival order, and om_recv_id()
 * the reply to one request, by its msgid. Every method has this form: what
 * om_dict_set(d, k, v) sends is om_send(c, "dict.set", (om_value[]){
 * om_str(name), k, v}, 3, &msgid), and likewise for each typed function.
 * Requests go out in few large writes and replies come in in few large
 * reads, so a batch of N requests costs far fewer than N round trips and
 * 2N syscalls. The server runs pipelined requests in the order sent.
 *
 * Ownership: om_send() packs params before it returns, so they may be
 * freed or reused at once. A result from om_recv() or om_recv_id() is
 * owned by you (free it with om_value_free()), exactly as one from
 * om_call().
 *
 * Order: the server answers in order, except that a blocking call (a
 * queue.get on an empty queue, a lock.acquire, ...) is answered when it
 * completes, after those sent behind it. om_recv() returns replies in the
 * order they arrived, each with its msgid: match them by msgid. Or collect
 * them in the order you choose with om_recv_id(): it waits for the one
 * reply asked for and keeps those that arrive before it for later
 * om_recv() or om_recv_id() calls. Each reply is given back once, by
 * whichever of the two takes it first. So a blocking queue.get can be sent
 * first and collected last:
 *
 *	om_send(c, "queue.get", (om_value[]){om_str("jobs"), om_float(5)}, 2, &get);
 *	om_send(c, "dict.set", (om_value[]){om_str("d"), om_str("k"), om_int(1)}, 3, &set);
 *	om_recv_id(c, set, NULL);     // at once, though sent after the get
 *	om_recv_id(c, get, &job);     // when a job comes, or OM_EMPTY after 5 s
 *
 * Mixing with om_call(): an om_call() sends the requests queued before it,
 * then its own, and waits for its own reply; replies to pipelined requests
 * that arrive first are kept for om_recv() and om_recv_id(), never lost.
 * Typed functions are om_call()s, so they may be used while requests are
 * pending too.
 *
 * When the connection drops (OM_IO, OM_PROTOCOL, a server.error code, or
 * an OM_TIMEOUT while sending), every pipelined request not yet given back
 * by om_recv() or om_recv_id() is forgotten, answered or not, and
 * om_pending() falls to 0: whether such a request ran is unknown, as for an
 * om_call() that failed the same way.
 */

/*
 * Queues the request [0, msgid, method, params] (params: n values, copied
 * before it returns) and stores its msgid, never 0, in *msgid (may be
 * NULL). The request is sent once 64 KiB of requests are queued, or by
 * om_flush(), om_recv() or om_call(); while a send would block, replies
 * are read and kept, so om_send() never deadlocks with the server.
 * Returns OM_OK, or without queueing anything (*msgid set to 0):
 *  - OM_IO when not connected; OM_IO, OM_PROTOCOL or the server's code of
 *    a server.error notification when sending the queue failed;
 *  - OM_TIMEOUT when the queue could not be sent within opts->timeout_s.
 * The connection is down after any of these, and om_pending() is 0.
 */
int om_send(om_client *c, const char *method, const om_value *params, size_t n,
	    uint32_t *msgid);

/*
 * Sends every queued request, waiting (at most opts->timeout_s) while the
 * socket is full, but not for replies. Returns OM_OK, or an error as
 * om_send() does, after which the connection is down.
 */
int om_flush(om_client *c);

/*
 * Gives back the next reply to a pipelined request, in arrival order,
 * sending the queued requests first (replies om_recv_id() took already are
 * not given again). Waits at most opts->timeout_s.
 *
 * When it takes a reply, it stores the reply's msgid (as om_send() gave
 * it) in *msgid and returns that request's own status: OM_OK with the
 * owned result in *result, or the server's error code for that request
 * (OM_KEY_ERROR, ...) with *result nil and the request's message in
 * om_errmsg(c) until the next call on c. The connection stays up and the
 * other requests are unaffected: an error inside a pipeline belongs to
 * its request alone.
 *
 * When it takes none, *msgid is 0, *result is nil and it returns:
 *  - OM_EMPTY when no request is pending (om_pending() is 0);
 *  - OM_TIMEOUT when no reply came in time; the connection stays up and
 *    the requests stay pending, so a later om_recv() can take them
 *    (unless the queued requests could not even be sent in time: then the
 *    connection is down, as after om_send()'s OM_TIMEOUT);
 *  - OM_IO, OM_PROTOCOL or a server.error code as om_call() does; the
 *    connection is down and om_pending() is 0.
 * So *msgid != 0 exactly when the status is a reply's. msgid and result
 * may be NULL to discard them.
 */
int om_recv(om_client *c, uint32_t *msgid, om_value *result);

/*
 * Gives back the reply to the pipelined request msgid (as om_send() gave
 * it), whatever its place among the replies, sending the queued requests
 * first. Waits at most opts->timeout_s for it; replies to other requests
 * that arrive first are kept, in arrival order, for om_recv() and
 * om_recv_id(). Finding a kept reply costs O(1) on average, so collecting
 * replies in any order costs about what arrival order does.
 *
 * When it takes the reply, it returns that request's own status, as
 * om_recv() does: OM_OK with the owned result in *result, or the server's
 * error code for that request (OM_KEY_ERROR, OM_EMPTY for a queue.get that
 * timed out, ...) with *result nil and the request's message in
 * om_errmsg(c); the connection stays up and the other requests are
 * unaffected. om_pending() is one less.
 *
 * When it takes none, *result is nil and it returns:
 *  - OM_BAD_REQUEST when msgid is not pending: 0, never returned by
 *    om_send() on this client, its reply given back already (by om_recv()
 *    or om_recv_id()), or forgotten when the connection dropped. Nothing is
 *    read or sent and om_pending() is unchanged. The server never answers a
 *    request of om_send() with bad_request (the library only sends
 *    well-formed ones), so this code cannot be mistaken for a reply's;
 *    OM_EMPTY could (a queue.get's);
 *  - OM_TIMEOUT when its reply did not come in time; the connection stays
 *    up and the request stays pending, so a later om_recv_id() or om_recv()
 *    can take it (unless the queued requests could not even be sent in
 *    time: then the connection is down, as after om_send()'s OM_TIMEOUT);
 *  - OM_IO, OM_PROTOCOL or a server.error code as om_call() does; the
 *    connection is down and om_pending() is 0.
 * result may be NULL to discard the result.
 */
int om_recv_id(om_client *c, uint32_t msgid, om_value *result);

/*
 * The number of requests om_send() accepted whose replies neither om_recv()
 * nor om_recv_id() has given back yet.
 */
size_t om_pending(const om_client *c);

/*
 * Watching, monitoring and notifications.
 *
 * The server sends notifications, [2, method, params], unasked: a change
 * to a watched object (om_watch()), every call it runs while this
 * connection monitors (om_monitor()), and the end of either when this
 * connection fell too far behind reading. They come in the server's order,
 * each after the reply to the call that caused it, and may arrive while
 * the library waits for a reply (om_call(), om_recv(), ...): such
 * notifications are queued on the client, never dropped, and given back,
 * oldest first, by om_next_notification(). The queue has no bound: a
 * program that watches must take its notifications, or they pile up in
 * its memory (the server's --max-output bounds only what it has not sent
 * yet). Queued notifications outlive the connection: after a drop or
 * om_reconnect() the ones that came before are still given back first.
 *
 * The notifications (docs/protocol.md):
 *   "objects.changed"  [name, method, params, version]: a change to a
 *       watched object: the object's name, the method that changed it
 *       ("dict.set", "objects.create", "objects.delete" (also for an
 *       ephemeral object deleted with its connection, with no params), or
 *       "client.closed" for a lock, rlock or semaphore given back because
 *       its holder's connection closed), that call's params after the name,
 *       summarised (a string, bin or ext over 64 bytes becomes the string
 *       "<str of N bytes>", an array or map over 8 items or nested over 3
 *       deep "<array of N items>", "<map of N pairs>"), and the object's
 *       new version (a deletion takes one too);
 *   "objects.overflow" [message, revision]: this connection's unsent
 *       output passed the server's --max-output; every watch of it was
 *       removed. Watch again and compare versions (om_objects_version())
 *       with those last seen;
 *   "server.call"      [time, client_id, method, params]: a call the server
 *       runs, while monitoring, sent before it runs: Unix time in seconds (a
 *       float), the caller's clients.list id, the method and all its params
 *       (the object's name too), summarised as above;
 *   "server.overflow"  [message]: as objects.overflow, for monitoring,
 *       which has stopped.
 * A "server.error" notification is not queued: the server closes the
 * connection after it, and the call waiting fails with its code.
 */

/* One notification: owned by the caller, freed with om_notification_free(). */
typedef struct om_notification {
	char *method;   /* "objects.changed", ... */
	om_value params; /* an OM_ARRAY, as the server sent it */
} om_notification;

/*
 * objects.watch: subscribes c to the changes of every object whose name
 * matches pattern, a glob (* ? [...], \ escapes the next character; NULL
 * for "*"). *revision (may be NULL) is the server's revision when the
 * watch began: every change after it is notified, once even when several
 * patterns match. Watching a pattern already watched changes nothing.
 * Errors: OM_LIMIT for a 33rd pattern on one connection; OM_BAD_PARAMS
 * for a pattern over 1,024 bytes.
 */
int om_watch(om_client *c, const char *pattern, uint64_t *revision);

/*
 * objects.unwatch: removes the watch on pattern (NULL: every watch of c).
 * *was (may be NULL) says whether there was one (any, for NULL).
 */
int om_unwatch(om_client *c, const char *pattern, bool *was);

/* server.monitor: on, every call the server runs comes as a server.call notification; off stops. */
int om_monitor(om_client *c, bool on);

/*
 * Gives back the oldest notification, owned by the caller, in *out
 * (method NULL and params nil when it returns anything but OM_OK): a
 * queued one at once, else the next to arrive, waiting at most timeout_s
 * (0: do not wait, only take what has arrived; negative: as long as it
 * takes; om_options.timeout_s does not apply). Requests queued by
 * om_send() are sent first, and replies to pipelined requests that arrive
 * meanwhile are kept for om_recv() and om_recv_id().
 * Errors: OM_TIMEOUT when none came in time (the connection stays up);
 * OM_IO when not connected and none is queued, or as om_call() when the
 * connection fails (OM_IO, OM_PROTOCOL, a server.error's code): it is down
 * then.
 */
int om_next_notification(om_client *c, double timeout_s, om_notification *out);

/* Frees what a notification holds and clears it; a cleared one or NULL is a no-op. */
void om_notification_free(om_notification *n);

/*
 * The connection's socket, for poll() or an event loop: readable when a
 * notification (or a reply) may be waiting; -1 when not connected. Before
 * each wait on it, take every notification with om_next_notification(c, 0,
 * ...) until OM_TIMEOUT: those the library has already read (while waiting
 * for a reply, or along with an earlier notification) are queued in c, not
 * in the socket, and poll() cannot see them. Read and write it only
 * through the library. On shared memory (om_uses_shm()) the socket
 * carries nothing after connecting: it becomes readable only when the
 * server is gone, and notifications are taken with om_next_notification()
 * and a timeout.
 */
int om_fd(const om_client *c);

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

/*
 * dict.scan: one page of a walk of the dict, so that a big one is read in
 * bounded replies. Start with cursor 0, pass each *next back, and stop when
 * *next is 0. *page (owned: om_value_free()) is an OM_MAP of up to count
 * pairs (0: the server's default, 100; at most 10,000) in insertion order;
 * a page may hold fewer, even none, before the end (it also stops at 1 MiB
 * of keys and values, or after skipping 10 * count deleted places). Every
 * pair there from the walk's start to its end is in some page; pairs set
 * or deleted meanwhile may or may not be, and a pair may come twice when
 * deletes meanwhile made the server compact the dict (docs/protocol.md).
 * Cursors are opaque; one is good for the dict it came from while the
 * server runs. On failure *page is nil and *next unchanged.
 * Errors: OM_VALUE_ERROR for count over 10,000 or a cursor no scan answers;
 * OM_PROTOCOL when the reply is not a page.
 */
int om_dict_scan(om_dict *d, uint64_t cursor, size_t count, uint64_t *next, om_value *page);

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
 * list.splice: replaces the items in [start, stop) with every item of
 * array (an OM_ARRAY value, which may be longer, shorter or empty), as
 * Python's l[start:stop] = array: start and stop as om_list_slice() takes
 * them, a stop before start inserting at start. *new_len is the length
 * after. Errors: OM_BAD_PARAMS when a bound is neither an integer nor nil,
 * or array is not an array.
 */
int om_list_splice(om_list *l, om_value start, om_value stop, om_value array, size_t *new_len);

/*
 * list.repeat: the items n times over, as Python's l *= n (n <= 0 empties
 * the list). *new_len is the length after.
 * Errors: OM_LIMIT, the list unchanged, when it would hold more than 64 MiB
 * (docs/protocol.md) or the server runs out of memory.
 */
int om_list_repeat(om_list *l, int64_t n, size_t *new_len);


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

/*
 * objects.scan: one page of a walk of the objects whose names match the
 * glob pattern (NULL: every one), as om_dict_scan() walks a dict: start
 * with cursor 0, pass each *next back, stop when *next is 0. *page (owned)
 * maps names to type names, in no particular order; count (0: 100, at most
 * 10,000) is how many names a page looks at, matching or not, so a page
 * with a pattern may hold none before the end. Every object there from the
 * walk's start to its end is in exactly one page; objects created or
 * deleted meanwhile may or may not be. A cursor is good while the server
 * runs. On failure *page is nil.
 * Errors: OM_VALUE_ERROR for count over 10,000 or a cursor over 2^63 - 1.
 */
int om_objects_scan(om_client *c, uint64_t cursor, const char *pattern, size_t count,
		    uint64_t *next, om_value *page);

/* objects.type: the type name of the object (an owned OM_STR), or nil when there is none. */
int om_objects_type(om_client *c, const char *name, om_value *out);

/* objects.delete: deletes the object; *existed says whether there was one. */
int om_objects_delete(om_client *c, const char *name, bool *existed);

/*
 * objects.create: creates an empty object of the type named type ("dict",
 * "list", "counter", "queue", "lock", "rlock", "semaphore", "event",
 * "condition", "barrier") with options (an OM_MAP, or om_nil() for none):
 * queue {"maxsize": N} (0, the default, is unbounded); lock
 * {"owned": false} (any connection may release it, a close releases
 * nothing); semaphore {"value": N} (default 1), {"bounded": true} and
 * {"owned": false} (a close gives no permit back); condition {"lock": name}
 * (a lock of that name, else its own); barrier {"parties": N} (required).
 * Any type takes {"ephemeral": true}: the object is deleted when the
 * connection that created it closes (watchers see "client.closed").
 * Succeeds too when it exists already with that type, changing nothing
 * (options given are checked, not compared with the object's).
 * Errors: OM_WRONG_TYPE when it exists with another type; OM_BAD_PARAMS
 * for an unknown type or option, or an option of the wrong kind.
 */
int om_objects_create(om_client *c, const char *name, const char *type, om_value options);

/*
 * objects.describe: an owned map {"type": name, "options": map, "len": N}
 * for the object, or nil when there is none. options are those it was
 * created with that differ from the defaults (a barrier's parties always),
 * so that om_objects_create() with them makes an equal empty object; {}
 * for the types without options. len is what <type>.len answers, 1 for a
 * counter, lock, event, ...
 */
int om_objects_describe(om_client *c, const char *name, om_value *out);

/*
 * objects.version: *version is the object's version, the server's revision
 * at its last change, or 0 when there is no such object. Versions only
 * grow, within one run of the server (server.info's "run_id" tells runs
 * apart). Compare it with the versions of objects.changed notifications,
 * or pass it to om_batch()'s if_versions.
 */
int om_objects_version(om_client *c, const char *name, uint64_t *version);

/*
 * objects.list with versions: an owned map from the name of each object
 * matching pattern (a glob as om_watch() takes; NULL: every object),
 * sorted by name, to [type, version]. What a watcher compares with the
 * versions it last saw, after an objects.overflow.
 */
int om_objects_list_versions(om_client *c, const char *pattern, om_value *out);

/*
 * server.batch: runs calls, an OM_ARRAY of [method, params] pairs (params
 * an OM_ARRAY of the method's params), one after another with no other
 * client's call between them. Every call is checked first: a malformed
 * pair or a nested server.batch is OM_BAD_PARAMS, an unknown method
 * OM_NO_SUCH_METHOD, the message naming the call, and nothing runs.
 * options (NULL or nil for none) is an OM_MAP:
 *   "atomic": true       all or nothing: when a call fails, what the calls
 *                        before it did is undone (watchers are told
 *                        nothing, versions are as they were) and
 *                        om_batch() fails with that call's code, the
 *                        message saying which ("server.batch: call 3
 *                        (list.pop) failed: list 'q' is empty; nothing was
 *                        changed"). Only what can be undone may be in it:
 *                        reads, calls on dicts, lists, counters, queues
 *                        and events, objects.create and objects.delete of
 *                        those; anything else is OM_BAD_PARAMS;
 *   "if_versions": {name: version, ...}
 *                        run nothing, failing with OM_CONFLICT, unless
 *                        each named object has that version
 *                        (om_objects_version(); 0: no such object).
 * On success *result (owned) is an OM_ARRAY with one [error, result] pair
 * per call, in order: error nil and the call's result, or error
 * [code, message] (code a wire name: om_code_from_name()) and nil. Without
 * atomic a failed call does not stop those after it. Blocking methods do
 * not wait inside a batch (as with timeout 0).
 * Errors: OM_CONFLICT as above; a failed call's code with atomic;
 * OM_BAD_PARAMS for calls or options of the wrong shape; OM_LIMIT when the
 * answers together pass the server's --max-output-hard (docs/protocol.md).
 */
int om_batch(om_client *c, const om_value *calls, const om_value *options, om_value *result);

/* server.ping: OM_OK when the server answers. */
int om_server_ping(om_client *c);

/*
 * server.info: an owned map of server facts: "version" (str), "run_id"
 * (str: 32 hex digits, new at each start: versions count within one run),
 * "revision" (the changes since start-up: the last object version given),
 * "uptime_s" (float), "connections", "objects", "ops_total", "waiting" (calls parked
 * now), "parked_runs" (runs of parked calls so far, as they are tried
 * again or time out), "used_memory" (bytes, connection buffers included:
 * what --max-memory is compared with), "clients_buffers" (bytes of
 * connection buffers), "pid" (ints), "socket" (str: the Unix socket, nil
 * when it listens on TCP only), "listening" (every address it listens on,
 * strs, TCP ports as bound), "config" (a map of the settings it runs with:
 * "max_message_size", "max_clients", "max_output", "max_output_hard",
 * "max_waiting", "max_memory", "busy_poll_us" (ints: the polling window, 0:
 * off), "idle_timeout_s",
 * "message_timeout_s" (floats), "authkey" (bool: clients must authenticate)),
 * "persistence" (a map: "mode" is "memory" without a data directory, else
 * the --fsync policy, "always", "everysec" or "no", with "dir",
 * "journal_generation", "journal_bytes", "journal_bytes_since_snapshot",
 * "journal_records", "fsyncs", "last_fsync_ms", "write_error" (nil, or why
 * writes are refused), "snapshot_running" (bool), "snapshot_time" (Unix
 * time of the last, nil: none this run), "snapshot_duration_ms",
 * "snapshot_bytes", "fork_us", "loaded_ms", "loaded_records"; see
 * docs/protocol.md), "polling" (a map: "mode" ("auto", "fixed" or "off"),
 * "window_us", "next" (bool: a window follows the next batch), "windows",
 * "caught", "stolen", "usec": how the server polled for requests after
 * each batch, and "doorbells": how often a shared-memory client woke it;
 * see docs/protocol.md) and "methods" (a map "type.op" -> {"calls": int,
 * "usec": int}: per-method counts and server time). Read them with
 * om_value_map_get().
 */
int om_server_info(om_client *c, om_value *out);

/*
 * server.shutdown: asks the server to stop. It answers first, then closes
 * every connection, removes its socket (not one systemd passed it) and
 * exits; later calls on c fail with OM_IO.
 */
int om_server_shutdown(om_client *c);

/*
 * clients.list: an owned array with one map per open connection, by id,
 * this one included: "id" (uint), "address" (str: "unix uid 1000 pid
 * 4242", or "tcp:10.0.0.5:51234"), "name" (str, or nil when unnamed), "age" and "idle" (floats,
 * seconds since it connected and since it last sent or took bytes),
 * "authenticated" (bool), "requests" (uint, requests and notifications
 * run for it), "output" (uint, reply bytes not sent yet), "parked" (uint,
 * its waiting calls), "holds" (a map from object name to how much of it
 * the connection holds, lock acquisitions or semaphore permits: what its
 * close would release) and "me" (bool, true for c's own connection).
 */
int om_clients_list(om_client *c, om_value *out);

/*
 * clients.kill: closes connection id as if its client had closed it: its
 * waiting calls are dropped and what it holds is released. *existed (may
 * be NULL) says whether it was open. Killing c's own connection answers,
 * then the server closes it: later calls on c fail with OM_IO.
 */
int om_clients_kill(om_client *c, uint64_t id, bool *existed);

/*
 * client.setname: names c's connection in clients.list, as om_options's
 * client_name does on connecting. At most 64 printable ASCII bytes without
 * spaces, else OM_BAD_PARAMS; "" clears the name.
 */
int om_client_setname(om_client *c, const char *name);


/*
 * Coordination: queues, locks, rlocks, semaphores, events, conditions and
 * barriers, the objects Python's multiprocessing managers share for
 * processes to wait on each other. Their handles follow the conventions of
 * the proxy handles above.
 *
 * Creation. The first write creates a missing object with the default
 * options: an unbounded queue, a semaphore of 1 permit, a condition over
 * its own lock. A call that fails creates nothing (om_queue_get() that
 * times out on a missing queue leaves no queue behind), nor does a wait
 * answered at once (om_queue_join(), om_event_wait()). For other options create it first with
 * om_objects_create(). A barrier has no default: every barrier function
 * on a missing barrier fails with OM_BAD_PARAMS until it is created with
 * {"parties": N}.
 *
 * Blocking. A call that cannot proceed yet (a get on an empty queue, an
 * acquire of a held lock) waits in the server, which parks the request and
 * serves every other client meanwhile, then answers it when it can proceed
 * or when its timeout expires. Waiters on an object are served first come,
 * first served. Every function that may wait takes timeout_s:
 *   < 0  wait as long as it takes;
 *   0    do not wait: answer at once;
 *   > 0  wait at most timeout_s seconds (never answered before they pass).
 * The calling thread waits inside om_call() meanwhile, and the client's
 * own om_options.timeout_s still bounds that: make it longer than any
 * timeout_s you pass, or 0, or a call still rightly waiting fails locally
 * with OM_TIMEOUT. The request then stays parked in the server and may
 * still complete for this connection — take the item, hold the lock — with
 * nobody reading its reply: after such an OM_TIMEOUT, om_reconnect() (the
 * closed connection gives up what it held, see below) rather than carry
 * on. While a call waits, objects.delete of its object answers it
 * OM_BROKEN ("queue 'jobs' was deleted").
 *
 * Ownership survives crashes. A lock, an rlock, semaphore permits and a
 * condition's lock belong to the connection that took them (unless made
 * with {"owned": false}: then to nobody). When that
 * connection closes — om_close(), the process exiting, crashing or killed
 * with SIGKILL — the server releases everything it held, drops the calls
 * it had waiting, and wakes the next waiters: nobody deadlocks. What the
 * server cannot undo is the holder's unfinished work: the data the lock
 * guarded may be half-updated, so check its invariants after acquiring.
 */
typedef struct om_queue om_queue;
typedef struct om_lock om_lock;
typedef struct om_rlock om_rlock;
typedef struct om_semaphore om_semaphore;
typedef struct om_event om_event;
typedef struct om_condition om_condition;
typedef struct om_barrier om_barrier;


/*
 * Queues: FIFOs of values, bounded by the option {"maxsize": N} or not,
 * that count unfinished tasks as Python's JoinableQueue: every put adds
 * one, every om_queue_task_done() takes one away.
 */

/* A handle on the queue called name on c. Never NULL; free with om_queue_close(). */
om_queue *om_queue_open(om_client *c, const char *name);
/* Frees the handle (not the queue on the server). NULL is a no-op. */
void om_queue_close(om_queue *q);

/*
 * queue.put: adds v at the end, waiting while the queue holds maxsize
 * values. Errors: OM_FULL when it is still full after timeout_s (v was
 * not added).
 */
int om_queue_put(om_queue *q, om_value v, double timeout_s);

/*
 * queue.get: removes the first value and gives it back (owned) in *out,
 * waiting while the queue is empty. Errors: OM_EMPTY when it is still
 * empty after timeout_s.
 */
int om_queue_get(om_queue *q, double timeout_s, om_value *out);

/* queue.len: the number of values waiting to be got (0 for a missing queue). */
int om_queue_len(om_queue *q, size_t *out);

/* queue.items: every value waiting, oldest first, as an owned array; takes none. */
int om_queue_items(om_queue *q, om_value *out);

/*
 * queue.slice: the values waiting in [start, stop) (0 the oldest), as an
 * owned array, bounds as om_list_slice() takes them; takes none. A long
 * queue read in pages this way skips values got meanwhile.
 * Errors: OM_BAD_PARAMS when a bound is neither an integer nor nil.
 */
int om_queue_slice(om_queue *q, om_value start, om_value stop, om_value *out);

/*
 * queue.task_done: marks one got value as processed, for om_queue_join().
 * Errors: OM_VALUE_ERROR when every value got is marked already.
 */
int om_queue_task_done(om_queue *q);

/*
 * queue.join: waits until every value ever put has been got and marked
 * done; *done is true then, false when timeout_s passed first.
 */
int om_queue_join(om_queue *q, double timeout_s, bool *done);


/*
 * Locks and rlocks: held by one connection at a time. A lock makes even
 * its holder wait (Python's Lock deadlocks there; a timeout gets you out);
 * an rlock lets its holder acquire it again, and is free once released as
 * many times. Unlike Python's Lock, only the holder may release either,
 * but for a lock created with {"owned": false}, which any connection may
 * release and which stays held when its holder closes.
 */

/* A handle on the lock called name on c. Never NULL; free with om_lock_close(). */
om_lock *om_lock_open(om_client *c, const char *name);
/* Frees the handle (not the lock on the server, nor a hold on it). NULL is a no-op. */
void om_lock_close(om_lock *l);

/*
 * lock.acquire: takes the lock for this connection, waiting while any
 * connection holds it, this one included. *acquired is true when taken,
 * false when timeout_s passed first.
 */
int om_lock_acquire(om_lock *l, double timeout_s, bool *acquired);

/*
 * lock.release: gives the lock up, waking the first waiter.
 * Errors: OM_NOT_OWNER when this connection does not hold it (an unowned
 * lock: when nobody holds it).
 */
int om_lock_release(om_lock *l);

/* lock.locked: whether any connection holds the lock. */
int om_lock_locked(om_lock *l, bool *out);

/* A handle on the rlock called name on c. Never NULL; free with om_rlock_close(). */
om_rlock *om_rlock_open(om_client *c, const char *name);
/* Frees the handle (not the rlock on the server, nor a hold on it). NULL is a no-op. */
void om_rlock_close(om_rlock *l);

/*
 * rlock.acquire: takes the rlock for this connection, or once more when it
 * holds it already; waits while another connection holds it. *acquired is
 * true when taken, false when timeout_s passed first.
 */
int om_rlock_acquire(om_rlock *l, double timeout_s, bool *acquired);

/*
 * rlock.release: undoes one acquire; the rlock is free, and the first
 * waiter woken, once released as many times as acquired.
 * Errors: OM_NOT_OWNER when this connection does not hold it.
 */
int om_rlock_release(om_rlock *l);

/* rlock.locked: whether any connection holds the rlock. */
int om_rlock_locked(om_rlock *l, bool *out);


/*
 * Semaphores: a count of free permits, {"value": N} at first (default 1),
 * as Python's Semaphore, or BoundedSemaphore with {"bounded": true}. The
 * permits a connection holds come back when it closes, unless the
 * semaphore was created with {"owned": false}.
 */

/* A handle on the semaphore called name on c. Never NULL; free with om_semaphore_close(). */
om_semaphore *om_semaphore_open(om_client *c, const char *name);
/* Frees the handle (not the semaphore on the server, nor permits taken). NULL is a no-op. */
void om_semaphore_close(om_semaphore *s);

/*
 * semaphore.acquire: takes a permit for this connection, waiting while
 * none is free. *acquired is true when taken, false when timeout_s passed
 * first.
 */
int om_semaphore_acquire(om_semaphore *s, double timeout_s, bool *acquired);

/*
 * semaphore.release: gives a permit back, waking the first waiter. Any
 * connection may, as in Python; it settles a permit this connection holds,
 * else one of the connection that has held one longest, which then does
 * not get it back when it closes. Errors: OM_VALUE_ERROR when a bounded
 * semaphore would pass its initial value (nothing changes then).
 */
int om_semaphore_release(om_semaphore *s);

/* semaphore.value: the number of free permits. */
int om_semaphore_value(om_semaphore *s, size_t *out);


/* Events: a flag processes wait on, as Python's Event. */

/* A handle on the event called name on c. Never NULL; free with om_event_close(). */
om_event *om_event_open(om_client *c, const char *name);
/* Frees the handle (not the event on the server). NULL is a no-op. */
void om_event_close(om_event *e);

/* event.set: sets the flag and wakes every waiter, before any later request can clear it. */
int om_event_set(om_event *e);

/* event.clear: clears the flag. */
int om_event_clear(om_event *e);

/* event.is_set: whether the flag is set. */
int om_event_is_set(om_event *e, bool *out);

/*
 * event.wait: waits until the flag is set; *set is true then, false when
 * timeout_s passed first.
 */
int om_event_wait(om_event *e, double timeout_s, bool *set);


/*
 * Conditions: a lock and the callers waiting to be notified, as Python's
 * Condition. The lock is the condition's own, or the lock named by the
 * option {"lock": name}, which om_lock handles on that name share.
 */

/* A handle on the condition called name on c. Never NULL; free with om_condition_close(). */
om_condition *om_condition_open(om_client *c, const char *name);
/* Frees the handle (not the condition on the server, nor a hold on its lock). NULL is a no-op. */
void om_condition_close(om_condition *cv);

/*
 * condition.acquire: takes the condition's lock, as om_lock_acquire().
 * Errors: OM_WRONG_TYPE when its named lock's name holds another type.
 */
int om_condition_acquire(om_condition *cv, double timeout_s, bool *acquired);

/*
 * condition.release: gives the lock up.
 * Errors: OM_NOT_OWNER when this connection does not hold it.
 */
int om_condition_release(om_condition *cv);

/*
 * condition.wait: releases the lock, waits until notified, and holds the
 * lock again before it returns. *notified is true when notified, false
 * when timeout_s passed first; then too it returns holding the lock, so
 * possibly later than timeout_s when another connection held it. As in
 * Python, test what you wait for in a loop around the wait.
 * Errors: OM_NOT_OWNER when this connection does not hold the lock
 * (nothing waited then).
 */
int om_condition_wait(om_condition *cv, double timeout_s, bool *notified);

/*
 * condition.notify: wakes the first n waiters (0: none), which take the
 * lock once it is free. Errors: OM_NOT_OWNER when this connection does not
 * hold the lock.
 */
int om_condition_notify(om_condition *cv, size_t n);

/* condition.notify_all: wakes every waiter. Errors: as om_condition_notify(). */
int om_condition_notify_all(om_condition *cv);


/*
 * Barriers: {"parties": N} callers wait until the last of them arrives,
 * then all go on together, as Python's Barrier. A barrier must be created
 * with om_objects_create() first.
 */

/* A handle on the barrier called name on c. Never NULL; free with om_barrier_close(). */
om_barrier *om_barrier_open(om_client *c, const char *name);
/* Frees the handle (not the barrier on the server). NULL is a no-op. */
void om_barrier_close(om_barrier *b);

/*
 * barrier.wait: waits until parties callers have arrived; *index is this
 * caller's arrival index, 0 for the first, parties - 1 for the last, whose
 * arrival releases the round. Errors: OM_BROKEN when the barrier is
 * broken, or breaks while waiting: when any waiter's timeout_s passes
 * (timing out breaks it for every waiter), on om_barrier_abort() or
 * om_barrier_reset(), or when a waiter's connection closes. After a
 * timeout, an abort or a closed connection it stays broken, every wait
 * failing at once, until om_barrier_reset().
 */
int om_barrier_wait(om_barrier *b, double timeout_s, size_t *index);

/* barrier.reset: those waiting get OM_BROKEN; the barrier is empty and usable again. */
int om_barrier_reset(om_barrier *b);

/* barrier.abort: breaks the barrier: those waiting, and every wait until a reset, get OM_BROKEN. */
int om_barrier_abort(om_barrier *b);

/* barrier.parties: how many callers a round needs. */
int om_barrier_parties(om_barrier *b, size_t *out);

/* barrier.n_waiting: how many are waiting in this round. */
int om_barrier_n_waiting(om_barrier *b, size_t *out);

/* barrier.broken: whether the barrier is broken. */
int om_barrier_broken(om_barrier *b, bool *out);

#ifdef __cplusplus
}
#endif

#endif
