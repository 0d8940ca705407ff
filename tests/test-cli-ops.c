/*
 * test-cli-ops.c — the operators' side of the objmgr program, run as
 * scripts run it (no terminal) against a real objmgrd: -r/-i repeating a
 * command, --stat, --latency and --latency-history, info SECTION (and
 * server.info's section param under it), and help @GROUP against the op
 * tables. Figures that depend on time are checked for their shape and
 * their relations (min <= avg <= max), never against a duration; the
 * counts the server keeps are checked exactly.
 */
#include <check.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check-main.h"
#include "cli-run.h"
#include "harness.h"
#include "ops.h"

/* objmgr -s <the test server> ARGS... */
#define om(...) run_on(harness_srv.socket, NULL, __VA_ARGS__, NULL)

/* Runs a command that must succeed; its stdout (malloc'd). */
#define out_of(...) out_ok(om(__VA_ARGS__))

static char *out_ok(run r)
{
	ck_assert_msg(r.status == 0, "status %d, stderr: %s", r.status, r.err);
	ck_assert_str_eq(r.err, "");
	free(r.err);
	return r.out;
}

/* The lines of text (text is cut up in place); their number. */
static size_t lines_of(char *text, char **lines, size_t max)
{
	size_t n = 0;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l && n < max;
	     l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	return n;
}

/* The keys of the JSON object text, comma-separated in their order. */
static char *keys_of(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_PRESERVE_ORDER, &e);
	ck_assert_msg(j && json_is_object(j), "not a JSON object (%s): %s", e.text, text);
	static char keys[1024];
	keys[0] = '\0';
	const char *k;
	json_t *v;
	json_object_foreach(j, k, v) {
		snprintf(keys + strlen(keys), sizeof keys - strlen(keys), "%s%s", keys[0] ? "," : "", k);
	}
	json_decref(j);
	return keys;
}

START_TEST(test_repeat_runs_a_command_n_times)
{
	char *out = out_of("-r", "3", "counter.add", "hits", "1");
	ck_assert_str_eq(out, "1\n2\n3\n");
	free(out);
	out = out_of("-r", "2", "-i", "0.05", "--json", "counter.get", "hits");
	ck_assert_str_eq(out, "3\n3\n");
	free(out);
	out = out_of("counter.get", "hits");
	ck_assert_str_eq(out, "3\n");
	free(out);
}
END_TEST

START_TEST(test_repeat_stops_at_the_first_failure)
{
	run r = om("-r", "3", "dict.get", "nobody", "k");
	ck_assert_int_ne(r.status, 0);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, "error: key_error: dict 'nobody' has no key \"k\"\n"); /* once */
	run_free(&r);
	/* dict.pop answers 1, then fails: the third never runs */
	char *out = out_of("dict.set", "d", "k", "1");
	free(out);
	r = om("-r", "3", "dict.pop", "d", "k");
	ck_assert_int_ne(r.status, 0);
	ck_assert_str_eq(r.out, "1\n");
	ck_assert_str_eq(r.err, "error: key_error: dict 'd' has no key \"k\"\n");
	run_free(&r);
}
END_TEST

START_TEST(test_repeat_and_interval_options_are_checked)
{
	static const char *const bad[][3] = {
		{"-r", "0", "objmgr: -r: '0' is not a count (1 or more, or -1 for ever)\n"},
		{"-r", "x", "objmgr: -r: 'x' is not a count (1 or more, or -1 for ever)\n"},
		{"-r", "-2", "objmgr: -r: '-2' is not a count (1 or more, or -1 for ever)\n"},
		{"-i", "-1", "objmgr: -i: '-1' is not seconds (a number from 0 to 1000000)\n"},
		{"-i", "nan", "objmgr: -i: 'nan' is not seconds (a number from 0 to 1000000)\n"},
		{"-i", "1s", "objmgr: -i: '1s' is not seconds (a number from 0 to 1000000)\n"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		run r = om(bad[i][0], bad[i][1], "ping");
		ck_assert_int_ne(r.status, 0);
		ck_assert_str_eq(r.out, "");
		ck_assert_str_eq(r.err, bad[i][2]);
		run_free(&r);
	}
	run r = om("-r", "2");
	ck_assert_int_ne(r.status, 0);
	ck_assert_str_eq(r.err, "objmgr: -r needs a command to repeat\n");
	run_free(&r);
	r = om("--stat", "ping");
	ck_assert_int_ne(r.status, 0);
	ck_assert_str_eq(r.err, "objmgr: --stat and --latency take no command\n");
	run_free(&r);
}
END_TEST

/* server.info's "waiting" through the CLI, as the tests' own client sees it. */
static long waiting_now(void)
{
	char *out = out_of("--json", "info", "clients");
	json_error_t e;
	json_t *j = json_loads(out, 0, &e);
	ck_assert_ptr_nonnull(j);
	long w = (long)json_integer_value(json_object_get(j, "waiting"));
	json_decref(j);
	free(out);
	return w;
}

START_TEST(test_stat_prints_a_header_and_a_line_per_interval)
{
	for (int i = 0; i < 5; i++) {
		char name[16];
		snprintf(name, sizeof name, "o%d", i);
		free(out_of("counter.add", name, "1"));
	}
	/* A parked queue.get: one more client, one waiting call, one more object. */
	char *argv[CLI_ARGV_MAX], errf[300], outf[300];
	char *words[] = {NULL, "-s", (char *)harness_srv.socket, "queue.get", "q", NULL};
	memcpy(argv, words, sizeof words);
	snprintf(outf, sizeof outf, "%s/get.out", harness_srv.dir);
	snprintf(errf, sizeof errf, "%s/get.err", harness_srv.dir);
	pid_t getter = run_spawn(argv, outf, errf);
	double deadline = harness_now_s() + 15 * harness_slowdown();
	while (waiting_now() != 1) {
		ck_assert_msg(harness_now_s() < deadline, "the queue.get never parked");
		harness_sleep_ms(10);
	}

	char *out = out_of("--stat", "-r", "3", "-i", "0.1");
	char *lines[8];
	ck_assert_int_eq(lines_of(out, lines, 8), 4);
	ck_assert_str_eq(lines[0], "objects    clients    waiting    ops        ops/s      memory     "
				   "revision");
	long first_ops = 0;
	for (int i = 1; i <= 3; i++) {
		long objects, clients, waiting, ops, revision;
		char rate[32], memory[32];
		ck_assert_msg(sscanf(lines[i], "%ld %ld %ld %ld %31s %31s %ld", &objects, &clients,
				     &waiting, &ops, rate, memory, &revision) == 7,
			      "line %d: %s", i, lines[i]);
		ck_assert_int_eq(objects, 6);
		ck_assert_int_eq(clients, 2);
		ck_assert_int_eq(waiting, 1);
		ck_assert_int_eq(revision, 5); /* the counters; a parked get changes nothing */
		/* one server.info a line, and nobody else calls */
		if (i == 1)
			first_ops = ops;
		ck_assert_int_eq(ops, first_ops + i - 1);
		if (i == 1) {
			ck_assert_str_eq(rate, "-");
		} else {
			char *end;
			ck_assert_double_gt(strtod(rate, &end), 0);
			ck_assert_str_eq(end, "");
		}
		char unit = memory[strlen(memory) - 1];
		ck_assert_msg(strchr("BKMG", unit), "memory %s", memory);
		/* every column starts where the header's does */
		ck_assert_int_eq(lines[i][11] != ' ' && lines[i][10] == ' ', 1);
	}
	free(out);

	free(out_of("queue.put", "q", "7"));
	int status;
	ck_assert_int_eq(waitpid(getter, &status, 0), getter);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	unlink(outf);
	unlink(errf);
}
END_TEST

START_TEST(test_stat_repeats_its_header_every_20_lines)
{
	char *out = out_of("--stat", "-r", "21", "-i", "0");
	char *lines[32];
	ck_assert_int_eq(lines_of(out, lines, 32), 23);
	for (int i = 0; i < 23; i++)
		ck_assert_int_eq(strncmp(lines[i], "objects ", 8) == 0, i == 0 || i == 21);
	free(out);
}
END_TEST

START_TEST(test_stat_json_is_a_document_a_line)
{
	free(out_of("counter.add", "c", "1"));
	char *out = out_of("--json", "--stat", "-r", "2", "-i", "0.05");
	char *lines[4];
	ck_assert_int_eq(lines_of(out, lines, 4), 2);
	for (int i = 0; i < 2; i++)
		ck_assert_str_eq(keys_of(lines[i]),
				 "objects,clients,waiting,ops,ops_per_s,used_memory,revision");
	ck_assert_ptr_nonnull(strstr(lines[0], "\"objects\": 1, \"clients\": 1, \"waiting\": 0, "));
	ck_assert_ptr_nonnull(strstr(lines[0], "\"ops_per_s\": null, "));
	ck_assert_ptr_null(strstr(lines[1], "null"));
	free(out);
}
END_TEST

/* Checks a --latency line, "min: A, avg: B, max: C, p99: D ms (N samples)"; N. */
static long latency_line(const char *line, const char *suffix)
{
	double min, avg, max, p99;
	long n = 0;
	int used = 0;
	ck_assert_msg(sscanf(line, "min: %lf, avg: %lf, max: %lf, p99: %lf ms (%ld samples)%n", &min,
			     &avg, &max, &p99, &n, &used) == 5 && used > 0,
		      "not a latency line: %s", line);
	ck_assert_str_eq(line + used, suffix);
	ck_assert_int_gt(n, 0);
	ck_assert_msg(0 < min && min <= avg && avg <= max && min <= p99 && p99 <= max, "%s", line);
	return n;
}

/* server.ping's calls in server.info's methods section. */
static long ping_calls(void)
{
	char *out = out_of("--json", "info", "methods");
	json_error_t e;
	json_t *j = json_loads(out, 0, &e);
	ck_assert_ptr_nonnull(j);
	long calls = (long)json_integer_value(json_object_get(json_object_get(j, "server.ping"), "calls"));
	json_decref(j);
	free(out);
	return calls;
}

START_TEST(test_latency_prints_a_line_per_interval_of_every_sample)
{
	char *out = out_of("--latency", "-r", "2", "-i", "0.1");
	char *lines[4];
	ck_assert_int_eq(lines_of(out, lines, 4), 2);
	long first = latency_line(lines[0], ""), second = latency_line(lines[1], "");
	ck_assert_int_gt(second, first); /* since the start */
	free(out);
	/* each sample is one ping, and there is no other */
	ck_assert_int_eq(ping_calls(), second);
}
END_TEST

START_TEST(test_latency_history_starts_again_each_interval)
{
	char *out = out_of("--latency-history", "-r", "3", "-i", "0.1");
	char *lines[4];
	ck_assert_int_eq(lines_of(out, lines, 4), 3);
	long total = 0;
	for (int i = 0; i < 3; i++) {
		const char *range = strstr(lines[i], " -- ");
		ck_assert_msg(range, "%s", lines[i]);
		double secs;
		char tail[32];
		ck_assert_int_eq(sscanf(range, " -- %lf %31[a-z ]", &secs, tail), 2);
		ck_assert_str_eq(tail, "seconds range");
		ck_assert_double_ge(secs, 0.1);
		total += latency_line(lines[i], range);
	}
	free(out);
	ck_assert_int_eq(ping_calls(), total);
}
END_TEST

START_TEST(test_latency_json_is_a_document_a_line)
{
	char *out = out_of("--json", "--latency", "-r", "1", "-i", "0.05");
	ck_assert_str_eq(keys_of(out), "min_ms,avg_ms,max_ms,p99_ms,samples");
	free(out);
}
END_TEST

/* The keys --json info SECTION answers, comma-separated. */
static void section_keys(const char *section, const char *want)
{
	char *out = out_of("--json", "info", section);
	ck_assert_msg(strcmp(keys_of(out), want) == 0, "info %s: %s", section, out);
	free(out);
}

START_TEST(test_info_sections_have_exactly_their_keys)
{
	section_keys("server", "version,run_id,revision,uptime_s,objects,ops_total,pid,socket,"
			       "listening");
	section_keys("clients", "connections,waiting,parked_runs");
	section_keys("memory", "used_memory,clients_buffers,max_memory");
	section_keys("persistence", "mode");
	section_keys("config", "max_message_size,max_clients,max_output,max_output_hard,"
			       "max_waiting,max_memory,idle_timeout_s,message_timeout_s,busy_poll_us,"
			       "authkey");
	section_keys("polling", "mode,window_us,next,windows,caught,stolen,usec,doorbells");
	/* the calls so far: the info calls and each connection's client.setname */
	section_keys("methods", "server.info,client.setname");
	/* the method itself, 1:1 */
	char *out = out_of("--json", "server.info", "persistence");
	ck_assert_str_eq(out, "{\"mode\": \"memory\"}\n");
	free(out);
	/* no section: the whole map, as before */
	out = out_of("--json", "info");
	ck_assert_str_eq(keys_of(out), "version,run_id,revision,uptime_s,connections,objects,ops_total,"
				       "waiting,parked_runs,used_memory,clients_buffers,pid,socket,"
				       "listening,config,persistence,polling,methods");
	free(out);
	out = out_of("--json", "server.info", "null");
	ck_assert_ptr_nonnull(strstr(out, "\"persistence\": {\"mode\": \"memory\"}, \"polling\": "));
	free(out);
}
END_TEST

START_TEST(test_info_section_human_form)
{
	char *out = out_of("--no-raw", "info", "clients");
	ck_assert_str_eq(out, "connections  1\nwaiting      0\nparked_runs  0\n");
	free(out);
	out = out_of("--no-raw", "info", "persistence");
	ck_assert_str_eq(out, "mode  \"memory\"\n");
	free(out);
	out = out_of("--no-raw", "info", "methods");
	char *lines[8];
	ck_assert_int_eq(lines_of(out, lines, 8), 3);
	char w[4][16];
	ck_assert_int_eq(sscanf(lines[0], "%15s %15s %15s %15s", w[0], w[1], w[2], w[3]), 4);
	ck_assert_str_eq(w[0], "METHOD");
	ck_assert_str_eq(w[3], "USEC/CALL");
	ck_assert_int_eq(strncmp(lines[1], "server.info ", 12), 0);
	ck_assert_int_eq(strncmp(lines[2], "client.setname ", 15), 0);
	free(out);
	out = out_of("--raw", "info", "memory");
	ck_assert_int_eq(strncmp(out, "used_memory\t", 12), 0);
	ck_assert_ptr_nonnull(strstr(out, "\nmax_memory\t0\n"));
	free(out);
}
END_TEST

START_TEST(test_info_unknown_section_names_the_sections)
{
	static const char want[] = "error: bad_params: server.info: no section \"nope\" (the sections: "
				   "server, clients, memory, persistence, config, polling, methods)\n";
	run r = om("info", "nope");
	ck_assert_int_ne(r.status, 0);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, want);
	run_free(&r);
	r = om("server.info", "3");
	ck_assert_int_ne(r.status, 0);
	ck_assert_str_eq(r.err, "error: bad_params: server.info: parameter 'section' must be a "
				"string or nil, got int\nusage: server.info [section]\n");
	run_free(&r);
	r = om("info", "server", "clients");
	ck_assert_int_ne(r.status, 0);
	run_free(&r);
}
END_TEST

/* The method names of help's lines ("  dict.get NAME key ..."), space-separated. */
static char *methods_listed(char *out)
{
	static char names[4096];
	names[0] = '\0';
	char *lines[256];
	size_t n = lines_of(out, lines, 256);
	for (size_t i = 1; i < n; i++) {
		char name[64];
		ck_assert_int_eq(strncmp(lines[i], "  ", 2), 0);
		ck_assert_int_eq(sscanf(lines[i], "%63s", name), 1);
		snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
			 names[0] ? " " : "", name);
	}
	return names;
}

/* The methods of the tables that pass keep, in table order, space-separated. */
static char *methods_where(bool (*keep)(const type_def *t, const op_def *op))
{
	static char names[4096];
	names[0] = '\0';
	for (const type_def *const *t = type_table; *t; t++)
		for (size_t i = 0; i < (*t)->nops; i++)
			if (keep(*t, &(*t)->ops[i]))
				snprintf(names + strlen(names), sizeof names - strlen(names),
					 "%s%s.%s", names[0] ? " " : "", (*t)->name,
					 (*t)->ops[i].name);
	return names;
}

static bool is_dict(const type_def *t, const op_def *op)
{
	(void)op;
	return t == &dict_type;
}

static bool is_blocking(const type_def *t, const op_def *op)
{
	(void)t;
	return op->flags & OP_BLOCKING;
}

static bool is_write(const type_def *t, const op_def *op)
{
	return !t->admin && (op->flags & OP_WRITE);
}

static bool is_read(const type_def *t, const op_def *op)
{
	return !t->admin && !(op->flags & OP_WRITE);
}

static bool is_admin(const type_def *t, const op_def *op)
{
	(void)op;
	return t->admin;
}

/* help @group lists exactly the methods keep picks, after a title line. */
static void group_lists(const char *group, const char *title,
			bool (*keep)(const type_def *t, const op_def *op))
{
	char *out = out_of("help", group);
	ck_assert_msg(strncmp(out, title, strlen(title)) == 0, "help %s: %s", group, out);
	ck_assert_str_eq(methods_listed(out), methods_where(keep));
	free(out);
}

START_TEST(test_help_groups_list_the_methods_of_the_tables)
{
	char title[256];
	snprintf(title, sizeof title, "dict: %s\n", dict_type.help);
	group_lists("@dict", title, is_dict);
	group_lists("@blocking", "@blocking: the methods that may wait before they answer\n",
		    is_blocking);
	group_lists("@write", "@write: ", is_write);
	group_lists("@read", "@read: ", is_read);
	group_lists("@admin", "@admin: ", is_admin);
	/* the exact list, as a reader checks it against the docs */
	char *out = out_of("help", "@blocking");
	ck_assert_str_eq(methods_listed(out),
			 "queue.put queue.get queue.join lock.acquire rlock.acquire event.wait "
			 "semaphore.acquire condition.acquire condition.wait barrier.wait");
	free(out);
	/* help with no topic points at the groups */
	out = out_of("help");
	ck_assert_ptr_nonnull(strstr(out, "\nGroups of methods: help @TYPE (@dict, @queue, ...), "
					  "help @read, @write,\n@blocking (may wait) and @admin "));
	free(out);
}
END_TEST

START_TEST(test_help_unknown_group_lists_the_groups)
{
	char want[1024] = "error: no_such_method: no group '@nope'; the groups: ";
	for (const type_def *const *t = type_table; *t; t++)
		snprintf(want + strlen(want), sizeof want - strlen(want), "@%s, ", (*t)->name);
	strcat(want, "@read, @write, @blocking, @admin\n");
	run r = om("help", "@nope");
	ck_assert_int_ne(r.status, 0);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, want);
	run_free(&r);
}
END_TEST

static Suite *cli_ops_suite(void)
{
	Suite *s = suite_create("cli-ops");
	TCase *tc = tcase_create("operators");
	tcase_add_checked_fixture(tc, harness_fixture_start, harness_fixture_stop);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_repeat_runs_a_command_n_times);
	tcase_add_test(tc, test_repeat_stops_at_the_first_failure);
	tcase_add_test(tc, test_repeat_and_interval_options_are_checked);
	tcase_add_test(tc, test_stat_prints_a_header_and_a_line_per_interval);
	tcase_add_test(tc, test_stat_repeats_its_header_every_20_lines);
	tcase_add_test(tc, test_stat_json_is_a_document_a_line);
	tcase_add_test(tc, test_latency_prints_a_line_per_interval_of_every_sample);
	tcase_add_test(tc, test_latency_history_starts_again_each_interval);
	tcase_add_test(tc, test_latency_json_is_a_document_a_line);
	tcase_add_test(tc, test_info_sections_have_exactly_their_keys);
	tcase_add_test(tc, test_info_section_human_form);
	tcase_add_test(tc, test_info_unknown_section_names_the_sections);
	tcase_add_test(tc, test_help_groups_list_the_methods_of_the_tables);
	tcase_add_test(tc, test_help_unknown_group_lists_the_groups);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(cli_ops_suite());
}
