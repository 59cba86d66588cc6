/* The container model (container.h): the inspect fields both engines share. */
#include "container.h"

#include <stdlib.h>
#include <string.h>

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
