// WRAP: dmig_http_request dmig_child_capture dmig_ssh_run dmig_ssh_name dmig_netns_lo_up
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
#include "http_group.h"
#include "log.h"
#include "move.h"
#include "policy.h"
#include "sink.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* The engine's own checks of a move (engines/move.h), as the preflight
 * runs them without --force: 0, or -1 at the first refusal. The one named
 * last (may be NULL) gets its detail into *detail. */
static int
engine_checks (const struct dmig_engine_ops *ops, struct dmig_move *mv, char *detail, size_t cap, dmig_error_t *err)
{
	for (const struct dmig_move_check *c = ops->move->checks; c->name; c++) {
		enum dmig_verdict v;
		if ((c->needs & DMIG_NEED_CONTAINER) && mv->ctr == NULL)
			continue;
		if (cap)
			*detail = '\0';
		v = c->run (mv, detail, cap, err);
		if (v == DMIG_CHECK_FAIL || v == DMIG_CHECK_ERROR)
			return -1;
	}
	return 0;
}

static char sock[64], tmp[64];

/* The daemon: its /version and /info, the inspect of the container a create
 * makes (new1), container web (its config and state), and what it was
 * asked. */
static struct {
	const char *version, *info, *clone;
	int start_status;
	const char *start_answer;
	const char *web; /* web's inspect without Id, Name and State */
	bool running, paused;
} d;
static char calls[64][640]; /* "METHOD path" of each request */
static size_t ncalls;
static char create_body[8192], ckpt_body[1024];

/* what a checkpoint call does: the images in its folder; Exit stops it */
static void
checkpoint (const char *body)
{
	json_object *b = json_tokener_parse (body);
	const char *dir = dmig_json_str (b, "CheckpointDir"), *id = dmig_json_str (b, "CheckpointID");
	char path[PATH_MAX];
	FILE *f;

	snprintf (ckpt_body, sizeof (ckpt_body), "%s", body);
	if (id) {
		/* without a folder, the container's own checkpoints */
		if (dir)
			snprintf (path, sizeof (path), "%s/%s", dir, id);
		else
			snprintf (path, sizeof (path), "%s/docker/containers/" ID "/checkpoints/%s", tmp, id);
		assert_int_equal (dmig_fs_mkdir_p (path, 0700, NULL), 0);
		strncat (path, "/inventory.img", sizeof (path) - strlen (path) - 1);
		assert_non_null (f = fopen (path, "w"));
		fclose (f);
	}
	if (dmig_json_bool (b, "Exit"))
		d.running = d.paused = false;
	json_object_put (b);
}

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
	char by_name[512];

	(void)h;
	(void)err;
	memset (resp, 0, sizeof (*resp));
	/* web by its ID is web */
	if (rest && strncmp (rest, "/containers/" ID, 12 + 64) == 0) {
		snprintf (by_name, sizeof (by_name), "/containers/web%s", rest + 12 + 64);
		rest = by_name;
	}
	/* noted by name */
	assert_true (ncalls < sizeof (calls) / sizeof (calls[0]));
	if (rest == by_name)
		snprintf (calls[ncalls++], sizeof (calls[0]), "%s %.*s%s", req->method, (int)(strchr (p + 1, '/') - p),
		          p, rest);
	else
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
	/* the containers: new1, with the binds its create asked for */
	if (strcmp (rest, "/containers/json?all=true") == 0) {
		json_object *c = json_tokener_parse (*create_body ? create_body : "{}"),
		            *list = json_object_new_array (), *one = json_object_new_object (),
		            *mounts = json_object_new_array ();
		json_object *binds = dmig_json_get (c, "HostConfig.Binds");
		int r;
		for (size_t i = 0; json_object_is_type (binds, json_type_array) && i < json_object_array_length (binds);
		     i++) {
			const char *b = json_object_get_string (json_object_array_get_idx (binds, i));
			json_object *m = json_object_new_object ();
			json_object_object_add (m, "Source", json_object_new_string_len (b, (int)strcspn (b, ":")));
			json_object_array_add (mounts, m);
		}
		json_object_object_add (one, "Id", json_object_new_string ("new1"));
		json_object_object_add (one, "Mounts", mounts);
		json_object_array_add (list, one);
		r = answer (resp, 200, json_object_to_json_string (list));
		json_object_put (list);
		json_object_put (c);
		return r;
	}
	if (strcmp (rest, "/containers/web/json") == 0) {
		char body[4096];
		snprintf (body, sizeof (body),
		          "{\"Id\":\"" ID "\",\"Name\":\"/web\",\"State\":{\"Running\":%s,\"Paused\":%s,\"Pid\":0},%s}",
		          d.running ? "true" : "false", d.paused ? "true" : "false", d.web ? d.web : "\"Config\":{}");
		return answer (resp, 200, body);
	}
	if (strncmp (rest, "/containers/web/", 16) == 0 && strcmp (req->method, "POST") == 0) {
		const char *verb = rest + 16;
		if (strcmp (verb, "pause") == 0)
			d.paused = true;
		else if (strcmp (verb, "unpause") == 0)
			d.paused = false;
		else if (strcmp (verb, "kill") == 0)
			d.running = d.paused = false;
		else if (strcmp (verb, "checkpoints") == 0)
			checkpoint (req->body ? req->body : "{}");
		else if (strncmp (verb, "start?checkpoint=", 17) == 0)
			d.running = true;
		return answer (resp, 204, "");
	}
	if (strncmp (rest, "/containers/web/checkpoints/", 28) == 0)
		return answer (resp, 204, "");
	if (strncmp (rest, "/containers/new1/start?checkpoint=", 34) == 0)
		return answer (resp, d.start_status, d.start_answer);
	if (strncmp (rest, "/containers/new1", 16) == 0 && strcmp (req->method, "DELETE") == 0)
		return answer (resp, 204, "");
	if (strncmp (rest, "/images/", 8) == 0)
		return answer (resp, 404, "{\"message\":\"no such image\"}");
	return answer (resp, 404, "{\"message\":\"page not found\"}");
}

/* ctr, as containerd 2.1's prints a snapshot's mount; and every program
 * run, its arguments */
static char ctr_argv[512], ctr_out[4096];
static int ctr_status;
static char run_args[4][12][512];
static size_t nruns;

int __wrap_dmig_child_capture (char *const argv[], char *out, size_t cap, int timeout_s);
int __real_dmig_child_capture (char *const argv[], char *out, size_t cap, int timeout_s);
int
__wrap_dmig_child_capture (char *const argv[], char *out, size_t cap, int timeout_s)
{
	size_t len = 0;

	(void)timeout_s;
	if (nruns < 4)
		for (size_t i = 0; argv[i] && i < 12; i++)
			snprintf (run_args[nruns][i], sizeof (run_args[0][0]), "%s", argv[i]);
	nruns++;
	/* the network files' script runs for real, into the test's folder */
	if (strcmp (argv[0], "ctr") != 0)
		return __real_dmig_child_capture (argv, out, cap, timeout_s);
	ctr_argv[0] = '\0';
	for (size_t i = 0; argv[i]; i++)
		len += (size_t)snprintf (ctr_argv + len, sizeof (ctr_argv) - len, "%s%s", i ? " " : "", argv[i]);
	snprintf (out, cap, "%s", ctr_out);
	return ctr_status;
}

/* A remote engine's host runs the same command over SSH: each call's
 * arguments, joined by spaces */
static char ssh_argv[512], ssh_calls[8][1024];
static size_t nssh;
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
	if (nssh < 8)
		snprintf (ssh_calls[nssh], sizeof (ssh_calls[0]), "%s", ssh_argv);
	nssh++;
	if (out)
		snprintf (out, cap, "%s", strcmp (argv[0], "ctr") == 0 ? ctr_out : "");
	return 0;
}

static int lo_pid;
int __wrap_dmig_netns_lo_up (int pid, dmig_error_t *err);
int
__wrap_dmig_netns_lo_up (int pid, dmig_error_t *err)
{
	(void)err;
	lo_pid = pid;
	return 0;
}

const char *__wrap_dmig_ssh_name (const struct dmig_ssh *s);
const char *
__wrap_dmig_ssh_name (const struct dmig_ssh *s)
{
	(void)s;
	return "root@hostD:22";
}

static int
setup (void **state)
{
	int fd;
	(void)state;
	memset (&d, 0, sizeof (d));
	d.start_status = 204;
	d.start_answer = "";
	ncalls = 0;
	create_body[0] = ckpt_body[0] = ctr_argv[0] = ssh_argv[0] = ctr_out[0] = '\0';
	ctr_status = 0;
	memset (run_args, 0, sizeof (run_args));
	nruns = nssh = 0;
	lo_pid = 0;
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
	/* a line that ends before the super options (found by fuzz_engine) */
	assert_null (upper_of_text ("184 136 0:53 / / rrelatihe - overlay "));
	assert_null (upper_of_text ("184 136 0:53 / / rw - overlay"));
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
		dmig_fs_rm_rf (src, NULL);
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
		r = engine_checks (&dmig_docker_ops, &m, NULL, 0, &err);
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

static json_object *
manifest_of (const char *config)
{
	char text[4096];

	snprintf (text, sizeof (text),
	          "{\"container\":\"web\",\"image\":\"sha256:7a3f\",\"image_name\":\"\",\"volumes\":[],\"config\":%s}",
	          config);
	return json_tokener_parse (text);
}

/* A restore on an engine (version) from config, into an overlay2 clone
 * whose inspect after the create is clone: the create's body. */
static json_object *restore_keeping (const char *version, const char *config, const char *clone,
                                     struct dmig_engine **keep);

static json_object *
restore_with (const char *version, const char *config, const char *clone)
{
	return restore_keeping (version, config, clone, NULL);
}

/* The same, the engine kept open in *keep (when not NULL). */
static json_object *
restore_keeping (const char *version, const char *config, const char *clone, struct dmig_engine **keep)
{
	char info[1024], staging[PATH_MAX], upper[256], cl[2048];
	struct dmig_engine *e;
	dmig_error_t err = NULL;
	json_object *m, *body;

	snprintf (info, sizeof (info), INFO_OVERLAY2, tmp);
	e = open_engine (version, info);
	snprintf (staging, sizeof (staging), "%s/staging", tmp);
	snprintf (upper, sizeof (upper), "%s/upper", tmp);
	dmig_fs_rm_rf (staging, NULL);
	dmig_fs_rm_rf (upper, NULL);
	assert_int_equal (mkdir (staging, 0700), 0);
	assert_int_equal (mkdir (upper, 0700), 0);
	stage (staging);
	/* the clone's layer at @UPPER@ */
	{
		const char *at = strstr (clone, "@UPPER@");
		assert_non_null (at);
		snprintf (cl, sizeof (cl), "%.*s%s%s", (int)(at - clone), clone, upper, at + 7);
	}
	d.clone = cl;
	assert_non_null (m = manifest_of (config));
	create_body[0] = '\0';
	if (e->ops->restore (e, m, staging, NULL, &err) < 0)
		fail_msg ("restore: %s", err->msg);
	d.clone = NULL;
	json_object_put (m);
	if (keep)
		*keep = e;
	else
		dmig_engine_close (e);
	assert_non_null (body = json_tokener_parse (create_body));
	return body;
}

static size_t
binds_to (json_object *body, const char *dst, char *src, size_t cap)
{
	json_object *binds = dmig_json_get (body, "HostConfig.Binds");
	size_t n = 0, len = strlen (dst);

	for (size_t i = 0; json_object_is_type (binds, json_type_array) && i < json_object_array_length (binds); i++) {
		const char *b = json_object_get_string (json_object_array_get_idx (binds, i)), *c = strchr (b, ':');
		if (c && strncmp (c + 1, dst, len) == 0 && (c[1 + len] == ':' || c[1 + len] == '\0')) {
			if (src)
				snprintf (src, cap, "%.*s", (int)(c - b), b);
			n++;
		}
	}
	return n;
}

/* Docker 28 cannot start a --network none container from a checkpoint: it
 * is made NetworkDisabled, its network files bound from dmig's folder under
 * the data root and written there from its config (0644 in a 0700 folder),
 * and its loopback goes up once it runs. */
static void
docker28_none_is_made_network_disabled (void **state)
{
	json_object *body;
	char src[PATH_MAX], dir[PATH_MAX], file[PATH_MAX + 16], text[512], want[PATH_MAX];
	struct stat st;
	FILE *f;
	size_t n;
	(void)state;

	body = restore_with (
	    DOCKER_28,
	    "{\"Id\":\"" ID "\",\"Name\":\"/web\",\"Config\":{\"Image\":\"web:1\",\"Hostname\":\"web1\"},"
	    "\"HostConfig\":{\"NetworkMode\":\"none\",\"ExtraHosts\":[\"db:10.0.0.5\",\"v6=fd00::5\"],"
	    "\"Dns\":[\"10.0.0.53\"],\"DnsSearch\":[\"a.example\",\"b.example\"]}}",
	    "{\"Id\":\"new1\",\"Name\":\"/web\",\"State\":{\"Running\":true,\"Pid\":4242},\"Config\":{"
	    "\"NetworkDisabled\":true},\"HostConfig\":{\"NetworkMode\":\"none\"},\"GraphDriver\":{\"Name\":"
	    "\"overlay2\",\"Data\":{\"UpperDir\":\"@UPPER@\"}}}");
	assert_true (dmig_json_bool (body, "NetworkDisabled"));
	assert_string_equal (dmig_json_str (body, "HostConfig.NetworkMode"), "none");
	assert_int_equal (binds_to (body, "/etc/hosts", src, sizeof (src)), 1);
	snprintf (want, sizeof (want), "%s/docker/dmig-net/", tmp);
	assert_int_equal (strncmp (src, want, strlen (want)), 0);
	assert_true (dmig_container_netfile (src, "/etc/hosts"));
	snprintf (dir, sizeof (dir), "%.*s", (int)(strrchr (src, '/') - src), src);
	assert_int_equal (binds_to (body, "/etc/hostname", src, sizeof (src)), 1);
	assert_int_equal (strncmp (src, dir, strlen (dir)), 0);
	assert_int_equal (binds_to (body, "/etc/resolv.conf", src, sizeof (src)), 1);
	assert_int_equal (strncmp (src, dir, strlen (dir)), 0);
	/* the files, by the script, as the config says */
	assert_int_equal (stat (dir, &st), 0);
	assert_int_equal (st.st_mode & 0777, 0700);
	snprintf (file, sizeof (file), "%s/hosts", dir);
	assert_int_equal (stat (file, &st), 0);
	assert_int_equal (st.st_mode & 0777, 0644);
	assert_non_null (f = fopen (file, "r"));
	n = fread (text, 1, sizeof (text) - 1, f);
	text[n] = '\0';
	fclose (f);
	assert_non_null (strstr (text, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"));
	assert_non_null (strstr (text, "\n10.0.0.5\tdb\nfd00::5\tv6\n"));
	snprintf (file, sizeof (file), "%s/hostname", dir);
	assert_non_null (f = fopen (file, "r"));
	assert_non_null (fgets (text, sizeof (text), f));
	fclose (f);
	assert_string_equal (text, "web1\n");
	snprintf (file, sizeof (file), "%s/resolv.conf", dir);
	assert_non_null (f = fopen (file, "r"));
	n = fread (text, 1, sizeof (text) - 1, f);
	text[n] = '\0';
	fclose (f);
	assert_string_equal (text, "nameserver 10.0.0.53\nsearch a.example b.example\n");
	/* its loopback, from inside its namespace, once it runs */
	assert_int_equal (lo_pid, 4242);
	json_object_put (body);
}

/* dmig's stand-in goes on an engine that restores --network none (a
 * container as its user made it: no NetworkDisabled, no files of dmig's),
 * and is made anew on one that does not; a bind of the user's at one of
 * the files stays, and takes that file's place. */
static void
stand_in_is_made_where_needed (void **state)
{
	static const char config[] =
	    "{\"Id\":\"" ID
	    "\",\"Name\":\"/web\",\"Config\":{\"Image\":\"web:1\",\"NetworkDisabled\":true},\"HostConfig\":"
	    "{\"NetworkMode\":\"none\",\"Binds\":[\"/var/lib/docker/dmig-net/0123456789abcdef/hosts:/etc/hosts:rw\","
	    "\"/var/lib/docker/dmig-net/0123456789abcdef/hostname:/etc/hostname:rw\",\"/var/lib/docker/dmig-net/"
	    "0123456789abcdef/resolv.conf:/etc/resolv.conf:rw\",\"/srv:/srv:ro\"]}}";
	static const char clone[] = "{\"Id\":\"new1\",\"Name\":\"/web\",\"State\":{\"Running\":true,\"Pid\":77},"
	                            "\"Config\":{},\"HostConfig\":{\"NetworkMode\":\"none\"},\"GraphDriver\":{\"Name\":"
	                            "\"overlay2\",\"Data\":{\"UpperDir\":\"@UPPER@\"}}}";
	json_object *body;
	char src[PATH_MAX];
	(void)state;

	body = restore_with (DOCKER_20, config, clone);
	assert_false (dmig_json_bool (body, "NetworkDisabled"));
	assert_string_equal (json_object_to_json_string (dmig_json_get (body, "HostConfig.Binds")),
	                     "[ \"\\/srv:\\/srv:ro\" ]");
	assert_int_equal (nruns, 0); /* no files written */
	assert_int_equal (lo_pid, 0);
	json_object_put (body);

	body = restore_with (DOCKER_28, config, clone);
	assert_true (dmig_json_bool (body, "NetworkDisabled"));
	assert_int_equal (binds_to (body, "/srv", NULL, 0), 1);
	assert_int_equal (binds_to (body, "/etc/hosts", src, sizeof (src)), 1);
	/* its own folder, not the old container's */
	assert_null (strstr (src, "0123456789abcdef"));
	assert_int_equal (json_object_array_length (dmig_json_get (body, "HostConfig.Binds")), 4);
	json_object_put (body);

	body =
	    restore_with (DOCKER_28,
	                  "{\"Id\":\"" ID "\",\"Name\":\"/web\",\"Config\":{\"Image\":\"web:1\"},\"HostConfig\":{"
	                  "\"NetworkMode\":\"none\",\"ReadonlyRootfs\":true,\"Binds\":[\"/srv/hosts:/etc/hosts:ro\"]}}",
	                  clone);
	assert_int_equal (binds_to (body, "/etc/hosts", src, sizeof (src)), 1);
	assert_string_equal (src, "/srv/hosts");
	assert_int_equal (binds_to (body, "/etc/hostname", src, sizeof (src)), 1);
	assert_int_equal (binds_to (body, "/etc/resolv.conf", src, sizeof (src)), 1);
	/* read-only, as Docker mounts its own files on a read-only root */
	assert_non_null (
	    strstr (json_object_to_json_string (dmig_json_get (body, "HostConfig.Binds")), "resolv.conf:ro\""));
	json_object_put (body);
}

/* The network files of containers that are gone (a stand-in its user
 * removed) go when the next one is made on that host, and after dmig
 * removes one; those in use stay. */
static void
unused_network_files_are_swept (void **state)
{
	char stale[PATH_MAX], src[PATH_MAX], dir[PATH_MAX], info[1024];
	struct dmig_engine *e;
	json_object *body;
	struct stat st;
	(void)state;

	snprintf (stale, sizeof (stale), "%s/docker/dmig-net/aaaaaaaaaaaaaaaa", tmp);
	assert_int_equal (dmig_fs_mkdir_p (stale, 0700, NULL), 0);
	body = restore_keeping (
	    DOCKER_28,
	    "{\"Id\":\"" ID "\",\"Name\":\"/web\",\"Config\":{\"Image\":\"web:1\"},\"HostConfig\":{"
	    "\"NetworkMode\":\"none\"}}",
	    "{\"Id\":\"new1\",\"Name\":\"/web\",\"State\":{\"Running\":true,\"Pid\":9},\"Config\":{},"
	    "\"HostConfig\":{\"NetworkMode\":\"none\"},\"GraphDriver\":{\"Name\":\"overlay2\",\"Data\":{"
	    "\"UpperDir\":\"@UPPER@\"}}}",
	    &e);
	assert_int_equal (stat (stale, &st), -1);
	assert_int_equal (binds_to (body, "/etc/hosts", src, sizeof (src)), 1);
	snprintf (dir, sizeof (dir), "%.*s", (int)(strrchr (src, '/') - src), src);
	assert_int_equal (stat (dir, &st), 0);
	json_object_put (body);
	/* a removal by dmig sweeps too: new1 gone, its files go */
	assert_int_equal (dmig_fs_mkdir_p (stale, 0700, NULL), 0);
	create_body[0] = '\0';
	assert_int_equal (dmig_engine_remove (e, "new1", NULL), 0);
	assert_int_equal (stat (stale, &st), -1);
	assert_int_equal (stat (dir, &st), -1);
	dmig_engine_close (e);
	/* a connection that never asked for the data root looks nowhere */
	assert_int_equal (dmig_fs_mkdir_p (stale, 0700, NULL), 0);
	snprintf (info, sizeof (info), INFO_OVERLAY2, tmp);
	e = open_engine (DOCKER_28, info);
	assert_int_equal (dmig_engine_remove (e, "new1", NULL), 0);
	assert_int_equal (stat (stale, &st), 0);
	dmig_engine_close (e);
}

static struct dmig_container *web (struct dmig_engine *e);

/* A move to Docker 28 of a --network none container: the stand-in's files
 * are written there, and its loopback brought up there, over SSH, by
 * commands with fixed words and the values as their own arguments. */
static void
move_to_docker28_makes_the_stand_in_there (void **state)
{
	char info[1024], upper[256], clone[1024];
	struct dmig_move_opts o = {0};
	static int dummy;
	struct dmig_container *c;
	struct dmig_move m = {.name = "web", .o = &o, .ssh = (struct dmig_ssh *)&dummy};
	dmig_error_t err = NULL;
	bool files = false, lo = false;
	(void)state;

	snprintf (info, sizeof (info), INFO_OVERLAY2, tmp);
	m.src = open_engine (DOCKER_20, info);
	c = web (m.src);
	m.ctr = c;
	m.dst = open_engine (DOCKER_28, info);
	m.dst->remote = true;
	m.dst->host = m.ssh;
	snprintf (upper, sizeof (upper), "%s/clone-upper", tmp);
	snprintf (clone, sizeof (clone),
	          "{\"Id\":\"new1\",\"Name\":\"/web\",\"State\":{\"Running\":true,\"Pid\":5151},\"Config\":{"
	          "\"NetworkDisabled\":true},\"HostConfig\":{\"NetworkMode\":\"none\"},\"GraphDriver\":{\"Name\":"
	          "\"overlay2\",\"Data\":{\"UpperDir\":\"%s\"}}}",
	          upper);
	d.clone = clone;
	if (dmig_docker_ops.move->prepare (&m, &err) < 0)
		fail_msg ("prepare: %s", err->msg);
	assert_true (strstr (create_body, "\"NetworkDisabled\":true") != NULL);
	if (dmig_docker_ops.move->restore (&m, &err) < 0)
		fail_msg ("restore: %s", err->msg);
	for (size_t i = 0; i < nssh && i < 8; i++) {
		char want[256];
		snprintf (want, sizeof (want), "sh -c umask 077 && mkdir -p -- \"$1\" && ");
		files |= strncmp (ssh_calls[i], want, strlen (want)) == 0
		         && strstr (ssh_calls[i], " sh /nonexistent") == NULL
		         && strstr (ssh_calls[i], "/docker/dmig-net/") && strstr (ssh_calls[i], "127.0.0.1\tlocalhost");
		lo |= strcmp (ssh_calls[i], "nsenter -t 5151 -n ip link set lo up") == 0;
	}
	assert_true (files);
	assert_true (lo);
	assert_int_equal (lo_pid, 0); /* not here */
	d.clone = NULL;
	dmig_docker_ops.move->release (&m);
	dmig_engine_close (m.dst);
	dmig_engine_close (m.src);
	dmig_container_free (c);
}

/* What Docker 28 cannot start from a checkpoint at all: a container on a
 * network (refused, naming the issue); --network none, host, another
 * container's and NetworkDisabled ones it can, and Docker 20.10 all. */
static void
docker28_restorable (void **state)
{
	struct {
		const char *version, *host, *config;
		bool ok;
	} cases[] = {
	    {DOCKER_28, "\"NetworkMode\":\"bridge\"", "", false},
	    {DOCKER_28, "\"NetworkMode\":\"default\"", "", false},
	    {DOCKER_28, "\"NetworkMode\":\"net1\"", "", false},
	    {DOCKER_28, "\"NetworkMode\":\"none\"", "", true},
	    {DOCKER_28, "\"NetworkMode\":\"host\"", "", true},
	    {DOCKER_28, "\"NetworkMode\":\"container:db\"", "", true},
	    {DOCKER_28, "\"NetworkMode\":\"bridge\"", "\"NetworkDisabled\":true", true},
	    {DOCKER_20, "\"NetworkMode\":\"bridge\"", "", true},
	    {DOCKER ("29.1.0", "1.52", "1.44"), "\"NetworkMode\":\"bridge\"", "", false},
	};
	(void)state;

	for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++) {
		char json[512], info[1024];
		struct dmig_engine *e;
		struct dmig_container *c;
		dmig_error_t err = NULL;

		snprintf (info, sizeof (info), INFO_OVERLAY2, tmp);
		e = open_engine (cases[i].version, info);
		snprintf (json, sizeof (json),
		          "{\"Id\":\"" ID "\",\"Name\":\"/web\",\"Config\":{%s},\"HostConfig\":{%s}}", cases[i].config,
		          cases[i].host);
		c = parse (json);
		if (cases[i].ok) {
			if (e->ops->restorable (e, c, "container 'web' runs", &err) != 0)
				fail_msg ("case %zu refused: %s", i, err->msg);
		} else {
			assert_int_equal (e->ops->restorable (e, c, "container 'web' runs", &err), -1);
			assert_int_equal (err->status, DMIG_EPREFLIGHT);
			assert_non_null (strstr (err->msg, "containerd issue 12141"));
			assert_non_null (strstr (err->msg, "cannot start container 'web' (network '"));
			dmig_error_release (&err);
		}
		dmig_container_free (c);
		dmig_engine_close (e);
	}
}

/* A move to Docker 28 of a container on a network: refused before anything
 * changes (only questions asked). */
static void
move_to_docker28_refuses_networks (void **state)
{
	char info[1024];
	struct dmig_container *c = parse ("{\"Id\":\"" ID "\",\"Name\":\"/web\",\"State\":{\"Running\":true},"
	                                  "\"HostConfig\":{\"NetworkMode\":\"bridge\"},\"GraphDriver\":{\"Name\":"
	                                  "\"overlay2\",\"Data\":{\"UpperDir\":\"/u\"}}}");
	struct dmig_move_opts o = {0};
	static int dummy;
	struct dmig_move m = {.ctr = c, .name = "web", .o = &o, .ssh = (struct dmig_ssh *)&dummy};
	dmig_error_t err = NULL;
	(void)state;

	snprintf (info, sizeof (info), INFO_OVERLAY2, tmp);
	m.dst = open_engine (DOCKER_28, info);
	m.dst->remote = true;
	m.dst->host = m.ssh;
	assert_int_equal (engine_checks (&dmig_docker_ops, &m, NULL, 0, &err), -1);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	assert_non_null (strstr (err->msg, "Docker 28.5.2+dfsg3 on root@hostD:22 cannot start container 'web' (network "
	                                   "'bridge') from a checkpoint"));
	assert_non_null (strstr (err->msg, "containerd issue 12141"));
	for (size_t j = 0; j < ncalls; j++)
		assert_true (strncmp (calls[j], "GET ", 4) == 0);
	dmig_error_release (&err);
	dmig_engine_close (m.dst);
	/* the same to Docker 20.10 goes */
	m.dst = open_engine (DOCKER_20, info);
	m.dst->remote = true;
	assert_int_equal (engine_checks (&dmig_docker_ops, &m, NULL, 0, &err), 0);
	dmig_engine_close (m.dst);
	dmig_container_free (c);
}

static bool
asked (const char *call)
{
	for (size_t i = 0; i < ncalls; i++)
		if (strcmp (calls[i], call) == 0)
			return true;
	return false;
}

static struct dmig_container *
web (struct dmig_engine *e)
{
	struct dmig_container *c = NULL;
	dmig_error_t err = NULL;
	char upper[256], cfg[1024];
	static char webcfg[1200];

	snprintf (upper, sizeof (upper), "%s/web-upper", tmp);
	mkdir (upper, 0700);
	snprintf (cfg, sizeof (cfg),
	          "\"Image\":\"sha256:7a3f\",\"Config\":{},\"HostConfig\":{\"NetworkMode\":\"none\",\"RestartPolicy\":{"
	          "\"Name\":\"always\"}},"
	          "\"GraphDriver\":{\"Name\":\"overlay2\",\"Data\":{\"UpperDir\":\"%s\"}}",
	          upper);
	snprintf (webcfg, sizeof (webcfg), "%s", cfg);
	d.web = webcfg;
	d.running = true;
	d.paused = false;
	if (dmig_engine_inspect (e, "web", &c, &err) < 0 || c == NULL)
		fail_msg ("inspect web: %s", err ? err->msg : "none");
	return c;
}

/* A rollback's safety capture: on Docker 28 a --network none container
 * could not be started again from its own checkpoint, so it is held paused
 * (its checkpoint in staging, leaving it running) until the caller stops
 * it, or lets it run on; on 20.10 the checkpoint stops it, kept in its own
 * checkpoints. */
static void
safety_capture_holds_on_docker28 (void **state)
{
	char info[1024], staging[PATH_MAX];
	struct dmig_capture_opts o = {.leave_running = false};
	struct dmig_members ms;
	struct dmig_container *c;
	struct dmig_engine *e;
	dmig_error_t err = NULL;
	bool held = false;
	json_object *b;
	(void)state;

	snprintf (info, sizeof (info), INFO_OVERLAY2, tmp);
	e = open_engine (DOCKER_28, info);
	c = web (e);
	o.held = &held;
	snprintf (staging, sizeof (staging), "%s/staging", tmp);
	assert_int_equal (mkdir (staging, 0700), 0);
	memset (&ms, 0, sizeof (ms));
	if (e->ops->capture (e, c, staging, &o, &ms, &err) < 0)
		fail_msg ("capture: %s", err->msg);
	assert_true (held);
	assert_true (d.running && d.paused);
	assert_false (asked ("POST /v1.51/containers/web/unpause"));
	assert_non_null (b = json_tokener_parse (ckpt_body));
	assert_false (dmig_json_bool (b, "Exit"));
	assert_non_null (dmig_json_str (b, "CheckpointDir"));
	json_object_put (b);
	assert_int_equal (ms.n, 2); /* the layer and the checkpoint */
	/* written: stopped */
	assert_int_equal (e->ops->unhold (e, c, true, &err), 0);
	assert_true (asked ("POST /v1.51/containers/web/kill"));
	assert_false (d.running);
	/* not written: it runs on */
	d.running = d.paused = true;
	assert_int_equal (e->ops->unhold (e, c, false, &err), 0);
	assert_true (d.running && !d.paused);
	dmig_container_free (c);
	dmig_engine_close (e);

	/* Docker 20.10: the checkpoint stops it */
	dmig_fs_rm_rf (staging, NULL);
	assert_int_equal (mkdir (staging, 0700), 0);
	e = open_engine (DOCKER_20, info);
	c = web (e);
	held = false;
	memset (&ms, 0, sizeof (ms));
	ncalls = 0;
	if (e->ops->capture (e, c, staging, &o, &ms, &err) < 0)
		fail_msg ("capture: %s", err->msg);
	assert_false (held);
	assert_false (d.running);
	assert_non_null (b = json_tokener_parse (ckpt_body));
	assert_true (dmig_json_bool (b, "Exit"));
	assert_string_equal (dmig_json_str (b, "CheckpointID"), "dmig-safety");
	json_object_put (b);
	dmig_container_free (c);
	dmig_engine_close (e);
}

/* A move's freeze on Docker 28 (a source it could not start again from its
 * own checkpoint): paused, checkpointed leaving it so; the resume unpauses
 * it, a kept source is stopped. On 20.10 the checkpoint stops it and the
 * resume starts it from there. */
static void
move_from_docker28_holds_the_source (void **state)
{
	char info[1024];
	struct dmig_move_opts o = {.keep_source = true};
	struct dmig_move m = {.name = "web", .o = &o};
	dmig_error_t err = NULL;
	json_object *b;
	(void)state;

	snprintf (info, sizeof (info), INFO_OVERLAY2, tmp);
	m.src = open_engine (DOCKER_28, info);
	m.ctr = web (m.src);
	if (dmig_docker_ops.move->freeze (&m, &err) < 0)
		fail_msg ("freeze: %s", err->msg);
	assert_true (m.frozen);
	assert_true (d.running && d.paused);
	assert_non_null (b = json_tokener_parse (ckpt_body));
	assert_false (dmig_json_bool (b, "Exit"));
	assert_string_equal (dmig_json_str (b, "CheckpointID"), "dmig-move");
	json_object_put (b);
	assert_int_equal (dmig_docker_ops.move->resume (&m, &err), 0);
	assert_true (d.running && !d.paused);
	assert_false (asked ("POST /v1.51/containers/web/start?checkpoint=dmig-move"));
	/* a move that went through keeps the source stopped */
	assert_int_equal (dmig_docker_ops.move->freeze (&m, &err), 0);
	assert_int_equal (dmig_docker_ops.move->finish (&m, &err), 0);
	assert_true (asked ("POST /v1.51/containers/web/kill"));
	assert_false (d.running);
	/* a recovery that finishes it again finds it stopped */
	ncalls = 0;
	assert_int_equal (dmig_docker_ops.move->finish (&m, &err), 0);
	assert_false (asked ("POST /v1.51/containers/web/kill"));
	dmig_container_free ((struct dmig_container *)m.ctr);
	dmig_engine_close (m.src);

	ncalls = 0;
	m.src = open_engine (DOCKER_20, info);
	m.ctr = web (m.src);
	assert_int_equal (dmig_docker_ops.move->freeze (&m, &err), 0);
	assert_false (d.running);
	assert_false (asked ("POST /v1.41/containers/web/pause"));
	assert_int_equal (dmig_docker_ops.move->resume (&m, &err), 0);
	assert_true (asked ("POST /v1.41/containers/web/start?checkpoint=dmig-move"));
	assert_true (d.running);
	dmig_container_free ((struct dmig_container *)m.ctr);
	dmig_engine_close (m.src);
}

/* dmig's network files are known by their place and nothing else; they are
 * the engine's, not binds of the user's (a move does not look for them
 * there, a snapshot's policy does not count them). */
static void
network_files_are_dmigs_own (void **state)
{
	static const char *const cfg =
	    "{\"Id\":\"" ID
	    "\",\"Name\":\"/web\",\"HostConfig\":{\"NetworkMode\":\"none\",\"Binds\":[\"/var/lib/docker/"
	    "dmig-net/00112233445566ff/hosts:/etc/hosts:rw\"],\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/var/lib/"
	    "docker/dmig-net/00112233445566ff/hostname\",\"Target\":\"/etc/"
	    "hostname\"}]},\"Mounts\":[{\"Type\":\"bind\","
	    "\"Source\":\"/var/lib/docker/dmig-net/00112233445566ff/hosts\",\"Destination\":\"/etc/"
	    "hosts\",\"RW\":true}]}";
	struct dmig_container *ref, *c;
	json_object *j;
	struct dmig_widening w;
	(void)state;

	assert_true (dmig_container_netfile ("/var/lib/docker/dmig-net/00112233445566ff/hosts", "/etc/hosts"));
	assert_true (dmig_container_netfile ("/d/dmig-net/00112233445566ff/resolv.conf", "/etc/resolv.conf"));
	assert_false (dmig_container_netfile ("/var/lib/docker/dmig-net/00112233445566ff/hosts", "/etc/hostname"));
	assert_false (dmig_container_netfile ("/var/lib/docker/dmig-net/00112233445566f/hosts", "/etc/hosts"));
	assert_false (dmig_container_netfile ("/var/lib/docker/dmig-net/00112233445566fg/hosts", "/etc/hosts"));
	assert_false (dmig_container_netfile ("/var/lib/docker/dmig-nat/00112233445566ff/hosts", "/etc/hosts"));
	assert_false (dmig_container_netfile ("/etc/hosts", "/etc/hosts"));
	assert_false (dmig_container_netfile ("/x/../dmig-net/00112233445566ff/hosts", "/etc/hosts"));
	assert_false (dmig_container_netfile ("dmig-net/00112233445566ff/hosts", "/etc/hosts"));
	assert_false (dmig_container_netfile ("/00112233445566ff/hosts", "/etc/hosts"));
	assert_false (dmig_container_netfile ("/var/lib/docker/dmig-net/00112233445566ff/shadow", "/etc/shadow"));
	assert_true (dmig_container_netfile_bind ("/d/dmig-net/00112233445566ff/hosts:/etc/hosts:rw"));
	assert_true (dmig_container_netfile_bind ("/d/dmig-net/00112233445566ff/hosts:/etc/hosts"));
	assert_false (dmig_container_netfile_bind ("/d/dmig-net/00112233445566ff/hosts:/etc/hostsx"));
	assert_false (dmig_container_netfile_bind ("/d/dmig-net/00112233445566ff/hosts"));

	c = parse (cfg);
	assert_int_equal (c->nmounts, 1);
	assert_int_equal (c->mounts[0].type, DMIG_MOUNT_OTHER);
	dmig_container_free (c);
	ref = parse ("{\"Id\":\"" ID "\",\"Name\":\"/web\",\"HostConfig\":{\"NetworkMode\":\"none\"}}");
	assert_non_null (j = json_tokener_parse (cfg));
	assert_false (dmig_policy_widening (ref, j, &w));
	json_object_put (j);
	/* a bind of anything else is counted */
	assert_non_null (j = json_tokener_parse ("{\"HostConfig\":{\"NetworkMode\":\"none\",\"Binds\":[\"/etc/"
	                                         "shadow:/etc/hosts:rw\"]}}"));
	assert_true (dmig_policy_widening (ref, j, &w));
	json_object_put (j);
	dmig_container_free (ref);
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
	    T (docker28_none_is_made_network_disabled),
	    T (stand_in_is_made_where_needed),
	    T (unused_network_files_are_swept),
	    T (move_to_docker28_makes_the_stand_in_there),
	    T (docker28_restorable),
	    T (move_to_docker28_refuses_networks),
	    T (safety_capture_holds_on_docker28),
	    T (move_from_docker28_holds_the_source),
	    T (network_files_are_dmigs_own),
	};
	return cmocka_run_group_tests (tests, http_group_setup, http_group_teardown);
}
