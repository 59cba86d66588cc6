/* Recovery of killed operations (recover.h). */
#include "recover.h"

#include <stdio.h>
#include <string.h>

#include "journal.h"
#include "log.h"
#include "migrate.h"
#include "runtime.h"
#include "snapshot.h"

/* The engine may still be at the checkpoint or restore the killed dmig
 * asked for: it finishes it or gives up on its own, and copies what the
 * runtime wrote into the checkpoint folder or dmig's staging. Judging
 * what is there before that ends would resume from half a checkpoint. */
#define RUNTIME_QUIET_MS 2000

static int
wait_runtime (struct dmig_engine *e, json_object *j, const char *name, dmig_error_t *err)
{
	struct dmig_container *now = NULL;
	struct dmig_runtime_watch w = {
	    .ids = {dmig_json_str (dmig_json_get (j, "inspect"), "Id"), NULL},
	    .dirs = {dmig_json_str (j, "staging"), NULL},
	};
	bool waited = false;
	int r;

	if (dmig_engine_inspect (e, name, &now, err) < 0)
		return -1;
	if (now)
		w.ids[1] = now->id;
	if (dmig_runtime_busy (&w))
		dmig_log_info ("the engine is still checkpointing or restoring container '%s': waiting for it", name);
	r = dmig_runtime_wait (&w, DMIG_CRIU_TIMEOUT_MS, RUNTIME_QUIET_MS, &waited);
	dmig_container_free (now);
	if (r < 0)
		return dmig_error_set (err, DMIG_EFAIL, 0,
		                       "the engine is still checkpointing or restoring container '%s' after %ld min: "
		                       "run 'dmig recover %s' when it has ended",
		                       name, DMIG_CRIU_TIMEOUT_MS / 60000, name);
	return 0;
}

int
dmig_recover (struct dmig_engine *e, const char *name, bool *did, dmig_error_t *err)
{
	json_object *j = NULL;
	const char *op, *kind;
	int r;

	*did = false;
	if (dmig_journal_read (e->ops->kind, name, &j, err) < 0)
		return -1;
	if (j == NULL)
		return 0;
	*did = true;
	op = dmig_json_str (j, "op");
	kind = dmig_json_str (j, "engine");
	/* a journal is data: it is obeyed only where it fits */
	if (op == NULL || kind == NULL || strcmp (kind, e->ops->kind) != 0 || dmig_json_str (j, "container") == NULL
	    || strcmp (dmig_json_str (j, "container"), name) != 0)
		r = dmig_error_set (err, DMIG_EFAIL, 0,
		                    "the journal of container '%s' does not describe it: look at it, then remove it",
		                    name);
	else if (wait_runtime (e, j, name, err) < 0)
		r = -1;
	else if (strcmp (op, "move") == 0)
		r = dmig_migrate_recover (e, j, err);
	else if (strcmp (op, "snapshot") == 0 || strcmp (op, "rollback") == 0)
		r = dmig_snapshot_recover (e, j, err);
	else
		r = dmig_error_set (err, DMIG_EFAIL, 0,
		                    "the journal of container '%s' names an operation '%s' dmig does "
		                    "not know: look at it, then remove it",
		                    name, op);
	json_object_put (j);
	return r;
}

void
dmig_recover_describe (json_object *j, char *out, size_t cap)
{
	const char *op = dmig_json_str (j, "op"), *phase = dmig_json_str (j, "phase");
	const char *target = dmig_json_str (j, "target");

	snprintf (out, cap, "a %s%s%s, cut short at its %s step", op ? op : "?", target ? " to " : "",
	          target ? target : "", phase ? phase : "first");
}
