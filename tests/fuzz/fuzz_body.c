/*
 * fuzz_body: the request body validators, through the real dispatcher.
 *
 * An input is one to FUZZ_REQUESTS_MAX requests separated by
 * FUZZ_SEPARATOR. In each, the first byte chooses the route (from the
 * table below, modulo its size: 'F' is the first, 'L' the last) and the
 * rest is the body, copied and NUL-terminated as server.c hands it
 * over. The requests carry the credentials the route needs
 * (fixtures/people.json, tokens.json), so the handler's own validation
 * runs rather than authentication; several requests in one input let a
 * PUT /__mock/state or POST /__mock/rules change what the next one
 * meets. The default tenant is dropped after every input, so the next
 * starts from the scenario again.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_server.h"

#define FUZZ_REQUESTS_MAX 4
#define FUZZ_SEPARATOR "\n@@\n"

#define DM "/rest/datamanager/1.0"
#define GW "/jsm/assets/workspace/" FUZZ_WORKSPACE "/v1/datamanager"

struct body_route {
	const char *method;
	const char *path;
	const char *auth;      /* Authorization, or NULL */
	bool loopback;
};

static const struct body_route routes[] = {
	{"POST", DM "/tokens", FUZZ_BASIC_ADA, false},
	{"PUT", DM "/roles/ADAPTERS_ADMIN", FUZZ_BASIC_JIRA, false},
	{"POST", "/__mock/clock", NULL, true},
	{"POST", "/__mock/rules", NULL, true},
	{"PUT", "/__mock/state", NULL, true},
	{"POST", GW "/adapters/runs", FUZZ_BEARER_ADAPTERS, false},
	{"POST", GW "/cleanse-import/operations", FUZZ_BEARER_CLEANSE,
	 false},
};

#define NROUTES (sizeof(routes) / sizeof(*routes))

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_server_init();
	return 0;
}


/* Send one request: route by data[0], body the rest (size >= 1). */
static void send_one(const uint8_t *data, size_t size)
{
	const struct body_route *r = &routes[data[0] % NROUTES];
	struct ms_header headers[2] = {
		{"Content-Type", "application/json"},
		{"Authorization", r->auth},
	};
	struct ms_request req = {
		.method = r->method,
		.path = r->path,
		.headers = headers,
		.nheaders = r->auth ? 2 : 1,
		.loopback = r->loopback,
	};
	size_t len = size - 1;
	char *body = NULL;

	if (len) {
		body = malloc(len + 1);
		if (!body)
			return;
		memcpy(body, data + 1, len);
		body[len] = '\0';
	}
	req.body = body;
	req.body_len = len;
	fuzz_server_send(&req);
	free(body);
}


/* Where the separator next occurs in data, or NULL. */
static const uint8_t *next_separator(const uint8_t *data, size_t size)
{
	size_t n = strlen(FUZZ_SEPARATOR);

	for (size_t i = 0; i + n <= size; i++) {
		if (memcmp(data + i, FUZZ_SEPARATOR, n) == 0)
			return data + i;
	}
	return NULL;
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const size_t seplen = strlen(FUZZ_SEPARATOR);
	const uint8_t *end = data + size;

	for (int i = 0; i < FUZZ_REQUESTS_MAX && data < end; i++) {
		const uint8_t *sep = next_separator(data, (size_t)(end - data));
		const uint8_t *stop = sep && i + 1 < FUZZ_REQUESTS_MAX ? sep
								       : end;

		if (stop > data)
			send_one(data, (size_t)(stop - data));
		data = stop == end ? end : stop + seplen;
	}
	ms_registry_drop(&fuzz_srv.registry, MS_TENANT_DEFAULT);
	return 0;
}
