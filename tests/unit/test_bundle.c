// WRAP: dmig_fs_free_bytes
/* Bundles: round trip, and every kind of damaged or hostile input refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "archive_io.h"
#include "bundle.h"
#include "fs.h"
#include "json.h"

/* The free space dmig sees, when a test sets it (else the real one). */
static int64_t fake_free = -1;
int __real_dmig_fs_free_bytes (const char *path, uint64_t *out, dmig_error_t *err);
int __wrap_dmig_fs_free_bytes (const char *path, uint64_t *out, dmig_error_t *err);
int
__wrap_dmig_fs_free_bytes (const char *path, uint64_t *out, dmig_error_t *err)
{
	if (fake_free < 0)
		return __real_dmig_fs_free_bytes (path, out, err);
	*out = (uint64_t)fake_free;
	return 0;
}

struct fx {
	char dir[64];
	char staging[PATH_MAX];
	char out[PATH_MAX];
	char bundle[PATH_MAX];
};

static int
setup (void **state)
{
	struct fx *f = calloc (1, sizeof (*f));
	snprintf (f->dir, sizeof (f->dir), "/tmp/dmig-unit-XXXXXX");
	assert_non_null (mkdtemp (f->dir));
	snprintf (f->staging, sizeof (f->staging), "%s/staging", f->dir);
	snprintf (f->out, sizeof (f->out), "%s/out", f->dir);
	snprintf (f->bundle, sizeof (f->bundle), "%s/snap.dmig", f->dir);
	assert_int_equal (mkdir (f->staging, 0700), 0);
	assert_int_equal (mkdir (f->out, 0700), 0);
	*state = f;
	return 0;
}

static int
teardown (void **state)
{
	struct fx *f = *state;
	dmig_fs_rm_rf (f->dir, NULL);
	free (f);
	return 0;
}

static void
write_file (const char *path, const char *text)
{
	FILE *fp = fopen (path, "w");
	assert_non_null (fp);
	fputs (text, fp);
	fclose (fp);
}

static char *
read_file (const char *path)
{
	static char buf[4096];
	FILE *fp = fopen (path, "r");
	size_t n;
	if (fp == NULL)
		return NULL;
	n = fread (buf, 1, sizeof (buf) - 1, fp);
	buf[n] = '\0';
	fclose (fp);
	return buf;
}

/* Stage a member with the given content. */
static void
stage (struct dmig_members *ms, const char *staging, const char *name, const char *text)
{
	struct dmig_sink sink;
	dmig_error_t err = NULL;
	assert_int_equal (dmig_bundle_member_begin (staging, name, &sink, &err), 0);
	assert_int_equal (write (sink.fd, text, strlen (text)), (ssize_t)strlen (text));
	dmig_digest_update (sink.digest, text, strlen (text));
	sink.bytes = strlen (text);
	assert_int_equal (dmig_bundle_member_end (ms, name, &sink, true, &err), 0);
}

static json_object *
manifest (void)
{
	json_object *m = json_object_new_object ();
	json_object_object_add (m, "format", json_object_new_int (DMIG_BUNDLE_FORMAT));
	json_object_object_add (m, "container", json_object_new_string ("web"));
	return m;
}

static void
make_bundle (struct fx *f)
{
	struct dmig_members ms = {0};
	dmig_error_t err = NULL;
	json_object *m = manifest ();
	stage (&ms, f->staging, "checkpoint.tar", "memory pages");
	stage (&ms, f->staging, "rootfs.tar", "files");
	stage (&ms, f->staging, "volumes/data.tar", "volume");
	assert_int_equal (dmig_bundle_write (f->bundle, m, f->staging, &ms, NULL, &err), 0);
	json_object_put (m);
	dmig_fs_rm_rf (f->staging, NULL);
	mkdir (f->staging, 0700);
}

static void
round_trip (void **state)
{
	struct fx *f = *state;
	dmig_error_t err = NULL;
	json_object *m = NULL;
	char p[PATH_MAX + 32];
	struct stat st;

	make_bundle (f);
	assert_int_equal (stat (f->bundle, &st), 0);
	assert_int_equal (st.st_mode & 0777, 0600);
	assert_int_equal (dmig_bundle_read_manifest (f->bundle, &m, NULL, &err), 0);
	assert_string_equal (dmig_json_str (m, "container"), "web");
	assert_int_equal (json_object_array_length (dmig_json_get (m, "members")), 3);
	json_object_put (m);
	assert_int_equal (dmig_bundle_unpack (f->bundle, f->staging, &m, NULL, &err), 0);
	json_object_put (m);
	snprintf (p, sizeof (p), "%s/volumes/data.tar", f->staging);
	assert_string_equal (read_file (p), "volume");
	snprintf (p, sizeof (p), "%s/checkpoint.tar", f->staging);
	assert_string_equal (read_file (p), "memory pages");
	assert_int_equal (stat (p, &st), 0);
	assert_int_equal (st.st_mode & 0777, 0600);
}

static void
never_overwrites (void **state)
{
	struct fx *f = *state;
	struct dmig_members ms = {0};
	dmig_error_t err = NULL;
	json_object *m = manifest ();

	make_bundle (f);
	stage (&ms, f->staging, "checkpoint.tar", "other");
	assert_int_equal (dmig_bundle_write (f->bundle, m, f->staging, &ms, NULL, &err), -1);
	assert_non_null (strstr (err->msg, "exists"));
	dmig_error_release (&err);
	json_object_put (m);
	assert_int_equal (dmig_bundle_read_manifest (f->bundle, &m, NULL, &err), 0);
	assert_int_equal (json_object_array_length (dmig_json_get (m, "members")), 3);
	json_object_put (m);
}

/* Decompress the bundle to a plain tar, so single bytes can be flipped
 * inside a member (a flip in the zstd stream is caught by zstd itself). */
static void
rewrite_plain (struct fx *f, void (*edit) (char *buf, size_t *len))
{
	char cmd[3 * PATH_MAX];
	static char buf[1 << 20];
	size_t len;
	FILE *fp;

	snprintf (cmd, sizeof (cmd), "zstd -q -d -c '%s'", f->bundle);
	fp = popen (cmd, "r");
	assert_non_null (fp);
	len = fread (buf, 1, sizeof (buf), fp);
	pclose (fp);
	assert_true (len > 0);
	edit (buf, &len);
	fp = fopen (f->bundle, "w");
	assert_non_null (fp);
	assert_int_equal (fwrite (buf, 1, len, fp), len);
	fclose (fp);
}

static void
flip_member_byte (char *buf, size_t *len)
{
	char *p = memmem (buf, *len, "memory pages", 12);
	assert_non_null (p);
	p[3] ^= 0x20;
}

static void
truncate_half (char *buf, size_t *len)
{
	(void)buf;
	*len = *len / 2;
}

static void
expect_unpack_fails (struct fx *f, const char *why)
{
	dmig_error_t err = NULL;
	json_object *m = NULL;
	assert_int_equal (dmig_bundle_unpack (f->bundle, f->staging, &m, NULL, &err), -1);
	assert_null (m);
	assert_non_null (err);
	if (strstr (err->msg, why) == NULL)
		fail_msg ("'%s' does not say '%s'", err->msg, why);
	dmig_error_release (&err);
}

static void
bit_flip_refused (void **state)
{
	struct fx *f = *state;
	make_bundle (f);
	rewrite_plain (f, flip_member_byte);
	expect_unpack_fails (f, "does not match its checksum");
}

static void
truncation_refused (void **state)
{
	struct fx *f = *state;
	make_bundle (f);
	rewrite_plain (f, truncate_half);
	expect_unpack_fails (f, "");
}

static void
truncated_zstd_refused (void **state)
{
	struct fx *f = *state;
	struct stat st;
	make_bundle (f);
	assert_int_equal (stat (f->bundle, &st), 0);
	assert_int_equal (truncate (f->bundle, st.st_size - 20), 0);
	expect_unpack_fails (f, "");
}

/* Write a plain tar with the given entries: name, content or link target, type. */
struct ent {
	const char *name;
	const char *data;
	int type; /* AE_IFREG, AE_IFLNK, AE_IFDIR, or 0 for a hard link */
};

static void
write_tar (const char *path, const struct ent *ents, size_t n)
{
	struct archive *a = archive_write_new ();
	archive_write_set_format_pax_restricted (a);
	assert_int_equal (archive_write_open_filename (a, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new ();
		archive_entry_set_pathname (e, ents[i].name);
		archive_entry_set_perm (e, 0644);
		if (ents[i].type == 0) {
			archive_entry_set_filetype (e, AE_IFREG);
			archive_entry_set_hardlink (e, ents[i].data);
		} else if (ents[i].type == AE_IFLNK) {
			archive_entry_set_filetype (e, AE_IFLNK);
			archive_entry_set_symlink (e, ents[i].data);
		} else {
			archive_entry_set_filetype (e, ents[i].type);
			if (ents[i].type == AE_IFREG)
				archive_entry_set_size (e, (la_int64_t)strlen (ents[i].data));
		}
		assert_true (archive_write_header (a, e) >= ARCHIVE_WARN);
		if (ents[i].type == AE_IFREG)
			archive_write_data (a, ents[i].data, strlen (ents[i].data));
		archive_entry_free (e);
	}
	archive_write_close (a);
	archive_write_free (a);
}

static int
extract (struct fx *f, const struct ent *ents, size_t n, dmig_error_t *err)
{
	char tar[PATH_MAX + 16];
	int fd, r;
	snprintf (tar, sizeof (tar), "%s/in.tar", f->dir);
	write_tar (tar, ents, n);
	fd = open (tar, O_RDONLY);
	assert_true (fd >= 0);
	r = dmig_archive_extract (fd, f->out, NULL, err);
	close (fd);
	return r;
}

static void
expect_refused (struct fx *f, const struct ent *ents, size_t n, const char *outside)
{
	dmig_error_t err = NULL;
	struct stat st;
	char cwd[PATH_MAX], cwd2[PATH_MAX];

	assert_non_null (getcwd (cwd, sizeof (cwd)));
	assert_int_equal (extract (f, ents, n, &err), -1);
	assert_non_null (err);
	dmig_error_release (&err);
	if (outside)
		assert_int_equal (lstat (outside, &st), -1);
	/* the working directory is given back */
	assert_non_null (getcwd (cwd2, sizeof (cwd2)));
	assert_string_equal (cwd, cwd2);
}

static void
hostile_dotdot (void **state)
{
	struct fx *f = *state;
	char outside[PATH_MAX + 16];
	snprintf (outside, sizeof (outside), "%s/escaped", f->dir);
	const struct ent e[] = {{"ok", "fine", AE_IFREG}, {"../escaped", "evil", AE_IFREG}};
	expect_refused (f, e, 2, outside);
	const struct ent e2[] = {{"a/../../escaped", "evil", AE_IFREG}};
	expect_refused (f, e2, 1, outside);
}

static void
hostile_absolute (void **state)
{
	struct fx *f = *state;
	char abs[PATH_MAX + 16];
	snprintf (abs, sizeof (abs), "%s/abs-escaped", f->dir);
	const struct ent e[] = {{abs, "evil", AE_IFREG}};
	expect_refused (f, e, 1, abs);
}

static void
hostile_hardlink_out (void **state)
{
	struct fx *f = *state;
	char target[PATH_MAX + 16], abs[PATH_MAX + 16], linked[PATH_MAX + 16];
	struct stat st;
	snprintf (target, sizeof (target), "%s/secret", f->dir);
	write_file (target, "secret");
	snprintf (abs, sizeof (abs), "%s", target);
	const struct ent e[] = {{"link", "../secret", 0}};
	expect_refused (f, e, 1, NULL);
	const struct ent e2[] = {{"link", abs, 0}};
	expect_refused (f, e2, 1, NULL);
	snprintf (linked, sizeof (linked), "%s/link", f->out);
	assert_int_equal (lstat (linked, &st), -1);
	assert_int_equal (lstat (target, &st), 0);
	assert_int_equal (st.st_nlink, 1);
}

static void
hostile_write_through_symlink (void **state)
{
	struct fx *f = *state;
	char victim[PATH_MAX + 16];
	snprintf (victim, sizeof (victim), "%s/victim", f->dir);
	mkdir (victim, 0700);
	/* a symlink to a folder outside, then a file written "inside" it */
	const struct ent e[] = {{"dir", victim, AE_IFLNK}, {"dir/planted", "evil", AE_IFREG}};
	char planted[PATH_MAX + 32];
	snprintf (planted, sizeof (planted), "%s/planted", victim);
	expect_refused (f, e, 2, planted);
}

static void
symlinks_kept_not_followed (void **state)
{
	struct fx *f = *state;
	dmig_error_t err = NULL;
	char p[PATH_MAX + 16], t[PATH_MAX];
	ssize_t n;
	/* absolute targets resolve inside the container: stored as they are */
	const struct ent e[] = {{"etc", "", AE_IFDIR},
	                        {"etc/localtime", "/usr/share/zoneinfo/UTC", AE_IFLNK},
	                        {"etc/hosts", "127.0.0.1 localhost\n", AE_IFREG}};
	assert_int_equal (extract (f, e, 3, &err), 0);
	snprintf (p, sizeof (p), "%s/etc/localtime", f->out);
	n = readlink (p, t, sizeof (t) - 1);
	assert_true (n > 0);
	t[n] = '\0';
	assert_string_equal (t, "/usr/share/zoneinfo/UTC");
	snprintf (p, sizeof (p), "%s/etc/hosts", f->out);
	assert_string_equal (read_file (p), "127.0.0.1 localhost\n");
}

/* A write that fails (a full file system) fails the extraction: libarchive
 * only warns, and would pad the file with zeros to its size. The full file
 * system is a small tmpfs in a mount namespace of a child's own (root:
 * skipped without). */
static void
full_disk_fails_the_extraction (void **state)
{
	struct fx *f = *state;
	char tar[PATH_MAX + 16], *big = malloc (1 << 20);
	int status;
	pid_t pid;

	assert_non_null (big);
	memset (big, 'x', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	const struct ent e[] = {{"big", big, AE_IFREG}};
	snprintf (tar, sizeof (tar), "%s/in.tar", f->dir);
	write_tar (tar, e, 1);
	free (big);
	fflush (NULL);
	pid = fork ();
	assert_true (pid >= 0);
	if (pid == 0) {
		dmig_error_t err = NULL;
		int fd, r, ok;
		/* private first: the tmpfs must not show in the parent's mounts */
		if (unshare (CLONE_NEWNS) < 0 || mount ("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0
		    || mount ("tmpfs", f->out, "tmpfs", 0, "size=64k") < 0)
			_exit (77);
		fd = open (tar, O_RDONLY);
		r = fd < 0 ? 0 : dmig_archive_extract (fd, f->out, NULL, &err);
		ok = r < 0 && err != NULL && strstr (err->msg, "No space left on device") != NULL;
		if (!ok)
			fprintf (stderr, "extract returned %d: %s\n", r, err ? err->msg : "(no error)");
		dmig_error_release (&err);
		if (fd >= 0)
			close (fd);
		_exit (ok ? 0 : 1);
	}
	assert_int_equal (waitpid (pid, &status, 0), pid);
	if (WIFEXITED (status) && WEXITSTATUS (status) == 77)
		skip ();
	assert_true (WIFEXITED (status));
	assert_int_equal (WEXITSTATUS (status), 0);
}

/* A bundle whose outer entries are hostile or unexpected. */
static void
write_outer (struct fx *f, const struct ent *ents, size_t n, bool with_manifest)
{
	struct archive *a = archive_write_new ();
	json_object *m = manifest (), *list = json_object_new_array ();
	const char *text;
	archive_write_add_filter_zstd (a);
	archive_write_set_format_pax_restricted (a);
	assert_int_equal (archive_write_open_filename (a, f->bundle), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		json_object *mm = json_object_new_object ();
		json_object_object_add (mm, "name", json_object_new_string (ents[i].name));
		json_object_object_add (mm, "size", json_object_new_int64 ((int64_t)strlen (ents[i].data)));
		json_object_object_add (
		    mm, "sha256",
		    json_object_new_string ("0000000000000000000000000000000000000000000000000000000000000000"));
		json_object_array_add (list, mm);
	}
	json_object_object_add (m, "members", list);
	text = json_object_to_json_string (m);
	struct ent all[16];
	size_t k = 0;
	if (with_manifest)
		all[k++] = (struct ent){"manifest.json", text, AE_IFREG};
	for (size_t i = 0; i < n; i++)
		all[k++] = ents[i];
	for (size_t i = 0; i < k; i++) {
		struct archive_entry *e = archive_entry_new ();
		archive_entry_set_pathname (e, all[i].name);
		archive_entry_set_perm (e, 0600);
		if (all[i].type == AE_IFLNK) {
			archive_entry_set_filetype (e, AE_IFLNK);
			archive_entry_set_symlink (e, all[i].data);
		} else {
			archive_entry_set_filetype (e, AE_IFREG);
			archive_entry_set_size (e, (la_int64_t)strlen (all[i].data));
		}
		archive_write_header (a, e);
		if (all[i].type != AE_IFLNK)
			archive_write_data (a, all[i].data, strlen (all[i].data));
		archive_entry_free (e);
	}
	archive_write_close (a);
	archive_write_free (a);
	json_object_put (m);
}

static void
outer_hostile_names (void **state)
{
	struct fx *f = *state;
	const struct ent e1[] = {{"../escape.tar", "x", AE_IFREG}};
	write_outer (f, e1, 1, true);
	expect_unpack_fails (f, "unexpected entry");
	const struct ent e2[] = {{"/tmp/abs.tar", "x", AE_IFREG}};
	write_outer (f, e2, 1, true);
	expect_unpack_fails (f, "unexpected entry");
	const struct ent e3[] = {{"volumes/../../x.tar", "x", AE_IFREG}};
	write_outer (f, e3, 1, true);
	expect_unpack_fails (f, "unexpected entry");
	const struct ent e4[] = {{"checkpoint.tar", "/etc/passwd", AE_IFLNK}};
	write_outer (f, e4, 1, true);
	expect_unpack_fails (f, "unexpected entry");
}

static void
outer_no_manifest (void **state)
{
	struct fx *f = *state;
	const struct ent e[] = {{"checkpoint.tar", "x", AE_IFREG}};
	write_outer (f, e, 1, false);
	expect_unpack_fails (f, "no manifest first");
	write_file (f->bundle, "not a bundle at all");
	expect_unpack_fails (f, "");
}

static void
outer_duplicate_member (void **state)
{
	struct fx *f = *state;
	const struct ent e[] = {{"checkpoint.tar", "x", AE_IFREG}, {"checkpoint.tar", "y", AE_IFREG}};
	write_outer (f, e, 2, true);
	expect_unpack_fails (f, ""); /* checksum or duplicate: refused either way */
}

/* A fifo, a folder or a symlink where a bundle should be: refused at
 * once, never read (a fifo's open would wait for a writer forever). */
static void
not_a_regular_file (void **state)
{
	struct fx *f = *state;
	dmig_error_t err = NULL;
	json_object *m = NULL;
	char link[PATH_MAX + 16];

	alarm (10); /* a wait on the fifo ends the test, failed */
	assert_int_equal (mkfifo (f->bundle, 0600), 0);
	assert_int_equal (dmig_bundle_read_manifest (f->bundle, &m, NULL, &err), -1);
	assert_null (m);
	assert_non_null (strstr (err->msg, "is not a regular file (a fifo)"));
	dmig_error_release (&err);
	expect_unpack_fails (f, "is not a regular file (a fifo)");
	assert_int_equal (unlink (f->bundle), 0);
	assert_int_equal (mkdir (f->bundle, 0700), 0);
	assert_int_equal (dmig_bundle_read_manifest (f->bundle, &m, NULL, &err), -1);
	assert_non_null (strstr (err->msg, "is not a regular file (a folder)"));
	dmig_error_release (&err);
	assert_int_equal (rmdir (f->bundle), 0);
	/* a symlink, even to a good bundle */
	make_bundle (f);
	snprintf (link, sizeof (link), "%s/link.dmig", f->dir);
	assert_int_equal (symlink (f->bundle, link), 0);
	assert_int_equal (dmig_bundle_read_manifest (link, &m, NULL, &err), -1);
	assert_non_null (strstr (err->msg, "is not a regular file (a symlink)"));
	dmig_error_release (&err);
	assert_int_equal (dmig_bundle_unpack (link, f->staging, &m, NULL, &err), -1);
	dmig_error_release (&err);
	/* a staged member too */
	snprintf (link, sizeof (link), "%s/checkpoint.tar", f->staging);
	assert_int_equal (mkfifo (link, 0600), 0);
	assert_int_equal (dmig_bundle_member_open (f->staging, "checkpoint.tar", &err), -1);
	assert_non_null (strstr (err->msg, "(a fifo)"));
	dmig_error_release (&err);
	alarm (0);
}

/* A bundle whose members need more room than staging's file system has
 * is refused (exit 3, MiB figures) before any member is written. */
static void
no_room_to_unpack (void **state)
{
	struct fx *f = *state;
	struct dmig_members ms = {0};
	dmig_error_t err = NULL;
	json_object *m = manifest ();
	char *big = malloc (3 << 20);

	assert_non_null (big);
	memset (big, 'x', (3 << 20) - 64);
	big[(3 << 20) - 64] = '\0';
	stage (&ms, f->staging, "checkpoint.tar", "memory pages");
	stage (&ms, f->staging, "rootfs.tar", big);
	free (big);
	assert_int_equal (dmig_bundle_write (f->bundle, m, f->staging, &ms, NULL, &err), 0);
	json_object_put (m);
	m = NULL;
	dmig_fs_rm_rf (f->staging, NULL);
	mkdir (f->staging, 0700);
	fake_free = 1 << 20;
	assert_int_equal (dmig_bundle_unpack (f->bundle, f->staging, &m, NULL, &err), -1);
	fake_free = -1;
	assert_null (m);
	assert_int_equal (err->status, DMIG_EPREFLIGHT);
	if (strstr (err->msg, "not enough free space in ") == NULL
	    || strstr (err->msg, ": 1 MiB free, at least 3 MiB needed") == NULL || strstr (err->msg, f->bundle) == NULL)
		fail_msg ("'%s'", err->msg);
	dmig_error_release (&err);
	/* nothing written */
	assert_int_equal (rmdir (f->staging), 0);
	mkdir (f->staging, 0700);
	/* with room for it, it unpacks */
	fake_free = 3 << 20;
	assert_int_equal (dmig_bundle_unpack (f->bundle, f->staging, &m, NULL, &err), 0);
	fake_free = -1;
	json_object_put (m);
}

static void
member_names (void **state)
{
	(void)state;
	assert_true (dmig_bundle_member_name_ok ("checkpoint.tar"));
	assert_true (dmig_bundle_member_name_ok ("rootfs.tar"));
	assert_true (dmig_bundle_member_name_ok ("volumes/pg-data.tar"));
	assert_false (dmig_bundle_member_name_ok ("volumes/.tar"));
	assert_false (dmig_bundle_member_name_ok ("volumes/../x.tar"));
	assert_false (dmig_bundle_member_name_ok ("volumes/a/b.tar"));
	assert_false (dmig_bundle_member_name_ok ("manifest.json"));
	assert_false (dmig_bundle_member_name_ok ("/checkpoint.tar"));
	assert_false (dmig_bundle_member_name_ok (NULL));
}

/* pack_dir keeps whiteouts, opaque markers and symlinks; drops origin xattrs. */
static void
pack_overlay_layer (void **state)
{
	struct fx *f = *state;
	char up[PATH_MAX + 16], p[PATH_MAX + 64], tar[PATH_MAX + 16], v[64];
	struct dmig_sink sink = {0};
	dmig_error_t err = NULL;
	struct stat st;
	int fd;

	if (geteuid () != 0)
		skip (); /* whiteouts (mknod) and trusted.* xattrs need root */
	snprintf (up, sizeof (up), "%s/upper", f->dir);
	mkdir (up, 0755);
	snprintf (p, sizeof (p), "%s/gone", up);
	assert_int_equal (mknod (p, S_IFCHR | 0000, 0), 0);
	snprintf (p, sizeof (p), "%s/opq", up);
	mkdir (p, 0755);
	assert_int_equal (setxattr (p, "trusted.overlay.opaque", "y", 1, 0), 0);
	assert_int_equal (setxattr (p, "trusted.overlay.origin", "host-specific", 13, 0), 0);
	snprintf (p, sizeof (p), "%s/opq/file", up);
	write_file (p, "data");
	snprintf (p, sizeof (p), "%s/abslink", up);
	assert_int_equal (symlink ("/etc/passwd", p), 0);

	snprintf (tar, sizeof (tar), "%s/layer.tar", f->dir);
	sink.fd = open (tar, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal (dmig_archive_pack_dir (up, DMIG_PACK_LAYER, &sink, &err), 0);
	close (sink.fd);
	assert_true (sink.bytes > 0);

	fd = open (tar, O_RDONLY);
	assert_int_equal (dmig_archive_extract (fd, f->out, NULL, &err), 0);
	close (fd);
	snprintf (p, sizeof (p), "%s/gone", f->out);
	assert_int_equal (lstat (p, &st), 0);
	assert_true (S_ISCHR (st.st_mode));
	assert_int_equal (st.st_rdev, 0);
	snprintf (p, sizeof (p), "%s/opq", f->out);
	assert_int_equal (getxattr (p, "trusted.overlay.opaque", v, sizeof (v)), 1);
	assert_int_equal (getxattr (p, "trusted.overlay.origin", v, sizeof (v)), -1);
	snprintf (p, sizeof (p), "%s/opq/file", f->out);
	assert_string_equal (read_file (p), "data");
	snprintf (p, sizeof (p), "%s/abslink", f->out);
	assert_int_equal (lstat (p, &st), 0);
	assert_true (S_ISLNK (st.st_mode));
}

/* A volume's tree: its root folder's owner and mode go with it; a socket file
 * (e.g. PostgreSQL's in /run/postgresql) is left out instead of failing the
 * pack, in every mode. */
static void
pack_tree_root_and_socket (void **state)
{
	struct fx *f = *state;
	char vol[PATH_MAX + 16], p[PATH_MAX + 64], tar[PATH_MAX + 16];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	enum dmig_pack_mode modes[] = {DMIG_PACK_TREE, DMIG_PACK_FILES, DMIG_PACK_LAYER};
	dmig_error_t err = NULL;
	struct stat st;
	int fd, sk;

	snprintf (vol, sizeof (vol), "%s/vol", f->dir);
	assert_int_equal (mkdir (vol, 0700), 0);
	assert_int_equal (chmod (vol, 0700), 0);
	snprintf (p, sizeof (p), "%s/data", vol);
	write_file (p, "rows");
	sk = socket (AF_UNIX, SOCK_STREAM, 0);
	assert_true (sk >= 0);
	assert_true ((size_t)snprintf (sa.sun_path, sizeof (sa.sun_path), "%s/.s.PGSQL.5432", vol)
	             < sizeof (sa.sun_path));
	assert_int_equal (bind (sk, (struct sockaddr *)&sa, sizeof (sa)), 0);
	if (geteuid () == 0)
		assert_int_equal (chown (vol, 100, 101), 0);

	for (size_t i = 0; i < sizeof (modes) / sizeof (modes[0]); i++) {
		struct dmig_sink sink = {0};
		char out[PATH_MAX + 32];

		snprintf (tar, sizeof (tar), "%s/vol-%zu.tar", f->dir, i);
		sink.fd = open (tar, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		assert_int_equal (dmig_archive_pack_dir (vol, modes[i], &sink, &err), 0);
		close (sink.fd);
		snprintf (out, sizeof (out), "%s/x%zu", f->out, i);
		assert_int_equal (mkdir (out, 0755), 0);
		assert_int_equal (chmod (out, 0755), 0);
		fd = open (tar, O_RDONLY);
		assert_int_equal (dmig_archive_extract (fd, out, NULL, &err), 0);
		close (fd);
		snprintf (p, sizeof (p), "%s/data", out);
		assert_string_equal (read_file (p), "rows");
		snprintf (p, sizeof (p), "%s/.s.PGSQL.5432", out);
		assert_int_equal (lstat (p, &st), -1);
		assert_int_equal (stat (out, &st), 0);
		if (modes[i] == DMIG_PACK_TREE) {
			assert_int_equal (st.st_mode & 07777, 0700);
			if (geteuid () == 0) {
				assert_int_equal (st.st_uid, 100);
				assert_int_equal (st.st_gid, 101);
			}
		} else
			assert_int_equal (st.st_mode & 07777, 0755); /* the folder itself not carried */
	}
	close (sk);
}

int
main (void)
{
#define T(x) cmocka_unit_test_setup_teardown (x, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T (round_trip),
	    T (never_overwrites),
	    T (bit_flip_refused),
	    T (truncation_refused),
	    T (truncated_zstd_refused),
	    T (hostile_dotdot),
	    T (hostile_absolute),
	    T (hostile_hardlink_out),
	    T (hostile_write_through_symlink),
	    T (symlinks_kept_not_followed),
	    T (full_disk_fails_the_extraction),
	    T (outer_hostile_names),
	    T (outer_no_manifest),
	    T (outer_duplicate_member),
	    T (not_a_regular_file),
	    T (no_room_to_unpack),
	    T (member_names),
	    T (pack_overlay_layer),
	    T (pack_tree_root_and_socket),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
