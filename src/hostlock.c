/* Host-wide container locks (hostlock.h). */
#include "hostlock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* The lock is a file its holder removes when done (nothing is left once no
 * dmig works on the container): whoever opened it before it was removed
 * may still get the flock of the removed file, so the path must still name
 * the file locked, else the lock is taken anew. */
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
	for (int tries = 0; tries < 100; tries++) {
		struct stat held, named;

		*fd = open (path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
		if (*fd < 0)
			return dmig_error_set (err, DMIG_EFAIL, errno, "cannot open the lock '%s'", path);
		if (flock (*fd, LOCK_EX | LOCK_NB) < 0) {
			int e = errno;
			close (*fd);
			*fd = -1;
			if (e == EWOULDBLOCK)
				return dmig_error_set (
				    err, DMIG_EFAIL, 0,
				    "another dmig is working on container '%s' (it holds %s): try again "
				    "when it is done",
				    name, path);
			return dmig_error_set (err, DMIG_EFAIL, e, "cannot lock '%s'", path);
		}
		if (fstat (*fd, &held) == 0 && stat (path, &named) == 0 && held.st_dev == named.st_dev
		    && held.st_ino == named.st_ino)
			return 0;
		close (*fd); /* removed by its last holder meanwhile: the one there now */
		*fd = -1;
	}
	return dmig_error_set (err, DMIG_EFAIL, 0, "cannot lock '%s': other dmig runs keep replacing it; try again",
	                       path);
}

static void
release_one (int *fd, char *path)
{
	if (*fd < 0)
		return;
	unlink (path); /* still locked: a dmig that opened it meanwhile retries */
	close (*fd);
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
