/*
 * dispatch: what the mock's own work costs per request, without HTTP.
 *
 * Loads a scenario, then has N threads call ms_dispatch on one tenant
 * with the same gateway request (GET client/info with a Bearer token),
 * and prints each answer as the server would, for a fixed count of
 * requests. The wall time per request, with N threads on the
 * host's cores, shows what the locks and shared cache lines cost next
 * to one thread alone. A benchmark fixture, as tests/bench/hello.c.
 *
 *     dispatch SCENARIO SECRET WORKSPACE THREADS COUNT
 *
 * Prints "ns N" (nanoseconds of wall time per request) on success.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "dispatch.h"
#include "log.h"

#define THREADS_MAX 64

static struct ms_server srv;
static char path[256];
static char auth[512];
static long per_thread;
static volatile int failed;


static void *worker(void *arg)
{
	struct ms_header h[] = {{"Host", "127.0.0.1:8080"},
				{"Authorization", auth}};
	struct ms_request req = {.method = "GET", .path = path,
				 .headers = h, .nheaders = 2,
				 .loopback = true};
	struct ms_response resp;
	char text[4096];

	(void)arg;
	for (long i = 0; i < per_thread && !failed; i++) {
		memset(&resp, 0, sizeof(resp));
		ms_dispatch(&srv, &req, &resp);
		/* As the server writes it: printed already, or now. */
		if (resp.status != 200 ||
		    (!resp.text &&
		     !cJSON_PrintPreallocated(resp.body, text, sizeof(text),
					      false)))
			failed = resp.status ? resp.status : -1;
		ms_response_release(&resp);
	}
	return NULL;
}


int main(int argc, char **argv)
{
	struct ms_scenario_opts opts = {true, 1, NULL};
	struct ms_scenario_error err;
	pthread_t th[THREADS_MAX];
	struct timespec a, b;
	int threads;
	cJSON *doc;
	double ns;

	if (argc != 6 || (threads = atoi(argv[4])) < 1 ||
	    threads > THREADS_MAX || atol(argv[5]) < threads) {
		fprintf(stderr, "usage: dispatch SCENARIO SECRET WORKSPACE "
				"THREADS(1-%d) COUNT\n", THREADS_MAX);
		return 2;
	}
	ms_log_setup(MS_LOG_ERROR, MS_LOG_TEXT);
	doc = ms_scenario_load(argv[1], &err);
	if (!doc) {
		fprintf(stderr, "dispatch: %s does not load\n", argv[1]);
		return 1;
	}
	snprintf(auth, sizeof(auth), "Bearer %s", argv[2]);
	snprintf(path, sizeof(path), "/jsm/assets/workspace/%s/v1/"
		 "datamanager/client/info", argv[3]);
	if (ms_registry_init(&srv.registry, doc, &opts, 8,
			     MS_JOURNAL_LIMIT_DEFAULT) < 0)
		return 1;
	srv.max_body = MS_MAX_BODY_DEFAULT;
	per_thread = atol(argv[5]) / threads;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	for (int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms_registry_release(&srv.registry);
	cJSON_Delete(doc);
	if (failed) {
		fprintf(stderr, "dispatch: an answer was %d\n", failed);
		return 1;
	}
	ns = ((double)(b.tv_sec - a.tv_sec) * 1e9 +
	      (double)(b.tv_nsec - a.tv_nsec)) /
	     ((double)per_thread * threads);
	printf("ns %.0f\n", ns);
	return 0;
}
