/* For a unit test's group that speaks HTTP through dmig's http.c: libcurl's
 * global state, as dmig's main sets it up, once for the group
 * (cmocka_run_group_tests (tests, http_group_setup, http_group_teardown)). */
#ifndef DMIG_TEST_HTTP_GROUP_H
#define DMIG_TEST_HTTP_GROUP_H

#include "error.h"
#include "http.h"

static int
http_group_setup (void **state)
{
	dmig_error_t err = NULL;
	(void)state;
	if (dmig_http_global_init (&err) < 0) {
		dmig_error_release (&err);
		return -1;
	}
	return 0;
}

static int
http_group_teardown (void **state)
{
	(void)state;
	dmig_http_global_cleanup ();
	return 0;
}

#endif
