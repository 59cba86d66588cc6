/* A running container's processes and what they hold open, from /proc and
 * the kernel's socket diagnostics: what CRIU is known not to dump, found
 * before anything changes. */
#include "live.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

#define MAX_PIDS 65536

static bool
numeric (const char *s)
{
	return *s && strspn (s, "0123456789") == strlen (s);
}

/* The parent of process pid (0 when it cannot be read): the field after
 * the state, which follows the last ')' of /proc/<pid>/stat. */
static int
parent_of (int pid)
{
	char path[64], buf[512], *p;
	int ppid = 0;
	FILE *f;

	snprintf (path, sizeof (path), "/proc/%d/stat", pid);
	if ((f = fopen (path, "re")) == NULL)
		return 0;
	if (fgets (buf, sizeof (buf), f) != NULL && (p = strrchr (buf, ')')) != NULL
	    && sscanf (p + 1, " %*c %d", &ppid) != 1)
		ppid = 0;
	fclose (f);
	return ppid;
}

static bool
same_link (const char *a, const char *b)
{
	char la[64], lb[64];
	ssize_t na = readlink (a, la, sizeof (la) - 1), nb = readlink (b, lb, sizeof (lb) - 1);

	return na > 0 && na == nb && memcmp (la, lb, (size_t)na) == 0;
}

static bool
listed (const int *pids, size_t n, int pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* The container's processes: those in init's PID namespace, or, when that
 * is dmig's own (--pid host, or a test), init and its descendants. */
static int
find_pids (int init, struct dmig_live *l, dmig_error_t *err)
{
	char mine[64], path[64], ns[64];
	bool own_ns;
	size_t before;

	snprintf (ns, sizeof (ns), "/proc/%d/ns/pid", init);
	snprintf (mine, sizeof (mine), "/proc/self/ns/pid");
	if (access (ns, F_OK) < 0)
		return dmig_error_set (err, DMIG_EFAIL, errno, "cannot read process %d", init);
	own_ns = same_link (ns, mine);
	if ((l->pids = calloc (MAX_PIDS, sizeof (*l->pids))) == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	l->pids[l->npids++] = init;
	/* descendants: passes over /proc until no new one is found */
	do {
		DIR *d = opendir ("/proc");
		struct dirent *de;

		if (d == NULL)
			return dmig_error_set (err, DMIG_EFAIL, errno, "cannot read /proc");
		before = l->npids;
		while ((de = readdir (d)) != NULL && l->npids < MAX_PIDS) {
			int pid;

			if (!numeric (de->d_name) || (pid = atoi (de->d_name)) == init
			    || listed (l->pids, l->npids, pid))
				continue;
			snprintf (path, sizeof (path), "/proc/%d/ns/pid", pid);
			if (own_ns ? listed (l->pids, l->npids, parent_of (pid)) : same_link (path, ns))
				l->pids[l->npids++] = pid;
		}
		closedir (d);
	} while (own_ns && l->npids > before);
	return 0;
}

static int
cmp_ino (const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
	return x < y ? -1 : x > y;
}

static bool
has_sock (const struct dmig_live *l, unsigned long ino)
{
	return ino != 0 && bsearch (&ino, l->socks, l->nsocks, sizeof (ino), cmp_ino) != NULL;
}

/* A character device CRIU dumps: /dev/null, zero, full, random, urandom,
 * /dev/tty, ptmx and the ptys, /dev/net/tun. */
static bool
dumpable_chr (dev_t rdev)
{
	unsigned int maj = major (rdev), min = minor (rdev);

	return (maj == 1 && (min == 3 || min == 5 || min == 7 || min == 8 || min == 9))
	       || (maj == 5 && (min == 0 || min == 2)) || (maj >= 136 && maj <= 143) || (maj == 10 && min == 200);
}

/* One descriptor of a container's process: a socket's inode noted, what
 * CRIU cannot dump counted. */
static int
one_fd (struct dmig_live *l, int pid, const char *fd, size_t *cap)
{
	static const char *const anon[] = {"anon_inode:[io_uring]", "anon_inode:[perf_event]", "anon_inode:bpf-prog"};
	char path[64], target[PATH_MAX], what[PATH_MAX + 64] = "";
	unsigned long ino;
	struct stat st;
	ssize_t n;

	snprintf (path, sizeof (path), "/proc/%d/fd/%s", pid, fd);
	if ((n = readlink (path, target, sizeof (target) - 1)) <= 0)
		return 0;
	target[n] = '\0';
	if (sscanf (target, "socket:[%lu]", &ino) == 1) {
		if (l->nsocks == *cap) {
			unsigned long *more = realloc (l->socks, (*cap ? *cap * 2 : 64) * sizeof (*more));
			if (more == NULL)
				return -1;
			l->socks = more;
			*cap = *cap ? *cap * 2 : 64;
		}
		l->socks[l->nsocks++] = ino;
		return 0;
	}
	for (size_t i = 0; i < sizeof (anon) / sizeof (anon[0]); i++)
		if (strcmp (target, anon[i]) == 0)
			snprintf (what, sizeof (what), "%s", target + 11);
	if (*what == '\0' && stat (path, &st) == 0
	    && (S_ISBLK (st.st_mode) || (S_ISCHR (st.st_mode) && !dumpable_chr (st.st_rdev))))
		snprintf (what, sizeof (what), "%s (%s device %u:%u)", target,
		          S_ISBLK (st.st_mode) ? "block" : "character", major (st.st_rdev), minor (st.st_rdev));
	if (*what && l->nodd++ == 0)
		snprintf (l->odd, sizeof (l->odd), "%s held by process %d", what, pid);
	return 0;
}

int
dmig_live_scan (int pid, struct dmig_live *l, dmig_error_t *err)
{
	size_t cap = 0;

	memset (l, 0, sizeof (*l));
	if (pid <= 0)
		return dmig_error_set (err, DMIG_EFAIL, 0, "the container has no process here");
	if (find_pids (pid, l, err) < 0) {
		dmig_live_free (l);
		return -1;
	}
	for (size_t i = 0; i < l->npids; i++) {
		char path[64];
		struct dirent *de;
		DIR *d;

		snprintf (path, sizeof (path), "/proc/%d/fd", l->pids[i]);
		if ((d = opendir (path)) == NULL)
			continue; /* it ended meanwhile */
		while ((de = readdir (d)) != NULL)
			if (numeric (de->d_name) && one_fd (l, l->pids[i], de->d_name, &cap) < 0) {
				closedir (d);
				dmig_live_free (l);
				return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
			}
		closedir (d);
	}
	if (l->nsocks)
		qsort (l->socks, l->nsocks, sizeof (*l->socks), cmp_ino);
	return 0;
}

void
dmig_live_free (struct dmig_live *l)
{
	free (l->pids);
	free (l->socks);
	memset (l, 0, sizeof (*l));
}

/* The outside ends of connections that cross the container's edge, each
 * once: the kernel lists both ends when both are in this namespace. */
struct edge {
	unsigned long *ends;
	size_t n, cap;
	int named; /* what has been described is a name */
};

static void
add_end (struct edge *x, unsigned long ino)
{
	for (size_t i = 0; i < x->n; i++)
		if (x->ends[i] == ino)
			return;
	if (x->n == x->cap) {
		unsigned long *more = realloc (x->ends, (x->cap ? x->cap * 2 : 16) * sizeof (*more));
		if (more == NULL)
			return; /* counted as one less */
		x->ends = more;
		x->cap = x->cap ? x->cap * 2 : 16;
	}
	x->ends[x->n++] = ino;
}

/* One socket of the dump: one end of a connection that crosses the
 * container's edge? Its outside end is noted, and the first named one
 * (a daemon's socket bound in) described. */
static void
one_unix (const struct dmig_live *l, struct unix_diag_msg *m, size_t len, struct edge *x, char *what, size_t cap)
{
	struct rtattr *a = (struct rtattr *)(m + 1);
	size_t left = len - NLMSG_ALIGN (sizeof (*m));
	unsigned long peer = 0, end;
	char name[110] = "";
	bool inside;

	for (; RTA_OK (a, left); a = RTA_NEXT (a, left)) {
		size_t plen = RTA_PAYLOAD (a);
		if (a->rta_type == UNIX_DIAG_PEER && plen >= sizeof (uint32_t))
			peer = *(uint32_t *)RTA_DATA (a);
		else if (a->rta_type == UNIX_DIAG_NAME && plen > 0) {
			const char *p = RTA_DATA (a);
			/* abstract names start with a NUL: shown as '@' */
			snprintf (name, sizeof (name), "%s%.*s", p[0] ? "" : "@", (int)(p[0] ? plen : plen - 1),
			          p[0] ? p : p + 1);
		}
	}
	inside = has_sock (l, m->udiag_ino);
	if (peer == 0 || inside == has_sock (l, peer))
		return;
	end = inside ? peer : (unsigned long)m->udiag_ino;
	add_end (x, end);
	if (!inside && *name && !x->named) {
		snprintf (what, cap, "%s", name);
		x->named = 1;
	} else if (x->n == 1 && !x->named)
		snprintf (what, cap, "an unnamed socket (inode %lu)", end);
}

/* One dump of the unix sockets of the network namespace the netlink socket
 * fd was made in. */
static int
dump_unix (const struct dmig_live *l, int fd, struct edge *x, char *what, size_t cap, dmig_error_t *err)
{
	struct {
		struct nlmsghdr nh;
		struct unix_diag_req r;
	} req = {.nh = {.nlmsg_len = sizeof (req),
	                .nlmsg_type = SOCK_DIAG_BY_FAMILY,
	                .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
	         .r = {.sdiag_family = AF_UNIX, .udiag_states = ~0u, .udiag_show = UDIAG_SHOW_PEER | UDIAG_SHOW_NAME}};
	char buf[64 * 1024] __attribute__ ((aligned (NLMSG_ALIGNTO)));

	if (send (fd, &req, sizeof (req), 0) < 0)
		return dmig_error_set (err, DMIG_EFAIL, errno, "cannot ask the kernel for unix sockets");
	for (;;) {
		ssize_t got = recv (fd, buf, sizeof (buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return dmig_error_set (err, DMIG_EFAIL, errno, "reading the kernel's unix sockets");
		}
		if (got == 0)
			return 0;
		for (size_t left = (size_t)got; NLMSG_OK (h, left); h = NLMSG_NEXT (h, left)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA (h);
				return dmig_error_set (err, DMIG_EFAIL, -e->error, "the kernel's unix sockets");
			}
			if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY
			    && h->nlmsg_len >= NLMSG_LENGTH (sizeof (struct unix_diag_msg)))
				one_unix (l, NLMSG_DATA (h), h->nlmsg_len - NLMSG_LENGTH (0), x, what, cap);
		}
	}
}

/* A netlink socket of the network namespace of process pid, when that is
 * not this one's (-2 when it is, -1 on failure): made there, by this
 * thread entering it for the socket() alone. */
static int
diag_socket_of (int pid, dmig_error_t *err)
{
	char path[64];
	struct stat here, there;
	int ns, self, fd, e;

	snprintf (path, sizeof (path), "/proc/%d/ns/net", pid);
	if (stat (path, &there) < 0 || stat ("/proc/self/ns/net", &here) < 0)
		return -2; /* it ended meanwhile: what is here is all */
	if (there.st_ino == here.st_ino && there.st_dev == here.st_dev)
		return -2;
	if ((ns = open (path, O_RDONLY | O_CLOEXEC)) < 0)
		return -2;
	if ((self = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0) {
		close (ns);
		return dmig_error_set (err, DMIG_EFAIL, errno, "cannot open this process's network namespace");
	}
	if (setns (ns, CLONE_NEWNET) < 0) {
		e = errno;
		close (ns);
		close (self);
		return dmig_error_set (err, DMIG_EFAIL, e, "cannot enter the network namespace of process %d", pid);
	}
	fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	e = errno;
	/* back, or nothing after this may run here */
	if (setns (self, CLONE_NEWNET) < 0)
		abort ();
	close (ns);
	close (self);
	if (fd < 0)
		return dmig_error_set (err, DMIG_EFAIL, e, "cannot ask the kernel for the unix sockets of process %d",
		                       pid);
	return fd;
}

/* A connection's two ends live in the network namespace of the side that
 * connected (the kernel makes the accepting end there too): this one's
 * and the container's are both asked. */
int
dmig_live_unix_outside (const struct dmig_live *l, int *n, char *what, size_t cap, dmig_error_t *err)
{
	int fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG), ret;
	struct edge x = {0};

	*n = 0;
	if (cap)
		*what = '\0';
	if (fd < 0)
		return dmig_error_set (err, DMIG_EFAIL, errno, "cannot ask the kernel for unix sockets");
	ret = dump_unix (l, fd, &x, what, cap, err);
	close (fd);
	if (ret == 0 && l->npids > 0) {
		fd = diag_socket_of (l->pids[0], err);
		if (fd == -1)
			ret = -1;
		else if (fd >= 0) {
			ret = dump_unix (l, fd, &x, what, cap, err);
			close (fd);
		}
	}
	*n = (int)x.n;
	free (x.ends);
	return ret;
}
