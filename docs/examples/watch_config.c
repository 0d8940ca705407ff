/*
 * watch_config.c — a program that reacts to changes instead of polling
 * for them: it watches every object whose name starts with "wc-", a child
 * process changes one, and each change is printed as it comes, until the
 * object is deleted.
 *
 * Run it with an objmgrd listening on the default socket (or $OBJMGR_SOCKET).
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <objmgr.h>

static int fail(om_client *c)
{
	fprintf(stderr, "error: %s: %s\n", om_code_name(om_errcode(c)), om_errmsg(c));
	return 1;
}

/* The child: two settings, then the object goes. */
static int change(void)
{
	om_client *c = om_connect(NULL, NULL);
	om_dict *config = om_dict_open(c, "wc-config");
	int rc = om_errcode(c);
	if (rc == OM_OK)
		rc = om_dict_set(config, om_str("mode"), om_str("fast"));
	if (rc == OM_OK)
		rc = om_dict_set(config, om_str("retries"), om_int(3));
	if (rc == OM_OK)
		rc = om_objects_delete(c, "wc-config", NULL);
	if (rc != OM_OK)
		fail(c);
	om_dict_close(config);
	om_close(c);
	return rc == OM_OK ? 0 : 1;
}

int main(void)
{
	om_client *c = om_connect(NULL, NULL);
	/* Watch first: every change after the watch is notified. */
	if (om_errcode(c) || om_watch(c, "wc-*", NULL) != OM_OK)
		return fail(c);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(change());

	bool deleted = false;
	while (!deleted) {
		om_notification n;
		if (om_next_notification(c, 10, &n) != OM_OK) /* 10 s at most */
			return fail(c);
		if (strcmp(n.method, "objects.changed") == 0) {
			/* [name, method, params, version] */
			const om_value *p = n.params.as.items;
			char params[256];
			om_value_format(&p[2], params, sizeof params);
			printf("%s %s %s\n", p[1].as.str, p[0].as.str, params);
			deleted = strcmp(p[1].as.str, "objects.delete") == 0;
		}
		om_notification_free(&n);
	}
	int status;
	waitpid(pid, &status, 0);
	om_close(c);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
