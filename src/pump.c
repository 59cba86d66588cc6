#include "pump.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

struct producer {
	dmig_produce_fn fn;
	void *arg;
	struct dmig_sink sink; /* the pipe's writing end */
	dmig_error_t err;
	int r;
};

static void *
run_producer (void *arg)
{
	struct producer *p = arg;
	sigset_t pipe_sig;

	/* a consumer gone is EPIPE from write, never a signal that kills */
	sigemptyset (&pipe_sig);
	sigaddset (&pipe_sig, SIGPIPE);
	pthread_sigmask (SIG_BLOCK, &pipe_sig, NULL);
	p->r = p->fn (p->arg, &p->sink, &p->err);
	if (p->r < 0 && p->err == NULL)
		p->r = dmig_error_set (&p->err, DMIG_EFAIL, p->sink.werr, "writing the stream failed");
	close (p->sink.fd); /* the consumer sees the end */
	return NULL;
}

int
dmig_pump (dmig_produce_fn produce, void *parg, dmig_consume_fn consume, void *carg, int progress, uint64_t *bytes,
           dmig_error_t *err)
{
	struct producer p = {.fn = produce, .arg = parg, .sink = {.fd = -1, .progress = progress}};
	pthread_t thread;
	int fds[2], r, t;

	if (pipe2 (fds, O_CLOEXEC) < 0)
		return dmig_error_set (err, DMIG_EFAIL, errno, "cannot make a pipe");
	p.sink.fd = fds[1];
	if ((t = pthread_create (&thread, NULL, run_producer, &p)) != 0) {
		close (fds[0]);
		close (fds[1]);
		return dmig_error_set (err, DMIG_EFAIL, t, "cannot start a thread");
	}
	r = consume (carg, fds[0], err);
	close (fds[0]); /* a consumer that stopped early ends the producer (EPIPE) */
	pthread_join (thread, NULL);
	if (bytes)
		*bytes = p.sink.bytes;
	/* the side that failed first is the one to tell */
	if (p.r < 0 && (r == 0 || p.sink.werr != EPIPE)) {
		dmig_error_release (err);
		*err = p.err;
		return -1;
	}
	dmig_error_release (&p.err);
	return r;
}
