/*
 * auth.h — the server's side of the authkey handshake (docs/protocol.md,
 * "Authentication"); conn.c holds each connection's state and runs it.
 *
 * With --authkey-file, each connection is sent
 * [2, "auth.challenge", [AUTH_VERSION, server_nonce]] as it opens. Until
 * its auth.hello carries the client's proof, only auth.hello runs; other
 * requests are answered auth_required, and no message may be larger than
 * AUTH_MAX_MESSAGE. A wrong proof is answered
 * auth_failed after AUTH_FAIL_DELAY_MS, then the connection is closed, and
 * one not authenticated within AUTH_TIMEOUT_MS is closed too.
 */
#ifndef OBJMGRD_AUTH_H
#define OBJMGRD_AUTH_H

#include <msgpack.h>
#include <stddef.h>

#include "authkey.h"

/* How long a wrong proof waits for its answer: guessing costs that much per try. */
#define AUTH_FAIL_DELAY_MS 100
/*
 * The largest message a connection may send before it is authenticated
 * (an auth.hello takes about 90 bytes): a client without the key cannot
 * make the server read and decode megabytes.
 */
#define AUTH_MAX_MESSAGE 4096
/* A connection not authenticated by then is closed. */
#define AUTH_TIMEOUT_MS 5000

/* Packs the auth.challenge notification carrying nonce. */
void auth_pack_challenge(msgpack_packer *pk, const unsigned char nonce[AUTH_NONCE_SIZE]);

/*
 * Checks auth.hello's params, [client_nonce, proof], against the challenge
 * that carried nonce. OM_OK with the server's own proof in proof; OM_BAD_PARAMS
 * when they are not two 32-byte bins (why says which); OM_AUTH_FAILED when
 * the proof is wrong. Compares in constant time.
 */
int auth_check_hello(const authkey *k, const unsigned char nonce[AUTH_NONCE_SIZE],
		     const msgpack_object *params, unsigned char proof[AUTH_PROOF_SIZE], char *why,
		     size_t size);

#endif
