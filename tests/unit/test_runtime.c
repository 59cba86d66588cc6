// WRAP:
/* dmig_runtime_busy / dmig_runtime_wait: a process whose argv holds
 * "checkpoint" (or "restore") and the container's ID is the runtime at
 * work on it; the ID alone, the verb alone or an ID that only starts the
 * same are not. Real processes, read from /proc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "runtime.h"

#define ID "3c69a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e"

/* wait (up to 10 s: a child under valgrind is slow to exec) until pid's
 * argv has the argument arg */
static void
wait_argv (pid_t pid, const char *arg)
{
	char path[64], buf[4096];

	snprintf (path, sizeof (path), "/proc/%d/cmdline", (int)pid);
	for (int i = 0; i < 1000; i++) {
		FILE *f = fopen (path, "r");
		size_t n = f ? fread (buf, 1, sizeof (buf) - 1, f) : 0;

		if (f)
			fclose (f);
		buf[n] = '\0';
		for (const char *a = buf; a < buf + n; a += strlen (a) + 1)
			if (strcmp (a, arg) == 0)
				return;
		usleep (10 * 1000);
	}
	fail_msg ("process %d never ran with argument '%s'", (int)pid, arg);
}

/* a process whose argv is "sh -c 'sleep N' a b" (the script's $0 $1) */
static pid_t
spawn (const char *a, const char *b, const char *secs)
{
	char script[64];
	pid_t pid;

	snprintf (script, sizeof (script), "sleep %s; :", secs);
	pid = fork ();
	assert_true (pid >= 0);
	if (pid == 0) {
		execl ("/bin/sh", "sh", "-c", script, a, b, (char *)NULL);
		_exit (127);
	}
	wait_argv (pid, b);
	return pid;
}

static void
reap (pid_t pid)
{
	kill (pid, SIGKILL);
	waitpid (pid, NULL, 0);
}

static bool
busy_id (const char *id)
{
	struct dmig_runtime_watch w = {.ids = {id, NULL}};
	return dmig_runtime_busy (&w);
}

static void
busy_while_it_runs (void **state)
{
	pid_t p;

	(void)state;
	assert_false (busy_id (ID));
	p = spawn ("checkpoint", ID, "30");
	assert_true (busy_id (ID));
	reap (p);
	assert_false (busy_id (ID));
	p = spawn ("restore", ID, "30");
	assert_true (busy_id (ID));
	reap (p);
}

static void
not_busy_otherwise (void **state)
{
	pid_t p;

	(void)state;
	p = spawn ("start", ID, "30"); /* not a checkpoint */
	assert_false (busy_id (ID));
	reap (p);
	p = spawn ("checkpoint", "3c69a1b2c3d4", "30"); /* a prefix is not the ID */
	assert_false (busy_id (ID));
	reap (p);
	assert_false (busy_id (NULL));
	assert_false (busy_id (""));
}

/* a process holding a file open in DIR/<name> (its stdin) for secs */
static pid_t
hold_open (const char *dir, const char *name, const char *secs)
{
	char path[512];
	pid_t pid;
	int fd;

	snprintf (path, sizeof (path), "%s/%s", dir, name);
	fd = open (path, O_RDWR | O_CREAT, 0600);
	assert_true (fd >= 0);
	pid = fork ();
	assert_true (pid >= 0);
	if (pid == 0) {
		dup2 (fd, 0);
		execl ("/bin/sh", "sh", "-c", "exec sleep \"$0\"", secs, (char *)NULL);
		_exit (127);
	}
	close (fd);
	wait_argv (pid, secs);
	return pid;
}

static void
busy_while_a_file_is_open (void **state)
{
	char tmp[] = "/tmp/dmig-test-runtime-XXXXXX", ck[600], other[600];
	struct dmig_runtime_watch by_id = {.ids = {ID, NULL}}, by_dir = {.dirs = {NULL, tmp}};
	pid_t p;

	(void)state;
	assert_non_null (mkdtemp (tmp));
	snprintf (ck, sizeof (ck), "%s/%s", tmp, ID);
	assert_int_equal (mkdir (ck, 0700), 0);
	snprintf (ck, sizeof (ck), "%s/%s/checkpoints", tmp, ID);
	assert_int_equal (mkdir (ck, 0700), 0);
	/* the engine writing a checkpoint's image: busy, by ID and by folder */
	p = hold_open (ck, "pages-1.img", "30");
	assert_true (dmig_runtime_busy (&by_id));
	assert_true (dmig_runtime_busy (&by_dir));
	reap (p);
	assert_false (dmig_runtime_busy (&by_id));
	/* the container's log beside its checkpoints is no checkpoint */
	snprintf (other, sizeof (other), "%s/%s", tmp, ID);
	p = hold_open (other, "container.log", "30");
	assert_false (dmig_runtime_busy (&by_id));
	assert_true (dmig_runtime_busy (&by_dir));
	reap (p);
	/* a folder whose name only starts the same */
	by_dir.dirs[1] = "/tmp/dmig-test-runtime";
	p = hold_open (other, "container.log", "30");
	assert_false (dmig_runtime_busy (&by_dir));
	reap (p);
	unlink (strcat (other, "/container.log"));
	unlink (strcat (ck, "/pages-1.img"));
	ck[strlen (ck) - strlen ("/pages-1.img")] = '\0';
	rmdir (ck);
	other[strlen (other) - strlen ("/container.log")] = '\0';
	rmdir (other);
	rmdir (tmp);
}

static void
wait_until_it_ends (void **state)
{
	struct dmig_runtime_watch w = {.ids = {NULL, ID}};
	long long t0;
	bool waited;
	pid_t p;

	(void)state;
	/* never busy: only the quiet time */
	t0 = dmig_clock_now_ms ();
	assert_int_equal (dmig_runtime_wait (&w, 5000, 300, &waited), 0);
	assert_false (waited);
	assert_true (dmig_clock_now_ms () - t0 >= 300);
	/* the shell ends after a second (a zombie's cmdline is empty), then
	 * the quiet time */
	t0 = dmig_clock_now_ms (); /* before it runs: its second is all after t0 */
	p = spawn ("checkpoint", ID, "1");
	assert_int_equal (dmig_runtime_wait (&w, 10000, 500, &waited), 0);
	assert_true (waited);
	assert_true (dmig_clock_now_ms () - t0 >= 1400);
	waitpid (p, NULL, 0);
	/* and the deadline */
	p = spawn ("checkpoint", ID, "30");
	assert_int_equal (dmig_runtime_wait (&w, 300, 100, &waited), -1);
	assert_true (waited);
	reap (p);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (busy_while_it_runs),
	    cmocka_unit_test (not_busy_otherwise),
	    cmocka_unit_test (busy_while_a_file_is_open),
	    cmocka_unit_test (wait_until_it_ends),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
