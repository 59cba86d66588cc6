/* The snapshot store: <root>/<engine>/<container>/<name>.dmig, 0700 folders,
 * 0600 files, a lock per container while a dmig works on it. */
#ifndef DMIG_STORE_H
#define DMIG_STORE_H

#include <json-c/json.h>
#include <stddef.h>

#include "auth.h"
#include "error.h"
#include "ref.h"

#define DMIG_BUNDLE_EXT ".dmig"

struct dmig_snapinfo {
	char name[DMIG_NAME_MAX + 1];
	char created[32]; /* UTC, ISO 8601 */
	char *path;
	json_object *manifest;
	struct dmig_auth auth; /* who signed it */
};

struct dmig_snaplist {
	size_t n;
	struct dmig_snapinfo *s; /* oldest first */
};

/* The container's folder, made (0700 all the way) when create is set.
 * Refused (exit 3, see dmig_store_check) unless the store is dmig's own. */
int dmig_store_dir (const char *root, const char *engine, const char *ctr, int create, char **out, dmig_error_t *err);
/* Refuse (exit 3) a store folder at path that is not dmig's own: another
 * user's, or one others may write to; or one below a folder that is not
 * root's or dmig's user's, or that others may write to unless it is sticky
 * (like /tmp). Every folder on the way as written and as it resolves
 * through symlinks. An absent path passes. */
int dmig_store_check (const char *path, dmig_error_t *err);
/* Take the container's lock (dir/.lock), failing at once if another dmig
 * holds it. Unlock removes the lock file, and the folder if it is left empty. */
int dmig_store_lock (const char *dir, const char *ctr, int *fd, dmig_error_t *err);
void dmig_store_unlock (const char *dir, int fd);
/* Remove the staging folders a killed dmig left in the container's store
 * folder dir (call with the container's locks held: none is another's). */
void dmig_store_sweep (const char *dir);
/* A fresh 0700 staging folder inside dir. */
int dmig_store_staging (const char *dir, char **out, dmig_error_t *err);
/* Snapshots of a container, oldest first; an absent folder is an empty list. */
int dmig_store_list (const char *dir, struct dmig_snaplist *out, dmig_error_t *err);
void dmig_store_list_free (struct dmig_snaplist *l);
/* The snapshot a ref names (name "" = latest) in the list, or NULL. */
const struct dmig_snapinfo *dmig_store_list_find (const struct dmig_snaplist *l, const char *name);
/* Those of the engine kinds all (NULL-terminated, at most
 * DMIG_STORE_KINDS_MAX) with snapshots of this container, NULL-terminated
 * into kinds. */
#define DMIG_STORE_KINDS_MAX 8
int dmig_store_kinds (const char *root, const char *ctr, const char *const *all,
                      const char *kinds[DMIG_STORE_KINDS_MAX + 1]);
/* Remove all but the newest keep snapshots; says each it removes. */
int dmig_store_prune (const struct dmig_snaplist *l, size_t keep, size_t *removed, dmig_error_t *err);
/* The UTC time now as 20261122T034500Z and as 2026-11-22T03:45:00Z. */
void dmig_store_timestamp (char compact[32], char iso[32]);

#endif
