/* Named volumes through an engine's API (engines/volume.c). */
#ifndef DMIG_VOLUME_H
#define DMIG_VOLUME_H

#include "engine.h"

/* Make volume `name` exist: *mountpoint (free it) is where its files live
 * on the engine's host (which may be another host). */
int dmig_volume_get (struct dmig_engine *e, const char *name, char **mountpoint, dmig_error_t *err);
/* The same for an engine on this host, and empty the volume (it gets a
 * snapshot's content). */
int dmig_volume_prepare (struct dmig_engine *e, const char *name, char **mountpoint, dmig_error_t *err);
/* Bring each named volume of a snapshot (its manifest's "volumes") back to
 * the snapshot's content on an engine on this host: made or emptied, then
 * member volumes/<name>.tar of staging extracted into it (with nested: that
 * member of staging's member nested, a tar in a tar). */
int dmig_volume_restore_all (struct dmig_engine *e, json_object *manifest, const char *staging, const char *nested,
                             dmig_error_t *err);
/* Remove a volume (gone already is fine). */
int dmig_volume_remove (struct dmig_engine *e, const char *name, dmig_error_t *err);

#endif
