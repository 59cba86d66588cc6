// WRAP:
/* Targets as users write them, and the one function that makes a remote
 * command line: every argv survives a real shell unchanged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "target.h"

static void
good_targets (void **state)
{
	struct dmig_target t;
	dmig_error_t err = NULL;
	(void)state;

	assert_int_equal (dmig_target_parse ("hostB", &t, &err), 0);
	assert_string_equal (t.host, "hostB");
	assert_string_equal (t.user, "");
	assert_int_equal (t.port, 0);
	assert_string_equal (t.socket, "");

	assert_int_equal (dmig_target_parse ("admin@10.0.0.7:2222", &t, &err), 0);
	assert_string_equal (t.user, "admin");
	assert_string_equal (t.host, "10.0.0.7");
	assert_int_equal (t.port, 2222);

	assert_int_equal (dmig_target_parse ("ssh://root@host-b.example:22/run/podman/podman.sock", &t, &err), 0);
	assert_string_equal (t.user, "root");
	assert_string_equal (t.host, "host-b.example");
	assert_int_equal (t.port, 22);
	assert_string_equal (t.socket, "/run/podman/podman.sock");

	assert_int_equal (dmig_target_parse ("ssh://hostB", &t, &err), 0);
	assert_string_equal (t.host, "hostB");
	assert_string_equal (t.socket, "");

	assert_int_equal (dmig_target_parse ("root@[fd00::2]:2200", &t, &err), 0);
	assert_string_equal (t.host, "fd00::2");
	assert_int_equal (t.port, 2200);
}

static void
bad_targets (void **state)
{
	struct dmig_target t;
	dmig_error_t err = NULL;
	const char *bad[] = {
	    "",
	    "-oProxyCommand=touch /tmp/pwned",
	    "host;reboot",
	    "host:0",
	    "host:65536",
	    "host:22x",
	    "host:",
	    "us er@host",
	    "@host",
	    "-l@host",
	    "http://host",
	    "ssh://host/run/$(reboot).sock",
	    "ssh://host/",
	    "fd00::2",
	    "[fd00::2",
	    "host$(id)",
	    "host name",
	};
	(void)state;
	for (size_t i = 0; i < sizeof (bad) / sizeof (bad[0]); i++) {
		if (dmig_target_parse (bad[i], &t, &err) == 0)
			fail_msg ("'%s' was accepted", bad[i]);
		assert_int_equal (err->status, DMIG_EUSAGE);
		assert_non_null (strstr (err->msg, "bad target"));
		dmig_error_release (&err);
	}
}

/* Run the quoted line through /bin/sh, printing each word on its own line
 * (NUL-separated), and compare with argv. */
static void
through_shell (char *const argv[])
{
	char *q = dmig_target_shell_quote (argv), *line = NULL, buf[8192];
	size_t got = 0;
	int pipefd[2], status;
	pid_t pid;

	assert_non_null (q);
	assert_true (asprintf (&line, "printf '%%s\\0' %s", q) > 0);
	assert_int_equal (pipe (pipefd), 0);
	pid = fork ();
	if (pid == 0) {
		dup2 (pipefd[1], 1);
		execl ("/bin/sh", "sh", "-c", line, (char *)NULL);
		_exit (127);
	}
	close (pipefd[1]);
	for (ssize_t n; (n = read (pipefd[0], buf + got, sizeof (buf) - got)) > 0;)
		got += (size_t)n;
	close (pipefd[0]);
	waitpid (pid, &status, 0);
	assert_int_equal (WEXITSTATUS (status), 0);
	size_t off = 0;
	for (size_t i = 0; argv[i]; i++) {
		assert_true (off < got);
		assert_string_equal (buf + off, argv[i]);
		off += strlen (argv[i]) + 1;
	}
	assert_int_equal (off, got);
	free (q);
	free (line);
}

static void
quoting_survives_a_shell (void **state)
{
	(void)state;
	char *plain[] = {"tar", "-x", "-C", "/var/lib/docker/overlay2/abc/diff", NULL};
	through_shell (plain);
	char *hostile[] = {"a; rm -rf /tmp/nothing-here",
	                   "$(touch /tmp/dmig-pwned)",
	                   "`id`",
	                   "it's",
	                   "'''",
	                   "\"double\"",
	                   "new\nline",
	                   "*",
	                   "~",
	                   "$HOME",
	                   "a\\b",
	                   "",
	                   "--xattrs-include=trusted.*",
	                   "tab\there",
	                   "!event",
	                   NULL};
	through_shell (hostile);
	assert_int_equal (access ("/tmp/dmig-pwned", F_OK), -1);
	char *q = dmig_target_shell_quote (plain);
	assert_string_equal (q, "'tar' '-x' '-C' '/var/lib/docker/overlay2/abc/diff'");
	free (q);
	char *none[] = {NULL};
	assert_null (dmig_target_shell_quote (none));
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (good_targets),
	    cmocka_unit_test (bad_targets),
	    cmocka_unit_test (quoting_survives_a_shell),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
