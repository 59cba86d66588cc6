/* Podman: the libpod API exports a checkpoint with the writable layer and
 * named volumes inside, and restores such an export by import. */
#include <stdio.h>

#include "engine.h"

#define API "/v4.0.0/libpod"

static int
podman_todo (struct dmig_engine *e, dmig_error_t *err)
{
	(void) e;
	return dmig_error_set (err, DMIG_EPREFLIGHT, 0, "Podman is not supported by this build of dmig yet");
}

const struct dmig_engine_ops dmig_podman_ops = {
	.kind = "podman",
	.api = API,
	.check = podman_todo,
};
