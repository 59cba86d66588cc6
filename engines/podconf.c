/* Podman's config.dump: libpod's container config, which its import creates
 * the restored container from (it resets the ID, the name, the log path,
 * the storage and run folders, the runtime, the cgroup manager; all else is
 * taken as it is) and which every later start of the container obeys. Each
 * field that gives power is held against the manifest's config, which the
 * policy holds against the container (docs/bundle.md lists them). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "podspec.h"

struct pc {
	json_object *cfg;  /* the manifest's config: Podman's inspect */
	json_object *conf; /* config.dump */
	const char *id;    /* the manifest's container_id */
	const char *image; /* the manifest's image, as an ID without "sha256:" */
	bool privileged;
	dmig_error_t *err;
};

static int no (struct pc *p, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
static int
no (struct pc *p, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start (ap, fmt);
	vsnprintf (what, sizeof (what), fmt, ap);
	va_end (ap);
	return dmig_error_set (p->err, DMIG_EPREFLIGHT, 0, "member 'config.dump' %s", what);
}

/* A string field of config.dump or the config ("" when absent). */
static const char *
str (json_object *o, const char *path)
{
	const char *s = dmig_json_str (o, path);
	return s ? s : "";
}

/* A list of strings of config.dump, each in the config's list at path. */
static const char *
not_in (json_object *list, json_object *cfg, const char *path)
{
	for (size_t i = 0; i < dmig_json_len (list); i++)
		if (dmig_json_str_at (list, i) == NULL
		    || !dmig_json_has_str (dmig_json_get (cfg, path), dmig_json_str_at (list, i)))
			return dmig_json_str_at (list, i) ? dmig_json_str_at (list, i) : "?";
	return NULL;
}

/* ---- what it is: its root, its image, its program, its user ---- */

/* The config's command (a list; Podman 4's inspect joins the entrypoint
 * into one string) is list? */
static bool
same_command (json_object *list, json_object *own)
{
	char joined[8192] = "";
	size_t at = 0;

	if (json_object_is_type (own, json_type_string)) {
		for (size_t i = 0; i < dmig_json_len (list); i++) {
			int n = snprintf (joined + at, sizeof (joined) - at, "%s%s", i ? " " : "",
			                  dmig_json_str_at (list, i) ? dmig_json_str_at (list, i) : "");
			if (dmig_json_str_at (list, i) == NULL || n < 0 || (size_t)n >= sizeof (joined) - at)
				return false;
			at += (size_t)n;
		}
		return strcmp (joined, json_object_get_string (own)) == 0;
	}
	if (dmig_json_len (list) != dmig_json_len (own))
		return false;
	for (size_t i = 0; i < dmig_json_len (list); i++)
		if (dmig_json_str_at (list, i) == NULL || dmig_json_str_at (own, i) == NULL
		    || strcmp (dmig_json_str_at (list, i), dmig_json_str_at (own, i)) != 0)
			return false;
	return true;
}

static int
conf_identity (struct pc *p)
{
	const char *image = str (p->conf, "rootfsImageID"), *name = str (p->conf, "rootfsImageName");

	if (*str (p->conf, "rootfs"))
		return no (p, "runs the host folder '%s' as the container's root", str (p->conf, "rootfs"));
	/* the image the manifest names and dmig found here; Podman pulls a
	 * name it lacks */
	if (strcmp (image, str (p->cfg, "Image")) != 0 || strcmp (image, p->image) != 0)
		return no (p, "runs image '%s', not the container's '%s'", image, p->image);
	if (*name && strcmp (name, str (p->cfg, "ImageName")) != 0)
		return no (p, "names image '%s', not the container's '%s'", name, str (p->cfg, "ImageName"));
	if (dmig_json_bool (p->conf, "privileged") && !p->privileged)
		return no (p, "makes the container privileged, which its config does not");
	if (dmig_json_bool (p->conf, "mountAllDevices") && !p->privileged)
		return no (p, "gives the container all of the host's devices, which its config does not");
	if (strcmp (str (p->conf, "user"), str (p->cfg, "Config.User")) != 0)
		return no (p, "runs the container as user '%s', not as its '%s'", str (p->conf, "user"),
		           str (p->cfg, "Config.User"));
	if (!same_command (dmig_json_get (p->conf, "command"), dmig_json_get (p->cfg, "Config.Cmd")))
		return no (p, "runs the command '%.160s', not the container's",
		           json_object_to_json_string_ext (dmig_json_get (p->conf, "command"),
		                                           JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	if (!same_command (dmig_json_get (p->conf, "entrypoint"), dmig_json_get (p->cfg, "Config.Entrypoint")))
		return no (p, "runs the entrypoint '%.160s', not the container's",
		           json_object_to_json_string_ext (dmig_json_get (p->conf, "entrypoint"),
		                                           JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	if (dmig_json_bool (p->conf, "systemd") && !dmig_json_bool (p->cfg, "Config.SystemdMode"))
		return no (p, "runs the container in systemd mode, which its config does not");
	return 0;
}

/* ---- what it shares: namespaces, networks, ports ---- */

static bool
shares (const char *mode)
{
	return strcmp (mode, "host") == 0 || strncmp (mode, "ns:", 3) == 0 || strncmp (mode, "container:", 10) == 0;
}

/* The config's PortBindings publish host port hport for cport/proto at ip? */
static bool
published (struct pc *p, int64_t cport, const char *proto, size_t plen, int64_t hport, const char *ip)
{
	char key[64], want[24];
	json_object *list;

	snprintf (key, sizeof (key), "%lld/%.*s", (long long)cport, (int)plen, proto);
	snprintf (want, sizeof (want), "%lld", (long long)hport);
	if (!json_object_object_get_ex (dmig_json_get (p->cfg, "HostConfig.PortBindings"), key, &list))
		return false;
	for (size_t i = 0; i < dmig_json_len (list); i++) {
		json_object *b = json_object_array_get_idx (list, i);
		const char *bip = str (b, "HostIp");
		if (strcmp (str (b, "HostPort"), want) == 0
		    && (strcmp (bip, ip) == 0
		        || ((!*bip || !strcmp (bip, "0.0.0.0")) && (!*ip || !strcmp (ip, "0.0.0.0")))))
			return true;
	}
	return false;
}

static int
conf_ports (struct pc *p)
{
	static const struct {
		const char *list, *cport, *hport, *proto, *ip, *range;
	} kinds[] = {{"newPortMappings", "container_port", "host_port", "protocol", "host_ip", "range"},
	             {"portMappings", "containerPort", "hostPort", "protocol", "hostIP", NULL}};

	for (size_t k = 0; k < sizeof (kinds) / sizeof (kinds[0]); k++) {
		json_object *list = dmig_json_get (p->conf, kinds[k].list);
		for (size_t i = 0; i < dmig_json_len (list); i++) {
			json_object *m = json_object_array_get_idx (list, i);
			int64_t cport = dmig_json_int (m, kinds[k].cport, 0),
			        hport = dmig_json_int (m, kinds[k].hport, 0);
			int64_t range = kinds[k].range ? dmig_json_int (m, kinds[k].range, 1) : 1;
			const char *proto = *str (m, kinds[k].proto) ? str (m, kinds[k].proto) : "tcp";

			if (range < 1 || range > 65536)
				return no (p, "publishes %lld ports at once", (long long)range);
			for (int64_t r = 0; r < range; r++)
				for (const char *pr = proto; *pr;
				     pr += strcspn (pr, ",") + (pr[strcspn (pr, ",")] == ','))
					if (!published (p, cport + r, pr, strcspn (pr, ","), hport + r,
					                str (m, kinds[k].ip)))
						return no (p,
						           "publishes port %lld of the host, which the container's "
						           "config does not",
						           (long long)(hport + r));
		}
	}
	return 0;
}

static int
conf_namespaces (struct pc *p)
{
	static const char *const ctrs[] = {"ipcNsCtr",  "mountNsCtr", "netNsCtr",    "pidNsCtr",
	                                   "userNsCtr", "utsNsCtr",   "cgroupNsCtr", NULL};
	const char *net = str (p->conf, "networkMode");
	json_object *nets = dmig_json_get (p->conf, "newNetworks"), *opts = dmig_json_get (p->conf, "network_options");
	const char *bad;

	if (*str (p->conf, "pod") || dmig_json_bool (p->conf, "pause"))
		return no (p, "puts the container in pod '%s'", str (p->conf, "pod"));
	for (const char *const *c = ctrs; *c; c++)
		if (*str (p->conf, *c))
			return no (p, "shares a namespace of container '%s' (%s)", str (p->conf, *c), *c);
	if (shares (net) && strcmp (net, str (p->cfg, "HostConfig.NetworkMode")) != 0)
		return no (p, "puts the container in network '%s', not its '%s'", net,
		           str (p->cfg, "HostConfig.NetworkMode"));
	/* the networks it joins and their options (slirp4netns's
	 * allow_host_loopback reaches the host's own services) */
	if (json_object_is_type (nets, json_type_object)) {
		json_object_object_foreach (nets, name, o)
		{
			(void)o;
			if (!json_object_object_get_ex (dmig_json_get (p->cfg, "NetworkSettings.Networks"), name, NULL))
				return no (p, "joins network '%s', which the container is not on", name);
		}
	}
	for (size_t i = 0; i < dmig_json_len (dmig_json_get (p->conf, "networks")); i++) {
		const char *name = dmig_json_str_at (dmig_json_get (p->conf, "networks"), i);
		if (name == NULL
		    || !json_object_object_get_ex (dmig_json_get (p->cfg, "NetworkSettings.Networks"), name, NULL))
			return no (p, "joins network '%s', which the container is not on", name ? name : "?");
	}
	if (json_object_is_type (opts, json_type_object)) {
		json_object_object_foreach (opts, driver, list)
		{
			for (size_t i = 0; i < dmig_json_len (list); i++)
				if (dmig_json_str_at (list, i) == NULL
				    || strstr (str (p->cfg, "HostConfig.NetworkMode"), dmig_json_str_at (list, i))
				           == NULL)
					return no (
					    p, "gives network '%s' option '%s', which the container's config does not",
					    driver, dmig_json_str_at (list, i) ? dmig_json_str_at (list, i) : "?");
		}
	}
	if ((bad = not_in (dmig_json_get (p->conf, "dnsServer"), p->cfg, "HostConfig.Dns"))
	    || (bad = not_in (dmig_json_get (p->conf, "dnsSearch"), p->cfg, "HostConfig.DnsSearch"))
	    || (bad = not_in (dmig_json_get (p->conf, "dnsOption"), p->cfg, "HostConfig.DnsOptions"))
	    || (bad = not_in (dmig_json_get (p->conf, "hostsAdd"), p->cfg, "HostConfig.ExtraHosts")))
		return no (p, "sets name resolution '%s', which the container's config does not", bad);
	return conf_ports (p);
}

/* ---- what it mounts ---- */

/* A mount of the config's Mounts of type at dst (and of source or name
 * what, when not NULL). */
static json_object *
mounted (struct pc *p, const char *type, const char *what, const char *dst)
{
	json_object *m = dmig_podspec_mount_at (p->cfg, dst);
	const char *t = str (m, "Type");

	if (m == NULL || (type && strcmp (t, type) != 0))
		return NULL;
	if (what && strcmp (str (m, strcmp (t, "volume") == 0 ? "Name" : "Source"), what) != 0)
		return NULL;
	return m;
}

/* Podman's own mounts (unmounted from the host when the container stops):
 * its /dev/shm folders, in the container storage its StaticDir is in
 * (".../overlay-containers/<id>/userdata/shm", also of an earlier ID the
 * container had before a restore). */
static bool
own_shm (struct pc *p, const char *path)
{
	const char *dir = str (p->cfg, "StaticDir"), *tail;
	size_t n = strlen (dir), il = p->id ? strlen (p->id) : 0, base;

	if (n > 0 && strncmp (path, dir, n) == 0 && strcmp (path + n, "/shm") == 0)
		return true;
	/* <base>/<id>/userdata: another 64-digit ID in its place */
	if (il == 0 || n < il + 10 || strcmp (dir + n - 9, "/userdata") != 0
	    || strncmp (dir + n - 9 - il, p->id, il) != 0 || dir[n - 10 - il] != '/')
		return false;
	base = n - 9 - il;
	tail = path + base;
	return strncmp (path, dir, base) == 0 && strlen (tail) == 64 + strlen ("/userdata/shm")
	       && strspn (tail, "0123456789abcdef") == 64 && strcmp (tail + 64, "/userdata/shm") == 0;
}

static int
conf_volumes (struct pc *p)
{
	json_object *named = dmig_json_get (p->conf, "namedVolumes"), *over = dmig_json_get (p->conf, "overlayVolumes");
	json_object *images = dmig_json_get (p->conf, "ctrImageVolumes");
	json_object *arts = dmig_json_get (p->conf, "artifactVolumes"), *own = dmig_json_get (p->conf, "mounts");

	for (size_t i = 0; i < dmig_json_len (named); i++) {
		json_object *v = json_object_array_get_idx (named, i), *opts = dmig_json_get (v, "options");
		const char *name = str (v, "volumeName"), *dst = str (v, "dest");
		json_object *m = mounted (p, "volume", name, dst);

		if (m == NULL)
			return no (p, "mounts volume '%s' at '%s', which the container did not have", name, dst);
		/* a volume made with driver options: "device=/" binds the host's */
		for (size_t j = 0; j < dmig_json_len (opts); j++)
			if (dmig_json_str_at (opts, j) && strncmp (dmig_json_str_at (opts, j), "volume-opt", 10) == 0)
				return no (p, "makes volume '%s' with driver option '%s'", name,
				           dmig_json_str_at (opts, j));
		if (strcmp (str (v, "SubPath"), str (m, "SubPath")) != 0)
			return no (p, "mounts '%s' of volume '%s', not the container's", str (v, "SubPath"), name);
		if (json_object_is_type (dmig_json_get (m, "RW"), json_type_boolean) && !dmig_json_bool (m, "RW")
		    && !dmig_json_has_str (opts, "ro"))
			return no (p, "mounts volume '%s' writable, which the container has read-only", name);
	}
	for (size_t i = 0; i < dmig_json_len (over); i++) {
		json_object *v = json_object_array_get_idx (over, i);
		if (mounted (p, NULL, NULL, str (v, "dest")) == NULL
		    || strcmp (str (mounted (p, NULL, NULL, str (v, "dest")), "Source"), str (v, "source")) != 0)
			return no (p, "lays the host folder '%s' over '%s', which the container did not have",
			           str (v, "source"), str (v, "dest"));
	}
	for (size_t i = 0; i < dmig_json_len (images); i++) {
		json_object *v = json_object_array_get_idx (images, i);
		if (mounted (p, "image", NULL, str (v, "dest")) == NULL)
			return no (p, "mounts image '%s' at '%s', which the container did not have", str (v, "source"),
			           str (v, "dest"));
	}
	for (size_t i = 0; i < dmig_json_len (arts); i++) {
		json_object *v = json_object_array_get_idx (arts, i);
		if (mounted (p, "artifact", NULL, str (v, "dest")) == NULL)
			return no (p, "mounts artifact '%s' at '%s', which the container did not have",
			           str (v, "source"), str (v, "dest"));
	}
	for (size_t i = 0; i < dmig_json_len (own); i++)
		if (dmig_json_str_at (own, i) == NULL || !own_shm (p, dmig_json_str_at (own, i)))
			return no (p, "has Podman unmount '%s' from the host, which is not the container's /dev/shm",
			           dmig_json_str_at (own, i) ? dmig_json_str_at (own, i) : "?");
	return 0;
}

/* ---- what else it is handed ---- */

/* A secret of the config's Config.Secrets by name. */
static bool
secret_given (struct pc *p, const char *name)
{
	json_object *own = dmig_json_get (p->cfg, "Config.Secrets");

	for (size_t i = 0; name && i < dmig_json_len (own); i++)
		if (strcmp (str (json_object_array_get_idx (own, i), "Name"), name) == 0)
			return true;
	return false;
}

static int
conf_handed (struct pc *p)
{
	json_object *secrets = dmig_json_get (p->conf, "secrets"), *env = dmig_json_get (p->conf, "secret_env");
	json_object *devs = dmig_json_get (p->conf, "device_host_src"),
	            *own = dmig_json_get (p->cfg, "HostConfig.Devices");

	for (size_t i = 0; i < dmig_json_len (secrets); i++) {
		const char *name = str (json_object_array_get_idx (secrets, i), "name");
		if (!secret_given (p, name))
			return no (p, "hands the container the host's secret '%s', which its config does not", name);
	}
	if (json_object_is_type (env, json_type_object)) {
		json_object_object_foreach (env, var, sec)
		{
			if (!secret_given (p, str (sec, "name")))
				return no (
				    p, "hands the container the host's secret '%s' (as $%s), which its config does not",
				    str (sec, "name"), var);
		}
	}
	if (dmig_json_len (dmig_json_get (p->conf, "cdiDevices")) > 0)
		return no (p, "gives the container CDI device '%s' (a host's spec of devices, mounts and hooks)",
		           dmig_json_str_at (dmig_json_get (p->conf, "cdiDevices"), 0)
		               ? dmig_json_str_at (dmig_json_get (p->conf, "cdiDevices"), 0)
		               : "?");
	for (size_t i = 0; !p->privileged && i < dmig_json_len (devs); i++) {
		const char *path = str (json_object_array_get_idx (devs, i), "path");
		bool given = false;
		for (size_t j = 0; !given && j < dmig_json_len (own); j++)
			given = strcmp (str (json_object_array_get_idx (own, j), "PathOnHost"), path) == 0;
		if (!given)
			return no (p, "gives the container the host's device '%s', which its config does not", path);
	}
	if (dmig_json_int (p->conf, "preserveFds", 0) != 0 || dmig_json_len (dmig_json_get (p->conf, "preserveFd")) > 0)
		return no (p, "passes open files of Podman to the container (preserve-fds)");
	if (!p->privileged && dmig_json_bool (p->conf, "label_nested")
	    && !dmig_podspec_security_opt (p->cfg, "label=nested"))
		return no (p, "lets the container run containers of its own under SELinux (label_nested)");
	if (strcmp (str (p->conf, "ProcessLabel"), str (p->cfg, "ProcessLabel")) != 0
	    || strcmp (str (p->conf, "MountLabel"), str (p->cfg, "MountLabel")) != 0)
		return no (p, "labels the container '%s' for SELinux, not '%s'", str (p->conf, "ProcessLabel"),
		           str (p->cfg, "ProcessLabel"));
	return 0;
}

/* ---- where it writes on the host, and how it is kept ---- */

/* A host path config.dump names: none, or the one the config names, or
 * (own) one in the container's own storage. */
static int
host_path (struct pc *p, const char *key, const char *own_key, bool own, const char *what)
{
	const char *v = str (p->conf, key);

	if (*v == '\0' || (own_key && strcmp (v, str (p->cfg, own_key)) == 0)
	    || (own && dmig_podspec_own_path (p->cfg, p->id, v)))
		return 0;
	return no (p, "%s '%s' on the host, which the container's config does not", what, v);
}

static const char *
or_no (const char *s)
{
	return *s ? s : "no";
}

static int
conf_host (struct pc *p)
{
	static const char *const parents[] = {"", "/libpod_parent", "machine.slice", NULL};
	const char *parent = str (p->conf, "cgroupParent"), *own_parent = str (p->cfg, "HostConfig.CgroupParent");
	const char *hl = str (p->conf, "healthLogDestination"), *hosts = str (p->conf, "baseHostsFile");
	bool default_parent = false;
	const char *bad;

	/* conmon's and the runtime's PID files: the container's own (Podman
	 * puts them back in place only when they are in its run folder) */
	if (host_path (p, "conmonPidFile", NULL, true, "has conmon write its PID to") < 0
	    || host_path (p, "pid_file", NULL, true, "has the runtime write the container's PID to") < 0
	    || host_path (p, "sdnotifySocket", "Config.sdNotifySocket", false, "sends the container's notifications to")
	           < 0)
		return -1;
	/* Podman 5: a host folder its health log goes to, a host file its
	 * /etc/hosts is made from */
	if (*hl == '/' && strcmp (hl, str (p->cfg, "Config.HealthLogDestination")) != 0)
		return no (p, "writes the container's health log into '%s' on the host, which its config does not", hl);
	if (*hosts == '/' && strcmp (hosts, str (p->cfg, "HostConfig.HostsFile")) != 0)
		return no (p, "makes the container's /etc/hosts from '%s' of the host, which its config does not",
		           hosts);
	if (strcmp (or_no (str (p->conf, "restart_policy")), or_no (str (p->cfg, "HostConfig.RestartPolicy.Name"))) != 0
	    || dmig_json_int (p->conf, "restart_retries", 0)
	           != dmig_json_int (p->cfg, "HostConfig.RestartPolicy.MaximumRetryCount", 0))
		return no (p, "restarts the container ('%s', %lld retries), not as its config ('%s', %lld)",
		           or_no (str (p->conf, "restart_policy")),
		           (long long)dmig_json_int (p->conf, "restart_retries", 0),
		           or_no (str (p->cfg, "HostConfig.RestartPolicy.Name")),
		           (long long)dmig_json_int (p->cfg, "HostConfig.RestartPolicy.MaximumRetryCount", 0));
	for (const char *const *d = parents; *d; d++)
		default_parent = default_parent || strcmp (parent, *d) == 0;
	if (strcmp (parent, own_parent) != 0 && !(*own_parent == '\0' && default_parent))
		return no (p, "puts the container in cgroup '%s', not its %s%s%s", parent, *own_parent ? "'" : "",
		           *own_parent ? own_parent : "default one", *own_parent ? "'" : "");
	if ((dmig_json_bool (p->conf, "noCgroups") || strcmp (str (p->conf, "cgroupsMode"), "disabled") == 0)
	    && strcmp (str (p->cfg, "HostConfig.Cgroups"), "disabled") != 0)
		return no (p, "runs the container outside any cgroup, which its config does not");
	if (*str (p->conf, "logDriver")
	    && strcmp (str (p->conf, "logDriver"), str (p->cfg, "HostConfig.LogConfig.Type")) != 0)
		return no (p, "logs the container by '%s', not by its '%s'", str (p->conf, "logDriver"),
		           str (p->cfg, "HostConfig.LogConfig.Type"));
	if ((bad = not_in (dmig_json_get (p->conf, "groups"), p->cfg, "HostConfig.GroupAdd")) != NULL)
		return no (p, "adds the container's user to group '%s', which its config does not", bad);
	return 0;
}

/* The user namespace's mappings as the config writes them ("0:1000:65536"). */
static bool
same_mappings (json_object *maps, json_object *own)
{
	if (dmig_json_len (maps) != dmig_json_len (own))
		return false;
	for (size_t i = 0; i < dmig_json_len (maps); i++) {
		json_object *m = json_object_array_get_idx (maps, i);
		char want[96];
		snprintf (want, sizeof (want), "%lld:%lld:%lld", (long long)dmig_json_int (m, "container_id", -1),
		          (long long)dmig_json_int (m, "host_id", -1), (long long)dmig_json_int (m, "size", -1));
		if (dmig_json_str_at (own, i) == NULL || strcmp (dmig_json_str_at (own, i), want) != 0)
			return false;
	}
	return true;
}

static int
conf_users (struct pc *p)
{
	json_object *ids = dmig_json_get (p->conf, "idMappingsOptions");

	if (!same_mappings (dmig_json_get (ids, "UIDMap"), dmig_json_get (p->cfg, "HostConfig.IDMappings.UidMap"))
	    || !same_mappings (dmig_json_get (ids, "GIDMap"), dmig_json_get (p->cfg, "HostConfig.IDMappings.GidMap")))
		return no (p, "maps the container's user IDs otherwise than its config");
	return 0;
}

int
dmig_podconf_check (json_object *manifest, json_object *conf, dmig_error_t *err)
{
	struct pc p = {.cfg = dmig_json_get (manifest, "config"),
	               .conf = conf,
	               .id = dmig_json_str (manifest, "container_id"),
	               .err = err};

	p.privileged = dmig_json_bool (p.cfg, "HostConfig.Privileged");
	p.image = str (manifest, "image");
	p.image += strncmp (p.image, "sha256:", 7) == 0 ? 7 : 0;
	if (!json_object_is_type (conf, json_type_object))
		return no (&p, "is not JSON object");
	if (conf_identity (&p) < 0 || conf_namespaces (&p) < 0 || conf_volumes (&p) < 0 || conf_handed (&p) < 0
	    || conf_host (&p) < 0 || conf_users (&p) < 0)
		return -1;
	return 0;
}
