/*
 * batch.c — commands piped on stdin (`objmgr < commands.txt`), read by
 * statements.c, no prompts, one request each. Every command runs even
 * after one fails; the exit status is 1 when any failed, and 2 at once
 * when the server cannot be reached.
 */
#include "cli.h"

int batch_run(cli *c, FILE *f)
{
	stmt_reader r = {.f = f};
	words w = {0};
	char err[128];
	int status = CLI_OK;
	while (status != CLI_UNREACHABLE) {
		int next = stmt_next(&r, &w, err, sizeof err);
		if (next == STMT_END)
			break;
		int rc = next == STMT_BAD ? cli_usage(c, OM_BAD_PARAMS, "line %lu: %s", r.lineno, err)
					  : commands_run(c, w.v, w.n);
		if (rc != CLI_OK)
			status = rc;
	}
	words_free(&w);
	stmt_reader_free(&r);
	return status;
}
