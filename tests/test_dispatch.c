/*
 * test_dispatch: ms_dispatch() without a socket: a client beyond
 * loopback on the control plane, with and without --admin-key, as
 * dispatch sees it. test_remote.c makes the same checks over a real
 * socket from a non-loopback address, where the machine has one; the
 * end-to-end tests cover the rest over HTTP.
 */
#include <string.h>
#include "testutil.h"
#include "dispatch.h"
#include "handlers.h"
#include "text.h"
#include "log.h"

static struct ms_server srv;
static cJSON *doc;

static int setup(void **state)
{
	struct ms_scenario_opts opts = {true, 1, NULL};
	struct ms_scenario_error err;

	(void)state;
	ms_log_setup(MS_LOG_ERROR, MS_LOG_TEXT);
	doc = ms_scenario_load("scenarios/default.json", &err);
	if (!doc)
		return -1;
	if (ms_registry_init(&srv.registry, doc, &opts, 8, 16) < 0)
		return -1;
	srv.scenario_name = "default";
	srv.max_body = MS_MAX_BODY_DEFAULT;
	return 0;
}


static int teardown(void **state)
{
	(void)state;
	ms_registry_release(&srv.registry);
	cJSON_Delete(doc);
	return 0;
}


/* GET path from a client on or off loopback, with an admin key header
 * when key is not NULL; fills resp (the caller frees its body). */
static void get(const char *path, bool loopback, const char *key,
		struct ms_response *resp)
{
	struct ms_header h[] = {{"X-Mock-Admin-Key", key}};
	struct ms_request req = {
		.method = "GET", .path = path, .headers = h,
		.nheaders = key ? 1 : 0, .loopback = loopback,
	};

	memset(resp, 0, sizeof(*resp));
	ms_dispatch(&srv, &req, resp);
}


static void test_dispatch_control_loopback_only(void **state)
{
	struct ms_response resp;

	(void)state;
	srv.admin_key = NULL;
	get("/__mock/health", true, NULL, &resp);
	assert_int_equal(resp.status, 200);
	ms_response_release(&resp);

	get("/__mock/health", false, NULL, &resp);
	assert_int_equal(resp.status, 403);
	assert_string_equal(resp.reason, "permission_denied");
	assert_string_equal(resp.missing_permission, "mock.admin");
	ms_response_release(&resp);
	get("/__mock/nowhere", false, NULL, &resp);
	assert_int_equal(resp.status, 403);
	ms_response_release(&resp);

	/* The other planes do not care where the client is. */
	get("/rest/servicedeskapi/assets/workspace", false, NULL, &resp);
	assert_int_equal(resp.status, 401);
	assert_string_equal(resp.reason, "unauthenticated");
	ms_response_release(&resp);
}


static void test_dispatch_control_admin_key(void **state)
{
	struct ms_response resp;

	(void)state;
	srv.admin_key = "the-admin-key";
	get("/__mock/health", false, "the-admin-key", &resp);
	assert_int_equal(resp.status, 200);
	ms_response_release(&resp);

	get("/__mock/health", false, "the-admin-kez", &resp);
	assert_int_equal(resp.status, 401);
	assert_string_equal(resp.reason, "unauthenticated");
	ms_response_release(&resp);

	/* White space around a header's value is not part of it (RFC 9110),
	 * but only white space. */
	get("/__mock/health", false, "the-admin-key \t", &resp);
	assert_int_equal(resp.status, 200);
	ms_response_release(&resp);
	get("/__mock/health", false, "the-admin-key x", &resp);
	assert_int_equal(resp.status, 401);
	ms_response_release(&resp);
	get("/__mock/health", false, "the-admin-ke", &resp);
	assert_int_equal(resp.status, 401);
	ms_response_release(&resp);

	/* A route that does not exist is behind the same door: without
	 * the key, 401, not 404; with it, 404. */
	get("/__mock/nowhere", false, NULL, &resp);
	assert_int_equal(resp.status, 401);
	assert_string_equal(resp.reason, "unauthenticated");
	ms_response_release(&resp);
	get("/__mock/nowhere", false, "the-admin-key", &resp);
	assert_int_equal(resp.status, 404);
	ms_response_release(&resp);

	/* With a key set, loopback needs it too. */
	get("/__mock/health", true, NULL, &resp);
	assert_int_equal(resp.status, 401);
	ms_response_release(&resp);
	srv.admin_key = NULL;
}


/* A header value never carries a line break out, whatever reaches it. */
static void test_dispatch_header_value_one_line(void **state)
{
	struct ms_response resp;

	(void)state;
	memset(&resp, 0, sizeof(resp));
	ms_reply_header(&resp, "X-Mock-Rule", "a\r\nX-Injected: 1\tb");
	assert_int_equal(resp.nheaders, 1);
	assert_string_equal(resp.headers[0].value, "a??X-Injected: 1\tb");
}


/* An answer printed without a tree is the object cJSON would print, and
 * replaces (or is replaced by) a tree answer without a leak; one too
 * large for the response's room is put on the heap. */
static void test_dispatch_reply_members(void **state)
{
	const struct ms_member m[] = {
		{MS_LIT("id"), "5b6c1e2a", true},
		{MS_LIT("label"), "a \"b\" \\", false},
		{MS_LIT("expiresAt"), NULL, true},
	};
	char big[MS_RESP_ROOM];
	struct ms_member large[] = {{MS_LIT("label"), big, false}};
	struct ms_response resp;

	(void)state;
	memset(&resp, 0, sizeof(resp));
	ms_reply(&resp, 200, cJSON_CreateObject());
	ms_reply_members(&resp, 200, m, sizeof(m) / sizeof(m[0]));
	assert_null(resp.body);
	assert_ptr_equal(resp.text, resp.room);
	assert_string_equal(resp.text,
			    "{\"id\":\"5b6c1e2a\",\"label\":"
			    "\"a \\\"b\\\" \\\\\",\"expiresAt\":null}");
	assert_int_equal(resp.text_len, strlen(resp.text));

	memset(big, '\n', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ms_reply_members(&resp, 200, large, 1);
	assert_ptr_not_equal(resp.text, resp.room);
	assert_int_equal(resp.text_len, strlen("{\"label\":\"\"}") +
						2 * (sizeof(big) - 1));
	assert_memory_equal(resp.text + resp.text_len - 6, "\\n\\n\"}", 6);

	ms_reply_members(&resp, 200, m, 1);
	assert_string_equal(resp.text, "{\"id\":\"5b6c1e2a\"}");
	ms_fail(&resp, 404, "not_found", NULL, "gone");
	assert_null(resp.text);
	assert_int_equal(resp.text_len, 0);
	assert_non_null(resp.body);
	ms_response_release(&resp);
	assert_null(resp.body);
}


/* One request that sets and freezes the clock reads what it set: the
 * change is made at one instant, however long the steps take. Before,
 * set and freeze each read the monotonic clock, and a millisecond that
 * ended between them was added (seen in the end-to-end tests under
 * AddressSanitizer); thousands of tries make that near certain. */
static void test_dispatch_clock_set_and_freeze(void **state)
{
	static const char body[] =
		"{\"set\":\"2026-01-31T10:00:00.000Z\",\"freeze\":false}";
	static const char freeze[] =
		"{\"set\":\"2026-01-31T10:00:00.000Z\",\"freeze\":true}";
	struct ms_request req = {.method = "POST", .path = "/__mock/clock",
				 .loopback = true};
	struct ms_response resp;
	char *text;

	(void)state;
	srv.admin_key = NULL;
	for (int i = 0; i < 100000; i++) {
		/* Thaw first, so that the clock runs between the steps. */
		req.body = body;
		req.body_len = sizeof(body) - 1;
		memset(&resp, 0, sizeof(resp));
		ms_dispatch(&srv, &req, &resp);
		ms_response_release(&resp);
		req.body = freeze;
		req.body_len = sizeof(freeze) - 1;
		memset(&resp, 0, sizeof(resp));
		ms_dispatch(&srv, &req, &resp);
		assert_int_equal(resp.status, 200);
		text = cJSON_PrintUnformatted(resp.body);
		if (strcmp(text, "{\"now\":\"2026-01-31T10:00:00.000Z\","
				 "\"frozen\":true}") != 0)
			fail_msg("try %d: %s", i, text);
		cJSON_free(text);
		ms_response_release(&resp);
	}
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dispatch_control_loopback_only),
		cmocka_unit_test(test_dispatch_control_admin_key),
		cmocka_unit_test(test_dispatch_reply_members),
		cmocka_unit_test(test_dispatch_header_value_one_line),
		cmocka_unit_test(test_dispatch_clock_set_and_freeze),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
