/* A test helper that drives dmig's engine layer directly against a real
 * engine, for the operations no dmig command exposes on its own yet:
 *   enginectl <socket> save <image> <file>
 *   enginectl <socket> load <file>
 *   enginectl <socket> stop <container> <seconds> */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "http.h"
#include "image.h"
#include "sink.h"

int
main (int argc, char **argv)
{
	struct dmig_engine *e = NULL;
	dmig_error_t err = NULL;
	int r = -1;

	if (argc < 4) {
		fprintf (stderr, "usage: enginectl <socket> save|load|stop ...\n");
		return 2;
	}
	if (dmig_http_global_init (&err) < 0 || dmig_engine_open (argv[1], &e, &err) < 0)
		return dmig_error_report (&err);
	if (strcmp (argv[2], "save") == 0 && argc == 5) {
		struct dmig_sink sink = {.fd = open (argv[4], O_WRONLY | O_CREAT | O_TRUNC, 0600)};
		if (sink.fd >= 0) {
			r = dmig_image_save (e, argv[3], dmig_sink_put, &sink, &err);
			close (sink.fd);
		}
	} else if (strcmp (argv[2], "load") == 0) {
		int fd = open (argv[3], O_RDONLY);
		if (fd >= 0) {
			r = dmig_image_load (e, dmig_sink_fd_read, &fd, NULL, &err);
			close (fd);
		}
	} else if (strcmp (argv[2], "stop") == 0 && argc == 5) {
		r = dmig_engine_stop (e, argv[3], atoi (argv[4]), &err);
	}
	dmig_engine_close (e);
	dmig_http_global_cleanup ();
	if (r < 0)
		return err ? dmig_error_report (&err) : 1;
	return 0;
}
