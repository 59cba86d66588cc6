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
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmig.h"

/* main.c itself, its main renamed: the command table and the overview
 * (dmig --help) that the synopsis tests below hold the commands to. */
int dmig_main (int argc, char **argv);
#define main dmig_main
#include "main.c"
#undef main

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

/* Each command in main's table: dmig --help prints its synopsis, and the
 * command's usage errors quote that same synopsis. */
static void
synopses_agree (void **state)
{
	char *overview = NULL;
	size_t len = 0;
	FILE *f = open_memstream (&overview, &len);
	(void)state;

	assert_non_null (f);
	usage (f);
	fclose (f);
	for (size_t i = 0; i < sizeof (commands) / sizeof (commands[0]); i++) {
		const struct command *c = &commands[i];
		char *av[] = {(char *)c->name, "--no-such-option", NULL};
		struct dmig_globals lg = g;
		dmig_error_t err = NULL;
		char want[1024];
		size_t n = strlen (c->name), m;

		assert_int_equal (strncmp (c->synopsis, c->name, n), 0);
		assert_true (c->synopsis[n] == ' ' || c->synopsis[n] == '\0');
		snprintf (want, sizeof (want), "\n   dmig %s\n", c->synopsis);
		if (strstr (overview, want) == NULL)
			fail_msg ("dmig --help does not print '%s'", c->synopsis);
		optind = 0;
		opterr = 0;
		assert_int_equal (c->fn (2, av, &lg, &err), -1);
		assert_int_equal (err->status, DMIG_EUSAGE);
		snprintf (want, sizeof (want), " (usage: dmig %s)", c->synopsis);
		m = strlen (want);
		if (strlen (err->msg) < m || strcmp (err->msg + strlen (err->msg) - m, want) != 0)
			fail_msg ("'%s' does not end with '%s'", err->msg, want);
		dmig_error_release (&err);
	}
	free (overview);
}

/* Every option a synopsis names is one its command takes: given it (and a
 * value where the synopsis shows one) and too many arguments, the command
 * complains about the arguments, not about the option. */
static void
synopses_name_real_options (void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof (commands) / sizeof (commands[0]); i++) {
		const struct command *c = &commands[i];
		size_t n = 0;

		for (const char *p = strstr (c->synopsis, "--"); p; p = strstr (p + n, "--")) {
			char opt[64];
			dmig_error_t err = NULL;
			struct dmig_globals lg = g;
			char *av[] = {(char *)c->name, "a", "b", "c", opt, NULL};

			n = strspn (p, "-abcdefghijklmnopqrstuvwxyz");
			if (p[n] == '=' || strncmp (p + n, " <", 2) == 0)
				snprintf (opt, sizeof (opt), "%.*s=1", (int)n, p);
			else
				snprintf (opt, sizeof (opt), "%.*s", (int)n, p);
			optind = 0;
			opterr = 0;
			assert_int_equal (c->fn (5, av, &lg, &err), -1);
			assert_int_equal (err->status, DMIG_EUSAGE);
			if (strstr (err->msg, "unknown option") || strstr (err->msg, "needs a value"))
				fail_msg ("%s %s: %s", c->name, opt, err->msg);
			dmig_error_release (&err);
		}
	}
}

/* dmig ARGS... as main runs it (the global options, the command): its
 * exit status; *says gets what it wrote on stderr. */
static int
dmig (const char **says, int argc, char **argv)
{
	static char buf[4096];
	FILE *tmp = tmpfile ();
	int saved = dup (STDERR_FILENO), rc;
	size_t n;

	assert_non_null (tmp);
	fflush (stderr);
	dup2 (fileno (tmp), STDERR_FILENO);
	optind = 0;
	opterr = 0;
	rc = run (argc, argv);
	fflush (stderr);
	dup2 (saved, STDERR_FILENO);
	close (saved);
	rewind (tmp);
	n = fread (buf, 1, sizeof (buf) - 1, tmp);
	buf[n] = '\0';
	fclose (tmp);
	*says = buf;
	return rc;
}

#define DMIG(says, ...)                                                                                                \
	({                                                                                                             \
		char *av[] = {"dmig", __VA_ARGS__, NULL};                                                              \
		dmig (says, (int)(sizeof (av) / sizeof (av[0])) - 1, av);                                              \
	})

/* What main echoes of the command line is quoted for the terminal. */
static void
main_quotes_what_it_echoes (void **state)
{
	const char *says;
	(void)state;

	assert_int_equal (DMIG (&says, "fr\x1b[2Job"), DMIG_EUSAGE);
	assert_string_equal (says, "dmig: 'fr\\x1b[2Job' is not a dmig command (see 'dmig --help')\n");
	assert_int_equal (DMIG (&says, "--fr\x1bob", "list"), DMIG_EUSAGE);
	assert_non_null (strstr (says, "'--fr\\x1bob'"));
	assert_int_equal (DMIG (&says, "list", "w\x1b"), DMIG_EUSAGE);
	assert_non_null (strstr (says, "'w\\x1b'"));
	assert_null (strchr (says, '\x1b'));
}

/* --store '' is a usage error, not the default store. */
static void
empty_store_refused (void **state)
{
	const char *says;
	(void)state;

	assert_int_equal (DMIG (&says, "--store", "", "list"), DMIG_EUSAGE);
	assert_string_equal (says, "dmig: option '--store' needs a folder, not an empty string (see 'dmig --help')\n");
	assert_int_equal (DMIG (&says, "--store=", "list", "web"), DMIG_EUSAGE);
	assert_non_null (strstr (says, "'--store' needs a folder"));
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (snapshot_args),
	    cmocka_unit_test (other_commands),
	    cmocka_unit_test (synopses_agree),
	    cmocka_unit_test (synopses_name_real_options),
	    cmocka_unit_test (main_quotes_what_it_echoes),
	    cmocka_unit_test (empty_store_refused),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
