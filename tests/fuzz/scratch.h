/* What the libFuzzer targets share: libFuzzer's entry points, and a private
 * folder to work in, so that no input can reach the host's own paths. */
#ifndef DMIG_FUZZ_SCRATCH_H
#define DMIG_FUZZ_SCRATCH_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer calls these (declared here for -Wmissing-prototypes). */
int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* The process's private folder in $TMPDIR (or /tmp), made on first use
 * and removed at exit; every run's files live below it. */
const char *fuzz_root (void);

/* A fresh folder for one run (root/run), entered with chdir; fuzz_leave
 * goes back to where the process was and removes it with all it holds. */
const char *fuzz_enter (void);
void fuzz_leave (void);

/* A file of the run's folder holding exactly these bytes: its path
 * (until the next call). */
const char *fuzz_file (const char *name, const uint8_t *data, size_t size);

/* How many entries a folder holds, "." and ".." aside. */
size_t fuzz_entries (const char *dir);

/* The input as a C string (a copy, NUL-terminated; free it). */
char *fuzz_str (const uint8_t *data, size_t size);

/* Stop with a message: a broken invariant is a finding like a crash. */
void fuzz_fail (const char *fmt, ...) __attribute__ ((format (printf, 1, 2), noreturn));

#endif
