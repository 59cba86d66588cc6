/* Snapshot bundles: manifest first, its signature, then members, every one
 * verified. */
#include "bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dmig.h"
#include "fs.h"
#include "tarstream.h"
#include "json.h"
#include "ref.h"

#define BUFSZ (256 * 1024)

bool
dmig_bundle_member_name_ok (const char *name)
{
	char vol[DMIG_NAME_MAX + 8];
	size_t n;

	if (name == NULL)
		return false;
	if (strcmp (name, "checkpoint.tar") == 0 || strcmp (name, "rootfs.tar") == 0)
		return true;
	if (strncmp (name, "volumes/", 8) != 0)
		return false;
	n = strlen (name + 8);
	if (n <= 4 || n - 4 > DMIG_NAME_MAX || strcmp (name + 8 + n - 4, ".tar") != 0)
		return false;
	memcpy (vol, name + 8, n - 4);
	vol[n - 4] = '\0';
	return dmig_ref_valid_container (vol, NULL) == 0; /* same alphabet as names */
}

static int
member_path (const char *staging, const char *name, char *out, size_t cap, dmig_error_t *err)
{
	if (!dmig_bundle_member_name_ok (name))
		return dmig_error_set (err, DMIG_EFAIL, 0, "'%s' is not a bundle member name", name);
	if ((size_t)snprintf (out, cap, "%s/%s", staging, name) >= cap)
		return dmig_error_set (err, DMIG_EFAIL, ENAMETOOLONG, "member path too long");
	return 0;
}

static const char *
type_name (mode_t m)
{
	return S_ISDIR (m)    ? "a folder"
	       : S_ISFIFO (m) ? "a fifo"
	       : S_ISSOCK (m) ? "a socket"
	       : S_ISCHR (m)  ? "a character device"
	       : S_ISBLK (m)  ? "a block device"
	                      : "of an odd type";
}

/* A file of the store or of staging opened for reading: a regular file,
 * never through a symlink, never waiting on a fifo's writer or a device. */
static int
open_regular (const char *path, dmig_error_t *err)
{
	struct stat st;
	int fd = open (path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC), flags, e;

	if (fd < 0 && errno == ELOOP)
		return dmig_error_set (err, DMIG_EFAIL, 0, "'%s' is not a regular file (a symlink)", path);
	if (fd < 0)
		return dmig_error_set (err, DMIG_EFAIL, errno, "cannot open '%s'", path);
	if (fstat (fd, &st) < 0) {
		e = errno;
		close (fd);
		return dmig_error_set (err, DMIG_EFAIL, e, "cannot open '%s'", path);
	}
	if (!S_ISREG (st.st_mode)) {
		close (fd);
		return dmig_error_set (err, DMIG_EFAIL, 0, "'%s' is not a regular file (%s)", path,
		                       type_name (st.st_mode));
	}
	/* reads of a regular file never wait anyway; as every other fd */
	flags = fcntl (fd, F_GETFL);
	if (flags >= 0)
		fcntl (fd, F_SETFL, flags & ~O_NONBLOCK);
	return fd;
}

int
dmig_bundle_member_begin (const char *staging, const char *name, struct dmig_sink *sink, dmig_error_t *err)
{
	char path[PATH_MAX];

	memset (sink, 0, sizeof (*sink));
	sink->fd = -1;
	if (member_path (staging, name, path, sizeof (path), err) < 0)
		return -1;
	if (strncmp (name, "volumes/", 8) == 0) {
		char dir[PATH_MAX];
		snprintf (dir, sizeof (dir), "%s/volumes", staging);
		if (mkdir (dir, 0700) < 0 && errno != EEXIST)
			return dmig_error_set (err, DMIG_EFAIL, errno, "cannot create '%s'", dir);
	}
	sink->fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (sink->fd < 0)
		return dmig_error_set (err, DMIG_EFAIL, errno, "cannot create '%s'", path);
	sink->digest = dmig_digest_new ();
	if (sink->digest == NULL) {
		close (sink->fd);
		sink->fd = -1;
		return dmig_error_set (err, DMIG_EFAIL, 0, "cannot start a sha256 digest");
	}
	return 0;
}

int
dmig_bundle_member_end (struct dmig_members *ms, const char *name, struct dmig_sink *sink, bool ok, dmig_error_t *err)
{
	struct dmig_member *m;
	int r = 0;

	if (ok && fsync (sink->fd) < 0)
		r = dmig_error_set (err, DMIG_EFAIL, errno, "cannot write '%s'", name);
	if (sink->fd >= 0 && close (sink->fd) < 0 && ok && r == 0)
		r = dmig_error_set (err, DMIG_EFAIL, errno, "cannot write '%s'", name);
	sink->fd = -1;
	if (!ok || r < 0) {
		dmig_digest_free (sink->digest);
		sink->digest = NULL;
		return ok ? r : 0;
	}
	if (ms->n >= DMIG_MEMBERS_MAX) {
		dmig_digest_free (sink->digest);
		sink->digest = NULL;
		return dmig_error_set (err, DMIG_EFAIL, 0, "more than %d members in one snapshot", DMIG_MEMBERS_MAX);
	}
	m = &ms->m[ms->n++];
	snprintf (m->name, sizeof (m->name), "%s", name);
	m->size = sink->bytes;
	dmig_digest_finish (sink->digest, m->sha256);
	sink->digest = NULL;
	return 0;
}

int
dmig_bundle_member_open (const char *staging, const char *name, dmig_error_t *err)
{
	char path[PATH_MAX];

	if (member_path (staging, name, path, sizeof (path), err) < 0)
		return -1;
	return open_regular (path, err);
}

int
dmig_bundle_write (const char *path, json_object *manifest, const char *staging, const struct dmig_members *ms,
                   const struct dmig_sign_key *key, dmig_error_t *err)
{
	struct dmig_tar_writer *w = NULL;
	json_object *list = json_object_new_array ();
	char tmp[PATH_MAX], dir[PATH_MAX];
	const char *text;
	char *slash, *sig = NULL;
	int fd = -1, ret = -1;

	for (size_t i = 0; i < ms->n; i++) {
		json_object *m = json_object_new_object ();
		json_object_object_add (m, "name", json_object_new_string (ms->m[i].name));
		json_object_object_add (m, "size", json_object_new_int64 ((int64_t)ms->m[i].size));
		json_object_object_add (m, "sha256", json_object_new_string (ms->m[i].sha256));
		json_object_array_add (list, m);
	}
	json_object_object_add (manifest, "members", list);
	text = json_object_to_json_string_ext (manifest, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	/* over the manifest's exact bytes, which list every member's sha256 */
	if (key && dmig_auth_sign (key, text, strlen (text), &sig, err) < 0)
		return -1;

	snprintf (dir, sizeof (dir), "%s", path);
	slash = strrchr (dir, '/');
	if (slash)
		*slash = '\0';
	if ((size_t)snprintf (tmp, sizeof (tmp), "%s.tmp.%d", path, (int)getpid ()) >= sizeof (tmp)) {
		free (sig);
		return dmig_error_set (err, DMIG_EFAIL, ENAMETOOLONG, "bundle path too long");
	}
	fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		free (sig);
		return dmig_error_set (err, DMIG_EFAIL, errno, "cannot create '%s'", tmp);
	}
	if (dmig_tar_writer_open (fd, true, &w, err) < 0)
		goto out;
	if (dmig_tar_writer_add_buf (w, "manifest.json", text, strlen (text), err) < 0
	    || (sig && dmig_tar_writer_add_buf (w, "manifest.sig", sig, strlen (sig), err) < 0))
		goto out;
	for (size_t i = 0; i < ms->n; i++) {
		int mfd = dmig_bundle_member_open (staging, ms->m[i].name, err), r;
		if (mfd < 0)
			goto out;
		r = dmig_tar_writer_add_fd (w, ms->m[i].name, mfd, ms->m[i].size, err);
		close (mfd);
		if (r < 0)
			goto out;
	}
	{
		struct dmig_tar_writer *ww = w;
		w = NULL;
		if (dmig_tar_writer_close (ww, err) < 0)
			goto out;
	}
	if (fsync (fd) < 0) {
		dmig_error_set (err, DMIG_EFAIL, errno, "cannot write '%s'", tmp);
		goto out;
	}
	/* Never over an existing snapshot: link fails if the name is taken. */
	if (link (tmp, path) < 0) {
		dmig_error_set (err, DMIG_EFAIL, errno == EEXIST ? 0 : errno, "cannot store '%s'%s", path,
		                errno == EEXIST ? ": a snapshot of that name exists" : "");
		goto out;
	}
	dmig_fs_fsync_dir (dir);
	ret = 0;
out:
	if (w)
		dmig_tar_writer_close (w, NULL);
	if (fd >= 0)
		close (fd);
	unlink (tmp);
	free (sig);
	return ret;
}

/* Member name's whole data into a new buffer (NUL-ended), or NULL and *err. */
static char *
read_member (struct dmig_tar_reader *r, const char *path, const char *name, size_t size, dmig_error_t *err)
{
	char *buf = malloc (size + 1);
	size_t got = 0;

	if (buf == NULL) {
		dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
		return NULL;
	}
	while (got < size) {
		ssize_t n = dmig_tar_reader_read (r, buf + got, size - got, err);
		if (n <= 0) {
			free (buf);
			if (n == 0)
				dmig_error_set (err, DMIG_EFAIL, 0, "truncated %s", name);
			dmig_error_wrap (err, "'%s'", path);
			return NULL;
		}
		got += (size_t)n;
	}
	buf[size] = '\0';
	return buf;
}

/* Read the bundle's head: the first member, which must be the manifest,
 * and its signature when manifest.sig follows, judged on the manifest's
 * bytes before they are parsed (*auth, which may be NULL). With peeked, an
 * entry after the manifest that is not its signature is left in *next: 1,
 * or -1 when the bundle ends after the manifest, 0 when nothing is left. */
static int
read_head (struct dmig_tar_reader *r, const char *path, json_object **out, struct dmig_auth *auth,
           struct dmig_tar_entry *next, int *peeked, dmig_error_t *err)
{
	struct dmig_auth none;
	struct dmig_tar_entry e;
	char *buf, *sig = NULL;
	size_t len, siglen = 0;
	int64_t format;
	int rc;

	*out = NULL;
	if (peeked)
		*peeked = 0;
	rc = dmig_tar_reader_next (r, &e, err);
	if (rc < 0)
		return dmig_error_wrap (err, "'%s'", path);
	if (rc == 0 || !e.regular || e.name == NULL || strcmp (e.name, "manifest.json") != 0 || e.size < 0
	    || (uint64_t)e.size > DMIG_MANIFEST_MAX)
		return dmig_error_set (err, DMIG_EFAIL, 0, "'%s' is not a dmig snapshot: no manifest first", path);
	len = (size_t)e.size;
	buf = read_member (r, path, "manifest", len, err);
	if (buf == NULL)
		return -1;
	rc = dmig_tar_reader_next (r, &e, err);
	if (rc < 0) {
		free (buf);
		return dmig_error_wrap (err, "'%s'", path);
	}
	if (rc == 1 && e.name && strcmp (e.name, "manifest.sig") == 0) {
		if (!e.regular || e.size < 0 || (uint64_t)e.size > DMIG_AUTH_SIG_MAX) {
			free (buf);
			return dmig_error_set (err, DMIG_EFAIL, 0, "'%s' is damaged: its manifest.sig is no signature",
			                       path);
		}
		siglen = (size_t)e.size;
		sig = read_member (r, path, "signature", siglen, err);
		if (sig == NULL) {
			free (buf);
			return -1;
		}
	} else if (peeked) {
		if (rc == 1)
			*next = e;
		*peeked = rc == 1 ? 1 : -1;
	}
	/* older bundles have none: as one whose signature was taken out */
	rc = dmig_auth_verify (path, buf, len, sig, siglen, auth ? auth : &none, err);
	free (sig);
	if (rc == 0 && dmig_json_parse (buf, len, out, err) < 0)
		rc = dmig_error_wrap (err, "'%s' has a broken manifest", path);
	free (buf);
	if (rc < 0)
		return -1;
	format = json_object_is_type (*out, json_type_object) ? dmig_json_int (*out, "format", 0) : 0;
	if (format < 1 || format > DMIG_BUNDLE_FORMAT) {
		json_object_put (*out);
		*out = NULL;
		if (format > DMIG_BUNDLE_FORMAT)
			return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
			                       "'%s' is of bundle format %lld, which dmig %s does not read (it reads "
			                       "formats 1 to %d): a newer dmig does",
			                       path, (long long)format, DMIG_VERSION, DMIG_BUNDLE_FORMAT);
		return dmig_error_set (err, DMIG_EFAIL, 0, "'%s' has a manifest of an unknown format", path);
	}
	return 0;
}

int
dmig_bundle_read_manifest (const char *path, json_object **out, struct dmig_auth *auth, dmig_error_t *err)
{
	struct dmig_tar_reader *r = NULL;
	int fd = open_regular (path, err), ret;

	*out = NULL;
	if (fd < 0)
		return -1;
	ret = dmig_tar_reader_open (fd, &r, err);
	if (ret == 0)
		ret = read_head (r, path, out, auth, NULL, NULL, err);
	dmig_tar_reader_close (r);
	close (fd);
	return ret;
}

static json_object *
find_member (json_object *list, const char *name)
{
	for (size_t i = 0; list && i < json_object_array_length (list); i++) {
		json_object *m = json_object_array_get_idx (list, i);
		const char *n = dmig_json_str (m, "name");
		if (n && strcmp (n, name) == 0)
			return m;
	}
	return NULL;
}

/* Room in staging's file system for every member the manifest lists,
 * before the first is written: a short store is a refusal, not a failure
 * half-way. */
static int
room_for_members (const char *path, const char *staging, json_object *list, dmig_error_t *err)
{
	uint64_t need = 0, avail = 0;
	char dir[PATH_MAX], *slash;

	for (size_t i = 0; i < json_object_array_length (list); i++) {
		int64_t size = dmig_json_int (json_object_array_get_idx (list, i), "size", -1);
		if (size < 0)
			return dmig_error_set (err, DMIG_EFAIL, 0,
			                       "'%s' is damaged: its manifest gives member %zu no size", path, i + 1);
		need = need > UINT64_MAX - (uint64_t)size ? UINT64_MAX : need + (uint64_t)size;
	}
	if (dmig_fs_free_bytes (staging, &avail, err) < 0)
		return -1;
	if (avail >= need)
		return 0;
	/* the store's folder: staging goes with the refusal */
	snprintf (dir, sizeof (dir), "%s", staging);
	slash = strrchr (dir, '/');
	if (slash && slash != dir)
		*slash = '\0';
	return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
	                       "not enough free space in %s to unpack '%s': %llu MiB free, at least %llu MiB needed",
	                       dir, path, (unsigned long long)(avail >> 20),
	                       (unsigned long long)(need / (1u << 20) + (need % (1u << 20) != 0)));
}

int
dmig_bundle_unpack (const char *path, const char *staging, json_object **manifest, struct dmig_auth *auth,
                    dmig_error_t *err)
{
	struct dmig_tar_reader *r = NULL;
	struct dmig_members seen = {0};
	struct dmig_tar_entry e;
	json_object *list;
	char *buf = malloc (BUFSZ);
	int fd = -1, ret = -1, rc, peeked = 0;

	*manifest = NULL;
	if (buf == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	fd = open_regular (path, err);
	if (fd < 0)
		goto out;
	if (dmig_tar_reader_open (fd, &r, err) < 0 || read_head (r, path, manifest, auth, &e, &peeked, err) < 0)
		goto out;
	list = dmig_json_get (*manifest, "members");
	if (list == NULL || !json_object_is_type (list, json_type_array)) {
		dmig_error_set (err, DMIG_EFAIL, 0, "'%s' lists no members", path);
		goto out;
	}
	if (room_for_members (path, staging, list, err) < 0)
		goto out;
	for (;;) {
		struct dmig_sink sink;
		json_object *want;
		const char *sha;
		ssize_t n;

		/* the entry after an unsigned manifest was read with it */
		rc = peeked ? (peeked > 0) : dmig_tar_reader_next (r, &e, err);
		peeked = 0;
		if (rc < 0) {
			dmig_error_wrap (err, "'%s'", path);
			goto out;
		}
		if (rc == 0)
			break;
		want = dmig_bundle_member_name_ok (e.name) ? find_member (list, e.name) : NULL;
		if (want == NULL || !e.regular) {
			dmig_error_set (err, DMIG_EFAIL, 0, "'%s' holds an unexpected entry '%s': refusing it", path,
			                e.name ? e.name : "");
			goto out;
		}
		if (dmig_bundle_member_begin (staging, e.name, &sink, err) < 0) {
			if ((*err)->errnum == EEXIST)
				dmig_error_set (err, DMIG_EFAIL, 0, "'%s' holds '%s' twice: refusing it", path, e.name);
			goto out;
		}
		while ((n = dmig_tar_reader_read (r, buf, BUFSZ, err)) > 0) {
			if (dmig_sink_put (&sink, buf, (size_t)n) < 0) {
				dmig_error_set (err, DMIG_EFAIL, errno, "cannot write '%s/%s'", staging, e.name);
				n = -1;
				break;
			}
		}
		if (n < 0) {
			dmig_bundle_member_end (&seen, e.name, &sink, false, NULL);
			dmig_error_wrap (err, "'%s'", path);
			goto out;
		}
		if (dmig_bundle_member_end (&seen, e.name, &sink, true, err) < 0)
			goto out;
		sha = dmig_json_str (want, "sha256");
		if (seen.m[seen.n - 1].size != (uint64_t)dmig_json_int (want, "size", -1) || sha == NULL
		    || strcmp (sha, seen.m[seen.n - 1].sha256) != 0) {
			dmig_error_set (err, DMIG_EFAIL, 0, "'%s' is damaged: member '%s' does not match its checksum",
			                path, e.name);
			goto out;
		}
	}
	if (seen.n != json_object_array_length (list)) {
		dmig_error_set (err, DMIG_EFAIL, 0, "'%s' is incomplete: %zu of %zu members", path, seen.n,
		                json_object_array_length (list));
		goto out;
	}
	ret = 0;
out:
	if (ret < 0) {
		json_object_put (*manifest);
		*manifest = NULL;
	}
	dmig_tar_reader_close (r);
	if (fd >= 0)
		close (fd);
	free (buf);
	return ret;
}
