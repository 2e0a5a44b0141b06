/*
 * dispatch: from a parsed HTTP request to a response, without civetweb.
 *
 * server.c turns what civetweb read into a struct ms_request and writes
 * back the struct ms_response; everything between happens here and in the
 * handlers (site.c, gateway.c, control.c), so it can be unit-tested and
 * fuzzed without a socket. Dispatch strips the tenant prefix (the name
 * taken as sent), percent-decodes the rest of the path, finds the route
 * (404, or 405 with Allow), checks the control plane's access, acquires
 * the tenant, and runs the plane's checks in the order SPEC.md gives,
 * under the tenant's lock, before the handler. It then records the
 * request in the tenant's journal, credentials described, never copied.
 */
#ifndef MS_DISPATCH_H
#define MS_DISPATCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "tenant.h"

#define MS_VERSION "0.1.0"
#define MS_MAX_BODY_DEFAULT (1024 * 1024)
#define MS_RESP_HEADERS_MAX 12
#define MS_RESP_ROOM 1024       /* a printed answer kept in place */

struct ms_header {
	const char *name;
	const char *value;
};

struct ms_request {
	const char *method;
	const char *path;         /* as sent, encoded; query excluded */
	const char *query;        /* raw, or NULL */
	const struct ms_header *headers;
	int nheaders;
	const char *body;
	size_t body_len;
	bool loopback;            /* the peer is on 127.0.0.0/8 or ::1 */
};

/* An answer. ms_response_init zeroes what comes before headers[]; the
 * arrays from there on are only read as far as nheaders, or up to their
 * NUL, so an answer does not clear four kilobytes it seldom uses. */
struct ms_response {
	int status;
	const char *reason;       /* X-Mock-Reason; NULL on success */
	const char *missing_permission;
	char allow[64];           /* Allow, for a 405 */
	cJSON *body;              /* owned; NULL for no body */
	char *text;               /* a body already printed, for the
				   * hottest routes: room, or owned; set
				   * only when body is NULL
				   * (ms_reply_members) */
	size_t text_len;
	ms_time_t date;           /* the tenant's virtual now, for Date */
	bool has_date;
	int fault;                /* enum ms_fault: break the connection */
	int64_t fault_ms;         /* how long a stall lasts; 0: default */
	int nheaders;
	struct {
		char name[48];
		char value[160];
	} headers[MS_RESP_HEADERS_MAX];
	char credential[160];     /* what authenticated, for the journal */
	char room[MS_RESP_ROOM];  /* where text goes when it fits */
};

/* What every part of the server shares: set up by main, read-only while
 * serving except through the registry's own locks. */
struct ms_server {
	struct ms_registry registry;
	const char *scenario_name;
	const char *admin_key;    /* NULL: the control plane is loopback only */
	size_t max_body;
	/* Set when a stop will wait no longer: rule delays end at once. */
	atomic_bool cut_delays;
};

/* Make resp an empty answer (status 0, no body, no header). */
void ms_response_init(struct ms_response *resp);

/* Answer req into resp (made empty by ms_response_init, or all zeroes).
 * Never fails: every
 * problem becomes an error response. The caller frees the body with
 * ms_response_release.
 * resp->date is the virtual now of the tenant the path names whenever
 * it exists (has_date); else the caller dates the answer by the wall
 * clock. */
void ms_dispatch(struct ms_server *srv, const struct ms_request *req,
		 struct ms_response *resp);

/* Free what resp owns (its body, printed or not), leaving it empty. */
void ms_response_release(struct ms_response *resp);

/*
 * The virtual now of the tenant that path (as sent) names, for the Date
 * of an answer made without dispatch (a body that could not be read).
 * Returns true and *now when the name is valid and the tenant exists;
 * false otherwise, when the wall clock must do. Creates no tenant and
 * fires no event.
 */
bool ms_dispatch_tenant_now(struct ms_server *srv, const char *path,
			    ms_time_t *now);

/* A request header by name, case-insensitively, or NULL. */
const char *ms_request_header(const struct ms_request *req,
			      const char *name);

/* What ms_query_param() gives for a value too long or holding %00:
 * DEL, which no parameter's check accepts, so the caller answers 400. */
#define MS_QUERY_MALFORMED "\x7f"

/*
 * Find a query parameter, percent-decoded, and copy its value into buf
 * (len bytes). Returns buf, or NULL when absent. A value that does not
 * fit or holds %00 comes back as MS_QUERY_MALFORMED.
 */
const char *ms_query_param(const struct ms_request *req, const char *name,
			   char *buf, size_t len);

#endif /* MS_DISPATCH_H */
