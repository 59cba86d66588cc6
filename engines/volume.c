/* Named volumes: made, emptied, filled from a snapshot, removed. Both
 * engines serve Docker's volume API. */
#include "volume.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive_io.h"
#include "content.h"
#include "fs.h"
#include "ref.h"

int
dmig_volume_get (struct dmig_engine *e, const char *name, char **mountpoint, dmig_error_t *err)
{
	/* Both engines serve Docker's volume API. */
	json_object *v = NULL, *body;
	const char *mp;
	char path[1024];
	int st;

	*mountpoint = NULL;
	if (dmig_ref_valid_container (name, err) < 0
	    || dmig_engine_path (e, true, path, sizeof (path), err, "/volumes/%s", name) < 0)
		return -1;
	st = dmig_engine_call (e, "GET", path, NULL, DMIG_API_TIMEOUT_MS, &v, err);
	if (st < 0)
		return -1;
	if (st == 404) {
		json_object_put (v);
		v = NULL;
		body = json_object_new_object ();
		json_object_object_add (body, "Name", json_object_new_string (name));
		st = dmig_engine_path (e, true, path, sizeof (path), err, "/volumes/create") < 0
		         ? -1
		         : dmig_engine_must (e, "POST", path, body, DMIG_API_TIMEOUT_MS, &v, err);
		json_object_put (body);
		if (st < 0)
			return dmig_error_wrap (err, "cannot create volume '%s'", name);
	} else if (st != 200) {
		dmig_engine_fail (e, st, v, err, "cannot inspect volume '%s'", name);
		json_object_put (v);
		return -1;
	}
	mp = dmig_json_str (v, "Mountpoint");
	if (mp == NULL || *mp != '/') {
		json_object_put (v);
		return dmig_error_set (err, DMIG_EFAIL, 0, "volume '%s' has no local mount point", name);
	}
	*mountpoint = strdup (mp);
	json_object_put (v);
	return *mountpoint ? 0 : dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
}

int
dmig_volume_prepare (struct dmig_engine *e, const char *name, char **mountpoint, dmig_error_t *err)
{
	if (dmig_volume_get (e, name, mountpoint, err) < 0)
		return -1;
	if (dmig_fs_empty_dir (*mountpoint, err) < 0) {
		free (*mountpoint);
		*mountpoint = NULL;
		return dmig_error_wrap (err, "cannot empty volume '%s'", name);
	}
	return 0;
}

int
dmig_volume_restore_all (struct dmig_engine *e, json_object *manifest, const char *staging, const char *nested,
                         dmig_error_t *err)
{
	json_object *vols = dmig_json_get (manifest, "volumes");

	for (size_t i = 0; json_object_is_type (vols, json_type_array) && i < json_object_array_length (vols); i++) {
		const char *vname = json_object_get_string (json_object_array_get_idx (vols, i));
		char member[DMIG_MEMBER_NAME_MAX], *mp = NULL;
		struct dmig_content c;
		bool found = true;
		int fd, r;

		snprintf (member, sizeof (member), "volumes/%s.tar", vname ? vname : "");
		if (dmig_volume_prepare (e, vname ? vname : "", &mp, err) < 0)
			return -1;
		/* what it may hold, as dmig_content_verify checked */
		dmig_content_rules (manifest, &c);
		fd = dmig_bundle_member_open (staging, nested ? nested : member, err);
		r = fd < 0           ? -1
		    : nested != NULL ? dmig_archive_extract_nested (fd, member, mp, &c.rules, &found, err)
		                     : dmig_archive_extract (fd, mp, &c.rules, err);
		if (fd >= 0)
			close (fd);
		free (mp);
		if (r < 0)
			return dmig_error_wrap (err, "cannot restore volume '%s'", vname);
		if (!found)
			return dmig_error_set (err, DMIG_EFAIL, 0, "the checkpoint lacks volume '%s'", vname);
	}
	return 0;
}

int
dmig_volume_remove (struct dmig_engine *e, const char *name, dmig_error_t *err)
{
	json_object *ans = NULL;
	char path[1024];
	int st;

	if (dmig_engine_path (e, false, path, sizeof (path), err, "/volumes/%s?force=true", name) < 0)
		return -1;
	st = dmig_engine_call (e, "DELETE", path, NULL, DMIG_API_TIMEOUT_MS, &ans, err);
	if (st >= 300 && st != 404)
		dmig_engine_fail (e, st, ans, err, "cannot remove volume '%s'", name);
	json_object_put (ans);
	return st < 0 || (st >= 300 && st != 404) ? -1 : 0;
}
