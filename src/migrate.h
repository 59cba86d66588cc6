/* dmig move: a running container to another host over SSH, agentless. The
 * orchestrator: the engines' steps and the state they share are the
 * contract in engines/move.h. */
#ifndef DMIG_MIGRATE_H
#define DMIG_MIGRATE_H

#include "engine.h"
#include "move.h"

/* Connect to m->target: SSH, then its engine (m->ssh, m->dst). */
int dmig_migrate_connect (struct dmig_move *m, dmig_error_t *err);
/* The second half: the engine there, over m->ssh. */
int dmig_migrate_connect_engine (struct dmig_move *m, dmig_error_t *err);
/* Where the engine listens there: the target's socket, or the default. */
const char *dmig_migrate_remote_socket (const struct dmig_move *m);
/* The whole move, see docs/move.md. Fills m's times and counts. */
int dmig_migrate_run (struct dmig_move *m, dmig_error_t *err);
/* Free what the move holds (the engine's state, the volumes' names, the
 * target's link and engine; not src, ctr or staging, which the caller
 * gave). */
void dmig_migrate_release (struct dmig_move *m);

/* Finish or undo a move whose dmig was killed, from its journal (src is
 * the container's engine here): exactly one copy runs afterwards, the
 * target's half-made one removed. When that needs the target and it does
 * not answer, nothing is done there and the error says to run 'dmig
 * recover' once it does (the journal stays). */
int dmig_migrate_recover (struct dmig_engine *src, json_object *journal, dmig_error_t *err);

#endif
