/* Folders to another host over SSH: each packed as tar here and unpacked by
 * GNU tar there, a few streams at once, every remote tar's exit status
 * checked. The move's engines ship with it (engines/move.h). */
#ifndef DMIG_SHIP_H
#define DMIG_SHIP_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "sink.h"
#include "ssh.h"

/* One stream to the target: local folder dir (packed as
 * dmig_archive_pack_dir's mode) into folder dest there, which exists; or,
 * with feed, what feed writes into the remote command argv (NULL: that tar
 * into dest). what names it in messages, dest too. */
struct dmig_send {
	const char *dir, *dest, *what;
	int mode;
	char *const *argv;
	int (*feed) (void *arg, struct dmig_sink *sink, dmig_error_t *err);
	void *arg;
};

/* Send each one; *bytes (may be NULL) counts what went. The first failure
 * is told. */
int dmig_ship_dirs (struct dmig_ssh *ssh, const struct dmig_send *sends, size_t n, uint64_t *bytes, dmig_error_t *err);

/* A named volume made on the target: its folder here and there. */
struct dmig_ship_volume {
	char *name, *here, *there;
};

/* The sends of volumes (root folder included) into sends; whats holds their
 * names for messages. How many. */
#define DMIG_SHIP_WHAT_MAX 300
size_t dmig_ship_volume_sends (const struct dmig_ship_volume *v, size_t n, struct dmig_send *sends,
                               char (*whats)[DMIG_SHIP_WHAT_MAX]);
/* Ship the volumes into their folders there. */
int dmig_ship_volumes (struct dmig_ssh *ssh, const struct dmig_ship_volume *v, size_t n, uint64_t *bytes,
                       dmig_error_t *err);

#endif
