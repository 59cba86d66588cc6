// WRAP: dmig_ssh_connect dmig_ssh_run dmig_ssh_name dmig_migrate_connect_engine dmig_criu_check dmig_criu_cpuinfo
// WRAP: dmig_criu_restores_symlinks dmig_engine_inspect dmig_engine_call dmig_image_exists dmig_image_size
// WRAP: dmig_cgroup_memory dmig_fs_tree_size dmig_child_capture dmig_journal_read dmig_check_state dmig_check_tty
// WRAP: dmig_check_storage dmig_check_restores dmig_check_tcp dmig_check_unix dmig_check_fds
/* The checks before a move (src/preflight.c), against a scripted world: a
 * target whose SSH commands, engine and CRIU answer as each test sets
 * them. Each check passes, and fails when its one thing is made wrong;
 * a check whose need failed is skipped; a move stops at the first refusal,
 * and --force goes on past only the skippable ones, saying so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "check.h"
#include "criu.h"
#include "engine.h"
#include "fs.h"
#include "log.h"
#include "migrate.h"
#include "preflight.h"
#include "ssh.h"

/* ---- the world, as each test sets it ---- */

static struct world {
	bool no_ssh, no_engine, other_kind, ready_here_fails, ready_there_fails;
	const char *version_there; /* the target engine's version */
	const char *runtime_here, *runtime_there, *runtime_version_here, *runtime_version_there;
	bool runtime_missing_there;
	bool criu_here_fails, criu_missing_there, criu_check_fails_there;
	const char *criu_there;   /* `criu --version` there */
	const char *kernel_there; /* `uname -r` there */
	int cpu;                  /* dmig_criu_cpuinfo: 0, 1 or -1 */
	unsigned long long mem_kb, disk_kb, upload_kb;
	uint64_t used, layer;
	bool name_taken, image_there, image_here, network_missing, volume_there, bind_missing, bind_link, criu_links;
	bool journal;
	const char *ctr_fails;              /* a container check that refuses: "state", "tcp", "unix" ... */
	const char *engine_check;           /* the fake engine's own check: "fail", "error", "warn" */
	bool there_connected;               /* m->ssh and m->dst made before (as a move's) */
	int ssh_runs, engine_checks, stops; /* what was asked */
} w;

static int dummy_ssh;
#define FAKE_SSH ((struct dmig_ssh *)&dummy_ssh)

static int
fake_check_here (struct dmig_engine *e, dmig_error_t *err)
{
	(void)e;
	if (w.ready_here_fails)
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                       "Docker at /var/run/docker.sock runs without experimental mode");
	return 0;
}

static int
fake_runtime (struct dmig_engine *e, const struct dmig_container *ctr, bool restore, char *name, size_t ncap,
              char *path, size_t pcap, dmig_error_t *err)
{
	const char *rt = e->remote ? w.runtime_there : w.runtime_here;
	(void)ctr;
	(void)restore;
	if (e->remote && w.runtime_missing_there)
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                       "Docker 20.10.24 on root@lab2:22 has no runtime 'crun'");
	snprintf (name, ncap, "%s", rt);
	snprintf (path, pcap, "/usr/bin/%s", rt);
	return 0;
}

static int
fake_dirs (struct dmig_engine *e, char *data, size_t dcap, char *upload, size_t ucap, dmig_error_t *err)
{
	(void)e;
	(void)err;
	snprintf (data, dcap, "/var/lib/docker");
	snprintf (upload, ucap, "%s", w.upload_kb ? "/var/tmp" : "");
	return 0;
}

/* The engine's own check, between the orchestrator's. */
static enum dmig_verdict
fake_there (struct dmig_move *m, char *detail, size_t cap, dmig_error_t *err)
{
	(void)m;
	w.engine_checks++;
	if (w.engine_check && strcmp (w.engine_check, "fail") == 0) {
		snprintf (detail, cap, "going on with the fake's risk (--force)");
		dmig_error_set (err, DMIG_EPREFLIGHT, 0, "the fake refuses");
		return DMIG_CHECK_FAIL;
	}
	if (w.engine_check && strcmp (w.engine_check, "error") == 0) {
		dmig_error_set (err, DMIG_EPREFLIGHT, 0, "the fake cannot tell");
		return DMIG_CHECK_ERROR;
	}
	snprintf (detail, cap, "the fake is %s", w.engine_check ? "unsure" : "content");
	return w.engine_check ? DMIG_CHECK_WARN : DMIG_CHECK_OK;
}

static const struct dmig_move_check fake_checks[] = {
    {.name = "fake-there", .skippable = true, .run = fake_there},
    {.name = NULL},
};

static const struct dmig_move_ops fake_move = {.checks = fake_checks};

static int
fake_parse (json_object *raw, struct dmig_container *c, dmig_error_t *err)
{
	return dmig_container_parse_common (raw, c, err);
}

static const struct dmig_engine_ops fake_ops = {
    .kind = "docker",
    .title = "Docker",
    .socket = "/var/run/docker.sock",
    .parse = fake_parse,
    .check = fake_check_here,
    .ready = "experimental mode on",
    .runtime = fake_runtime,
    .dirs = fake_dirs,
    .move = &fake_move,
};
static const struct dmig_engine_ops other_ops = {.kind = "podman", .title = "Podman", .check = fake_check_here};
static struct dmig_engine_ops no_move_ops;

static int
fake_check_there (struct dmig_engine *e, dmig_error_t *err)
{
	(void)e;
	if (w.ready_there_fails)
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                       "Docker at /tmp/dmig-ssh-x/sock runs without experimental mode");
	return 0;
}

static struct dmig_engine_ops there_ops;
static struct dmig_engine src = {.ops = &fake_ops, .version = "20.10.24", .api = 1041, .docker_api = "/v1.41"};
static struct dmig_engine dst = {
    .ops = &there_ops, .api = 1041, .docker_api = "/v1.41", .remote = true, .host = FAKE_SSH};
static struct dmig_target target = {.spec = "root@lab2", .host = "lab2"};
static struct dmig_move_opts opts;
static struct dmig_move m;
static struct dmig_container *ctr;

/* ---- the seams ---- */

int __wrap_dmig_ssh_connect (const struct dmig_target *t, const char *config, struct dmig_ssh **out, dmig_error_t *err);
int
__wrap_dmig_ssh_connect (const struct dmig_target *t, const char *config, struct dmig_ssh **out, dmig_error_t *err)
{
	(void)config;
	assert_ptr_equal (t, &target);
	*out = NULL;
	if (w.no_ssh)
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                       "unknown host key for root@lab2:22 (host not in /root/.ssh/known_hosts)");
	*out = FAKE_SSH;
	return 0;
}

int __wrap_dmig_migrate_connect_engine (struct dmig_move *mv, dmig_error_t *err);
int
__wrap_dmig_migrate_connect_engine (struct dmig_move *mv, dmig_error_t *err)
{
	assert_ptr_equal (mv->ssh, FAKE_SSH);
	if (w.no_engine)
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                       "cannot reach the engine at /var/run/docker.sock on root@lab2:22");
	there_ops = w.other_kind ? other_ops : fake_ops;
	there_ops.check = fake_check_there;
	dst.version = (char *)(w.version_there ? w.version_there : "20.10.24");
	mv->dst = &dst;
	return 0;
}

const char *__wrap_dmig_ssh_name (const struct dmig_ssh *s);
const char *
__wrap_dmig_ssh_name (const struct dmig_ssh *s)
{
	assert_ptr_equal (s, FAKE_SSH);
	return "root@lab2:22";
}

static int
ran (char *out, size_t cap, const char *text)
{
	if (out)
		snprintf (out, cap, "%s", text);
	return 0;
}

int __wrap_dmig_ssh_run (struct dmig_ssh *s, char *const argv[], char *out, size_t cap, long timeout_ms,
                         dmig_error_t *err);
int
__wrap_dmig_ssh_run (struct dmig_ssh *s, char *const argv[], char *out, size_t cap, long timeout_ms, dmig_error_t *err)
{
	char line[1024];
	(void)timeout_ms;

	assert_ptr_equal (s, FAKE_SSH);
	w.ssh_runs++;
	if (strcmp (argv[0], "criu") == 0) {
		if (w.criu_missing_there)
			return dmig_error_set (err, DMIG_EFAIL, 0,
			                       "root@lab2:22: 'criu' exited 127: bash: criu: command not found");
		if (strcmp (argv[1], "--version") == 0) {
			snprintf (line, sizeof (line), "Version: %s\n", w.criu_there);
			return ran (out, cap, line);
		}
		if (strcmp (argv[1], "check") == 0 && w.criu_check_fails_there)
			return dmig_error_set (err, DMIG_EFAIL, 0,
			                       "root@lab2:22: 'criu' exited 1: Error (criu/vdso.c:1): vdso");
		return ran (out, cap, "Looks good.\n");
	}
	if (strcmp (argv[0], "uname") == 0) {
		snprintf (line, sizeof (line), "%s\n", w.kernel_there);
		return ran (out, cap, line);
	}
	if (strcmp (argv[0], "cat") == 0 && strcmp (argv[1], "/proc/meminfo") == 0) {
		snprintf (line, sizeof (line),
		          "MemTotal:       16000000 kB\nMemFree:  100 kB\nMemAvailable:   %llu kB\n", w.mem_kb);
		return ran (out, cap, line);
	}
	if (strcmp (argv[0], "df") == 0) {
		assert_string_equal (argv[1], "-Pk");
		assert_string_equal (argv[3], "/var/lib/docker");
		snprintf (
		    line, sizeof (line),
		    "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/vda1 100000000 5 %llu 1%% /\n"
		    "%s",
		    w.disk_kb, argv[4] ? "" : "");
		if (argv[4]) {
			size_t n = strlen (line);
			snprintf (line + n, sizeof (line) - n, "tmpfs 1000 1 %llu 1%% /var/tmp\n", w.upload_kb);
		}
		return ran (out, cap, line);
	}
	if (strcmp (argv[0], "test") == 0) {
		bool yes = strcmp (argv[1], "-e") == 0 ? !w.bind_missing : w.bind_link;
		assert_string_equal (argv[2], "/srv/data");
		return yes ? 0 : dmig_error_set (err, DMIG_EFAIL, 0, "root@lab2:22: 'test' exited 1");
	}
	if (strcmp (argv[1], "--version") == 0) {
		assert_string_equal (argv[0], "/usr/bin/runc"); /* the runtime's program there */
		return ran (out, cap, w.runtime_version_there);
	}
	fail_msg ("unexpected command on the target: %s %s", argv[0], argv[1] ? argv[1] : "");
	return -1;
}

int __wrap_dmig_child_capture (char *const argv[], char *out, size_t cap, int timeout_s);
int
__wrap_dmig_child_capture (char *const argv[], char *out, size_t cap, int timeout_s)
{
	(void)timeout_s;
	assert_string_equal (argv[1], "--version"); /* the runtime's, here */
	snprintf (out, cap, "%s", w.runtime_version_here);
	return 0;
}

int __wrap_dmig_criu_check (char *version, size_t cap, dmig_error_t *err);
int
__wrap_dmig_criu_check (char *version, size_t cap, dmig_error_t *err)
{
	if (w.criu_here_fails)
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0, "CRIU 4.2.1 fails 'criu check' on this host: no");
	snprintf (version, cap, "4.2.1");
	return 0;
}

int __wrap_dmig_criu_cpuinfo (struct dmig_ssh *host, char *why, size_t cap, dmig_error_t *err);
int
__wrap_dmig_criu_cpuinfo (struct dmig_ssh *host, char *why, size_t cap, dmig_error_t *err)
{
	assert_ptr_equal (host, FAKE_SSH);
	if (w.cpu < 0)
		return dmig_error_set (err, DMIG_EFAIL, 0, "'criu cpuinfo dump' failed here: no /proc/cpuinfo");
	snprintf (why, cap, "%s", w.cpu ? "Error (criu/cpu.c:1): cpu: CPU Feature avx512f mismatch" : "");
	return w.cpu;
}

bool __wrap_dmig_criu_restores_symlinks (struct dmig_ssh *host);
bool
__wrap_dmig_criu_restores_symlinks (struct dmig_ssh *host)
{
	assert_ptr_equal (host, FAKE_SSH);
	return w.criu_links;
}

int __wrap_dmig_engine_inspect (struct dmig_engine *e, const char *name, struct dmig_container **out,
                                dmig_error_t *err);
int
__wrap_dmig_engine_inspect (struct dmig_engine *e, const char *name, struct dmig_container **out, dmig_error_t *err)
{
	(void)err;
	assert_true (e->remote);
	assert_string_equal (name, "web");
	*out = w.name_taken ? calloc (1, sizeof (**out)) : NULL;
	return 0;
}

int __wrap_dmig_engine_call (struct dmig_engine *e, const char *method, const char *path, json_object *body,
                             long timeout_ms, json_object **out, dmig_error_t *err);
int
__wrap_dmig_engine_call (struct dmig_engine *e, const char *method, const char *path, json_object *body,
                         long timeout_ms, json_object **out, dmig_error_t *err)
{
	(void)body;
	(void)timeout_ms;
	(void)err;
	assert_true (e->remote);
	assert_string_equal (method, "GET");
	if (out)
		*out = NULL;
	if (strcmp (path, "/v1.41/networks/backend") == 0)
		return w.network_missing ? 404 : 200;
	if (strcmp (path, "/v1.41/volumes/data") == 0)
		return w.volume_there ? 200 : 404;
	fail_msg ("unexpected call %s %s", method, path);
	return -1;
}

int __wrap_dmig_image_exists (struct dmig_engine *e, const char *id, bool *exists, dmig_error_t *err);
int
__wrap_dmig_image_exists (struct dmig_engine *e, const char *id, bool *exists, dmig_error_t *err)
{
	(void)err;
	assert_string_equal (id, "sha256:1234");
	*exists = e->remote ? w.image_there : w.image_here;
	return 0;
}

int __wrap_dmig_image_size (struct dmig_engine *e, const char *id, uint64_t *bytes, dmig_error_t *err);
int
__wrap_dmig_image_size (struct dmig_engine *e, const char *id, uint64_t *bytes, dmig_error_t *err)
{
	(void)err;
	assert_false (e->remote);
	assert_string_equal (id, "sha256:1234");
	*bytes = 300ULL << 20;
	return 0;
}

uint64_t __wrap_dmig_cgroup_memory (int pid);
uint64_t
__wrap_dmig_cgroup_memory (int pid)
{
	assert_int_equal (pid, 4242);
	return w.used;
}

uint64_t __wrap_dmig_fs_tree_size (const char *path);
uint64_t
__wrap_dmig_fs_tree_size (const char *path)
{
	return strcmp (path, "/var/lib/docker/overlay2/x/diff") == 0 ? w.layer : 10ULL << 20; /* the volume */
}

int __wrap_dmig_journal_read (const char *kind, const char *name, json_object **out, dmig_error_t *err);
int
__wrap_dmig_journal_read (const char *kind, const char *name, json_object **out, dmig_error_t *err)
{
	(void)err;
	assert_string_equal (kind, "docker");
	assert_string_equal (name, "web");
	*out = w.journal ? json_tokener_parse ("{\"op\":\"move\",\"phase\":\"freeze\",\"target\":\"hostB\"}") : NULL;
	return 0;
}

/* The container's own checks (engines/check.c, tested in test_check.c):
 * the one named in w.ctr_fails refuses. */
static int
ctr_check (const char *which, char *detail, size_t cap, dmig_error_t *err)
{
	if (w.ctr_fails && strcmp (w.ctr_fails, which) == 0)
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0, "container 'web' fails %s", which);
	snprintf (detail, cap, "%s is fine", which);
	return 0;
}

#define CTR_WRAP(which)                                                                                                \
	int __wrap_dmig_check_##which (struct dmig_engine *e, const struct dmig_container *c, char *detail,            \
	                               size_t cap, dmig_error_t *err);                                                 \
	int __wrap_dmig_check_##which (struct dmig_engine *e, const struct dmig_container *c, char *detail,            \
	                               size_t cap, dmig_error_t *err)                                                  \
	{                                                                                                              \
		assert_ptr_equal (e, &src);                                                                            \
		assert_ptr_equal (c, ctr);                                                                             \
		return ctr_check (#which, detail, cap, err);                                                           \
	}
CTR_WRAP (state)
CTR_WRAP (tty)
CTR_WRAP (storage)
CTR_WRAP (restores)
CTR_WRAP (tcp)
CTR_WRAP (unix)
CTR_WRAP (fds)

/* ---- the runs ---- */

static struct utsname here;

static int
setup (void **state)
{
	json_object *raw;
	(void)state;

	assert_int_equal (uname (&here), 0);
	w = (struct world){.runtime_here = "runc",
	                   .runtime_there = "runc",
	                   .runtime_version_here = "runc version 1.1.5\ncommit: v1.1.5\n",
	                   .runtime_version_there = "runc version 1.1.5\ncommit: v1.1.5\n",
	                   .criu_there = "4.2.1",
	                   .kernel_there = here.release, /* the same kernel */
	                   .mem_kb = 8000000,
	                   .disk_kb = 50000000,
	                   .used = 100ULL << 20,
	                   .layer = 5ULL << 20,
	                   .image_there = true,
	                   .image_here = true};
	opts = (struct dmig_move_opts){.hook_timeout_s = 60};
	src.ops = &fake_ops;
	raw = json_tokener_parse (
	    "{\"Id\":\"c0ffee\",\"Name\":\"/web\",\"Image\":\"sha256:1234\",\"Config\":{\"Image\":\"web:1\"},"
	    "\"State\":{\"Running\":true,\"Pid\":4242},"
	    "\"GraphDriver\":{\"Name\":\"overlay2\",\"Data\":{\"UpperDir\":\"/var/lib/docker/overlay2/x/diff\"}},"
	    "\"NetworkSettings\":{\"Networks\":{\"backend\":{}}},"
	    "\"Mounts\":[{\"Type\":\"volume\",\"Name\":\"data\",\"Source\":\"/var/lib/docker/volumes/data/_data\","
	    "\"Destination\":\"/data\",\"RW\":true},{\"Type\":\"bind\",\"Source\":\"/srv/data\",\"Destination\":"
	    "\"/srv\",\"RW\":true}]}");
	assert_int_equal (dmig_engine_parse (&fake_ops, raw, &ctr, NULL), 0);
	json_object_put (raw);
	m = (struct dmig_move){.src = &src, .ctr = ctr, .name = "web", .target = &target, .o = &opts};
	return 0;
}

static int
teardown (void **state)
{
	(void)state;
	dmig_container_free (ctr);
	return 0;
}

static struct dmig_checks checks;

/* dmig check's run: every line. */
static void
run_all (void)
{
	dmig_error_t err = NULL;

	m.ssh = w.there_connected ? FAKE_SSH : NULL;
	m.dst = w.there_connected ? &dst : NULL;
	if (w.there_connected)
		there_ops = fake_ops, there_ops.check = fake_check_there, dst.version = "20.10.24";
	dmig_preflight_free (&checks);
	assert_int_equal (dmig_preflight_all (&m, &checks, &err), 0);
	assert_null (err);
}

static const struct dmig_check_line *
line (const char *name)
{
	for (size_t i = 0; i < checks.n; i++)
		if (strcmp (checks.lines[i].name, name) == 0)
			return &checks.lines[i];
	return NULL;
}

/* Check name's line: its verdict, and says in its detail. */
static void
expect (const char *name, enum dmig_verdict v, const char *says)
{
	const struct dmig_check_line *l = line (name);

	if (l == NULL)
		fail_msg ("no line for check '%s'", name);
	if (l->result != v || strstr (l->detail, says) == NULL)
		fail_msg ("check '%s': %s '%s', not %s '%s'", name, dmig_preflight_verdict (l->result), l->detail,
		          dmig_preflight_verdict (v), says);
}

/* The checks in their order, with one verdict each (o, w, F, s). */
static void
expect_all (const char *order)
{
	char got[2048] = "";
	size_t used = 0;

	for (size_t i = 0; i < checks.n; i++)
		used += (size_t)snprintf (got + used, sizeof (got) - used, "%s%s:%c", i ? " " : "",
		                          checks.lines[i].name, "owFFs"[checks.lines[i].result]);
	if (strcmp (got, order) != 0)
		fail_msg ("checks\n  %s\nnot\n  %s", got, order);
}

#define HOST_OK_HEAD "ssh:o engine:o engine-kind:o engine-version:o criu-here:o checkpoint-api:o"
#define CTR_OK       "journal:o state:o tty:o storage:o criu-limits:o tcp:o unix-sockets:o fds:o"
#define ENGINE_OK    "fake-there:o"
#define HOST_OK_TAIL "runtime:o criu-there:o criu-version:o kernel:o cpu:o"
#define CTR_OK_TAIL  "name:o image:o binds:o bind-links:o networks:o volumes:o"
#define ROOM_OK      "memory:o disk:o"

static void
host_checks_pass (void **state)
{
	(void)state;
	m.ctr = NULL;
	m.name = NULL;
	run_all ();
	expect_all (HOST_OK_HEAD " " ENGINE_OK " " HOST_OK_TAIL " " ROOM_OK);
	assert_int_equal (checks.fails, 0);
	expect ("ssh", DMIG_CHECK_OK, "root@lab2:22: its host key known, logged in");
	expect ("engine", DMIG_CHECK_OK, "Docker 20.10.24 at /var/run/docker.sock on root@lab2:22, Docker API 1.41");
	expect ("engine-version", DMIG_CHECK_OK, "Docker 20.10.24 here and on root@lab2:22, Docker API 1.41");
	expect ("checkpoint-api", DMIG_CHECK_OK, "Docker: experimental mode on here and on root@lab2:22");
	expect ("runtime", DMIG_CHECK_OK,
	        "here: runc (runc version 1.1.5); on root@lab2:22: runc (runc version 1.1.5)");
	expect ("criu-version", DMIG_CHECK_OK, "CRIU 4.2.1 here, 4.2.1 on root@lab2:22");
	expect ("kernel", DMIG_CHECK_OK, "on root@lab2:22");
	expect ("cpu", DMIG_CHECK_OK, "'criu cpuinfo check' on root@lab2:22 takes this host's CPU");
	expect ("memory", DMIG_CHECK_OK, "7812 MiB available on root@lab2:22");
	expect ("disk", DMIG_CHECK_OK, "48828 MiB free at /var/lib/docker on root@lab2:22");
	dmig_preflight_free (&checks);
}

static void
container_checks_pass (void **state)
{
	(void)state;
	run_all ();
	expect_all (HOST_OK_HEAD " " CTR_OK " " ENGINE_OK " " HOST_OK_TAIL " " CTR_OK_TAIL " " ROOM_OK);
	expect ("state", DMIG_CHECK_OK, "state is fine");
	expect ("journal", DMIG_CHECK_OK, "no operation of dmig's on it was cut short");
	expect ("name", DMIG_CHECK_OK, "no container named 'web' on root@lab2:22");
	expect ("image", DMIG_CHECK_OK, "image sha256:1234 (web:1) is on root@lab2:22");
	expect ("binds", DMIG_CHECK_OK, "1 bind mount source, on root@lab2:22 too");
	expect ("bind-links", DMIG_CHECK_OK, "no bind mount from a symlink on root@lab2:22");
	expect ("networks", DMIG_CHECK_OK, "on network backend, there on root@lab2:22");
	expect ("volumes", DMIG_CHECK_OK, "1 named volume, none on root@lab2:22 yet: the move makes it there");
	expect ("memory", DMIG_CHECK_OK, "the container uses 100 MiB, root@lab2:22 has 7812 MiB available");
	/* memory 100, layer 5, volume 10 MiB */
	expect ("disk", DMIG_CHECK_OK, "115 MiB to write at /var/lib/docker on root@lab2:22, 48828 MiB free");
	assert_int_equal (checks.fails, 0);
	assert_int_equal (checks.warns, 0);
	dmig_preflight_free (&checks);
}

/* The target cannot be reached: what needs it is skipped, naming why;
 * what does not (CRIU here, the container's own) is checked. */
static void
unreachable_skips (void **state)
{
	(void)state;
	w.no_ssh = true;
	run_all ();
	expect ("ssh", DMIG_CHECK_FAIL, "unknown host key for root@lab2:22");
	expect ("engine", DMIG_CHECK_SKIP, "not checked: check 'ssh' failed");
	expect ("disk", DMIG_CHECK_SKIP, "not checked: check 'ssh' failed");
	expect ("criu-version", DMIG_CHECK_SKIP, "not checked: check 'ssh' failed");
	expect ("criu-here", DMIG_CHECK_OK, "CRIU 4.2.1 here");
	expect ("tty", DMIG_CHECK_OK, "tty is fine");
	expect ("fake-there", DMIG_CHECK_SKIP, "not checked: check 'ssh' failed");
	assert_int_equal (checks.fails, 1);
	assert_int_equal (w.ssh_runs, 0);
	dmig_preflight_free (&checks);

	teardown (NULL);
	setup (NULL);
	w.no_engine = true;
	run_all ();
	expect ("ssh", DMIG_CHECK_OK, "logged in");
	expect ("engine", DMIG_CHECK_FAIL, "cannot reach the engine at /var/run/docker.sock on root@lab2:22");
	expect ("name", DMIG_CHECK_SKIP, "not checked: check 'engine' failed");
	expect ("kernel", DMIG_CHECK_OK, "here and on root@lab2:22"); /* over SSH: asked */
	dmig_preflight_free (&checks);
}

/* Each host check fails (or warns) on its own when its one thing is wrong. */
static void
host_checks_fail (void **state)
{
	(void)state;
#define CASE(set, name, verdict, says)                                                                                 \
	do {                                                                                                           \
		teardown (NULL);                                                                                       \
		setup (NULL);                                                                                          \
		set;                                                                                                   \
		run_all ();                                                                                            \
		expect (name, verdict, says);                                                                          \
	} while (0)
	CASE (w.other_kind = true, "engine-kind", DMIG_CHECK_FAIL,
	      "the target runs podman, the container runs on docker: dmig moves between engines of one kind");
	expect ("fake-there", DMIG_CHECK_SKIP, "not checked: check 'engine-kind' failed");
	CASE (w.version_there = "27.1.0", "engine-version", DMIG_CHECK_WARN,
	      "Docker 20.10.24 here, 27.1.0 on root@lab2:22 (Docker API 1.41 here, 1.41 there): the checkpoint is "
	      "restored by a version dmig is not tested with");
	/* a pair make check moves between */
	CASE (w.version_there = "28.5.2+dfsg4", "engine-version", DMIG_CHECK_OK,
	      "Docker 20.10.24 here, 28.5.2+dfsg4 on root@lab2:22 (Docker API 1.41 here, 1.41 there): a checkpoint of "
	      "either restores on the other (tested)");
	CASE (w.criu_here_fails = true, "criu-here", DMIG_CHECK_FAIL, "CRIU 4.2.1 fails 'criu check' on this host");
	expect ("cpu", DMIG_CHECK_SKIP, "not checked: check 'criu-here' failed");
	CASE (w.ready_here_fails = true, "checkpoint-api", DMIG_CHECK_FAIL,
	      "Docker at /var/run/docker.sock runs without experimental mode");
	CASE (w.ready_there_fails = true, "checkpoint-api", DMIG_CHECK_FAIL,
	      "on root@lab2:22: Docker at /tmp/dmig-ssh-x/sock runs without experimental mode");
	CASE ((w.runtime_here = "crun", w.runtime_version_here = "crun version 1.8.1\ncommit: x\n+SYSTEMD +SELINUX\n"),
	      "runtime", DMIG_CHECK_FAIL,
	      "runtime 'crun' here (crun version 1.8.1) is built without CRIU (its --version lacks +CRIU)");
	CASE ((w.runtime_here = "crun", w.runtime_version_here = "crun version 1.28\n+SYSTEMD +CRIU +YAJL\n"),
	      "runtime", DMIG_CHECK_OK, "here: crun (crun version 1.28); on root@lab2:22: runc");
	CASE ((w.runtime_here = "runsc", w.runtime_version_here = "runsc version release-20240101.0\n"), "runtime",
	      DMIG_CHECK_WARN,
	      "here: runsc (runsc version release-20240101.0), which dmig does not know to checkpoint with CRIU");
	CASE (w.runtime_missing_there = true, "runtime", DMIG_CHECK_FAIL,
	      "Docker 20.10.24 on root@lab2:22 has no runtime 'crun'");
	CASE (w.criu_missing_there = true, "criu-there", DMIG_CHECK_FAIL,
	      "CRIU does not run on root@lab2:22: root@lab2:22: 'criu' exited 127");
	expect ("criu-version", DMIG_CHECK_SKIP, "not checked: check 'criu-there' failed");
	CASE (w.criu_check_fails_there = true, "criu-there", DMIG_CHECK_FAIL,
	      "CRIU fails 'criu check' on root@lab2:22");
	CASE (w.criu_there = "3.17.1", "criu-version", DMIG_CHECK_FAIL,
	      "CRIU on root@lab2:22 is older than 4.2 (--force to try anyway)");
	assert_true (line ("criu-version")->skippable);
	CASE (w.criu_there = "4.2.0", "criu-version", DMIG_CHECK_FAIL,
	      "CRIU 4.2.0 on root@lab2:22 is older than this host's 4.2.1");
	CASE (w.criu_there = "4.10", "criu-version", DMIG_CHECK_OK, "CRIU 4.2.1 here, 4.10 on root@lab2:22");
	CASE (w.kernel_there = "6.12.9-amd64", "kernel", DMIG_CHECK_WARN, "here, 6.12.9-amd64 on root@lab2:22");
	CASE (w.cpu = 1, "cpu", DMIG_CHECK_FAIL,
	      "the CPU of root@lab2:22 lacks what this host's has ('criu cpuinfo check' there: Error (criu/cpu.c:1): "
	      "cpu: CPU Feature avx512f mismatch)");
	CASE (w.cpu = -1, "cpu", DMIG_CHECK_WARN, "not compared: 'criu cpuinfo dump' failed here");
	CASE (w.engine_check = "fail", "fake-there", DMIG_CHECK_FAIL, "the fake refuses");
	CASE (w.engine_check = "error", "fake-there", DMIG_CHECK_ERROR, "the fake cannot tell");
	assert_int_equal (checks.fails, 1);
	CASE ((no_move_ops = fake_ops, no_move_ops.move = NULL, src.ops = &no_move_ops), "engine-kind", DMIG_CHECK_FAIL,
	      "docker: moving is not supported for this engine yet");
	dmig_preflight_free (&checks);
}

/* The same with a container: each of its checks fails alone. */
static void
container_checks_fail (void **state)
{
	static const char *const own[][2] = {
	    {"state", "state"}, {"tty", "tty"},           {"storage", "storage"}, {"criu-limits", "restores"},
	    {"tcp", "tcp"},     {"unix-sockets", "unix"}, {"fds", "fds"}};
	(void)state;

	for (size_t i = 0; i < sizeof (own) / sizeof (own[0]); i++) {
		char says[64];
		snprintf (says, sizeof (says), "container 'web' fails %s", own[i][1]);
		CASE (w.ctr_fails = own[i][1], own[i][0], DMIG_CHECK_FAIL, says);
		assert_int_equal (checks.fails, 1);
	}
	CASE (w.journal = true, "journal", DMIG_CHECK_WARN,
	      "a move to hostB, cut short at its freeze step: 'dmig recover web' (or a move, first) finishes or undoes "
	      "it");
	CASE (w.name_taken = true, "name", DMIG_CHECK_FAIL, "a container named 'web' exists on root@lab2:22 already");
	CASE (w.image_there = false, "image", DMIG_CHECK_OK,
	      "image sha256:1234 (web:1, 300 MiB) is shipped to root@lab2:22 before the freeze");
	/* and the disk counts it: 100 + 5 + 10 + 300 MiB */
	expect ("disk", DMIG_CHECK_OK, "415 MiB to write at /var/lib/docker");
	CASE ((w.image_there = false, w.image_here = false), "image", DMIG_CHECK_FAIL,
	      "image sha256:1234 of container 'web' is neither here nor on root@lab2:22");
	CASE (w.network_missing = true, "networks", DMIG_CHECK_FAIL,
	      "container 'web' is on network 'backend', which root@lab2:22 lacks: create it there first");
	CASE (w.volume_there = true, "volumes", DMIG_CHECK_FAIL,
	      "volume 'data' exists on root@lab2:22 already: dmig will not overwrite it");
	CASE ((w.volume_there = true, opts.ignore_volumes = true), "volumes", DMIG_CHECK_OK,
	      "not carried (--ignore-volumes)");
	expect ("disk", DMIG_CHECK_OK, "105 MiB to write"); /* without the volume */
	CASE (w.bind_missing = true, "binds", DMIG_CHECK_FAIL,
	      "bind mount source /srv/data does not exist on root@lab2:22 (it is never copied; make it there, or "
	      "--force)");
	CASE (w.bind_link = true, "bind-links", DMIG_CHECK_FAIL,
	      "bind mount source /srv/data is a symlink on root@lab2:22, which CRIU cannot restore");
	CASE ((w.bind_link = true, w.criu_links = true), "bind-links", DMIG_CHECK_OK,
	      "CRIU on root@lab2:22 restores the binds from symlinks there");
	CASE (w.mem_kb = 150 * 1024, "memory", DMIG_CHECK_FAIL,
	      "container 'web' uses 100 MiB of memory, and root@lab2:22 has 150 MiB available (174 MiB with a margin "
	      "wanted): free memory there, or --force to try anyway");
	CASE (w.disk_kb = 100 * 1024, "disk", DMIG_CHECK_FAIL,
	      "the move writes 115 MiB at /var/lib/docker on root@lab2:22 (memory 100, layer 5, volumes 10, image 0 "
	      "MiB), where 100 MiB are free");
	/* Podman's upload folder, apart: the checkpoint and the layer go there */
	CASE ((w.upload_kb = 50 * 1024), "disk", DMIG_CHECK_FAIL,
	      "the move writes 105 MiB at /var/tmp on root@lab2:22 (memory 100, layer 5, volumes 10, image 0 MiB), "
	      "where 50 MiB are free");
	CASE ((w.upload_kb = 500 * 1024), "disk", DMIG_CHECK_OK,
	      "15 MiB to write at /var/lib/docker on root@lab2:22, 48828 MiB free; 105 MiB at /var/tmp, 500 MiB free");
	dmig_preflight_free (&checks);
#undef CASE
}

/* ---- a move's run ---- */

static char errfile[64];

/* Run the move's checks with stderr into a file: 0 or -1, *err set. */
static int
run_move (dmig_error_t *err)
{
	int saved = dup (STDERR_FILENO), fd, r;

	snprintf (errfile, sizeof (errfile), "/tmp/dmig-preflight-XXXXXX");
	fd = mkstemp (errfile);
	assert_true (fd >= 0);
	fflush (stderr);
	dup2 (fd, STDERR_FILENO);
	close (fd);
	m.ssh = FAKE_SSH; /* a move connects first */
	m.dst = &dst;
	there_ops = fake_ops;
	there_ops.check = fake_check_there;
	dst.version = (char *)(w.version_there ? w.version_there : "20.10.24");
	r = dmig_preflight_move (&m, err);
	fflush (stderr);
	dup2 (saved, STDERR_FILENO);
	close (saved);
	return r;
}

static const char *
stderr_text (void)
{
	static char buf[4096];
	FILE *f = fopen (errfile, "r");
	size_t n;

	assert_non_null (f);
	n = fread (buf, 1, sizeof (buf) - 1, f);
	buf[n] = '\0';
	fclose (f);
	unlink (errfile);
	return buf;
}

static void
move_passes_quietly (void **state)
{
	dmig_error_t err = NULL;
	(void)state;

	assert_int_equal (run_move (&err), 0);
	assert_null (err);
	assert_string_equal (stderr_text (), ""); /* nothing to say */
	assert_int_equal (w.engine_checks, 1);
}

/* The first refusal stops the move: what comes after is not asked. */
static void
move_stops_at_the_first_refusal (void **state)
{
	dmig_error_t err = NULL;
	(void)state;

	w.name_taken = true;
	w.network_missing = true;
	assert_int_equal (run_move (&err), -1);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	assert_string_equal (err->msg, "a container named 'web' exists on root@lab2:22 already");
	assert_string_equal (stderr_text (), "");
	dmig_error_release (&err);
	/* --force does not skip that one */
	opts.force = true;
	assert_int_equal (run_move (&err), -1);
	assert_string_equal (err->msg, "a container named 'web' exists on root@lab2:22 already");
	stderr_text ();
	dmig_error_release (&err);
	/* one that could not be checked is a refusal too, skippable or not */
	w.name_taken = false;
	w.network_missing = false;
	w.engine_check = "error";
	assert_int_equal (run_move (&err), -1);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	assert_string_equal (err->msg, "the fake cannot tell");
	stderr_text ();
	dmig_error_release (&err);
}

/* Warnings go on, one line each on stderr. */
static void
move_warns (void **state)
{
	dmig_error_t err = NULL;
	char want[1024];
	(void)state;

	w.kernel_there = "6.12.9-amd64";
	w.version_there = "27.1.0";
	assert_int_equal (run_move (&err), 0);
	snprintf (want, sizeof (want),
	          "dmig: warning: engine-version: Docker 20.10.24 here, 27.1.0 on root@lab2:22 (Docker API 1.41 here, "
	          "1.41 there): the checkpoint is restored by a version dmig is not tested with\n"
	          "dmig: warning: kernel: %s here, 6.12.9-amd64 on root@lab2:22: CRIU restores across kernels only "
	          "what the one there has of what the container uses\n",
	          here.release);
	assert_string_equal (stderr_text (), want);
}

/* --force goes on past the skippable refusals only, and says each. */
static void
move_force_skips_the_skippable (void **state)
{
	dmig_error_t err = NULL;
	const char *said;
	(void)state;

	w.bind_missing = true;
	w.cpu = 1;
	w.criu_there = "4.1";
	w.engine_check = "fail";
	w.ctr_fails = "unix";
	assert_int_equal (run_move (&err), -1);
	assert_string_equal (err->msg, "container 'web' fails unix"); /* the first one */
	stderr_text ();
	dmig_error_release (&err);
	opts.force = true;
	assert_int_equal (run_move (&err), 0);
	assert_null (err);
	said = stderr_text ();
	assert_string_equal (said,
	                     "dmig: warning: --force: check 'unix-sockets' skipped: container 'web' fails unix\n"
	                     "dmig: warning: --force: check 'fake-there' skipped: going on with the fake's risk "
	                     "(--force)\n"
	                     "dmig: warning: --force: check 'criu-version' skipped: CRIU on root@lab2:22 is older "
	                     "than 4.2 (--force)\n"
	                     "dmig: warning: --force: check 'cpu' skipped: the CPU of root@lab2:22 lacks what this "
	                     "host's has (Error (criu/cpu.c:1): cpu: CPU Feature avx512f mismatch): its restore "
	                     "may fail (--force)\n"
	                     "dmig: warning: --force: check 'binds' skipped: bind mount source /srv/data is missing "
	                     "on the target (--force)\n");
	/* but not past one that may not be skipped, wherever it comes */
	w.network_missing = true;
	assert_int_equal (run_move (&err), -1);
	assert_string_equal (
	    err->msg, "container 'web' is on network 'backend', which root@lab2:22 lacks: create it there first");
	stderr_text ();
	dmig_error_release (&err);
}

/* The lines' verdicts by name, and the skippable ones named so. */
static void
verdict_names (void **state)
{
	(void)state;
	assert_string_equal (dmig_preflight_verdict (DMIG_CHECK_OK), "ok");
	assert_string_equal (dmig_preflight_verdict (DMIG_CHECK_WARN), "warn");
	assert_string_equal (dmig_preflight_verdict (DMIG_CHECK_FAIL), "FAIL");
	assert_string_equal (dmig_preflight_verdict (DMIG_CHECK_ERROR), "FAIL");
	assert_string_equal (dmig_preflight_verdict (DMIG_CHECK_SKIP), "skip");
	run_all ();
	for (size_t i = 0; i < checks.n; i++) {
		const char *n = checks.lines[i].name;
		bool want = strcmp (n, "unix-sockets") == 0 || strcmp (n, "fds") == 0 || strcmp (n, "fake-there") == 0
		            || strcmp (n, "criu-version") == 0 || strcmp (n, "cpu") == 0 || strcmp (n, "binds") == 0
		            || strcmp (n, "memory") == 0 || strcmp (n, "disk") == 0;
		if (checks.lines[i].skippable != want)
			fail_msg ("check '%s' is %sskippable", n, want ? "not " : "");
	}
	dmig_preflight_free (&checks);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown (host_checks_pass, setup, teardown),
	    cmocka_unit_test_setup_teardown (container_checks_pass, setup, teardown),
	    cmocka_unit_test_setup_teardown (unreachable_skips, setup, teardown),
	    cmocka_unit_test_setup_teardown (host_checks_fail, setup, teardown),
	    cmocka_unit_test_setup_teardown (container_checks_fail, setup, teardown),
	    cmocka_unit_test_setup_teardown (move_passes_quietly, setup, teardown),
	    cmocka_unit_test_setup_teardown (move_stops_at_the_first_refusal, setup, teardown),
	    cmocka_unit_test_setup_teardown (move_warns, setup, teardown),
	    cmocka_unit_test_setup_teardown (move_force_skips_the_skippable, setup, teardown),
	    cmocka_unit_test_setup_teardown (verdict_names, setup, teardown),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
