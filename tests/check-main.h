/*
 * check-main.h — the one main() every Check suite shares: run every test
 * case of the suite built by the file, exit non-zero when any failed.
 */
#ifndef OBJMGR_CHECK_MAIN_H
#define OBJMGR_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

/* Runs s (taking ownership) and returns the process exit status. */
static inline int check_main(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
