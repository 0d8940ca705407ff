/*
 * test-integration-durable.c — objmgrd --data-dir: what survives a clean
 * stop, a SIGKILL at any moment, a torn or damaged journal, a full disk;
 * snapshots, compaction, and the directory's lock.
 *
 * Each test has a data directory of its own, and restarts real servers on
 * it. A SIGKILL cannot show what a power cut would (the kernel keeps what
 * was written), so the crash tests prove the server's half of the promise:
 * no reply leaves before its record was handed to the kernel (and, with
 * --fsync always, synced), and replay rebuilds exactly the answered state.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "calls.h"
#include "check-main.h"
#include "harness.h"
#include "objmgr.h"

static char data[64];   /* this test's data directory */
static char mnt[64];    /* a tmpfs mounted for it, "" for none */

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void data_setup(void)
{
	strcpy(data, "/tmp/objmgr-data-XXXXXX");
	ck_assert_msg(mkdtemp(data), "mkdtemp: %s", strerror(errno));
	mnt[0] = '\0';
}

static void data_teardown(void)
{
	if (mnt[0])
		umount2(mnt, MNT_DETACH);
	nftw(data, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Starts a server on the data directory with these extra options (NULL-terminated). */
#define START(s, ...) harness_start((s), "--data-dir", data, __VA_ARGS__)

static om_client *client(const harness_server *s)
{
	om_options opts = {.timeout_s = 10};
	om_client *c = om_connect(s->socket, &opts);
	ck_assert_msg(om_errcode(c) == OM_OK, "%s", om_errmsg(c));
	return c;
}

/* SIGKILL: no clean stop, no last write; the socket file stays behind. */
static void crash(harness_server *s)
{
	ck_assert_int_eq(kill(s->pid, SIGKILL), 0);
	ck_assert_int_eq(harness_wait(s), 128 + SIGKILL);
	unlink(s->socket);
	rmdir(s->dir);
}

/* The result of method on params, formatted as the REPL prints it. */
static const char *show(om_client *c, const char *method, const om_value *params, size_t n)
{
	static char buf[4096];
	om_value out;
	int rc = om_call(c, method, params, n, &out);
	ck_assert_msg(rc == OM_OK, "%s: %s", method, om_errmsg(c));
	om_value_format(&out, buf, sizeof buf);
	om_value_free(&out);
	return buf;
}

#define SHOW(c, method, ...)                                                                  \
	show((c), (method), (const om_value[]){__VA_ARGS__},                                  \
	     sizeof((const om_value[]){__VA_ARGS__}) / sizeof(om_value))

#define ck_show(c, want, method, ...) ck_assert_str_eq(SHOW(c, method, __VA_ARGS__), (want))

/* server.info's persistence map, key by key. */
static uint64_t persistence_uint(om_client *c, const char *key)
{
	om_value info;
	ck_assert_int_eq(om_server_info(c, &info), OM_OK);
	const om_value *p = om_value_map_get(om_value_map_get(&info, "persistence"), key);
	ck_assert_msg(p && (p->kind == OM_INT || p->kind == OM_UINT), "persistence.%s is missing",
		      key);
	uint64_t v = p->kind == OM_INT ? (uint64_t)p->as.i : p->as.u;
	om_value_free(&info);
	return v;
}

static bool persistence_bool(om_client *c, const char *key)
{
	om_value info;
	ck_assert_int_eq(om_server_info(c, &info), OM_OK);
	const om_value *p = om_value_map_get(om_value_map_get(&info, "persistence"), key);
	ck_assert_msg(p && p->kind == OM_BOOL, "persistence.%s is missing", key);
	bool v = p->as.b;
	om_value_free(&info);
	return v;
}

/* server.save, then waits (up to 10 s) until its snapshot is written. */
static void save(om_client *c)
{
	om_value gen;
	ck_assert_msg(om_call(c, "server.save", NULL, 0, &gen) == OM_OK, "%s", om_errmsg(c));
	om_value_free(&gen);
	for (int i = 0; i < 1000 && persistence_bool(c, "snapshot_running"); i++)
		harness_sleep_ms(10);
	ck_assert(!persistence_bool(c, "snapshot_running"));
}

static bool file_exists(const char *name)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", data, name);
	return access(path, F_OK) == 0;
}

/*
 * Runs objmgrd with argv (NULL-terminated) expecting it to exit before it
 * serves: its exit status, and what it wrote to standard error into err.
 */
static int run_refused(char *err, size_t size, ...)
{
	const char *bin = getenv("OBJMGRD");
	char *argv[16] = {(char *)bin};
	size_t n = 1;
	va_list ap;
	va_start(ap, size);
	for (char *a; (a = va_arg(ap, char *)) && n < 15;)
		argv[n++] = a;
	va_end(ap);
	char sockdir[] = "/tmp/objmgr-test-XXXXXX", sock[64];
	ck_assert(mkdtemp(sockdir));
	snprintf(sock, sizeof sock, "%s/s", sockdir);
	argv[n++] = "--socket";
	argv[n++] = sock;
	argv[n] = NULL;
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], STDERR_FILENO);
		close(p[0]);
		execv(bin, argv);
		_exit(127);
	}
	close(p[1]);
	size_t got = 0;
	ssize_t r;
	while (got + 1 < size && (r = read(p[0], err + got, size - got - 1)) > 0)
		got += (size_t)r;
	err[got] = '\0';
	close(p[0]);
	int status;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
		kill(pid, SIGKILL);
		ck_abort_msg("objmgrd did not exit by itself: %s", err);
	}
	unlink(sock);
	rmdir(sockdir);
	return WEXITSTATUS(status);
}

/* Every type, with contents a restart must keep; coordination objects come back free. */
START_TEST(test_every_type_survives_a_restart)
{
	harness_server s;
	START(&s, NULL);
	om_client *c = client(&s);
	char blob[] = {0, 1, 2, (char)255};
	OK(c, NULL, "dict.set", om_str("users"), om_str("alice"), om_int(31));
	OK(c, NULL, "dict.set", om_str("users"), om_int(7), om_bin(blob, sizeof blob));
	OK(c, NULL, "dict.set", om_str("users"), om_str("jobs"), om_ref("jobs"));
	OK(c, NULL, "dict.set", om_str("users"), om_str("gone"), om_nil());
	OK(c, NULL, "dict.del", om_str("users"), om_str("gone"));
	OK(c, NULL, "list.extend", om_str("jobs"), om_array((om_value[]){om_int(1), om_float(2.5),
									  om_str("three")}, 3));
	OK(c, NULL, "list.insert", om_str("jobs"), om_int(0), om_str("zero"));
	OK(c, NULL, "counter.add", om_str("hits"), om_float(1.5));
	OK(c, NULL, "objects.create", om_str("q"), om_str("queue"),
	   om_map((om_value[]){om_str("maxsize"), om_int(3)}, 1));
	OK(c, NULL, "queue.put", om_str("q"), om_str("a"));
	OK(c, NULL, "queue.put", om_str("q"), om_str("b"));
	OK(c, NULL, "queue.put", om_str("q"), om_str("c"));
	OK(c, NULL, "queue.get", om_str("q"));
	OK(c, NULL, "event.set", om_str("ready"));
	OK(c, NULL, "event.set", om_str("unset"));
	OK(c, NULL, "event.clear", om_str("unset"));
	OK(c, NULL, "lock.acquire", om_str("L"));
	OK(c, NULL, "rlock.acquire", om_str("R"));
	OK(c, NULL, "objects.create", om_str("sem"), om_str("semaphore"),
	   om_map((om_value[]){om_str("value"), om_int(2), om_str("bounded"), om_bool(true)}, 2));
	OK(c, NULL, "semaphore.acquire", om_str("sem"));
	OK(c, NULL, "objects.create", om_str("bar"), om_str("barrier"),
	   om_map((om_value[]){om_str("parties"), om_int(3)}, 1));
	OK(c, NULL, "objects.create", om_str("cond"), om_str("condition"),
	   om_map((om_value[]){om_str("lock"), om_str("L")}, 1));
	OK(c, NULL, "objects.create", om_str("temp"), om_str("dict"), om_nil());
	OK(c, NULL, "objects.delete", om_str("temp"));
	ck_assert_str_eq(SHOW(c, "dict.items", om_str("users")),
			 "{\"alice\": 31, 7: b64\"AAEC/w==\", \"jobs\": @jobs}");
	om_close(c);
	harness_stop(&s);

	START(&s, NULL);
	c = client(&s);
	static const char *const types[][2] = {
		{"L", "lock"}, {"R", "rlock"}, {"bar", "barrier"}, {"cond", "condition"},
		{"hits", "counter"}, {"jobs", "list"}, {"q", "queue"}, {"ready", "event"},
		{"sem", "semaphore"}, {"unset", "event"}, {"users", "dict"},
	};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		char want[32];
		snprintf(want, sizeof want, "\"%s\"", types[i][1]);
		ck_show(c, want, "objects.type", om_str(types[i][0]));
	}
	ck_show(c, "null", "objects.type", om_str("temp"));
	om_value info;
	ck_assert_int_eq(om_server_info(c, &info), OM_OK);
	ck_assert_int_eq(om_value_map_get(&info, "objects")->as.i, 11);
	om_value_free(&info);
	ck_show(c, "{\"alice\": 31, 7: b64\"AAEC/w==\", \"jobs\": @jobs}", "dict.items",
		om_str("users"));
	ck_show(c, "[\"zero\", 1, 2.5, \"three\"]", "list.items", om_str("jobs"));
	ck_show(c, "1.5", "counter.get", om_str("hits"));
	ck_show(c, "2", "queue.len", om_str("q"));
	ck_show(c, "\"b\"", "queue.get", om_str("q"));
	ck_show(c, "\"c\"", "queue.get", om_str("q"));
	ck_show(c, "true", "event.is_set", om_str("ready"));
	ck_show(c, "false", "event.is_set", om_str("unset"));
	ck_show(c, "false", "lock.locked", om_str("L"));
	ck_show(c, "false", "rlock.locked", om_str("R"));
	ck_show(c, "2", "semaphore.value", om_str("sem"));
	ck_show(c, "3", "barrier.parties", om_str("bar"));
	ck_show(c, "\"condition\"", "objects.type", om_str("cond"));
	/* The queue kept its maxsize: a fourth put would wait. */
	OK(c, NULL, "queue.put", om_str("q"), om_int(1));
	OK(c, NULL, "queue.put", om_str("q"), om_int(2));
	OK(c, NULL, "queue.put", om_str("q"), om_int(3));
	ck_assert_int_eq(CALL(c, NULL, "queue.put", om_str("q"), om_int(4), om_int(0)), OM_FULL);
	/* The semaphore kept its bound: a third release is a value_error. */
	ck_assert_int_eq(CALL(c, NULL, "semaphore.release", om_str("sem")), OM_VALUE_ERROR);
	om_close(c);
	harness_stop(&s);
}
END_TEST

/*
 * list.splice and list.repeat are journaled as their requests and replayed
 * to the same list; a refused repeat is not journaled. A snapshot then
 * holds the list as list.extend calls, and the writes after it replay on it.
 */
START_TEST(test_list_splice_and_repeat_survive_a_crash)
{
	static const char *const want = "[0, \"a\", \"b\", \"c\", 3, 4, 5, 0, \"a\", \"b\", \"c\", 3]";
	harness_server s;
	START(&s, NULL);
	om_client *c = client(&s);
	OK(c, NULL, "list.extend", om_str("l"),
	   om_array((om_value[]){om_int(0), om_int(1), om_int(2), om_int(3), om_int(4), om_int(5)}, 6));
	OK(c, NULL, "list.splice", om_str("l"), om_int(1), om_int(3),
	   om_array((om_value[]){om_str("a"), om_str("b"), om_str("c")}, 3));
	OK(c, NULL, "list.repeat", om_str("l"), om_int(2));
	OK(c, NULL, "list.splice", om_str("l"), om_int(-2), om_nil(), om_array(NULL, 0));
	OK(c, NULL, "list.repeat", om_str("empty"), om_int(3));
	uint64_t records = persistence_uint(c, "journal_records");
	ck_assert_uint_eq(records, 5);
	ck_assert_int_eq(CALL(c, NULL, "list.repeat", om_str("l"), om_int((int64_t)1 << 62)), OM_LIMIT);
	ck_assert_uint_eq(persistence_uint(c, "journal_records"), records);
	ck_show(c, want, "list.items", om_str("l"));
	om_close(c);
	crash(&s);

	START(&s, NULL);
	c = client(&s);
	ck_show(c, want, "list.items", om_str("l"));
	ck_show(c, "\"list\"", "objects.type", om_str("empty"));
	save(c);
	OK(c, NULL, "list.splice", om_str("l"), om_int(3), om_int(1), om_array((om_value[]){om_str("s")}, 1));
	OK(c, NULL, "list.repeat", om_str("empty"), om_int(0));
	om_close(c);
	crash(&s);

	START(&s, NULL);
	c = client(&s);
	ck_show(c, "[0, \"a\", \"b\", \"s\", \"c\", 3, 4, 5, 0, \"a\", \"b\", \"c\", 3]", "list.items",
		om_str("l"));
	ck_show(c, "[]", "list.items", om_str("empty"));
	ck_show(c, "\"list\"", "objects.type", om_str("empty"));
	om_close(c);
	harness_stop(&s);
}
END_TEST

/* A data directory that does not exist is made, with its parents, 0700. */
START_TEST(test_a_missing_data_dir_is_made_with_its_parents)
{
	char deep[128];
	snprintf(deep, sizeof deep, "%s/a/b", data);
	harness_server s;
	harness_start(&s, "--data-dir", deep, NULL);
	struct stat st;
	ck_assert_int_eq(stat(deep, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	om_client *c = client(&s);
	OK(c, NULL, "counter.add", om_str("n"), om_int(1));
	om_close(c);
	harness_stop(&s);
	harness_start(&s, "--data-dir", deep, NULL);
	c = client(&s);
	ck_show(c, "1", "counter.get", om_str("n"));
	om_close(c);
	harness_stop(&s);
}
END_TEST

/* Reads and calls answered with an error add nothing to the journal. */
START_TEST(test_reads_and_failures_are_not_journaled)
{
	harness_server s;
	START(&s, NULL);
	om_client *c = client(&s);
	OK(c, NULL, "dict.set", om_str("d"), om_str("k"), om_int(1));
	uint64_t records = persistence_uint(c, "journal_records");
	uint64_t bytes = persistence_uint(c, "journal_bytes");
	ck_assert_uint_eq(records, 1);
	OK(c, NULL, "dict.get", om_str("d"), om_str("k"));
	OK(c, NULL, "dict.items", om_str("d"));
	OK(c, NULL, "list.items", om_str("nothing"));
	ck_assert_int_eq(CALL(c, NULL, "dict.pop", om_str("d"), om_str("nokey")), OM_KEY_ERROR);
	ck_assert_int_eq(CALL(c, NULL, "list.append", om_str("d"), om_int(1)), OM_WRONG_TYPE);
	ck_assert_int_eq(CALL(c, NULL, "queue.get", om_str("empty"), om_int(0)), OM_EMPTY);
	ck_assert_uint_eq(persistence_uint(c, "journal_records"), records);
	ck_assert_uint_eq(persistence_uint(c, "journal_bytes"), bytes);
	om_close(c);
	harness_stop(&s);
}
END_TEST

/*
 * Writer processes each add 1 to their counter and append seq to their
 * list, one call at a time, and publish what was answered; the server is
 * SIGKILLed at a random moment. After the restart each counter equals its
 * answered adds, or one more (the add in flight ran, its answer was lost),
 * and each list is 1..k with k its answered appends or one more: nothing
 * answered is lost, nothing half-applied appears, whether the kill comes
 * during a snapshot, the journal's rotation or neither.
 */
#define WRITERS 4
#define ROUNDS 4

typedef struct acked {
	volatile long adds, appends;
} acked;

static void writer(const harness_server *s, int round, int w, acked *a)
{
	om_options opts = {.timeout_s = 10};
	om_client *c = om_connect(s->socket, &opts);
	char counter[32], list[32];
	snprintf(counter, sizeof counter, "r%dc%d", round, w);
	snprintf(list, sizeof list, "r%dl%d", round, w);
	for (long seq = 1; om_errcode(c) == OM_OK; seq++) {
		if (CALL(c, NULL, "counter.add", om_str(counter), om_int(1)) != OM_OK)
			break;
		a->adds = seq;
		if (CALL(c, NULL, "list.append", om_str(list), om_int(seq)) != OM_OK)
			break;
		a->appends = seq;
	}
	om_close(c);
	_exit(0);
}

static void check_round(om_client *c, int round, const acked *a)
{
	for (int w = 0; w < WRITERS; w++) {
		char counter[32], list[32];
		snprintf(counter, sizeof counter, "r%dc%d", round, w);
		snprintf(list, sizeof list, "r%dl%d", round, w);
		om_value v;
		long n = 0;
		int rc = CALL(c, &v, "counter.get", om_str(counter));
		ck_assert_int_eq(rc, OM_OK);
		n = v.kind == OM_INT ? (long)v.as.i : 0;
		ck_assert_msg(n == a[w].adds || n == a[w].adds + 1,
			      "round %d writer %d: counter %ld, %ld adds answered", round, w, n,
			      a[w].adds);
		ck_assert_int_eq(CALL(c, &v, "list.items", om_str(list)), OM_OK);
		ck_assert_int_eq(v.kind, OM_ARRAY);
		long len = (long)v.len;
		ck_assert_msg(len == a[w].appends || len == a[w].appends + 1,
			      "round %d writer %d: %ld items, %ld appends answered", round, w, len,
			      a[w].appends);
		for (long i = 0; i < len; i++)
			ck_assert_int_eq(v.as.items[i].as.i, i + 1);
		om_value_free(&v);
	}
}

static void crash_loop(const char *fsync)
{
	acked *a = mmap(NULL, sizeof(acked) * WRITERS * ROUNDS, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert(a != MAP_FAILED);
	srand((unsigned)getpid());
	harness_server s;
	for (int round = 0; round < ROUNDS; round++) {
		/* Compaction from 32 KiB on: snapshots start while the writers write, and crashes cut them. */
		START(&s, "--fsync", fsync, "--compact-min", "32K", NULL);
		pid_t pids[WRITERS];
		for (int w = 0; w < WRITERS; w++) {
			pids[w] = fork();
			ck_assert(pids[w] >= 0);
			if (pids[w] == 0)
				writer(&s, round, w, &a[round * WRITERS + w]);
		}
		harness_sleep_ms(300 + rand() % 1200);
		crash(&s);
		for (int w = 0; w < WRITERS; w++)
			waitpid(pids[w], NULL, 0);
		/* Every earlier round is checked again: the crashes since lost none of it. */
		START(&s, "--fsync", fsync, NULL);
		om_client *c = client(&s);
		for (int r = 0; r <= round; r++)
			check_round(c, r, &a[r * WRITERS]);
		om_close(c);
		crash(&s);
	}
	long total = 0;
	for (int i = 0; i < WRITERS * ROUNDS; i++)
		total += a[i].adds;
	ck_assert_msg(total > WRITERS * ROUNDS, "the writers hardly wrote: %ld adds", total);
	munmap(a, sizeof(acked) * WRITERS * ROUNDS);
}

START_TEST(test_sigkill_loses_no_answered_write_always)
{
	crash_loop("always");
}
END_TEST

START_TEST(test_sigkill_loses_no_answered_write_everysec)
{
	crash_loop("everysec");
}
END_TEST

START_TEST(test_sigkill_loses_no_answered_write_no)
{
	crash_loop("no");
}
END_TEST

/* With --fsync always, pipelined writes of many clients share each fdatasync. */
START_TEST(test_always_groups_commits)
{
	harness_server s;
	START(&s, "--fsync", "always", NULL);
	enum { CLIENTS = 4, DEPTH = 64 };
	om_client *c[CLIENTS];
	for (int i = 0; i < CLIENTS; i++)
		c[i] = client(&s);
	for (int i = 0; i < CLIENTS; i++)
		for (int k = 0; k < DEPTH; k++)
			ck_assert_int_eq(om_send(c[i], "counter.add",
						 (om_value[]){om_str("n"), om_int(1)}, 2, NULL), OM_OK);
	for (int i = 0; i < CLIENTS; i++)
		ck_assert_int_eq(om_flush(c[i]), OM_OK);
	for (int i = 0; i < CLIENTS; i++)
		for (int k = 0; k < DEPTH; k++) {
			uint32_t id;
			om_value v;
			ck_assert_int_eq(om_recv(c[i], &id, &v), OM_OK);
			om_value_free(&v);
		}
	ck_show(c[0], "256", "counter.get", om_str("n"));
	uint64_t fsyncs = persistence_uint(c[0], "fsyncs");
	uint64_t records = persistence_uint(c[0], "journal_records");
	ck_assert_uint_eq(records, CLIENTS * DEPTH);
	ck_assert_msg(fsyncs < records / 4, "%llu fdatasyncs for %llu records",
		      (unsigned long long)fsyncs, (unsigned long long)records);
	for (int i = 0; i < CLIENTS; i++)
		om_close(c[i]);
	harness_stop(&s);
}
END_TEST

/* server.save writes snapshot.2 and starts journal.2; a crash after it loses nothing. */
START_TEST(test_snapshot_and_journal_after_it_survive_a_crash)
{
	harness_server s;
	START(&s, NULL);
	om_client *c = client(&s);
	for (int i = 0; i < 2000; i++)
		OK(c, NULL, "dict.set", om_str("d"), om_int(i), om_int(i * i));
	OK(c, NULL, "list.extend", om_str("l"),
	   om_array((om_value[]){om_str("x"), om_str("y")}, 2));
	save(c);
	ck_assert(file_exists("snapshot.2"));
	ck_assert(file_exists("journal.2"));
	ck_assert(!file_exists("journal.1"));
	ck_assert_uint_gt(persistence_uint(c, "snapshot_bytes"), 2000 * 4);
	OK(c, NULL, "dict.del", om_str("d"), om_int(0));
	OK(c, NULL, "dict.set", om_str("d"), om_int(0), om_str("last"));
	OK(c, NULL, "list.popleft", om_str("l"));
	om_close(c);
	crash(&s);

	START(&s, NULL);
	c = client(&s);
	ck_show(c, "2000", "dict.len", om_str("d"));
	ck_show(c, "3996001", "dict.get", om_str("d"), om_int(1999));
	ck_show(c, "\"last\"", "dict.get", om_str("d"), om_int(0));
	/* Order kept: 0 was deleted and set again, so it is last. */
	ck_show(c, "[\"y\"]", "list.items", om_str("l"));
	om_value pair;
	ck_assert_int_eq(CALL(c, &pair, "dict.popitem", om_str("d")), OM_OK);
	char buf[64];
	om_value_format(&pair, buf, sizeof buf);
	ck_assert_str_eq(buf, "[0, \"last\"]");
	om_value_free(&pair);
	om_close(c);
	harness_stop(&s);
}
END_TEST

/* Once the journals outgrow the snapshot (and --compact-min), a snapshot starts them over. */
START_TEST(test_compaction_starts_the_journal_over)
{
	harness_server s;
	START(&s, "--compact-min", "16K", "--compact-factor", "1", NULL);
	om_client *c = client(&s);
	for (int i = 0; i < 3000; i++)
		OK(c, NULL, "counter.add", om_str("n"), om_int(1));
	/* Compaction is checked once a second. */
	for (int i = 0; i < 300 && persistence_uint(c, "journal_generation") == 1; i++)
		harness_sleep_ms(10);
	ck_assert_uint_ge(persistence_uint(c, "journal_generation"), 2);
	for (int i = 0; i < 300 && persistence_bool(c, "snapshot_running"); i++)
		harness_sleep_ms(10);
	ck_assert_uint_lt(persistence_uint(c, "journal_bytes_since_snapshot"), 16 * 1024);
	ck_assert(!file_exists("journal.1"));
	OK(c, NULL, "counter.add", om_str("n"), om_int(1));
	om_close(c);
	crash(&s);
	START(&s, NULL);
	c = client(&s);
	ck_show(c, "3001", "counter.get", om_str("n"));
	om_close(c);
	harness_stop(&s);
}
END_TEST

/* Appends raw bytes to data/name. */
static void append_bytes(const char *name, const void *bytes, size_t n)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", data, name);
	int fd = open(path, O_WRONLY | O_APPEND);
	ck_assert(fd >= 0);
	ck_assert_int_eq(write(fd, bytes, n), (ssize_t)n);
	close(fd);
}

static off_t file_size(const char *name)
{
	char path[256];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", data, name);
	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_size;
}

/* Flips the byte at offset of data/name. */
static void flip_byte(const char *name, off_t offset)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", data, name);
	int fd = open(path, O_RDWR);
	unsigned char b;
	ck_assert(fd >= 0);
	ck_assert_int_eq(pread(fd, &b, 1, offset), 1);
	b ^= 0x10;
	ck_assert_int_eq(pwrite(fd, &b, 1, offset), 1);
	close(fd);
}

/* A write cut short at the end (a crash mid-write) is dropped with a warning; the rest loads. */
START_TEST(test_torn_tail_is_dropped_with_a_warning)
{
	harness_server s;
	START(&s, NULL);
	om_client *c = client(&s);
	for (int i = 0; i < 10; i++)
		OK(c, NULL, "list.append", om_str("l"), om_int(i));
	om_close(c);
	harness_stop(&s);
	/* A record's header claiming 100 bytes, and 5 of them. */
	const unsigned char torn[] = {100, 0, 0, 0, 1, 2, 3, 4, 0x92, 0xa1, 'x', 0xa1, 'y'};
	append_bytes("journal.1", torn, sizeof torn);
	off_t before = file_size("journal.1");

	harness_options o = {.capture_log = true};
	harness_start_with(&s, &o, "--data-dir", data, NULL);
	ck_assert(harness_log_wait(&s, "journal.1 ends with 13 bytes of a write cut short"));
	c = client(&s);
	ck_show(c, "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]", "list.items", om_str("l"));
	ck_assert_int_eq(file_size("journal.1"), before - (off_t)sizeof torn);
	OK(c, NULL, "list.append", om_str("l"), om_int(10));
	om_close(c);
	harness_stop(&s);
	START(&s, NULL);
	c = client(&s);
	ck_show(c, "11", "list.len", om_str("l"));
	om_close(c);
	harness_stop(&s);
}
END_TEST

/*
 * A record damaged before the end is no crash's doing: the server refuses
 * to start; --repair keeps the records before it, moves the rest aside.
 */
START_TEST(test_damage_before_the_tail_refuses_to_start_until_repair)
{
	harness_server s;
	START(&s, NULL);
	om_client *c = client(&s);
	OK(c, NULL, "counter.add", om_str("n"), om_int(1));
	uint64_t good = persistence_uint(c, "journal_bytes");
	for (int i = 0; i < 9; i++)
		OK(c, NULL, "counter.add", om_str("n"), om_int(1));
	om_close(c);
	harness_stop(&s);
	off_t size = file_size("journal.1");
	flip_byte("journal.1", (off_t)good + 12); /* inside the second add's record */

	char err[2048];
	ck_assert_int_eq(run_refused(err, sizeof err, "--data-dir", data, NULL), 1);
	char want[256];
	snprintf(want, sizeof want, "journal.1 is damaged at byte %llu of %lld",
		 (unsigned long long)good, (long long)size);
	ck_assert_msg(strstr(err, want), "got: %s", err);
	ck_assert_msg(strstr(err, "--repair"), "got: %s", err);

	harness_options o = {.capture_log = true};
	harness_start_with(&s, &o, "--data-dir", data, "--repair", NULL);
	ck_assert(harness_log_wait(&s, "moved the other"));
	c = client(&s);
	ck_show(c, "1", "counter.get", om_str("n"));
	ck_assert(file_exists("journal.1.damaged"));
	ck_assert_int_eq(file_size("journal.1.damaged"), size - (off_t)good);
	OK(c, NULL, "counter.add", om_str("n"), om_int(1));
	om_close(c);
	harness_stop(&s);
	START(&s, NULL);
	c = client(&s);
	ck_show(c, "2", "counter.get", om_str("n"));
	om_close(c);
	harness_stop(&s);
}
END_TEST

/* A second server on the same data directory refuses to start, naming the first. */
START_TEST(test_a_locked_data_dir_is_refused)
{
	harness_server s;
	START(&s, NULL);
	char err[2048], want[128];
	ck_assert_int_eq(run_refused(err, sizeof err, "--data-dir", data, NULL), 1);
	snprintf(want, sizeof want, "the data directory %s is in use by another objmgrd (pid %d)",
		 data, (int)s.pid);
	ck_assert_msg(strstr(err, want), "got: %s", err);
	harness_stop(&s);
}
END_TEST

/* Mounts a tmpfs of size bytes on the data directory (the test needs root). */
static void mount_tmpfs(const char *options)
{
	if (geteuid() != 0) {
		fprintf(stderr, "skipped: mounting a tmpfs needs root\n");
		return;
	}
	ck_assert_msg(mount("tmpfs", data, "tmpfs", 0, options) == 0, "mount: %s", strerror(errno));
	strcpy(mnt, data);
}

/*
 * On a full disk a write whose record has no room is answered limit, names
 * the cause, and is not applied; reads go on; everything answered survives.
 */
START_TEST(test_a_full_disk_refuses_writes_and_loses_nothing)
{
	mount_tmpfs("size=2m,mode=0700");
	if (!mnt[0])
		return;
	harness_server s;
	START(&s, NULL);
	om_client *c = client(&s);
	static char blob[64 * 1024];
	int answered = 0, rc = OM_OK;
	for (; answered < 100; answered++) {
		memset(blob, answered + 1, sizeof blob);
		rc = CALL(c, NULL, "list.append", om_str("l"), om_bin(blob, sizeof blob));
		if (rc != OM_OK)
			break;
	}
	ck_assert_int_eq(rc, OM_LIMIT);
	ck_assert_msg(strstr(om_errmsg(c), "journal: no room in") &&
			      strstr(om_errmsg(c), "No space left on device"),
		      "got: %s", om_errmsg(c));
	ck_assert_int_gt(answered, 5);
	om_value len;
	ck_assert_int_eq(CALL(c, &len, "list.len", om_str("l")), OM_OK);
	ck_assert_int_eq(len.as.i, answered);
	om_close(c);
	harness_stop(&s);
	START(&s, NULL);
	c = client(&s);
	ck_assert_int_eq(CALL(c, &len, "list.len", om_str("l")), OM_OK);
	ck_assert_int_eq(len.as.i, answered);
	om_value last;
	ck_assert_int_eq(CALL(c, &last, "list.get", om_str("l"), om_int(-1)), OM_OK);
	ck_assert_int_eq(last.kind, OM_BIN);
	ck_assert_int_eq(((const unsigned char *)last.as.str)[100], answered);
	om_value_free(&last);
	om_close(c);
	harness_stop(&s);
}
END_TEST

/* A data directory on a read-only file system: a clear error at start-up. */
START_TEST(test_a_read_only_data_dir_is_refused)
{
	mount_tmpfs("size=1m,mode=0700,ro");
	if (!mnt[0])
		return;
	char err[2048], want[256];
	ck_assert_int_eq(run_refused(err, sizeof err, "--data-dir", data, NULL), 1);
	snprintf(want, sizeof want, "the data directory %s is not writable: Read-only file system",
		 data);
	ck_assert_msg(strstr(err, want), "got: %s", err);
}
END_TEST

static Suite *durable_suite(void)
{
	Suite *s = suite_create("durable");
	TCase *tc = tcase_create("restart");
	tcase_add_checked_fixture(tc, data_setup, data_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_every_type_survives_a_restart);
	tcase_add_test(tc, test_reads_and_failures_are_not_journaled);
	tcase_add_test(tc, test_a_missing_data_dir_is_made_with_its_parents);
	tcase_add_test(tc, test_always_groups_commits);
	tcase_add_test(tc, test_snapshot_and_journal_after_it_survive_a_crash);
	tcase_add_test(tc, test_list_splice_and_repeat_survive_a_crash);
	tcase_add_test(tc, test_compaction_starts_the_journal_over);
	suite_add_tcase(s, tc);
	tc = tcase_create("crash");
	tcase_add_checked_fixture(tc, data_setup, data_teardown);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_sigkill_loses_no_answered_write_always);
	tcase_add_test(tc, test_sigkill_loses_no_answered_write_everysec);
	tcase_add_test(tc, test_sigkill_loses_no_answered_write_no);
	suite_add_tcase(s, tc);
	tc = tcase_create("damage");
	tcase_add_checked_fixture(tc, data_setup, data_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_torn_tail_is_dropped_with_a_warning);
	tcase_add_test(tc, test_damage_before_the_tail_refuses_to_start_until_repair);
	tcase_add_test(tc, test_a_locked_data_dir_is_refused);
	tcase_add_test(tc, test_a_full_disk_refuses_writes_and_loses_nothing);
	tcase_add_test(tc, test_a_read_only_data_dir_is_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(durable_suite());
}
