/*
 * fuzz_server: the server the dispatcher harnesses (fuzz_body.c,
 * fuzz_router.c) send requests to, without civetweb's HTTP part.
 *
 * It loads the default scenario once (scenarios/default.json from the
 * top of the tree, or the scenario named by MS_FUZZ_SCENARIO), seeds the
 * random stream so that an input replays the same way, and keeps the
 * journal short. Each harness drops the tenants an input touched before
 * the next input, so every input starts from the scenario and memory
 * stays bounded: a crash file reproduces on its own.
 *
 * A rule may ask for a delay of up to a minute: the server is made as a
 * stop that will wait no longer leaves it (cut_delays), so that every
 * delay ends at once.
 *
 * With MS_FUZZ_VERBOSE set, each request and its answer are printed,
 * which helps when reading what a saved input does.
 */
#ifndef MS_FUZZ_SERVER_H
#define MS_FUZZ_SERVER_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dispatch.h"
#include "log.h"
#include "scenario.h"

#define FUZZ_JOURNAL_LIMIT 64
#define FUZZ_TENANTS_MAX 16

/* The fixtures' credentials (test data, see fixtures/). */
#define FUZZ_WORKSPACE "5b6c1e2a-3f4d-4e8b-9a7c-0d1e2f3a4b5c"
#define FUZZ_BASIC_ADA "Basic YWRhQGV4YW1wbGUuY29tOmFkYS1hcGktdG9rZW4="
#define FUZZ_BASIC_JIRA \
	"Basic amlyYUBleGFtcGxlLmNvbTpqaXJhLWFwaS10b2tlbg=="
#define FUZZ_BEARER_ADAPTERS \
	"Bearer dmac_Xmb0KsV17YWy3J_feoiZ_0qgOhuGgXsIiRhYUptaN9Y"
#define FUZZ_BEARER_CLEANSE \
	"Bearer dmci_oNjG1E6fEmyaaUIsdsCLRltf6132eAGK1CIg4BH-wro"

static struct ms_server fuzz_srv;
static cJSON *fuzz_scenario_doc;
static int fuzz_verbose;


/* Load the scenario and set up the registry; exits when it cannot. */
static void fuzz_server_init(void)
{
	struct ms_scenario_opts opts = {true, 1, NULL};
	struct ms_scenario_error err;
	const char *path = getenv("MS_FUZZ_SCENARIO");
	char msg[1536];

	fuzz_verbose = getenv("MS_FUZZ_VERBOSE") != NULL;
	ms_log_setup(MS_LOG_ERROR, MS_LOG_TEXT);
	if (!path)
		path = ms_scenario_default_path();
	fuzz_scenario_doc = ms_scenario_load(path, &err);
	if (!fuzz_scenario_doc) {
		ms_scenario_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "fuzz: cannot load the scenario: %s\n", msg);
		exit(1);
	}
	fuzz_srv.scenario_name = "default";
	fuzz_srv.max_body = MS_MAX_BODY_DEFAULT;
	atomic_store(&fuzz_srv.cut_delays, true);
	if (ms_registry_init(&fuzz_srv.registry, fuzz_scenario_doc, &opts,
			     FUZZ_TENANTS_MAX, FUZZ_JOURNAL_LIMIT) < 0) {
		fprintf(stderr, "fuzz: the scenario does not apply\n");
		exit(1);
	}
}


/*
 * Answer req, then free the response's body. Dispatch promises an
 * answer to every request: a response without a status is a finding,
 * reported by abort().
 */
static void fuzz_server_send(const struct ms_request *req)
{
	struct ms_response resp;

	memset(&resp, 0, sizeof(resp));
	ms_dispatch(&fuzz_srv, req, &resp);
	if (fuzz_verbose)
		fprintf(stderr, "fuzz: %s %s%s%s (%zu bytes): %d %s\n",
			req->method, req->path, req->query ? "?" : "",
			req->query ? req->query : "", req->body_len,
			resp.status, resp.reason ? resp.reason : "-");
	ms_response_release(&resp);
	if (resp.status < 100 || resp.status > 599) {
		fprintf(stderr, "fuzz: %s %s answered status %d\n",
			req->method, req->path, resp.status);
		abort();
	}
}

#endif /* MS_FUZZ_SERVER_H */
