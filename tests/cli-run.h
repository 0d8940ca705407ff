/*
 * cli-run.h — runs the objmgr program ($OBJMGR_CLI, set by meson) as a
 * real process, for the suites that test it from outside: its exit
 * status, and everything it wrote to stdout and stderr.
 */
#ifndef OBJMGR_TEST_CLI_RUN_H
#define OBJMGR_TEST_CLI_RUN_H

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

#endif
