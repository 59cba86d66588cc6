// WRAP:
/* dmig_child_run: exit status, captured output, the environment passed,
 * a function in a forked child, the kill at the deadline and at an
 * interruption; dmig_child_capture's exit status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "clock.h"
#include "interrupt.h"
#include "log.h"

static int
sh (const char *script, char *out, size_t cap, long long timeout_ms, char *const *env)
{
	char *argv[] = {"/bin/sh", "-c", (char *)script, NULL};
	struct dmig_child c = {.argv = argv, .env = env, .out = out, .cap = cap, .timeout_ms = timeout_ms};
	return dmig_child_run (&c);
}

static void
exit_status (void **state)
{
	int st;

	(void)state;
	st = sh ("exit 3", NULL, 0, 5000, NULL);
	assert_true (st >= 0 && WIFEXITED (st));
	assert_int_equal (WEXITSTATUS (st), 3);
	st = sh ("true", NULL, 0, 0, NULL);
	assert_true (st >= 0 && WIFEXITED (st));
	assert_int_equal (WEXITSTATUS (st), 0);
	/* death by a signal is told as such, not as an exit status */
	st = sh ("kill -TERM $$", NULL, 0, 5000, NULL);
	assert_true (st >= 0 && WIFSIGNALED (st));
	assert_int_equal (WTERMSIG (st), SIGTERM);
}

static void
output_captured (void **state)
{
	char out[64], small[5];
	int st;

	(void)state;
	st = sh ("echo out; echo err >&2; exit 1", out, sizeof (out), 5000, NULL);
	assert_true (st >= 0 && WIFEXITED (st));
	assert_int_equal (WEXITSTATUS (st), 1);
	assert_string_equal (out, "out\nerr\n");
	/* cut to cap - 1 bytes, and the rest read to its end all the same */
	st = sh ("seq 1 20000", small, sizeof (small), 5000, NULL);
	assert_true (st >= 0 && WIFEXITED (st));
	assert_int_equal (WEXITSTATUS (st), 0);
	assert_string_equal (small, "1\n2\n");
}

static void
environment_passed (void **state)
{
	char *env[] = {"DMIG_T1=two words", "DMIG_T2=$HOME;`x`", NULL}, out[128];
	int st;

	(void)state;
	setenv ("DMIG_T0", "inherited", 1);
	st = sh ("printf '%s|%s|%s' \"$DMIG_T0\" \"$DMIG_T1\" \"$DMIG_T2\"", out, sizeof (out), 5000, env);
	assert_true (st >= 0 && WIFEXITED (st));
	assert_int_equal (WEXITSTATUS (st), 0);
	assert_string_equal (out, "inherited|two words|$HOME;`x`");
	/* dmig's own environment is left as it was */
	assert_null (getenv ("DMIG_T1"));
	unsetenv ("DMIG_T0");
}

static int
in_child (void *arg)
{
	const char *say = arg;

	if (write (STDOUT_FILENO, say, strlen (say)) < 0)
		return 1;
	return getpid () == getppid () ? 1 : 7;
}

static void
function_in_a_child (void **state)
{
	char out[32];
	struct dmig_child c = {.fn = in_child, .arg = "from the child", .out = out, .cap = sizeof (out)};
	int st;

	(void)state;
	st = dmig_child_run (&c);
	assert_true (st >= 0 && WIFEXITED (st));
	assert_int_equal (WEXITSTATUS (st), 7);
	assert_string_equal (out, "from the child");
}

static void
killed_at_the_deadline (void **state)
{
	char out[64];
	long long t0;

	(void)state;
	/* not captured (a hook): the wait ends at the deadline */
	t0 = dmig_clock_now_ms ();
	assert_int_equal (sh ("exec sleep 30", NULL, 0, 300, NULL), DMIG_CHILD_KILLED);
	assert_true (dmig_clock_now_ms () - t0 >= 300 && dmig_clock_now_ms () - t0 < 5000);
	/* captured: the read ends there, and what came before is kept */
	t0 = dmig_clock_now_ms ();
	assert_int_equal (sh ("echo started; exec sleep 30", out, sizeof (out), 300, NULL), DMIG_CHILD_KILLED);
	assert_true (dmig_clock_now_ms () - t0 >= 300 && dmig_clock_now_ms () - t0 < 5000);
	assert_string_equal (out, "started\n");
	/* output closed early, the child still running: the wait has the deadline too */
	t0 = dmig_clock_now_ms ();
	assert_int_equal (sh ("exec sleep 30 >/dev/null 2>&1", out, sizeof (out), 300, NULL), DMIG_CHILD_KILLED);
	assert_true (dmig_clock_now_ms () - t0 < 5000);
}

static void
captured_child_killed_when_interrupted (void **state)
{
	char out[16];
	long long t0 = dmig_clock_now_ms ();

	(void)state;
	dmig_interrupted = SIGINT;
	assert_int_equal (sh ("exec sleep 30", out, sizeof (out), 60000, NULL), DMIG_CHILD_KILLED);
	dmig_interrupted = 0;
	assert_true (dmig_clock_now_ms () - t0 < 5000);
}

static void
cannot_start (void **state)
{
	char *argv[] = {"/nonexistent/dmig-no-such-program", NULL};
	struct dmig_child c = {.argv = argv};
	int st;

	(void)state;
	errno = 0;
	st = dmig_child_run (&c);
	/* glibc tells the exec's failure; where posix_spawn cannot (under
	 * valgrind, a plain fork) the child exits 127, as a shell says it */
	if (st == DMIG_CHILD_NOSTART)
		assert_int_equal (errno, ENOENT);
	else
		assert_true (st >= 0 && WIFEXITED (st) && WEXITSTATUS (st) == 127);
}

static void
capture_status (void **state)
{
	char *ok[] = {"sh", "-c", "echo hi; exit 4", NULL}, *slow[] = {"sleep", "30", NULL};
	char *sig[] = {"sh", "-c", "kill -KILL $$", NULL}, *none[] = {"dmig-no-such-program", NULL}, out[16];
	int r;

	(void)state;
	assert_int_equal (dmig_child_capture (ok, out, sizeof (out), 5), 4);
	assert_string_equal (out, "hi\n");
	assert_int_equal (dmig_child_capture (ok, NULL, 0, 5), 4);
	assert_int_equal (dmig_child_capture (sig, out, sizeof (out), 5), -1);
	r = dmig_child_capture (none, out, sizeof (out), 5);
	assert_true (r == -1 || r == 127); /* 127: as in cannot_start */
	assert_int_equal (dmig_child_capture (slow, out, sizeof (out), 1), -1);
}

int
main (void)
{
	dmig_log_set (DMIG_QUIET);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (exit_status),
	    cmocka_unit_test (output_captured),
	    cmocka_unit_test (environment_passed),
	    cmocka_unit_test (function_in_a_child),
	    cmocka_unit_test (killed_at_the_deadline),
	    cmocka_unit_test (captured_child_killed_when_interrupted),
	    cmocka_unit_test (cannot_start),
	    cmocka_unit_test (capture_status),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
