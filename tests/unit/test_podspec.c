/* Podman's config.dump and spec.dump against the manifest's config
 * (engines/podspec.c, podconf.c). The fixtures are real exports of Podman
 * 4.3.1 (tests/unit/data/podman-4.3.1, see its README): a container with a
 * named volume, one with --init, one with a bind mount. Each passes as it
 * is; each attack, one edit of a fixture, is refused by name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "json.h"
#include "podspec.h"

#define DATA "tests/unit/data/podman-4.3.1/"

/* One edit of a fixture: in doc ("cfg", the manifest's config; "manifest";
 * "spec"; "conf"), the value at path ('/' between keys) set to json (JSON text),
 * appended to the list there (add), or removed (json NULL). */
struct edit {
	const char *doc, *path, *json;
	bool add;
};

/* A case: the fixture, its edits, and what the refusal says (NULL: it
 * passes). */
struct attack {
	const char *name, *fixture;
	struct edit e[3];
	const char *says;
};

struct docs {
	json_object *manifest, *spec, *conf;
};

static json_object *
load (const char *fixture, const char *file)
{
	char path[256];
	json_object *o;

	snprintf (path, sizeof (path), DATA "%s/%s", fixture, file);
	o = json_object_from_file (path);
	if (o == NULL)
		fail_msg ("cannot read %s (run from the source folder)", path);
	return o;
}

static void
docs_load (struct docs *d, const char *fixture)
{
	d->manifest = load (fixture, "manifest.json");
	d->spec = load (fixture, "spec.dump");
	d->conf = load (fixture, "config.dump");
}

static void
docs_free (struct docs *d)
{
	json_object_put (d->manifest);
	json_object_put (d->spec);
	json_object_put (d->conf);
}

static void
apply (struct docs *d, const struct edit *e)
{
	json_object *at = strcmp (e->doc, "spec") == 0       ? d->spec
	                  : strcmp (e->doc, "conf") == 0     ? d->conf
	                  : strcmp (e->doc, "manifest") == 0 ? d->manifest
	                                                     : json_object_object_get (d->manifest, "config");
	char key[128];
	const char *p = e->path, *slash;
	json_object *v = NULL;

	while ((slash = strchr (p, '/')) != NULL) {
		json_object *next = NULL;
		snprintf (key, sizeof (key), "%.*s", (int)(slash - p), p);
		/* a number: that element of a list */
		if (json_object_is_type (at, json_type_array)) {
			at = json_object_array_get_idx (at, (size_t)atoi (key));
			assert_non_null (at);
			p = slash + 1;
			continue;
		}
		if (!json_object_object_get_ex (at, key, &next) || next == NULL) {
			next = json_object_new_object ();
			json_object_object_add (at, key, next);
		}
		at = next;
		p = slash + 1;
	}
	if (e->json == NULL) {
		json_object_object_del (at, p);
		return;
	}
	v = json_tokener_parse (e->json);
	if (v == NULL && strcmp (e->json, "null") != 0)
		fail_msg ("bad JSON in the case: %s", e->json);
	if (e->add) {
		json_object *list = json_object_object_get (at, p);
		if (!json_object_is_type (list, json_type_array)) {
			list = json_object_new_array ();
			json_object_object_add (at, p, list);
		}
		json_object_array_add (list, v);
	} else
		json_object_object_add (at, p, v);
}

static int
check (struct docs *d, dmig_error_t *err)
{
	if (dmig_podspec_check (d->manifest, d->spec, d->conf, err) < 0)
		return -1;
	return dmig_podconf_check (d->manifest, d->conf, err);
}

static void
run (void **state)
{
	const struct attack *a = *state;
	struct docs d;
	dmig_error_t err = NULL;
	int r;

	docs_load (&d, a->fixture ? a->fixture : "volume");
	for (size_t i = 0; i < 3 && a->e[i].doc; i++)
		apply (&d, &a->e[i]);
	r = check (&d, &err);
	if (a->says == NULL) {
		if (r < 0)
			fail_msg ("refused: %s", err->msg);
	} else {
		if (r == 0)
			fail_msg ("passed, should say '%s'", a->says);
		assert_int_equal (err->status, DMIG_EPREFLIGHT);
		if (strstr (err->msg, a->says) == NULL)
			fail_msg ("'%s' does not say '%s'", err->msg, a->says);
		assert_null (strchr (err->msg, '\n'));
		dmig_error_release (&err);
	}
	docs_free (&d);
}

#define SPEC(path, json)                                                                                               \
	{                                                                                                              \
		"spec", path, json, false                                                                              \
	}
#define SPEC_ADD(path, json)                                                                                           \
	{                                                                                                              \
		"spec", path, json, true                                                                               \
	}
#define CONF(path, json)                                                                                               \
	{                                                                                                              \
		"conf", path, json, false                                                                              \
	}
#define CONF_ADD(path, json)                                                                                           \
	{                                                                                                              \
		"conf", path, json, true                                                                               \
	}
#define CFG(path, json)                                                                                                \
	{                                                                                                              \
		"cfg", path, json, false                                                                               \
	}
#define CFG_ADD(path, json)                                                                                            \
	{                                                                                                              \
		"cfg", path, json, true                                                                                \
	}

#define VOL_DIR   "/var/lib/containers/storage/volumes/dmigt3744-podman-pgrb-data/_data"
#define VOL_DEST  "/var/lib/postgresql/data"
#define STORAGE   "/var/lib/containers/storage/overlay-containers/"
#define OTHER_ID  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define NO_PID_NS "[{\"type\":\"network\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"mount\"}]"

static const struct attack cases[] = {
    /* the real exports, as they are */
    {"volume_export_passes", "volume", {{.doc = NULL}}, NULL},
    /* Podman's init is the host's (/usr/bin/catatonit there): a program any
     * user may run, as /bin/sh is on any host */
    {"init_export_passes", "init", {SPEC ("mounts/3/source", "\"/bin/sh\"")}, NULL},
    {"bind_export_passes", "bind", {{.doc = NULL}}, NULL},

    /* spec.dump: capabilities */
    {"cap_added_to_bounding",
     NULL,
     {SPEC_ADD ("process/capabilities/bounding", "\"CAP_SYS_ADMIN\"")},
     "gives the process CAP_SYS_ADMIN (bounding), which the container's config does not"},
    {"cap_added_to_effective",
     NULL,
     {SPEC_ADD ("process/capabilities/effective", "\"CAP_SYS_PTRACE\"")},
     "gives the process CAP_SYS_PTRACE (effective)"},
    {"cap_added_to_ambient",
     NULL,
     {SPEC ("process/capabilities/ambient", "[\"CAP_NET_RAW\"]")},
     "gives the process CAP_NET_RAW (ambient)"},
    {"caps_removed_keep_all", NULL, {SPEC ("process/capabilities", NULL)}, "names no capabilities"},
    {"cap_the_container_has_passes",
     NULL,
     {SPEC_ADD ("process/capabilities/bounding", "\"CAP_NET_ADMIN\""), CFG_ADD ("BoundingCaps", "\"CAP_NET_ADMIN\""),
      CFG ("HostConfig/CapAdd", "[\"CAP_NET_ADMIN\"]")},
     NULL},
    /* no BoundingCaps: the default set, CapAdd and CapDrop */
    {"cap_dropped_without_bounding",
     NULL,
     {CFG ("BoundingCaps", NULL), SPEC_ADD ("process/capabilities/bounding", "\"CAP_NET_RAW\"")},
     "gives the process CAP_NET_RAW (bounding)"},
    {"cap_privileged_passes",
     NULL,
     {SPEC_ADD ("process/capabilities/bounding", "\"CAP_SYS_ADMIN\""), CFG ("HostConfig/Privileged", "true"),
      CONF ("privileged", "true")},
     NULL},

    /* devices */
    {"device_node_added",
     NULL,
     {SPEC ("linux/devices", "[{\"path\":\"/dev/sda\",\"type\":\"b\",\"major\":8,\"minor\":0}]")},
     "makes device '/dev/sda' (b 8:0), which the container's config does not give it"},
    {"device_rule_allows_all",
     NULL,
     {SPEC_ADD ("linux/resources/devices", "{\"allow\":true,\"access\":\"rwm\"}")},
     "allows devices 'a *:* rwm'"},
    {"device_rule_allows_disks",
     NULL,
     {SPEC_ADD ("linux/resources/devices", "{\"allow\":true,\"type\":\"b\",\"major\":8,\"access\":\"rw\"}")},
     "allows devices 'b 8:* rw'"},
    {"device_given_passes",
     NULL,
     {SPEC ("linux/devices", "[{\"path\":\"/dev/null\",\"type\":\"c\",\"major\":1,\"minor\":3}]"),
      SPEC_ADD ("linux/resources/devices",
                "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"}"),
      CFG ("HostConfig/Devices", "[{\"PathOnHost\":\"/dev/null\",\"PathInContainer\":\"/dev/null\"}]")},
     NULL},

    /* namespaces */
    {"pid_namespace_host",
     NULL,
     {SPEC ("linux/namespaces", NO_PID_NS)},
     "shares the host's pid namespace, which the container's config does not (HostConfig.PidMode is 'private')"},
    {"network_namespace_host",
     NULL,
     {SPEC ("linux/namespaces", "[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"mount\"}]")},
     "shares the host's network namespace"},
    {"ipc_uts_namespace_host",
     NULL,
     {SPEC ("linux/namespaces", "[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"mount\"}]")},
     "shares the host's ipc namespace"},
    {"mount_namespace_host",
     NULL,
     {SPEC ("linux/namespaces", "[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},{\"type\":\"uts\"}]")},
     "shares the host's mount namespace"},
    {"pid_namespace_of_host_init",
     NULL,
     {SPEC ("linux/namespaces",
            "[{\"type\":\"pid\",\"path\":\"/proc/1/ns/pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},"
            "{\"type\":\"uts\"},{\"type\":\"mount\"}]")},
     "joins the pid namespace at '/proc/1/ns/pid'"},
    {"network_namespace_of_another",
     NULL,
     {SPEC ("linux/namespaces",
            "[{\"type\":\"pid\"},{\"type\":\"network\",\"path\":\"/run/netns/db\"},{\"type\":\"ipc\"},"
            "{\"type\":\"uts\"},{\"type\":\"mount\"}]")},
     "joins the network namespace at '/run/netns/db'"},
    /* a network namespace Podman makes anew on import (createNetNS) */
    {"network_namespace_made_anew_passes",
     NULL,
     {SPEC ("linux/namespaces", "[{\"type\":\"pid\"},{\"type\":\"network\",\"path\":\"/run/netns/netns-1\"},"
                                "{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"mount\"}]"),
      CONF ("createNetNS", "true")},
     NULL},
    {"pid_host_as_configured_passes",
     NULL,
     {SPEC ("linux/namespaces", NO_PID_NS), CFG ("HostConfig/PidMode", "\"host\"")},
     NULL},
    {"namespace_twice",
     NULL,
     {SPEC_ADD ("linux/namespaces", "{\"type\":\"pid\",\"path\":\"/proc/1/ns/pid\"}")},
     "names the pid namespace twice"},
    {"user_namespace_given_up",
     NULL,
     {CFG ("HostConfig/UsernsMode", "\"private\""),
      CFG ("HostConfig/IDMappings", "{\"UidMap\":[\"0:100000:65536\"],\"GidMap\":[\"0:100000:65536\"]}"),
      CONF ("idMappingsOptions/UIDMap", "[{\"container_id\":0,\"host_id\":100000,\"size\":65536}]")},
     "shares the host's user namespace"},
    {"user_namespace_remapped",
     NULL,
     {CFG ("HostConfig/UsernsMode", "\"private\""),
      CFG ("HostConfig/IDMappings", "{\"UidMap\":[\"0:100000:65536\"],\"GidMap\":[\"0:100000:65536\"]}"),
      SPEC_ADD ("linux/namespaces", "{\"type\":\"user\"}")},
     "maps the user namespace's IDs otherwise"},

    /* what it runs, as whom */
    {"root_instead_of_user",
     NULL,
     {CFG ("Config/User", "\"postgres\""), CONF ("user", "\"postgres\"")},
     "runs the process as uid 0, not as the container's user 'postgres'"},
    {"uid_other_than_configured",
     NULL,
     {CFG ("Config/User", "\"1000:1000\""), CONF ("user", "\"1000:1000\""), SPEC ("process/user/uid", "0")},
     "runs the process as uid 0"},
    /* a uid the image's passwd lacks runs in group 0 */
    {"uid_without_group_passes",
     NULL,
     {CFG ("Config/User", "\"1000\""), CONF ("user", "\"1000\""), SPEC ("process/user", "{\"uid\":1000,\"gid\":0}")},
     NULL},
    {"user_as_configured_passes",
     NULL,
     {CFG ("Config/User", "\"1000:1000\""), CONF ("user", "\"1000:1000\""),
      SPEC ("process/user", "{\"uid\":1000,\"gid\":1000}")},
     NULL},
    {"args_changed",
     NULL,
     {SPEC ("process/args", "[\"sh\",\"-c\",\"cat /etc/shadow\"]")},
     "runs '[\"sh\",\"-c\",\"cat /etc/shadow\"]', not the container's entrypoint and command"},
    {"init_without_init",
     NULL,
     {SPEC ("process/args", "[\"/run/podman-init\",\"--\",\"dmig-pg-entry\"]")},
     "runs '[\"/run/podman-init\""},
    {"entrypoint_joined_passes",
     NULL,
     {CFG ("Config/Entrypoint", "\"/bin/sh -c\""), CONF ("entrypoint", "[\"/bin/sh\",\"-c\"]"),
      SPEC ("process/args", "[\"/bin/sh\",\"-c\",\"dmig-pg-entry\"]")},
     NULL},

    /* seccomp, no-new-privileges, AppArmor, SELinux, masks */
    {"seccomp_removed", NULL, {SPEC ("linux/seccomp", NULL)}, "runs without seccomp"},
    {"seccomp_allows_all",
     NULL,
     {SPEC ("linux/seccomp/defaultAction", "\"SCMP_ACT_ALLOW\"")},
     "lets every system call through seccomp (defaultAction 'SCMP_ACT_ALLOW')"},
    {"seccomp_allows_kexec",
     NULL,
     {SPEC_ADD ("linux/seccomp/syscalls", "{\"names\":[\"kexec_load\"],\"action\":\"SCMP_ACT_ALLOW\"}")},
     "lets 'kexec_load' through seccomp"},
    {"seccomp_allows_userfaultfd",
     NULL,
     {SPEC_ADD ("linux/seccomp/syscalls", "{\"names\":[\"userfaultfd\"],\"action\":\"SCMP_ACT_ALLOW\"}")},
     "lets 'userfaultfd' through seccomp"},
    {"seccomp_listener",
     NULL,
     {SPEC ("linux/seccomp/listenerPath", "\"/run/agent.sock\"")},
     "hands its seccomp notifications to '/run/agent.sock'"},
    {"seccomp_cap_gated_passes",
     NULL,
     {SPEC_ADD ("linux/seccomp/syscalls", "{\"names\":[\"kexec_load\"],\"action\":\"SCMP_ACT_ALLOW\"}"),
      SPEC_ADD ("process/capabilities/bounding", "\"CAP_SYS_BOOT\""), CFG_ADD ("BoundingCaps", "\"CAP_SYS_BOOT\"")},
     NULL},
    {"seccomp_unconfined_passes",
     NULL,
     {SPEC ("linux/seccomp", NULL), CFG ("HostConfig/SecurityOpt", "[\"seccomp=unconfined\"]")},
     NULL},
    {"no_new_privileges_dropped",
     NULL,
     {CFG ("HostConfig/SecurityOpt", "[\"no-new-privileges\"]")},
     "lets the process gain privileges"},
    {"no_new_privileges_kept_passes",
     NULL,
     {CFG ("HostConfig/SecurityOpt", "[\"no-new-privileges\"]"), SPEC ("process/noNewPrivileges", "true")},
     NULL},
    {"apparmor_unconfined",
     NULL,
     {SPEC ("process/apparmorProfile", "\"unconfined\"")},
     "runs under AppArmor profile 'unconfined', not the container's ''"},
    {"apparmor_profile_dropped",
     NULL,
     {CFG ("AppArmorProfile", "\"containers-default-0.50.1\"")},
     "runs under AppArmor profile '', not the container's 'containers-default-0.50.1'"},
    {"selinux_spc",
     NULL,
     {SPEC ("process/selinuxLabel", "\"system_u:system_r:spc_t:s0\""),
      CFG ("ProcessLabel", "\"system_u:system_r:spc_t:s0\""), CONF ("ProcessLabel", "\"system_u:system_r:spc_t:s0\"")},
     "runs unconfined by SELinux ('system_u:system_r:spc_t:s0')"},
    {"selinux_other_label",
     NULL,
     {CFG ("ProcessLabel", "\"system_u:system_r:container_t:s0:c1,c2\""),
      CONF ("ProcessLabel", "\"system_u:system_r:container_t:s0:c1,c2\""),
      SPEC ("process/selinuxLabel", "\"system_u:system_r:container_t:s0:c3,c4\"")},
     "runs under SELinux label 'system_u:system_r:container_t:s0:c3,c4'"},
    {"masked_paths_emptied", NULL, {SPEC ("linux/maskedPaths", "[]")}, "unmasks '/proc/acpi'"},
    {"kcore_unmasked",
     NULL,
     {SPEC ("linux/maskedPaths", "[\"/proc/acpi\",\"/proc/keys\",\"/proc/latency_stats\",\"/proc/timer_list\","
                                 "\"/proc/timer_stats\",\"/proc/sched_debug\",\"/proc/scsi\",\"/sys/firmware\","
                                 "\"/sys/fs/selinux\"]")},
     "unmasks '/proc/kcore', which the engine masks"},
    {"readonly_paths_emptied", NULL, {SPEC ("linux/readonlyPaths", NULL)}, "makes '/proc/asound' writable"},
    {"masks_privileged_passes",
     NULL,
     {SPEC ("linux/maskedPaths", "[]"), CFG ("HostConfig/Privileged", "true"), CONF ("privileged", "true")},
     NULL},

    /* hooks run on the host, as root */
    {"prestart_hook",
     NULL,
     {SPEC ("hooks", "{\"prestart\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"id\"]}]}")},
     "runs '/bin/sh' on the host (a prestart hook), which no hooks file of this host puts there"},
    {"poststop_hook", NULL, {SPEC ("hooks", "{\"poststop\":[{\"path\":\"/tmp/x\"}]}")}, "(a poststop hook)"},
    {"create_runtime_hook",
     NULL,
     {SPEC ("hooks", "{\"createRuntime\":[{\"path\":\"/usr/bin/true\"}]}")},
     "runs '/usr/bin/true' on the host (a createRuntime hook)"},

    /* its root and its mounts */
    {"root_elsewhere", NULL, {SPEC ("root/path", "\"/\"")}, "runs the container on root '/'"},
    {"root_made_writable", NULL, {CFG ("HostConfig/ReadonlyRootfs", "true")}, "makes the root file system writable"},
    {"rootfs_propagation_shared",
     NULL,
     {SPEC ("linux/rootfsPropagation", "\"rshared\"")},
     "shares the container's mounts with the host (rootfsPropagation 'rshared')"},
    {"rootfs_propagation_of_shared_bind_passes",
     "bind",
     {SPEC ("linux/rootfsPropagation", "\"shared\""), CFG ("Mounts/0/Propagation", "\"rshared\""),
      SPEC ("mounts/0/options", "[\"rw\",\"rshared\",\"rbind\"]")},
     NULL},
    {"bind_host_root",
     NULL,
     {SPEC_ADD ("mounts", "{\"destination\":\"/host\",\"type\":\"bind\",\"source\":\"/\",\"options\":[\"rbind\"]}")},
     "binds '/' at '/host', which the container did not have"},
    {"volume_moved",
     NULL,
     {SPEC_ADD ("mounts", "{\"destination\":\"/etc/cron.d\",\"type\":\"bind\",\"source\":\"" VOL_DIR "\"}")},
     "binds '" VOL_DIR "' at '/etc/cron.d'"},
    {"volume_made_writable", NULL, {CFG ("Mounts/0/RW", "false")}, "binds '" VOL_DIR "' at '" VOL_DEST "' writable"},
    {"bind_shared_with_host",
     "bind",
     {SPEC ("mounts", "[{\"destination\":\"/bound\",\"type\":\"bind\",\"source\":\"/run/dmigt3744-podman-bind\","
                      "\"options\":[\"rw\",\"rshared\",\"rbind\"]}]")},
     "shares the mounts under '/bound' with the host"},
    {"sysfs_writable",
     NULL,
     {SPEC_ADD ("mounts", "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"rw\"]}")},
     "mounts sysfs writable at '/sys'"},
    {"proc_elsewhere",
     NULL,
     {SPEC_ADD ("mounts", "{\"destination\":\"/hostproc\",\"type\":\"proc\",\"source\":\"proc\"}")},
     "mounts 'proc' from 'proc' at '/hostproc'"},
    {"cgroup_writable",
     NULL,
     {SPEC_ADD ("mounts", "{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\"}")},
     "mounts the cgroup file system writable"},
    {"devtmpfs",
     NULL,
     {SPEC_ADD ("mounts", "{\"destination\":\"/hostdev\",\"type\":\"devtmpfs\",\"source\":\"udev\"}")},
     "mounts 'devtmpfs' from 'udev' at '/hostdev'"},
    {"disk_mounted",
     NULL,
     {SPEC_ADD ("mounts", "{\"destination\":\"/mnt\",\"type\":\"ext4\",\"source\":\"/dev/sda1\"}")},
     "mounts 'ext4' from '/dev/sda1' at '/mnt'"},
    {"cgroup_tree_bound",
     NULL,
     {SPEC_ADD ("mounts", "{\"destination\":\"/sys/fs/cgroup\",\"type\":\"bind\",\"source\":\"/sys/fs/cgroup\","
                          "\"options\":[\"bind\",\"private\",\"rw\"]}")},
     "binds '/sys/fs/cgroup' at '/sys/fs/cgroup', which the container did not have"},
    {"cgroup_tree_bound_systemd_passes",
     NULL,
     {SPEC_ADD ("mounts", "{\"destination\":\"/sys/fs/cgroup/systemd\",\"type\":\"bind\",\"source\":\"/sys/fs/"
                          "cgroup/systemd\",\"options\":[\"bind\",\"rprivate\"]}"),
      CFG ("Config/SystemdMode", "true"), CONF ("systemd", "true")},
     NULL},
    {"tmpfs_anywhere_passes",
     NULL,
     {SPEC_ADD ("mounts", "{\"destination\":\"/cache\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"}")},
     NULL},
    {"init_bound_without_init",
     "init",
     {CFG ("HostConfig/Init", "false"), SPEC ("process/args", "[\"counter\",\"/data/log\",\"16\",\"50\"]")},
     "binds '/usr/bin/catatonit' at '/run/podman-init'"},

    /* sysctls, limits, annotations */
    {"sysctl_of_host_kernel",
     NULL,
     {SPEC ("linux/sysctl/kernel.panic", "\"0\"")},
     "sets sysctl 'kernel.panic' to '0' for the host's kernel, which the container's config does not"},
    {"sysctl_of_host_vm",
     NULL,
     {SPEC ("linux/sysctl/vm.overcommit_memory", "\"1\"")},
     "sets sysctl 'vm.overcommit_memory' to '1' for the host's kernel"},
    {"sysctl_in_host_network",
     NULL,
     {SPEC ("linux/namespaces", "[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"mount\"}]"),
      CFG ("HostConfig/NetworkMode", "\"host\""), SPEC ("linux/sysctl", "{\"net.ipv4.ip_forward\":\"1\"}")},
     "sets sysctl 'net.ipv4.ip_forward' to '1' in a namespace it shares"},
    /* --sysctl net.core.somaxconn=4096 (Podman's inspect does not show it):
     * its own network namespace's */
    {"sysctl_in_own_namespace_passes",
     NULL,
     {SPEC ("linux/sysctl/net.core.somaxconn", "\"4096\""), SPEC ("linux/sysctl/kernel.shm_rmid_forced", "\"1\"")},
     NULL},
    {"sysctl_configured_passes",
     NULL,
     {SPEC ("linux/sysctl/net.ipv4.ip_forward", "\"1\""),
      CFG ("HostConfig/Sysctls", "{\"net.ipv4.ip_forward\":\"1\"}")},
     NULL},
    {"pids_limit_lifted",
     NULL,
     {SPEC ("linux/resources/pids", NULL)},
     "sets the pids limit to 0, not the container's 2048"},
    {"memory_limit_raised",
     NULL,
     {CFG ("HostConfig/Memory", "268435456"), SPEC ("linux/resources/memory", "{\"limit\":1073741824}")},
     "sets the memory limit to 1073741824"},
    {"oom_score_lowered", NULL, {SPEC ("process/oomScoreAdj", "-1000")}, "sets the OOM score adjustment to -1000"},
    {"runtime_annotation",
     NULL,
     {SPEC ("annotations/run.oci.delegate-cgroup", "\"/x\"")},
     "sets the runtime's annotation 'run.oci.delegate-cgroup'"},

    /* config.dump: what it is */
    {"rootfs_host_folder",
     NULL,
     {CONF ("rootfs", "\"/\"")},
     "member 'config.dump' runs the host folder '/' as the container's root"},
    {"other_image", NULL, {CONF ("rootfsImageID", "\"" OTHER_ID "\"")}, "runs image '" OTHER_ID "'"},
    /* the image dmig found here is the manifest's */
    {"image_other_than_manifest",
     NULL,
     {{"manifest", "image", "\"sha256:" OTHER_ID "\"", false}},
     "runs image '2d2b514d334812626308629bb4f41b9bd4be531eeb41df360c7a273eaf30c07f', not the container's '" OTHER_ID
     "'"},
    {"other_image_name",
     NULL,
     {CONF ("rootfsImageName", "\"registry.example/tools:latest\"")},
     "names image 'registry.example/tools:latest'"},
    {"conf_privileged", NULL, {CONF ("privileged", "true")}, "makes the container privileged"},
    {"conf_all_devices", NULL, {CONF ("mountAllDevices", "true")}, "gives the container all of the host's devices"},
    {"conf_user_root",
     NULL,
     {CFG ("Config/User", "\"postgres\""), SPEC ("process/user", "{\"uid\":999,\"gid\":999}")},
     "runs the container as user '', not as its 'postgres'"},
    {"conf_command",
     NULL,
     {CONF ("command", "[\"sh\",\"-c\",\"reboot\"]")},
     "runs the command '[\"sh\",\"-c\",\"reboot\"]'"},
    {"conf_entrypoint", NULL, {CONF ("entrypoint", "[\"/bin/sh\"]")}, "runs the entrypoint '[\"/bin/sh\"]'"},
    {"conf_systemd", NULL, {CONF ("systemd", "true")}, "runs the container in systemd mode"},

    /* config.dump: what it shares */
    {"conf_pid_of_container",
     NULL,
     {CONF ("pidNsCtr", "\"" OTHER_ID "\"")},
     "shares a namespace of container '" OTHER_ID "' (pidNsCtr)"},
    {"conf_pod", NULL, {CONF ("pod", "\"infra\"")}, "puts the container in pod 'infra'"},
    {"conf_network_host",
     NULL,
     {CONF ("networkMode", "\"host\"")},
     "puts the container in network 'host', not its 'none'"},
    {"conf_network_joined", NULL, {CONF ("newNetworks", "{\"db-net\":{}}")}, "joins network 'db-net'"},
    {"conf_network_option",
     NULL,
     {CONF ("network_options", "{\"slirp4netns\":[\"allow_host_loopback=true\"]}")},
     "gives network 'slirp4netns' option 'allow_host_loopback=true'"},
    {"conf_port_published",
     NULL,
     {CONF ("newPortMappings", "[{\"host_ip\":\"\",\"container_port\":22,\"host_port\":2222,\"range\":1,"
                               "\"protocol\":\"tcp\"}]")},
     "publishes port 2222 of the host"},
    {"conf_port_configured_passes",
     NULL,
     {CONF ("newPortMappings", "[{\"container_port\":5432,\"host_port\":15432,\"range\":2,\"protocol\":\"tcp\"}]"),
      CFG ("HostConfig/PortBindings", "{\"5432/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"15432\"}],"
                                      "\"5433/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"15433\"}]}")},
     NULL},
    {"conf_dns", NULL, {CONF ("dnsServer", "[\"10.0.0.66\"]")}, "sets name resolution '10.0.0.66'"},

    /* config.dump: what it mounts */
    {"conf_foreign_volume",
     NULL,
     {CONF_ADD ("namedVolumes", "{\"volumeName\":\"db-secrets\",\"dest\":\"/secrets\",\"options\":[\"rbind\"]}")},
     "mounts volume 'db-secrets' at '/secrets', which the container did not have"},
    {"conf_volume_moved",
     NULL,
     {CONF ("namedVolumes/0/dest", "\"/etc\"")},
     "mounts volume 'dmigt3744-podman-pgrb-data' at '/etc'"},
    {"conf_volume_driver_option",
     NULL,
     {CONF ("namedVolumes", "[{\"volumeName\":\"dmigt3744-podman-pgrb-data\",\"dest\":\"" VOL_DEST
                            "\",\"options\":[\"volume-opt=device=/\",\"volume-opt=o=bind\"]}]")},
     "makes volume 'dmigt3744-podman-pgrb-data' with driver option 'volume-opt=device=/'"},
    {"conf_overlay_host_folder",
     NULL,
     {CONF ("overlayVolumes", "[{\"dest\":\"/x\",\"source\":\"/root\"}]")},
     "lays the host folder '/root' over '/x'"},
    {"conf_image_volume",
     NULL,
     {CONF ("ctrImageVolumes", "[{\"source\":\"tools\",\"dest\":\"/tools\",\"rw\":true}]")},
     "mounts image 'tools' at '/tools'"},
    {"conf_unmounts_host", NULL, {CONF_ADD ("mounts", "\"/proc\"")}, "has Podman unmount '/proc' from the host"},
    {"conf_shm_of_earlier_id_passes", NULL, {CONF_ADD ("mounts", "\"" STORAGE OTHER_ID "/userdata/shm\"")}, NULL},

    /* config.dump: what else it is handed */
    {"conf_secret",
     NULL,
     {CONF ("secrets", "[{\"name\":\"db-password\",\"id\":\"abc\"}]")},
     "hands the container the host's secret 'db-password'"},
    {"conf_secret_env",
     NULL,
     {CONF ("secret_env", "{\"TOKEN\":{\"name\":\"api-token\"}}")},
     "hands the container the host's secret 'api-token' (as $TOKEN)"},
    {"conf_secret_configured_passes",
     NULL,
     {CONF ("secrets", "[{\"name\":\"db-password\"}]"), CFG ("Config/Secrets", "[{\"Name\":\"db-password\"}]")},
     NULL},
    {"conf_cdi_device",
     NULL,
     {CONF ("cdiDevices", "[\"nvidia.com/gpu=all\"]")},
     "gives the container CDI device 'nvidia.com/gpu=all'"},
    {"conf_host_device",
     NULL,
     {CONF ("device_host_src", "[{\"path\":\"/dev/sda\",\"type\":\"b\",\"major\":8}]")},
     "gives the container the host's device '/dev/sda'"},
    {"conf_preserve_fds", NULL, {CONF ("preserveFds", "8")}, "passes open files of Podman to the container"},
    {"conf_preserve_fd_list", NULL, {CONF ("preserveFd", "[3,4]")}, "passes open files of Podman"},
    {"conf_selinux_label",
     NULL,
     {CONF ("ProcessLabel", "\"system_u:system_r:spc_t:s0\"")},
     "labels the container 'system_u:system_r:spc_t:s0' for SELinux"},
    {"conf_label_nested", NULL, {CONF ("label_nested", "true")}, "lets the container run containers of its own"},

    /* config.dump: where it writes on the host */
    {"conf_conmon_pid_file",
     NULL,
     {CONF ("conmonPidFile", "\"/etc/ld.so.preload\"")},
     "has conmon write its PID to '/etc/ld.so.preload' on the host"},
    {"conf_pid_file",
     NULL,
     {CONF ("pid_file", "\"/etc/cron.d/x\"")},
     "has the runtime write the container's PID to '/etc/cron.d/x'"},
    {"conf_pid_file_escapes",
     NULL,
     {CONF ("pid_file",
            "\"" STORAGE
            "b35c0881ea113c9a68cc8611645e1c7e82bb606f919ad896bb716b4c416e4747/userdata/../../../../../etc/x\"")},
     "has the runtime write the container's PID to"},
    {"conf_health_log",
     NULL,
     {CONF ("healthLogDestination", "\"/etc/cron.d\"")},
     "writes the container's health log into '/etc/cron.d' on the host"},
    {"conf_hosts_file",
     NULL,
     {CONF ("baseHostsFile", "\"/etc/shadow\"")},
     "makes the container's /etc/hosts from '/etc/shadow'"},
    {"conf_notify_socket",
     NULL,
     {CONF ("sdnotifySocket", "\"/run/systemd/notify\"")},
     "sends the container's notifications to '/run/systemd/notify' on the host"},
    {"conf_restart_always",
     NULL,
     {CONF ("restart_policy", "\"always\"")},
     "restarts the container ('always', 0 retries), not as its config ('no', 0)"},
    {"conf_cgroup_parent",
     NULL,
     {CONF ("cgroupParent", "\"/\"")},
     "puts the container in cgroup '/', not its default one"},
    {"conf_no_cgroups", NULL, {CONF ("noCgroups", "true")}, "runs the container outside any cgroup"},
    {"conf_log_driver",
     NULL,
     {CONF ("logDriver", "\"passthrough\"")},
     "logs the container by 'passthrough', not by its 'k8s-file'"},
    {"conf_groups", NULL, {CONF ("groups", "[\"disk\"]")}, "adds the container's user to group 'disk'"},
    {"conf_id_mappings",
     NULL,
     {CONF ("idMappingsOptions/UIDMap", "[{\"container_id\":0,\"host_id\":0,\"size\":1}]")},
     "maps the container's user IDs otherwise than its config"},
};

/* A hook is one this host's hooks folder puts there: accepted; another
 * one, or the same program with other arguments, refused. */
static void
host_hooks_folder (void **state)
{
	char dir[] = "/tmp/dmig-unit-XXXXXX", file[64];
	const char *const dirs[] = {dir, NULL};
	const char *const *saved = dmig_podspec_hooks_dirs;
	const char hook[] =
	    "{\"version\":\"1.0.0\",\"hook\":{\"path\":\"/usr/bin/nvidia-hook\",\"args\":[\"nvidia-hook\","
	    "\"prestart\"]},\"when\":{\"always\":true},\"stages\":[\"prestart\"]}";
	struct docs d;
	dmig_error_t err = NULL;
	int fd;
	(void)state;

	assert_non_null (mkdtemp (dir));
	snprintf (file, sizeof (file), "%s/nvidia.json", dir);
	fd = open (file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal (write (fd, hook, strlen (hook)), (ssize_t)strlen (hook));
	close (fd);
	dmig_podspec_hooks_dirs = dirs;
	docs_load (&d, "volume");
	json_object_object_add (
	    d.spec, "hooks",
	    json_tokener_parse ("{\"prestart\":[{\"path\":\"/usr/bin/nvidia-hook\",\"args\":[\"nvidia-"
	                        "hook\",\"prestart\"]}]}"));
	assert_int_equal (check (&d, &err), 0);
	/* other arguments, another stage */
	json_object_object_add (
	    d.spec, "hooks",
	    json_tokener_parse ("{\"prestart\":[{\"path\":\"/usr/bin/nvidia-hook\",\"args\":[\"sh\",\"-c\","
	                        "\"id\"]}]}"));
	assert_int_equal (check (&d, &err), -1);
	assert_non_null (strstr (err->msg, "runs '/usr/bin/nvidia-hook' on the host (a prestart hook)"));
	dmig_error_release (&err);
	json_object_object_add (
	    d.spec, "hooks",
	    json_tokener_parse ("{\"poststop\":[{\"path\":\"/usr/bin/nvidia-hook\",\"args\":[\"nvidia-"
	                        "hook\",\"prestart\"]}]}"));
	assert_int_equal (check (&d, &err), -1);
	dmig_error_release (&err);
	docs_free (&d);
	dmig_podspec_hooks_dirs = saved;
	dmig_fs_rm_rf (dir, NULL);
}

/* Podman's init at /run/podman-init with --init: a program any user may
 * run; a private file of the host in its place is refused. */
static void
init_source (void **state)
{
	char dir[] = "/tmp/dmig-unit-XXXXXX", file[64], text[256];
	json_object *mounts, *m;
	struct docs d;
	dmig_error_t err = NULL;
	int fd;
	(void)state;

	assert_non_null (mkdtemp (dir));
	snprintf (file, sizeof (file), "%s/catatonit", dir);
	fd = open (file, O_WRONLY | O_CREAT | O_TRUNC, 0700);
	close (fd);
	docs_load (&d, "init");
	mounts = json_object_object_get (d.spec, "mounts");
	for (size_t i = 0; i < json_object_array_length (mounts); i++) {
		m = json_object_array_get_idx (mounts, i);
		if (strcmp (dmig_json_str (m, "destination"), "/run/podman-init") != 0)
			continue;
		/* a program any user may read and run: /bin/sh on any host */
		json_object_object_add (m, "source", json_object_new_string ("/bin/sh"));
		assert_int_equal (check (&d, &err), 0);
		json_object_object_add (m, "source", json_object_new_string (file));
		assert_int_equal (check (&d, &err), -1);
		snprintf (text, sizeof (text), "binds '%s' at '/run/podman-init'", file);
		assert_non_null (strstr (err->msg, text));
		dmig_error_release (&err);
		/* writable */
		json_object_object_add (m, "source", json_object_new_string ("/bin/sh"));
		json_object_object_add (m, "options", json_tokener_parse ("[\"bind\",\"rprivate\"]"));
		assert_int_equal (check (&d, &err), -1);
		dmig_error_release (&err);
	}
	docs_free (&d);
	dmig_fs_rm_rf (dir, NULL);
}

int
main (void)
{
	enum { N = sizeof (cases) / sizeof (cases[0]) };
	static struct attack all[N];
	static struct CMUnitTest tests[N + 2];

	for (size_t i = 0; i < N; i++) {
		all[i] = cases[i];
		tests[i] = (struct CMUnitTest){.name = all[i].name, .test_func = run, .initial_state = &all[i]};
	}
	tests[N] = (struct CMUnitTest){.name = "host_hooks_folder", .test_func = host_hooks_folder};
	tests[N + 1] = (struct CMUnitTest){.name = "init_source", .test_func = init_source};
	return _cmocka_run_group_tests ("test_podspec", tests, N + 2, NULL, NULL);
}
