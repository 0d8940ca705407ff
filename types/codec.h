/*
 * codec.h — msgpack <-> om_value, and the msgpack-RPC message shapes.
 *
 * Decoding starts from msgpack-c's msgpack_object (produced by its streaming
 * unpacker); encoding writes through a msgpack_packer. Both the server and
 * the client library use these, so both sides agree on the wire by
 * construction.
 */
#ifndef OBJMGR_CODEC_H
#define OBJMGR_CODEC_H

#include <assert.h>
#include <msgpack.h>

#include "om_value.h"

/*
 * A msgpack_packer write callback into a msgpack_sbuffer, for the client
 * library. msgpack-c's own msgpack_sbuffer_write fails silently when
 * realloc does, which would cut a message short and desynchronise the
 * stream; this one aborts on memory exhaustion instead, as the client
 * library does everywhere (mem.h).
 */
int codec_sbuffer_write(void *data, const char *buf, size_t len);

/*
 * Where the server packs replies: a msgpack_sbuffer, and whether a write
 * into it ran out of memory. Pack through codec_out_write() with data
 * pointing at the codec_out.
 */
typedef struct codec_out {
	msgpack_sbuffer *buf;
	/*
	 * A write failed: buf holds a message cut short. Every later write
	 * fails too until the caller rolls buf->size back to where that
	 * message began and clears this.
	 */
	bool failed;
} codec_out;

/* A msgpack_packer write callback into a codec_out: -1, setting failed, when memory runs out. */
int codec_out_write(void *data, const char *buf, size_t len);

/* The codec_out pk packs into; pk must write with codec_out_write(). */
static inline codec_out *codec_out_of(msgpack_packer *pk)
{
	assert(pk->callback == codec_out_write);
	return pk->data;
}

/* msgpack ext type that carries a reference to a shared object. */
#define CODEC_EXT_REF 1

/*
 * Converts o into an owned value. Integers are normalised (see objmgr.h),
 * ext type 1 becomes OM_REF, and a map keeps every pair as sent, duplicate
 * keys included. Fails, leaving *out nil and nothing allocated, with
 * OM_BAD_PARAMS when an ext type 1 does not carry an object name (name.h),
 * OM_TOO_DEEP when arrays and maps nest more than max_depth levels (a
 * scalar is depth 0), and OM_LIMIT when memory runs out.
 */
int codec_decode(const msgpack_object *o, om_value *out, int max_depth);

/*
 * The same as a value whose strings, binaries and extensions borrow o's
 * bytes (valid as long as the msgpack zone behind o, and not NUL-terminated):
 * only the items of arrays and maps are allocated, so a large key is looked
 * up without a copy of each of its strings. Free it with codec_view_free(),
 * never with om_value_free(), and never keep it.
 */
int codec_decode_view(const msgpack_object *o, om_value *out, int max_depth);
void codec_view_free(om_value *v);

/*
 * Reads a scalar o as a value that borrows o's bytes (valid as long as the
 * msgpack zone behind o), normalised as codec_decode() does. False for
 * arrays and maps, which cannot be read without allocating.
 */
bool codec_view(const msgpack_object *o, om_value *out);

/* Packs v; integers in their smallest encoding, OM_REF as ext type 1. */
void codec_pack(msgpack_packer *pk, const om_value *v);

enum rpc_type { RPC_REQUEST = 0, RPC_RESPONSE = 1, RPC_NOTIFICATION = 2 };

/* One msgpack-RPC message, pointing into the msgpack_object it came from. */
typedef struct rpc_msg {
	int type;            /* an rpc_type */
	bool has_msgid;      /* a msgid could be read, even if the rest is malformed */
	uint32_t msgid;      /* requests and responses */
	const char *method;  /* requests and notifications; not NUL-terminated */
	size_t method_len;
	const msgpack_object *params; /* requests and notifications: an array */
	const msgpack_object *error;  /* responses: nil or [code, message] */
	const msgpack_object *result; /* responses */
} rpc_msg;

/*
 * Reads the envelope of o. Returns OM_OK, or OM_BAD_REQUEST with a specific
 * message in err (errlen bytes) when o is not a well-formed message; then
 * m->has_msgid tells whether an error response can still be addressed.
 */
int rpc_parse(const msgpack_object *o, rpc_msg *m, char *err, size_t errlen);

/* [0, msgid, method, params] with params an array of n values. */
void rpc_pack_request(msgpack_packer *pk, uint32_t msgid, const char *method,
		      const om_value *params, size_t n);

/* [1, msgid, nil, result] */
void rpc_pack_result(msgpack_packer *pk, uint32_t msgid, const om_value *result);

/* An error as replies carry it: [code_name, message]. */
void rpc_pack_error_value(msgpack_packer *pk, int code, const char *message);

/* [1, msgid, [code_name, message], nil] */
void rpc_pack_error(msgpack_packer *pk, uint32_t msgid, int code, const char *message);

/*
 * [2, "server.error", [code_name, message]]: the server's word about a
 * message it cannot answer with a response (no msgid to address one), or
 * before it closes a connection.
 */
void rpc_pack_server_error(msgpack_packer *pk, int code, const char *message);

#endif
