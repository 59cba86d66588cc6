/* Docker: a container's log (json-file and local drivers) carried to a new
 * container that is made and not started yet: a move's clone on the
 * target, a rollback's on this host (engines/docker.c). */
#ifndef DMIG_DOCKER_LOG_H
#define DMIG_DOCKER_LOG_H

#include <stdbool.h>

#include "engine.h"
#include "error.h"
#include "move.h"

/* Docker's own state of a move (struct dmig_move's priv), made by its
 * prepare step: the clone on the target and its folders there, and the
 * log's files as sent before the freeze with the command there that
 * appends what the container writes until it stops. */
struct dmig_docker_move {
	char *clone_id, *clone_upper, *clone_ckpt;
	char *clone_log;
	bool log_tail_open;
	int log_tail_fd, log_tail_id;
};

/* Before the freeze: the log as it is so far into the clone's folder, and
 * the command there that will append the rest started (log_tail_*). A
 * driver with no files here: nothing, said with -v. */
int dmig_docker_log_prepare (struct dmig_move *m, dmig_error_t *err);

/* The ship's part, the source stopped: dmig_docker_log_tail first (what the
 * log gained since, to that command), dmig_docker_log_end once the rest has
 * gone (its exit status; all of the log again if it rotated meanwhile). */
struct dmig_docker_log_ship {
	bool active, whole;
};
int dmig_docker_log_tail (struct dmig_move *m, struct dmig_docker_log_ship *ls, dmig_error_t *err);
int dmig_docker_log_end (struct dmig_move *m, struct dmig_docker_log_ship *ls, dmig_error_t *err);
/* End that command (the move failed): it appends nothing. */
void dmig_docker_log_close (struct dmig_move *m);

/* A rollback's new container id (made like cfg, not started) goes on with
 * the log of container old, stopped, on the same engine. */
int dmig_docker_log_continue (struct dmig_engine *e, const char *old, const struct dmig_container *cfg, const char *id,
                              dmig_error_t *err);

#endif
