/*
 * repl.c — the interactive REPL: libedit line editing, persistent history,
 * a prompt that shows the server's address (and when the connection is
 * down), and statements that go on over several lines while a [ or { is
 * open. A lost connection is reported by the command that found it and
 * made again by the next command; the REPL never leaves because of it.
 */
#include <ctype.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <editline/readline.h>

#include "cli.h"
#include "mem.h"

#define HISTORY_MAX 1000

/* $OBJMGR_HISTFILE (set but empty: no history), else ~/.objmgr_history. malloc'd, or NULL. */
static char *history_path(void)
{
	const char *env = getenv("OBJMGR_HISTFILE");
	if (env)
		return *env ? xstrdup(env) : NULL;
	const char *home = getenv("HOME");
	if (!home || !*home) {
		struct passwd *pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : NULL;
	}
	if (!home)
		return NULL;
	size_t n = strlen(home) + sizeof "/.objmgr_history";
	char *p = xmalloc(n);
	snprintf(p, n, "%s/.objmgr_history", home);
	return p;
}

static char *prompt_text(cli *c)
{
	const char *address = om_address(c->client);
	const char *state = om_connected(c->client) ? "" : " (not connected)";
	size_t n = strlen(address) + strlen(state) + sizeof "> ";
	char *p = xmalloc(n);
	snprintf(p, n, "%s%s> ", address, state);
	return p;
}

/* a, a space and b, in a new string; frees a. */
static char *join(char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *s = xmalloc(na + nb + 2);
	memcpy(s, a, na);
	s[na] = ' ';
	memcpy(s + na + 1, b, nb + 1);
	free(a);
	return s;
}

/*
 * Reads one statement into w: a line, then more lines (with a "... "
 * prompt) while a [ or { is open. Ctrl-D on a continuation line drops the
 * statement. Returns the statement's text (for the history), NULL at the
 * end of input; *split is a words_split() result, with err set for WORDS_BAD.
 */
static char *read_statement(cli *c, words *w, int *split, char *err, size_t errsize)
{
	char *p = prompt_text(c);
	char *stmt = readline(p);
	free(p);
	while (stmt && (*split = words_split(stmt, w, err, errsize)) == WORDS_INCOMPLETE) {
		char *more = readline("... ");
		if (!more) {
			putchar('\n');
			words_free(w);
			*split = WORDS_OK;
			break;
		}
		stmt = join(stmt, more);
		free(more);
	}
	return stmt;
}

static bool is_blank(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return *s == '\0';
}

/* Adds stmt to the history and saves the file at once, so a killed REPL loses nothing. */
static void remember(const char *stmt, const char *path)
{
	static bool warned;
	add_history(stmt);
	if (!path || write_history(path) == 0 || warned)
		return;
	warned = true;
	fprintf(stderr, "objmgr: cannot save the history in %s (set OBJMGR_HISTFILE to change it)\n",
		path);
}

int repl_run(cli *c)
{
	char *hist = history_path();
	char err[128];
	words w = {0};
	int split;

	rl_readline_name = "objmgr";
	complete_install(c);
	stifle_history(HISTORY_MAX);
	if (hist)
		read_history(hist);
	cli_connect(c); /* on failure: reported, and the prompt says "not connected" */

	for (;;) {
		char *stmt = read_statement(c, &w, &split, err, sizeof err);
		if (!stmt) {
			putchar('\n'); /* Ctrl-D left the cursor after the prompt */
			break;
		}
		if (!is_blank(stmt))
			remember(stmt, hist);
		free(stmt);
		if (split == WORDS_BAD)
			cli_fail(c, OM_BAD_PARAMS, "%s", err);
		else if (w.n == 1 && (strcmp(w.v[0], "quit") == 0 || strcmp(w.v[0], "exit") == 0))
			break;
		else if (w.n > 0)
			commands_run(c, w.v, w.n);
	}
	words_free(&w);
	complete_remove();
	clear_history();
	free(hist);
	return CLI_OK;
}
