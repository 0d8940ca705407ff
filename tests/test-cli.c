/*
 * test-cli.c — the objmgr program in one-shot and piped mode, run as a real
 * process ($OBJMGR_CLI) against a real objmgrd: every command class, the
 * exit statuses 0 / 2 / 4 / 64, --json output parsed back with jansson, --raw,
 * and commands piped on stdin; the human form through --no-raw (human()).
 */
#include <check.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check-main.h"
#include "cli-run.h"
#include "harness.h"
#include "ops.h"

/*
 * These tests read the human form, which a pipe gets with --no-raw (it
 * gets raw by default): argv (cli_argv()'s) gains --no-raw unless its
 * words start with an output form of their own.
 */
static void human(char **argv)
{
	static const char *const forms[] = {"--json", "--raw", "--csv", "--no-raw"};
	for (size_t i = 0; argv[3] && i < sizeof forms / sizeof forms[0]; i++)
		if (strcmp(argv[3], forms[i]) == 0)
			return;
	size_t n = 3;
	while (argv[n])
		n++;
	ck_assert(n + 1 < CLI_ARGV_MAX);
	memmove(argv + 4, argv + 3, (n - 2) * sizeof *argv);
	argv[3] = "--no-raw";
}

/* objmgr -s <the test server> [--no-raw] ARGS... (NULL-terminated), with input on stdin. */
static run om_in(const char *input, ...)
{
	char *argv[CLI_ARGV_MAX];
	va_list ap;
	va_start(ap, input);
	cli_argv(argv, harness_srv.socket, ap);
	va_end(ap);
	human(argv);
	return run_argv(input, argv);
}

#define om(...) om_in(NULL, __VA_ARGS__, NULL)

/* Runs a command that must succeed with exactly this output. */
static void expect_out(const char *want, ...)
{
	char *argv[CLI_ARGV_MAX];
	va_list ap;
	va_start(ap, want);
	cli_argv(argv, harness_srv.socket, ap);
	va_end(ap);
	human(argv);
	run r = run_argv(NULL, argv);
	ck_assert_msg(r.status == 0, "objmgr %s: status %d, stderr: %s", argv[4], r.status, r.err);
	ck_assert_str_eq(r.out, want);
	ck_assert_str_eq(r.err, "");
	run_free(&r);
}

#define ok(want, ...) expect_out(want, __VA_ARGS__, NULL)

/* The stdout of a --json command, parsed; checks it is exactly one line. */
static json_t *json_of(run r)
{
	ck_assert_msg(r.status == 0, "status %d, stderr: %s", r.status, r.err);
	size_t len = strlen(r.out);
	ck_assert_msg(len > 0 && r.out[len - 1] == '\n' && !memchr(r.out, '\n', len - 1),
		      "not one line: %s", r.out);
	json_error_t e;
	json_t *j = json_loads(r.out, JSON_DECODE_ANY, &e);
	ck_assert_msg(j, "not JSON (%s): %s", e.text, r.out);
	run_free(&r);
	return j;
}

static void assert_json(json_t *got, const char *want_text)
{
	json_error_t e;
	json_t *want = json_loads(want_text, JSON_DECODE_ANY, &e);
	ck_assert_msg(want, "bad expected JSON: %s", want_text);
	char *s = json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT);
	ck_assert_msg(json_equal(got, want), "got %s, want %s", s, want_text);
	free(s);
	json_decref(want);
	json_decref(got);
}

START_TEST(test_set_then_get_prints_the_value)
{
	ok("null\n", "dict.set", "users", "alice", "3");
	ok("3\n", "dict.get", "users", "alice");
	ok("\"fallback\"\n", "dict.get", "users", "bob", "fallback");
	ok("1\n", "list.append", "jobs", "{\"id\":7}");
	ok("[{\"id\": 7}]\n", "list.items", "jobs");
	ok("1\n", "counter.add", "hits", "1");
	ok("-1\n", "counter.add", "hits", "-2");
	ok("true\n", "counter.cas", "hits", "-1", "10");
	ok("10\n", "counter.get", "hits");
}
END_TEST

START_TEST(test_arguments_read_as_json_literals_else_strings)
{
	static const char *const cases[][2] = {
		{"3", "3"},           {"2.5", "2.5"},           {"1.0", "1.0"},
		{"true", "true"},     {"null", "null"},         {"\"3\"", "\"3\""},
		{"[1,2]", "[1, 2]"},  {"{\"a\":1}", "{\"a\": 1}"}, {"alice", "\"alice\""},
		{"two words", "\"two words\""}, {"007", "\"007\""}, {"", "\"\""},
		{"-0", "0"},          {"@users", "{\"$ref\": \"users\"}"}, {"@", "\"@\""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ok("null\n", "dict.set", "d", "k", cases[i][0]);
		json_t *got = json_of(om("--json", "dict.get", "d", "k"));
		assert_json(got, cases[i][1]);
	}
	/* 1.0 stays a float: the JSON keeps the point. */
	ok("null\n", "dict.set", "d", "f", "1.0");
	ok("1.0\n", "--json", "dict.get", "d", "f");
}
END_TEST

START_TEST(test_integers_beyond_int64_are_unsigned_or_an_error)
{
	ok("null\n", "dict.set", "d", "k", "18446744073709551615");
	ok("18446744073709551615\n", "dict.get", "d", "k");
	ok("{\"$uint\": \"18446744073709551615\"}\n", "--json", "dict.get", "d", "k");
	run r = om("dict.set", "d", "k", "18446744073709551616");
	ck_assert_int_eq(r.status, 64);
	ck_assert_ptr_nonnull(strstr(r.err, "error: bad_params: dict.set: parameter 'value': "
					   "18446744073709551616 is out of range"));
	run_free(&r);
	r = om("dict.set", "d", "k", "-9223372036854775809");
	ck_assert_int_eq(r.status, 64);
	run_free(&r);
}
END_TEST

START_TEST(test_string_params_take_the_word_literally)
{
	ok("null\n", "dict.set", "2024", "k", "v");
	ok("null\n", "dict.set", "true", "k", "v");
	ok("{\"2024\": \"dict\", \"true\": \"dict\"}\n", "--json", "objects.list");
	ok("dict\n", "type", "2024");
}
END_TEST

START_TEST(test_invalid_json_is_an_error_not_a_string)
{
	run r = om("dict.set", "d", "k", "[1,");
	ck_assert_int_eq(r.status, 64);
	ck_assert_str_eq(r.out, "");
	ck_assert_ptr_nonnull(strstr(r.err, "error: bad_params: dict.set: parameter 'value': not valid JSON"));
	run_free(&r);
	ok("null\n", "dict.set", "d", "k", "\"[1,\"");
	ok("\"[1,\"\n", "dict.get", "d", "k");
}
END_TEST

START_TEST(test_server_error_exits_4_with_code_and_message)
{
	ok("null\n", "dict.set", "users", "alice", "3");
	run r = om("dict.get", "users", "bob");
	ck_assert_int_eq(r.status, 4);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, "error: key_error: dict 'users' has no key \"bob\"\n");
	run_free(&r);
	r = om("list.get", "users", "0");
	ck_assert_int_eq(r.status, 4);
	ck_assert_str_eq(r.err, "error: wrong_type: \"users\" is a dict, not a list\n");
	run_free(&r);
}
END_TEST

START_TEST(test_params_checked_against_the_op_table_before_sending)
{
	run r = om("list.get", "jobs", "x");
	ck_assert_int_eq(r.status, 64);
	ck_assert_str_eq(r.err, "error: bad_params: list.get: parameter 'index' must be an integer, got str\n"
				"usage: list.get NAME index\n");
	run_free(&r);
	r = om("dict.get", "users");
	ck_assert_int_eq(r.status, 64);
	ck_assert_str_eq(r.err, "error: bad_params: dict.get: parameter 'key' is missing\n"
				"usage: dict.get NAME key [default]\n");
	run_free(&r);
	r = om("dict.len");
	ck_assert_int_eq(r.status, 64);
	ck_assert_ptr_nonnull(strstr(r.err, "error: bad_params: dict.len: parameter 'name' is missing\n"));
	run_free(&r);
	r = om("counter.get", "hits", "extra");
	ck_assert_int_eq(r.status, 64);
	ck_assert_ptr_nonnull(strstr(r.err, "error: bad_params: counter.get: takes at most 0 parameters"));
	run_free(&r);
	/* Nothing reached the server: no object was created. */
	ok("{}\n", "--json", "objects.list");
}
END_TEST

START_TEST(test_unknown_commands_are_no_such_method)
{
	run r = om("frobnicate");
	ck_assert_int_eq(r.status, 64);
	ck_assert_str_eq(r.err, "error: no_such_method: no command 'frobnicate' (try 'help')\n");
	run_free(&r);
	r = om("dict.frob", "d");
	ck_assert_int_eq(r.status, 64);
	ck_assert_str_eq(r.err, "error: no_such_method: dict has no operation 'frob' (try 'help dict')\n");
	run_free(&r);
	/* A type the tables lack goes to the server, which judges. */
	r = om("nosuchtype.op", "q", "1");
	ck_assert_int_eq(r.status, 4);
	ck_assert_ptr_nonnull(strstr(r.err, "error: no_such_method: "));
	run_free(&r);
}
END_TEST

START_TEST(test_unreachable_server_exits_2_saying_where_it_looked)
{
	char path[600];
	snprintf(path, sizeof path, "%s/nobody-here.sock", harness_srv.dir);
	char *argv[] = {NULL, "-s", path, "ping", NULL};
	run r = run_argv(NULL, argv);
	ck_assert_int_eq(r.status, 2);
	ck_assert_str_eq(r.out, "");
	ck_assert_ptr_nonnull(strstr(r.err, "error: io: "));
	ck_assert_ptr_nonnull(strstr(r.err, path));
	run_free(&r);
}
END_TEST

/* A server run by another user (root only: it runs as nobody) is refused unless trusted. */
START_TEST(test_server_of_another_user_needs_server_user)
{
	if (geteuid() != 0)
		return; /* only root can run a server as another user; CI runs as root */
	harness_server other;
	harness_start_with(&other, &(harness_options){.uid = 65534, .gid = 65534}, NULL);
	char *argv[] = {NULL, "-s", other.socket, "ping", NULL};
	run r = run_argv(NULL, argv);
	ck_assert_int_eq(r.status, 2);
	ck_assert_str_eq(r.out, "");
	ck_assert_msg(strstr(r.err, "error: auth_failed: refusing the server at ") &&
		      strstr(r.err, "it runs as uid 65534"), "%s", r.err);
	run_free(&r);
	char *trusting[] = {NULL, "-s", other.socket, "--server-user", "nobody", "ping", NULL};
	r = run_argv(NULL, trusting);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "pong\n");
	run_free(&r);
	char *unknown[] = {NULL, "--server-user", "no-such-user-x", "ping", NULL};
	r = run_argv(NULL, unknown);
	ck_assert_int_eq(r.status, 64);
	ck_assert_str_eq(r.err, "objmgr: --server-user: no such user: 'no-such-user-x'\n");
	run_free(&r);
	harness_stop(&other);
}
END_TEST

START_TEST(test_default_address_comes_from_objmgr_socket)
{
	setenv("OBJMGR_SOCKET", harness_srv.socket, 1);
	char *argv[] = {NULL, "ping", NULL};
	run r = run_argv(NULL, argv);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "pong\n");
	run_free(&r);
}
END_TEST

START_TEST(test_help_lists_every_op_of_the_tables_without_a_server)
{
	char *argv[] = {NULL, "-s", "/nonexistent/objmgr.sock", "help", NULL};
	run r = run_argv(NULL, argv);
	ck_assert_int_eq(r.status, 0);
	for (const type_def *const *t = type_table; *t; t++) {
		for (size_t i = 0; i < (*t)->nops; i++) {
			const op_def *op = &(*t)->ops[i];
			char params[256], line[512];
			op_usage(op, params, sizeof params);
			snprintf(line, sizeof line, "%s.%s%s%s%s", (*t)->name, op->name,
				 (*t)->admin ? "" : " NAME", params[0] ? " " : "", params);
			ck_assert_msg(strstr(r.out, line), "help lacks %s", line);
			ck_assert_msg(strstr(r.out, op->help), "help lacks \"%s\"", op->help);
		}
	}
	ck_assert_ptr_nonnull(strstr(r.out, "ls [GLOB]"));
	run_free(&r);
}
END_TEST

START_TEST(test_help_for_one_method_shows_its_params)
{
	const op_def *op = type_find_op(&dict_type, "get", 3);
	char want[512];
	snprintf(want, sizeof want, "usage: dict.get NAME key [default]\n  %s\n", op->help);
	run r = om("help", "dict.get");
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strncmp(r.out, want, strlen(want)) == 0, "got %s", r.out);
	ck_assert_ptr_nonnull(strstr(r.out, "default   any value (optional)"));
	run_free(&r);
	/* An admin op's parameter naming an object (ARG_NAME) reads as one. */
	r = om("help", "objects.delete");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "usage: objects.delete name\n"
				"  delete an object; true if it existed\n"
				"  name      an object's name\n"
				"  changes the server's state\n");
	run_free(&r);
	r = om("help", "dict.nope");
	ck_assert_int_eq(r.status, 64);
	ck_assert_str_eq(r.err, "error: no_such_method: no command or type 'dict.nope' (try 'help')\n");
	run_free(&r);
}
END_TEST

static void make_objects(void)
{
	ok("null\n", "dict.update", "users", "{\"alice\": 3, \"bob\": {\"age\": 4}}");
	ok("3\n", "list.extend", "jobs", "[\"a\", [1, 2], null]");
	ok("7\n", "counter.add", "hits", "7");
}

START_TEST(test_ls_lists_name_type_and_size)
{
	make_objects();
	ok("NAME   TYPE     SIZE\n"
	   "hits   counter     -\n"
	   "jobs   list        3\n"
	   "users  dict        2\n", "ls");
	ok("NAME   TYPE  SIZE\n"
	   "users  dict     2\n", "ls", "u*");
	ok("(no objects)\n", "ls", "zzz*");
	assert_json(json_of(om("--json", "ls")),
		    "[{\"name\": \"hits\", \"type\": \"counter\", \"size\": null},"
		    " {\"name\": \"jobs\", \"type\": \"list\", \"size\": 3},"
		    " {\"name\": \"users\", \"type\": \"dict\", \"size\": 2}]");
	ok("hits\njobs\nusers\n", "--raw", "ls");
}
END_TEST

START_TEST(test_show_prints_dict_rows_list_numbered_counter_value)
{
	make_objects();
	ok("\"alice\"  3\n"
	   "\"bob\"    {\"age\": 4}\n", "show", "users");
	ok("0  \"a\"\n"
	   "1  [1, 2]\n"
	   "2  null\n", "show", "jobs");
	ok("7\n", "show", "hits");
	assert_json(json_of(om("--json", "show", "users")), "{\"alice\": 3, \"bob\": {\"age\": 4}}");
	ok("alice\t3\nbob\t{\"age\": 4}\n", "--raw", "show", "users");
	ok("null\n", "dict.clear", "users");
	ok("(empty dict)\n", "show", "users");
	run r = om("show", "nobody");
	ck_assert_int_eq(r.status, 4);
	ck_assert_str_eq(r.err, "error: key_error: there is no object named 'nobody'\n");
	run_free(&r);
}
END_TEST

/* show reads a queue with queue.items, never queue.get, which takes; a barrier by its reads. */
START_TEST(test_show_of_a_coordination_object_prints_its_state_and_takes_nothing)
{
	ok("null\n", "queue.put", "q", "1");
	ok("null\n", "queue.put", "q", "2");
	ok("0  1\n"
	   "1  2\n", "show", "q");
	ok("2\n", "queue.len", "q");
	ok("null\n", "objects.create", "b", "barrier", "{\"parties\": 3}");
	assert_json(json_of(om("--json", "show", "b")),
		    "{\"parties\": 3, \"n_waiting\": 0, \"broken\": false}");
}
END_TEST

/* --- ls and show of big objects: pages, -n, --all --- */

/* A growing string for the expected output of the paging tests. */
typedef struct text {
	char *s;
	size_t len;
} text;

static void text_add(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_add(text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	t->s = realloc(t->s, t->len + (size_t)n + 1);
	ck_assert_ptr_nonnull(t->s);
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

/* Checks a command's output against t, then empties t. */
#define ok_text(t, ...)                  \
	do {                             \
		ok((t)->s, __VA_ARGS__); \
		free((t)->s);            \
		*(t) = (text){0};        \
	} while (0)

/* The dict "d" of n keys "k0000"... -> 0..., in that order, set in one dict.update. */
static void make_big_dict(int n)
{
	text t = {0};
	for (int i = 0; i < n; i++)
		text_add(&t, "%s\"k%04d\": %d", i ? ", " : "{", i, i);
	text_add(&t, "}");
	ok("null\n", "dict.update", "d", t.s);
	free(t.s);
}

/* Rows from to to of show's human form of make_big_dict(): '"k0000"  0'. */
static void dict_rows(text *t, int from, int to)
{
	for (int i = from; i < to; i++)
		text_add(t, "\"k%04d\"  %d\n", i, i);
}

/* 2,500 pairs: three dict.scan pages of 1,000 for --all and the raw and JSON forms. */
START_TEST(test_show_of_a_big_dict_prints_100_rows_then_how_many_more)
{
	make_big_dict(2500);
	text t = {0};
	dict_rows(&t, 0, 100);
	text_add(&t, "(2400 more; --all to list them)\n");
	ok_text(&t, "show", "d");
	dict_rows(&t, 0, 3);
	text_add(&t, "(2497 more; --all to list them)\n");
	ok_text(&t, "show", "d", "-n", "3");
	text_add(&t, "(2500 more; --all to list them)\n");
	ok_text(&t, "show", "-n", "0", "d");
	dict_rows(&t, 0, 2500);
	ok_text(&t, "show", "d", "--all");
	dict_rows(&t, 0, 2500);
	ok_text(&t, "show", "d", "-n", "2500"); /* all of it: no line after */
}
END_TEST

START_TEST(test_show_of_a_big_dict_raw_and_json_print_every_pair)
{
	make_big_dict(2500);
	text t = {0};
	for (int i = 0; i < 2500; i++)
		text_add(&t, "k%04d\t%d\n", i, i);
	ok_text(&t, "--raw", "show", "d");
	for (int i = 0; i < 2500; i++)
		text_add(&t, "k%04d\t%d\n", i, i);
	ok_text(&t, "--raw", "show", "d", "-n", "1"); /* -n is for the human form only */
	for (int i = 0; i < 2500; i++)
		text_add(&t, "%s\"k%04d\": %d", i ? ", " : "{", i, i);
	text_add(&t, "}");
	assert_json(json_of(om("--json", "show", "d")), t.s);
	free(t.s);
}
END_TEST

START_TEST(test_show_of_a_big_list_reads_it_in_slices)
{
	text t = {0};
	for (int i = 0; i < 2500; i++)
		text_add(&t, "%s%d", i ? ", " : "[", i);
	text_add(&t, "]");
	ok("2500\n", "list.extend", "l", t.s);
	assert_json(json_of(om("--json", "show", "l", "--all")), t.s);
	free(t.s);
	t = (text){0};
	for (int i = 0; i < 100; i++)
		text_add(&t, "%2d  %d\n", i, i);
	text_add(&t, "(2400 more; --all to list them)\n");
	ok_text(&t, "show", "l");
	for (int i = 0; i < 2500; i++)
		text_add(&t, "%4d  %d\n", i, i);
	ok_text(&t, "show", "l", "--all");
	for (int i = 0; i < 2500; i++)
		text_add(&t, "%d\n", i);
	ok_text(&t, "--raw", "show", "l", "-n", "5");
	ok("0  0\n"
	   "1  1\n"
	   "(2498 more; --all to list them)\n", "show", "l", "-n", "2");
}
END_TEST

/* A queue is read by queue.slice, as a list, and never got from. */
START_TEST(test_show_of_a_queue_cuts_the_human_form_to_n_rows)
{
	ok("null\n", "queue.put", "q", "\"a\"");
	ok("null\n", "queue.put", "q", "\"b\"");
	ok("null\n", "queue.put", "q", "\"c\"");
	ok("0  \"a\"\n"
	   "(2 more; --all to list them)\n", "show", "q", "-n", "1");
	ok("0  \"a\"\n"
	   "1  \"b\"\n"
	   "2  \"c\"\n", "show", "q", "-n", "3");
	ok("a\nb\nc\n", "--raw", "show", "q", "-n", "1");
	ok("3\n", "queue.len", "q");
}
END_TEST

/* 1,500 objects: two objects.scan pages of 1,000; ls sorts them by name. */
START_TEST(test_ls_of_many_objects_prints_100_rows_then_how_many_more)
{
	text in = {0};
	for (int i = 0; i < 1500; i++)
		text_add(&in, "counter.add c%04d 1\n", i);
	run r = om_in(in.s, "batch", NULL);
	ck_assert_msg(r.status == 0, "batch: %s", r.err);
	run_free(&r);
	free(in.s);
	ok("null\n", "dict.set", "d", "k", "1");
	text t = {0};
	text_add(&t, "NAME   TYPE     SIZE\n");
	for (int i = 0; i < 100; i++)
		text_add(&t, "c%04d  counter     -\n", i);
	text_add(&t, "(1401 more; --all to list them)\n");
	ok_text(&t, "ls");
	text_add(&t, "NAME   TYPE     SIZE\n");
	for (int i = 0; i < 1500; i++)
		text_add(&t, "c%04d  counter     -\n", i);
	text_add(&t, "d      dict        1\n");
	ok_text(&t, "ls", "--all");
	ok("NAME   TYPE     SIZE\n"
	   "c0010  counter     -\n"
	   "c0011  counter     -\n"
	   "(8 more; --all to list them)\n", "ls", "c001?", "-n", "2");
	ok("NAME  TYPE  SIZE\n"
	   "(1501 more; --all to list them)\n", "ls", "-n", "0");
	for (int i = 0; i < 1500; i++)
		text_add(&t, "c%04d\n", i);
	text_add(&t, "d\n");
	ok_text(&t, "--raw", "ls", "-n", "1");
	json_t *rows = json_of(om("--json", "ls", "*", "-n", "1"));
	ck_assert_uint_eq(json_array_size(rows), 1501);
	assert_json(json_incref(json_array_get(rows, 1500)),
		    "{\"name\": \"d\", \"type\": \"dict\", \"size\": 1}");
	json_decref(rows);
}
END_TEST

START_TEST(test_ls_and_show_refuse_a_malformed_n)
{
	ok("null\n", "dict.set", "d", "k", "1");
	static const char *const cases[][4] = {
		{"show", "d", "-n", "x"},
		{"show", "d", "-n", "-1"},
		{"show", "d", "e", "--all"},
		{"show", "--all", NULL, NULL},
		{"ls", "-n", NULL, NULL},
		{"ls", "a*", "b*", NULL},
	};
	static const char *const errors[] = {
		"error: bad_params: -n: not a number of rows: 'x'\n",
		"error: bad_params: -n: not a number of rows: '-1'\n",
		"error: bad_params: usage: show NAME [--all] [-n N]\n",
		"error: bad_params: usage: show NAME [--all] [-n N]\n",
		"error: bad_params: -n needs a number of rows; usage: ls [GLOB] [--all] [-n N]\n",
		"error: bad_params: usage: ls [GLOB] [--all] [-n N]\n",
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		run r = om(cases[i][0], cases[i][1], cases[i][2], cases[i][3]);
		ck_assert_int_ne(r.status, 0);
		ck_assert_str_eq(r.out, "");
		ck_assert_str_eq(r.err, errors[i]);
		run_free(&r);
	}
}
END_TEST

START_TEST(test_type_and_del)
{
	make_objects();
	ok("dict\n", "type", "users");
	ok("none\n", "type", "nobody");
	ok("null\n", "--json", "type", "nobody");
	ok("2\n", "del", "users", "jobs", "nobody");
	ok("none\n", "type", "users");
	ok("hits\n", "--raw", "ls");
}
END_TEST

START_TEST(test_info_and_ping)
{
	ok("pong\n", "ping");
	ok("\"pong\"\n", "--json", "ping");
	ok("\"pong\"\n", "server.ping");
	json_t *info = json_of(om("--json", "info"));
	ck_assert_str_eq(json_string_value(json_object_get(info, "version")), OM_VERSION);
	ck_assert_str_eq(json_string_value(json_object_get(info, "socket")), harness_srv.socket);
	json_decref(info);
	run r = om("info");
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strncmp(r.out, "version ", 8) == 0, "got %s", r.out);
	ck_assert_ptr_nonnull(strstr(r.out, " \"" OM_VERSION "\"\n"));
	/* per-method counts: a table after the facts, not a map on one line */
	const char *header = strstr(r.out, "\nMETHOD ");
	ck_assert_ptr_nonnull(header);
	/* the columns are as wide as their widest figure: compare words, not spacing */
	char w[4][16];
	ck_assert_int_eq(sscanf(header, " %15s %15s %15s %15s", w[0], w[1], w[2], w[3]), 4);
	ck_assert_str_eq(w[1], "CALLS");
	ck_assert_str_eq(w[2], "USEC");
	ck_assert_str_eq(w[3], "USEC/CALL");
	const char *row = strstr(r.out, "\nserver.ping ");
	ck_assert_ptr_nonnull(row);
	long calls = -1;
	ck_assert_int_eq(sscanf(row, " server.ping %ld", &calls), 1);
	ck_assert_int_eq(calls, 3); /* ping, --json ping, server.ping */
	ck_assert_ptr_null(strstr(r.out, "methods"));
	run_free(&r);
	info = json_of(om("--json", "info"));
	json_t *pings = json_object_get(json_object_get(json_object_get(info, "methods"), "server.ping"), "calls");
	ck_assert_int_eq(json_integer_value(pings), 3);
	json_decref(info);
}
END_TEST

static int lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* `clients`: a table of the connections, here the one running the command. */
START_TEST(test_clients_table)
{
	run r = om_in("objects.create pool semaphore {\"value\": 3}\n"
		      "semaphore.acquire pool\n"
		      "semaphore.acquire pool\n"
		      "lock.acquire jobs-lock\n"
		      "clients\n", NULL);
	ck_assert_msg(r.status == 0, "status %d, stderr: %s", r.status, r.err);
	const char *table = strstr(r.out, "ID ");
	ck_assert_ptr_nonnull(table);
	/* the columns are as wide as their widest cell: compare words, not spacing */
	char w[8][16], name[16], holds[2][32];
	unsigned uid, id;
	int pid, reqs, parked;
	double age, idle;
	ck_assert_int_eq(sscanf(table, " %15s %15s %15s %15s %15s %15s %15s %15s", w[0], w[1],
				w[2], w[3], w[4], w[5], w[6], w[7]), 8);
	static const char *const head[] = {"ID", "NAME", "ADDRESS", "AGE", "IDLE", "REQS",
					   "PARKED", "HOLDS"};
	for (int i = 0; i < 8; i++)
		ck_assert_str_eq(w[i], head[i]);
	const char *row = strchr(table, '\n');
	ck_assert_int_eq(sscanf(row, " %u %15s unix uid %u pid %d %lf %lf %d %d %31s %31s", &id,
				name, &uid, &pid, &age, &idle, &reqs, &parked, holds[0], holds[1]), 10);
	ck_assert_str_eq(name, "objmgr"); /* libobjmgr's default: the program's name */
	ck_assert_uint_eq(uid, geteuid());
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(reqs, 6); /* client.setname, the four commands, clients.list */
	ck_assert_int_eq(parked, 0);
	ck_assert_str_eq(holds[0], "jobs-lock:1");
	ck_assert_str_eq(holds[1], "pool:2");
	ck_assert_int_eq(lines(table), 2); /* the header, one connection */
	run_free(&r);

	/* That connection is gone with its process (once the server has read its close). */
	for (double end = harness_now_s() + 10; ; harness_sleep_ms(10)) {
		r = om("clients");
		ck_assert_int_eq(r.status, 0);
		if (lines(r.out) == 2 || harness_now_s() > end)
			break;
		run_free(&r);
	}
	ck_assert_int_eq(lines(r.out), 2);
	ck_assert_int_eq(sscanf(strchr(r.out, '\n'), " %u %15s unix uid %u pid %d %lf %lf %d %d %31s",
				&id, name, &uid, &pid, &age, &idle, &reqs, &parked, holds[0]), 9);
	ck_assert_int_eq(reqs, 2);
	ck_assert_str_eq(holds[0], "-");
	run_free(&r);

	json_t *list = json_of(om("--json", "clients"));
	ck_assert_int_eq(json_array_size(list), 1);
	json_t *me = json_array_get(list, 0);
	ck_assert(json_is_true(json_object_get(me, "me")));
	ck_assert_str_eq(json_string_value(json_object_get(me, "name")), "objmgr");
	assert_json(json_incref(json_object_get(me, "holds")), "{}");
	json_decref(list);
}
END_TEST

/* What JSON lacks travels as the documented $ forms, and reads back the same. */
START_TEST(test_json_forms_round_trip)
{
	static const char forms[] =
		"{\"bin\": {\"$bin\": \"aGVsbG8=\"}, \"ref\": {\"$ref\": \"users\"},"
		" \"ext\": {\"$ext\": [5, \"AQI=\"]}, \"big\": {\"$uint\": \"18446744073709551615\"},"
		" \"nan\": {\"$float\": \"NaN\"}, \"inf\": {\"$float\": \"-Infinity\"},"
		" \"intkeys\": {\"$map\": [[1, \"one\"], [[2], \"two\"]]},"
		" \"dollar\": {\"$map\": [[\"$bin\", \"not a form\"]]},"
		" \"plain\": {\"$other\": 1}, \"float\": 0.1, \"int\": 1,"
		" \"latin1\": {\"$str\": \"/w==\"}, \"badkey\": {\"$map\": [[{\"$str\": \"/w==\"}, 1]]}}";
	ok("null\n", "dict.update", "d", forms);
	ok("b64\"aGVsbG8=\"\n", "dict.get", "d", "bin");
	ok("@users\n", "dict.get", "d", "ref");
	ok("ext(5, b64\"AQI=\")\n", "dict.get", "d", "ext");
	ok("{1: \"one\", [2]: \"two\"}\n", "dict.get", "d", "intkeys");
	ok("{\"$bin\": \"not a form\"}\n", "dict.get", "d", "dollar");
	ok("NaN\n", "dict.get", "d", "nan");
	ok("0.1\n", "--json", "dict.get", "d", "float");
	ok("\"\xff\"\n", "dict.get", "d", "latin1");

	run r = om("--json", "show", "d");
	ck_assert_int_eq(r.status, 0);
	char *again = strdup(r.out);
	assert_json(json_of(r), forms);
	/* --json output fed back as an argument gives the same object. */
	again[strlen(again) - 1] = '\0';
	ok("null\n", "dict.update", "copy", again);
	free(again);
	assert_json(json_of(om("--json", "show", "copy")), forms);

	r = om("dict.set", "d", "k", "{\"$bin\": \"not base64!\"}");
	ck_assert_int_eq(r.status, 64);
	ck_assert_ptr_nonnull(strstr(r.err, "error: bad_params: dict.set: parameter 'value': "
					   "{\"$bin\": ...}: \"not base64!\" is not valid base64"));
	run_free(&r);
}
END_TEST

START_TEST(test_raw_prints_strings_bare_one_element_per_line)
{
	ok("3\n", "list.extend", "l", "[\"hello world\", 2, null]");
	ok("hello world\n2\n\n", "--raw", "list.items", "l");
	ok("hello world\n", "--raw", "list.get", "l", "0");
	ok("null\n", "dict.set", "d", "name", "@l");
	ok("l\n", "--raw", "dict.get", "d", "name");
	ok("name\n", "--raw", "dict.keys", "d");
	ok("name\tl\n", "--raw", "dict.items", "d");
}
END_TEST

START_TEST(test_piped_lines_run_one_command_each)
{
	run r = om_in("dict.set p a 1\n"
		      "# a comment, then a blank line\n"
		      "\n"
		      "dict.set p b [1,\n"
		      "   2]\n"
		      "dict.get p b\n"
		      "dict.get p nope\n"
		      "list.append l 'two words'\n"
		      "list.append l \"quoted \\\"json\\\"\"\n"
		      "list.items l\n"
		      "ping\n", NULL);
	ck_assert_int_eq(r.status, 4);
	ck_assert_str_eq(r.out, "null\nnull\n[1, 2]\n1\n2\n[\"two words\", \"quoted \\\"json\\\"\"]\npong\n");
	ck_assert_str_eq(r.err, "error: key_error: dict 'p' has no key \"nope\"\n");
	run_free(&r);

	r = om_in("counter.add c 1\ncounter.add c 1\n", "--json", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "1\n2\n");
	run_free(&r);

	r = om_in("dict.set p k [1,\n", NULL);
	ck_assert_int_eq(r.status, 64);
	ck_assert_str_eq(r.err, "error: bad_params: line 1: the input ends inside an open [ or {\n");
	run_free(&r);
}
END_TEST

/* A missing ] or } ends at the next empty line: the commands after it still run. */
START_TEST(test_piped_empty_line_ends_an_open_statement)
{
	run r = om_in("dict.set p k {\"a\": [1,\n"
		      "\n"
		      "dict.set p k 2\n"
		      "dict.set p j [1,\n"
		      "  \t \n"
		      "dict.get p k\n"
		      "dict.len p\n", NULL);
	ck_assert_int_eq(r.status, 64);
	ck_assert_str_eq(r.out, "null\n2\n1\n");
	ck_assert_str_eq(r.err,
			 "error: bad_params: line 2: an empty line ended the statement inside an open [ or {\n"
			 "error: bad_params: line 5: an empty line ended the statement inside an open [ or {\n");
	run_free(&r);
}
END_TEST

START_TEST(test_piped_input_stops_with_2_when_the_server_is_gone)
{
	char path[600];
	snprintf(path, sizeof path, "%s/nobody-here.sock", harness_srv.dir);
	char *argv[] = {NULL, "-s", path, NULL};
	run r = run_argv("help\nping\nping\n", argv);
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.out, "dict.set NAME key value"));
	/* Reported once: the batch stops at the first unreachable command. */
	ck_assert_ptr_nonnull(strstr(r.err, path));
	ck_assert_ptr_null(strstr(strstr(r.err, path) + 1, path));
	run_free(&r);
}
END_TEST

START_TEST(test_options_version_help_and_conflicts)
{
	char *version[] = {NULL, "--version", NULL};
	run r = run_argv(NULL, version);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "objmgr " OM_VERSION "\n");
	run_free(&r);

	char *help[] = {NULL, "--help", NULL};
	r = run_argv(NULL, help);
	ck_assert_int_eq(r.status, 0);
	static const char *const sections[] = {"NAME\n", "SYNOPSIS\n", "DESCRIPTION\n", "COMMANDS\n",
					       "OPTIONS\n", "ENVIRONMENT\n", "EXIT STATUS\n", "EXAMPLES\n"};
	for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
		ck_assert_msg(strstr(r.out, sections[i]), "--help lacks %s", sections[i]);
	ck_assert_ptr_nonnull(strstr(r.out, "OBJMGR_HISTFILE"));
	ck_assert_ptr_nonnull(strstr(r.out, "NO_COLOR"));
	run_free(&r);

	r = om("--json", "--raw", "ping");
	ck_assert_int_eq(r.status, 64);
	ck_assert_str_eq(r.err, "objmgr: --json and --raw exclude each other\n");
	run_free(&r);

	r = om("--bogus");
	ck_assert_int_eq(r.status, 64);
	run_free(&r);
}
END_TEST

START_TEST(test_no_colour_when_not_a_terminal)
{
	ok("null\n", "dict.set", "d", "k", "v");
	run r = om("dict.get", "d", "k");
	ck_assert_str_eq(r.out, "\"v\"\n");
	ck_assert_ptr_null(strchr(r.out, '\033'));
	run_free(&r);
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("oneshot");
	tcase_add_checked_fixture(tc, harness_fixture_start, harness_fixture_stop);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_set_then_get_prints_the_value);
	tcase_add_test(tc, test_arguments_read_as_json_literals_else_strings);
	tcase_add_test(tc, test_integers_beyond_int64_are_unsigned_or_an_error);
	tcase_add_test(tc, test_string_params_take_the_word_literally);
	tcase_add_test(tc, test_invalid_json_is_an_error_not_a_string);
	tcase_add_test(tc, test_server_error_exits_4_with_code_and_message);
	tcase_add_test(tc, test_params_checked_against_the_op_table_before_sending);
	tcase_add_test(tc, test_unknown_commands_are_no_such_method);
	tcase_add_test(tc, test_unreachable_server_exits_2_saying_where_it_looked);
	tcase_add_test(tc, test_default_address_comes_from_objmgr_socket);
	tcase_add_test(tc, test_server_of_another_user_needs_server_user);
	tcase_add_test(tc, test_help_lists_every_op_of_the_tables_without_a_server);
	tcase_add_test(tc, test_help_for_one_method_shows_its_params);
	tcase_add_test(tc, test_ls_lists_name_type_and_size);
	tcase_add_test(tc, test_show_prints_dict_rows_list_numbered_counter_value);
	tcase_add_test(tc, test_show_of_a_coordination_object_prints_its_state_and_takes_nothing);
	tcase_add_test(tc, test_show_of_a_big_dict_prints_100_rows_then_how_many_more);
	tcase_add_test(tc, test_show_of_a_big_dict_raw_and_json_print_every_pair);
	tcase_add_test(tc, test_show_of_a_big_list_reads_it_in_slices);
	tcase_add_test(tc, test_show_of_a_queue_cuts_the_human_form_to_n_rows);
	tcase_add_test(tc, test_ls_of_many_objects_prints_100_rows_then_how_many_more);
	tcase_add_test(tc, test_ls_and_show_refuse_a_malformed_n);
	tcase_add_test(tc, test_type_and_del);
	tcase_add_test(tc, test_info_and_ping);
	tcase_add_test(tc, test_clients_table);
	tcase_add_test(tc, test_json_forms_round_trip);
	tcase_add_test(tc, test_raw_prints_strings_bare_one_element_per_line);
	tcase_add_test(tc, test_piped_lines_run_one_command_each);
	tcase_add_test(tc, test_piped_empty_line_ends_an_open_statement);
	tcase_add_test(tc, test_piped_input_stops_with_2_when_the_server_is_gone);
	tcase_add_test(tc, test_options_version_help_and_conflicts);
	tcase_add_test(tc, test_no_colour_when_not_a_terminal);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(cli_suite());
}
