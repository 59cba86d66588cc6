/* Folders to another host over SSH (ship.h). */
#include "ship.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "archive_io.h"

#define SHIP_WAIT_MS (10 * 60 * 1000L)

/* At most this many remote tars at once: sshd allows 10 sessions on one
 * connection (MaxSessions), and the checks and hooks may want one. */
#define SEND_BATCH 6

static int
send_batch (struct dmig_ssh *ssh, const struct dmig_send *sends, size_t n, uint64_t *bytes, dmig_error_t *err)
{
	int fds[SEND_BATCH], ids[SEND_BATCH], r = 0;
	size_t opened = 0, failed = n;
	char errtext[1024], drain[4096];

	/* Every remote tar starts at once: their start-up times overlap, and
	 * each waits for its stream. */
	for (; opened < n; opened++) {
		char *tar[] = {"tar", "--numeric-owner",          "--xattrs", "--xattrs-include=*", "-xpf", "-",
		               "-C",  (char *)sends[opened].dest, NULL};
		char *const *argv = sends[opened].argv ? sends[opened].argv : tar;
		if (dmig_ssh_open_exec (ssh, argv, &fds[opened], &ids[opened], err) < 0) {
			failed = opened;
			r = -1;
			break;
		}
	}
	for (size_t i = 0; i < opened; i++) {
		struct dmig_sink sink = {.fd = fds[i], .progress = 1};
		if (r == 0
		    && (sends[i].feed
		            ? sends[i].feed (sends[i].arg, &sink, err)
		            : dmig_archive_pack_dir (sends[i].dir, (enum dmig_pack_mode)sends[i].mode, &sink, err))
		           < 0) {
			failed = i;
			r = -1;
		}
		if (bytes)
			*bytes += sink.bytes;
		shutdown (fds[i], SHUT_WR); /* the end of its stream (or an empty one) */
	}
	/* the remote writers' word decides, even when sending failed */
	for (size_t i = 0; i < opened; i++) {
		int status = -1;
		dmig_error_t e2 = NULL;
		while (read (fds[i], drain, sizeof (drain)) > 0)
			;
		close (fds[i]);
		if (dmig_ssh_wait (ssh, ids[i], SHIP_WAIT_MS, &status, errtext, sizeof (errtext), &e2) < 0) {
			if (r == 0 || i <= failed) {
				dmig_error_release (err);
				*err = e2;
				e2 = NULL;
				failed = i;
				r = -1;
			}
			dmig_error_release (&e2);
			continue;
		}
		if (status != 0 && (r == 0 || i <= failed)) {
			dmig_error_release (err);
			errtext[strcspn (errtext, "\n")] = '\0';
			dmig_error_set (err, DMIG_EFAIL, 0, "writing %s on %s failed: %s exited %d%s%s", sends[i].dest,
			                dmig_ssh_name (ssh), sends[i].argv ? sends[i].argv[0] : "tar", status,
			                *errtext ? ": " : "", errtext);
			failed = i;
			r = -1;
		}
	}
	if (r < 0 && failed < n)
		dmig_error_wrap (err, "shipping %s", sends[failed].what);
	return r;
}

int
dmig_ship_dirs (struct dmig_ssh *ssh, const struct dmig_send *sends, size_t n, uint64_t *bytes, dmig_error_t *err)
{
	for (size_t i = 0; i < n; i += SEND_BATCH)
		if (send_batch (ssh, sends + i, n - i < SEND_BATCH ? n - i : SEND_BATCH, bytes, err) < 0)
			return -1;
	return 0;
}

size_t
dmig_ship_volume_sends (const struct dmig_ship_volume *v, size_t n, struct dmig_send *sends,
                        char (*whats)[DMIG_SHIP_WHAT_MAX])
{
	for (size_t i = 0; i < n; i++) {
		snprintf (whats[i], DMIG_SHIP_WHAT_MAX, "volume '%s'", v[i].name);
		sends[i] =
		    (struct dmig_send){.dir = v[i].here, .dest = v[i].there, .what = whats[i], .mode = DMIG_PACK_TREE};
	}
	return n;
}

int
dmig_ship_volumes (struct dmig_ssh *ssh, const struct dmig_ship_volume *v, size_t n, uint64_t *bytes, dmig_error_t *err)
{
	struct dmig_send *sends = calloc (n ? n : 1, sizeof (*sends));
	char (*whats)[DMIG_SHIP_WHAT_MAX] = calloc (n ? n : 1, sizeof (*whats));
	int r = -1;

	if (sends == NULL || whats == NULL)
		dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	else
		r = dmig_ship_dirs (ssh, sends, dmig_ship_volume_sends (v, n, sends, whats), bytes, err);
	free (sends);
	free (whats);
	return r;
}
