// WRAP:
/* Names, refs and counts: what users type. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"
#include "ref.h"

static void
container_names (void **state)
{
	dmig_error_t err = NULL;
	(void)state;
	assert_int_equal (dmig_ref_valid_container ("web", &err), 0);
	assert_int_equal (dmig_ref_valid_container ("a.b-c_d9", &err), 0);
	assert_int_equal (dmig_ref_valid_container ("0123456789ab", &err), 0);
	const char *bad[] = {"", "-web", ".web", "we b", "web;rm -rf /", "a/b", "$(id)", "web`x`", "..", "w\nx", "w'x"};
	for (size_t i = 0; i < sizeof (bad) / sizeof (bad[0]); i++) {
		assert_int_equal (dmig_ref_valid_container (bad[i], &err), -1);
		assert_non_null (err);
		assert_int_equal (err->status, DMIG_EUSAGE);
		assert_non_null (strstr (err->msg, "invalid container name"));
		dmig_error_release (&err);
	}
	char longname[DMIG_NAME_MAX + 2];
	memset (longname, 'a', sizeof (longname) - 1);
	longname[sizeof (longname) - 1] = '\0';
	assert_int_equal (dmig_ref_valid_container (longname, &err), -1);
	dmig_error_release (&err);
	longname[DMIG_NAME_MAX] = '\0';
	assert_int_equal (dmig_ref_valid_container (longname, &err), 0);
}

static void
refs (void **state)
{
	struct dmig_ref r;
	dmig_error_t err = NULL;
	(void)state;

	assert_int_equal (dmig_ref_parse ("web@20261122T034500Z", &r, &err), 0);
	assert_string_equal (r.container, "web");
	assert_string_equal (r.name, "20261122T034500Z");
	assert_int_equal (dmig_ref_parse ("web@latest", &r, &err), 0);
	assert_string_equal (r.container, "web");
	assert_string_equal (r.name, "");
	assert_int_equal (dmig_ref_parse ("web", &r, &err), 0);
	assert_string_equal (r.name, "");
	const char *bad[] = {"",       "@x",       "web@",   "web@@x",  "web@a@b",
	                     "we b@x", "web@../x", "web@-x", "web@a/b", "../web@x"};
	for (size_t i = 0; i < sizeof (bad) / sizeof (bad[0]); i++) {
		assert_int_equal (dmig_ref_parse (bad[i], &r, &err), -1);
		assert_int_equal (err->status, DMIG_EUSAGE);
		dmig_error_release (&err);
	}
}

static void
snapshot_names (void **state)
{
	dmig_error_t err = NULL;
	(void)state;
	assert_int_equal (dmig_ref_valid_snapshot ("nightly-1", &err), 0);
	assert_int_equal (dmig_ref_valid_snapshot ("latest", &err), -1);
	assert_non_null (strstr (err->msg, "reserved"));
	dmig_error_release (&err);
	assert_int_equal (dmig_ref_valid_snapshot (".hidden", &err), -1);
	dmig_error_release (&err);
}

static void
counts (void **state)
{
	dmig_error_t err = NULL;
	long v = -5;
	(void)state;
	assert_int_equal (dmig_ref_parse_count ("--keep", "24", &v, &err), 0);
	assert_int_equal (v, 24);
	assert_int_equal (dmig_ref_parse_count ("--keep", "0", &v, &err), 0);
	assert_int_equal (v, 0);
	const char *bad[] = {"-1", "", "1x", " 1", "100001", "99999999999999999999", "+3", "0x10"};
	for (size_t i = 0; i < sizeof (bad) / sizeof (bad[0]); i++) {
		v = 7;
		assert_int_equal (dmig_ref_parse_count ("--keep", bad[i], &v, &err), -1);
		assert_int_equal (err->status, DMIG_EUSAGE);
		assert_non_null (strstr (err->msg, "--keep"));
		assert_int_equal (v, 7);
		dmig_error_release (&err);
	}
}

static void
errors (void **state)
{
	dmig_error_t err = NULL;
	(void)state;
	assert_int_equal (dmig_error_set (&err, DMIG_EPREFLIGHT, 0, "no '%s'", "x"), -1);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	assert_int_equal (dmig_error_wrap (&err, "ctx %d", 1), -1);
	assert_string_equal (err->msg, "ctx 1: no 'x'");
	dmig_error_status (&err, DMIG_ELOST);
	assert_int_equal (err->status, DMIG_ELOST);
	dmig_error_status (&err, 99); /* ignored */
	assert_int_equal (err->status, DMIG_ELOST);
	dmig_error_release (&err);
	assert_null (err);
	/* odd statuses are clamped to a failure, never a success */
	dmig_error_set (&err, -1, 0, "x");
	assert_int_equal (err->status, DMIG_EFAIL);
	dmig_error_release (&err);
	dmig_error_set (&err, 0, 2, "open");
	assert_int_equal (err->status, DMIG_EFAIL);
	assert_string_equal (err->msg, "open: No such file or directory");
	dmig_error_release (&err);
	assert_int_equal (dmig_error_set (NULL, 1, 0, "ignored"), -1);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (container_names), cmocka_unit_test (refs),   cmocka_unit_test (snapshot_names),
	    cmocka_unit_test (counts),          cmocka_unit_test (errors),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
