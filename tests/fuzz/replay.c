/*
 * replay.c — runs a fuzz harness over saved inputs, without libFuzzer: the
 * main() the harnesses are linked with in every build, so that the test
 * suite replays the corpus (tests/fuzz/corpus/) under whatever sanitizers
 * the build has.
 *
 *   fuzz-conn-replay PATH...   each PATH a file, or a directory whose files
 *                              are all run, in name order
 *
 * Each input runs in a process of its own, so that one failing input
 * (a crash, a sanitizer report, a leak found as the process exits) names
 * itself and the others still run. An input still running after
 * INPUT_SECONDS has frozen the server (libFuzzer's -timeout, as
 * scripts/fuzz runs it): it fails too. Inputs take milliseconds.
 * Exits 0 when every input passed.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_SECONDS 60

/* Runs the input in path; in a child process, which exits with the outcome. */
static void run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	size_t cap = 4096, len = 0, n;
	uint8_t *data = malloc(cap), *more;
	while (data && (n = fread(data + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len < cap)
			continue;
		more = realloc(data, cap *= 2);
		if (!more)
			free(data);
		data = more;
	}
	if (!data || ferror(f)) {
		fprintf(stderr, "replay: %s: cannot read it\n", path);
		exit(2);
	}
	fclose(f);
	alarm(INPUT_SECONDS);
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	exit(0);
}

/* Runs path in a child process: true when it passed. */
static bool replay(const char *path)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "replay: fork: %s\n", strerror(errno));
		exit(2);
	}
	if (pid == 0)
		run_file(path);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			fprintf(stderr, "replay: waitpid: %s\n", strerror(errno));
			exit(2);
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		fprintf(stderr, "replay: FAILED %s (still running after %d s)\n", path, INPUT_SECONDS);
	else if (WIFSIGNALED(status))
		fprintf(stderr, "replay: FAILED %s (signal %d)\n", path, WTERMSIG(status));
	else
		fprintf(stderr, "replay: FAILED %s (exit status %d)\n", path, WEXITSTATUS(status));
	return false;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Replays path, or every file in it; adds to *ran and *failed. */
static void replay_path(const char *path, long *ran, long *failed)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	if (!S_ISDIR(st.st_mode)) {
		(*ran)++;
		*failed += !replay(path);
		return;
	}
	struct dirent **names;
	int n = scandir(path, &names, NULL, by_name);
	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	for (int i = 0; i < n; i++) {
		char file[4096];
		snprintf(file, sizeof file, "%s/%s", path, names[i]->d_name);
		if (names[i]->d_name[0] != '.' && stat(file, &st) == 0 && S_ISREG(st.st_mode)) {
			(*ran)++;
			*failed += !replay(file);
		}
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE-OR-DIRECTORY...\n", argv[0]);
		return 2;
	}
	LLVMFuzzerInitialize(&argc, &argv);
	long ran = 0, failed = 0;
	for (int i = 1; i < argc; i++)
		replay_path(argv[i], &ran, &failed);
	if (ran == 0) {
		fprintf(stderr, "replay: no inputs found\n");
		return 2;
	}
	printf("replay: %ld inputs, %ld failed\n", ran, failed);
	return failed ? 1 : 0;
}
