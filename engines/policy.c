/* What a snapshot's config may ask for (policy.h, docs/bundle.md). Docker
 * creates the container from the manifest's config; libpod's inspect has the
 * same Config and HostConfig, so one table serves both. */
#include "policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum kind {
	ON,    /* a flag: true widens unless the reference's is */
	OFF,   /* a flag: false widens where the reference's is true */
	MODE,  /* a namespace: the host's or another's widens */
	ADDS,  /* a list: an element the reference lacks widens */
	DROPS, /* a list: lacking an element of the reference's widens */
	KEYS,  /* an object: a key the reference lacks, or holds otherwise */
	SAME,  /* a value: any other than the reference's widens */
	LIMIT, /* a limit: lifted or raised above the reference's widens */
	FLOOR, /* a number: below the reference's widens (OomScoreAdj) */
};

struct rule {
	const char *path;
	enum kind kind;
	/* gone: not checked (the container's own program, or what each
	 * engine fills in by itself) */
	bool ref_only;
	/* gone: the defaults beside the empty value (DROPS: the elements a
	 * list that is there must hold) */
	const char *const *dflt;
	const char *none; /* a string that means the empty value ("no") */
};

static const char *const nnp[] = {"no-new-privileges", "no-new-privileges:true", "no-new-privileges=true", NULL};
static const char *const cgroupns[] = {"host", NULL}; /* cgroup v1's default */
static const char *const restart[] = {"no", NULL};
static const char *const runtimes[] = {"runc", "crun", "oci", "io.containerd.runc.v2", NULL};
static const char *const parents[] = {"machine.slice", "/libpod_parent", "user.slice", NULL};
static const char *const logs[] = {"json-file", "local", "journald", "k8s-file", "passthrough", "none", NULL};
/* Docker's masks since 20.10; a list without them unmasks the host's /proc */
static const char *const masked[] = {"/proc/asound",
                                     "/proc/acpi",
                                     "/proc/kcore",
                                     "/proc/keys",
                                     "/proc/latency_stats",
                                     "/proc/timer_list",
                                     "/proc/timer_stats",
                                     "/proc/sched_debug",
                                     "/proc/scsi",
                                     "/sys/firmware",
                                     NULL};
static const char *const readonly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL};
/* Podman 5's containers.conf default bounding set is a part of this one */
const char *const dmig_policy_caps[] = {
    "CAP_AUDIT_WRITE", "CAP_CHOWN",   "CAP_DAC_OVERRIDE",     "CAP_FOWNER",     "CAP_FSETID",
    "CAP_KILL",        "CAP_MKNOD",   "CAP_NET_BIND_SERVICE", "CAP_NET_RAW",    "CAP_SETFCAP",
    "CAP_SETGID",      "CAP_SETPCAP", "CAP_SETUID",           "CAP_SYS_CHROOT", NULL};
static const char *const hosts[] = {"image", "none", NULL};
static const char *const healthlogs[] = {"local", "events_logger", NULL};

static const struct rule rules[] = {
    {.path = "HostConfig.Privileged", .kind = ON},
    {.path = "HostConfig.PublishAllPorts", .kind = ON},
    {.path = "HostConfig.OomKillDisable", .kind = ON},
    {.path = "HostConfig.Init", .kind = ON},
    {.path = "HostConfig.ReadonlyRootfs", .kind = OFF},
    {.path = "HostConfig.PidMode", .kind = MODE},
    {.path = "HostConfig.IpcMode", .kind = MODE},
    {.path = "HostConfig.UTSMode", .kind = MODE},
    {.path = "HostConfig.UsernsMode", .kind = MODE},
    {.path = "HostConfig.CgroupnsMode", .kind = MODE, .dflt = cgroupns},
    {.path = "HostConfig.Cgroup", .kind = MODE},
    {.path = "HostConfig.CgroupMode", .kind = MODE, .dflt = cgroupns},
    {.path = "HostConfig.CapAdd", .kind = ADDS},
    /* Podman: the container's own bounding set, which its export's
     * spec.dump is held to (engines/podspec.c) */
    {.path = "BoundingCaps", .kind = ADDS, .dflt = dmig_policy_caps},
    {.path = "HostConfig.CapDrop", .kind = DROPS},
    {.path = "HostConfig.Devices", .kind = ADDS},
    {.path = "HostConfig.DeviceCgroupRules", .kind = ADDS},
    {.path = "HostConfig.DeviceRequests", .kind = ADDS},
    {.path = "HostConfig.SecurityOpt", .kind = ADDS, .dflt = nnp},
    {.path = "HostConfig.Binds", .kind = ADDS},
    {.path = "HostConfig.Mounts", .kind = ADDS},
    {.path = "HostConfig.VolumesFrom", .kind = ADDS},
    {.path = "HostConfig.Links", .kind = ADDS},
    {.path = "HostConfig.GroupAdd", .kind = ADDS},
    {.path = "HostConfig.ExtraHosts", .kind = ADDS},
    {.path = "HostConfig.Dns", .kind = ADDS},
    {.path = "HostConfig.DnsSearch", .kind = ADDS},
    {.path = "HostConfig.DnsOptions", .kind = ADDS},
    {.path = "HostConfig.Ulimits", .kind = ADDS, .ref_only = true},
    {.path = "HostConfig.MaskedPaths", .kind = DROPS, .dflt = masked},
    {.path = "HostConfig.ReadonlyPaths", .kind = DROPS, .dflt = readonly},
    {.path = "HostConfig.Sysctls", .kind = KEYS},
    {.path = "HostConfig.PortBindings", .kind = KEYS},
    {.path = "HostConfig.RestartPolicy.Name", .kind = SAME, .dflt = restart, .none = "no"},
    {.path = "HostConfig.RestartPolicy.MaximumRetryCount", .kind = SAME, .ref_only = true},
    {.path = "HostConfig.Runtime", .kind = SAME, .dflt = runtimes},
    {.path = "HostConfig.CgroupParent", .kind = SAME, .dflt = parents},
    {.path = "HostConfig.LogConfig.Type", .kind = SAME, .dflt = logs},
    {.path = "HostConfig.LogConfig.Config", .kind = SAME, .ref_only = true},
    {.path = "HostConfig.IDMappings", .kind = SAME, .ref_only = true},
    /* Podman 5: a host file its /etc/hosts is made from, a host folder its
     * health log is written to, a host socket told of its start */
    {.path = "HostConfig.HostsFile", .kind = SAME, .dflt = hosts},
    {.path = "Config.HealthLogDestination", .kind = SAME, .dflt = healthlogs},
    {.path = "Config.sdNotifySocket", .kind = SAME},
    /* systemd mode: a writable cgroup file system at its next start */
    {.path = "Config.SystemdMode", .kind = ON},
    {.path = "HostConfig.Memory", .kind = LIMIT, .ref_only = true},
    {.path = "HostConfig.MemorySwap", .kind = LIMIT, .ref_only = true},
    {.path = "HostConfig.NanoCpus", .kind = LIMIT, .ref_only = true},
    {.path = "HostConfig.CpuQuota", .kind = LIMIT, .ref_only = true},
    {.path = "HostConfig.PidsLimit", .kind = LIMIT, .ref_only = true},
    {.path = "HostConfig.OomScoreAdj", .kind = FLOOR},
    {.path = "Config.Cmd", .kind = SAME, .ref_only = true},
    {.path = "Config.Entrypoint", .kind = SAME, .ref_only = true},
    {.path = "Config.User", .kind = SAME, .ref_only = true},
    {.path = "Config.Healthcheck", .kind = SAME, .ref_only = true},
};

/* Absent, null, false, 0, "", [] and {} all mean the engine's default. */
static bool
empty (json_object *v)
{
	switch (json_object_get_type (v)) {
	case json_type_null:
		return true;
	case json_type_boolean:
		return !json_object_get_boolean (v);
	case json_type_int:
	case json_type_double:
		return json_object_get_int64 (v) == 0;
	case json_type_string:
		return json_object_get_string_len (v) == 0;
	case json_type_array:
		return json_object_array_length (v) == 0;
	case json_type_object:
		return json_object_object_length (v) == 0;
	}
	return false;
}

static bool
same (json_object *a, json_object *b, const char *none)
{
	const char *sa = json_object_is_type (a, json_type_string) ? json_object_get_string (a) : NULL;
	const char *sb = json_object_is_type (b, json_type_string) ? json_object_get_string (b) : NULL;

	if (none && ((sa && strcmp (sa, none) == 0) || empty (a)) && ((sb && strcmp (sb, none) == 0) || empty (b)))
		return true;
	return (empty (a) && empty (b)) || json_object_equal (a, b);
}

static bool
listed (const char *const *list, const char *s)
{
	for (size_t i = 0; list && s && list[i]; i++)
		if (strcmp (list[i], s) == 0)
			return true;
	return false;
}

static bool
in_array (json_object *arr, json_object *v)
{
	for (size_t i = 0; json_object_is_type (arr, json_type_array) && i < json_object_array_length (arr); i++)
		if (json_object_equal (json_object_array_get_idx (arr, i), v))
			return true;
	return false;
}

/* A value as a message shows it: a string as it is, anything else as JSON. */
static const char *
text (json_object *v)
{
	if (json_object_is_type (v, json_type_string))
		return json_object_get_string (v);
	return v ? json_object_to_json_string_ext (v, JSON_C_TO_STRING_PLAIN) : "null";
}

static bool widen (struct dmig_widening *w, const char *field, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
static bool
widen (struct dmig_widening *w, const char *field, const char *fmt, ...)
{
	va_list ap;

	w->field = field;
	va_start (ap, fmt);
	vsnprintf (w->what, sizeof (w->what), fmt, ap);
	va_end (ap);
	return true;
}

/* Does the host's namespace, or another container's, or one at a path? */
static bool
shares (const char *s)
{
	return strcmp (s, "host") == 0 || strncmp (s, "container:", 10) == 0 || strncmp (s, "ns:", 3) == 0;
}

/* A bind of dmig's own network files, in Binds' or Mounts' words. */
static bool
netfile (json_object *el)
{
	if (json_object_is_type (el, json_type_string))
		return dmig_container_netfile_bind (json_object_get_string (el));
	return json_object_is_type (el, json_type_object) && dmig_json_str (el, "Type")
	       && strcmp (dmig_json_str (el, "Type"), "bind") == 0
	       && dmig_container_netfile (dmig_json_str (el, "Source"), dmig_json_str (el, "Target"));
}

static bool
check_rule (const struct rule *r, json_object *ref, json_object *cfg, struct dmig_widening *w)
{
	json_object *b = dmig_json_get (cfg, r->path), *a = ref ? dmig_json_get (ref, r->path) : NULL;

	if (ref == NULL && r->ref_only)
		return false;
	switch (r->kind) {
	case ON:
		return !empty (b) && empty (a) && widen (w, r->path, "is %s", text (b));
	case OFF:
		return empty (b) && !empty (a) && widen (w, r->path, "is off");
	case MODE: {
		const char *sb = json_object_is_type (b, json_type_string) ? json_object_get_string (b) : "";
		const char *sa = json_object_is_type (a, json_type_string) ? json_object_get_string (a) : "";

		if (!empty (b) && !json_object_is_type (b, json_type_string))
			return widen (w, r->path, "is not a name");
		if (strcmp (sa, sb) == 0 || (ref == NULL && listed (r->dflt, sb)))
			return false;
		/* a user namespace of its own given up is the host's */
		if (shares (sb) || (strcmp (r->path, "HostConfig.UsernsMode") == 0 && *sa))
			return widen (w, r->path, "is '%s'%s%s%s", sb, ref ? ", not '" : "", ref ? sa : "",
			              ref ? "'" : "");
		return false;
	}
	case ADDS:
		if (!empty (b) && !json_object_is_type (b, json_type_array))
			return widen (w, r->path, "is not a list");
		for (size_t i = 0; !empty (b) && i < json_object_array_length (b); i++) {
			json_object *el = json_object_array_get_idx (b, i);
			/* dmig's network files: a restore makes its own (docker.c) */
			if (netfile (el))
				continue;
			if (!in_array (a, el)
			    && !(ref == NULL && json_object_is_type (el, json_type_string)
			         && listed (r->dflt, json_object_get_string (el))))
				return widen (w, r->path, "adds '%s'", text (el));
		}
		return false;
	case DROPS:
		/* absent: the engine's own defaults (not for CapDrop, which has none) */
		if (b == NULL && r->dflt)
			return false;
		if (!empty (b) && !json_object_is_type (b, json_type_array))
			return widen (w, r->path, "is not a list");
		for (size_t i = 0; json_object_is_type (a, json_type_array) && i < json_object_array_length (a); i++)
			if (!in_array (b, json_object_array_get_idx (a, i)))
				return widen (w, r->path, "leaves out '%s'", text (json_object_array_get_idx (a, i)));
		for (size_t i = 0; ref == NULL && r->dflt && r->dflt[i]; i++) {
			json_object *s = json_object_new_string (r->dflt[i]);
			bool has = in_array (b, s);
			json_object_put (s);
			if (!has)
				return widen (w, r->path, "leaves out '%s'", r->dflt[i]);
		}
		return false;
	case KEYS:
		if (empty (b))
			return false;
		if (!json_object_is_type (b, json_type_object))
			return widen (w, r->path, "is not an object");
		json_object_object_foreach (b, k, v)
		{
			json_object *av = NULL;
			if (!json_object_is_type (a, json_type_object) || !json_object_object_get_ex (a, k, &av)
			    || !json_object_equal (av, v))
				return widen (w, r->path, "sets '%s'", k);
		}
		return false;
	case SAME:
		if (ref == NULL) {
			if (empty (b) || (json_object_is_type (b, json_type_string) && listed (r->dflt, text (b))))
				return false;
			return widen (w, r->path, "is '%s'", text (b));
		}
		if (same (a, b, r->none))
			return false;
		/* both are shown in full when short (a restart policy), a
		 * command only as changed */
		if (json_object_is_type (b, json_type_string) || empty (b))
			return widen (w, r->path, "is '%s', not '%s'", empty (b) ? "" : text (b),
			              empty (a) ? "" : text (a));
		return widen (w, r->path, "is changed to '%.160s'", text (b));
	case LIMIT: {
		int64_t lim = dmig_json_int (a, "", 0), got = dmig_json_int (b, "", 0);
		if (lim > 0 && (got <= 0 || got > lim))
			return widen (w, r->path, "is %lld, the container's %lld", (long long)got, (long long)lim);
		return false;
	}
	case FLOOR: {
		int64_t low = dmig_json_int (a, "", 0), got = dmig_json_int (b, "", 0);
		if (got < low)
			return widen (w, r->path, "is %lld, below %lld", (long long)got, (long long)low);
		return false;
	}
	}
	return false;
}

/* The volumes and bind mounts of cfg's Mounts (what Docker's create names
 * its anonymous volumes from), each one the reference has. */
static bool
check_mounts (const struct dmig_container *ref, json_object *cfg, struct dmig_widening *w)
{
	struct dmig_container c;
	bool found = false;

	if (dmig_container_parse_common (cfg, &c, NULL) < 0)
		return widen (w, "Mounts", "cannot be read");
	for (size_t i = 0; !found && i < c.nmounts; i++) {
		const struct dmig_mount *m = &c.mounts[i], *o = NULL;
		const char *what = m->type == DMIG_MOUNT_VOLUME ? m->name : m->source;

		if (m->type == DMIG_MOUNT_OTHER)
			continue;
		for (size_t j = 0; ref && o == NULL && j < ref->nmounts; j++) {
			const struct dmig_mount *r = &ref->mounts[j];
			const char *rwhat = r->type == DMIG_MOUNT_VOLUME ? r->name : r->source;
			if (r->type == m->type && what && rwhat && strcmp (what, rwhat) == 0 && m->destination
			    && r->destination && strcmp (m->destination, r->destination) == 0)
				o = r;
		}
		if (o == NULL)
			found = widen (w, "Mounts", "%s '%s' at '%s'",
			               m->type == DMIG_MOUNT_VOLUME ? "mounts volume" : "binds", what ? what : "",
			               m->destination ? m->destination : "");
		else if (m->rw && !o->rw)
			found = widen (w, "Mounts", "makes '%s' writable", m->destination);
	}
	dmig_container_clear (&c);
	return found;
}

/* The network it runs in and those it joins. */
static bool
check_networks (const struct dmig_container *ref, json_object *cfg, struct dmig_widening *w)
{
	static const char *const modes[] = {"",      "default", "bridge", "none", "private", "slirp4netns",
	                                    "pasta", "podman",  NULL};
	static const char *const nets[] = {"bridge", "podman", "none", NULL};
	json_object *mode = dmig_json_get (cfg, "HostConfig.NetworkMode");
	json_object *joined = dmig_json_get (cfg, "NetworkSettings.Networks");
	const char *m = json_object_is_type (mode, json_type_string) ? json_object_get_string (mode) : "";
	const char *rm = ref && ref->network_mode ? ref->network_mode : "";

	if (!empty (mode) && !json_object_is_type (mode, json_type_string))
		return widen (w, "HostConfig.NetworkMode", "is not a name");
	/* the same, or none at all */
	if (ref ? strcmp (m, rm) != 0 && strcmp (m, "none") != 0 : !listed (modes, m))
		return widen (w, "HostConfig.NetworkMode", "is '%s'%s%s%s", m, ref ? ", not '" : "", ref ? rm : "",
		              ref ? "'" : "");
	if (!empty (joined) && !json_object_is_type (joined, json_type_object))
		return widen (w, "NetworkSettings.Networks", "is not an object");
	if (empty (joined))
		return false;
	json_object_object_foreach (joined, net, ep)
	{
		bool has = ref == NULL && listed (nets, net);
		(void)ep;
		for (size_t i = 0; ref && !has && i < ref->nnetworks; i++)
			has = strcmp (ref->networks[i], net) == 0;
		if (!has)
			return widen (w, "NetworkSettings.Networks", "joins '%s'", net);
	}
	return false;
}

bool
dmig_policy_widening (const struct dmig_container *ref, json_object *cfg, struct dmig_widening *w)
{
	json_object *raw = ref ? ref->raw : NULL;

	memset (w, 0, sizeof (*w));
	if (!json_object_is_type (cfg, json_type_object))
		return widen (w, "config", "is not the engine's inspect data");
	/* a reference without its own JSON holds nothing: as strict as gone */
	if (ref && raw == NULL)
		return widen (w, "config", "has no container to be held against");
	for (size_t i = 0; i < sizeof (rules) / sizeof (rules[0]); i++)
		if (check_rule (&rules[i], raw, cfg, w))
			return true;
	return check_networks (ref, cfg, w) || check_mounts (ref, cfg, w);
}

const char *
dmig_policy_foreign_volume (const struct dmig_container *ref, json_object *volumes)
{
	for (size_t i = 0; json_object_is_type (volumes, json_type_array) && i < json_object_array_length (volumes);
	     i++) {
		const char *name = json_object_get_string (json_object_array_get_idx (volumes, i));
		const struct dmig_mount *m = NULL;
		bool has = false;

		if (!json_object_is_type (json_object_array_get_idx (volumes, i), json_type_string))
			return "?";
		for (size_t j = 0; ref && !has && (m = dmig_container_next_volume (ref, &j)) != NULL;)
			has = strcmp (m->name, name) == 0;
		if (!has)
			return name;
	}
	return NULL;
}

int
dmig_policy_check (const struct dmig_container *ref, json_object *manifest, const char *what, dmig_error_t *err)
{
	json_object *vols = dmig_json_get (manifest, "volumes");
	const char *v = dmig_policy_foreign_volume (ref, vols);
	struct dmig_widening w;

	if (!empty (vols) && !json_object_is_type (vols, json_type_array))
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                       "snapshot '%s' lists its volumes as no list: the bundle is damaged", what);
	if (v != NULL)
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                       "snapshot '%s' names volume '%s', %s; --trust-config accepts it", what, v,
		                       ref ? "which the container does not mount" : "and the container is gone");
	if (dmig_policy_widening (ref, dmig_json_get (manifest, "config"), &w))
		return dmig_error_set (
		    err, DMIG_EPREFLIGHT, 0,
		    "snapshot '%s' gives the container more power: %s %s%s; --trust-config accepts it", what, w.field,
		    w.what, ref ? "" : " (the container is gone: held against the engine's defaults)");
	return 0;
}
