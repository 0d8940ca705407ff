/*
 * help.c — `help`, `help TYPE`, `help COMMAND`, `help @GROUP`: every line comes from the
 * op tables in types/ (names, params, one-line help, flags) and from the
 * friendly command table, so help cannot drift from what the server does.
 */
#include <string.h>

#include "cli.h"

/* How each arg_kind reads in help; a kind missing here reads as "a value". */
static const char *const kind_text[] = {
	[ARG_ANY] = "any value",
	[ARG_INT] = "an integer",
	[ARG_NUMBER] = "a number",
	[ARG_BOOL] = "true or false",
	[ARG_STR] = "a string",
	[ARG_ARRAY] = "an array",
	[ARG_MAP] = "a map",
	[ARG_INT_OR_NIL] = "an integer, or null for an open end",
	[ARG_TIMEOUT] = "seconds, or null to wait forever",
	[ARG_MAP_OR_NIL] = "a map, or null for none",
	[ARG_STR_OR_NIL] = "a string, or null for none",
	[ARG_NAME] = "an object's name",
};

static const char *kind_name(uint8_t kind)
{
	if (kind < sizeof kind_text / sizeof kind_text[0] && kind_text[kind])
		return kind_text[kind];
	return "a value";
}

void help_usage(const type_def *t, const op_def *op, char *buf, size_t size)
{
	char params[128]; /* four short parameter names: far less; and it keeps the line below 256 */
	op_usage(op, params, sizeof params);
	snprintf(buf, size, "%s.%s%s%s%s", t->name, op->name, t->admin ? "" : " NAME",
		 params[0] ? " " : "", params);
}

static void command_usage(const cli_command *cmd, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s", cmd->name, cmd->usage[0] ? " " : "", cmd->usage);
}

/* The widest usage line, so that every group's help column lines up. */
static int usage_width(void)
{
	char buf[256];
	size_t w = 0;
	for (size_t i = 0; i < cli_ncommands; i++) {
		command_usage(&cli_commands[i], buf, sizeof buf);
		w = strlen(buf) > w ? strlen(buf) : w;
	}
	for (const type_def *const *t = type_table; *t; t++)
		for (size_t i = 0; i < (*t)->nops; i++) {
			help_usage(*t, &(*t)->ops[i], buf, sizeof buf);
			w = strlen(buf) > w ? strlen(buf) : w;
		}
	return (int)w;
}

static void type_group(cli *c, const type_def *t, int width)
{
	printf("%s%s%s: %s\n", c->color ? "\033[1m" : "", t->name, c->color ? "\033[0m" : "",
	       t->help);
	for (size_t i = 0; i < t->nops; i++) {
		char usage[256];
		help_usage(t, &t->ops[i], usage, sizeof usage);
		printf("  %-*s  %s\n", width, usage, t->ops[i].help);
	}
}

/* The groups of methods besides the types, in the order help lists them. */
static const struct group {
	const char *name;
	const char *help;
} groups[] = {
	{"read", "the data types' methods that only read"},
	{"write", "the data types' methods that change their object (creating it when missing)"},
	{"blocking", "the methods that may wait before they answer"},
	{"admin", "the methods of the server itself: objects.*, server.*, clients.*, client.*"},
};
enum { NGROUPS = sizeof groups / sizeof groups[0] };

/* Whether op of t is in groups[g]. */
static bool in_group(size_t g, const type_def *t, const op_def *op)
{
	switch (g) {
	case 0:
		return !t->admin && !(op->flags & OP_WRITE);
	case 1:
		return !t->admin && (op->flags & OP_WRITE);
	case 2:
		return op->flags & OP_BLOCKING;
	default:
		return t->admin;
	}
}

/* help @GROUP: a type's methods, or those of a group above, as help lists them. */
static int help_group(cli *c, const char *name)
{
	int width = usage_width();
	for (size_t g = 0; g < NGROUPS; g++) {
		if (strcmp(name, groups[g].name) != 0)
			continue;
		printf("%s@%s%s: %s\n", c->color ? "\033[1m" : "", name, c->color ? "\033[0m" : "",
		       groups[g].help);
		for (const type_def *const *t = type_table; *t; t++)
			for (size_t i = 0; i < (*t)->nops; i++) {
				char usage[256];
				if (!in_group(g, *t, &(*t)->ops[i]))
					continue;
				help_usage(*t, &(*t)->ops[i], usage, sizeof usage);
				printf("  %-*s  %s\n", width, usage, (*t)->ops[i].help);
			}
		return CLI_OK;
	}
	const type_def *t = type_find(name, strlen(name));
	if (t) {
		type_group(c, t, width);
		return CLI_OK;
	}
	char list[512] = "";
	for (const type_def *const *tt = type_table; *tt; tt++)
		snprintf(list + strlen(list), sizeof list - strlen(list), "@%s, ", (*tt)->name);
	for (size_t g = 0; g < NGROUPS; g++)
		snprintf(list + strlen(list), sizeof list - strlen(list), "@%s%s", groups[g].name,
			 g + 1 < NGROUPS ? ", " : "");
	return cli_usage(c, OM_NO_SUCH_METHOD, "no group '@%s'; the groups: %s", name, list);
}

void help_group_names(void (*add)(const char *name))
{
	char buf[64];
	for (const type_def *const *t = type_table; *t; t++) {
		snprintf(buf, sizeof buf, "@%s", (*t)->name);
		add(buf);
	}
	for (size_t g = 0; g < NGROUPS; g++) {
		snprintf(buf, sizeof buf, "@%s", groups[g].name);
		add(buf);
	}
}

static int help_all(cli *c)
{
	int width = usage_width();
	char usage[256];
	printf("%sCommands%s (type them in the REPL, or run: objmgr COMMAND ARGS...)\n",
	       c->color ? "\033[1m" : "", c->color ? "\033[0m" : "");
	for (size_t i = 0; i < cli_ncommands; i++) {
		command_usage(&cli_commands[i], usage, sizeof usage);
		printf("  %-*s  %s\n", width, usage, cli_commands[i].help);
	}
	for (const type_def *const *t = type_table; *t; t++) {
		putchar('\n');
		type_group(c, *t, width);
	}
	printf("\nArguments: a JSON literal (3, 2.5, true, null, \"text\", [1,2], {\"a\":1}),\n"
	       "@name for a reference to a shared object, anything else a bare string.\n"
	       "NAME is an object's name. In the REPL, quit, exit or Ctrl-D leaves.\n"
	       "Groups of methods: help @TYPE (@dict, @queue, ...), help @read, @write,\n"
	       "@blocking (may wait) and @admin (objects, server, clients, client).\n");
	return CLI_OK;
}

static int help_op(const type_def *t, const op_def *op)
{
	char usage[256];
	help_usage(t, op, usage, sizeof usage);
	printf("usage: %s\n  %s\n", usage, op->help);
	if (!t->admin)
		printf("  %-8s  the %s's name\n", "NAME", t->name);
	for (size_t i = 0; i < op->nargs; i++)
		printf("  %-8s  %s%s\n", op->args[i].name, kind_name(op->args[i].kind),
		       op->args[i].optional ? " (optional)" : "");
	if (t->admin)
		printf("  %s\n", op->flags & OP_WRITE ? "changes the server's state" : "reads only");
	else if (op->flags & OP_WRITE)
		printf("  writes: creates the %s when it is missing\n", t->name);
	else
		printf("  reads only: a missing %s reads as an empty one\n", t->name);
	if (op->flags & OP_BLOCKING)
		printf("  may wait before it answers\n");
	if (op->flags & OP_GROWS)
		printf("  refused while the server is over its --max-memory\n");
	return CLI_OK;
}

int help_run(cli *c, char *const *argv, size_t argc)
{
	if (argc < 2)
		return help_all(c);
	const char *topic = argv[1];
	if (topic[0] == '@')
		return help_group(c, topic + 1);
	const cli_command *cmd = commands_find(topic);
	if (cmd && cmd->manual) {
		fputs(cmd->manual, stdout);
		return CLI_OK;
	}
	if (cmd) {
		char usage[256];
		command_usage(cmd, usage, sizeof usage);
		printf("usage: %s\n  %s\n", usage, cmd->help);
		return CLI_OK;
	}
	const char *dot = strchr(topic, '.');
	const type_def *t = type_find(topic, dot ? (size_t)(dot - topic) : strlen(topic));
	if (t && !dot) {
		type_group(c, t, usage_width());
		return CLI_OK;
	}
	const op_def *op = t ? type_find_op(t, dot + 1, strlen(dot + 1)) : NULL;
	if (op)
		return help_op(t, op);
	return cli_usage(c, OM_NO_SUCH_METHOD, "no command or type '%s' (try 'help')", topic);
}
