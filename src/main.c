/* dmig: global options and the command table. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmig.h"
#include "http.h"
#include "log.h"

struct command {
	const char *name;
	dmig_cmd_fn fn;
	const char *synopsis;
};

static const struct command commands[] = {
    {.name = "move", .fn = cmd_move, .synopsis = DMIG_SYNOPSIS_MOVE},
    {.name = "snapshot", .fn = cmd_snapshot, .synopsis = DMIG_SYNOPSIS_SNAPSHOT},
    {.name = "list", .fn = cmd_list, .synopsis = DMIG_SYNOPSIS_LIST},
    {.name = "rollback", .fn = cmd_rollback, .synopsis = DMIG_SYNOPSIS_ROLLBACK},
    {.name = "prune", .fn = cmd_prune, .synopsis = DMIG_SYNOPSIS_PRUNE},
    {.name = "check", .fn = cmd_check, .synopsis = DMIG_SYNOPSIS_CHECK},
    {.name = "recover", .fn = cmd_recover, .synopsis = DMIG_SYNOPSIS_RECOVER},
    {.name = "version", .fn = cmd_version, .synopsis = DMIG_SYNOPSIS_VERSION},
};

static void
usage (FILE *out)
{
	fprintf (out, "usage: dmig [-H <url>] [--store <dir>] [--json] [-q] [-v] <command> [<options>] <args>\n\n");
	for (size_t i = 0; i < sizeof (commands) / sizeof (commands[0]); i++)
		fprintf (out, "   dmig %s\n", commands[i].synopsis);
	fprintf (out, "\n-H unix:///path/to.sock picks the engine; without it DOCKER_HOST, CONTAINER_HOST,\n"
	              "or whichever engine at its default socket has the container.\n"
	              "Snapshots are kept in --store, $DMIG_STORE or " DMIG_DEFAULT_STORE ".\n"
	              "check runs a move's checks and changes nothing (exit 3 when one fails).\n");
}

static const struct command *
find_command (const char *name)
{
	for (size_t i = 0; i < sizeof (commands) / sizeof (commands[0]); i++)
		if (strcmp (commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int
run (int argc, char **argv)
{
	static const struct option opts[] = {
	    {"host", required_argument, NULL, 'H'}, {"store", required_argument, NULL, 's'},
	    {"json", no_argument, NULL, 'j'},       {"quiet", no_argument, NULL, 'q'},
	    {"verbose", no_argument, NULL, 'v'},    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},    {NULL, 0, NULL, 0},
	};
	struct dmig_globals g = {0};
	dmig_error_t err = NULL;
	const struct command *cmd;
	char q[256]; /* what the user typed, for a terminal */
	int c;

	g.store = getenv ("DMIG_STORE");
	opterr = 0;
	/* '+': stop at the command; its own options are parsed by it. */
	while ((c = getopt_long (argc, argv, "+:H:qvh", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			g.host = optarg;
			break;
		case 's':
			/* DMIG_STORE='' is as unset; --store '' is a mistake */
			if (*optarg == '\0') {
				fprintf (stderr,
				         "dmig: option '--store' needs a folder, not an empty string (see 'dmig "
				         "--help')\n");
				return DMIG_EUSAGE;
			}
			g.store = optarg;
			break;
		case 'j':
			g.json = true;
			break;
		case 'q':
			g.quiet = true;
			break;
		case 'v':
			g.verbose++;
			break;
		case 'h':
			usage (stdout);
			return 0;
		case 'V':
			return cmd_version (1, (char *[]){"version", NULL}, &g, &err) < 0 ? dmig_error_report (&err)
			                                                                  : 0;
		case ':':
			fprintf (stderr, "dmig: option '%s' needs a value (see 'dmig --help')\n",
			         dmig_log_quote (argv[optind - 1], q, sizeof (q)));
			return DMIG_EUSAGE;
		default:
			fprintf (stderr, "dmig: unknown option '%s' (see 'dmig --help')\n",
			         dmig_log_quote (argv[optind - 1], q, sizeof (q)));
			return DMIG_EUSAGE;
		}
	}
	if (g.store == NULL || *g.store == '\0')
		g.store = DMIG_DEFAULT_STORE;
	dmig_log_set (g.quiet ? DMIG_QUIET : g.verbose ? DMIG_VERBOSE : DMIG_NORMAL);

	if (optind >= argc) {
		usage (stderr);
		return DMIG_EUSAGE;
	}
	cmd = find_command (argv[optind]);
	if (cmd == NULL) {
		fprintf (stderr, "dmig: '%s' is not a dmig command (see 'dmig --help')\n",
		         dmig_log_quote (argv[optind], q, sizeof (q)));
		return DMIG_EUSAGE;
	}
	argc -= optind;
	argv += optind;
	optind = 0; /* glibc: a full reset for the command's getopt */
	if (cmd->fn (argc, argv, &g, &err) < 0)
		return dmig_error_report (&err);
	return 0;
}

int
main (int argc, char **argv)
{
	dmig_error_t err = NULL;
	int rc;

	/* Broken connections are errors to report, not a reason to die. */
	signal (SIGPIPE, SIG_IGN);
	/* Once, before any thread starts (libcurl's rule). */
	if (dmig_http_global_init (&err) < 0)
		return dmig_error_report (&err);
	rc = run (argc, argv);
	dmig_http_global_cleanup ();
	return rc;
}
