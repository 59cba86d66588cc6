/* The container model (container.h): the inspect fields both engines share. */
#include "container.h"

#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "cgroup.h"
#include "fs.h"

static int
dup_str (json_object *raw, const char *path, char **out)
{
	const char *s = dmig_json_str (raw, path);

	*out = NULL;
	if (s == NULL)
		return 0;
	*out = strdup (s);
	return *out ? 0 : -1;
}

static int
parse_mounts (json_object *raw, struct dmig_container *c)
{
	json_object *mounts = dmig_json_get (raw, "Mounts");
	size_t n = json_object_is_type (mounts, json_type_array) ? json_object_array_length (mounts) : 0;

	if (n == 0)
		return 0;
	c->mounts = calloc (n, sizeof (*c->mounts));
	if (c->mounts == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		json_object *mt = json_object_array_get_idx (mounts, i);
		struct dmig_mount *m = &c->mounts[c->nmounts++];
		const char *type = dmig_json_str (mt, "Type");

		m->type = type == NULL                   ? DMIG_MOUNT_OTHER
		          : strcmp (type, "bind") == 0   ? DMIG_MOUNT_BIND
		          : strcmp (type, "volume") == 0 ? DMIG_MOUNT_VOLUME
		                                         : DMIG_MOUNT_OTHER;
		m->rw = dmig_json_bool (mt, "RW");
		if ((m->type == DMIG_MOUNT_VOLUME && dup_str (mt, "Name", &m->name) < 0)
		    || dup_str (mt, "Source", &m->source) < 0 || dup_str (mt, "Destination", &m->destination) < 0)
			return -1;
		/* dmig's own network files are the engine's, as the ones they
		 * stand in for: never a bind of the user's */
		if (m->type == DMIG_MOUNT_BIND && dmig_container_netfile (m->source, m->destination))
			m->type = DMIG_MOUNT_OTHER;
	}
	return 0;
}

static int
parse_networks (json_object *raw, struct dmig_container *c)
{
	json_object *nets = dmig_json_get (raw, "NetworkSettings.Networks");

	if (!json_object_is_type (nets, json_type_object) || json_object_object_length (nets) == 0)
		return 0;
	c->networks = calloc ((size_t)json_object_object_length (nets), sizeof (*c->networks));
	if (c->networks == NULL)
		return -1;
	json_object_object_foreach (nets, net, ep)
	{
		(void)ep;
		if ((c->networks[c->nnetworks++] = strdup (net)) == NULL)
			return -1;
	}
	return 0;
}

int
dmig_container_parse_common (json_object *raw, struct dmig_container *c, dmig_error_t *err)
{
	const char *name = dmig_json_str (raw, "Name");

	memset (c, 0, sizeof (*c));
	if (!json_object_is_type (raw, json_type_object))
		return dmig_error_set (err, DMIG_EFAIL, 0, "the engine's inspect answer is not an object");
	c->raw = json_object_get (raw);
	if (name != NULL && (c->name = strdup (name + (name[0] == '/'))) == NULL)
		goto oom;
	c->running = dmig_json_bool (raw, "State.Running");
	c->paused = dmig_json_bool (raw, "State.Paused");
	c->pid = (int)dmig_json_int (raw, "State.Pid", 0);
	c->auto_remove = dmig_json_bool (raw, "HostConfig.AutoRemove");
	c->tty = dmig_json_bool (raw, "Config.Tty");
	c->restart_retries = (int)dmig_json_int (raw, "HostConfig.RestartPolicy.MaximumRetryCount", 0);
	if (dup_str (raw, "Id", &c->id) < 0 || dup_str (raw, "Image", &c->image_id) < 0
	    || dup_str (raw, "Config.Image", &c->image_name) < 0 || dup_str (raw, "GraphDriver.Name", &c->driver) < 0
	    || dup_str (raw, "GraphDriver.Data.UpperDir", &c->upper) < 0
	    /* from API 1.52 the containerd image store names its snapshotter
	     * here instead */
	    || (c->driver == NULL && dup_str (raw, "Storage.RootFS.Snapshot.Name", &c->driver) < 0)
	    || dup_str (raw, "HostConfig.NetworkMode", &c->network_mode) < 0
	    || dup_str (raw, "HostConfig.RestartPolicy.Name", &c->restart_policy) < 0
	    || dup_str (raw, "HostConfig.LogConfig.Type", &c->log_driver) < 0
	    || dup_str (raw, "LogPath", &c->log_path) < 0 || parse_mounts (raw, c) < 0 || parse_networks (raw, c) < 0)
		goto oom;
	c->userns = dmig_json_get (raw, "HostConfig.IDMappings.UidMap") != NULL;
	return 0;
oom:
	dmig_container_clear (c);
	return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
}

void
dmig_container_clear (struct dmig_container *c)
{
	free (c->id);
	free (c->name);
	free (c->image_id);
	free (c->image_name);
	free (c->driver);
	free (c->upper);
	free (c->network_mode);
	for (size_t i = 0; i < c->nnetworks; i++)
		free (c->networks[i]);
	free (c->networks);
	free (c->restart_policy);
	free (c->log_driver);
	free (c->log_path);
	free (c->oci_config);
	free (c->runtime);
	for (size_t i = 0; i < c->nmounts; i++) {
		free (c->mounts[i].name);
		free (c->mounts[i].source);
		free (c->mounts[i].destination);
	}
	free (c->mounts);
	json_object_put (c->raw);
	memset (c, 0, sizeof (*c));
}

void
dmig_container_free (struct dmig_container *c)
{
	if (c == NULL)
		return;
	dmig_container_clear (c);
	free (c);
}

const struct dmig_mount *
dmig_container_next_volume (const struct dmig_container *c, size_t *i)
{
	while (c && *i < c->nmounts) {
		const struct dmig_mount *m = &c->mounts[(*i)++];
		if (m->type == DMIG_MOUNT_VOLUME && m->name != NULL)
			return m;
	}
	return NULL;
}

char *
dmig_container_upper_of (const char *options)
{
	const char *p = options;
	char *out, *q;

	/* an option starts the string or follows a comma */
	while (p && strncmp (p, "upperdir=", 9) != 0)
		if ((p = strchr (p, ',')) != NULL)
			p++;
	if (p == NULL)
		return NULL;
	p += 9;
	if ((out = malloc (strcspn (p, ", \t\n") + 1)) == NULL)
		return NULL;
	for (q = out; *p && !strchr (", \t\n", *p); p++) {
		/* mountinfo writes space, tab, newline and backslash as \ooo */
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0'
		    && p[3] <= '7') {
			*q++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 3;
		} else
			*q++ = *p;
	}
	*q = '\0';
	if (*out == '\0') {
		free (out);
		return NULL;
	}
	return out;
}

char *
dmig_container_upper_from_mountinfo (FILE *f)
{
	char *line = NULL, *upper = NULL;
	size_t cap = 0;

	/* id parent major:minor root mountpoint options [optional...] - type source superoptions */
	while (getline (&line, &cap, f) > 0) {
		char mnt[8], type[16], *dash = strstr (line, " - ");
		int n = 0;

		if (sscanf (line, "%*s %*s %*s %*s %7s %n", mnt, &n) != 1 || n == 0 || strcmp (mnt, "/") != 0)
			continue;
		/* the first mount at "/" is the container's root (%n is set only
		 * when the line has the super options' place) */
		n = 0;
		if (dash != NULL && sscanf (dash, " - %15s %*s %n", type, &n) == 1 && n > 0
		    && strcmp (type, "overlay") == 0)
			upper = dmig_container_upper_of (dash + n);
		break;
	}
	free (line);
	return upper;
}

bool
dmig_container_netfile (const char *source, const char *destination)
{
	static const char *const files[] = {"hosts", "hostname", "resolv.conf"};
	const char *slash, *tok;
	size_t len;

	if (source == NULL || destination == NULL || source[0] != '/' || strstr (source, "/..")
	    || strncmp (destination, "/etc/", 5) != 0 || (slash = strrchr (source, '/')) == NULL)
		return false;
	for (size_t i = 0; i < sizeof (files) / sizeof (files[0]); i++) {
		if (strcmp (slash + 1, files[i]) != 0 || strcmp (destination + 5, files[i]) != 0)
			continue;
		/* .../dmig-net/<16 hex digits>/<file> */
		len = strlen (DMIG_NETFILES);
		tok = slash - 16;
		return tok - source >= (ptrdiff_t)len + 2 && strspn (tok, "0123456789abcdef") == 16 && tok[-1] == '/'
		       && strncmp (tok - 1 - len, DMIG_NETFILES, len) == 0 && tok[-2 - (ptrdiff_t)len] == '/';
	}
	return false;
}

bool
dmig_container_netfile_bind (const char *bind)
{
	const char *colon = bind ? strchr (bind, ':') : NULL, *end;
	char src[4096], dst[256];

	if (colon == NULL || (size_t)(colon - bind) >= sizeof (src))
		return false;
	end = strchr (colon + 1, ':');
	if (end == NULL)
		end = colon + strlen (colon);
	if ((size_t)(end - colon - 1) >= sizeof (dst))
		return false;
	snprintf (src, sizeof (src), "%.*s", (int)(colon - bind), bind);
	snprintf (dst, sizeof (dst), "%.*s", (int)(end - colon - 1), colon + 1);
	return dmig_container_netfile (src, dst);
}

bool
dmig_container_snapshot_dir_ok (const char *path)
{
	const char *tail, *num;
	size_t len;

	if (path == NULL || path[0] != '/' || strstr (path, "/./") || strstr (path, "/../") || strstr (path, "//"))
		return false;
	len = strlen (path);
	if (len < 16 || strcmp (path + len - 3, "/fs") != 0)
		return false;
	/* .../snapshots/<number>/fs */
	for (num = path + len - 3; num > path && num[-1] >= '0' && num[-1] <= '9'; num--)
		;
	if (num == path + len - 3 || num - path < 11)
		return false;
	tail = num - 11;
	return strncmp (tail, "/snapshots/", 11) == 0;
}

uint64_t
dmig_container_footprint (const struct dmig_container *c, bool volumes)
{
	uint64_t total = dmig_cgroup_memory (c->pid);
	const struct dmig_mount *mt;

	if (c->upper)
		total += dmig_fs_tree_size (c->upper);
	for (size_t i = 0; volumes && (mt = dmig_container_next_volume (c, &i)) != NULL;)
		if (mt->source != NULL)
			total += dmig_fs_tree_size (mt->source);
	return total;
}
