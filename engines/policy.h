/* What a snapshot's config may ask for: a bundle is data, never authority.
 * The config a restore makes the container from (the engine's inspect kept
 * in the manifest) is held against the container as it is now, or, when it
 * is gone, against the engine's defaults (docs/bundle.md lists the fields). */
#ifndef DMIG_POLICY_H
#define DMIG_POLICY_H

#include <stdbool.h>

#include "container.h"
#include "error.h"
#include "json.h"

/* The engines' default bounding set: runc's and Docker's, the one Podman 4
 * counts its inspect's CapAdd from ("CAP_CHOWN", ...; NULL-terminated). */
extern const char *const dmig_policy_caps[];

struct dmig_widening {
	const char *field; /* "HostConfig.Privileged" */
	char what[256];    /* "is true", "adds '/tmp:/x'" */
};

/* The first way cfg (an engine's inspect: Config, HostConfig, Mounts,
 * NetworkSettings) gives its container more power than ref has (ref: the
 * container now; NULL: it is gone, the engine's defaults). True and *w, or
 * false when there is none. */
bool dmig_policy_widening (const struct dmig_container *ref, json_object *cfg, struct dmig_widening *w);

/* The first volume of a manifest's "volumes" that ref (NULL: gone) does not
 * mount, or NULL when each is one of its named volumes. */
const char *dmig_policy_foreign_volume (const struct dmig_container *ref, json_object *volumes);

/* Both for the manifest of snapshot what ("web@name"): 0, or -1 and *err
 * (exit 3) naming the first widening and the option that accepts it. */
int dmig_policy_check (const struct dmig_container *ref, json_object *manifest, const char *what, dmig_error_t *err);

#endif
