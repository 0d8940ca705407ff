/*
 * counter_processes.c — five processes each add 1 to a shared counter
 * 1,000 times; every update lands, so the total is exactly 5,000.
 *
 * Run it with an objmgrd listening on the default socket (or $OBJMGR_SOCKET).
 */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <objmgr.h>

enum { PROCESSES = 5, ADDS = 1000 };

static int worker(void)
{
	om_client *c = om_connect(NULL, NULL);
	om_counter *hits = om_counter_open(c, "example-hits");
	int rc = 0;
	for (int i = 0; i < ADDS && rc == 0; i++)
		rc = om_counter_add_int(hits, 1, NULL);
	om_counter_close(hits);
	om_close(c);
	return rc ? 1 : 0;
}

int main(void)
{
	om_client *c = om_connect(NULL, NULL);
	if (om_errcode(c)) {
		fprintf(stderr, "error: %s\n", om_errmsg(c));
		return 1;
	}
	om_counter *hits = om_counter_open(c, "example-hits");
	om_counter_set(hits, om_int(0));

	for (int i = 0; i < PROCESSES; i++)
		if (fork() == 0)
			_exit(worker());
	int failed = 0, status;
	for (int i = 0; i < PROCESSES; i++) {
		wait(&status);
		failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	}

	om_value total;
	if (failed || om_counter_get(hits, &total)) {
		fprintf(stderr, "error: a worker failed\n");
		return 1;
	}
	printf("%d processes x %d adds = %lld\n", PROCESSES, ADDS, (long long)total.as.i);
	om_counter_close(hits);
	om_close(c);
	return total.as.i == PROCESSES * ADDS ? 0 : 1;
}
