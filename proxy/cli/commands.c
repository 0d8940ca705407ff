/*
 * commands.c — what a command line means. The friendly commands (ls, show,
 * ...) are listed in cli_commands; everything else of the form
 * "<type>.<op>" is a wire method, called 1:1 with its words read by the
 * argument grammar and checked against the op tables first.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mem.h"

/* max_args for any number of arguments: with-lock's command may take thousands. */
#define MANY UINT8_MAX

static int cmd_type(cli *c, char *const *argv, size_t argc)
{
	(void)argc;
	om_value name = om_str(argv[1]), type;
	int rc = cli_call(c, "objects.type", &name, 1, &type);
	if (rc != CLI_OK)
		return rc;
	c->last_false = type.kind == OM_NIL; /* -e: `objmgr -e type NAME` tests that NAME exists */
	om_value none = om_str("none");
	if (c->mode == OUT_JSON)
		render_json(stdout, &type);
	else if (c->mode == OUT_CSV)
		render_csv(stdout, type.kind == OM_STR ? &type : &none);
	else
		printf("%s\n", type.kind == OM_STR ? type.as.str : "none");
	om_value_free(&type);
	return CLI_OK;
}

/* Deletes every object named; the result is how many existed, as Redis's DEL. */
static int cmd_del(cli *c, char *const *argv, size_t argc)
{
	int64_t deleted = 0;
	for (size_t i = 1; i < argc; i++) {
		om_value name = om_str(argv[i]), existed;
		int rc = cli_call(c, "objects.delete", &name, 1, &existed);
		if (rc != CLI_OK)
			return rc;
		deleted += existed.kind == OM_BOOL && existed.as.b;
		om_value_free(&existed);
	}
	om_value n = om_int(deleted);
	render_result(c, &n);
	return CLI_OK;
}

/* A map as aligned "key  value" rows, keys bare: for server.info. */
static void facts(cli *c, const om_value *map)
{
	char **cells = xcalloc(2 * (size_t)map->len, sizeof *cells);
	for (uint32_t i = 0; i < map->len; i++) {
		const om_value *k = &map->as.items[2 * i];
		cells[2 * i] = k->kind == OM_STR ? xstrdup(k->as.str) : render_human(k, false);
		cells[2 * i + 1] = render_human(&map->as.items[2 * i + 1], c->color);
	}
	render_table(stdout, cells, map->len, 2, 0);
	for (size_t i = 0; i < 2 * (size_t)map->len; i++)
		free(cells[i]);
	free(cells);
}

/* Removes key from the owned map m, keeping the order of the rest; its value, owned, or nil. */
static om_value take_key(om_value *m, const char *key)
{
	for (uint32_t i = 0; i < m->len; i++) {
		om_value *pair = &m->as.items[2 * i];
		if (pair[0].kind != OM_STR || strcmp(pair[0].as.str, key) != 0)
			continue;
		om_value v = pair[1];
		om_value_free(&pair[0]);
		memmove(pair, pair + 2, 2 * (m->len - i - 1) * sizeof *pair);
		m->len--;
		return v;
	}
	return om_nil();
}

/* The number under key in map, as text ("?" when absent). */
static char *number_cell(const om_value *map, const char *key)
{
	const om_value *v = om_value_map_get(map, key);
	return v ? render_human(v, false) : xstrdup("?");
}

/* server.info's "methods": one row per method called, with calls and time. */
static void methods_table(const om_value *methods)
{
	size_t rows = (size_t)methods->len + 1;
	char **cells = xcalloc(4 * rows, sizeof *cells);
	cells[0] = xstrdup("METHOD");
	cells[1] = xstrdup("CALLS");
	cells[2] = xstrdup("USEC");
	cells[3] = xstrdup("USEC/CALL");
	for (uint32_t i = 0; i < methods->len; i++) {
		const om_value *name = &methods->as.items[2 * i], *m = &methods->as.items[2 * i + 1];
		const om_value *calls = om_value_map_get(m, "calls"), *usec = om_value_map_get(m, "usec");
		char per[32] = "?";
		if (calls && usec && calls->kind == OM_INT && usec->kind == OM_INT && calls->as.i > 0)
			snprintf(per, sizeof per, "%.2f", (double)usec->as.i / (double)calls->as.i);
		char **row = cells + 4 * (i + 1);
		row[0] = name->kind == OM_STR ? xstrdup(name->as.str) : render_human(name, false);
		row[1] = number_cell(m, "calls");
		row[2] = number_cell(m, "usec");
		row[3] = xstrdup(per);
	}
	render_table(stdout, cells, rows, 4, 0xe);
	for (size_t i = 0; i < 4 * rows; i++)
		free(cells[i]);
	free(cells);
}

/* info [SECTION]: server.info, or one section of it (the server checks the name). */
static int cmd_info(cli *c, char *const *argv, size_t argc)
{
	om_value info, section = argc > 1 ? om_str(argv[1]) : om_nil();
	int rc = cli_call(c, "server.info", &section, argc > 1, &info);
	if (rc != CLI_OK)
		return rc;
	if (c->mode == OUT_HUMAN && info.kind == OM_MAP && argc > 1) {
		if (strcmp(argv[1], "methods") == 0)
			methods_table(&info);
		else
			facts(c, &info);
	} else if (c->mode == OUT_HUMAN && info.kind == OM_MAP) {
		/* The facts, then the per-method table instead of one long map line. */
		om_value methods = take_key(&info, "methods");
		facts(c, &info);
		if (methods.kind == OM_MAP) {
			putchar('\n');
			methods_table(&methods);
		}
		om_value_free(&methods);
	} else {
		render_result(c, &info);
	}
	om_value_free(&info);
	return CLI_OK;
}

static int cmd_ping(cli *c, char *const *argv, size_t argc)
{
	(void)argv;
	(void)argc;
	om_value pong;
	int rc = cli_call(c, "server.ping", NULL, 0, &pong);
	if (rc != CLI_OK)
		return rc;
	/* "pong", bare as redis-cli's PONG, except in --json (and a CSV field in --csv). */
	if (c->mode == OUT_JSON || c->mode == OUT_CSV)
		render_result(c, &pong);
	else
		render_raw(stdout, &pong);
	om_value_free(&pong);
	return CLI_OK;
}

/* A clients.list "holds" map as "name:count" words, "-" when empty. */
static char *holds_cell(const om_value *holds)
{
	if (!holds || holds->kind != OM_MAP || holds->len == 0)
		return xstrdup("-");
	size_t size = 1;
	char **words = xcalloc(holds->len, sizeof *words);
	for (uint32_t i = 0; i < holds->len; i++) {
		const om_value *name = &holds->as.items[2 * i];
		char *n = name->kind == OM_STR ? xstrdup(name->as.str) : render_human(name, false);
		char *count = render_human(&holds->as.items[2 * i + 1], false);
		size_t len = strlen(n) + strlen(count) + 2;
		words[i] = xmalloc(len);
		snprintf(words[i], len, "%s:%s", n, count);
		size += len;
		free(n);
		free(count);
	}
	char *cell = xmalloc(size);
	cell[0] = '\0';
	for (uint32_t i = 0; i < holds->len; i++) {
		if (i)
			strcat(cell, " ");
		strcat(cell, words[i]);
		free(words[i]);
	}
	free(words);
	return cell;
}

/* Seconds under key in map with one decimal ("?" when absent). */
static char *seconds_cell(const om_value *map, const char *key)
{
	const om_value *v = om_value_map_get(map, key);
	if (!v || (v->kind != OM_FLOAT64 && v->kind != OM_FLOAT32))
		return number_cell(map, key);
	char buf[64];
	snprintf(buf, sizeof buf, "%.1f", v->as.f);
	return xstrdup(buf);
}

/* clients.list as a table, one row per connection; --json and --raw print the list itself. */
static int cmd_clients(cli *c, char *const *argv, size_t argc)
{
	static const char *const head[] = {"ID", "NAME", "ADDRESS", "AGE", "IDLE", "REQS",
					   "PARKED", "HOLDS"};
	enum { COLS = sizeof head / sizeof head[0] };
	(void)argv;
	(void)argc;
	om_value list;
	int rc = cli_call(c, "clients.list", NULL, 0, &list);
	if (rc != CLI_OK)
		return rc;
	if (c->mode != OUT_HUMAN || list.kind != OM_ARRAY) {
		render_result(c, &list);
		om_value_free(&list);
		return CLI_OK;
	}
	size_t rows = (size_t)list.len + 1;
	char **cells = xcalloc(COLS * rows, sizeof *cells);
	for (size_t i = 0; i < COLS; i++)
		cells[i] = xstrdup(head[i]);
	for (uint32_t i = 0; i < list.len; i++) {
		const om_value *m = &list.as.items[i], *name = om_value_map_get(m, "name");
		const om_value *address = om_value_map_get(m, "address");
		char **row = cells + COLS * (i + 1);
		row[0] = number_cell(m, "id");
		row[1] = xstrdup(name && name->kind == OM_STR ? name->as.str : "-");
		row[2] = xstrdup(address && address->kind == OM_STR ? address->as.str : "?");
		row[3] = seconds_cell(m, "age");
		row[4] = seconds_cell(m, "idle");
		row[5] = number_cell(m, "requests");
		row[6] = number_cell(m, "parked");
		row[7] = holds_cell(om_value_map_get(m, "holds"));
	}
	render_table(stdout, cells, rows, COLS, 0x79); /* the numbers right-aligned */
	for (size_t i = 0; i < COLS * rows; i++)
		free(cells[i]);
	free(cells);
	om_value_free(&list);
	return CLI_OK;
}

const cli_command cli_commands[] = {
	{"ls", "[GLOB] [--all] [-n N]", "the objects whose names match GLOB (default *): name, type, size; the first N (default 100) rows, or --all",
	 0, 4, true, inspect_ls, NULL},
	{"show", "NAME [--all] [-n N]", "a whole object: a dict as key/value rows, a list or queue numbered, a counter's value; the state of the others; the first N (default 100) rows, or --all",
	 1, 4, true, inspect_show, NULL},
	{"type", "NAME", "the type of an object, or none", 1, 1, true, cmd_type, NULL},
	{"del", "NAME...", "delete objects; prints how many existed", 1, MANY, true, cmd_del, NULL},
	{"export", "[PATTERN...]", "every object (or those matching a PATTERN, as ls) as one JSON document on stdout",
	 0, MANY, true, export_run, NULL},
	{"import", "[--replace] FILE", "make the objects of an export document again (FILE - is stdin); --replace deletes same-named ones first",
	 1, 2, false, import_run, NULL},
	{"info", "[SECTION]", "server facts: version, uptime, connections, memory, ...; or one SECTION of them: server, clients, memory, persistence, config, polling, methods",
	 0, 1, false, cmd_info, NULL},
	{"ping", "", "check that the server answers", 0, 0, false, cmd_ping, NULL},
	{"clients", "", "the connections: id, name, address, age, idle, requests, parked calls, what each holds",
	 0, 0, false, cmd_clients, NULL},
	{"watch", "[PATTERN...]", "print each change to the objects matching a PATTERN (default *) as it happens, until stopped",
	 0, MANY, true, watch_run, watch_manual},
	{"monitor", "", "print every call the server runs, as it runs it, until stopped",
	 0, 1, false, monitor_run, monitor_manual},
	{"batch", "[--atomic] [FILE]", "run the method calls of FILE (default stdin), one a line, as one server.batch; --atomic: all or nothing",
	 0, 3, false, batchcmd_run, batch_manual},
	{"with-lock", "NAME [-w SEC] -- CMD...", "run CMD holding the lock NAME: acquire (waiting at most SEC), run, release; CMD's exit status",
	 2, MANY, true, with_lock_run, with_lock_manual},
	{"with-semaphore", "NAME [-w SEC] -- CMD...", "run CMD holding a permit of the semaphore NAME, as with-lock",
	 2, MANY, true, with_semaphore_run, with_lock_manual},
	{"help", "[TOPIC|@GROUP]", "every command; a command, method or type (TOPIC) in detail; or a group of methods: @TYPE, @read, @write, @blocking, @admin",
	 0, 1, false, help_run, NULL},
};

const size_t cli_ncommands = sizeof cli_commands / sizeof cli_commands[0];

const cli_command *commands_find(const char *name)
{
	for (size_t i = 0; i < cli_ncommands; i++)
		if (strcmp(cli_commands[i].name, name) == 0)
			return &cli_commands[i];
	return NULL;
}

int commands_params(cli *c, const type_def *t, const op_def *op, char *const *argv, size_t argc,
		    const char *about, om_value **params, size_t *n)
{
	char err[512], usage[256];
	if (args_params(t, op, argv, argc, c->last_arg, params, n, err, sizeof err) == OM_OK)
		return CLI_OK;
	cli_fail(c, OM_BAD_PARAMS, "%s%s", about, err);
	if (op) {
		help_usage(t, op, usage, sizeof usage);
		fprintf(stderr, "usage: %s\n", usage);
	}
	return CLI_USAGE;
}

static int run_method(cli *c, const type_def *t, const op_def *op, char *const *argv, size_t argc)
{
	om_value *params, result;
	size_t n;
	int rc = commands_params(c, t, op, argv, argc, "", &params, &n);
	if (rc != CLI_OK)
		return rc;
	rc = cli_call(c, argv[0], params, n, &result);
	args_free(params, n);
	if (rc != CLI_OK)
		return rc;
	render_result(c, &result);
	om_value_free(&result);
	return CLI_OK;
}

int commands_method(cli *c, const char *method, const char *about, const type_def **t,
		    const op_def **op)
{
	*t = NULL;
	*op = NULL;
	const char *dot = strchr(method, '.');
	if (!dot)
		return cli_usage(c, OM_NO_SUCH_METHOD, "%sno command '%s' (try 'help')", about, method);
	/*
	 * A type this program does not know is passed through for the server
	 * to judge: a newer server may have it.
	 */
	*t = type_find(method, (size_t)(dot - method));
	if (!*t)
		return CLI_OK;
	*op = type_find_op(*t, dot + 1, strlen(dot + 1));
	if (!*op)
		return cli_usage(c, OM_NO_SUCH_METHOD, "%s%s has no operation '%s' (try 'help %s')",
				about, (*t)->name, dot + 1, (*t)->name);
	return CLI_OK;
}

int commands_run(cli *c, char *const *argv, size_t argc)
{
	c->last_false = false; /* a command that prints no result is not false for -e */
	const cli_command *cmd = commands_find(argv[0]);
	/* Not past a --: with-lock's command may take a --help of its own. */
	for (size_t i = 1; cmd && cmd->manual && i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			fputs(cmd->manual, stdout);
			return CLI_OK;
		}
	}
	if (cmd) {
		size_t n = argc - 1;
		if (n < cmd->min_args || (cmd->max_args != MANY && n > cmd->max_args))
			return cli_usage(c, OM_BAD_PARAMS, "usage: %s%s%s", cmd->name,
					cmd->usage[0] ? " " : "", cmd->usage);
		/* A --json after the command (render_option) is for it alone, not the REPL's next. */
		out_mode mode = c->mode;
		bool color = c->color;
		int rc = cmd->run(c, argv, argc);
		c->mode = mode;
		c->color = color;
		return rc;
	}
	const type_def *t;
	const op_def *op;
	int rc = commands_method(c, argv[0], "", &t, &op);
	return rc != CLI_OK ? rc : run_method(c, t, op, argv, argc);
}
