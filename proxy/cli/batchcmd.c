/*
 * batchcmd.c — `objmgr batch [--atomic] [FILE]`: the method calls of FILE,
 * read as piped commands are (statements.c) and checked as one-shot ones
 * are (commands.c), sent as ONE server.batch, so no other client's call
 * runs between them; with --atomic, all or nothing. Nothing is sent when
 * any line is wrong.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mem.h"
#include "value.h"

const char batch_manual[] =
	"NAME\n"
	"    objmgr batch - run the calls of a file together, optionally all or nothing\n"
	"\n"
	"SYNOPSIS\n"
	"    objmgr [OPTIONS] batch [--atomic] [--json] [FILE]\n"
	"\n"
	"DESCRIPTION\n"
	"    Reads method calls from FILE (default, or -: standard input), one a line\n"
	"    as objmgr reads piped commands (TYPE.OP [NAME] ARGS..., a [ or { open at\n"
	"    the end of a line going on on the next one, # comments, quit ending the\n"
	"    input), checks them all, and sends them as one server.batch request:\n"
	"    the server runs them one after another with no other client's call in\n"
	"    between. Blocking methods do not wait there (as with timeout 0). When a\n"
	"    line is wrong (an unknown method, bad arguments) objmgr says which and\n"
	"    sends nothing. Friendly commands (ls, show, ...) cannot be batched.\n"
	"\n"
	"    Each call's result is printed on a line of its own, in order, as a\n"
	"    one-shot command prints it (--json, --raw apply); a call that failed\n"
	"    prints \"error: <code>: line N: <message>\" on standard error instead,\n"
	"    and the calls after it still run.\n"
	"\n"
	"    With --atomic the batch is all or nothing: when a call fails, what the\n"
	"    calls before it did is undone, nothing is printed on standard output,\n"
	"    and the error (\"server.batch: call N (METHOD) failed: ...; nothing was\n"
	"    changed\") goes to standard error. An atomic batch takes only what the\n"
	"    server can undo: reads, and calls on dicts, lists, counters, queues and\n"
	"    events (objects.create and objects.delete of those too).\n"
	"\n"
	"    Unlike objmgr < FILE, which sends each command as a request of its own\n"
	"    and lets other clients' calls run between them, batch is one request.\n"
	"\n"
	"EXIT STATUS\n"
	"    0   every call succeeded\n"
	"    2   the server could not be reached\n"
	"    4   a call failed (with --atomic: nothing applied), or FILE cannot be read\n"
	"    64  a line was wrong: nothing was sent\n"
	"\n"
	"EXAMPLES\n"
	"    printf 'list.pop todo\\nlist.append done \"task 7\"\\n' | objmgr batch --atomic\n"
	"    objmgr batch calls.txt\n";

/* The calls read so far: [method, params] pairs, and the line each ends on. */
typedef struct calls {
	om_value *items; /* owned */
	unsigned long *lines;
	size_t n, cap;
} calls;

static void calls_add(calls *cs, om_value call, unsigned long line)
{
	if (cs->n == cs->cap) {
		cs->cap = cs->cap ? 2 * cs->cap : 16;
		cs->items = xrealloc(cs->items, cs->cap * sizeof *cs->items);
		cs->lines = xrealloc(cs->lines, cs->cap * sizeof *cs->lines);
	}
	cs->items[cs->n] = call;
	cs->lines[cs->n++] = line;
}

/* One statement as a [method, params] pair for server.batch; CLI_USAGE, printed, when wrong. */
static int read_call(cli *c, const words *w, const char *about, om_value *call)
{
	if (commands_find(w->v[0]))
		return cli_usage(c, OM_BAD_PARAMS, "%sbatch runs methods (TYPE.OP ARGS...), not the "
				"command '%s'", about, w->v[0]);
	const type_def *t;
	const op_def *op;
	om_value *params;
	size_t n;
	int rc = commands_method(c, w->v[0], about, &t, &op);
	if (rc == CLI_OK)
		rc = commands_params(c, t, op, w->v, w->n, about, &params, &n);
	if (rc != CLI_OK)
		return rc;
	om_value *pair = xmalloc(2 * sizeof *pair);
	pair[0] = value_str_dup(w->v[0], strlen(w->v[0]));
	pair[1] = om_array(params, n);
	*call = om_array(pair, 2);
	return CLI_OK;
}

/* Every statement of f into cs; CLI_USAGE when any was wrong (each error printed). */
static int read_calls(cli *c, FILE *f, calls *cs)
{
	stmt_reader r = {.f = f};
	words w = {0};
	char err[128], about[32];
	int status = CLI_OK, next;
	while ((next = stmt_next(&r, &w, err, sizeof err)) != STMT_END) {
		snprintf(about, sizeof about, "line %lu: ", r.lineno);
		om_value call;
		int rc = next == STMT_BAD ? cli_usage(c, OM_BAD_PARAMS, "%s%s", about, err)
					  : read_call(c, &w, about, &call);
		if (rc == CLI_OK)
			calls_add(cs, call, r.lineno);
		else
			status = rc;
	}
	words_free(&w);
	stmt_reader_free(&r);
	return status;
}

/* One [error, result] of server.batch's answer, printed; CLI_FAILED for an error. */
static int print_item(cli *c, const om_value *item, unsigned long line)
{
	if (item->kind != OM_ARRAY || item->len != 2)
		return cli_fail(c, OM_PROTOCOL, "line %lu: server.batch answered a result that is not "
				"[error, result]", line);
	const om_value *error = &item->as.items[0];
	if (error->kind == OM_NIL) {
		render_result(c, &item->as.items[1]);
		return CLI_OK;
	}
	if (error->kind != OM_ARRAY || error->len != 2 || error->as.items[0].kind != OM_STR ||
	    error->as.items[1].kind != OM_STR)
		return cli_fail(c, OM_PROTOCOL, "line %lu: server.batch answered an error that is not "
				"[code, message]", line);
	const om_value *code = &error->as.items[0], *message = &error->as.items[1];
	int rc = om_code_from_name(code->as.str, code->len);
	/* A code this program does not know keeps its name, as libobjmgr's messages do. */
	if (rc == OM_UNKNOWN_ERROR)
		return cli_fail(c, rc, "line %lu: %s: %s", line, code->as.str, message->as.str);
	return cli_fail(c, rc, "line %lu: %s", line, message->as.str);
}

/* Sends cs as one server.batch and prints each result; the exit status. */
static int run_calls(cli *c, calls *cs, bool atomic)
{
	om_value list = om_array(cs->items, cs->n), result;
	om_value pairs[] = {om_str("atomic"), om_bool(true)};
	om_value options = om_map(pairs, 1);
	int rc = cli_connect(c);
	if (rc == CLI_OK)
		rc = cli_status(c, om_batch(c->client, &list, atomic ? &options : NULL, &result), "");
	if (rc != CLI_OK)
		return rc;
	if (result.kind != OM_ARRAY || result.len != cs->n) {
		om_value_free(&result);
		return cli_fail(c, OM_PROTOCOL, "server.batch answered no array of %zu results", cs->n);
	}
	int status = CLI_OK;
	for (size_t i = 0; i < cs->n; i++)
		if (print_item(c, &result.as.items[i], cs->lines[i]) != CLI_OK)
			status = CLI_FAILED;
	om_value_free(&result);
	return status;
}

int batchcmd_run(cli *c, char *const *argv, size_t argc)
{
	bool atomic = false;
	const char *path = NULL;
	for (size_t i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--atomic") == 0)
			atomic = true;
		else if (render_option(c, argv[i]))
			continue;
		else if (path)
			return cli_usage(c, OM_BAD_PARAMS, "usage: batch [--atomic] [--json] [FILE]");
		else
			path = argv[i];
	}
	bool in = !path || strcmp(path, "-") == 0;
	FILE *f = in ? stdin : fopen(path, "r");
	if (!f)
		return cli_fail(c, OM_BAD_PARAMS, "batch: cannot open %s: %s", path, strerror(errno));
	calls cs = {0};
	int status = read_calls(c, f, &cs);
	if (!in)
		fclose(f);
	/* Nothing to run, or a wrong line: nothing is sent. */
	if (status == CLI_OK && cs.n)
		status = run_calls(c, &cs, atomic);
	om_value all = om_array(cs.items, cs.n);
	om_value_free(&all);
	free(cs.lines);
	return status;
}
