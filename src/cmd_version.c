#include <stdio.h>

#include "dmig.h"
#include "json.h"

int
cmd_version (int argc, char **argv, struct dmig_globals *g, dmig_error_t *err)
{
	(void)argv;
	if (argc > 1)
		return dmig_usage (err, DMIG_SYNOPSIS_VERSION, "'version' takes no arguments");
	if (g->json) {
		json_object *o = json_object_new_object ();
		json_object_object_add (o, "version", json_object_new_string (DMIG_VERSION));
		dmig_json_print (o);
		json_object_put (o);
	} else
		puts ("dmig " DMIG_VERSION);
	return 0;
}
