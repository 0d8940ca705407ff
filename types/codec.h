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

#include <msgpack.h>

#include "objmgr.h"

/*
 * A msgpack_packer write callback into a msgpack_sbuffer. msgpack-c's own
 * msgpack_sbuffer_write fails silently when realloc does, which would cut a
 * message short and desynchronise the stream; this one aborts on memory
 * exhaustion instead, as everything else does (mem.h).
 */
int codec_sbuffer_write(void *data, const char *buf, size_t len);

/* msgpack ext type that carries a reference to a shared object. */
#define CODEC_EXT_REF 1

/*
 * Converts o into an owned value. Integers are normalised (see objmgr.h),
 * ext type 1 becomes OM_REF. Fails with OM_TOO_DEEP, leaving *out nil, when
 * arrays and maps nest more than max_depth levels (a scalar is depth 0).
 */
int codec_decode(const msgpack_object *o, om_value *out, int max_depth);

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

/* [1, msgid, [code_name, message], nil] */
void rpc_pack_error(msgpack_packer *pk, uint32_t msgid, int code, const char *message);

/*
 * [2, "server.error", [code_name, message]]: the server's word about a
 * message it cannot answer with a response (no msgid to address one), or
 * before it closes a connection.
 */
void rpc_pack_server_error(msgpack_packer *pk, int code, const char *message);

#endif
