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
 *
 *     dispatch --reset SCENARIO COUNT
 *
 * Resets the default tenant COUNT times (POST /__mock/reset, unseeded,
 * as the server runs by default) and prints "us P50" (microseconds, the
 * median of the resets): a reset without the HTTP round trip around it.
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


static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}


/* The --reset mode: see the top of the file. */
static int time_resets(const char *scenario, int count)
{
	struct ms_scenario_opts opts = {false, 0, NULL};
	struct ms_scenario_error err;
	struct ms_header h[] = {{"Host", "127.0.0.1:8080"}};
	struct ms_request req = {.method = "POST", .path = "/__mock/reset",
				 .headers = h, .nheaders = 1,
				 .loopback = true};
	static struct ms_response resp;
	double *us = calloc((size_t)count, sizeof(*us));
	cJSON *doc = ms_scenario_load(scenario, &err);
	int rc = 0;

	if (!us || !doc || ms_registry_init(&srv.registry, doc, &opts, 8,
					    MS_JOURNAL_LIMIT_DEFAULT) < 0) {
		fprintf(stderr, "dispatch: %s does not load\n", scenario);
		return 1;
	}
	for (int i = 0; i < count && rc == 0; i++) {
		struct timespec a, b;
		ms_response_init(&resp);
		clock_gettime(CLOCK_MONOTONIC, &a);
		ms_dispatch(&srv, &req, &resp);
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (resp.status != 200)
			rc = 1;
		ms_response_release(&resp);
		us[i] = (double)(b.tv_sec - a.tv_sec) * 1e6 +
			(double)(b.tv_nsec - a.tv_nsec) / 1e3;
	}
	qsort(us, (size_t)count, sizeof(*us), by_value);
	if (rc == 0)
		printf("us %.0f\n", us[count / 2]);
	else
		fprintf(stderr, "dispatch: a reset did not answer 200\n");
	ms_registry_release(&srv.registry);
	cJSON_Delete(doc);
	free(us);
	return rc;
}


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
		ms_response_init(&resp);
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

	if (argc == 4 && strcmp(argv[1], "--reset") == 0 && atoi(argv[3]) > 0) {
		ms_log_setup(MS_LOG_ERROR, MS_LOG_TEXT);
		return time_resets(argv[2], atoi(argv[3]));
	}
	if (argc != 6 || (threads = atoi(argv[4])) < 1 ||
	    threads > THREADS_MAX || atol(argv[5]) < threads) {
		fprintf(stderr, "usage: dispatch SCENARIO SECRET WORKSPACE "
				"THREADS(1-%d) COUNT\n"
				"       dispatch --reset SCENARIO COUNT\n",
			THREADS_MAX);
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
