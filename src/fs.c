#include "fs.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "clock.h"
#include "interrupt.h"

int
dmig_fs_mkdir_p (const char *path, mode_t mode, dmig_error_t *err)
{
	char buf[PATH_MAX];
	size_t n = strlen (path);

	if (n == 0 || n >= sizeof (buf))
		return dmig_error_set (err, DMIG_EFAIL, ENAMETOOLONG, "cannot create '%s'", path);
	memcpy (buf, path, n + 1);
	for (char *p = buf + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir (buf, mode) < 0 && errno != EEXIST)
				return dmig_error_set (err, DMIG_EFAIL, errno, "cannot create '%s'", buf);
			*p = c;
			if (c == '\0')
				break;
		}
	}
	return 0;
}

static int
rm_one (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir (path) < 0 && errno != ENOENT ? -1 : 0;
	return unlink (path) < 0 && errno != ENOENT ? -1 : 0;
}

int
dmig_fs_rm_rf (const char *path, dmig_error_t *err)
{
	struct stat st;

	if (lstat (path, &st) < 0)
		return errno == ENOENT ? 0 : dmig_error_set (err, DMIG_EFAIL, errno, "cannot remove '%s'", path);
	if (!S_ISDIR (st.st_mode))
		return unlink (path) < 0 ? dmig_error_set (err, DMIG_EFAIL, errno, "cannot remove '%s'", path) : 0;
	if (nftw (path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) != 0)
		return dmig_error_set (err, DMIG_EFAIL, errno, "cannot remove '%s'", path);
	return 0;
}

int
dmig_fs_empty_dir (const char *dir, dmig_error_t *err)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dh = opendir (dir);

	if (dh == NULL)
		return dmig_error_set (err, DMIG_EFAIL, errno, "cannot open '%s'", dir);
	while ((d = readdir (dh)) != NULL) {
		if (strcmp (d->d_name, ".") == 0 || strcmp (d->d_name, "..") == 0)
			continue;
		snprintf (path, sizeof (path), "%s/%s", dir, d->d_name);
		if (dmig_fs_rm_rf (path, err) < 0) {
			closedir (dh);
			return -1;
		}
	}
	closedir (dh);
	return 0;
}

int
dmig_fs_fsync_dir (const char *dir)
{
	int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -1;
	r = fsync (fd);
	close (fd);
	return r;
}

int
dmig_fs_free_bytes (const char *path, uint64_t *out, dmig_error_t *err)
{
	struct statvfs sv;

	if (statvfs (path, &sv) < 0)
		return dmig_error_set (err, DMIG_EFAIL, errno, "cannot tell the free space at '%s'", path);
	*out = (uint64_t)sv.f_bavail * sv.f_frsize;
	return 0;
}

static uint64_t tree_total;

static int
size_one (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if (flag == FTW_F && S_ISREG (st->st_mode))
		tree_total += (uint64_t)st->st_blocks * 512;
	return 0;
}

uint64_t
dmig_fs_tree_size (const char *path)
{
	tree_total = 0;
	nftw (path, size_one, 32, FTW_PHYS | FTW_MOUNT);
	return tree_total;
}

int
dmig_fs_read_all (int fd, char *out, size_t cap, long long deadline)
{
	size_t got = 0;
	int ret = 0;

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		long long left = deadline - dmig_clock_now_ms ();
		char tmp[4096];
		ssize_t n;

		if (left <= 0 || dmig_interrupted) {
			ret = -1;
			break;
		}
		/* short slices: an interruption is seen within half a second */
		if (poll (&p, 1, left > 500 ? 500 : (int)left) <= 0)
			continue;
		n = read (fd, tmp, sizeof (tmp));
		if (n <= 0)
			break;
		if (out && got + 1 < cap) {
			size_t k = (size_t)n < cap - 1 - got ? (size_t)n : cap - 1 - got;
			memcpy (out + got, tmp, k);
			got += k;
		}
	}
	if (out && cap)
		out[got] = '\0';
	return ret;
}
