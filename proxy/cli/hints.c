/*
 * hints.c — the REPL's hint, as redis-cli shows one: after `dict.set `
 * the parameters still to type appear in grey after the cursor (`NAME key
 * value`), shrinking as arguments are typed.
 *
 * libedit has no hint hook, and its readline emulation keeps its EditLine
 * to itself, so the hint is drawn from the key reader (repl.c's
 * rl_getc_function): when libedit asks for the next key it has just
 * redrawn the line and left the cursor where it belongs, so the hint is
 * written there and the cursor moved back over it; the next key erases it
 * (to the end of the terminal line) before libedit sees that key. That is
 * only right while the cursor is at the end of the line, which libedit does
 * not tell either (rl_point is stale, and rl_copy_text() is a byte short
 * and reads past its buffer on an empty line): this file keeps its own
 * copy of the line, grown and shrunk by the keys that type and backspace
 * at the end. Any other key (an arrow, Tab, Ctrl-W...) stops the hints
 * until the next line rather than risk drawing over the text.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include <editline/readline.h>

#include "cli.h"
#include "mem.h"

#define LINE_MAX_HINTED 4096

static struct {
	char line[LINE_MAX_HINTED]; /* the line as typed, while known */
	bool known;                 /* line is libedit's and the cursor is at its end */
	int prompt_width;
	int drawn;                  /* columns of hint on the screen after the cursor */
} h;

bool hints_wanted(void)
{
	const char *term = getenv("TERM");
	return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && !(term && strcmp(term, "dumb") == 0);
}

/* Columns s takes on the terminal (bytes, when it does not decode). */
static int text_width(const char *s)
{
	wchar_t wide[LINE_MAX_HINTED];
	size_t n = mbstowcs(wide, s, LINE_MAX_HINTED - 1);
	if (n == (size_t)-1)
		return (int)strlen(s);
	wide[n] = L'\0';
	int w = wcswidth(wide, n);
	return w < 0 ? (int)n : w;
}

void hints_reset(const char *prompt)
{
	h.line[0] = '\0';
	h.known = prompt != NULL;
	h.prompt_width = prompt ? text_width(prompt) : 0;
	h.drawn = 0;
}

/* The usage words of the command line's first word: "NAME key value [default]". */
static bool usage_of(const char *cmd, char *buf, size_t size)
{
	const cli_command *friendly = commands_find(cmd);
	if (friendly) {
		snprintf(buf, size, "%s", friendly->usage);
		return true;
	}
	const char *dot = strchr(cmd, '.');
	const type_def *t = dot ? type_find(cmd, (size_t)(dot - cmd)) : NULL;
	const op_def *op = t ? type_find_op(t, dot + 1, strlen(dot + 1)) : NULL;
	if (!op)
		return false;
	char params[200];
	op_usage(op, params, sizeof params);
	snprintf(buf, size, "%s%s%s", t->admin ? "" : "NAME", !t->admin && params[0] ? " " : "",
		 params);
	return true;
}

/*
 * Into buf the hint for line: the usage words after those typed, with a
 * space first while the last word is still being typed; "" for none.
 */
static void hint_for(const char *line, char *buf, size_t size)
{
	buf[0] = '\0';
	words w = {0};
	char err[64], usage[256];
	if (words_split(line, &w, err, sizeof err) != WORDS_OK || w.n == 0 ||
	    !usage_of(w.v[0], usage, sizeof usage)) {
		words_free(&w);
		return;
	}
	size_t len = strlen(line);
	bool typing = len > 0 && line[len - 1] != ' ' && line[len - 1] != '\t';
	size_t skip = w.n - 1;
	words_free(&w);
	/* Skips `skip` words of usage; a bracketed group is one word. */
	const char *p = usage;
	for (size_t i = 0; i < skip && *p; i++) {
		int depth = 0;
		while (*p && (depth > 0 || *p != ' ')) {
			depth += (*p == '[') - (*p == ']');
			p++;
		}
		while (*p == ' ')
			p++;
	}
	if (*p)
		snprintf(buf, size, "%s%s", typing ? " " : "", p);
}

void hints_draw(void)
{
	if (!h.known)
		return;
	char hint[300];
	hint_for(h.line, hint, sizeof hint);
	if (!hint[0])
		return;
	/* Only what fits before the terminal's edge: a wrapped hint could not be erased. */
	struct winsize ws;
	int cols = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col ? ws.ws_col : 80;
	int col = (h.prompt_width + text_width(h.line)) % cols;
	int room = cols - col - 1;
	int n = (int)strlen(hint) < room ? (int)strlen(hint) : room;
	if (n <= 0)
		return;
	printf("\033[90m%.*s\033[0m\033[%dD", n, hint, n);
	fflush(stdout);
	h.drawn = n;
}

void hints_key(int key)
{
	if (h.drawn) {
		fputs("\033[K", stdout);
		fflush(stdout);
		h.drawn = 0;
	}
	if (!h.known)
		return;
	size_t len = strlen(h.line);
	if (key == 0x7f || key == 0x08) {
		/* Backspace at the end: the last character goes. */
		while (len > 0 && ((unsigned char)h.line[len - 1] & 0xc0) == 0x80)
			len--;
		if (len > 0)
			len--;
		h.line[len] = '\0';
		return;
	}
	if (key == 0x05) /* Ctrl-E: to the end, where the cursor is already */
		return;
	char bytes[MB_LEN_MAX];
	mbstate_t state = {0};
	size_t n = key >= 0x20 && key != 0x7f ? wcrtomb(bytes, (wchar_t)key, &state) : (size_t)-1;
	if (n == (size_t)-1 || len + n >= sizeof h.line) {
		h.known = false;
		return;
	}
	memcpy(h.line + len, bytes, n);
	h.line[len + n] = '\0';
}
