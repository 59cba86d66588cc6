/* The checks before a move, one list for `dmig move` and `dmig check`: the
 * target (SSH, its engine, versions, CRIU, kernel, CPU, memory, disk) and,
 * with a container, what moving it takes there and what CRIU cannot carry.
 * Each check says ok, warn or FAIL with what it saw (src/preflight.c). */
#ifndef DMIG_PREFLIGHT_H
#define DMIG_PREFLIGHT_H

#include <stdbool.h>
#include <stddef.h>

#include "move.h"

struct dmig_check_line {
	const char *name; /* "criu-there" */
	enum dmig_verdict result;
	bool skippable; /* --force would go on past its FAIL */
	char *detail;   /* what it saw, or why it failed */
};

struct dmig_checks {
	struct dmig_check_line *lines;
	size_t n;
	int fails, warns, skips; /* ERROR counts as a FAIL */
};

/* Every check that applies to m, in order: the host's, and with m->ctr
 * the container's too (m->name names it). Connects m to its target when it
 * is not yet (m->ssh, m->dst, which dmig_migrate_release closes). A check
 * that needs one that failed is listed as skipped. Fails only when out of
 * memory. */
int dmig_preflight_all (struct dmig_move *m, struct dmig_checks *out, dmig_error_t *err);
void dmig_preflight_free (struct dmig_checks *c);

/* A move's: the same checks until the first FAIL that --force does not go
 * on past, which is the error (DMIG_EPREFLIGHT); warnings, and with
 * --force each FAIL it skipped, one line each on stderr. */
int dmig_preflight_move (struct dmig_move *m, dmig_error_t *err);

/* "ok", "warn", "FAIL" (ERROR too), "skip". */
const char *dmig_preflight_verdict (enum dmig_verdict v);

#endif
