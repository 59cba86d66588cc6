/* Fault points (fault.h). */
#include "fault.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

void
dmig_fault (const char *point)
{
	const char *at = getenv ("DMIG_TEST_KILL_AT");

	if (at != NULL && strcmp (at, point) == 0)
		raise (SIGKILL);
}
