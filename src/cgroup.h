/* What the kernel's control groups tell of a container's processes. */
#ifndef DMIG_CGROUP_H
#define DMIG_CGROUP_H

#include <stdint.h>

/* Memory the cgroup of process pid holds (cgroup v1 or v2), 0 if unknown. */
uint64_t dmig_cgroup_memory (int pid);

#endif
