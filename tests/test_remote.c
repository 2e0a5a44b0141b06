/*
 * test_remote: the control plane seen from beyond loopback, over a real
 * socket.
 *
 * Each test starts the real server bound to 0.0.0.0 on port 0 and talks
 * to it through a non-loopback IPv4 address of this machine (the first
 * getifaddrs() gives that is up and not on 127.0.0.0/8), so the server
 * sees a peer that is not on loopback. Without --admin-key, /__mock
 * answers such a peer 403 permission_denied and loopback 200; with it,
 * 401 unauthenticated without the X-Mock-Admin-Key header or with a
 * wrong one, 200 with the right one, loopback included. The site and
 * gateway planes answer the remote peer either way.
 *
 * A machine with no such address cannot run these tests: each one says
 * so and is skipped (cmocka's SKIPPED), never passed. Run it from the
 * top of the tree.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cjson/cJSON.h>
#include "testutil.h"
#include "testserver.h"

#define SCENARIO "scenarios/default.json"
#define ADMIN_KEY "remote-admin-key"
#define ADA "Basic YWRhQGV4YW1wbGUuY29tOmFkYS1hcGktdG9rZW4="
#define NIGHTLY "Bearer dmac_Xmb0KsV17YWy3J_feoiZ_0qgOhuGgXsIiRhYUptaN9Y"
#define STATE "/rest/datamanager/1.0/state"
#define CLIENT_INFO "/jsm/assets/workspace/" \
	"5b6c1e2a-3f4d-4e8b-9a7c-0d1e2f3a4b5c/v1/datamanager/client/info"

static char remote_addr[INET_ADDRSTRLEN];   /* "" when there is none */


/* A non-loopback IPv4 address of an interface that is up, into buf.
 * Returns 0, or -1 when there is none. */
static int find_remote_addr(char *buf, size_t len)
{
	struct ifaddrs *list, *ifa;
	int rc = -1;

	if (getifaddrs(&list) < 0)
		return -1;
	for (ifa = list; ifa && rc < 0; ifa = ifa->ifa_next) {
		const struct sockaddr_in *sa;

		if (!ifa->ifa_addr || ifa->ifa_addr->sa_family != AF_INET ||
		    !(ifa->ifa_flags & IFF_UP) ||
		    (ifa->ifa_flags & IFF_LOOPBACK))
			continue;
		sa = (const struct sockaddr_in *)ifa->ifa_addr;
		if ((ntohl(sa->sin_addr.s_addr) >> 24) == 127)
			continue;
		if (inet_ntop(AF_INET, &sa->sin_addr, buf, (socklen_t)len))
			rc = 0;
	}
	freeifaddrs(list);
	return rc;
}


/* A server bound to 0.0.0.0, and the same port through the remote
 * address and through loopback. */
struct remote {
	struct ts_server srv;
	struct ts_server far;     /* srv, its URL on remote_addr */
	struct ts_server near;    /* srv, its URL on 127.0.0.1 */
	CURL *curl;
};


/*
 * Start the server with extra arguments (NULL ended, at most 4) into r,
 * which the test's teardown stops, even after a failed assertion.
 */
static void remote_start(struct remote *r, const char *const *extra)
{
	const char *args[8] = {"-b", "0.0.0.0"};
	const char *port;

	for (int i = 0; extra && extra[i] && i < 4; i++)
		args[2 + i] = extra[i];
	r->curl = curl_easy_init();
	assert_non_null(r->curl);
	if (ts_server_start(&r->srv, SCENARIO, args) < 0) {
		ts_server_stop(&r->srv, 1);
		fail_msg("the server did not start bound to 0.0.0.0");
	}
	port = strrchr(r->srv.url, ':');
	assert_non_null(port);
	r->far = r->srv;
	snprintf(r->far.url, sizeof(r->far.url), "http://%s%s", remote_addr,
		 port);
	r->near = r->srv;
	snprintf(r->near.url, sizeof(r->near.url), "http://127.0.0.1%s",
		 port);
}


static int remote_setup(void **state)
{
	static struct remote r;

	memset(&r, 0, sizeof(r));
	*state = &r;
	return 0;
}


/* Stop the server, if one started: it must exit 0 on SIGTERM. */
static int remote_teardown(void **state)
{
	struct remote *r = *state;
	int rc = 0;

	if (r->srv.pid > 0 && ts_server_stop(&r->srv, 0) != 0) {
		fprintf(stderr, "test_remote: the server did not exit 0 "
			"on SIGTERM\n");
		rc = -1;
	}
	curl_easy_cleanup(r->curl);
	return rc;
}


/* method path on to (with an Authorization value and one more header
 * line, each optional); its status, X-Mock-Reason into reason. */
static long ask(struct remote *r, const struct ts_server *to,
		const char *method, const char *path, const char *auth,
		const char *header, char *reason)
{
	struct ts_reply rep;
	long status = -1;

	if (ts_request_hdr(r->curl, to, method, path, auth, header, NULL,
			   &rep) == 0)
		status = rep.status;
	snprintf(reason, 64, "%s", rep.reason);
	free(rep.body);
	return status;
}


/* GET /__mock/health on to; the tenant count, or -1. */
static int tenants(struct remote *r, const struct ts_server *to,
		   const char *header)
{
	struct ts_reply rep;
	cJSON *doc = NULL;
	int n = -1;

	if (ts_request_hdr(r->curl, to, "GET", "/__mock/health", NULL,
			   header, NULL, &rep) == 0 && rep.status == 200)
		doc = cJSON_Parse(rep.body);
	if (cJSON_IsNumber(cJSON_GetObjectItem(doc, "tenants")))
		n = cJSON_GetObjectItem(doc, "tenants")->valueint;
	cJSON_Delete(doc);
	free(rep.body);
	return n;
}


/* The site and gateway planes answer the remote peer as any other. */
static void assert_data_planes(struct remote *r)
{
	char reason[64];

	assert_int_equal(ask(r, &r->far, "GET", STATE, ADA, NULL, reason),
			 200);
	assert_string_equal(reason, "");
	assert_int_equal(ask(r, &r->far, "GET", CLIENT_INFO, NIGHTLY, NULL,
			     reason), 200);
	assert_string_equal(reason, "");
	assert_int_equal(ask(r, &r->far, "GET", STATE, NULL, NULL, reason),
			 401);
	assert_string_equal(reason, "unauthenticated");
}


static void skip_without_address(void)
{
	if (remote_addr[0])
		return;
	fprintf(stderr, "test_remote: this machine has no non-loopback "
		"IPv4 address: skipped\n");
	skip();
}


/* Without --admin-key: 403 to the remote peer, on every control route
 * and tenant, and no tenant made; loopback is served. */
static void test_remote_control_loopback_only(void **state)
{
	static const char *const routes[][2] = {
		{"GET", "/__mock/health"},
		{"POST", "/__mock/reset"},
		{"GET", "/__mock/journal"},
		{"GET", "/t/remote-x/__mock/clock"},
		{"DELETE", "/__mock/tenant"},
	};
	struct remote *r = *state;
	char reason[64];
	int before;

	skip_without_address();
	remote_start(r, NULL);
	before = tenants(r, &r->near, NULL);
	assert_true(before >= 0);
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		long status = ask(r, &r->far, routes[i][0], routes[i][1],
				  NULL, NULL, reason);

		if (status != 403 || strcmp(reason, "permission_denied"))
			fail_msg("%s %s from %s: %ld %s, not 403 "
				 "permission_denied", routes[i][0],
				 routes[i][1], remote_addr, status, reason);
	}
	/* A key is no use when none was set. */
	assert_int_equal(ask(r, &r->far, "GET", "/__mock/health", NULL,
			     "X-Mock-Admin-Key: " ADMIN_KEY, reason), 403);
	assert_int_equal(tenants(r, &r->near, NULL), before);
	assert_data_planes(r);
}


/* With --admin-key: 401 without the header or with a wrong key, 200
 * with the right one, from anywhere. */
static void test_remote_control_admin_key(void **state)
{
	static const char *const args[] = {"--admin-key", ADMIN_KEY, NULL};
	static const char right[] = "X-Mock-Admin-Key: " ADMIN_KEY;
	static const char *const wrong[] = {
		NULL,
		"X-Mock-Admin-Key: remote-admin-kez",
		"X-Mock-Admin-Key: " ADMIN_KEY "x",
		"X-Mock-Admin-Key;",     /* curl: the header, empty */
	};
	struct remote *r = *state;
	char reason[64];

	skip_without_address();
	remote_start(r, args);
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		long status = ask(r, &r->far, "GET", "/__mock/health", NULL,
				  wrong[i], reason);

		if (status != 401 || strcmp(reason, "unauthenticated"))
			fail_msg("health with '%s' from %s: %ld %s, not 401 "
				 "unauthenticated", wrong[i] ? wrong[i] : "",
				 remote_addr, status, reason);
	}
	assert_int_equal(ask(r, &r->far, "GET", "/__mock/health", NULL,
			     right, reason), 200);
	assert_int_equal(ask(r, &r->far, "GET", "/t/remote-y/__mock/clock",
			     NULL, right, reason), 200);
	assert_int_equal(ask(r, &r->far, "DELETE", "/t/remote-y/__mock/tenant",
			     NULL, right, reason), 204);
	/* Loopback needs the key too once one is set. */
	assert_int_equal(ask(r, &r->near, "GET", "/__mock/health", NULL,
			     NULL, reason), 401);
	assert_int_equal(ask(r, &r->near, "GET", "/__mock/health", NULL,
			     right, reason), 200);
	assert_data_planes(r);
}


static int group_setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (find_remote_addr(remote_addr, sizeof(remote_addr)) < 0)
		remote_addr[0] = '\0';
	else
		fprintf(stderr, "test_remote: talking to the server through "
			"%s\n", remote_addr);
	return 0;
}


static int group_teardown(void **state)
{
	(void)state;
	curl_global_cleanup();
	return 0;
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_remote_control_loopback_only, remote_setup,
			remote_teardown),
		cmocka_unit_test_setup_teardown(
			test_remote_control_admin_key, remote_setup,
			remote_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
