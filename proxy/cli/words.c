/*
 * words.c — splits a line typed in the REPL (or piped) into the same words
 * the shell would hand objmgr in one-shot mode, except that double quotes
 * and brackets are kept so the word still reads as JSON: `dict.set d k
 * {"a": [1, 2]}` is four words. An open bracket at the end of the line
 * means the statement continues on the next one.
 */
#include <ctype.h>
#include <string.h>

#include "cli.h"
#include "mem.h"

void words_free(words *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
	*w = (words){0};
}

static void words_push(words *w, const char *s, size_t n)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 8;
		w->v = xrealloc(w->v, w->cap * sizeof *w->v);
	}
	w->v[w->n++] = xmemdup0(s, n);
}

/* The state of the word being read. */
typedef struct scan {
	char *buf;   /* the word so far: single quotes removed */
	size_t len;
	char quote;  /* '\'' or '"' while inside one, else 0 */
	bool escape; /* the previous character was a backslash inside "..." */
	int depth;   /* open [ and { outside quotes */
} scan;

/* Adds c to the word; returns true when it ends the word (unquoted blank at depth 0). */
static bool scan_char(scan *s, char c)
{
	if (s->quote == '\'') {
		if (c == '\'')
			s->quote = 0;
		else
			s->buf[s->len++] = c;
		return false;
	}
	if (s->quote == '"') {
		s->buf[s->len++] = c;
		if (s->escape)
			s->escape = false;
		else if (c == '\\')
			s->escape = true;
		else if (c == '"')
			s->quote = 0;
		return false;
	}
	if (isspace((unsigned char)c) && s->depth == 0)
		return true;
	if (c == '\'') {
		s->quote = c;
		return false;
	}
	if (c == '"')
		s->quote = c;
	else if (c == '[' || c == '{')
		s->depth++;
	else if ((c == ']' || c == '}') && s->depth > 0)
		s->depth--;
	s->buf[s->len++] = c;
	return false;
}

int words_split(const char *line, words *w, char *err, size_t errsize)
{
	words_free(w);
	const char *p = line;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '#')
		return WORDS_OK;

	scan s = {.buf = xmalloc(strlen(p) + 1)};
	int rc = WORDS_OK;
	while (*p) {
		if (isspace((unsigned char)*p)) {
			p++;
			continue;
		}
		s.len = 0;
		while (*p && !scan_char(&s, *p))
			p++;
		if (s.quote) {
			snprintf(err, errsize, "unterminated %s quote",
				 s.quote == '"' ? "double" : "single");
			rc = WORDS_BAD;
			break;
		}
		words_push(w, s.buf, s.len);
	}
	if (rc == WORDS_OK && s.depth > 0)
		rc = WORDS_INCOMPLETE;
	free(s.buf);
	return rc;
}
