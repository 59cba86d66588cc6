/* Podman's spec.dump: the OCI runtime config its import runs the restored
 * container by (only root.path, the cgroup path, the network namespace it
 * makes anew and the binds of its own files are put back by Podman), and the
 * base of every later start. Each part that gives power is held against
 * the manifest's config, which the policy holds against the container. */
#include "podspec.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "policy.h"

static const char *const default_hooks_dirs[] = {"/usr/share/containers/oci/hooks.d", "/etc/containers/oci/hooks.d",
                                                 NULL};
const char *const *dmig_podspec_hooks_dirs = default_hooks_dirs;

/* What one check looks at. */
struct ps {
	json_object *cfg;  /* the manifest's config: Podman's inspect */
	const char *id;    /* the manifest's container_id */
	json_object *spec; /* spec.dump */
	json_object *conf; /* config.dump */
	bool privileged;
	dmig_error_t *err;
};

static int no (struct ps *p, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
static int
no (struct ps *p, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start (ap, fmt);
	vsnprintf (what, sizeof (what), fmt, ap);
	va_end (ap);
	return dmig_error_set (p->err, DMIG_EPREFLIGHT, 0, "member 'spec.dump' %s", what);
}

static bool
listed (const char *const *list, const char *s)
{
	for (; s && list && *list; list++)
		if (strcmp (*list, s) == 0)
			return true;
	return false;
}

/* A path with a ".." component. */
static bool
dotdot (const char *s)
{
	for (;;) {
		const char *slash = strchr (s, '/');
		size_t n = slash ? (size_t)(slash - s) : strlen (s);
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return true;
		if (slash == NULL)
			return false;
		s = slash + 1;
	}
}

/* path lies in folder (or is it)? */
static bool
within (const char *path, const char *folder, size_t n)
{
	return n > 1 && strncmp (path, folder, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

bool
dmig_podspec_own_path (json_object *cfg, const char *id, const char *path)
{
	static const char *const files[] = {"HostsPath", "ResolvConfPath", "HostnamePath", "ConmonPidFile", NULL};
	const char *dir = dmig_json_str (cfg, "StaticDir");

	if (id == NULL || strlen (id) < 12 || path == NULL || *path != '/' || dotdot (path))
		return false;
	if (dir && strstr (dir, id) && within (path, dir, strlen (dir)))
		return true;
	for (const char *const *k = files; *k; k++) {
		const char *f = dmig_json_str (cfg, *k), *slash = f ? strrchr (f, '/') : NULL;
		if (slash && strstr (f, id) && (size_t)(slash - f) > strlen (id)
		    && within (path, f, (size_t)(slash - f)))
			return true;
	}
	return false;
}

bool
dmig_podspec_security_opt (json_object *cfg, const char *opt)
{
	json_object *opts = dmig_json_get (cfg, "HostConfig.SecurityOpt");
	size_t k = strcspn (opt, "="); /* the option's name */

	for (size_t i = 0; i < dmig_json_len (opts); i++) {
		const char *o = dmig_json_str_at (opts, i);
		if (o == NULL || strncmp (o, opt, k) != 0)
			continue;
		if (opt[k] == '\0') {
			if (o[k] == '\0')
				return true;
		} else if ((o[k] == '=' || o[k] == ':') && (opt[k + 1] == '\0' || strcmp (o + k + 1, opt + k + 1) == 0))
			return true;
	}
	return false;
}

json_object *
dmig_podspec_mount_at (json_object *cfg, const char *dst)
{
	json_object *mounts = dmig_json_get (cfg, "Mounts");

	for (size_t i = 0; dst && i < dmig_json_len (mounts); i++) {
		json_object *m = json_object_array_get_idx (mounts, i);
		const char *d = dmig_json_str (m, "Destination");
		if (d && strcmp (d, dst) == 0)
			return m;
	}
	return NULL;
}

/* ---- capabilities ---- */

/* "CAP_SYS_ADMIN", "SYS_ADMIN" and "sys_admin" are one capability. */
static bool
cap_eq (const char *a, const char *b)
{
	if (strncasecmp (a, "CAP_", 4) == 0)
		a += 4;
	if (strncasecmp (b, "CAP_", 4) == 0)
		b += 4;
	return strcasecmp (a, b) == 0;
}

/* In a list of the config's (CapAdd, CapDrop, BoundingCaps), "ALL" too. */
static bool
cap_in (json_object *list, const char *cap)
{
	for (size_t i = 0; i < dmig_json_len (list); i++) {
		const char *c = dmig_json_str_at (list, i);
		if (c && (strcasecmp (c, "ALL") == 0 || cap_eq (c, cap)))
			return true;
	}
	return false;
}

/* Privileged: all. Podman's inspect has the bounding set itself (held by
 * the policy); without it, the engines' default set, CapAdd and CapDrop. */
static bool
cap_allowed (struct ps *p, const char *cap)
{
	json_object *bounding = dmig_json_get (p->cfg, "BoundingCaps");

	if (p->privileged)
		return true;
	if (json_object_is_type (bounding, json_type_array))
		return cap_in (bounding, cap);
	if (cap_in (dmig_json_get (p->cfg, "HostConfig.CapAdd"), cap))
		return true;
	for (const char *const *c = dmig_policy_caps; *c; c++)
		if (cap_eq (*c, cap))
			return !cap_in (dmig_json_get (p->cfg, "HostConfig.CapDrop"), cap);
	return false;
}

static int
spec_caps (struct ps *p)
{
	static const char *const sets[] = {"bounding", "effective", "permitted", "inheritable", "ambient", NULL};
	json_object *caps = dmig_json_get (p->spec, "process.capabilities");

	/* runc leaves root's capabilities as they are when none are named */
	if (caps == NULL)
		return p->privileged ? 0 : no (p, "names no capabilities, so the process keeps all of root's");
	if (!json_object_is_type (caps, json_type_object))
		return no (p, "holds capabilities that are not an object");
	for (const char *const *s = sets; *s; s++) {
		json_object *set = dmig_json_get (caps, *s);
		if (set == NULL)
			continue;
		if (!json_object_is_type (set, json_type_array))
			return no (p, "holds a capability set '%s' that is not a list", *s);
		for (size_t i = 0; i < dmig_json_len (set); i++) {
			const char *c = dmig_json_str_at (set, i);
			if (c == NULL)
				return no (p, "holds a capability that is not a name");
			if (!cap_allowed (p, c))
				return no (p, "gives the process %s (%s), which the container's config does not", c,
				           *s);
		}
	}
	return 0;
}

/* ---- devices ---- */

/* A device of the host the config gives the container (--device): type
 * 'c' or 'b' and numbers as its PathOnHost is here; at path_in when not
 * NULL. */
static bool
device_given (struct ps *p, char type, int64_t maj, int64_t min, const char *path_in)
{
	json_object *devs = dmig_json_get (p->cfg, "HostConfig.Devices");

	for (size_t i = 0; i < dmig_json_len (devs); i++) {
		json_object *d = json_object_array_get_idx (devs, i);
		const char *host = dmig_json_str (d, "PathOnHost"), *in = dmig_json_str (d, "PathInContainer");
		struct stat st;

		if (host == NULL || (path_in && (in == NULL || strcmp (in, path_in) != 0)) || stat (host, &st) < 0
		    || !(S_ISCHR (st.st_mode) || S_ISBLK (st.st_mode)))
			continue;
		if ((S_ISBLK (st.st_mode) ? 'b' : 'c') == type && (int64_t)major (st.st_rdev) == maj
		    && (int64_t)minor (st.st_rdev) == min)
			return true;
	}
	return false;
}

static char
dev_type (const char *t)
{
	return t == NULL ? 'a' : strcmp (t, "u") == 0 ? 'c' : *t;
}

static int
spec_devices (struct ps *p)
{
	json_object *nodes = dmig_json_get (p->spec, "linux.devices");
	json_object *rules = dmig_json_get (p->spec, "linux.resources.devices");

	if (p->privileged)
		return 0;
	/* the nodes made in its /dev */
	for (size_t i = 0; i < dmig_json_len (nodes); i++) {
		json_object *d = json_object_array_get_idx (nodes, i);
		const char *path = dmig_json_str (d, "path");
		char t = dev_type (dmig_json_str (d, "type"));
		int64_t maj = dmig_json_int (d, "major", -1), min = dmig_json_int (d, "minor", -1);

		if (t == 'p')
			continue; /* a fifo */
		if (!device_given (p, t, maj, min, path))
			return no (p, "makes device '%s' (%c %lld:%lld), which the container's config does not give it",
			           path ? path : "", t, (long long)maj, (long long)min);
	}
	/* the cgroup's rules: each allowed device one it was given; mknod
	 * alone opens nothing */
	for (size_t i = 0; i < dmig_json_len (rules); i++) {
		json_object *r = json_object_array_get_idx (rules, i);
		const char *access = dmig_json_str (r, "access");
		char t = dev_type (dmig_json_str (r, "type"));
		int64_t maj = dmig_json_int (r, "major", -1), min = dmig_json_int (r, "minor", -1);

		if (!dmig_json_bool (r, "allow") || (access && strspn (access, "m") == strlen (access) && *access))
			continue;
		if (maj < 0 || min < 0 || (t != 'c' && t != 'b') || !device_given (p, t, maj, min, NULL)) {
			char mj[24] = "*", mn[24] = "*";
			if (maj >= 0)
				snprintf (mj, sizeof (mj), "%lld", (long long)maj);
			if (min >= 0)
				snprintf (mn, sizeof (mn), "%lld", (long long)min);
			return no (p, "allows devices '%c %s:%s %s', which the container's config does not give it", t,
			           mj, mn, access ? access : "rwm");
		}
	}
	return 0;
}

/* ---- namespaces ---- */

static const char *
cfg_str (struct ps *p, const char *path)
{
	const char *s = dmig_json_str (p->cfg, path);
	return s ? s : "";
}

/* spec's uidMappings (or gidMappings) as the config's IDMappings write
 * them ("0:100000:65536"). */
static bool
same_mappings (json_object *spec_maps, json_object *cfg_maps)
{
	if (dmig_json_len (spec_maps) != dmig_json_len (cfg_maps))
		return false;
	for (size_t i = 0; i < dmig_json_len (spec_maps); i++) {
		json_object *m = json_object_array_get_idx (spec_maps, i);
		char want[96];
		snprintf (want, sizeof (want), "%lld:%lld:%lld", (long long)dmig_json_int (m, "containerID", -1),
		          (long long)dmig_json_int (m, "hostID", -1), (long long)dmig_json_int (m, "size", -1));
		if (dmig_json_str_at (cfg_maps, i) == NULL || strcmp (dmig_json_str_at (cfg_maps, i), want) != 0)
			return false;
	}
	return true;
}

static int
spec_namespaces (struct ps *p)
{
	static const struct {
		const char *type, *mode;
	} kinds[] = {
	    {"pid", "HostConfig.PidMode"},
	    {"ipc", "HostConfig.IpcMode"},
	    {"uts", "HostConfig.UTSMode"},
	    {"network", "HostConfig.NetworkMode"},
	    {"cgroup", "HostConfig.CgroupMode"},
	    {"user", "HostConfig.UsernsMode"},
	    {"mount", NULL},
	};
	json_object *nss = dmig_json_get (p->spec, "linux.namespaces");

	if (nss != NULL && !json_object_is_type (nss, json_type_array))
		return no (p, "holds namespaces that are not a list");
	for (size_t k = 0; k < sizeof (kinds) / sizeof (kinds[0]); k++) {
		const char *mode = kinds[k].mode ? cfg_str (p, kinds[k].mode) : "", *path = NULL;
		bool user = strcmp (kinds[k].type, "user") == 0, host;
		json_object *ns = NULL;

		for (size_t i = 0; i < dmig_json_len (nss); i++) {
			json_object *n = json_object_array_get_idx (nss, i);
			const char *t = dmig_json_str (n, "type");
			if (t == NULL)
				return no (p, "holds a namespace without a type");
			if (strcmp (t, kinds[k].type) != 0)
				continue;
			if (ns != NULL)
				return no (p, "names the %s namespace twice", t);
			ns = n;
		}
		/* the host's: as the config says (a user namespace only when it
		 * names one; cgroup v1's default is the host's) */
		host = strcmp (mode, "host") == 0
		       || ((user || strcmp (kinds[k].type, "cgroup") == 0)
		           && (*mode == '\0' || strcmp (mode, "host") == 0));
		if (ns == NULL) {
			if (kinds[k].mode == NULL)
				return no (p, "shares the host's mount namespace");
			if (host)
				continue;
			return no (p,
			           "shares the host's %s namespace, which the container's config does not (%s is '%s')",
			           kinds[k].type, kinds[k].mode, mode);
		}
		path = dmig_json_str (ns, "path");
		/* a path joins that namespace: only the one the config names, or
		 * the network namespace Podman makes anew on import */
		if (path && *path && !(strncmp (mode, "ns:", 3) == 0 && strcmp (mode + 3, path) == 0)
		    && !(strcmp (kinds[k].type, "network") == 0 && dmig_json_bool (p->conf, "createNetNS")))
			return no (p, "joins the %s namespace at '%s', which the container's config does not",
			           kinds[k].type, path);
		if (user
		    && json_object_is_type (dmig_json_get (p->cfg, "HostConfig.IDMappings.UidMap"), json_type_array)
		    && (!same_mappings (dmig_json_get (p->spec, "linux.uidMappings"),
		                        dmig_json_get (p->cfg, "HostConfig.IDMappings.UidMap"))
		        || !same_mappings (dmig_json_get (p->spec, "linux.gidMappings"),
		                           dmig_json_get (p->cfg, "HostConfig.IDMappings.GidMap"))))
			return no (p, "maps the user namespace's IDs otherwise than the container's config");
	}
	return 0;
}

/* ---- what it runs, as whom ---- */

/* The config's user is root: none, "root", "0", with any group. */
static bool
root_user (const char *u)
{
	size_t n = strcspn (u, ":");
	return n == 0 || (n == 4 && strncmp (u, "root", 4) == 0) || (n == 1 && u[0] == '0');
}

/* A number ("1000"), or -1 for a name. */
static int64_t
numeric (const char *s, size_t n)
{
	int64_t v = 0;

	if (n == 0 || n > 10 || strspn (s, "0123456789") < n)
		return -1;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static int
spec_user (struct ps *p)
{
	const char *u = cfg_str (p, "Config.User"), *colon = strchr (u, ':');
	json_object *user = dmig_json_get (p->spec, "process.user");
	int64_t uid = dmig_json_int (user, "uid", 0), gid = dmig_json_int (user, "gid", 0);
	int64_t want_uid = numeric (u, strcspn (u, ":")),
	        want_gid = colon ? numeric (colon + 1, strlen (colon + 1)) : -1;

	/* root may be any user; a user is not root, and is the one it names
	 * (its group: the image's passwd says, 0 for a uid it lacks) */
	if (root_user (u))
		return 0;
	if (uid == 0 || (want_uid >= 0 && uid != want_uid))
		return no (p, "runs the process as uid %lld, not as the container's user '%s'", (long long)uid, u);
	if (want_gid >= 0 && gid != want_gid)
		return no (p, "runs the process as gid %lld, not as the container's group '%s'", (long long)gid,
		           colon + 1);
	return 0;
}

/* a[from..] == b (null is []) */
static bool
same_args (json_object *a, size_t from, json_object *b)
{
	if (dmig_json_len (a) - from != dmig_json_len (b))
		return false;
	for (size_t i = 0; i < dmig_json_len (b); i++)
		if (dmig_json_str_at (a, from + i) == NULL || dmig_json_str_at (b, i) == NULL
		    || strcmp (dmig_json_str_at (a, from + i), dmig_json_str_at (b, i)) != 0)
			return false;
	return true;
}

/* The words of args from from on that, joined by spaces, are e (Podman 4's
 * inspect joins the entrypoint so): how many, or -1. */
static ssize_t
joined (json_object *args, size_t from, const char *e)
{
	size_t at = 0;

	for (size_t i = from; i < dmig_json_len (args); i++) {
		const char *w = dmig_json_str_at (args, i);
		size_t n = w ? strlen (w) : 0;
		if (w == NULL || strncmp (e + at, w, n) != 0)
			return -1;
		at += n;
		if (e[at] == '\0')
			return (ssize_t)(i - from + 1);
		if (e[at++] != ' ')
			return -1;
	}
	return -1;
}

static int
spec_args (struct ps *p)
{
	json_object *args = dmig_json_get (p->spec, "process.args");
	json_object *entry = dmig_json_get (p->cfg, "Config.Entrypoint"), *cmd = dmig_json_get (p->cfg, "Config.Cmd");
	size_t from = 0;
	bool ok;

	if (args == NULL)
		return 0; /* nothing to start */
	/* --init: Podman's init runs the rest */
	if (dmig_json_bool (p->cfg, "HostConfig.Init") && dmig_json_len (args) >= 2 && dmig_json_str_at (args, 0)
	    && strcmp (dmig_json_str_at (args, 0), "/run/podman-init") == 0 && dmig_json_str_at (args, 1)
	    && strcmp (dmig_json_str_at (args, 1), "--") == 0)
		from = 2;
	if (json_object_is_type (entry, json_type_string) && json_object_get_string_len (entry) > 0) {
		ssize_t n = joined (args, from, json_object_get_string (entry));
		ok = n > 0 && same_args (args, from + (size_t)n, cmd);
	} else if (dmig_json_len (entry) > 0) {
		ok = dmig_json_len (args) >= from + dmig_json_len (entry)
		     && same_args (args, from + dmig_json_len (entry), cmd);
		for (size_t i = 0; ok && i < dmig_json_len (entry); i++)
			ok = dmig_json_str_at (args, from + i) && dmig_json_str_at (entry, i)
			     && strcmp (dmig_json_str_at (args, from + i), dmig_json_str_at (entry, i)) == 0;
	} else
		ok = same_args (args, from, cmd);
	if (!ok)
		return no (
		    p, "runs '%.160s', not the container's entrypoint and command",
		    json_object_to_json_string_ext (args, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	return 0;
}

/* ---- confinement: seccomp, no-new-privileges, AppArmor, SELinux, masks ---- */

/* System calls that the engines' default seccomp profiles (Podman 4.3 and
 * 5) let through only with a capability, and the capability. */
static const struct {
	const char *name, *cap, *alt;
} gated[] = {
    {"kexec_load", "SYS_BOOT", NULL},      {"kexec_file_load", "SYS_BOOT", NULL},
    {"init_module", "SYS_MODULE", NULL},   {"finit_module", "SYS_MODULE", NULL},
    {"delete_module", "SYS_MODULE", NULL}, {"open_by_handle_at", "DAC_READ_SEARCH", NULL},
    {"bpf", "SYS_ADMIN", "BPF"},           {"perf_event_open", "SYS_ADMIN", "PERFMON"},
    {"lookup_dcookie", "SYS_ADMIN", NULL}, {"quotactl", "SYS_ADMIN", NULL},
    {"swapon", "SYS_ADMIN", NULL},         {"swapoff", "SYS_ADMIN", NULL},
    {"iopl", "SYS_RAWIO", NULL},           {"ioperm", "SYS_RAWIO", NULL},
    {"acct", "SYS_PACCT", NULL},           {"settimeofday", "SYS_TIME", NULL},
    {"stime", "SYS_TIME", NULL},           {"clock_settime", "SYS_TIME", NULL},
    {"clock_settime64", "SYS_TIME", NULL}, {"vhangup", "SYS_TTY_CONFIG", NULL},
    {"kcmp", "SYS_PTRACE", NULL},          {"process_madvise", "SYS_PTRACE", NULL},
    {"userfaultfd", NULL, NULL},
};

static int
spec_seccomp (struct ps *p)
{
	static const char *const open[] = {"SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_NOTIFY", NULL};
	json_object *sc = dmig_json_get (p->spec, "linux.seccomp"), *calls = dmig_json_get (sc, "syscalls");
	const char *listener = dmig_json_str (sc, "listenerPath");

	/* privileged or unconfined: none; a profile of its own: any */
	if (p->privileged || dmig_podspec_security_opt (p->cfg, "seccomp=unconfined"))
		return 0;
	if (listener && *listener)
		return no (p, "hands its seccomp notifications to '%s' on the host", listener);
	if (dmig_podspec_security_opt (p->cfg, "seccomp="))
		return 0;
	if (!json_object_is_type (sc, json_type_object))
		return no (p, "runs without seccomp, which the container's config does not");
	if (dmig_json_str (sc, "defaultAction") == NULL || listed (open, dmig_json_str (sc, "defaultAction")))
		return no (p, "lets every system call through seccomp (defaultAction '%s')",
		           dmig_json_str (sc, "defaultAction") ? dmig_json_str (sc, "defaultAction") : "");
	for (size_t i = 0; i < dmig_json_len (calls); i++) {
		json_object *rule = json_object_array_get_idx (calls, i), *names = dmig_json_get (rule, "names");
		const char *action = dmig_json_str (rule, "action");

		if (action == NULL || !listed (open, action))
			continue;
		for (size_t j = 0; j < dmig_json_len (names); j++)
			for (size_t g = 0; dmig_json_str_at (names, j) && g < sizeof (gated) / sizeof (gated[0]); g++)
				if (strcmp (dmig_json_str_at (names, j), gated[g].name) == 0
				    && !(gated[g].cap && cap_allowed (p, gated[g].cap))
				    && !(gated[g].alt && cap_allowed (p, gated[g].alt)))
					return no (p,
					           "lets '%s' through seccomp, which the default profile keeps from "
					           "this container",
					           gated[g].name);
	}
	return 0;
}

/* Does this host run the security module (a file that reads as on)? */
static bool
host_lsm (const char *path, char on)
{
	FILE *f = fopen (path, "re");
	int c = f ? fgetc (f) : EOF;

	if (f)
		fclose (f);
	return c == on;
}

static int
spec_lsm (struct ps *p)
{
	const char *aa = dmig_json_str (p->spec, "process.apparmorProfile"), *own = cfg_str (p, "AppArmorProfile");
	const char *se = dmig_json_str (p->spec, "process.selinuxLabel");
	const char *mnt = dmig_json_str (p->spec, "linux.mountLabel");
	char named[256];
	bool aa_off = p->privileged || dmig_podspec_security_opt (p->cfg, "apparmor=unconfined");
	bool se_off = p->privileged || dmig_podspec_security_opt (p->cfg, "label=disable")
	              || dmig_podspec_security_opt (p->cfg, "label=type:spc_t");

	aa = aa ? aa : "";
	se = se ? se : "";
	mnt = mnt ? mnt : "";
	if (dmig_podspec_security_opt (p->cfg, "no-new-privileges")
	    && !dmig_json_bool (p->spec, "process.noNewPrivileges"))
		return no (p, "lets the process gain privileges, which the container's config does not "
		              "(no-new-privileges)");
	/* AppArmor: the container's own profile (or one its options name),
	 * none only where the host has none */
	snprintf (named, sizeof (named), "apparmor=%s", aa);
	if (!aa_off && !(*aa && dmig_podspec_security_opt (p->cfg, named))) {
		if (strcmp (aa, own) != 0)
			return no (p, "runs under AppArmor profile '%s', not the container's '%s'", aa, own);
		if (strcmp (aa, "unconfined") == 0
		    || (*aa == '\0' && host_lsm ("/sys/module/apparmor/parameters/enabled", 'Y')))
			return no (p, "runs without AppArmor, which the container's config does not");
	}
	/* SELinux: the container's own labels */
	if (!se_off && (strcmp (se, cfg_str (p, "ProcessLabel")) != 0 || strcmp (mnt, cfg_str (p, "MountLabel")) != 0))
		return no (p, "runs under SELinux label '%s', not the container's '%s'", se,
		           cfg_str (p, "ProcessLabel"));
	if (!se_off
	    && (strstr (se, ":spc_t:") || strstr (se, ":unconfined_t:")
	        || (*se == '\0' && host_lsm ("/sys/fs/selinux/enforce", '1'))))
		return no (p, "runs unconfined by SELinux ('%s'), which the container's config does not", se);
	return 0;
}

/* What the engines mask and make read-only in /proc and /sys for a
 * container that is not privileged (Podman 4.3 and 5 alike). */
static const char *const masked[] = {"/proc/acpi",
                                     "/proc/kcore",
                                     "/proc/keys",
                                     "/proc/latency_stats",
                                     "/proc/timer_list",
                                     "/proc/timer_stats",
                                     "/proc/sched_debug",
                                     "/proc/scsi",
                                     "/sys/firmware",
                                     "/sys/fs/selinux",
                                     NULL};
static const char *const readonly[] = {"/proc/asound", "/proc/bus",           "/proc/fs", "/proc/irq",
                                       "/proc/sys",    "/proc/sysrq-trigger", NULL};

static int
spec_masks (struct ps *p)
{
	json_object *m = dmig_json_get (p->spec, "linux.maskedPaths"),
	            *r = dmig_json_get (p->spec, "linux.readonlyPaths");
	json_object *own_m = dmig_json_get (p->cfg, "HostConfig.MaskedPaths");
	json_object *own_r = dmig_json_get (p->cfg, "HostConfig.ReadonlyPaths");

	if (p->privileged)
		return 0;
	for (const char *const *s = masked; *s; s++)
		if (!dmig_json_has_str (m, *s))
			return no (p, "unmasks '%s', which the engine masks for the container", *s);
	for (const char *const *s = readonly; *s; s++)
		if (!dmig_json_has_str (r, *s))
			return no (p, "makes '%s' writable, which the engine keeps read-only for the container", *s);
	/* those the config names itself (Docker's inspect has them) */
	for (size_t i = 0; i < dmig_json_len (own_m); i++)
		if (!dmig_json_has_str (m, dmig_json_str_at (own_m, i)))
			return no (p, "unmasks '%s', which the container's config masks", dmig_json_str_at (own_m, i));
	for (size_t i = 0; i < dmig_json_len (own_r); i++)
		if (!dmig_json_has_str (r, dmig_json_str_at (own_r, i)))
			return no (p, "makes '%s' writable, which the container's config keeps read-only",
			           dmig_json_str_at (own_r, i));
	return 0;
}

/* ---- hooks: programs the runtime runs on the host, as root ---- */

/* Is hook one a hooks file of this host puts at stage (its path and
 * arguments)? Podman writes only those into a container's spec. */
static bool
host_hook (const char *stage, json_object *hook)
{
	const char *path = dmig_json_str (hook, "path");
	json_object *args = dmig_json_get (hook, "args");
	bool found = false;

	for (const char *const *dir = dmig_podspec_hooks_dirs; path && !found && dir && *dir; dir++) {
		DIR *d = opendir (*dir);
		struct dirent *de;

		while (d && !found && (de = readdir (d)) != NULL) {
			char file[4096];
			size_t n = strlen (de->d_name);
			json_object *o, *h;

			if (n < 6 || strcmp (de->d_name + n - 5, ".json") != 0
			    || snprintf (file, sizeof (file), "%s/%s", *dir, de->d_name) >= (int)sizeof (file)
			    || (o = json_object_from_file (file)) == NULL)
				continue;
			h = dmig_json_get (o, "hook");
			found = dmig_json_str (h, "path") && strcmp (dmig_json_str (h, "path"), path) == 0
			        && dmig_json_has_str (dmig_json_get (o, "stages"), stage)
			        && ((dmig_json_len (args) == 0 && dmig_json_len (dmig_json_get (h, "args")) == 0)
			            || json_object_equal (args, dmig_json_get (h, "args")));
			json_object_put (o);
		}
		if (d)
			closedir (d);
	}
	return found;
}

static int
spec_hooks (struct ps *p)
{
	json_object *hooks = dmig_json_get (p->spec, "hooks");

	if (hooks == NULL)
		return 0;
	if (!json_object_is_type (hooks, json_type_object))
		return no (p, "holds hooks that are not an object");
	json_object_object_foreach (hooks, stage, list)
	{
		if (list != NULL && !json_object_is_type (list, json_type_array))
			return no (p, "holds %s hooks that are not a list", stage);
		for (size_t i = 0; i < dmig_json_len (list); i++) {
			json_object *h = json_object_array_get_idx (list, i);
			if (!host_hook (stage, h))
				return no (
				    p, "runs '%s' on the host (a %s hook), which no hooks file of this host puts there",
				    dmig_json_str (h, "path") ? dmig_json_str (h, "path") : "", stage);
		}
	}
	return 0;
}

/* ---- its root and its mounts ---- */

/* Is a mount of the config's shared with the host? */
static bool
shared_mount (struct ps *p)
{
	json_object *mounts = dmig_json_get (p->cfg, "Mounts");

	for (size_t i = 0; i < dmig_json_len (mounts); i++)
		if (strstr (dmig_json_str (json_object_array_get_idx (mounts, i), "Propagation")
		                ? dmig_json_str (json_object_array_get_idx (mounts, i), "Propagation")
		                : "",
		            "shared"))
			return true;
	return false;
}

static int
spec_root (struct ps *p)
{
	const char *root = dmig_json_str (p->spec, "root.path");
	const char *merged = dmig_json_str (p->cfg, "GraphDriver.Data.MergedDir");
	const char *prop = dmig_json_str (p->spec, "linux.rootfsPropagation");

	/* Podman's import puts its own in place; still, the container's */
	if (root == NULL || *root != '/' || dotdot (root) || (merged && strcmp (root, merged) != 0))
		return no (p, "runs the container on root '%s', not its own file system", root ? root : "");
	if (dmig_json_bool (p->cfg, "HostConfig.ReadonlyRootfs") && !dmig_json_bool (p->spec, "root.readonly"))
		return no (p, "makes the root file system writable, which the container's config keeps read-only");
	/* Podman shares it when a volume of the container is shared */
	if (prop && (strcmp (prop, "shared") == 0 || strcmp (prop, "rshared") == 0) && !shared_mount (p))
		return no (p, "shares the container's mounts with the host (rootfsPropagation '%s')", prop);
	return 0;
}

static bool
has_opt (json_object *m, const char *opt)
{
	return dmig_json_has_str (dmig_json_get (m, "options"), opt);
}

static bool
is_bind (json_object *m)
{
	const char *type = dmig_json_str (m, "type");
	return (type && strcmp (type, "bind") == 0) || has_opt (m, "bind") || has_opt (m, "rbind");
}

/* A bind mount the container had: a Source at a Destination of the
 * config's Mounts (binds and volumes, which the runtime binds), a file of
 * its own storage, the cgroup binds of systemd mode, or Podman's init with
 * --init: read-only, a program any user of the host may read and run
 * (catatonit), so nothing it reveals. */
static int
spec_bind (struct ps *p, json_object *m)
{
	const char *src = dmig_json_str (m, "source"), *dst = dmig_json_str (m, "destination");
	json_object *own = dmig_podspec_mount_at (p->cfg, dst);
	const char *prop = own ? dmig_json_str (own, "Propagation") : NULL;
	bool shared = has_opt (m, "shared") || has_opt (m, "rshared");
	struct stat st;

	if (src == NULL || dst == NULL || *src != '/' || dotdot (src))
		;
	else if (own && dmig_json_str (own, "Source") && strcmp (dmig_json_str (own, "Source"), src) == 0) {
		if (json_object_is_type (dmig_json_get (own, "RW"), json_type_boolean) && !dmig_json_bool (own, "RW")
		    && !has_opt (m, "ro"))
			return no (p, "binds '%s' at '%s' writable, which the container has read-only", src, dst);
		if (shared && !(prop && strstr (prop, "shared")))
			return no (p,
			           "shares the mounts under '%s' with the host, which the container's config does not",
			           dst);
		return 0;
	} else if (dmig_podspec_own_path (p->cfg, p->id, src) && !shared)
		return 0;
	/* systemd mode: the host's cgroup tree (cgroup v2 without a cgroup
	 * namespace) or systemd's hierarchy (cgroup v1), as Podman binds them */
	else if (dmig_json_bool (p->cfg, "Config.SystemdMode") && !shared && strcmp (src, dst) == 0
	         && (strcmp (src, "/sys/fs/cgroup") == 0 || strcmp (src, "/sys/fs/cgroup/systemd") == 0))
		return 0;
	else if (dmig_json_bool (p->cfg, "HostConfig.Init") && strcmp (dst, "/run/podman-init") == 0 && !shared
	         && has_opt (m, "ro") && stat (src, &st) == 0 && S_ISREG (st.st_mode) && (st.st_mode & 05) == 05)
		return 0;
	return no (p, "binds '%s' at '%s', which the container did not have", src ? src : "", dst ? dst : "");
}

static int
spec_mounts (struct ps *p)
{
	json_object *mounts = dmig_json_get (p->spec, "mounts");
	/* systemd mode: a writable cgroup file system */
	bool cg_rw = p->privileged || dmig_json_bool (p->cfg, "Config.SystemdMode");

	if (mounts != NULL && !json_object_is_type (mounts, json_type_array))
		return no (p, "holds mounts that are not a list");
	for (size_t i = 0; i < dmig_json_len (mounts); i++) {
		json_object *m = json_object_array_get_idx (mounts, i);
		const char *type = dmig_json_str (m, "type"), *dst = dmig_json_str (m, "destination");

		dst = dst ? dst : "";
		if (is_bind (m)) {
			if (spec_bind (p, m) < 0)
				return -1;
			continue;
		}
		type = type ? type : "";
		/* a new file system of the kernel's own: harmless where it goes */
		if (strcmp (type, "tmpfs") == 0 || strcmp (type, "devpts") == 0 || strcmp (type, "mqueue") == 0)
			continue;
		/* the kernel's views of the host: only in their places, and /sys
		 * read-only */
		if (strcmp (type, "proc") == 0 && strcmp (dst, "/proc") == 0)
			continue;
		if (strcmp (type, "sysfs") == 0 && strcmp (dst, "/sys") == 0) {
			if (!p->privileged && !has_opt (m, "ro"))
				return no (p, "mounts sysfs writable at '/sys', which the engine mounts read-only");
			continue;
		}
		if ((strcmp (type, "cgroup") == 0 || strcmp (type, "cgroup2") == 0)
		    && strcmp (dst, "/sys/fs/cgroup") == 0) {
			if (!cg_rw && !has_opt (m, "ro"))
				return no (p,
				           "mounts the cgroup file system writable, which the engine mounts read-only");
			continue;
		}
		return no (p, "mounts '%s' from '%s' at '%s', which the container did not have", type,
		           dmig_json_str (m, "source") ? dmig_json_str (m, "source") : "", dst);
	}
	return 0;
}

/* ---- sysctls, limits, the runtime's own annotations ---- */

/* The string at key of object o (a key with dots, as sysctls have). */
static const char *
key_str (json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!json_object_is_type (o, json_type_object) || !json_object_object_get_ex (o, key, &v)
	    || !json_object_is_type (v, json_type_string))
		return NULL;
	return json_object_get_string (v);
}

/* The namespace a sysctl acts in, when the kernel keeps it per namespace
 * (the runtimes set no other), or NULL: the host's kernel. */
static const char *
sysctl_ns (const char *key)
{
	static const struct {
		const char *prefix, *ns;
	} map[] = {{"net.", "network"},         {"kernel.shm", "ipc"}, {"kernel.msg", "ipc"},
	           {"kernel.sem", "ipc"},       {"fs.mqueue.", "ipc"}, {"kernel.hostname", "uts"},
	           {"kernel.domainname", "uts"}};

	for (size_t i = 0; i < sizeof (map) / sizeof (map[0]); i++)
		if (strncmp (key, map[i].prefix, strlen (map[i].prefix)) == 0)
			return map[i].ns;
	return NULL;
}

/* Has the container a namespace of that type of its own (a new one, or
 * the network namespace Podman makes anew)? */
static bool
own_ns (struct ps *p, const char *type)
{
	json_object *nss = dmig_json_get (p->spec, "linux.namespaces");

	for (size_t i = 0; i < dmig_json_len (nss); i++) {
		json_object *n = json_object_array_get_idx (nss, i);
		const char *t = dmig_json_str (n, "type"), *path = dmig_json_str (n, "path");
		if (t && strcmp (t, type) == 0)
			return path == NULL || *path == '\0'
			       || (strcmp (type, "network") == 0 && dmig_json_bool (p->conf, "createNetNS"));
	}
	return false;
}

/* Podman's inspect does not show a container's sysctls: one the kernel
 * keeps per namespace changes only the container's own namespace (and the
 * runtimes refuse it in one it shares); one of the host's kernel only as
 * the config (Docker's HostConfig.Sysctls) sets it. */
static int
spec_sysctl (struct ps *p)
{
	json_object *sys = dmig_json_get (p->spec, "linux.sysctl"), *own = dmig_json_get (p->cfg, "HostConfig.Sysctls");

	if (sys != NULL && !json_object_is_type (sys, json_type_object))
		return no (p, "holds sysctls that are not an object");
	if (sys == NULL)
		return 0;
	json_object_object_foreach (sys, key, val)
	{
		const char *v = json_object_is_type (val, json_type_string) ? json_object_get_string (val) : NULL;
		const char *o = key_str (own, key), *ns = sysctl_ns (key);

		if (v == NULL)
			return no (p, "sets sysctl '%s' to no string", key);
		if ((o && strcmp (v, o) == 0) || (ns && own_ns (p, ns)))
			continue;
		return no (p, "sets sysctl '%s' to '%s' %s, which the container's config does not", key, v,
		           ns ? "in a namespace it shares" : "for the host's kernel");
	}
	return 0;
}

/* A limit of the config (> 0) that spec's lifts or raises. */
static int
limit (struct ps *p, const char *own, const char *spec, const char *what)
{
	int64_t lim = dmig_json_int (p->cfg, own, 0), got = dmig_json_int (p->spec, spec, 0);

	if (lim > 0 && (got <= 0 || got > lim))
		return no (p, "sets the %s limit to %lld, not the container's %lld", what, (long long)got,
		           (long long)lim);
	return 0;
}

static int
spec_limits (struct ps *p)
{
	int64_t oom = dmig_json_int (p->spec, "process.oomScoreAdj", 0);

	if (limit (p, "HostConfig.Memory", "linux.resources.memory.limit", "memory") < 0
	    || limit (p, "HostConfig.PidsLimit", "linux.resources.pids.limit", "pids") < 0
	    || limit (p, "HostConfig.CpuQuota", "linux.resources.cpu.quota", "CPU quota") < 0)
		return -1;
	if (oom < dmig_json_int (p->cfg, "HostConfig.OomScoreAdj", 0))
		return no (p, "sets the OOM score adjustment to %lld, below the container's %lld", (long long)oom,
		           (long long)dmig_json_int (p->cfg, "HostConfig.OomScoreAdj", 0));
	return 0;
}

/* crun obeys annotations "run.oci.*" (a cgroup delegated, a host socket,
 * another handler): only those the container has. */
static int
spec_annotations (struct ps *p)
{
	json_object *ann = dmig_json_get (p->spec, "annotations"), *own = dmig_json_get (p->cfg, "Config.Annotations");

	if (!json_object_is_type (ann, json_type_object))
		return 0;
	json_object_object_foreach (ann, key, val)
	{
		const char *o = key_str (own, key);
		if (strncmp (key, "run.oci.", 8) == 0
		    && (!json_object_is_type (val, json_type_string) || o == NULL
		        || strcmp (o, json_object_get_string (val)) != 0))
			return no (p, "sets the runtime's annotation '%s', which the container's config does not", key);
	}
	return 0;
}

int
dmig_podspec_check (json_object *manifest, json_object *spec, json_object *conf, dmig_error_t *err)
{
	struct ps p = {.cfg = dmig_json_get (manifest, "config"),
	               .id = dmig_json_str (manifest, "container_id"),
	               .spec = spec,
	               .conf = conf,
	               .err = err};

	p.privileged = dmig_json_bool (p.cfg, "HostConfig.Privileged");
	if (!json_object_is_type (spec, json_type_object))
		return no (&p, "is not JSON object");
	if (spec_caps (&p) < 0 || spec_devices (&p) < 0 || spec_namespaces (&p) < 0 || spec_user (&p) < 0
	    || spec_args (&p) < 0 || spec_seccomp (&p) < 0 || spec_lsm (&p) < 0 || spec_masks (&p) < 0
	    || spec_hooks (&p) < 0 || spec_root (&p) < 0 || spec_mounts (&p) < 0 || spec_sysctl (&p) < 0
	    || spec_limits (&p) < 0 || spec_annotations (&p) < 0)
		return -1;
	return 0;
}
