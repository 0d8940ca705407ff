/*
 * test-cli-notify.c — objmgr watch, monitor and batch as a user runs them:
 * the program ($OBJMGR_CLI) as a real process beside a real objmgrd, its
 * output compared byte for byte, the changes made by this process through
 * libobjmgr, its exit statuses (0, 1, 2, 3, or the signal that stopped a
 * stream).
 */
#include <check.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check-main.h"
#include "cli-run.h"
#include "harness.h"
#include "objmgr.h"

/* A call that must succeed. */
#define OK(c, call)                                                                        \
	do {                                                                               \
		int rc_ = (call);                                                          \
		ck_assert_msg(rc_ == OM_OK, "%s: %s: %s", #call, om_code_name(rc_),          \
			      om_errmsg(c));                                               \
	} while (0)

/* How long what must happen may take, in milliseconds. */
#define COME_MS ((long)(10000 * harness_slowdown()))

static om_client *client(void)
{
	om_options opts = {.timeout_s = 60};
	om_client *c = om_connect(harness_srv.socket, &opts);
	ck_assert_msg(om_errcode(c) == OM_OK, "%s", om_errmsg(c));
	return c;
}

/* objmgr -s <the test server> ARGS... (NULL-terminated), with input on stdin. */
#define objmgr(...) run_on(harness_srv.socket, __VA_ARGS__)

/* Runs objmgr with input and checks what it did, byte for byte. */
#define expect_run(status_, out_, err_, input, ...)                                        \
	do {                                                                               \
		run r_ = objmgr(input, __VA_ARGS__, NULL);                                 \
		ck_assert_msg(r_.status == (status_), "status %d, stderr: %s", r_.status,   \
			      r_.err);                                                     \
		ck_assert_str_eq(r_.out, out_);                                            \
		ck_assert_str_eq(r_.err, err_);                                            \
		run_free(&r_);                                                             \
	} while (0)

/* objmgr left running (watch, monitor), its output in files of the server's directory. */
typedef struct streamer {
	pid_t pid;
	char out[600], err[600];
} streamer;

/*
 * Waits until the server has run the streamer's first two requests, its
 * client.setname ("objmgr") and its objects.watch or server.monitor: only
 * then do changes reach it.
 */
static void wait_subscribed(om_client *c)
{
	for (long waited = 0;; waited += 10) {
		om_value list;
		OK(c, om_clients_list(c, &list));
		bool ready = false;
		for (uint32_t i = 0; i < list.len; i++) {
			const om_value *name = om_value_map_get(&list.as.items[i], "name");
			const om_value *requests = om_value_map_get(&list.as.items[i], "requests");
			ready |= name && name->kind == OM_STR && strcmp(name->as.str, "objmgr") == 0 &&
				 requests->kind == OM_INT && requests->as.i >= 2;
		}
		om_value_free(&list);
		if (ready)
			return;
		ck_assert_msg(waited < COME_MS, "objmgr never subscribed");
		harness_sleep_ms(10);
	}
}

/*
 * Starts objmgr -s <the test server> ARGS... (NULL-terminated) and waits
 * until it has subscribed, as c sees it.
 */
static void stream_start(streamer *s, om_client *c, ...)
{
	char *argv[CLI_ARGV_MAX];
	va_list ap;
	va_start(ap, c);
	cli_argv(argv, harness_srv.socket, ap);
	va_end(ap);
	snprintf(s->out, sizeof s->out, "%s/stream.out", harness_srv.dir);
	snprintf(s->err, sizeof s->err, "%s/stream.err", harness_srv.dir);
	s->pid = run_spawn(argv, s->out, s->err);
	wait_subscribed(c);
}

/* Its exit status, waiting for it: 128 + the signal when one ended it. */
static int stream_wait(streamer *s)
{
	int status;
	ck_assert_int_eq(waitpid(s->pid, &status, 0), s->pid);
	s->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int stream_stop(streamer *s)
{
	kill(s->pid, SIGTERM);
	return stream_wait(s);
}

/* The whole file at path (malloc'd). */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n = getdelim(&buf, &cap, '\0', f);
	fclose(f);
	if (n < 0) {
		free(buf);
		buf = calloc(1, 1);
	}
	return buf;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Waits until the stream has printed n lines; its output (malloc'd). */
static char *wait_lines(const streamer *s, size_t n)
{
	for (long waited = 0;; waited += 10) {
		char *out = slurp(s->out);
		if (count_lines(out) >= n)
			return out;
		ck_assert_msg(waited < COME_MS, "%zu lines expected, got: %s", n, out);
		free(out);
		harness_sleep_ms(10);
	}
}

static uint64_t version_of(om_client *c, const char *name)
{
	uint64_t v;
	OK(c, om_objects_version(c, name, &v));
	return v;
}

/* Two changes to cfg, one to other between them; the expected lines, filled from their versions. */
static void change_cfg(om_client *c, const char *line_fmt, char *want, size_t size)
{
	om_dict *cfg = om_dict_open(c, "cfg"), *other = om_dict_open(c, "other");
	OK(c, om_dict_set(cfg, om_str("a"), om_int(1)));
	uint64_t v1 = version_of(c, "cfg");
	OK(c, om_dict_set(other, om_str("a"), om_int(1)));
	OK(c, om_dict_set(cfg, om_str("b"), om_str("two words")));
	uint64_t v2 = version_of(c, "cfg");
	snprintf(want, size, line_fmt, (unsigned long long)v1, (unsigned long long)v2);
	om_dict_close(cfg);
	om_dict_close(other);
}

/*
 * Runs objmgr watch cfg, with option (NULL: none) after the pattern, while
 * change_cfg() makes its changes: it must print the two lines of line_fmt,
 * nothing on stderr, and end by the SIGTERM that stops it.
 */
static void expect_watch(const char *option, const char *line_fmt)
{
	om_client *c = client();
	streamer s;
	stream_start(&s, c, "watch", "cfg", option, NULL);
	char want[512];
	change_cfg(c, line_fmt, want, sizeof want);
	free(wait_lines(&s, 2));
	ck_assert_int_eq(stream_stop(&s), 128 + SIGTERM);
	char *out = slurp(s.out);
	ck_assert_str_eq(out, want);
	free(out);
	out = slurp(s.err);
	ck_assert_str_eq(out, "");
	free(out);
	om_close(c);
}

START_TEST(test_watch_prints_a_line_per_change_until_sigterm)
{
	expect_watch(NULL, "%llu dict.set cfg [\"a\", 1]\n%llu dict.set cfg [\"b\", \"two words\"]\n");
}
END_TEST

START_TEST(test_watch_json_prints_one_object_per_line)
{
	expect_watch("--json",
		     "{\"name\": \"cfg\", \"method\": \"dict.set\", \"params\": [\"a\", 1], \"version\": %llu}\n"
		     "{\"name\": \"cfg\", \"method\": \"dict.set\", \"params\": [\"b\", \"two words\"], \"version\": %llu}\n");
}
END_TEST

/* VERSION,METHOD,NAME,PARAMS rows, the params as a JSON field (quoted: it has quotes). */
START_TEST(test_watch_csv_prints_one_row_per_change)
{
	expect_watch("--csv", "%llu,dict.set,cfg,\"[\"\"a\"\", 1]\"\r\n"
			      "%llu,dict.set,cfg,\"[\"\"b\"\", \"\"two words\"\"]\"\r\n");
}
END_TEST

START_TEST(test_watch_that_cannot_start_exits_4_saying_why)
{
	char pattern[1100];
	memset(pattern, '*', sizeof pattern - 1);
	pattern[sizeof pattern - 1] = '\0';
	expect_run(4, "", "error: bad_params: objects.watch: parameter 'pattern' is longer than "
		   "1024 bytes\n", NULL, "watch", "cfg", pattern);
}
END_TEST

START_TEST(test_watch_exits_2_when_the_server_closes)
{
	om_client *c = client();
	streamer s;
	stream_start(&s, c, "watch", NULL);
	OK(c, om_server_shutdown(c));
	ck_assert_int_eq(stream_wait(&s), 2);
	ck_assert_int_eq(harness_wait(&harness_srv), 0);
	char *err = slurp(s.err), want[700];
	snprintf(want, sizeof want, "error: io: lost the connection to %s: the server closed it\n",
		 harness_srv.socket);
	ck_assert_str_eq(err, want);
	free(err);
	om_close(c);
}
END_TEST

/* c's connection id, from the entry clients.list marks "me". */
static unsigned long long my_id(om_client *c)
{
	om_value list;
	OK(c, om_clients_list(c, &list));
	unsigned long long id = 0;
	for (uint32_t i = 0; i < list.len; i++)
		if (om_value_map_get(&list.as.items[i], "me")->as.b)
			id = (unsigned long long)om_value_map_get(&list.as.items[i], "id")->as.i;
	om_value_free(&list);
	return id;
}

/*
 * Runs objmgr monitor, with option (NULL: none), while c sets cfg's key a
 * to 1, then stops it. Its line for that dict.set, read with format (a
 * time, a client id, the rest), must show the time now (to the
 * microsecond in the human form) and c's connection id; the rest of the
 * line is left in *rest (malloc'd).
 */
static void monitor_dict_set(om_client *c, const char *option, const char *format, char **rest)
{
	streamer s;
	stream_start(&s, c, "monitor", option, NULL);
	om_dict *cfg = om_dict_open(c, "cfg");
	OK(c, om_dict_set(cfg, om_str("a"), om_int(1)));
	om_dict_close(cfg);
	/* wait_subscribed's last clients.list shows too: find the dict.set's line. */
	char *out = NULL;
	for (long waited = 0; !out || !strstr(out, "dict.set"); waited += 10) {
		free(out);
		ck_assert_msg(waited < COME_MS, "no dict.set line");
		harness_sleep_ms(10);
		out = slurp(s.out);
	}
	ck_assert_int_eq(stream_stop(&s), 128 + SIGTERM);
	char *line = strstr(out, "dict.set");
	while (line > out && line[-1] != '\n')
		line--;
	line[strcspn(line, "\n")] = '\0';
	double t;
	unsigned long long id;
	*rest = calloc(1, strlen(line) + 1);
	ck_assert_msg(sscanf(line, format, &t, &id, *rest) == 3, "%s", line);
	ck_assert_uint_eq(id, my_id(c));
	ck_assert_double_lt(t - (double)time(NULL), 5);
	ck_assert_double_gt(t - (double)time(NULL), -5);
	if (!option) /* seconds.microseconds */
		ck_assert_msg(strspn(line + strcspn(line, ".") + 1, "0123456789") == 6, "%s", line);
	free(out);
}

START_TEST(test_monitor_prints_time_client_method_and_params)
{
	om_client *c = client();
	char *rest;
	monitor_dict_set(c, NULL, "%lf [%llu] %[^\n]", &rest);
	ck_assert_str_eq(rest, "dict.set \"cfg\" \"a\" 1");
	free(rest);
	om_close(c);
}
END_TEST

START_TEST(test_monitor_json_prints_one_object_per_line)
{
	om_client *c = client();
	char *rest;
	monitor_dict_set(c, "--json", "{\"time\": %lf, \"client\": %llu, %[^\n]", &rest);
	ck_assert_str_eq(rest, "\"method\": \"dict.set\", \"params\": [\"cfg\", \"a\", 1]}");
	free(rest);
	om_close(c);
}
END_TEST

START_TEST(test_monitor_csv_prints_one_row_per_call)
{
	om_client *c = client();
	char *rest;
	monitor_dict_set(c, "--csv", "%lf,%llu,%[^\r]", &rest);
	ck_assert_str_eq(rest, "dict.set,\"[\"\"cfg\"\", \"\"a\"\", 1]\"");
	free(rest);
	om_close(c);
}
END_TEST

START_TEST(test_batch_prints_each_result_and_fails_when_one_did)
{
	expect_run(0, "null\n1\n1\n", "", "dict.set d a 1\ndict.get d a\nlist.extend l [\n3]\n",
		   "--no-raw", "batch");
	expect_run(4, "null\n1\n", "error: key_error: line 2: dict 'd' has no key \"zz\"\n",
		   "dict.set d b 2\ndict.get d zz\ndict.get d a\n", "--no-raw", "batch");
	expect_run(0, "{\"a\": 1, \"b\": 2}\n", "", "dict.items d\n", "batch", "--json");
}
END_TEST

START_TEST(test_batch_atomic_failure_applies_nothing)
{
	om_client *c = client();
	expect_run(0, "2\n1\n", "", "list.extend l1 [1,2]\nlist.append l2 3\n", "batch");
	expect_run(4, "",
		   "error: index_error: server.batch: call 3 (list.get) failed: list 'l1' index 99 "
		   "out of range (length 3); nothing was changed\n",
		   "list.append l1 9\nlist.pop l2\nlist.get l1 99\n", "batch", "--atomic");
	expect_run(0, "[1, 2]\n[3]\n", "", "list.items l1\nlist.items l2\n", "--no-raw", "batch");
	om_close(c);
}
END_TEST

START_TEST(test_batch_with_a_wrong_line_sends_nothing)
{
	expect_run(64, "",
		   "error: no_such_method: line 2: no command 'nope' (try 'help')\n"
		   "error: bad_params: line 3: batch runs methods (TYPE.OP ARGS...), not the command 'ls'\n",
		   "dict.set d x 1\nnope\nls\n", "batch");
	expect_run(0, "0\n", "", NULL, "dict.len", "d");
	expect_run(0, "", "", "", "batch"); /* nothing to run */
	expect_run(4, "", "error: bad_params: batch: cannot open /nonexistent/calls: No such file or directory\n",
		   NULL, "batch", "/nonexistent/calls");
}
END_TEST

START_TEST(test_batch_reads_a_file_its_options_apply_to_it_alone_and_help_is_a_manual)
{
	char path[600];
	snprintf(path, sizeof path, "%s/calls.txt", harness_srv.dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("# two calls\ncounter.add hits 2\ncounter.add hits 3\n", f);
	fclose(f);
	expect_run(0, "2\n5\n", "", NULL, "batch", path);
	/* Piped, an option after batch is for that batch alone, not the commands after it. */
	char input[700];
	snprintf(input, sizeof input, "dict.set d a x\nbatch --raw %s\ndict.get d a\n", path);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("dict.get d a\n", f);
	fclose(f);
	expect_run(0, "null\nx\n\"x\"\n", "", input, "--no-raw");
	run r = objmgr(NULL, "batch", "--help", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strncmp(r.out, "NAME\n    objmgr batch - ", 24) == 0, "%s", r.out);
	run_free(&r);
	r = objmgr(NULL, "help", "watch", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strncmp(r.out, "NAME\n    objmgr watch - ", 24) == 0, "%s", r.out);
	run_free(&r);
}
END_TEST

START_TEST(test_batch_exits_2_when_the_server_is_unreachable)
{
	run r = run_on("/nonexistent/objmgr.sock", "server.ping\n", "batch", NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, "error: io: cannot connect to /nonexistent/objmgr.sock: No such "
				"file or directory (is objmgrd running?)\n");
	run_free(&r);
}
END_TEST

static void start_small_output(void)
{
	harness_start(&harness_srv, "--max-output", "65536", NULL);
}

/* Removes the files tests leave in the server's directory, then stops it. */
static void stop(void)
{
	static const char *const files[] = {"stream.out", "stream.err", "calls.txt"};
	char path[600];
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", harness_srv.dir, files[i]);
		unlink(path);
	}
	harness_fixture_stop();
}

START_TEST(test_watch_that_falls_behind_exits_3_saying_why)
{
	om_client *c = client();
	streamer s;
	stream_start(&s, c, "watch", NULL);
	kill(s.pid, SIGSTOP); /* it reads nothing while the changes come */
	char value[200];
	memset(value, 'v', sizeof value);
	for (int i = 0; i < 50000; i++)
		OK(c, om_send(c, "dict.set", (om_value[]){om_str("big"), om_int(i),
							 om_strn(value, sizeof value)}, 3, NULL));
	while (om_pending(c))
		OK(c, om_recv(c, NULL, NULL));
	kill(s.pid, SIGCONT);
	ck_assert_int_eq(stream_wait(&s), 3);
	char *err = slurp(s.err);
	static const char head[] = "error: limit: the server stopped the watch: ";
	static const char tail[] = "; watch again and compare the objects' versions\n";
	ck_assert_msg(strncmp(err, head, strlen(head)) == 0, "%s", err);
	ck_assert_msg(strlen(err) > strlen(tail) &&
		      strcmp(err + strlen(err) - strlen(tail), tail) == 0, "%s", err);
	ck_assert_uint_eq(count_lines(err), 1);
	free(err);
	char *out = slurp(s.out);
	ck_assert_uint_lt(count_lines(out), 50000);
	free(out);
	om_close(c);
}
END_TEST

static Suite *cli_notify_suite(void)
{
	Suite *s = suite_create("cli-notify");
	TCase *tc = tcase_create("cli-notify");
	tcase_add_checked_fixture(tc, harness_fixture_start, stop);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_watch_prints_a_line_per_change_until_sigterm);
	tcase_add_test(tc, test_watch_json_prints_one_object_per_line);
	tcase_add_test(tc, test_watch_csv_prints_one_row_per_change);
	tcase_add_test(tc, test_watch_that_cannot_start_exits_4_saying_why);
	tcase_add_test(tc, test_watch_exits_2_when_the_server_closes);
	tcase_add_test(tc, test_monitor_prints_time_client_method_and_params);
	tcase_add_test(tc, test_monitor_json_prints_one_object_per_line);
	tcase_add_test(tc, test_monitor_csv_prints_one_row_per_call);
	tcase_add_test(tc, test_batch_prints_each_result_and_fails_when_one_did);
	tcase_add_test(tc, test_batch_atomic_failure_applies_nothing);
	tcase_add_test(tc, test_batch_with_a_wrong_line_sends_nothing);
	tcase_add_test(tc, test_batch_reads_a_file_its_options_apply_to_it_alone_and_help_is_a_manual);
	tcase_add_test(tc, test_batch_exits_2_when_the_server_is_unreachable);
	suite_add_tcase(s, tc);

	TCase *over = tcase_create("overflow");
	tcase_add_checked_fixture(over, start_small_output, stop);
	tcase_set_timeout(over, 120);
	tcase_add_test(over, test_watch_that_falls_behind_exits_3_saying_why);
	suite_add_tcase(s, over);
	return s;
}

int main(void)
{
	return check_main(cli_notify_suite());
}
