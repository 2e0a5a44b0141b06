/*
 * testserver: start the real dm-mockserver on 127.0.0.1 port 0 for a
 * test, talk HTTP to it with libcurl, and stop it. Header-only: each test
 * program that needs a server includes it once.
 *
 * The binary comes from $DM_MOCKSERVER_BIN (tests/run.sh sets it), else
 * build/dm-mockserver. Its output goes to a temporary log file that
 * ts_server_stop() prints when asked to (after a failure); with
 * ts_server_spawn(..., 1) its stderr goes to a file of its own instead.
 */
#ifndef MS_TESTSERVER_H
#define MS_TESTSERVER_H

#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct ts_server {
	pid_t pid;
	char url[128];
	char log[64];
	char ready[80];
	char err[64];         /* stderr apart from log, or "" */
};

struct ts_reply {
	long status;
	char *body;           /* NUL-terminated, caller frees */
	size_t len;
	char reason[64];      /* X-Mock-Reason, "" when absent */
};

static void ts_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}


/* Read the ready file once it holds a whole line; 0 when it does. */
static int ts_read_ready(struct ts_server *s)
{
	FILE *f = fopen(s->ready, "r");
	int ok;

	if (!f)
		return -1;
	ok = fgets(s->url, sizeof(s->url), f) && strchr(s->url, '\n');
	fclose(f);
	if (!ok)
		return -1;
	s->url[strcspn(s->url, "\n")] = '\0';
	return 0;
}


/*
 * Start the server with the scenario and extra arguments (NULL ended).
 * Its stdout goes to s->log; so does its stderr, unless split_stderr,
 * when it goes to s->err, a file the caller reads and unlinks after
 * ts_server_stop(). Returns 0 once it is ready (within 10 s), or -1.
 */
static int ts_server_spawn(struct ts_server *s, const char *scenario,
			   const char *const *extra, int split_stderr)
{
	const char *bin = getenv("DM_MOCKSERVER_BIN");
	const char *argv[32] = {0};
	int n = 0, fd, err_fd;

	if (!bin)
		bin = "build/dm-mockserver";
	strcpy(s->log, "/tmp/dm-mock-log-XXXXXX");
	fd = mkstemp(s->log);
	if (fd < 0)
		return -1;
	s->err[0] = '\0';
	err_fd = fd;
	if (split_stderr) {
		strcpy(s->err, "/tmp/dm-mock-err-XXXXXX");
		err_fd = mkstemp(s->err);
		if (err_fd < 0) {
			close(fd);
			unlink(s->log);
			return -1;
		}
	}
	snprintf(s->ready, sizeof(s->ready), "%s.ready", s->log);
	unlink(s->ready);
	argv[n++] = bin;
	argv[n++] = "-p";
	argv[n++] = "0";
	argv[n++] = "--ready-file";
	argv[n++] = s->ready;
	argv[n++] = "-s";
	argv[n++] = scenario;
	for (int i = 0; extra && extra[i] && n < 30; i++)
		argv[n++] = extra[i];
	s->pid = fork();
	if (s->pid == 0) {
		dup2(fd, 1);
		dup2(err_fd, 2);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(fd);
	if (err_fd != fd)
		close(err_fd);
	for (int i = 0; i < 1000; i++) {
		if (ts_read_ready(s) == 0)
			return 0;
		if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
			s->pid = 0;
			return -1;
		}
		ts_sleep_ms(10);
	}
	return -1;
}


/* ts_server_spawn() with stdout and stderr in one log file. */
static inline int ts_server_start(struct ts_server *s, const char *scenario,
			   const char *const *extra)
{
	return ts_server_spawn(s, scenario, extra, 0);
}


/* SIGTERM, then wait (up to 10 s). Returns the exit status, or -1 when it
 * did not exit cleanly. Prints the log when show_log. */
static int ts_server_stop(struct ts_server *s, int show_log)
{
	int status = 0, rc = -1;

	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		for (int i = 0; i < 1000; i++) {
			if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
				rc = WIFEXITED(status) ? WEXITSTATUS(status)
						       : -1;
				break;
			}
			ts_sleep_ms(10);
		}
		if (rc == -1)
			kill(s->pid, SIGKILL);
	}
	if (show_log) {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "tail -n 40 %s >&2", s->log);
		if (system(cmd) != 0)
			fprintf(stderr, "(no server log)\n");
	}
	unlink(s->log);
	unlink(s->ready);
	return rc;
}


static size_t ts_on_body(char *data, size_t size, size_t n, void *user)
{
	struct ts_reply *r = user;
	char *grown = realloc(r->body, r->len + size * n + 1);

	if (!grown)
		return 0;
	memcpy(grown + r->len, data, size * n);
	r->body = grown;
	r->len += size * n;
	r->body[r->len] = '\0';
	return size * n;
}


static size_t ts_on_header(char *data, size_t size, size_t n, void *user)
{
	struct ts_reply *r = user;
	size_t len = size * n;
	const char *name = "X-Mock-Reason:";

	if (len > strlen(name) && strncasecmp(data, name, strlen(name)) == 0)
		sscanf(data + strlen(name), " %63[^\r\n]", r->reason);
	return len;
}


/*
 * One request on curl (reused for keep-alive): method, url path (joined
 * to the server's URL), an Authorization value or NULL, one more header
 * line ("Name: value") or NULL, a body or NULL. Returns 0 with *r
 * filled, or -1 when no answer came.
 */
static int ts_request_hdr(CURL *curl, const struct ts_server *s,
			  const char *method, const char *path,
			  const char *auth, const char *header,
			  const char *body, struct ts_reply *r)
{
	struct curl_slist *h = NULL;
	char url[1024], hdr[1200];
	CURLcode rc;

	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "%s%s", s->url, path);
	if (auth) {
		snprintf(hdr, sizeof(hdr), "Authorization: %s", auth);
		h = curl_slist_append(h, hdr);
	}
	if (header)
		h = curl_slist_append(h, header);
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");  /* never a proxy */
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, ts_on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, ts_on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
	if (body)
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	rc = curl_easy_perform(curl);
	curl_slist_free_all(h);
	if (rc != CURLE_OK)
		return -1;
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
	return 0;
}


/* ts_request_hdr() without the extra header. */
static inline int ts_request(CURL *curl, const struct ts_server *s,
			     const char *method, const char *path,
			     const char *auth, const char *body,
			     struct ts_reply *r)
{
	return ts_request_hdr(curl, s, method, path, auth, NULL, body, r);
}

#endif /* MS_TESTSERVER_H */
