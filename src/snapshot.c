/* Snapshot, restore and rollback: the engine-independent half. */
#include "snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "check.h"
#include "clock.h"
#include "content.h"
#include "criu.h"
#include "dmig.h"
#include "fault.h"
#include "fs.h"
#include "image.h"
#include "journal.h"
#include "log.h"
#include "policy.h"
#include "ref.h"
#include "store.h"

static json_object *
manifest_new (struct dmig_engine *e, const struct dmig_container *ctr, const char *name, const char *created,
              bool volumes)
{
	json_object *m = json_object_new_object (), *vols = json_object_new_array (), *cfg = NULL;
	const struct dmig_mount *mt;
	const char *image = ctr->image_id, *image_name = ctr->image_name;
	enum dmig_image_format fmt;
	char criu[64];

	if (dmig_criu_check (criu, sizeof (criu), NULL) < 0)
		snprintf (criu, sizeof (criu), "unknown");
	json_object_object_add (m, "format", json_object_new_int (DMIG_BUNDLE_FORMAT));
	json_object_object_add (m, "dmig_version", json_object_new_string (DMIG_VERSION));
	json_object_object_add (m, "engine", json_object_new_string (e->ops->kind));
	json_object_object_add (m, "engine_version", json_object_new_string (e->version));
	json_object_object_add (m, "criu_version", json_object_new_string (criu));
	json_object_object_add (m, "container", json_object_new_string (ctr->name ? ctr->name : ""));
	json_object_object_add (m, "container_id", json_object_new_string (ctr->id ? ctr->id : ""));
	json_object_object_add (m, "name", json_object_new_string (name));
	json_object_object_add (m, "created", json_object_new_string (created));
	json_object_object_add (m, "image", json_object_new_string (image ? image : ""));
	json_object_object_add (m, "image_name", json_object_new_string (image_name ? image_name : ""));
	/* what brings the image to a host that lacks it with its ID (only
	 * where the engine tells) */
	if (image && dmig_image_format_of (e, image, &fmt, NULL) == 0 && dmig_image_format_name (fmt))
		json_object_object_add (m, "image_format", json_object_new_string (dmig_image_format_name (fmt)));
	for (size_t i = 0; volumes && (mt = dmig_container_next_volume (ctr, &i)) != NULL;)
		json_object_array_add (vols, json_object_new_string (mt->name));
	json_object_object_add (m, "volumes", vols);
	/* the engine's own description, which a restore makes the container from */
	json_object_deep_copy (ctr->raw, &cfg, NULL);
	json_object_object_add (m, "config", cfg);
	return m;
}

/* A journal of op on container ctr in store folder dir, at phase; more (may
 * be NULL) adds its members. */
static int
journal (struct dmig_engine *e, const char *op, const char *phase, const char *name, const struct dmig_container *ctr,
         const char *dir, json_object *more, dmig_error_t *err)
{
	json_object *j = json_object_new_object ();
	int r;

	json_object_object_add (j, "op", json_object_new_string (op));
	json_object_object_add (j, "phase", json_object_new_string (phase));
	json_object_object_add (j, "pid", json_object_new_int ((int)getpid ()));
	json_object_object_add (j, "engine", json_object_new_string (e->ops->kind));
	json_object_object_add (j, "container", json_object_new_string (name));
	json_object_object_add (j, "dir", json_object_new_string (dir));
	json_object_object_add (j, "inspect", ctr ? json_object_get (ctr->raw) : NULL);
	if (more) {
		json_object_object_foreach (more, k, v)
		{
			json_object_object_add (j, k, json_object_get (v));
		}
	}
	r = dmig_journal_write (e->ops->kind, name, j, err);
	json_object_put (j);
	return r;
}

int
dmig_snapshot_take (struct dmig_engine *e, const struct dmig_container *ctr, const char *dir,
                    const struct dmig_snapshot_opts *o, struct dmig_snapshot_result *res, dmig_error_t *err)
{
	bool held = false;
	/* a capture that stops it may hold it paused instead: stopped once
	 * the bundle is safe, running on if it is not written */
	struct dmig_capture_opts co = {.leave_running = o->leave_running,
	                               .ignore_volumes = o->ignore_volumes,
	                               .held = o->leave_running ? NULL : &held};
	struct dmig_members *ms = calloc (1, sizeof (*ms));
	struct dmig_sign_key *key = NULL;
	char compact[32], iso[32], path[PATH_MAX], criu[64], what[DMIG_NAME_MAX + 32], *staging = NULL;
	json_object *manifest = NULL;
	dmig_error_t e2 = NULL;
	long long t0 = dmig_clock_now_ms (), tf;
	uint64_t need = 0, avail = 0;
	struct stat st;
	int ret = -1, r;

	memset (res, 0, sizeof (*res));
	if (ms == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	dmig_store_timestamp (compact, iso);
	snprintf (res->name, sizeof (res->name), "%s", o->name ? o->name : compact);
	snprintf (path, sizeof (path), "%s/%s" DMIG_BUNDLE_EXT, dir, res->name);
	/* Two snapshots in one second: the default name gets a suffix. */
	for (int i = 2; o->name == NULL && i < 100 && lstat (path, &st) == 0; i++) {
		snprintf (res->name, sizeof (res->name), "%s-%d", compact, i);
		snprintf (path, sizeof (path), "%s/%s" DMIG_BUNDLE_EXT, dir, res->name);
	}
	if (lstat (path, &st) == 0) {
		ret = dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                      "snapshot '%s@%s' exists already: choose another --name or remove it with prune",
		                      ctr->name, res->name);
		goto out;
	}
	if (dmig_criu_check (criu, sizeof (criu), err) < 0 || e->ops->check (e, err) < 0
	    || dmig_check_container (e, ctr, err) < 0)
		goto out;
	/* taken all the same: it may be rolled back on another host */
	snprintf (what, sizeof (what), "container '%s' runs", ctr->name);
	if (e->ops->restorable && e->ops->restorable (e, ctr, what, &e2) < 0) {
		dmig_log_warn ("rolling this snapshot back here would be refused: %s", e2->msg);
		dmig_error_release (&e2);
	}
	/* staged and then bundled (so twice), plus some room */
	need = 2 * dmig_container_footprint (ctr, !o->ignore_volumes) + (64u << 20);
	if (dmig_fs_free_bytes (dir, &avail, err) < 0)
		goto out;
	if (avail < need) {
		ret = dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                      "not enough free space in %s: %llu MiB free, at least %llu MiB needed", dir,
		                      (unsigned long long)(avail >> 20), (unsigned long long)(need >> 20));
		goto out;
	}
	/* every snapshot is signed by this host (made on first need; one it
	 * may not use is refused before the container is touched) */
	if (dmig_auth_host_key (&key, err) < 0 || dmig_store_staging (dir, &staging, err) < 0)
		goto out;
	manifest = manifest_new (e, ctr, res->name, iso, !o->ignore_volumes);
	if (o->journal) {
		/* a kill from here on leaves it paused or stopped: the journal
		 * knows how it was, and where the staging is */
		json_object *more = json_object_new_object ();
		json_object_object_add (more, "staging", json_object_new_string (staging));
		r = journal (e, "snapshot", "capture", ctr->name, ctr, dir, more, err);
		json_object_put (more);
		if (r < 0)
			goto out;
	}

	tf = dmig_clock_now_ms ();
	r = e->ops->capture (e, ctr, staging, &co, ms, err);
	dmig_fault ("snapshot:captured");
	/* it runs again (or the capture could not bring it back, and said so) */
	if (o->journal && (r == 0 || (*err)->status != DMIG_ELOST))
		dmig_journal_remove (e->ops->kind, ctr->name);
	if (r < 0)
		goto out;
	res->frozen_ms = dmig_clock_now_ms () - tf;
	if (dmig_bundle_write (path, manifest, staging, ms, key, err) < 0)
		goto out;
	if (stat (path, &st) == 0)
		res->bytes = (uint64_t)st.st_size;
	/* written: what held it paused ends as the checkpoint's exit would */
	if (held) {
		held = false;
		if (e->ops->unhold (e, ctr, true, err) < 0) {
			unlink (path);
			held = true;
			goto out;
		}
	}
	res->total_ms = dmig_clock_now_ms () - t0;
	ret = 0;
out:
	if (held) {
		if (e->ops->unhold (e, ctr, false, &e2) < 0) {
			dmig_error_wrap (err, "%s", e2->msg);
			dmig_error_status (err, DMIG_ELOST);
			dmig_error_release (&e2);
		}
	}
	if (staging) {
		if (dmig_fs_rm_rf (staging, &e2) < 0) {
			dmig_log_warn ("%s", e2->msg);
			dmig_error_release (&e2);
		}
		free (staging);
	}
	json_object_put (manifest);
	dmig_sign_key_free (key);
	free (ms);
	return ret;
}

/* A verified bundle unpacked into a staging folder, ready to restore. */
struct staged {
	char *dir;
	json_object *manifest;
	struct dmig_auth auth; /* who signed it */
};

static void
staged_free (struct staged *st)
{
	if (st->dir) {
		dmig_fs_rm_rf (st->dir, NULL);
		free (st->dir);
	}
	json_object_put (st->manifest);
	memset (st, 0, sizeof (*st));
}

/* Nothing in s that a shell would read as more than a word. */
static bool
shell_plain (const char *s)
{
	return *s && strspn (s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/:@") == strlen (s);
}

/* Verify every checksum and that the engine can restore it (kind, image),
 * changing nothing. */
static int
stage_bundle (struct dmig_engine *e, const char *bundle, const char *dir, struct staged *st, dmig_error_t *err)
{
	const char *kind, *image, *hex;
	bool have = false;

	memset (st, 0, sizeof (*st));
	if (dmig_store_staging (dir, &st->dir, err) < 0)
		return -1;
	if (dmig_bundle_unpack (bundle, st->dir, &st->manifest, &st->auth, err) < 0)
		goto fail;
	if (dmig_content_verify (st->manifest, st->dir, err) < 0)
		goto fail;
	kind = dmig_json_str (st->manifest, "engine");
	if (kind == NULL || strcmp (kind, e->ops->kind) != 0) {
		dmig_error_set (err, DMIG_EPREFLIGHT, 0, "'%s' was taken with %s, not %s", bundle, kind ? kind : "?",
		                e->ops->kind);
		goto fail;
	}
	/* a bundle is data: its image ID goes into a URL and a command */
	image = dmig_json_str (st->manifest, "image");
	hex = image && strncmp (image, "sha256:", 7) == 0 ? image + 7 : image;
	if (hex == NULL || !*hex || strspn (hex, "0123456789abcdef") != strlen (hex)) {
		dmig_error_set (err, DMIG_EPREFLIGHT, 0, "'%s' names no valid image ID: the bundle is damaged", bundle);
		goto fail;
	}
	if (dmig_image_exists (e, image, &have, err) < 0)
		goto fail;
	if (!have) {
		const char *iname = dmig_json_str (st->manifest, "image_name"), *ref = image, *opt;
		enum dmig_image_format fmt = dmig_image_format_parse (dmig_json_str (st->manifest, "image_format"));
		char host[256] = "this-host";

		/* the command that brings it with its ID, by name (its tag too)
		 * when the name is a plain word */
		if (iname && *iname && shell_plain (iname))
			ref = iname;
		gethostname (host, sizeof (host) - 1);
		opt = e->ops->save_option[fmt];
		dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                "the snapshot needs image %s (%s), which %s here lacks: on a host that has it run "
		                "'%s save%s%s %s | ssh root@%s %s load', then retry",
		                image, ref == iname ? iname : "no name", e->ops->kind, e->ops->kind, opt ? " " : "",
		                opt ? opt : "", ref, host, e->ops->kind);
		goto fail;
	}
	return 0;
fail:
	staged_free (st);
	return -1;
}

/* What Podman's export in st asks (spec.dump, config.dump) against the
 * manifest's config; a bundle a trusted host signed is what the container
 * was, its export too (the manifest's checksums cover it). */
static int
check_export (const struct staged *st, dmig_error_t *err)
{
	if (st->auth.state == DMIG_AUTH_TRUSTED)
		return 0;
	return dmig_content_export (st->manifest, st->dir, err);
}

static int
restore_bundle (struct dmig_engine *e, const char *bundle, const char *dir, const struct dmig_restore_opts *o,
                dmig_error_t *err)
{
	struct staged st;
	int r;

	if (stage_bundle (e, bundle, dir, &st, err) < 0)
		return -1;
	r = check_export (&st, err);
	if (r == 0)
		r = e->ops->restore (e, st.manifest, st.dir, o, err);
	staged_free (&st);
	return r;
}

int
dmig_snapshot_restore (struct dmig_engine *e, const char *bundle, const char *dir, dmig_error_t *err)
{
	return restore_bundle (e, bundle, dir, NULL, err);
}

/* The bundle is the one its place in the store and the ref name: container
 * name (or ctr, when the ref named it by its ID) of engine e, in dir
 * (<store>/<engine>/<container>) as <snapshot>.dmig, calling itself
 * <snapshot>. A manifest names the container a restore makes. */
static int
check_identity (struct dmig_engine *e, const struct dmig_container *ctr, const char *name, json_object *m,
                const char *bundle, const char *dir, dmig_error_t *err)
{
	const char *base = strrchr (bundle, '/') ? strrchr (bundle, '/') + 1 : bundle;
	const char *mc = dmig_json_str (m, "container"), *mn = dmig_json_str (m, "name"), *cn = NULL;
	size_t n = strlen (base), el = strlen (DMIG_BUNDLE_EXT), dl = strlen (dir);
	char tail[2 * DMIG_NAME_MAX + 8];
	struct dmig_container *cfg = NULL;
	int sn, r = -1;
	bool by_id;

	sn = snprintf (tail, sizeof (tail), "/%s/%s", e->ops->kind, name);
	if (n <= el || strcmp (base + n - el, DMIG_BUNDLE_EXT) != 0 || (size_t)(base - bundle) != dl + 1
	    || strncmp (bundle, dir, dl) != 0 || sn < 0 || dl < (size_t)sn || strcmp (dir + dl - (size_t)sn, tail) != 0)
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0, "'%s' is not in the store folder of %s container '%s'",
		                       bundle, e->ops->kind, name);
	sn = (int)(n - el);
	/* named by its ID: the snapshots of that ID's folder are of its name */
	by_id = ctr && ctr->id && ctr->name && strncmp (ctr->id, name, strlen (name)) == 0;
	if (mc == NULL || (strcmp (mc, name) != 0 && !(by_id && strcmp (mc, ctr->name) == 0)))
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0, "snapshot '%s@%.*s' is one of container '%s', not '%s'",
		                       name, sn, base, mc ? mc : "", name);
	/* the config as the engine reads it: the name it gives the container */
	if (dmig_json_get (m, "config") != NULL
	    && dmig_engine_parse (e->ops, dmig_json_get (m, "config"), &cfg, NULL) == 0)
		cn = cfg->name;
	if (cn && strcmp (cn, mc) != 0)
		dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                "snapshot '%s@%.*s' is one of container '%s', but its config is of '%s'", name, sn,
		                base, mc, cn);
	else if (mn == NULL || strlen (mn) != (size_t)sn || strncmp (mn, base, (size_t)sn) != 0)
		dmig_error_set (err, DMIG_EPREFLIGHT, 0, "snapshot '%s@%.*s' calls itself '%s'", name, sn, base,
		                mn ? mn : "");
	else
		r = 0;
	dmig_container_free (cfg);
	return r;
}

/* The bundle's config against the container's power (policy.h), unless
 * --trust-config takes it or a host this one trusts signed it: then it is
 * the reference for what the container was, here or gone. */
static int
check_policy (const struct dmig_container *ctr, const char *name, const struct staged *st,
              const struct dmig_rollback_opts *o, dmig_error_t *err)
{
	char what[2 * DMIG_NAME_MAX + 2];

	snprintf (what, sizeof (what), "%s@%s", name, dmig_json_str (st->manifest, "name"));
	if (o && o->trust_config)
		return 0;
	if (st->auth.state == DMIG_AUTH_TRUSTED) {
		dmig_log_debug ("snapshot '%s' is signed by %s: its config and volumes are taken as they are", what,
		                st->auth.signer);
		return 0;
	}
	if (dmig_policy_check (ctr, st->manifest, what, err) == 0)
		return 0;
	/* said why a snapshot of another host's is held to this policy */
	if (st->auth.state == DMIG_AUTH_UNKNOWN && *st->auth.key)
		dmig_error_wrap (err, "signed by key %.12s, which this host does not trust (%s/trusted/)", st->auth.key,
		                 dmig_auth_dir ());
	return -1;
}

/* The engine restores the snapshot, and should that fail, the safety
 * snapshot of the container as it runs now: it must be able to restore
 * both (Podman restores every import with its default runtime; Docker 28
 * none whose network namespace it makes). */
static int
check_restorable (struct dmig_engine *e, const struct dmig_container *ctr, bool running, const char *name,
                  json_object *manifest, dmig_error_t *err)
{
	struct dmig_container *cfg = NULL;
	char what[2 * DMIG_NAME_MAX + 32];
	int r = 0;

	if (e->ops->restorable == NULL)
		return 0;
	snprintf (what, sizeof (what), "container '%s' runs", name);
	if (running && e->ops->restorable (e, ctr, what, err) < 0)
		return -1;
	snprintf (what, sizeof (what), "snapshot '%s@%s' was taken", name, dmig_json_str (manifest, "name"));
	if (dmig_engine_parse (e->ops, dmig_json_get (manifest, "config"), &cfg, NULL) == 0)
		r = e->ops->restorable (e, cfg, what, err);
	dmig_container_free (cfg);
	return r;
}

int
dmig_snapshot_rollback (struct dmig_engine *e, const struct dmig_container *ctr, const char *name, const char *bundle,
                        const char *dir, const struct dmig_rollback_opts *o, dmig_error_t *err)
{
	struct dmig_snapshot_opts so = {.leave_running = false};
	struct dmig_snapshot_result safety = {0};
	/* the new container goes on with the log of the one it replaces */
	struct dmig_restore_opts ro = {.log_of = NULL}, back;
	char compact[32], iso[32], safety_name[DMIG_NAME_MAX + 1], safety_path[PATH_MAX] = "", aside[DMIG_NAME_MAX + 1],
	                                                           criu[64];
	struct staged st;
	dmig_error_t e2 = NULL, e3 = NULL;
	bool running = ctr && ctr->running;
	bool renamed = false;
	json_object *more = NULL;
	int ret = -1, r;

	/* Everything that can refuse does so before the container is touched:
	 * CRIU, the engine, what the safety snapshot needs of the container
	 * (also when paused: Podman's paused one does not count as running),
	 * every checksum and the image. */
	if (dmig_criu_check (criu, sizeof (criu), err) < 0 || e->ops->check (e, err) < 0)
		return -1;
	if ((running || (ctr && ctr->paused)) && dmig_check_container (e, ctr, err) < 0)
		return -1;
	if (stage_bundle (e, bundle, dir, &st, err) < 0)
		return -1;
	/* a bundle is data, never authority: it restores this container, with
	 * no more power than it has (or, gone, than the engine gives), unless
	 * a host this one trusts signed it; and Podman's export asks no more
	 * than that config (one a trusted host signed is what it was) */
	if (check_identity (e, ctr, name, st.manifest, bundle, dir, err) < 0
	    || check_restorable (e, ctr, running, name, st.manifest, err) < 0
	    || check_policy (ctr, name, &st, o, err) < 0 || check_export (&st, err) < 0) {
		staged_free (&st);
		return -1;
	}
	dmig_fault ("rollback:unpack");

	dmig_store_timestamp (compact, iso);
	snprintf (safety_name, sizeof (safety_name), "pre-rollback-%s", compact);
	snprintf (aside, sizeof (aside), "%.*s-dmig-old-%.16s", DMIG_NAME_MAX - 26, name, compact);
	/* what a recovery needs if this dmig is killed: each step is journaled
	 * before it begins */
	more = json_object_new_object ();
	json_object_object_add (more, "aside", json_object_new_string (aside));
	json_object_object_add (more, "running", json_object_new_boolean (running));
	json_object_object_add (more, "staging", json_object_new_string (st.dir));
	if (running) {
		snprintf (safety_path, sizeof (safety_path), "%s/%s" DMIG_BUNDLE_EXT, dir, safety_name);
		json_object_object_add (more, "safety", json_object_new_string (safety_path));
	}
	if (journal (e, "rollback", running ? "safety" : "rename", name, ctr, dir, more, err) < 0)
		goto out;
	if (running) {
		/* Memory, files and volumes as they are now, in case the rollback
		 * fails; the checkpoint stops the container. */
		so.name = safety_name;
		if (dmig_snapshot_take (e, ctr, dir, &so, &safety, err) < 0) {
			dmig_error_wrap (err, "cannot take the safety snapshot");
			/* it runs on as it was, or the journal's recovery settles
			 * it (unpaused, its policy, resumed) */
			if ((*err)->status != DMIG_ELOST && dmig_engine_running (e, ctr->id))
				*safety_path = '\0';
			goto out;
		}
		dmig_fault ("rollback:safety");
		if (journal (e, "rollback", "rename", name, ctr, dir, more, err) < 0)
			goto undo;
	}
	/* Keep the old container aside until the new one runs. */
	if (ctr != NULL && dmig_engine_rename (e, name, aside, err) < 0) {
		dmig_error_wrap (err, "cannot move the current container aside");
		goto undo;
	}
	renamed = ctr != NULL;
	dmig_fault ("rollback:rename");
	ro.log_of = renamed ? aside : NULL;
	if (journal (e, "rollback", "restore", name, ctr, dir, more, err) < 0)
		goto undo;
	if (e->ops->restore (e, st.manifest, st.dir, &ro, err) == 0) {
		dmig_fault ("rollback:restore");
		if (ctr != NULL && dmig_engine_remove (e, aside, &e2) < 0) {
			dmig_log_warn ("could not remove the old container '%s': %s", aside, e2->msg);
			dmig_error_release (&e2);
		}
		if (*safety_path && unlink (safety_path) < 0)
			dmig_log_warn ("could not remove the safety snapshot %s: %s", safety_path, strerror (errno));
		dmig_journal_remove (e->ops->kind, name);
		ret = 0;
		goto out;
	}
undo:
	if (ctr == NULL)
		goto out;
	if (!running) {
		if (renamed && dmig_engine_rename (e, aside, name, &e2) < 0) {
			dmig_error_wrap (err, "putting the old container back failed too (%s); it is named '%s'",
			                 e2->msg, aside);
			dmig_error_release (&e2);
			dmig_error_status (err, DMIG_ELOST);
			goto out;
		}
		dmig_error_wrap (err, "rollback failed, container '%s' is as it was", name);
		dmig_journal_remove (e->ops->kind, name);
		goto out;
	}
	/* Stopped by the safety snapshot, under whichever name it has now; set
	 * aside, it goes once the safety snapshot's container has its log
	 * (that container's start matters more than the log). */
	back = (struct dmig_restore_opts){.log_of = aside, .log_optional = true};
	if (renamed)
		r = restore_bundle (e, safety_path, dir, &back, &e2);
	else
		r = dmig_engine_remove (e, name, &e2) < 0 ? -1 : restore_bundle (e, safety_path, dir, NULL, &e2);
	if (renamed && dmig_engine_remove (e, aside, &e3) < 0) {
		dmig_log_warn ("could not remove the old container '%s': %s", aside, e3->msg);
		dmig_error_release (&e3);
	}
	if (r < 0) {
		dmig_error_wrap (err,
		                 "putting the container back failed too (%s); recover it with 'dmig rollback %s@%s'",
		                 e2->msg, name, safety_name);
		dmig_error_release (&e2);
		dmig_error_status (err, DMIG_ELOST);
		goto out;
	}
	unlink (safety_path);
	dmig_journal_remove (e->ops->kind, name);
	dmig_error_wrap (err, "rollback failed, container '%s' runs again as it was", name);
out:
	/* a failure before the safety snapshot changed nothing: no journal */
	if (ret < 0 && !*safety_path && !renamed)
		dmig_journal_remove (e->ops->kind, name);
	json_object_put (more);
	staged_free (&st);
	return ret;
}

/* ---- recovery of a snapshot or rollback whose dmig was killed ---- */

static bool
exists_file (const char *path)
{
	struct stat st;
	return path && lstat (path, &st) == 0 && S_ISREG (st.st_mode);
}

static int
recover_rollback (struct dmig_engine *e, json_object *j, const struct dmig_container *was, dmig_error_t *err)
{
	const char *name = dmig_json_str (j, "container"), *aside = dmig_json_str (j, "aside");
	const char *safety = dmig_json_str (j, "safety"), *dir = dmig_json_str (j, "dir");
	const char *phase = dmig_json_str (j, "phase");
	bool running = dmig_json_bool (j, "running");
	struct dmig_container *now = NULL, *old = NULL;
	struct dmig_restore_opts back = {.log_of = aside, .log_optional = true};
	int ret = -1;

	if (aside == NULL || dir == NULL || dmig_ref_valid_container (aside, err) < 0 || (running && safety == NULL))
		return dmig_error_set (err, DMIG_EFAIL, 0, "the rollback's journal of '%s' is incomplete", name);
	if (dmig_engine_inspect (e, name, &now, err) < 0 || dmig_engine_inspect (e, aside, &old, err) < 0)
		goto out;
	if (old != NULL) {
		/* renamed aside: either the restore went through, or the old
		 * one comes back */
		if (now && now->running && phase && strcmp (phase, "restore") == 0) {
			dmig_log_info ("the rollback of '%s' went through: the old container goes", name);
			if (dmig_engine_remove (e, aside, err) < 0)
				goto out;
		} else if (now && dmig_engine_remove (e, name, err) < 0) {
			goto out;
		} else if (running) {
			if (restore_bundle (e, safety, dir, &back, err) < 0) {
				dmig_error_wrap (err,
				                 "bringing '%s' back from its safety snapshot failed; try 'dmig "
				                 "rollback %s@%.*s'",
				                 name, name, (int)(strlen (strrchr (safety, '/') + 1) - 5),
				                 strrchr (safety, '/') + 1);
				dmig_error_status (err, DMIG_ELOST);
				goto out;
			}
			if (dmig_engine_remove (e, aside, err) < 0)
				goto out;
			dmig_log_info ("container '%s' runs again as it was before the rollback", name);
		} else {
			if (dmig_engine_rename (e, aside, name, err) < 0)
				goto out;
			dmig_log_info ("container '%s' is as it was before the rollback", name);
		}
	} else if (now && running && exists_file (safety) && !now->running) {
		/* stopped by the safety snapshot, which is whole: from it */
		if (dmig_engine_remove (e, name, err) < 0 || restore_bundle (e, safety, dir, NULL, err) < 0) {
			dmig_error_status (err, DMIG_ELOST);
			goto out;
		}
		dmig_log_info ("container '%s' runs again as it was before the rollback", name);
	} else if (now && running) {
		/* cut short inside the safety snapshot */
		if (e->ops->settle (e, was, err) < 0)
			goto out;
	} else if (now && was == NULL && !now->running) {
		/* a restore of a container that was gone, cut short */
		if (dmig_engine_remove (e, name, err) < 0)
			goto out;
	}
	if (safety && unlink (safety) < 0 && errno != ENOENT)
		dmig_log_warn ("could not remove the safety snapshot %s: %s", safety, strerror (errno));
	ret = 0;
out:
	dmig_container_free (now);
	dmig_container_free (old);
	return ret;
}

int
dmig_snapshot_recover (struct dmig_engine *e, json_object *j, dmig_error_t *err)
{
	const char *op = dmig_json_str (j, "op"), *name = dmig_json_str (j, "container");
	const char *dir = dmig_json_str (j, "dir"), *staging = dmig_json_str (j, "staging");
	struct dmig_container *was = NULL;
	int r;

	if (dmig_json_get (j, "inspect") && dmig_engine_parse (e->ops, dmig_json_get (j, "inspect"), &was, err) < 0)
		return dmig_error_wrap (err, "the journal of '%s'", name);
	dmig_log_info ("recovering the %s of '%s', cut short at its %s step", op, name,
	               dmig_json_str (j, "phase") ? dmig_json_str (j, "phase") : "first");
	/* the staging it left (memory and files), wherever it is */
	if (staging && strstr (staging, "/.staging-") != NULL)
		dmig_fs_rm_rf (staging, NULL);
	if (dir)
		dmig_store_sweep (dir);
	if (strcmp (op, "rollback") == 0)
		r = recover_rollback (e, j, was, err);
	else if (was == NULL)
		r = dmig_error_set (err, DMIG_EFAIL, 0, "the snapshot's journal of '%s' lacks the container", name);
	else
		r = e->ops->settle (e, was, err);
	if (r == 0)
		dmig_journal_remove (e->ops->kind, name);
	dmig_container_free (was);
	return r;
}
