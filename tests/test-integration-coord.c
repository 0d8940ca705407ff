/*
 * test-integration-coord.c — the coordination types through libobjmgr's
 * typed proxies (om_queue, om_lock, om_rlock, om_semaphore, om_event,
 * om_condition, om_barrier) against a real objmgrd: the issue's scenarios
 * across forked processes, then every typed function from one process.
 *
 * Workers are forked processes with their own client (a client must not
 * cross fork()); they report through their exit status only, and die with
 * the test process (PR_SET_PDEATHSIG) if it fails first. The parent reaps
 * every worker before it asserts anything about them.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check-main.h"
#include "harness.h"
#include "objmgr.h"
#include "workers.h"

/* What "should happen soon" may take before a call gives up, in seconds: far below the clients' own 60 s. */
#define WAIT_S 30.0

/* The parent's client. */
static om_client *client(void)
{
	om_client *c = worker_connect();
	ck_assert_msg(om_errcode(c) == OM_OK, "%s", om_errmsg(c));
	return c;
}

/* A call in the parent that must succeed. */
#define OK(c, call)                                                                        \
	do {                                                                               \
		int rc_ = (call);                                                          \
		ck_assert_msg(rc_ == OM_OK, "%s: %s: %s", #call, om_code_name(rc_),          \
			      om_errmsg(c));                                               \
	} while (0)

/* objects.create name type {key: n}. */
static void create_with(om_client *c, const char *name, const char *type, const char *key,
			int64_t n)
{
	om_value opts[] = {om_str(key), om_int(n)};
	OK(c, om_objects_create(c, name, type, om_map(opts, 1)));
}

/* The integer server.info answers under key; -1 when the call failed. */
static int64_t info_int(om_client *c, const char *key)
{
	om_value info;
	if (om_server_info(c, &info) != OM_OK)
		return -1;
	const om_value *w = om_value_map_get(&info, key);
	int64_t n = w && w->kind == OM_INT ? w->as.i : -1;
	om_value_free(&info);
	return n;
}

/* server.info's "waiting": the calls parked right now; -1 when the call failed. */
static int64_t parked_calls(om_client *c)
{
	return info_int(c, "waiting");
}

/* Waits until the server has n connections (closed ones are seen closed when it reads them). */
static bool wait_connections(om_client *c, int64_t n)
{
	for (double end = harness_now_s() + WAIT_S; harness_now_s() < end; harness_sleep_ms(5))
		if (info_int(c, "connections") == n)
			return true;
	return false;
}

/*
 * Waits until n calls are parked (other processes' calls arrive when they
 * do). False after WAIT_S: the caller reaps its workers before asserting.
 */
static bool wait_parked(om_client *c, int64_t n)
{
	for (double end = harness_now_s() + WAIT_S; harness_now_s() < end; harness_sleep_ms(5))
		if (parked_calls(c) == n)
			return true;
	return false;
}

/* --- forked workers ---------------------------------------------------------- */

/* A worker's own check: fails the worker, saying which check. */
#define WORKER_CHECK(cond)                                                                 \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,   \
				#cond);                                                    \
			return OM_VALUE_ERROR;                                             \
		}                                                                          \
	} while (0)

/* A worker's call: returns its code from the worker when it fails. */
#define WORKER_CALL(call)                                                                  \
	do {                                                                               \
		int rc_ = (call);                                                          \
		if (rc_ != OM_OK)                                                          \
			return rc_;                                                        \
	} while (0)


/* Checks that the list name holds exactly the integers 0..n-1, each once. */
static void check_list_is_0_to(om_client *c, const char *name, int64_t n)
{
	om_list *l = om_list_open(c, name);
	om_value items;
	OK(c, om_list_sort(l, false));
	OK(c, om_list_items(l, &items));
	ck_assert_int_eq(items.kind, OM_ARRAY);
	ck_assert_int_eq(items.len, n);
	for (int64_t i = 0; i < n; i++) {
		ck_assert_int_eq(items.as.items[i].kind, OM_INT);
		ck_assert_int_eq(items.as.items[i].as.i, i);
	}
	om_value_free(&items);
	om_list_close(l);
}

static int64_t counter_value(om_client *c, const char *name)
{
	om_counter *n = om_counter_open(c, name);
	om_value v;
	OK(c, om_counter_get(n, &v));
	ck_assert_int_eq(v.kind, OM_INT);
	om_counter_close(n);
	return v.as.i;
}

/* --- locks across processes ---------------------------------------------------- */

/* counter.get, a pause, counter.set + 1: a read-modify-write only the lock keeps whole. */
static int increment_under_lock(om_client *c, int id)
{
	(void)id;
	om_lock *l = om_lock_open(c, "guard");
	om_counter *n = om_counter_open(c, "total");
	bool acquired = false;
	om_value v = om_nil();
	int rc = om_lock_acquire(l, -1, &acquired);
	if (rc == OM_OK && !acquired)
		rc = OM_VALUE_ERROR;
	if (rc == OM_OK)
		rc = om_counter_get(n, &v);
	if (rc == OM_OK) {
		harness_sleep_ms(20); /* every other worker tries meanwhile */
		rc = om_counter_set(n, om_int(v.as.i + 1));
	}
	if (rc == OM_OK)
		rc = om_lock_release(l);
	om_value_free(&v);
	om_counter_close(n);
	om_lock_close(l);
	return rc;
}

START_TEST(test_five_processes_incrementing_a_counter_under_a_lock_make_exactly_5)
{
	ck_assert_int_eq(worker_run(5, increment_under_lock), 0);

	om_client *c = client();
	ck_assert_int_eq(counter_value(c, "total"), 5);
	om_lock *l = om_lock_open(c, "guard");
	bool locked = true;
	OK(c, om_lock_locked(l, &locked));
	ck_assert(!locked);
	om_lock_close(l);
	om_close(c);
}
END_TEST

/* Takes the lock, tells the parent through fd, and holds it until killed. */
static void hold_lock_until_killed(int fd)
{
	om_client *c = worker_connect();
	om_lock *l = om_lock_open(c, "held");
	bool acquired = false;
	if (om_lock_acquire(l, -1, &acquired) != OM_OK || !acquired || write(fd, "x", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

/* Waits for the lock "held" (its holder gets killed meanwhile), then releases it. */
static int acquire_after_holder_dies(om_client *c, int id)
{
	(void)id;
	om_lock *l = om_lock_open(c, "held");
	bool acquired = false;
	int rc = om_lock_acquire(l, WAIT_S, &acquired);
	if (rc == OM_OK && !acquired)
		rc = OM_VALUE_ERROR;
	if (rc == OM_OK)
		rc = om_lock_release(l);
	om_lock_close(l);
	return rc;
}

START_TEST(test_lock_of_a_holder_killed_with_sigkill_goes_to_its_waiter)
{
	int ready[2];
	ck_assert_int_eq(pipe(ready), 0);
	pid_t parent = getpid();
	fflush(NULL);
	pid_t holder = fork();
	ck_assert_int_ge(holder, 0);
	if (holder == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(1);
		close(ready[0]);
		hold_lock_until_killed(ready[1]);
	}
	close(ready[1]);
	char byte;
	bool holding = read(ready[0], &byte, 1) == 1;
	close(ready[0]);

	om_client *c = client();
	pid_t waiter = holding ? worker_spawn(acquire_after_holder_dies, 0) : -1;
	bool parked = waiter > 0 && wait_parked(c, 1);
	om_lock *l = om_lock_open(c, "held");
	bool locked_before = false, locked_after = true;
	int rc_before = om_lock_locked(l, &locked_before);

	kill(holder, SIGKILL);
	int status = 0;
	pid_t got;
	while ((got = waitpid(holder, &status, 0)) < 0 && errno == EINTR)
		;
	bool waiter_ok = worker_reap(waiter);

	ck_assert_msg(holding, "the holder never took the lock");
	ck_assert_msg(parked, "the waiter never waited");
	ck_assert_int_eq(rc_before, OM_OK);
	ck_assert(locked_before);
	ck_assert_int_eq(got, holder);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert_msg(waiter_ok, "the waiter did not get the lock");
	OK(c, om_lock_locked(l, &locked_after));
	ck_assert(!locked_after);
	om_lock_close(l);
	om_close(c);
}
END_TEST

/* --- queues across processes ------------------------------------------------------- */

enum { ITEMS = 10000, CONSUMERS = 3, MAXSIZE = 10 };

/* Puts 0..ITEMS-1 then one nil per consumer, never seeing more than MAXSIZE queued; joins. */
static int produce(om_queue *q)
{
	for (int64_t i = 0; i < ITEMS; i++) {
		WORKER_CALL(om_queue_put(q, om_int(i), -1));
		if (i % 500 == 0) {
			size_t len = 0;
			WORKER_CALL(om_queue_len(q, &len));
			WORKER_CHECK(len <= MAXSIZE);
		}
	}
	for (int i = 0; i < CONSUMERS; i++)
		WORKER_CALL(om_queue_put(q, om_nil(), WAIT_S));
	bool done = false;
	WORKER_CALL(om_queue_join(q, WAIT_S, &done));
	WORKER_CHECK(done);
	return OM_OK;
}

/* Gets values until a nil, marking each done, and appends those it got to the list "got" at once. */
static int consume(om_client *c, om_queue *q)
{
	om_value *got = malloc(ITEMS * sizeof *got);
	size_t n = 0;
	int rc = got ? OM_OK : OM_LIMIT;
	for (bool stop = false; rc == OM_OK && !stop;) {
		om_value v;
		if ((rc = om_queue_get(q, WAIT_S, &v)) != OM_OK)
			break;
		stop = v.kind == OM_NIL;
		if (!stop && (v.kind != OM_INT || n == ITEMS)) {
			om_value_free(&v);
			rc = OM_VALUE_ERROR;
			break;
		}
		if (!stop)
			got[n++] = v; /* an int: nothing to free */
		rc = om_queue_task_done(q);
	}
	om_list *l = om_list_open(c, "got");
	if (rc == OM_OK && n > 0)
		rc = om_list_extend(l, om_array(got, n), NULL);
	om_list_close(l);
	free(got);
	return rc;
}

/* Worker 0 produces, the others consume. */
static int queue_worker(om_client *c, int id)
{
	om_queue *q = om_queue_open(c, "jobs");
	int rc = id == 0 ? produce(q) : consume(c, q);
	om_queue_close(q);
	return rc;
}

START_TEST(test_10000_items_through_a_queue_of_maxsize_10_reach_3_consumers_exactly_once)
{
	om_client *c = client();
	create_with(c, "jobs", "queue", "maxsize", MAXSIZE);

	ck_assert_int_eq(worker_run(1 + CONSUMERS, queue_worker), 0);

	check_list_is_0_to(c, "got", ITEMS);
	om_queue *q = om_queue_open(c, "jobs");
	size_t len = 1;
	OK(c, om_queue_len(q, &len));
	ck_assert_uint_eq(len, 0);
	om_queue_close(q);
	om_close(c);
}
END_TEST

/* Adds every value it gets to the counter "work" until it gets a nil. */
static int consume_until_sentinel(om_client *c, int id)
{
	(void)id;
	om_queue *q = om_queue_open(c, "tasks");
	om_counter *work = om_counter_open(c, "work");
	int rc;
	for (;;) {
		om_value v;
		rc = om_queue_get(q, WAIT_S, &v);
		if (rc != OM_OK || v.kind == OM_NIL)
			break;
		rc = om_counter_add(work, v, NULL);
		om_value_free(&v);
		if (rc != OM_OK)
			break;
	}
	om_counter_close(work);
	om_queue_close(q);
	return rc;
}

START_TEST(test_one_nil_sentinel_per_consumer_stops_every_blocked_consumer)
{
	pid_t pids[CONSUMERS];
	for (int i = 0; i < CONSUMERS; i++)
		pids[i] = worker_spawn(consume_until_sentinel, i);
	om_client *c = client();
	bool parked = wait_parked(c, CONSUMERS);
	om_queue *q = om_queue_open(c, "tasks");
	int put_rc = OM_OK;
	for (int i = 1; i <= 30 && put_rc == OM_OK; i++)
		put_rc = om_queue_put(q, om_int(i), -1);
	for (int i = 0; i < CONSUMERS && put_rc == OM_OK; i++)
		put_rc = om_queue_put(q, om_nil(), -1);
	int failed = worker_reap_all(pids, CONSUMERS);

	ck_assert_msg(parked, "the consumers never all waited");
	ck_assert_int_eq(put_rc, OM_OK);
	ck_assert_int_eq(failed, 0);
	ck_assert_int_eq(counter_value(c, "work"), 30 * 31 / 2);
	size_t len = 1;
	OK(c, om_queue_len(q, &len));
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(parked_calls(c), 0);
	om_queue_close(q);
	om_close(c);
}
END_TEST

START_TEST(test_get_with_timeout_0_2_on_an_empty_queue_is_empty_no_earlier_than_0_2_s)
{
	om_client *c = client();
	om_queue *q = om_queue_open(c, "q");
	om_value v = om_int(7);
	double start = harness_now_s();
	int rc = om_queue_get(q, 0.2, &v);
	double took = harness_now_s() - start;
	ck_assert_int_eq(rc, OM_EMPTY);
	ck_assert_int_eq(om_errcode(c), OM_EMPTY);
	ck_assert_str_eq(om_errmsg(c), "queue 'q' is empty");
	ck_assert_int_eq(v.kind, OM_NIL);
	ck_assert_msg(took >= 0.2, "answered after %.3f s", took);
	ck_assert_msg(took < 2.0, "answered after %.3f s", took);
	om_queue_close(q);
	om_close(c);
}
END_TEST

/* --- barriers, semaphores, conditions and events across processes ---------------------------- */

enum { PARTIES = 4 };

/*
 * Counts itself in "arrived", waits at the barrier, then checks that all
 * had arrived before it went on and appends its arrival index to "arrivals".
 */
static int wait_at_barrier(om_client *c, int id)
{
	(void)id;
	om_barrier *b = om_barrier_open(c, "gate");
	om_counter *arrived = om_counter_open(c, "arrived");
	om_list *arrivals = om_list_open(c, "arrivals");
	size_t index = 0;
	int64_t before = 0;
	int rc = om_counter_add_int(arrived, 1, NULL);
	if (rc == OM_OK)
		rc = om_barrier_wait(b, WAIT_S, &index);
	if (rc == OM_OK)
		rc = om_counter_add_int(arrived, 0, &before);
	if (rc == OM_OK && before != PARTIES)
		rc = OM_VALUE_ERROR;
	if (rc == OM_OK)
		rc = om_list_append(arrivals, om_uint(index), NULL);
	om_list_close(arrivals);
	om_counter_close(arrived);
	om_barrier_close(b);
	return rc;
}

START_TEST(test_barrier_of_4_parties_across_4_processes_gives_indexes_0_to_3_once_each)
{
	om_client *c = client();
	create_with(c, "gate", "barrier", "parties", PARTIES);

	ck_assert_int_eq(worker_run(PARTIES, wait_at_barrier), 0);

	check_list_is_0_to(c, "arrivals", PARTIES);
	om_barrier *b = om_barrier_open(c, "gate");
	size_t waiting = 1;
	bool broken = true;
	OK(c, om_barrier_n_waiting(b, &waiting));
	OK(c, om_barrier_broken(b, &broken));
	ck_assert_uint_eq(waiting, 0);
	ck_assert(!broken);
	om_barrier_close(b);
	om_close(c);
}
END_TEST

enum { PERMITS = 2, SEM_WORKERS = 4, SEM_ROUNDS = 25 };

/* Raises the counter "max" to at least n, by compare and swap. */
static int raise_max(om_counter *max, int64_t n)
{
	for (;;) {
		om_value v;
		bool swapped = false;
		WORKER_CALL(om_counter_get(max, &v));
		if (v.kind != OM_INT || v.as.i >= n)
			return v.kind == OM_INT ? OM_OK : OM_VALUE_ERROR;
		WORKER_CALL(om_counter_cas(max, v, om_int(n), &swapped));
		if (swapped)
			return OM_OK;
	}
}

/* SEM_ROUNDS times: takes a permit, counts itself in "holders" for a moment, records the most seen. */
static int hold_permits(om_client *c, int id)
{
	(void)id;
	om_semaphore *s = om_semaphore_open(c, "pool");
	om_counter *holders = om_counter_open(c, "holders");
	om_counter *max = om_counter_open(c, "max");
	int rc = OM_OK;
	for (int i = 0; i < SEM_ROUNDS && rc == OM_OK; i++) {
		bool acquired = false;
		int64_t now = 0;
		rc = om_semaphore_acquire(s, WAIT_S, &acquired);
		if (rc == OM_OK && !acquired)
			rc = OM_VALUE_ERROR;
		if (rc == OM_OK)
			rc = om_counter_add_int(holders, 1, &now);
		if (rc == OM_OK)
			rc = raise_max(max, now);
		harness_sleep_ms(2);
		if (rc == OM_OK)
			rc = om_counter_add_int(holders, -1, NULL);
		if (rc == OM_OK)
			rc = om_semaphore_release(s);
	}
	om_counter_close(max);
	om_counter_close(holders);
	om_semaphore_close(s);
	return rc;
}

START_TEST(test_semaphore_of_2_permits_never_has_more_than_2_holders_across_4_processes)
{
	om_client *c = client();
	create_with(c, "pool", "semaphore", "value", PERMITS);

	ck_assert_int_eq(worker_run(SEM_WORKERS, hold_permits), 0);

	ck_assert_int_eq(counter_value(c, "max"), PERMITS);
	ck_assert_int_eq(counter_value(c, "holders"), 0);
	om_semaphore *s = om_semaphore_open(c, "pool");
	size_t value = 0;
	OK(c, om_semaphore_value(s, &value));
	ck_assert_uint_eq(value, PERMITS);
	om_semaphore_close(s);
	om_close(c);
}
END_TEST

/* Under the condition's lock, waits until the dict "state" has "ready" true, then counts itself in "seen". */
static int wait_for_ready(om_client *c, int id)
{
	(void)id;
	om_condition *cv = om_condition_open(c, "cv");
	om_dict *state = om_dict_open(c, "state");
	bool acquired = false, notified = true;
	int waits = 0;
	int rc = om_condition_acquire(cv, WAIT_S, &acquired);
	if (rc == OM_OK && !acquired)
		rc = OM_VALUE_ERROR;
	while (rc == OM_OK) {
		om_value ready;
		rc = om_dict_get_default(state, om_str("ready"), om_bool(false), &ready);
		if (rc != OM_OK || (ready.kind == OM_BOOL && ready.as.b))
			break;
		rc = om_condition_wait(cv, WAIT_S, &notified);
		waits++;
		if (rc == OM_OK && !notified)
			rc = OM_VALUE_ERROR;
	}
	/* The producer sets the flag only once both consumers wait: each waited at least once. */
	if (rc == OM_OK && waits == 0)
		rc = OM_VALUE_ERROR;
	if (rc == OM_OK)
		rc = om_dict_incr(state, om_str("seen"), om_int(1), NULL);
	if (rc == OM_OK)
		rc = om_condition_release(cv);
	om_dict_close(state);
	om_condition_close(cv);
	return rc;
}

/* The producer: sets the flag under the condition's lock and notifies every waiter. */
static int set_ready(om_client *c, int id)
{
	(void)id;
	om_condition *cv = om_condition_open(c, "cv");
	om_dict *state = om_dict_open(c, "state");
	bool acquired = false;
	int rc = om_condition_acquire(cv, WAIT_S, &acquired);
	if (rc == OM_OK && !acquired)
		rc = OM_VALUE_ERROR;
	if (rc == OM_OK)
		rc = om_dict_set(state, om_str("ready"), om_bool(true));
	if (rc == OM_OK)
		rc = om_condition_notify_all(cv);
	if (rc == OM_OK)
		rc = om_condition_release(cv);
	om_dict_close(state);
	om_condition_close(cv);
	return rc;
}

START_TEST(test_condition_consumers_wait_until_the_producer_sets_the_flag_and_notifies)
{
	pid_t pids[3];
	pids[0] = worker_spawn(wait_for_ready, 0);
	pids[1] = worker_spawn(wait_for_ready, 1);
	om_client *c = client();
	bool parked = wait_parked(c, 2);
	pids[2] = worker_spawn(set_ready, 2);
	int failed = worker_reap_all(pids, 3);

	ck_assert_msg(parked, "the consumers never both waited");
	ck_assert_int_eq(failed, 0);
	om_dict *state = om_dict_open(c, "state");
	om_value seen;
	OK(c, om_dict_get(state, om_str("seen"), &seen));
	ck_assert_int_eq(seen.kind, OM_INT);
	ck_assert_int_eq(seen.as.i, 2);
	om_dict_close(state);
	om_close(c);
}
END_TEST

enum { EVENT_WAITERS = 3 };

/* Waits for the event "go"; fails unless it was set. */
static int wait_for_go(om_client *c, int id)
{
	om_event *e = om_event_open(c, "go");
	bool set = false;
	/* One waits forever, the others with a timeout: both wake on set. */
	int rc = om_event_wait(e, id == 0 ? -1 : WAIT_S, &set);
	if (rc == OM_OK && !set)
		rc = OM_VALUE_ERROR;
	om_event_close(e);
	return rc;
}

START_TEST(test_event_set_wakes_every_waiting_process)
{
	pid_t pids[EVENT_WAITERS];
	for (int i = 0; i < EVENT_WAITERS; i++)
		pids[i] = worker_spawn(wait_for_go, i);
	om_client *c = client();
	om_event *e = om_event_open(c, "go");
	bool parked = wait_parked(c, EVENT_WAITERS);
	bool set_before = true;
	int rc_is_set = om_event_is_set(e, &set_before);
	int rc_set = om_event_set(e);
	int failed = worker_reap_all(pids, EVENT_WAITERS);

	ck_assert_msg(parked, "the waiters never all waited");
	ck_assert_int_eq(rc_is_set, OM_OK);
	ck_assert(!set_before);
	ck_assert_int_eq(rc_set, OM_OK);
	ck_assert_int_eq(failed, 0);
	om_event_close(e);
	om_close(c);
}
END_TEST

/* --- every typed function, from one process ------------------------------------------------- */

START_TEST(test_queue_put_get_len_items_task_done_and_join_without_waiting)
{
	om_client *c = client();
	create_with(c, "q", "queue", "maxsize", 1);
	om_queue *q = om_queue_open(c, "q");
	bool done = true;
	size_t len = 9;

	OK(c, om_queue_put(q, om_str("a"), 0));
	ck_assert_int_eq(om_queue_put(q, om_str("b"), 0), OM_FULL);
	ck_assert_str_eq(om_errmsg(c), "queue 'q' is full (maxsize 1)");
	double start = harness_now_s();
	ck_assert_int_eq(om_queue_put(q, om_str("b"), 0.1), OM_FULL);
	ck_assert(harness_now_s() - start >= 0.1);
	OK(c, om_queue_len(q, &len));
	ck_assert_uint_eq(len, 1);

	om_value v;
	OK(c, om_queue_items(q, &v)); /* a look: takes nothing */
	ck_assert_int_eq(v.kind, OM_ARRAY);
	ck_assert_uint_eq(v.len, 1);
	ck_assert_str_eq(v.as.items[0].as.str, "a");
	om_value_free(&v);
	OK(c, om_queue_get(q, 0, &v));
	ck_assert_int_eq(v.kind, OM_STR);
	ck_assert_str_eq(v.as.str, "a");
	om_value_free(&v);
	ck_assert_int_eq(om_queue_get(q, 0, &v), OM_EMPTY);
	ck_assert_int_eq(v.kind, OM_NIL);

	OK(c, om_queue_join(q, 0, &done));
	ck_assert(!done);
	OK(c, om_queue_task_done(q));
	OK(c, om_queue_join(q, -1, &done));
	ck_assert(done);
	ck_assert_int_eq(om_queue_task_done(q), OM_VALUE_ERROR);
	om_queue_close(q);
	om_close(c);
}
END_TEST

START_TEST(test_lock_waits_even_for_its_holder_and_only_the_holder_releases_it)
{
	om_client *a = client(), *b = client();
	om_lock *la = om_lock_open(a, "L"), *lb = om_lock_open(b, "L");
	bool acquired = false, locked = false;

	OK(a, om_lock_acquire(la, -1, &acquired));
	ck_assert(acquired);
	OK(a, om_lock_acquire(la, 0, &acquired));
	ck_assert(!acquired);
	OK(b, om_lock_acquire(lb, 0.05, &acquired));
	ck_assert(!acquired);
	ck_assert_int_eq(om_lock_release(lb), OM_NOT_OWNER);
	ck_assert_str_eq(om_errmsg(b), "lock 'L' is held by another connection");
	OK(b, om_lock_locked(lb, &locked));
	ck_assert(locked);

	OK(a, om_lock_release(la));
	ck_assert_int_eq(om_lock_release(la), OM_NOT_OWNER);
	OK(b, om_lock_locked(lb, &locked));
	ck_assert(!locked);
	OK(b, om_lock_acquire(lb, 0, &acquired));
	ck_assert(acquired);
	OK(b, om_lock_release(lb));
	om_lock_close(lb);
	om_lock_close(la);
	om_close(b);
	om_close(a);
}
END_TEST

START_TEST(test_rlock_is_reentrant_for_its_holder_only)
{
	om_client *a = client(), *b = client();
	om_rlock *ra = om_rlock_open(a, "R"), *rb = om_rlock_open(b, "R");
	bool acquired = false, locked = false;

	OK(a, om_rlock_acquire(ra, -1, &acquired));
	ck_assert(acquired);
	OK(a, om_rlock_acquire(ra, 0, &acquired));
	ck_assert(acquired);
	OK(b, om_rlock_acquire(rb, 0, &acquired));
	ck_assert(!acquired);
	ck_assert_int_eq(om_rlock_release(rb), OM_NOT_OWNER);

	OK(a, om_rlock_release(ra));
	OK(b, om_rlock_locked(rb, &locked));
	ck_assert(locked);
	OK(a, om_rlock_release(ra));
	OK(b, om_rlock_locked(rb, &locked));
	ck_assert(!locked);
	OK(b, om_rlock_acquire(rb, 0, &acquired));
	ck_assert(acquired);
	om_rlock_close(rb);
	om_rlock_close(ra);
	om_close(b);
	om_close(a);
}
END_TEST

START_TEST(test_closed_client_gives_back_its_lock_and_its_permits)
{
	om_client *a = client(), *b = client();
	om_lock *la = om_lock_open(a, "L");
	om_semaphore *sa = om_semaphore_open(a, "S");
	bool acquired = false;
	OK(a, om_lock_acquire(la, -1, &acquired));
	ck_assert(acquired);
	OK(a, om_semaphore_acquire(sa, -1, &acquired));
	ck_assert(acquired);
	om_semaphore_close(sa);
	om_lock_close(la);
	om_close(a);

	om_lock *lb = om_lock_open(b, "L");
	om_semaphore *sb = om_semaphore_open(b, "S");
	OK(b, om_lock_acquire(lb, WAIT_S, &acquired));
	ck_assert(acquired);
	OK(b, om_semaphore_acquire(sb, WAIT_S, &acquired));
	ck_assert(acquired);
	om_semaphore_close(sb);
	om_lock_close(lb);
	om_close(b);
}
END_TEST

/*
 * A permit taken by one client and released by another is settled: the
 * taker's close gives nothing back, so 1,000 hand-offs leave the value
 * where it started (it grew by one a cycle when the close returned it).
 */
START_TEST(test_semaphore_permit_handed_off_1000_times_ends_at_its_initial_value)
{
	om_client *b = client();
	om_semaphore *sb = om_semaphore_open(b, "S");
	size_t value = 0;
	for (int i = 0; i < 1000; i++) {
		om_client *a = client();
		om_semaphore *sa = om_semaphore_open(a, "S");
		bool acquired = false;
		OK(a, om_semaphore_acquire(sa, WAIT_S, &acquired));
		ck_assert(acquired);
		OK(b, om_semaphore_value(sb, &value));
		ck_assert_uint_eq(value, 0);
		OK(b, om_semaphore_release(sb));
		om_semaphore_close(sa);
		om_close(a);
	}
	ck_assert(wait_connections(b, 1));
	OK(b, om_semaphore_value(sb, &value));
	ck_assert_uint_eq(value, 1);
	om_semaphore_close(sb);
	om_close(b);
}
END_TEST

/* objects.create name type {"owned": false}. */
static void create_unowned(om_client *c, const char *name, const char *type)
{
	om_value opts[] = {om_str("owned"), om_bool(false)};
	OK(c, om_objects_create(c, name, type, om_map(opts, 1)));
}

/* A lock made with {"owned": false} is a signal: taken by one client, released by another, kept through a close. */
START_TEST(test_unowned_lock_is_released_by_another_client_and_kept_through_a_close)
{
	om_client *a = client(), *b = client();
	create_unowned(a, "L", "lock");
	om_lock *la = om_lock_open(a, "L"), *lb = om_lock_open(b, "L");
	bool acquired = false, locked = false;
	OK(a, om_lock_acquire(la, -1, &acquired));
	ck_assert(acquired);
	OK(b, om_lock_release(lb));
	OK(a, om_lock_locked(la, &locked));
	ck_assert(!locked);
	ck_assert_int_eq(om_lock_release(lb), OM_NOT_OWNER);
	ck_assert_str_eq(om_errmsg(b), "lock 'L' is not held");

	OK(a, om_lock_acquire(la, -1, &acquired));
	om_lock_close(la);
	om_close(a);
	ck_assert(wait_connections(b, 1));
	OK(b, om_lock_locked(lb, &locked));
	ck_assert(locked); /* a close releases nothing */
	OK(b, om_lock_release(lb));
	om_lock_close(lb);
	om_close(b);
}
END_TEST

/* A semaphore made with {"owned": false}: a closing client's permits are not given back. */
START_TEST(test_unowned_semaphore_gives_nothing_back_when_a_holder_closes)
{
	om_client *a = client(), *b = client();
	om_value opts[] = {om_str("value"), om_int(0), om_str("owned"), om_bool(false)};
	OK(a, om_objects_create(a, "S", "semaphore", om_map(opts, 2)));
	om_semaphore *sa = om_semaphore_open(a, "S"), *sb = om_semaphore_open(b, "S");
	bool acquired = false;
	size_t value = 9;
	OK(b, om_semaphore_release(sb));
	OK(a, om_semaphore_acquire(sa, WAIT_S, &acquired));
	ck_assert(acquired);
	om_semaphore_close(sa);
	om_close(a);
	ck_assert(wait_connections(b, 1));
	OK(b, om_semaphore_value(sb, &value));
	ck_assert_uint_eq(value, 0);
	om_semaphore_close(sb);
	om_close(b);
}
END_TEST

START_TEST(test_bounded_semaphore_counts_permits_and_refuses_an_extra_release)
{
	om_client *c = client();
	om_value opts[] = {om_str("value"), om_int(2), om_str("bounded"), om_bool(true)};
	OK(c, om_objects_create(c, "S", "semaphore", om_map(opts, 2)));
	om_semaphore *s = om_semaphore_open(c, "S");
	bool acquired = false;
	size_t value = 0;

	ck_assert_int_eq(om_semaphore_release(s), OM_VALUE_ERROR);
	ck_assert_str_eq(om_errmsg(c), "semaphore 'S' released too many times");
	OK(c, om_semaphore_acquire(s, 0, &acquired));
	ck_assert(acquired);
	OK(c, om_semaphore_acquire(s, -1, &acquired));
	ck_assert(acquired);
	OK(c, om_semaphore_acquire(s, 0.05, &acquired));
	ck_assert(!acquired);
	OK(c, om_semaphore_value(s, &value));
	ck_assert_uint_eq(value, 0);
	OK(c, om_semaphore_release(s));
	OK(c, om_semaphore_value(s, &value));
	ck_assert_uint_eq(value, 1);
	om_semaphore_close(s);
	om_close(c);
}
END_TEST

START_TEST(test_event_set_clear_is_set_and_wait_without_waiting)
{
	om_client *c = client();
	om_event *e = om_event_open(c, "E");
	bool set = true;

	OK(c, om_event_is_set(e, &set));
	ck_assert(!set);
	OK(c, om_event_wait(e, 0, &set));
	ck_assert(!set);
	double start = harness_now_s();
	OK(c, om_event_wait(e, 0.1, &set));
	ck_assert(!set);
	ck_assert(harness_now_s() - start >= 0.1);
	OK(c, om_event_set(e));
	OK(c, om_event_wait(e, -1, &set));
	ck_assert(set);
	OK(c, om_event_clear(e));
	OK(c, om_event_is_set(e, &set));
	ck_assert(!set);
	om_event_close(e);
	om_close(c);
}
END_TEST

START_TEST(test_condition_wait_and_notify_need_its_lock)
{
	om_client *c = client();
	om_condition *cv = om_condition_open(c, "cv");
	bool acquired = false, notified = true;

	ck_assert_int_eq(om_condition_wait(cv, 0.05, &notified), OM_NOT_OWNER);
	ck_assert_str_eq(om_errmsg(c), "condition 'cv': wait without holding the lock");
	ck_assert_int_eq(om_condition_notify(cv, 1), OM_NOT_OWNER);
	ck_assert_int_eq(om_condition_notify_all(cv), OM_NOT_OWNER);
	ck_assert_int_eq(om_condition_release(cv), OM_NOT_OWNER);

	OK(c, om_condition_acquire(cv, -1, &acquired));
	ck_assert(acquired);
	OK(c, om_condition_notify(cv, 1));
	OK(c, om_condition_notify(cv, SIZE_MAX));
	OK(c, om_condition_notify_all(cv));
	double start = harness_now_s();
	OK(c, om_condition_wait(cv, 0.1, &notified));
	ck_assert(!notified);
	ck_assert(harness_now_s() - start >= 0.1);
	/* Timed out, it holds the lock again. */
	OK(c, om_condition_release(cv));
	ck_assert_int_eq(om_condition_release(cv), OM_NOT_OWNER);
	om_condition_close(cv);
	om_close(c);
}
END_TEST

START_TEST(test_condition_over_a_named_lock_shares_it_with_lock_handles)
{
	om_client *a = client(), *b = client();
	om_value opts[] = {om_str("lock"), om_str("L")};
	OK(a, om_objects_create(a, "cv", "condition", om_map(opts, 1)));
	om_condition *cv = om_condition_open(a, "cv");
	om_lock *la = om_lock_open(a, "L"), *lb = om_lock_open(b, "L");
	bool acquired = false, locked = false;

	OK(a, om_condition_acquire(cv, 0, &acquired));
	ck_assert(acquired);
	OK(b, om_lock_locked(lb, &locked));
	ck_assert(locked);
	OK(b, om_lock_acquire(lb, 0, &acquired));
	ck_assert(!acquired);
	OK(a, om_lock_release(la));
	OK(b, om_lock_acquire(lb, 0, &acquired));
	ck_assert(acquired);
	OK(a, om_condition_acquire(cv, 0, &acquired));
	ck_assert(!acquired);
	om_lock_close(lb);
	om_lock_close(la);
	om_condition_close(cv);
	om_close(b);
	om_close(a);
}
END_TEST

START_TEST(test_barrier_breaks_on_a_timeout_and_abort_until_reset)
{
	om_client *c = client();
	om_barrier *b = om_barrier_open(c, "B");
	size_t n = 0;
	bool broken = false;

	ck_assert_int_eq(om_barrier_parties(b, &n), OM_BAD_PARAMS);
	create_with(c, "B", "barrier", "parties", 2);
	OK(c, om_barrier_parties(b, &n));
	ck_assert_uint_eq(n, 2);
	OK(c, om_barrier_n_waiting(b, &n));
	ck_assert_uint_eq(n, 0);

	double start = harness_now_s();
	ck_assert_int_eq(om_barrier_wait(b, 0.1, &n), OM_BROKEN);
	ck_assert(harness_now_s() - start >= 0.1);
	OK(c, om_barrier_broken(b, &broken));
	ck_assert(broken);
	ck_assert_int_eq(om_barrier_wait(b, -1, &n), OM_BROKEN);
	ck_assert_str_eq(om_errmsg(c), "barrier 'B' is broken");

	OK(c, om_barrier_reset(b));
	OK(c, om_barrier_broken(b, &broken));
	ck_assert(!broken);
	OK(c, om_barrier_abort(b));
	OK(c, om_barrier_broken(b, &broken));
	ck_assert(broken);
	OK(c, om_barrier_reset(b));

	create_with(c, "one", "barrier", "parties", 1);
	om_barrier *one = om_barrier_open(c, "one");
	n = 9;
	OK(c, om_barrier_wait(one, -1, &n));
	ck_assert_uint_eq(n, 0);
	om_barrier_close(one);
	om_barrier_close(b);
	om_close(c);
}
END_TEST

START_TEST(test_typed_call_on_another_types_name_is_wrong_type)
{
	om_client *c = client();
	om_dict *d = om_dict_open(c, "d");
	OK(c, om_dict_set(d, om_int(1), om_int(2)));
	om_queue *q = om_queue_open(c, "d");
	om_value v;
	ck_assert_int_eq(om_queue_get(q, 0, &v), OM_WRONG_TYPE);
	om_lock *l = om_lock_open(c, "d");
	bool acquired = true;
	ck_assert_int_eq(om_lock_acquire(l, -1, &acquired), OM_WRONG_TYPE);
	ck_assert(acquired); /* unwritten on failure */
	om_lock_close(l);
	om_queue_close(q);
	om_dict_close(d);
	om_close(c);
}
END_TEST

/*
 * A client timeout shorter than the wait gives up locally; the connection
 * stays up (the request was sent whole) and the server still has it parked.
 */
START_TEST(test_client_timeout_shorter_than_the_wait_is_a_local_timeout)
{
	om_client *holder = client();
	om_lock *lh = om_lock_open(holder, "L");
	bool acquired = false;
	OK(holder, om_lock_acquire(lh, -1, &acquired));
	ck_assert(acquired);

	om_options opts = {.timeout_s = 0.2};
	om_client *c = om_connect(harness_srv.socket, &opts);
	ck_assert_int_eq(om_errcode(c), OM_OK);
	om_lock *l = om_lock_open(c, "L");
	double start = harness_now_s();
	ck_assert_int_eq(om_lock_acquire(l, 5, &acquired), OM_TIMEOUT);
	ck_assert(harness_now_s() - start >= 0.2);
	ck_assert(om_connected(c));
	ck_assert_int_eq(parked_calls(holder), 1);

	/* Reconnecting closes the old connection: the server drops its parked call. */
	OK(c, om_reconnect(c));
	ck_assert(wait_parked(holder, 0));
	OK(holder, om_lock_release(lh));
	bool locked = true;
	OK(c, om_lock_locked(l, &locked));
	ck_assert(!locked);
	om_lock_close(l);
	om_close(c);
	om_lock_close(lh);
	om_close(holder);
}
END_TEST

static Suite *coord_suite(void)
{
	Suite *s = suite_create("integration-coord");
	TCase *tc = tcase_create("processes");
	tcase_add_checked_fixture(tc, harness_fixture_start, harness_fixture_stop);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_five_processes_incrementing_a_counter_under_a_lock_make_exactly_5);
	tcase_add_test(tc, test_lock_of_a_holder_killed_with_sigkill_goes_to_its_waiter);
	tcase_add_test(tc, test_10000_items_through_a_queue_of_maxsize_10_reach_3_consumers_exactly_once);
	tcase_add_test(tc, test_one_nil_sentinel_per_consumer_stops_every_blocked_consumer);
	tcase_add_test(tc, test_get_with_timeout_0_2_on_an_empty_queue_is_empty_no_earlier_than_0_2_s);
	tcase_add_test(tc, test_barrier_of_4_parties_across_4_processes_gives_indexes_0_to_3_once_each);
	tcase_add_test(tc, test_semaphore_of_2_permits_never_has_more_than_2_holders_across_4_processes);
	tcase_add_test(tc, test_condition_consumers_wait_until_the_producer_sets_the_flag_and_notifies);
	tcase_add_test(tc, test_event_set_wakes_every_waiting_process);
	suite_add_tcase(s, tc);

	tc = tcase_create("api");
	tcase_add_checked_fixture(tc, harness_fixture_start, harness_fixture_stop);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_queue_put_get_len_items_task_done_and_join_without_waiting);
	tcase_add_test(tc, test_lock_waits_even_for_its_holder_and_only_the_holder_releases_it);
	tcase_add_test(tc, test_rlock_is_reentrant_for_its_holder_only);
	tcase_add_test(tc, test_closed_client_gives_back_its_lock_and_its_permits);
	tcase_add_test(tc, test_semaphore_permit_handed_off_1000_times_ends_at_its_initial_value);
	tcase_add_test(tc, test_unowned_lock_is_released_by_another_client_and_kept_through_a_close);
	tcase_add_test(tc, test_unowned_semaphore_gives_nothing_back_when_a_holder_closes);
	tcase_add_test(tc, test_bounded_semaphore_counts_permits_and_refuses_an_extra_release);
	tcase_add_test(tc, test_event_set_clear_is_set_and_wait_without_waiting);
	tcase_add_test(tc, test_condition_wait_and_notify_need_its_lock);
	tcase_add_test(tc, test_condition_over_a_named_lock_shares_it_with_lock_handles);
	tcase_add_test(tc, test_barrier_breaks_on_a_timeout_and_abort_until_reset);
	tcase_add_test(tc, test_typed_call_on_another_types_name_is_wrong_type);
	tcase_add_test(tc, test_client_timeout_shorter_than_the_wait_is_a_local_timeout);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(coord_suite());
}
