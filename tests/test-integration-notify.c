/*
 * test-integration-notify.c — watching, monitoring and batches through
 * libobjmgr (om_watch, om_next_notification, om_fd, om_monitor, om_batch,
 * om_objects_version) against a real objmgrd, the changes made by other
 * clients, forked processes among them.
 */
#include <check.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check-main.h"
#include "harness.h"
#include "objmgr.h"
#include "workers.h"

/* A call that must succeed. */
#define OK(c, call)                                                                        \
	do {                                                                               \
		int rc_ = (call);                                                          \
		ck_assert_msg(rc_ == OM_OK, "%s: %s: %s", #call, om_code_name(rc_),          \
			      om_errmsg(c));                                               \
	} while (0)

/* How long a notification that must come may take, in seconds. */
#define COME_S (10.0 * harness_slowdown())

static om_client *client(void)
{
	om_client *c = worker_connect();
	ck_assert_msg(om_errcode(c) == OM_OK, "%s", om_errmsg(c));
	return c;
}

/* v formatted as om_value_format() does, into a static buffer. */
static const char *text(const om_value *v)
{
	static char buf[1024];
	om_value_format(v, buf, sizeof buf);
	return buf;
}

static uint64_t as_uint(const om_value *v)
{
	ck_assert_msg(v->kind == OM_UINT || (v->kind == OM_INT && v->as.i >= 0),
		      "not a non-negative integer: %s", text(v));
	return v->kind == OM_UINT ? v->as.u : (uint64_t)v->as.i;
}

/*
 * Takes the next notification, which must be objects.changed for name by
 * method with params formatted as params (NULL: any); returns its version.
 */
static uint64_t expect_change(om_client *w, const char *name, const char *method,
			      const char *params)
{
	om_notification n;
	OK(w, om_next_notification(w, COME_S, &n));
	ck_assert_str_eq(n.method, "objects.changed");
	ck_assert_msg(n.params.kind == OM_ARRAY && n.params.len == 4, "params %s",
		      text(&n.params));
	ck_assert_str_eq(text(&n.params.as.items[0]), name);
	ck_assert_str_eq(text(&n.params.as.items[1]), method);
	if (params)
		ck_assert_str_eq(text(&n.params.as.items[2]), params);
	uint64_t version = as_uint(&n.params.as.items[3]);
	om_notification_free(&n);
	return version;
}

/* No notification comes within ms milliseconds. */
static void expect_none(om_client *w, long ms)
{
	om_notification n;
	int rc = om_next_notification(w, (double)ms / 1000, &n);
	ck_assert_msg(rc == OM_TIMEOUT, "%s: %s %s", om_code_name(rc), n.method ? n.method : "",
		      n.method ? text(&n.params) : om_errmsg(w));
}

static uint64_t version_of(om_client *c, const char *name)
{
	uint64_t v;
	OK(c, om_objects_version(c, name, &v));
	return v;
}

/* The writes the forked writer makes, in order: one to a name nobody watches among them. */
static int write_cfg(om_client *c, int id)
{
	(void)id;
	om_dict *cfg = om_dict_open(c, "cfg"), *other = om_dict_open(c, "other");
	int rc = om_dict_set(cfg, om_str("a"), om_int(1));
	if (rc == OM_OK)
		rc = om_dict_set(other, om_str("a"), om_int(1));
	if (rc == OM_OK)
		rc = om_dict_set(cfg, om_str("b"), om_str("two words"));
	if (rc == OM_OK)
		rc = om_dict_del(cfg, om_str("a"));
	om_dict_close(cfg);
	om_dict_close(other);
	return rc;
}

START_TEST(test_watch_sees_each_change_of_another_process_in_order)
{
	om_client *w = client();
	uint64_t revision;
	OK(w, om_watch(w, "cfg", &revision));
	ck_assert(worker_reap(worker_spawn(write_cfg, 0)));
	uint64_t v1 = expect_change(w, "\"cfg\"", "\"dict.set\"", "[\"a\", 1]");
	uint64_t v2 = expect_change(w, "\"cfg\"", "\"dict.set\"", "[\"b\", \"two words\"]");
	uint64_t v3 = expect_change(w, "\"cfg\"", "\"dict.del\"", "[\"a\"]");
	ck_assert_uint_lt(v1, v2);
	ck_assert_uint_lt(v2, v3);
	ck_assert_uint_eq(version_of(w, "cfg"), v3);
	expect_none(w, 200); /* "other" is not watched */
	om_value versions;
	OK(w, om_objects_list_versions(w, "cf?", &versions));
	char want[64];
	snprintf(want, sizeof want, "{\"cfg\": [\"dict\", %llu]}", (unsigned long long)v3);
	ck_assert_str_eq(text(&versions), want);
	om_value_free(&versions);
	OK(w, om_objects_list_versions(w, NULL, &versions));
	ck_assert_uint_eq(versions.len, 2); /* cfg and other */
	om_value_free(&versions);

	OK(w, om_objects_delete(w, "cfg", NULL));
	ck_assert_uint_gt(expect_change(w, "\"cfg\"", "\"objects.delete\"", "[]"), v3);
	ck_assert_uint_eq(version_of(w, "cfg"), 0);
	om_close(w);
}
END_TEST

START_TEST(test_watch_answers_the_revision_server_info_shows)
{
	om_client *w = client();
	om_value info;
	OK(w, om_server_info(w, &info));
	const om_value *revision = om_value_map_get(&info, "revision");
	const om_value *run_id = om_value_map_get(&info, "run_id");
	ck_assert_ptr_nonnull(revision);
	ck_assert_ptr_nonnull(run_id);
	ck_assert_int_eq(run_id->kind, OM_STR);
	ck_assert_uint_gt(run_id->len, 0);
	ck_assert_uint_eq(strspn(run_id->as.str, "0123456789abcdef"), run_id->len);
	uint64_t watched;
	OK(w, om_watch(w, NULL, &watched));
	ck_assert_uint_eq(watched, as_uint(revision));
	om_value_free(&info);
	om_close(w);
}
END_TEST

START_TEST(test_watch_patterns_are_globs_and_unwatch_removes_them)
{
	om_client *w = client(), *c = client();
	OK(w, om_watch(w, "job?", NULL));
	OK(w, om_watch(w, "x\\*", NULL));
	om_counter *names[] = {om_counter_open(c, "jobs12"), om_counter_open(c, "job1"),
			       om_counter_open(c, "xy"), om_counter_open(c, "x*")};
	for (size_t i = 0; i < 4; i++)
		OK(c, om_counter_add(names[i], om_int(5), NULL));
	expect_change(w, "\"job1\"", "\"counter.add\"", "[5]");
	expect_change(w, "\"x*\"", "\"counter.add\"", "[5]");
	expect_none(w, 200);

	bool was;
	OK(w, om_unwatch(w, "job?", &was));
	ck_assert(was);
	OK(w, om_unwatch(w, "job?", &was));
	ck_assert(!was);
	OK(c, om_counter_add(names[1], om_int(1), NULL));
	expect_none(w, 200);
	OK(w, om_unwatch(w, NULL, &was));
	ck_assert(was);
	OK(w, om_unwatch(w, NULL, &was));
	ck_assert(!was);
	OK(c, om_counter_add(names[3], om_int(1), NULL));
	expect_none(w, 200);
	for (size_t i = 0; i < 4; i++)
		om_counter_close(names[i]);
	om_close(c);
	om_close(w);
}
END_TEST

START_TEST(test_a_33rd_watch_pattern_is_limit)
{
	om_client *w = client();
	char pattern[16];
	for (int i = 0; i < 32; i++) {
		snprintf(pattern, sizeof pattern, "p%d", i);
		OK(w, om_watch(w, pattern, NULL));
	}
	ck_assert_int_eq(om_watch(w, "p32", NULL), OM_LIMIT);
	ck_assert(om_connected(w));
	om_close(w);
}
END_TEST

/* Sets cfg.late after 300 ms, while the test waits for the notification. */
static int write_late(om_client *c, int id)
{
	(void)id;
	harness_sleep_ms(300);
	om_dict *d = om_dict_open(c, "cfg");
	int rc = om_dict_set(d, om_str("late"), om_bool(true));
	om_dict_close(d);
	return rc;
}

START_TEST(test_next_notification_polls_with_0_and_waits_with_a_timeout)
{
	om_client *w = client();
	OK(w, om_watch(w, "cfg", NULL));
	om_notification n;
	double t0 = harness_now_s();
	ck_assert_int_eq(om_next_notification(w, 0, &n), OM_TIMEOUT);
	ck_assert_int_eq(om_next_notification(w, 0.3, &n), OM_TIMEOUT);
	double waited = harness_now_s() - t0;
	ck_assert_double_ge(waited, 0.3);
	ck_assert_double_lt(waited, 0.3 + COME_S);

	pid_t writer = worker_spawn(write_late, 0);
	t0 = harness_now_s();
	expect_change(w, "\"cfg\"", "\"dict.set\"", "[\"late\", true]");
	ck_assert_double_ge(harness_now_s() - t0, 0.2);
	ck_assert(worker_reap(writer));
	om_close(w);
}
END_TEST

START_TEST(test_poll_on_om_fd_wakes_for_a_change_once_the_queue_is_drained)
{
	om_client *w = client(), *c = client();
	OK(w, om_watch(w, "n", NULL));
	om_counter *n = om_counter_open(c, "n");
	OK(c, om_counter_add(n, om_int(1), NULL));
	OK(c, om_counter_add(n, om_int(1), NULL));
	/* Two notifications come; after the first both may be read, so drain before polling. */
	expect_change(w, "\"n\"", "\"counter.add\"", "[1]");
	expect_change(w, "\"n\"", "\"counter.add\"", "[1]");
	expect_none(w, 0);
	struct pollfd p = {.fd = om_fd(w), .events = POLLIN};
	ck_assert_int_ge(p.fd, 0);
	ck_assert_int_eq(poll(&p, 1, 100), 0);
	OK(c, om_counter_add(n, om_int(7), NULL));
	ck_assert_int_eq(poll(&p, 1, (int)(COME_S * 1000)), 1);
	expect_change(w, "\"n\"", "\"counter.add\"", "[7]");
	om_counter_close(n);
	om_close(c);
	om_close(w);
}
END_TEST

START_TEST(test_notifications_interleaved_with_pipelined_replies_are_all_kept)
{
	enum { N = 200 };
	om_client *w = client();
	OK(w, om_watch(w, "d", NULL));
	uint32_t ids[N];
	for (int i = 0; i < N; i++)
		OK(w, om_send(w, "dict.set", (om_value[]){om_str("d"), om_int(i), om_int(i)}, 3,
			      &ids[i]));
	/* An om_call among them: its reply comes after N replies and N notifications. */
	size_t len;
	om_dict *d = om_dict_open(w, "d");
	OK(w, om_dict_len(d, &len));
	ck_assert_uint_eq(len, N);
	for (int i = N - 1; i >= 0; i--)
		OK(w, om_recv_id(w, ids[i], NULL));
	ck_assert_uint_eq(om_pending(w), 0);
	uint64_t last = 0;
	for (int i = 0; i < N; i++) {
		char params[32];
		snprintf(params, sizeof params, "[%d, %d]", i, i);
		uint64_t v = expect_change(w, "\"d\"", "\"dict.set\"", params);
		ck_assert_uint_gt(v, last);
		last = v;
	}
	expect_none(w, 0);
	om_dict_close(d);
	om_close(w);
}
END_TEST

START_TEST(test_monitor_sees_the_calls_of_other_clients_until_turned_off)
{
	om_client *m = client(), *c = client();
	OK(m, om_monitor(m, true));
	OK(c, om_client_setname(c, "writer"));
	om_value list;
	OK(c, om_clients_list(c, &list));
	uint64_t id = 0;
	for (uint32_t i = 0; i < list.len; i++)
		if (om_value_map_get(&list.as.items[i], "me")->as.b)
			id = as_uint(om_value_map_get(&list.as.items[i], "id"));
	om_value_free(&list);
	om_dict *d = om_dict_open(c, "cfg");
	OK(c, om_dict_set(d, om_str("a"), om_int(1)));

	/* The writer's client.setname and clients.list come first. */
	const char *const methods[] = {"client.setname", "clients.list", "dict.set"};
	const char *const params[] = {"[\"writer\"]", "[]", "[\"cfg\", \"a\", 1]"};
	for (int i = 0; i < 3; i++) {
		om_notification n;
		OK(m, om_next_notification(m, COME_S, &n));
		ck_assert_str_eq(n.method, "server.call");
		ck_assert_msg(n.params.kind == OM_ARRAY && n.params.len == 4, "%s", text(&n.params));
		const om_value *p = n.params.as.items;
		ck_assert_int_eq(p[0].kind, OM_FLOAT64);
		ck_assert_double_lt(p[0].as.f - (double)time(NULL), 5);
		ck_assert_double_gt(p[0].as.f - (double)time(NULL), -5);
		ck_assert_uint_eq(as_uint(&p[1]), id);
		ck_assert_str_eq(p[2].as.str, methods[i]);
		ck_assert_str_eq(text(&p[3]), params[i]);
		om_notification_free(&n);
	}
	OK(m, om_monitor(m, false));
	OK(c, om_dict_set(d, om_str("b"), om_int(2)));
	OK(m, om_server_ping(m)); /* after the dict.set: any notification of it came before */
	om_notification n;
	while (om_next_notification(m, 0, &n) == OM_OK) {
		ck_assert_msg(n.params.len == 4 && strcmp(n.params.as.items[2].as.str, "dict.set") != 0,
			      "a call after monitoring stopped: %s", text(&n.params));
		om_notification_free(&n);
	}
	om_dict_close(d);
	om_close(c);
	om_close(m);
}
END_TEST

START_TEST(test_batch_runs_every_call_and_answers_each_result)
{
	om_client *c = client();
	om_value calls[] = {
		om_array((om_value[]){om_str("dict.set"),
				      om_array((om_value[]){om_str("d"), om_str("a"), om_int(1)}, 3)}, 2),
		om_array((om_value[]){om_str("dict.get"),
				      om_array((om_value[]){om_str("d"), om_str("zz")}, 2)}, 2),
		om_array((om_value[]){om_str("dict.get"),
				      om_array((om_value[]){om_str("d"), om_str("a")}, 2)}, 2),
	};
	om_value list = om_array(calls, 3), result;
	OK(c, om_batch(c, &list, NULL, &result));
	ck_assert_int_eq(result.kind, OM_ARRAY);
	ck_assert_uint_eq(result.len, 3);
	ck_assert_str_eq(text(&result.as.items[0]), "[null, null]");
	const om_value *failed = &result.as.items[1];
	ck_assert_str_eq(text(&failed->as.items[0].as.items[0]), "\"key_error\"");
	ck_assert_int_eq(failed->as.items[1].kind, OM_NIL);
	ck_assert_str_eq(text(&result.as.items[2]), "[null, 1]");
	om_value_free(&result);
	om_close(c);
}
END_TEST

/* l1 = [1, 2], l2 = [3] */
static void two_lists(om_client *c)
{
	om_list *l1 = om_list_open(c, "l1"), *l2 = om_list_open(c, "l2");
	OK(c, om_list_extend(l1, om_array((om_value[]){om_int(1), om_int(2)}, 2), NULL));
	OK(c, om_list_append(l2, om_int(3), NULL));
	om_list_close(l1);
	om_list_close(l2);
}

static void expect_items(om_client *c, const char *name, const char *want)
{
	om_list *l = om_list_open(c, name);
	om_value items;
	OK(c, om_list_items(l, &items));
	ck_assert_str_eq(text(&items), want);
	om_value_free(&items);
	om_list_close(l);
}

START_TEST(test_atomic_batch_undoes_the_calls_before_a_failing_one)
{
	om_client *c = client(), *w = client();
	two_lists(c);
	uint64_t v1 = version_of(c, "l1"), v2 = version_of(c, "l2");
	OK(w, om_watch(w, "l?", NULL));
	om_value calls[] = {
		om_array((om_value[]){om_str("list.append"),
				      om_array((om_value[]){om_str("l1"), om_int(9)}, 2)}, 2),
		om_array((om_value[]){om_str("list.pop"), om_array((om_value[]){om_str("l2")}, 1)}, 2),
		om_array((om_value[]){om_str("list.get"),
				      om_array((om_value[]){om_str("l1"), om_int(99)}, 2)}, 2),
	};
	om_value list = om_array(calls, 3), result;
	om_value pairs[] = {om_str("atomic"), om_bool(true)};
	om_value options = om_map(pairs, 1);
	ck_assert_int_eq(om_batch(c, &list, &options, &result), OM_INDEX_ERROR);
	ck_assert_int_eq(result.kind, OM_NIL);
	ck_assert_msg(strncmp(om_errmsg(c), "server.batch: call 3 (list.get) failed: ",
			      strlen("server.batch: call 3 (list.get) failed: ")) == 0,
		      "%s", om_errmsg(c));
	expect_items(c, "l1", "[1, 2]");
	expect_items(c, "l2", "[3]");
	ck_assert_uint_eq(version_of(c, "l1"), v1);
	ck_assert_uint_eq(version_of(c, "l2"), v2);
	expect_none(w, 200); /* what was undone never happened for watchers */
	om_close(w);
	om_close(c);
}
END_TEST

START_TEST(test_batch_if_versions_runs_nothing_on_a_changed_object)
{
	om_client *c = client();
	two_lists(c);
	om_value append = om_array((om_value[]){om_str("list.append"),
						om_array((om_value[]){om_str("l2"), om_int(4)}, 2)}, 2);
	om_value list = om_array(&append, 1), result;
	om_value versions[] = {om_str("l1"), om_uint(version_of(c, "l1")), om_str("none"),
			       om_int(0)};
	om_value pairs[] = {om_str("if_versions"), om_map(versions, 2)};
	om_value options = om_map(pairs, 1);
	OK(c, om_batch(c, &list, &options, &result));
	ck_assert_str_eq(text(&result), "[[null, 2]]");
	om_value_free(&result);

	om_list *l1 = om_list_open(c, "l1");
	OK(c, om_list_append(l1, om_int(5), NULL)); /* now l1's version differs */
	ck_assert_int_eq(om_batch(c, &list, &options, &result), OM_CONFLICT);
	ck_assert_int_eq(om_errcode(c), OM_CONFLICT);
	ck_assert_int_eq(result.kind, OM_NIL);
	expect_items(c, "l2", "[3, 4]");
	om_list_close(l1);
	om_close(c);
}
END_TEST

START_TEST(test_closing_deletes_ephemeral_objects_and_releases_locks_for_watchers)
{
	om_client *w = client(), *e = client();
	OK(w, om_watch(w, "tmp", NULL));
	OK(w, om_watch(w, "mutex", NULL));
	om_value pairs[] = {om_str("ephemeral"), om_bool(true)};
	OK(e, om_objects_create(e, "tmp", "dict", om_map(pairs, 1)));
	om_lock *l = om_lock_open(e, "mutex");
	bool acquired;
	OK(e, om_lock_acquire(l, 0, &acquired));
	ck_assert(acquired);
	expect_change(w, "\"tmp\"", "\"objects.create\"", "[\"dict\", {\"ephemeral\": true}]");
	expect_change(w, "\"mutex\"", "\"lock.acquire\"", "[0.0]");
	om_lock_close(l);
	om_close(e);

	/* The close's two changes, in either order: the lock given back, the object deleted. */
	bool tmp = false, mutex = false;
	for (int i = 0; i < 2; i++) {
		om_notification n;
		OK(w, om_next_notification(w, COME_S, &n));
		const char *name = n.params.as.items[0].as.str;
		const char *method = n.params.as.items[1].as.str;
		if (strcmp(name, "tmp") == 0) {
			tmp = true;
			ck_assert_str_eq(method, "objects.delete");
			ck_assert_str_eq(text(&n.params.as.items[2]), "[]");
		} else {
			mutex = strcmp(name, "mutex") == 0;
			ck_assert_str_eq(method, "client.closed");
		}
		om_notification_free(&n);
	}
	ck_assert(tmp && mutex);
	om_value type;
	OK(w, om_objects_type(w, "tmp", &type));
	ck_assert_int_eq(type.kind, OM_NIL);
	om_close(w);
}
END_TEST

/* The --max-output the overflow tests' server runs with: far less than what they write. */
static void start_small_output(void)
{
	harness_start(&harness_srv, "--max-output", "65536", NULL);
}

/* Sets n keys of 200 bytes each in dict "big", pipelined. */
static void flood(om_client *c, int n)
{
	char value[200];
	memset(value, 'v', sizeof value);
	for (int i = 0; i < n; i++)
		OK(c, om_send(c, "dict.set", (om_value[]){om_str("big"), om_int(i),
							 om_strn(value, sizeof value)}, 3, NULL));
	while (om_pending(c))
		OK(c, om_recv(c, NULL, NULL));
}

START_TEST(test_a_watcher_that_does_not_read_gets_one_overflow_and_no_watch)
{
	om_client *w = client(), *c = client();
	uint64_t revision;
	OK(w, om_watch(w, "*", &revision));
	flood(c, 50000);
	/* Now w reads: the changes that fitted, then one objects.overflow, then nothing. */
	om_notification n;
	size_t changes = 0;
	for (;;) {
		OK(w, om_next_notification(w, COME_S, &n));
		if (strcmp(n.method, "objects.overflow") == 0)
			break;
		ck_assert_str_eq(n.method, "objects.changed");
		changes++;
		om_notification_free(&n);
	}
	ck_assert_uint_lt(changes, 50000);
	ck_assert_msg(n.params.len == 2 && n.params.as.items[0].kind == OM_STR, "%s",
		      text(&n.params));
	ck_assert_uint_gt(as_uint(&n.params.as.items[1]), revision);
	om_notification_free(&n);
	flood(c, 10);
	expect_none(w, 300);
	ck_assert(om_connected(w));
	OK(w, om_watch(w, "*", NULL)); /* and it may watch again */
	flood(c, 1);
	expect_change(w, "\"big\"", "\"dict.set\"", NULL);
	om_close(c);
	om_close(w);
}
END_TEST

START_TEST(test_a_monitor_that_does_not_read_gets_one_overflow_and_stops)
{
	om_client *m = client(), *c = client();
	OK(m, om_monitor(m, true));
	flood(c, 50000);
	om_notification n;
	for (;;) {
		OK(m, om_next_notification(m, COME_S, &n));
		if (strcmp(n.method, "server.overflow") == 0)
			break;
		ck_assert_str_eq(n.method, "server.call");
		om_notification_free(&n);
	}
	ck_assert_msg(n.params.len == 1 && n.params.as.items[0].kind == OM_STR, "%s",
		      text(&n.params));
	om_notification_free(&n);
	flood(c, 10);
	expect_none(m, 300);
	ck_assert(om_connected(m));
	om_close(c);
	om_close(m);
}
END_TEST

static Suite *notify_suite(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("notify");
	tcase_add_checked_fixture(tc, harness_fixture_start, harness_fixture_stop);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_watch_sees_each_change_of_another_process_in_order);
	tcase_add_test(tc, test_watch_answers_the_revision_server_info_shows);
	tcase_add_test(tc, test_watch_patterns_are_globs_and_unwatch_removes_them);
	tcase_add_test(tc, test_a_33rd_watch_pattern_is_limit);
	tcase_add_test(tc, test_next_notification_polls_with_0_and_waits_with_a_timeout);
	tcase_add_test(tc, test_poll_on_om_fd_wakes_for_a_change_once_the_queue_is_drained);
	tcase_add_test(tc, test_notifications_interleaved_with_pipelined_replies_are_all_kept);
	tcase_add_test(tc, test_monitor_sees_the_calls_of_other_clients_until_turned_off);
	tcase_add_test(tc, test_batch_runs_every_call_and_answers_each_result);
	tcase_add_test(tc, test_atomic_batch_undoes_the_calls_before_a_failing_one);
	tcase_add_test(tc, test_batch_if_versions_runs_nothing_on_a_changed_object);
	tcase_add_test(tc, test_closing_deletes_ephemeral_objects_and_releases_locks_for_watchers);
	suite_add_tcase(s, tc);

	TCase *over = tcase_create("overflow");
	tcase_add_checked_fixture(over, start_small_output, harness_fixture_stop);
	tcase_set_timeout(over, 120);
	tcase_add_test(over, test_a_watcher_that_does_not_read_gets_one_overflow_and_no_watch);
	tcase_add_test(over, test_a_monitor_that_does_not_read_gets_one_overflow_and_stops);
	suite_add_tcase(s, over);
	return s;
}

int main(void)
{
	return check_main(notify_suite());
}
