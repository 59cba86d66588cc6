/* Images through an engine's API (engines/image.c). */
#ifndef DMIG_IMAGE_H
#define DMIG_IMAGE_H

#include "engine.h"

/* "docker", "oci" or NULL; and back (anything else: unknown). */
const char *dmig_image_format_name (enum dmig_image_format f);
enum dmig_image_format dmig_image_format_parse (const char *name);
/* An image's format (unknown when the engine does not tell). */
int dmig_image_format_of (struct dmig_engine *e, const char *image, enum dmig_image_format *fmt, dmig_error_t *err);
/* Stream an image (by name or ID) as a tar that load takes back with the
 * same ID (in the archive format of the image's own), and load one: *names
 * (may be NULL; put it) gets what the engine says it loaded, an array of
 * names and "sha256:" IDs. */
int dmig_image_save (struct dmig_engine *e, const char *image, dmig_http_write_fn write, void *arg, dmig_error_t *err);
int dmig_image_load (struct dmig_engine *e, dmig_http_read_fn read, void *arg, json_object **names, dmig_error_t *err);
/* The engine's images: an array of objects with Id and RepoTags. */
int dmig_image_list (struct dmig_engine *e, json_object **out, dmig_error_t *err);
/* Undo a load (names: what it said it loaded) whose image came with another
 * ID than want: remove the images it made (those not in before, the list
 * taken before the load) and give each name it took back to the image that
 * had it. Fails, having done what it could, with what is left there. */
int dmig_image_unload (struct dmig_engine *e, json_object *before, json_object *names, const char *want,
                       dmig_error_t *err);
/* Whether an image with this ID exists. */
int dmig_image_exists (struct dmig_engine *e, const char *id, bool *exists, dmig_error_t *err);
/* Its size as the engine tells it (0 when it does not). */
int dmig_image_size (struct dmig_engine *e, const char *id, uint64_t *bytes, dmig_error_t *err);

#endif
