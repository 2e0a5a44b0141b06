/*
 * hello: the ceiling that `make bench` measures dm-mockserver against.
 *
 * A civetweb server that does nothing but answer every request with a
 * small JSON body, set up as the mock sets civetweb up (keep-alive with
 * the same timeouts, tcp_nodelay, the same thread count) and built with
 * the same compiler flags. Whatever the mock does on top of this, from
 * routing to the journal, is what the ratio of the two measures.
 *
 *     hello [--threads N] [--ready-file PATH]
 *
 * It listens on 127.0.0.1, on a port the kernel picks, writes the URL to
 * the ready file (through a rename, as the mock does) once listening, and
 * runs until SIGINT or SIGTERM. It is a benchmark fixture, not a server
 * anyone should use.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <civetweb.h>

#define THREADS_DEFAULT 32
#define THREADS_MAX 512

static const char answer[] =
	"HTTP/1.1 200 OK\r\n"
	"Content-Type: application/json\r\n"
	"Content-Length: 17\r\n"
	"Connection: keep-alive\r\n"
	"\r\n"
	"{\"hello\":\"world\"}";


/* civetweb's begin_request: answer and claim the request. */
static int on_request(struct mg_connection *conn)
{
	mg_write(conn, answer, sizeof(answer) - 1);
	return 200;
}


/* Write url and a newline to path through a temporary file and a
 * rename. Returns 0, or -1 with a message on stderr. */
static int write_ready_file(const char *path, const char *url)
{
	char tmp[4096];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >=
	    sizeof(tmp))
		return -1;
	f = fopen(tmp, "w");
	if (!f) {
		perror(tmp);
		return -1;
	}
	fprintf(f, "%s\n", url);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		perror(path);
		return -1;
	}
	return 0;
}


/* The options, or -1 with the usage on stderr. */
static int parse_args(int argc, char **argv, int *threads,
		      const char **ready)
{
	for (int i = 1; i < argc; i++) {
		if (i + 1 < argc && strcmp(argv[i], "--threads") == 0) {
			*threads = atoi(argv[++i]);
		} else if (i + 1 < argc &&
			   strcmp(argv[i], "--ready-file") == 0) {
			*ready = argv[++i];
		} else {
			fprintf(stderr, "usage: hello [--threads N] "
					"[--ready-file PATH]\n");
			return -1;
		}
	}
	if (*threads < 1 || *threads > THREADS_MAX) {
		fprintf(stderr, "hello: --threads is 1 to %d\n", THREADS_MAX);
		return -1;
	}
	return 0;
}


/* Start civetweb as server.c does. Returns the context, or NULL. */
static struct mg_context *start(int threads, char *url, size_t len)
{
	struct mg_callbacks cb = {0};
	struct mg_server_port port;
	struct mg_context *ctx;
	char nthreads[16];
	const char *options[] = {
		"listening_ports", "127.0.0.1:0",
		"num_threads", nthreads,
		"enable_keep_alive", "yes",
		"keep_alive_timeout_ms", "500",
		"request_timeout_ms", "10000",
		"tcp_nodelay", "1",
		"decode_url", "no",
		NULL,
	};

	snprintf(nthreads, sizeof(nthreads), "%d", threads);
	cb.begin_request = on_request;
	ctx = mg_start(&cb, NULL, options);
	if (!ctx || mg_get_server_ports(ctx, 1, &port) != 1) {
		fprintf(stderr, "hello: cannot listen on 127.0.0.1\n");
		if (ctx)
			mg_stop(ctx);
		return NULL;
	}
	snprintf(url, len, "http://127.0.0.1:%d", port.port);
	return ctx;
}


int main(int argc, char **argv)
{
	int threads = THREADS_DEFAULT, sig = 0, rc = 1;
	const char *ready = NULL;
	struct mg_context *ctx;
	char url[64];
	sigset_t set;

	if (parse_args(argc, argv, &threads, &ready) < 0)
		return 2;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	ctx = start(threads, url, sizeof(url));
	if (!ctx)
		return 1;
	if (!ready || write_ready_file(ready, url) == 0) {
		printf("hello listening on %s\n", url);
		fflush(stdout);
		while (sigwait(&set, &sig) != 0)
			;
		rc = 0;
	}
	mg_stop(ctx);
	return rc;
}
