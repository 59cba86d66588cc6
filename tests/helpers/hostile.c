/* A test helper that makes a hostile bundle with valid checksums from a
 * real one, with dmig's own bundle functions (exactly dmig's format):
 *   hostile <bundle> <out> symlink-escape <dir>   layer: symlink to dir, a file through it
 *   hostile <bundle> <out> device-block|device-char|setuid|fcaps   layer: such a file
 *   hostile <bundle> <out> deleted <path>         Podman: deleted.files names path
 *   hostile <bundle> <out> bind <source> <dest>   Podman: spec.dump binds source at dest
 * The layer is rootfs.tar (Docker) or the export's rootfs-diff.tar (Podman).
 * The bundle is written unsigned, as by one who can write to the store but
 * lacks the host's key. */
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
#include "fs.h"
#include "json.h"

static const char *attack, *arg1, *arg2;

static void
die (const char *what, dmig_error_t *err)
{
	fprintf (stderr, "hostile: %s%s%s\n", what, err && *err ? ": " : "", err && *err ? (*err)->msg : "");
	exit (1);
}

/* The hostile entries of a layer attack, appended to out. */
static void
add_hostile (struct archive *out)
{
	struct archive_entry *e = archive_entry_new ();
	const char *data = "#!/bin/sh\nexec sh\n";

	archive_entry_set_uid (e, 0);
	archive_entry_set_gid (e, 0);
	archive_entry_set_perm (e, 0755);
	if (strcmp (attack, "symlink-escape") == 0) {
		archive_entry_set_pathname (e, "dmig-escape");
		archive_entry_set_filetype (e, AE_IFLNK);
		archive_entry_set_symlink (e, arg1);
		archive_write_header (out, e);
		archive_entry_clear (e);
		archive_entry_set_pathname (e, "dmig-escape/dmig-planted");
		archive_entry_set_perm (e, 0644);
	} else if (strcmp (attack, "device-block") == 0 || strcmp (attack, "device-char") == 0) {
		bool blk = strcmp (attack, "device-block") == 0;
		archive_entry_set_pathname (e, blk ? "dmig-disk" : "dmig-mem");
		archive_entry_set_filetype (e, blk ? AE_IFBLK : AE_IFCHR);
		archive_entry_set_rdev (e, blk ? makedev (8, 0) : makedev (1, 1));
		archive_entry_set_perm (e, 0666);
		archive_write_header (out, e);
		archive_entry_free (e);
		return;
	} else if (strcmp (attack, "setuid") == 0) {
		archive_entry_set_pathname (e, "dmig-rootsh");
		archive_entry_set_perm (e, 04755);
	} else {
		archive_entry_set_pathname (e, "dmig-capsh");
		archive_entry_xattr_add_entry (
		    e, "security.capability",
		    "\x01\x00\x00\x02\xff\xff\xff\xff\x00\x00\x00\x00\xff\xff\xff\xff\x00\x00"
		    "\x00\x00",
		    20);
	}
	archive_entry_set_filetype (e, AE_IFREG);
	archive_entry_set_size (e, (la_int64_t)strlen (data));
	archive_write_header (out, e);
	archive_write_data (out, data, strlen (data));
	archive_entry_free (e);
}

/* The tar at in, its entries then the hostile ones, to the file out. */
static void
append (const char *in, const char *out)
{
	struct archive *r = archive_read_new (), *w = archive_write_new ();
	struct archive_entry *e;
	char buf[65536];
	la_ssize_t n;

	archive_read_support_format_tar (r);
	archive_write_set_format_pax_restricted (w);
	archive_write_set_bytes_in_last_block (w, 1);
	if (archive_read_open_filename (r, in, sizeof (buf)) != ARCHIVE_OK
	    || archive_write_open_filename (w, out) != ARCHIVE_OK)
		die ("cannot rewrite the layer", NULL);
	while (archive_read_next_header (r, &e) == ARCHIVE_OK) {
		archive_write_header (w, e);
		while ((n = archive_read_data (r, buf, sizeof (buf))) > 0)
			archive_write_data (w, buf, (size_t)n);
	}
	add_hostile (w);
	archive_write_close (w);
	archive_write_free (w);
	archive_read_free (r);
}

/* Member name of the tar at in, copied to the file out. */
static void
take (const char *in, const char *name, const char *out)
{
	struct archive *r = archive_read_new ();
	struct archive_entry *e;
	int fd = open (out, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	archive_read_support_format_tar (r);
	if (fd < 0 || archive_read_open_filename (r, in, 65536) != ARCHIVE_OK)
		die ("cannot read the checkpoint", NULL);
	while (archive_read_next_header (r, &e) == ARCHIVE_OK)
		if (strcmp (archive_entry_pathname (e), name) == 0) {
			archive_read_data_into_fd (r, fd);
			break;
		}
	close (fd);
	archive_read_free (r);
}

static void
write_json (json_object *o, const char *path)
{
	FILE *fp = fopen (path, "w");
	if (fp == NULL)
		die (path, NULL);
	fputs (json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), fp);
	fclose (fp);
}

/* The new content of Podman's export member name, made in path. */
static void
podman_member (const char *ckpt, const char *name, const char *path)
{
	json_object *o;

	if (strcmp (name, "rootfs-diff.tar") == 0) {
		char old[PATH_MAX];
		snprintf (old, sizeof (old), "%s.old", path);
		take (ckpt, name, old);
		append (old, path);
		return;
	}
	take (ckpt, name, path);
	o = json_object_from_file (path);
	if (strcmp (name, "deleted.files") == 0) {
		if (!json_object_is_type (o, json_type_array)) {
			json_object_put (o);
			o = json_object_new_array ();
		}
		json_object_array_add (o, json_object_new_string (arg1));
	} else {
		json_object *m = json_object_new_object (), *opts = json_object_new_array ();
		json_object_object_add (m, "destination", json_object_new_string (arg2));
		json_object_object_add (m, "type", json_object_new_string ("bind"));
		json_object_object_add (m, "source", json_object_new_string (arg1));
		json_object_array_add (opts, json_object_new_string ("rbind"));
		json_object_object_add (m, "options", opts);
		json_object_array_add (json_object_object_get (o, "mounts"), m);
	}
	write_json (o, path);
	json_object_put (o);
}

int
main (int argc, char **argv)
{
	char tmp[2048], in[2200], again[2200], mpath[2200];
	struct dmig_members ms = {0};
	json_object *manifest = NULL, *list;
	dmig_error_t err = NULL;
	bool podman;

	if (argc < 4) {
		fprintf (stderr, "usage: hostile <bundle> <out> <attack> [args]\n");
		return 2;
	}
	attack = argv[3];
	arg1 = argc > 4 ? argv[4] : "/tmp";
	arg2 = argc > 5 ? argv[5] : "/host";
	snprintf (tmp, sizeof (tmp), "%s.hostile-XXXXXX", argv[2]);
	if (mkdtemp (tmp) == NULL)
		die ("cannot make a scratch folder", NULL);
	snprintf (in, sizeof (in), "%s/in", tmp);
	snprintf (again, sizeof (again), "%s/again", tmp);
	if (mkdir (in, 0700) < 0 || mkdir (again, 0700) < 0)
		die ("cannot make a scratch folder", NULL);
	if (dmig_bundle_unpack (argv[1], in, &manifest, NULL, &err) < 0)
		die ("cannot unpack the bundle", &err);
	podman = strcmp (dmig_json_str (manifest, "engine") ? dmig_json_str (manifest, "engine") : "", "podman") == 0;
	list = dmig_json_get (manifest, "members");
	for (size_t i = 0; i < json_object_array_length (list); i++) {
		const char *name = dmig_json_str (json_object_array_get_idx (list, i), "name");
		const char *inner = NULL;
		struct dmig_sink sink;
		char src[PATH_MAX];
		int fd, r;

		snprintf (src, sizeof (src), "%s/%s", in, name);
		if (!podman && strcmp (name, "rootfs.tar") == 0 && strcmp (attack, "deleted")
		    && strcmp (attack, "bind")) {
			snprintf (mpath, sizeof (mpath), "%s/rootfs.new", tmp);
			append (src, mpath);
			snprintf (src, sizeof (src), "%s", mpath);
		} else if (podman && strcmp (name, "checkpoint.tar") == 0) {
			inner = strcmp (attack, "deleted") == 0 ? "deleted.files"
			        : strcmp (attack, "bind") == 0  ? "spec.dump"
			                                        : "rootfs-diff.tar";
			snprintf (mpath, sizeof (mpath), "%s/member", tmp);
			podman_member (src, inner, mpath);
		}
		if (dmig_bundle_member_begin (again, name, &sink, &err) < 0)
			die ("cannot stage a member", &err);
		fd = open (src, O_RDONLY);
		if (inner != NULL) {
			int mfd = open (mpath, O_RDONLY);
			struct stat st;
			if (mfd < 0 || fstat (mfd, &st) < 0)
				die (mpath, NULL);
			r = dmig_archive_replace_member (fd, inner, mfd, (uint64_t)st.st_size, &sink, &err);
			close (mfd);
		} else {
			char buf[65536];
			ssize_t n;
			r = 0;
			while (r == 0 && (n = read (fd, buf, sizeof (buf))) > 0)
				r = dmig_sink_put (&sink, buf, (size_t)n);
		}
		close (fd);
		if (r < 0 || dmig_bundle_member_end (&ms, name, &sink, true, &err) < 0)
			die ("cannot rewrite a member", &err);
	}
	/* named as its file is */
	{
		const char *base = strrchr (argv[2], '/') ? strrchr (argv[2], '/') + 1 : argv[2];
		size_t n = strlen (base) > 5 && strcmp (base + strlen (base) - 5, ".dmig") == 0 ? strlen (base) - 5
		                                                                                : strlen (base);
		json_object_object_add (manifest, "name", json_object_new_string_len (base, (int)n));
	}
	if (dmig_bundle_write (argv[2], manifest, again, &ms, NULL, &err) < 0)
		die ("cannot write the bundle", &err);
	json_object_put (manifest);
	dmig_fs_rm_rf (tmp, NULL);
	return 0;
}
