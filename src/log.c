#include "log.h"

#include <signal.h>

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static int level = DMIG_NORMAL;
volatile int dmig_interrupted;
static volatile sig_atomic_t held, held_sig;

void
dmig_interrupt_note (int sig)
{
	if (held)
		held_sig = sig;
	else
		dmig_interrupted = sig;
}

void
dmig_interrupts_hold (void)
{
	held = 1;
}

void
dmig_interrupts_release (void)
{
	held = 0;
	if (held_sig && !dmig_interrupted)
		dmig_interrupted = held_sig;
	held_sig = 0;
}

void
dmig_log_set (int verbosity)
{
	level = verbosity;
}

int
dmig_log_level (void)
{
	return level;
}

static void vlog (int min, const char *prefix, const char *fmt, va_list ap) __attribute__ ((format (printf, 3, 0)));

static void
vlog (int min, const char *prefix, const char *fmt, va_list ap)
{
	if (level < min)
		return;
	fprintf (stderr, "dmig: %s", prefix);
	vfprintf (stderr, fmt, ap);
	fputc ('\n', stderr);
}

void
dmig_info (const char *fmt, ...)
{
	va_list ap;
	va_start (ap, fmt);
	vlog (DMIG_NORMAL, "", fmt, ap);
	va_end (ap);
}

void
dmig_warn (const char *fmt, ...)
{
	va_list ap;
	va_start (ap, fmt);
	vlog (DMIG_NORMAL, "warning: ", fmt, ap);
	va_end (ap);
}

void
dmig_debug (const char *fmt, ...)
{
	va_list ap;
	va_start (ap, fmt);
	vlog (DMIG_VERBOSE, "", fmt, ap);
	va_end (ap);
}

long long
dmig_now_ms (void)
{
	struct timespec ts;
	clock_gettime (CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
