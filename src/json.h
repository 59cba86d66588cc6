/* JSON helpers over json-c: lookups by dotted path, sizes as 64-bit. */
#ifndef DMIG_JSON_H
#define DMIG_JSON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"

int dmig_json_parse (const char *buf, size_t len, json_object **out, dmig_error_t *err);
/* "A.B.C": the member at that path, or NULL. */
json_object *dmig_json_get (json_object *o, const char *path);
const char *dmig_json_str (json_object *o, const char *path); /* NULL unless a string */
/* Arrays: the length (0 unless an array), the string at i (NULL unless
 * one), and whether a string equal to s is in it. */
size_t dmig_json_len (json_object *a);
const char *dmig_json_str_at (json_object *a, size_t i);
bool dmig_json_has_str (json_object *a, const char *s);
int64_t dmig_json_int (json_object *o, const char *path, int64_t dflt);
bool dmig_json_bool (json_object *o, const char *path);
/* The API's error text ("message" of an error body), or the body itself. */
const char *dmig_json_api_message (json_object *o);
const char *dmig_json_text (json_object *o); /* compact text, owned by o */
/* A command's --json result on stdout: dmig_json_text, a newline, flushed. */
void dmig_json_print (json_object *o);

#endif
