/*
 * complete.c — Tab completion in the REPL. Command names come from the
 * friendly command table and the op tables; object names are asked of the
 * server (objects.list) at each Tab, so they are never stale. After a data
 * type's method only objects of that type are offered.
 */
#include <string.h>

#include <editline/readline.h>

#include "cli.h"
#include "mem.h"

/* libedit's hooks take no user pointer: the session and the current candidates live here. */
static cli *session;
static words candidates;

static void add(const char *s)
{
	if (candidates.n == candidates.cap) {
		candidates.cap = candidates.cap ? 2 * candidates.cap : 64;
		candidates.v = xrealloc(candidates.v, candidates.cap * sizeof *candidates.v);
	}
	candidates.v[candidates.n++] = xstrdup(s);
}

/* add() of an "@group" without its "@", for libedit versions that leave it out of the word. */
static void add_bare(const char *name)
{
	add(name + 1);
}

static void add_commands(bool with_types)
{
	char method[128];
	for (size_t i = 0; i < cli_ncommands; i++)
		add(cli_commands[i].name);
	for (const type_def *const *t = type_table; *t; t++) {
		if (with_types)
			add((*t)->name);
		for (size_t i = 0; i < (*t)->nops; i++) {
			snprintf(method, sizeof method, "%s.%s", (*t)->name, (*t)->ops[i].name);
			add(method);
		}
	}
}

/*
 * The names of the server's objects (of type only, unless NULL), each after
 * prefix. Quietly nothing when there is no connection: completion must not
 * print.
 */
static void add_objects(const char *type, const char *prefix)
{
	char buf[1100];
	om_value objs;
	if (!session->client || !om_connected(session->client) ||
	    om_call(session->client, "objects.list", NULL, 0, &objs) != OM_OK)
		return;
	for (uint32_t i = 0; objs.kind == OM_MAP && i < objs.len; i++) {
		const om_value *name = &objs.as.items[2 * i], *t = &objs.as.items[2 * i + 1];
		if (name->kind != OM_STR || t->kind != OM_STR)
			continue;
		if (type && strcmp(type, t->as.str) != 0)
			continue;
		snprintf(buf, sizeof buf, "%s%s", prefix, name->as.str);
		add(buf);
	}
	om_value_free(&objs);
}

/*
 * Fills the candidates for the word after the words before it. A reference
 * (@name) completes to object names; libedit versions differ in whether
 * the @ is part of the word handed to us (at) or just before it (after_at).
 */
static void collect(const words *before, bool after_at, bool at)
{
	/* help @GROUP: the @ is the word's, or libedit broke the word after it. */
	bool help = before->n > 0 && strcmp(before->v[0], "help") == 0;
	if (help && at && before->n == 1) {
		help_group_names(add);
		return;
	}
	if (help && after_at && before->n == 2 && strcmp(before->v[1], "@") == 0) {
		help_group_names(add_bare);
		return;
	}
	if (after_at || at) {
		add_objects(NULL, at ? "@" : "");
		return;
	}
	size_t pos = before->n;
	if (pos == 0) {
		add_commands(false);
		return;
	}
	const char *cmd = before->v[0];
	const cli_command *friendly = commands_find(cmd);
	if (friendly && strcmp(friendly->name, "help") == 0) {
		if (pos == 1)
			add_commands(true);
		return;
	}
	if (friendly) {
		if (friendly->takes_names)
			add_objects(NULL, "");
		return;
	}
	const char *dot = strchr(cmd, '.');
	const type_def *t = dot ? type_find(cmd, (size_t)(dot - cmd)) : NULL;
	const op_def *op = t ? type_find_op(t, dot + 1, strlen(dot + 1)) : NULL;
	if (!op)
		return;
	if (!t->admin && pos == 1)
		add_objects(t->name, "");
	else if (t->admin && pos - 1 < op->nargs && op->args[pos - 1].kind == ARG_NAME)
		add_objects(NULL, "");
}

static char *generate(const char *text, int state)
{
	static size_t next;
	size_t len = strlen(text);
	if (state == 0)
		next = 0;
	while (next < candidates.n) {
		const char *s = candidates.v[next++];
		if (strncmp(s, text, len) == 0)
			return xstrdup(s); /* libedit frees it */
	}
	return NULL;
}

static char **attempt(const char *text, int start, int end)
{
	(void)end;
	rl_attempted_completion_over = 1; /* never fall back to file names */
	words_free(&candidates);

	char *prefix = xmemdup0(rl_line_buffer, (size_t)start);
	bool after_at = start > 0 && prefix[start - 1] == '@';
	words before = {0};
	char err[64];
	if (words_split(prefix, &before, err, sizeof err) == WORDS_OK)
		collect(&before, after_at, text[0] == '@');
	words_free(&before);
	free(prefix);
	return candidates.n ? rl_completion_matches(text, generate) : NULL;
}

void complete_install(cli *c)
{
	static char breaks[] = " \t\n@";
	session = c;
	rl_attempted_completion_function = attempt;
	/* libedit reads the first, GNU readline the second. */
	rl_basic_word_break_characters = breaks;
	rl_completer_word_break_characters = breaks;
}

void complete_remove(void)
{
	rl_attempted_completion_function = NULL;
	words_free(&candidates);
	session = NULL;
}
