#include "interrupt.h"

#include <signal.h>

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
dmig_interrupt_hold (void)
{
	held = 1;
}

void
dmig_interrupt_release (void)
{
	held = 0;
	if (held_sig && !dmig_interrupted)
		dmig_interrupted = held_sig;
	held_sig = 0;
}
