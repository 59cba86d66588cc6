/* What a snapshot's archives may hold (docs/bundle.md, "What a layer may
 * hold"): the rules taken from the container's config in the manifest, and
 * every staged member checked against them before anything is touched. */
#ifndef DMIG_CONTENT_H
#define DMIG_CONTENT_H

#include <json-c/json.h>

#include "archive_io.h"
#include "error.h"

#define DMIG_CONTENT_DEVS_MAX 32

/* The rules and the device numbers they point at. */
struct dmig_content {
	struct dmig_content_rules rules;
	struct dmig_archive_dev devs[DMIG_CONTENT_DEVS_MAX];
};

/* What the container the manifest describes could have made: devices,
 * setuid/setgid files, file capabilities. */
void dmig_content_rules (json_object *manifest, struct dmig_content *c);

/* Check every member staged from a bundle (Docker's rootfs.tar and
 * volumes, checkpoint.tar; Podman's export, with its rootfs-diff.tar,
 * volumes, /dev/shm, deleted.files, and the spec.dump and config.dump its
 * import obeys, there once as plain JSON files) without writing: < 0 with
 * DMIG_EPREFLIGHT and the member on a refusal. */
int dmig_content_verify (json_object *manifest, const char *staging, dmig_error_t *err);

/* Podman's export: its spec.dump and config.dump held against the
 * manifest's config (engines/podspec.h), once that config is judged (the
 * snapshot's policy, or --trust-config): 0 (and for Docker's bundles), or
 * < 0 with DMIG_EPREFLIGHT naming the member and what it asks for. */
int dmig_content_export (json_object *manifest, const char *staging, dmig_error_t *err);

#endif
