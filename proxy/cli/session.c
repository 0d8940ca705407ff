/*
 * session.c — the one connection a run of objmgr uses: made when a command
 * first needs the server (so `objmgr help` works without one), made again
 * after it was lost, and the single place errors are printed.
 */
#include <stdarg.h>

#include "cli.h"

static void print_error(cli *c, int code, const char *fmt, va_list ap)
{
	static const char red[] = "\033[1;31m", reset[] = "\033[0m";
	fflush(stdout); /* keep stdout and stderr in order on a terminal */
	fprintf(stderr, "%serror:%s %s: ", c->color_err ? red : "", c->color_err ? reset : "",
		om_code_name(code));
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int cli_fail(cli *c, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	print_error(c, code, fmt, ap);
	va_end(ap);
	return CLI_FAILED;
}

int cli_usage(cli *c, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	print_error(c, code, fmt, ap);
	va_end(ap);
	return CLI_USAGE;
}

int cli_connect(cli *c)
{
	if (!c->client)
		c->client = om_connect(c->address, &(om_options){.server_uid = c->server_uid,
								  .authkey_file = c->authkey_file});
	else if (!om_connected(c->client))
		om_reconnect(c->client);
	if (om_connected(c->client))
		return CLI_OK;
	/* om_errmsg says which socket it tried and why that failed. */
	cli_fail(c, om_errcode(c->client), "%s", om_errmsg(c->client));
	return CLI_UNREACHABLE;
}

/*
 * A wait that ran out is its own status for scripts: the server's timeout,
 * and the queue's empty and full, which answer a timed-out get and put.
 */
int cli_status(cli *c, int code, const char *about)
{
	if (code == OM_OK)
		return CLI_OK;
	cli_fail(c, code, "%s%s", about, om_errmsg(c->client));
	if (code == OM_IO)
		return CLI_UNREACHABLE;
	return code == OM_TIMEOUT || code == OM_EMPTY || code == OM_FULL ? CLI_TIMEOUT : CLI_FAILED;
}

int cli_call(cli *c, const char *method, const om_value *params, size_t n, om_value *result)
{
	int rc = cli_connect(c);
	if (rc != CLI_OK)
		return rc;
	return cli_status(c, om_call(c->client, method, params, n, result), "");
}

int cli_send(cli *c, const char *method, const om_value *params, size_t n, uint32_t *msgid)
{
	int rc = cli_connect(c);
	if (rc != CLI_OK)
		return rc;
	return cli_status(c, om_send(c->client, method, params, n, msgid), "");
}

int cli_recv(cli *c, uint32_t msgid, om_value *result, const char *about)
{
	return cli_status(c, om_recv_id(c->client, msgid, result), about);
}

void cli_forget(cli *c, const uint32_t *msgids, size_t n)
{
	for (size_t i = 0; i < n && om_connected(c->client); i++)
		om_recv_id(c->client, msgids[i], NULL);
}

void cli_close(cli *c)
{
	om_close(c->client);
	c->client = NULL;
}
