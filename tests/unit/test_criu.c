// WRAP: dmig_ssh_run dmig_ssh_open_exec dmig_ssh_wait dmig_ssh_name
/* CRIU: the pre-flight check and the quoting of its errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "criu.h"
#include "fs.h"
#include "ssh.h"

static char dir[64];

static int
setup (void **state)
{
	(void)state;
	snprintf (dir, sizeof (dir), "/tmp/dmig-criu-XXXXXX");
	assert_non_null (mkdtemp (dir));
	return 0;
}

static int
teardown (void **state)
{
	(void)state;
	dmig_fs_rm_rf (dir, NULL);
	return 0;
}

static void
fake_criu (const char *version, int check_status, const char *check_says)
{
	char path[128];
	FILE *fp;
	snprintf (path, sizeof (path), "%s/criu", dir);
	fp = fopen (path, "w");
	assert_non_null (fp);
	fprintf (fp, "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'Version: %s'; exit 0; fi\n", version);
	fprintf (fp, "echo '%s' >&2\nexit %d\n", check_says, check_status);
	fclose (fp);
	chmod (path, 0755);
	setenv ("PATH", dir, 1);
}

static void
expect_refusal (const char *says)
{
	dmig_error_t err = NULL;
	char v[32];
	assert_int_equal (dmig_criu_check (v, sizeof (v), &err), -1);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	if (strstr (err->msg, says) == NULL)
		fail_msg ("'%s' does not say '%s'", err->msg, says);
	dmig_error_release (&err);
}

static void
check_refuses (void **state)
{
	const char *path = getenv ("PATH");
	char *saved = strdup (path ? path : "/usr/bin:/bin");
	(void)state;
	setenv ("PATH", dir, 1); /* no criu at all */
	expect_refusal ("CRIU is not installed");
	fake_criu ("3.17.1", 0, "Looks good.");
	expect_refusal ("CRIU 3.17.1 is too old");
	fake_criu ("4.1.1", 0, "Looks good.");
	expect_refusal ("CRIU 4.1.1 is too old");
	fake_criu ("4.2.1", 1, "Error (criu/vdso.c:1): vdso: Unexpected rt vDSO area bounds");
	expect_refusal ("fails 'criu check' on this host: Error (criu/vdso.c:1): vdso: Unexpected rt vDSO area bounds");
	fake_criu ("4.2.1", 0, "Looks good.");
	{
		dmig_error_t err = NULL;
		char v[32];
		assert_int_equal (dmig_criu_check (v, sizeof (v), &err), 0);
		assert_string_equal (v, "4.2.1");
	}
	setenv ("PATH", saved, 1);
	free (saved);
}

/* `criu --version` read once for here and the target. */
static void
version_parse (void **state)
{
	char v[16], tiny[4];
	int major = -1, minor = -1;

	(void)state;
	assert_int_equal (dmig_criu_version_parse ("Version: 4.2.1\nGitID: v4.2.1\n", v, sizeof (v), &major, &minor),
	                  0);
	assert_string_equal (v, "4.2.1");
	assert_int_equal (major, 4);
	assert_int_equal (minor, 2);
	assert_int_equal (dmig_criu_version_parse ("criu says\nVersion: 10.0", NULL, 0, &major, &minor), 0);
	assert_int_equal (major, 10);
	assert_int_equal (minor, 0);
	/* only the version text is cut to the buffer, not the numbers read */
	assert_int_equal (dmig_criu_version_parse ("Version: 4.12.3\n", tiny, sizeof (tiny), &major, &minor), 0);
	assert_string_equal (tiny, "4.1");
	assert_int_equal (minor, 12);
	/* a version that is not numbers: there, but 0.0 */
	assert_int_equal (dmig_criu_version_parse ("Version: unknown\n", v, sizeof (v), &major, &minor), 0);
	assert_string_equal (v, "unknown");
	assert_int_equal (major, 0);
	assert_int_equal (minor, 0);
	assert_int_equal (dmig_criu_version_parse ("Version: 4\n.2\n", v, sizeof (v), &major, &minor), 0);
	assert_int_equal (major, 0);
	/* no version line at all */
	major = minor = -1;
	assert_int_equal (dmig_criu_version_parse ("criu: command not found\n", v, sizeof (v), &major, &minor), -1);
	assert_int_equal (major, 0);
	assert_int_equal (minor, 0);
	assert_int_equal (dmig_criu_version_parse (NULL, NULL, 0, &major, &minor), -1);
	assert_int_equal (dmig_criu_version_parse ("", NULL, 0, &major, &minor), -1);
}

static void
version_ok (void **state)
{
	(void)state;
	assert_true (dmig_criu_version_ok (DMIG_CRIU_MIN_MAJOR, DMIG_CRIU_MIN_MINOR));
	assert_true (dmig_criu_version_ok (DMIG_CRIU_MIN_MAJOR, DMIG_CRIU_MIN_MINOR + 1));
	assert_true (dmig_criu_version_ok (DMIG_CRIU_MIN_MAJOR + 1, 0));
	assert_false (dmig_criu_version_ok (DMIG_CRIU_MIN_MAJOR, DMIG_CRIU_MIN_MINOR - 1));
	assert_false (dmig_criu_version_ok (DMIG_CRIU_MIN_MAJOR - 1, 99));
	assert_false (dmig_criu_version_ok (0, 0));
}

/* An engine's error, as the engine layer makes it: the CRIU log it names
 * noted on the error (dmig_engine_fail does the same). */
static void engine_says (dmig_error_t *err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
static void
engine_says (dmig_error_t *err, const char *fmt, ...)
{
	char text[1024], log[512], summary[1024];
	va_list ap;

	va_start (ap, fmt);
	vsnprintf (text, sizeof (text), fmt, ap);
	va_end (ap);
	dmig_error_set (err, DMIG_EFAIL, 0, "%s", text);
	if (dmig_criu_log_named (text, log, sizeof (log), summary, sizeof (summary)) == 0)
		dmig_error_criu (err, log, summary);
}

static void
explain_quotes_the_log (void **state)
{
	char log[128], msg[512];
	dmig_error_t err = NULL;
	FILE *fp;
	(void)state;
	snprintf (log, sizeof (log), "%s/restore.log", dir);
	fp = fopen (log, "w");
	fputs (
	    "(00.001) Version: 4.2.1\n"
	    "(00.002) Error (criu/util.c:1534): rlimit: Can't setup RLIMIT_NOFILE for self: Operation not permitted\n"
	    "(00.003) Error (criu/image.c:554): Head magic doesn't match for pstree.img\n"
	    "(00.004) Error (criu/cr-restore.c:2400): Restoring FAILED.\n",
	    fp);
	fclose (fp);
	snprintf (msg, sizeof (msg),
	          "podman said 500: runc: criu failed: type RESTORE errno 0\nlog file: %s: OCI runtime error", log);
	engine_says (&err, "%s", msg);
	assert_string_equal (err->criu_log, log); /* a field, not text to fish in */
	dmig_error_wrap (&err, "restore failed");
	dmig_criu_explain (&err, NULL);
	assert_non_null (
	    strstr (err->msg, "restore failed: podman said 500: runc: criu failed: type RESTORE errno 0; CRIU: "));
	assert_non_null (strstr (err->msg, "Error (criu/image.c:554): Head magic doesn't match for pstree.img | Error "
	                                   "(criu/cr-restore.c:2400): Restoring FAILED."));
	assert_null (strstr (err->msg, "RLIMIT_NOFILE"));
	assert_null (strchr (err->msg, '\n'));
	snprintf (msg, sizeof (msg), "(log: %s)", log);
	assert_non_null (strstr (err->msg, msg));
	dmig_error_release (&err);

	/* Docker's runc names the log after "path= " */
	snprintf (
	    msg, sizeof (msg),
	    "docker said 500: Cannot checkpoint container abc: runc did not terminate successfully: exit status 1: "
	    "criu failed: type NOTIFY errno 0 path= %s: unknown",
	    log);
	engine_says (&err, "%s", msg);
	dmig_criu_explain (&err, NULL);
	assert_non_null (strstr (err->msg, "criu failed: type NOTIFY errno 0; CRIU: Error (criu/image.c:554)"));
	snprintf (msg, sizeof (msg), "(log: %s)", log);
	assert_non_null (strstr (err->msg, msg));
	dmig_error_release (&err);

	/* Podman's runc shows only its command line: the log is in its work path */
	snprintf (msg, sizeof (msg), "%s/dump.log", dir);
	rename (log, msg);
	snprintf (
	    msg, sizeof (msg),
	    "checkpoint failed: podman said 500: `/usr/bin/runc checkpoint --image-path %s/checkpoint --work-path "
	    "%s --tcp-established 74bb` failed: exit status 1",
	    dir, dir);
	engine_says (&err, "%s", msg);
	dmig_criu_explain (&err, NULL);
	assert_non_null (strstr (err->msg, "checkpoint failed: podman said 500: runc checkpoint failed; CRIU: Error "
	                                   "(criu/image.c:554): Head magic"));
	snprintf (msg, sizeof (msg), "(log: %s/dump.log)", dir);
	assert_non_null (strstr (err->msg, msg));
	assert_null (strchr (err->msg, '`'));
	dmig_error_release (&err);

	/* a log the engine removed already */
	engine_says (&err, "docker said 500: criu failed\nlog file: /nonexistent/restore.log: unknown");
	dmig_criu_explain (&err, NULL);
	assert_non_null (strstr (err->msg, "its log is gone"));
	assert_non_null (strstr (err->msg, "(log: /nonexistent/restore.log)"));
	dmig_error_release (&err);

	/* nothing to explain: the message stays */
	engine_says (&err, "docker said 409: conflict");
	dmig_criu_explain (&err, NULL);
	assert_string_equal (err->msg, "docker said 409: conflict");
	dmig_error_release (&err);
}

/* The seam to a remote host: what grep printed there, or a failure. */
int __wrap_dmig_ssh_run (struct dmig_ssh *s, char *const argv[], char *out, size_t cap, long timeout_ms,
                         dmig_error_t *err);
int
__wrap_dmig_ssh_run (struct dmig_ssh *s, char *const argv[], char *out, size_t cap, long timeout_ms, dmig_error_t *err)
{
	const char *said = mock_ptr_type (const char *);
	(void)s;
	(void)timeout_ms;
	check_expected_ptr (argv[0]);
	check_expected_ptr (argv[6]);
	if (said == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "grep exited 2");
	snprintf (out, cap, "%s", said);
	return 0;
}

/* A log on the target is read there (before the failed container goes). */
static void
explain_reads_the_target_log (void **state)
{
	struct dmig_ssh *host = (struct dmig_ssh *)0x1; /* never used but by the wrap */
	dmig_error_t err = NULL;
	(void)state;

	expect_string (__wrap_dmig_ssh_run, argv[0], "grep");
	expect_string (__wrap_dmig_ssh_run, argv[6], "/var/lib/containers/x/userdata/restore.log");
	will_return (__wrap_dmig_ssh_run,
	             "(00.002) Error (criu/util.c:1534): rlimit: Can't setup RLIMIT_NOFILE for self\n"
	             "(00.003) Error (criu/mount-v2.c:413): mnt-v2: Can't remount /tmp/x with MS_PRIVATE\n");
	engine_says (&err, "podman said 500: criu failed\nlog file: /var/lib/containers/x/userdata/restore.log: x");
	dmig_criu_explain (&err, host);
	assert_non_null (strstr (err->msg, "CRIU: Error (criu/mount-v2.c:413): mnt-v2: Can't remount /tmp/x"));
	assert_null (strstr (err->msg, "RLIMIT_NOFILE"));
	dmig_error_release (&err);

	/* gone there too: said so */
	expect_string (__wrap_dmig_ssh_run, argv[0], "grep");
	expect_string (__wrap_dmig_ssh_run, argv[6], "/run/gone/restore.log");
	will_return (__wrap_dmig_ssh_run, NULL);
	engine_says (&err, "docker said 500: criu failed path= /run/gone/restore.log: unknown");
	dmig_criu_explain (&err, host);
	assert_non_null (strstr (err->msg, "its log is gone"));
	dmig_error_release (&err);
}

/* ---- the CPU check: the target's fixed script runs here, as sh would run it there ---- */

static int fake_host;
#define HOST ((struct dmig_ssh *)&fake_host)

const char *__wrap_dmig_ssh_name (const struct dmig_ssh *s);
const char *
__wrap_dmig_ssh_name (const struct dmig_ssh *s)
{
	assert_ptr_equal (s, HOST);
	return "root@lab2:22";
}

int __wrap_dmig_ssh_open_exec (struct dmig_ssh *s, char *const argv[], int *fd, int *id, dmig_error_t *err);
int
__wrap_dmig_ssh_open_exec (struct dmig_ssh *s, char *const argv[], int *fd, int *id, dmig_error_t *err)
{
	int sv[2];
	pid_t pid;
	(void)err;

	assert_ptr_equal (s, HOST);
	assert_int_equal (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	pid = fork ();
	assert_true (pid >= 0);
	if (pid == 0) {
		dup2 (sv[1], 0);
		dup2 (sv[1], 1);
		execvp (argv[0], argv);
		_exit (127);
	}
	close (sv[1]);
	*fd = sv[0];
	*id = (int)pid;
	return 0;
}

int __wrap_dmig_ssh_wait (struct dmig_ssh *s, int id, long timeout_ms, int *status, char *errtext, size_t cap,
                          dmig_error_t *err);
int
__wrap_dmig_ssh_wait (struct dmig_ssh *s, int id, long timeout_ms, int *status, char *errtext, size_t cap,
                      dmig_error_t *err)
{
	int st;
	(void)timeout_ms;
	(void)err;

	assert_ptr_equal (s, HOST);
	assert_int_equal (waitpid ((pid_t)id, &st, 0), id);
	*status = WIFEXITED (st) ? WEXITSTATUS (st) : 128;
	if (cap)
		*errtext = '\0';
	return 0;
}

/* A criu whose `cpuinfo dump` writes this host's CPU (here) and whose
 * `cpuinfo check` accepts only an image of the CPU "there" has. */
static void
fake_cpus (const char *here, const char *there, bool dump_works)
{
	char path[128];
	FILE *fp;

	snprintf (path, sizeof (path), "%s/criu", dir);
	fp = fopen (path, "w");
	assert_non_null (fp);
	fprintf (fp, "#!/bin/sh\n[ \"$1\" = cpuinfo ] || exit 2\n");
	if (dump_works)
		fprintf (fp, "[ \"$2\" = dump ] && [ \"$3\" = -D ] && { echo %s > \"$4/cpuinfo.img\"; exit 0; }\n",
		         here);
	else
		fprintf (fp, "[ \"$2\" = dump ] && { echo 'Error (criu/cr-dump.c:1): cannot read /proc/cpuinfo' >&2; "
		             "exit 1; }\n");
	fprintf (fp,
	         "[ \"$2\" = check ] && [ \"$3\" = -D ] || exit 2\n"
	         "[ \"$(cat \"$4/cpuinfo.img\")\" = %s ] && exit 0\n"
	         "echo 'Error (criu/cpu.c:1): cpu: CPU Feature FPU xsave mismatch' >&2\nexit 1\n",
	         there);
	fclose (fp);
	chmod (path, 0755);
}

static void
cpuinfo_compared_there (void **state)
{
	const char *path = getenv ("PATH");
	char *saved = strdup (path ? path : "/usr/bin:/bin"), p[256], why[256];
	dmig_error_t err = NULL;
	(void)state;

	snprintf (p, sizeof (p), "%s:%s", dir, saved);
	setenv ("PATH", p, 1);
	fake_cpus ("cpu-a", "cpu-a", true);
	assert_int_equal (dmig_criu_cpuinfo (HOST, why, sizeof (why), &err), 0);
	assert_null (err);
	fake_cpus ("cpu-a", "cpu-b", true);
	assert_int_equal (dmig_criu_cpuinfo (HOST, why, sizeof (why), &err), 1);
	assert_null (err);
	assert_string_equal (why, "Error (criu/cpu.c:1): cpu: CPU Feature FPU xsave mismatch");
	/* no image here: it cannot be told, and says why */
	fake_cpus ("cpu-a", "cpu-a", false);
	assert_int_equal (dmig_criu_cpuinfo (HOST, why, sizeof (why), &err), -1);
	assert_string_equal (err->msg,
	                     "'criu cpuinfo dump' failed here: Error (criu/cr-dump.c:1): cannot read /proc/cpuinfo");
	dmig_error_release (&err);
	setenv ("PATH", saved, 1);
	free (saved);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (version_parse),
	    cmocka_unit_test (version_ok),
	    cmocka_unit_test_setup_teardown (check_refuses, setup, teardown),
	    cmocka_unit_test_setup_teardown (explain_quotes_the_log, setup, teardown),
	    cmocka_unit_test (explain_reads_the_target_log),
	    cmocka_unit_test_setup_teardown (cpuinfo_compared_there, setup, teardown),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
