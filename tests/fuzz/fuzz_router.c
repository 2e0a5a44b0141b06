/*
 * fuzz_router: the router, through the real dispatcher, with no body.
 *
 * The first byte of an input chooses the method (GET, POST, PUT, DELETE
 * or PATCH), the credentials (none, a user's Basic, a token's Bearer)
 * and whether the peer is on loopback; the rest, NUL-terminated, is the
 * path, with a query split off at the first '?'. The tenant the path
 * names (or the default one) is dropped afterwards, so every input
 * starts from the scenario.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_server.h"

static const char *const methods[] = {"GET", "POST", "PUT", "DELETE",
				      "PATCH"};
static const char *const auths[] = {NULL, FUZZ_BASIC_ADA,
				    FUZZ_BEARER_ADAPTERS};

#define NMETHODS (sizeof(methods) / sizeof(*methods))
#define NAUTHS (sizeof(auths) / sizeof(*auths))

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_server_init();
	return 0;
}


/* Drop the tenant that path names ("/t/{name}/..."), or the default. */
static void drop_tenant(const char *path)
{
	char name[MS_TENANT_NAME_MAX + 1];
	size_t n;

	if (strncmp(path, "/t/", 3) != 0) {
		ms_registry_drop(&fuzz_srv.registry, MS_TENANT_DEFAULT);
		return;
	}
	n = strcspn(path + 3, "/");
	if (n == 0 || n > MS_TENANT_NAME_MAX)
		return;
	memcpy(name, path + 3, n);
	name[n] = '\0';
	ms_registry_drop(&fuzz_srv.registry, name);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_header header = {"Authorization", NULL};
	struct ms_request req = {.headers = &header};
	unsigned choice;
	char *path, *query;

	if (size < 1)
		return 0;
	choice = data[0];
	path = malloc(size);
	if (!path)
		return 0;
	memcpy(path, data + 1, size - 1);
	path[size - 1] = '\0';
	query = strchr(path, '?');
	if (query)
		*query++ = '\0';

	req.method = methods[choice % NMETHODS];
	header.value = auths[choice / NMETHODS % NAUTHS];
	req.nheaders = header.value ? 1 : 0;
	req.loopback = (choice / (NMETHODS * NAUTHS)) % 2 == 0;
	req.path = path;
	req.query = query;
	fuzz_server_send(&req);

	drop_tenant(path);
	free(path);
	return 0;
}
