/*
 * stat.c — objmgr --stat: a line of server figures per interval from
 * server.info, as redis-cli --stat, with the header again every 20 lines
 * so it stays in sight. ops/s is the change of ops_total over the time
 * measured between two answers (this program's own server.info calls
 * included); the first line has no interval yet and shows "-".
 */
#include <stdint.h>
#include <string.h>

#include "cli.h"

#define HEADER_EVERY 20

/* The columns, in order, and how wide each is on the human form. */
static const char *const columns[] = {"objects", "clients", "waiting", "ops",
				      "ops/s",   "memory",  "revision"};
enum { NCOLUMNS = sizeof columns / sizeof columns[0], WIDTH = 11 };

/* The non-negative integer under key in server.info's map; 0 when absent. */
static uint64_t figure(const om_value *info, const char *key)
{
	const om_value *v = om_value_map_get(info, key);
	if (!v)
		return 0;
	if (v->kind == OM_UINT)
		return v->as.u;
	return v->kind == OM_INT && v->as.i > 0 ? (uint64_t)v->as.i : 0;
}

/* bytes as redis-cli writes them: 512B, 1.50K, 3.20M, 1.00G. */
static void human_bytes(uint64_t bytes, char *buf, size_t size)
{
	static const char units[] = "KMGTP";
	double v = (double)bytes;
	if (bytes < 1024) {
		snprintf(buf, size, "%lluB", (unsigned long long)bytes);
		return;
	}
	size_t u = 0;
	v /= 1024;
	while (v >= 1024 && u + 1 < sizeof units - 1) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, "%.2f%c", v, units[u]);
}

static void header(void)
{
	for (size_t i = 0; i + 1 < NCOLUMNS; i++)
		printf("%-*s", WIDTH, columns[i]);
	printf("%s\n", columns[NCOLUMNS - 1]);
}

/* One line of figures; rate < 0: none yet. */
static void line(cli *c, const om_value *info, double rate)
{
	uint64_t objects = figure(info, "objects"), clients = figure(info, "connections"),
		 waiting = figure(info, "waiting"), ops = figure(info, "ops_total"),
		 memory = figure(info, "used_memory"), revision = figure(info, "revision");
	if (c->mode == OUT_JSON) {
		printf("{\"objects\": %llu, \"clients\": %llu, \"waiting\": %llu, \"ops\": %llu, ",
		       (unsigned long long)objects, (unsigned long long)clients,
		       (unsigned long long)waiting, (unsigned long long)ops);
		if (rate < 0)
			printf("\"ops_per_s\": null, ");
		else
			printf("\"ops_per_s\": %.1f, ", rate);
		printf("\"used_memory\": %llu, \"revision\": %llu}\n", (unsigned long long)memory,
		       (unsigned long long)revision);
		return;
	}
	char cells[NCOLUMNS][32];
	snprintf(cells[0], sizeof cells[0], "%llu", (unsigned long long)objects);
	snprintf(cells[1], sizeof cells[1], "%llu", (unsigned long long)clients);
	snprintf(cells[2], sizeof cells[2], "%llu", (unsigned long long)waiting);
	snprintf(cells[3], sizeof cells[3], "%llu", (unsigned long long)ops);
	if (rate < 0)
		strcpy(cells[4], "-");
	else
		snprintf(cells[4], sizeof cells[4], "%.0f", rate);
	human_bytes(memory, cells[5], sizeof cells[5]);
	snprintf(cells[6], sizeof cells[6], "%llu", (unsigned long long)revision);
	for (size_t i = 0; i + 1 < NCOLUMNS; i++)
		printf("%-*s ", WIDTH - 1, cells[i]);
	printf("%s\n", cells[NCOLUMNS - 1]);
}

int stat_run(cli *c, long lines, double interval)
{
	uint64_t last_ops = 0;
	double last_at = 0;
	for (long n = 0; lines <= 0 || n < lines; n++) {
		if (n > 0)
			ops_sleep(interval);
		om_value info;
		int rc = cli_call(c, "server.info", NULL, 0, &info);
		if (rc != CLI_OK)
			return rc;
		double now = ops_now();
		uint64_t ops = figure(&info, "ops_total");
		double rate = -1;
		if (n > 0 && now > last_at)
			rate = (double)(ops - last_ops) / (now - last_at);
		if (n % HEADER_EVERY == 0 && c->mode != OUT_JSON)
			header();
		line(c, &info, rate);
		fflush(stdout);
		om_value_free(&info);
		last_ops = ops;
		last_at = now;
	}
	return CLI_OK;
}
