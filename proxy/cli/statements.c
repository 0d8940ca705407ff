/*
 * statements.c — commands read from a file, one per line, or per
 * statement when a [ or { stays open across lines, split into words as the
 * REPL splits a typed line. Shared by piped commands (batch.c) and
 * `objmgr batch` (batchcmd.c), so both read files the same way.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mem.h"

/* stmt (may be NULL) with a space and line appended; frees stmt. */
static char *append(char *stmt, const char *line)
{
	if (!stmt)
		return xstrdup(line);
	size_t a = strlen(stmt), b = strlen(line);
	stmt = xrealloc(stmt, a + b + 2);
	stmt[a] = ' ';
	memcpy(stmt + a + 1, line, b + 1);
	return stmt;
}

static bool is_blank(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return *s == '\0';
}

int stmt_next(stmt_reader *r, words *w, char *err, size_t errsize)
{
	char *stmt = NULL;
	ssize_t len;
	while ((len = getline(&r->line, &r->cap, r->f)) >= 0) {
		r->lineno++;
		while (len > 0 && (r->line[len - 1] == '\n' || r->line[len - 1] == '\r'))
			r->line[--len] = '\0';
		if (stmt && is_blank(r->line)) {
			/* As in the REPL: an empty line ends an open statement, so a
			 * missing ] or } does not swallow the commands after it. */
			free(stmt);
			snprintf(err, errsize, "an empty line ended the statement inside an open [ or {");
			return STMT_BAD;
		}
		stmt = append(stmt, r->line);
		int split = words_split(stmt, w, err, errsize);
		if (split == WORDS_INCOMPLETE)
			continue;
		free(stmt);
		stmt = NULL;
		if (split == WORDS_BAD)
			return STMT_BAD;
		if (w->n == 1 && (strcmp(w->v[0], "quit") == 0 || strcmp(w->v[0], "exit") == 0))
			return STMT_END;
		if (w->n > 0)
			return STMT_OK;
	}
	if (!stmt)
		return STMT_END;
	free(stmt);
	snprintf(err, errsize, "the input ends inside an open [ or {");
	return STMT_BAD;
}

void stmt_reader_free(stmt_reader *r)
{
	free(r->line);
	r->line = NULL;
	r->cap = 0;
}
