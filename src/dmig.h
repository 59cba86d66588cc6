/* What every command gets: the global options, parsed once by main. */
#ifndef DMIG_H
#define DMIG_H

#include <stdbool.h>

#include "error.h"

#define DMIG_VERSION       "0.1.0"
#define DMIG_DEFAULT_STORE "/var/lib/dmig"

struct dmig_globals {
	const char *host;  /* -H URL, or NULL */
	const char *store; /* --store, DMIG_STORE or the default */
	bool json;
	bool quiet;
	int verbose;
};

typedef int (*dmig_cmd_fn) (int argc, char **argv, struct dmig_globals *g, dmig_error_t *err);

int cmd_move (int argc, char **argv, struct dmig_globals *g, dmig_error_t *err);
int cmd_snapshot (int argc, char **argv, struct dmig_globals *g, dmig_error_t *err);
int cmd_list (int argc, char **argv, struct dmig_globals *g, dmig_error_t *err);
int cmd_rollback (int argc, char **argv, struct dmig_globals *g, dmig_error_t *err);
int cmd_prune (int argc, char **argv, struct dmig_globals *g, dmig_error_t *err);
int cmd_check (int argc, char **argv, struct dmig_globals *g, dmig_error_t *err);
int cmd_recover (int argc, char **argv, struct dmig_globals *g, dmig_error_t *err);
int cmd_version (int argc, char **argv, struct dmig_globals *g, dmig_error_t *err);

/* Each command's synopsis (what follows "dmig "), written once: main's
 * overview (dmig --help) and the command's usage errors both print it. */
#define DMIG_SYNOPSIS_MOVE                                                                                             \
	"move [--keep-source] [--force] [--ignore-volumes] [--hook-pre-restore=<cmd>] [--hook-post-restore=<cmd>] "    \
	"[--hook-failed-restore=<cmd>] [--hook-timeout=<s>] [--json] <container> <target>"
#define DMIG_SYNOPSIS_SNAPSHOT "snapshot [--name <name>] [--keep <n>] [--ignore-volumes] [--json] <container>"
#define DMIG_SYNOPSIS_LIST     "list [--json] [<container>]"
#define DMIG_SYNOPSIS_ROLLBACK "rollback [--trust-config] [--json] <container>[@<name>|@latest]"
#define DMIG_SYNOPSIS_PRUNE    "prune --keep <n> <container>"
#define DMIG_SYNOPSIS_CHECK    "check [--keep-source] [--ignore-volumes] [--json] <target> [<container>]"
#define DMIG_SYNOPSIS_RECOVER  "recover [<container>]"
#define DMIG_SYNOPSIS_VERSION  "version"

/* A usage error for a command: "usage: dmig <synopsis>" plus what was wrong. */
int dmig_usage (dmig_error_t *err, const char *synopsis, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));
/* What getopt_long (with optstring ":") answered for an option the command
 * does not take (c is '?' or ':'): a usage error that names it. */
int dmig_usage_bad_option (int c, char **argv, const char *synopsis, dmig_error_t *err);

#endif
