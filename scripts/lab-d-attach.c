/* A folder of this host bound at a path inside another mount namespace
 * (lab host D's), which classic mount(2) cannot do across namespaces: a
 * detached copy of it (open_tree OPEN_TREE_CLONE) taken here, attached
 * there (move_mount) once this process is in that namespace (Linux 5.2).
 * scripts/lab-d.sh compiles and runs it to give a running D's Docker the
 * data of its other storage mode.
 *
 *   lab-d-attach FOLDER /proc/<pid>/ns/mnt TARGET */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

int
main (int argc, char **argv)
{
	int tree, ns;

	if (argc != 4) {
		fprintf (stderr, "usage: lab-d-attach FOLDER NAMESPACE TARGET\n");
		return 2;
	}
	tree = (int)syscall (SYS_open_tree, AT_FDCWD, argv[1], OPEN_TREE_CLONE | O_CLOEXEC);
	if (tree < 0) {
		perror ("open_tree");
		return 1;
	}
	ns = open (argv[2], O_RDONLY | O_CLOEXEC);
	if (ns < 0 || setns (ns, CLONE_NEWNS) < 0) {
		perror ("setns");
		return 1;
	}
	if (syscall (SYS_move_mount, tree, "", AT_FDCWD, argv[3], MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		perror ("move_mount");
		return 1;
	}
	return 0;
}
