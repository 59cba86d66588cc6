/* One lock per container per host: by name and by ID, whatever the store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs.h"
#include "hostlock.h"

static char run[64];

static int
setup (void **state)
{
	(void)state;
	snprintf (run, sizeof (run), "/tmp/dmig-run-XXXXXX");
	assert_non_null (mkdtemp (run));
	setenv ("DMIG_RUN_DIR", run, 1);
	return 0;
}

static int
teardown (void **state)
{
	(void)state;
	dmig_fs_rm_rf (run, NULL);
	unsetenv ("DMIG_RUN_DIR");
	return 0;
}

#define ID1 "4f2a0c0ffee4f2a0c0ffee4f2a0c0ffee4f2a0c0ffee4f2a0c0ffee4f2a0c0ff"
#define ID2 "77aa0c0ffee4f2a0c0ffee4f2a0c0ffee4f2a0c0ffee4f2a0c0ffee4f2a0c0ff"

static void
one_holder_at_a_time (void **state)
{
	struct dmig_hostlock a, b;
	dmig_error_t err = NULL;
	(void)state;

	assert_int_equal (dmig_hostlock_take ("docker", "web", ID1, &a, &err), 0);
	/* the same container, by name: refused at once, saying why */
	assert_int_equal (dmig_hostlock_take ("docker", "web", ID1, &b, &err), -1);
	assert_non_null (strstr (err->msg, "another dmig is working on container 'web'"));
	assert_int_equal (err->status, DMIG_EFAIL);
	assert_int_equal (b.name_fd, -1);
	assert_int_equal (b.id_fd, -1);
	dmig_error_release (&err);
	/* the same container under another name (renamed meanwhile): by ID */
	assert_int_equal (dmig_hostlock_take ("docker", "web-old", ID1, &b, &err), -1);
	assert_non_null (strstr (err->msg, "id-" ID1));
	assert_int_equal (b.name_fd, -1); /* the name's lock went back */
	dmig_error_release (&err);
	/* another engine's "web", another container: free */
	assert_int_equal (dmig_hostlock_take ("podman", "web", ID1, &b, &err), 0);
	dmig_hostlock_release (&b);
	assert_int_equal (dmig_hostlock_take ("docker", "db", ID2, &b, &err), 0);
	dmig_hostlock_release (&b);
	/* a rollback of a container that is gone: by name alone */
	assert_int_equal (dmig_hostlock_take ("docker", "web", NULL, &b, &err), -1);
	dmig_error_release (&err);
	dmig_hostlock_release (&a);
	assert_int_equal (dmig_hostlock_take ("docker", "web", NULL, &b, &err), 0);
	dmig_hostlock_release (&b);
}

static void
refuses_what_is_not_its_own (void **state)
{
	struct dmig_hostlock a;
	dmig_error_t err = NULL;
	char path[128];
	(void)state;

	/* an ID that is not one would name another file */
	assert_int_equal (dmig_hostlock_take ("docker", "web", "../../etc/x", &a, &err), -1);
	assert_non_null (strstr (err->msg, "an ID dmig cannot read"));
	dmig_error_release (&err);
	/* a lock folder others can write: someone could hold our locks */
	snprintf (path, sizeof (path), "%s/locks", run);
	assert_int_equal (mkdir (path, 0777), 0);
	chmod (path, 0777);
	assert_int_equal (dmig_hostlock_take ("docker", "web", ID1, &a, &err), -1);
	assert_non_null (strstr (err->msg, "is not a folder of dmig's own"));
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	dmig_error_release (&err);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown (one_holder_at_a_time, setup, teardown),
	    cmocka_unit_test_setup_teardown (refuses_what_is_not_its_own, setup, teardown),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
