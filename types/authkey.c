/* authkey.c — the authkey, and the handshake's proofs (authkey.h). */
#include "authkey.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int authkey_set(authkey *k, const void *bytes, size_t len, char why[AUTHKEY_WHY_MAX])
{
	if (len < AUTHKEY_MIN || len > AUTHKEY_MAX) {
		snprintf(why, AUTHKEY_WHY_MAX, "an authkey has %d to %d bytes, not %zu", AUTHKEY_MIN,
			 AUTHKEY_MAX, len);
		return -1;
	}
	memcpy(k->bytes, bytes, len);
	k->len = len;
	return 0;
}

/* Why a file like st may not hold a key, or NULL. */
static const char *unsafe_file(const struct stat *st, char *buf, size_t size)
{
	if (!S_ISREG(st->st_mode))
		return "is not a regular file";
	if (st->st_uid != geteuid() && st->st_uid != 0) {
		snprintf(buf, size, "belongs to uid %u, not to you (uid %u) or root",
			 (unsigned)st->st_uid, (unsigned)geteuid());
		return buf;
	}
	if (st->st_mode & 077) {
		snprintf(buf, size, "may be read or written by %s (mode %04o): chmod 600 it",
			 st->st_mode & 007 ? "others" : "its group", (unsigned)(st->st_mode & 07777));
		return buf;
	}
	return NULL;
}

int authkey_load(authkey *k, const char *path, char why[AUTHKEY_WHY_MAX])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(why, AUTHKEY_WHY_MAX, "authkey file %s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	char detail[128];
	const char *unsafe = fstat(fd, &st) < 0 ? strerror(errno)
						: unsafe_file(&st, detail, sizeof detail);
	if (unsafe) {
		snprintf(why, AUTHKEY_WHY_MAX, "authkey file %s %s", path, unsafe);
		close(fd);
		return -1;
	}
	/* One byte more than a key may have, to tell a file that is too long. */
	unsigned char buf[AUTHKEY_MAX + 1];
	size_t len = 0;
	ssize_t n = 0;
	while (len < sizeof buf && (n = read(fd, buf + len, sizeof buf - len)) != 0) {
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0)
			len += (size_t)n;
	}
	int err = n < 0 ? errno : 0;
	close(fd);
	int rc = -1;
	if (err)
		snprintf(why, AUTHKEY_WHY_MAX, "authkey file %s: %s", path, strerror(err));
	else if (len > AUTHKEY_MAX)
		snprintf(why, AUTHKEY_WHY_MAX, "authkey file %s holds more than %d bytes", path,
			 AUTHKEY_MAX);
	else if (len < AUTHKEY_MIN)
		snprintf(why, AUTHKEY_WHY_MAX, "authkey file %s holds %zu bytes: a key needs at "
			 "least %d (head -c 32 /dev/urandom > FILE makes one)", path, len, AUTHKEY_MIN);
	else
		rc = authkey_set(k, buf, len, why);
	sodium_memzero(buf, sizeof buf);
	return rc;
}

void authkey_wipe(authkey *k)
{
	sodium_memzero(k, sizeof *k);
}

void auth_nonce(unsigned char nonce[AUTH_NONCE_SIZE])
{
	randombytes_buf(nonce, AUTH_NONCE_SIZE);
}

/* HMAC-SHA256(key, role || a || b), role without its NUL. */
static void proof(const authkey *k, const char *role, const unsigned char a[AUTH_NONCE_SIZE],
		  const unsigned char b[AUTH_NONCE_SIZE], unsigned char out[AUTH_PROOF_SIZE])
{
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, k->bytes, k->len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)role, strlen(role));
	crypto_auth_hmacsha256_update(&st, a, AUTH_NONCE_SIZE);
	crypto_auth_hmacsha256_update(&st, b, AUTH_NONCE_SIZE);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof st);
}

void auth_client_proof(const authkey *k, const unsigned char server_nonce[AUTH_NONCE_SIZE],
		       const unsigned char client_nonce[AUTH_NONCE_SIZE],
		       unsigned char out[AUTH_PROOF_SIZE])
{
	proof(k, "objmgr-client", server_nonce, client_nonce, out);
}

void auth_server_proof(const authkey *k, const unsigned char client_nonce[AUTH_NONCE_SIZE],
		       const unsigned char server_nonce[AUTH_NONCE_SIZE],
		       unsigned char out[AUTH_PROOF_SIZE])
{
	proof(k, "objmgr-server", client_nonce, server_nonce, out);
}

bool auth_proof_equal(const unsigned char want[AUTH_PROOF_SIZE], const void *got, size_t len)
{
	return len == AUTH_PROOF_SIZE && crypto_verify_32(want, got) == 0;
}
