/* Docker: checkpoint via the experimental API; the writable layer (overlay2's
 * UpperDir, or containerd's snapshot in the image store) and named volumes
 * are carried by dmig itself. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive_io.h"
#include "child.h"
#include "content.h"
#include "criu.h"
#include "clock.h"
#include "docker_log.h"
#include "fault.h"
#include "engine.h"
#include "fs.h"
#include "log.h"
#include "move.h"
#include "netns.h"
#include "volume.h"

#define CKPT_NAME "dmig"
/* A rollback's safety checkpoint, kept in the container until it is done. */
#define SAFETY_CKPT "dmig-safety"

static bool
docker_identify (json_object *version)
{
	/* Podman answers Docker's /version too, and names itself there */
	return !dmig_engine_version_names (version, "Podman");
}

/* The containerd image store's snapshotter whose snapshots are overlay
 * layers (Docker's default with "containerd-snapshotter": Docker 29's for
 * new installs). */
#define SNAPSHOTTER "overlayfs"

/* From Docker 28 (moby v28.0.0, "Configure network endpoints after
 * creating a container") dockerd sets a container's network namespace up
 * once its task is created, from the task's PID; a task created from a
 * checkpoint has none until it starts, so `start --checkpoint` fails for
 * every container whose namespace Docker sets up, --network none included:
 * "bind-mount /proc/0/ns/net -> /var/run/docker/netns/...: no such file or
 * directory" (containerd issue 12141). Docker leaves alone the host's
 * namespace, another container's, and a NetworkDisabled container's own
 * (which the runtime makes). */
#define NETNS_ISSUE "containerd issue 12141"

static bool
late_netns (const struct dmig_engine *e)
{
	return e->version && atoi (e->version) >= 28;
}

enum netns {
	NETNS_SHARED,  /* the host's or another container's */
	NETNS_RUNTIME, /* its own, made by the runtime (NetworkDisabled) */
	NETNS_NONE,    /* its own, set up by Docker, with loopback only */
	NETNS_DOCKER,  /* its own, set up by Docker, on networks */
};

static enum netns
netns_of (const struct dmig_container *c)
{
	const char *mode = c->network_mode ? c->network_mode : "";

	if (strcmp (mode, "host") == 0 || strncmp (mode, "container:", 10) == 0)
		return NETNS_SHARED;
	if (dmig_json_bool (c->raw, "Config.NetworkDisabled"))
		return NETNS_RUNTIME;
	return strcmp (mode, "none") == 0 ? NETNS_NONE : NETNS_DOCKER;
}

/* Can e start this very container again from its own checkpoint? */
static bool
resumes_in_place (const struct dmig_engine *e, const struct dmig_container *c)
{
	enum netns k = netns_of (c);
	return !late_netns (e) || k == NETNS_SHARED || k == NETNS_RUNTIME;
}

/* Can e start a container made like cfg from a checkpoint? A --network
 * none one is made NetworkDisabled there (netns_workaround); one on
 * networks cannot be. */
static int
docker_restorable (struct dmig_engine *e, const struct dmig_container *cfg, const char *what, dmig_error_t *err)
{
	const char *mode = cfg->network_mode && *cfg->network_mode ? cfg->network_mode : "default";

	(void)what; /* the message names the container and its network */
	if (!late_netns (e) || netns_of (cfg) != NETNS_DOCKER)
		return 0;
	return dmig_error_set (
	    err, DMIG_EPREFLIGHT, 0,
	    "Docker %s%s%s cannot start container '%s' (network '%s') from a checkpoint: from "
	    "Docker 28 it sets a container's network namespace up from its task's PID, which a "
	    "task restored from a checkpoint does not have yet (\"bind-mount /proc/0/ns/net\", " NETNS_ISSUE
	    "); containers with --network none or host restore there",
	    e->version, e->remote && e->host ? " on " : "", e->remote && e->host ? dmig_ssh_name (e->host) : "",
	    cfg->name ? cfg->name : "?", mode);
}

static int
docker_parse (json_object *raw, struct dmig_container *c, dmig_error_t *err)
{
	if (dmig_container_parse_common (raw, c, err) < 0)
		return -1;
	/* the image store shows GraphDriver {"Name":"overlayfs","Data":null}
	 * (from API 1.52 Storage.RootFS.Snapshot.Name) */
	c->snapshot = c->upper == NULL && c->driver && strcmp (c->driver, SNAPSHOTTER) == 0;
	return 0;
}

/* A path for a command's argument: absolute, printable, no blanks. */
static bool
plain_path (const char *s)
{
	if (s == NULL || s[0] != '/' || strstr (s, "/.."))
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

/* What dmig needs of /info, asked once per connection: the data root, the
 * storage driver, and (the image store) the containerd that keeps the
 * snapshots, as `ctr` reaches it. */
static int
docker_root (struct dmig_engine *e, dmig_error_t *err)
{
	json_object *info = NULL;
	const char *root, *driver, *addr, *ns;
	char path[64];

	if (e->root)
		return 0;
	if (dmig_engine_path (e, false, path, sizeof (path), err, "/info") < 0
	    || dmig_engine_must (e, "GET", path, NULL, DMIG_API_TIMEOUT_MS, &info, err) < 0)
		return -1;
	root = dmig_json_str (info, "DockerRootDir");
	driver = dmig_json_str (info, "Driver");
	/* from API 1.46 (Docker 25); before, its defaults */
	addr = dmig_json_str (info, "Containerd.Address");
	ns = dmig_json_str (info, "Containerd.Namespaces.Containers");
	if (addr == NULL || !plain_path (addr))
		addr = "/run/containerd/containerd.sock";
	if (ns == NULL || *ns == '\0'
	    || strspn (ns, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen (ns))
		ns = "moby";
	e->root = strdup (root ? root : "/var/lib/docker");
	e->driver = strdup (driver ? driver : "");
	e->containerd = strdup (addr);
	e->containerd_ns = strdup (ns);
	json_object_put (info);
	if (e->root == NULL || e->driver == NULL || e->containerd == NULL || e->containerd_ns == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	return 0;
}

/* A running container of the image store, on this host: its layer is the
 * upperdir of its root mount. */
static void
docker_locate (struct dmig_engine *e, struct dmig_container *c)
{
	char path[64];
	FILE *f;

	if (!c->snapshot || c->upper || e->remote || c->pid <= 0 || !c->running)
		return;
	snprintf (path, sizeof (path), "/proc/%d/mountinfo", c->pid);
	if ((f = fopen (path, "re")) == NULL)
		return;
	c->upper = dmig_container_upper_from_mountinfo (f);
	fclose (f);
	/* a path that is no snapshot's folder is not taken (only a privileged
	 * container can mount over its own root) */
	if (c->upper && !dmig_container_snapshot_dir_ok (c->upper)) {
		dmig_log_debug ("the root mount of container %.12s has upperdir %s, not a snapshot's", c->id, c->upper);
		free (c->upper);
		c->upper = NULL;
	}
}

/* The folder of the image store's snapshot of container id (made by its
 * create) on e's host, as containerd tells it: `ctr snapshots mounts`
 * prints the mount a start would make, "mount -t overlay overlay /mnt -o
 * index=off,workdir=...,upperdir=<folder>,lowerdir=...". */
static int
snapshot_dir (struct dmig_engine *e, const char *id, char **dir, dmig_error_t *err)
{
	char out[64 * 1024], *opts;
	int r;

	*dir = NULL;
	if (docker_root (e, err) < 0)
		return -1;
	char *argv[] = {"ctr",           "--address", e->containerd, "--namespace", e->containerd_ns, "snapshots",
	                "--snapshotter", e->driver,   "mounts",      "/mnt",        (char *)id,       NULL};
	if (e->remote)
		r = dmig_ssh_run (e->host, argv, out, sizeof (out), DMIG_API_TIMEOUT_MS, err);
	else if ((r = dmig_child_capture (argv, out, sizeof (out), (int)(DMIG_API_TIMEOUT_MS / 1000))) != 0) {
		char *nl = strchr (out, '\n');
		if (nl)
			*nl = '\0';
		r = dmig_error_set (err, DMIG_EFAIL, 0, "ctr failed%s%s", r > 0 && *out ? ": " : "", r > 0 ? out : "");
	}
	if (r < 0)
		return dmig_error_wrap (err, "cannot ask containerd (%s, namespace %s) for the snapshot of %.12s",
		                        e->containerd, e->containerd_ns, id);
	opts = strstr (out, " -o ");
	*dir = opts ? dmig_container_upper_of (opts + 4) : NULL;
	if (*dir == NULL || !dmig_container_snapshot_dir_ok (*dir)) {
		free (*dir);
		*dir = NULL;
		return dmig_error_set (err, DMIG_EFAIL, 0,
		                       "containerd names no overlayfs snapshot folder for %.12s: %.200s", id, out);
	}
	return 0;
}

static int
docker_check (struct dmig_engine *e, dmig_error_t *err)
{
	json_object *info = NULL;
	char path[64];
	int ret = 0;

	if (dmig_engine_path (e, false, path, sizeof (path), err, "/info") < 0
	    || dmig_engine_must (e, "GET", path, NULL, DMIG_API_TIMEOUT_MS, &info, err) < 0)
		return dmig_error_status (err, DMIG_EPREFLIGHT);
	if (!dmig_json_bool (info, "ExperimentalBuild"))
		ret = dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                      "Docker at %s runs without experimental mode, which checkpoints need: set "
		                      "\"experimental\": true in /etc/docker/daemon.json and restart dockerd",
		                      e->socket);
	json_object_put (info);
	return ret;
}

/* A runtime's program as /info names it: a path or a name PATH finds,
 * nothing a shell or an option parser would read otherwise. */
static bool
program_ok (const char *s)
{
	return s && *s && *s != '-'
	       && strspn (s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._+-") == strlen (s)
	       && strstr (s, "..") == NULL;
}

/* /info's DefaultRuntime and Runtimes: the container's runtime (its create
 * copies HostConfig.Runtime) must be one e has. */
static int
docker_runtime (struct dmig_engine *e, const struct dmig_container *ctr, bool restore, char *name, size_t ncap,
                char *path, size_t pcap, dmig_error_t *err)
{
	const char *want = ctr ? dmig_json_str (ctr->raw, "HostConfig.Runtime") : NULL, *prog = NULL;
	json_object *info = NULL, *all, *rt = NULL;
	char p[64];
	int ret = 0;

	(void)restore; /* a clone runs with the container's runtime, as it does */
	if (dmig_engine_path (e, false, p, sizeof (p), err, "/info") < 0
	    || dmig_engine_must (e, "GET", p, NULL, DMIG_API_TIMEOUT_MS, &info, err) < 0)
		return dmig_error_status (err, DMIG_EPREFLIGHT);
	if (want == NULL || *want == '\0')
		want = dmig_json_str (info, "DefaultRuntime");
	if (want == NULL || *want == '\0')
		want = "runc";
	snprintf (name, ncap, "%s", want);
	/* by key: a runtime's name may hold dots (io.containerd.runc.v2) */
	all = dmig_json_get (info, "Runtimes");
	if (json_object_is_type (all, json_type_object) && !json_object_object_get_ex (all, want, &rt))
		ret = dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                      "Docker %s%s%s has no runtime '%s'%s: add it to \"runtimes\" in "
		                      "/etc/docker/daemon.json there",
		                      e->version, e->remote && e->host ? " on " : " here",
		                      e->remote && e->host ? dmig_ssh_name (e->host) : "", want,
		                      ctr ? ", which the container runs with" : "");
	prog = dmig_json_str (rt, "path");
	if (prog == NULL && strstr (want, "runc") != NULL)
		prog = "runc"; /* containerd's runc shim runs runc */
	snprintf (path, pcap, "%s", program_ok (prog) ? prog : "");
	json_object_put (info);
	return ret;
}

static int
docker_dirs (struct dmig_engine *e, char *data, size_t dcap, char *upload, size_t ucap, dmig_error_t *err)
{
	if (docker_root (e, err) < 0)
		return dmig_error_status (err, DMIG_EPREFLIGHT);
	snprintf (data, dcap, "%s", e->root);
	if (ucap)
		*upload = '\0';
	return 0;
}

/* Pack a directory into a staged member. */
static int
pack_member (const char *dir, enum dmig_pack_mode mode, const char *staging, const char *member,
             struct dmig_members *ms, dmig_error_t *err)
{
	struct dmig_sink sink;
	int r;

	if (dmig_bundle_member_begin (staging, member, &sink, err) < 0)
		return -1;
	r = dmig_archive_pack_dir (dir, mode, &sink, err);
	if (dmig_bundle_member_end (ms, member, &sink, r == 0, r == 0 ? err : NULL) < 0 || r < 0)
		return -1;
	return 0;
}

/* Two files with the same bytes (both there). */
static bool
same_file (const char *a, const char *b)
{
	char ba[8192], bb[8192];
	FILE *fa = fopen (a, "re"), *fb = fopen (b, "re");
	bool same = fa && fb;
	size_t na, nb;

	while (same && (na = fread (ba, 1, sizeof (ba), fa)) > 0) {
		nb = fread (bb, 1, na, fb);
		same = na == nb && memcmp (ba, bb, na) == 0;
	}
	same = same && fread (bb, 1, 1, fb) == 0;
	if (fa)
		fclose (fa);
	if (fb)
		fclose (fb);
	return same;
}

/* containerd (1.6) unpacks the checkpoint a container starts from into its
 * temp folder, /tmp/ctrd-checkpoint*, and leaves it there: the container's
 * memory, for good. After a start from checkpoint dir ckdir (on e's host),
 * the copy whose images are those of ckdir goes; nothing else is touched. */
static void
forget_containerd_copy (struct dmig_engine *e, const char *ckdir)
{
	static const char *const marks[] = {"inventory.img", "pstree.img"};
	struct dirent *d;
	DIR *dh;

	if (e->remote) {
		/* there: a fixed script, the folder an argument */
		char *argv[] = {
		    "sh",
		    "-c",
		    "for d in /tmp/ctrd-checkpoint*; do [ -d \"$d\" ] && cmp -s \"$d/inventory.img\" "
		    "\"$1/inventory.img\" && cmp -s \"$d/pstree.img\" \"$1/pstree.img\" && rm -rf -- \"$d\"; "
		    "done; true",
		    "sh",
		    (char *)ckdir,
		    NULL};
		dmig_error_t e2 = NULL;
		if (e->host && dmig_ssh_run (e->host, argv, NULL, 0, DMIG_API_TIMEOUT_MS, &e2) < 0) {
			dmig_log_debug ("containerd's copy of the checkpoint may be left there: %s", e2->msg);
			dmig_error_release (&e2);
		}
		return;
	}
	dh = opendir ("/tmp");
	while (dh && (d = readdir (dh)) != NULL) {
		char dir[PATH_MAX], a[PATH_MAX + 32], b[PATH_MAX + 32];
		struct stat st;
		bool same = true;

		if (strncmp (d->d_name, "ctrd-checkpoint", 15) != 0
		    || (size_t)snprintf (dir, sizeof (dir), "/tmp/%s", d->d_name) >= sizeof (dir)
		    || lstat (dir, &st) < 0 || !S_ISDIR (st.st_mode) || st.st_uid != 0)
			continue;
		for (size_t i = 0; same && i < 2; i++) {
			snprintf (a, sizeof (a), "%s/%s", dir, marks[i]);
			snprintf (b, sizeof (b), "%s/%s", ckdir, marks[i]);
			same = same_file (a, b);
		}
		if (same && dmig_fs_rm_rf (dir, NULL) == 0)
			dmig_log_debug ("removed containerd's copy of the checkpoint, %s", dir);
	}
	if (dh)
		closedir (dh);
}

static int
pause_call (struct dmig_engine *e, const char *id, const char *verb, dmig_error_t *err)
{
	char path[1024];

	if (dmig_engine_path (e, false, path, sizeof (path), err, "/containers/%s/%r", id, verb) < 0)
		return -1;
	return dmig_engine_must (e, "POST", path, NULL, DMIG_API_TIMEOUT_MS, NULL, err);
}

/* Docker restarts a container that a checkpoint stopped when its restart
 * policy says so: a second copy would run here beside the moved one. The
 * policy is "no" from the freeze on, and given back (ctr's, when not NULL)
 * if the source resumes. */
static int
set_restart (struct dmig_engine *e, const char *id, const struct dmig_container *ctr, dmig_error_t *err)
{
	json_object *body = json_object_new_object (), *rp = json_object_new_object ();
	const char *name = ctr && ctr->restart_policy ? ctr->restart_policy : "no";
	char path[1024];
	int r;

	json_object_object_add (rp, "Name", json_object_new_string (ctr ? name : "no"));
	if (ctr)
		json_object_object_add (rp, "MaximumRetryCount", json_object_new_int (ctr->restart_retries));
	json_object_object_add (body, "RestartPolicy", rp);
	r = dmig_engine_path (e, false, path, sizeof (path), err, "/containers/%s/update", id) < 0
	        ? -1
	        : dmig_engine_must (e, "POST", path, body, DMIG_API_TIMEOUT_MS, NULL, err);
	json_object_put (body);
	return r < 0 ? dmig_error_wrap (err, "cannot set the restart policy") : 0;
}

static int move_ckpt_path (struct dmig_engine *e, const char *id, const char *tail, char *path, size_t cap,
                           dmig_error_t *err);
static int start_from (struct dmig_engine *e, const char *id, const char *ckpt, dmig_error_t *err);

/* containerd keeps a checkpoint's blob in its content store for a moment
 * after it was used: a checkpoint or a restore asked for within about 2 s
 * of the last one fails with "content sha256:...: already exists". */
#define CONTENT_RETRIES 5

static bool
content_race (dmig_error_t *err)
{
	return err && *err && strstr ((*err)->msg, "content sha256:") && strstr ((*err)->msg, "already exists");
}

/* POST path (a checkpoint or a start from one) for container id, again
 * after a bounded backoff while it meets the content race, but only while
 * the container is as it was before the call (running: a checkpoint did
 * not stop it; stopped: a restore did not start it), so a retry never
 * repeats what happened. */
static int
ckpt_post (struct dmig_engine *e, const char *id, const char *path, json_object *body, bool was_running,
           dmig_error_t *err)
{
	for (int i = 1;; i++) {
		dmig_error_t e2 = NULL;

		if (dmig_engine_must (e, "POST", path, body, DMIG_CRIU_TIMEOUT_MS, NULL, &e2) == 0)
			return 0;
		if (i == CONTENT_RETRIES || !content_race (&e2) || dmig_engine_running (e, id) != was_running) {
			if (err && *err == NULL)
				*err = e2;
			else
				dmig_error_release (&e2);
			return -1;
		}
		dmig_log_debug ("%s (try %d of %d, again in %d ms)", e2->msg, i, CONTENT_RETRIES, 500 * i);
		dmig_error_release (&e2);
		usleep ((useconds_t)(500 * 1000 * i));
	}
}

static int
docker_capture (struct dmig_engine *e, const struct dmig_container *ctr, const char *staging,
                const struct dmig_capture_opts *o, struct dmig_members *ms, dmig_error_t *err)
{
	const char *id = ctr->id, *upper = ctr->upper;
	const struct dmig_mount *mt;
	bool was_paused = ctr->paused;
	const char *pname = ctr->restart_policy;
	/* A capture that stops it (a rollback's safety snapshot) where Docker
	 * could not start it again from its own checkpoint (Docker 28, the
	 * network namespace) keeps it paused instead, until the caller stops it
	 * (docker_unhold) or lets it run on: its checkpoint goes to staging as
	 * a snapshot's does. Else the checkpoint stops it. */
	bool keep_paused = !o->leave_running && o->held && !resumes_in_place (e, ctr);
	bool stops = !o->leave_running && !keep_paused;
	/* A checkpoint that stops it must not be followed by Docker starting it
	 * again from scratch. */
	bool hold = !o->leave_running && pname && *pname && strcmp (pname, "no") != 0;
	char ckdir[PATH_MAX], ckpath[PATH_MAX + 16], path[1024];
	json_object *body;
	int ret = -1;
	long long t0;

	if (id == NULL || upper == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0,
		                       ctr->snapshot ? "cannot find the container's layer among containerd's snapshots"
		                                     : "the engine's inspect data lacks the container's layer");
	snprintf (ckdir, sizeof (ckdir), "%s/docker-checkpoint", staging);
	if (mkdir (ckdir, 0700) < 0)
		return dmig_error_set (err, DMIG_EFAIL, errno, "cannot create '%s'", ckdir);
	/* A checkpoint that stops it (a rollback's safety snapshot) is kept in
	 * the container's own checkpoints: should this dmig be killed before
	 * the bundle is whole, a recovery resumes the container from it. */
	if (stops) {
		if (docker_root (e, err) < 0 || move_ckpt_path (e, id, "/" SAFETY_CKPT, path, sizeof (path), err) < 0)
			return -1;
		dmig_engine_call (e, "DELETE", path, NULL, DMIG_API_TIMEOUT_MS, NULL, NULL); /* a stale one */
	}

	if (hold && set_restart (e, id, NULL, err) < 0)
		return -1;
	/* Files and memory from one instant: pause, copy files, checkpoint. */
	t0 = dmig_clock_now_ms ();
	if (!was_paused && pause_call (e, id, "pause", err) < 0) {
		dmig_error_wrap (err, "cannot pause the container");
		goto policy;
	}
	dmig_fault ("snapshot:pause");
	if (pack_member (upper, DMIG_PACK_LAYER, staging, "rootfs.tar", ms, err) < 0) {
		dmig_error_wrap (err, "cannot copy the writable layer");
		goto resume;
	}
	dmig_fault ("snapshot:layer");
	for (size_t i = 0; !o->ignore_volumes && (mt = dmig_container_next_volume (ctr, &i)) != NULL;) {
		char member[DMIG_MEMBER_NAME_MAX];

		if (mt->source == NULL)
			continue;
		snprintf (member, sizeof (member), "volumes/%s.tar", mt->name);
		if (!dmig_bundle_member_name_ok (member)) {
			dmig_error_set (err, DMIG_EFAIL, 0, "volume name '%s' cannot be stored", mt->name);
			goto resume;
		}
		if (pack_member (mt->source, DMIG_PACK_TREE, staging, member, ms, err) < 0) {
			dmig_error_wrap (err, "cannot copy volume '%s'", mt->name);
			goto resume;
		}
	}
	body = json_object_new_object ();
	json_object_object_add (body, "CheckpointID", json_object_new_string (stops ? SAFETY_CKPT : CKPT_NAME));
	if (!stops)
		json_object_object_add (body, "CheckpointDir", json_object_new_string (ckdir));
	json_object_object_add (body, "Exit", json_object_new_boolean (stops));
	ret = dmig_engine_path (e, false, path, sizeof (path), err, "/containers/%s/checkpoints", id) < 0
	          ? -1
	          : ckpt_post (e, id, path, body, true, err);
	json_object_put (body);
	if (ret < 0) {
		dmig_criu_explain (err, e->host);
		dmig_error_wrap (err, "checkpoint failed");
	} else if (keep_paused)
		*o->held = true;
	dmig_fault ("snapshot:checkpoint");
resume:
	/* With Exit a checkpoint that succeeded stopped the container; a held
	 * one stays paused. */
	if (!was_paused && !(ret == 0 && !o->leave_running)) {
		dmig_error_t e2 = NULL;
		if (pause_call (e, id, "unpause", &e2) < 0) {
			if (ret == 0)
				ret = dmig_error_set (
				    err, DMIG_ELOST, 0,
				    "the container stays paused: %s; resume it with 'docker unpause %.12s'", e2->msg,
				    id);
			else {
				dmig_error_status (err, DMIG_ELOST);
				dmig_error_wrap (
				    err, "the container stays paused (resume it with 'docker unpause %.12s')", id);
			}
			dmig_error_release (&e2);
		}
	}
	dmig_log_debug ("container frozen for %lld ms", dmig_clock_now_ms () - t0);
policy:
	/* not stopped: it runs on (or stays paused) with its own policy */
	if (ret < 0 && hold && set_restart (e, id, ctr, NULL) < 0)
		dmig_log_warn ("container %.12s has restart policy \"no\" now, not \"%s\": 'docker update --restart %s "
		               "%.12s' gives it back",
		               id, pname, pname, id);
	if (ret < 0)
		return -1;
	if (!stops)
		snprintf (ckpath, sizeof (ckpath), "%s/%s", ckdir, CKPT_NAME);
	else
		snprintf (ckpath, sizeof (ckpath), "%s/containers/%s/checkpoints/" SAFETY_CKPT, e->root, id);
	if (pack_member (ckpath, DMIG_PACK_FILES, staging, "checkpoint.tar", ms, err) < 0)
		return -1;
	return dmig_fs_rm_rf (ckdir, err);
}

/* The end of a capture that held the container paused: stopped (killed,
 * as the checkpoint's exit would have: Docker then unpauses it), or running
 * on as it was, its restart policy back. */
static int
docker_unhold (struct dmig_engine *e, const struct dmig_container *ctr, bool stop, dmig_error_t *err)
{
	const char *pname = ctr->restart_policy;
	char path[1024];

	if (!stop) {
		if (pause_call (e, ctr->id, "unpause", err) < 0)
			return dmig_error_wrap (
			    err, "the container stays paused (resume it with 'docker unpause %.12s')", ctr->id);
		if (pname && *pname && strcmp (pname, "no") != 0 && set_restart (e, ctr->id, ctr, NULL) < 0)
			dmig_log_warn ("container %.12s has restart policy \"no\" now, not \"%s\": 'docker update "
			               "--restart %s %.12s' gives it back",
			               ctr->id, pname, pname, ctr->id);
		return 0;
	}
	/* stopped already: a recovery that repeats a move's finish */
	if (!dmig_engine_running (e, ctr->id))
		return 0;
	if (dmig_engine_path (e, false, path, sizeof (path), err, "/containers/%s/kill", ctr->id) < 0
	    || dmig_engine_must (e, "POST", path, NULL, DMIG_API_TIMEOUT_MS, NULL, err) < 0)
		return dmig_error_wrap (err, "cannot stop the container");
	/* Docker tells of the exit a moment later */
	for (long long until = dmig_clock_now_ms () + 30000; dmig_engine_running (e, ctr->id);) {
		if (dmig_clock_now_ms () > until)
			return dmig_error_set (err, DMIG_EFAIL, 0,
			                       "container %.12s still runs 30 s after it was killed", ctr->id);
		usleep (100 * 1000);
	}
	return 0;
}

/* After a capture whose dmig was killed: unpaused, its restart policy back.
 * A checkpoint that stopped it (Exit) kept nothing to resume from. */
static int
docker_settle (struct dmig_engine *e, const struct dmig_container *was, dmig_error_t *err)
{
	struct dmig_container *now = NULL;
	char ck[PATH_MAX + 128];
	int ret = -1;

	if (dmig_engine_inspect (e, was->id, &now, err) < 0)
		return -1;
	if (now == NULL)
		return dmig_error_set (err, DMIG_ELOST, 0, "container '%s' is gone", was->name);
	if (now->paused && !was->paused && pause_call (e, was->id, "unpause", err) < 0)
		goto out;
	if ((now->restart_policy == NULL) != (was->restart_policy == NULL)
	    || (now->restart_policy && strcmp (now->restart_policy, was->restart_policy) != 0))
		if (set_restart (e, was->id, was, err) < 0)
			goto out;
	if (!now->running && was->running && docker_root (e, err) == 0
	    && snprintf (ck, sizeof (ck), "%s/containers/%s/checkpoints/" SAFETY_CKPT, e->root, was->id) > 0
	    && access (ck, F_OK) == 0) {
		/* a rollback's safety checkpoint, kept for this */
		if (start_from (e, was->id, SAFETY_CKPT, err) < 0)
			goto out;
		dmig_log_info ("container '%s' runs again from its checkpoint", was->name);
		ret = 0;
		goto out;
	}
	if (!now->running && was->running) {
		dmig_error_set (
		    err, DMIG_ELOST, 0,
		    "container '%s' was stopped by a checkpoint whose dmig was killed, which left nothing to "
		    "resume it from: 'docker start %s' starts it afresh",
		    was->name, was->name);
		goto out;
	}
	dmig_log_info ("container '%s' runs on as it was", was->name);
	ret = 0;
out:
	dmig_container_free (now);
	return ret;
}

/* What a create or a connect says of the container's endpoint on network
 * net, from its inspect: the aliases and addresses it was given. Up to API
 * 1.44 an inspect lists the container's short ID among the aliases (from
 * 1.45 only those given, the ID being in DNSNames): that ID is the old
 * container's and goes. NULL when it was not on net. */
static json_object *
endpoint_config (const struct dmig_container *ctr, const char *net)
{
	json_object *nets = dmig_json_get (ctr->raw, "NetworkSettings.Networks"), *ep = NULL, *one, *v;
	size_t idlen = ctr->id ? strlen (ctr->id) : 0;

	/* a network's name may hold dots: one key, not a path */
	if (!json_object_is_type (nets, json_type_object) || !json_object_object_get_ex (nets, net, &ep)
	    || !json_object_is_type (ep, json_type_object))
		return NULL;
	one = json_object_new_object ();
	if (json_object_object_get_ex (ep, "Aliases", &v) && json_object_is_type (v, json_type_array)) {
		json_object *aliases = json_object_new_array ();
		for (size_t i = 0; i < json_object_array_length (v); i++) {
			json_object *a = json_object_array_get_idx (v, i);
			const char *s = json_object_get_string (a);
			if (s && idlen >= 12 && strlen (s) == 12 && strncmp (s, ctr->id, 12) == 0)
				continue;
			json_object_array_add (aliases, json_object_get (a));
		}
		json_object_object_add (one, "Aliases", aliases);
	}
	if (json_object_object_get_ex (ep, "IPAMConfig", &v) && v != NULL)
		json_object_object_add (one, "IPAMConfig", json_object_get (v));
	/* its driver's options (1.46: an interface's sysctls) and, from 1.48,
	 * its claim on the default gateway */
	if (json_object_object_get_ex (ep, "DriverOpts", &v) && json_object_is_type (v, json_type_object)) {
		json_object *opts = NULL;
		/* a copy: the create's may gain sysctls (move_sysctls) */
		if (json_object_deep_copy (v, &opts, NULL) == 0)
			json_object_object_add (one, "DriverOpts", opts);
	}
	if (json_object_object_get_ex (ep, "GwPriority", &v) && json_object_get_int64 (v) != 0)
		json_object_object_add (one, "GwPriority", json_object_get (v));
	return one;
}

/* The create's endpoint on network net, added when it has none yet. */
static json_object *
endpoint_of (json_object *endpoints, const char *net)
{
	json_object *ep = NULL;

	if (!json_object_object_get_ex (endpoints, net, &ep) || !json_object_is_type (ep, json_type_object)) {
		ep = json_object_new_object ();
		json_object_object_add (endpoints, net, ep);
	}
	return ep;
}

#define ENDPOINT_SYSCTLS "com.docker.network.endpoint.sysctls"

/* From API 1.48 an interface's sysctl in HostConfig.Sysctls
 * (net.ipv4.conf.eth0.forwarding) is refused: it is the endpoint's, as
 * net.ipv4.conf.IFNAME.forwarding in its driver options (1.46 and 1.47
 * moved eth0's there themselves, older engines apply them as they are).
 * eth0's go to the first network's endpoint there, before what it had;
 * another interface's stay (no engine could tell which endpoint it is). */
static void
move_sysctls (json_object *host, const char *mode, json_object *endpoints, int api)
{
	json_object *sysctls = NULL, *ep, *opts, *old;
	const char *keys[64];
	size_t nkeys = 0, len = 0;
	char *list = NULL;
	FILE *f;

	if (api < DMIG_API (1, 48) || mode == NULL || *mode == '\0' || strcmp (mode, "host") == 0
	    || strncmp (mode, "container:", 10) == 0 || !json_object_object_get_ex (host, "Sysctls", &sysctls)
	    || !json_object_is_type (sysctls, json_type_object) || (f = open_memstream (&list, &len)) == NULL)
		return;
	json_object_object_foreach (sysctls, key, val)
	{
		/* net.<family>.<kind>.eth0.<name> */
		const char *p = key;
		int dots = 0;

		for (const char *q = key; *q && dots < 3; q++)
			if (*q == '.' && ++dots == 3)
				p = q + 1;
		if (strncmp (key, "net.", 4) != 0 || dots < 3 || strncmp (p, "eth0.", 5) != 0 || p[5] == '\0'
		    || nkeys == sizeof (keys) / sizeof (keys[0]))
			continue;
		fprintf (f, "%s%.*sIFNAME.%s=%s", nkeys ? "," : "", (int)(p - key), key, p + 5,
		         json_object_get_string (val));
		keys[nkeys++] = key;
	}
	if (fclose (f) != 0 || nkeys == 0) {
		free (list);
		return;
	}
	ep = endpoint_of (endpoints, mode);
	if (!json_object_object_get_ex (ep, "DriverOpts", &opts) || !json_object_is_type (opts, json_type_object)) {
		opts = json_object_new_object ();
		json_object_object_add (ep, "DriverOpts", opts);
	}
	if (json_object_object_get_ex (opts, ENDPOINT_SYSCTLS, &old) && json_object_get_string (old)
	    && *json_object_get_string (old)) {
		char *both = NULL;
		if (asprintf (&both, "%s,%s", list, json_object_get_string (old)) >= 0) {
			free (list);
			list = both;
		}
	}
	json_object_object_add (opts, ENDPOINT_SYSCTLS, json_object_new_string (list));
	free (list);
	for (size_t i = 0; i < nkeys; i++)
		json_object_object_del (sysctls, keys[i]);
}

/* Up to API 1.43 a chosen MAC address is the container's (Config.MacAddress,
 * which inspects show up to 1.51); from 1.44 it is the endpoint's on its
 * first network, and 1.52 refuses the container's. Moved there from body's
 * Config when the engine speaks 1.44 or newer. */
static void
move_mac_address (json_object *body, const char *mode, json_object *endpoints, int api)
{
	json_object *mac = NULL;
	const char *addr;

	if (api < DMIG_API (1, 44) || !json_object_object_get_ex (body, "MacAddress", &mac))
		return;
	addr = json_object_get_string (mac);
	/* only a bridge or a network of the user's has one (an engine of
	 * 1.43 or older refused it beside another mode) */
	if (addr && *addr && mode && *mode && strcmp (mode, "host") != 0 && strcmp (mode, "none") != 0
	    && strncmp (mode, "container:", 10) != 0)
		json_object_object_add (endpoint_of (endpoints, mode), "MacAddress", json_object_new_string (addr));
	json_object_object_del (body, "MacAddress");
}

/* Up to API 1.41 an engine took a mount's options of another type (a bind
 * with VolumeOptions) and dropped them; from 1.42 it refuses the create.
 * They go, as they went. */
static void
drop_foreign_mount_options (json_object *host, int api)
{
	static const char *const own[][2] = {
	    {"VolumeOptions", "volume"}, {"BindOptions", "bind"}, {"TmpfsOptions", "tmpfs"}};
	json_object *mounts = dmig_json_get (host, "Mounts");

	if (api < DMIG_API (1, 42) || !json_object_is_type (mounts, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length (mounts); i++) {
		json_object *mt = json_object_array_get_idx (mounts, i);
		const char *type = dmig_json_str (mt, "Type");

		for (size_t j = 0; j < sizeof (own) / sizeof (own[0]); j++)
			if (json_object_is_type (mt, json_type_object)
			    && (type == NULL || strcmp (type, own[j][1]) != 0))
				json_object_object_del (mt, own[j][0]);
	}
}

/* Take dmig's network files out of a create's HostConfig (Binds and
 * Mounts): whether there were any. */
static bool
strip_netfiles (json_object *host)
{
	json_object *binds = dmig_json_get (host, "Binds"), *mounts = dmig_json_get (host, "Mounts");
	bool found = false;

	for (size_t i = json_object_is_type (binds, json_type_array) ? json_object_array_length (binds) : 0; i-- > 0;)
		if (dmig_container_netfile_bind (json_object_get_string (json_object_array_get_idx (binds, i)))) {
			json_object_array_del_idx (binds, i, 1);
			found = true;
		}
	for (size_t i = json_object_is_type (mounts, json_type_array) ? json_object_array_length (mounts) : 0;
	     i-- > 0;) {
		json_object *mt = json_object_array_get_idx (mounts, i);
		if (dmig_container_netfile (dmig_json_str (mt, "Source"), dmig_json_str (mt, "Target"))) {
			json_object_array_del_idx (mounts, i, 1);
			found = true;
		}
	}
	return found;
}

/* Is something of the user's bound at dst already (a Binds entry or a
 * mount), which Docker then takes as that network file? */
static bool
bound_at (json_object *host, const char *dst)
{
	json_object *binds = dmig_json_get (host, "Binds"), *mounts = dmig_json_get (host, "Mounts");
	size_t n = strlen (dst);

	for (size_t i = 0; json_object_is_type (binds, json_type_array) && i < json_object_array_length (binds); i++) {
		const char *b = json_object_get_string (json_object_array_get_idx (binds, i));
		const char *colon = b ? strchr (b, ':') : NULL;
		if (colon && strncmp (colon + 1, dst, n) == 0 && (colon[1 + n] == '\0' || colon[1 + n] == ':'))
			return true;
	}
	for (size_t i = 0; json_object_is_type (mounts, json_type_array) && i < json_object_array_length (mounts);
	     i++) {
		const char *t = dmig_json_str (json_object_array_get_idx (mounts, i), "Target");
		if (t && strcmp (t, dst) == 0)
			return true;
	}
	return false;
}

/* A --network none container made on an engine that cannot start one from
 * a checkpoint (late_netns): NetworkDisabled, so that the runtime makes its
 * namespace (with loopback only, as Docker's none), and its network files,
 * which Docker makes only for a namespace it sets up, bound from a folder
 * of dmig's under the engine's data root (*netdir, written by create_clone
 * before the start): CRIU restores the checkpoint's mounts of them. Before,
 * the workaround of an earlier restore goes, so that a create on any
 * engine starts from the container as its user made it. */
static int
netns_workaround (struct dmig_engine *e, json_object *body, json_object *host, char **netdir, dmig_error_t *err)
{
	static const char *const files[] = {"hosts", "hostname", "resolv.conf"};
	json_object *mode = dmig_json_get (host, "NetworkMode"), *binds;
	unsigned char rnd[8];
	char tok[17];

	*netdir = NULL;
	if (strip_netfiles (host))
		json_object_object_del (body, "NetworkDisabled");
	if (!late_netns (e) || !json_object_is_type (mode, json_type_string)
	    || strcmp (json_object_get_string (mode), "none") != 0 || dmig_json_bool (body, "NetworkDisabled"))
		return 0;
	if (getrandom (rnd, sizeof (rnd), 0) != (ssize_t)sizeof (rnd))
		return dmig_error_set (err, DMIG_EFAIL, errno, "getrandom");
	for (size_t i = 0; i < sizeof (rnd); i++)
		snprintf (tok + 2 * i, 3, "%02x", rnd[i]);
	if (asprintf (netdir, "%s/" DMIG_NETFILES "/%s", e->root, tok) < 0) {
		*netdir = NULL;
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	}
	json_object_object_add (body, "NetworkDisabled", json_object_new_boolean (true));
	if (!json_object_is_type (binds = dmig_json_get (host, "Binds"), json_type_array)) {
		binds = json_object_new_array ();
		json_object_object_add (host, "Binds", binds);
	}
	for (size_t i = 0; i < sizeof (files) / sizeof (files[0]); i++) {
		char dst[32], *b = NULL;

		snprintf (dst, sizeof (dst), "/etc/%s", files[i]);
		if (bound_at (host, dst))
			continue;
		/* writable, as Docker mounts its own, unless the root is read-only */
		if (asprintf (&b, "%s/%s:%s:%s", *netdir, files[i], dst,
		              dmig_json_bool (host, "ReadonlyRootfs") ? "ro" : "rw")
		    < 0)
			return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
		json_object_array_add (binds, json_object_new_string (b));
		free (b);
	}
	return 0;
}

/* The body of a create call that makes the same container as the inspected
 * one, for an engine that speaks Docker API version api. */
static json_object *
create_body (const struct dmig_container *ctr, const char *image, int api)
{
	json_object *cfg = NULL, *host = NULL, *body, *ec, *nm, *hmounts;
	const struct dmig_mount *m;
	const char *mode = ctr->network_mode;

	json_object_deep_copy (dmig_json_get (ctr->raw, "Config"), &cfg, NULL);
	json_object_deep_copy (dmig_json_get (ctr->raw, "HostConfig"), &host, NULL);
	body = cfg ? cfg : json_object_new_object ();
	if (host == NULL)
		host = json_object_new_object ();
	json_object_object_add (body, "Image", json_object_new_string (image));
	/* Anonymous volumes keep their data: name them in the new container. */
	hmounts = dmig_json_get (host, "Mounts");
	for (size_t i = 0; (m = dmig_container_next_volume (ctr, &i)) != NULL;) {
		const char *dst = m->destination;
		bool listed = false;

		if (dst == NULL)
			continue;
		for (size_t j = 0; hmounts && j < json_object_array_length (hmounts); j++) {
			const char *t = dmig_json_str (json_object_array_get_idx (hmounts, j), "Target");
			listed |= t && strcmp (t, dst) == 0;
		}
		json_object *binds = dmig_json_get (host, "Binds");
		for (size_t j = 0; binds && j < json_object_array_length (binds); j++) {
			const char *b = json_object_get_string (json_object_array_get_idx (binds, j));
			const char *colon = b ? strchr (b, ':') : NULL;
			listed |= colon && strncmp (colon + 1, dst, strlen (dst)) == 0
			          && (colon[1 + strlen (dst)] == '\0' || colon[1 + strlen (dst)] == ':');
		}
		if (listed)
			continue;
		if (hmounts == NULL || !json_object_is_type (hmounts, json_type_array)) {
			hmounts = json_object_new_array ();
			json_object_object_add (host, "Mounts", hmounts);
		}
		nm = json_object_new_object ();
		json_object_object_add (nm, "Type", json_object_new_string ("volume"));
		json_object_object_add (nm, "Source", json_object_new_string (m->name));
		json_object_object_add (nm, "Target", json_object_new_string (dst));
		json_object_object_add (nm, "ReadOnly", json_object_new_boolean (!m->rw));
		json_object_array_add (hmounts, nm);
	}
	json_object_object_add (body, "HostConfig", host);
	/* The network the container was created on; others are connected later. */
	ec = json_object_new_object ();
	if (mode && strcmp (mode, "none") && strcmp (mode, "host") && strcmp (mode, "bridge")
	    && strcmp (mode, "default") && strncmp (mode, "container:", 10)) {
		json_object *one = endpoint_config (ctr, mode);
		if (one)
			json_object_object_add (ec, mode, one);
	}
	move_mac_address (body, mode, ec, api);
	move_sysctls (host, mode, ec, api);
	drop_foreign_mount_options (host, api);
	if (json_object_object_length (ec) > 0) {
		json_object *nc = json_object_new_object ();
		json_object_object_add (nc, "EndpointsConfig", ec);
		json_object_object_add (body, "NetworkingConfig", nc);
	} else
		json_object_put (ec);
	return body;
}

/* rules: what it may hold (dmig_content_rules; NULL: CRIU's images) */
static int
extract_member (const char *staging, const char *member, const char *dest, const struct dmig_content_rules *rules,
                dmig_error_t *err)
{
	int fd = dmig_bundle_member_open (staging, member, err), r;

	if (fd < 0)
		return -1;
	r = dmig_archive_extract (fd, dest, rules, err);
	close (fd);
	return r;
}

/* The image as a create on e should name it: by name when that name means
 * the same image (ID) there, so the new container's Config.Image reads as
 * the original's; else by ID. */
static const char *
image_ref (struct dmig_engine *e, const char *id, const char *name)
{
	json_object *img = NULL;
	char path[1024];
	bool same;

	if (name == NULL || *name == '\0' || id == NULL || strncmp (name, "sha256:", 7) == 0
	    || dmig_engine_path (e, false, path, sizeof (path), NULL, "/images/%s/json", name) < 0)
		return id;
	same = dmig_engine_call (e, "GET", path, NULL, DMIG_API_TIMEOUT_MS, &img, NULL) == 200
	       && dmig_json_str (img, "Id") && strcmp (dmig_json_str (img, "Id"), id) == 0;
	json_object_put (img);
	return same ? name : id;
}

/* The network files Docker would have made for cfg with no address of its
 * own: its /etc/hosts (loopback and its --add-host entries), /etc/hostname,
 * and /etc/resolv.conf (its --dns settings, else the host's), into dir on
 * e's host, by a fixed script that takes them as arguments. The files are
 * the container's to read (0644), in a folder of root's. */
static int
netfiles_write (struct dmig_engine *e, const char *dir, const struct dmig_container *cfg, dmig_error_t *err)
{
	static const char script[] =
	    "umask 077 && mkdir -p -- \"$1\" && printf '%s' \"$2\" > \"$1/hosts\" && printf '%s' \"$3\" > "
	    "\"$1/hostname\" && if [ -n \"$4\" ]; then printf '%s' \"$4\" > \"$1/resolv.conf\"; else cat "
	    "/etc/resolv.conf > "
	    "\"$1/resolv.conf\"; fi && chmod 0644 -- \"$1/hosts\" \"$1/hostname\" \"$1/resolv.conf\"";
	json_object *extra = dmig_json_get (cfg->raw, "HostConfig.ExtraHosts");
	const char *hostname = dmig_json_str (cfg->raw, "Config.Hostname");
	char *hosts = NULL, *host_line = NULL, *resolv = NULL, out[1024];
	size_t hlen = 0, rlen = 0;
	FILE *h = open_memstream (&hosts, &hlen), *r = open_memstream (&resolv, &rlen);
	int ret = -1;

	if (h == NULL || r == NULL) {
		if (h)
			fclose (h);
		if (r)
			fclose (r);
		free (hosts);
		free (resolv);
		return dmig_error_set (err, DMIG_EFAIL, errno, "out of memory");
	}
	/* libnetwork's etchosts defaults, then "name:address" (or "name=address") entries */
	fputs ("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::\tip6-localnet\n"
	       "ff00::\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n",
	       h);
	for (size_t i = 0; json_object_is_type (extra, json_type_array) && i < json_object_array_length (extra); i++) {
		const char *x = json_object_get_string (json_object_array_get_idx (extra, i));
		size_t n = x ? strcspn (x, ":=") : 0;
		if (x && x[n] && strcspn (x, "\n") == strlen (x))
			fprintf (h, "%s\t%.*s\n", x + n + 1, (int)n, x);
	}
	/* --dns: a nameserver a line; --dns-search, --dns-option: one line each */
	static const char *const dns[][2] = {
	    {"HostConfig.Dns", "nameserver"}, {"HostConfig.DnsSearch", "search"}, {"HostConfig.DnsOptions", "options"}};
	for (size_t k = 0; k < 3; k++) {
		json_object *l = dmig_json_get (cfg->raw, dns[k][0]);
		size_t n = json_object_is_type (l, json_type_array) ? json_object_array_length (l) : 0, put = 0;
		for (size_t i = 0; i < n; i++) {
			const char *v = json_object_get_string (json_object_array_get_idx (l, i));
			if (v == NULL || *v == '\0' || strcspn (v, " \t\n") != strlen (v))
				continue;
			if (put++ == 0 || k == 0)
				fputs (dns[k][1], r);
			fprintf (r, " %s", v);
			if (k == 0)
				fputc ('\n', r);
		}
		if (k > 0 && put > 0)
			fputc ('\n', r);
	}
	fclose (h);
	fclose (r);
	if (asprintf (&host_line, "%s\n", hostname ? hostname : "") < 0)
		host_line = NULL;
	char *argv[] = {"sh", "-c", (char *)script, "sh", (char *)dir, hosts, host_line, resolv, NULL};
	if (host_line == NULL)
		dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	else if (e->remote)
		ret = dmig_ssh_run (e->host, argv, NULL, 0, DMIG_API_TIMEOUT_MS, err);
	else if ((ret = dmig_child_capture (argv, out, sizeof (out), (int)(DMIG_API_TIMEOUT_MS / 1000))) != 0)
		ret = dmig_error_set (err, DMIG_EFAIL, 0, "%s", *out ? out : "the script failed");
	if (ret < 0)
		dmig_error_wrap (err, "cannot write the network files of the new container into %s", dir);
	free (hosts);
	free (resolv);
	free (host_line);
	return ret < 0 ? -1 : 0;
}

/* A folder of network files that no container uses (any more). */
static void
netfiles_remove (struct dmig_engine *e, const char *dir)
{
	char *argv[] = {"rm", "-rf", "--", (char *)dir, NULL};
	dmig_error_t e2 = NULL;

	if (e->remote ? dmig_ssh_run (e->host, argv, NULL, 0, DMIG_API_TIMEOUT_MS, &e2) < 0
	              : dmig_fs_rm_rf (dir, &e2) < 0) {
		dmig_log_debug ("could not remove %s: %s", dir, e2 ? e2->msg : "?");
		dmig_error_release (&e2);
	}
}

/* The folders of network files on e's host that no container uses: those
 * whose container was removed (by dmig: after each removal; by its user:
 * found at the next stand-in's create). The folders are listed before the
 * containers: a folder is written only after its container was made, so
 * one that is listed and whose container is not has lost it. Only once this
 * connection knows the engine's data root (a restore asked for it). */
static void
netfiles_sweep (struct dmig_engine *e)
{
	char dir[PATH_MAX], names[8192], *toks[64], *argv[64 + 4] = {"rm", "-rf", "--"}, path[64];
	json_object *list = NULL;
	size_t ntok = 0, len = 0, nrm = 3;
	dmig_error_t e2 = NULL;

	if (e->root == NULL || (size_t)snprintf (dir, sizeof (dir), "%s/" DMIG_NETFILES, e->root) >= sizeof (dir))
		return;
	names[0] = '\0';
	if (e->remote) {
		char *ls[] = {"ls", "-1", "--", dir, NULL};
		if (dmig_ssh_run (e->host, ls, names, sizeof (names), DMIG_API_TIMEOUT_MS, &e2) < 0) {
			dmig_error_release (&e2); /* none there */
			return;
		}
	} else {
		DIR *dh = opendir (dir);
		struct dirent *d;
		while (dh && (d = readdir (dh)) != NULL)
			if (len + strlen (d->d_name) + 2 < sizeof (names))
				len += (size_t)snprintf (names + len, sizeof (names) - len, "%s\n", d->d_name);
		if (dh)
			closedir (dh);
	}
	for (char *l = strtok (names, "\n"); l && ntok < sizeof (toks) / sizeof (toks[0]); l = strtok (NULL, "\n"))
		if (strlen (l) == 16 && strspn (l, "0123456789abcdef") == 16)
			toks[ntok++] = l;
	if (ntok == 0 || dmig_engine_path (e, false, path, sizeof (path), NULL, "/containers/json?all=true") < 0
	    || dmig_engine_must (e, "GET", path, NULL, DMIG_API_TIMEOUT_MS, &list, NULL) < 0)
		return;
	for (size_t i = 0; json_object_is_type (list, json_type_array) && i < json_object_array_length (list); i++) {
		json_object *mounts = dmig_json_get (json_object_array_get_idx (list, i), "Mounts");
		for (size_t j = 0;
		     json_object_is_type (mounts, json_type_array) && j < json_object_array_length (mounts); j++) {
			const char *src = dmig_json_str (json_object_array_get_idx (mounts, j), "Source");
			size_t n = src ? strlen (src) : 0;
			for (size_t k = 0; k < ntok; k++)
				if (toks[k] && n > strlen (dir) + 17 && strncmp (src, dir, strlen (dir)) == 0
				    && strncmp (src + strlen (dir) + 1, toks[k], 16) == 0)
					toks[k] = NULL; /* in use */
		}
	}
	json_object_put (list);
	for (size_t k = 0; k < ntok; k++) {
		char *one = NULL;
		if (toks[k] == NULL || asprintf (&one, "%s/%s", dir, toks[k]) < 0)
			continue;
		if (e->remote)
			argv[nrm++] = one;
		else {
			if (dmig_fs_rm_rf (one, NULL) == 0)
				dmig_log_debug ("removed %s, the network files of a container that is gone", one);
			free (one);
		}
	}
	if (nrm > 3) {
		argv[nrm] = NULL;
		if (dmig_ssh_run (e->host, argv, NULL, 0, DMIG_API_TIMEOUT_MS, &e2) < 0) {
			dmig_log_debug ("could not remove network files of containers that are gone: %s", e2->msg);
			dmig_error_release (&e2);
		}
		for (size_t i = 3; i < nrm; i++)
			free (argv[i]);
	}
}

/* A container like the inspected one, named name, from image, not started:
 * its ID and its writable layer's folder (both freed by the caller). */
static int
create_clone (struct dmig_engine *e, const struct dmig_container *cfg, const char *image, const char *name, char **id,
              char **upper, dmig_error_t *err)
{
	json_object *body, *ans = NULL;
	struct dmig_container *ctr = NULL;
	const char *mode;
	char path[1024], *netdir = NULL;
	int ret;

	*id = *upper = NULL;
	if (dmig_engine_path (e, false, path, sizeof (path), err, "/containers/create?name=%s", name) < 0
	    || docker_root (e, err) < 0)
		return -1;
	body = create_body (cfg, image, e->api);
	if (netns_workaround (e, body, dmig_json_get (body, "HostConfig"), &netdir, err) < 0) {
		json_object_put (body);
		return -1;
	}
	ret = dmig_engine_must (e, "POST", path, body, DMIG_API_TIMEOUT_MS, &ans, err);
	json_object_put (body);
	if (ret < 0) {
		free (netdir);
		return dmig_error_wrap (err, "cannot create container '%s'", name);
	}
	*id = strdup (dmig_json_str (ans, "Id") ? dmig_json_str (ans, "Id") : "");
	json_object_put (ans);
	/* the network files after the create, which names their folder: a
	 * sweep of unused ones never takes them */
	if (netdir && netfiles_write (e, netdir, cfg, err) < 0)
		goto fail;
	if (netdir)
		netfiles_sweep (e);
	if (dmig_engine_inspect (e, *id, &ctr, err) < 0)
		goto fail;
	if (ctr && ctr->upper == NULL && ctr->snapshot) {
		/* the image store: containerd's snapshot, made by the create */
		if (snapshot_dir (e, *id, upper, err) < 0)
			goto fail;
	} else if (ctr == NULL || ctr->upper == NULL) {
		dmig_error_set (err, DMIG_EFAIL, 0, "the new container has no overlay2 layer");
		goto fail;
	} else
		*upper = strdup (ctr->upper);
	/* Networks beyond the first one are connected before the start. */
	mode = cfg->network_mode;
	for (size_t i = 0; i < cfg->nnetworks; i++) {
		const char *net = cfg->networks[i];
		json_object *c, *ep;
		int r;

		if (mode
		    && (strcmp (net, mode) == 0 || strcmp (mode, "default") == 0 || strcmp (mode, "none") == 0
		        || strcmp (mode, "host") == 0))
			continue;
		c = json_object_new_object ();
		json_object_object_add (c, "Container", json_object_new_string (*id));
		if ((ep = endpoint_config (cfg, net)) != NULL)
			json_object_object_add (c, "EndpointConfig", ep);
		r = dmig_engine_path (e, false, path, sizeof (path), err, "/networks/%s/connect", net) < 0
		        ? -1
		        : dmig_engine_must (e, "POST", path, c, DMIG_API_TIMEOUT_MS, NULL, err);
		json_object_put (c);
		if (r < 0) {
			dmig_error_wrap (err, "cannot connect network '%s'", net);
			goto fail;
		}
	}
	dmig_container_free (ctr);
	free (netdir);
	return 0;
fail:
	dmig_container_free (ctr);
	{
		dmig_error_t e2 = NULL;
		if (dmig_engine_remove (e, *id, &e2) < 0) {
			dmig_log_warn ("could not remove the half-made container %.12s: %s", *id, e2->msg);
			dmig_error_release (&e2);
		}
	}
	if (netdir)
		netfiles_remove (e, netdir);
	free (netdir);
	free (*id);
	free (*upper);
	*id = *upper = NULL;
	return -1;
}

/* A container whose network namespace the runtime made (NetworkDisabled:
 * dmig's stand-in for --network none where Docker cannot restore that)
 * comes back from a checkpoint with its loopback down: Docker's checkpoint
 * leaves the namespace out (CRIU's empty-ns net), and only Docker's own
 * set-up would bring it up. It goes up, as it was at the start: here from
 * inside the namespace, on another host through nsenter there. */
static void
loopback_up (struct dmig_engine *e, const char *id)
{
	struct dmig_container *c = NULL;
	dmig_error_t e2 = NULL;
	char pid[16];

	if (dmig_engine_inspect (e, id, &c, &e2) < 0 || c == NULL || netns_of (c) != NETNS_RUNTIME || c->pid <= 0) {
		dmig_error_release (&e2);
		dmig_container_free (c);
		return;
	}
	snprintf (pid, sizeof (pid), "%d", c->pid);
	char *argv[] = {"nsenter", "-t", pid, "-n", "ip", "link", "set", "lo", "up", NULL};
	if (e->remote ? dmig_ssh_run (e->host, argv, NULL, 0, DMIG_API_TIMEOUT_MS, &e2) < 0
	              : dmig_netns_lo_up (c->pid, &e2) < 0) {
		dmig_log_warn ("container '%s' may have its loopback down%s: %s", c->name ? c->name : id,
		               e->remote ? " there" : "", e2 ? e2->msg : "?");
		dmig_error_release (&e2);
	}
	dmig_container_free (c);
}

/* Start a container from its checkpoint ckpt, then drop the checkpoint. */
static int
start_from (struct dmig_engine *e, const char *id, const char *ckpt, dmig_error_t *err)
{
	char path[1024];

	char ckdir[PATH_MAX];
	int r;

	if (dmig_engine_path (e, false, path, sizeof (path), err, "/containers/%s/start?checkpoint=%s", id, ckpt) < 0
	    || docker_root (e, err) < 0)
		return -1;
	r = ckpt_post (e, id, path, NULL, false, err);
	if (r == 0)
		loopback_up (e, id);
	/* containerd's copy of what it started from goes, either way; on
	 * another host after the move (its downtime is over then), with the
	 * checkpoint kept till then to tell the copy by */
	snprintf (ckdir, sizeof (ckdir), "%s/containers/%s/checkpoints/%s", e->root, id, ckpt);
	if (e->remote)
		return r < 0 ? (dmig_criu_explain (err, e->host), dmig_error_wrap (err, "restore failed")) : 0;
	forget_containerd_copy (e, ckdir);
	if (r < 0) {
		dmig_criu_explain (err, e->host);
		return dmig_error_wrap (err, "restore failed");
	}
	/* The checkpoint served its purpose; Docker would list it forever. */
	if (dmig_engine_path (e, false, path, sizeof (path), NULL, "/containers/%s/checkpoints/%s", id, ckpt) < 0
	    || dmig_engine_call (e, "DELETE", path, NULL, DMIG_API_TIMEOUT_MS, NULL, NULL) < 0)
		dmig_log_debug ("could not delete checkpoint %s of %.12s", ckpt, id);
	return 0;
}

static int
docker_restore (struct dmig_engine *e, json_object *manifest, const char *staging, const struct dmig_restore_opts *o,
                dmig_error_t *err)
{
	const char *name = dmig_json_str (manifest, "container");
	const char *image = dmig_json_str (manifest, "image");
	struct dmig_container *cfg = NULL;
	struct dmig_content content;
	char path[PATH_MAX], *id = NULL, *upper = NULL;
	int ret = -1;

	if (name == NULL || image == NULL || dmig_json_get (manifest, "config") == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "the snapshot's manifest lacks the container's config");
	if (dmig_engine_parse (e->ops, dmig_json_get (manifest, "config"), &cfg, err) < 0)
		return -1;
	if (docker_root (e, err) < 0 || dmig_volume_restore_all (e, manifest, staging, NULL, err) < 0
	    || create_clone (e, cfg, image_ref (e, image, dmig_json_str (manifest, "image_name")), name, &id, &upper,
	                     err)
	           < 0) {
		dmig_container_free (cfg);
		return -1;
	}
	dmig_content_rules (manifest, &content);
	if (extract_member (staging, "rootfs.tar", upper, &content.rules, err) < 0) {
		dmig_error_wrap (err, "cannot restore the writable layer");
		goto out;
	}
	snprintf (path, sizeof (path), "%s/containers/%s/checkpoints/%s", e->root, id, CKPT_NAME);
	if (dmig_fs_mkdir_p (path, 0700, err) < 0 || extract_member (staging, "checkpoint.tar", path, NULL, err) < 0) {
		dmig_error_wrap (err, "cannot place the checkpoint");
		goto out;
	}
	if (o && o->log_of && dmig_docker_log_continue (e, o->log_of, cfg, id, err) < 0) {
		dmig_error_wrap (err, "cannot carry the log of '%s'", o->log_of);
		if (!o->log_optional)
			goto out;
		dmig_log_warn ("%s", (*err)->msg);
		dmig_error_release (err);
	}
	ret = start_from (e, id, CKPT_NAME, err);
out:
	if (ret < 0) {
		dmig_error_t e2 = NULL;
		if (dmig_engine_remove (e, id, &e2) < 0) {
			dmig_log_warn ("could not remove the half-made container %.12s: %s", id, e2->msg);
			dmig_error_release (&e2);
		}
	}
	free (id);
	free (upper);
	dmig_container_free (cfg);
	return ret;
}

/* ---- move ---- */

#define MOVE_CKPT "dmig-move"

static int
move_ckpt_path (struct dmig_engine *e, const char *id, const char *tail, char *path, size_t cap, dmig_error_t *err)
{
	return dmig_engine_path (e, false, path, cap, err, "/containers/%s/checkpoints%r", id, tail);
}

/* Before anything changes: the target keeps layers and images as this
 * host does. An image's ID is its config's digest in the graph driver's
 * store and its manifest's in containerd's image store, so an image saved
 * from one arrives in the other with another ID (and no container is made
 * from the image it was made from). Without a container: this host's
 * storage against the target's. */
static enum dmig_verdict
storage_there (struct dmig_move *m, char *detail, size_t cap, dmig_error_t *err)
{
	const char *there = dmig_ssh_name (m->ssh), *name = m->name;
	bool store_here, store_there;

	if (docker_root (m->dst, err) < 0 || (m->ctr == NULL && docker_root (m->src, err) < 0))
		return DMIG_CHECK_ERROR;
	store_here = m->ctr ? m->ctr->snapshot : strcmp (m->src->driver, SNAPSHOTTER) == 0;
	store_there = strcmp (m->dst->driver, SNAPSHOTTER) == 0;
	if (!store_there && strcmp (m->dst->driver, "overlay2") != 0) {
		dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                "Docker on %s uses the '%s' storage driver: dmig carries only overlay2 layers and "
		                "overlayfs ones of containerd's image store",
		                there, m->dst->driver);
		return DMIG_CHECK_FAIL;
	}
	if (store_here != store_there) {
		char what[64];
		snprintf (what, sizeof (what), "container '%s' is", name ? name : "?");
		dmig_error_set (
		    err, DMIG_EPREFLIGHT, 0,
		    "%s in %s here, and Docker on %s keeps %s: an image has another ID in each (its "
		    "config's digest in the graph driver's store, its manifest's in containerd's), so its image cannot "
		    "arrive there as the one it was made from; move it between Dockers of one storage kind "
		    "(\"features\": {\"containerd-snapshotter\": ...} in daemon.json)",
		    m->ctr ? what : "Docker keeps its images",
		    store_here ? "containerd's image store (overlayfs)" : "Docker's overlay2 storage", there,
		    store_there ? "containerd's image store (overlayfs)" : "overlay2 storage");
		return DMIG_CHECK_FAIL;
	}
	snprintf (detail, cap, "%s here and on %s", store_here ? "containerd's image store (overlayfs)" : "overlay2",
	          there);
	return DMIG_CHECK_OK;
}

/* The clone starts from the checkpoint there: Docker 28 cannot start one
 * of a container on networks. */
static enum dmig_verdict
netns_there (struct dmig_move *m, char *detail, size_t cap, dmig_error_t *err)
{
	if (docker_restorable (m->dst, m->ctr, "container runs", err) < 0)
		return DMIG_CHECK_FAIL;
	snprintf (detail, cap, "Docker %s on %s starts it from a checkpoint (network mode '%s')", m->dst->version,
	          dmig_ssh_name (m->ssh),
	          m->ctr->network_mode && *m->ctr->network_mode ? m->ctr->network_mode : "default");
	return DMIG_CHECK_OK;
}

static const struct dmig_move_check move_checks[] = {
    {.name = "storage-there", .run = storage_there},
    {.name = "netns-there", .needs = DMIG_NEED_CONTAINER, .run = netns_there},
    {.name = NULL},
};

static int
move_prepare (struct dmig_move *m, dmig_error_t *err)
{
	struct dmig_docker_move *dm = calloc (1, sizeof (*dm));

	if (dm == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	m->priv = dm;
	if (docker_root (m->dst, err) < 0 || docker_root (m->src, err) < 0)
		return -1;
	/* the named volumes are made on the target already (the clone mounts them) */
	if (create_clone (m->dst, m->ctr, image_ref (m->dst, m->ctr->image_id, m->ctr->image_name), m->name,
	                  &dm->clone_id, &dm->clone_upper, err)
	    < 0)
		return -1;
	/* Every folder the ship writes into exists before the freeze: one
	 * command now instead of one for each while the container is down. */
	if (asprintf (&dm->clone_ckpt, "%s/containers/%s/checkpoints/" MOVE_CKPT, m->dst->root, dm->clone_id) < 0) {
		dm->clone_ckpt = NULL;
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	}
	char *argv[DMIG_MEMBERS_MAX + 5] = {"mkdir", "-p", "--", dm->clone_ckpt, dm->clone_upper};
	for (size_t i = 0; i < m->nvolumes && i < DMIG_MEMBERS_MAX; i++)
		argv[5 + i] = m->volumes[i].there;
	/* the log first: the start-up of the command that will append its
	 * last lines then overlaps this one's, not the freeze */
	if (dmig_docker_log_prepare (m, err) < 0)
		return -1;
	return dmig_ssh_run (m->ssh, argv, NULL, 0, DMIG_API_TIMEOUT_MS, err);
}

static int
move_freeze (struct dmig_move *m, dmig_error_t *err)
{
	const char *id = m->ctr->id;
	/* Docker 28 cannot start this container again from its own checkpoint
	 * (the network namespace): it stays paused until the move is done,
	 * and a resume unpauses it */
	bool paused = !resumes_in_place (m->src, m->ctr);
	json_object *body;
	char path[1024];
	int r;

	if (set_restart (m->src, id, NULL, err) < 0)
		return -1;
	/* a stale checkpoint of an earlier move would be refused */
	if (move_ckpt_path (m->src, id, "/" MOVE_CKPT, path, sizeof (path), err) < 0)
		return -1;
	dmig_engine_call (m->src, "DELETE", path, NULL, DMIG_API_TIMEOUT_MS, NULL, NULL);
	if (paused && pause_call (m->src, id, "pause", err) < 0) {
		dmig_error_wrap (err, "cannot pause the container");
		if (set_restart (m->src, id, m->ctr, NULL) < 0)
			dmig_log_warn ("could not give container '%s' its restart policy back", m->name);
		return -1;
	}
	/* into the container's own checkpoints: resuming it needs them there */
	body = json_object_new_object ();
	json_object_object_add (body, "CheckpointID", json_object_new_string (MOVE_CKPT));
	json_object_object_add (body, "Exit", json_object_new_boolean (!paused));
	r = move_ckpt_path (m->src, id, "", path, sizeof (path), err) < 0
	        ? -1
	        : ckpt_post (m->src, id, path, body, true, err);
	json_object_put (body);

	if (r < 0) {
		struct dmig_container *now = NULL;
		dmig_criu_explain (err, m->src->host);
		dmig_error_wrap (err, "checkpoint failed");
		if (paused && pause_call (m->src, id, "unpause", NULL) < 0)
			m->frozen = true; /* the undo tries again */
		/* normally it still runs; if not, the move's undo resumes it */
		if (dmig_engine_inspect (m->src, id, &now, NULL) == 0 && now && !now->running)
			m->frozen = true;
		else if (set_restart (m->src, id, m->ctr, NULL) < 0)
			dmig_log_warn ("could not give container '%s' its restart policy back", m->name);
		dmig_container_free (now);
		return -1;
	}
	m->frozen = true;
	return 0;
}

static int
move_ship (struct dmig_move *m, dmig_error_t *err)
{
	struct dmig_docker_move *dm = m->priv;
	struct dmig_send sends[DMIG_MEMBERS_MAX + 2];
	char src[PATH_MAX], whats[DMIG_MEMBERS_MAX][DMIG_SHIP_WHAT_MAX];
	struct dmig_docker_log_ship ls;
	size_t n = 0;

	/* first the log's last lines: their writer there ends while the rest goes */
	if (dmig_docker_log_tail (m, &ls, err) < 0)
		return -1;
	snprintf (src, sizeof (src), "%s/containers/%s/checkpoints/" MOVE_CKPT, m->src->root, m->ctr->id);
	sends[n++] =
	    (struct dmig_send){.dir = src, .dest = dm->clone_ckpt, .what = "the checkpoint", .mode = DMIG_PACK_FILES};
	sends[n++] = (struct dmig_send){
	    .dir = m->ctr->upper, .dest = dm->clone_upper, .what = "the writable layer", .mode = DMIG_PACK_LAYER};
	n += dmig_ship_volume_sends (m->volumes, m->nvolumes, sends + n, whats);
	if (dmig_ship_dirs (m->ssh, sends, n, &m->bytes_sent, err) < 0) {
		dmig_docker_log_close (m);
		return -1;
	}
	return dmig_docker_log_end (m, &ls, err);
}

static int
move_restore (struct dmig_move *m, dmig_error_t *err)
{
	struct dmig_docker_move *dm = m->priv;

	if (start_from (m->dst, dm->clone_id, MOVE_CKPT, err) < 0)
		return dmig_error_wrap (err, "on %s", dmig_ssh_name (m->ssh));
	return 0;
}

/* On the target, once the clone runs (or failed to): containerd's copy of
 * its checkpoint, then the checkpoint itself. */
static void
forget_target_checkpoint (struct dmig_move *m)
{
	struct dmig_docker_move *dm = m->priv;
	char path[1024];

	if (dm == NULL || dm->clone_id == NULL || dm->clone_ckpt == NULL || m->dst == NULL)
		return;
	forget_containerd_copy (m->dst, dm->clone_ckpt);
	if (move_ckpt_path (m->dst, dm->clone_id, "/" MOVE_CKPT, path, sizeof (path), NULL) == 0)
		dmig_engine_call (m->dst, "DELETE", path, NULL, DMIG_API_TIMEOUT_MS, NULL, NULL);
}

static int
move_discard (struct dmig_move *m, dmig_error_t *err)
{
	struct dmig_docker_move *dm = m->priv;
	/* a clone whose ID was not noted yet goes by its name (the checks made
	 * sure the target had none of that name) */
	const char *clone = dm && dm->clone_id ? dm->clone_id : m->name;

	dmig_docker_log_close (m);
	forget_target_checkpoint (m);
	if (dmig_engine_remove (m->dst, clone, err) < 0)
		return dmig_error_wrap (err, "could not remove the half-made container %.12s on %s", clone,
		                        dmig_ssh_name (m->ssh));
	return 0;
}

static int
move_resume (struct dmig_move *m, dmig_error_t *err)
{
	struct dmig_container *now = NULL;
	int r = 0;

	/* held paused by the freeze: unpaused; stopped: from its checkpoint;
	 * running already (a checkpoint that did not stop it, a resume a
	 * recovery repeats): only its restart policy is given back */
	if (dmig_engine_inspect (m->src, m->ctr->id, &now, err) < 0)
		return dmig_error_wrap (err, "container '%s' may be paused or stopped here", m->name);
	if (now && now->running && now->paused && pause_call (m->src, m->ctr->id, "unpause", err) < 0)
		r = dmig_error_wrap (err, "container '%s' stays paused here: 'docker unpause %s' resumes it", m->name,
		                     m->name);
	else if (now && !now->running && start_from (m->src, m->ctr->id, MOVE_CKPT, err) < 0)
		r = dmig_error_wrap (err,
		                     "container '%s' is stopped here with its checkpoint kept: 'docker start "
		                     "--checkpoint " MOVE_CKPT " %s' tries again",
		                     m->name, m->name);
	dmig_container_free (now);
	if (r < 0)
		return -1;
	if (set_restart (m->src, m->ctr->id, m->ctr, err) < 0)
		dmig_log_warn ("container '%s' runs again, without its restart policy", m->name);
	dmig_error_release (err);
	return 0;
}

static int
move_finish (struct dmig_move *m, dmig_error_t *err)
{
	char path[1024];

	forget_target_checkpoint (m);
	if (!m->o->keep_source)
		return dmig_engine_remove (m->src, m->ctr->id, err);
	/* kept, stopped (one the freeze held paused: killed, as a checkpoint's
	 * exit would have), its restart policy "no" since the freeze */
	if (!resumes_in_place (m->src, m->ctr) && docker_unhold (m->src, m->ctr, true, err) < 0)
		return -1;
	if (move_ckpt_path (m->src, m->ctr->id, "/" MOVE_CKPT, path, sizeof (path), NULL) == 0)
		dmig_engine_call (m->src, "DELETE", path, NULL, DMIG_API_TIMEOUT_MS, NULL, NULL);
	return 0;
}

static json_object *
move_save (const struct dmig_move *m)
{
	const struct dmig_docker_move *dm = m->priv;
	json_object *j;

	if (dm == NULL)
		return NULL;
	j = json_object_new_object ();
	if (dm->clone_id)
		json_object_object_add (j, "clone_id", json_object_new_string (dm->clone_id));
	if (dm->clone_upper)
		json_object_object_add (j, "clone_upper", json_object_new_string (dm->clone_upper));
	if (dm->clone_ckpt)
		json_object_object_add (j, "clone_ckpt", json_object_new_string (dm->clone_ckpt));
	return j;
}

static int
move_load (struct dmig_move *m, json_object *state, dmig_error_t *err)
{
	struct dmig_docker_move *dm = calloc (1, sizeof (*dm));
	const char *id = dmig_json_str (state, "clone_id"), *ck = dmig_json_str (state, "clone_ckpt");

	if (dm == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	m->priv = dm;
	/* it goes into a URL there: an ID only */
	if (id && *id && strspn (id, "0123456789abcdef") == strlen (id))
		dm->clone_id = strdup (id);
	/* the checkpoint's folder there, where the move put it */
	if (ck && ck[0] == '/' && strstr (ck, "/..") == NULL && strcspn (ck, "\n") == strlen (ck) && dm->clone_id
	    && strstr (ck, dm->clone_id) != NULL)
		dm->clone_ckpt = strdup (ck);
	return 0;
}

static void
move_release (struct dmig_move *m)
{
	struct dmig_docker_move *dm = m->priv;

	if (dm == NULL)
		return;
	dmig_docker_log_close (m);
	free (dm->clone_id);
	free (dm->clone_upper);
	free (dm->clone_ckpt);
	free (dm->clone_log);
	free (dm);
	m->priv = NULL;
}

const struct dmig_move_ops dmig_docker_move = {
    .checks = move_checks,
    .prepare = move_prepare,
    .freeze = move_freeze,
    .ship = move_ship,
    .restore = move_restore,
    .discard = move_discard,
    .resume = move_resume,
    .finish = move_finish,
    .release = move_release,
    .save = move_save,
    .load = move_load,
};

const struct dmig_engine_ops dmig_docker_ops = {
    .kind = "docker",
    .title = "Docker",
    .socket = "/var/run/docker.sock",
    .cli = "docker",
    .cli_url = "-H",
    .identify = docker_identify,
    .api = NULL, /* Docker's, at the version negotiated */
    .parse = docker_parse,
    .locate = docker_locate,
    .check = docker_check,
    .ready = "experimental mode on",
    .runtime = docker_runtime,
    .dirs = docker_dirs,
    .drivers = {"overlay2", SNAPSHOTTER},
    .tcp_established = false,
    .capture = docker_capture,
    .settle = docker_settle,
    .restore = docker_restore,
    .restorable = docker_restorable,
    .unhold = docker_unhold,
    .removed = netfiles_sweep,
    .remove_query = "?force=true&v=false",
    .stop_param = "t",
    .save_path = {"/images/get?names=", ""},
    .load_path = "/images/load?quiet=1",
    .move = &dmig_docker_move,
};
