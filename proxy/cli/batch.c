/*
 * batch.c — commands piped on stdin (`objmgr < commands.txt`): one per
 * line, or per statement when a [ or { stays open across lines (an empty
 * line ends such a statement with an error), no prompts. Every command
 * runs even after one fails; the exit status is 1 when any failed, and 2
 * at once when the server cannot be reached.
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

int batch_run(cli *c, FILE *f)
{
	char *line = NULL, *stmt = NULL, err[128];
	size_t cap = 0;
	ssize_t len;
	unsigned long lineno = 0;
	int status = CLI_OK;
	words w = {0};

	while (status != CLI_UNREACHABLE && (len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (stmt && is_blank(line)) {
			/* As in the REPL: an empty line ends an open statement, so a
			 * missing ] or } does not swallow the commands after it. */
			status = cli_fail(c, OM_BAD_PARAMS,
					  "line %lu: an empty line ended the statement inside an open [ or {",
					  lineno);
			free(stmt);
			stmt = NULL;
			continue;
		}
		stmt = append(stmt, line);
		int split = words_split(stmt, &w, err, sizeof err);
		if (split == WORDS_INCOMPLETE)
			continue;
		free(stmt);
		stmt = NULL;
		if (split == WORDS_BAD) {
			status = cli_fail(c, OM_BAD_PARAMS, "line %lu: %s", lineno, err);
			continue;
		}
		if (w.n == 1 && (strcmp(w.v[0], "quit") == 0 || strcmp(w.v[0], "exit") == 0))
			break;
		if (w.n == 0)
			continue;
		int rc = commands_run(c, w.v, w.n);
		if (rc != CLI_OK)
			status = rc;
	}
	if (stmt) {
		status = cli_fail(c, OM_BAD_PARAMS, "line %lu: the input ends inside an open [ or {",
				  lineno);
		free(stmt);
	}
	words_free(&w);
	free(line);
	return status;
}
