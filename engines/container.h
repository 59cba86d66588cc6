/* One container, as dmig sees it: each engine parses its inspect answer
 * into this (the engine's parse op), and the rest of dmig reads the fields,
 * never the engine's JSON. Engine versions that store a field elsewhere
 * differ in their parser only. */
#ifndef DMIG_CONTAINER_H
#define DMIG_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "json.h"

enum dmig_mount_type { DMIG_MOUNT_OTHER, DMIG_MOUNT_BIND, DMIG_MOUNT_VOLUME };

struct dmig_mount {
	enum dmig_mount_type type;
	char *name;        /* a named volume's name (NULL otherwise) */
	char *source;      /* where it lives on the engine's host (may be NULL) */
	char *destination; /* where the container sees it */
	bool rw;
};

struct dmig_container {
	char *id;
	char *name; /* without Docker's leading '/' */
	char *image_id;
	char *image_name; /* as the container was created from (may be NULL) */
	bool running, paused;
	int pid;          /* its init process on the engine's host (0: none) */
	bool auto_remove; /* --rm */
	bool tty;         /* -t */
	bool userns;      /* in a user namespace of its own (--uidmap) */
	char *driver;     /* storage driver (or snapshotter) */
	char *upper;      /* its writable layer's folder (NULL: unknown) */
	/* Its writable layer is a containerd snapshot (Docker's containerd
	 * image store), which its inspect does not name: found by its root
	 * mount while it runs, else by asking containerd for its ID. */
	bool snapshot;
	char *network_mode;
	char **networks; /* the networks it is connected to */
	size_t nnetworks;
	char *restart_policy; /* "no", "always", ... (NULL: none set) */
	int restart_retries;  /* on-failure's maximum */
	char *log_driver;     /* Docker: the log driver and its file */
	char *log_path;
	char *oci_config; /* Podman: the path of the OCI config it runs with */
	char *runtime;    /* Podman: the OCI runtime it runs with, "runc" (NULL: not said) */
	struct dmig_mount *mounts;
	size_t nmounts;
	/* The engine's inspect answer: for the engine's own use (a create
	 * that copies the configuration) and a snapshot's manifest. */
	json_object *raw;
};

/* The fields every engine stores alike (Docker's and libpod's inspect
 * share them) into *c; an engine's parse op starts with this. Takes a
 * reference to raw. On failure *c holds nothing. */
int dmig_container_parse_common (json_object *raw, struct dmig_container *c, dmig_error_t *err);
/* Free what *c holds (not c). */
void dmig_container_clear (struct dmig_container *c);
/* Free a container that was allocated (dmig_engine_parse, inspect). */
void dmig_container_free (struct dmig_container *c);

/* The named volumes among its mounts, one after another from *i:
 *   for (size_t i = 0; (v = dmig_container_next_volume (c, &i)) != NULL;) */
const struct dmig_mount *dmig_container_next_volume (const struct dmig_container *c, size_t *i);

/* Overlay mount options ("lowerdir=...,upperdir=/x,workdir=...", as
 * mountinfo or ctr print them): the upperdir, mountinfo's octal escapes
 * (\040) undone; NULL when there is none (or out of memory). */
char *dmig_container_upper_of (const char *options);
/* The writable layer of the container whose mountinfo (/proc/<pid>/mountinfo)
 * f is: the upperdir of its root mount, the first mount at "/", when that is
 * an overlay; NULL otherwise. */
char *dmig_container_upper_from_mountinfo (FILE *f);
/* The folder, under an engine's data root, where dmig keeps the network
 * files (/etc/hosts, /etc/hostname, /etc/resolv.conf) of the containers it
 * had to make with NetworkDisabled (engines/docker.c): <root>/DMIG_NETFILES/<16
 * hex digits>/<file>. */
#define DMIG_NETFILES "dmig-net"
/* Is source, bound at destination, one of those files (and at its place)? */
bool dmig_container_netfile (const char *source, const char *destination);
/* The same of a bind as Docker's HostConfig.Binds writes it, "SRC:DST[:opts]". */
bool dmig_container_netfile_bind (const char *bind);

/* A containerd overlayfs snapshot's folder, and nothing else:
 * <root>/snapshots/<number>/fs, absolute, no "." or ".." in it. */
bool dmig_container_snapshot_dir_ok (const char *path);

/* What carrying it takes, on this host: its memory, its writable layer
 * and (with volumes) its named volumes, in bytes. */
uint64_t dmig_container_footprint (const struct dmig_container *c, bool volumes);

#endif
