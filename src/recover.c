/* Recovery of killed operations (recover.h). */
#include "recover.h"

#include <stdio.h>
#include <string.h>

#include "journal.h"
#include "log.h"
#include "migrate.h"
#include "snapshot.h"

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
