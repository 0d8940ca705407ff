/*
 * shared_dict_list.c — Python's manager example, in C: the parent creates a
 * shared dict and list, a child process changes them, the parent sees the
 * changes.
 *
 *   Python:                         objmgr:
 *     d = manager.dict()              om_dict *d = om_dict_open(c, "d");
 *     d[1] = '1'; d['2'] = 2          om_dict_set(d, om_int(1), om_str("1")); ...
 *     l.reverse()                     om_list_reverse(l);
 *
 * Run it with an objmgrd listening on the default socket (or $OBJMGR_SOCKET).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <objmgr.h>

static int fail(om_client *c)
{
	fprintf(stderr, "error: %s: %s\n", om_code_name(om_errcode(c)), om_errmsg(c));
	return 1;
}

/* The child's work: its own connection, the same objects by name. */
static int child(void)
{
	om_client *c = om_connect(NULL, NULL);
	om_dict *d = om_dict_open(c, "example-d");
	om_list *l = om_list_open(c, "example-l");
	int rc = om_dict_set(d, om_int(1), om_str("1")) ||
		 om_dict_set(d, om_str("2"), om_int(2)) ||
		 om_dict_set(d, om_float(0.25), om_nil()) ||
		 om_list_reverse(l);
	if (rc)
		rc = fail(c);
	om_dict_close(d);
	om_list_close(l);
	om_close(c);
	return rc;
}

int main(void)
{
	om_client *c = om_connect(NULL, NULL);
	if (om_errcode(c))
		return fail(c);
	om_objects_delete(c, "example-d", NULL);
	om_objects_delete(c, "example-l", NULL);
	om_list *l = om_list_open(c, "example-l");
	for (int i = 0; i < 10; i++)
		om_list_append(l, om_int(i), NULL);

	pid_t pid = fork();
	if (pid == 0)
		_exit(child());
	int status;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return 1;

	om_dict *d = om_dict_open(c, "example-d");
	om_value items, list;
	if (om_dict_items(d, &items) || om_list_items(l, &list))
		return fail(c);
	char buf[256];
	om_value_format(&items, buf, sizeof buf);
	printf("%s\n", buf);
	om_value_format(&list, buf, sizeof buf);
	printf("%s\n", buf);
	om_value_free(&items);
	om_value_free(&list);
	om_dict_close(d);
	om_list_close(l);
	om_close(c);
	return 0;
}
