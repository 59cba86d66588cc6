/* Lock files removed by their holders (lockfile.h). */
#include "lockfile.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Does fd hold the file path names now? */
static int
same_file (int fd, const char *path)
{
	struct stat held, named;

	return fstat (fd, &held) == 0 && stat (path, &named) == 0 && held.st_dev == named.st_dev
	       && held.st_ino == named.st_ino;
}

int
dmig_lockfile_take (const char *path, const char *ctr, int (*remake) (const char *path, dmig_error_t *err), int *fd,
                    dmig_error_t *err)
{
	for (int tries = 0; tries < 100; tries++) {
		*fd = open (path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
		if (*fd < 0 && errno == ENOENT && remake != NULL) {
			/* the folder, left empty, was removed by the last holder */
			if (remake (path, err) < 0)
				return -1;
			continue;
		}
		if (*fd < 0)
			return dmig_error_set (err, DMIG_EFAIL, errno, "cannot open the lock '%s'", path);
		if (flock (*fd, LOCK_EX | LOCK_NB) < 0) {
			int e = errno;
			close (*fd);
			*fd = -1;
			if (e == EWOULDBLOCK)
				return dmig_error_set (
				    err, DMIG_EFAIL, 0,
				    "another dmig is working on container '%s' (it holds %s): try again when it "
				    "is done",
				    ctr, path);
			return dmig_error_set (err, DMIG_EFAIL, e, "cannot lock '%s'", path);
		}
		if (same_file (*fd, path))
			return 0;
		close (*fd); /* removed by its last holder meanwhile: the one there now */
		*fd = -1;
	}
	return dmig_error_set (err, DMIG_EFAIL, 0, "cannot lock '%s': other dmig runs keep replacing it; try again",
	                       path);
}

int
dmig_lockfile_release (const char *path, int fd)
{
	int r = -1;

	if (fd < 0)
		return -1;
	/* still locked: a dmig that opened it meanwhile sees it gone and retries */
	if (path && same_file (fd, path))
		r = unlink (path);
	close (fd); /* releases the flock */
	return r;
}
