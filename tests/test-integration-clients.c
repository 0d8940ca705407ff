/*
 * test-integration-clients.c — clients.list, clients.kill and
 * client.setname through libobjmgr (om_clients_list, om_clients_kill,
 * om_client_setname) against a real objmgrd, with several clients of
 * one process, each its own connection.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check-main.h"
#include "harness.h"
#include "objmgr.h"

/* What "should happen soon" may take, in seconds. */
#define WAIT_S 30.0

/* A call that must succeed. */
#define OK(c, call)                                                                        \
	do {                                                                               \
		int rc_ = (call);                                                          \
		ck_assert_msg(rc_ == OM_OK, "%s: %s: %s", #call, om_code_name(rc_),          \
			      om_errmsg(c));                                               \
	} while (0)

static om_client *client(void)
{
	om_options opts = {.timeout_s = 60};
	om_client *c = om_connect(harness_srv.socket, &opts);
	ck_assert_msg(om_errcode(c) == OM_OK, "%s", om_errmsg(c));
	return c;
}

/* om_call with one string param, which must succeed. */
static void call1(om_client *c, const char *method, const char *name)
{
	om_value arg = om_str(name);
	OK(c, om_call(c, method, &arg, 1, NULL));
}

static const om_value *get(const om_value *map, const char *key)
{
	const om_value *v = om_value_map_get(map, key);
	ck_assert_msg(v, "no key \"%s\"", key);
	return v;
}

static uint64_t get_uint(const om_value *map, const char *key)
{
	const om_value *v = get(map, key);
	ck_assert_msg(v->kind == OM_UINT || (v->kind == OM_INT && v->as.i >= 0),
		      "\"%s\" is not a non-negative integer", key);
	return v->kind == OM_UINT ? v->as.u : (uint64_t)v->as.i;
}

/* The map of connection id in the listing, or NULL. */
static const om_value *entry(const om_value *list, uint64_t id)
{
	for (size_t i = 0; i < list->len; i++)
		if (get_uint(&list->as.items[i], "id") == id)
			return &list->as.items[i];
	return NULL;
}

/* c's own connection id, from the entry clients.list marks "me". */
static uint64_t my_id(om_client *c)
{
	om_value list;
	OK(c, om_clients_list(c, &list));
	uint64_t id = 0;
	for (size_t i = 0; i < list.len; i++) {
		const om_value *me = get(&list.as.items[i], "me");
		ck_assert_int_eq(me->kind, OM_BOOL);
		if (me->as.b) {
			ck_assert_msg(id == 0, "two entries are \"me\"");
			id = get_uint(&list.as.items[i], "id");
		}
	}
	om_value_free(&list);
	ck_assert_msg(id != 0, "no entry is \"me\"");
	return id;
}

/* v formatted as om_value_format() does, into a static buffer. */
static const char *fmt(const om_value *v)
{
	static char buf[1024];
	om_value_format(v, buf, sizeof buf);
	return buf;
}

START_TEST(test_list_shows_each_client)
{
	om_client *a = client(), *b = client();
	/* Each connection's first request was client.setname, on connecting. */
	uint64_t b_id = my_id(b); /* b: 2 requests */
	OK(a, om_client_setname(a, "alpha"));
	om_value arg[] = {om_str("hits"), om_int(1)};
	OK(b, om_call(b, "counter.add", arg, 2, NULL)); /* b: 3 requests */
	om_value list;
	OK(a, om_clients_list(a, &list)); /* a: 3 requests, this one included */
	ck_assert_int_eq(list.kind, OM_ARRAY);
	ck_assert_uint_eq(list.len, 2);
	uint64_t a_id = get_uint(&list.as.items[0], "id");
	ck_assert_uint_eq(get_uint(&list.as.items[1], "id"), b_id);
	ck_assert_uint_lt(a_id, b_id); /* by id: a connected first */

	static const char *const keys[] = {"id", "address", "name", "age", "idle",
					   "authenticated", "requests", "output", "parked",
					   "holds", "me"};
	char address[128];
	snprintf(address, sizeof address, "unix uid %u pid %d", (unsigned)geteuid(), (int)getpid());
	for (size_t i = 0; i < 2; i++) {
		const om_value *m = &list.as.items[i];
		ck_assert_int_eq(m->kind, OM_MAP);
		ck_assert_uint_eq(m->len, 11);
		for (size_t k = 0; k < 11; k++) /* in this order */
			ck_assert_str_eq(m->as.items[2 * k].as.str, keys[k]);
		ck_assert_str_eq(get(m, "address")->as.str, address);
		ck_assert_int_eq(get(m, "age")->kind, OM_FLOAT64);
		ck_assert(get(m, "age")->as.f >= 0 && get(m, "age")->as.f < WAIT_S);
		ck_assert_int_eq(get(m, "idle")->kind, OM_FLOAT64);
		ck_assert(get(m, "idle")->as.f >= 0 && get(m, "idle")->as.f <= get(m, "age")->as.f);
		ck_assert_str_eq(fmt(get(m, "authenticated")), "true");
		ck_assert_uint_eq(get_uint(m, "requests"), 3);
		ck_assert_uint_eq(get_uint(m, "output"), 0);
		ck_assert_uint_eq(get_uint(m, "parked"), 0);
		ck_assert_str_eq(fmt(get(m, "holds")), "{}");
		ck_assert_str_eq(fmt(get(m, "me")), i == 0 ? "true" : "false");
	}
	ck_assert_str_eq(fmt(get(&list.as.items[0], "name")), "\"alpha\"");
	ck_assert_str_eq(fmt(get(&list.as.items[1], "name")), "\"test-integration-clients\"");
	om_value_free(&list);
	om_close(a);
	om_close(b);
}
END_TEST

/* Locks, rlocks, a condition's own lock and permits count; unowned ones are nobody's. */
START_TEST(test_list_shows_holdings)
{
	om_client *a = client(), *b = client();
	uint64_t a_id = my_id(a);
	om_value three[] = {om_str("value"), om_int(3)}, unowned[] = {om_str("owned"), om_bool(false)};
	OK(a, om_objects_create(a, "pool", "semaphore", om_map(three, 1)));
	OK(a, om_objects_create(a, "free", "lock", om_map(unowned, 1)));
	call1(a, "semaphore.acquire", "pool");
	call1(a, "semaphore.acquire", "pool");
	call1(a, "lock.acquire", "jobs-lock");
	call1(a, "rlock.acquire", "r");
	call1(a, "rlock.acquire", "r");
	call1(a, "condition.acquire", "cv");
	call1(a, "lock.acquire", "free");
	call1(b, "semaphore.acquire", "pool"); /* b's permit is not a's */

	om_value list;
	OK(b, om_clients_list(b, &list));
	const om_value *holds = get(entry(&list, a_id), "holds");
	ck_assert_int_eq(holds->kind, OM_MAP);
	ck_assert_uint_eq(holds->len, 4);
	ck_assert_uint_eq(get_uint(holds, "jobs-lock"), 1);
	ck_assert_uint_eq(get_uint(holds, "pool"), 2);
	ck_assert_uint_eq(get_uint(holds, "r"), 2);
	ck_assert_uint_eq(get_uint(holds, "cv"), 1);
	/* sorted by name, whatever order they were taken in */
	ck_assert_str_eq(fmt(holds), "{\"cv\": 1, \"jobs-lock\": 1, \"pool\": 2, \"r\": 2}");
	ck_assert_str_eq(fmt(get(entry(&list, my_id(b)), "holds")), "{\"pool\": 1}");
	om_value_free(&list);

	call1(a, "semaphore.release", "pool");
	call1(a, "lock.release", "jobs-lock");
	OK(b, om_clients_list(b, &list));
	holds = get(entry(&list, a_id), "holds");
	ck_assert_uint_eq(holds->len, 3);
	ck_assert_uint_eq(get_uint(holds, "pool"), 1);
	ck_assert_ptr_null(om_value_map_get(holds, "jobs-lock"));
	om_value_free(&list);
	om_close(a);
	om_close(b);
}
END_TEST

START_TEST(test_setname_is_seen_by_others)
{
	om_client *a = client(), *b = client();
	uint64_t a_id = my_id(a);
	OK(a, om_client_setname(a, "worker-7"));
	om_value list;
	OK(b, om_clients_list(b, &list));
	ck_assert_str_eq(fmt(get(entry(&list, a_id), "name")), "\"worker-7\"");
	om_value_free(&list);

	char longest[65];
	memset(longest, 'n', 64);
	longest[64] = '\0';
	OK(a, om_client_setname(a, longest));
	OK(b, om_clients_list(b, &list));
	ck_assert_str_eq(get(entry(&list, a_id), "name")->as.str, longest);
	om_value_free(&list);

	OK(a, om_client_setname(a, "")); /* clears it */
	OK(b, om_clients_list(b, &list));
	ck_assert_str_eq(fmt(get(entry(&list, a_id), "name")), "null");
	om_value_free(&list);
	om_close(a);
	om_close(b);
}
END_TEST

START_TEST(test_setname_refuses_bad_names)
{
	om_client *a = client();
	OK(a, om_client_setname(a, "kept"));
	char too_long[66];
	memset(too_long, 'n', 65);
	too_long[65] = '\0';
	static const char *const bad[] = {"a b", "tab\there", "new\nline", "\x01", "caf\xc3\xa9",
					  "del\x7f"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_eq(om_client_setname(a, bad[i]), OM_BAD_PARAMS);
		ck_assert_str_eq(om_errmsg(a), "client.setname: parameter 'name' must be at most 64 "
				 "printable ASCII bytes without spaces (\"\" clears it)");
	}
	ck_assert_int_eq(om_client_setname(a, too_long), OM_BAD_PARAMS);
	om_value n = om_int(5);
	ck_assert_int_eq(om_call(a, "client.setname", &n, 1, NULL), OM_BAD_PARAMS);
	ck_assert_int_eq(om_call(a, "client.setname", NULL, 0, NULL), OM_BAD_PARAMS);

	om_value list;
	OK(a, om_clients_list(a, &list));
	ck_assert_str_eq(fmt(get(entry(&list, my_id(a)), "name")), "\"kept\"");
	om_value_free(&list);
	om_close(a);
}
END_TEST

/* Waits until connection id has n parked calls, as clients.list shows them. */
static bool wait_parked_of(om_client *c, uint64_t id, uint64_t n)
{
	for (double end = harness_now_s() + WAIT_S; harness_now_s() < end; harness_sleep_ms(5)) {
		om_value list;
		OK(c, om_clients_list(c, &list));
		const om_value *e = entry(&list, id);
		bool done = e && get_uint(e, "parked") == n;
		om_value_free(&list);
		if (done)
			return true;
	}
	return false;
}

START_TEST(test_kill_releases_what_it_held)
{
	om_client *holder = client(), *waiter = client(), *admin = client();
	uint64_t holder_id = my_id(holder), waiter_id = my_id(waiter);
	call1(holder, "lock.acquire", "jobs-lock");
	om_value arg = om_str("jobs-lock");
	uint32_t id;
	OK(waiter, om_send(waiter, "lock.acquire", &arg, 1, &id));
	OK(waiter, om_flush(waiter));
	ck_assert(wait_parked_of(admin, waiter_id, 1));

	bool existed = false;
	OK(admin, om_clients_kill(admin, holder_id, &existed));
	ck_assert(existed);
	om_value got;
	OK(waiter, om_recv_id(waiter, id, &got)); /* the parked acquire gets the lock */
	ck_assert_str_eq(fmt(&got), "true");

	om_value list;
	OK(admin, om_clients_list(admin, &list));
	ck_assert_uint_eq(list.len, 2);
	ck_assert_ptr_null(entry(&list, holder_id));
	ck_assert_str_eq(fmt(get(entry(&list, waiter_id), "holds")), "{\"jobs-lock\": 1}");
	ck_assert_uint_eq(get_uint(entry(&list, waiter_id), "parked"), 0);
	om_value_free(&list);
	ck_assert_int_eq(om_server_ping(holder), OM_IO); /* the server closed it */

	OK(admin, om_clients_kill(admin, holder_id, &existed)); /* gone: false */
	ck_assert(!existed);
	om_close(holder);
	om_close(waiter);
	om_close(admin);
}
END_TEST

START_TEST(test_kill_unknown_id_is_false)
{
	om_client *a = client();
	bool existed = true;
	OK(a, om_clients_kill(a, 999999, &existed));
	ck_assert(!existed);
	existed = true;
	om_value neg = om_int(-1), str = om_str("1");
	om_value v;
	OK(a, om_call(a, "clients.kill", &neg, 1, &v));
	ck_assert_str_eq(fmt(&v), "false");
	ck_assert_int_eq(om_call(a, "clients.kill", &str, 1, NULL), OM_BAD_PARAMS);
	ck_assert_int_eq(om_call(a, "clients.kill", NULL, 0, NULL), OM_BAD_PARAMS);
	OK(a, om_server_ping(a));
	om_close(a);
}
END_TEST

/* Killing yourself answers true first, releases what you held, and runs nothing after it. */
START_TEST(test_kill_self)
{
	om_client *a = client(), *b = client();
	uint64_t a_id = my_id(a);
	call1(a, "lock.acquire", "mine");
	om_value id = om_uint(a_id), add[] = {om_str("after"), om_int(1)};
	uint32_t kill_id, add_id;
	OK(a, om_send(a, "clients.kill", &id, 1, &kill_id));
	OK(a, om_send(a, "counter.add", add, 2, &add_id)); /* pipelined behind it: never runs */
	OK(a, om_flush(a));
	om_value v;
	OK(a, om_recv_id(a, kill_id, &v));
	ck_assert_str_eq(fmt(&v), "true");
	ck_assert_int_eq(om_recv_id(a, add_id, &v), OM_IO);

	om_value locked, list;
	om_value name = om_str("mine"), counter = om_str("after");
	OK(b, om_call(b, "lock.locked", &name, 1, &locked));
	ck_assert_str_eq(fmt(&locked), "false");
	OK(b, om_call(b, "counter.get", &counter, 1, &v));
	ck_assert_str_eq(fmt(&v), "0");
	OK(b, om_clients_list(b, &list));
	ck_assert_uint_eq(list.len, 1);
	om_value_free(&list);
	om_close(a);
	om_close(b);
}
END_TEST

/* The name c's connection shows in clients.list, formatted. */
static const char *name_of(om_client *c)
{
	static char buf[1024];
	om_value list;
	OK(c, om_clients_list(c, &list));
	snprintf(buf, sizeof buf, "%s", fmt(get(entry(&list, my_id(c)), "name")));
	om_value_free(&list);
	return buf;
}

/* libobjmgr names each connection after the program, unless om_options says otherwise. */
START_TEST(test_default_name_is_the_program_name)
{
	om_client *a = client();
	ck_assert_str_eq(name_of(a), "\"test-integration-clients\"");
	uint64_t first = my_id(a);
	OK(a, om_reconnect(a)); /* named again on the new connection */
	ck_assert_uint_ne(my_id(a), first);
	ck_assert_str_eq(name_of(a), "\"test-integration-clients\"");
	om_close(a);

	om_options opts = {.timeout_s = 60, .client_name = "reporter"};
	a = om_connect(harness_srv.socket, &opts);
	ck_assert_int_eq(om_errcode(a), OM_OK);
	ck_assert_str_eq(name_of(a), "\"reporter\"");
	om_close(a);

	opts.client_name = ""; /* none: nothing is sent */
	a = om_connect(harness_srv.socket, &opts);
	ck_assert_int_eq(om_errcode(a), OM_OK);
	ck_assert_str_eq(name_of(a), "null");
	om_value list;
	OK(a, om_clients_list(a, &list));
	ck_assert_uint_eq(get_uint(entry(&list, my_id(a)), "requests"), 3); /* name_of's two lists and this one: no setname */
	om_value_free(&list);
	om_close(a);
}
END_TEST

START_TEST(test_connect_with_a_bad_name_fails)
{
	om_options opts = {.timeout_s = 60, .client_name = "two words"};
	om_client *a = om_connect(harness_srv.socket, &opts);
	ck_assert_int_eq(om_errcode(a), OM_BAD_PARAMS);
	char want[1024];
	snprintf(want, sizeof want, "cannot connect to %s: client.setname: parameter 'name' must be "
		 "at most 64 printable ASCII bytes without spaces (\"\" clears it)",
		 harness_srv.socket);
	ck_assert_str_eq(om_errmsg(a), want);
	ck_assert(!om_connected(a));
	om_close(a);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("clients");
	TCase *tc = tcase_create("clients");
	tcase_add_checked_fixture(tc, harness_fixture_start, harness_fixture_stop);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_list_shows_each_client);
	tcase_add_test(tc, test_list_shows_holdings);
	tcase_add_test(tc, test_setname_is_seen_by_others);
	tcase_add_test(tc, test_setname_refuses_bad_names);
	tcase_add_test(tc, test_kill_releases_what_it_held);
	tcase_add_test(tc, test_kill_unknown_id_is_false);
	tcase_add_test(tc, test_kill_self);
	tcase_add_test(tc, test_default_name_is_the_program_name);
	tcase_add_test(tc, test_connect_with_a_bad_name_fails);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(suite());
}
