/* What a snapshot's archives may hold. A bundle is data, never authority:
 * its checksums say it is what was written, not that what was written is
 * harmless. Each staged member is read and checked before the engine or the
 * container sees it. */
#include "content.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "bundle.h"
#include "json.h"
#include "podspec.h"

/* Does the config's HostConfig.CapAdd name one of caps (with or without
 * "CAP_", any case)? */
static bool
cap_added (json_object *config, const char *const *caps)
{
	json_object *add = dmig_json_get (config, "HostConfig.CapAdd");

	for (size_t i = 0; json_object_is_type (add, json_type_array) && i < json_object_array_length (add); i++) {
		const char *c = json_object_get_string (json_object_array_get_idx (add, i));
		if (c == NULL)
			continue;
		if (strncasecmp (c, "CAP_", 4) == 0)
			c += 4;
		for (const char *const *w = caps; *w; w++)
			if (strcasecmp (c, *w) == 0)
				return true;
	}
	return false;
}

void
dmig_content_rules (json_object *manifest, struct dmig_content *c)
{
	static const char *const setid[] = {"ALL", "FSETID", "SETUID", "SETGID", NULL};
	static const char *const fcaps[] = {"ALL", "SETFCAP", NULL};
	json_object *config = dmig_json_get (manifest, "config");
	json_object *devs = dmig_json_get (config, "HostConfig.Devices");
	bool privileged = dmig_json_bool (config, "HostConfig.Privileged");
	size_t n = 0;

	memset (c, 0, sizeof (*c));
	c->rules.devices = privileged;
	c->rules.setid = privileged || cap_added (config, setid);
	c->rules.fcaps = privileged || cap_added (config, fcaps);
	/* the devices it was given (--device), by their numbers on this host */
	for (size_t i = 0; json_object_is_type (devs, json_type_array) && i < json_object_array_length (devs)
	                   && n < DMIG_CONTENT_DEVS_MAX;
	     i++) {
		const char *host = dmig_json_str (json_object_array_get_idx (devs, i), "PathOnHost");
		struct stat st;
		if (host == NULL || stat (host, &st) < 0 || !(S_ISCHR (st.st_mode) || S_ISBLK (st.st_mode)))
			continue;
		c->devs[n].block = S_ISBLK (st.st_mode);
		c->devs[n].major = major (st.st_rdev);
		c->devs[n++].minor = minor (st.st_rdev);
	}
	c->rules.devs = c->devs;
	c->rules.ndevs = n;
}

/* A path with a ".." component. */
static bool
dotdot (const char *p)
{
	for (;;) {
		const char *slash = strchr (p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen (p);
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return true;
		if (slash == NULL)
			return false;
		p = slash + 1;
	}
}

static int
parse (const char *member, const char *data, size_t len, json_type type, json_object **out, dmig_error_t *err)
{
	dmig_error_t e2 = NULL;

	*out = NULL;
	if (dmig_json_parse (data, len, out, &e2) < 0 || !json_object_is_type (*out, type)) {
		dmig_error_release (&e2);
		json_object_put (*out);
		*out = NULL;
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0, "member '%s' is not JSON %s", member,
		                       type == json_type_array ? "list" : "object");
	}
	return 0;
}

/* Podman's deleted.files: the paths the container deleted, as `podman
 * diff` names them ("/etc/motd"), removed under its root file system by
 * the import. Each must stay under that root. */
static int
check_deleted (const char *data, size_t len, dmig_error_t *err)
{
	json_object *list;
	int ret = 0;

	if (strspn (data, " \t\r\n") == len || strcmp (data, "null") == 0)
		return 0; /* nothing deleted */
	if (parse ("deleted.files", data, len, json_type_array, &list, err) < 0)
		return -1;
	for (size_t i = 0; ret == 0 && i < json_object_array_length (list); i++) {
		json_object *o = json_object_array_get_idx (list, i);
		const char *s = json_object_get_string (o), *p;
		if (!json_object_is_type (o, json_type_string) || s == NULL) {
			ret =
			    dmig_error_set (err, DMIG_EPREFLIGHT, 0, "member 'deleted.files' holds a non-string entry");
			break;
		}
		if (strlen (s) != (size_t)json_object_get_string_len (o)) {
			ret = dmig_error_set (err, DMIG_EPREFLIGHT, 0,
			                      "member 'deleted.files' holds entry '%s' with a NUL byte", s);
			break;
		}
		/* one "/": the container's root; the rest relative to it */
		p = s + (*s == '/');
		if (*p == '\0' || *p == '/' || dotdot (p))
			ret =
			    dmig_error_set (err, DMIG_EPREFLIGHT, 0,
			                    "member 'deleted.files' holds entry '%s', which is not a clean path in the "
			                    "container",
			                    s);
	}
	json_object_put (list);
	return ret;
}

/* What dmig reads of Podman's export: deleted.files checked as it is read,
 * the two documents the import obeys kept for after the walk. */
struct podman_export {
	bool deleted; /* check deleted.files */
	json_object *spec, *conf;
};

static int
export_member (void *arg, const char *name, const char *data, size_t len, dmig_error_t *err)
{
	struct podman_export *x = arg;

	if (strcmp (name, "deleted.files") == 0)
		return x->deleted ? check_deleted (data, len, err) : 0;
	return parse (name, data, len, json_type_object, strcmp (name, "spec.dump") == 0 ? &x->spec : &x->conf, err);
}

static bool
is_podman (json_object *manifest)
{
	return strcmp (dmig_json_str (manifest, "engine") ? dmig_json_str (manifest, "engine") : "", "podman") == 0;
}

/* Walk a staged member (chk as verify_member sets it), with Podman's export
 * read into *x; refusals name the member. */
static int
walk (json_object *manifest, const char *staging, const char *member, const struct dmig_content *c, bool nested,
      struct podman_export *x, dmig_error_t *err)
{
	/* the layer, the volumes and /dev/shm's content, each unpacked by
	 * Podman's import */
	static const char *const inner[] = {"rootfs-diff.tar", "volumes/*.tar", "devshm-checkpoint.tar", NULL};
	static const char *const read[] = {"deleted.files", "spec.dump", "config.dump", NULL};
	bool podman = is_podman (manifest), ckpt = strcmp (member, "checkpoint.tar") == 0;
	struct dmig_archive_check chk = {.rules = ckpt && !podman ? NULL : &c->rules};
	int fd, r;

	/* Podman's export holds the layer and the volumes; Docker's checkpoint
	 * only CRIU's images */
	if (ckpt && podman) {
		chk.nested = nested ? inner : NULL;
		chk.read = read;
		chk.fn = export_member;
		chk.arg = x;
	}
	if ((fd = dmig_bundle_member_open (staging, member, err)) < 0)
		return -1;
	r = dmig_archive_verify (fd, &chk, err);
	close (fd);
	/* without either it is no export of Podman: nothing holds its import */
	if (r == 0 && ckpt && podman && (x->spec == NULL || x->conf == NULL))
		r = dmig_error_set (err, DMIG_EPREFLIGHT, 0, "it holds no '%s': not an export of Podman",
		                    x->spec ? "config.dump" : "spec.dump");
	if (r < 0) {
		dmig_error_wrap (err, "refusing snapshot member '%s'", member);
		return dmig_error_status (err, DMIG_EPREFLIGHT);
	}
	return 0;
}

static int
verify_member (json_object *manifest, const char *staging, const char *member, const struct dmig_content *c,
               dmig_error_t *err)
{
	struct podman_export x = {.deleted = true};
	int r = walk (manifest, staging, member, c, true, &x, err);

	json_object_put (x.spec);
	json_object_put (x.conf);
	return r;
}

int
dmig_content_export (json_object *manifest, const char *staging, dmig_error_t *err)
{
	struct podman_export x = {.deleted = false};
	struct dmig_content c;
	int r;

	if (!is_podman (manifest))
		return 0;
	dmig_content_rules (manifest, &c);
	/* the two documents again (the inner tars are skipped this time) */
	r = walk (manifest, staging, "checkpoint.tar", &c, false, &x, err);
	if (r == 0
	    && (dmig_podspec_check (manifest, x.spec, x.conf, err) < 0
	        || dmig_podconf_check (manifest, x.conf, err) < 0)) {
		dmig_error_wrap (err, "refusing snapshot member 'checkpoint.tar'");
		r = dmig_error_status (err, DMIG_EPREFLIGHT);
	}
	json_object_put (x.spec);
	json_object_put (x.conf);
	return r;
}

int
dmig_content_verify (json_object *manifest, const char *staging, dmig_error_t *err)
{
	json_object *list = dmig_json_get (manifest, "members");
	struct dmig_content c;

	dmig_content_rules (manifest, &c);
	for (size_t i = 0; json_object_is_type (list, json_type_array) && i < json_object_array_length (list); i++) {
		const char *name = dmig_json_str (json_object_array_get_idx (list, i), "name");
		if (name == NULL || !dmig_bundle_member_name_ok (name))
			return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
			                       "the snapshot lists a member '%s' it may not hold", name ? name : "");
		if (verify_member (manifest, staging, name, &c, err) < 0)
			return -1;
	}
	return 0;
}
