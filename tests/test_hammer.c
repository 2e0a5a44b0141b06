/*
 * test_hammer: many threads against one real server, checking that state
 * changes under concurrency are exact: tokens created at once all exist,
 * each once; once a revoke or regenerate has answered, no request with
 * the old secret succeeds; tenants reset at once each get the scenario
 * back.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <cjson/cJSON.h>
#include "testutil.h"
#include "testserver.h"

#define THREADS 16
#define CREATES 25
#define ADA "Basic YWRhQGV4YW1wbGUuY29tOmFkYS1hcGktdG9rZW4="
#define DM "/rest/datamanager/1.0"
#define INFO "/client/info"

static struct ts_server server;

struct worker {
	pthread_t thread;
	int created;
	int failures;
	const char *bearer;          /* validate loop: the Authorization */
	atomic_bool *stop;
	atomic_llong *cut;           /* validate loop: when the change ended */
	int late_successes;          /* answered 200 though sent after cut */
	int requests;
};


static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}


static int setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return ts_server_start(&server, "scenarios/default.json", NULL);
}


/* Only when a test failed before the last one stopped the server. */
static int teardown(void **state)
{
	(void)state;
	if (server.pid > 0)
		ts_server_stop(&server, 1);
	curl_global_cleanup();
	return 0;
}


/* Last: the server stops cleanly after the hammering (a sanitizer that
 * found something makes it exit non-zero). cmocka ignores a failing
 * group teardown, so this is a test of its own. */
static void test_hammer_server_exits_cleanly(void **state)
{
	int rc;

	(void)state;
	rc = ts_server_stop(&server, 0);
	server.pid = 0;
	assert_int_equal(rc, 0);
}


static void *create_tokens(void *arg)
{
	struct worker *w = arg;
	CURL *curl = curl_easy_init();
	struct ts_reply r;
	char body[128];

	for (int i = 0; i < CREATES; i++) {
		snprintf(body, sizeof(body),
			 "{\"label\":\"hammer-%p-%d\",\"type\":"
			 "\"ADAPTERS_CLIENT\"}", (void *)w, i);
		if (ts_request(curl, &server, "POST", DM "/tokens", ADA, body,
			       &r) == 0 && r.status == 201)
			w->created++;
		else
			w->failures++;
		free(r.body);
	}
	curl_easy_cleanup(curl);
	return NULL;
}


/* Every token created at once is listed once, with a distinct id. */
static void test_hammer_creates_are_exact(void **state)
{
	struct worker w[THREADS] = {0};
	CURL *curl = curl_easy_init();
	struct ts_reply r;
	cJSON *page, *values, *v;
	int total = 0, mine = 0;

	(void)state;
	for (int i = 0; i < THREADS; i++)
		pthread_create(&w[i].thread, NULL, create_tokens, &w[i]);
	for (int i = 0; i < THREADS; i++) {
		pthread_join(w[i].thread, NULL);
		assert_int_equal(w[i].failures, 0);
		total += w[i].created;
	}
	assert_int_equal(total, THREADS * CREATES);
	assert_int_equal(ts_request(curl, &server, "GET",
				    DM "/tokens?limit=1000", ADA, NULL, &r),
			 0);
	assert_int_equal(r.status, 200);
	page = cJSON_Parse(r.body);
	values = cJSON_GetObjectItem(page, "values");
	cJSON_ArrayForEach(v, values) {
		const char *label = cJSON_GetStringValue(
			cJSON_GetObjectItem(v, "label"));
		if (label && strncmp(label, "hammer-", 7) == 0)
			mine++;
	}
	assert_int_equal(mine, THREADS * CREATES);
	cJSON_Delete(page);
	free(r.body);
	curl_easy_cleanup(curl);
}


static void *validate_loop(void *arg)
{
	struct worker *w = arg;
	CURL *curl = curl_easy_init();
	const char *path = w->bearer + strlen(w->bearer) + 1;
	struct ts_reply r;

	while (!atomic_load(w->stop)) {
		long long sent = now_us();
		if (ts_request(curl, &server, "GET", path,
			       w->bearer, NULL, &r) < 0) {
			w->failures++;
			continue;
		}
		w->requests++;
		if (r.status == 200) {
			long long cut = atomic_load(w->cut);
			if (cut && sent > cut)
				w->late_successes++;
		}
		free(r.body);
	}
	curl_easy_cleanup(curl);
	return NULL;
}


/* Make a token; fills auth ("Bearer <secret>" then NUL then the info
 * path) and id. */
static void make_token(CURL *curl, char *auth, size_t len, char *id)
{
	const char *secret;
	struct ts_reply r;
	cJSON *tok;
	size_t n;

	assert_int_equal(ts_request(curl, &server, "POST", DM "/tokens", ADA,
				    "{\"label\":\"victim\",\"type\":"
				    "\"ADAPTERS_CLIENT\"}", &r), 0);
	assert_int_equal(r.status, 201);
	tok = cJSON_Parse(r.body);
	secret = cJSON_GetStringValue(cJSON_GetObjectItem(tok, "token"));
	n = (size_t)snprintf(auth, len, "Bearer %s", secret);
	strcpy(id, cJSON_GetStringValue(cJSON_GetObjectItem(tok, "id")));
	cJSON_Delete(tok);
	free(r.body);

	assert_int_equal(ts_request(curl, &server, "GET",
				    "/rest/servicedeskapi/assets/workspace",
				    ADA, NULL, &r), 0);
	tok = cJSON_Parse(r.body);
	snprintf(auth + n + 1, len - n - 1,
		 "/jsm/assets/workspace/%s/v1/datamanager" INFO,
		 cJSON_GetStringValue(cJSON_GetObjectItem(
			 cJSON_GetArrayItem(cJSON_GetObjectItem(tok, "values"),
					    0), "workspaceId")));
	cJSON_Delete(tok);
	free(r.body);
}


/*
 * Validate from 8 threads while the main thread runs change (DELETE or
 * regenerate); once it has answered, no old-secret request may succeed.
 */
static void race_change(const char *method, const char *suffix,
			int expect_status)
{
	struct worker w[8] = {0};
	CURL *curl = curl_easy_init();
	atomic_bool stop = false;
	atomic_llong cut = 0;
	char auth[512], id[64], path[256];
	struct ts_reply r;
	int requests = 0;

	make_token(curl, auth, sizeof(auth), id);
	for (int i = 0; i < 8; i++) {
		w[i].bearer = auth;
		w[i].stop = &stop;
		w[i].cut = &cut;
		pthread_create(&w[i].thread, NULL, validate_loop, &w[i]);
	}
	ts_sleep_ms(150);
	snprintf(path, sizeof(path), DM "/tokens/%s%s", id, suffix);
	assert_int_equal(ts_request(curl, &server, method, path, ADA, NULL,
				    &r), 0);
	atomic_store(&cut, now_us());
	assert_int_equal(r.status, expect_status);
	free(r.body);
	ts_sleep_ms(150);
	atomic_store(&stop, true);
	for (int i = 0; i < 8; i++) {
		pthread_join(w[i].thread, NULL);
		assert_int_equal(w[i].late_successes, 0);
		requests += w[i].requests;
	}
	/* The old secret is refused now, and the race really ran. */
	assert_int_equal(ts_request(curl, &server, "GET",
				    auth + strlen(auth) + 1, auth, NULL, &r),
			 0);
	assert_int_equal(r.status, 401);
	assert_string_equal(r.reason, "token_revoked");
	assert_true(requests > 16);
	free(r.body);
	curl_easy_cleanup(curl);
}


static void test_hammer_revoke_cuts_off_at_once(void **state)
{
	(void)state;
	race_change("DELETE", "", 204);
}


static void test_hammer_regenerate_cuts_off_at_once(void **state)
{
	(void)state;
	race_change("POST", "/regenerate", 200);
}


#define BURST 64
#define TIMES 5
#define WS "/jsm/assets/workspace/5b6c1e2a-3f4d-4e8b-9a7c-0d1e2f3a4b5c"
#define NIGHTLY "Bearer dmac_Xmb0KsV17YWy3J_feoiZ_0qgOhuGgXsIiRhYUptaN9Y"

struct burst {
	pthread_t thread;
	pthread_barrier_t *go;
	const char *path;
	long status;
	char reason[64];
};


/* Wait for every thread of the burst, then send one request. */
static void *burst_one(void *arg)
{
	struct burst *b = arg;
	CURL *curl = curl_easy_init();
	struct ts_reply r;

	pthread_barrier_wait(b->go);
	if (ts_request(curl, &server, "GET", b->path, NIGHTLY, NULL, &r) == 0) {
		b->status = r.status;
		strcpy(b->reason, r.reason);
		free(r.body);
	}
	curl_easy_cleanup(curl);
	return NULL;
}


/* BURST requests at once on path; returns how many the rule answered. */
static int burst(const char *path)
{
	struct burst b[BURST];
	pthread_barrier_t go;
	int by_rule = 0;

	pthread_barrier_init(&go, NULL, BURST);
	for (int i = 0; i < BURST; i++) {
		b[i] = (struct burst){.go = &go, .path = path};
		pthread_create(&b[i].thread, NULL, burst_one, &b[i]);
	}
	for (int i = 0; i < BURST; i++) {
		pthread_join(b[i].thread, NULL);
		assert_true(b[i].status == 200 || b[i].status == 503);
		if (strcmp(b[i].reason, "rule") == 0)
			by_rule++;
	}
	pthread_barrier_destroy(&go);
	return by_rule;
}


/* A rule with times: K answers exactly K of 64 simultaneous requests. */
static void test_hammer_rule_times_exact(void **state)
{
	CURL *curl = curl_easy_init();
	struct ts_reply r;

	(void)state;
	assert_int_equal(ts_request(curl, &server, "POST",
				    "/t/burst/__mock/rules", NULL,
				    "{\"name\":\"five\",\"match\":{\"path\":"
				    "\"**/client/info\",\"times\":5},"
				    "\"respond\":{\"status\":503}}", &r), 0);
	assert_int_equal(r.status, 201);
	free(r.body);
	assert_int_equal(burst("/t/burst" WS "/v1/datamanager/client/info"),
			 TIMES);
	curl_easy_cleanup(curl);
}


/* An event after 10 requests advances a frozen clock by a day: once. */
static void test_hammer_event_fires_once(void **state)
{
	static const char doc[] =
		"{\"clock\":{\"start\":\"2026-01-15T09:00:00.000Z\","
		"\"frozen\":true},\"site\":{\"initialized\":true,"
		"\"workspaceId\":\"5b6c1e2a-3f4d-4e8b-9a7c-0d1e2f3a4b5c\"},"
		"\"tokens\":[{\"label\":\"nightly\",\"type\":"
		"\"ADAPTERS_CLIENT\",\"secret\":"
		"\"dmac_Xmb0KsV17YWy3J_feoiZ_0qgOhuGgXsIiRhYUptaN9Y\"}],"
		"\"events\":[{\"name\":\"tick\",\"on\":{\"afterRequests\":"
		"10},\"do\":[{\"advanceClock\":\"P1D\"}]}]}";
	CURL *curl = curl_easy_init();
	struct ts_reply r;

	(void)state;
	assert_int_equal(ts_request(curl, &server, "PUT",
				    "/t/event/__mock/state", NULL, doc, &r),
			 0);
	assert_int_equal(r.status, 200);
	free(r.body);
	assert_int_equal(burst("/t/event" WS "/v1/datamanager/client/info"),
			 0);
	assert_int_equal(ts_request(curl, &server, "GET",
				    "/t/event/__mock/clock", NULL, NULL, &r),
			 0);
	assert_non_null(strstr(r.body, "\"2026-01-16T09:00:00.000Z\""));
	free(r.body);
	curl_easy_cleanup(curl);
}


#define RESETS 10

/* Reset its own tenant, make a token there, and check that a reset
 * takes it away: RESETS times. Failures are counted in w->failures. */
static void *reset_loop(void *arg)
{
	struct worker *w = arg;
	CURL *curl = curl_easy_init();
	char base[64], path[128];
	struct ts_reply r;

	snprintf(base, sizeof(base), "/t/reset-%p", (void *)w);
	for (int i = 0; i < RESETS; i++) {
		snprintf(path, sizeof(path), "%s/__mock/reset", base);
		if (ts_request(curl, &server, "POST", path, NULL, NULL, &r) ||
		    r.status != 200)
			w->failures++;
		free(r.body);
		snprintf(path, sizeof(path), "%s" DM "/tokens?limit=1000",
			 base);
		if (ts_request(curl, &server, "GET", path, ADA, NULL, &r) ||
		    r.status != 200 || !strstr(r.body, "\"size\":3,"))
			w->failures++;
		free(r.body);
		snprintf(path, sizeof(path), "%s" DM "/tokens", base);
		if (ts_request(curl, &server, "POST", path, ADA,
			       "{\"label\":\"gone\",\"type\":"
			       "\"ADAPTERS_CLIENT\"}", &r) ||
		    r.status != 201)
			w->failures++;
		free(r.body);
		w->requests++;
	}
	curl_easy_cleanup(curl);
	return NULL;
}


/* Tenants made and reset from many threads at once (each a copy of the
 * one template) each come back to the scenario's three tokens. */
static void test_hammer_resets_at_once(void **state)
{
	struct worker w[8] = {0};

	(void)state;
	for (int i = 0; i < 8; i++)
		pthread_create(&w[i].thread, NULL, reset_loop, &w[i]);
	for (int i = 0; i < 8; i++) {
		pthread_join(w[i].thread, NULL);
		assert_int_equal(w[i].failures, 0);
		assert_int_equal(w[i].requests, RESETS);
	}
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hammer_creates_are_exact),
		cmocka_unit_test(test_hammer_revoke_cuts_off_at_once),
		cmocka_unit_test(test_hammer_regenerate_cuts_off_at_once),
		cmocka_unit_test(test_hammer_rule_times_exact),
		cmocka_unit_test(test_hammer_event_fires_once),
		cmocka_unit_test(test_hammer_resets_at_once),
		cmocka_unit_test(test_hammer_server_exits_cleanly),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
