/* What the kernel's control groups tell of a container's processes. */
#include "cgroup.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* Memory the container's cgroup holds (v1 or v2), or 0 when unknown. */
uint64_t
dmig_cgroup_memory (int pid)
{
	char path[PATH_MAX + 64], line[PATH_MAX];
	unsigned long long v = 0;
	FILE *fp;

	snprintf (path, sizeof (path), "/proc/%d/cgroup", pid);
	if (pid <= 0 || (fp = fopen (path, "re")) == NULL)
		return 0;
	*path = '\0';
	while (fgets (line, sizeof (line), fp) != NULL) {
		char *p = strstr (line, ":memory:");
		line[strcspn (line, "\n")] = '\0';
		if (p != NULL) {
			snprintf (path, sizeof (path), "/sys/fs/cgroup/memory%s/memory.usage_in_bytes", p + 8);
			break;
		}
		if (strncmp (line, "0::", 3) == 0)
			snprintf (path, sizeof (path), "/sys/fs/cgroup%s/memory.current", line + 3);
	}
	fclose (fp);
	if (*path && (fp = fopen (path, "re")) != NULL) {
		if (fscanf (fp, "%llu", &v) != 1)
			v = 0;
		fclose (fp);
	}
	return v;
}
