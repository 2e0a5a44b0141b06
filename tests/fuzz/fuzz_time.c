/*
 * fuzz_time: the ISO-8601 instant and period parsers, their printers and
 * ms_time_add(), held to the promises of mstime.h.
 *
 * The input, NUL-terminated, is parsed whole as an instant and as a
 * period, and so are the two halves around its first newline; an
 * instant and a period that parse are added. Separately, the first
 * twenty bytes (when there are as many) are taken as a raw instant and a
 * raw period, brought within the limits a parse can produce. Each
 * finding is reported by abort() after saying what broke:
 *   - an instant printed does not parse back to itself (clamped);
 *   - a period printed does not parse back to itself;
 *   - a sum leaves 0001-9999, comes before the instant, or does not
 *     print and parse back.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mstime.h"

/* The period limit of mstime.h: 10000 years, a month at its average. */
#define MONTH_AVG_MS 2629746000LL
#define PERIOD_MAX_MONTHS (10000LL * 12)
#define PERIOD_MAX_MS (PERIOD_MAX_MONTHS * MONTH_AVG_MS)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void finding(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_time: %s: %s\n", what, detail);
	abort();
}


static ms_time_t clamp(ms_time_t t)
{
	return t < MS_TIME_MIN ? MS_TIME_MIN
			       : t > MS_TIME_MAX ? MS_TIME_MAX : t;
}


/* format(t) parses back to t, clamped to the years 0001-9999. */
static void check_time(ms_time_t t)
{
	char buf[MS_TIME_BUFSZ], date[MS_HTTP_DATE_BUFSZ], msg[128];
	ms_time_t back;

	ms_time_format(t, buf);
	if (ms_time_parse(buf, &back) < 0 || back != clamp(t)) {
		snprintf(msg, sizeof(msg), "%lld printed as '%s'",
			 (long long)t, buf);
		finding("an instant does not parse back", msg);
	}
	ms_time_http_date(t, date);
	if (strlen(date) != MS_HTTP_DATE_BUFSZ - 1)
		finding("an HTTP date has the wrong length", date);
}


/* format(p) parses back to p: mstime.h promises it for what parses. */
static void check_period(const struct ms_period *p)
{
	char buf[MS_PERIOD_BUFSZ], msg[160];
	struct ms_period back;

	ms_period_format(p, buf);
	if (ms_period_parse(buf, &back) < 0 || back.months != p->months ||
	    back.ms != p->ms) {
		snprintf(msg, sizeof(msg), "{%d months, %lld ms} printed as "
			 "'%s'", (int)p->months, (long long)p->ms, buf);
		finding("a period does not parse back", msg);
	}
}


/* t + p (p as a parse gives it: not negative) stays in range, does not
 * go back in time, and prints and parses back. */
static void check_add(ms_time_t t, const struct ms_period *p)
{
	ms_time_t sum = ms_time_add(t, p);
	char buf[MS_TIME_BUFSZ], pbuf[MS_PERIOD_BUFSZ], msg[160];

	if (sum < MS_TIME_MIN || sum > MS_TIME_MAX || sum < clamp(t)) {
		snprintf(msg, sizeof(msg), "%s + %s = %lld",
			 ms_time_format(t, buf), ms_period_format(p, pbuf),
			 (long long)sum);
		finding("a sum is out of range or goes back", msg);
	}
	check_time(sum);
}


/* Parse text both ways; returns what parsed through *t and *p. */
static void check_text(const char *text, bool *is_time, ms_time_t *t,
		       bool *is_period, struct ms_period *p)
{
	*is_time = ms_time_parse(text, t) == 0;
	if (*is_time)
		check_time(*t);
	*is_period = ms_period_parse(text, p) == 0;
	if (*is_period) {
		if (p->months < 0 || p->ms < 0)
			finding("a parsed period is negative", text);
		check_period(p);
	}
}


/* The input as text: whole, then split at the first newline. */
static void check_texts(char *text)
{
	char *nl = strchr(text, '\n');
	bool ta, pa, tb, pb;
	ms_time_t t1, t2;
	struct ms_period p1, p2;

	check_text(text, &ta, &t1, &pa, &p1);
	if (ta && pa)
		finding("text is both an instant and a period", text);
	if (!nl)
		return;
	*nl = '\0';
	check_text(text, &ta, &t1, &pa, &p1);
	check_text(nl + 1, &tb, &t2, &pb, &p2);
	if (ta && pb)
		check_add(t1, &p2);
	if (tb && pa)
		check_add(t2, &p1);
}


/* The first 20 bytes as a raw instant and a period within the limits. */
static void check_raw(const uint8_t *data)
{
	int64_t t;
	uint32_t months;
	uint64_t ms;
	struct ms_period p;

	memcpy(&t, data, sizeof(t));
	memcpy(&months, data + 8, sizeof(months));
	memcpy(&ms, data + 12, sizeof(ms));
	check_time(t);

	p.months = (int32_t)(months % (PERIOD_MAX_MONTHS + 1));
	p.ms = (int64_t)(ms % (uint64_t)(PERIOD_MAX_MS -
					 p.months * MONTH_AVG_MS + 1));
	check_period(&p);
	check_add(t, &p);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check_texts(text);
	free(text);
	if (size >= 20)
		check_raw(data);
	return 0;
}
