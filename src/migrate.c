/* The move, top-down: check, prepare, freeze, ship, restore, finish; and
 * after the freeze, on any failure, discard the target's half-made clone
 * and resume the source from its own checkpoint. */
#include "migrate.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "archive_io.h"
#include "child.h"
#include "clock.h"
#include "fault.h"
#include "fs.h"
#include "image.h"
#include "interrupt.h"
#include "journal.h"
#include "log.h"
#include "progress.h"
#include "preflight.h"
#include "pump.h"
#include "ref.h"
#include "volume.h"

#define RECONNECT_MS (30 * 1000L)

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
	if (*err != NULL && (*err)->code != EINTR)
		return;
	dmig_error_release (err);
	dmig_error_set (err, DMIG_EFAIL, 0, "interrupted by %s", strsignal (sig));
	dmig_error_code (err, EINTR);
}

/* SIGINT/SIGTERM do not kill dmig mid-move: they fail the move, which then
 * puts the container back on the source. */
static int
check_interrupt (dmig_error_t *err)
{
	if (dmig_interrupted) {
		dmig_error_set (err, DMIG_EFAIL, 0, "interrupted by %s", strsignal (dmig_interrupted));
		return dmig_error_code (err, EINTR);
	}
	return 0;
}

/* ---- the journal: what a recovery needs if this dmig is killed ---- */

static json_object *
str_or_null (const char *s)
{
	return s ? json_object_new_string (s) : NULL;
}

/* Write the move's journal as it stands: phase is where it is (prepare,
 * freeze, restore, restored, cleanup). Each step is journaled before it
 * begins, so a recovery undoes at most what a step may have done. */
static int
journal (struct dmig_move *m, const char *phase, dmig_error_t *err)
{
	const struct dmig_move_ops *ops = m->src->ops->move;
	json_object *j = json_object_new_object (), *vols = json_object_new_array ();
	int r;

	json_object_object_add (j, "op", json_object_new_string ("move"));
	json_object_object_add (j, "phase", json_object_new_string (phase));
	json_object_object_add (j, "pid", json_object_new_int ((int)getpid ()));
	json_object_object_add (j, "engine", json_object_new_string (m->src->ops->kind));
	json_object_object_add (j, "container", json_object_new_string (m->name));
	json_object_object_add (j, "target", json_object_new_string (m->target->spec));
	json_object_object_add (j, "keep_source", json_object_new_boolean (m->o->keep_source));
	json_object_object_add (j, "ignore_volumes", json_object_new_boolean (m->o->ignore_volumes));
	json_object_object_add (j, "staging", str_or_null (m->staging));
	/* the container as it was: a resume gives back what the freeze changed */
	json_object_object_add (j, "inspect", json_object_get (m->ctr->raw));
	for (size_t i = 0; i < m->nvolumes; i++) {
		json_object *v = json_object_new_object ();
		json_object_object_add (v, "name", str_or_null (m->volumes[i].name));
		json_object_object_add (v, "here", str_or_null (m->volumes[i].here));
		json_object_object_add (v, "there", str_or_null (m->volumes[i].there));
		json_object_array_add (vols, v);
	}
	json_object_object_add (j, "volumes", vols);
	json_object_object_add (j, "engine_state", ops->save ? ops->save (m) : NULL);
	r = dmig_journal_write (m->src->ops->kind, m->name, j, err);
	json_object_put (j);
	return r;
}

/* Before the freeze, the named volumes are made on the target, empty; the
 * ship fills them (their root folder's owner and mode too, which an engine's
 * own import would not carry). */
static int
prepare_volumes (struct dmig_move *m, dmig_error_t *err)
{
	const struct dmig_mount *mt;

	for (size_t i = 0; !m->o->ignore_volumes && (mt = dmig_container_next_volume (m->ctr, &i)) != NULL;) {
		struct dmig_ship_volume *v = &m->volumes[m->nvolumes];
		char *dir = NULL;

		if (mt->source == NULL)
			continue;
		if (m->nvolumes >= DMIG_MEMBERS_MAX)
			return dmig_error_set (err, DMIG_EFAIL, 0, "too many volumes");
		v->name = strdup (mt->name);
		v->here = strdup (mt->source);
		m->nvolumes++;
		if (v->name == NULL || v->here == NULL)
			return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
		/* journaled before it is made: a recovery removes it there */
		if (journal (m, "prepare", err) < 0)
			return -1;
		/* the target's: its folder is a path there, never touched here */
		if (dmig_volume_get (m->dst, mt->name, &dir, err) < 0)
			return dmig_error_wrap (err, "on %s", dmig_ssh_name (m->ssh));
		v->there = dir;
	}
	return 0;
}

/* What the move made on the target goes: the engine's clone, then the
 * volumes made before it (the checks made sure none was there before).
 * Fails (with the first error) when something is left there. */
static int
discard (struct dmig_move *m, dmig_error_t *err)
{
	dmig_error_t e2 = NULL;
	int r = m->src->ops->move->discard (m, err);

	for (size_t i = 0; i < m->nvolumes; i++)
		if (dmig_volume_remove (m->dst, m->volumes[i].name, &e2) < 0) {
			dmig_log_warn ("could not remove volume '%s' on %s%s%s", m->volumes[i].name,
			               dmig_ssh_name (m->ssh), e2 ? ": " : "", e2 ? e2->msg : "");
			if (r == 0 && err && *err == NULL) {
				*err = e2;
				e2 = NULL;
			}
			dmig_error_release (&e2);
			r = -1;
		}
	return r;
}

/* The source runs: the target's clean-up, which failed (why), is left to
 * 'dmig recover' (its journal says so). */
static void
cleanup_later (struct dmig_move *m, dmig_error_t *why)
{
	dmig_error_t e2 = NULL;

	dmig_log_warn ("what the move made on %s is left there (%s): 'dmig recover %s' removes it once %s answers",
	               m->target->spec, *why ? (*why)->msg : "it does not answer", m->name, m->target->spec);
	dmig_error_release (why);
	if (journal (m, "cleanup", &e2) < 0) {
		dmig_log_warn ("%s", e2->msg);
		dmig_error_release (&e2);
	}
}

/* Discard, then drop the journal, or keep its clean-up for later. */
static void
discard_or_later (struct dmig_move *m)
{
	dmig_error_t e2 = NULL;

	if (discard (m, &e2) < 0)
		cleanup_later (m, &e2);
	else
		dmig_journal_remove (m->src->ops->kind, m->name);
}

void
dmig_migrate_release (struct dmig_move *m)
{
	if (m->src && m->src->ops->move && m->src->ops->move->release)
		m->src->ops->move->release (m);
	for (size_t i = 0; i < m->nvolumes; i++) {
		free (m->volumes[i].name);
		free (m->volumes[i].here);
		free (m->volumes[i].there);
	}
	m->nvolumes = 0;
	dmig_engine_close (m->dst);
	dmig_ssh_close (m->ssh);
	m->dst = NULL;
	m->ssh = NULL;
}

/* ---- the target ---- */

const char *
dmig_migrate_remote_socket (const struct dmig_move *m)
{
	/* the engine of the source's kind, where it listens unless told */
	return *m->target->socket ? m->target->socket : m->src->ops->socket;
}

int
dmig_migrate_connect_engine (struct dmig_move *m, dmig_error_t *err)
{
	const char *remote = dmig_migrate_remote_socket (m);
	char local[128], url[160], why[1536];
	struct dmig_engine_dial dial;

	/* the target's engine, through a private local socket: forwarded, or
	 * bridged by the engine's own CLI there, told the same socket (not
	 * the target's DOCKER_HOST, context or CONTAINER_HOST) */
	dmig_engine_dial (m->src->ops, remote, &dial);
	if (dmig_ssh_forward_unix (m->ssh, remote, dial.argv[0] ? dial.argv : NULL, local, sizeof (local), err) < 0)
		return -1;
	snprintf (url, sizeof (url), "unix://%s", local);
	if (dmig_engine_open (url, &m->dst, err) == 0) {
		m->dst->remote = true;
		m->dst->host = m->ssh;
		return 0;
	}
	/* it answered, and what it said is the reason (no API version in
	 * common, no engine) */
	if (err && *err && ((*err)->code == ENOTSUP || (*err)->code == EPROTO))
		return dmig_error_wrap (err, "the engine at %s on %s", remote, dmig_ssh_name (m->ssh));
	dmig_ssh_last_error (m->ssh, why, sizeof (why));
	dmig_error_release (err);
	return dmig_error_set (err, DMIG_EPREFLIGHT, 0, "cannot reach the engine at %s on %s%s%s", remote,
	                       dmig_ssh_name (m->ssh), *why ? ": " : "", why);
}

int
dmig_migrate_connect (struct dmig_move *m, dmig_error_t *err)
{
	if (dmig_ssh_connect (m->target, NULL, &m->ssh, err) < 0)
		return -1;
	return dmig_migrate_connect_engine (m, err);
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
		if (dmig_migrate_connect (m, err) == 0)
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
		dmig_log_debug ("hook %s: %s", phase, cmd);
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
	return dmig_image_save (ie->src, ie->image, dmig_sink_put, sink, err);
}

static int
load_image (void *arg, int fd, dmig_error_t *err)
{
	struct image_ends *ie = arg;
	return dmig_image_load (ie->dst, dmig_sink_fd_read, &fd, &ie->loaded, err);
}

static int
ship_image (struct dmig_move *m, dmig_error_t *err)
{
	const char *id = m->ctr->image_id, *name = m->ctr->image_name;
	struct image_ends ie = {.src = m->src, .dst = m->dst};
	json_object *before = NULL;
	dmig_error_t e2 = NULL;
	uint64_t sent = 0;
	bool have = false;
	int r, ret = -1;

	if (id == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "the container's image is unknown");
	if (dmig_image_exists (m->dst, id, &have, err) < 0)
		return -1;
	if (have)
		return 0;
	/* by name, so the target gets the tag too; the ID is checked after */
	ie.image = name && *name ? name : id;
	/* what the target has, to tell what the load made */
	if (dmig_image_list (m->dst, &before, err) < 0)
		return dmig_error_wrap (err, "on %s", dmig_ssh_name (m->ssh));
	dmig_log_debug ("shipping image %s (%s)", id, ie.image);
	/* straight from one engine into the other, nothing on disk */
	r = dmig_pump (save_image, &ie, load_image, &ie, 0, &sent, err);
	m->bytes_sent += sent;
	if (r < 0) {
		dmig_error_wrap (err, "cannot ship image %s to %s", id, dmig_ssh_name (m->ssh));
		goto out;
	}
	if (dmig_image_exists (m->dst, id, &have, err) < 0)
		goto out;
	if (have) {
		ret = 0;
		goto out;
	}
	/* nothing with a wrong ID may stay there, nor take a name there */
	if (dmig_image_unload (m->dst, before, ie.loaded, id, &e2) < 0) {
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

static void
phase_done (struct dmig_move *m, enum dmig_phase p, long long *t)
{
	long long now = dmig_clock_now_ms ();
	m->phase_ms[p] += now - *t;
	*t = now;
}

int
dmig_migrate_run (struct dmig_move *m, dmig_error_t *err)
{
	const struct dmig_move_ops *ops = m->src->ops->move;
	struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
	long long t0 = dmig_clock_now_ms (), t = t0, frozen_at = 0;
	dmig_error_t e2 = NULL;
	char what[700];
	int ret = -1, r;

	/* nothing has changed yet: a refusal is exit 3 */
	if (dmig_preflight_move (m, err) < 0)
		return -1;
	dmig_fault ("move:check");
	if (journal (m, "prepare", err) < 0)
		return dmig_error_wrap (err, "move refused, nothing was changed");
	phase_done (m, DMIG_PHASE_CHECK, &t);
	snprintf (what, sizeof (what), "move %s to %s", m->name, m->target->spec);
	/* what shipping will carry: memory, writable layer, volumes */
	dmig_progress_begin (what, dmig_container_footprint (m->ctr, !m->o->ignore_volumes));
	dmig_progress_phase ("prepare");
	sigaction (SIGINT, &sa, &old_int);
	sigaction (SIGTERM, &sa, &old_term);

	/* Before the freeze: everything that can be done while it runs. */
	if (check_interrupt (err) < 0 || ship_image (m, err) < 0 || (dmig_fault ("move:image"), 0)
	    || prepare_volumes (m, err) < 0 || (ops->prepare && ops->prepare (m, err) < 0)
	    || (dmig_fault ("move:prepare"), 0) || check_interrupt (err) < 0 || journal (m, "freeze", err) < 0) {
		settle_interrupt (err);
		discard_or_later (m);
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
	dmig_fault ("move:freeze");
	if (r < 0) {
		settle_interrupt (err);
		/* a failed checkpoint leaves the source running; if it stopped
		 * it anyway, resuming below puts it back */
		if (!m->frozen && dmig_engine_running (m->src, m->ctr->id)) {
			discard_or_later (m);
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
	dmig_fault ("move:ship");
	phase_done (m, DMIG_PHASE_SHIP, &t);
	dmig_progress_phase ("restore");
	/* from here on, the target may run it: a recovery asks there */
	if (run_hook (m, m->o->hook_pre, "pre-restore", err) < 0 || check_interrupt (err) < 0
	    || (dmig_fault ("move:pre-restore"), 0) || journal (m, "restore", err) < 0 || ops->restore (m, err) < 0)
		goto undo;
	dmig_fault ("move:restore");
	if (journal (m, "restored", &e2) < 0) {
		/* it runs there: the source must not come back, so on */
		dmig_log_warn ("%s", e2->msg);
		dmig_error_release (&e2);
	}
	m->downtime_ms = dmig_clock_now_ms () - frozen_at;
	if (run_hook (m, m->o->hook_post, "post-restore", &e2) < 0) {
		dmig_log_warn ("%s (the container runs on the target)", e2->msg);
		dmig_error_release (&e2);
	}
	dmig_fault ("move:post-restore");
	phase_done (m, DMIG_PHASE_RESTORE, &t);
	/* a freeze that streamed into the restore counts as the freeze */
	if (m->frozen_ms > frozen_at && m->frozen_ms - frozen_at <= m->phase_ms[DMIG_PHASE_RESTORE]) {
		m->phase_ms[DMIG_PHASE_FREEZE] += m->frozen_ms - frozen_at;
		m->phase_ms[DMIG_PHASE_RESTORE] -= m->frozen_ms - frozen_at;
	}
	/* Only now, with the container running there, the source goes. */
	dmig_progress_phase ("finish");
	if (ops->finish (m, &e2) < 0) {
		dmig_log_warn ("the container runs on %s, but cleaning up the source failed: %s",
		               dmig_ssh_name (m->ssh), e2->msg);
		dmig_error_release (&e2);
	}
	dmig_fault ("move:finish");
	phase_done (m, DMIG_PHASE_FINISH, &t);
	dmig_journal_remove (m->src->ops->kind, m->name);
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
		dmig_log_warn ("could not reach %s again to remove the half-made container '%s' there: %s; 'dmig "
		               "recover %s' does once it answers",
		               m->target->spec, m->name, e2->msg, m->name);
		dmig_error_release (&e2);
		/* the source runs: only the target's clean-up is left */
		if ((*err)->status != DMIG_ELOST && journal (m, "cleanup", &e2) < 0)
			dmig_error_release (&e2);
		goto hook;
	}
	/* all put back (or resuming failed: the journal stays for a recovery) */
	if ((*err)->status != DMIG_ELOST)
		discard_or_later (m);
	else if (discard (m, &e2) < 0) {
		dmig_log_warn ("%s", e2->msg);
		dmig_error_release (&e2);
	}
hook:
	if (run_hook (m, m->o->hook_failed, "failed-restore", &e2) < 0) {
		dmig_log_warn ("%s", e2->msg);
		dmig_error_release (&e2);
	}
out:
	dmig_progress_end ();
	sigaction (SIGINT, &old_int, NULL);
	sigaction (SIGTERM, &old_term, NULL);
	m->total_ms = dmig_clock_now_ms () - t0;
	return ret;
}

/* ---- recovery: a move whose dmig was killed ---- */

/* The move as its journal tells it, ready for the engine's steps. */
static int
from_journal (struct dmig_move *m, struct dmig_engine *src, json_object *j, struct dmig_target *target,
              struct dmig_move_opts *o, dmig_error_t *err)
{
	const struct dmig_move_ops *ops = src->ops->move;
	json_object *vols = dmig_json_get (j, "volumes");
	struct dmig_container *ctr = NULL;
	const char *spec = dmig_json_str (j, "target"), *name = dmig_json_str (j, "container");

	if (spec == NULL || name == NULL || dmig_json_get (j, "inspect") == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "the move's journal lacks its target or container");
	if (dmig_target_parse (spec, target, err) < 0
	    || dmig_engine_parse (src->ops, dmig_json_get (j, "inspect"), &ctr, err) < 0)
		return dmig_error_wrap (err, "the move's journal");
	*o = (struct dmig_move_opts){.keep_source = dmig_json_bool (j, "keep_source"),
	                             .ignore_volumes = dmig_json_bool (j, "ignore_volumes")};
	*m = (struct dmig_move){.src = src, .ctr = ctr, .name = ctr->name, .target = target, .o = o};
	for (size_t i = 0; json_object_is_type (vols, json_type_array) && i < json_object_array_length (vols)
	                   && m->nvolumes < DMIG_MEMBERS_MAX;
	     i++) {
		json_object *v = json_object_array_get_idx (vols, i);
		const char *n = dmig_json_str (v, "name"), *here = dmig_json_str (v, "here"),
		           *there = dmig_json_str (v, "there");
		/* a name the journal gives goes into a URL there: a valid one only */
		if (n == NULL || dmig_ref_valid_container (n, NULL) < 0)
			continue;
		m->volumes[m->nvolumes++] = (struct dmig_ship_volume){
		    .name = strdup (n), .here = here ? strdup (here) : NULL, .there = there ? strdup (there) : NULL};
	}
	if (ops->load && dmig_json_get (j, "engine_state") && ops->load (m, dmig_json_get (j, "engine_state"), err) < 0)
		return -1;
	return 0;
}

int
dmig_migrate_recover (struct dmig_engine *src, json_object *j, dmig_error_t *err)
{
	const struct dmig_move_ops *ops = src->ops->move;
	const char *phase = dmig_json_str (j, "phase"), *staging = dmig_json_str (j, "staging");
	struct dmig_target target;
	struct dmig_move_opts o;
	struct dmig_move m = {0};
	bool restoring = phase && strcmp (phase, "restore") == 0, done = phase && strcmp (phase, "restored") == 0;
	bool frozen = phase && (strcmp (phase, "freeze") == 0 || restoring);
	dmig_error_t e2 = NULL;
	int ret = -1;

	if (ops == NULL || from_journal (&m, src, j, &target, &o, err) < 0)
		goto out;
	dmig_log_info ("recovering the move of '%s' to %s, cut short at its %s step", m.name, target.spec,
	               phase ? phase : "first");
	if (staging && dmig_fs_rm_rf (staging, &e2) < 0) {
		dmig_log_warn ("%s", e2->msg);
		dmig_error_release (&e2);
	}
	/* It ran there already: the move is done but for the source. */
	if (done) {
		if (ops->finish (&m, err) < 0)
			goto out;
		dmig_log_info ("container '%s' runs on %s: the move is finished", m.name, target.spec);
		ret = 0;
		goto out;
	}
	if (dmig_migrate_connect (&m, &e2) < 0) {
		if (restoring) {
			/* which copy should run only the target can tell */
			dmig_error_set (
			    err, DMIG_EPREFLIGHT, 0,
			    "the move of container '%s' to %s was cut short while it restored there, and %s "
			    "does not answer (%s): run 'dmig recover %s' once it does",
			    m.name, target.spec, target.spec, e2->msg, m.name);
			dmig_error_release (&e2);
			goto out;
		}
		/* the source is the one: it runs again now; the target's clean-up waits */
		if (frozen && ops->resume (&m, err) < 0)
			goto out;
		if (frozen && journal (&m, "cleanup", NULL) < 0)
			dmig_log_debug ("could not note the clean-up left");
		dmig_error_set (
		    err, DMIG_EFAIL, 0,
		    "container '%s' runs here; what the move made on %s is left there, which does not answer "
		    "(%s): run 'dmig recover %s' once it does",
		    m.name, target.spec, e2->msg, m.name);
		dmig_error_release (&e2);
		goto out;
	}
	if (restoring && dmig_engine_running (m.dst, m.name)) {
		/* the restore went through: the target's copy is the one */
		if (ops->finish (&m, err) < 0)
			goto out;
		dmig_log_info ("container '%s' runs on %s: the move is finished", m.name, target.spec);
		ret = 0;
		goto out;
	}
	/* The source first (a frozen one resumed from its checkpoint), then
	 * what the move made there. */
	if (frozen && ops->resume (&m, err) < 0) {
		dmig_error_wrap (err, "resuming container '%s' from the checkpoint of its move failed", m.name);
		goto out;
	}
	if (discard (&m, &e2) < 0) {
		if (journal (&m, "cleanup", NULL) < 0)
			dmig_log_debug ("could not note the clean-up left");
		dmig_error_set (err, DMIG_EFAIL, 0,
		                "container '%s' runs here; what the move made on %s is left there (%s): run 'dmig "
		                "recover %s' once %s answers",
		                m.name, target.spec, e2->msg, m.name, target.spec);
		dmig_error_release (&e2);
		goto out;
	}
	dmig_log_info ("container '%s' runs here again; nothing of the move is left on %s", m.name, target.spec);
	ret = 0;
out:
	if (ret == 0)
		dmig_journal_remove (src->ops->kind, dmig_json_str (j, "container"));
	m.src = src;
	dmig_migrate_release (&m);
	dmig_container_free ((struct dmig_container *)m.ctr);
	return ret;
}
