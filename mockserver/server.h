/*
 * server: civetweb on one side, ms_dispatch() on the other.
 *
 * It reads each request (headers, and the body up to --max-body, with or
 * without Content-Length), hands it to dispatch, writes the answer with
 * the tenant's virtual Date, and logs one line per request. It starts and
 * stops civetweb; nothing a worker thread may touch is freed before
 * ms_http_stop() returns.
 */
#ifndef MS_SERVER_H
#define MS_SERVER_H

#include <signal.h>
#include <stddef.h>
#include "dispatch.h"

/* How long a stop waits for the requests in flight unless told: a
 * body's deadline (civetweb may take twice it) and a rule's longest
 * delay. */
#define MS_STOP_WAIT_DEFAULT_S 80
#define MS_STOP_WAIT_MAX_S 3600

struct ms_http_opts {
	const char *bind;      /* IPv4 address */
	int port;              /* 0: any free port */
	int threads;
	int stop_wait_s;       /* see ms_http_stop() */
};

struct ms_http;

/*
 * Start serving srv. Returns 0 with *out and the URL it listens on in
 * url, or -1 after logging why (port taken, bad address).
 */
int ms_http_start(struct ms_server *srv, const struct ms_http_opts *opts,
		  struct ms_http **out, char *url, size_t url_len);

/* Finish the requests in flight (new ones are served meanwhile, each
 * closing its connection; a stall ends at once) for at most
 * opts->stop_wait_s, or until a signal of interrupt (may be NULL; the
 * caller blocks them) comes; then rule delays are cut short and what
 * is still in flight loses its answer. Then stop and free. */
void ms_http_stop(struct ms_http *h, const sigset_t *interrupt);

#endif /* MS_SERVER_H */
