/* Part of the libarchive seam (with tarstream.c, the only files that include
 * archive.h): a folder packed into a tar stream (with the overlay policy),
 * a tar stream extracted securely, Podman's export rewritten; and what the
 * seam's files share (archive_seam.h). */
#include "archive_io.h"
#include "archive_seam.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Every extraction uses these flags. */
#ifdef ARCHIVE_EXTRACT_SAFE_WRITES
#define SAFE_WRITES ARCHIVE_EXTRACT_SAFE_WRITES
#else
#define SAFE_WRITES 0
#endif
#define DMIG_EXTRACT_SECURE                                                                                            \
	(ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS    \
	 | SAFE_WRITES)
#define DMIG_EXTRACT_KEEP                                                                                              \
	(ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR                   \
	 | ARCHIVE_EXTRACT_ACL)

/* libarchive's ARCHIVE_ERRNO_MISC is -1: never hand it on as an errno. */
static int
arc_errno (struct archive *a)
{
	int e = archive_errno (a);
	return e > 0 ? e : 0;
}

int
dmig_archive_fail (dmig_error_t *err, struct archive *a, const char *what)
{
	const char *s = archive_error_string (a);
	return dmig_error_set (err, DMIG_EFAIL, 0, "%s: %s", what, s ? s : "archive error");
}

/* ARCHIVE_WARN: the call did its work, but libarchive says what it could not
 * do on the way (a name kept as raw bytes, an owner, a time or an xattr not
 * restored). Not a failure: said with -v. Returns r, to be tested on. */
int
dmig_archive_warned (struct archive *a, int r, const char *what)
{
	if (r == ARCHIVE_WARN) {
		const char *s = archive_error_string (a);
		dmig_log_debug ("%s: libarchive: %s", what ? what : "archive", s ? s : "warning");
	}
	return r;
}

static la_ssize_t
sink_write (struct archive *a, void *arg, const void *buf, size_t len)
{
	if (dmig_sink_put (arg, buf, len) < 0) {
		archive_set_error (a, errno, "write: %s", strerror (errno));
		return -1;
	}
	return (la_ssize_t)len;
}

int
dmig_archive_copy_fd (struct archive *out, struct archive_entry *e, int fd, uint64_t size, char *buf, dmig_error_t *err)
{
	const char *name = archive_entry_pathname (e);
	uint64_t left = size;

	if (dmig_archive_warned (out, archive_write_header (out, e), name) < ARCHIVE_WARN)
		return dmig_archive_fail (err, out, name);
	while (left > 0) {
		ssize_t n = read (fd, buf, left < DMIG_ARCHIVE_BUFSZ ? left : DMIG_ARCHIVE_BUFSZ);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return dmig_error_set (err, DMIG_EFAIL, n < 0 ? errno : 0, "reading %s%s", name,
			                       n == 0 ? ": it shrank while being read" : "");
		if (archive_write_data (out, buf, (size_t)n) != n)
			return dmig_archive_fail (err, out, name);
		left -= (uint64_t)n;
	}
	return 0;
}

struct archive *
dmig_archive_tar_reader (void)
{
	struct archive *a = archive_read_new ();

	if (a != NULL) {
		archive_read_support_format_tar (a);
		archive_read_support_filter_zstd (a);
	}
	return a;
}

/* Keep what describes the file itself; drop overlayfs bookkeeping that points
 * at the source host's lower layers. */
static void
filter_xattrs (struct archive_entry *e, enum dmig_pack_mode mode)
{
	struct kept {
		char *name;
		void *val;
		size_t len;
	} *kept = NULL;
	size_t n = 0, cap = 0;
	const char *name;
	const void *val;
	size_t len;

	if (archive_entry_xattr_reset (e) == 0)
		return;
	while (archive_entry_xattr_next (e, &name, &val, &len) == ARCHIVE_OK) {
		if (strncmp (name, "trusted.overlay.", 16) == 0
		    && (mode != DMIG_PACK_LAYER || strcmp (name, "trusted.overlay.opaque") != 0))
			continue;
		if (n == cap) {
			struct kept *k = realloc (kept, (cap = cap ? cap * 2 : 8) * sizeof (*kept));
			if (k == NULL)
				break;
			kept = k;
		}
		kept[n].name = strdup (name);
		kept[n].val = malloc (len ? len : 1);
		if (kept[n].name == NULL || kept[n].val == NULL) {
			free (kept[n].name);
			free (kept[n].val);
			break;
		}
		memcpy (kept[n].val, val, len);
		kept[n++].len = len;
	}
	archive_entry_xattr_clear (e);
	for (size_t i = 0; i < n; i++) {
		archive_entry_xattr_add_entry (e, kept[i].name, kept[i].val, kept[i].len);
		free (kept[i].name);
		free (kept[i].val);
	}
	free (kept);
}

int
dmig_archive_pack_dir (const char *dir, enum dmig_pack_mode mode, struct dmig_sink *sink, dmig_error_t *err)
{
	struct archive *disk = archive_read_disk_new ();
	struct archive *out = archive_write_new ();
	struct archive_entry *e = archive_entry_new ();
	size_t rootlen = strlen (dir);
	char *buf = malloc (DMIG_ARCHIVE_BUFSZ);
	int ret = -1, r;

	if (disk == NULL || out == NULL || e == NULL || buf == NULL) {
		dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
		goto out;
	}
	archive_read_disk_set_symlink_physical (disk);
	archive_read_disk_set_behavior (disk, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS | ARCHIVE_READDISK_NO_FFLAGS);
	archive_write_set_format_pax_restricted (out);
	archive_write_set_bytes_in_last_block (out, 1);
	if (archive_write_open (out, sink, NULL, sink_write, NULL) != ARCHIVE_OK) {
		dmig_archive_fail (err, out, "cannot start a tar stream");
		goto out;
	}
	if (archive_read_disk_open (disk, dir) != ARCHIVE_OK) {
		dmig_archive_fail (err, disk, dir);
		goto out;
	}
	for (;;) {
		const char *path;

		archive_entry_clear (e);
		r = archive_read_next_header2 (disk, e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			dmig_archive_fail (err, disk, dir);
			goto out;
		}
		/* (metadata it could not read: xattrs, ACLs) */
		dmig_archive_warned (disk, r, archive_entry_pathname (e));
		archive_read_disk_descend (disk);
		path = archive_entry_pathname (e);
		if (path == NULL || strncmp (path, dir, rootlen) != 0)
			continue;
		path += rootlen;
		while (*path == '/')
			path++;
		if (*path == '\0' && mode != DMIG_PACK_TREE)
			continue; /* the directory itself */
		if (mode != DMIG_PACK_LAYER && archive_entry_filetype (e) == AE_IFCHR && archive_entry_rdev (e) == 0)
			continue; /* a whiteout */
		if (archive_entry_filetype (e) == AE_IFSOCK) {
			dmig_log_debug ("not carried: socket %s", path);
			continue;
		}
		archive_entry_copy_pathname (e, *path ? path : ".");
		filter_xattrs (e, mode);
		if (dmig_archive_warned (out, archive_write_header (out, e), path) < ARCHIVE_WARN) {
			dmig_archive_fail (err, out, path);
			goto out;
		}
		if (archive_entry_filetype (e) == AE_IFREG && archive_entry_size (e) > 0) {
			la_ssize_t n;
			while ((n = archive_read_data (disk, buf, DMIG_ARCHIVE_BUFSZ)) > 0)
				if (archive_write_data (out, buf, (size_t)n) < 0) {
					dmig_archive_fail (err, out, path);
					goto out;
				}
			if (n < 0) {
				dmig_archive_fail (err, disk, path);
				goto out;
			}
		}
	}
	if (archive_write_close (out) != ARCHIVE_OK) {
		dmig_archive_fail (err, out, "cannot finish a tar stream");
		goto out;
	}
	ret = 0;
out:
	free (buf);
	archive_entry_free (e);
	archive_read_free (disk);
	archive_write_free (out);
	return ret;
}

/* Our own check before libarchive's: a clear message for the usual tricks. */
static int
name_escapes (const char *name)
{
	const char *p = name;

	if (name == NULL || *name == '/')
		return 1;
	while (*p) {
		const char *slash = strchr (p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen (p);
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return 1;
		if (slash == NULL)
			break;
		p = slash + 1;
	}
	return 0;
}

/* Extract every entry of an opened archive into dest. */
static int
extract_all (struct archive *in, const char *dest, dmig_error_t *err)
{
	struct archive *disk = archive_write_disk_new ();
	struct archive_entry *e;
	int cwd = open (".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret = -1, r;

	if (disk == NULL || cwd < 0) {
		dmig_error_set (err, DMIG_EFAIL, errno, "cannot start extracting into %s", dest);
		goto out;
	}
	archive_write_disk_set_options (disk, DMIG_EXTRACT_SECURE | DMIG_EXTRACT_KEEP);
	/* Names are relative to dest: libarchive refuses absolute ones. */
	if (chdir (dest) < 0) {
		dmig_error_set (err, DMIG_EFAIL, errno, "cannot enter %s", dest);
		goto out;
	}
	while ((r = archive_read_next_header (in, &e)) != ARCHIVE_EOF) {
		const char *name, *link;
		const void *blk;
		size_t len;
		la_int64_t off;

		if (r < ARCHIVE_WARN) {
			dmig_archive_fail (err, in, "corrupt archive");
			goto back;
		}
		name = archive_entry_pathname (e);
		link = archive_entry_hardlink (e);
		dmig_archive_warned (in, r, name);
		if (name_escapes (name) || (link != NULL && name_escapes (link))) {
			dmig_error_set (err, DMIG_EFAIL, 0, "refusing archive member '%s%s%s': it points outside %s",
			                name ? name : "", link ? "' linked to '" : "", link ? link : "", dest);
			goto back;
		}
		if (dmig_archive_warned (disk, archive_write_header (disk, e), name) < ARCHIVE_WARN) {
			dmig_error_set (err, DMIG_EFAIL, arc_errno (disk), "refusing archive member '%s': %s", name,
			                archive_error_string (disk));
			goto back;
		}
		/* Here a warning is lost data: a write that failed (a full disk),
		 * or data past the member's size, or for a member with no file. */
		while ((r = archive_read_data_block (in, &blk, &len, &off)) == ARCHIVE_OK)
			if (archive_write_data_block (disk, blk, len, off) < ARCHIVE_OK) {
				dmig_error_set (err, DMIG_EFAIL, arc_errno (disk), "cannot write '%s': %s", name,
				                archive_error_string (disk));
				goto back;
			}
		if (r != ARCHIVE_EOF) {
			dmig_archive_fail (err, in, name);
			goto back;
		}
		if (dmig_archive_warned (disk, archive_write_finish_entry (disk), name) < ARCHIVE_WARN) {
			dmig_archive_fail (err, disk, name);
			goto back;
		}
	}
	if (archive_write_close (disk) != ARCHIVE_OK) {
		dmig_archive_fail (err, disk, dest);
		goto back;
	}
	ret = 0;
back:
	if (fchdir (cwd) < 0 && ret == 0)
		ret = dmig_error_set (err, DMIG_EFAIL, errno, "cannot return to the working directory");
out:
	if (cwd >= 0)
		close (cwd);
	archive_write_free (disk);
	return ret;
}

int
dmig_archive_extract (int fd, const char *dest, dmig_error_t *err)
{
	struct archive *in = dmig_archive_tar_reader ();
	int ret = -1;

	if (in == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	if (archive_read_open_fd (in, fd, DMIG_ARCHIVE_BUFSZ) != ARCHIVE_OK)
		dmig_archive_fail (err, in, "cannot read the archive");
	else
		ret = extract_all (in, dest, err);
	archive_read_free (in);
	return ret;
}

/* The inner archive reads the outer one's current entry. */
static la_ssize_t
nested_read (struct archive *a, void *arg, const void **buf)
{
	struct archive *outer = arg;
	size_t len;
	la_int64_t off;
	int r = archive_read_data_block (outer, buf, &len, &off);

	(void)off;
	if (r == ARCHIVE_EOF)
		return 0;
	/* a warning here is data not read (a sparse format it does not know) */
	if (r != ARCHIVE_OK) {
		archive_set_error (a, EIO, "%s", archive_error_string (outer));
		return -1;
	}
	return (la_ssize_t)len;
}

int
dmig_archive_extract_nested (int fd, const char *member, const char *dest, bool *found, dmig_error_t *err)
{
	struct archive *outer = dmig_archive_tar_reader (), *inner = NULL;
	struct archive_entry *e;
	int ret = -1, r;

	*found = false;
	if (outer == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	if (archive_read_open_fd (outer, fd, DMIG_ARCHIVE_BUFSZ) != ARCHIVE_OK) {
		dmig_archive_fail (err, outer, "cannot read the archive");
		goto out;
	}
	while ((r = archive_read_next_header (outer, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *name = archive_entry_pathname (e);
		dmig_archive_warned (outer, r, name);
		if (name == NULL || strcmp (name, member) != 0 || archive_entry_filetype (e) != AE_IFREG)
			continue;
		*found = true;
		inner = dmig_archive_tar_reader ();
		if (inner == NULL || archive_read_open (inner, outer, NULL, nested_read, NULL) != ARCHIVE_OK) {
			dmig_archive_fail (err, inner ? inner : outer, member);
			goto out;
		}
		ret = extract_all (inner, dest, err);
		goto out;
	}
	if (r != ARCHIVE_EOF)
		dmig_archive_fail (err, outer, "corrupt archive");
	else
		ret = 0;
out:
	if (inner)
		archive_read_free (inner);
	archive_read_free (outer);
	return ret;
}

int
dmig_archive_replace_member (int in_fd, const char *name, int src_fd, uint64_t size, struct dmig_sink *sink,
                             dmig_error_t *err)
{
	struct archive *in = dmig_archive_tar_reader (), *out = archive_write_new ();
	struct archive_entry *e, *repl = NULL;
	char *buf = malloc (DMIG_ARCHIVE_BUFSZ);
	bool replaced = false;
	int ret = -1, r;

	if (in == NULL || out == NULL || buf == NULL) {
		dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
		goto out;
	}
	archive_write_set_format_pax_restricted (out);
	archive_write_set_bytes_in_last_block (out, 1);
	if (archive_read_open_fd (in, in_fd, DMIG_ARCHIVE_BUFSZ) != ARCHIVE_OK
	    || archive_write_open (out, sink, NULL, sink_write, NULL) != ARCHIVE_OK) {
		dmig_archive_fail (err, archive_errno (in) ? in : out, "cannot rewrite the checkpoint");
		goto out;
	}
	for (;;) {
		la_ssize_t n;
		r = archive_read_next_header (in, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			dmig_archive_fail (err, in, "corrupt checkpoint archive");
			goto out;
		}
		dmig_archive_warned (in, r, archive_entry_pathname (e));
		if (!replaced && archive_entry_pathname (e) && strcmp (archive_entry_pathname (e), name) == 0) {
			replaced = true;
			repl = archive_entry_clone (e);
			archive_entry_set_size (repl, (la_int64_t)size);
			if (dmig_archive_copy_fd (out, repl, src_fd, size, buf, err) < 0)
				goto out;
			continue;
		}
		if (dmig_archive_warned (out, archive_write_header (out, e), archive_entry_pathname (e))
		    < ARCHIVE_WARN) {
			dmig_archive_fail (err, out, "cannot rewrite the checkpoint");
			goto out;
		}
		while ((n = archive_read_data (in, buf, DMIG_ARCHIVE_BUFSZ)) > 0)
			if (archive_write_data (out, buf, (size_t)n) != n) {
				dmig_archive_fail (err, out, "cannot rewrite the checkpoint");
				goto out;
			}
		if (n < 0) {
			dmig_archive_fail (err, in, "corrupt checkpoint archive");
			goto out;
		}
	}
	if (!replaced) {
		repl = archive_entry_new ();
		archive_entry_set_pathname (repl, name);
		archive_entry_set_filetype (repl, AE_IFREG);
		archive_entry_set_perm (repl, 0600);
		archive_entry_set_size (repl, (la_int64_t)size);
		if (dmig_archive_copy_fd (out, repl, src_fd, size, buf, err) < 0)
			goto out;
	}
	if (archive_write_close (out) != ARCHIVE_OK) {
		dmig_archive_fail (err, out, "cannot finish the checkpoint");
		goto out;
	}
	ret = 0;
out:
	if (repl)
		archive_entry_free (repl);
	free (buf);
	archive_read_free (in);
	archive_write_free (out);
	return ret;
}
