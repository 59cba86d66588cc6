// WRAP: flock
/* The store: private folders, one writer per container, newest-last lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "fs.h"
#include "json.h"
#include "store.h"

static char root[64];

/* Run once just before dmig's next flock: another dmig at work, between
 * dmig's open of the lock file and its flock. */
static void (*before_flock) (void);
int __real_flock (int fd, int op);
int __wrap_flock (int fd, int op);
int
__wrap_flock (int fd, int op)
{
	void (*f) (void) = before_flock;

	before_flock = NULL;
	if (f)
		f ();
	return __real_flock (fd, op);
}

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
	dmig_fs_rm_rf (root, NULL);
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
	assert_int_equal (dmig_bundle_write (path, m, staging, &ms, NULL, &err), 0);
	dmig_fs_rm_rf (staging, NULL);
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

/* dmig_store_dir refuses, exit 3 in one line that names the folder and
 * says what to do, and makes nothing. */
static void
refused (const char *store, int create, const char *names)
{
	char *dir = NULL, want[PATH_MAX + 8];
	dmig_error_t err = NULL;

	assert_int_equal (dmig_store_dir (store, "docker", "web", create, &dir, &err), -1);
	assert_null (dir);
	assert_non_null (err);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	assert_null (strchr (err->msg, '\n'));
	snprintf (want, sizeof (want), "'%s'", names);
	if (strstr (err->msg, want) == NULL || strstr (err->msg, "chown ") == NULL)
		fail_msg ("'%s' does not name %s and what to do", err->msg, want);
	dmig_error_release (&err);
}

static void
mode_of (const char *path, mode_t want)
{
	struct stat st;

	assert_int_equal (lstat (path, &st), 0);
	assert_int_equal (st.st_mode & 07777, want);
}

/* A store others may write to, anywhere on its way from /, is refused
 * (and left as it is); a sticky folder above it (like /tmp) is not. */
static void
store_others_may_write (void **state)
{
	char store[256], p[PATH_MAX], *dir = NULL;
	dmig_error_t err = NULL;
	(void)state;

	/* the store's root */
	snprintf (store, sizeof (store), "%s/open", root);
	assert_int_equal (mkdir (store, 0700), 0);
	assert_int_equal (chmod (store, 0777), 0);
	refused (store, 1, store);
	mode_of (store, 0777);
	snprintf (p, sizeof (p), "%s/docker", store);
	assert_int_equal (access (p, F_OK), -1);
	/* a folder in it, also when dmig only reads (prune) */
	assert_int_equal (chmod (store, 0700), 0);
	assert_int_equal (mkdir (p, 0777), 0);
	assert_int_equal (chmod (p, 0777), 0);
	refused (store, 1, p);
	mode_of (p, 0777);
	refused (store, 0, p);
	assert_int_equal (chmod (p, 0700), 0);
	snprintf (p, sizeof (p), "%s/docker/web", store);
	assert_int_equal (mkdir (p, 0770), 0);
	assert_int_equal (chmod (p, 0770), 0);
	refused (store, 1, p);
	refused (store, 0, p);
	/* a folder above it */
	snprintf (p, sizeof (p), "%s/group", root);
	assert_int_equal (mkdir (p, 0700), 0);
	assert_int_equal (chmod (p, 0775), 0);
	snprintf (store, sizeof (store), "%s/group/store", root);
	refused (store, 1, p);
	assert_int_equal (dmig_store_check (store, &err), -1);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	assert_non_null (strstr (err->msg, "chmod go-w"));
	dmig_error_release (&err);
	/* a sticky one above it is fine, as /tmp is */
	snprintf (p, sizeof (p), "%s/sticky", root);
	assert_int_equal (mkdir (p, 0700), 0);
	assert_int_equal (chmod (p, 01777), 0);
	snprintf (store, sizeof (store), "%s/sticky/store", root);
	assert_int_equal (dmig_store_dir (store, "docker", "web", 1, &dir, &err), 0);
	mode_of (dir, 0700);
	free (dir);
	/* a symlink on the way in a folder others may change, pointing to a
	 * good store: refused for the folder it is in */
	snprintf (p, sizeof (p), "%s/open", root);
	snprintf (store, sizeof (store), "%s/open/link", root);
	assert_int_equal (chmod (p, 0777), 0);
	assert_int_equal (symlink ("../sticky/store", store), 0);
	refused (store, 1, p);
	/* and an absent store is no reason to refuse a read */
	assert_int_equal (dmig_store_check ("/nonexistent/dmig", &err), 0);
}

/* A store, or a folder above it, that belongs to another user. */
static void
store_of_another_user (void **state)
{
	char store[256], p[PATH_MAX];
	(void)state;

	if (geteuid () != 0)
		skip (); /* giving a folder away needs root */
	/* the nobody of the report: its own 0700 folder */
	snprintf (store, sizeof (store), "%s/nobodys", root);
	assert_int_equal (mkdir (store, 0700), 0);
	assert_int_equal (chown (store, 65534, 65534), 0);
	refused (store, 1, store);
	refused (store, 0, store);
	/* a folder in a store of ours */
	snprintf (store, sizeof (store), "%s/ours", root);
	snprintf (p, sizeof (p), "%s/ours/docker", root);
	assert_int_equal (mkdir (store, 0700), 0);
	assert_int_equal (mkdir (p, 0700), 0);
	assert_int_equal (chown (p, 65534, 65534), 0);
	refused (store, 1, p);
	/* a folder above the store, even a sticky one */
	snprintf (p, sizeof (p), "%s/theirs", root);
	snprintf (store, sizeof (store), "%s/theirs/store", root);
	assert_int_equal (mkdir (p, 0755), 0);
	assert_int_equal (chown (p, 65534, 65534), 0);
	refused (store, 1, p);
	assert_int_equal (chmod (p, 01777), 0);
	refused (store, 1, p);
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
	dmig_store_unlock (dir, a);
	assert_int_equal (dmig_store_lock (dir, "db", &b, &err), 0);
	dmig_store_unlock (dir, b);
	free (dir);
}

static bool
exists (const char *dir, const char *name)
{
	char p[PATH_MAX];
	struct stat st;

	snprintf (p, sizeof (p), "%s%s%s", dir, *name ? "/" : "", name);
	return lstat (p, &st) == 0;
}

/* Nothing is left once the lock is let go: not the lock file, nor the
 * container's folder if it holds nothing else. */
static void
lock_leaves_nothing (void **state)
{
	char *dir = NULL;
	dmig_error_t err = NULL;
	int a = -1;
	(void)state;

	assert_int_equal (dmig_store_dir (root, "docker", "web", 1, &dir, &err), 0);
	assert_int_equal (dmig_store_lock (dir, "web", &a, &err), 0);
	assert_true (exists (dir, ".lock"));
	dmig_store_unlock (dir, a);
	assert_false (exists (dir, ".lock"));
	assert_false (exists (dir, ""));
	/* the engine's folder stays, and so does a folder with snapshots */
	assert_true (exists (root, "docker"));
	free (dir);
	assert_int_equal (dmig_store_dir (root, "docker", "web", 1, &dir, &err), 0);
	assert_int_equal (dmig_store_lock (dir, "web", &a, &err), 0);
	add_snapshot (dir, "s1", "2026-11-22T01:00:00.000Z");
	assert_true (exists (dir, "s1" DMIG_BUNDLE_EXT));
	dmig_store_unlock (dir, a);
	assert_false (exists (dir, ".lock"));
	assert_true (exists (dir, "s1" DMIG_BUNDLE_EXT));
	free (dir);
}

static char race_dir[PATH_MAX], race_path[PATH_MAX + 8];
static int other_fd = -1;

/* Another dmig finishes its work: it removes the lock file, holding it,
 * then the folder it left empty. */
static void
other_finishes (void)
{
	int fd = open (race_path, O_RDWR);
	assert_true (fd >= 0);
	assert_int_equal (__real_flock (fd, LOCK_EX | LOCK_NB), 0);
	assert_int_equal (unlink (race_path), 0);
	assert_int_equal (rmdir (race_dir), 0);
	close (fd);
}

/* ... and a third dmig makes it again and takes the lock. */
static void
other_finishes_third_starts (void)
{
	other_finishes ();
	assert_int_equal (mkdir (race_dir, 0700), 0);
	other_fd = open (race_path, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_true (other_fd >= 0);
	assert_int_equal (__real_flock (other_fd, LOCK_EX | LOCK_NB), 0);
}

/* The classic race of a removed lock file: dmig opened the file, another
 * dmig removed it (and the folder) before dmig's flock. A flock on the removed file locks
 * nothing anyone else sees: dmig must take the lock at the path again. */
static void
lock_file_replaced (void **state)
{
	char *dir = NULL;
	dmig_error_t err = NULL;
	struct stat held, named;
	int a = -1;
	(void)state;

	assert_int_equal (dmig_store_dir (root, "podman", "db", 1, &dir, &err), 0);
	snprintf (race_dir, sizeof (race_dir), "%s", dir);
	snprintf (race_path, sizeof (race_path), "%s/.lock", dir);
	/* the lock file was there, and is gone when dmig gets its flock */
	close (open (race_path, O_RDWR | O_CREAT, 0600));
	before_flock = other_finishes;
	assert_int_equal (dmig_store_lock (dir, "db", &a, &err), 0);
	assert_null (before_flock);
	assert_int_equal (fstat (a, &held), 0);
	assert_int_equal (stat (race_path, &named), 0);
	assert_true (held.st_ino == named.st_ino);
	dmig_store_unlock (dir, a);
	free (dir);
}

/* The same, and a third dmig holds the new lock file: dmig must fail at
 * once, not share the lock with it. */
static void
lock_file_retaken (void **state)
{
	char *dir = NULL;
	dmig_error_t err = NULL;
	int a = -1;
	(void)state;

	assert_int_equal (dmig_store_dir (root, "podman", "db", 1, &dir, &err), 0);
	snprintf (race_dir, sizeof (race_dir), "%s", dir);
	snprintf (race_path, sizeof (race_path), "%s/.lock", dir);
	close (open (race_path, O_RDWR | O_CREAT, 0600));
	before_flock = other_finishes_third_starts;
	assert_int_equal (dmig_store_lock (dir, "db", &a, &err), -1);
	assert_int_equal (a, -1);
	assert_non_null (strstr (err->msg, "another dmig is working on container 'db'"));
	dmig_error_release (&err);
	close (other_fd);
	free (dir);
}

/* The last holder removed the empty folder between dmig making it and
 * taking the lock: the lock makes it again, private. */
static void
lock_folder_removed (void **state)
{
	char *dir = NULL;
	dmig_error_t err = NULL;
	struct stat st;
	int a = -1;
	(void)state;

	assert_int_equal (dmig_store_dir (root, "docker", "web", 1, &dir, &err), 0);
	assert_int_equal (rmdir (dir), 0);
	assert_int_equal (dmig_store_lock (dir, "web", &a, &err), 0);
	assert_int_equal (stat (dir, &st), 0);
	assert_int_equal (st.st_mode & 0777, 0700);
	dmig_store_unlock (dir, a);
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
	assert_null (dmig_store_list_find (&l, ""));
	add_snapshot (dir, "b-second", "2026-11-22T02:00:00.000Z");
	add_snapshot (dir, "a-third", "2026-11-22T03:00:00.000Z");
	add_snapshot (dir, "c-first", "2026-11-22T01:00:00.000Z");
	assert_int_equal (dmig_store_list (dir, &l, &err), 0);
	assert_int_equal (l.n, 3);
	assert_string_equal (l.s[0].name, "c-first");
	assert_string_equal (l.s[2].name, "a-third");
	assert_string_equal (dmig_store_list_find (&l, "")->name, "a-third"); /* latest */
	assert_string_equal (dmig_store_list_find (&l, "b-second")->name, "b-second");
	assert_null (dmig_store_list_find (&l, "nope"));
	assert_int_equal (dmig_store_prune (&l, 1, &removed, &err), 0);
	assert_int_equal (removed, 2);
	dmig_store_list_free (&l);
	assert_int_equal (dmig_store_list (dir, &l, &err), 0);
	assert_int_equal (l.n, 1);
	assert_string_equal (l.s[0].name, "a-third");
	dmig_store_list_free (&l);
	free (dir);
}

/* What is not a regular file in the store (a fifo, a folder, a symlink
 * named like a snapshot) is skipped with a warning: list and prune neither
 * wait on it (a fifo's open waits for a writer) nor count or remove it. */
static void
list_skips_what_is_not_a_file (void **state)
{
	struct dmig_snaplist l;
	dmig_error_t err = NULL;
	char *dir = NULL, p[PATH_MAX];
	size_t removed = 0;
	(void)state;

	alarm (10); /* a wait on the fifo ends the test, failed */
	assert_int_equal (dmig_store_dir (root, "docker", "web", 1, &dir, &err), 0);
	add_snapshot (dir, "old", "2026-11-22T01:00:00.000Z");
	add_snapshot (dir, "new", "2026-11-22T02:00:00.000Z");
	snprintf (p, sizeof (p), "%s/fifo" DMIG_BUNDLE_EXT, dir);
	assert_int_equal (mkfifo (p, 0600), 0);
	snprintf (p, sizeof (p), "%s/folder" DMIG_BUNDLE_EXT, dir);
	assert_int_equal (mkdir (p, 0700), 0);
	snprintf (p, sizeof (p), "%s/link" DMIG_BUNDLE_EXT, dir);
	assert_int_equal (symlink ("new" DMIG_BUNDLE_EXT, p), 0);
	assert_int_equal (dmig_store_list (dir, &l, &err), 0);
	assert_int_equal (l.n, 2);
	assert_string_equal (l.s[0].name, "old");
	assert_string_equal (l.s[1].name, "new");
	assert_int_equal (dmig_store_prune (&l, 1, &removed, &err), 0);
	assert_int_equal (removed, 1);
	dmig_store_list_free (&l);
	assert_true (exists (dir, "fifo" DMIG_BUNDLE_EXT));
	assert_true (exists (dir, "link" DMIG_BUNDLE_EXT));
	assert_false (exists (dir, "old" DMIG_BUNDLE_EXT));
	alarm (0);
	free (dir);
}

static void
kinds_and_timestamps (void **state)
{
	static const char *const all[] = {"docker", "podman", NULL};
	const char *kinds[DMIG_STORE_KINDS_MAX + 1];
	char *dir = NULL, compact[32], iso[32];
	dmig_error_t err = NULL;
	(void)state;

	assert_int_equal (dmig_store_kinds (root, "web", all, kinds), 0);
	assert_int_equal (dmig_store_dir (root, "podman", "web", 1, &dir, &err), 0);
	free (dir);
	assert_int_equal (dmig_store_kinds (root, "web", all, kinds), 1);
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
	    T (private_folders),       T (store_others_may_write),
	    T (store_of_another_user), T (one_lock_holder),
	    T (lock_leaves_nothing),   T (lock_file_replaced),
	    T (lock_file_retaken),     T (lock_folder_removed),
	    T (list_find_prune),       T (list_skips_what_is_not_a_file),
	    T (kinds_and_timestamps),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
