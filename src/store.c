#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "fs.h"
#include "json.h"
#include "lockfile.h"
#include "log.h"

/* What dmig says to do about a folder it refuses: make it root's (or its
 * user's) and private, or choose another store. */
static int
refuse (dmig_error_t *err, const char *dir, const char *why, bool ancestor)
{
	char owner[32] = "root";

	if (geteuid () != 0)
		snprintf (owner, sizeof (owner), "%u", (unsigned)geteuid ());
	return dmig_error_set (err, DMIG_EPREFLIGHT, 0,
	                       "refusing the store: '%s' %s: run 'chown %s: %s && chmod %s %s' or choose "
	                       "another store with --store DIR",
	                       dir, why, owner, dir, ancestor ? "go-w" : "0700", dir);
}

/* One folder of the store (own: the store's root or a folder in it) or
 * above it. The store's own are dmig's user's and writable by it alone;
 * a folder above belongs to root or dmig's user and only they may write
 * to it, unless it is sticky (like /tmp): others may make entries there
 * but not rename or remove dmig's. */
static int
check_one (const char *dir, const struct stat *st, bool own, dmig_error_t *err)
{
	uid_t me = geteuid ();
	char why[96];

	if (!S_ISDIR (st->st_mode))
		return 0; /* not a folder: the caller's own error says so */
	if (own ? st->st_uid != me : st->st_uid != 0 && st->st_uid != me) {
		snprintf (why, sizeof (why), "belongs to uid %u, not to %s", (unsigned)st->st_uid,
		          own ? "dmig's user" : "root or dmig's user");
		return refuse (err, dir, why, !own);
	}
	if ((st->st_mode & 022) != 0 && (own || !(st->st_mode & S_ISVTX))) {
		snprintf (why, sizeof (why), "may be written by others (mode %04o)", (unsigned)(st->st_mode & 07777));
		return refuse (err, dir, why, !own);
	}
	return 0;
}

/* The folder a path resolves to and every one above it. */
static int
check_real (const char *path, bool own, dmig_error_t *err)
{
	char real[PATH_MAX];
	struct stat st;

	if (realpath (path, real) == NULL)
		return errno == ENOENT || errno == ENOTDIR
		           ? 0
		           : dmig_error_set (err, DMIG_EFAIL, errno, "cannot use '%s'", path);
	for (;;) {
		char *slash = strrchr (real, '/');
		if (lstat (*real ? real : "/", &st) < 0)
			return dmig_error_set (err, DMIG_EFAIL, errno, "cannot use '%s'", *real ? real : "/");
		if (check_one (*real ? real : "/", &st, own, err) < 0)
			return -1;
		if (slash == NULL || *real == '\0')
			return 0;
		*slash = '\0';
		own = false;
	}
}

int
dmig_store_check (const char *path, dmig_error_t *err)
{
	char abs[PATH_MAX];
	size_t n;

	/* Each folder on the way as written, through any symlink: one
	 * in a folder others may change could be pointed elsewhere. */
	if (*path == '/')
		n = (size_t)snprintf (abs, sizeof (abs), "%s", path);
	else {
		char cwd[PATH_MAX];
		if (getcwd (cwd, sizeof (cwd)) == NULL)
			return dmig_error_set (err, DMIG_EFAIL, errno, "cannot use the store '%s'", path);
		n = (size_t)snprintf (abs, sizeof (abs), "%s/%s", cwd, path);
	}
	if (n >= sizeof (abs))
		return dmig_error_set (err, DMIG_EUSAGE, ENAMETOOLONG, "store path too long");
	for (size_t i = 1; i <= n; i++) {
		if (abs[i] != '/' && abs[i] != '\0')
			continue;
		abs[i] = '\0';
		if (check_real (abs, i == n, err) < 0)
			return -1;
		if (i < n)
			abs[i] = '/';
	}
	return 0;
}

/* mkdir with 0700, or bring an existing folder of ours to 0700 (one
 * others may write to, or someone else's, is refused). */
static int
private_dir (const char *path, dmig_error_t *err)
{
	struct stat st;

	if (mkdir (path, 0700) == 0)
		return 0;
	if (errno != EEXIST)
		return dmig_error_set (err, DMIG_EFAIL, errno, "cannot create the store folder '%s'", path);
	if (lstat (path, &st) < 0 || !S_ISDIR (st.st_mode))
		return dmig_error_set (err, DMIG_EFAIL, ENOTDIR, "the store folder '%s' is not a folder", path);
	if (check_one (path, &st, true, err) < 0)
		return -1;
	if ((st.st_mode & 077) != 0 && chmod (path, 0700) < 0)
		return dmig_error_set (err, DMIG_EFAIL, errno, "cannot make '%s' private", path);
	return 0;
}

int
dmig_store_dir (const char *root, const char *engine, const char *ctr, int create, char **out, dmig_error_t *err)
{
	char path[PATH_MAX];

	*out = NULL;
	if (dmig_ref_valid_container (ctr, err) < 0)
		return -1;
	if ((size_t)snprintf (path, sizeof (path), "%s/%s/%s", root, engine, ctr) >= sizeof (path))
		return dmig_error_set (err, DMIG_EUSAGE, ENAMETOOLONG, "store path too long");
	if (create) {
		char p[PATH_MAX];
		struct stat st;
		if (stat (root, &st) < 0 && dmig_fs_mkdir_p (root, 0700, err) < 0)
			return dmig_error_wrap (err,
			                        "cannot use the store (choose one with --store DIR or DMIG_STORE)");
		if (dmig_store_check (root, err) < 0)
			return -1;
		snprintf (p, sizeof (p), "%s/%s", root, engine);
		if (private_dir (p, err) < 0 || private_dir (path, err) < 0)
			return (*err)->status == DMIG_EPREFLIGHT
			           ? -1
			           : dmig_error_wrap (
			               err, "cannot use the store (choose one with --store DIR or DMIG_STORE)");
	} else {
		char p[PATH_MAX];
		snprintf (p, sizeof (p), "%s/%s", root, engine);
		if (dmig_store_check (root, err) < 0 || dmig_store_check (p, err) < 0
		    || dmig_store_check (path, err) < 0)
			return -1;
	}
	*out = strdup (path);
	return *out ? 0 : dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
}

/* The container's store folder again, for the lock at path in it. */
static int
remake_dir (const char *path, dmig_error_t *err)
{
	char dir[PATH_MAX];
	const char *slash = strrchr (path, '/');

	snprintf (dir, sizeof (dir), "%.*s", slash ? (int)(slash - path) : 0, path);
	return private_dir (dir, err);
}

/* <dir>/.lock, a lock file its last holder removes (lockfile.h), and the
 * folder with it when that leaves it empty. */
int
dmig_store_lock (const char *dir, const char *ctr, int *fd, dmig_error_t *err)
{
	char path[PATH_MAX];

	*fd = -1;
	if ((size_t)snprintf (path, sizeof (path), "%s/.lock", dir) >= sizeof (path))
		return dmig_error_set (err, DMIG_EUSAGE, ENAMETOOLONG, "store path too long");
	return dmig_lockfile_take (path, ctr, remake_dir, fd, err);
}

void
dmig_store_unlock (const char *dir, int fd)
{
	char path[PATH_MAX];

	if (fd < 0)
		return;
	/* the lock file goes, and the folder if that leaves it empty (rmdir
	 * removes only an empty one) */
	if (dir && (size_t)snprintf (path, sizeof (path), "%s/.lock", dir) < sizeof (path)) {
		if (dmig_lockfile_release (path, fd) == 0)
			rmdir (dir);
	} else
		close (fd);
}

int
dmig_store_staging (const char *dir, char **out, dmig_error_t *err)
{
	char *p = NULL;

	if (asprintf (&p, "%s/.staging-XXXXXX", dir) < 0)
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	if (mkdtemp (p) == NULL) { /* mkdtemp makes it 0700 */
		int e = errno;
		free (p);
		return dmig_error_set (err, DMIG_EFAIL, e, "cannot create a staging folder in '%s'", dir);
	}
	*out = p;
	return 0;
}

static int
by_created (const void *a, const void *b)
{
	const struct dmig_snapinfo *x = a, *y = b;
	int c = strcmp (x->created, y->created);
	return c ? c : strcmp (x->name, y->name);
}

int
dmig_store_list (const char *dir, struct dmig_snaplist *out, dmig_error_t *err)
{
	DIR *dh = opendir (dir);
	struct dirent *d;
	size_t cap = 0;

	memset (out, 0, sizeof (*out));
	if (dh == NULL) {
		if (errno == ENOENT)
			return 0;
		return dmig_error_set (err, DMIG_EFAIL, errno,
		                       "cannot read the store folder '%s' (choose a store with --store DIR)", dir);
	}
	while ((d = readdir (dh)) != NULL) {
		size_t n = strlen (d->d_name), el = strlen (DMIG_BUNDLE_EXT);
		struct dmig_snapinfo *s;
		struct dmig_auth auth;
		dmig_error_t e2 = NULL;
		json_object *m = NULL;
		char *path = NULL;
		const char *created;

		if (n <= el || d->d_name[0] == '.' || strcmp (d->d_name + n - el, DMIG_BUNDLE_EXT) != 0
		    || n - el > DMIG_NAME_MAX)
			continue;
		if (asprintf (&path, "%s/%s", dir, d->d_name) < 0)
			continue;
		if (dmig_bundle_read_manifest (path, &m, &auth, &e2) < 0) {
			/* a fifo, a device, a symlink, a damaged bundle or one
			 * changed after it was signed:
			 * said, left alone (prune does not count it either) */
			dmig_log_warn ("skipping %s", e2->msg);
			dmig_error_release (&e2);
			free (path);
			continue;
		}
		if (out->n == cap) {
			struct dmig_snapinfo *ns = realloc (out->s, (cap = cap ? cap * 2 : 16) * sizeof (*ns));
			if (ns == NULL) {
				json_object_put (m);
				free (path);
				break;
			}
			out->s = ns;
		}
		s = &out->s[out->n++];
		memset (s, 0, sizeof (*s));
		memcpy (s->name, d->d_name, n - el);
		created = dmig_json_str (m, "created");
		snprintf (s->created, sizeof (s->created), "%s", created ? created : "");
		s->path = path;
		s->manifest = m;
		s->auth = auth;
	}
	closedir (dh);
	if (out->n > 1)
		qsort (out->s, out->n, sizeof (*out->s), by_created);
	return 0;
}

void
dmig_store_list_free (struct dmig_snaplist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free (l->s[i].path);
		json_object_put (l->s[i].manifest);
	}
	free (l->s);
	memset (l, 0, sizeof (*l));
}

const struct dmig_snapinfo *
dmig_store_list_find (const struct dmig_snaplist *l, const char *name)
{
	if (l->n == 0)
		return NULL;
	if (name == NULL || *name == '\0')
		return &l->s[l->n - 1];
	for (size_t i = 0; i < l->n; i++)
		if (strcmp (l->s[i].name, name) == 0)
			return &l->s[i];
	return NULL;
}

int
dmig_store_kinds (const char *root, const char *ctr, const char *const *all,
                  const char *kinds[DMIG_STORE_KINDS_MAX + 1])
{
	int n = 0;

	for (size_t i = 0; all[i] && n < DMIG_STORE_KINDS_MAX; i++) {
		char path[PATH_MAX];
		struct stat st;
		snprintf (path, sizeof (path), "%s/%s/%s", root, all[i], ctr);
		if (stat (path, &st) == 0 && S_ISDIR (st.st_mode))
			kinds[n++] = all[i];
	}
	kinds[n] = NULL;
	return n;
}

int
dmig_store_prune (const struct dmig_snaplist *l, size_t keep, size_t *removed, dmig_error_t *err)
{
	*removed = 0;
	for (size_t i = 0; l->n > keep && i < l->n - keep; i++) {
		if (unlink (l->s[i].path) < 0 && errno != ENOENT)
			return dmig_error_set (err, DMIG_EFAIL, errno, "cannot remove '%s'", l->s[i].path);
		dmig_log_debug ("removed snapshot %s", l->s[i].name);
		(*removed)++;
	}
	return 0;
}

void
dmig_store_timestamp (char compact[32], char iso[32])
{
	struct timespec ts;
	struct tm tm;

	clock_gettime (CLOCK_REALTIME, &ts);
	gmtime_r (&ts.tv_sec, &tm);
	strftime (compact, 32, "%Y%m%dT%H%M%SZ", &tm);
	/* Milliseconds keep snapshots taken in one second in order. */
	{
		size_t n = strftime (iso, 32, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf (iso + n, 32 - n, ".%03dZ", (int)(ts.tv_nsec / 1000000) % 1000);
	}
}

void
dmig_store_sweep (const char *dir)
{
	struct dirent *d;
	DIR *dh = opendir (dir);
	char path[PATH_MAX];

	while (dh && (d = readdir (dh)) != NULL)
		if (strncmp (d->d_name, ".staging-", 9) == 0
		    && (size_t)snprintf (path, sizeof (path), "%s/%s", dir, d->d_name) < sizeof (path)
		    && dmig_fs_rm_rf (path, NULL) == 0)
			dmig_log_debug ("removed %s, left by a dmig that was killed", path);
	if (dh)
		closedir (dh);
}
