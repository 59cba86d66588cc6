/* The operations' journals (journal.h). */
#include "journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "ref.h"

#define JOURNAL_MAX (4u << 20) /* a journal holds an inspect answer or two */

static const char *
root (void)
{
	const char *r = getenv ("DMIG_JOURNAL_DIR");
	return r && *r ? r : DMIG_JOURNAL_DIR;
}

/* Make path a 0700 folder of ours (or find it so). */
static int
own_dir (const char *path, dmig_error_t *err)
{
	struct stat st;

	if (dmig_fs_mkdir_p (path, 0700, err) < 0)
		return -1;
	if (lstat (path, &st) < 0)
		return dmig_error_set (err, DMIG_EFAIL, errno, "cannot read '%s'", path);
	if (!S_ISDIR (st.st_mode) || st.st_uid != geteuid () || (st.st_mode & 0077) != 0)
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                       "the journal folder '%s' is not dmig's own (uid %u, mode %04o): 'chown root: %s "
		                       "&& chmod 0700 %s'",
		                       path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), path, path);
	return 0;
}

static int
path_of (const char *kind, const char *name, char *dir, size_t dcap, char *path, size_t pcap, dmig_error_t *err)
{
	if (dmig_ref_valid_container (name, err) < 0 || strchr (kind, '/') != NULL)
		return -1;
	if ((size_t)snprintf (dir, dcap, "%s/%s", root (), kind) >= dcap
	    || (size_t)snprintf (path, pcap, "%s/%s.json", dir, name) >= pcap)
		return dmig_error_set (err, DMIG_EUSAGE, ENAMETOOLONG, "journal path too long");
	return 0;
}

int
dmig_journal_write (const char *kind, const char *name, json_object *j, dmig_error_t *err)
{
	char dir[PATH_MAX], path[PATH_MAX + 256], tmp[PATH_MAX + 300];
	const char *text;
	size_t len;
	int fd;

	if (path_of (kind, name, dir, sizeof (dir), path, sizeof (path), err) < 0 || own_dir (root (), err) < 0
	    || own_dir (dir, err) < 0)
		return -1;
	text = json_object_to_json_string_ext (j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	len = strlen (text);
	snprintf (tmp, sizeof (tmp), "%s.tmp", path);
	fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return dmig_error_set (err, DMIG_EFAIL, errno, "cannot write the journal '%s'", tmp);
	if (write (fd, text, len) != (ssize_t)len || write (fd, "\n", 1) != 1 || fsync (fd) < 0) {
		int e = errno;
		close (fd);
		unlink (tmp);
		return dmig_error_set (err, DMIG_EFAIL, e, "cannot write the journal '%s'", tmp);
	}
	close (fd);
	if (rename (tmp, path) < 0) {
		int e = errno;
		unlink (tmp);
		return dmig_error_set (err, DMIG_EFAIL, e, "cannot write the journal '%s'", path);
	}
	dmig_fs_fsync_dir (dir);
	return 0;
}

int
dmig_journal_read (const char *kind, const char *name, json_object **out, dmig_error_t *err)
{
	char dir[PATH_MAX], path[PATH_MAX + 256], *buf;
	struct stat st;
	ssize_t n;
	int fd, r;

	*out = NULL;
	if (path_of (kind, name, dir, sizeof (dir), path, sizeof (path), err) < 0)
		return -1;
	fd = open (path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return dmig_error_set (err, DMIG_EFAIL, errno, "cannot read the journal '%s'", path);
	if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode) || st.st_uid != geteuid () || st.st_size <= 0
	    || (uint64_t)st.st_size > JOURNAL_MAX || (buf = malloc ((size_t)st.st_size)) == NULL) {
		close (fd);
		return dmig_error_set (err, DMIG_EFAIL, 0,
		                       "the journal '%s' is not one dmig wrote: look at it, then remove it", path);
	}
	n = read (fd, buf, (size_t)st.st_size);
	close (fd);
	r = n == st.st_size ? dmig_json_parse (buf, (size_t)n, out, err) : -1;
	free (buf);
	if (r < 0 || !json_object_is_type (*out, json_type_object)) {
		dmig_error_release (err);
		json_object_put (*out);
		*out = NULL;
		return dmig_error_set (err, DMIG_EFAIL, 0,
		                       "the journal '%s' cannot be read: look at it, then remove it", path);
	}
	return 0;
}

void
dmig_journal_remove (const char *kind, const char *name)
{
	char dir[PATH_MAX], path[PATH_MAX + 256];

	if (path_of (kind, name, dir, sizeof (dir), path, sizeof (path), NULL) == 0 && unlink (path) == 0)
		dmig_fs_fsync_dir (dir);
}

static int
each_in (const char *kind, int (*fn) (const char *, const char *, void *), void *arg)
{
	char dir[PATH_MAX];
	struct dirent *d;
	DIR *dh;
	int r = 0;

	snprintf (dir, sizeof (dir), "%s/%s", root (), kind);
	if ((dh = opendir (dir)) == NULL)
		return 0;
	while (r == 0 && (d = readdir (dh)) != NULL) {
		size_t n = strlen (d->d_name);
		char name[NAME_MAX + 1];

		if (n <= 5 || strcmp (d->d_name + n - 5, ".json") != 0)
			continue;
		snprintf (name, sizeof (name), "%.*s", (int)(n - 5), d->d_name);
		if (dmig_ref_valid_container (name, NULL) == 0)
			r = fn (kind, name, arg);
	}
	closedir (dh);
	return r;
}

int
dmig_journal_each (const char *kind, int (*fn) (const char *kind, const char *name, void *arg), void *arg)
{
	struct dirent *d;
	DIR *dh;
	int r = 0;

	if (kind != NULL)
		return each_in (kind, fn, arg);
	if ((dh = opendir (root ())) == NULL)
		return 0;
	while (r == 0 && (d = readdir (dh)) != NULL)
		if (d->d_name[0] != '.')
			r = each_in (d->d_name, fn, arg);
	closedir (dh);
	return r;
}
