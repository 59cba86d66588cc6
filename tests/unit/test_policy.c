/* The policy on a snapshot's config (engines/policy.c): each attack seen on a
 * bundle is refused, naming its field; the same container's own config,
 * with its own data (env, labels) changed, passes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "policy.h"

/* Docker's inspect of a plain `docker run -d --network none` container
 * with a volume and a bind mount, trimmed to what the policy reads. */
static const char web_json[] =
    "{\"Id\":\"c0ffee\",\"Name\":\"/web\",\"Image\":\"sha256:abcd\","
    "\"State\":{\"Running\":true,\"Pid\":0},"
    "\"Config\":{\"Hostname\":\"c0ffee\",\"User\":\"\",\"Env\":[\"PATH=/bin\"],\"Cmd\":[\"counter\",\"/data/log\"],"
    "\"Entrypoint\":null,\"Labels\":{\"app\":\"web\"},\"Image\":\"web:1\"},"
    "\"HostConfig\":{\"Binds\":[\"/srv/web:/srv:ro\"],\"NetworkMode\":\"none\","
    "\"RestartPolicy\":{\"Name\":\"no\",\"MaximumRetryCount\":0},\"AutoRemove\":false,"
    "\"CapAdd\":null,\"CapDrop\":[\"NET_RAW\"],\"Dns\":[],\"ExtraHosts\":null,\"GroupAdd\":null,"
    "\"IpcMode\":\"private\",\"Cgroup\":\"\",\"OomScoreAdj\":0,\"PidMode\":\"\",\"Privileged\":false,"
    "\"PublishAllPorts\":false,\"ReadonlyRootfs\":true,\"SecurityOpt\":[\"no-new-privileges\"],"
    "\"UTSMode\":\"\",\"UsernsMode\":\"\",\"Runtime\":\"runc\",\"CgroupParent\":\"\",\"Memory\":268435456,"
    "\"PidsLimit\":100,\"Devices\":[],\"DeviceCgroupRules\":null,\"Init\":null,\"CgroupnsMode\":\"private\","
    "\"LogConfig\":{\"Type\":\"json-file\",\"Config\":{}},\"Mounts\":null,\"PortBindings\":{},"
    "\"Sysctls\":null,"
    "\"MaskedPaths\":[\"/proc/asound\",\"/proc/acpi\",\"/proc/kcore\",\"/proc/keys\",\"/proc/latency_stats\","
    "\"/proc/timer_list\",\"/proc/timer_stats\",\"/proc/sched_debug\",\"/proc/scsi\",\"/sys/firmware\"],"
    "\"ReadonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\",\"/proc/sysrq-trigger\"]},"
    "\"Mounts\":[{\"Type\":\"volume\",\"Name\":\"web-data\",\"Source\":\"/var/lib/docker/volumes/web-data/_data\","
    "\"Destination\":\"/data\",\"RW\":true},"
    "{\"Type\":\"bind\",\"Source\":\"/srv/web\",\"Destination\":\"/srv\",\"RW\":false}],"
    "\"NetworkSettings\":{\"Networks\":{\"none\":{}}}}";

/* A gone container's plain config: Docker's defaults only. */
static const char plain_json[] =
    "{\"Id\":\"c0ffee\",\"Name\":\"/web\",\"Config\":{\"Cmd\":[\"counter\",\"/data/log\"],\"User\":\"\"},"
    "\"HostConfig\":{\"Binds\":null,\"NetworkMode\":\"none\",\"RestartPolicy\":{\"Name\":\"no\"},"
    "\"CapAdd\":null,\"CapDrop\":null,\"IpcMode\":\"private\",\"PidMode\":\"\",\"Privileged\":false,"
    "\"SecurityOpt\":null,\"Runtime\":\"runc\",\"CgroupnsMode\":\"host\",\"LogConfig\":{\"Type\":\"json-file\"},"
    "\"MaskedPaths\":[\"/proc/asound\",\"/proc/acpi\",\"/proc/kcore\",\"/proc/keys\",\"/proc/latency_stats\","
    "\"/proc/timer_list\",\"/proc/timer_stats\",\"/proc/sched_debug\",\"/proc/scsi\",\"/sys/firmware\"],"
    "\"ReadonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\",\"/proc/sysrq-trigger\"]},"
    "\"Mounts\":[],\"NetworkSettings\":{\"Networks\":{\"none\":{}}}}";

/* libpod's inspect of a plain `podman run -d --network none` container. */
static const char podman_json[] =
    "{\"Id\":\"beef\",\"Name\":\"web\",\"Config\":{\"Cmd\":[\"counter\"],\"Entrypoint\":\"\",\"User\":\"\","
    "\"CreateCommand\":[\"podman\",\"run\",\"-d\"]},"
    "\"HostConfig\":{\"Binds\":[],\"NetworkMode\":\"none\",\"RestartPolicy\":{\"Name\":\"\",\"MaximumRetryCount\":0},"
    "\"CapAdd\":[],\"CapDrop\":[\"CAP_AUDIT_WRITE\",\"CAP_MKNOD\",\"CAP_NET_RAW\"],\"Dns\":[],\"DnsOptions\":[],"
    "\"DnsSearch\":[],\"ExtraHosts\":[],\"GroupAdd\":[],\"IpcMode\":\"shareable\",\"Cgroup\":\"\","
    "\"Cgroups\":\"default\",\"Links\":null,\"OomScoreAdj\":0,\"PidMode\":\"private\",\"Privileged\":false,"
    "\"PublishAllPorts\":false,\"ReadonlyRootfs\":false,\"SecurityOpt\":[],\"Tmpfs\":{},\"UTSMode\":\"private\","
    "\"UsernsMode\":\"\",\"ShmSize\":65536000,\"Runtime\":\"oci\",\"CgroupParent\":\"machine.slice\","
    "\"Devices\":[],\"PidsLimit\":2048,\"Ulimits\":[{\"Name\":\"RLIMIT_NOFILE\",\"Soft\":1048576,\"Hard\":1048576}],"
    "\"CgroupMode\":\"private\",\"LogConfig\":{\"Type\":\"journald\",\"Config\":null,\"Path\":\"\",\"Tag\":\"\"},"
    "\"PortBindings\":{}},\"Mounts\":[],\"NetworkSettings\":{\"Networks\":{}},"
    "\"BoundingCaps\":[\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\",\"CAP_FOWNER\",\"CAP_FSETID\",\"CAP_KILL\","
    "\"CAP_NET_BIND_SERVICE\",\"CAP_SETFCAP\",\"CAP_SETGID\",\"CAP_SETPCAP\",\"CAP_SETUID\",\"CAP_SYS_CHROOT\"]}";

static struct dmig_container *
model (const char *json)
{
	json_object *raw = json_tokener_parse (json);
	struct dmig_container *c = calloc (1, sizeof (*c));

	assert_non_null (raw);
	assert_int_equal (dmig_container_parse_common (raw, c, NULL), 0);
	json_object_put (raw);
	return c;
}

/* A copy of json with the value at a dotted path set to value (JSON text;
 * NULL removes it). */
static json_object *
with (const char *json, const char *path, const char *value)
{
	json_object *o = json_tokener_parse (json), *at = o;
	char key[128];
	const char *p = path, *dot;

	while ((dot = strchr (p, '.')) != NULL) {
		json_object *next = NULL;
		snprintf (key, sizeof (key), "%.*s", (int)(dot - p), p);
		if (!json_object_object_get_ex (at, key, &next)) {
			next = json_object_new_object ();
			json_object_object_add (at, key, next);
		}
		at = next;
		p = dot + 1;
	}
	if (value == NULL)
		json_object_object_del (at, p);
	else {
		/* "null" parses as NULL, which is JSON's null */
		json_object *v = json_tokener_parse (value);
		if (strcmp (value, "null") != 0)
			assert_non_null (v);
		json_object_object_add (at, p, v);
	}
	return o;
}

/* ref (NULL: gone) and the config with path set to value: refused, naming
 * field, saying says. */
static void
refused (const char *ref_json, const char *json, const char *path, const char *value, const char *field,
         const char *says)
{
	struct dmig_container *ref = ref_json ? model (ref_json) : NULL;
	json_object *cfg = with (json, path, value);
	struct dmig_widening w;

	if (!dmig_policy_widening (ref, cfg, &w))
		fail_msg ("%s = %s passed", path, value ? value : "(removed)");
	assert_string_equal (w.field, field);
	if (strstr (w.what, says) == NULL)
		fail_msg ("%s: '%s' does not say '%s'", path, w.what, says);
	json_object_put (cfg);
	dmig_container_free (ref);
}

static void
passes (const char *ref_json, const char *json, const char *path, const char *value)
{
	struct dmig_container *ref = ref_json ? model (ref_json) : NULL;
	json_object *cfg = path ? with (json, path, value) : json_tokener_parse (json);
	struct dmig_widening w;

	if (dmig_policy_widening (ref, cfg, &w))
		fail_msg ("%s = %s refused: %s %s", path ? path : "(as it is)", value ? value : "-", w.field, w.what);
	json_object_put (cfg);
	dmig_container_free (ref);
}

/* The attacks seen, against the container as it is now. */
#define ATTACK(fn, path, value, says)                                                                                  \
	static void fn (void **state)                                                                                  \
	{                                                                                                              \
		(void)state;                                                                                           \
		refused (web_json, web_json, path, value, path, says);                                                 \
	}
ATTACK (bind_tmp, "HostConfig.Binds", "[\"/srv/web:/srv:ro\",\"/tmp:/x\"]", "adds '/tmp:/x'")
ATTACK (bind_widened_rw, "HostConfig.Binds", "[\"/srv/web:/srv:rw\"]", "adds '/srv/web:/srv:rw'")
ATTACK (bind_mount, "HostConfig.Mounts", "[{\"Type\":\"bind\",\"Source\":\"/\",\"Target\":\"/host\"}]", "adds")
ATTACK (restart_always, "HostConfig.RestartPolicy.Name", "\"always\"", "is 'always', not 'no'")
ATTACK (restart_retries, "HostConfig.RestartPolicy.MaximumRetryCount", "5", "is changed")
ATTACK (new_cmd, "Config.Cmd", "[\"sh\",\"-c\",\"cat /etc/shadow\"]", "is changed to")
ATTACK (new_entrypoint, "Config.Entrypoint", "[\"/bin/sh\"]", "is changed to")
ATTACK (new_user, "Config.User", "\"0:0\"", "is '0:0', not ''")
ATTACK (new_healthcheck, "Config.Healthcheck", "{\"Test\":[\"CMD\",\"rm\",\"-rf\",\"/data\"]}", "is changed")
ATTACK (privileged, "HostConfig.Privileged", "true", "is true")
ATTACK (pid_host, "HostConfig.PidMode", "\"host\"", "is 'host', not ''")
ATTACK (pid_container, "HostConfig.PidMode", "\"container:db\"", "is 'container:db'")
ATTACK (ipc_host, "HostConfig.IpcMode", "\"host\"", "is 'host', not 'private'")
ATTACK (uts_host, "HostConfig.UTSMode", "\"host\"", "is 'host'")
ATTACK (userns_host, "HostConfig.UsernsMode", "\"host\"", "is 'host'")
ATTACK (cgroupns_host, "HostConfig.CgroupnsMode", "\"host\"", "is 'host'")
ATTACK (cgroup_container, "HostConfig.Cgroup", "\"container:db\"", "is 'container:db'")
ATTACK (cap_add_all, "HostConfig.CapAdd", "[\"ALL\"]", "adds 'ALL'")
ATTACK (cap_drop_removed, "HostConfig.CapDrop", "null", "leaves out 'NET_RAW'")
ATTACK (devices, "HostConfig.Devices",
        "[{\"PathOnHost\":\"/dev/sda\",\"PathInContainer\":\"/dev/sda\",\"CgroupPermissions\":\"rwm\"}]", "adds")
ATTACK (device_cgroup_rules, "HostConfig.DeviceCgroupRules", "[\"b *:* rwm\"]", "adds 'b *:* rwm'")
ATTACK (device_requests, "HostConfig.DeviceRequests", "[{\"Count\":-1}]", "adds")
ATTACK (seccomp_unconfined, "HostConfig.SecurityOpt", "[\"no-new-privileges\",\"seccomp=unconfined\"]",
        "adds 'seccomp=unconfined'")
ATTACK (apparmor_unconfined, "HostConfig.SecurityOpt", "[\"apparmor=unconfined\"]", "adds 'apparmor=unconfined'")
ATTACK (readonly_rootfs_off, "HostConfig.ReadonlyRootfs", "false", "is off")
ATTACK (masked_paths_emptied, "HostConfig.MaskedPaths", "[]", "leaves out '/proc/asound'")
ATTACK (readonly_paths_emptied, "HostConfig.ReadonlyPaths", "[\"/proc/bus\"]", "leaves out '/proc/fs'")
ATTACK (sysctls, "HostConfig.Sysctls", "{\"kernel.shm_rmid_forced\":\"0\"}", "sets 'kernel.shm_rmid_forced'")
ATTACK (port_bindings, "HostConfig.PortBindings", "{\"22/tcp\":[{\"HostPort\":\"22\"}]}", "sets '22/tcp'")
ATTACK (publish_all, "HostConfig.PublishAllPorts", "true", "is true")
ATTACK (init, "HostConfig.Init", "true", "is true")
ATTACK (runtime, "HostConfig.Runtime", "\"/tmp/evil-runtime\"", "is '/tmp/evil-runtime', not 'runc'")
ATTACK (cgroup_parent, "HostConfig.CgroupParent", "\"/\"", "is '/', not ''")
ATTACK (extra_hosts, "HostConfig.ExtraHosts", "[\"registry:10.0.0.66\"]", "adds 'registry:10.0.0.66'")
ATTACK (dns, "HostConfig.Dns", "[\"10.0.0.66\"]", "adds '10.0.0.66'")
ATTACK (volumes_from, "HostConfig.VolumesFrom", "[\"db\"]", "adds 'db'")
ATTACK (group_add, "HostConfig.GroupAdd", "[\"docker\"]", "adds 'docker'")
ATTACK (log_driver, "HostConfig.LogConfig.Type", "\"syslog\"", "is 'syslog', not 'json-file'")
ATTACK (memory_lifted, "HostConfig.Memory", "0", "is 0, the container's 268435456")
ATTACK (pids_raised, "HostConfig.PidsLimit", "100000", "is 100000")
ATTACK (oom_score_lowered, "HostConfig.OomScoreAdj", "-1000", "is -1000, below 0")
ATTACK (oom_kill_disabled, "HostConfig.OomKillDisable", "true", "is true")
ATTACK (network_host, "HostConfig.NetworkMode", "\"host\"", "is 'host', not 'none'")
ATTACK (network_container, "HostConfig.NetworkMode", "\"container:db\"", "is 'container:db'")
ATTACK (network_other, "HostConfig.NetworkMode", "\"db-net\"", "is 'db-net', not 'none'")
ATTACK (network_joined, "NetworkSettings.Networks", "{\"none\":{},\"db-net\":{}}", "joins 'db-net'")
ATTACK (not_a_list, "HostConfig.CapAdd", "\"ALL\"", "is not a list")

/* Podman's own fields: what its export's spec.dump and config.dump are held
 * to (engines/podspec.c) widen nothing beyond the container's. */
#define PODMAN_ATTACK(fn, path, value, says)                                                                           \
	static void fn (void **state)                                                                                  \
	{                                                                                                              \
		(void)state;                                                                                           \
		refused (podman_json, podman_json, path, value, path, says);                                           \
	}
PODMAN_ATTACK (bounding_caps_added, "BoundingCaps", "[\"CAP_CHOWN\",\"CAP_SYS_ADMIN\"]", "adds 'CAP_SYS_ADMIN'")
PODMAN_ATTACK (cgroup_mode_host, "HostConfig.CgroupMode", "\"host\"", "is 'host', not 'private'")
PODMAN_ATTACK (hosts_file, "HostConfig.HostsFile", "\"/etc/shadow\"", "is '/etc/shadow', not ''")
PODMAN_ATTACK (health_log_folder, "Config.HealthLogDestination", "\"/etc/cron.d\"", "is '/etc/cron.d'")
PODMAN_ATTACK (notify_socket, "Config.sdNotifySocket", "\"/run/systemd/notify\"", "is '/run/systemd/notify'")
PODMAN_ATTACK (systemd_mode, "Config.SystemdMode", "true", "is true")
PODMAN_ATTACK (id_mappings, "HostConfig.IDMappings", "{\"UidMap\":[\"0:0:65536\"],\"GidMap\":[\"0:0:65536\"]}",
               "is changed")

/* Gone: the engines' default bounding set, nothing more. */
static void
podman_gone_caps (void **state)
{
	(void)state;
	passes (NULL, podman_json, "BoundingCaps", "[\"CAP_CHOWN\",\"CAP_NET_RAW\",\"CAP_MKNOD\"]");
	passes (NULL, podman_json, "HostConfig.HostsFile", "\"image\"");
	refused (NULL, podman_json, "BoundingCaps", "[\"CAP_CHOWN\",\"CAP_SYS_PTRACE\"]", "BoundingCaps",
	         "adds 'CAP_SYS_PTRACE'");
	refused (NULL, podman_json, "HostConfig.HostsFile", "\"/etc/shadow\"", "HostConfig.HostsFile",
	         "is '/etc/shadow'");
}

/* Docker's create names the volumes of the inspect's Mounts: another
 * container's volume, a host folder, or a read-only one made writable. */
static void
mounts_foreign_volume (void **state)
{
	(void)state;
	refused (web_json, web_json, "Mounts",
	         "[{\"Type\":\"volume\",\"Name\":\"db-secrets\",\"Destination\":\"/data\",\"RW\":true}]", "Mounts",
	         "mounts volume 'db-secrets' at '/data'");
	refused (web_json, web_json, "Mounts",
	         "[{\"Type\":\"bind\",\"Source\":\"/etc\",\"Destination\":\"/srv\",\"RW\":false}]", "Mounts",
	         "binds '/etc' at '/srv'");
	refused (web_json, web_json, "Mounts",
	         "[{\"Type\":\"bind\",\"Source\":\"/srv/web\",\"Destination\":\"/srv\",\"RW\":true}]", "Mounts",
	         "makes '/srv' writable");
}

/* The same container's bundle, as it is: nothing to refuse. */
static void
same_container_passes (void **state)
{
	(void)state;
	passes (web_json, web_json, NULL, NULL);
	passes (podman_json, podman_json, NULL, NULL);
}

/* Its own data: env, labels, hostname, the image's name; and what only
 * narrows it (a capability dropped, a namespace of its own, no network). */
static void
own_data_and_narrowing_pass (void **state)
{
	(void)state;
	passes (web_json, web_json, "Config.Env", "[\"PATH=/bin\",\"MODE=old\"]");
	passes (web_json, web_json, "Config.Labels", "{\"app\":\"web\",\"version\":\"1.3\"}");
	passes (web_json, web_json, "Config.Hostname", "\"old\"");
	passes (web_json, web_json, "Config.Image", "\"web:0.9\"");
	passes (web_json, web_json, "HostConfig.CapDrop", "[\"NET_RAW\",\"SYS_CHROOT\"]");
	passes (web_json, web_json, "HostConfig.Binds", "[]");
	passes (web_json, web_json, "HostConfig.Memory", "134217728");
	passes (web_json, web_json, "HostConfig.OomScoreAdj", "500");
	passes (web_json, web_json, "HostConfig.IpcMode", "\"shareable\"");
	passes (web_json, web_json, "HostConfig.RestartPolicy.Name", "\"\""); /* "" is "no" */
	passes (web_json, web_json, "HostConfig.MaskedPaths", NULL);          /* absent: Docker's own */
	passes (web_json, web_json, "Mounts", "[]");
	passes (web_json, web_json, "NetworkSettings.Networks", "{}");
}

/* Gone: Docker's and Podman's plain configs are the defaults. */
static void
gone_defaults_pass (void **state)
{
	(void)state;
	passes (NULL, plain_json, NULL, NULL);
	passes (NULL, podman_json, NULL, NULL);
	passes (NULL, plain_json, "HostConfig.SecurityOpt", "[\"no-new-privileges:true\"]");
	passes (NULL, plain_json, "HostConfig.NetworkMode", "\"bridge\"");
	passes (NULL, plain_json, "NetworkSettings.Networks", "{\"bridge\":{}}");
	passes (NULL, plain_json, "HostConfig.RestartPolicy.Name", "\"\"");
	passes (NULL, plain_json, "HostConfig.MaskedPaths", NULL);
	/* its own program: nothing to hold it against */
	passes (NULL, plain_json, "Config.Cmd", "[\"sh\"]");
}

/* Gone: nothing beyond the defaults. */
static void
gone_strict (void **state)
{
	(void)state;
	refused (NULL, plain_json, "HostConfig.Binds", "[\"/tmp:/x\"]", "HostConfig.Binds", "adds '/tmp:/x'");
	refused (NULL, plain_json, "HostConfig.RestartPolicy.Name", "\"always\"", "HostConfig.RestartPolicy.Name",
	         "is 'always'");
	refused (NULL, plain_json, "HostConfig.Privileged", "true", "HostConfig.Privileged", "is true");
	refused (NULL, plain_json, "HostConfig.PidMode", "\"host\"", "HostConfig.PidMode", "is 'host'");
	refused (NULL, plain_json, "HostConfig.CapAdd", "[\"ALL\"]", "HostConfig.CapAdd", "adds 'ALL'");
	refused (NULL, plain_json, "HostConfig.NetworkMode", "\"host\"", "HostConfig.NetworkMode", "is 'host'");
	refused (NULL, plain_json, "HostConfig.NetworkMode", "\"slirp4netns:allow_host_loopback=true\"",
	         "HostConfig.NetworkMode", "is 'slirp4netns:allow_host_loopback=true'");
	refused (NULL, plain_json, "NetworkSettings.Networks", "{\"db-net\":{}}", "NetworkSettings.Networks",
	         "joins 'db-net'");
	refused (NULL, plain_json, "HostConfig.SecurityOpt", "[\"label=disable\"]", "HostConfig.SecurityOpt",
	         "adds 'label=disable'");
	refused (NULL, plain_json, "HostConfig.MaskedPaths", "[]", "HostConfig.MaskedPaths", "leaves out");
	refused (NULL, plain_json, "HostConfig.Runtime", "\"evil\"", "HostConfig.Runtime", "is 'evil'");
	refused (NULL, plain_json, "HostConfig.CgroupParent", "\"/\"", "HostConfig.CgroupParent", "is '/'");
	refused (NULL, plain_json, "HostConfig.LogConfig.Type", "\"syslog\"", "HostConfig.LogConfig.Type",
	         "is 'syslog'");
	refused (NULL, plain_json, "HostConfig.Sysctls", "{\"net.ipv4.ip_forward\":\"1\"}", "HostConfig.Sysctls",
	         "sets 'net.ipv4.ip_forward'");
	refused (NULL, plain_json, "HostConfig.OomScoreAdj", "-1000", "HostConfig.OomScoreAdj", "is -1000");
	refused (NULL, plain_json, "Mounts", "[{\"Type\":\"volume\",\"Name\":\"web-data\",\"Destination\":\"/data\"}]",
	         "Mounts", "mounts volume 'web-data'");
}

/* A user namespace of its own, given up, is the host's. */
static void
userns_given_up (void **state)
{
	(void)state;
	refused ("{\"Name\":\"/web\",\"HostConfig\":{\"UsernsMode\":\"private\"}}",
	         "{\"Name\":\"/web\",\"HostConfig\":{\"UsernsMode\":\"private\"}}", "HostConfig.UsernsMode", "\"\"",
	         "HostConfig.UsernsMode", "is '', not 'private'");
}

static void
config_missing (void **state)
{
	struct dmig_widening w;
	(void)state;
	assert_true (dmig_policy_widening (NULL, NULL, &w));
	assert_string_equal (w.field, "config");
}

/* The manifest's volumes: only those the container mounts; none when gone. */
static void
volumes (void **state)
{
	struct dmig_container *web = model (web_json);
	json_object *own = json_tokener_parse ("[\"web-data\"]"), *other = json_tokener_parse ("[\"web-data\",\"db\"]");
	json_object *none = json_tokener_parse ("[]"), *odd = json_tokener_parse ("[7]");
	(void)state;
	assert_null (dmig_policy_foreign_volume (web, own));
	assert_null (dmig_policy_foreign_volume (web, none));
	assert_null (dmig_policy_foreign_volume (NULL, none));
	assert_string_equal (dmig_policy_foreign_volume (web, other), "db");
	assert_string_equal (dmig_policy_foreign_volume (NULL, own), "web-data");
	assert_string_equal (dmig_policy_foreign_volume (web, odd), "?");
	json_object_put (own);
	json_object_put (other);
	json_object_put (none);
	json_object_put (odd);
	dmig_container_free (web);
}

/* One line, exit 3, the field, and the option that accepts it. */
static void
message (void **state)
{
	struct dmig_container *web = model (web_json);
	json_object *m = json_object_new_object ();
	dmig_error_t err = NULL;
	(void)state;
	json_object_object_add (m, "volumes", json_tokener_parse ("[\"web-data\"]"));
	json_object_object_add (m, "config", with (web_json, "HostConfig.Binds", "[\"/tmp:/x\"]"));
	assert_int_equal (dmig_policy_check (web, m, "web@evil", &err), -1);
	assert_int_equal (err->status, 3);
	assert_string_equal (err->msg, "snapshot 'web@evil' gives the container more power: HostConfig.Binds adds "
	                               "'/tmp:/x'; --trust-config accepts it");
	dmig_error_release (&err);
	assert_int_equal (dmig_policy_check (NULL, m, "web@evil", &err), -1);
	assert_string_equal (err->msg, "snapshot 'web@evil' names volume 'web-data', and the container is gone; "
	                               "--trust-config accepts it");
	dmig_error_release (&err);
	json_object_object_add (m, "config", json_tokener_parse (web_json));
	assert_int_equal (dmig_policy_check (web, m, "web@evil", &err), 0);
	assert_null (err);
	json_object_put (m);
	dmig_container_free (web);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (bind_tmp),
	    cmocka_unit_test (bind_widened_rw),
	    cmocka_unit_test (bind_mount),
	    cmocka_unit_test (restart_always),
	    cmocka_unit_test (restart_retries),
	    cmocka_unit_test (new_cmd),
	    cmocka_unit_test (new_entrypoint),
	    cmocka_unit_test (new_user),
	    cmocka_unit_test (new_healthcheck),
	    cmocka_unit_test (privileged),
	    cmocka_unit_test (pid_host),
	    cmocka_unit_test (pid_container),
	    cmocka_unit_test (ipc_host),
	    cmocka_unit_test (uts_host),
	    cmocka_unit_test (userns_host),
	    cmocka_unit_test (cgroupns_host),
	    cmocka_unit_test (cgroup_container),
	    cmocka_unit_test (cap_add_all),
	    cmocka_unit_test (cap_drop_removed),
	    cmocka_unit_test (devices),
	    cmocka_unit_test (device_cgroup_rules),
	    cmocka_unit_test (device_requests),
	    cmocka_unit_test (seccomp_unconfined),
	    cmocka_unit_test (apparmor_unconfined),
	    cmocka_unit_test (readonly_rootfs_off),
	    cmocka_unit_test (masked_paths_emptied),
	    cmocka_unit_test (readonly_paths_emptied),
	    cmocka_unit_test (sysctls),
	    cmocka_unit_test (port_bindings),
	    cmocka_unit_test (publish_all),
	    cmocka_unit_test (init),
	    cmocka_unit_test (runtime),
	    cmocka_unit_test (cgroup_parent),
	    cmocka_unit_test (extra_hosts),
	    cmocka_unit_test (dns),
	    cmocka_unit_test (volumes_from),
	    cmocka_unit_test (group_add),
	    cmocka_unit_test (log_driver),
	    cmocka_unit_test (memory_lifted),
	    cmocka_unit_test (pids_raised),
	    cmocka_unit_test (oom_score_lowered),
	    cmocka_unit_test (oom_kill_disabled),
	    cmocka_unit_test (network_host),
	    cmocka_unit_test (network_container),
	    cmocka_unit_test (network_other),
	    cmocka_unit_test (network_joined),
	    cmocka_unit_test (not_a_list),
	    cmocka_unit_test (bounding_caps_added),
	    cmocka_unit_test (cgroup_mode_host),
	    cmocka_unit_test (hosts_file),
	    cmocka_unit_test (health_log_folder),
	    cmocka_unit_test (notify_socket),
	    cmocka_unit_test (systemd_mode),
	    cmocka_unit_test (id_mappings),
	    cmocka_unit_test (podman_gone_caps),
	    cmocka_unit_test (mounts_foreign_volume),
	    cmocka_unit_test (same_container_passes),
	    cmocka_unit_test (own_data_and_narrowing_pass),
	    cmocka_unit_test (gone_defaults_pass),
	    cmocka_unit_test (gone_strict),
	    cmocka_unit_test (userns_given_up),
	    cmocka_unit_test (config_missing),
	    cmocka_unit_test (volumes),
	    cmocka_unit_test (message),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
