/* An engine still working on a container's checkpoint or restore: after
 * the dmig that asked for one was killed, the engine goes on with it (the
 * runtime dumps, the engine then copies the images into the checkpoint
 * folder). A recovery waits for that to end before it judges what is
 * there. */
#ifndef DMIG_RUNTIME_H
#define DMIG_RUNTIME_H

#include <stdbool.h>

/* What to watch: containers by full ID, and folders by path. */
struct dmig_runtime_watch {
	const char *ids[2];  /* NULL entries skipped */
	const char *dirs[2]; /* likewise */
};

/* Does a process on this host work on what w names: a runtime's
 * checkpoint or restore of one of the IDs (an argument "checkpoint" or
 * "restore" and an argument equal to the ID), or a file open in one of
 * the containers' checkpoint folders (a path with "/<ID>/" and then
 * "checkpoint") or under one of the folders? */
bool dmig_runtime_busy (const struct dmig_runtime_watch *w);

/* Wait up to timeout_ms until w has not been busy for quiet_ms (between
 * the runtime's end and the engine's copy, and between two files of the
 * copy, nothing is open for a moment). Returns 0 then (*waited: whether it
 * was busy at all), -1 on the deadline. */
int dmig_runtime_wait (const struct dmig_runtime_watch *w, long timeout_ms, long quiet_ms, bool *waited);

#endif
