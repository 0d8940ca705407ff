/* workers.c — forked client processes for the integration suites. */
#include "workers.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

om_client *worker_connect(void)
{
	om_options opts = {.timeout_s = 60};
	return om_connect(harness_srv.socket, &opts);
}

static int worker_main(work_fn work, int id)
{
	om_client *c = worker_connect();
	int rc = om_errcode(c);
	if (rc == OM_OK)
		rc = work(c, id);
	if (rc != OM_OK)
		fprintf(stderr, "worker %d: %s: %s\n", id, om_code_name(rc), om_errmsg(c));
	om_close(c);
	return rc == OM_OK ? 0 : 1;
}

pid_t worker_spawn(work_fn work, int id)
{
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	/* A test that fails (and exits) must not leave its workers running. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(1);
	_exit(worker_main(work, id));
}

bool worker_reap(pid_t pid)
{
	int status = 0;
	pid_t got;
	if (pid < 0)
		return false;
	while ((got = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	return got == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int worker_reap_all(const pid_t *pids, int n)
{
	int failed = 0;
	for (int i = 0; i < n; i++)
		failed += !worker_reap(pids[i]);
	return failed;
}

int worker_run(int n, work_fn work)
{
	pid_t pids[WORKERS_MAX];
	ck_assert_int_le(n, WORKERS_MAX);
	for (int i = 0; i < n; i++)
		pids[i] = worker_spawn(work, i);
	return worker_reap_all(pids, n);
}
