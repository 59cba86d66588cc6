/* Podman: the libpod API exports a checkpoint that already holds the
 * writable layer (rootfs diff, deleted files) and named volumes, and restores
 * such an export by import. A consistent snapshot is an export that stops
 * the container, then a restore in place from the kept checkpoint. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive_io.h"
#include "criu.h"
#include "clock.h"
#include "engine.h"
#include "fault.h"
#include "interrupt.h"
#include "log.h"
#include "move.h"
#include "netns.h"
#include "progress.h"
#include "pump.h"
#include "volume.h"

#define API "/v4.0.0/libpod"
/* Established TCP connections are checkpointed and restored, not refused. */
#define CRIU_OPTS "&tcpEstablished=true"

/* With -v, a restore asks for its statistics (printStats: Podman 4.3 and
 * 5.x alike, runc and crun): how long the runtime and CRIU took. Podman
 * fails a restore whose statistics it cannot read, after the fact: only
 * when asked for. */
static const char *
stats_opt (void)
{
	return dmig_log_level () >= DMIG_VERBOSE ? "&printStats=true" : "";
}

/* A restore's answer with printStats (runtime_restore_duration and CRIU's
 * times in microseconds) as one line for -v. */
static void
restore_stats (struct dmig_engine *e, const char *name, json_object *answer)
{
	const char *host = e->remote ? dmig_ssh_name (e->host) : NULL;
	int64_t runtime = dmig_json_int (answer, "runtime_restore_duration", -1);
	int64_t criu = dmig_json_int (answer, "criu_statistics.restore_time", -1);
	int64_t pages = dmig_json_int (answer, "criu_statistics.pages_restored", -1);

	if (runtime < 0 || criu < 0)
		return;
	dmig_log_debug ("podman restored '%s'%s%s: %lld ms in the runtime, of them %lld ms in CRIU (%lld pages)", name,
	                host ? " on " : "", host ? host : "", (long long)(runtime / 1000), (long long)(criu / 1000),
	                (long long)pages);
}

static bool
podman_identify (json_object *version)
{
	return dmig_engine_version_names (version, "Podman");
}

/* libpod's inspect: the image's name and the OCI config are its own. */
static int
podman_parse (json_object *raw, struct dmig_container *c, dmig_error_t *err)
{
	const char *image = dmig_json_str (raw, "ImageName"), *oci = dmig_json_str (raw, "OCIConfigPath");
	const char *runtime = dmig_json_str (raw, "OCIRuntime");

	if (dmig_container_parse_common (raw, c, err) < 0)
		return -1;
	if ((c->image_name == NULL && image && (c->image_name = strdup (image)) == NULL)
	    || (oci && (c->oci_config = strdup (oci)) == NULL)
	    || (runtime && *runtime && (c->runtime = strdup (runtime)) == NULL)) {
		dmig_container_clear (c);
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	}
	return 0;
}

static int
podman_check (struct dmig_engine *e, dmig_error_t *err)
{
	if (dmig_engine_must (e, "GET", API "/_ping", NULL, DMIG_API_TIMEOUT_MS, NULL, err) < 0)
		return dmig_error_status (err, DMIG_EPREFLIGHT);
	return 0;
}

/* The runtime Podman restores an imported checkpoint with: its default
 * (/info: host.ociRuntime). The import takes no runtime of its own and
 * gives the new container the default whatever the export's config.dump
 * says (libpod/runtime_ctr.go, initContainerVariables; 4.3 and 5.x alike).
 * Asked once per connection. */
static int
import_runtime (struct dmig_engine *e, const char **out, dmig_error_t *err)
{
	json_object *info = NULL;
	const char *name;
	char path[64];

	if (e->runtime == NULL) {
		if (dmig_engine_path (e, false, path, sizeof (path), err, "/info") < 0
		    || dmig_engine_must (e, "GET", path, NULL, DMIG_API_TIMEOUT_MS, &info, err) < 0)
			return dmig_error_status (err, DMIG_EPREFLIGHT);
		name = dmig_json_str (info, "host.ociRuntime.name");
		if (name == NULL || *name == '\0' || (e->runtime = strdup (name)) == NULL) {
			json_object_put (info);
			return dmig_error_set (
			    err, DMIG_EPREFLIGHT, 0,
			    "Podman %s does not say which runtime it restores with (its /info has no "
			    "host.ociRuntime.name)",
			    e->version);
		}
		json_object_put (info);
	}
	*out = e->runtime;
	return 0;
}

/* /info's host.ociRuntime is the default, the one an import restores with;
 * a container's own (checkpointing here) is the program of that name. */
static int
podman_runtime (struct dmig_engine *e, const struct dmig_container *ctr, bool restore, char *name, size_t ncap,
                char *path, size_t pcap, dmig_error_t *err)
{
	json_object *info = NULL;
	const char *dflt, *dpath, *want;
	char p[64];

	if (dmig_engine_path (e, false, p, sizeof (p), err, "/info") < 0
	    || dmig_engine_must (e, "GET", p, NULL, DMIG_API_TIMEOUT_MS, &info, err) < 0)
		return dmig_error_status (err, DMIG_EPREFLIGHT);
	dflt = dmig_json_str (info, "host.ociRuntime.name");
	dpath = dmig_json_str (info, "host.ociRuntime.path");
	want = !restore && ctr && ctr->runtime ? ctr->runtime : dflt;
	snprintf (name, ncap, "%s", want ? want : "");
	snprintf (path, pcap, "%s", want && dflt && strcmp (want, dflt) == 0 && dpath ? dpath : want ? want : "");
	/* a name or a path, nothing an option parser would take */
	if (*path == '-'
	    || strspn (path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._+-") != strlen (path))
		*path = '\0';
	json_object_put (info);
	if (*name == '\0')
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                       "Podman %s does not say which runtime it runs (its /info has no "
		                       "host.ociRuntime.name)",
		                       e->version);
	return 0;
}

/* The store (layers, images, volumes) and where a restore's upload goes
 * (forget_uploads below). */
static int
podman_dirs (struct dmig_engine *e, char *data, size_t dcap, char *upload, size_t ucap, dmig_error_t *err)
{
	json_object *info = NULL;
	const char *root;
	char p[64];

	if (dmig_engine_path (e, false, p, sizeof (p), err, "/info") < 0
	    || dmig_engine_must (e, "GET", p, NULL, DMIG_API_TIMEOUT_MS, &info, err) < 0)
		return dmig_error_status (err, DMIG_EPREFLIGHT);
	root = dmig_json_str (info, "store.graphRoot");
	snprintf (data, dcap, "%s", root && *root == '/' ? root : "/var/lib/containers/storage");
	snprintf (upload, ucap, "/var/tmp");
	json_object_put (info);
	return 0;
}

/* A checkpoint is restored by the runtime that made it: runc's and crun's
 * are not each other's (measured with Podman 5.8.6, runc 1.3.6, crun 1.28,
 * CRIU 4.2.1: either way CRIU fails with "mnt: No mapping for ...
 * mountpoint"; docs/move.md, "Runtimes"). Podman's own CLI says so too and
 * restores an import with the archive's runtime (cmd/podman/root.go); its
 * API does not. */
static bool
restores (const char *made, const char *with)
{
	return strcmp (made, with) == 0;
}

static int
podman_restorable (struct dmig_engine *e, const struct dmig_container *ctr, const char *what, dmig_error_t *err)
{
	const char *made = ctr->runtime, *with = NULL, *host;
	char where[300], sock[300];

	/* an inspect that does not say: Podman's own restore judges */
	if (made == NULL)
		return 0;
	if (import_runtime (e, &with, err) < 0)
		return -1;
	if (restores (made, with))
		return 0;
	host = e->remote ? dmig_ssh_name (e->host) : NULL;
	snprintf (where, sizeof (where), "%s%s", host ? "on " : "here", host ? host : "");
	if (host)
		snprintf (sock, sizeof (sock), "ssh://%s/run/podman/%s.sock", host, made);
	else
		snprintf (sock, sizeof (sock), "-H unix:///run/podman/%s.sock", made);
	return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
	                       "%s with runtime '%s', but Podman %s restores a checkpoint with its default runtime "
	                       "'%s', which cannot restore %s's: make %s its default %s (containers.conf [engine] "
	                       "runtime, then restart the Podman service), or serve Podman with %s at a socket of "
	                       "its own ('podman --runtime %s system service --time=0 unix:///run/podman/%s.sock') "
	                       "and name that socket (%s)",
	                       what, made, where, with, made, made, host ? "there" : "here", made, made, made, sock);
}

static void
loopback_up (struct dmig_engine *e, const char *name)
{
	struct dmig_container *ctr = NULL;
	dmig_error_t err = NULL;

	/* Podman restores a network namespace with loopback down. */
	if (dmig_engine_inspect (e, name, &ctr, &err) == 0 && ctr != NULL && ctr->pid > 0
	    && dmig_netns_lo_up (ctr->pid, &err) == 0) {
		dmig_container_free (ctr);
		return;
	}
	dmig_log_warn ("container '%s' may have its loopback down%s%s", name, err ? ": " : "", err ? err->msg : "");
	dmig_error_release (&err);
	dmig_container_free (ctr);
}

/* A plain staging file (not a bundle member). */
static int
staging_file (const char *staging, const char *name, int flags, char *path, size_t cap, dmig_error_t *err)
{
	int fd;

	snprintf (path, cap, "%s/%s", staging, name);
	fd = open (path, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return dmig_error_set (err, DMIG_EFAIL, errno, "cannot open '%s'", path);
	return fd;
}

/* Podman 4.3 leaves files the container changed (as opposed to added) out of
 * its export's rootfs-diff.tar (it stats their paths on the host). dmig packs
 * the writable layer itself, while the container is stopped, and puts it in
 * the export in place of Podman's. */
static int
pack_layer (const struct dmig_container *ctr, const char *staging, dmig_error_t *err)
{
	const char *upper = ctr->upper;
	struct dmig_sink sink = {0};
	char path[PATH_MAX];
	int r;

	if (upper == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "the engine's inspect data lacks the container's layer");
	sink.fd = staging_file (staging, "rootfs-diff.tar", O_WRONLY | O_CREAT | O_EXCL, path, sizeof (path), err);
	if (sink.fd < 0)
		return -1;
	r = dmig_archive_pack_dir (upper, DMIG_PACK_FILES, &sink, err);
	if (close (sink.fd) < 0 && r == 0)
		r = dmig_error_set (err, DMIG_EFAIL, errno, "cannot write '%s'", path);
	return r < 0 ? dmig_error_wrap (err, "cannot copy the writable layer") : 0;
}

/* The checkpoint with export, keeping it for a restore in place. */
static int
checkpoint_path (struct dmig_engine *e, char *path, size_t cap, const char *id, bool ignore_volumes, dmig_error_t *err)
{
	return dmig_engine_path (e, false, path, cap, err,
	                         "/containers/%s/checkpoint?export=true&keep=true%r" CRIU_OPTS, id,
	                         ignore_volumes ? "&ignoreVolumes=true" : "");
}

/* dmig's rootfs-diff.tar in staging (pack_layer's), open, and its size. */
static int
open_layer (const char *staging, uint64_t *size, dmig_error_t *err)
{
	char path[PATH_MAX];
	struct stat st;
	int fd = staging_file (staging, "rootfs-diff.tar", O_RDONLY, path, sizeof (path), err);

	if (fd >= 0 && fstat (fd, &st) < 0) {
		dmig_error_set (err, DMIG_EFAIL, errno, "cannot read '%s'", path);
		close (fd);
		return -1;
	}
	if (fd >= 0)
		*size = (uint64_t)st.st_size;
	return fd;
}

/* checkpoint.tar = the export with dmig's rootfs-diff.tar. */
static int
make_member (const char *staging, struct dmig_members *ms, dmig_error_t *err)
{
	char epath[PATH_MAX], dpath[PATH_MAX];
	struct dmig_sink sink;
	uint64_t size = 0;
	int in, diff, r = -1;

	in = staging_file (staging, "export.tar", O_RDONLY, epath, sizeof (epath), err);
	if (in < 0)
		return -1;
	snprintf (dpath, sizeof (dpath), "%s/rootfs-diff.tar", staging);
	diff = open_layer (staging, &size, err);
	if (diff >= 0 && dmig_bundle_member_begin (staging, "checkpoint.tar", &sink, err) == 0) {
		r = dmig_archive_replace_member (in, "rootfs-diff.tar", diff, size, &sink, err);
		if (dmig_bundle_member_end (ms, "checkpoint.tar", &sink, r == 0, r == 0 ? err : NULL) < 0)
			r = -1;
	}
	if (diff >= 0)
		close (diff);
	close (in);
	unlink (epath);
	unlink (dpath);
	return r;
}

/* Checkpoint with export into staging/export.tar, keeping the checkpoint
 * for a restore in place; the container stops. Then, while it is stopped,
 * dmig's copy of its layer. *stopped tells whether the export went through
 * (a failed checkpoint leaves the container running). */
static int
export_stopped (struct dmig_engine *e, const struct dmig_container *ctr, const char *staging, bool ignore_volumes,
                bool *stopped, dmig_error_t *err)
{
	const char *id = ctr->id;
	struct dmig_http_req req = {.method = "POST", .write = dmig_sink_put};
	struct dmig_sink sink = {0};
	char path[PATH_MAX];
	int r;

	*stopped = false;
	if (id == NULL || ctr->name == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "the engine's inspect data lacks the container's name");
	sink.fd = staging_file (staging, "export.tar", O_WRONLY | O_CREAT | O_EXCL, path, sizeof (path), err);
	if (sink.fd < 0)
		return -1;
	if (checkpoint_path (e, path, sizeof (path), id, ignore_volumes, err) < 0) {
		close (sink.fd);
		return -1;
	}
	req.path = path;
	req.arg = &sink;
	r = dmig_engine_stream (e, &req, "checkpoint failed", err);
	if (close (sink.fd) < 0 && r == 0)
		r = dmig_error_set (err, DMIG_EFAIL, errno, "cannot write the checkpoint");
	if (r < 0) {
		/* the dump may have stopped it before the export broke off */
		*stopped = !dmig_engine_running (e, id);
		return -1;
	}
	*stopped = true;
	/* The container is stopped: its layer now agrees with its memory. */
	return pack_layer (ctr, staging, err);
}

/* Start a container again from the checkpoint its export kept. */
static int
resume_in_place (struct dmig_engine *e, const struct dmig_container *ctr, dmig_error_t *err)
{
	const char *id = ctr->id, *name = ctr->name;
	json_object *answer = NULL;
	char path[1024];

	if (dmig_engine_path (e, false, path, sizeof (path), err, "/containers/%s/restore?keep=true" CRIU_OPTS "%r", id,
	                      stats_opt ())
	        < 0
	    || dmig_engine_must (e, "POST", path, NULL, DMIG_CRIU_TIMEOUT_MS, &answer, err) < 0) {
		dmig_criu_explain (err, e->host);
		dmig_error_wrap (err,
		                 "container '%s' is stopped: resuming it from its checkpoint failed; try "
		                 "'podman container restore --keep %s'",
		                 name, name);
		return dmig_error_status (err, DMIG_ELOST);
	}
	restore_stats (e, name, answer);
	json_object_put (answer);
	loopback_up (e, id);
	return 0;
}

/* After a capture whose dmig was killed: running again from the checkpoint
 * the export kept. */
static int
podman_settle (struct dmig_engine *e, const struct dmig_container *was, dmig_error_t *err)
{
	if (!was->running || dmig_engine_running (e, was->id))
		return 0;
	if (resume_in_place (e, was, err) < 0)
		return -1;
	dmig_log_info ("container '%s' runs again from its checkpoint", was->name);
	return 0;
}

static int
podman_capture (struct dmig_engine *e, const struct dmig_container *ctr, const char *staging,
                const struct dmig_capture_opts *o, struct dmig_members *ms, dmig_error_t *err)
{
	bool stopped;
	int r = export_stopped (e, ctr, staging, o->ignore_volumes, &stopped, err);

	dmig_fault ("snapshot:checkpoint");
	if (!stopped)
		return -1;
	if (o->leave_running) {
		dmig_error_t e2 = NULL;
		if (resume_in_place (e, ctr, &e2) < 0) {
			dmig_error_release (err);
			*err = e2;
			return -1;
		}
	}
	if (r < 0)
		return -1;
	return make_member (staging, ms, err);
}

/* An import of an export as container name; the volumes are filled by dmig. */
static int
import_path (struct dmig_engine *e, const char *name, char *path, size_t cap, dmig_error_t *err)
{
	return dmig_engine_path (e, false, path, cap, err,
	                         "/containers/import/restore?import=true&ignoreVolumes=true&name=%s" CRIU_OPTS "%r",
	                         name, stats_opt ());
}

static int
podman_restore (struct dmig_engine *e, json_object *manifest, const char *staging, const struct dmig_restore_opts *o,
                dmig_error_t *err)
{
	const char *name = dmig_json_str (manifest, "container");
	struct dmig_http_req req = {.method = "POST", .read = dmig_sink_fd_read, .content_type = "application/x-tar"};
	struct dmig_container *exists = NULL;
	json_object *answer = NULL;
	char path[1024];
	int fd, r;

	/* the export carries the log as it was at the snapshot (ctr.log) */
	(void)o;
	if (name == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "the snapshot's manifest names no container");
	if (dmig_engine_inspect (e, name, &exists, err) < 0)
		return -1;
	if (exists != NULL) {
		dmig_container_free (exists);
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0, "a container named '%s' exists already", name);
	}
	/* Podman trusts its export: staging holds a bundle dmig has read
	 * through already (stage_bundle: names, links, the layer,
	 * deleted.files, spec.dump's binds) */
	/* The export carries volumes/<name>.tar; dmig fills the volumes itself
	 * so that a volume that exists (rollback) gets the snapshot's content
	 * too. */
	if (dmig_volume_restore_all (e, manifest, staging, "checkpoint.tar", err) < 0
	    || import_path (e, name, path, sizeof (path), err) < 0)
		return -1;
	fd = dmig_bundle_member_open (staging, "checkpoint.tar", err);
	if (fd < 0)
		return -1;
	req.path = path;
	req.arg = &fd;
	r = dmig_engine_stream_answer (e, &req, "restore failed", &answer, err);
	close (fd);
	if (r < 0) {
		dmig_error_t e2 = NULL;
		if (dmig_engine_remove (e, name, &e2) < 0) {
			dmig_log_warn ("could not remove the half-made container '%s': %s", name, e2->msg);
			dmig_error_release (&e2);
		}
		return -1;
	}
	restore_stats (e, name, answer);
	json_object_put (answer);
	loopback_up (e, name);
	return 0;
}

/* ---- move ---- */

/* Without a pre-restore hook (which runs between the ship and the restore)
 * the export streams from the checkpoint straight into the target's import:
 * the freeze happens in pmove_restore. */
static bool
streamed (const struct dmig_move *m)
{
	return m->o->hook_pre == NULL;
}

static int
pmove_freeze (struct dmig_move *m, dmig_error_t *err)
{
	bool stopped;
	int r;

	if (streamed (m))
		return 0;
	r = export_stopped (m->src, m->ctr, m->staging, true, &stopped, err);
	m->frozen = stopped;
	return r;
}

/* With the container stopped: its volumes, into those made on the target
 * (Podman's import would lose their root folder's owner and mode). */
static int
pmove_ship (struct dmig_move *m, dmig_error_t *err)
{
	return streamed (m) ? 0 : dmig_ship_volumes (m->ssh, m->volumes, m->nvolumes, &m->bytes_sent, err);
}

/* The target's loopback, as Podman restores it down: agentless, through
 * nsenter there. */
static void
remote_loopback_up (struct dmig_move *m)
{
	struct dmig_container *ctr = NULL;
	dmig_error_t err = NULL;
	char pid[24];
	char *argv[] = {"nsenter", "-t", pid, "-n", "ip", "link", "set", "lo", "up", NULL};

	if (dmig_engine_inspect (m->dst, m->name, &ctr, &err) == 0 && ctr != NULL && ctr->pid > 0
	    && snprintf (pid, sizeof (pid), "%d", ctr->pid) > 0
	    && dmig_ssh_run (m->ssh, argv, NULL, 0, 30000, &err) == 0) {
		dmig_container_free (ctr);
		return;
	}
	dmig_log_warn ("container '%s' may have its loopback down on the target%s%s", m->name, err ? ": " : "",
	               err ? err->msg : "");
	dmig_error_release (&err);
	dmig_container_free (ctr);
}

/* The export with dmig's rootfs-diff.tar, written as it is made into the
 * target's import: no copy on disk. */
struct import_ends {
	struct dmig_move *m;
	int export, diff;
	uint64_t diff_size;
	struct dmig_sink *out; /* streamed: where the rewritten export goes */
};

static int
rewrite_export (void *arg, struct dmig_sink *sink, dmig_error_t *err)
{
	struct import_ends *ie = arg;
	return dmig_archive_replace_member (ie->export, "rootfs-diff.tar", ie->diff, ie->diff_size, sink, err);
}

static int
import_restore (void *arg, int fd, dmig_error_t *err)
{
	struct import_ends *ie = arg;
	struct dmig_http_req req = {
	    .method = "POST", .read = dmig_sink_fd_read, .arg = &fd, .content_type = "application/x-tar"};
	json_object *answer = NULL;
	char path[1024];

	/* the volumes are there already, filled by dmig */
	if (import_path (ie->m->dst, ie->m->name, path, sizeof (path), err) < 0)
		return -1;
	req.path = path;
	if (dmig_engine_stream_answer (ie->m->dst, &req, "restore failed", &answer, err) < 0)
		return dmig_error_wrap (err, "on %s", dmig_ssh_name (ie->m->ssh));
	restore_stats (ie->m->dst, ie->m->name, answer);
	json_object_put (answer);
	return 0;
}

/* The checkpoint's export as it comes (the first stage of the stream). */
static int
export_to (void *arg, struct dmig_sink *sink, dmig_error_t *err)
{
	struct import_ends *ie = arg;
	struct dmig_http_req req = {.method = "POST", .write = dmig_sink_put, .arg = sink};
	char path[PATH_MAX];

	/* the volumes travel beside it (dmig_ship_volumes) */
	if (checkpoint_path (ie->m->src, path, sizeof (path), ie->m->ctr->id, true, err) < 0)
		return -1;
	req.path = path;
	return dmig_engine_stream (ie->m->src, &req, "checkpoint failed", err);
}

/* Once the export begins, the dump is done and the container stopped: its
 * layer now agrees with its memory. Pack it, then pass the export on with
 * it in place of Podman's (the second stage). */
static int
layer_into_export (void *arg, int fd, dmig_error_t *err)
{
	struct import_ends *ie = arg;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r;

	while (poll (&p, 1, -1) < 0)
		if (errno != EINTR)
			return dmig_error_set (err, DMIG_EFAIL, errno, "waiting for the checkpoint");
	/* the checkpoint is made (or failed): a signal may cut the rest short */
	dmig_interrupt_release ();
	if (!(p.revents & POLLIN))
		return dmig_error_set (err, DMIG_EFAIL, 0, "the checkpoint sent nothing");
	ie->m->frozen = true;
	ie->m->frozen_ms = dmig_clock_now_ms ();
	if (pack_layer (ie->m->ctr, ie->m->staging, err) < 0
	    || dmig_ship_volumes (ie->m->ssh, ie->m->volumes, ie->m->nvolumes, &ie->m->bytes_sent, err) < 0
	    || (ie->diff = open_layer (ie->m->staging, &ie->diff_size, err)) < 0)
		return -1;
	r = dmig_archive_replace_member (fd, "rootfs-diff.tar", ie->diff, ie->diff_size, ie->out, err);
	close (ie->diff);
	ie->diff = -1;
	return r;
}

static int
checkpoint_with_layer (void *arg, struct dmig_sink *sink, dmig_error_t *err)
{
	struct import_ends *ie = arg;

	ie->out = sink;
	return dmig_pump (export_to, ie, layer_into_export, ie, 0, NULL, err);
}

static int
pmove_restore (struct dmig_move *m, dmig_error_t *err)
{
	struct import_ends ie = {.m = m, .diff = -1};
	char path[PATH_MAX];
	uint64_t sent = 0;
	int r = -1;

	if (streamed (m)) {
		/* checkpoint -> layer put in -> the target's import, at once;
		 * Podman finishes a checkpoint it began: its end is waited for */
		dmig_interrupt_hold ();
		r = dmig_pump (checkpoint_with_layer, &ie, import_restore, &ie, 1, &sent, err);
		dmig_interrupt_release ();
	} else {
		ie.export = staging_file (m->staging, "export.tar", O_RDONLY, path, sizeof (path), err);
		if (ie.export < 0)
			return -1;
		ie.diff = open_layer (m->staging, &ie.diff_size, err);
		if (ie.diff >= 0) {
			r = dmig_pump (rewrite_export, &ie, import_restore, &ie, 1, &sent, err);
			close (ie.diff);
		}
		close (ie.export);
	}
	m->bytes_sent += sent;
	if (r < 0)
		return -1; /* each side says where it failed */
	remote_loopback_up (m);
	return 0;
}

/* Podman takes a restore's upload into a temp file (/var/tmp/restoreNNN)
 * that it holds open while it restores and removes when it is done; when
 * Podman dies meanwhile the file (the whole checkpoint: process memory)
 * stays. Those no process holds open are such leftovers. A fixed script:
 * nothing in it comes from the move. */
static void
forget_uploads (struct dmig_move *m)
{
	char *argv[] = {"sh", "-c",
	                "for f in /var/tmp/restore[0-9]*; do [ -f \"$f\" ] && [ ! -L \"$f\" ] || continue; "
	                "[ -n \"$(find /proc/[0-9]*/fd -maxdepth 1 -lname \"$f\" -print -quit 2>/dev/null)\" ] "
	                "|| rm -f -- \"$f\"; done; true",
	                NULL};
	dmig_error_t e2 = NULL;

	if (m->ssh && dmig_ssh_run (m->ssh, argv, NULL, 0, DMIG_API_TIMEOUT_MS, &e2) < 0) {
		dmig_log_debug ("Podman's upload of the checkpoint may be left on %s: %s", dmig_ssh_name (m->ssh),
		                e2->msg);
		dmig_error_release (&e2);
	}
}

static int
pmove_discard (struct dmig_move *m, dmig_error_t *err)
{
	int r = dmig_engine_remove (m->dst, m->name, err);

	forget_uploads (m);
	if (r < 0)
		return dmig_error_wrap (err, "could not remove the half-made container '%s' on %s", m->name,
		                        dmig_ssh_name (m->ssh));
	return 0;
}

static int
pmove_resume (struct dmig_move *m, dmig_error_t *err)
{
	/* a checkpoint that failed before the dump left it running */
	if (dmig_engine_running (m->src, m->ctr->id))
		return 0;
	return resume_in_place (m->src, m->ctr, err);
}

/* The restart policy a kept source would have, when it is not "no". */
static const char *
kept_policy (struct dmig_move *m)
{
	const char *policy = m->ctr->restart_policy;

	if (!m->o->keep_source || policy == NULL || *policy == '\0' || strcmp (policy, "no") == 0)
		return NULL;
	return policy;
}

/* Podman changes a container's restart policy from 5.1 on (update with
 * restartPolicy); before, nothing in its API can. */
static bool
can_set_restart (const struct dmig_engine *e)
{
	int major = 0, minor = 0;

	return sscanf (e->version, "%d.%d", &major, &minor) == 2 && (major > 5 || (major == 5 && minor >= 1));
}

/* The target's import restores with its own default runtime: one that
 * cannot restore the container's runtime's checkpoint is refused unless
 * --force tries all the same. */
static enum dmig_verdict
runtime_there (struct dmig_move *m, char *detail, size_t cap, dmig_error_t *err)
{
	char what[300];

	if (m->ctr->runtime == NULL) {
		snprintf (detail, cap, "not asked: the container's inspect does not name its runtime");
		return DMIG_CHECK_OK;
	}
	snprintf (what, sizeof (what), "container '%s' runs", m->name);
	if (podman_restorable (m->dst, m->ctr, what, err) < 0) {
		if (m->dst->runtime == NULL) /* it could not tell */
			return DMIG_CHECK_ERROR;
		snprintf (detail, cap, "%s (--force: trying all the same)", (*err)->msg);
		return DMIG_CHECK_FAIL;
	}
	snprintf (detail, cap, "Podman %s on %s restores it with runtime '%s'", m->dst->version, dmig_ssh_name (m->ssh),
	          m->dst->runtime   ? m->dst->runtime
	          : m->ctr->runtime ? m->ctr->runtime
	                            : "(its own)");
	return DMIG_CHECK_OK;
}

/* --keep-source promises a source that never comes back beside the moved
 * copy: with a restart policy Podman cannot change, podman-restart would
 * start it again at boot. Refused unless --force. */
static enum dmig_verdict
restart_policy (struct dmig_move *m, char *detail, size_t cap, dmig_error_t *err)
{
	const char *policy = kept_policy (m);

	if (!m->o->keep_source) {
		snprintf (detail, cap, "not asked: the source is removed (no --keep-source)");
		return DMIG_CHECK_OK;
	}
	if (policy == NULL || can_set_restart (m->src)) {
		snprintf (detail, cap, "the kept source's restart policy is 'no'%s",
		          policy ? " once the move sets it" : " already");
		return DMIG_CHECK_OK;
	}
	dmig_error_set (err, DMIG_EPREFLIGHT, 0,
	                "container '%s' has restart policy '%s', which Podman %s cannot change: a kept "
	                "source could start again beside the moved copy; move without --keep-source, "
	                "or --force to keep it with its policy",
	                m->name, policy, m->src->version);
	snprintf (detail, cap,
	          "the kept source '%s' keeps restart policy '%s' (--force): remove it before the host reboots",
	          m->name, policy);
	return DMIG_CHECK_FAIL;
}

static const struct dmig_move_check pmove_checks[] = {
    {.name = "runtime-there", .needs = DMIG_NEED_CONTAINER, .skippable = true, .run = runtime_there},
    {.name = "restart-policy", .needs = DMIG_NEED_CONTAINER, .skippable = true, .run = restart_policy},
    {.name = NULL},
};

static int
pmove_finish (struct dmig_move *m, dmig_error_t *err)
{
	const char *id = m->ctr->id, *policy = kept_policy (m), *now;
	struct dmig_container *ctr = NULL;
	json_object *body;
	dmig_error_t e2 = NULL;
	char path[1024];

	if (!m->o->keep_source)
		return dmig_engine_remove (m->src, id, err);
	if (policy == NULL || !can_set_restart (m->src))
		return 0; /* "no" already, or kept as it is with --force */
	/* the engine's own word on what it did */
	body = json_object_new_object ();
	if (dmig_engine_path (m->src, false, path, sizeof (path), &e2, "/containers/%s/update?restartPolicy=no", id) < 0
	    || dmig_engine_must (m->src, "POST", path, body, DMIG_API_TIMEOUT_MS, NULL, &e2) < 0
	    || dmig_engine_inspect (m->src, id, &ctr, &e2) < 0 || ctr == NULL
	    || ((now = ctr->restart_policy) != NULL && *now && strcmp (now, "no") != 0))
		dmig_log_warn (
		    "the kept source '%s' still has restart policy '%s'%s%s: remove it before the host reboots",
		    m->name, policy, e2 ? ": " : "", e2 ? e2->msg : "");
	dmig_error_release (&e2);
	dmig_container_free (ctr);
	json_object_put (body);
	return 0;
}

const struct dmig_move_ops dmig_podman_move = {
    .checks = pmove_checks,
    .freeze = pmove_freeze,
    .ship = pmove_ship,
    .restore = pmove_restore,
    .discard = pmove_discard,
    .resume = pmove_resume,
    .finish = pmove_finish,
};

const struct dmig_engine_ops dmig_podman_ops = {
    .kind = "podman",
    .title = "Podman",
    .socket = "/run/podman/podman.sock",
    .cli = "podman",
    .cli_url = "--url",
    .identify = podman_identify,
    .api = API,
    .parse = podman_parse,
    .check = podman_check,
    .ready = "its libpod API answers",
    .runtime = podman_runtime,
    .dirs = podman_dirs,
    .drivers = {"overlay"},
    .tcp_established = true,
    .capture = podman_capture,
    .settle = podman_settle,
    .restore = podman_restore,
    .restorable = podman_restorable,
    .remove_query = "?force=true&v=false&timeout=0",
    .stop_param = "timeout",
    .save_path = {"/images/", "/get"},
    .load_path = "/images/load",
    .manifest_type = "ManifestType",
    .save_query = {[DMIG_IMAGE_DOCKER] = "?format=docker-archive", [DMIG_IMAGE_OCI] = "?format=oci-archive"},
    .save_option = {[DMIG_IMAGE_DOCKER] = "--format docker-archive", [DMIG_IMAGE_OCI] = "--format oci-archive"},
    .untag_path = {"/images/", "/untag"},
    .move = &dmig_podman_move,
};
