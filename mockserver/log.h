/*
 * log: the server's one log stream, on standard error.
 *
 * ms_log() checks the level before formatting anything, so a debug line
 * costs a comparison when debug is off. Lines are written whole with one
 * write, so lines from worker threads never interleave. The text format is
 * "LEVEL message"; the JSON format is one object per line with "level" and
 * "msg". Callers never pass a secret: describe it instead (token label and
 * id, user account id).
 */
#ifndef MS_LOG_H
#define MS_LOG_H

enum ms_log_level {
	MS_LOG_DEBUG,
	MS_LOG_INFO,
	MS_LOG_WARN,
	MS_LOG_ERROR
};

enum ms_log_format {
	MS_LOG_TEXT,
	MS_LOG_JSON
};

void ms_log_setup(enum ms_log_level threshold, enum ms_log_format format);

/* Parse "debug", "info", "warn" or "error"; 0 on success, -1 otherwise. */
int ms_log_level_parse(const char *text, enum ms_log_level *out);

int ms_log_enabled(enum ms_log_level level);

void ms_log(enum ms_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* MS_LOG_H */
