/*
 * authkey.h — the shared secret of the authkey handshake and the proofs
 * made with it, for objmgrd and libobjmgr alike (docs/protocol.md,
 * "Authentication").
 *
 * Each side proves it knows the key without sending it: the client with
 * HMAC-SHA256(key, "objmgr-client" || server_nonce || client_nonce), the
 * server with HMAC-SHA256(key, "objmgr-server" || client_nonce ||
 * server_nonce). Fresh 32-byte nonces from both sides make every proof
 * good for one connection only. Nothing here logs or prints the key, and
 * no message it writes contains it.
 */
#ifndef OBJMGR_AUTHKEY_H
#define OBJMGR_AUTHKEY_H

#include <stdbool.h>
#include <stddef.h>

/* The server's notification that opens the handshake, and the client's answer. */
#define AUTH_CHALLENGE "auth.challenge"
#define AUTH_HELLO "auth.hello"
/* The handshake's version, the first item of auth.challenge. */
#define AUTH_VERSION 1
#define AUTH_NONCE_SIZE 32
#define AUTH_PROOF_SIZE 32
/* A key's length in bytes: a shorter one is too easy to guess, a longer one is no key file. */
#define AUTHKEY_MIN 16
#define AUTHKEY_MAX 4096
/* The longest explanation authkey_load() writes. */
#define AUTHKEY_WHY_MAX 512

typedef struct authkey {
	size_t len;
	unsigned char bytes[AUTHKEY_MAX];
} authkey;

/*
 * Reads the key from the file at path: its bytes, all of them (a trailing
 * newline too). Refuses, as ssh does with a private key, a file that is
 * not a regular file owned by this user (or root) or that its group or
 * others may read or write, and a key shorter than AUTHKEY_MIN or longer
 * than AUTHKEY_MAX bytes. 0, or -1 with why saying which.
 */
int authkey_load(authkey *k, const char *path, char why[AUTHKEY_WHY_MAX]);

/* The key from len bytes in memory, with authkey_load()'s length rule. */
int authkey_set(authkey *k, const void *bytes, size_t len, char why[AUTHKEY_WHY_MAX]);

/* Overwrites the key with zeros. */
void authkey_wipe(authkey *k);

/* Fills a nonce with random bytes (libsodium). */
void auth_nonce(unsigned char nonce[AUTH_NONCE_SIZE]);

/* The client's proof: HMAC-SHA256(key, "objmgr-client" || server_nonce || client_nonce). */
void auth_client_proof(const authkey *k, const unsigned char server_nonce[AUTH_NONCE_SIZE],
		       const unsigned char client_nonce[AUTH_NONCE_SIZE],
		       unsigned char proof[AUTH_PROOF_SIZE]);

/* The server's proof: HMAC-SHA256(key, "objmgr-server" || client_nonce || server_nonce). */
void auth_server_proof(const authkey *k, const unsigned char client_nonce[AUTH_NONCE_SIZE],
		       const unsigned char server_nonce[AUTH_NONCE_SIZE],
		       unsigned char proof[AUTH_PROOF_SIZE]);

/* True when got (len bytes) is want, compared in constant time. */
bool auth_proof_equal(const unsigned char want[AUTH_PROOF_SIZE], const void *got, size_t len);

#endif
