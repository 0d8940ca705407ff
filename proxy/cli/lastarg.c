/*
 * lastarg.c — a command's last argument read whole from stdin (-x, as
 * redis-cli's) or from a file (--value-file): bytes a shell word cannot
 * carry (a NUL, an image), taken verbatim, never read as the argument
 * grammar. The size is bounded by LASTARG_MAX, the server's default
 * max_message_size: more could not be sent anyway.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mem.h"

/* The most bytes read: the server's default max_message_size (docs/protocol.md). */
#define LASTARG_MAX ((size_t)64 << 20)

/*
 * Whether s[0..n) is well-formed UTF-8: no overlong forms, no surrogates,
 * nothing above U+10FFFF (RFC 3629).
 */
static bool is_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char b = s[i];
		size_t len = b < 0x80 ? 1 : (b & 0xe0) == 0xc0 ? 2 : (b & 0xf0) == 0xe0 ? 3
					 : (b & 0xf8) == 0xf0 ? 4 : 0;
		if (len == 0 || len > n - i)
			return false;
		uint32_t cp = len == 1 ? b : len == 2 ? b & 0x1fu : len == 3 ? b & 0x0fu : b & 0x07u;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3fu);
		}
		static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
		if (cp < least[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

/*
 * All of f into *buf (malloc'd, NUL-terminated) and *n, growing as it
 * reads: CLI_OK, or CLI_FAILED, printed, on a read error or past
 * LASTARG_MAX bytes.
 */
static int slurp(cli *c, FILE *f, const char *what, char **buf, size_t *n)
{
	size_t cap = 1 << 16, len = 0;
	char *b = xmalloc(cap + 1);
	for (;;) {
		len += fread(b + len, 1, cap - len, f);
		if (len < cap) /* the end, or an error */
			break;
		if (cap > LASTARG_MAX) {
			free(b);
			return cli_fail(c, OM_TOO_LARGE, "%s holds more than %zu bytes (64 MiB), the most "
					"-x and --value-file read", what, LASTARG_MAX);
		}
		cap = cap * 2 > LASTARG_MAX ? LASTARG_MAX + 1 : cap * 2;
		b = xrealloc(b, cap + 1);
	}
	if (ferror(f)) {
		int e = errno;
		free(b);
		return cli_fail(c, OM_BAD_PARAMS, "cannot read %s: %s", what, strerror(e));
	}
	b[len] = '\0';
	*buf = b;
	*n = len;
	return CLI_OK;
}

int lastarg_read(cli *c, const char *path)
{
	FILE *f = path ? fopen(path, "rb") : stdin;
	if (!f)
		return cli_fail(c, OM_BAD_PARAMS, "cannot read %s: %s", path, strerror(errno));
	char *buf = NULL;
	size_t n = 0;
	int rc = slurp(c, f, path ? path : "stdin", &buf, &n);
	if (path)
		fclose(f);
	if (rc != CLI_OK)
		return rc;
	c->last_arg = xmalloc(sizeof *c->last_arg);
	*c->last_arg = om_strn(buf, n); /* owned now: om_value_free() frees buf */
	if (path || !is_utf8((const unsigned char *)buf, n))
		c->last_arg->kind = OM_BIN;
	return CLI_OK;
}

void lastarg_free(cli *c)
{
	if (!c->last_arg)
		return;
	om_value_free(c->last_arg);
	free(c->last_arg);
	c->last_arg = NULL;
}

int lastarg_start(cli *c, bool from_stdin, const char *path, const char *command)
{
	if (from_stdin && path)
		return cli_usage(c, OM_BAD_PARAMS, "-x and --value-file exclude each other");
	if (!command || commands_find(command))
		return cli_usage(c, OM_BAD_PARAMS, "%s gives the last argument of a TYPE.OP command, "
				 "which must follow", from_stdin ? "-x" : "--value-file");
	return lastarg_read(c, from_stdin ? NULL : path);
}
