// WRAP:
/* Command-line parsing: every bad input is a usage error (exit 2) with a
 * clear message, found before anything is touched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "dmig.h"

static struct dmig_globals g = {.store = "/nonexistent/dmig-store"};

static void
usage_error (dmig_cmd_fn fn, const char *says, int argc, char **argv)
{
	dmig_error_t err = NULL;
	optind = 0;
	opterr = 0;
	assert_int_equal (fn (argc, argv, &g, &err), -1);
	assert_non_null (err);
	assert_int_equal (err->status, DMIG_EUSAGE);
	assert_null (strchr (err->msg, '\n'));
	if (strstr (err->msg, says) == NULL)
		fail_msg ("'%s' does not say '%s'", err->msg, says);
	dmig_error_release (&err);
}

#define BAD(fn, says, ...)                                                                                             \
	do {                                                                                                           \
		char *av[] = {__VA_ARGS__, NULL};                                                                      \
		usage_error (fn, says, (int)(sizeof (av) / sizeof (av[0])) - 1, av);                                   \
	} while (0)

static void
snapshot_args (void **state)
{
	(void)state;
	BAD (cmd_snapshot, "name one container", "snapshot");
	BAD (cmd_snapshot, "name one container", "snapshot", "a", "b");
	BAD (cmd_snapshot, "--keep needs a whole number", "snapshot", "--keep", "-1", "web");
	BAD (cmd_snapshot, "--keep needs a whole number", "snapshot", "--keep", "lots", "web");
	BAD (cmd_snapshot, "at least the new snapshot", "snapshot", "--keep", "0", "web");
	BAD (cmd_snapshot, "reserved", "snapshot", "--name", "latest", "web");
	BAD (cmd_snapshot, "invalid snapshot name", "snapshot", "--name", "../../etc", "web");
	BAD (cmd_snapshot, "needs a value", "snapshot", "web", "--name");
	BAD (cmd_snapshot, "unknown option '--frobnicate'", "snapshot", "--frobnicate", "web");
	BAD (cmd_snapshot, "invalid container name", "snapshot", "web;reboot");
}

static void
other_commands (void **state)
{
	(void)state;
	BAD (cmd_rollback, "name one snapshot", "rollback");
	BAD (cmd_rollback, "bad snapshot ref", "rollback", "web@");
	BAD (cmd_rollback, "bad snapshot ref", "rollback", "web@a@b");
	BAD (cmd_rollback, "invalid container name", "rollback", "$(reboot)@x");
	BAD (cmd_prune, "--keep", "prune", "web");
	BAD (cmd_prune, "--keep needs a whole number", "prune", "--keep", "-1", "web");
	BAD (cmd_prune, "name one container", "prune", "--keep", "3");
	BAD (cmd_list, "at most one container", "list", "a", "b");
	BAD (cmd_list, "invalid container name", "list", "a b");
	BAD (cmd_version, "takes no arguments", "version", "extra");
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (snapshot_args),
	    cmocka_unit_test (other_commands),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
