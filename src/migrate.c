/* The move, top-down: check, prepare, freeze, ship, restore, finish; and
 * after the freeze, on any failure, discard the target's half-made clone
 * and resume the source from its own checkpoint. */
#include "migrate.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "archive_io.h"
#include "cgroup.h"
#include "child.h"
#include "clock.h"
#include "criu.h"
#include "fs.h"
#include "interrupt.h"
#include "log.h"
#include "progress.h"
#include "pump.h"

extern char **environ;

#define REMOTE_CMD_MS (60 * 1000L)
#define SHIP_WAIT_MS  (10 * 60 * 1000L)
#define RECONNECT_MS  (30 * 1000L)

static void
on_signal (int sig)
{
	dmig_interrupt_note (sig);
}

/* Putting things back must not be cut short by the signal that stopped the
 * move: the flag goes, and the signal becomes the move's error (unless the
 * step failed on its own before the signal could cut it short). */
static void
settle_interrupt (dmig_error_t *err)
{
	int sig = dmig_interrupted;

	if (sig == 0)
		return;
	dmig_interrupted = 0;
	if (*err != NULL && strstr ((*err)->msg, "interrupted") == NULL)
		return;
	dmig_error_release (err);
	dmig_error_set (err, DMIG_EFAIL, 0, "interrupted by %s", strsignal (sig));
}

/* SIGINT/SIGTERM do not kill dmig mid-move: they fail the move, which then
 * puts the container back on the source. */
static int
check_interrupt (dmig_error_t *err)
{
	if (dmig_interrupted)
		return dmig_error_set (err, DMIG_EFAIL, 0, "interrupted by %s", strsignal (dmig_interrupted));
	return 0;
}

/* At most this many remote tars at once: sshd allows 10 sessions on one
 * connection (MaxSessions), and the checks and hooks may want one. */
#define SEND_BATCH 6

static int
send_batch (struct dmig_move *m, const struct dmig_send *sends, size_t n, dmig_error_t *err)
{
	int fds[SEND_BATCH], ids[SEND_BATCH], r = 0;
	size_t opened = 0, failed = n;
	char errtext[1024], drain[4096];

	/* Every remote tar starts at once: their start-up times overlap, and
	 * each waits for its stream. */
	for (; opened < n; opened++) {
		char *tar[] = {"tar", "--numeric-owner",          "--xattrs", "--xattrs-include=*", "-xpf", "-",
		               "-C",  (char *)sends[opened].dest, NULL};
		char *const *argv = sends[opened].argv ? sends[opened].argv : tar;
		if (dmig_ssh_open_exec (m->ssh, argv, &fds[opened], &ids[opened], err) < 0) {
			failed = opened;
			r = -1;
			break;
		}
	}
	for (size_t i = 0; i < opened; i++) {
		struct dmig_sink sink = {.fd = fds[i], .progress = 1};
		if (r == 0
		    && (sends[i].feed
		            ? sends[i].feed (sends[i].arg, &sink, err)
		            : dmig_archive_pack_dir (sends[i].dir, (enum dmig_pack_mode)sends[i].mode, &sink, err))
		           < 0) {
			failed = i;
			r = -1;
		}
		m->bytes_sent += sink.bytes;
		shutdown (fds[i], SHUT_WR); /* the end of its stream (or an empty one) */
	}
	/* the remote writers' word decides, even when sending failed */
	for (size_t i = 0; i < opened; i++) {
		int status = -1;
		dmig_error_t e2 = NULL;
		while (read (fds[i], drain, sizeof (drain)) > 0)
			;
		close (fds[i]);
		if (dmig_ssh_wait (m->ssh, ids[i], SHIP_WAIT_MS, &status, errtext, sizeof (errtext), &e2) < 0) {
			if (r == 0 || i <= failed) {
				dmig_error_release (err);
				*err = e2;
				e2 = NULL;
				failed = i;
				r = -1;
			}
			dmig_error_release (&e2);
			continue;
		}
		if (status != 0 && (r == 0 || i <= failed)) {
			dmig_error_release (err);
			errtext[strcspn (errtext, "\n")] = '\0';
			dmig_error_set (err, DMIG_EFAIL, 0, "writing %s on %s failed: %s exited %d%s%s", sends[i].dest,
			                dmig_ssh_name (m->ssh), sends[i].argv ? sends[i].argv[0] : "tar", status,
			                *errtext ? ": " : "", errtext);
			failed = i;
			r = -1;
		}
	}
	if (r < 0 && failed < n)
		dmig_error_wrap (err, "shipping %s", sends[failed].what);
	return r;
}

int
dmig_move_send_dirs (struct dmig_move *m, const struct dmig_send *sends, size_t n, dmig_error_t *err)
{
	for (size_t i = 0; i < n; i += SEND_BATCH)
		if (send_batch (m, sends + i, n - i < SEND_BATCH ? n - i : SEND_BATCH, err) < 0)
			return -1;
	return 0;
}

size_t
dmig_move_volume_sends (struct dmig_move *m, struct dmig_send *sends, char (*whats)[DMIG_SEND_WHAT_MAX])
{
	size_t n = 0;

	for (; n < m->nvolumes && n < DMIG_MEMBERS_MAX; n++) {
		snprintf (whats[n], DMIG_SEND_WHAT_MAX, "volume '%s'", m->volumes[n]);
		sends[n] = (struct dmig_send){
		    .dir = m->volume_srcs[n], .dest = m->volume_dirs[n], .what = whats[n], .mode = DMIG_PACK_TREE};
	}
	return n;
}

int
dmig_move_send_volumes (struct dmig_move *m, dmig_error_t *err)
{
	struct dmig_send sends[DMIG_MEMBERS_MAX];
	char whats[DMIG_MEMBERS_MAX][DMIG_SEND_WHAT_MAX];

	return dmig_move_send_dirs (m, sends, dmig_move_volume_sends (m, sends, whats), err);
}

/* Before the freeze, the named volumes are made on the target, empty; the
 * ship fills them (their root folder's owner and mode too, which an engine's
 * own import would not carry). */
static int
prepare_volumes (struct dmig_move *m, dmig_error_t *err)
{
	json_object *mt;
	const char *vname;

	for (size_t i = 0; !m->o->ignore_volumes && (mt = dmig_next_volume (m->ctr, &i, &vname)) != NULL;) {
		const char *src = dmig_json_str (mt, "Source");
		char *dir = NULL;

		if (src == NULL)
			continue;
		if (m->nvolumes >= DMIG_MEMBERS_MAX)
			return dmig_error_set (err, DMIG_EFAIL, 0, "too many volumes");
		/* the target's: its folder is a path there, never touched here */
		if (dmig_engine_volume_get (m->dst, vname, &dir, err) < 0)
			return dmig_error_wrap (err, "on %s", dmig_ssh_name (m->ssh));
		m->volumes[m->nvolumes] = strdup (vname);
		m->volume_dirs[m->nvolumes] = dir;
		m->volume_srcs[m->nvolumes++] = strdup (src);
	}
	return 0;
}

/* ---- the target ---- */

int
dmig_move_connect (struct dmig_move *m, dmig_error_t *err)
{
	const char *remote = *m->target->socket                          ? m->target->socket
	                     : strcmp (m->src->ops->kind, "docker") == 0 ? DMIG_DOCKER_SOCK
	                                                                 : DMIG_PODMAN_SOCK;
	char local[128], url[160], why[1536];

	if (dmig_ssh_connect (m->target, NULL, &m->ssh, err) < 0)
		return -1;
	/* the target's engine, through a private local socket */
	if (dmig_ssh_forward_unix (m->ssh, remote, local, sizeof (local), err) < 0)
		return -1;
	snprintf (url, sizeof (url), "unix://%s", local);
	if (dmig_engine_open (url, &m->dst, err) == 0) {
		m->dst->remote = true;
		m->dst->host = m->ssh;
		return 0;
	}
	dmig_ssh_last_error (m->ssh, why, sizeof (why));
	dmig_error_release (err);
	return dmig_error_set (err, DMIG_EPREFLIGHT, 0, "cannot reach the engine at %s on %s%s%s", remote,
	                       dmig_ssh_name (m->ssh), *why ? ": " : "", why);
}

/* After the link died: connect again (for a while) to clean up there. */
static int
reconnect (struct dmig_move *m, dmig_error_t *err)
{
	long long until = dmig_clock_now_ms () + RECONNECT_MS;

	for (;;) {
		dmig_engine_close (m->dst);
		dmig_ssh_close (m->ssh);
		m->dst = NULL;
		m->ssh = NULL;
		dmig_error_release (err);
		if (dmig_move_connect (m, err) == 0)
			return 0;
		if (dmig_clock_now_ms () > until)
			return -1;
		sleep (2);
	}
}

/* ---- hooks ---- */

static int
run_hook (struct dmig_move *m, const char *cmd, const char *phase, dmig_error_t *err)
{
	/* values reach the hook as environment, never pasted into its text */
	const char *const vars[][2] = {{"DMIG_CONTAINER", m->name},
	                               {"DMIG_TARGET", m->target->spec},
	                               {"DMIG_ENGINE", m->src->ops->kind},
	                               {"DMIG_PHASE", phase}};
	char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL}, *env[5] = {NULL};
	struct dmig_child hook = {.argv = argv, .env = env, .timeout_ms = m->o->hook_timeout_s * 1000LL};
	size_t i;
	int status = 0, e;

	if (cmd == NULL)
		return 0;
	for (i = 0; i < 4; i++)
		if (asprintf (&env[i], "%s=%s", vars[i][0], vars[i][1]) < 0) {
			env[i] = NULL;
			break;
		}
	if (i == 4) {
		dmig_debug ("hook %s: %s", phase, cmd);
		status = dmig_child_run (&hook);
	}
	e = errno;
	for (size_t j = 0; j < i; j++)
		free (env[j]);
	if (i < 4)
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	if (status == DMIG_CHILD_NOSTART)
		return dmig_error_set (err, DMIG_EFAIL, e, "cannot run the %s hook", phase);
	if (status == DMIG_CHILD_NOWAIT)
		return dmig_error_set (err, DMIG_EFAIL, e, "waiting for the %s hook", phase);
	if (status == DMIG_CHILD_KILLED)
		return dmig_error_set (err, DMIG_EFAIL, 0, "the %s hook did not finish in %d s and was killed", phase,
		                       m->o->hook_timeout_s);
	if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
		return dmig_error_set (err, DMIG_EFAIL, 0, "the %s hook failed (exit %d)", phase,
		                       WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status));
	return 0;
}

/* ---- checks: nothing has changed yet; a refusal is exit 3 ---- */

static int
check_target_criu (struct dmig_move *m, dmig_error_t *err)
{
	char *ver[] = {"criu", "--version", NULL}, *check[] = {"criu", "check", NULL};
	char out[1024];
	int major, minor;

	if (dmig_ssh_run (m->ssh, ver, out, sizeof (out), REMOTE_CMD_MS, err) < 0) {
		dmig_error_status (err, DMIG_EPREFLIGHT);
		return dmig_error_wrap (err, "CRIU does not run on %s", dmig_ssh_name (m->ssh));
	}
	if (dmig_criu_version_parse (out, NULL, 0, &major, &minor) < 0 || !dmig_criu_version_ok (major, minor)) {
		if (m->o->force)
			dmig_warn ("CRIU on %s is older than %d.%d (--force)", dmig_ssh_name (m->ssh),
			           DMIG_CRIU_MIN_MAJOR, DMIG_CRIU_MIN_MINOR);
		else
			return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
			                       "CRIU on %s is older than %d.%d (--force to try anyway)",
			                       dmig_ssh_name (m->ssh), DMIG_CRIU_MIN_MAJOR, DMIG_CRIU_MIN_MINOR);
	}
	if (dmig_ssh_run (m->ssh, check, out, sizeof (out), REMOTE_CMD_MS, err) < 0) {
		dmig_error_status (err, DMIG_EPREFLIGHT);
		return dmig_error_wrap (err, "CRIU fails 'criu check' on %s", dmig_ssh_name (m->ssh));
	}
	return 0;
}

/* Ask the target's engine for one of its objects (kind: "networks",
 * "volumes"): the HTTP status, or -1 (a refusal) when it cannot be asked. */
static int
target_has (struct dmig_move *m, const char *kind, const char *name, dmig_error_t *err)
{
	json_object *v = NULL;
	char path[512], *q = dmig_http_escape (name);
	int st;

	snprintf (path, sizeof (path), "/v1.41/%s/%s", kind, q ? q : "");
	free (q);
	st = dmig_engine_call (m->dst, "GET", path, NULL, DMIG_API_TIMEOUT_MS, &v, err);
	json_object_put (v);
	return st < 0 ? dmig_error_status (err, DMIG_EPREFLIGHT) : st;
}

/* The container's networks are the target's own: dmig makes none there. */
static int
check_networks (struct dmig_move *m, dmig_error_t *err)
{
	json_object *nets = dmig_json_get (m->ctr, "NetworkSettings.Networks");

	if (nets == NULL || !json_object_is_type (nets, json_type_object))
		return 0;
	json_object_object_foreach (nets, net, ep)
	{
		int st = target_has (m, "networks", net, err);
		(void)ep;
		if (st < 0)
			return -1;
		if (st == 404)
			return dmig_error_set (
			    err, DMIG_EPREFLIGHT, 0,
			    "container '%s' is on network '%s', which %s lacks: create it there first", m->name, net,
			    dmig_ssh_name (m->ssh));
	}
	return 0;
}

static int
checks (struct dmig_move *m, dmig_error_t *err)
{
	json_object *there = NULL, *mounts = dmig_json_get (m->ctr, "Mounts");
	const char *vname;
	char criu[64];

	if (strcmp (m->src->ops->kind, m->dst->ops->kind) != 0)
		return dmig_error_set (
		    err, DMIG_EPREFLIGHT, 0,
		    "the target runs %s, the container runs on %s: dmig moves between engines of one kind",
		    m->dst->ops->kind, m->src->ops->kind);
	if (m->src->ops->move == NULL)
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0, "%s: moving is not supported for this engine yet",
		                       m->src->ops->kind);
	if (dmig_criu_check (criu, sizeof (criu), err) < 0 || m->src->ops->check (m->src, err) < 0
	    || dmig_engine_check_container (m->src, m->ctr, err) < 0)
		return -1;
	if (m->src->ops->move->check && m->src->ops->move->check (m, err) < 0)
		return -1;
	if (m->dst->ops->check (m->dst, err) < 0)
		return dmig_error_wrap (err, "on %s", dmig_ssh_name (m->ssh));
	if (check_target_criu (m, err) < 0)
		return -1;
	if (dmig_engine_inspect (m->dst, m->name, &there, err) < 0)
		return dmig_error_status (err, DMIG_EPREFLIGHT);
	if (there != NULL) {
		json_object_put (there);
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0, "a container named '%s' exists on %s already", m->name,
		                       dmig_ssh_name (m->ssh));
	}
	for (size_t i = 0; mounts && i < json_object_array_length (mounts); i++) {
		json_object *mt = json_object_array_get_idx (mounts, i);
		const char *type = dmig_json_str (mt, "Type"), *src = dmig_json_str (mt, "Source");

		if (type && strcmp (type, "bind") == 0 && src) {
			char *test_argv[] = {"test", "-e", (char *)src, NULL};
			dmig_error_t e2 = NULL;
			if (dmig_ssh_run (m->ssh, test_argv, NULL, 0, REMOTE_CMD_MS, &e2) < 0) {
				dmig_error_release (&e2);
				if (!m->o->force)
					return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
					                       "bind mount source %s does not exist on %s (it is never "
					                       "copied; make it there, or --force)",
					                       src, dmig_ssh_name (m->ssh));
				dmig_warn ("bind mount source %s is missing on the target (--force)", src);
			}
			/* CRIU 4 restores a bind from a symlink only as dmig's setup
			 * makes it (engine.c) */
			char *link_argv[] = {"test", "-L", (char *)src, NULL};
			if (dmig_ssh_run (m->ssh, link_argv, NULL, 0, REMOTE_CMD_MS, &e2) == 0
			    && !dmig_criu_restores_symlinks (m->ssh))
				return dmig_error_set (
				    err, DMIG_EPREFLIGHT, 0,
				    "bind mount source %s is a symlink on %s, which CRIU cannot restore: "
				    "run dmig's setup there (scripts/setup-criu.sh), or make it a real folder or "
				    "file there, not a link",
				    src, dmig_ssh_name (m->ssh));
			dmig_error_release (&e2);
		}
	}
	if (check_networks (m, err) < 0)
		return -1;
	for (size_t i = 0; !m->o->ignore_volumes && dmig_next_volume (m->ctr, &i, &vname) != NULL;) {
		int st = target_has (m, "volumes", vname, err);
		if (st < 0)
			return -1;
		if (st == 200)
			return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
			                       "volume '%s' exists on %s already: dmig will not overwrite it", vname,
			                       dmig_ssh_name (m->ssh));
	}
	return 0;
}

/* ---- the image, before the freeze: save -> load keeps the ID ---- */

struct image_ends {
	struct dmig_engine *src, *dst;
	const char *image;
	json_object *loaded; /* what the target's engine says it loaded */
};

static int
save_image (void *arg, struct dmig_sink *sink, dmig_error_t *err)
{
	struct image_ends *ie = arg;
	return dmig_engine_image_save (ie->src, ie->image, dmig_sink_put, sink, err);
}

static int
load_image (void *arg, int fd, dmig_error_t *err)
{
	struct image_ends *ie = arg;
	return dmig_engine_image_load (ie->dst, dmig_sink_fd_read, &fd, &ie->loaded, err);
}

static int
ship_image (struct dmig_move *m, dmig_error_t *err)
{
	const char *id = dmig_json_str (m->ctr, "Image"), *name = dmig_json_str (m->ctr, "Config.Image");
	struct image_ends ie = {.src = m->src, .dst = m->dst};
	json_object *before = NULL;
	dmig_error_t e2 = NULL;
	uint64_t sent = 0;
	bool have = false;
	int r, ret = -1;

	if (id == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "the container's image is unknown");
	if (dmig_engine_image_exists (m->dst, id, &have, err) < 0)
		return -1;
	if (have)
		return 0;
	if (name == NULL)
		name = dmig_json_str (m->ctr, "ImageName");
	/* by name, so the target gets the tag too; the ID is checked after */
	ie.image = name && *name ? name : id;
	/* what the target has, to tell what the load made */
	if (dmig_engine_image_list (m->dst, &before, err) < 0)
		return dmig_error_wrap (err, "on %s", dmig_ssh_name (m->ssh));
	dmig_debug ("shipping image %s (%s)", id, ie.image);
	/* straight from one engine into the other, nothing on disk */
	r = dmig_pump (save_image, &ie, load_image, &ie, 0, &sent, err);
	m->bytes_sent += sent;
	if (r < 0) {
		dmig_error_wrap (err, "cannot ship image %s to %s", id, dmig_ssh_name (m->ssh));
		goto out;
	}
	if (dmig_engine_image_exists (m->dst, id, &have, err) < 0)
		goto out;
	if (have) {
		ret = 0;
		goto out;
	}
	/* nothing with a wrong ID may stay there, nor take a name there */
	if (dmig_engine_image_unload (m->dst, before, ie.loaded, id, &e2) < 0) {
		dmig_error_set (err, DMIG_EFAIL, 0,
		                "image '%s' arrived on %s with another ID than %s, and undoing its load failed: %s",
		                ie.image, dmig_ssh_name (m->ssh), id, e2->msg);
		dmig_error_release (&e2);
	} else
		dmig_error_set (
		    err, DMIG_EFAIL, 0,
		    "image '%s' arrived on %s with another ID than %s (removed there again): check that '%s' "
		    "still names that image here",
		    ie.image, dmig_ssh_name (m->ssh), id, ie.image);
out:
	json_object_put (ie.loaded);
	json_object_put (before);
	return ret;
}

/* What shipping will carry: memory, writable layer, volumes. */
static uint64_t
estimate (struct dmig_move *m)
{
	const char *upper = dmig_json_str (m->ctr, "GraphDriver.Data.UpperDir");
	uint64_t total = dmig_cgroup_memory ((int)dmig_json_int (m->ctr, "State.Pid", 0));
	json_object *mt;
	const char *vname, *src;

	if (upper)
		total += dmig_fs_tree_size (upper);
	for (size_t i = 0; !m->o->ignore_volumes && (mt = dmig_next_volume (m->ctr, &i, &vname)) != NULL;)
		if ((src = dmig_json_str (mt, "Source")) != NULL)
			total += dmig_fs_tree_size (src);
	return total;
}

static void
phase_done (struct dmig_move *m, enum dmig_phase p, long long *t)
{
	long long now = dmig_clock_now_ms ();
	m->phase_ms[p] += now - *t;
	*t = now;
}

int
dmig_move_run (struct dmig_move *m, dmig_error_t *err)
{
	const struct dmig_move_ops *ops = m->src->ops->move;
	struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
	long long t0 = dmig_clock_now_ms (), t = t0, frozen_at = 0;
	dmig_error_t e2 = NULL;
	char what[700];
	int ret = -1, r;

	if (checks (m, err) < 0)
		return -1;
	phase_done (m, DMIG_PHASE_CHECK, &t);
	snprintf (what, sizeof (what), "move %s to %s", m->name, m->target->spec);
	dmig_progress_begin (what, estimate (m));
	dmig_progress_phase ("prepare");
	sigaction (SIGINT, &sa, &old_int);
	sigaction (SIGTERM, &sa, &old_term);

	/* Before the freeze: everything that can be done while it runs. */
	if (check_interrupt (err) < 0 || ship_image (m, err) < 0 || prepare_volumes (m, err) < 0
	    || (ops->prepare && ops->prepare (m, err) < 0) || check_interrupt (err) < 0) {
		settle_interrupt (err);
		ops->discard (m);
		dmig_error_wrap (err, "the move failed before the freeze; container '%s' runs on here, unchanged",
		                 m->name);
		goto out;
	}
	phase_done (m, DMIG_PHASE_PREPARE, &t);

	frozen_at = t;
	dmig_progress_phase ("freeze");
	/* the engine finishes a checkpoint it began: its end is waited for */
	dmig_interrupt_hold ();
	r = ops->freeze (m, err);
	dmig_interrupt_release ();
	if (r < 0) {
		settle_interrupt (err);
		/* a failed checkpoint leaves the source running; if it stopped
		 * it anyway, resuming below puts it back */
		if (!m->frozen && dmig_engine_running (m->src, dmig_json_str (m->ctr, "Id"))) {
			ops->discard (m);
			dmig_error_wrap (err, "the move failed at the freeze; container '%s' runs on here, unchanged",
			                 m->name);
			goto out;
		}
		m->frozen = true;
		goto undo;
	}
	phase_done (m, DMIG_PHASE_FREEZE, &t);
	dmig_progress_phase ("ship");
	if (check_interrupt (err) < 0 || (ops->ship && ops->ship (m, err) < 0) || check_interrupt (err) < 0)
		goto undo;
	phase_done (m, DMIG_PHASE_SHIP, &t);
	dmig_progress_phase ("restore");
	if (run_hook (m, m->o->hook_pre, "pre-restore", err) < 0 || check_interrupt (err) < 0
	    || ops->restore (m, err) < 0)
		goto undo;
	m->downtime_ms = dmig_clock_now_ms () - frozen_at;
	if (run_hook (m, m->o->hook_post, "post-restore", &e2) < 0) {
		dmig_warn ("%s (the container runs on the target)", e2->msg);
		dmig_error_release (&e2);
	}
	phase_done (m, DMIG_PHASE_RESTORE, &t);
	/* a freeze that streamed into the restore counts as the freeze */
	if (m->frozen_ms > frozen_at && m->frozen_ms - frozen_at <= m->phase_ms[DMIG_PHASE_RESTORE]) {
		m->phase_ms[DMIG_PHASE_FREEZE] += m->frozen_ms - frozen_at;
		m->phase_ms[DMIG_PHASE_RESTORE] -= m->frozen_ms - frozen_at;
	}
	/* Only now, with the container running there, the source goes. */
	dmig_progress_phase ("finish");
	if (ops->finish (m, &e2) < 0) {
		dmig_warn ("the container runs on %s, but cleaning up the source failed: %s", dmig_ssh_name (m->ssh),
		           e2->msg);
		dmig_error_release (&e2);
	}
	phase_done (m, DMIG_PHASE_FINISH, &t);
	ret = 0;
	goto out;
undo:
	dmig_progress_phase ("undo");
	settle_interrupt (err);
	/* The source first: its downtime is what counts. */
	if (ops->resume (m, &e2) < 0) {
		dmig_error_wrap (err, "the move failed, and resuming the container on the source failed too (%s)",
		                 e2->msg);
		dmig_error_release (&e2);
		dmig_error_status (err, DMIG_ELOST);
	} else
		dmig_error_wrap (err, "the move failed; container '%s' runs again on the source", m->name);
	/* Then the target's half-made clone, over a new link if need be. */
	if (!dmig_ssh_alive (m->ssh) && reconnect (m, &e2) < 0) {
		dmig_warn ("could not reach %s again to remove the half-made container '%s' there: %s", m->target->spec,
		           m->name, e2->msg);
		dmig_error_release (&e2);
	} else
		ops->discard (m);
	if (run_hook (m, m->o->hook_failed, "failed-restore", &e2) < 0) {
		dmig_warn ("%s", e2->msg);
		dmig_error_release (&e2);
	}
out:
	dmig_progress_end ();
	sigaction (SIGINT, &old_int, NULL);
	sigaction (SIGTERM, &old_term, NULL);
	m->total_ms = dmig_clock_now_ms () - t0;
	return ret;
}
