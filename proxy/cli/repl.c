/*
 * repl.c — the interactive REPL: libedit line editing, persistent history,
 * a prompt that shows the server's address (and when the connection is
 * down), and statements that go on over several lines while a [ or { is
 * open (until an empty line). Ctrl-C drops the line being typed, as in a
 * shell. A lost connection is reported by the command that found it and
 * made again by the next command; the REPL never leaves because of it.
 */
#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include <editline/readline.h>

#include "cli.h"
#include "mem.h"

#define HISTORY_MAX 1000
/* While a [ or { is open: the statement waits for more. */
#define CONTINUATION_PROMPT "...> "

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

/* Set by SIGINT while a line is read: Ctrl-C, to be answered with a fresh prompt. */
static volatile sig_atomic_t sigint_seen;

static void on_sigint(int sig)
{
	(void)sig;
	sigint_seen = 1;
}

/*
 * One byte from the terminal, or EOF at the end of input and once Ctrl-C
 * has been pressed. SIGINT stays blocked except inside ppoll(), so a Ctrl-C
 * that arrives just before the wait still ends it.
 */
static int read_byte(int fd)
{
	sigset_t unblocked;
	sigprocmask(SIG_SETMASK, NULL, &unblocked);
	sigdelset(&unblocked, SIGINT);
	for (;;) {
		if (sigint_seen)
			return EOF;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int rc = ppoll(&p, 1, NULL, &unblocked);
		if (rc < 0 && errno == EINTR)
			continue;
		unsigned char ch;
		ssize_t n = rc > 0 ? read(fd, &ch, 1) : -1;
		if (n == 1)
			return ch;
		if (n < 0 && errno == EINTR)
			continue;
		return EOF;
	}
}

/* Whether the hints of hints.c are drawn: on a terminal that shows colours. */
static bool hints_on;

/*
 * libedit's source of keys (rl_getc_function): one character of the
 * locale's encoding, decoded as libedit's own reader does (a byte that
 * starts no character is dropped), or EOF, which makes readline() return:
 * at the end of input, and once Ctrl-C has been pressed.
 */
static int read_key(FILE *f)
{
	mbstate_t state = {0};
	if (hints_on)
		hints_draw();
	for (;;) {
		int b = read_byte(fileno(f));
		if (b == EOF) {
			if (hints_on)
				hints_key(EOF);
			return EOF;
		}
		char byte = (char)b;
		wchar_t wc;
		size_t n = mbrtowc(&wc, &byte, 1, &state);
		if (n == (size_t)-2)
			continue; /* more bytes of this character to come */
		if (n == (size_t)-1) {
			state = (mbstate_t){0};
			continue;
		}
		if (hints_on)
			hints_key((int)wc);
		return (int)wc;
	}
}

/*
 * One line from the terminal, after the prompt (the continuation prompt
 * while a statement is open). Ctrl-C sets *interrupted; NULL at the end of
 * input. While the line is read, SIGINT only marks Ctrl-C; while a command
 * runs it keeps its default and ends the REPL (never the server, which is
 * not in the REPL's process group when scripts/start runs it).
 */
static char *read_line(cli *c, bool more, bool *interrupted)
{
	struct sigaction sa = {.sa_handler = on_sigint}, old;
	sigset_t block, saved;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &saved);
	sigint_seen = 0;

	char *p = more ? xstrdup(CONTINUATION_PROMPT) : prompt_text(c);
	hints_reset(more ? NULL : p); /* a continuation line starts no command */
	char *line = readline(p);
	free(p);

	sigprocmask(SIG_SETMASK, &saved, NULL); /* a Ctrl-C still pending counts too */
	*interrupted = sigint_seen;
	sigaction(SIGINT, &old, NULL);
	return line;
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
	char *stmt = NULL; /* the statement so far, while a [ or { is open */

	setlocale(LC_CTYPE, ""); /* keys and the line are in the terminal's encoding */
	rl_readline_name = "objmgr";
	rl_getc_function = read_key;
	hints_on = hints_wanted() && c->color_err;
	complete_install(c);
	stifle_history(HISTORY_MAX);
	if (hist)
		read_history(hist);
	cli_connect(c); /* on failure: reported, and the prompt says "not connected" */

	for (;;) {
		bool interrupted;
		char *line = read_line(c, stmt != NULL, &interrupted);
		if (interrupted || (!line && stmt)) {
			/* Ctrl-C drops what was typed; Ctrl-D on a continuation line drops the statement. */
			fputs(interrupted ? "^C\n" : "\n", stdout);
			free(line);
			free(stmt);
			stmt = NULL;
			continue;
		}
		if (!line) {
			putchar('\n'); /* Ctrl-D left the cursor after the prompt */
			break;
		}
		if (stmt && is_blank(line)) {
			/* An empty line ends an open statement: no typo swallows the commands after it. */
			remember(stmt, hist);
			cli_fail(c, OM_BAD_PARAMS, "an empty line ended the statement inside an open [ or {");
			free(line);
			free(stmt);
			stmt = NULL;
			continue;
		}
		if (stmt) {
			stmt = join(stmt, line);
			free(line);
		} else {
			stmt = line;
		}
		int split = words_split(stmt, &w, err, sizeof err);
		if (split == WORDS_INCOMPLETE)
			continue;
		if (!is_blank(stmt))
			remember(stmt, hist);
		free(stmt);
		stmt = NULL;
		if (split == WORDS_BAD)
			cli_fail(c, OM_BAD_PARAMS, "%s", err);
		else if (w.n == 1 && (strcmp(w.v[0], "quit") == 0 || strcmp(w.v[0], "exit") == 0))
			break;
		else if (w.n > 0)
			commands_run(c, w.v, w.n);
	}
	free(stmt);
	words_free(&w);
	complete_remove();
	clear_history();
	free(hist);
	return CLI_OK;
}
