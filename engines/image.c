/* Images: their archive format, save and load (with the same ID), the
 * list, undoing a load that brought another ID. */
#include "image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

const char *
dmig_image_format_name (enum dmig_image_format f)
{
	return f == DMIG_IMAGE_DOCKER ? "docker" : f == DMIG_IMAGE_OCI ? "oci" : NULL;
}

enum dmig_image_format
dmig_image_format_parse (const char *name)
{
	if (name && strcmp (name, "docker") == 0)
		return DMIG_IMAGE_DOCKER;
	if (name && strcmp (name, "oci") == 0)
		return DMIG_IMAGE_OCI;
	return DMIG_IMAGE_UNKNOWN;
}

int
dmig_image_format_of (struct dmig_engine *e, const char *image, enum dmig_image_format *fmt, dmig_error_t *err)
{
	char path[1024];
	json_object *ans = NULL;
	const char *type;

	*fmt = DMIG_IMAGE_UNKNOWN;
	if (e->ops->manifest_type == NULL)
		return 0;
	if (dmig_engine_path (e, false, path, sizeof (path), err, "/images/%s/json", image) < 0
	    || dmig_engine_must (e, "GET", path, NULL, DMIG_API_TIMEOUT_MS, &ans, err) < 0)
		return dmig_error_wrap (err, "cannot inspect image '%s'", image);
	/* application/vnd.docker.distribution.manifest.v2+json (or v1),
	 * application/vnd.oci.image.manifest.v1+json */
	type = dmig_json_str (ans, e->ops->manifest_type);
	if (type && strncmp (type, "application/vnd.docker.", 23) == 0)
		*fmt = DMIG_IMAGE_DOCKER;
	else if (type && strncmp (type, "application/vnd.oci.", 20) == 0)
		*fmt = DMIG_IMAGE_OCI;
	json_object_put (ans);
	return 0;
}

int
dmig_image_save (struct dmig_engine *e, const char *image, dmig_http_write_fn write, void *arg, dmig_error_t *err)
{
	struct dmig_http_req req = {.method = "GET", .write = write, .arg = arg};
	enum dmig_image_format fmt;
	const char *query;
	char path[1024];
	int r;

	/* Podman's default archive (OCI) gives a Docker-format image a new ID */
	if (dmig_image_format_of (e, image, &fmt, err) < 0)
		return -1;
	query = e->ops->save_query[fmt];
	if (dmig_engine_path (e, false, path, sizeof (path), err, "%r%s%r%r", e->ops->save_path[0], image,
	                      e->ops->save_path[1], query ? query : "")
	    < 0)
		return -1;
	req.path = path;
	r = dmig_engine_stream (e, &req, "cannot save the image", err);
	return r < 0 ? dmig_error_wrap (err, "%s", image) : 0;
}

/* A load's request body from the caller, its answer kept. */
struct load_io {
	dmig_http_read_fn read;
	void *arg;
	size_t len;
	char answer[64 * 1024];
};

static ssize_t
load_read (void *arg, char *buf, size_t len)
{
	struct load_io *io = arg;
	return io->read (io->arg, buf, len);
}

static int
load_answer (void *arg, const char *buf, size_t len)
{
	struct load_io *io = arg;
	size_t n = sizeof (io->answer) - 1 - io->len;

	memcpy (io->answer + io->len, buf, len < n ? len : n);
	io->len += len < n ? len : n;
	return 0;
}

/* Podman answers {"Names":[...]}; Docker JSON lines with a "stream" each
 * ("Loaded image: x:1", "Loaded image ID: sha256:...") and errors as
 * lines with an "error" member inside its 200. */
static int
load_names (struct dmig_engine *e, char *answer, json_object *names, dmig_error_t *err)
{
	for (char *line = answer; line && *line;) {
		char *end = strchr (line, '\n'), *start = line;
		size_t n = end ? (size_t)(end - line) : strlen (line);
		json_object *o = NULL, *list;
		const char *s;

		line = end ? end + 1 : NULL;
		if (n == 0 || dmig_json_parse (start, n, &o, NULL) < 0)
			continue;
		if ((s = dmig_json_str (o, "error")) != NULL) {
			dmig_error_set (err, DMIG_EFAIL, 0, "cannot load the image: %s said: %s", e->ops->kind, s);
			json_object_put (o);
			return -1;
		}
		list = json_object_object_get (o, "Names");
		for (size_t i = 0; json_object_is_type (list, json_type_array) && i < json_object_array_length (list);
		     i++)
			if ((s = json_object_get_string (json_object_array_get_idx (list, i))) != NULL)
				json_object_array_add (names, json_object_new_string (s));
		if ((s = dmig_json_str (o, "stream")) != NULL
		    && (strncmp (s, "Loaded image: ", 14) == 0 || strncmp (s, "Loaded image ID: ", 17) == 0)) {
			s = strchr (s, ':') + 2;
			json_object_array_add (names, json_object_new_string_len (s, (int)strcspn (s, "\r\n")));
		}
		json_object_put (o);
	}
	return 0;
}

int
dmig_image_load (struct dmig_engine *e, dmig_http_read_fn read, void *arg, json_object **names, dmig_error_t *err)
{
	struct dmig_http_req req = {.method = "POST", .content_type = "application/x-tar"};
	struct load_io *io = calloc (1, sizeof (*io));
	json_object *got = json_object_new_array ();
	char path[256];
	int r = -1;

	if (names)
		*names = NULL;
	if (io == NULL || got == NULL) {
		dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
		goto out;
	}
	io->read = read;
	io->arg = arg;
	req.read = load_read;
	req.write = load_answer;
	req.arg = io;
	req.path = path;
	if (dmig_engine_path (e, false, path, sizeof (path), err, "%r", e->ops->load_path) < 0
	    || dmig_engine_stream (e, &req, "cannot load the image", err) < 0
	    || load_names (e, io->answer, got, err) < 0)
		goto out;
	if (names) {
		*names = got;
		got = NULL;
	}
	r = 0;
out:
	json_object_put (got);
	free (io);
	return r;
}

int
dmig_image_list (struct dmig_engine *e, json_object **out, dmig_error_t *err)
{
	char path[256];

	*out = NULL;
	if (dmig_engine_path (e, false, path, sizeof (path), err, "/images/json?all=true") < 0)
		return -1;
	if (dmig_engine_must (e, "GET", path, NULL, DMIG_API_TIMEOUT_MS, out, err) < 0)
		return dmig_error_wrap (err, "cannot list the images");
	if (!json_object_is_type (*out, json_type_array)) {
		json_object_put (*out);
		*out = NULL;
		return dmig_error_set (err, DMIG_EFAIL, 0, "cannot list the images: %s's answer is not a list",
		                       e->ops->kind);
	}
	return 0;
}

static const char *
bare_id (const char *id)
{
	return id && strncmp (id, "sha256:", 7) == 0 ? id + 7 : id;
}

/* The image in list that ref ("sha256:<id>" or a name) is, and how many
 * names it has; its bare ID, or NULL. */
static const char *
list_find (json_object *list, const char *ref, size_t *ntags)
{
	bool by_id = strncmp (ref, "sha256:", 7) == 0;

	for (size_t i = 0; i < json_object_array_length (list); i++) {
		json_object *img = json_object_array_get_idx (list, i),
		            *tags = json_object_object_get (img, "RepoTags");
		const char *id = bare_id (dmig_json_str (img, "Id"));
		size_t n = json_object_is_type (tags, json_type_array) ? json_object_array_length (tags) : 0;
		bool hit = id && by_id && strcmp (id, ref + 7) == 0;

		for (size_t j = 0; id && !by_id && !hit && j < n; j++) {
			const char *tag = json_object_get_string (json_object_array_get_idx (tags, j));
			hit = tag && strcmp (tag, ref) == 0;
		}
		if (hit) {
			if (ntags)
				*ntags = n;
			return id;
		}
	}
	return NULL;
}

/* POST the path around the escaped image ID, with name's repo and tag. */
static int
image_name_call (struct dmig_engine *e, const char *const around[2], const char *id, const char *name,
                 dmig_error_t *err)
{
	const char *slash = strrchr (name, '/'), *colon = strrchr (name, ':');
	char repo[512], path[1024];

	if (colon == NULL || (slash && colon < slash))
		colon = name + strlen (name);
	snprintf (repo, sizeof (repo), "%.*s", (int)(colon - name), name);
	if (dmig_engine_path (e, false, path, sizeof (path), err, "%r%s%r?repo=%s&tag=%s", around[0], id, around[1],
	                      repo, *colon ? colon + 1 : "latest")
	    < 0)
		return -1;
	return dmig_engine_must (e, "POST", path, NULL, DMIG_API_TIMEOUT_MS, NULL, err);
}

/* Undo one name of a load; 0, or -1 with what is left in err. */
static int
unload_one (struct dmig_engine *e, json_object *before, json_object *after, const char *name, const char *want,
            dmig_error_t *err)
{
	static const char *const tag_path[2] = {"/images/", "/tag"};
	bool is_id = strncmp (name, "sha256:", 7) == 0;
	const char *got, *had = is_id ? NULL : list_find (before, name, NULL);
	char ref[128], path[1024];
	size_t ntags = 0;
	json_object *ans = NULL;
	int st;

	got = list_find (after, name, &ntags);
	if (got == NULL || strcmp (got, want) == 0)
		return 0;
	snprintf (ref, sizeof (ref), "sha256:%s", got);
	if (list_find (before, ref, NULL) == NULL) {
		/* the load made it: it goes with its names (one name after
		 * another may find it gone already) */
		if (dmig_engine_path (e, false, path, sizeof (path), err, "/images/%s", got) < 0)
			return -1;
		st = dmig_engine_call (e, "DELETE", path, NULL, DMIG_API_TIMEOUT_MS, &ans, err);
		if (st >= 0 && st != 200 && st != 404)
			dmig_engine_fail (e, st, ans, err, "image %s stays there: cannot remove it", got);
		json_object_put (ans);
		if (st != 200 && st != 404)
			return -1;
	} else if (!is_id && had == NULL && e->ops->untag_path[0] != NULL) {
		/* an image that was there took a name it did not have */
		if (image_name_call (e, e->ops->untag_path, got, name, err) < 0)
			return dmig_error_wrap (err, "name '%s' stays on image %s there", name, got);
	} else if (!is_id && had == NULL) {
		/* Docker: removing a name the image has besides others only
		 * untags; its only name would take the image with it */
		if (ntags < 2)
			return dmig_error_set (err, DMIG_EFAIL, 0,
			                       "name '%s' stays on image %s there: remove it with '%s rmi %s' if "
			                       "nothing needs that image",
			                       name, got, e->ops->kind, name);
		if (dmig_engine_path (e, false, path, sizeof (path), err, "/images/%s?noprune=1", name) < 0
		    || dmig_engine_must (e, "DELETE", path, NULL, DMIG_API_TIMEOUT_MS, NULL, err) < 0)
			return dmig_error_wrap (err, "name '%s' stays on image %s there", name, got);
	}
	/* the name goes back to the image that had it */
	if (had && strcmp (had, got) != 0 && image_name_call (e, tag_path, had, name, err) < 0)
		return dmig_error_wrap (err, "name '%s' is not back on image %s there", name, had);
	return 0;
}

int
dmig_image_unload (struct dmig_engine *e, json_object *before, json_object *names, const char *want, dmig_error_t *err)
{
	json_object *after = NULL;
	dmig_error_t first = NULL, e2 = NULL;
	size_t n = json_object_is_type (names, json_type_array) ? json_object_array_length (names) : 0;

	if (n == 0)
		return dmig_error_set (err, DMIG_EFAIL, 0, "%s did not say what it loaded", e->ops->kind);
	if (dmig_image_list (e, &after, err) < 0)
		return -1;
	/* each name, even after one failed: as little left as can be */
	for (size_t i = 0; i < n; i++) {
		const char *name = json_object_get_string (json_object_array_get_idx (names, i));
		if (name && unload_one (e, before, after, name, bare_id (want), first ? &e2 : &first) < 0 && e2)
			dmig_error_release (&e2);
	}
	json_object_put (after);
	if (first == NULL)
		return 0;
	if (err)
		*err = first;
	else
		dmig_error_release (&first);
	return -1;
}

int
dmig_image_exists (struct dmig_engine *e, const char *id, bool *exists, dmig_error_t *err)
{
	char path[1024];
	json_object *ans = NULL;
	int st;

	if (dmig_engine_path (e, false, path, sizeof (path), err, "/images/%s/json", id) < 0)
		return -1;
	st = dmig_engine_call (e, "GET", path, NULL, DMIG_API_TIMEOUT_MS, &ans, err);
	if (st < 0)
		return -1;
	*exists = st == 200;
	if (st != 200 && st != 404)
		dmig_engine_fail (e, st, ans, err, "cannot inspect image %s", id);
	json_object_put (ans);
	return st == 200 || st == 404 ? 0 : -1;
}

int
dmig_image_size (struct dmig_engine *e, const char *id, uint64_t *bytes, dmig_error_t *err)
{
	char path[1024];
	json_object *ans = NULL;
	int st;

	*bytes = 0;
	if (dmig_engine_path (e, false, path, sizeof (path), err, "/images/%s/json", id) < 0)
		return -1;
	st = dmig_engine_call (e, "GET", path, NULL, DMIG_API_TIMEOUT_MS, &ans, err);
	if (st < 0)
		return -1;
	if (st != 200)
		dmig_engine_fail (e, st, ans, err, "cannot inspect image %s", id);
	else
		*bytes = (uint64_t)dmig_json_int (ans, "Size", 0);
	json_object_put (ans);
	return st == 200 ? 0 : -1;
}
