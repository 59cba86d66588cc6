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

/* path lies in folder (or is it)? */
static bool
within (const char *path, const char *folder, size_t len)
{
	return len > 1 && strncmp (path, folder, len) == 0 && (path[len] == '\0' || path[len] == '/');
}

/* A folder of the container's own storage that its config names (the
 * folder of its hosts file, its static folder): Podman binds files of
 * these (/etc/hosts, /etc/resolv.conf, /dev/shm, /run/.containerenv).
 * Only a folder with the container's ID in its path counts. */
static bool
own_folder (json_object *config, const char *id, const char *src)
{
	static const char *const files[] = {"HostsPath", "ResolvConfPath", "HostnamePath", "ConmonPidFile", NULL};
	const char *dir = dmig_json_str (config, "StaticDir");

	if (id == NULL || strlen (id) < 12)
		return false;
	if (dir && strstr (dir, id) && within (src, dir, strlen (dir)))
		return true;
	for (const char *const *k = files; *k; k++) {
		const char *f = dmig_json_str (config, *k), *slash = f ? strrchr (f, '/') : NULL;
		if (slash && strstr (f, id) && (size_t)(slash - f) > strlen (id)
		    && within (src, f, (size_t)(slash - f)))
			return true;
	}
	return false;
}

/* A bind mount the container had: a Source at a Destination of the config's
 * Mounts (binds and volumes, which the runtime binds), or in its own
 * storage, or Podman's init at its place. (The manifest's config itself is
 * checked by the snapshot's policy, src/policy.c; this only keeps spec.dump
 * from adding to it. A check by that module may replace this one.) */
static bool
bind_known (json_object *manifest, const char *src, const char *dst)
{
	json_object *config = dmig_json_get (manifest, "config"), *mounts = dmig_json_get (config, "Mounts");

	if (src == NULL || dst == NULL || *src != '/' || dotdot (src))
		return false;
	for (size_t i = 0; json_object_is_type (mounts, json_type_array) && i < json_object_array_length (mounts);
	     i++) {
		json_object *m = json_object_array_get_idx (mounts, i);
		const char *s = dmig_json_str (m, "Source"), *d = dmig_json_str (m, "Destination");
		if (s && d && strcmp (s, src) == 0 && strcmp (d, dst) == 0)
			return true;
	}
	if (own_folder (config, dmig_json_str (manifest, "container_id"), src))
		return true;
	return dmig_json_bool (config, "HostConfig.Init") && strcmp (dst, "/run/podman-init") == 0;
}

static bool
is_bind (json_object *m)
{
	const char *type = dmig_json_str (m, "type");
	json_object *opts = dmig_json_get (m, "options");

	if (type && strcmp (type, "bind") == 0)
		return true;
	for (size_t i = 0; json_object_is_type (opts, json_type_array) && i < json_object_array_length (opts); i++) {
		const char *o = json_object_get_string (json_object_array_get_idx (opts, i));
		if (o && (strcmp (o, "bind") == 0 || strcmp (o, "rbind") == 0))
			return true;
	}
	return false;
}

/* Podman's spec.dump: the OCI runtime config the import starts from. A
 * bind mount in it that the container did not have would hand it a folder
 * of the host. */
static int
check_spec (json_object *manifest, const char *data, size_t len, dmig_error_t *err)
{
	json_object *spec, *mounts;
	int ret = 0;

	if (parse ("spec.dump", data, len, json_type_object, &spec, err) < 0)
		return -1;
	mounts = dmig_json_get (spec, "mounts");
	for (size_t i = 0; json_object_is_type (mounts, json_type_array) && i < json_object_array_length (mounts);
	     i++) {
		json_object *m = json_object_array_get_idx (mounts, i);
		const char *src = dmig_json_str (m, "source"), *dst = dmig_json_str (m, "destination");
		if (is_bind (m) && !bind_known (manifest, src, dst)) {
			ret = dmig_error_set (err, DMIG_EPREFLIGHT, 0,
			                      "member 'spec.dump' binds '%s' at '%s', which the container did not have",
			                      src ? src : "", dst ? dst : "");
			break;
		}
	}
	json_object_put (spec);
	return ret;
}

static int
export_member (void *arg, const char *name, const char *data, size_t len, dmig_error_t *err)
{
	if (strcmp (name, "deleted.files") == 0)
		return check_deleted (data, len, err);
	return check_spec (arg, data, len, err);
}

static int
verify_member (json_object *manifest, const char *staging, const char *member, const struct dmig_content *c,
               dmig_error_t *err)
{
	/* the layer, the volumes and /dev/shm's content, each unpacked by
	 * Podman's import */
	static const char *const nested[] = {"rootfs-diff.tar", "volumes/*.tar", "devshm-checkpoint.tar", NULL};
	static const char *const read[] = {"deleted.files", "spec.dump", NULL};
	bool podman =
	    strcmp (dmig_json_str (manifest, "engine") ? dmig_json_str (manifest, "engine") : "", "podman") == 0;
	bool ckpt = strcmp (member, "checkpoint.tar") == 0;
	struct dmig_archive_check chk = {.rules = ckpt && !podman ? NULL : &c->rules};
	int fd, r;

	/* Podman's export holds the layer and the volumes; Docker's checkpoint
	 * only CRIU's images */
	if (ckpt && podman) {
		chk.nested = nested;
		chk.read = read;
		chk.fn = export_member;
		chk.arg = manifest;
	}
	if ((fd = dmig_bundle_member_open (staging, member, err)) < 0)
		return -1;
	r = dmig_archive_verify (fd, &chk, err);
	close (fd);
	if (r < 0) {
		dmig_error_wrap (err, "refusing snapshot member '%s'", member);
		return dmig_error_status (err, DMIG_EPREFLIGHT);
	}
	return 0;
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
