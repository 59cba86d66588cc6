/* Part of the libarchive seam (with tarstream.c, the only files that include
 * archive.h): a folder packed into a tar stream (with the overlay policy),
 * a tar stream extracted securely, Podman's export rewritten; and what the
 * seam's files share (archive_seam.h). */
#include "archive_io.h"
#include "archive_seam.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
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

/* Does entry e hold more than rules allow? Then why, in why. A layer or a
 * volume needs none of it: the image's own setuid programs and devices are
 * in its layers, never in what the container changed. */
static const char *
content_refused (struct archive_entry *e, const struct dmig_content_rules *rules, char *why, size_t cap)
{
	static const struct dmig_content_rules none = {0};
	const struct dmig_content_rules *r = rules ? rules : &none;
	mode_t type = archive_entry_filetype (e);
	const char *name;
	const void *val;
	size_t len;

	if (type == AE_IFCHR || type == AE_IFBLK) {
		unsigned maj = major (archive_entry_rdev (e)), min = minor (archive_entry_rdev (e));
		bool ok = r->devices || (type == AE_IFCHR && archive_entry_rdev (e) == 0); /* a whiteout */
		for (size_t i = 0; !ok && i < r->ndevs; i++)
			ok = r->devs[i].block == (type == AE_IFBLK) && r->devs[i].major == maj
			     && r->devs[i].minor == min;
		if (!ok) {
			snprintf (why, cap, "a %s device %u:%u the container was not given",
			          type == AE_IFBLK ? "block" : "character", maj, min);
			return why;
		}
	}
	if (type != AE_IFDIR && (archive_entry_perm (e) & (S_ISUID | S_ISGID)) && !r->setid) {
		snprintf (why, cap, "a %s file (mode %04o) in an unprivileged container's changes",
		          archive_entry_perm (e) & S_ISUID ? "setuid" : "setgid", (unsigned)archive_entry_perm (e));
		return why;
	}
	if (!r->fcaps && archive_entry_xattr_reset (e) > 0)
		while (archive_entry_xattr_next (e, &name, &val, &len) == ARCHIVE_OK)
			if (name && strcmp (name, "security.capability") == 0) {
				snprintf (why, cap,
				          "a file with capabilities (security.capability) in an unprivileged "
				          "container's changes");
				return why;
			}
	return NULL;
}

/* Extract every entry of an opened archive into dest. */
static int
extract_all (struct archive *in, const char *dest, const struct dmig_content_rules *rules, dmig_error_t *err)
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
		char why[160];
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
		if (content_refused (e, rules, why, sizeof (why)) != NULL) {
			dmig_error_set (err, DMIG_EPREFLIGHT, 0, "refusing archive member '%s': %s", name, why);
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
dmig_archive_extract (int fd, const char *dest, const struct dmig_content_rules *rules, dmig_error_t *err)
{
	struct archive *in = dmig_archive_tar_reader ();
	int ret = -1;

	if (in == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	if (archive_read_open_fd (in, fd, DMIG_ARCHIVE_BUFSZ) != ARCHIVE_OK)
		dmig_archive_fail (err, in, "cannot read the archive");
	else
		ret = extract_all (in, dest, rules, err);
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
dmig_archive_extract_nested (int fd, const char *member, const char *dest, const struct dmig_content_rules *rules,
                             bool *found, dmig_error_t *err)
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
		ret = extract_all (inner, dest, rules, err);
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

/* ---- verification: an archive walked without writing ---- */

/* The names seen so far, and what each was: a set by hash (open
 * addressing), as an archive may hold a million entries. */
enum seen_kind { SEEN_DIR = 1, SEEN_SYMLINK, SEEN_OTHER };
struct seen {
	struct {
		char *name;
		enum seen_kind kind;
	} * slot;
	size_t n, cap;
};

static size_t
seen_hash (const char *s, size_t len)
{
	size_t h = 1469598103934665603u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211u;
	return h;
}

/* The kind of the first len bytes of name as seen, or 0. */
static enum seen_kind
seen_get (const struct seen *s, const char *name, size_t len)
{
	if (s->cap == 0)
		return 0;
	for (size_t i = seen_hash (name, len) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (s->slot[i].name == NULL)
			return 0;
		if (strncmp (s->slot[i].name, name, len) == 0 && s->slot[i].name[len] == '\0')
			return s->slot[i].kind;
	}
}

static int
seen_add (struct seen *s, const char *name, enum seen_kind kind)
{
	size_t i;

	if (2 * (s->n + 1) > s->cap) {
		struct seen bigger = {.cap = s->cap ? 2 * s->cap : 1024};
		bigger.slot = calloc (bigger.cap, sizeof (*bigger.slot));
		if (bigger.slot == NULL)
			return -1;
		for (size_t j = 0; j < s->cap; j++)
			if (s->slot[j].name) {
				for (i = seen_hash (s->slot[j].name, strlen (s->slot[j].name)) & (bigger.cap - 1);
				     bigger.slot[i].name; i = (i + 1) & (bigger.cap - 1))
					;
				bigger.slot[i] = s->slot[j];
			}
		free (s->slot);
		s->slot = bigger.slot;
		s->cap = bigger.cap;
	}
	for (i = seen_hash (name, strlen (name)) & (s->cap - 1); s->slot[i].name; i = (i + 1) & (s->cap - 1))
		if (strcmp (s->slot[i].name, name) == 0) {
			s->slot[i].kind = kind;
			return 0;
		}
	if ((s->slot[i].name = strdup (name)) == NULL)
		return -1;
	s->slot[i].kind = kind;
	s->n++;
	return 0;
}

static void
seen_free (struct seen *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free (s->slot[i].name);
	free (s->slot);
}

/* name as an extractor resolves it: no "./", "//", "." or trailing "/";
 * "" for the archive's root. NULL when it is absolute or has "..", with
 * why said. */
static char *
clean_name (const char *name, const char **why)
{
	char *out, *o;
	const char *p = name;

	if (*name == '/') {
		*why = "an absolute name";
		return NULL;
	}
	if ((out = o = malloc (strlen (name) + 1)) == NULL) {
		*why = "out of memory";
		return NULL;
	}
	while (*p) {
		const char *slash = strchr (p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen (p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			free (out);
			*why = "a '..' component";
			return NULL;
		}
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (o != out)
				*o++ = '/';
			memcpy (o, p, n);
			o += n;
		}
		p += n + (slash != NULL);
	}
	*o = '\0';
	return out;
}

/* The earlier symlink that a path in clean lies under, or NULL. */
static const char *
under_symlink (const struct seen *s, const char *clean, size_t *len)
{
	for (const char *p = strchr (clean, '/'); p; p = strchr (p + 1, '/'))
		if (seen_get (s, clean, (size_t)(p - clean)) == SEEN_SYMLINK) {
			*len = (size_t)(p - clean);
			return clean;
		}
	return NULL;
}

static bool
listed (const char *const *names, const char *name, bool pattern)
{
	for (; names && *names; names++)
		if (pattern ? fnmatch (*names, name, FNM_PATHNAME) == 0 : strcmp (*names, name) == 0)
			return true;
	return false;
}

static int verify_all (struct archive *in, const struct dmig_archive_check *chk, bool top, dmig_error_t *err);

/* A member that is a tar, checked as the outer one is. */
static int
verify_nested (struct archive *outer, const char *member, const struct dmig_archive_check *chk, dmig_error_t *err)
{
	struct archive *inner = dmig_archive_tar_reader ();
	int r;

	if (inner == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	if (archive_read_open (inner, outer, NULL, nested_read, NULL) != ARCHIVE_OK) {
		r = dmig_error_set (err, DMIG_EPREFLIGHT, 0, "member '%s' is not a tar: %s", member,
		                    archive_error_string (inner) ? archive_error_string (inner) : "unreadable");
		archive_read_free (inner);
		return r;
	}
	r = verify_all (inner, chk, false, err);
	archive_read_free (inner);
	return r < 0 ? dmig_error_wrap (err, "in '%s'", member) : 0;
}

/* A member handed whole to chk->fn. */
static int
verify_read (struct archive *in, const char *name, int64_t size, const struct dmig_archive_check *chk,
             dmig_error_t *err)
{
	char *buf;
	size_t got = 0;
	int r;

	if (size < 0 || (uint64_t)size > DMIG_ARCHIVE_READ_MAX)
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0, "member '%s' is larger than %u MiB", name,
		                       DMIG_ARCHIVE_READ_MAX >> 20);
	if ((buf = malloc ((size_t)size + 1)) == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	while (got < (size_t)size) {
		la_ssize_t n = archive_read_data (in, buf + got, (size_t)size - got);
		if (n <= 0) {
			free (buf);
			return n < 0 ? dmig_archive_fail (err, in, name)
			             : dmig_error_set (err, DMIG_EPREFLIGHT, 0, "member '%s' ends early", name);
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	r = chk->fn (chk->arg, name, buf, got, err);
	free (buf);
	return r;
}

static int
verify_all (struct archive *in, const struct dmig_archive_check *chk, bool top, dmig_error_t *err)
{
	struct seen seen = {0};
	struct archive_entry *e;
	char *clean = NULL, *target = NULL, why_buf[160];
	int ret = -1, r;

	while ((r = archive_read_next_header (in, &e)) != ARCHIVE_EOF) {
		const char *name = archive_entry_pathname (e), *link = archive_entry_hardlink (e), *why = NULL, *sl;
		mode_t type = archive_entry_filetype (e);
		enum seen_kind was;
		size_t slen = 0;

		free (clean);
		free (target);
		clean = target = NULL;
		if (r < ARCHIVE_WARN) {
			dmig_error_set (err, DMIG_EPREFLIGHT, 0, "corrupt archive: %s",
			                archive_error_string (in) ? archive_error_string (in) : "unreadable");
			goto out;
		}
		dmig_archive_warned (in, r, name);
		if (name == NULL || *name == '\0') {
			dmig_error_set (err, DMIG_EPREFLIGHT, 0, "a member without a name");
			goto out;
		}
		if ((clean = clean_name (name, &why)) == NULL)
			goto refuse;
		if ((sl = under_symlink (&seen, clean, &slen)) != NULL) {
			snprintf (why_buf, sizeof (why_buf), "it lies under the symlink '%.*s'", (int)slen, sl);
			why = why_buf;
			goto refuse;
		}
		was = seen_get (&seen, clean, strlen (clean));
		if (*clean && was && !(was == SEEN_DIR && type == AE_IFDIR && link == NULL)) {
			why = was == SEEN_SYMLINK ? "it replaces an earlier symlink" : "it appears twice";
			goto refuse;
		}
		if (link != NULL) {
			if ((target = clean_name (link, &why)) == NULL) {
				snprintf (why_buf, sizeof (why_buf), "a hard link with %s", why);
				why = why_buf;
				goto refuse;
			}
			if (*target == '\0' || under_symlink (&seen, target, &slen) != NULL
			    || seen_get (&seen, target, strlen (target)) == 0
			    || seen_get (&seen, target, strlen (target)) == SEEN_DIR) {
				why = "a hard link to no earlier file of the archive";
				goto refuse;
			}
		}
		/* what dmig reads (a nested tar, a file for fn) is what the engine
		 * reads after it: a link there would point the engine elsewhere */
		if (top && (link != NULL || type != AE_IFREG)
		    && (listed (chk->nested, clean, true) || listed (chk->read, clean, false))) {
			why = link ? "a hard link where a file is read" : "not a plain file, where one is read";
			goto refuse;
		}
		if ((why = content_refused (e, chk->rules, why_buf, sizeof (why_buf))) != NULL)
			goto refuse;
		if (*clean
		    && seen_add (&seen, clean,
		                 link == NULL && type == AE_IFDIR   ? SEEN_DIR
		                 : link == NULL && type == AE_IFLNK ? SEEN_SYMLINK
		                                                    : SEEN_OTHER)
		           < 0) {
			dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
			goto out;
		}
		if (link == NULL && type == AE_IFREG && top && listed (chk->nested, clean, true)) {
			if (verify_nested (in, clean, chk, err) < 0)
				goto out;
		} else if (link == NULL && type == AE_IFREG && top && listed (chk->read, clean, false) && chk->fn) {
			if (verify_read (in, clean, archive_entry_size (e), chk, err) < 0)
				goto out;
		} else if (archive_read_data_skip (in) < ARCHIVE_WARN) {
			dmig_error_set (err, DMIG_EPREFLIGHT, 0, "corrupt archive at member '%s': %s", name,
			                archive_error_string (in) ? archive_error_string (in) : "unreadable");
			goto out;
		}
		continue;
	refuse:
		dmig_error_set (err, DMIG_EPREFLIGHT, 0, "member '%s': %s", name, why);
		goto out;
	}
	ret = 0;
out:
	free (clean);
	free (target);
	seen_free (&seen);
	return ret;
}

int
dmig_archive_verify (int fd, const struct dmig_archive_check *chk, dmig_error_t *err)
{
	struct archive *in = dmig_archive_tar_reader ();
	int ret = -1;

	if (in == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	if (archive_read_open_fd (in, fd, DMIG_ARCHIVE_BUFSZ) != ARCHIVE_OK)
		dmig_error_set (err, DMIG_EPREFLIGHT, 0, "not a tar: %s",
		                archive_error_string (in) ? archive_error_string (in) : "unreadable");
	else
		ret = verify_all (in, chk, true, err);
	archive_read_free (in);
	return ret;
}
