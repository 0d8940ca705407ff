/*
 * exchange.c — two unrelated programs meet by name instead of through a
 * file. Started separately:
 *
 *   exchange publish   stores a config dict and queues three jobs
 *   exchange consume   reads the config and takes every job
 *
 * Run both with an objmgrd listening on the default socket (or $OBJMGR_SOCKET).
 */
#include <stdio.h>
#include <string.h>

#include <objmgr.h>

static int fail(om_client *c)
{
	fprintf(stderr, "error: %s: %s\n", om_code_name(om_errcode(c)), om_errmsg(c));
	return 1;
}

static int publish(om_client *c)
{
	om_dict *config = om_dict_open(c, "exchange-config");
	om_list *jobs = om_list_open(c, "exchange-jobs");
	om_value pairs[] = {om_str("retries"), om_int(3), om_str("mode"), om_str("fast")};
	int rc = om_dict_update(config, om_map(pairs, 2));
	for (int i = 1; i <= 3 && rc == 0; i++) {
		om_value job[] = {om_str("id"), om_int(i)};
		rc = om_list_append(jobs, om_map(job, 1), NULL);
	}
	om_dict_close(config);
	om_list_close(jobs);
	return rc ? fail(c) : 0;
}

static int consume(om_client *c)
{
	om_dict *config = om_dict_open(c, "exchange-config");
	om_list *jobs = om_list_open(c, "exchange-jobs");
	om_value mode, job;
	char buf[128];
	if (om_dict_get(config, om_str("mode"), &mode))
		return fail(c);
	om_value_format(&mode, buf, sizeof buf);
	printf("mode %s\n", buf);
	om_value_free(&mode);
	int rc;
	while ((rc = om_list_popleft(jobs, &job)) == OM_OK) {
		om_value_format(&job, buf, sizeof buf);
		printf("job %s\n", buf);
		om_value_free(&job);
	}
	om_dict_close(config);
	om_list_close(jobs);
	/* popleft on the emptied list is the normal way out */
	return rc == OM_INDEX_ERROR ? 0 : fail(c);
}

int main(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "publish") && strcmp(argv[1], "consume"))) {
		fprintf(stderr, "usage: exchange publish|consume\n");
		return 2;
	}
	om_client *c = om_connect(NULL, NULL);
	int rc = om_errcode(c) ? fail(c)
		 : strcmp(argv[1], "publish") == 0 ? publish(c) : consume(c);
	om_close(c);
	return rc;
}
