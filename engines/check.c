/* Can dmig carry this container? What CRIU is known not to checkpoint or
 * restore, found before anything changes. */
#include "check.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "criu.h"
#include "live.h"
#include "log.h"

/* A /proc/net/tcp{,6} local address on loopback: 127/8, ::1, ::ffff:127/104.
 * The kernel prints each 32-bit word of the address as it lies in memory. */
static bool
loopback_addr (const char *hex)
{
	uint32_t w;
	unsigned char b[4];
	size_t len = strcspn (hex, ":");

	if (len == 32 && strncmp (hex, "00000000000000000000000001000000", 32) == 0)
		return true;
	if (len == 32 && strncmp (hex, "0000000000000000FFFF0000", 24) == 0)
		hex += 24, len = 8;
	if (len != 8 || sscanf (hex, "%8x", &w) != 1)
		return false;
	memcpy (b, &w, sizeof (b));
	return b[0] == 127;
}

/* The connected TCP sockets in the network namespace of process pid: all
 * of them, and those on loopback. Listening sockets and TIME_WAIT (no
 * process holds those) do not count. */
static void
count_tcp (int pid, int *connected, int *loopback)
{
	static const char *const files[] = {"tcp", "tcp6"};

	*connected = *loopback = 0;
	for (size_t i = 0; i < 2; i++) {
		char path[64], line[512], local[64];
		unsigned int st;
		FILE *fp;

		snprintf (path, sizeof (path), "/proc/%d/net/%s", pid, files[i]);
		if ((fp = fopen (path, "re")) == NULL)
			continue;
		while (fgets (line, sizeof (line), fp) != NULL) {
			if (sscanf (line, " %*u: %63s %*s %x", local, &st) != 2 || st == 0x06 || st == 0x07
			    || st == 0x0A)
				continue;
			(*connected)++;
			*loopback += loopback_addr (local);
		}
		fclose (fp);
	}
}

/* The OCI config the runtime runs a local container with: Podman names it;
 * Docker's is in containerd's bundle (dockerd's own containerd, or the
 * system's). NULL when it cannot be found. */
static json_object *
oci_config (struct dmig_engine *e, const struct dmig_container *ctr)
{
	static const char *const bundles[] = {
	    "/run/docker/containerd/daemon/io.containerd.runtime.v2.task/moby/",
	    "/run/containerd/io.containerd.runtime.v2.task/moby/",
	};
	const char *id = ctr->id, *named = ctr->oci_config;
	char path[PATH_MAX];

	if (e->remote)
		return NULL;
	if (named != NULL)
		return json_object_from_file (named);
	if (id == NULL || strspn (id, "0123456789abcdef") != strlen (id))
		return NULL;
	for (size_t i = 0; i < sizeof (bundles) / sizeof (bundles[0]); i++) {
		snprintf (path, sizeof (path), "%s%s/config.json", bundles[i], id);
		if (access (path, R_OK) == 0)
			return json_object_from_file (path);
	}
	return NULL;
}

static bool
is_bind (json_object *mount)
{
	const char *type = dmig_json_str (mount, "type");
	json_object *opts = dmig_json_get (mount, "options");

	if (type && strcmp (type, "bind") == 0)
		return true;
	for (size_t i = 0; opts && i < json_object_array_length (opts); i++) {
		const char *o = json_object_get_string (json_object_array_get_idx (opts, i));
		if (o && (strcmp (o, "bind") == 0 || strcmp (o, "rbind") == 0))
			return true;
	}
	return false;
}

/* A bind mount from a symlink: CRIU 4's mount engine (mnt-v2) opens the
 * source without following a last symlink (open_tree AT_SYMLINK_NOFOLLOW)
 * and cannot restore it ("Failed to move_mount" for a link to a folder,
 * "Can't remount ... with MS_PRIVATE" for one to a file), so its checkpoint would
 * leave the container stopped for good. Such a bind is the user's (-v
 * /link:/data) or the engine's init (--init: Debian's docker-init and
 * catatonit are links; make setup points the engines at the real files). */
static int
symlinked_bind (json_object *cfg, const struct dmig_container *ctr, dmig_error_t *err)
{
	json_object *mounts = cfg ? dmig_json_get (cfg, "mounts") : NULL;
	size_t n = cfg ? (json_object_is_type (mounts, json_type_array) ? json_object_array_length (mounts) : 0)
	               : ctr->nmounts;
	struct stat st;

	for (size_t i = 0; i < n; i++) {
		json_object *mt = cfg ? json_object_array_get_idx (mounts, i) : NULL;
		const char *src = cfg ? dmig_json_str (mt, "source") : ctr->mounts[i].source;
		const char *dst = cfg ? dmig_json_str (mt, "destination") : ctr->mounts[i].destination;
		bool bind = cfg ? is_bind (mt) : ctr->mounts[i].type == DMIG_MOUNT_BIND;
		const char *name = ctr->name;
		char *real;

		if (src == NULL || dst == NULL || !bind || lstat (src, &st) < 0 || !S_ISLNK (st.st_mode))
			continue;
		if (dmig_criu_restores_symlinks (NULL)) {
			dmig_log_debug ("bind mount from the symlink %s: CRIU here restores it (older mount engine)",
			                src);
			continue;
		}
		real = realpath (src, NULL);
		if (strcmp (dst, "/sbin/docker-init") == 0 || strcmp (dst, "/run/podman-init") == 0)
			dmig_error_set (err, DMIG_EPREFLIGHT, 0,
			                "container '%s' runs with --init from %s, a symlink to %s, which CRIU cannot "
			                "restore: run dmig's setup (make setup), whose CRIU restores it, or point the "
			                "engine's init path at %s (Docker: \"init-path\" in daemon.json; Podman: "
			                "init_path in containers.conf) and recreate the container",
			                name, src, real ? real : "?", real ? real : "the real file");
		else
			dmig_error_set (err, DMIG_EPREFLIGHT, 0,
			                "container '%s' has a bind mount from %s, a symlink to %s, which CRIU cannot "
			                "restore: run dmig's setup (make setup), whose CRIU restores it, or recreate "
			                "the container with %s as the source of %s",
			                name, src, real ? real : "?", real ? real : "the link's target", dst);
		free (real);
		return -1;
	}
	return 0;
}

/* What CRIU is known not to restore, found before anything changes: a
 * checkpoint that cannot be resumed must never be taken. */
static int
check_restorable (struct dmig_engine *e, const struct dmig_container *ctr, dmig_error_t *err)
{
	json_object *cfg = oci_config (e, ctr), *ns;
	bool userns = ctr->userns;
	const char *name = ctr->name;
	int r = 0;

	ns = cfg ? dmig_json_get (cfg, "linux.namespaces") : NULL;
	for (size_t i = 0; ns && i < json_object_array_length (ns); i++) {
		const char *t = dmig_json_str (json_object_array_get_idx (ns, i), "type");
		userns |= t && strcmp (t, "user") == 0;
	}
	/* CRIU cannot read its own images back in the container's user
	 * namespace ("Unable to open timens-0.img: Permission denied") */
	if (userns)
		r = dmig_error_set (
		    err, DMIG_EPREFLIGHT, 0,
		    "container '%s' runs in a user namespace of its own (--uidmap, --userns), whose "
		    "checkpoint CRIU cannot restore: run it without one to move, snapshot or roll it back",
		    name);
	else if (!e->remote)
		r = symlinked_bind (cfg, ctr, err);
	json_object_put (cfg);
	return r;
}

/* One of the storage drivers whose layers the engine's dmig carries? */
static bool
carried (struct dmig_engine *e, const char *driver)
{
	for (size_t i = 0; driver && i < sizeof (e->ops->drivers) / sizeof (e->ops->drivers[0]) && e->ops->drivers[i];
	     i++)
		if (strcmp (driver, e->ops->drivers[i]) == 0)
			return true;
	return false;
}

static const char *
name_of (const struct dmig_container *ctr)
{
	return ctr->name ? ctr->name : "?";
}

static void say (char *detail, size_t cap, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));

static void
say (char *detail, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (detail == NULL || cap == 0)
		return;
	va_start (ap, fmt);
	vsnprintf (detail, cap, fmt, ap);
	va_end (ap);
}

int
dmig_check_state (struct dmig_engine *e, const struct dmig_container *ctr, char *detail, size_t cap, dmig_error_t *err)
{
	const char *name = name_of (ctr);

	/* Podman's paused container is not running, Docker's is: one answer.
	 * Podman cannot checkpoint one, and unpausing it for the checkpoint
	 * would let it run when its user froze it. */
	if (ctr->paused)
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                       "container '%s' is paused, a state dmig does not carry: unpause it first "
		                       "('%s unpause %s')",
		                       name, e->ops->kind, name);
	if (!ctr->running)
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0, "container '%s' is not running: start it first", name);
	/* A checkpoint stops it (every move and rollback, Podman's snapshot),
	 * and the engine then removes it: Podman did in 6 of 10 snapshots. */
	if (ctr->auto_remove)
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                       "container '%s' was started with --rm: %s removes it when a checkpoint stops "
		                       "it; run it without --rm to move, snapshot or roll it back",
		                       name, e->ops->kind);
	say (detail, cap, "container '%s' runs (process %d), not paused, not --rm", name, ctr->pid);
	return 0;
}

int
dmig_check_tty (struct dmig_engine *e, const struct dmig_container *ctr, char *detail, size_t cap, dmig_error_t *err)
{
	if (ctr->tty)
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                       "container '%s' has a terminal (-t): CRIU cannot checkpoint it through %s",
		                       name_of (ctr), e->ops->kind);
	say (detail, cap, "no terminal");
	return 0;
}

int
dmig_check_storage (struct dmig_engine *e, const struct dmig_container *ctr, char *detail, size_t cap,
                    dmig_error_t *err)
{
	const char *name = name_of (ctr), *driver = ctr->driver;

	if (!carried (e, driver))
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                       "container '%s' uses the '%s' storage driver: dmig carries only %s%s%s layers",
		                       name, driver ? driver : "unknown", e->ops->drivers[0],
		                       e->ops->drivers[1] ? " and " : "", e->ops->drivers[1] ? e->ops->drivers[1] : "");
	/* a containerd snapshot is found by the container's root mount */
	if (ctr->snapshot && ctr->upper == NULL && !e->remote)
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                       "cannot find the writable layer of container '%s': the root mount in "
		                       "/proc/%d/mountinfo is not a containerd overlayfs snapshot",
		                       name, ctr->pid);
	say (detail, cap, "%s, its writable layer %s", driver, ctr->upper ? ctr->upper : "(found on the move)");
	return 0;
}

int
dmig_check_restores (struct dmig_engine *e, const struct dmig_container *ctr, char *detail, size_t cap,
                     dmig_error_t *err)
{
	if (check_restorable (e, ctr, err) < 0)
		return -1;
	say (detail, cap, "no user namespace of its own, no bind mount from a symlink CRIU cannot restore");
	return 0;
}

/* Does the container have a network namespace of its own, on this host? */
static bool
own_netns (struct dmig_engine *e, const struct dmig_container *ctr)
{
	const char *mode = ctr->network_mode ? ctr->network_mode : "";

	return !e->remote && ctr->pid > 0 && strcmp (mode, "host") != 0 && strncmp (mode, "container:", 10) != 0;
}

int
dmig_check_tcp (struct dmig_engine *e, const struct dmig_container *ctr, char *detail, size_t cap, dmig_error_t *err)
{
	const char *name = name_of (ctr);
	int connected, loopback;

	/* in its own network namespace, the sockets there are its own */
	if (!own_netns (e, ctr)) {
		say (detail, cap, "not counted: the container shares a network namespace");
		return 0;
	}
	count_tcp (ctr->pid, &connected, &loopback);
	if (!e->ops->tcp_established && connected > 0)
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                       "container '%s' has %d open TCP connection%s, which %s's API cannot "
		                       "checkpoint (it has no --tcp-established): close them first (listening "
		                       "sockets are fine)",
		                       name, connected, connected == 1 ? "" : "s", e->ops->title);
	if (loopback > 0)
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                       "container '%s' has %d open TCP connection%s on its loopback, which %s "
		                       "cannot restore (it brings the loopback up only after CRIU has run): close "
		                       "them first (listening sockets are fine)",
		                       name, loopback, loopback == 1 ? "" : "s", e->ops->title);
	say (detail, cap, "%d open TCP connection%s%s", connected, connected == 1 ? "" : "s",
	     connected ? " (carried: --tcp-established)" : "");
	return 0;
}

/* CRIU dumps a unix socket only with its peer: one connected to a process
 * outside the container (a daemon's socket bound in, /dev/log) fails the
 * dump ("External socket is used"), which neither engine lets dmig allow. */
int
dmig_check_unix (struct dmig_engine *e, const struct dmig_container *ctr, char *detail, size_t cap, dmig_error_t *err)
{
	struct dmig_live l;
	dmig_error_t e2 = NULL;
	char what[160];
	int n = 0;

	if (e->remote || ctr->pid <= 0) {
		say (detail, cap, "not counted: the container does not run on this host");
		return 0;
	}
	if (dmig_live_scan (ctr->pid, &l, &e2) < 0 || dmig_live_unix_outside (&l, &n, what, sizeof (what), &e2) < 0) {
		say (detail, cap, "could not be counted: %s", e2 ? e2->msg : "?");
		dmig_error_release (&e2);
		dmig_live_free (&l);
		return 1;
	}
	dmig_live_free (&l);
	if (n > 0)
		return dmig_error_set (
		    err, DMIG_EPREFLIGHT, 0,
		    "container '%s' has %d unix socket%s connected to %s outside it (the first: %s), "
		    "which CRIU cannot checkpoint: close %s first",
		    name_of (ctr), n, n == 1 ? "" : "s", n == 1 ? "a process" : "processes", what,
		    n == 1 ? "it" : "them");
	say (detail, cap, "no unix socket connected outside the container");
	return 0;
}

int
dmig_check_fds (struct dmig_engine *e, const struct dmig_container *ctr, char *detail, size_t cap, dmig_error_t *err)
{
	struct dmig_live l;
	dmig_error_t e2 = NULL;
	int r = 0;

	if (e->remote || ctr->pid <= 0) {
		say (detail, cap, "not read: the container does not run on this host");
		return 0;
	}
	if (dmig_live_scan (ctr->pid, &l, &e2) < 0) {
		say (detail, cap, "could not be read: %s", e2->msg);
		dmig_error_release (&e2);
		return 1;
	}
	if (l.nodd > 0)
		r = dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                    "container '%s' has %d open file%s CRIU cannot checkpoint (the first: %s): close "
		                    "%s, or move it without",
		                    name_of (ctr), l.nodd, l.nodd == 1 ? "" : "s", l.odd, l.nodd == 1 ? "it" : "them");
	else
		say (detail, cap, "%zu process%s, no device, io_uring, perf event or BPF program open", l.npids,
		     l.npids == 1 ? "" : "es");
	dmig_live_free (&l);
	return r;
}

int
dmig_check_container (struct dmig_engine *e, const struct dmig_container *ctr, dmig_error_t *err)
{
	static int (*const checks[]) (struct dmig_engine *, const struct dmig_container *, char *, size_t,
	                              dmig_error_t *) = {dmig_check_state, dmig_check_tty, dmig_check_storage,
	                                                 dmig_check_restores, dmig_check_tcp};

	for (size_t i = 0; i < sizeof (checks) / sizeof (checks[0]); i++)
		if (checks[i](e, ctr, NULL, 0, err) < 0)
			return -1;
	return 0;
}
