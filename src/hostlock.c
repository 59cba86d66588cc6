/* Host-wide container locks (hostlock.h). */
#include "hostlock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lockfile.h"

/* A folder of dmig's own: made 0700, and refused when it is not a folder
 * owned by us that only we can write (a planted one could hold locks open). */
static int
own_dir (const char *path, dmig_error_t *err)
{
	struct stat st;

	if (mkdir (path, 0700) < 0 && errno != EEXIST)
		return dmig_error_set (err, DMIG_EFAIL, errno, "cannot create '%s'", path);
	if (lstat (path, &st) < 0)
		return dmig_error_set (err, DMIG_EFAIL, errno, "cannot read '%s'", path);
	if (!S_ISDIR (st.st_mode) || st.st_uid != geteuid () || (st.st_mode & 0022) != 0)
		return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
		                       "'%s' is not a folder of dmig's own (owned by uid %u, mode %04o): remove it",
		                       path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	return 0;
}

/* One of the container's locks: a lock file its holder removes (lockfile.h). */
static int
take_one (const char *kind, const char *key, const char *name, int *fd, char *path, size_t pcap, dmig_error_t *err)
{
	const char *run = getenv ("DMIG_RUN_DIR");
	char dir[PATH_MAX];

	*fd = -1;
	if (run == NULL || *run == '\0')
		run = DMIG_RUN_DIR;
	if ((size_t)snprintf (dir, sizeof (dir), "%s/locks/%s", run, kind) >= sizeof (dir))
		return dmig_error_set (err, DMIG_EUSAGE, ENAMETOOLONG, "lock folder too long");
	if (own_dir (run, err) < 0 || (snprintf (path, pcap, "%s/locks", run), own_dir (path, err)) < 0
	    || own_dir (dir, err) < 0)
		return -1;
	if ((size_t)snprintf (path, pcap, "%s/%s.lock", dir, key) >= pcap)
		return dmig_error_set (err, DMIG_EUSAGE, ENAMETOOLONG, "lock path too long");
	return dmig_lockfile_take (path, name, NULL, fd, err);
}

static void
release_one (int *fd, char *path)
{
	if (*fd < 0)
		return;
	dmig_lockfile_release (path, *fd);
	*fd = -1;
	*path = '\0';
}

int
dmig_hostlock_take (const char *kind, const char *name, const char *id, struct dmig_hostlock *l, dmig_error_t *err)
{
	char key[300];

	l->name_fd = l->id_fd = -1;
	if (id != NULL && (*id == '\0' || strspn (id, "0123456789abcdef") != strlen (id)))
		return dmig_error_set (err, DMIG_EFAIL, 0, "container '%s' has an ID dmig cannot read: '%.80s'", name,
		                       id);
	/* the name (a rollback makes the container anew under it), then the
	 * ID (what a rename does not change): always in this order */
	snprintf (key, sizeof (key), "name-%s", name);
	if (take_one (kind, key, name, &l->name_fd, l->name_path, sizeof (l->name_path), err) < 0)
		return -1;
	if (id != NULL) {
		snprintf (key, sizeof (key), "id-%.64s", id);
		if (take_one (kind, key, name, &l->id_fd, l->id_path, sizeof (l->id_path), err) < 0) {
			dmig_hostlock_release (l);
			return -1;
		}
	}
	return 0;
}

void
dmig_hostlock_release (struct dmig_hostlock *l)
{
	release_one (&l->id_fd, l->id_path);
	release_one (&l->name_fd, l->name_path);
}
