/*
 * operators.c — what an operator runs from a shell, as with redis-cli:
 * -r N -i SEC repeat a command (a counter.add every second, an info to
 * watch), and the --stat and --latency modes (stat.c, pings.c), which
 * take the same two options for their lines.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "cli.h"

bool ops_option(cli_ops *ops, int opt, const char *arg)
{
	char *end;
	errno = 0;
	if (opt == 'r') {
		long n = strtol(arg, &end, 10);
		if (*arg && !*end && !errno && (n >= 1 || n == -1)) {
			ops->repeat = n;
			return true;
		}
		fprintf(stderr, "objmgr: -r: '%s' is not a count (1 or more, or -1 for ever)\n", arg);
		return false;
	}
	double s = strtod(arg, &end);
	if (*arg && !*end && !errno && isfinite(s) && s >= 0 && s <= 1e6) {
		ops->interval = s;
		return true;
	}
	fprintf(stderr, "objmgr: -i: '%s' is not seconds (a number from 0 to 1000000)\n", arg);
	return false;
}

double ops_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void ops_sleep(double seconds)
{
	if (seconds <= 0)
		return;
	struct timespec ts = {.tv_sec = (time_t)seconds};
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * The command -r times, -i apart. A run that fails ends the repeat with its
 * status: a script sees the first failure, and `-r -1` does not print the
 * same error for ever once the server is gone.
 */
static int repeat(cli *c, const cli_ops *ops, char *const *argv, size_t argc)
{
	for (long run = 0; ops->repeat < 0 || run < ops->repeat; run++) {
		if (run > 0) {
			fflush(stdout);
			ops_sleep(ops->interval);
		}
		int status = commands_run(c, argv, argc);
		if (status != CLI_OK)
			return status;
	}
	return CLI_OK;
}

int ops_run(cli *c, const cli_ops *ops, char *const *argv, size_t argc)
{
	if (ops->mode != OPS_COMMAND && argc > 0) {
		fprintf(stderr, "objmgr: --stat and --latency take no command\n");
		return CLI_USAGE;
	}
	switch (ops->mode) {
	case OPS_STAT:
		return stat_run(c, ops->repeat, ops->interval < 0 ? 1 : ops->interval);
	case OPS_LATENCY:
		return pings_run(c, false, ops->repeat, ops->interval < 0 ? 1 : ops->interval);
	case OPS_LATENCY_HISTORY:
		return pings_run(c, true, ops->repeat, ops->interval < 0 ? 15 : ops->interval);
	case OPS_COMMAND:
		break;
	}
	if (argc == 0) {
		fprintf(stderr, "objmgr: -r needs a command to repeat\n");
		return CLI_USAGE;
	}
	return repeat(c, ops, argv, argc);
}
