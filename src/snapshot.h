/* Snapshots: capture a container into a bundle, restore one, roll back. */
#ifndef DMIG_SNAPSHOT_H
#define DMIG_SNAPSHOT_H

#include <stdbool.h>

#include "engine.h"
#include "error.h"
#include "ref.h"

struct dmig_snapshot_opts {
	const char *name;    /* snapshot name; NULL = the UTC time */
	bool leave_running;  /* false: the container is stopped by the checkpoint */
	bool ignore_volumes; /* leave named volumes out */
	bool journal;        /* keep a journal (a rollback keeps its own) */
};

struct dmig_snapshot_result {
	char name[DMIG_NAME_MAX + 1];
	uint64_t bytes;      /* size of the bundle */
	long long frozen_ms; /* how long the container was stopped or paused */
	long long total_ms;
};

/* Capture container ctr of engine e into the store folder dir (locked by
 * the caller) as a new snapshot. */
int dmig_snapshot_take (struct dmig_engine *e, const struct dmig_container *ctr, const char *dir,
                        const struct dmig_snapshot_opts *o, struct dmig_snapshot_result *res, dmig_error_t *err);
/* Verify a bundle fully, then restore its container. Nothing is changed unless
 * every checksum matches; a failed restore leaves nothing half-made. */
int dmig_snapshot_restore (struct dmig_engine *e, const char *bundle, const char *dir, dmig_error_t *err);
/* Finish or undo a snapshot or rollback whose dmig was killed, from its
 * journal (src/recover.c). */
int dmig_snapshot_recover (struct dmig_engine *e, json_object *journal, dmig_error_t *err);
struct dmig_rollback_opts {
	/* --trust-config: the snapshot's volumes and config are taken as they
	 * are, even where they give the container more power (engines/policy.h) */
	bool trust_config;
};

/* Roll the container back to a snapshot (see docs/cli.md): bundle, of ctr
 * (NULL: gone) named ctr_name, in its store folder dir. o may be NULL. */
int dmig_snapshot_rollback (struct dmig_engine *e, const struct dmig_container *ctr, const char *ctr_name,
                            const char *bundle, const char *dir, const struct dmig_rollback_opts *o, dmig_error_t *err);

#endif
