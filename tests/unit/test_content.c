/* What a bundle's archives may hold (engines/content.c, dmig_archive_verify):
 * each attack a hostile bundle with valid checksums tried, refused by name
 * (exit 3) before anything is touched; the normal layer passes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "archive_io.h"
#include "bundle.h"
#include "content.h"
#include "fs.h"
#include "json.h"

#define ID "3c69a7e1b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a6"

struct fx {
	char dir[64];
	char staging[PATH_MAX];
	char out[PATH_MAX];
	json_object *manifest;
};

static int
setup (void **state)
{
	struct fx *f = calloc (1, sizeof (*f));
	snprintf (f->dir, sizeof (f->dir), "/tmp/dmig-unit-XXXXXX");
	assert_non_null (mkdtemp (f->dir));
	snprintf (f->staging, sizeof (f->staging), "%s/staging", f->dir);
	snprintf (f->out, sizeof (f->out), "%s/out", f->dir);
	assert_int_equal (mkdir (f->staging, 0700), 0);
	assert_int_equal (mkdir (f->out, 0700), 0);
	*state = f;
	return 0;
}

static int
teardown (void **state)
{
	struct fx *f = *state;
	json_object_put (f->manifest);
	dmig_fs_rm_rf (f->dir, NULL);
	free (f);
	return 0;
}

#define HARDLINK (-1)

/* An entry of a tar built in memory. */
struct ent {
	const char *name;
	int type;         /* AE_IFDIR, AE_IFLNK, AE_IFCHR, AE_IFBLK, HARDLINK; 0: a file */
	const char *data; /* content, or link target */
	size_t len;       /* of data when it is not a string (a nested tar) */
	unsigned perm;
	unsigned maj, min;
	const char *xattr; /* an xattr's name, its value "1" */
};

/* The tar of ents, in a buffer of its own (freed by the caller). */
static char *
tar_of (const struct ent *ents, size_t n, size_t *size)
{
	size_t cap = 1u << 20;
	char *buf = malloc (cap);
	struct archive *a = archive_write_new ();

	assert_non_null (buf);
	archive_write_set_format_pax_restricted (a);
	archive_write_set_bytes_in_last_block (a, 1);
	assert_int_equal (archive_write_open_memory (a, buf, cap, size), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new ();
		size_t len = ents[i].len ? ents[i].len : ents[i].data ? strlen (ents[i].data) : 0;
		archive_entry_set_pathname (e, ents[i].name);
		archive_entry_set_perm (e, ents[i].perm ? ents[i].perm : 0644);
		int type = ents[i].type == 0 ? (int)AE_IFREG : ents[i].type;
		archive_entry_set_filetype (e, type == HARDLINK ? AE_IFREG : (unsigned)type);
		if (type == HARDLINK)
			archive_entry_set_hardlink (e, ents[i].data);
		else if (ents[i].type == AE_IFLNK)
			archive_entry_set_symlink (e, ents[i].data);
		else if (ents[i].type == AE_IFCHR || ents[i].type == AE_IFBLK)
			archive_entry_set_rdev (e, makedev (ents[i].maj, ents[i].min));
		else if (type == AE_IFREG)
			archive_entry_set_size (e, (la_int64_t)len);
		if (ents[i].xattr)
			archive_entry_xattr_add_entry (e, ents[i].xattr, "1", 1);
		assert_true (archive_write_header (a, e) >= ARCHIVE_WARN);
		if (type == AE_IFREG && len)
			assert_int_equal (archive_write_data (a, ents[i].data, len), (la_ssize_t)len);
		archive_entry_free (e);
	}
	assert_int_equal (archive_write_close (a), ARCHIVE_OK);
	archive_write_free (a);
	return buf;
}

/* A manifest of engine with config (JSON text), its members added by stage. */
static void
start (struct fx *f, const char *engine, const char *config)
{
	json_object *cfg = NULL;
	dmig_error_t err = NULL;
	f->manifest = json_object_new_object ();
	json_object_object_add (f->manifest, "format", json_object_new_int (DMIG_BUNDLE_FORMAT));
	json_object_object_add (f->manifest, "engine", json_object_new_string (engine));
	json_object_object_add (f->manifest, "container_id", json_object_new_string (ID));
	assert_int_equal (dmig_json_parse (config, strlen (config), &cfg, &err), 0);
	json_object_object_add (f->manifest, "config", cfg);
	json_object_object_add (f->manifest, "members", json_object_new_array ());
}

static void
stage (struct fx *f, const char *member, const struct ent *ents, size_t n)
{
	struct dmig_members ms = {0};
	struct dmig_sink sink;
	dmig_error_t err = NULL;
	size_t size;
	char *buf = tar_of (ents, n, &size);
	json_object *m = json_object_new_object ();

	assert_int_equal (dmig_bundle_member_begin (f->staging, member, &sink, &err), 0);
	assert_int_equal (dmig_sink_put (&sink, buf, size), 0);
	assert_int_equal (dmig_bundle_member_end (&ms, member, &sink, true, &err), 0);
	free (buf);
	json_object_object_add (m, "name", json_object_new_string (member));
	json_object_array_add (json_object_object_get (f->manifest, "members"), m);
}

static void
passes (struct fx *f)
{
	dmig_error_t err = NULL;
	/* as a rollback reads it: every member, then (once the config is
	 * judged) what Podman's export asks */
	int r = dmig_content_verify (f->manifest, f->staging, &err);
	if (r == 0)
		r = dmig_content_export (f->manifest, f->staging, &err);
	if (r < 0)
		fprintf (stderr, "refused: %s\n", err->msg);
	assert_int_equal (r, 0);
}

/* Refused with exit 3, on one line that says what. */
static void
refused (struct fx *f, const char *what)
{
	dmig_error_t err = NULL;
	int r = dmig_content_verify (f->manifest, f->staging, &err);

	if (r == 0)
		r = dmig_content_export (f->manifest, f->staging, &err);
	assert_int_equal (r, -1);
	assert_non_null (err);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	if (strstr (err->msg, what) == NULL)
		fail_msg ("'%s' does not say '%s'", err->msg, what);
	assert_null (strchr (err->msg, '\n'));
	dmig_error_release (&err);
}

/* ---- Docker: rootfs.tar and volumes ---- */

#define DOCKER_CFG "{\"HostConfig\": {\"Privileged\": false, \"CapAdd\": null}}"

/* A normal layer: files, a whiteout (a 0/0 character device), an opaque
 * folder, a symlink, a hard link to an earlier file, setgid folders (as
 * PostgreSQL's /var/run/postgresql). */
static const struct ent normal_layer[] = {
    {.name = "etc", .type = AE_IFDIR, .perm = 0755},
    {.name = "etc/motd", .type = AE_IFCHR, .maj = 0, .min = 0},
    {.name = "etc/app.conf", .type = AE_IFREG, .data = "port=80\n"},
    {.name = "etc/app.link", .type = HARDLINK, .data = "etc/app.conf"},
    {.name = "etc/localtime", .type = AE_IFLNK, .data = "/usr/share/zoneinfo/UTC"},
    {.name = "var/cache/apt", .type = AE_IFDIR, .perm = 0755, .xattr = "trusted.overlay.opaque"},
    {.name = "var/run/postgresql", .type = AE_IFDIR, .perm = 03777},
    {.name = "./var/lib/data", .type = AE_IFREG, .data = "rows"},
};

static void
docker_normal_layer_passes (void **state)
{
	struct fx *f = *state;
	const struct ent ckpt[] = {{.name = "pages-1.img", .type = AE_IFREG, .data = "memory"}};
	const struct ent vol[] = {{.name = ".", .type = AE_IFDIR, .perm = 0700}, {.name = "PG_VERSION", .data = "16"}};
	start (f, "docker", DOCKER_CFG);
	stage (f, "checkpoint.tar", ckpt, 1);
	stage (f, "rootfs.tar", normal_layer, sizeof (normal_layer) / sizeof (*normal_layer));
	stage (f, "volumes/data.tar", vol, 2);
	passes (f);
}

static void
docker_block_device_refused (void **state)
{
	struct fx *f = *state;
	const struct ent e[] = {{.name = "dev", .type = AE_IFDIR}, {.name = "dev/disk", .type = AE_IFBLK, .maj = 8}};
	start (f, "docker", DOCKER_CFG);
	stage (f, "rootfs.tar", e, 2);
	refused (f, "'rootfs.tar': member 'dev/disk': a block device 8:0 the container was not given");
}

static void
docker_char_device_refused (void **state)
{
	struct fx *f = *state;
	const struct ent e[] = {{.name = "mem", .type = AE_IFCHR, .maj = 1, .min = 1, .perm = 0666}};
	start (f, "docker", DOCKER_CFG);
	stage (f, "rootfs.tar", e, 1);
	refused (f, "member 'mem': a character device 1:1");
}

static void
docker_setuid_root_refused (void **state)
{
	struct fx *f = *state;
	const struct ent e[] = {{.name = "usr/local/bin/sh", .data = "\177ELF", .perm = 04755}};
	start (f, "docker", DOCKER_CFG);
	stage (f, "rootfs.tar", e, 1);
	refused (f, "member 'usr/local/bin/sh': a setuid file (mode 4755)");
}

static void
docker_setgid_refused (void **state)
{
	struct fx *f = *state;
	const struct ent e[] = {{.name = "bin/x", .data = "\177ELF", .perm = 02755}};
	start (f, "docker", DOCKER_CFG);
	stage (f, "rootfs.tar", e, 1);
	refused (f, "a setgid file");
}

static void
docker_file_capability_refused (void **state)
{
	struct fx *f = *state;
	const struct ent e[] = {{.name = "bin/ping", .data = "\177ELF", .perm = 0755, .xattr = "security.capability"}};
	start (f, "docker", DOCKER_CFG);
	stage (f, "rootfs.tar", e, 1);
	refused (f, "member 'bin/ping': a file with capabilities (security.capability)");
}

static void
docker_volume_setuid_refused (void **state)
{
	struct fx *f = *state;
	const struct ent e[] = {{.name = ".", .type = AE_IFDIR, .perm = 0755},
	                        {.name = "sh", .perm = 04755, .data = "x"}};
	start (f, "docker", DOCKER_CFG);
	stage (f, "volumes/data.tar", e, 2);
	refused (f, "refusing snapshot member 'volumes/data.tar': member 'sh': a setuid file");
}

static void
docker_checkpoint_device_refused (void **state)
{
	struct fx *f = *state;
	const struct ent e[] = {{.name = "sda", .type = AE_IFBLK, .maj = 8}};
	/* privileged or not: CRIU's images are plain files */
	start (f, "docker", "{\"HostConfig\": {\"Privileged\": true}}");
	stage (f, "checkpoint.tar", e, 1);
	refused (f, "'checkpoint.tar': member 'sda': a block device");
}

/* A privileged container could make all of it. */
static void
docker_privileged_may (void **state)
{
	struct fx *f = *state;
	const struct ent e[] = {{.name = "dev/sda", .type = AE_IFBLK, .maj = 8},
	                        {.name = "bin/su", .perm = 04755, .data = "x"},
	                        {.name = "bin/ping", .data = "x", .xattr = "security.capability"}};
	start (f, "docker", "{\"HostConfig\": {\"Privileged\": true}}");
	stage (f, "rootfs.tar", e, 3);
	passes (f);
}

/* --cap-add SETFCAP / FSETID declare them; --device the device it names. */
static void
docker_declared_may (void **state)
{
	struct fx *f = *state;
	const struct ent e[] = {{.name = "dev/null", .type = AE_IFCHR, .maj = 1, .min = 3},
	                        {.name = "usr/bin/sudo", .perm = 04755, .data = "x"},
	                        {.name = "bin/ping", .data = "x", .xattr = "security.capability"}};
	start (f, "docker",
	       "{\"HostConfig\": {\"CapAdd\": [\"CAP_SETFCAP\", \"fsetid\"], \"Devices\": [{\"PathOnHost\": "
	       "\"/dev/null\", \"PathInContainer\": \"/dev/null\"}]}}");
	stage (f, "rootfs.tar", e, 3);
	passes (f);
}

static void
docker_cap_other_than_declared_refused (void **state)
{
	struct fx *f = *state;
	const struct ent e[] = {{.name = "bin/ping", .data = "x", .xattr = "security.capability"}};
	start (f, "docker", "{\"HostConfig\": {\"CapAdd\": [\"NET_ADMIN\", \"FSETID\"]}}");
	stage (f, "rootfs.tar", e, 1);
	refused (f, "security.capability");
}

/* The extraction holds the same rules (the default: none beyond whiteouts). */
static void
extraction_refuses_setuid (void **state)
{
	struct fx *f = *state;
	const struct ent e[] = {{.name = "ok", .data = "fine"}, {.name = "sh", .perm = 04755, .data = "x"}};
	char tar[PATH_MAX + 16], planted[PATH_MAX + 16];
	dmig_error_t err = NULL;
	size_t size;
	char *buf = tar_of (e, 2, &size);
	struct stat st;
	int fd;

	snprintf (tar, sizeof (tar), "%s/in.tar", f->dir);
	fd = open (tar, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal (write (fd, buf, size), (ssize_t)size);
	close (fd);
	free (buf);
	fd = open (tar, O_RDONLY);
	assert_int_equal (dmig_archive_extract (fd, f->out, NULL, &err), -1);
	close (fd);
	assert_non_null (strstr (err->msg, "refusing archive member 'sh': a setuid file"));
	dmig_error_release (&err);
	snprintf (planted, sizeof (planted), "%s/sh", f->out);
	assert_int_equal (lstat (planted, &st), -1);
}

/* ---- Podman: its export, read before Podman sees it ---- */

/* A real export of Podman 4.3.1: `podman run -d --network none -v VOL:/var/
 * lib/postgresql/data IMAGE CMD` (tests/unit/data/podman-4.3.1/volume), its
 * manifest's config, spec.dump and config.dump. */
#define DATA   "tests/unit/data/podman-4.3.1/volume/"
#define VOLUME "/var/lib/containers/storage/volumes/dmigt3744-podman-pgrb-data/_data"
#define STATIC "/var/lib/containers/storage/overlay-containers/" PG_ID "/userdata"
#define PG_ID  "b35c0881ea113c9a68cc8611645e1c7e82bb606f919ad896bb716b4c416e4747"

/* The text of a fixture file (freed by the caller). */
static char *
fixture (const char *file)
{
	char path[256];
	json_object *o;
	char *text;

	snprintf (path, sizeof (path), DATA "%s", file);
	o = json_object_from_file (path);
	if (o == NULL)
		fail_msg ("cannot read %s (run from the source folder)", path);
	text = strdup (json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN));
	json_object_put (o);
	return text;
}

/* The real export's manifest, its members added by stage. */
static void
start_podman (struct fx *f)
{
	char path[256];

	snprintf (path, sizeof (path), DATA "manifest.json");
	f->manifest = json_object_from_file (path);
	assert_non_null (f->manifest);
	json_object_object_add (f->manifest, "members", json_object_new_array ());
}

/* The real export's spec.dump with one mount more (JSON text; NULL: none). */
static char *
spec_with (const char *mount)
{
	char *text = fixture ("spec.dump");
	json_object *spec = json_tokener_parse (text);

	free (text);
	if (mount)
		json_object_array_add (json_object_object_get (spec, "mounts"), json_tokener_parse (mount));
	text = strdup (json_object_to_json_string_ext (spec, JSON_C_TO_STRING_PLAIN));
	json_object_put (spec);
	return text;
}

/* An export around layer (rootfs-diff.tar), deleted.files, spec.dump and
 * config.dump (texts). */
static void
stage_docs (struct fx *f, const struct ent *layer, size_t n, const char *deleted, const char *spec, const char *conf)
{
	size_t lsize, vsize;
	const struct ent vol[] = {{.name = "PG_VERSION", .data = "16"}};
	char *l = tar_of (layer, n, &lsize), *v = tar_of (vol, 1, &vsize);
	const struct ent e[] = {
	    {.name = "config.dump", .data = conf},
	    {.name = "spec.dump", .data = spec},
	    {.name = "checkpoint", .type = AE_IFDIR, .perm = 0700},
	    {.name = "checkpoint/pages-1.img", .data = "memory"},
	    {.name = "rootfs-diff.tar", .type = AE_IFREG, .data = l, .len = lsize},
	    {.name = "deleted.files", .data = deleted},
	    {.name = "volumes", .type = AE_IFDIR, .perm = 0700},
	    {.name = "volumes/dmigt3744-podman-pgrb-data.tar", .type = AE_IFREG, .data = v, .len = vsize},
	};
	/* without a member that is NULL */
	struct ent some[sizeof (e) / sizeof (*e)];
	size_t k = 0;

	for (size_t i = 0; i < sizeof (e) / sizeof (*e); i++)
		if (e[i].data || e[i].type == AE_IFDIR)
			some[k++] = e[i];
	stage (f, "checkpoint.tar", some, k);
	free (l);
	free (v);
}

/* The real config.dump and spec.dump, with one mount more (JSON text;
 * NULL: none). */
static void
stage_export (struct fx *f, const struct ent *layer, size_t n, const char *deleted, const char *mount)
{
	char *conf = fixture ("config.dump"), *spec = spec_with (mount);
	stage_docs (f, layer, n, deleted, spec, conf);
	free (conf);
	free (spec);
}

static void
podman_normal_export_passes (void **state)
{
	struct fx *f = *state;
	start_podman (f);
	stage_export (f, normal_layer, sizeof (normal_layer) / sizeof (*normal_layer),
	              "[\"/etc/motd\", \"/var/log/old.log\"]", NULL);
	passes (f);
}

static void
podman_symlink_then_file_refused (void **state)
{
	struct fx *f = *state;
	const struct ent e[] = {{.name = "escape", .type = AE_IFLNK, .data = "/tmp"},
	                        {.name = "escape/planted", .data = "evil"}};
	start_podman (f);
	stage_export (f, e, 2, "[]", NULL);
	refused (f, "refusing snapshot member 'checkpoint.tar': in 'rootfs-diff.tar': member 'escape/planted': it lies "
	            "under the symlink 'escape'");
}

static void
podman_file_over_symlink_refused (void **state)
{
	struct fx *f = *state;
	const struct ent e[] = {{.name = "etc/passwd", .type = AE_IFLNK, .data = "/etc/shadow"},
	                        {.name = "etc/passwd", .data = "root::0:0::/:/bin/sh\n"}};
	start_podman (f);
	stage_export (f, e, 2, "[]", NULL);
	refused (f, "member 'etc/passwd': it replaces an earlier symlink");
}

static void
podman_layer_dotdot_refused (void **state)
{
	struct fx *f = *state;
	const struct ent e[] = {{.name = "a/../../../tmp/x", .data = "evil"}};
	start_podman (f);
	stage_export (f, e, 1, "[]", NULL);
	refused (f, "in 'rootfs-diff.tar': member 'a/../../../tmp/x': a '..' component");
}

static void
podman_layer_hardlink_out_refused (void **state)
{
	struct fx *f = *state;
	const struct ent e[] = {{.name = "shadow", .type = HARDLINK, .data = "/etc/shadow"}};
	const struct ent e2[] = {{.name = "shadow", .type = HARDLINK, .data = "etc/shadow"}};
	start_podman (f);
	stage_export (f, e, 1, "[]", NULL);
	refused (f, "member 'shadow': a hard link with an absolute name");
	json_object_put (f->manifest);
	dmig_fs_rm_rf (f->staging, NULL);
	mkdir (f->staging, 0700);
	/* a relative name that no earlier member has: the host's own file */
	start_podman (f);
	stage_export (f, e2, 1, "[]", NULL);
	refused (f, "member 'shadow': a hard link to no earlier file of the archive");
}

static void
podman_layer_device_refused (void **state)
{
	struct fx *f = *state;
	const struct ent e[] = {{.name = "dev/sda", .type = AE_IFBLK, .maj = 8, .perm = 0666}};
	start_podman (f);
	stage_export (f, e, 1, "[]", NULL);
	refused (f, "in 'rootfs-diff.tar': member 'dev/sda': a block device 8:0");
}

static void
podman_layer_setuid_refused (void **state)
{
	struct fx *f = *state;
	const struct ent e[] = {{.name = "usr/bin/rootsh", .perm = 04755, .data = "\177ELF"}};
	start_podman (f);
	stage_export (f, e, 1, "[]", NULL);
	refused (f, "in 'rootfs-diff.tar': member 'usr/bin/rootsh': a setuid file");
}

static void
podman_layer_file_capability_refused (void **state)
{
	struct fx *f = *state;
	const struct ent e[] = {{.name = "usr/bin/ping", .data = "x", .xattr = "security.capability"}};
	start_podman (f);
	stage_export (f, e, 1, "[]", NULL);
	refused (f, "in 'rootfs-diff.tar': member 'usr/bin/ping': a file with capabilities");
}

static void
podman_deleted_files_dotdot_refused (void **state)
{
	struct fx *f = *state;
	start_podman (f);
	stage_export (f, normal_layer, 1, "[\"/etc/motd\", \"../../../../tmp/x\"]", NULL);
	refused (f, "member 'deleted.files' holds entry '../../../../tmp/x', which is not a clean path");
}

static void
podman_deleted_files_hidden_dotdot_refused (void **state)
{
	struct fx *f = *state;
	start_podman (f);
	stage_export (f, normal_layer, 1, "[\"/var/lib/../../../../../home\"]", NULL);
	refused (f, "entry '/var/lib/../../../../../home'");
}

static void
podman_deleted_files_double_slash_refused (void **state)
{
	struct fx *f = *state;
	start_podman (f);
	stage_export (f, normal_layer, 1, "[\"//etc\"]", NULL);
	refused (f, "entry '//etc'");
}

static void
podman_deleted_files_nul_refused (void **state)
{
	struct fx *f = *state;
	start_podman (f);
	stage_export (f, normal_layer, 1, "[\"/etc/motd\\u0000/../../x\"]", NULL);
	refused (f, "with a NUL byte");
}

static void
podman_deleted_files_not_json_refused (void **state)
{
	struct fx *f = *state;
	start_podman (f);
	stage_export (f, normal_layer, 1, "../../../../tmp/x\n", NULL);
	refused (f, "member 'deleted.files' is not JSON list");
}

static void
podman_extra_bind_mount_refused (void **state)
{
	struct fx *f = *state;
	start_podman (f);
	stage_export (f, normal_layer, 1, "[]",
	              "{\"destination\": \"/host\", \"type\": \"bind\", \"source\": \"/\", \"options\": [\"rbind\", "
	              "\"rw\"]}");
	refused (f, "member 'spec.dump' binds '/' at '/host', which the container did not have");
}

/* A source the container had, at another place, or by "rbind" options only. */
static void
podman_bind_moved_refused (void **state)
{
	struct fx *f = *state;
	start_podman (f);
	stage_export (f, normal_layer, 1, "[]",
	              "{\"destination\": \"/etc/cron.d\", \"type\": \"none\", \"source\": \"" VOLUME
	              "\", \"options\": [\"rbind\"]}");
	refused (f, "binds '" VOLUME "' at '/etc/cron.d'");
}

static void
podman_bind_through_own_folder_refused (void **state)
{
	struct fx *f = *state;
	start_podman (f);
	stage_export (f, normal_layer, 1, "[]",
	              "{\"destination\": \"/x\", \"type\": \"bind\", \"source\": \"" STATIC
	              "/../../../../../../etc\"}");
	refused (f, "member 'spec.dump' binds");
}

static void
podman_outer_dotdot_refused (void **state)
{
	struct fx *f = *state;
	const struct ent e[] = {{.name = "spec.dump", .data = "{}"}, {.name = "../../tmp/x", .data = "evil"}};
	start_podman (f);
	stage (f, "checkpoint.tar", e, 2);
	refused (f, "refusing snapshot member 'checkpoint.tar': member '../../tmp/x': a '..' component");
}

static void
podman_outer_absolute_refused (void **state)
{
	struct fx *f = *state;
	const struct ent e[] = {{.name = "/etc/cron.d/x", .data = "* * * * * root sh"}};
	start_podman (f);
	stage (f, "checkpoint.tar", e, 1);
	refused (f, "member '/etc/cron.d/x': an absolute name");
}

static void
podman_outer_symlink_then_file_refused (void **state)
{
	struct fx *f = *state;
	const struct ent e[] = {{.name = "checkpoint", .type = AE_IFLNK, .data = "/etc"},
	                        {.name = "checkpoint/cron.d/x", .data = "evil"}};
	start_podman (f);
	stage (f, "checkpoint.tar", e, 2);
	refused (f, "member 'checkpoint/cron.d/x': it lies under the symlink 'checkpoint'");
}

static void
podman_volume_device_refused (void **state)
{
	struct fx *f = *state;
	size_t vsize;
	const struct ent vol[] = {{.name = "kmem", .type = AE_IFCHR, .maj = 1, .min = 2}};
	char *v = tar_of (vol, 1, &vsize);
	const struct ent e[] = {{.name = "volumes/data.tar", .type = AE_IFREG, .data = v, .len = vsize}};
	start_podman (f);
	stage (f, "checkpoint.tar", e, 1);
	free (v);
	refused (f, "in 'volumes/data.tar': member 'kmem': a character device 1:2");
}

static void
podman_nested_not_a_tar_refused (void **state)
{
	struct fx *f = *state;
	const struct ent e[] = {{.name = "rootfs-diff.tar", .data = "not a tar at all, just some bytes"}};
	start_podman (f);
	stage (f, "checkpoint.tar", e, 1);
	refused (f, "'rootfs-diff.tar'");
}

/* What dmig reads must be what Podman reads: a link in the place of a file
 * it reads would hand Podman another one, unchecked. */
static void
podman_read_member_as_link_refused (void **state)
{
	struct fx *f = *state;
	size_t lsize;
	const struct ent evil[] = {{.name = "sh", .perm = 04755, .data = "x"}};
	char *l = tar_of (evil, 1, &lsize);
	const struct ent hard_spec[] = {
	    {.name = "x.json",
	     .data = "{\"mounts\": [{\"destination\": \"/host\", \"type\": \"bind\", \"source\": \"/\"}]}"},
	    {.name = "spec.dump", .type = HARDLINK, .data = "x.json"}};
	const struct ent sym_layer[] = {{.name = "evil.tar", .type = AE_IFREG, .data = l, .len = lsize},
	                                {.name = "rootfs-diff.tar", .type = AE_IFLNK, .data = "evil.tar"}};
	const struct ent hard_volume[] = {{.name = "evil.tar", .type = AE_IFREG, .data = l, .len = lsize},
	                                  {.name = "volumes/data.tar", .type = HARDLINK, .data = "evil.tar"}};

	start_podman (f);
	stage (f, "checkpoint.tar", hard_spec, 2);
	refused (f, "member 'spec.dump': a hard link where a file is read");
	json_object_put (f->manifest);
	dmig_fs_rm_rf (f->staging, NULL);
	mkdir (f->staging, 0700);
	start_podman (f);
	stage (f, "checkpoint.tar", sym_layer, 2);
	refused (f, "member 'rootfs-diff.tar': not a plain file, where one is read");
	json_object_put (f->manifest);
	dmig_fs_rm_rf (f->staging, NULL);
	mkdir (f->staging, 0700);
	start_podman (f);
	stage (f, "checkpoint.tar", hard_volume, 2);
	refused (f, "member 'volumes/data.tar': a hard link where a file is read");
	free (l);
}

/* /dev/shm's content (devshm-checkpoint.tar) is unpacked by the import as
 * the layer is: read as one. */
static void
podman_devshm_checked (void **state)
{
	struct fx *f = *state;
	size_t size;
	const struct ent shm[] = {{.name = ".", .type = AE_IFDIR, .perm = 01777},
	                          {.name = "sem.x", .perm = 04755, .data = "x"}};
	char *t = tar_of (shm, 2, &size);
	const struct ent e[] = {{.name = "devshm-checkpoint.tar", .type = AE_IFREG, .data = t, .len = size}};

	start_podman (f);
	stage (f, "checkpoint.tar", e, 1);
	free (t);
	refused (f, "in 'devshm-checkpoint.tar': member 'sem.x': a setuid file");
}

/* What the import obeys, read through the bundle: spec.dump and config.dump
 * that give the container more than its config are refused, by name. */
static void
podman_spec_widening_refused (void **state)
{
	struct fx *f = *state;
	char *conf = fixture ("config.dump"), *text = fixture ("spec.dump");
	json_object *spec = json_tokener_parse (text);

	json_object_array_add (
	    json_object_object_get (json_object_object_get (json_object_object_get (spec, "process"), "capabilities"),
	                            "bounding"),
	    json_object_new_string ("CAP_SYS_ADMIN"));
	start_podman (f);
	stage_docs (f, normal_layer, 1, "[]", json_object_to_json_string (spec), conf);
	refused (f, "refusing snapshot member 'checkpoint.tar': member 'spec.dump' gives the process CAP_SYS_ADMIN "
	            "(bounding), which the container's config does not");
	json_object_put (spec);
	free (conf);
	free (text);
}

static void
podman_config_widening_refused (void **state)
{
	struct fx *f = *state;
	char *text = fixture ("config.dump"), *spec = spec_with (NULL);
	json_object *conf = json_tokener_parse (text);

	json_object_object_add (conf, "rootfs", json_object_new_string ("/"));
	start_podman (f);
	stage_docs (f, normal_layer, 1, "[]", spec, json_object_to_json_string (conf));
	refused (f, "refusing snapshot member 'checkpoint.tar': member 'config.dump' runs the host folder '/' as the "
	            "container's root");
	json_object_put (conf);
	free (text);
	free (spec);
}

/* Without either, it is no export of Podman: nothing to hold its import to. */
static void
podman_export_without_spec_refused (void **state)
{
	struct fx *f = *state;
	char *conf = fixture ("config.dump"), *spec = spec_with (NULL);

	start_podman (f);
	stage_docs (f, normal_layer, 1, "[]", NULL, conf);
	refused (f, "refusing snapshot member 'checkpoint.tar': it holds no 'spec.dump': not an export of Podman");
	json_object_put (f->manifest);
	dmig_fs_rm_rf (f->staging, NULL);
	mkdir (f->staging, 0700);
	start_podman (f);
	stage_docs (f, normal_layer, 1, "[]", spec, NULL);
	refused (f, "it holds no 'config.dump'");
	free (conf);
	free (spec);
}

int
main (void)
{
#define T(x) cmocka_unit_test_setup_teardown (x, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T (docker_normal_layer_passes),
	    T (docker_block_device_refused),
	    T (docker_char_device_refused),
	    T (docker_setuid_root_refused),
	    T (docker_setgid_refused),
	    T (docker_file_capability_refused),
	    T (docker_volume_setuid_refused),
	    T (docker_checkpoint_device_refused),
	    T (docker_privileged_may),
	    T (docker_declared_may),
	    T (docker_cap_other_than_declared_refused),
	    T (extraction_refuses_setuid),
	    T (podman_normal_export_passes),
	    T (podman_symlink_then_file_refused),
	    T (podman_file_over_symlink_refused),
	    T (podman_layer_dotdot_refused),
	    T (podman_layer_hardlink_out_refused),
	    T (podman_layer_device_refused),
	    T (podman_layer_setuid_refused),
	    T (podman_layer_file_capability_refused),
	    T (podman_deleted_files_dotdot_refused),
	    T (podman_deleted_files_hidden_dotdot_refused),
	    T (podman_deleted_files_double_slash_refused),
	    T (podman_deleted_files_nul_refused),
	    T (podman_deleted_files_not_json_refused),
	    T (podman_extra_bind_mount_refused),
	    T (podman_bind_moved_refused),
	    T (podman_bind_through_own_folder_refused),
	    T (podman_outer_dotdot_refused),
	    T (podman_outer_absolute_refused),
	    T (podman_outer_symlink_then_file_refused),
	    T (podman_volume_device_refused),
	    T (podman_nested_not_a_tar_refused),
	    T (podman_read_member_as_link_refused),
	    T (podman_devshm_checked),
	    T (podman_spec_widening_refused),
	    T (podman_config_widening_refused),
	    T (podman_export_without_spec_refused),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
