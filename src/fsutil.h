/* Small file-system helpers. */
#ifndef DMIG_FSUTIL_H
#define DMIG_FSUTIL_H

#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* mkdir -p with mode for every directory made; existing ones are left. */
int dmig_mkdir_p (const char *path, mode_t mode, dmig_error_t *err);
/* rm -rf, not following symlinks or crossing mounts. */
int dmig_rm_rf (const char *path, dmig_error_t *err);
/* Remove everything inside dir, keeping dir. */
int dmig_empty_dir (const char *dir, dmig_error_t *err);
int dmig_fsync_dir (const char *dir);
/* Bytes free for an unprivileged writer? no: for root, at path. */
int dmig_free_bytes (const char *path, uint64_t *out, dmig_error_t *err);
/* Total size of regular files below path (not following links). */
uint64_t dmig_tree_size (const char *path);
/* Memory the cgroup of process pid holds (cgroup v1 or v2), 0 if unknown. */
uint64_t dmig_container_memory (int pid);
/* Read fd to its end, keeping up to cap-1 bytes in out (NUL-terminated):
 * 0, or -1 when the deadline (dmig_now_ms) passed or dmig was interrupted. */
int dmig_read_all (int fd, char *out, size_t cap, long long deadline);

#endif
