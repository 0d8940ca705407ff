/*
 * fill.c — objmgr-bench-fill: fills a dict or a list with COUNT entries
 * quickly, for bench/compare's memory and size measurements. It is also
 * the smallest complete use of libobjmgr's pipeline: om_send() with a
 * bounded number of requests in flight, om_recv() checking every reply.
 *
 *   objmgr-bench-fill ADDRESS dict NAME COUNT [BYTES]   "key:I" -> I, I in [0, COUNT)
 *   objmgr-bench-fill ADDRESS list NAME COUNT [BYTES]   appends I, I in [0, COUNT)
 *
 * With BYTES, each value is a bin of that many bytes instead of I (bench/startup
 * fills a gigabyte with them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "objmgr.h"

/* Requests in flight: enough to keep the server busy, few enough to bound the client's memory. */
#define WINDOW 4096

static int fail(om_client *c, const char *what)
{
	fprintf(stderr, "objmgr-bench-fill: %s: %s: %s\n", what, om_code_name(om_errcode(c)),
		om_errmsg(c));
	om_close(c);
	return 1;
}

int main(int argc, char **argv)
{
	char *end;
	if ((argc != 5 && argc != 6) || (strcmp(argv[2], "dict") && strcmp(argv[2], "list"))) {
		fputs("usage: objmgr-bench-fill ADDRESS dict|list NAME COUNT [BYTES]\n", stderr);
		return 2;
	}
	long bytes = argc == 6 ? strtol(argv[5], &end, 10) : 0;
	if (argc == 6 && (*end || bytes <= 0 || bytes > (1 << 20))) {
		fprintf(stderr, "objmgr-bench-fill: not a value size from 1 to 1M: '%s'\n", argv[5]);
		return 2;
	}
	char *blob = bytes ? calloc(1, (size_t)bytes) : NULL;
	long long count = strtoll(argv[4], &end, 10);
	if (*end || count < 0) {
		fprintf(stderr, "objmgr-bench-fill: not a count: '%s'\n", argv[4]);
		return 2;
	}
	bool dict = strcmp(argv[2], "dict") == 0;
	om_client *c = om_connect(argv[1], NULL);
	if (om_errcode(c))
		return fail(c, "connect");
	for (long long i = 0; i < count; i++) {
		char key[32];
		snprintf(key, sizeof key, "key:%lld", i);
		om_value v = blob ? om_bin(blob, (size_t)bytes) : om_int(i);
		if (blob)
			memcpy(blob, &i, sizeof i < (size_t)bytes ? sizeof i : (size_t)bytes);
		om_value dict_params[] = {om_str(argv[3]), om_str(key), v};
		om_value list_params[] = {om_str(argv[3]), v};
		int rc = dict ? om_send(c, "dict.set", dict_params, 3, NULL)
			      : om_send(c, "list.append", list_params, 2, NULL);
		if (rc != OM_OK)
			return fail(c, "send");
		if (om_pending(c) >= WINDOW && om_recv(c, NULL, NULL) != OM_OK)
			return fail(c, "reply");
	}
	while (om_pending(c))
		if (om_recv(c, NULL, NULL) != OM_OK)
			return fail(c, "reply");
	om_close(c);
	free(blob);
	return 0;
}
