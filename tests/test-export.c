/*
 * test-export.c — `objmgr export` and `objmgr import` between real
 * objmgrd servers: a server holding every type exported, imported into a
 * fresh one and exported again gives the same bytes, and the values read
 * back are exact; names that exist, malformed files and requests over the
 * message limit are refused before anything changes.
 */
#include <check.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check-main.h"
#include "cli-run.h"
#include "harness.h"
#include "objmgr.h"

/* harness_srv is where objects are made and exported from; dest is a fresh server to import into. */
static harness_server dest;
/* A directory of the test's own for the files it writes (a server's must stay empty), */
static char files[64];
/* and the names it writes there. */
static const char *const file_names[] = {"state.json", "key"};

static void setup(void)
{
	harness_fixture_start();
	harness_start(&dest, NULL);
	strcpy(files, "/tmp/objmgr-export-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(files));
}

static void teardown(void)
{
	char path[128];
	for (size_t i = 0; i < sizeof file_names / sizeof file_names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", files, file_names[i]);
		unlink(path);
	}
	ck_assert_int_eq(rmdir(files), 0);
	harness_stop(&dest);
	harness_fixture_stop();
}

/* The path of the file called name (one of file_names) in files (static storage). */
static const char *file_path(const char *name)
{
	static char path[128];
	snprintf(path, sizeof path, "%s/%s", files, name);
	return path;
}

/* objmgr -s <s's socket> ARGS... (NULL-terminated), with input on stdin (may be NULL). */
#define on(s, ...) run_on((s)->socket, __VA_ARGS__)

/* The document `objmgr export PATTERN...` prints from s; it must succeed saying nothing else. */
#define export_of(s, ...) export_of_run(on((s), NULL, "export", __VA_ARGS__, NULL))

static char *export_of_run(run r)
{
	ck_assert_msg(r.status == 0, "export: status %d: %s", r.status, r.err);
	ck_assert_str_eq(r.err, "");
	free(r.err);
	return r.out;
}

/* Runs objmgr with the args, which must fail with status and exactly err on stderr. */
static void expect_error(int status, const harness_server *s, const char *input, const char *arg1,
			 const char *arg2, const char *arg3, const char *err)
{
	run r = on(s, input, arg1, arg2, arg3, NULL);
	ck_assert_msg(r.status == status, "status %d, stderr: %s", r.status, r.err);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, err);
	run_free(&r);
}

/* Writes text to the file called name; returns its path (static storage). */
static const char *write_file(const char *name, const char *text)
{
	const char *path = file_path(name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

static om_client *client(const harness_server *s)
{
	om_client *c = om_connect(s->socket, &(om_options){.timeout_s = 10});
	ck_assert_msg(om_errcode(c) == OM_OK, "%s", om_errmsg(c));
	return c;
}

/* method(params...) on c succeeds; its result, owned, or nil. */
static om_value call_n(om_client *c, const char *method, const om_value *params, size_t n)
{
	om_value v;
	int rc = om_call(c, method, params, n, &v);
	ck_assert_msg(rc == OM_OK, "%s: %s: %s", method, om_code_name(rc), om_errmsg(c));
	return v;
}

#define CALL(c, method, ...)                                                              \
	call_n((c), (method), (const om_value[]){__VA_ARGS__},                             \
	       sizeof((const om_value[]){__VA_ARGS__}) / sizeof(om_value))
/* The call's result, formatted as om_value_format() does, is exactly want. */
#define EXPECT(want, c, method, ...) expect_format((want), CALL((c), (method), __VA_ARGS__))

static void expect_format(const char *want, om_value v)
{
	char buf[1024];
	om_value_format(&v, buf, sizeof buf);
	ck_assert_str_eq(buf, want);
	om_value_free(&v);
}

/* A map value from key, value, key, value, ... (borrowed). */
#define MAP(...) om_map((const om_value[]){__VA_ARGS__}, \
			sizeof((const om_value[]){__VA_ARGS__}) / sizeof(om_value) / 2)
#define ARRAY(...) om_array((const om_value[]){__VA_ARGS__}, \
			    sizeof((const om_value[]){__VA_ARGS__}) / sizeof(om_value))

/*
 * Every type, with what JSON cannot say directly: bin, non-UTF-8 and NUL
 * bytes, an ext, an integer above int64, NaN, keys that are not strings,
 * nested containers, references; a bounded queue with values, a semaphore
 * with options and a permit taken, held locks, a set event, counters of an
 * int and a float.
 */
static void fill_every_type(om_client *c)
{
	om_value none = om_nil();
	CALL(c, "dict.update", om_str("users"),
	     MAP(om_str("alice"), om_int(3),
		 om_str("bob"), MAP(om_str("age"), om_int(4), om_str("langs"), ARRAY(om_str("c"), om_str("go"))),
		 om_str("avatar"), om_bin("\0\1\xff", 3),
		 om_str("boss"), om_ref("staff"),
		 om_str("pi"), om_float(3.25),
		 om_str("big"), om_uint(UINT64_MAX),
		 om_str("nan"), om_float(NAN),
		 om_str("raw"), om_strn("a\0b\xff", 4),
		 om_str("ext"), om_ext(5, "\1\2", 2)));
	CALL(c, "dict.update", om_str("odd"),
	     MAP(om_int(1), om_str("one"), ARRAY(om_int(2)), om_str("two"), om_bool(true), none,
		 om_str("s"), om_str("str")));
	CALL(c, "list.extend", om_str("staff"),
	     ARRAY(om_int(1), om_str("two"), ARRAY(om_int(3), ARRAY(om_int(4))),
		   MAP(om_str("k"), om_ref("users")), none, om_float(2.5)));
	CALL(c, "objects.create", om_str("jobs"), om_str("queue"), MAP(om_str("maxsize"), om_int(5)));
	CALL(c, "queue.put", om_str("jobs"), MAP(om_str("id"), om_int(1)));
	CALL(c, "queue.put", om_str("jobs"), MAP(om_str("id"), om_int(2)));
	CALL(c, "queue.put", om_str("jobs"), om_str("three"));
	CALL(c, "objects.create", om_str("pool"), om_str("semaphore"),
	     MAP(om_str("value"), om_int(3), om_str("bounded"), om_bool(true), om_str("owned"), om_bool(false)));
	CALL(c, "semaphore.acquire", om_str("pool"), om_int(0));
	CALL(c, "event.set", om_str("ready"));
	CALL(c, "objects.create", om_str("idle"), om_str("event"));
	CALL(c, "counter.set", om_str("hits"), om_int(42));
	CALL(c, "counter.set", om_str("temp"), om_float(-0.5));
	CALL(c, "lock.acquire", om_str("mutex"));
	CALL(c, "objects.create", om_str("signal"), om_str("lock"), MAP(om_str("owned"), om_bool(false)));
	CALL(c, "rlock.acquire", om_str("re"));
	CALL(c, "objects.create", om_str("cv"), om_str("condition"), MAP(om_str("lock"), om_str("mutex")));
	CALL(c, "objects.create", om_str("b"), om_str("barrier"), MAP(om_str("parties"), om_int(3)));
}

static const char every_type[] =
	"{\"objmgr_export\": 1, \"objects\": [\n"
	"  {\"name\": \"b\", \"type\": \"barrier\", \"options\": {\"parties\": 3}, \"value\": null},\n"
	"  {\"name\": \"cv\", \"type\": \"condition\", \"options\": {\"lock\": \"mutex\"}, \"value\": null},\n"
	"  {\"name\": \"hits\", \"type\": \"counter\", \"options\": {}, \"value\": 42},\n"
	"  {\"name\": \"idle\", \"type\": \"event\", \"options\": {}, \"value\": false},\n"
	"  {\"name\": \"jobs\", \"type\": \"queue\", \"options\": {\"maxsize\": 5}, \"value\": [{\"id\": 1}, {\"id\": 2}, \"three\"]},\n"
	"  {\"name\": \"mutex\", \"type\": \"lock\", \"options\": {}, \"value\": null},\n"
	"  {\"name\": \"odd\", \"type\": \"dict\", \"options\": {}, \"value\": {\"$map\": [[1, \"one\"], [[2], \"two\"], [true, null], [\"s\", \"str\"]]}},\n"
	"  {\"name\": \"pool\", \"type\": \"semaphore\", \"options\": {\"value\": 3, \"bounded\": true, \"owned\": false}, \"value\": null},\n"
	"  {\"name\": \"re\", \"type\": \"rlock\", \"options\": {}, \"value\": null},\n"
	"  {\"name\": \"ready\", \"type\": \"event\", \"options\": {}, \"value\": true},\n"
	"  {\"name\": \"signal\", \"type\": \"lock\", \"options\": {\"owned\": false}, \"value\": null},\n"
	"  {\"name\": \"staff\", \"type\": \"list\", \"options\": {}, \"value\": [1, \"two\", [3, [4]], {\"k\": {\"$ref\": \"users\"}}, null, 2.5]},\n"
	"  {\"name\": \"temp\", \"type\": \"counter\", \"options\": {}, \"value\": -0.5},\n"
	"  {\"name\": \"users\", \"type\": \"dict\", \"options\": {}, \"value\": {\"alice\": 3, "
	"\"bob\": {\"age\": 4, \"langs\": [\"c\", \"go\"]}, \"avatar\": {\"$bin\": \"AAH/\"}, "
	"\"boss\": {\"$ref\": \"staff\"}, \"pi\": 3.25, \"big\": {\"$uint\": \"18446744073709551615\"}, "
	"\"nan\": {\"$float\": \"NaN\"}, \"raw\": {\"$str\": \"YQBi/w==\"}, \"ext\": {\"$ext\": [5, \"AQI=\"]}}}\n"
	"]}\n";

/* What dest holds after importing every_type, read back through libobjmgr. */
static void expect_every_type(om_client *c)
{
	om_value v;
	EXPECT("[{\"id\": 1}, {\"id\": 2}, \"three\"]", c, "queue.items", om_str("jobs"));
	EXPECT("{\"type\": \"queue\", \"options\": {\"maxsize\": 5}, \"len\": 3}", c,
	       "objects.describe", om_str("jobs"));
	EXPECT("3", c, "semaphore.value", om_str("pool")); /* made again free */
	EXPECT("{\"type\": \"semaphore\", \"options\": {\"value\": 3, \"bounded\": true, \"owned\": false}, \"len\": 1}",
	       c, "objects.describe", om_str("pool"));
	EXPECT("false", c, "lock.locked", om_str("mutex"));
	EXPECT("false", c, "rlock.locked", om_str("re"));
	EXPECT("{\"type\": \"lock\", \"options\": {\"owned\": false}, \"len\": 1}", c,
	       "objects.describe", om_str("signal"));
	EXPECT("{\"type\": \"condition\", \"options\": {\"lock\": \"mutex\"}, \"len\": 1}", c,
	       "objects.describe", om_str("cv"));
	EXPECT("3", c, "barrier.parties", om_str("b"));
	EXPECT("true", c, "event.is_set", om_str("ready"));
	EXPECT("false", c, "event.is_set", om_str("idle"));
	EXPECT("[1, \"two\", [3, [4]], {\"k\": @users}, null, 2.5]", c, "list.items", om_str("staff"));
	EXPECT("\"one\"", c, "dict.get", om_str("odd"), om_int(1));
	EXPECT("\"two\"", c, "dict.get", om_str("odd"), ARRAY(om_int(2)));
	EXPECT("null", c, "dict.get", om_str("odd"), om_bool(true));
	EXPECT("{\"age\": 4, \"langs\": [\"c\", \"go\"]}", c, "dict.get", om_str("users"), om_str("bob"));
	EXPECT("[\"alice\", \"bob\", \"avatar\", \"boss\", \"pi\", \"big\", \"nan\", \"raw\", \"ext\"]",
	       c, "dict.keys", om_str("users"));

	v = CALL(c, "counter.get", om_str("hits"));
	ck_assert(v.kind == OM_INT && v.as.i == 42);
	v = CALL(c, "counter.get", om_str("temp"));
	ck_assert(v.kind == OM_FLOAT64 && v.as.f == -0.5);
	v = CALL(c, "dict.get", om_str("users"), om_str("boss"));
	ck_assert(v.kind == OM_REF && v.len == 5 && memcmp(v.as.str, "staff", 5) == 0);
	om_value_free(&v);
	v = CALL(c, "dict.get", om_str("users"), om_str("avatar"));
	ck_assert(v.kind == OM_BIN && v.len == 3 && memcmp(v.as.str, "\0\1\xff", 3) == 0);
	om_value_free(&v);
	v = CALL(c, "dict.get", om_str("users"), om_str("raw"));
	ck_assert(v.kind == OM_STR && v.len == 4 && memcmp(v.as.str, "a\0b\xff", 4) == 0);
	om_value_free(&v);
	v = CALL(c, "dict.get", om_str("users"), om_str("ext"));
	ck_assert(v.kind == OM_EXT && v.ext_type == 5 && v.len == 2 && memcmp(v.as.str, "\1\2", 2) == 0);
	om_value_free(&v);
	v = CALL(c, "dict.get", om_str("users"), om_str("big"));
	ck_assert(v.kind == OM_UINT && v.as.u == UINT64_MAX);
	v = CALL(c, "dict.get", om_str("users"), om_str("nan"));
	ck_assert(v.kind == OM_FLOAT64 && isnan(v.as.f));
}

START_TEST(test_export_import_export_gives_the_same_bytes_and_the_same_values)
{
	om_client *src = client(&harness_srv);
	fill_every_type(src);
	char *first = export_of(&harness_srv, NULL);
	ck_assert_str_eq(first, every_type);

	run r = on(&dest, NULL, "import", write_file("state.json", first), NULL);
	ck_assert_msg(r.status == 0, "import: status %d: %s", r.status, r.err);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, "imported 14 objects\n");
	run_free(&r);

	char *again = export_of(&dest, NULL);
	ck_assert_str_eq(again, first);
	om_client *c = client(&dest);
	expect_every_type(c);
	om_close(c);
	om_close(src);
	free(first);
	free(again);
}
END_TEST

START_TEST(test_import_refuses_names_that_exist_unless_replace)
{
	om_client *src = client(&harness_srv), *c = client(&dest);
	fill_every_type(src);
	char *doc = export_of(&harness_srv, NULL);
	const char *path = write_file("state.json", doc);
	CALL(c, "counter.set", om_str("hits"), om_int(1));
	CALL(c, "list.append", om_str("users"), om_int(1));

	expect_error(4, &dest, NULL, "import", path, NULL,
		     "error: bad_params: \"hits\" (counter), \"users\" (list) exist already; "
		     "import --replace deletes them first\n");
	EXPECT("{\"hits\": \"counter\", \"users\": \"list\"}", c, "objects.list");
	EXPECT("1", c, "counter.get", om_str("hits"));

	run r = on(&dest, NULL, "import", "--replace", path, NULL);
	ck_assert_msg(r.status == 0, "import --replace: status %d: %s", r.status, r.err);
	ck_assert_str_eq(r.err, "imported 14 objects (2 replaced)\n");
	run_free(&r);
	EXPECT("42", c, "counter.get", om_str("hits"));
	expect_every_type(c);

	/* One name is said as one; the same file again, from stdin, with --replace last. */
	CALL(c, "objects.delete", om_str("hits"));
	expect_error(4, &dest, NULL, "import", path, NULL,
		     "error: bad_params: \"b\" (barrier), \"cv\" (condition), \"idle\" (event) and 10 more "
		     "exist already; import --replace deletes them first\n");
	r = on(&dest, doc, "import", "-", "--replace", NULL);
	ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
	ck_assert_str_eq(r.err, "imported 14 objects (13 replaced)\n");
	run_free(&r);
	free(doc);
	om_close(c);
	om_close(src);
}
END_TEST

/* Each malformed document is refused whole, naming the problem: nothing is made. */
START_TEST(test_import_of_a_malformed_file_names_the_problem_and_changes_nothing)
{
	static const char *const cases[][2] = {
		{"{\"objmgr_export\": 1, \"objects\": [\n",
		 "error: bad_params: <stdin>:2:0: not valid JSON: ']' expected near end of file\n"},
		{"[]", "error: bad_params: <stdin>: not an objmgr export (not a JSON object)\n"},
		{"{\"objects\": []}",
		 "error: bad_params: <stdin>: not an objmgr export (no \"objmgr_export\": 1 at the top)\n"},
		{"{\"objmgr_export\": 2, \"objects\": []}",
		 "error: bad_params: <stdin>: \"objmgr_export\": 2, but this objmgr reads version 1 only\n"},
		{"{\"objmgr_export\": 1, \"objects\": [{\"name\": \"ok\", \"type\": \"dict\"},"
		 " {\"name\": \"jobs\", \"type\": \"queue\", \"options\": {\"maxsize\": 1}, \"value\": [1, 2]}]}",
		 "error: bad_params: <stdin>: object \"jobs\": value holds 2 values, more than its maxsize 1\n"},
		{"{\"objmgr_export\": 1, \"objects\": [{\"name\": \"users\", \"type\": \"dict\", \"value\": [1]}]}",
		 "error: bad_params: <stdin>: object \"users\": value must be a map, got array\n"},
		{"{\"objmgr_export\": 1, \"objects\": [{\"name\": \"q\", \"type\": \"queue\", \"options\": {\"maxsize\": -1}}]}",
		 "error: bad_params: <stdin>: object \"q\": options: queue: option 'maxsize' must be a "
		 "non-negative integer\n"},
		{"{\"objmgr_export\": 1, \"objects\": [{\"name\": \"t\", \"type\": \"tree\"}]}",
		 "error: bad_params: <stdin>: object \"t\": unknown type \"tree\"\n"},
		{"{\"objmgr_export\": 1, \"objects\": [{\"name\": \"m\", \"type\": \"lock\", \"value\": true}]}",
		 "error: bad_params: <stdin>: object \"m\": value must be null: a lock's holders and "
		 "waiters are not state, got bool\n"},
		{"{\"objmgr_export\": 1, \"objects\": [{\"name\": \"d\", \"type\": \"dict\", \"value\": {\"k\": {\"$bin\": \"!!\"}}}]}",
		 "error: bad_params: <stdin>: object \"d\": value: {\"$bin\": ...}: \"!!\" is not valid base64\n"},
		{"{\"objmgr_export\": 1, \"objects\": [{\"name\": \"a\", \"type\": \"lock\"}, {\"name\": \"a\", \"type\": \"dict\"}]}",
		 "error: bad_params: <stdin>: object \"a\": appears twice\n"},
		{"{\"objmgr_export\": 1, \"objects\": [{\"type\": \"lock\"}]}",
		 "error: bad_params: <stdin>: objects[0]: no \"name\"\n"},
		{"{\"objmgr_export\": 1, \"objects\": [{\"name\": \"n\", \"type\": \"counter\", \"vaule\": 1}]}",
		 "error: bad_params: <stdin>: object \"n\": unknown key \"vaule\" (an object has name, "
		 "type, options, value)\n"},
	};
	om_client *c = client(&dest);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		expect_error(4, &dest, cases[i][0], "import", "-", NULL, cases[i][1]);
		EXPECT("{}", c, "objects.list");
	}
	expect_error(4, &dest, NULL, "import", "/nonexistent/state.json", NULL,
		     "error: bad_params: cannot read /nonexistent/state.json: No such file or directory\n");
	expect_error(64, &dest, NULL, "import", NULL, NULL, "error: bad_params: usage: import [--replace] FILE\n");
	om_close(c);
}
END_TEST

START_TEST(test_export_patterns_choose_the_names_as_ls_does)
{
	om_client *c = client(&harness_srv);
	fill_every_type(c);
	char *doc = export_of(&harness_srv, "h*", "temp", "re*");
	ck_assert_str_eq(doc, "{\"objmgr_export\": 1, \"objects\": [\n"
			      "  {\"name\": \"hits\", \"type\": \"counter\", \"options\": {}, \"value\": 42},\n"
			      "  {\"name\": \"re\", \"type\": \"rlock\", \"options\": {}, \"value\": null},\n"
			      "  {\"name\": \"ready\", \"type\": \"event\", \"options\": {}, \"value\": true},\n"
			      "  {\"name\": \"temp\", \"type\": \"counter\", \"options\": {}, \"value\": -0.5}\n"
			      "]}\n");
	free(doc);
	doc = export_of(&harness_srv, "nobody*");
	ck_assert_str_eq(doc, "{\"objmgr_export\": 1, \"objects\": []}\n");
	free(doc);
	doc = export_of(&dest, NULL);
	ck_assert_str_eq(doc, "{\"objmgr_export\": 1, \"objects\": []}\n");
	free(doc);
	om_close(c);
}
END_TEST

/* Contents far over the message limit go in chunks; one value over it alone is refused first. */
START_TEST(test_import_chunks_contents_under_the_message_limit)
{
	harness_server small;
	harness_start(&small, "--max-message-size", "65536", NULL);
	om_client *c = client(&harness_srv);
	char text[120];
	for (int i = 0; i < 4000; i++) {
		snprintf(text, sizeof text, "%0100d", i);
		CALL(c, "dict.set", om_str("big"), om_str(text + 90), om_str(text));
		CALL(c, "list.append", om_str("long"), ARRAY(om_str(text), om_int(i)));
	}
	CALL(c, "objects.create", om_str("q"), om_str("queue"), MAP(om_str("maxsize"), om_int(2000)));
	for (int i = 0; i < 2000; i++)
		CALL(c, "queue.put", om_str("q"), om_int(i));
	char *doc = export_of(&harness_srv, NULL);
	ck_assert_uint_gt(strlen(doc), 8 * 65536);

	run r = on(&small, doc, "import", "-", NULL);
	ck_assert_msg(r.status == 0, "import: status %d: %s", r.status, r.err);
	ck_assert_str_eq(r.err, "imported 3 objects\n");
	run_free(&r);
	char *again = export_of(&small, NULL);
	ck_assert_str_eq(again, doc);
	free(again);
	free(doc);

	/* A value over the limit: refused before anything is sent, though "big" comes first. */
	char *huge = malloc(70001);
	memset(huge, 'x', 70000);
	huge[70000] = '\0';
	CALL(c, "dict.set", om_str("huge"), om_str("k"), om_str(huge));
	free(huge);
	doc = export_of(&harness_srv, NULL);
	CALL(c, "objects.delete", om_str("huge"));
	om_client *s = client(&small);
	CALL(s, "objects.delete", om_str("big"));
	CALL(s, "objects.delete", om_str("long"));
	CALL(s, "objects.delete", om_str("q"));
	r = on(&small, doc, "import", "-", NULL);
	ck_assert_int_eq(r.status, 4);
	ck_assert_str_eq(r.err, "error: too_large: object \"huge\": dict.update of 70033 bytes is over "
				"the server's max_message_size of 65536\n"); /* 70,000 and 33 of envelope */
	run_free(&r);
	EXPECT("{}", s, "objects.list");
	free(doc);
	om_close(s);
	om_close(c);
	harness_stop(&small);
}
END_TEST

/* A request the server refuses though the checks passed (--max-memory) stops the import there. */
START_TEST(test_import_refused_midway_stops_and_says_how_far_it_got)
{
	harness_server tight;
	harness_start(&tight, "--max-memory", "4M", NULL);
	char *doc;
	size_t len;
	FILE *f = open_memstream(&doc, &len);
	fputs("{\"objmgr_export\": 1, \"objects\": [\n"
	      "  {\"name\": \"a\", \"type\": \"counter\", \"value\": 1},\n"
	      "  {\"name\": \"big\", \"type\": \"dict\", \"value\": {", f);
	for (int i = 0; i < 60000; i++)
		fprintf(f, "%s\"k%d\": \"%0100d\"", i ? ", " : "", i, i);
	fputs("}},\n  {\"name\": \"c\", \"type\": \"counter\", \"value\": 3}\n]}\n", f);
	fclose(f);

	run r = on(&tight, doc, "import", "-", NULL);
	ck_assert_int_eq(r.status, 4);
	const char *head = "error: limit: object \"big\": dict.update: used memory ";
	const char *tail = " is over --max-memory 4194304\n"
			   "import stopped: the first 1 of 3 objects are imported; those after "
			   "them may be partly made\n";
	ck_assert_msg(strncmp(r.err, head, strlen(head)) == 0 && strlen(r.err) > strlen(tail) &&
		      strcmp(r.err + strlen(r.err) - strlen(tail), tail) == 0, "%s", r.err);
	run_free(&r);
	om_client *c = client(&tight);
	EXPECT("1", c, "counter.get", om_str("a"));
	/* What became of "c", sent behind the refused request, depends on when memory was measured. */
	om_close(c);
	free(doc);
	harness_stop(&tight);
}
END_TEST

/* Both commands take the CLI's address and authkey options like any other. */
START_TEST(test_export_and_import_with_an_authkey)
{
	const char *key = file_path("key");
	int fd = open(key, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "correct horse battery staple", 28), 28);
	close(fd);
	harness_server guarded;
	harness_start(&guarded, "--authkey-file", key, NULL);
	om_client *c = client(&harness_srv);
	fill_every_type(c);
	char *doc = export_of(&harness_srv, NULL);

	run r = on(&guarded, doc, "--authkey-file", key, "import", "-", NULL);
	ck_assert_msg(r.status == 0, "import: status %d: %s", r.status, r.err);
	ck_assert_str_eq(r.err, "imported 14 objects\n");
	run_free(&r);
	r = on(&guarded, NULL, "--authkey-file", key, "export", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, doc);
	run_free(&r);
	r = on(&guarded, NULL, "export", NULL);
	ck_assert_int_eq(r.status, 4);
	ck_assert_ptr_nonnull(strstr(r.err, "error: auth_required: "));
	run_free(&r);
	free(doc);
	om_close(c);
	harness_stop(&guarded);
}
END_TEST

static Suite *export_suite(void)
{
	Suite *s = suite_create("export");
	TCase *tc = tcase_create("export");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_export_import_export_gives_the_same_bytes_and_the_same_values);
	tcase_add_test(tc, test_import_refuses_names_that_exist_unless_replace);
	tcase_add_test(tc, test_import_of_a_malformed_file_names_the_problem_and_changes_nothing);
	tcase_add_test(tc, test_export_patterns_choose_the_names_as_ls_does);
	tcase_add_test(tc, test_import_chunks_contents_under_the_message_limit);
	tcase_add_test(tc, test_import_refused_midway_stops_and_says_how_far_it_got);
	tcase_add_test(tc, test_export_and_import_with_an_authkey);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(export_suite());
}
