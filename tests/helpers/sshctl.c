/* A test helper that drives dmig's SSH seam against the lab's real sshd:
 *   sshctl <target> run <argv...>      run a command, print its stdout
 *   sshctl <target> engine <socket> [docker|podman]
 *                                      reach an engine's API through SSH (with
 *                                      the engine's dial-stdio as the other way)
 *   sshctl <target> put <tar> <dir>    stream a tar into `tar -x -C dir` */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine.h"
#include "http.h"
#include "ssh.h"

int
main (int argc, char **argv)
{
	struct dmig_target t;
	struct dmig_ssh *s = NULL;
	dmig_error_t err = NULL;
	int r = -1;

	if (argc < 4) {
		fprintf (stderr, "usage: sshctl <target> run|engine|put ...\n");
		return 2;
	}
	if (dmig_http_global_init (&err) < 0 || dmig_target_parse (argv[1], &t, &err) < 0
	    || dmig_ssh_connect (&t, NULL, &s, &err) < 0)
		return dmig_error_report (&err);
	if (strcmp (argv[2], "run") == 0) {
		char out[65536];
		r = dmig_ssh_run (s, argv + 3, out, sizeof (out), 30000, &err);
		if (r == 0)
			fputs (out, stdout);
	} else if (strcmp (argv[2], "engine") == 0) {
		struct dmig_engine *e = NULL;
		char local[128], url[160];
		struct dmig_engine_dial dial;
		const struct dmig_engine_ops *ops = NULL;
		for (size_t i = 0; argc > 4 && dmig_engines[i]; i++)
			if (strcmp (dmig_engines[i]->kind, argv[4]) == 0)
				ops = dmig_engines[i];
		if (ops)
			dmig_engine_dial (ops, argv[3], &dial);
		r = dmig_ssh_forward_unix (s, argv[3], ops ? dial.argv : NULL, local, sizeof (local), &err);
		snprintf (url, sizeof (url), "unix://%s", local);
		if (r == 0 && dmig_engine_open (url, &e, &err) < 0) {
			char why[1536];
			dmig_ssh_last_error (s, why, sizeof (why));
			if (*why)
				dmig_error_wrap (&err, "%s", why);
			r = -1;
		}
		if (r == 0) {
			struct dmig_container *c = NULL;
			/* two calls: the connection is used again or made anew */
			r = dmig_engine_inspect (e, "dmig-no-such-container", &c, &err);
			dmig_container_free (c);
			if (r == 0)
				printf ("%s %s\n", e->ops->kind, e->version);
			dmig_engine_close (e);
		}
	} else if (strcmp (argv[2], "put") == 0 && argc == 5) {
		char *targv[] = {"tar", "-x", "-C", argv[4], NULL}, errtext[1024], buf[65536];
		int in = open (argv[3], O_RDONLY), fd = -1, id, status = -1;
		ssize_t n;
		r = in < 0 ? -1 : dmig_ssh_open_exec (s, targv, &fd, &id, &err);
		while (r == 0 && (n = read (in, buf, sizeof (buf))) > 0)
			if (write (fd, buf, (size_t)n) != n)
				break;
		if (r == 0) {
			shutdown (fd, SHUT_WR);
			while (read (fd, buf, sizeof (buf)) > 0)
				;
			close (fd);
			r = dmig_ssh_wait (s, id, 30000, &status, errtext, sizeof (errtext), &err);
			if (r == 0 && status != 0)
				r = dmig_error_set (&err, DMIG_EFAIL, 0, "tar exited %d: %s", status, errtext);
		}
		if (in >= 0)
			close (in);
	}
	dmig_ssh_close (s);
	dmig_http_global_cleanup ();
	if (r < 0)
		return err ? dmig_error_report (&err) : 1;
	return 0;
}
