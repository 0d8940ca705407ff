/*
 * cli-run.h — runs the objmgr program ($OBJMGR_CLI, set by meson) as a
 * real process, for the suites that test it from outside: its exit
 * status, and everything it wrote to stdout and stderr.
 */
#ifndef OBJMGR_TEST_CLI_RUN_H
#define OBJMGR_TEST_CLI_RUN_H

#include <stdarg.h>
#include <sys/types.h>

/* What one run of objmgr did. */
typedef struct run {
	int status; /* exit status; 128 + the signal when one killed it */
	char *out;
	char *err;
} run;

/*
 * Runs objmgr with argv (argv[0] is replaced by the binary; NULL-
 * terminated), input (may be NULL) on its stdin, and collects stdout and
 * stderr. Fails the test when it writes nothing for 30 s.
 */
run run_argv(const char *input, char **argv);

void run_free(run *r);

/* The most words, NULL included, of the argv cli_argv() fills. */
#define CLI_ARGV_MAX 32

/*
 * Fills argv (CLI_ARGV_MAX slots) for run_argv() or run_spawn(): argv[0]
 * NULL (they put the binary there), "-s", socket, then the words of ap up
 * to a NULL, then NULL.
 */
void cli_argv(char **argv, const char *socket, va_list ap);

/* run_argv() of objmgr -s socket ARGS... (NULL-terminated), input (may be NULL) on stdin. */
run run_on(const char *socket, const char *input, ...);

/*
 * Starts objmgr with argv (argv[0] is replaced by the binary), stdin
 * /dev/null, stdout and stderr written to the files out and err, and
 * returns its pid, for what runs until stopped (objmgr watch). It dies
 * with this process.
 */
pid_t run_spawn(char **argv, const char *out, const char *err);

#endif
