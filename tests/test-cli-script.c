/*
 * test-cli-script.c — objmgr as shell scripts run it, with no terminal
 * ($OBJMGR_CLI beside a real objmgrd): every documented exit status, the
 * raw form a pipe gets by default, --no-raw and --csv byte for byte, -x
 * and --value-file round-tripping binary bytes, and with-lock /
 * with-semaphore excluding, passing statuses and signals on, and released
 * by the server when objmgr is killed. Where a test needs a holder to
 * hold, the holder's command blocks reading a pipe the test controls: no
 * timing decides an outcome.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check-main.h"
#include "cli-run.h"
#include "harness.h"

/* objmgr -s <the test server> ARGS... (NULL-terminated), with input (may be NULL) on stdin. */
#define om_in(input, ...) run_on(harness_srv.socket, (input), __VA_ARGS__, NULL)
#define om(...) om_in(NULL, __VA_ARGS__)

/* Runs objmgr and checks its status, stdout and stderr byte for byte. */
#define expect(status_, out_, err_, input, ...)                                                \
	do {                                                                                   \
		run r_ = om_in((input), __VA_ARGS__);                                          \
		ck_assert_msg(r_.status == (status_), "status %d, want %d; stderr: %s", r_.status, \
			      (status_), r_.err);                                              \
		ck_assert_str_eq(r_.out, (out_));                                              \
		ck_assert_str_eq(r_.err, (err_));                                              \
		run_free(&r_);                                                                 \
	} while (0)

/* A run that must succeed, printing exactly out and nothing on stderr. */
#define ok(out_, ...) expect(0, (out_), "", NULL, __VA_ARGS__)

/* ---------------------------------------------------------------- helpers */

/* A path in the server's directory; teardown() removes the names the tests use. */
static const char *path_of(const char *name)
{
	static char buf[4][600];
	static int next;
	char *p = buf[next++ % 4];
	snprintf(p, sizeof buf[0], "%s/%s", harness_srv.dir, name);
	return p;
}

/* Removes the files path_of() named, then stops the server (which removes its directory). */
static void teardown(void)
{
	static const char *const names[] = {"blob", "out", "text", "big", "not-executable"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		unlink(path_of(names[i]));
	harness_fixture_stop();
}

static void write_bytes(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

/* The whole file at path (malloc'd) and its size. */
static char *read_bytes(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	char *buf;
	FILE *m = open_memstream(&buf, n);
	char chunk[4096];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
		fwrite(chunk, 1, got, m);
	fclose(f);
	fclose(m);
	return buf;
}

/* An objmgr started in the background, its stdin and stdout pipes the test's ends. */
typedef struct bg {
	pid_t pid;
	int in;  /* write end of its stdin (closed: -1) */
	int out; /* read end of its stdout */
} bg;

/* Starts objmgr -s <server> ARGS... (NULL-terminated) with pipes on stdin and stdout. */
static bg start(const char *first, ...)
{
	char *argv[CLI_ARGV_MAX];
	va_list ap;
	va_start(ap, first);
	argv[0] = (char *)first;
	size_t n = 1;
	for (char *a; (a = va_arg(ap, char *));) {
		ck_assert(n < CLI_ARGV_MAX - 4);
		argv[n++] = a;
	}
	va_end(ap);
	char *full[CLI_ARGV_MAX] = {NULL, "-s", harness_srv.socket};
	memcpy(full + 3, argv, n * sizeof *argv);
	full[n + 3] = NULL;

	int in[2], out[2];
	ck_assert(pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0);
	const char *cli = getenv("OBJMGR_CLI");
	ck_assert_ptr_nonnull(cli);
	full[0] = (char *)cli;
	pid_t parent = getpid(), pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent || dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
			_exit(127);
		execv(full[0], full);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	return (bg){.pid = pid, .in = in[1], .out = out[0]};
}

/* One line from fd (blocking), without its newline; "" at end of file. */
static char *read_line(int fd)
{
	static char line[256];
	size_t n = 0;
	while (n + 1 < sizeof line) {
		ssize_t got = read(fd, line + n, 1);
		if (got < 0 && errno == EINTR)
			continue;
		ck_assert_int_ge(got, 0);
		if (got == 0 || line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	return line;
}

/* Everything left on fd up to end of file, then closes it; malloc'd. */
static char *read_rest(int fd)
{
	char *buf, chunk[256];
	size_t len;
	FILE *m = open_memstream(&buf, &len);
	ssize_t got;
	while ((got = read(fd, chunk, sizeof chunk)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		ck_assert_int_gt(got, 0);
		fwrite(chunk, 1, (size_t)got, m);
	}
	fclose(m);
	close(fd);
	return buf;
}

/* Writes line to b's stdin and closes it: the holder's command reads it and ends. */
static void let_go(bg *b, const char *line)
{
	ck_assert_int_eq(write(b->in, line, strlen(line)), (ssize_t)strlen(line));
	close(b->in);
	b->in = -1;
}

/* Waits for pid: its exit status, 128 + N when signal N killed it. */
static int wait_for(pid_t pid, bool *exited)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	if (exited)
		*exited = WIFEXITED(st);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The holder's command: says it holds, then waits for a line on stdin and echoes it. */
static const char holder[] = "echo held; read line; echo \"got $line\"";

/* ---------------------------------------------------------- exit statuses */

START_TEST(test_exit_status_0_and_1_with_e_for_false_and_nil)
{
	ok("\n", "dict.set", "cfg", "a", "1");
	ok("false\n", "dict.has", "cfg", "nokey"); /* without -e, false is a result like any */
	expect(1, "false\n", "", NULL, "-e", "dict.has", "cfg", "nokey");
	expect(1, "\n", "", NULL, "--exit-status", "dict.get", "cfg", "nokey", "null");
	expect(0, "true\n", "", NULL, "-e", "dict.has", "cfg", "a");
	expect(0, "0\n", "", NULL, "-e", "dict.get", "cfg", "nokey", "0"); /* 0 is neither */
	expect(1, "none\n", "", NULL, "-e", "type", "nobody");
	expect(0, "dict\n", "", NULL, "-e", "type", "cfg");
	/* A wait that answers false when it times out: 0, or 1 with -e. */
	ok("false\n", "event.wait", "e", "0.05");
	expect(1, "false\n", "", NULL, "-e", "event.wait", "e", "0.05");
	/* Piped: the last line's result decides; a failed line's status comes first. */
	expect(1, "true\nfalse\n", "", "dict.has cfg a\ndict.has cfg nokey\n", "-e");
	expect(0, "false\ntrue\n", "", "dict.has cfg nokey\ndict.has cfg a\n", "-e");
	expect(4, "true\n", "error: key_error: dict 'cfg' has no key \"zz\"\n",
	       "dict.get cfg zz\ndict.has cfg a\n", "-e");
}
END_TEST

START_TEST(test_exit_status_2_when_the_server_cannot_be_reached)
{
	char *argv[] = {NULL, "-s", (char *)path_of("nobody.sock"), "-e", "ping", NULL};
	run r = run_argv(NULL, argv);
	ck_assert_int_eq(r.status, 2);
	ck_assert_str_eq(r.out, "");
	ck_assert_ptr_nonnull(strstr(r.err, "error: io: "));
	run_free(&r);
}
END_TEST

START_TEST(test_exit_status_4_when_the_server_answers_an_error)
{
	ok("\n", "dict.set", "cfg", "a", "1");
	expect(4, "", "error: key_error: dict 'cfg' has no key \"nokey\"\n", NULL, "dict.get", "cfg",
	       "nokey");
	expect(4, "", "error: wrong_type: \"cfg\" is a dict, not a list\n", NULL, "list.get", "cfg",
	       "0");
	expect(4, "", "error: key_error: there is no object named 'nobody'\n", NULL, "show", "nobody");
}
END_TEST

START_TEST(test_exit_status_5_when_a_wait_times_out)
{
	expect(5, "", "error: empty: queue 'q' is empty\n", NULL, "queue.get", "q", "0.1");
	expect(5, "", "error: empty: queue 'q' is empty\n", NULL, "-e", "queue.get", "q", "0");
	ok("\n", "objects.create", "small", "queue", "{\"maxsize\": 1}");
	ok("\n", "queue.put", "small", "1");
	expect(5, "", "error: full: queue 'small' is full (maxsize 1)\n", NULL, "queue.put", "small",
	       "2", "0.1");
}
END_TEST

START_TEST(test_exit_status_64_for_a_wrong_command_line)
{
	run r = om("--bogus");
	ck_assert_int_eq(r.status, 64);
	ck_assert_ptr_nonnull(strstr(r.err, "objmgr: see objmgr --help\n"));
	run_free(&r);
	expect(64, "", "error: no_such_method: no command 'frobnicate' (try 'help')\n", NULL,
	       "frobnicate");
	expect(64, "", "error: no_such_method: dict has no operation 'frob' (try 'help dict')\n",
	       NULL, "dict.frob", "d");
	expect(64, "", "error: bad_params: dict.get: parameter 'key' is missing\n"
		       "usage: dict.get NAME key [default]\n", NULL, "dict.get", "cfg");
	expect(64, "", "error: bad_params: usage: type NAME\n", NULL, "type");
	r = om("dict.set", "d", "k", "[1,");
	ck_assert_int_eq(r.status, 64);
	ck_assert_ptr_nonnull(strstr(r.err, "parameter 'value': not valid JSON"));
	run_free(&r);
	expect(64, "", "error: no_such_method: line 1: no command 'nope' (try 'help')\n",
	       "nope\n", "batch");
	/* Piped: a wrong line gives its status; the lines after it still run. */
	expect(64, "pong\n", "error: no_such_method: no command 'nope' (try 'help')\n",
	       "nope\nping\n", "-e");
	/* Nothing was sent for any of them. */
	ok("", "objects.list");
}
END_TEST

/* ----------------------------------------------------------- output forms */

static void make_objects(void)
{
	ok("5\n", "list.extend", "l",
	   "[\"plain\", \"a,b\", \"say \\\"hi\\\"\", \"two\\nlines\", \"\"]");
	ok("8\n", "list.extend", "l", "[null, [1, \"x,y\"], {\"k\": true}]");
	ok("\n", "dict.update", "d", "{\"name\": \"alice\", \"age\": 3, \"tags\": [\"a\", \"b\"]}");
	ok("2\n", "counter.add", "n", "2");
}

START_TEST(test_raw_is_the_default_off_a_terminal)
{
	make_objects();
	ok("plain\na,b\nsay \"hi\"\ntwo\nlines\n\n\n[1, \"x,y\"]\n{\"k\": true}\n", "list.items", "l");
	ok("plain\n", "list.get", "l", "0");
	ok("name\talice\nage\t3\ntags\t[\"a\", \"b\"]\n", "dict.items", "d");
	ok("name\talice\nage\t3\ntags\t[\"a\", \"b\"]\n", "show", "d");
	ok("2\n", "counter.get", "n");
	ok("d\nl\nn\n", "ls");
	ok("dict\n", "type", "d");
	ok("pong\n", "ping");
	ok("\n", "dict.get", "d", "nokey", "null"); /* nil: an empty line */
	/* --raw says the same explicitly. */
	ok("alice\n", "--raw", "dict.get", "d", "name");
}
END_TEST

START_TEST(test_no_raw_gives_the_human_form_in_a_pipe)
{
	make_objects();
	ok("\"alice\"\n", "--no-raw", "dict.get", "d", "name");
	ok("null\n", "--no-raw", "dict.get", "d", "nokey", "null");
	ok("{\"name\": \"alice\", \"age\": 3, \"tags\": [\"a\", \"b\"]}\n", "--no-raw", "dict.items",
	   "d");
	ok("\"name\"  \"alice\"\n"
	   "\"age\"   3\n"
	   "\"tags\"  [\"a\", \"b\"]\n", "--no-raw", "show", "d");
	ok("NAME  TYPE     SIZE\n"
	   "d     dict        3\n"
	   "l     list        8\n"
	   "n     counter     -\n", "--no-raw", "ls");
	ok("none\n", "--no-raw", "type", "nobody");
}
END_TEST

START_TEST(test_csv_byte_for_byte)
{
	make_objects();
	ok("plain\r\n\"a,b\"\r\n\"say \"\"hi\"\"\"\r\n\"two\nlines\"\r\n\"\"\r\n\r\n1,\"x,y\"\r\n"
	   "\"{\"\"k\"\": true}\"\r\n", "--csv", "list.items", "l");
	ok("name,alice\r\nage,3\r\ntags,\"[\"\"a\"\", \"\"b\"\"]\"\r\n", "--csv", "show", "d");
	ok("alice\r\n", "--csv", "dict.get", "d", "name");
	ok("\r\n", "--csv", "dict.get", "d", "nokey", "null");
	ok("2\r\n", "--csv", "counter.get", "n");
	ok("name,type,size\r\nd,dict,3\r\nl,list,8\r\nn,counter,\r\n", "--csv", "ls");
	ok("dict\r\n", "--csv", "type", "d");
	ok("none\r\n", "--csv", "type", "nobody");
	ok("pong\r\n", "--csv", "ping");
	/* An array of maps: a header of the first's keys, the values under them. */
	ok("\n", "dict.set", "t", "rows", "[{\"id\": 1, \"who\": \"a\"}, {\"who\": \"b,c\", \"id\": 2}, {}]");
	ok("id,who\r\n1,a\r\n2,\"b,c\"\r\n,\r\n", "--csv", "dict.get", "t", "rows");
	/* Piped lines: each result its rows. */
	expect(0, "2\r\n1\r\n", "", "counter.get n\ncounter.add n -1\n", "--csv");
}
END_TEST

START_TEST(test_output_forms_exclude_each_other)
{
	static const char *const forms[] = {"--json", "--raw", "--no-raw", "--csv"};
	for (size_t i = 0; i < 4; i++) {
		for (size_t j = 0; j < 4; j++) {
			run r = om(forms[i], forms[j], "ping");
			if (i == j) {
				ck_assert_int_eq(r.status, 0);
			} else {
				char want[100];
				snprintf(want, sizeof want, "objmgr: %s and %s exclude each other\n",
					 forms[i], forms[j]);
				ck_assert_int_eq(r.status, 64);
				ck_assert_str_eq(r.err, want);
			}
			run_free(&r);
		}
	}
}
END_TEST

/* ------------------------------------------------------ -x, --value-file */

/* Random bytes with NULs and invalid UTF-8 in them, into a file; their count. */
static size_t random_file(const char *path, char *buf, size_t n)
{
	srand(16);
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)(rand() & 0xff);
	buf[0] = '\0';
	buf[1] = (char)0xff;
	buf[n - 1] = '\0';
	write_bytes(path, buf, n);
	return n;
}

/* objmgr ARGS... with stdin from the file in and stdout into the file out: its status. */
static int run_files(const char *in, const char *out, const char *first, ...)
{
	char *argv[CLI_ARGV_MAX] = {NULL, "-s", harness_srv.socket, (char *)first};
	size_t n = 4;
	va_list ap;
	va_start(ap, first);
	for (char *a; (a = va_arg(ap, char *));)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	argv[0] = getenv("OBJMGR_CLI");
	pid_t pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		int i = open(in ? in : "/dev/null", O_RDONLY);
		int o = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (i < 0 || o < 0 || dup2(i, 0) < 0 || dup2(o, 1) < 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	return wait_for(pid, NULL);
}

/* dict.get d key --raw into a file: exactly want and a newline. */
static void expect_raw_bytes(const char *key, const char *want, size_t n)
{
	const char *out = path_of("out");
	ck_assert_int_eq(run_files(NULL, out, "--raw", "dict.get", "d", key, NULL), 0);
	size_t got_n;
	char *got = read_bytes(out, &got_n);
	ck_assert_uint_eq(got_n, n + 1);
	ck_assert(memcmp(got, want, n) == 0);
	ck_assert_int_eq(got[n], '\n');
	free(got);
}

START_TEST(test_x_and_value_file_round_trip_binary_bytes)
{
	enum { N = 100000 };
	char *bytes = malloc(N);
	const char *file = path_of("blob");
	random_file(file, bytes, N);
	/* The issue's form, -x as the last word; then as an option before the command. */
	ck_assert_int_eq(run_files(file, NULL, "dict.set", "d", "blob", "-x", NULL), 0);
	expect_raw_bytes("blob", bytes, N);
	ck_assert_int_eq(run_files(file, NULL, "-x", "dict.set", "d", "again", NULL), 0);
	expect_raw_bytes("again", bytes, N);
	ck_assert_int_eq(run_files(NULL, NULL, "--value-file", file, "dict.set", "d", "file", NULL), 0);
	expect_raw_bytes("file", bytes, N);
	/* Not UTF-8: a bin. */
	run r = om("--json", "dict.get", "d", "blob");
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strncmp(r.out, "{\"$bin\": \"", 10) == 0, "%.40s", r.out);
	run_free(&r);
	free(bytes);
}
END_TEST

START_TEST(test_x_gives_a_str_when_utf8_and_value_file_always_a_bin)
{
	expect(0, "\n", "", "h\xc3\xa9llo\n", "-x", "dict.set", "d", "text");
	ok("\"h\xc3\xa9llo\\n\"\n", "--json", "dict.get", "d", "text");
	expect(0, "\n", "", "\xc3\x28", "dict.set", "d", "bad", "-x"); /* not UTF-8 */
	ok("{\"$bin\": \"wyg=\"}\n", "--json", "dict.get", "d", "bad");
	/* @name keeps meaning a reference: -x takes stdin as it is. */
	expect(0, "\n", "", "@users", "-x", "dict.set", "d", "at");
	ok("\"@users\"\n", "--json", "dict.get", "d", "at");
	const char *file = path_of("text");
	write_bytes(file, "abc", 3);
	ok("\n", "--value-file", file, "dict.set", "d", "f");
	ok("{\"$bin\": \"YWJj\"}\n", "--json", "dict.get", "d", "f");
	/* An empty stdin is an empty string. */
	expect(0, "\n", "", "", "-x", "dict.set", "d", "empty");
	ok("\"\"\n", "--json", "dict.get", "d", "empty");
}
END_TEST

START_TEST(test_x_and_value_file_errors)
{
	const char *why = "gives the last argument of a TYPE.OP command, which must follow\n";
	char want[200];
	snprintf(want, sizeof want, "error: bad_params: -x %s", why);
	expect(64, "", want, "v", "-x", "ls");
	expect(64, "", want, "v", "-x");
	snprintf(want, sizeof want, "error: bad_params: --value-file %s", why);
	expect(64, "", want, NULL, "--value-file", "/dev/null", "with-lock", "L", "--", "true");
	expect(64, "", "error: bad_params: -x and --value-file exclude each other\n", "v", "-x",
	       "--value-file", "/dev/null", "dict.set", "d", "k");
	expect(4, "", "error: bad_params: cannot read /nonexistent/v: No such file or directory\n",
	       NULL, "--value-file", "/nonexistent/v", "dict.set", "d", "k");
	/* More than 64 MiB: refused before anything is sent (a sparse file reads as zeros). */
	const char *big = path_of("big");
	int fd = open(big, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)(64 << 20) + 1), 0);
	close(fd);
	char too_big[800];
	snprintf(too_big, sizeof too_big, "error: too_large: %s holds more than 67108864 bytes "
		 "(64 MiB), the most -x and --value-file read\n", big);
	expect(4, "", too_big, NULL, "--value-file", big, "dict.set", "d", "k");
	ok("", "objects.list");
}
END_TEST

/* ------------------------------------------------ with-lock, with-semaphore */

START_TEST(test_with_lock_excludes_a_second_holder_until_the_first_ends)
{
	bg first = start("with-lock", "L", "--", "sh", "-c", holder, NULL);
	ck_assert_str_eq(read_line(first.out), "held");
	/* The first holds L and waits for its line: the second cannot get L. */
	expect(5, "", "error: timeout: with-lock: lock 'L' was not obtained within 0.2 s\n", NULL,
	       "with-lock", "L", "-w", "0.2", "--", "echo", "second");
	expect(5, "", "error: timeout: with-lock: lock 'L' was not obtained within 0 s\n", NULL,
	       "with-lock", "L", "-w", "0", "--", "echo", "second");
	ok("true\n", "lock.locked", "L");
	let_go(&first, "go\n");
	char *rest = read_rest(first.out);
	ck_assert_str_eq(rest, "got go\n");
	free(rest);
	ck_assert_int_eq(wait_for(first.pid, NULL), 0);
	/* Released on the way out: free now, the second gets it at once. */
	ok("false\n", "lock.locked", "L");
	ok("second\n", "with-lock", "L", "-w", "0", "--", "echo", "second");
}
END_TEST

START_TEST(test_with_lock_is_released_by_the_server_when_objmgr_is_killed)
{
	bg first = start("with-lock", "L", "--", "sh", "-c", holder, NULL);
	ck_assert_str_eq(read_line(first.out), "held");
	ck_assert_int_eq(kill(first.pid, SIGKILL), 0);
	ck_assert_int_eq(wait_for(first.pid, NULL), 128 + SIGKILL);
	/* No -w: this waits until the server has seen the connection close and released L. */
	ok("second\n", "with-lock", "L", "--", "echo", "second");
	/* The command outlived objmgr: it still reads its line and answers. */
	let_go(&first, "late\n");
	char *rest = read_rest(first.out);
	ck_assert_str_eq(rest, "got late\n");
	free(rest);
}
END_TEST

START_TEST(test_with_lock_exit_status_is_the_commands)
{
	expect(0, "in\n", "", NULL, "with-lock", "L", "--", "sh", "-c", "echo in");
	expect(7, "", "", NULL, "with-lock", "L", "--", "sh", "-c", "exit 7");
	expect(128 + SIGTERM, "", "", NULL, "with-lock", "L", "--", "sh", "-c", "kill -TERM $$");
	expect(127, "", "objmgr: with-lock: no-such-command-x: No such file or directory\n", NULL,
	       "with-lock", "L", "--", "no-such-command-x");
	const char *plain = path_of("not-executable");
	write_bytes(plain, "echo no\n", 8);
	char want[800];
	snprintf(want, sizeof want, "objmgr: with-lock: %s: Permission denied\n", plain);
	expect(126, "", want, NULL, "with-lock", "L", "--", plain);
	/* Words after -- are the command's, --help and -x too; -- may be left out. */
	ok("--help -x\n", "with-lock", "L", "--", "echo", "--help", "-x");
	ok("bare\n", "with-lock", "L", "-w", "1", "echo", "bare");
	/* Released after each, whatever the command did. */
	ok("false\n", "lock.locked", "L");
	/* The command inherits no connection to the server. */
	run r = om("with-lock", "L", "--", "sh", "-c", "ls -l /proc/$$/fd");
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "pipe:"));
	ck_assert_msg(!strstr(r.out, "socket:"), "the command got a socket: %s", r.out);
	run_free(&r);
}
END_TEST

/* No limit of objmgr's on the command's words (xargs may give thousands). */
START_TEST(test_with_lock_passes_any_number_of_words)
{
	enum { WORDS = 1000 };
	static char *argv[WORDS + 16], numbers[WORDS][8];
	size_t n = 0;
	argv[n++] = NULL;
	argv[n++] = "-s";
	argv[n++] = harness_srv.socket;
	static char *const head[] = {"with-lock", "L", "--", "sh", "-c", "echo $#", "_"};
	for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
		argv[n++] = head[i];
	for (int i = 0; i < WORDS; i++) {
		snprintf(numbers[i], sizeof numbers[i], "%d", i);
		argv[n++] = numbers[i];
	}
	argv[n] = NULL;
	run r = run_argv(NULL, argv);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "1000\n");
	run_free(&r);
}
END_TEST

START_TEST(test_with_lock_passes_sigterm_on_and_releases)
{
	bg first = start("with-lock", "L", "--", "sh", "-c", "echo held; exec sleep 600", NULL);
	ck_assert_str_eq(read_line(first.out), "held");
	ck_assert_int_eq(kill(first.pid, SIGTERM), 0);
	bool exited;
	/* objmgr itself exits (SIGTERM did not kill it) with the command's status. */
	ck_assert_int_eq(wait_for(first.pid, &exited), 128 + SIGTERM);
	ck_assert(exited);
	close(first.in);
	close(first.out);
	ok("false\n", "lock.locked", "L");
}
END_TEST

START_TEST(test_with_lock_command_line_mistakes_are_64)
{
	expect(64, "", "error: bad_params: usage: with-lock NAME [-w SEC] -- CMD...\n", NULL,
	       "with-lock", "L");
	expect(64, "", "error: bad_params: usage: with-lock NAME [-w SEC] -- CMD...\n", NULL,
	       "with-lock", "L", "--");
	expect(64, "", "error: bad_params: with-lock: -w takes a number of seconds, 0 or more\n",
	       NULL, "with-lock", "L", "-w", "-1", "--", "true");
	expect(64, "", "error: bad_params: with-semaphore: -w takes a number of seconds, 0 or more\n",
	       NULL, "with-semaphore", "S", "-w", "soon", "--", "true");
	ok("", "objects.list");
}
END_TEST

START_TEST(test_with_semaphore_of_value_2_admits_two_and_not_three)
{
	ok("\n", "objects.create", "S", "semaphore", "{\"value\": 2}");
	bg one = start("with-semaphore", "S", "--", "sh", "-c", holder, NULL);
	bg two = start("with-semaphore", "S", "--", "sh", "-c", holder, NULL);
	ck_assert_str_eq(read_line(one.out), "held");
	ck_assert_str_eq(read_line(two.out), "held");
	expect(5, "", "error: timeout: with-semaphore: semaphore 'S' was not obtained within 0 s\n",
	       NULL, "with-semaphore", "S", "-w", "0", "--", "echo", "third");
	let_go(&one, "1\n");
	free(read_rest(one.out));
	ck_assert_int_eq(wait_for(one.pid, NULL), 0);
	ok("third\n", "with-semaphore", "S", "-w", "0", "--", "echo", "third");
	let_go(&two, "2\n");
	free(read_rest(two.out));
	ck_assert_int_eq(wait_for(two.pid, NULL), 0);
	ok("2\n", "semaphore.value", "S");
}
END_TEST

static Suite *script_suite(void)
{
	Suite *s = suite_create("cli-script");
	TCase *tc = tcase_create("script");
	tcase_add_checked_fixture(tc, harness_fixture_start, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_exit_status_0_and_1_with_e_for_false_and_nil);
	tcase_add_test(tc, test_exit_status_2_when_the_server_cannot_be_reached);
	tcase_add_test(tc, test_exit_status_4_when_the_server_answers_an_error);
	tcase_add_test(tc, test_exit_status_5_when_a_wait_times_out);
	tcase_add_test(tc, test_exit_status_64_for_a_wrong_command_line);
	tcase_add_test(tc, test_raw_is_the_default_off_a_terminal);
	tcase_add_test(tc, test_no_raw_gives_the_human_form_in_a_pipe);
	tcase_add_test(tc, test_csv_byte_for_byte);
	tcase_add_test(tc, test_output_forms_exclude_each_other);
	tcase_add_test(tc, test_x_and_value_file_round_trip_binary_bytes);
	tcase_add_test(tc, test_x_gives_a_str_when_utf8_and_value_file_always_a_bin);
	tcase_add_test(tc, test_x_and_value_file_errors);
	tcase_add_test(tc, test_with_lock_excludes_a_second_holder_until_the_first_ends);
	tcase_add_test(tc, test_with_lock_is_released_by_the_server_when_objmgr_is_killed);
	tcase_add_test(tc, test_with_lock_exit_status_is_the_commands);
	tcase_add_test(tc, test_with_lock_passes_any_number_of_words);
	tcase_add_test(tc, test_with_lock_passes_sigterm_on_and_releases);
	tcase_add_test(tc, test_with_lock_command_line_mistakes_are_64);
	tcase_add_test(tc, test_with_semaphore_of_value_2_admits_two_and_not_three);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(script_suite());
}
