/* test-address.c — the default socket path objmgrd and libobjmgr share. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "address.h"
#include "check-main.h"
#include "tcp.h"
#include "om_value.h"

static void clear_env(void)
{
	unsetenv("OBJMGR_SOCKET");
	unsetenv("XDG_RUNTIME_DIR");
}

START_TEST(test_tcp_addresses_split_into_host_and_port)
{
	char host[TCP_HOST_MAX], port[TCP_PORT_MAX];
	ck_assert(tcp_parse("tcp:localhost:6000", host, port));
	ck_assert_str_eq(host, "localhost");
	ck_assert_str_eq(port, "6000");
	ck_assert(tcp_parse("tcp:10.0.0.5:0", host, port));
	ck_assert_str_eq(host, "10.0.0.5");
	ck_assert_str_eq(port, "0");
	ck_assert(tcp_parse("tcp:[::1]:65535", host, port));
	ck_assert_str_eq(host, "::1");
	ck_assert_str_eq(port, "65535");
	static const char *const bad[] = {
		"localhost:6000", "unix:/tmp/x", "tcp:", "tcp:host", "tcp::6000", "tcp:host:",
		"tcp:host:65536", "tcp:host:-1", "tcp:host:6x", "tcp:::1:6000", "tcp:[::1]6000",
		"tcp:[::1", "tcp:[]:6000", "tcp:host:1234567",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ck_assert_msg(!tcp_parse(bad[i], host, port), "%s was taken", bad[i]);
	ck_assert(tcp_is_address("tcp:x:1"));
	ck_assert(!tcp_is_address("/run/tcp:x:1"));
}
END_TEST

START_TEST(test_objmgr_socket_comes_first)
{
	char buf[256];
	setenv("OBJMGR_SOCKET", "/srv/objmgr/main.sock", 1);
	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
	ck_assert_int_eq(address_default(buf, sizeof buf), OM_OK);
	ck_assert_str_eq(buf, "/srv/objmgr/main.sock");
}
END_TEST

START_TEST(test_xdg_runtime_dir_comes_next)
{
	char buf[256];
	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
	ck_assert_int_eq(address_default(buf, sizeof buf), OM_OK);
	ck_assert_str_eq(buf, "/run/user/1000/objmgr.sock");
}
END_TEST

START_TEST(test_without_either_it_is_the_private_tmp_dir)
{
	char buf[256], want[256], dir[64];
	snprintf(want, sizeof want, "/tmp/objmgr-%u/objmgr.sock", (unsigned)getuid());
	ck_assert_int_eq(address_default(buf, sizeof buf), OM_OK);
	ck_assert_str_eq(buf, want);
	snprintf(want, sizeof want, "/tmp/objmgr-%u", (unsigned)getuid());
	ck_assert_int_eq(address_private_dir(dir, sizeof dir), OM_OK);
	ck_assert_str_eq(dir, want);
}
END_TEST

START_TEST(test_empty_variables_count_as_unset)
{
	char buf[256], want[256];
	setenv("OBJMGR_SOCKET", "", 1);
	setenv("XDG_RUNTIME_DIR", "", 1);
	snprintf(want, sizeof want, "/tmp/objmgr-%u/objmgr.sock", (unsigned)getuid());
	ck_assert_int_eq(address_default(buf, sizeof buf), OM_OK);
	ck_assert_str_eq(buf, want);
}
END_TEST

START_TEST(test_a_buffer_too_small_is_limit)
{
	char buf[10];
	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
	ck_assert_int_eq(address_default(buf, sizeof buf), OM_LIMIT);
	ck_assert_int_eq(address_private_dir(buf, 5), OM_LIMIT);
}
END_TEST

START_TEST(test_address_path_drops_the_unix_scheme)
{
	ck_assert_str_eq(address_path("unix:/run/objmgr.sock"), "/run/objmgr.sock");
	ck_assert_str_eq(address_path("/run/objmgr.sock"), "/run/objmgr.sock");
	ck_assert_str_eq(address_path("relative.sock"), "relative.sock");
}
END_TEST

static Suite *address_suite(void)
{
	Suite *s = suite_create("address");
	TCase *tc = tcase_create("default");
	tcase_add_checked_fixture(tc, clear_env, NULL);
	tcase_add_test(tc, test_tcp_addresses_split_into_host_and_port);
	tcase_add_test(tc, test_objmgr_socket_comes_first);
	tcase_add_test(tc, test_xdg_runtime_dir_comes_next);
	tcase_add_test(tc, test_without_either_it_is_the_private_tmp_dir);
	tcase_add_test(tc, test_empty_variables_count_as_unset);
	tcase_add_test(tc, test_a_buffer_too_small_is_limit);
	tcase_add_test(tc, test_address_path_drops_the_unix_scheme);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(address_suite());
}
