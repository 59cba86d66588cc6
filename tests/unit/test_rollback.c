// WRAP: dmig_criu_check dmig_check_container dmig_fs_free_bytes dmig_bundle_write dmig_bundle_unpack
// WRAP: dmig_image_exists dmig_image_format_of dmig_engine_rename dmig_engine_remove dmig_content_verify
// WRAP: dmig_content_export
/* Rollback's undo: a restore that fails brings the container back, from the
 * safety snapshot when it ran, under its own name when it was stopped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "criu.h"
#include "engine.h"
#include "fs.h"
#include "snapshot.h"
#include "store.h"

static char top[64], dir[96], bundle[128], safety[256], log_[1024], keys[96];
/* what the next unpacked manifest says (NULL: the snapshot of web as it is) */
static const char *m_container, *m_name, *m_config, *m_volumes;
static unsigned restore_fail_mask; /* bit n: the n-th restore fails */
static int restores;
static bool rename_fails;
static bool holds;                  /* the capture holds the container paused (Docker 28) */
static bool write_fails;            /* the safety snapshot cannot be written */
static bool hostile;                /* the bundle holds what its content may not */
static bool hostile_export;         /* Podman's export in it asks more than its config */
static enum dmig_auth_state m_auth; /* who signed the next unpacked bundle */

static void note (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
static void
note (const char *fmt, ...)
{
	char line[256];
	va_list ap;
	va_start (ap, fmt);
	vsnprintf (line, sizeof (line), fmt, ap);
	va_end (ap);
	if (*log_)
		strncat (log_, " ", sizeof (log_) - strlen (log_) - 1);
	strncat (log_, line, sizeof (log_) - strlen (log_) - 1);
}

/* The old container's name while set aside has a time in it. */
static const char *
who (const char *name)
{
	return strstr (name, "-dmig-old-") ? "ASIDE" : name;
}

static int
fake_check (struct dmig_engine *e, dmig_error_t *err)
{
	(void)e;
	(void)err;
	return 0;
}

static int
fake_capture (struct dmig_engine *e, const struct dmig_container *ctr, const char *staging,
              const struct dmig_capture_opts *o, struct dmig_members *ms, dmig_error_t *err)
{
	(void)e;
	(void)ctr;
	(void)staging;
	(void)ms;
	(void)err;
	note ("capture%s%s", o->leave_running ? ":leave-running" : "", holds && o->held ? ":held" : "");
	if (holds && o->held)
		*o->held = true;
	return 0;
}

static int
fake_unhold (struct dmig_engine *en, const struct dmig_container *ctr, bool stop, dmig_error_t *err)
{
	(void)en;
	(void)ctr;
	(void)err;
	note ("unhold:%s", stop ? "stop" : "run");
	return 0;
}

static int
fake_restore (struct dmig_engine *e, json_object *manifest, const char *staging, const struct dmig_restore_opts *o,
              dmig_error_t *err)
{
	(void)e;
	(void)staging;
	note ("restore:%s:log=%s", dmig_json_str (manifest, "name"), o && o->log_of ? who (o->log_of) : "-");
	if (restore_fail_mask & (1u << restores++))
		return dmig_error_set (err, DMIG_EFAIL, 0, "restore broke");
	return 0;
}

/* The runtime the fake engine restores with (NULL: any); a container's is
 * its config's OCIRuntime, as Podman's. */
static const char *fake_runtime;

static int
fake_restorable (struct dmig_engine *en, const struct dmig_container *ctr, const char *what, dmig_error_t *err)
{
	const char *rt = dmig_json_str (ctr->raw, "OCIRuntime");
	(void)en;
	/* as Docker 28: a container on a network cannot be started from a
	 * checkpoint */
	if (ctr->network_mode && strcmp (ctr->network_mode, "bridge") == 0)
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0, "cannot start '%s' from a checkpoint (bridge)",
		                       ctr->name);
	if (fake_runtime == NULL || rt == NULL || strcmp (rt, fake_runtime) == 0)
		return 0;
	note ("refused:%s", what);
	return dmig_error_set (err, DMIG_EPREFLIGHT, 0, "%s with runtime '%s', but here restores with '%s'", what, rt,
	                       fake_runtime);
}

static const struct dmig_engine_ops fake_ops = {.kind = "docker",
                                                .parse = dmig_container_parse_common,
                                                .check = fake_check,
                                                .capture = fake_capture,
                                                .restore = fake_restore,
                                                .restorable = fake_restorable,
                                                .unhold = fake_unhold};
static struct dmig_engine e = {.ops = &fake_ops, .version = "27.0"};

int __wrap_dmig_criu_check (char *version, size_t cap, dmig_error_t *err);
int
__wrap_dmig_criu_check (char *version, size_t cap, dmig_error_t *err)
{
	(void)err;
	snprintf (version, cap, "4.2.1");
	return 0;
}

int __wrap_dmig_check_container (struct dmig_engine *en, const struct dmig_container *ctr, dmig_error_t *err);
int
__wrap_dmig_check_container (struct dmig_engine *en, const struct dmig_container *ctr, dmig_error_t *err)
{
	(void)en;
	(void)ctr;
	(void)err;
	return 0;
}

int __wrap_dmig_fs_free_bytes (const char *path, uint64_t *out, dmig_error_t *err);
int
__wrap_dmig_fs_free_bytes (const char *path, uint64_t *out, dmig_error_t *err)
{
	(void)path;
	(void)err;
	*out = UINT64_MAX;
	return 0;
}

int __wrap_dmig_bundle_write (const char *path, json_object *manifest, const char *staging,
                              const struct dmig_members *ms, const struct dmig_sign_key *key, dmig_error_t *err);
int
__wrap_dmig_bundle_write (const char *path, json_object *manifest, const char *staging, const struct dmig_members *ms,
                          const struct dmig_sign_key *key, dmig_error_t *err)
{
	FILE *fp;
	(void)staging;
	(void)ms;
	if (write_fails) {
		note ("write:failed");
		return dmig_error_set (err, DMIG_EFAIL, 0, "disk full");
	}
	fp = fopen (path, "w");
	assert_non_null (key); /* a snapshot is always signed */
	assert_non_null (fp);
	fclose (fp);
	snprintf (safety, sizeof (safety), "%s", path);
	assert_int_equal (strncmp (dmig_json_str (manifest, "name"), "pre-rollback-", 13), 0);
	note ("write:safety");
	return 0;
}

int __wrap_dmig_bundle_unpack (const char *path, const char *staging, json_object **manifest, struct dmig_auth *auth,
                               dmig_error_t *err);
int
__wrap_dmig_bundle_unpack (const char *path, const char *staging, json_object **manifest, struct dmig_auth *auth,
                           dmig_error_t *err)
{
	const char *base = strrchr (path, '/') + 1;
	(void)staging;
	(void)err;
	memset (auth, 0, sizeof (*auth));
	auth->state = m_auth;
	if (m_auth != DMIG_AUTH_NONE)
		snprintf (auth->key, sizeof (auth->key), "1a2b3c4d5e6f%052d", 0);
	if (m_auth == DMIG_AUTH_TRUSTED)
		snprintf (auth->signer, sizeof (auth->signer), "hostb");
	note ("unpack:%s%s", strncmp (base, "pre-rollback-", 13) == 0 ? "safety" : base, "");
	*manifest = json_object_new_object ();
	json_object_object_add (*manifest, "engine", json_object_new_string ("docker"));
	json_object_object_add (*manifest, "image", json_object_new_string ("sha256:abcd"));
	json_object_object_add (*manifest, "name",
	                        json_object_new_string (strncmp (base, "pre-rollback-", 13) == 0 ? "safety"
	                                                : m_name                                 ? m_name
	                                                                                         : "snap1"));
	json_object_object_add (*manifest, "container", json_object_new_string (m_container ? m_container : "web"));
	json_object_object_add (*manifest, "config",
	                        json_tokener_parse (m_config ? m_config : "{\"Name\":\"/web\",\"HostConfig\":{}}"));
	json_object_object_add (*manifest, "volumes", json_tokener_parse (m_volumes ? m_volumes : "[]"));
	return 0;
}

int __real_dmig_content_verify (json_object *manifest, const char *staging, dmig_error_t *err);
int __wrap_dmig_content_verify (json_object *manifest, const char *staging, dmig_error_t *err);
int
__wrap_dmig_content_verify (json_object *manifest, const char *staging, dmig_error_t *err)
{
	if (!hostile)
		return __real_dmig_content_verify (manifest, staging, err);
	note ("verify:refused");
	return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
	                       "refusing snapshot member 'rootfs.tar': member 'bin/sh': a setuid file (mode 4755) in "
	                       "an unprivileged container's changes");
}

int __real_dmig_content_export (json_object *manifest, const char *staging, dmig_error_t *err);
int __wrap_dmig_content_export (json_object *manifest, const char *staging, dmig_error_t *err);
int
__wrap_dmig_content_export (json_object *manifest, const char *staging, dmig_error_t *err)
{
	if (!hostile_export)
		return __real_dmig_content_export (manifest, staging, err);
	note ("export:refused");
	return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
	                       "refusing snapshot member 'checkpoint.tar': member 'spec.dump' gives the process "
	                       "CAP_SYS_ADMIN (bounding), which the container's config does not");
}

int __wrap_dmig_image_exists (struct dmig_engine *en, const char *id, bool *exists, dmig_error_t *err);
int
__wrap_dmig_image_exists (struct dmig_engine *en, const char *id, bool *exists, dmig_error_t *err)
{
	(void)en;
	(void)id;
	(void)err;
	*exists = true;
	return 0;
}

int __wrap_dmig_image_format_of (struct dmig_engine *en, const char *image, enum dmig_image_format *fmt,
                                 dmig_error_t *err);
int
__wrap_dmig_image_format_of (struct dmig_engine *en, const char *image, enum dmig_image_format *fmt, dmig_error_t *err)
{
	(void)en;
	(void)image;
	*fmt = DMIG_IMAGE_UNKNOWN;
	return dmig_error_set (err, DMIG_EFAIL, 0, "not asked here");
}

int __wrap_dmig_engine_rename (struct dmig_engine *en, const char *from, const char *to, dmig_error_t *err);
int
__wrap_dmig_engine_rename (struct dmig_engine *en, const char *from, const char *to, dmig_error_t *err)
{
	(void)en;
	note ("rename:%s>%s", who (from), who (to));
	if (rename_fails)
		return dmig_error_set (err, DMIG_EFAIL, 0, "rename broke");
	return 0;
}

int __wrap_dmig_engine_remove (struct dmig_engine *en, const char *name, dmig_error_t *err);
int
__wrap_dmig_engine_remove (struct dmig_engine *en, const char *name, dmig_error_t *err)
{
	(void)en;
	(void)err;
	note ("remove:%s%s", who (name), "");
	return 0;
}

static struct dmig_container *running, *stopped;

static struct dmig_container *
model (const char *json)
{
	json_object *raw = json_tokener_parse (json);
	struct dmig_container *c = NULL;

	assert_int_equal (dmig_engine_parse (&fake_ops, raw, &c, NULL), 0);
	json_object_put (raw);
	return c;
}

static int
setup (void **state)
{
	(void)state;
	snprintf (top, sizeof (top), "/tmp/dmig-rollback-XXXXXX");
	assert_non_null (mkdtemp (top));
	/* the store's layout: <store>/<engine>/<container> */
	snprintf (dir, sizeof (dir), "%s/docker/web", top);
	assert_int_equal (dmig_fs_mkdir_p (dir, 0700, NULL), 0);
	m_container = m_name = m_config = m_volumes = NULL;
	snprintf (bundle, sizeof (bundle), "%s/snap1" DMIG_BUNDLE_EXT, dir);
	*safety = *log_ = '\0';
	restore_fail_mask = 0;
	restores = 0;
	rename_fails = false;
	holds = write_fails = false;
	hostile = hostile_export = false;
	fake_runtime = NULL;
	m_auth = DMIG_AUTH_NONE;
	/* the safety snapshot's signing key: the test's own */
	snprintf (keys, sizeof (keys), "%s/keys", top);
	setenv ("DMIG_KEY_DIR", keys, 1);
	running = model ("{\"Id\":\"c0ffee\",\"Name\":\"/web\",\"Image\":\"sha256:abcd\","
	                 "\"State\":{\"Running\":true,\"Pid\":0}}");
	stopped = model ("{\"Id\":\"c0ffee\",\"Name\":\"/web\",\"Image\":\"sha256:abcd\","
	                 "\"State\":{\"Running\":false,\"Pid\":0}}");
	return 0;
}

static int
teardown (void **state)
{
	(void)state;
	dmig_container_free (running);
	dmig_container_free (stopped);
	dmig_fs_rm_rf (top, NULL);
	return 0;
}

static void
fails (const struct dmig_container *ctr, int status, const char *says)
{
	dmig_error_t err = NULL;
	assert_int_equal (dmig_snapshot_rollback (&e, ctr, "web", bundle, dir, NULL, &err), -1);
	assert_non_null (err);
	if (strstr (err->msg, says) == NULL)
		fail_msg ("'%s' does not say '%s'", err->msg, says);
	assert_int_equal (err->status, status);
	dmig_error_release (&err);
}

static bool
exists (const char *path)
{
	struct stat st;
	return *path && stat (path, &st) == 0;
}

static void
running_succeeds (void **state)
{
	dmig_error_t err = NULL;
	(void)state;
	assert_int_equal (dmig_snapshot_rollback (&e, running, "web", bundle, dir, NULL, &err), 0);
	assert_null (err);
	assert_string_equal (log_, "unpack:snap1.dmig capture write:safety rename:web>ASIDE restore:snap1:log=ASIDE "
	                           "remove:ASIDE");
	assert_false (exists (safety)); /* no longer needed */
}

/* A bundle whose content is refused is refused before the container is
 * touched: no safety snapshot (no checkpoint), no rename, no restore. */
static void
hostile_content_refused_first (void **state)
{
	(void)state;
	hostile = true;
	fails (running, DMIG_EPREFLIGHT, "refusing snapshot member 'rootfs.tar': member 'bin/sh': a setuid file");
	assert_string_equal (log_, "unpack:snap1.dmig verify:refused");
}

/* The failed restore brings the safety snapshot back, with the old log. */
static void
restore_fails_safety_back (void **state)
{
	(void)state;
	restore_fail_mask = 1u << 0;
	fails (running, DMIG_EFAIL, "rollback failed, container 'web' runs again as it was: restore broke");
	assert_string_equal (log_, "unpack:snap1.dmig capture write:safety rename:web>ASIDE restore:snap1:log=ASIDE "
	                           "unpack:safety restore:safety:log=ASIDE remove:ASIDE");
	assert_false (exists (safety));
}

/* Putting it back failed too: exit 4, and the safety snapshot stays to
 * recover from. */
static void
restore_and_safety_fail (void **state)
{
	(void)state;
	restore_fail_mask = 1u << 0 | 1u << 1;
	fails (running, DMIG_ELOST,
	       "putting the container back failed too (restore broke); recover it with 'dmig "
	       "rollback web@pre-rollback-");
	assert_string_equal (log_, "unpack:snap1.dmig capture write:safety rename:web>ASIDE restore:snap1:log=ASIDE "
	                           "unpack:safety restore:safety:log=ASIDE remove:ASIDE");
	assert_true (exists (safety));
}

/* Not set aside: the stopped container goes, the safety snapshot comes. */
static void
rename_fails_safety_back (void **state)
{
	(void)state;
	rename_fails = true;
	fails (running, DMIG_EFAIL, "runs again as it was: cannot move the current container aside: rename broke");
	assert_string_equal (log_, "unpack:snap1.dmig capture write:safety rename:web>ASIDE remove:web unpack:safety "
	                           "restore:safety:log=-");
	assert_false (exists (safety));
}

/* A stopped container is only renamed back. */
static void
stopped_restore_fails (void **state)
{
	(void)state;
	restore_fail_mask = 1u << 0;
	fails (stopped, DMIG_EFAIL, "rollback failed, container 'web' is as it was: restore broke");
	assert_string_equal (log_, "unpack:snap1.dmig rename:web>ASIDE restore:snap1:log=ASIDE rename:ASIDE>web");
	assert_false (exists (safety));
}

/* A bundle is data: one that names another container, or another name than
 * its file's, changes nothing (not even a safety snapshot). */
static void
other_container_refused (void **state)
{
	(void)state;
	m_container = "other";
	fails (running, DMIG_EPREFLIGHT, "snapshot 'web@snap1' is one of container 'other', not 'web'");
	assert_string_equal (log_, "unpack:snap1.dmig");
	m_container = NULL;
	m_config = "{\"Name\":\"/other\"}";
	fails (running, DMIG_EPREFLIGHT, "its config is of 'other'");
	fails (NULL, DMIG_EPREFLIGHT, "its config is of 'other'");
}

static void
other_name_refused (void **state)
{
	(void)state;
	m_name = "evil";
	fails (running, DMIG_EPREFLIGHT, "snapshot 'web@snap1' calls itself 'evil'");
	assert_string_equal (log_, "unpack:snap1.dmig");
}

/* Not where the store keeps web's snapshots. */
static void
other_folder_refused (void **state)
{
	dmig_error_t err = NULL;
	char other[128];
	(void)state;
	snprintf (other, sizeof (other), "%s/docker", top);
	assert_int_equal (dmig_snapshot_rollback (&e, running, "web", bundle, other, NULL, &err), -1);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	assert_non_null (strstr (err->msg, "is not in the store folder of docker container 'web'"));
	dmig_error_release (&err);
	assert_string_equal (log_, "unpack:snap1.dmig");
}

/* More power than the container has: refused before the safety snapshot;
 * --trust-config takes it as it is. */
static void
widening_refused_then_trusted (void **state)
{
	struct dmig_rollback_opts trust = {.trust_config = true};
	dmig_error_t err = NULL;
	(void)state;
	m_config = "{\"Name\":\"/web\",\"HostConfig\":{\"Privileged\":true}}";
	fails (running, DMIG_EPREFLIGHT,
	       "snapshot 'web@snap1' gives the container more power: HostConfig.Privileged is true; --trust-config "
	       "accepts it");
	assert_string_equal (log_, "unpack:snap1.dmig");
	*log_ = '\0';
	assert_int_equal (dmig_snapshot_rollback (&e, running, "web", bundle, dir, &trust, &err), 0);
	assert_null (err);
	assert_string_equal (log_, "unpack:snap1.dmig capture write:safety rename:web>ASIDE restore:snap1:log=ASIDE "
	                           "remove:ASIDE");
}

/* What Podman's export asks is held to the config once the config is
 * judged: after the policy (whose refusal names the option that accepts
 * it), and with --trust-config too, before the container is touched. */
static void
hostile_export_refused_even_trusted (void **state)
{
	struct dmig_rollback_opts trust = {.trust_config = true};
	dmig_error_t err = NULL;
	(void)state;
	hostile_export = true;
	m_config = "{\"Name\":\"/web\",\"HostConfig\":{\"Privileged\":true}}";
	fails (running, DMIG_EPREFLIGHT, "HostConfig.Privileged is true; --trust-config accepts it");
	assert_string_equal (log_, "unpack:snap1.dmig");
	*log_ = '\0';
	assert_int_equal (dmig_snapshot_rollback (&e, running, "web", bundle, dir, &trust, &err), -1);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	assert_non_null (strstr (err->msg, "member 'spec.dump' gives the process CAP_SYS_ADMIN"));
	dmig_error_release (&err);
	assert_string_equal (log_, "unpack:snap1.dmig export:refused");
	assert_false (exists (safety));
	/* the container gone: the same */
	*log_ = '\0';
	m_config = NULL;
	fails (NULL, DMIG_EPREFLIGHT, "member 'spec.dump' gives the process CAP_SYS_ADMIN");
	assert_string_equal (log_, "unpack:snap1.dmig export:refused");
}

/* A volume the container does not mount (or any, when it is gone). */
static void
foreign_volume_refused (void **state)
{
	(void)state;
	m_volumes = "[\"other-data\"]";
	fails (running, DMIG_EPREFLIGHT,
	       "snapshot 'web@snap1' names volume 'other-data', which the container does not mount; --trust-config "
	       "accepts it");
	fails (NULL, DMIG_EPREFLIGHT, "names volume 'other-data', and the container is gone");
	assert_string_equal (log_, "unpack:snap1.dmig unpack:snap1.dmig");
}

/* Signed by a host this one trusts: the bundle's config and volumes are the
 * reference for what the container was, here and when it is gone. */
static void
signed_config_is_the_reference (void **state)
{
	dmig_error_t err = NULL;
	(void)state;
	m_auth = DMIG_AUTH_TRUSTED;
	m_config = "{\"Name\":\"/web\",\"HostConfig\":{\"Privileged\":true}}";
	m_volumes = "[\"other-data\"]";
	assert_int_equal (dmig_snapshot_rollback (&e, running, "web", bundle, dir, NULL, &err), 0);
	assert_null (err);
	assert_string_equal (log_, "unpack:snap1.dmig capture write:safety rename:web>ASIDE restore:snap1:log=ASIDE "
	                           "remove:ASIDE");
	*log_ = '\0';
	assert_int_equal (dmig_snapshot_rollback (&e, NULL, "web", bundle, dir, NULL, &err), 0);
	assert_null (err);
	assert_string_equal (log_, "unpack:snap1.dmig restore:snap1:log=-");
}

/* A trusted host's bundle is what the container was, Podman's export in
 * it too (the manifest's checksums cover it): not held to the config. */
static void
signed_export_is_the_reference (void **state)
{
	dmig_error_t err = NULL;
	(void)state;
	m_auth = DMIG_AUTH_TRUSTED;
	hostile_export = true;
	assert_int_equal (dmig_snapshot_rollback (&e, running, "web", bundle, dir, NULL, &err), 0);
	assert_null (err);
	assert_null (strstr (log_, "export:refused"));
}

/* Signed or not, a bundle is of its container and its name. */
static void
signed_identity_still_checked (void **state)
{
	(void)state;
	m_auth = DMIG_AUTH_TRUSTED;
	m_container = "other";
	fails (running, DMIG_EPREFLIGHT, "snapshot 'web@snap1' is one of container 'other', not 'web'");
	fails (NULL, DMIG_EPREFLIGHT, "snapshot 'web@snap1' is one of container 'other', not 'web'");
	assert_string_equal (log_, "unpack:snap1.dmig unpack:snap1.dmig");
}

/* Signed by a key this host does not trust: as unsigned, and said so. */
static void
unknown_signer_held_to_the_policy (void **state)
{
	(void)state;
	m_config = "{\"Name\":\"/web\",\"HostConfig\":{\"Privileged\":true}}";
	fails (NULL, DMIG_EPREFLIGHT, "snapshot 'web@snap1' gives the container more power: HostConfig.Privileged");
	m_auth = DMIG_AUTH_UNKNOWN;
	fails (NULL, DMIG_EPREFLIGHT, "signed by key 1a2b3c4d5e6f, which this host does not trust (");
	fails (running, DMIG_EPREFLIGHT, "/keys/trusted/): snapshot 'web@snap1' gives the container more power");
	assert_string_equal (log_, "unpack:snap1.dmig unpack:snap1.dmig unpack:snap1.dmig");
}

/* The engine restores both the snapshot and, should that fail, the safety
 * snapshot: a runtime that cannot restore either is refused before the
 * container is touched (no safety snapshot, no rename, no restore). */
static void
runtime_refused_first (void **state)
{
	struct dmig_container *crun = model ("{\"Id\":\"c0ffee\",\"Name\":\"/web\",\"Image\":\"sha256:abcd\","
	                                     "\"OCIRuntime\":\"crun\",\"State\":{\"Running\":true,\"Pid\":0}}");
	dmig_error_t err = NULL;
	(void)state;
	fake_runtime = "runc";
	/* the snapshot's */
	m_config = "{\"Name\":\"/web\",\"OCIRuntime\":\"crun\",\"HostConfig\":{}}";
	fails (running, DMIG_EPREFLIGHT,
	       "snapshot 'web@snap1' was taken with runtime 'crun', but here restores with 'runc'");
	assert_string_equal (log_, "unpack:snap1.dmig refused:snapshot 'web@snap1' was taken");
	/* the container's own, which its safety snapshot would need */
	*log_ = '\0';
	m_config = "{\"Name\":\"/web\",\"OCIRuntime\":\"runc\",\"HostConfig\":{}}";
	fails (crun, DMIG_EPREFLIGHT, "container 'web' runs with runtime 'crun'");
	assert_string_equal (log_, "unpack:snap1.dmig refused:container 'web' runs");
	/* a container that is gone needs no safety snapshot */
	*log_ = '\0';
	assert_int_equal (dmig_snapshot_rollback (&e, NULL, "web", bundle, dir, NULL, &err), 0);
	assert_string_equal (log_, "unpack:snap1.dmig restore:snap1:log=-");
	/* both restorable: as ever */
	*log_ = '\0';
	fake_runtime = "crun";
	m_config = "{\"Name\":\"/web\",\"OCIRuntime\":\"crun\",\"HostConfig\":{}}";
	assert_int_equal (dmig_snapshot_rollback (&e, crun, "web", bundle, dir, NULL, &err), 0);
	assert_null (err);
	assert_string_equal (log_, "unpack:snap1.dmig capture write:safety rename:web>ASIDE restore:snap1:log=ASIDE "
	                           "remove:ASIDE");
	dmig_container_free (crun);
}

/* The safety snapshot is signed by this host's key, made on first need,
 * private. */
static void
safety_snapshot_key_made (void **state)
{
	dmig_error_t err = NULL;
	char p[160];
	struct stat st;
	(void)state;
	assert_int_equal (dmig_snapshot_rollback (&e, running, "web", bundle, dir, NULL, &err), 0);
	snprintf (p, sizeof (p), "%s/host.key", keys);
	assert_int_equal (stat (p, &st), 0);
	assert_int_equal (st.st_mode & 0777, 0600);
	assert_int_equal (stat (keys, &st), 0);
	assert_int_equal (st.st_mode & 0777, 0700);
}

/* A container the engine cannot start from a checkpoint (Docker 28 and a
 * network) is refused before anything: the snapshot's, and the one running
 * now, which the safety snapshot would bring back. */
static void
unrestorable_refused_first (void **state)
{
	struct dmig_container *bridged;
	(void)state;
	m_config = "{\"Name\":\"/web\",\"HostConfig\":{\"NetworkMode\":\"bridge\"}}";
	fails (running, DMIG_EPREFLIGHT, "cannot start 'web' from a checkpoint (bridge)");
	fails (NULL, DMIG_EPREFLIGHT, "cannot start 'web' from a checkpoint (bridge)");
	assert_string_equal (log_, "unpack:snap1.dmig unpack:snap1.dmig");
	*log_ = '\0';
	m_config = "{\"Name\":\"/web\",\"HostConfig\":{\"NetworkMode\":\"none\"}}";
	bridged = model ("{\"Id\":\"c0ffee\",\"Name\":\"/web\",\"Image\":\"sha256:abcd\",\"State\":{\"Running\":true,"
	                 "\"Pid\":0},\"HostConfig\":{\"NetworkMode\":\"bridge\"}}");
	fails (bridged, DMIG_EPREFLIGHT, "cannot start 'web' from a checkpoint (bridge)");
	assert_string_equal (log_, "unpack:snap1.dmig");
	dmig_container_free (bridged);
}

/* A safety capture that holds the container paused stops it only once its
 * snapshot is written; one that cannot be written lets it run on. */
static void
held_safety_snapshot (void **state)
{
	dmig_error_t err = NULL;
	(void)state;
	holds = true;
	assert_int_equal (dmig_snapshot_rollback (&e, running, "web", bundle, dir, NULL, &err), 0);
	assert_string_equal (log_, "unpack:snap1.dmig capture:held write:safety unhold:stop rename:web>ASIDE "
	                           "restore:snap1:log=ASIDE remove:ASIDE");
	*log_ = '\0';
	write_fails = true;
	fails (running, DMIG_EFAIL, "cannot take the safety snapshot: disk full");
	assert_string_equal (log_, "unpack:snap1.dmig capture:held write:failed unhold:run");
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown (running_succeeds, setup, teardown),
	    cmocka_unit_test_setup_teardown (hostile_content_refused_first, setup, teardown),
	    cmocka_unit_test_setup_teardown (restore_fails_safety_back, setup, teardown),
	    cmocka_unit_test_setup_teardown (restore_and_safety_fail, setup, teardown),
	    cmocka_unit_test_setup_teardown (rename_fails_safety_back, setup, teardown),
	    cmocka_unit_test_setup_teardown (stopped_restore_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown (other_container_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown (other_name_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown (other_folder_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown (widening_refused_then_trusted, setup, teardown),
	    cmocka_unit_test_setup_teardown (foreign_volume_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown (signed_config_is_the_reference, setup, teardown),
	    cmocka_unit_test_setup_teardown (signed_identity_still_checked, setup, teardown),
	    cmocka_unit_test_setup_teardown (signed_export_is_the_reference, setup, teardown),
	    cmocka_unit_test_setup_teardown (unknown_signer_held_to_the_policy, setup, teardown),
	    cmocka_unit_test_setup_teardown (safety_snapshot_key_made, setup, teardown),
	    cmocka_unit_test_setup_teardown (hostile_export_refused_even_trusted, setup, teardown),
	    cmocka_unit_test_setup_teardown (runtime_refused_first, setup, teardown),
	    cmocka_unit_test_setup_teardown (unrestorable_refused_first, setup, teardown),
	    cmocka_unit_test_setup_teardown (held_safety_snapshot, setup, teardown),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
