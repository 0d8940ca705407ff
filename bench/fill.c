/*
 * fill.c — objmgr-bench-fill: fills a dict or a list with COUNT entries
 * quickly, for bench/compare's memory and size measurements. It is also
 * the smallest complete use of libobjmgr's pipeline: om_send() with a
 * bounded number of requests in flight, om_recv() checking every reply.
 *
 *   objmgr-bench-fill ADDRESS dict NAME COUNT   "key:I" -> I, I in [0, COUNT)
 *   objmgr-bench-fill ADDRESS list NAME COUNT   appends I, I in [0, COUNT)
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
	if (argc != 5 || (strcmp(argv[2], "dict") && strcmp(argv[2], "list"))) {
		fputs("usage: objmgr-bench-fill ADDRESS dict|list NAME COUNT\n", stderr);
		return 2;
	}
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
		om_value dict_params[] = {om_str(argv[3]), om_str(key), om_int(i)};
		om_value list_params[] = {om_str(argv[3]), om_int(i)};
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
	return 0;
}
