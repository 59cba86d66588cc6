// WRAP: dmig_http_request dmig_child_capture dmig_ssh_run dmig_ssh_name
/* Docker's containerd image store (the writable layer as a containerd
 * snapshot, found by the root mount or by asking containerd) and the
 * restores Docker 28 and later cannot do, against a scripted daemon. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive_io.h"
#include "bundle.h"
#include "check.h"
#include "container.h"
#include "engine.h"
#include "fs.h"
#include "http.h"
#include "log.h"
#include "move.h"
#include "sink.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* The daemon: its /version and /info, the inspect of the container a create
 * makes (new1), and what it was asked. */
static struct {
	const char *version, *info, *clone;
	int start_status;
	const char *start_answer;
} d;
static char calls[64][160]; /* "METHOD path" of each request */
static size_t ncalls;
static char create_body[8192];

static int
answer (struct dmig_http_resp *resp, long status, const char *body)
{
	resp->status = status;
	resp->body = strdup (body);
	resp->len = strlen (body);
	return 0;
}

int __wrap_dmig_http_request (struct dmig_http *h, const struct dmig_http_req *req, struct dmig_http_resp *resp,
                              dmig_error_t *err);
int
__wrap_dmig_http_request (struct dmig_http *h, const struct dmig_http_req *req, struct dmig_http_resp *resp,
                          dmig_error_t *err)
{
	const char *p = req->path, *rest = strchr (p + 1, '/');

	(void)h;
	(void)err;
	memset (resp, 0, sizeof (*resp));
	assert_true (ncalls < sizeof (calls) / sizeof (calls[0]));
	snprintf (calls[ncalls++], sizeof (calls[0]), "%s %s", req->method, p);
	if (strcmp (p, "/version") == 0)
		return answer (resp, 200, d.version);
	if (rest == NULL)
		return answer (resp, 404, "{\"message\":\"page not found\"}");
	if (strcmp (rest, "/info") == 0)
		return answer (resp, 200, d.info);
	if (strncmp (rest, "/containers/create?", 19) == 0) {
		snprintf (create_body, sizeof (create_body), "%.*s", (int)req->body_len, req->body ? req->body : "");
		return answer (resp, 201, "{\"Id\":\"new1\"}");
	}
	if (strcmp (rest, "/containers/new1/json") == 0)
		return answer (resp, 200, d.clone);
	if (strncmp (rest, "/containers/new1/start?checkpoint=", 34) == 0)
		return answer (resp, d.start_status, d.start_answer);
	if (strncmp (rest, "/containers/new1", 16) == 0 && strcmp (req->method, "DELETE") == 0)
		return answer (resp, 204, "");
	if (strncmp (rest, "/images/", 8) == 0)
		return answer (resp, 404, "{\"message\":\"no such image\"}");
	return answer (resp, 404, "{\"message\":\"page not found\"}");
}

/* ctr, as containerd 2.1's prints a snapshot's mount. */
static char ctr_argv[512], ctr_out[4096];
static int ctr_status;

int __wrap_dmig_child_capture (char *const argv[], char *out, size_t cap, int timeout_s);
int
__wrap_dmig_child_capture (char *const argv[], char *out, size_t cap, int timeout_s)
{
	size_t len = 0;

	(void)timeout_s;
	ctr_argv[0] = '\0';
	for (size_t i = 0; argv[i]; i++)
		len += (size_t)snprintf (ctr_argv + len, sizeof (ctr_argv) - len, "%s%s", i ? " " : "", argv[i]);
	snprintf (out, cap, "%s", ctr_out);
	return ctr_status;
}

/* A remote engine's host runs the same command over SSH. */
static char ssh_argv[512];
int __wrap_dmig_ssh_run (struct dmig_ssh *s, char *const argv[], char *out, size_t cap, long timeout_ms,
                         dmig_error_t *err);
int
__wrap_dmig_ssh_run (struct dmig_ssh *s, char *const argv[], char *out, size_t cap, long timeout_ms, dmig_error_t *err)
{
	size_t len = 0;

	(void)s;
	(void)timeout_ms;
	(void)err;
	for (size_t i = 0; argv[i]; i++)
		len += (size_t)snprintf (ssh_argv + len, sizeof (ssh_argv) - len, "%s%s", i ? " " : "", argv[i]);
	if (out)
		snprintf (out, cap, "%s", ctr_out);
	return 0;
}

const char *__wrap_dmig_ssh_name (const struct dmig_ssh *s);
const char *
__wrap_dmig_ssh_name (const struct dmig_ssh *s)
{
	(void)s;
	return "root@hostD:22";
}

static char sock[64], tmp[64];

static int
setup (void **state)
{
	int fd;
	(void)state;
	memset (&d, 0, sizeof (d));
	d.start_status = 204;
	d.start_answer = "";
	ncalls = 0;
	create_body[0] = ctr_argv[0] = ssh_argv[0] = ctr_out[0] = '\0';
	ctr_status = 0;
	snprintf (sock, sizeof (sock), "/tmp/dmig-sock-XXXXXX");
	fd = mkstemp (sock);
	assert_true (fd >= 0);
	close (fd);
	snprintf (tmp, sizeof (tmp), "/tmp/dmig-docker-XXXXXX");
	assert_non_null (mkdtemp (tmp));
	return 0;
}

static int
teardown (void **state)
{
	(void)state;
	unlink (sock);
	dmig_fs_rm_rf (tmp, NULL);
	return 0;
}

#define DOCKER(version, api, min)                                                                                      \
	"{\"Version\":\"" version "\",\"ApiVersion\":\"" api "\",\"MinAPIVersion\":\"" min                             \
	"\",\"Components\":[{\"Name\":\"Engine\"}]}"
#define DOCKER_28 DOCKER ("28.5.2+dfsg3", "1.51", "1.24")
#define DOCKER_20 DOCKER ("20.10.24+dfsg1", "1.41", "1.12")

static struct dmig_engine *
open_engine (const char *version, const char *info)
{
	struct dmig_engine *e = NULL;
	dmig_error_t err = NULL;
	char url[128];

	d.version = version;
	d.info = info;
	snprintf (url, sizeof (url), "unix://%s", sock);
	if (dmig_engine_open (url, &e, &err) < 0)
		fail_msg ("open: %s", err->msg);
	return e;
}

static struct dmig_container *
parse (const char *json)
{
	json_object *j = json_tokener_parse (json);
	struct dmig_container *c = NULL;

	assert_non_null (j);
	assert_int_equal (dmig_engine_parse (&dmig_docker_ops, j, &c, NULL), 0);
	json_object_put (j);
	return c;
}

/* The image store's container as Docker 28.5 shows it up to API 1.51
 * (GraphDriver with no data) and as 1.52 does (Storage); the graph
 * driver's as before. */
static void
image_store_inspect_parses (void **state)
{
	struct dmig_container *c;
	(void)state;

	c = parse ("{\"Id\":\"" ID "\",\"Name\":\"/web\",\"Image\":\"sha256:7a3f\",\"GraphDriver\":{\"Name\":"
	           "\"overlayfs\",\"Data\":null}}");
	assert_string_equal (c->driver, "overlayfs");
	assert_true (c->snapshot);
	assert_null (c->upper);
	assert_string_equal (c->image_id, "sha256:7a3f");
	dmig_container_free (c);

	c = parse ("{\"Id\":\"" ID "\",\"Name\":\"/web\",\"Storage\":{\"RootFS\":{\"Snapshot\":{\"Name\":"
	           "\"overlayfs\"}}}}");
	assert_string_equal (c->driver, "overlayfs");
	assert_true (c->snapshot);
	dmig_container_free (c);

	c = parse ("{\"Id\":\"" ID "\",\"Name\":\"/web\",\"GraphDriver\":{\"Name\":\"overlay2\",\"Data\":{"
	           "\"UpperDir\":\"/var/lib/docker/overlay2/ab/diff\"}}}");
	assert_string_equal (c->driver, "overlay2");
	assert_false (c->snapshot);
	assert_string_equal (c->upper, "/var/lib/docker/overlay2/ab/diff");
	dmig_container_free (c);

	/* another snapshotter is not one whose layers dmig carries */
	c = parse ("{\"Id\":\"" ID "\",\"Name\":\"/web\",\"GraphDriver\":{\"Name\":\"native\",\"Data\":null}}");
	assert_false (c->snapshot);
	dmig_container_free (c);
}

/* A container's /proc/<pid>/mountinfo on Docker 28.5 with the image store
 * (its root mount first, the image's lower layers long). */
static const char mountinfo[] =
    "1406 1187 0:81 / / rw,relatime master:520 - overlay overlay "
    "rw,lowerdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/31/fs,upperdir=/var/lib/"
    "containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/42/fs,workdir=/var/lib/containerd/"
    "io.containerd.snapshotter.v1.overlayfs/snapshots/42/work,index=off\n"
    "1407 1406 0:83 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n"
    "1408 1406 0:84 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755\n"
    "1420 1406 8:1 /var/lib/docker/containers/" ID "/hosts /etc/hosts rw,relatime - ext4 /dev/sda1 rw\n"
    /* a later mount at / (a container that mounts over its root) does not count */
    "1500 1406 0:99 / / rw - overlay overlay rw,upperdir=/elsewhere/snapshots/7/fs,workdir=/w\n";

static char *
upper_of_text (const char *text)
{
	FILE *f = fmemopen ((void *)text, strlen (text), "r");
	char *u;

	assert_non_null (f);
	u = dmig_container_upper_from_mountinfo (f);
	fclose (f);
	return u;
}

static void
mountinfo_names_the_root_mounts_upperdir (void **state)
{
	char *u;
	(void)state;

	u = upper_of_text (mountinfo);
	assert_non_null (u);
	assert_string_equal (u, "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/42/fs");
	assert_true (dmig_container_snapshot_dir_ok (u));
	free (u);
	/* mountinfo's octal escapes */
	u = upper_of_text ("1 0 0:1 / / rw - overlay overlay rw,lowerdir=/l,upperdir=/a\\040b\\134c/snapshots/9/fs,"
	                   "workdir=/w\n");
	assert_string_equal (u, "/a b\\c/snapshots/9/fs");
	free (u);
	/* a root that is not an overlay, or none at all */
	assert_null (upper_of_text ("1 0 8:1 / / rw - ext4 /dev/sda1 rw,upperdir=/x/snapshots/1/fs\n"));
	assert_null (upper_of_text ("1 0 0:1 / /proc rw - proc proc rw\n"));
	assert_null (upper_of_text ("1 0 0:1 / / rw - overlay overlay rw,lowerdir=/l,workdir=/w\n"));
	assert_null (upper_of_text (""));
	/* an option that only ends in upperdir= is not it */
	assert_null (dmig_container_upper_of ("lowerdir=/l,xupperdir=/x,workdir=/w"));
	assert_null (dmig_container_upper_of ("upperdir=,workdir=/w"));
}

static void
only_snapshot_folders_are_taken (void **state)
{
	(void)state;
	assert_true (dmig_container_snapshot_dir_ok ("/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/"
	                                             "snapshots/42/fs"));
	assert_true (dmig_container_snapshot_dir_ok ("/srv/c/snapshots/1/fs"));
	assert_false (dmig_container_snapshot_dir_ok ("/var/lib/docker/overlay2/ab/diff"));
	assert_false (dmig_container_snapshot_dir_ok ("/x/snapshots/42/fs/../../../../etc/snapshots/1/fs"));
	assert_false (dmig_container_snapshot_dir_ok ("/x/snapshots//1/fs"));
	assert_false (dmig_container_snapshot_dir_ok ("x/snapshots/1/fs"));
	assert_false (dmig_container_snapshot_dir_ok ("/x/snapshots/fs"));
	assert_false (dmig_container_snapshot_dir_ok ("/x/snapshots/1a/fs"));
	assert_false (dmig_container_snapshot_dir_ok ("/snapshots/1/fs/x"));
	assert_false (dmig_container_snapshot_dir_ok (NULL));
}

#define INFO_STORE                                                                                                     \
	"{\"ExperimentalBuild\":true,\"DockerRootDir\":\"%s/docker\",\"Driver\":\"overlayfs\",\"DriverStatus\":[["     \
	"\"driver-type\",\"io.containerd.snapshotter.v1\"]],\"Containerd\":{\"Address\":\"/run/containerd/"            \
	"containerd.sock\",\"Namespaces\":{\"Containers\":\"moby\",\"Plugins\":\"plugins.moby\"}}}"
#define INFO_OVERLAY2                                                                                                  \
	"{\"ExperimentalBuild\":true,\"DockerRootDir\":\"%s/docker\",\"Driver\":\"overlay2\",\"DriverStatus\":[["      \
	"\"Backing Filesystem\",\"extfs\"]]}"

/* A staged snapshot of container web: its layer (a file) and an (empty)
 * checkpoint, as members. */
static void
stage (const char *staging)
{
	char src[PATH_MAX], f[PATH_MAX + 16];
	struct dmig_members ms = {0};
	const char *members[] = {"rootfs.tar", "checkpoint.tar"};

	for (size_t i = 0; i < 2; i++) {
		struct dmig_sink sink;
		dmig_error_t err = NULL;
		FILE *fp;

		snprintf (src, sizeof (src), "%s/src-%zu", tmp, i);
		assert_int_equal (mkdir (src, 0700), 0);
		snprintf (f, sizeof (f), "%s/%s", src, i == 0 ? "written-by-ctr" : "inventory.img");
		assert_non_null (fp = fopen (f, "w"));
		fputs ("x\n", fp);
		fclose (fp);
		assert_int_equal (dmig_bundle_member_begin (staging, members[i], &sink, &err), 0);
		assert_int_equal (dmig_archive_pack_dir (src, i == 0 ? DMIG_PACK_LAYER : DMIG_PACK_FILES, &sink, &err),
		                  0);
		assert_int_equal (dmig_bundle_member_end (&ms, members[i], &sink, true, &err), 0);
	}
}

static json_object *
manifest (const char *mode, bool disabled)
{
	char text[2048];

	snprintf (text, sizeof (text),
	          "{\"container\":\"web\",\"image\":\"sha256:7a3f\",\"image_name\":\"\",\"volumes\":[],\"config\":{"
	          "\"Id\":\"" ID "\",\"Name\":\"/web\",\"Config\":{\"Image\":\"web:1\"%s},\"HostConfig\":{"
	          "\"NetworkMode\":\"%s\"},\"GraphDriver\":{\"Name\":\"overlayfs\",\"Data\":null}}}",
	          disabled ? ",\"NetworkDisabled\":true" : "", mode);
	return json_tokener_parse (text);
}

/* A restore into the image store: the new container's layer is the
 * snapshot containerd names for its ID, and the snapshot's files go there. */
static void
image_store_restore_writes_into_the_snapshot (void **state)
{
	char info[1024], staging[PATH_MAX], snap[512], file[PATH_MAX + 32];
	struct dmig_engine *e;
	dmig_error_t err = NULL;
	json_object *m;
	struct stat st;
	(void)state;

	snprintf (info, sizeof (info), INFO_STORE, tmp);
	e = open_engine (DOCKER_20, info);
	snprintf (staging, sizeof (staging), "%s/staging", tmp);
	assert_int_equal (mkdir (staging, 0700), 0);
	stage (staging);
	snprintf (snap, sizeof (snap), "%s/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/57/fs", tmp);
	assert_int_equal (dmig_fs_mkdir_p (snap, 0700, NULL), 0);
	snprintf (
	    ctr_out, sizeof (ctr_out),
	    "mount -t overlay overlay /mnt -o index=off,workdir=%.*s/work,upperdir=%s,lowerdir=/var/lib/containerd/"
	    "io.containerd.snapshotter.v1.overlayfs/snapshots/31/fs\n",
	    (int)(strlen (snap) - 3), snap, snap);
	d.clone = "{\"Id\":\"new1\",\"Name\":\"/web\",\"GraphDriver\":{\"Name\":\"overlayfs\",\"Data\":null}}";
	assert_non_null (m = manifest ("host", false));
	if (e->ops->restore (e, m, staging, NULL, &err) < 0)
		fail_msg ("restore: %s", err->msg);
	/* containerd asked by the new container's ID, at the address and in
	 * the namespace Docker uses */
	assert_string_equal (ctr_argv, "ctr --address /run/containerd/containerd.sock --namespace moby snapshots "
	                               "--snapshotter overlayfs mounts /mnt new1");
	snprintf (file, sizeof (file), "%s/written-by-ctr", snap);
	assert_int_equal (stat (file, &st), 0);
	json_object_put (m);
	dmig_engine_close (e);
}

/* What containerd answers is checked: not a snapshot's folder, or ctr
 * failing, and the half-made container goes. */
static void
image_store_restore_refuses_a_wrong_folder (void **state)
{
	static const char *const outs[] = {
	    "mount -t overlay overlay /mnt -o upperdir=/etc,lowerdir=/l\n",
	    "mount -t bind /x /mnt -o rbind,ro\n",
	    "",
	};
	char info[1024], staging[PATH_MAX];
	(void)state;

	snprintf (info, sizeof (info), INFO_STORE, tmp);
	snprintf (staging, sizeof (staging), "%s/staging", tmp);
	assert_int_equal (mkdir (staging, 0700), 0);
	stage (staging);
	for (size_t i = 0; i <= sizeof (outs) / sizeof (outs[0]); i++) {
		struct dmig_engine *e = open_engine (DOCKER_20, info);
		dmig_error_t err = NULL;
		json_object *m = manifest ("host", false);
		bool removed = false;

		ncalls = 0;
		snprintf (ctr_out, sizeof (ctr_out), "%s",
		          i < sizeof (outs) / sizeof (outs[0]) ? outs[i] : "ctr: snapshot new1 does not exist");
		ctr_status = i < sizeof (outs) / sizeof (outs[0]) ? 0 : 1;
		d.clone = "{\"Id\":\"new1\",\"Name\":\"/web\",\"GraphDriver\":{\"Name\":\"overlayfs\",\"Data\":null}}";
		assert_int_equal (e->ops->restore (e, m, staging, NULL, &err), -1);
		if (i == sizeof (outs) / sizeof (outs[0]))
			assert_non_null (strstr (err->msg, "ctr failed: ctr: snapshot new1 does not exist"));
		else
			assert_non_null (strstr (err->msg, "names no overlayfs snapshot folder"));
		for (size_t j = 0; j < ncalls; j++)
			removed |=
			    strncmp (calls[j], "DELETE ", 7) == 0 && strstr (calls[j], "/containers/new1") != NULL;
		assert_true (removed);
		dmig_error_release (&err);
		json_object_put (m);
		dmig_engine_close (e);
	}
}

/* The checks: overlayfs is carried now, other drivers are not, and a
 * container whose snapshot cannot be found is refused before anything. */
static void
checks_take_the_image_store (void **state)
{
	char info[1024];
	struct dmig_engine *e;
	struct dmig_container *c;
	dmig_error_t err = NULL;
	(void)state;

	snprintf (info, sizeof (info), INFO_STORE, tmp);
	e = open_engine (DOCKER_28, info);
	c = parse ("{\"Id\":\"" ID "\",\"Name\":\"/web\",\"State\":{\"Running\":true,\"Pid\":0},\"GraphDriver\":{"
	           "\"Name\":\"overlayfs\",\"Data\":null}}");
	c->upper = strdup ("/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/42/fs");
	assert_int_equal (dmig_check_container (e, c, &err), 0);
	free (c->upper);
	c->upper = NULL;
	assert_int_equal (dmig_check_container (e, c, &err), -1);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	assert_non_null (strstr (err->msg, "cannot find the writable layer of container 'web'"));
	dmig_error_release (&err);
	dmig_container_free (c);
	c = parse ("{\"Id\":\"" ID "\",\"Name\":\"/web\",\"State\":{\"Running\":true},\"GraphDriver\":{\"Name\":"
	           "\"btrfs\",\"Data\":null}}");
	assert_int_equal (dmig_check_container (e, c, &err), -1);
	assert_non_null (strstr (err->msg, "uses the 'btrfs' storage driver: dmig carries only overlay2 and "
	                                   "overlayfs layers"));
	dmig_error_release (&err);
	dmig_container_free (c);
	dmig_engine_close (e);
}

/* A move between a graph driver's Docker and an image store's is refused
 * before anything changes, with the reason; one of the same kind passes. */
static void
move_between_storage_kinds_is_refused (void **state)
{
	static const char *const overlay2_ctr = "{\"Id\":\"" ID "\",\"Name\":\"/web\",\"State\":{\"Running\":true},"
	                                        "\"HostConfig\":{\"NetworkMode\":\"host\"},\"GraphDriver\":{\"Name\":"
	                                        "\"overlay2\",\"Data\":{\"UpperDir\":\"/u\"}}}";
	static const char *const store_ctr = "{\"Id\":\"" ID "\",\"Name\":\"/web\",\"State\":{\"Running\":true},"
	                                     "\"HostConfig\":{\"NetworkMode\":\"host\"},\"GraphDriver\":{\"Name\":"
	                                     "\"overlayfs\",\"Data\":null}}";
	struct {
		const char *ctr;
		bool store_there;
		const char *says;
	} cases[] = {
	    {overlay2_ctr, true,
	     "container 'web' is in Docker's overlay2 storage here, and Docker on "
	     "root@hostD:22 keeps containerd's image store (overlayfs)"},
	    {store_ctr, false,
	     "container 'web' is in containerd's image store (overlayfs) here, and Docker "
	     "on root@hostD:22 keeps overlay2 storage"},
	    {store_ctr, true, NULL},
	    {overlay2_ctr, false, NULL},
	};
	static int dummy;
	(void)state;

	for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++) {
		char info[1024];
		struct dmig_container *c = parse (cases[i].ctr);
		struct dmig_move_opts o = {0};
		struct dmig_move m = {.ctr = c, .name = "web", .o = &o, .ssh = (struct dmig_ssh *)&dummy};
		dmig_error_t err = NULL;
		int r;

		snprintf (info, sizeof (info), cases[i].store_there ? INFO_STORE : INFO_OVERLAY2, tmp);
		m.dst = open_engine (DOCKER_28, info);
		m.dst->remote = true;
		r = dmig_docker_ops.move->check (&m, &err);
		if (cases[i].says == NULL) {
			if (r != 0)
				fail_msg ("case %zu refused: %s", i, err->msg);
		} else {
			assert_int_equal (r, -1);
			assert_int_equal (err->status, DMIG_EPREFLIGHT);
			if (strstr (err->msg, cases[i].says) == NULL)
				fail_msg ("case %zu: '%s' does not say '%s'", i, err->msg, cases[i].says);
			assert_non_null (strstr (err->msg, "another ID"));
		}
		/* nothing but questions asked */
		for (size_t j = 0; j < ncalls; j++)
			assert_true (strncmp (calls[j], "GET ", 4) == 0);
		dmig_error_release (&err);
		dmig_engine_close (m.dst);
		dmig_container_free (c);
	}
}

static int
group_setup (void **state)
{
	dmig_error_t err = NULL;
	(void)state;
	if (dmig_http_global_init (&err) < 0) {
		dmig_error_release (&err);
		return -1;
	}
	return 0;
}

static int
group_teardown (void **state)
{
	(void)state;
	dmig_http_global_cleanup ();
	return 0;
}

int
main (void)
{
	dmig_log_set (DMIG_QUIET);
#define T(x) cmocka_unit_test_setup_teardown (x, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T (image_store_inspect_parses),
	    T (mountinfo_names_the_root_mounts_upperdir),
	    T (only_snapshot_folders_are_taken),
	    T (image_store_restore_writes_into_the_snapshot),
	    T (image_store_restore_refuses_a_wrong_folder),
	    T (checks_take_the_image_store),
	    T (move_between_storage_kinds_is_refused),
	};
	return cmocka_run_group_tests (tests, group_setup, group_teardown);
}
