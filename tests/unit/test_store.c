// WRAP:
/* The store: private folders, one writer per container, newest-last lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "fsutil.h"
#include "json.h"
#include "store.h"

static char root[64];

static int
setup (void **state)
{
	(void)state;
	snprintf (root, sizeof (root), "/tmp/dmig-store-XXXXXX");
	assert_non_null (mkdtemp (root));
	return 0;
}

static int
teardown (void **state)
{
	(void)state;
	dmig_rm_rf (root, NULL);
	return 0;
}

static void
add_snapshot (const char *dir, const char *name, const char *created)
{
	struct dmig_members ms = {0};
	dmig_error_t err = NULL;
	char *staging = NULL, path[PATH_MAX];
	json_object *m = json_object_new_object ();

	json_object_object_add (m, "format", json_object_new_int (DMIG_BUNDLE_FORMAT));
	json_object_object_add (m, "created", json_object_new_string (created));
	assert_int_equal (dmig_store_staging (dir, &staging, &err), 0);
	snprintf (path, sizeof (path), "%s/%s" DMIG_BUNDLE_EXT, dir, name);
	assert_int_equal (dmig_bundle_write (path, m, staging, &ms, &err), 0);
	dmig_rm_rf (staging, NULL);
	free (staging);
	json_object_put (m);
}

static void
private_folders (void **state)
{
	char *dir = NULL, p[PATH_MAX];
	dmig_error_t err = NULL;
	struct stat st;
	(void)state;

	snprintf (p, sizeof (p), "%s/store", root);
	assert_int_equal (dmig_store_dir (p, "docker", "web", 1, &dir, &err), 0);
	assert_int_equal (stat (p, &st), 0);
	assert_int_equal (st.st_mode & 0777, 0700);
	snprintf (p, sizeof (p), "%s/store/docker", root);
	assert_int_equal (stat (p, &st), 0);
	assert_int_equal (st.st_mode & 0777, 0700);
	assert_int_equal (stat (dir, &st), 0);
	assert_int_equal (st.st_mode & 0777, 0700);
	/* a folder someone opened up is made private again */
	chmod (dir, 0755);
	free (dir);
	snprintf (p, sizeof (p), "%s/store", root);
	assert_int_equal (dmig_store_dir (p, "docker", "web", 1, &dir, &err), 0);
	assert_int_equal (stat (dir, &st), 0);
	assert_int_equal (st.st_mode & 0777, 0700);
	free (dir);
	/* names that would leave the store are refused */
	assert_int_equal (dmig_store_dir (p, "docker", "../x", 1, &dir, &err), -1);
	assert_int_equal (err->status, DMIG_EUSAGE);
	dmig_error_release (&err);
}

static void
one_lock_holder (void **state)
{
	char *dir = NULL;
	dmig_error_t err = NULL;
	int a = -1, b = -1;
	(void)state;

	assert_int_equal (dmig_store_dir (root, "podman", "db", 1, &dir, &err), 0);
	assert_int_equal (dmig_store_lock (dir, "db", &a, &err), 0);
	assert_int_equal (dmig_store_lock (dir, "db", &b, &err), -1);
	assert_non_null (strstr (err->msg, "another dmig is working on container 'db'"));
	dmig_error_release (&err);
	dmig_store_unlock (a);
	assert_int_equal (dmig_store_lock (dir, "db", &b, &err), 0);
	dmig_store_unlock (b);
	free (dir);
}

static void
list_find_prune (void **state)
{
	struct dmig_snaplist l;
	dmig_error_t err = NULL;
	char *dir = NULL;
	size_t removed = 0;
	(void)state;

	assert_int_equal (dmig_store_dir (root, "docker", "web", 1, &dir, &err), 0);
	/* an absent folder is an empty list */
	assert_int_equal (dmig_store_list ("/nonexistent/dmig", &l, &err), 0);
	assert_int_equal (l.n, 0);
	assert_null (dmig_snaplist_find (&l, ""));
	add_snapshot (dir, "b-second", "2026-11-22T02:00:00.000Z");
	add_snapshot (dir, "a-third", "2026-11-22T03:00:00.000Z");
	add_snapshot (dir, "c-first", "2026-11-22T01:00:00.000Z");
	assert_int_equal (dmig_store_list (dir, &l, &err), 0);
	assert_int_equal (l.n, 3);
	assert_string_equal (l.s[0].name, "c-first");
	assert_string_equal (l.s[2].name, "a-third");
	assert_string_equal (dmig_snaplist_find (&l, "")->name, "a-third"); /* latest */
	assert_string_equal (dmig_snaplist_find (&l, "b-second")->name, "b-second");
	assert_null (dmig_snaplist_find (&l, "nope"));
	assert_int_equal (dmig_store_prune (&l, 1, &removed, &err), 0);
	assert_int_equal (removed, 2);
	dmig_snaplist_free (&l);
	assert_int_equal (dmig_store_list (dir, &l, &err), 0);
	assert_int_equal (l.n, 1);
	assert_string_equal (l.s[0].name, "a-third");
	dmig_snaplist_free (&l);
	free (dir);
}

static void
kinds_and_timestamps (void **state)
{
	const char *kinds[3];
	char *dir = NULL, compact[32], iso[32];
	dmig_error_t err = NULL;
	(void)state;

	assert_int_equal (dmig_store_kinds (root, "web", kinds), 0);
	assert_int_equal (dmig_store_dir (root, "podman", "web", 1, &dir, &err), 0);
	free (dir);
	assert_int_equal (dmig_store_kinds (root, "web", kinds), 1);
	assert_string_equal (kinds[0], "podman");
	assert_null (kinds[1]);
	dmig_store_timestamp (compact, iso);
	assert_int_equal (strlen (compact), 16); /* 20261122T034500Z */
	assert_int_equal (compact[8], 'T');
	assert_int_equal (compact[15], 'Z');
	assert_int_equal (strlen (iso), 24); /* 2026-11-22T03:45:00.123Z */
	assert_int_equal (strncmp (compact, iso, 4), 0);
}

int
main (void)
{
#define T(x) cmocka_unit_test_setup_teardown (x, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T (private_folders),
	    T (one_lock_holder),
	    T (list_find_prune),
	    T (kinds_and_timestamps),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
