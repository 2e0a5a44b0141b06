/*
 * dispatch: see dispatch.h. The checks of each plane run here, in the
 * order SPEC.md gives, so that handlers only validate and act.
 */
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <civetweb.h>
#include "events.h"
#include "handlers.h"
#include "log.h"
#include "text.h"

#define GATEWAY_PREFIX "/jsm/"
#define CONTROL_PREFIX "/__mock"


const char *ms_request_header(const struct ms_request *req,
			      const char *name)
{
	for (int i = 0; i < req->nheaders; i++) {
		if (strcasecmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	}
	return NULL;
}


const char *ms_query_param(const struct ms_request *req, const char *name,
			   char *buf, size_t len)
{
	int n;

	if (!req->query || len < 2)
		return NULL;
	n = mg_get_var(req->query, strlen(req->query), name, buf, len);
	if (n == -1)
		return NULL;
	/* Too long for buf (-2), or a %00 inside: a value no check takes. */
	if (n < 0 || strlen(buf) != (size_t)n)
		strcpy(buf, MS_QUERY_MALFORMED);
	return buf;
}


/*
 * Split "/t/{tenant}/rest", as sent, into the tenant's name and the rest
 * of the path, still encoded. Without the prefix, the tenant is
 * "default". The name is never decoded: a '%' breaks the pattern, so
 * "/t/a%2Fb/..." cannot become the tenant "a". Returns 0, or -1 when the
 * name breaks the pattern.
 */
static int split_tenant(const char *path, char *name, const char **rest)
{
	const char *end;
	size_t len;

	if (strncmp(path, "/t/", 3) != 0) {
		strcpy(name, MS_TENANT_DEFAULT);
		*rest = path;
		return 0;
	}
	path += 3;
	end = strchr(path, '/');
	len = end ? (size_t)(end - path) : strlen(path);
	if (len == 0 || len > MS_TENANT_NAME_MAX)
		return -1;
	memcpy(name, path, len);
	name[len] = '\0';
	*rest = end ? end : "/";
	return ms_tenant_name_valid(name) ? 0 : -1;
}


/*
 * Match path against pattern; "{}" captures one non-empty segment into
 * params. Returns true on a match. The literal runs between captures
 * are compared whole: every request is matched against a few routes.
 */
static bool path_match(const char *pattern, const char *path,
		       char params[][MS_PARAM_LEN])
{
	int np = 0;

	for (;;) {
		const char *hole = strchr(pattern, '{');  /* only as "{}" */
		size_t lit = hole ? (size_t)(hole - pattern) : strlen(pattern);
		size_t n;

		if (strncmp(pattern, path, lit) != 0)
			return false;
		path += lit;
		if (!hole)
			return *path == '\0';
		n = (size_t)(strchrnul(path, '/') - path);
		if (n == 0 || n >= MS_PARAM_LEN || np >= MS_PARAMS_MAX)
			return false;
		memcpy(params[np], path, n);
		params[np++][n] = '\0';
		pattern = hole + 2;
		path += n;
	}
}


static const struct ms_route *plane_routes(const char *path,
					   enum ms_plane *plane)
{
	if (strncmp(path, CONTROL_PREFIX, strlen(CONTROL_PREFIX)) == 0) {
		*plane = MS_PLANE_CONTROL;
		return ms_control_routes;
	}
	if (strncmp(path, GATEWAY_PREFIX, strlen(GATEWAY_PREFIX)) == 0) {
		*plane = MS_PLANE_GATEWAY;
		return ms_gateway_routes;
	}
	*plane = MS_PLANE_SITE;
	return ms_site_routes;
}


/* The method a route is looked up by: HEAD is served as GET, without
 * the body (server.c writes none), as HTTP asks of every GET route. */
static const char *route_method(const char *method)
{
	return strcmp(method, "HEAD") == 0 ? "GET" : method;
}


/* Does any route take path with method? */
static bool path_allows(const struct ms_route *routes, const char *path,
			const char *method)
{
	char scratch[MS_PARAMS_MAX][MS_PARAM_LEN];

	method = route_method(method);
	for (const struct ms_route *r = routes; r->pattern; r++) {
		if (strcmp(r->method, method) == 0 &&
		    path_match(r->pattern, path, scratch))
			return true;
	}
	return false;
}


/*
 * Find the route for the call's method and path, its parameters into
 * call->params. When the path matches but not the method, answers 405
 * with Allow (methods in a fixed order) and returns NULL; when nothing
 * matches, answers 404 and returns NULL.
 */
static const struct ms_route *route_find(const struct ms_route *routes,
					 struct ms_call *call)
{
	static const char *const methods[] = {"GET", "HEAD", "POST", "PUT",
					      "DELETE"};
	const char *method = call->req->method;
	char *allow = call->resp->allow;
	size_t n = 0;

	for (const struct ms_route *r = routes; r->pattern; r++) {
		if (strcmp(r->method, route_method(method)) == 0 &&
		    path_match(r->pattern, call->path, call->params))
			return r;
	}
	allow[0] = '\0';
	for (size_t i = 0; i < sizeof(methods) / sizeof(*methods); i++) {
		if (path_allows(routes, call->path, methods[i]))
			n += (size_t)snprintf(allow + n,
					      sizeof(call->resp->allow) - n,
					      "%s%s", n ? ", " : "",
					      methods[i]);
	}
	if (n) {
		ms_fail(call->resp, 405, "method_not_allowed", NULL,
			"Method %s is not allowed here; allowed: %s", method,
			allow);
	} else {
		ms_fail(call->resp, 404, "not_found", NULL,
			"No route for %s %s", method, call->path);
	}
	return NULL;
}


/* Is the header's value the admin key, trailing white space aside (it
 * is not part of a header's value)? In constant time, as secrets are. */
static bool admin_key_equal(const char *sent, const char *key)
{
	size_t n = strlen(sent);
	char buf[1024];

	while (n > 0 && (sent[n - 1] == ' ' || sent[n - 1] == '\t'))
		n--;
	if (n >= sizeof(buf))           /* too long to trim here: as sent */
		return ms_secret_equal(sent, key);
	memcpy(buf, sent, n);
	buf[n] = '\0';
	return ms_secret_equal(buf, key);
}


/* The control plane: loopback only, or the admin key when one is set. */
static int control_access(struct ms_call *call)
{
	const char *key;

	if (!call->srv->admin_key) {
		if (call->req->loopback)
			return 0;
		ms_fail(call->resp, 403, "permission_denied", NULL,
			"The control plane answers loopback clients only; "
			"start with --admin-key to open it");
		call->resp->missing_permission = "mock.admin";
		return -1;
	}
	key = ms_request_header(call->req, "X-Mock-Admin-Key");
	if (key && admin_key_equal(key, call->srv->admin_key))
		return 0;
	ms_fail(call->resp, 401, "unauthenticated", NULL,
		"Missing or wrong X-Mock-Admin-Key");
	return -1;
}


/* Skip the scheme word (case-insensitive) and the blanks after it;
 * NULL when the header does not start with it. */
static const char *auth_scheme(const char *header, const char *scheme)
{
	size_t n = strlen(scheme);

	if (strncasecmp(header, scheme, n) != 0 ||
	    (header[n] != ' ' && header[n] != '\t'))
		return NULL;
	header += n;
	while (*header == ' ' || *header == '\t')
		header++;
	return header;
}


/*
 * Decode "Basic base64(user:password)" into user and pass (both in buf).
 * Returns 0, or -1 when it is not Basic or not well formed.
 */
static int basic_decode(const char *header, char *buf, size_t len,
			const char **user, const char **pass)
{
	const char *b64 = auth_scheme(header, "Basic");
	char *colon;
	int n;

	if (!b64 || !*b64 || strlen(b64) >= len)
		return -1;
	n = b64_pton(b64, (unsigned char *)buf, len - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (strlen(buf) != (size_t)n)
		return -1;                   /* a NUL inside */
	colon = strchr(buf, ':');
	if (!colon)
		return -1;
	*colon = '\0';
	*user = buf;
	*pass = colon + 1;
	return 0;
}


/* Site plane: Basic email:apiToken of a scenario user. */
static int site_authenticate(struct ms_call *call)
{
	const char *header = call->authorization;
	const char *email, *api_token;
	struct ms_user *u;
	char buf[1024];

	if (header && basic_decode(header, buf, sizeof(buf), &email,
				   &api_token) == 0) {
		u = ms_state_user_by_email(&call->tenant->state, email);
		if (u && u->api_token &&
		    ms_secret_equal(u->api_token, api_token)) {
			call->user = u;
			snprintf(call->resp->credential,
				 sizeof(call->resp->credential),
				 "Basic <user %s>", u->account_id);
			return 0;
		}
	}
	snprintf(call->resp->credential, sizeof(call->resp->credential),
		 "%s", header ? "<rejected credentials>" : "");
	ms_fail(call->resp, 401, "unauthenticated", NULL,
		"Client must be authenticated to access this resource.");
	return -1;
}


static int site_checks(struct ms_call *call, const struct ms_route *r)
{
	struct ms_state *st = &call->tenant->state;

	if (site_authenticate(call) < 0)
		return -1;
	if (r->action && !ms_state_user_may(st, call->user, r->action)) {
		call->resp->missing_permission = r->action;
		ms_fail(call->resp, 403, "permission_denied", NULL,
			"You do not have the permission '%s' in Data "
			"Manager.", r->action);
		return -1;
	}
	if ((r->flags & MS_ROUTE_NEEDS_INIT) && !st->initialized) {
		ms_fail(call->resp, 409, "not_initialized", NULL,
			"Data Manager has not been initialized on this site. "
			"Open Data Manager once to initialize it.");
		return -1;
	}
	return 0;
}


/* The journal's description of a token presented (nothing when it is
 * unknown): what it is, never its secret. */
static void describe_token(struct ms_call *call, const struct ms_token *tok,
			   enum ms_secret_match match, bool basic)
{
	char *out = call->resp->credential;
	const size_t cap = sizeof(call->resp->credential);
	size_t n = 0;

	if (!tok)
		return;
	if (basic)
		ms_append(out, cap, &n, MS_LIT("Basic <token "));
	else
		ms_append(out, cap, &n, MS_LIT("Bearer <token "));
	ms_append(out, cap, &n, tok->label, strlen(tok->label));
	ms_append(out, cap, &n, MS_LIT(" id="));
	ms_append(out, cap, &n, tok->id, strlen(tok->id));
	if (match == MS_SECRET_RETIRED)
		ms_append(out, cap, &n, MS_LIT(" retired secret>"));
	else
		ms_append(out, cap, &n, MS_LIT(">"));
}


static int deny(struct ms_call *call, const char *reason)
{
	ms_fail_gateway_401(call->resp, reason);
	return -1;
}


static int malformed(struct ms_call *call)
{
	ms_copy(call->resp->credential, sizeof(call->resp->credential),
		"<malformed credentials>");
	return deny(call, "token_malformed");
}


/* A known token presented: the caller, unless revoked or expired. */
static int judge_token(struct ms_call *call, struct ms_token *tok,
		       enum ms_secret_match match)
{
	if (match == MS_SECRET_RETIRED || tok->revoked)
		return deny(call, "token_revoked");
	if (ms_token_status(tok, call->now) == MS_TOKEN_EXPIRED)
		return deny(call, "token_expired");
	call->token = tok;
	return 0;
}


/*
 * Gateway plane: find the presented secret (Bearer, or Basic with the
 * token as password). Answers the gateway's 401 and returns -1 when it is
 * missing, malformed, unknown, revoked or expired. *basic tells which
 * scheme carried it.
 */
static int gateway_authenticate(struct ms_call *call, bool *basic)
{
	const char *header = call->authorization;
	const char *secret = NULL, *user;
	enum ms_secret_match match;
	struct ms_token *tok;
	char buf[1024];

	*basic = false;
	if (call->looked_up && call->seen) {
		/* Found for the rules: the header holds a known secret. */
		*basic = call->seen_basic;
		return judge_token(call, call->seen, call->seen_match);
	}
	if (!header || !*header)
		return deny(call, "token_missing");
	if ((secret = auth_scheme(header, "Bearer")) == NULL) {
		if (basic_decode(header, buf, sizeof(buf), &user, &secret) < 0)
			secret = NULL;
		*basic = true;
	}
	if (!secret)
		return malformed(call);

	if (call->looked_up) {
		tok = call->seen;
		match = call->seen_match;
	} else {
		tok = ms_token_store_by_secret(&call->tenant->state.tokens,
					       secret, &match);
		describe_token(call, tok, match, *basic);
	}
	/* A secret the store holds was well formed when it came in (the
	 * scenario checks, or made here): only an unknown one is judged. */
	if (!tok && !ms_token_secret_wellformed(secret))
		return malformed(call);
	if (!tok) {
		snprintf(call->resp->credential,
			 sizeof(call->resp->credential), "<unknown token>");
		return deny(call, "token_unknown");
	}
	return judge_token(call, tok, match);
}


static bool gateway_type_ok(const struct ms_route *r,
			    const struct ms_token *tok, bool basic)
{
	if (basic)
		return (r->flags & MS_ROUTE_BASIC_OK) &&
		       tok->type == MS_TOKEN_BASIC_AUTH;
	return tok->type != MS_TOKEN_BASIC_AUTH &&
	       (r->token_types & MS_TYPE_BIT(tok->type));
}


static int gateway_checks(struct ms_call *call, const struct ms_route *r)
{
	struct ms_token *tok;
	bool basic;

	if (gateway_authenticate(call, &basic) < 0)
		return -1;
	tok = call->token;
	if (strcmp(tok->workspace_id, call->params[0]) != 0) {
		call->resp->missing_permission = r->action;
		ms_fail(call->resp, 403, "token_wrong_workspace", NULL,
			"This token belongs to another workspace.");
		return -1;
	}
	if ((r->flags & MS_ROUTE_NEEDS_INIT) &&
	    !call->tenant->state.initialized) {
		ms_fail(call->resp, 409, "not_initialized", NULL,
			"Data Manager has not been initialized on this site.");
		return -1;
	}
	if (!gateway_type_ok(r, tok, basic)) {
		call->resp->missing_permission = r->action;
		ms_fail(call->resp, 403, "token_wrong_type", NULL,
			"This route does not accept the token presented "
			"(type %s%s).", ms_token_type_key(tok->type),
			basic ? ", sent as Basic authentication" : "");
		return -1;
	}
	return 0;
}


/*
 * Who the request says it is, for rules and events, without judging it:
 * the label of a token presented (gateway), the account of valid
 * credentials (site), or of the token's maker (gateway).
 */
static void subject_of(struct ms_call *call, struct ms_subject *subj)
{
	const char *header = call->authorization;
	const struct ms_state *st = &call->tenant->state;
	const char *user = NULL, *secret;
	enum ms_secret_match match;
	struct ms_token *tok;
	const struct ms_user *u;
	char buf[1024];

	memset(subj, 0, sizeof(*subj));
	subj->method = call->req->method;
	subj->path = call->path;
	if (!header)
		return;
	if ((secret = auth_scheme(header, "Bearer")) == NULL &&
	    basic_decode(header, buf, sizeof(buf), &user, &secret) < 0)
		return;
	tok = ms_token_store_by_secret(&st->tokens, secret, &match);
	call->seen = tok;
	call->seen_match = match;
	call->seen_basic = user != NULL;
	call->looked_up = true;
	if (tok) {
		subj->token_label = tok->label;
		subj->token_id = tok->id;
		subj->user = tok->created_by;
		/* The journal's description, should a rule answer first. */
		describe_token(call, tok, match, user != NULL);
		return;
	}
	u = user ? ms_state_user_by_email(st, user) : NULL;
	if (u && u->api_token && ms_secret_equal(u->api_token, secret)) {
		subj->user = u->account_id;
		snprintf(call->resp->credential,
			 sizeof(call->resp->credential), "Basic <user %s>",
			 u->account_id);
	}
}


/*
 * A rule's answer: its status, headers and body, or a fault. Without a
 * body, an error gets the shape its plane uses (the gateway's 401 body,
 * else the collection); a 403 names the route's action, as every 403 of
 * the mock does ("mock.rule" on an unknown route).
 */
static void rule_answer(struct ms_call *call, const struct ms_rule *r,
			const struct ms_route *route, enum ms_plane plane)
{
	struct ms_response *resp = call->resp;
	const cJSON *h;

	if (r->status == 403)
		resp->missing_permission = route && route->action
						   ? route->action
						   : "mock.rule";
	if (r->fault) {
		resp->fault = r->fault;
		resp->fault_ms = r->delay_ms;
		ms_reply(resp, 200, NULL);
	} else if (r->body) {
		ms_reply(resp, r->status, cJSON_Duplicate(r->body, true));
	} else if (r->status == 401 && plane == MS_PLANE_GATEWAY) {
		ms_fail_gateway_401(resp, "rule");
	} else if (r->status >= 400) {
		ms_fail(resp, r->status, "rule", NULL,
			"Answered by the mock's rule '%s'", r->name);
	} else {
		ms_reply(resp, r->status, NULL);
	}
	resp->reason = "rule";
	cJSON_ArrayForEach(h, r->headers)
		ms_reply_header(resp, h->string, cJSON_GetStringValue(h));
	ms_reply_header(resp, "X-Mock-Rule", r->name);
}


/* Sleep ms milliseconds with the tenant's lock let go (a rule acted,
 * so the lock is held for writing, and is again after); a stop that
 * will wait no longer ends it (cut_delays). */
static void rule_delay(struct ms_call *call, int64_t ms)
{
	pthread_rwlock_unlock(&call->tenant->lock);
	call->looked_up = false;   /* the token may be gone by now */
	ms_sleep_ms(ms, &call->srv->cut_delays);
	pthread_rwlock_wrlock(&call->tenant->lock);
	ms_events_due(&call->tenant->state);
	call->now = vclock_now(&call->tenant->state.clock);
	call->resp->date = call->now;
}


/*
 * Run the rules for a site or gateway request. Returns true when a rule
 * answered (the response is filled), false when the request goes on,
 * perhaps after a delay.
 */
static bool run_rules(struct ms_call *call, const struct ms_subject *subj,
		      const struct ms_route *route, enum ms_plane plane)
{
	struct ms_state *st = &call->tenant->state;
	struct ms_verdict v;

	ms_script_judge(&st->script, subj, &st->rng, &v);
	if (v.rule_name)
		snprintf(call->rule, sizeof(call->rule), "%s", v.rule_name);
	if (v.answer) {
		/* A stall's own wait happens when writing, with no lock. */
		rule_answer(call, v.answer, route, plane);
		/* A stall's delay is its silence, spent when writing. */
		if (v.delay_ms && v.answer->fault != MS_FAULT_STALL)
			rule_delay(call, v.delay_ms);
		return true;
	}
	if (v.delay_ms)
		rule_delay(call, v.delay_ms);
	return false;
}


/* The budget headers every counted answer carries. */
static void rate_headers(struct ms_response *resp,
			 const struct ms_rate_verdict *v)
{
	char buf[MS_TIME_BUFSZ];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v->limit);
	ms_reply_header(resp, "X-RateLimit-Limit", buf);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v->remaining);
	ms_reply_header(resp, "X-RateLimit-Remaining", buf);
	ms_reply_header(resp, "X-RateLimit-Reset",
			ms_time_format(v->reset_at, buf));
	if (v->near_limit)
		ms_reply_header(resp, "X-RateLimit-NearLimit", "true");
}


/*
 * The scenario's rate limit, after the rules and before authentication.
 * Returns true when the request was refused with 429.
 */
static bool rate_limited(struct ms_call *call,
			 const struct ms_subject *subj)
{
	struct ms_state *st = &call->tenant->state;
	struct ms_rate_verdict v;
	char secs[24];

	if (!st->rate_limit.enabled)
		return false;
	ms_rate_limit_check(&st->rate_limit, subj, call->now, &v);
	if (!v.counted)
		return false;
	call->rate = v;
	if (!v.limited)
		return false;
	ms_fail(call->resp, 429, "rate_limited", NULL,
		"Rate limit exceeded (%s); retry after %lld s", v.reason,
		(long long)v.retry_after_s);
	snprintf(secs, sizeof(secs), "%lld", (long long)v.retry_after_s);
	ms_reply_header(call->resp, "Retry-After", secs);
	ms_reply_header(call->resp, "RateLimit-Reason", v.reason);
	return true;
}


/* Mark tok used at now. Requests that share the tenant's lock may do so
 * at once, so the time is stored atomically; and only when it changes
 * (a millisecond serves many requests), so that workers on other cores
 * reading the token do not lose its cache line on every request. */
static void token_used(struct ms_token *tok, ms_time_t now)
{
	if (__atomic_load_n(&tok->last_used_at, __ATOMIC_RELAXED) != now)
		__atomic_store_n(&tok->last_used_at, now, __ATOMIC_RELAXED);
}


/* Run the plane's checks and the handler, under the tenant's lock. */
static void serve_locked(struct ms_call *call, const struct ms_route *r,
			 enum ms_plane plane)
{
	int rc = 0;

	if (plane == MS_PLANE_SITE)
		rc = site_checks(call, r);
	else if (plane == MS_PLANE_GATEWAY)
		rc = gateway_checks(call, r);
	if (rc == 0)
		r->handler(call);
	if (call->token && call->resp->status < 400)
		token_used(call->token, call->now);
}


static void tenant_unavailable(struct ms_call *call, enum ms_acquire rc,
			       const char *name)
{
	if (rc == MS_ACQUIRE_FULL)
		ms_fail(call->resp, 503, "tenant_limit", NULL,
			"Too many tenants (the limit is %zu); drop some with "
			"DELETE /t/{tenant}/__mock/tenant",
			call->srv->registry.max);
	else if (rc == MS_ACQUIRE_ABSENT)
		ms_fail(call->resp, 404, "not_found", NULL,
			"No tenant named '%s'", name);
	else
		ms_fail(call->resp, 503, "tenant_limit", NULL,
			"Could not create tenant '%s'", name);
}


/* Does anything in the tenant change with every request: rules (their
 * counts, their random draws), events (their counts), a rate limit? */
static bool tenant_counts_requests(const struct ms_state *st)
{
	return st->script.nrules || st->script.nevents ||
	       st->rate_limit.enabled;
}


/*
 * Take the tenant's lock: shared when the route only reads and nothing
 * in the tenant counts requests, so that readers (most of a client's
 * calls) do not queue on each other; else exclusive. What is checked
 * under the shared lock only changes under the exclusive one.
 */
static void tenant_lock(struct ms_call *call, const struct ms_route *r,
			enum ms_plane plane)
{
	pthread_rwlock_t *lock = &call->tenant->lock;

	if (r && (r->flags & MS_ROUTE_READ_ONLY) && plane != MS_PLANE_CONTROL) {
		pthread_rwlock_rdlock(lock);
		if (!tenant_counts_requests(&call->tenant->state))
			return;
		pthread_rwlock_unlock(lock);
	}
	pthread_rwlock_wrlock(lock);
}


/*
 * With the route known (or not: r is NULL after a 404 or 405 already
 * answered), acquire the tenant, serve, and journal site and gateway
 * requests.
 */
static void serve_tenant(struct ms_call *call, const struct ms_route *r,
			 enum ms_plane plane, const char *name,
			 int64_t started)
{
	struct ms_registry *reg = &call->srv->registry;
	enum ms_acquire rc;

	/* An unknown route makes no tenant: it is journaled where the
	 * tenant already exists. */
	rc = ms_registry_acquire(reg, name, r != NULL, &call->tenant);
	if (rc != MS_ACQUIRE_OK) {
		if (r)
			tenant_unavailable(call, rc, name);
		return;
	}
	tenant_lock(call, r, plane);
	ms_events_due(&call->tenant->state);
	call->now = vclock_now(&call->tenant->state.clock);
	call->resp->date = call->now;
	call->resp->has_date = true;
	if (plane == MS_PLANE_CONTROL) {
		serve_locked(call, r, plane);
		pthread_rwlock_unlock(&call->tenant->lock);
	} else {
		struct ms_subject subj;
		struct ms_subject_copy kept;
		subject_of(call, &subj);
		if (!run_rules(call, &subj, r, plane) &&
		    !rate_limited(call, &subj) &&
		    r)
			serve_locked(call, r, plane);
		if (call->rate.counted)
			rate_headers(call->resp, &call->rate);
		ms_subject_keep(&subj, &kept);
		ms_events_after_request(&call->tenant->state, &subj);
		pthread_rwlock_unlock(&call->tenant->lock);
		ms_call_record(call, plane, &kept, r, started);
	}
	ms_registry_put(reg, call->tenant);
	call->tenant = NULL;
}


/* Is every '%' in s followed by two hex digits? */
static bool percent_ok(const char *s)
{
	for (const char *p = s; (p = strchr(p, '%')) != NULL; p++) {
		if (!isxdigit((unsigned char)p[1]) ||
		    !isxdigit((unsigned char)p[2]))
			return false;
	}
	return true;
}


/*
 * The rest of the path percent-decoded, once the tenant's name is taken
 * from it as sent. Decoded here rather than by civetweb (decode_url is
 * off) so that a %00 is seen instead of cutting the path short. Returns
 * a new string, or NULL when it decodes to a NUL or there is no memory.
 */
static char *path_decode(const char *raw)
{
	size_t len = strlen(raw);
	char *out = malloc(len + 1);
	int n;

	if (!out)
		return NULL;
	n = mg_url_decode(raw, (int)len, out, (int)len + 1, 0);
	if (n < 0 || strlen(out) != (size_t)n) {
		free(out);
		return NULL;
	}
	return out;
}


/* Does the path hold a "." or ".." segment? Every request is checked,
 * and a "/." seldom comes: look for that, then at what follows it. */
static bool dot_segment(const char *path)
{
	for (const char *p = path; (p = strstr(p, "/.")) != NULL; p++) {
		const char *end = p + 2 + (p[2] == '.');
		if (*end == '/' || *end == '\0')
			return true;
	}
	return false;
}


bool ms_dispatch_tenant_now(struct ms_server *srv, const char *path,
			    ms_time_t *now)
{
	char name[MS_TENANT_NAME_MAX + 1];
	struct ms_tenant *t;
	const char *rest;

	if (path[0] != '/' || split_tenant(path, name, &rest) < 0 ||
	    ms_registry_acquire(&srv->registry, name, false, &t) !=
		    MS_ACQUIRE_OK)
		return false;
	pthread_rwlock_rdlock(&t->lock);
	*now = vclock_now(&t->state.clock);
	pthread_rwlock_unlock(&t->lock);
	ms_registry_put(&srv->registry, t);
	return true;
}


/* Route the call (its path decoded, less the tenant prefix) and serve
 * it in the tenant named name. */
static void dispatch_route(struct ms_call *call, const char *name,
			   int64_t started)
{
	const struct ms_route *routes, *r;
	enum ms_plane plane;

	routes = plane_routes(call->path, &plane);
	/* The control plane's door comes first: without the key, a client
	 * learns nothing of which control routes exist. */
	if (plane == MS_PLANE_CONTROL && control_access(call) < 0)
		return;
	r = route_find(routes, call);
	if (plane == MS_PLANE_CONTROL) {
		if (!r)
			return;
		if (r->flags & MS_ROUTE_NO_TENANT) {
			strcpy(call->params[0], name);
			r->handler(call);
			return;
		}
	}
	serve_tenant(call, r, plane, name, started);
}


/* The request's Authorization header, trailing white space aside: it is
 * not part of a header's value. Copied only when there is some; one too
 * long for any credential is judged as sent. */
static const char *authorization_of(struct ms_call *call)
{
	const char *h = ms_request_header(call->req, "Authorization");
	size_t n = h ? strlen(h) : 0;

	if (n == 0 || (h[n - 1] != ' ' && h[n - 1] != '\t'))
		return h;
	while (n > 0 && (h[n - 1] == ' ' || h[n - 1] == '\t'))
		n--;
	if (n >= sizeof(call->auth_trimmed))
		return h;
	memcpy(call->auth_trimmed, h, n);
	call->auth_trimmed[n] = '\0';
	return call->auth_trimmed;
}


void ms_response_init(struct ms_response *resp)
{
	memset(resp, 0, offsetof(struct ms_response, headers));
	resp->credential[0] = '\0';
}


void ms_response_release(struct ms_response *resp)
{
	cJSON_Delete(resp->body);
	if (resp->text != resp->room)
		free(resp->text);
	resp->body = NULL;
	resp->text = NULL;
	resp->text_len = 0;
}


void ms_dispatch(struct ms_server *srv, const struct ms_request *req,
		 struct ms_response *resp)
{
	int64_t started = ms_mono_us();
	struct ms_call call;
	char name[MS_TENANT_NAME_MAX + 1];
	const char *rest;
	char *path = NULL;

	/* Cleared up to its text buffers, which are set before read. */
	memset(&call, 0, offsetof(struct ms_call, rule));
	call.rule[0] = '\0';
	call.srv = srv;
	call.req = req;
	call.resp = resp;
	call.arrived = ms_wall_now();
	call.authorization = authorization_of(&call);

	/* Dot segments are looked for as sent and once decoded. */
	if (req->path[0] != '/' || dot_segment(req->path)) {
		ms_fail(resp, 400, "validation_failed", NULL,
			"A path must start with / and hold no . or .. "
			"segment");
	} else if (split_tenant(req->path, name, &rest) < 0) {
		ms_fail(resp, 400, "validation_failed", "tenant",
			"A tenant name must match [A-Za-z0-9._-]{1,64}");
	} else if (!percent_ok(rest)) {
		ms_fail(resp, 400, "validation_failed", NULL,
			"A '%%' in the path must be followed by two hex "
			"digits");
	} else if (strchr(rest, '%') && !(path = path_decode(rest))) {
		ms_fail(resp, 400, "validation_failed", NULL,
			"The path must not hold %%00");
	} else if (path && dot_segment(path)) {
		ms_fail(resp, 400, "validation_failed", NULL,
			"A path must start with / and hold no . or .. "
			"segment");
	} else {
		/* Without a '%', the path is already what decoding gives. */
		call.path = path ? path : rest;
		dispatch_route(&call, name, started);
	}
	free(path);
	/* Answered without the tenant (a refusal, the control plane's
	 * access, a tenant-less route): still its clock, if it exists. */
	if (!resp->has_date)
		resp->has_date = ms_dispatch_tenant_now(srv, req->path,
							&resp->date);
}
