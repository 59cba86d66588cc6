/* A container's network namespace (engines/netns.c). */
#ifndef DMIG_NETNS_H
#define DMIG_NETNS_H

#include "engine.h"

/* Bring up the loopback interface in the network namespace of process pid. */
int dmig_netns_lo_up (int pid, dmig_error_t *err);

#endif
