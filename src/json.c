#include "json.h"

#include <stdio.h>
#include <string.h>

int
dmig_json_parse (const char *buf, size_t len, json_object **out, dmig_error_t *err)
{
	struct json_tokener *tok = json_tokener_new ();
	enum json_tokener_error jerr;
	json_object *o;

	if (tok == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	o = json_tokener_parse_ex (tok, buf, (int)len);
	jerr = json_tokener_get_error (tok);
	/* a value followed by more than white space ("404 page not found")
	 * is text, not JSON */
	if (o != NULL && jerr == json_tokener_success)
		for (size_t i = json_tokener_get_parse_end (tok); i < len; i++)
			if (!strchr (" \t\r\n", buf[i]) || buf[i] == '\0') {
				jerr = json_tokener_error_parse_unexpected;
				break;
			}
	json_tokener_free (tok);
	if (o == NULL || jerr != json_tokener_success) {
		json_object_put (o);
		return dmig_error_set (err, DMIG_EFAIL, 0, "malformed JSON: %s",
		                       jerr != json_tokener_success ? json_tokener_error_desc (jerr) : "empty");
	}
	*out = o;
	return 0;
}

json_object *
dmig_json_get (json_object *o, const char *path)
{
	char key[256];
	const char *p = path;

	while (o != NULL && *p) {
		const char *dot = strchr (p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen (p);
		json_object *next = NULL;

		if (n >= sizeof (key) || !json_object_is_type (o, json_type_object))
			return NULL;
		memcpy (key, p, n);
		key[n] = '\0';
		if (!json_object_object_get_ex (o, key, &next))
			return NULL;
		o = next;
		p += n + (dot ? 1 : 0);
	}
	return o;
}

const char *
dmig_json_str (json_object *o, const char *path)
{
	json_object *v = dmig_json_get (o, path);
	return json_object_is_type (v, json_type_string) ? json_object_get_string (v) : NULL;
}

int64_t
dmig_json_int (json_object *o, const char *path, int64_t dflt)
{
	json_object *v = dmig_json_get (o, path);
	if (json_object_is_type (v, json_type_int) || json_object_is_type (v, json_type_double))
		return json_object_get_int64 (v);
	return dflt;
}

bool
dmig_json_bool (json_object *o, const char *path)
{
	json_object *v = dmig_json_get (o, path);
	return json_object_is_type (v, json_type_boolean) && json_object_get_boolean (v);
}

const char *
dmig_json_api_message (json_object *o)
{
	const char *m = dmig_json_str (o, "message");
	if (m == NULL)
		m = dmig_json_str (o, "cause");
	return m;
}

const char *
dmig_json_text (json_object *o)
{
	return json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

void
dmig_json_print (json_object *o)
{
	puts (dmig_json_text (o));
	fflush (stdout);
}

size_t
dmig_json_len (json_object *a)
{
	return json_object_is_type (a, json_type_array) ? json_object_array_length (a) : 0;
}

const char *
dmig_json_str_at (json_object *a, size_t i)
{
	json_object *v = i < dmig_json_len (a) ? json_object_array_get_idx (a, i) : NULL;
	return json_object_is_type (v, json_type_string) ? json_object_get_string (v) : NULL;
}

bool
dmig_json_has_str (json_object *a, const char *s)
{
	for (size_t i = 0; s && i < dmig_json_len (a); i++)
		if (dmig_json_str_at (a, i) && strcmp (dmig_json_str_at (a, i), s) == 0)
			return true;
	return false;
}
