#include "progress.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

static struct {
	bool on;
	char what[700];
	const char *phase;
	uint64_t total, done;
	long long last_ms, start_ms;
} p;

static void
draw (bool force)
{
	long long now = dmig_clock_now_ms ();
	char bar[24];
	int pct, fill;

	if (!p.on || (!force && now - p.last_ms < 100))
		return;
	p.last_ms = now;
	pct = p.total ? (int)(p.done * 100 / p.total) : 0;
	if (pct > 100)
		pct = 100;
	fill = pct * 20 / 100;
	memset (bar, '=', (size_t)fill);
	memset (bar + fill, ' ', (size_t)(20 - fill));
	bar[20] = '\0';
	fprintf (stderr, "\r\033[Kdmig: %.60s: %-8s [%s] %3d%% %7.1f MiB  %5.1f s", p.what, p.phase ? p.phase : "", bar,
	         pct, (double)p.done / (1 << 20), (double)(now - p.start_ms) / 1000);
	fflush (stderr);
}

void
dmig_progress_begin (const char *what, uint64_t total)
{
	const char *off = getenv ("DMIG_NO_PROGRESS");

	memset (&p, 0, sizeof (p));
	p.on = isatty (STDERR_FILENO) && dmig_log_level () == DMIG_NORMAL && !(off && strcmp (off, "1") == 0);
	snprintf (p.what, sizeof (p.what), "%s", what);
	p.total = total;
	p.start_ms = dmig_clock_now_ms ();
	draw (true);
}

void
dmig_progress_phase (const char *phase)
{
	p.phase = phase;
	draw (true);
}

void
dmig_progress_add (uint64_t bytes)
{
	p.done += bytes;
	draw (false);
}

void
dmig_progress_end (void)
{
	if (p.on)
		fprintf (stderr, "\r\033[K");
	p.on = false;
}
