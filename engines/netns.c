/* A restored container's loopback, brought up from inside its network
 * namespace (Podman restores it down). */
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"

/* In a child of dmig's (setns changes the calling thread): bring up lo in
 * the network namespace *(int *) arg. */
static int
lo_up (void *arg)
{
	struct ifreq ifr = {0};
	int sock;

	if (setns (*(int *)arg, CLONE_NEWNET) < 0 || (sock = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return 1;
	snprintf (ifr.ifr_name, sizeof (ifr.ifr_name), "lo");
	if (ioctl (sock, SIOCGIFFLAGS, &ifr) < 0)
		return 2;
	ifr.ifr_flags |= IFF_UP;
	return ioctl (sock, SIOCSIFFLAGS, &ifr) < 0 ? 3 : 0;
}

int
dmig_netns_lo_up (int pid, dmig_error_t *err)
{
	char ns[64];
	int fd, status, e;
	struct dmig_child child = {.fn = lo_up, .arg = &fd};

	snprintf (ns, sizeof (ns), "/proc/%d/ns/net", pid);
	fd = open (ns, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return dmig_error_set (err, DMIG_EFAIL, errno, "cannot open %s", ns);
	status = dmig_child_run (&child);
	e = errno;
	close (fd);
	if (status == DMIG_CHILD_NOSTART)
		return dmig_error_set (err, DMIG_EFAIL, e, "fork");
	if (status < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
		return dmig_error_set (err, DMIG_EFAIL, 0, "cannot bring up loopback in the network namespace of %d",
		                       pid);
	return 0;
}
