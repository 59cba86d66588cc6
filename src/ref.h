/* Names users type: containers, snapshot names and refs. */
#ifndef DMIG_REF_H
#define DMIG_REF_H

#include "error.h"

#define DMIG_NAME_MAX 128

struct dmig_ref {
	char container[DMIG_NAME_MAX + 1];
	char name[DMIG_NAME_MAX + 1]; /* "" means latest */
};

/* A container name or ID as Docker and Podman accept them:
 * [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most DMIG_NAME_MAX characters. */
int dmig_ref_valid_container (const char *s, dmig_error_t *err);
/* A snapshot name: same alphabet, not "latest", no leading dot. */
int dmig_ref_valid_snapshot (const char *s, dmig_error_t *err);
/* <container>@<name> | <container>@latest | <container> */
int dmig_ref_parse (const char *s, struct dmig_ref *ref, dmig_error_t *err);
#define DMIG_COUNT_MAX 100000
/* A whole number from min to max (at most DMIG_COUNT_MAX): digits only;
 * the refusal names the option and the range. */
int dmig_ref_parse_range (const char *opt, const char *s, long min, long max, long *out, dmig_error_t *err);
/* A non-negative count for --keep: digits only, at most DMIG_COUNT_MAX. */
int dmig_ref_parse_count (const char *opt, const char *s, long *out, dmig_error_t *err);

#endif
