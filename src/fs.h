/* Small file-system helpers, and reading a descriptor to its end. */
#ifndef DMIG_FS_H
#define DMIG_FS_H

#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* mkdir -p with mode for every directory made; existing ones are left. */
int dmig_fs_mkdir_p (const char *path, mode_t mode, dmig_error_t *err);
/* rm -rf, not following symlinks or crossing mounts. */
int dmig_fs_rm_rf (const char *path, dmig_error_t *err);
/* Remove everything inside dir, keeping dir. */
int dmig_fs_empty_dir (const char *dir, dmig_error_t *err);
int dmig_fs_fsync_dir (const char *dir);
/* Bytes free for an unprivileged writer? no: for root, at path. */
int dmig_fs_free_bytes (const char *path, uint64_t *out, dmig_error_t *err);
/* Total size of regular files below path (not following links). */
uint64_t dmig_fs_tree_size (const char *path);
/* Read fd to its end, keeping up to cap-1 bytes in out (NUL-terminated):
 * 0, or -1 when the deadline (dmig_clock_now_ms) passed or dmig was interrupted. */
int dmig_fs_read_all (int fd, char *out, size_t cap, long long deadline);

#endif
