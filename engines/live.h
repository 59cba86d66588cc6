/* What a running container's processes hold open, read from /proc on this
 * host (engines/live.c): the descriptors CRIU cannot dump, and the unix
 * sockets whose peer is outside the container. */
#ifndef DMIG_LIVE_H
#define DMIG_LIVE_H

#include <stddef.h>

#include "error.h"

struct dmig_live {
	int *pids; /* the container's processes */
	size_t npids;
	unsigned long *socks; /* the socket inodes they hold, sorted */
	size_t nsocks;
	/* descriptors CRIU cannot dump (a block device, a character device
	 * other than the memory devices, ttys and tun, io_uring, perf events,
	 * BPF programs): how many, and the first one described */
	int nodd;
	char odd[256];
};

/* The processes of the container whose init is pid (its init's PID
 * namespace; when that is dmig's own, init and its descendants) and what
 * they hold open. Fails when init cannot be read (not running here). */
int dmig_live_scan (int pid, struct dmig_live *l, dmig_error_t *err);
void dmig_live_free (struct dmig_live *l);

/* The unix sockets of this network namespace's that are connected to one of
 * the container's from outside it (a daemon's socket bound into the
 * container, a peer of another process's): how many in *n, and the first
 * described in what ("/run/docker.sock", or an unnamed socket's inode). Asks
 * the kernel (sock_diag); fails when it cannot be asked. */
int dmig_live_unix_outside (const struct dmig_live *l, int *n, char *what, size_t cap, dmig_error_t *err);

#endif
