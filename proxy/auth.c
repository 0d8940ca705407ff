/*
 * auth.c — the client's side of the authkey handshake (docs/protocol.md,
 * "Authentication").
 *
 * The server challenges a connection before it answers anything, so the
 * client sends a server.ping first: a reply to it before any challenge
 * means a server without an authkey, which could not prove it is the one
 * meant, and is refused at once instead of after a timeout. The ping is
 * answered auth_required behind the challenge, and that answer dropped.
 */
#include "client.h"

#include <string.h>

#include "authkey.h"

/* How long to wait for the challenge: the server closes a connection not authenticated by then. */
#define CHALLENGE_WAIT_S 5.0

/* The server nonce of a challenge's params, [AUTH_VERSION, nonce], or NULL. */
static const unsigned char *challenge_nonce(const om_value *p)
{
	if (p->kind != OM_ARRAY || p->len != 2)
		return NULL;
	const om_value *version = &p->as.items[0], *nonce = &p->as.items[1];
	bool v1 = (version->kind == OM_INT && version->as.i == AUTH_VERSION) ||
		  (version->kind == OM_UINT && version->as.u == AUTH_VERSION);
	if (!v1 || nonce->kind != OM_BIN || nonce->len != AUTH_NONCE_SIZE)
		return NULL;
	return (const unsigned char *)nonce->as.str;
}

/* Sends auth.hello for the challenge's nonce and checks the server's proof. */
static int hello(om_client *c, const unsigned char server_nonce[AUTH_NONCE_SIZE])
{
	unsigned char client_nonce[AUTH_NONCE_SIZE], proof[AUTH_PROOF_SIZE], want[AUTH_PROOF_SIZE];
	auth_nonce(client_nonce);
	auth_client_proof(c->key, server_nonce, client_nonce, proof);
	auth_server_proof(c->key, client_nonce, server_nonce, want);
	om_value params[2] = {om_bin(client_nonce, sizeof client_nonce), om_bin(proof, sizeof proof)};
	om_value result;
	int rc = om_call(c, AUTH_HELLO, params, 2, &result);
	if (rc != OM_OK)
		return rc;
	bool proven = result.kind == OM_BIN && auth_proof_equal(want, result.as.str, result.len);
	om_value_free(&result);
	if (!proven)
		return client_fail(c, OM_AUTH_FAILED, "the server at %s does not know the authkey: "
				   "its proof is wrong", c->address);
	return OM_OK;
}

int client_authenticate(om_client *c)
{
	uint32_t probe;
	om_value challenge = om_nil();
	int rc = om_send(c, "server.ping", NULL, 0, &probe);
	if (rc == OM_OK)
		rc = om_flush(c);
	if (rc == OM_OK)
		rc = client_read_challenge(c, CHALLENGE_WAIT_S, &challenge);
	if (rc == OM_OK) {
		const unsigned char *nonce = challenge_nonce(&challenge);
		rc = nonce ? hello(c, nonce)
			   : client_fail(c, OM_PROTOCOL, "the server at %s sent an auth.challenge "
					 "that is not [%d, a %d-byte nonce]", c->address, AUTH_VERSION,
					 AUTH_NONCE_SIZE);
	}
	om_value_free(&challenge);
	if (rc == OM_OK) {
		om_recv_id(c, probe, NULL); /* auth_required, as it came before the hello */
		client_ok(c);
		return OM_OK;
	}
	/* The server closes after a wrong proof; keep the reason, not what closing says. */
	char why[sizeof c->message];
	memcpy(why, c->message, sizeof why);
	client_disconnect(c);
	return client_fail(c, rc, "%s", why);
}
