/* Docker: a container's log carried to a new container. The json-file and
 * local drivers keep it in the container's folder, where `docker logs`
 * reads it: <id>-json.log, or local-logs/container.log, and the rotated
 * files beside it (max-file) as NAME.N or NAME.N.gz. Docker opens the live
 * file for appending when the container starts: a new container (a move's
 * clone, a rollback's) goes on with an older one's log when the files are
 * in place before its start. Other drivers keep nothing here to carry. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive_io.h"
#include "docker_log.h"
#include "clock.h"
#include "log.h"
#include "sink.h"
#include "tarstream.h"

#define LOG_WAIT_MS   (10 * 1000L)
#define LOG_SETTLE_MS (5 * 1000L)

struct logdir {
	char ctr[PATH_MAX];      /* the container's folder */
	const char *sub;         /* the log's folder in it: "" or "local-logs" */
	char base[NAME_MAX + 1]; /* the live file's name */
};

struct logfile {
	char name[NAME_MAX + 1];
	unsigned long long ino, size;
};

static bool
hex_id (const char *id)
{
	return id && *id && strlen (id) <= 64 && strspn (id, "0123456789abcdef") == strlen (id);
}

/* Where container id of the engine rooted at root keeps its log with this
 * driver: false when the driver keeps none there. */
static bool
log_where (const char *root, const char *id, const char *driver, struct logdir *ld)
{
	bool json = driver && strcmp (driver, "json-file") == 0, local = driver && strcmp (driver, "local") == 0;

	if (!(json || local) || !hex_id (id))
		return false;
	snprintf (ld->ctr, sizeof (ld->ctr), "%s/containers/%s", root, id);
	ld->sub = local ? "local-logs" : "";
	if (local)
		snprintf (ld->base, sizeof (ld->base), "container.log");
	else
		snprintf (ld->base, sizeof (ld->base), "%s-json.log", id);
	return true;
}

/* The same for an inspected container: json-file's LogPath, where set,
 * says where its log is. */
static bool
log_of (const char *root, const struct dmig_container *ctr, struct logdir *ld)
{
	const char *lp = ctr->log_path, *slash = lp ? strrchr (lp, '/') : NULL;

	if (!log_where (root, ctr->id, ctr->log_driver, ld))
		return false;
	if (*ld->sub == '\0' && slash && slash > lp && strlen (slash + 1) < sizeof (ld->base)) {
		snprintf (ld->ctr, sizeof (ld->ctr), "%.*s", (int)(slash - lp), lp);
		snprintf (ld->base, sizeof (ld->base), "%s", slash + 1);
	}
	return true;
}

static int
log_path (const struct logdir *ld, const char *name, char *out, size_t cap, dmig_error_t *err)
{
	int r = snprintf (out, cap, "%s/%s%s%s", ld->ctr, ld->sub, *ld->sub ? "/" : "", name);
	return r < 0 || (size_t)r >= cap
	           ? dmig_error_set (err, DMIG_EFAIL, ENAMETOOLONG, "path too long: '%s'", ld->ctr)
	           : 0;
}

/* Is name one of the log's files: base, base.N or base.N.gz? */
static bool
log_name (const char *name, const char *base)
{
	size_t n = strlen (base);
	const char *d = name + n + 1;

	if (strncmp (name, base, n) != 0)
		return false;
	if (name[n] == '\0')
		return true;
	if (name[n] != '.' || *d < '0' || *d > '9')
		return false;
	while (*d >= '0' && *d <= '9')
		d++;
	return *d == '\0' || strcmp (d, ".gz") == 0;
}

static int
logfile_cmp (const void *a, const void *b)
{
	return strcmp (((const struct logfile *)a)->name, ((const struct logfile *)b)->name);
}

/* The log's files as they are, by name: the live one (a prefix of the
 * others' names) first. */
static int
log_list (const struct logdir *ld, struct logfile **out, size_t *n, dmig_error_t *err)
{
	char dir[PATH_MAX + 16];
	struct logfile *v = NULL, *nv;
	size_t cap = 0;
	struct dirent *de;
	DIR *d;

	*out = NULL;
	*n = 0;
	if (log_path (ld, "", dir, sizeof (dir), err) < 0)
		return -1;
	if ((d = opendir (dir)) == NULL)
		return errno == ENOENT ? 0 : dmig_error_set (err, DMIG_EFAIL, errno, "cannot read '%s'", dir);
	while ((de = readdir (d)) != NULL) {
		struct stat st;

		if (!log_name (de->d_name, ld->base) || fstatat (dirfd (d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0
		    || !S_ISREG (st.st_mode))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 8;
			if ((nv = realloc (v, cap * sizeof (*v))) == NULL) {
				closedir (d);
				free (v);
				return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
			}
			v = nv;
		}
		snprintf (v[*n].name, sizeof (v[*n].name), "%s", de->d_name);
		v[*n].ino = (unsigned long long)st.st_ino;
		v[*n].size = (unsigned long long)st.st_size;
		(*n)++;
	}
	closedir (d);
	if (*n > 1)
		qsort (v, *n, sizeof (*v), logfile_cmp);
	*out = v;
	return 0;
}

/* Docker compresses a rotated file (max-file with compress) after the
 * rotation, on its own: it writes NAME.N.gz, then removes NAME.N. */
static bool
compressing (const struct logfile *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen (v[i].name);
		for (size_t j = 0; len > 3 && strcmp (v[i].name + len - 3, ".gz") == 0 && j < n; j++)
			if (strlen (v[j].name) == len - 3 && strncmp (v[j].name, v[i].name, len - 3) == 0)
				return true;
	}
	return false;
}

/* The files of a log that is written no more, once any compression is
 * done (waited for a few seconds at most). */
static int
log_list_final (const struct logdir *ld, struct logfile **v, size_t *n, dmig_error_t *err)
{
	long long until = dmig_clock_now_ms () + LOG_SETTLE_MS;

	for (;;) {
		if (log_list (ld, v, n, err) < 0)
			return -1;
		if (!compressing (*v, *n) || dmig_clock_now_ms () > until)
			return 0;
		free (*v);
		usleep (20 * 1000);
	}
}

/* Docker closes a container's log file once the container has stopped
 * (after its output's last line): wait for that. */
static int
log_closed (struct dmig_engine *e, const char *id, dmig_error_t *err)
{
	char path[1024];

	if (dmig_engine_path (e, false, path, sizeof (path), err, "/containers/%s/wait?condition=not-running", id) < 0)
		return -1;
	return dmig_engine_must (e, "POST", path, NULL, LOG_WAIT_MS, NULL, err);
}

/* What went where: "name inode size" a line, the live file first. */
static int
log_state (const struct logfile *v, size_t n, char **out, dmig_error_t *err)
{
	size_t len = 0;
	FILE *f = open_memstream (out, &len);

	if (f == NULL)
		return dmig_error_set (err, DMIG_EFAIL, errno, "out of memory");
	for (size_t i = 0; i < n; i++)
		fprintf (f, "%s %llu %llu\n", v[i].name, v[i].ino, v[i].size);
	if (fclose (f) != 0) {
		free (*out);
		*out = NULL;
		return dmig_error_set (err, DMIG_EFAIL, errno, "out of memory");
	}
	return 0;
}

/* The log of a container on this host going to a new one (maybe on
 * another host, not started yet). */
struct logcarry {
	struct logdir from, to;
	struct dmig_engine *src; /* the source's engine, and the container */
	const char *src_id;
	char **sent; /* what went before the freeze (log_state) */
	bool whole;  /* the tail found the log rotated: all of it again */
};

/* Feed: every file of the log as a tar, named as the new container's,
 * each up to the size it has when it is opened. */
static int
feed_whole (void *arg, struct dmig_sink *sink, dmig_error_t *err)
{
	struct logcarry *lc = arg;
	struct dmig_tar_writer *w = NULL;
	struct logfile *v = NULL;
	char *state = NULL;
	size_t n = 0, sent = 0;
	int ret = -1;

	if (log_list (&lc->from, &v, &n, err) < 0 || dmig_tar_writer_open (sink->fd, false, &w, err) < 0)
		goto out;
	if (*lc->to.sub && dmig_tar_writer_add_dir (w, lc->to.sub, 0700, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX + 2 * NAME_MAX], member[2 * NAME_MAX + 16];
		struct stat st;
		int fd, r;

		if (log_path (&lc->from, v[i].name, path, sizeof (path), err) < 0)
			goto out;
		/* rotated away meanwhile: the tail's look tells */
		if ((fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0 && errno == ENOENT)
			continue;
		if (fd < 0 || fstat (fd, &st) < 0) {
			dmig_error_set (err, DMIG_EFAIL, errno, "cannot read '%s'", path);
			if (fd >= 0)
				close (fd);
			goto out;
		}
		snprintf (member, sizeof (member), "%s%s%s%s", lc->to.sub, *lc->to.sub ? "/" : "", lc->to.base,
		          v[i].name + strlen (lc->from.base));
		r = dmig_tar_writer_add_fd (w, member, fd, (uint64_t)st.st_size, err);
		close (fd);
		if (r < 0)
			goto out;
		/* what was sent: the file as it was opened */
		v[sent] = v[i];
		v[sent].ino = (unsigned long long)st.st_ino;
		v[sent++].size = (unsigned long long)st.st_size;
		sink->bytes += (uint64_t)st.st_size;
	}
	ret = log_state (v, sent, &state, err);
out:
	if (w && dmig_tar_writer_close (w, ret == 0 ? err : NULL) < 0)
		ret = -1;
	if (ret == 0) {
		free (*lc->sent);
		*lc->sent = state;
		dmig_log_debug ("log: %zu files, %llu bytes", sent, (unsigned long long)sink->bytes);
	} else
		free (state);
	free (v);
	return ret;
}

/* Feed: what the live file gained since the bulk went (the source has
 * stopped), to be appended there; nothing when the log rotated meanwhile
 * (whole is set: all of it goes again). */
static int
feed_tail (void *arg, struct dmig_sink *sink, dmig_error_t *err)
{
	struct logcarry *lc = arg;
	struct logfile *v = NULL;
	char *now = NULL, path[PATH_MAX + NAME_MAX + 16], buf[64 * 1024];
	const char *was = *lc->sent ? *lc->sent : "", *was_rest = strchr (was, '\n'), *now_rest;
	unsigned long long ino = 0, size = 0, left;
	dmig_error_t e2 = NULL;
	size_t n = 0, blen = strlen (lc->from.base);
	int fd, ret = -1;

	if (log_closed (lc->src, lc->src_id, &e2) < 0) {
		dmig_log_warn ("the log may lack its last lines: %s", e2->msg);
		dmig_error_release (&e2);
	}
	if (log_list_final (&lc->from, &v, &n, err) < 0 || log_state (v, n, &now, err) < 0)
		goto out;
	now_rest = strchr (now, '\n');
	/* only the live file grew: the same inode, and the rotated ones as
	 * they were */
	lc->whole = !(n > 0 && strcmp (v[0].name, lc->from.base) == 0 && was_rest && now_rest
	              && strncmp (was, lc->from.base, blen) == 0 && was[blen] == ' '
	              && sscanf (was + blen, " %llu %llu", &ino, &size) == 2 && ino == v[0].ino && size <= v[0].size
	              && strcmp (was_rest, now_rest) == 0);
	if (lc->whole) {
		ret = 0;
		goto out;
	}
	if (log_path (&lc->from, v[0].name, path, sizeof (path), err) < 0)
		goto out;
	if ((fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0 || lseek (fd, (off_t)size, SEEK_SET) < 0) {
		dmig_error_set (err, DMIG_EFAIL, errno, "cannot read '%s'", path);
		if (fd >= 0)
			close (fd);
		goto out;
	}
	for (left = v[0].size - size; left > 0;) {
		ssize_t r = read (fd, buf, left < sizeof (buf) ? left : sizeof (buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			dmig_error_set (err, DMIG_EFAIL, r < 0 ? errno : 0, "reading '%s'%s", path,
			                r == 0 ? ": it shrank while being read" : "");
			break;
		}
		if (dmig_sink_put (sink, buf, (size_t)r) < 0) {
			dmig_error_set (err, DMIG_EFAIL, sink->werr, "cannot send the log");
			break;
		}
		left -= (unsigned long long)r;
	}
	close (fd);
	if (left == 0) {
		dmig_log_debug ("log: %llu bytes after the freeze", v[0].size - size);
		ret = 0;
	}
out:
	free (now);
	free (v);
	return ret;
}

static int
feed_nothing (void *arg, struct dmig_sink *sink, dmig_error_t *err)
{
	(void)arg;
	(void)sink;
	(void)err;
	return 0;
}

/* Copy (or, on the same file system, link: the old container is removed
 * once the new one runs) one file of a log. */
static int
log_copy (const char *from, const char *to, dmig_error_t *err)
{
	char buf[64 * 1024];
	struct stat st;
	int in, out, ret = -1;

	if (link (from, to) == 0)
		return 0;
	if ((in = open (from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0 || fstat (in, &st) < 0) {
		dmig_error_set (err, DMIG_EFAIL, errno, "cannot read '%s'", from);
		if (in >= 0)
			close (in);
		return -1;
	}
	if ((out = open (to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st.st_mode & 0777)) < 0) {
		dmig_error_set (err, DMIG_EFAIL, errno, "cannot create '%s'", to);
		close (in);
		return -1;
	}
	for (;;) {
		ssize_t r = read (in, buf, sizeof (buf)), k;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			dmig_error_set (err, DMIG_EFAIL, errno, "cannot read '%s'", from);
			goto done;
		}
		if (r == 0)
			break;
		for (ssize_t w = 0; w < r; w += k)
			if ((k = write (out, buf + w, (size_t)(r - w))) < 0 && errno == EINTR)
				k = 0;
			else if (k <= 0) {
				dmig_error_set (err, DMIG_EFAIL, k < 0 ? errno : EIO, "cannot write '%s'", to);
				goto done;
			}
	}
	ret = 0;
done:
	if (close (out) < 0 && ret == 0)
		ret = dmig_error_set (err, DMIG_EFAIL, errno, "cannot write '%s'", to);
	close (in);
	if (ret < 0)
		unlink (to);
	return ret;
}

/* A rollback's new container id (made from cfg, not started) goes on with
 * the log of the container old, stopped, on the same engine. */
int
dmig_docker_log_continue (struct dmig_engine *e, const char *old, const struct dmig_container *cfg, const char *id,
                          dmig_error_t *err)
{
	const char *driver = cfg->log_driver, *was;
	struct dmig_container *prev = NULL;
	struct logfile *v = NULL;
	struct logdir from, to;
	size_t n = 0;
	int ret = -1;

	if (dmig_engine_inspect (e, old, &prev, err) < 0)
		return -1;
	was = prev ? prev->log_driver : NULL;
	if (prev == NULL || !log_of (e->root, prev, &from) || !log_where (e->root, id, driver, &to) || was == NULL
	    || strcmp (driver, was) != 0) {
		dmig_log_debug ("log driver '%s': no log of '%s' to carry over", driver ? driver : "?", old);
		dmig_container_free (prev);
		return 0;
	}
	if (log_closed (e, prev->id, err) < 0 || log_list_final (&from, &v, &n, err) < 0)
		goto out;
	if (*to.sub) {
		char dir[PATH_MAX + 16];
		if (log_path (&to, "", dir, sizeof (dir), err) < 0)
			goto out;
		if (mkdir (dir, 0700) < 0 && errno != EEXIST) {
			dmig_error_set (err, DMIG_EFAIL, errno, "cannot create '%s'", dir);
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		char src[PATH_MAX + 2 * NAME_MAX], dst[PATH_MAX + 2 * NAME_MAX], name[2 * NAME_MAX + 8];

		snprintf (name, sizeof (name), "%s%s", to.base, v[i].name + strlen (from.base));
		if (log_path (&from, v[i].name, src, sizeof (src), err) < 0
		    || log_path (&to, name, dst, sizeof (dst), err) < 0)
			goto out;
		if (log_copy (src, dst, err) < 0)
			goto out;
	}
	dmig_log_debug ("log of '%s' carried over (%zu files)", old, n);
	ret = 0;
out:
	dmig_container_free (prev);
	free (v);
	return ret;
}

/* The move's log: from the source's folder into the clone's (on the
 * target, its paths the target engine's). */
static bool
move_log (struct dmig_move *m, struct logcarry *lc)
{
	struct dmig_docker_move *dm = m->priv;

	memset (lc, 0, sizeof (*lc));
	lc->src = m->src;
	lc->src_id = m->ctr->id;
	lc->sent = &dm->clone_log;
	return log_of (m->src->root, m->ctr, &lc->from)
	       && log_where (m->dst->root, dm->clone_id, m->ctr->log_driver, &lc->to);
}

/* Before the freeze, the log as it is so far: the ship adds only what the
 * container writes after this (Docker opens the clone's log when it
 * starts, after the ship). */
int
dmig_docker_log_prepare (struct dmig_move *m, dmig_error_t *err)
{
	struct logcarry lc;
	struct dmig_send s = {.what = "the log", .feed = feed_whole, .arg = &lc};
	struct dmig_docker_move *dm = m->priv;
	const char *driver = m->ctr->log_driver;
	char of[PATH_MAX + NAME_MAX + 16];
	char *dd[] = {"dd", of, "oflag=append", "conv=notrunc", "bs=64K", "status=none", NULL};

	if (!move_log (m, &lc)) {
		dmig_log_debug ("log driver '%s' keeps no log file dmig can carry: 'docker logs' on %s shows only what "
		                "comes after the move",
		                driver ? driver : "?", dmig_ssh_name (m->ssh));
		return 0;
	}
	s.dest = lc.to.ctr;
	if (dmig_ship_dirs (m->ssh, &s, 1, &m->bytes_sent, err) < 0)
		return -1;
	/* the writer of the rest starts now, before the freeze */
	memcpy (of, "of=", 3);
	if (log_path (&lc.to, lc.to.base, of + 3, sizeof (of) - 3, err) < 0
	    || dmig_ssh_open_exec (m->ssh, dd, &dm->log_tail_fd, &dm->log_tail_id, err) < 0)
		return dmig_error_wrap (err, "shipping the log");
	dm->log_tail_open = true;
	return 0;
}

void
dmig_docker_log_close (struct dmig_move *m)
{
	struct dmig_docker_move *dm = m->priv;

	if (dm && dm->log_tail_open) {
		shutdown (dm->log_tail_fd, SHUT_WR);
		close (dm->log_tail_fd);
		dm->log_tail_open = false;
	}
}

/* The appending command's word on what it got. */
static int
log_tail_end (struct dmig_move *m, const char *dest, dmig_error_t *err)
{
	struct dmig_docker_move *dm = m->priv;
	char errtext[1024], drain[4096];
	int status = -1;

	while (read (dm->log_tail_fd, drain, sizeof (drain)) > 0)
		;
	close (dm->log_tail_fd);
	dm->log_tail_open = false;
	if (dmig_ssh_wait (m->ssh, dm->log_tail_id, LOG_WAIT_MS, &status, errtext, sizeof (errtext), err) < 0)
		return dmig_error_wrap (err, "shipping the log's last lines");
	errtext[strcspn (errtext, "\n")] = '\0';
	if (status != 0)
		return dmig_error_set (err, DMIG_EFAIL, 0,
		                       "shipping the log's last lines: writing %s on %s failed: dd exited %d%s%s", dest,
		                       dmig_ssh_name (m->ssh), status, *errtext ? ": " : "", errtext);
	return 0;
}

/* After the ship's tail found the log rotated since the bulk went: all of
 * it again, and the files that went before and are gone now removed there
 * (a rotated file Docker has compressed since). */
static int
move_log_whole (struct dmig_move *m, struct logcarry *lc, dmig_error_t *err)
{
	struct logfile *v = NULL;
	size_t n = 0, nstale = 0;
	char **rm = NULL, *line, *save = NULL, *was = NULL;
	struct dmig_send s[2];
	int r = -1;

	dmig_log_debug ("the log rotated during the move: sending all of it again");
	if (log_list (&lc->from, &v, &n, err) < 0)
		return -1;
	was = strdup (*lc->sent);
	rm = calloc (n + 8 + (was ? strlen (was) : 0), sizeof (*rm));
	if (was == NULL || rm == NULL) {
		dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
		goto out;
	}
	rm[0] = "rm";
	rm[1] = "-f";
	rm[2] = "--";
	for (line = strtok_r (was, "\n", &save); line; line = strtok_r (NULL, "\n", &save)) {
		char path[PATH_MAX + 2 * NAME_MAX], name[2 * NAME_MAX + 8];
		bool gone = true;

		line[strcspn (line, " ")] = '\0';
		for (size_t i = 0; i < n; i++)
			gone &= strcmp (v[i].name, line) != 0;
		if (!gone || strlen (line) < strlen (lc->from.base))
			continue;
		snprintf (name, sizeof (name), "%s%s", lc->to.base, line + strlen (lc->from.base));
		if (log_path (&lc->to, name, path, sizeof (path), err) < 0)
			goto out;
		if ((rm[3 + nstale] = strdup (path)) == NULL) {
			dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
			goto out;
		}
		nstale++;
	}
	s[0] = (struct dmig_send){.dest = lc->to.ctr, .what = "the log", .feed = feed_whole, .arg = lc};
	s[1] = (struct dmig_send){.dest = lc->to.ctr, .what = "the log's old files", .argv = rm, .feed = feed_nothing};
	r = dmig_ship_dirs (m->ssh, s, nstale ? 2 : 1, &m->bytes_sent, err);
out:
	for (size_t i = 0; rm && i < nstale; i++)
		free (rm[3 + i]);
	free (rm);
	free (was);
	free (v);
	return r;
}

/* First in the ship (the source has just stopped): what the log gained
 * since the bulk went, a few lines, to the writer there, which runs
 * already; nothing when the log rotated meanwhile (whole). */
int
dmig_docker_log_tail (struct dmig_move *m, struct dmig_docker_log_ship *ls, dmig_error_t *err)
{
	struct dmig_docker_move *dm = m->priv;
	struct dmig_sink sink = {.progress = 1};
	struct logcarry lc;
	int r;

	memset (ls, 0, sizeof (*ls));
	if (dm == NULL || !dm->log_tail_open || !move_log (m, &lc))
		return 0;
	ls->active = true;
	sink.fd = dm->log_tail_fd;
	r = feed_tail (&lc, &sink, err);
	ls->whole = lc.whole;
	m->bytes_sent += sink.bytes;
	shutdown (dm->log_tail_fd, SHUT_WR);
	if (r < 0) {
		dmig_docker_log_close (m);
		return dmig_error_wrap (err, "shipping the log's last lines");
	}
	return 0;
}

/* Once the rest has gone: the writer's word, and all of the log again if
 * it rotated. */
int
dmig_docker_log_end (struct dmig_move *m, struct dmig_docker_log_ship *ls, dmig_error_t *err)
{
	char dest[PATH_MAX + NAME_MAX + 16];
	struct logcarry lc;

	if (!ls->active || !move_log (m, &lc))
		return 0;
	if (log_path (&lc.to, lc.to.base, dest, sizeof (dest), err) < 0 || log_tail_end (m, dest, err) < 0)
		return -1;
	return ls->whole ? move_log_whole (m, &lc, err) : 0;
}
