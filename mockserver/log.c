/*
 * log: see log.h. The threshold and format are set once at start-up,
 * before any worker thread exists, and only read afterwards.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "log.h"
#include "text.h"

static enum ms_log_level log_threshold = MS_LOG_INFO;
static enum ms_log_format log_format = MS_LOG_TEXT;

static const char *const level_names[] = {"debug", "info", "warn", "error"};


void ms_log_setup(enum ms_log_level threshold, enum ms_log_format format)
{
	log_threshold = threshold;
	log_format = format;
}


int ms_log_level_parse(const char *text, enum ms_log_level *out)
{
	for (int i = 0; i <= MS_LOG_ERROR; i++) {
		if (strcmp(text, level_names[i]) == 0) {
			*out = (enum ms_log_level)i;
			return 0;
		}
	}
	return -1;
}


int ms_log_enabled(enum ms_log_level level)
{
	return level >= log_threshold;
}


/* Append msg to buf as the body of a JSON string, escaping what JSON
 * requires; returns the new length, never past cap - 1. */
static size_t json_escape_into(char *buf, size_t len, size_t cap,
			       const char *msg)
{
	for (const unsigned char *p = (const unsigned char *)msg;
	     *p && len + 7 < cap; p++) {
		if (*p == '"' || *p == '\\') {
			buf[len++] = '\\';
			buf[len++] = (char)*p;
		} else if (*p < 0x20) {
			len += (size_t)snprintf(buf + len, cap - len,
						"\\u%04x", *p);
		} else {
			buf[len++] = (char)*p;
		}
	}
	buf[len] = '\0';
	return len;
}


/* One line, valid UTF-8: a request path can carry anything, and must
 * not forge a log line of its own. */
static void clean_in_place(char *msg)
{
	bool cut;
	char *clean = ms_text_clean(msg, strlen(msg), 2047, false, &cut);

	if (!clean)
		return;
	strcpy(msg, clean);
	free(clean);
}


void ms_log(enum ms_log_level level, const char *fmt, ...)
{
	char msg[2048];
	char line[4200];
	va_list ap;
	size_t len;

	if (!ms_log_enabled(level))
		return;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clean_in_place(msg);

	if (log_format == MS_LOG_JSON) {
		len = (size_t)snprintf(line, sizeof(line),
				       "{\"level\":\"%s\",\"msg\":\"",
				       level_names[level]);
		len = json_escape_into(line, len, sizeof(line) - 3, msg);
		memcpy(line + len, "\"}\n", 4);
		len += 3;
	} else {
		len = (size_t)snprintf(line, sizeof(line), "%-5s %s\n",
				       level_names[level], msg);
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
	}
	if (write(STDERR_FILENO, line, len) < 0)
		return; /* nowhere left to report it */
}
