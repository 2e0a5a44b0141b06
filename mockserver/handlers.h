/*
 * handlers: what dispatch.c hands a route's handler, and the helpers the
 * handlers of the three planes share. Internal to the server.
 *
 * A handler runs with the tenant's lock held (control routes that manage
 * tenants as a whole are the exception, see control.c), after dispatch
 * has run every check that comes before validation. It validates its
 * input, acts, and fills call->resp; it never sends anything itself.
 */
#ifndef MS_HANDLERS_H
#define MS_HANDLERS_H

#include "dispatch.h"
#include "ratelimit.h"

enum ms_plane {
	MS_PLANE_SITE,
	MS_PLANE_GATEWAY,
	MS_PLANE_CONTROL
};

#define MS_PARAMS_MAX 3
#define MS_PARAM_LEN 256

struct ms_call {
	struct ms_server *srv;
	struct ms_tenant *tenant;     /* NULL for tenant-less control routes */
	const struct ms_request *req;
	const char *path;             /* req->path less the tenant prefix */
	const char *authorization;    /* the request's header (trailing
					 white space aside), or NULL */
	struct ms_response *resp;
	ms_time_t now;                /* the tenant's virtual now */
	ms_time_t arrived;            /* wall time the request came */
	struct ms_user *user;         /* the site caller */
	struct ms_token *token;       /* the gateway caller */
	/* The token the Authorization header names, looked up once for
	 * the rules and the gateway's checks; valid while looked_up, which
	 * letting go of the tenant's lock ends. */
	struct ms_token *seen;
	enum ms_secret_match seen_match;
	bool seen_basic;              /* it came as Basic's password */
	bool looked_up;
	struct ms_rate_verdict rate;  /* the rate limit's count, if any */
	/* Text, set before it is read: not cleared with the rest. */
	char rule[128];               /* the rule that acted, for the journal */
	char params[MS_PARAMS_MAX][MS_PARAM_LEN];  /* the route's captures */
	char auth_trimmed[1024];      /* authorization, when it was trimmed */
};

typedef void ms_handler_fn(struct ms_call *call);

/* Route flags. */
#define MS_ROUTE_NEEDS_INIT 0x1u   /* 409 not_initialized before use */
#define MS_ROUTE_NO_TENANT  0x2u   /* control route that takes no lock */
#define MS_ROUTE_BASIC_OK   0x4u   /* gateway: BASIC_AUTH tokens allowed */
#define MS_ROUTE_READ_ONLY  0x8u   /* changes no state: may share the lock */

struct ms_route {
	enum ms_plane plane;
	const char *method;
	const char *pattern;       /* "{}" matches one segment, captured */
	const char *action;        /* site: the permission needed, or NULL */
	unsigned flags;
	unsigned token_types;      /* gateway: bit per allowed type */
	ms_handler_fn *handler;
};

#define MS_TYPE_BIT(t) (1u << (t))

extern const struct ms_route ms_site_routes[];
extern const struct ms_route ms_gateway_routes[];
extern const struct ms_route ms_control_routes[];

/* Errors in the Atlassian collection shape, with X-Mock-Reason. field
 * may be NULL (no "errors" entry). */
void ms_fail(struct ms_response *resp, int status, const char *reason,
	     const char *field, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* The gateway's 401: exactly {"code":401,"message":"Unauthorized"}. */
void ms_fail_gateway_401(struct ms_response *resp, const char *reason);

/* Answer status with body (ownership taken; may be NULL). */
void ms_reply(struct ms_response *resp, int status, cJSON *body);

/* A member of an answer written by ms_reply_members: value NULL is
 * JSON null. */
struct ms_member {
	const char *key;          /* plain ASCII, written as it is */
	size_t key_len;           /* {MS_LIT("key"), value} */
	const char *value;
	bool plain;               /* value holds nothing JSON escapes (an id,
				     a time, a key made or checked here):
				     written as it is */
};

/* Members an answer of ms_reply_members may have. */
#define MS_MEMBERS_MAX 8

/* Answer status with {"key":"value",...} (at most MS_MEMBERS_MAX),
 * printed straight into resp->text, in resp->room when it fits: for
 * routes every client calls all the time, where building a cJSON tree
 * to print once cost more than the rest of the route. The bytes are
 * those cJSON would print for the same object. */
void ms_reply_members(struct ms_response *resp, int status,
		      const struct ms_member *m, size_t n);

/* Add a response header (cut to fit). */
void ms_reply_header(struct ms_response *resp, const char *name,
		     const char *value);

/*
 * Parse the request body as a JSON object. On success returns the object
 * (caller frees). On failure answers 400 invalid_json (not JSON) or
 * validation_failed (JSON, but no object) and returns NULL.
 */
cJSON *ms_call_json_object(struct ms_call *call);

/*
 * Read the paging query (start, limit). Returns 0, or -1 after answering
 * 400 validation_failed.
 */
int ms_call_paging(struct ms_call *call, size_t *start, size_t *limit);

/* {"start","limit","size","isLastPage","values"} from all (taken). */
cJSON *ms_page(cJSON *all, size_t start, size_t limit);

/* A time as ISO text, or JSON null for MS_NEVER. */
cJSON *ms_time_json(ms_time_t t);

/* A subject's strings, copied, so that they outlive the tenant's lock. */
struct ms_subject_copy {
	struct ms_subject s;
	char token[1024];
	char token_id[MS_UUID_BUFSZ];
	char user[256];
};

void ms_subject_keep(const struct ms_subject *in,
		     struct ms_subject_copy *out);

/*
 * Journal a site or gateway call (record.c): the entry is written with
 * the tenant's lock let go, then appended under it. Call without the
 * lock held; started is ms_mono_us() when the request came.
 */
void ms_call_record(struct ms_call *call, enum ms_plane plane,
		    const struct ms_subject_copy *subj,
		    const struct ms_route *r, int64_t started);

#endif /* MS_HANDLERS_H */
