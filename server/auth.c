/* auth.c — the server's side of the authkey handshake (auth.h). */
#include "auth.h"

#include <stdio.h>
#include <string.h>

#include "om_value.h"

void auth_pack_challenge(msgpack_packer *pk, const unsigned char nonce[AUTH_NONCE_SIZE])
{
	static const char method[] = AUTH_CHALLENGE;
	msgpack_pack_array(pk, 3);
	msgpack_pack_int(pk, 2);
	msgpack_pack_str_with_body(pk, method, sizeof method - 1);
	msgpack_pack_array(pk, 2);
	msgpack_pack_int(pk, AUTH_VERSION);
	msgpack_pack_bin_with_body(pk, nonce, AUTH_NONCE_SIZE);
}

/* True when o is a bin of AUTH_NONCE_SIZE (= AUTH_PROOF_SIZE) bytes. */
static bool is_bin32(const msgpack_object *o)
{
	return o->type == MSGPACK_OBJECT_BIN && o->via.bin.size == AUTH_NONCE_SIZE;
}

int auth_check_hello(const authkey *k, const unsigned char nonce[AUTH_NONCE_SIZE],
		     const msgpack_object *params, unsigned char proof[AUTH_PROOF_SIZE], char *why,
		     size_t size)
{
	const msgpack_object_array *a = &params->via.array;
	if (a->size != 2 || !is_bin32(&a->ptr[0]) || !is_bin32(&a->ptr[1])) {
		snprintf(why, size, AUTH_HELLO " takes [client_nonce, proof], two bins of %d bytes",
			 AUTH_NONCE_SIZE);
		return OM_BAD_PARAMS;
	}
	const unsigned char *client_nonce = (const unsigned char *)a->ptr[0].via.bin.ptr;
	unsigned char want[AUTH_PROOF_SIZE];
	auth_client_proof(k, nonce, client_nonce, want);
	if (!auth_proof_equal(want, a->ptr[1].via.bin.ptr, a->ptr[1].via.bin.size)) {
		snprintf(why, size, "wrong proof: the client does not know this server's authkey");
		return OM_AUTH_FAILED;
	}
	auth_server_proof(k, client_nonce, nonce, proof);
	return OM_OK;
}
