/*
 * watch.c — `objmgr watch [PATTERN...]` and `objmgr monitor`: subscribe,
 * then print each notification as one line, flushed at once so that a pipe
 * sees it, until the connection ends, the server drops the stream because
 * objmgr fell behind (CLI_DROPPED), or a signal ends objmgr. Ctrl-C and
 * SIGTERM keep their default action: every line printed is out already,
 * and the server forgets the watch with the connection.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char watch_manual[] =
	"NAME\n"
	"    objmgr watch - print each change to the objects as it happens\n"
	"\n"
	"SYNOPSIS\n"
	"    objmgr [OPTIONS] watch [--json] [PATTERN...]\n"
	"\n"
	"DESCRIPTION\n"
	"    Watches the objects whose names match a PATTERN (a glob: * ? [...], and\n"
	"    \\ escapes the next character; default *, every object; at most 32) and\n"
	"    prints one line per change, in the order the server made them, until\n"
	"    Ctrl-C or SIGTERM ends objmgr or the server closes the connection. Each\n"
	"    line is written at once, so a pipe sees it.\n"
	"\n"
	"    A line is VERSION METHOD NAME PARAMS:\n"
	"        12 dict.set cfg [\"a\", 1]\n"
	"    the object's version after the change, the method that made it, the\n"
	"    object's name, and the call's parameters after the name; strings and\n"
	"    containers too big to show are summarised (\"<str of 5000 bytes>\",\n"
	"    \"<array of 100 items>\").\n"
	"    objects.create and objects.delete show too (an ephemeral object deleted\n"
	"    with its connection as objects.delete), and client.closed when a closing\n"
	"    connection gave back a lock, rlock or semaphore.\n"
	"    With --json (before or after watch) a line is one JSON object, exact\n"
	"    for any name:\n"
	"        {\"name\": \"cfg\", \"method\": \"dict.set\", \"params\": [\"a\", 1], \"version\": 12}\n"
	"\n"
	"    When objmgr reads too slowly and the server's unsent output to it\n"
	"    passes the server's --max-output, the server stops the watch: objmgr\n"
	"    prints why and exits with status 3. Watch again and compare each\n"
	"    object's version (objects.version NAME) with the last one printed.\n"
	"\n"
	"EXIT STATUS\n"
	"    2  the server could not be reached, or closed the connection\n"
	"    3  the server stopped the watch: objmgr fell behind\n"
	"    4  the watch could not start (a malformed PATTERN, more than 32)\n"
	"    Ctrl-C or SIGTERM ends objmgr by the signal's default action.\n"
	"\n"
	"EXAMPLES\n"
	"    objmgr watch 'cfg*' 'jobs'\n"
	"    objmgr watch --json | jq -c 'select(.method == \"dict.set\")'\n";

const char monitor_manual[] =
	"NAME\n"
	"    objmgr monitor - print every call the server runs, as it runs it\n"
	"\n"
	"SYNOPSIS\n"
	"    objmgr [OPTIONS] monitor [--json]\n"
	"\n"
	"DESCRIPTION\n"
	"    Prints one line per call the server runs, from any client, in the\n"
	"    order it runs them, until Ctrl-C or SIGTERM ends objmgr or the server\n"
	"    closes the connection, as redis-cli's MONITOR does. Each line is\n"
	"    written at once, so a pipe sees it. A line is TIME [CLIENT] METHOD\n"
	"    PARAMS...:\n"
	"        1733456789.123456 [17] dict.set \"cfg\" \"a\" 1\n"
	"    the Unix time it ran (seconds, to the microsecond), the caller's id\n"
	"    (as objmgr clients shows it), the method and each parameter as JSON-\n"
	"    like text; strings and containers too big to show are summarised\n"
	"    (\"<str of 5000 bytes>\"). With --json (before or after monitor) a line\n"
	"    is one JSON object:\n"
	"        {\"time\": 1733456789.123456, \"client\": 17, \"method\": \"dict.set\", \"params\": [\"cfg\", \"a\", 1]}\n"
	"\n"
	"    When objmgr reads too slowly and the server's unsent output to it\n"
	"    passes the server's --max-output, the server stops monitoring: objmgr\n"
	"    prints why and exits with status 3.\n"
	"\n"
	"EXIT STATUS\n"
	"    2  the server could not be reached, or closed the connection\n"
	"    3  the server stopped monitoring: objmgr fell behind\n"
	"    Ctrl-C or SIGTERM ends objmgr by the signal's default action.\n"
	"\n"
	"EXAMPLES\n"
	"    objmgr monitor\n"
	"    objmgr monitor --json | jq -c 'select(.client == 17)'\n";

/*
 * Whether the params p of a notification have the shape kinds spells, one
 * letter per item: s a string, a an array, n a non-negative integer, f any
 * number. What the server sends is checked before it is printed.
 */
static bool shaped(const om_value *p, const char *kinds)
{
	if (p->kind != OM_ARRAY || p->len != strlen(kinds))
		return false;
	for (uint32_t i = 0; i < p->len; i++) {
		om_kind k = p->as.items[i].kind;
		bool uint = k == OM_UINT || (k == OM_INT && p->as.items[i].as.i >= 0);
		bool ok = kinds[i] == 's'   ? k == OM_STR
			  : kinds[i] == 'a' ? k == OM_ARRAY
			  : kinds[i] == 'n' ? uint
					    : uint || k == OM_INT || k == OM_FLOAT64 || k == OM_FLOAT32;
		if (!ok)
			return false;
	}
	return true;
}

static int malformed(cli *c, const om_notification *n)
{
	char *params = render_human(&n->params, false);
	cli_fail(c, OM_PROTOCOL, "a %s notification of an unexpected shape: %s", n->method, params);
	free(params);
	return CLI_FAILED;
}

/* The server stopped the stream; params [message, ...]: says so, and how to go on. */
static int dropped(cli *c, const om_notification *n, const char *what, const char *then)
{
	cli_fail(c, OM_LIMIT, "the server stopped the %s: %s%s", what, n->params.as.items[0].as.str,
		 then);
	return CLI_DROPPED;
}

/* objects.changed [name, method, params, version] as a line; objects.overflow ends the watch. */
static int print_change(cli *c, const om_notification *n)
{
	const om_value *it = n->params.as.items;
	if (strcmp(n->method, "objects.overflow") == 0) {
		if (!shaped(&n->params, "sn"))
			return malformed(c, n);
		char *revision = render_human(&it[1], false), then[128];
		snprintf(then, sizeof then, " (at revision %s); watch again and compare the objects' "
			 "versions", revision);
		free(revision);
		return dropped(c, n, "watch", then);
	}
	if (strcmp(n->method, "objects.changed") != 0)
		return CLI_OK;
	if (!shaped(&n->params, "ssan"))
		return malformed(c, n);
	if (c->mode == OUT_JSON) {
		om_value pairs[] = {om_str("name"), it[0], om_str("method"), it[1],
				    om_str("params"), it[2], om_str("version"), it[3]};
		om_value line = om_map(pairs, 4);
		render_json(stdout, &line);
		return CLI_OK;
	}
	if (c->mode == OUT_CSV) {
		om_value row[] = {it[3], it[1], it[0], it[2]};
		render_csv_row(stdout, row, 4);
		return CLI_OK;
	}
	char *version = render_human(&it[3], false), *params = render_human(&it[2], c->color);
	printf("%s %s %s %s\n", version, it[1].as.str, it[0].as.str, params);
	free(version);
	free(params);
	return CLI_OK;
}

static double number(const om_value *v)
{
	return v->kind == OM_INT ? (double)v->as.i : v->kind == OM_UINT ? (double)v->as.u : v->as.f;
}

/* server.call [time, client, method, params] as a line; server.overflow ends monitoring. */
static int print_call(cli *c, const om_notification *n)
{
	const om_value *it = n->params.as.items;
	if (strcmp(n->method, "server.overflow") == 0)
		return shaped(&n->params, "s") ? dropped(c, n, "monitor", "") : malformed(c, n);
	if (strcmp(n->method, "server.call") != 0)
		return CLI_OK;
	if (!shaped(&n->params, "fnsa"))
		return malformed(c, n);
	if (c->mode == OUT_JSON) {
		om_value pairs[] = {om_str("time"), om_float(number(&it[0])), om_str("client"), it[1],
				    om_str("method"), it[2], om_str("params"), it[3]};
		om_value line = om_map(pairs, 4);
		render_json(stdout, &line);
		return CLI_OK;
	}
	if (c->mode == OUT_CSV) {
		char time[32];
		snprintf(time, sizeof time, "%.6f", number(&it[0]));
		om_value row[] = {om_str(time), it[1], it[2], it[3]};
		render_csv_row(stdout, row, 4);
		return CLI_OK;
	}
	char *client = render_human(&it[1], false);
	printf("%.6f [%s] %s", number(&it[0]), client, it[2].as.str);
	free(client);
	for (uint32_t i = 0; i < it[3].len; i++) {
		char *param = render_human(&it[3].as.items[i], c->color);
		printf(" %s", param);
		free(param);
	}
	putchar('\n');
	return CLI_OK;
}

/* Prints notifications with print until it, the connection or the output ends the stream. */
static int stream(cli *c, int (*print)(cli *c, const om_notification *n))
{
	for (;;) {
		om_notification n;
		int rc = om_next_notification(c->client, -1, &n);
		if (rc != OM_OK)
			return cli_status(c, rc, "");
		int status = print(c, &n);
		om_notification_free(&n);
		/* A closed pipe or a full disk ends it; main.c reports the write error. */
		if (fflush(stdout) != 0)
			return CLI_FAILED;
		if (status != CLI_OK)
			return status;
	}
}

int watch_run(cli *c, char *const *argv, size_t argc)
{
	int rc = cli_connect(c);
	size_t patterns = 0;
	for (size_t i = 1; rc == CLI_OK && i < argc; i++) {
		if (render_option(c, argv[i]))
			continue;
		rc = cli_status(c, om_watch(c->client, argv[i], NULL), "");
		patterns++;
	}
	if (rc == CLI_OK && patterns == 0)
		rc = cli_status(c, om_watch(c->client, NULL, NULL), "");
	return rc == CLI_OK ? stream(c, print_change) : rc;
}

int monitor_run(cli *c, char *const *argv, size_t argc)
{
	for (size_t i = 1; i < argc; i++)
		if (!render_option(c, argv[i]))
			return cli_usage(c, OM_BAD_PARAMS, "usage: monitor [--json]");
	int rc = cli_connect(c);
	if (rc == CLI_OK)
		rc = cli_status(c, om_monitor(c->client, true), "");
	return rc == CLI_OK ? stream(c, print_call) : rc;
}
