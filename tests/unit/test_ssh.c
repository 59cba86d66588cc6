// WRAP:
/* Connecting: an ssh config the user named must be there (libssh passes
 * over a file it cannot open, and the move would go on without it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "ssh.h"
#include "target.h"

static char dir[64];

static int
setup (void **state)
{
	(void)state;
	snprintf (dir, sizeof (dir), "/tmp/dmig-ssh-XXXXXX");
	assert_non_null (mkdtemp (dir));
	return 0;
}

static int
teardown (void **state)
{
	(void)state;
	unsetenv ("DMIG_SSH_CONFIG");
	dmig_fs_rm_rf (dir, NULL);
	return 0;
}

/* dmig_ssh_connect to a port where nothing listens, DMIG_SSH_CONFIG set
 * to config: fails, with that status, saying that. */
static void
connect_fails (const char *config, int status, const char *says)
{
	struct dmig_target t;
	struct dmig_ssh *s = NULL;
	dmig_error_t err = NULL;

	assert_int_equal (dmig_target_parse ("127.0.0.1:1", &t, &err), 0);
	if (config)
		setenv ("DMIG_SSH_CONFIG", config, 1);
	else
		unsetenv ("DMIG_SSH_CONFIG");
	assert_int_equal (dmig_ssh_connect (&t, NULL, &s, &err), -1);
	assert_null (s);
	assert_non_null (err);
	assert_null (strchr (err->msg, '\n'));
	if (err->status != status || strstr (err->msg, says) == NULL)
		fail_msg ("exit %d, '%s': expected %d, '%s'", err->status, err->msg, status, says);
	dmig_error_release (&err);
}

static void
named_config_must_be_there (void **state)
{
	char path[128];
	FILE *f;
	(void)state;

	connect_fails ("/nonexistent/ssh_config", DMIG_EUSAGE,
	               "cannot read the ssh config '/nonexistent/ssh_config' that DMIG_SSH_CONFIG names: No such file");
	connect_fails (dir, DMIG_EUSAGE, "not a regular file");
	snprintf (path, sizeof (path), "%s/fifo", dir);
	assert_int_equal (mkfifo (path, 0600), 0);
	alarm (10); /* libssh would wait on the fifo */
	connect_fails (path, DMIG_EUSAGE, "not a regular file");
	alarm (0);
	/* a config that is there is read, and dmig goes on to connect */
	snprintf (path, sizeof (path), "%s/config", dir);
	f = fopen (path, "w");
	assert_non_null (f);
	fputs ("Host *\n  ConnectTimeout 5\n", f);
	fclose (f);
	connect_fails (path, DMIG_EPREFLIGHT, "cannot connect to");
	/* set but empty is as unset */
	connect_fails ("", DMIG_EPREFLIGHT, "cannot connect to");
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown (named_config_must_be_there, setup, teardown),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
