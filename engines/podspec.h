/* What Podman's export asks of its import (docs/bundle.md, "Podman's
 * config.dump and spec.dump"). The import creates the container from the
 * export's config.dump (libpod's container config) and runs it by its
 * spec.dump (the OCI runtime config), not by the manifest's config that the
 * policy judged: each is held against that config, and what gives the
 * container more power than it describes is refused. */
#ifndef DMIG_PODSPEC_H
#define DMIG_PODSPEC_H

#include <stdbool.h>

#include "error.h"
#include "json.h"

/* The folders this host keeps OCI hooks in (JSON files, as Podman reads
 * them); NULL-terminated. The tests point it elsewhere. */
extern const char *const *dmig_podspec_hooks_dirs;

/* spec.dump against the manifest's config (and config.dump, which says
 * whether Podman makes the network namespace anew): 0, or -1 with
 * DMIG_EPREFLIGHT and "member 'spec.dump' ..." naming what is wrong. */
int dmig_podspec_check (json_object *manifest, json_object *spec, json_object *conf, dmig_error_t *err);

/* config.dump against the manifest's config (engines/podconf.c): 0, or -1
 * with DMIG_EPREFLIGHT and "member 'config.dump' ...". */
int dmig_podconf_check (json_object *manifest, json_object *conf, dmig_error_t *err);

/* Shared by both. */
/* Is path in a folder of the container's own storage that its config
 * names (StaticDir, the folders of HostsPath, ResolvConfPath, HostnamePath,
 * ConmonPidFile), a folder whose path holds the container's ID? */
bool dmig_podspec_own_path (json_object *cfg, const char *id, const char *path);
/* Does the config's HostConfig.SecurityOpt name opt ("no-new-privileges",
 * "seccomp=unconfined"; '=' or ':' alike), or, with opt "seccomp=",
 * any value of it? */
bool dmig_podspec_security_opt (json_object *cfg, const char *opt);
/* The entry of the config's Mounts at destination dst, or NULL. */
json_object *dmig_podspec_mount_at (json_object *cfg, const char *dst);

#endif
