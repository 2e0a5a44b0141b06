/*
 * mstime: ISO-8601 instants and periods. See mstime.h for the contract.
 *
 * Calendar arithmetic is left to libc (timegm, gmtime_r) on a 64-bit
 * time_t; this file only checks text, splits milliseconds from seconds
 * and clamps to the years 0001-9999 that the text form can carry.
 */
#include "mstime.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SEC_MS 1000LL
#define MIN_MS (60 * SEC_MS)
#define HOUR_MS (60 * MIN_MS)
#define DAY_MS (24 * HOUR_MS)
#define WEEK_MS (7 * DAY_MS)
#define DAY_S 86400LL

/*
 * The period limit: 10000 years, counting a month as its Gregorian
 * average (30.436875 days), so that months and fixed time can be summed.
 */
#define MONTH_AVG_MS 2629746000LL
#define PERIOD_MAX_MONTHS (10000LL * 12)
#define PERIOD_MAX_MS (PERIOD_MAX_MONTHS * MONTH_AVG_MS)

/* Larger than any field that can pass the limit, small enough not to
 * overflow while a number is read. */
#define NUMBER_MAX 1000000000000000LL


/* Keep t within the years 0001-9999. */
static ms_time_t clamp_time(ms_time_t t)
{
	if (t < MS_TIME_MIN)
		return MS_TIME_MIN;
	if (t > MS_TIME_MAX)
		return MS_TIME_MAX;
	return t;
}


/*
 * Split t (in range) into broken-down UTC seconds and 0-999 ms. The
 * calendar is gmtime_r's, but glibc takes a process-wide lock in it, on
 * which every worker formatting a time would queue: each thread keeps
 * the last few days it split (an answer often shows two or three: now,
 * a token's creation and expiry), and only the time of day is worked
 * out here.
 */
#define DAYS_KEPT 8

static void split_time(ms_time_t t, struct tm *tm, int *ms)
{
	static _Thread_local struct {
		int64_t day;
		struct tm tm;
	} kept[DAYS_KEPT];
	static _Thread_local size_t nkept, next;
	int64_t sec = t / SEC_MS;
	int64_t rem = t % SEC_MS;
	int64_t day, in_day;
	size_t i;
	time_t tt;

	if (rem < 0) {
		rem += SEC_MS;
		sec--;
	}
	day = sec / DAY_S - (sec % DAY_S < 0);
	in_day = sec - day * DAY_S;
	for (i = 0; i < nkept && kept[i].day != day; i++)
		;
	if (i == nkept) {
		/* A new day takes a free slot, else the oldest one. */
		if (nkept < DAYS_KEPT)
			i = nkept++;
		else
			i = next++ % DAYS_KEPT;
		/* t is within 0001-9999, so gmtime_r cannot fail. */
		tt = (time_t)(day * DAY_S);
		gmtime_r(&tt, &kept[i].tm);
		kept[i].day = day;
	}
	*tm = kept[i].tm;
	tm->tm_hour = (int)(in_day / 3600);
	tm->tm_min = (int)(in_day / 60 % 60);
	tm->tm_sec = (int)(in_day % 60);
	*ms = (int)rem;
}


/* Days in month mon (0-11) of year, by asking timegm how far apart the
 * first of this month and the first of the next are. */
static int days_in_month(int year, int mon)
{
	struct tm first = { .tm_year = year - 1900, .tm_mon = mon,
			    .tm_mday = 1 };
	struct tm next = first;

	next.tm_mon++;
	return (int)((timegm(&next) - timegm(&first)) / DAY_S);
}


/*
 * Read exactly n decimal digits from s into *out. Returns 0, or -1 if
 * any of them is not a digit (the NUL included, so it never reads past
 * the end of the string).
 */
static int read_digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}


/*
 * Read "YYYY-MM-DDTHH:MM:SS" from *sp into tm, checking every field's
 * range (Feb 30 and hour 24 included). Advances *sp past it on success.
 */
static int parse_date_time(const char **sp, struct tm *tm)
{
	const char *s = *sp;
	int y, mo, d, h, mi, sec;

	if (read_digits(s, 4, &y) || s[4] != '-' ||
	    read_digits(s + 5, 2, &mo) || s[7] != '-' ||
	    read_digits(s + 8, 2, &d) || s[10] != 'T' ||
	    read_digits(s + 11, 2, &h) || s[13] != ':' ||
	    read_digits(s + 14, 2, &mi) || s[16] != ':' ||
	    read_digits(s + 17, 2, &sec))
		return -1;

	if (y < 1 || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo - 1) || h > 23 || mi > 59 || sec > 59)
		return -1;

	*tm = (struct tm){ .tm_year = y - 1900, .tm_mon = mo - 1,
			   .tm_mday = d, .tm_hour = h, .tm_min = mi,
			   .tm_sec = sec };
	*sp = s + 19;
	return 0;
}


/* Read an optional ".f" of one to nine digits, keeping milliseconds. */
static int parse_fraction(const char **sp, int *ms)
{
	const char *s = *sp;
	int n = 0;

	*ms = 0;
	if (*s != '.')
		return 0;
	s++;
	while (s[n] >= '0' && s[n] <= '9' && n < 10) {
		if (n < 3)
			*ms = *ms * 10 + (s[n] - '0');
		n++;
	}
	if (n < 1 || n > 9)
		return -1;
	for (int i = n; i < 3; i++)
		*ms *= 10;
	*sp = s + n;
	return 0;
}


/* Read "Z" or "+hh:mm" / "-hh:mm" into *offset_ms (east positive). */
static int parse_zone(const char **sp, int64_t *offset_ms)
{
	const char *s = *sp;
	int h, m;

	*offset_ms = 0;
	if (*s == 'Z') {
		*sp = s + 1;
		return 0;
	}
	if ((*s != '+' && *s != '-') || read_digits(s + 1, 2, &h) ||
	    s[3] != ':' || read_digits(s + 4, 2, &m) || h > 23 || m > 59)
		return -1;

	*offset_ms = h * HOUR_MS + m * MIN_MS;
	if (*s == '-')
		*offset_ms = -*offset_ms;
	*sp = s + 6;
	return 0;
}


int ms_time_parse(const char *text, ms_time_t *out)
{
	const char *s = text;
	struct tm tm;
	int ms;
	int64_t offset;
	ms_time_t t;

	if (!s || !out)
		return -1;
	if (parse_date_time(&s, &tm) || parse_fraction(&s, &ms) ||
	    parse_zone(&s, &offset) || *s != '\0')
		return -1;

	/* The wall-clock reading minus its offset east of UTC is UTC. */
	t = (ms_time_t)timegm(&tm) * SEC_MS + ms - offset;
	if (t < MS_TIME_MIN || t > MS_TIME_MAX)
		return -1;
	*out = t;
	return 0;
}


/*
 * Write v as exactly n decimal digits (leading zeros, higher digits
 * dropped) followed by sep, unless sep is NUL. Returns the end.
 */
static char *put_digits(char *p, unsigned v, int n, char sep)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	p += n;
	if (sep)
		*p++ = sep;
	return p;
}


/* Write "HH:MM:SS" of tm at p. Returns the end. */
static char *put_clock(char *p, const struct tm *tm)
{
	p = put_digits(p, (unsigned)tm->tm_hour, 2, ':');
	p = put_digits(p, (unsigned)tm->tm_min, 2, ':');
	return put_digits(p, (unsigned)tm->tm_sec, 2, '\0');
}


char *ms_time_format(ms_time_t t, char *buf)
{
	/* A thread's last time, as the same one comes again and again
	 * (a token's expiry, on every client/info). */
	static _Thread_local struct {
		bool set;
		ms_time_t t;
		char text[MS_TIME_BUFSZ];
	} last;
	struct tm tm;
	int ms;
	char *p;

	if (last.set && last.t == t)
		return memcpy(buf, last.text, MS_TIME_BUFSZ);
	split_time(clamp_time(t), &tm, &ms);
	p = put_digits(buf, (unsigned)(tm.tm_year + 1900), 4, '-');
	p = put_digits(p, (unsigned)(tm.tm_mon + 1), 2, '-');
	p = put_digits(p, (unsigned)tm.tm_mday, 2, 'T');
	p = put_clock(p, &tm);
	*p++ = '.';
	p = put_digits(p, (unsigned)ms, 3, 'Z');
	*p = '\0';
	memcpy(last.text, buf, MS_TIME_BUFSZ);
	last.t = t;
	last.set = true;
	return buf;
}


/* The names are fixed by RFC 7231, whatever the locale says. */
static const char *const wday_names[] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char *const month_names[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};


char *ms_time_http_date(ms_time_t t, char *buf)
{
	/* A thread's last second: every answer is dated, most in the same
	 * second as the one before. */
	static _Thread_local struct {
		bool set;
		int64_t sec;
		char text[MS_HTTP_DATE_BUFSZ];
	} last;
	int64_t sec;
	struct tm tm;
	int ms;
	char *p = buf;

	t = clamp_time(t);
	sec = t / SEC_MS - (t % SEC_MS < 0);
	if (last.set && last.sec == sec)
		return memcpy(buf, last.text, MS_HTTP_DATE_BUFSZ);
	split_time(t, &tm, &ms);
	memcpy(p, wday_names[tm.tm_wday % 7], 3);
	p += 3;
	*p++ = ',';
	*p++ = ' ';
	p = put_digits(p, (unsigned)tm.tm_mday, 2, ' ');
	memcpy(p, month_names[tm.tm_mon % 12], 3);
	p += 3;
	*p++ = ' ';
	p = put_digits(p, (unsigned)(tm.tm_year + 1900), 4, ' ');
	p = put_clock(p, &tm);
	memcpy(p, " GMT", 5);
	memcpy(last.text, buf, MS_HTTP_DATE_BUFSZ);
	last.sec = sec;
	last.set = true;
	return buf;
}


/* One designator of a period and what a unit of it is worth. */
struct period_unit {
	char letter;
	int64_t months;
	int64_t ms;
};

/* In the order ISO-8601 requires; each table ends with a NUL letter. */
static const struct period_unit date_units[] = {
	{ 'Y', 12, 0 }, { 'M', 1, 0 }, { 'W', 0, WEEK_MS },
	{ 'D', 0, DAY_MS }, { '\0', 0, 0 }
};
static const struct period_unit time_units[] = {
	{ 'H', 0, HOUR_MS }, { 'M', 0, MIN_MS }, { 'S', 0, SEC_MS },
	{ '\0', 0, 0 }
};


/*
 * Read a non-negative integer into *n and an optional ".f" of one to
 * three digits into *frac_ms as milliseconds (-1 when there is none; the
 * caller allows it on seconds only). Returns 0 and advances *sp, or -1
 * on no digits, a number above NUMBER_MAX or a malformed fraction.
 */
static int read_number(const char **sp, int64_t *n, int64_t *frac_ms)
{
	const char *s = *sp;
	int digits = 0;

	*n = 0;
	*frac_ms = -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		*n = *n * 10 + (*s - '0');
		if (*n > NUMBER_MAX)
			return -1;
	}
	if (s == *sp)
		return -1;
	if (*s == '.') {
		*frac_ms = 0;
		for (s++; *s >= '0' && *s <= '9' && digits < 4; s++, digits++)
			*frac_ms = *frac_ms * 10 + (*s - '0');
		if (digits < 1 || digits > 3)
			return -1;
		for (; digits < 3; digits++)
			*frac_ms *= 10;
	}
	*sp = s;
	return 0;
}


/*
 * Add n units of u (plus frac_ms, for seconds) to *p, refusing totals
 * past the limits. Every operand is at most NUMBER_MAX or a limit, so
 * the checks themselves cannot overflow.
 */
static int add_units(struct ms_period *p, const struct period_unit *u,
		     int64_t n, int64_t frac_ms)
{
	int64_t months = p->months;

	if (u->months) {
		if (n > PERIOD_MAX_MONTHS / u->months)
			return -1;
		months += n * u->months;
		if (months > PERIOD_MAX_MONTHS)
			return -1;
		p->months = (int32_t)months;
		return 0;
	}
	if (n > PERIOD_MAX_MS / u->ms)
		return -1;
	p->ms += n * u->ms + (frac_ms > 0 ? frac_ms : 0);
	return p->ms > PERIOD_MAX_MS ? -1 : 0;
}


/*
 * Read the fields of one part (date or time) of a period: each a number
 * and a designator found later in units than the previous one. Counts
 * the fields read in *fields. Returns 0, or -1 on any misstep.
 */
static int parse_part(const char **sp, const struct period_unit *units,
		      struct ms_period *p, int *fields)
{
	const char *s = *sp;
	const struct period_unit *u = units;
	int64_t n, frac;

	*fields = 0;
	while (*s >= '0' && *s <= '9') {
		if (read_number(&s, &n, &frac))
			return -1;
		while (u->letter && u->letter != *s)
			u++;
		if (!u->letter || (frac >= 0 && u->letter != 'S'))
			return -1;
		if (add_units(p, u, n, frac))
			return -1;
		s++;
		u++;
		(*fields)++;
	}
	*sp = s;
	return 0;
}


int ms_period_parse(const char *text, struct ms_period *out)
{
	const char *s = text;
	struct ms_period p = { 0, 0 };
	int date_fields, time_fields = 0;

	if (!s || !out || *s++ != 'P')
		return -1;
	if (parse_part(&s, date_units, &p, &date_fields))
		return -1;
	if (*s == 'T') {
		s++;
		if (parse_part(&s, time_units, &p, &time_fields) ||
		    time_fields == 0)
			return -1;
	}
	if (*s != '\0' || date_fields + time_fields == 0)
		return -1;

	/* Months and fixed time together, a month at its average length. */
	if (p.ms > PERIOD_MAX_MS - p.months * MONTH_AVG_MS)
		return -1;
	*out = p;
	return 0;
}


/* |v| as unsigned, INT64_MIN included, without wrapping around. */
static uint64_t magnitude(int64_t v)
{
	return v < 0 ? (uint64_t)-(v + 1) + 1 : (uint64_t)v;
}


/*
 * Append "<sign><n><letter>" to buf at *len unless n is zero. The caller
 * sized buf for the longest period.
 */
static void put_field(char *buf, size_t *len, const char *sign, uint64_t n,
		      char letter)
{
	int w;

	if (n == 0)
		return;
	w = snprintf(buf + *len, MS_PERIOD_BUFSZ - *len, "%s%llu%c", sign,
		     (unsigned long long)n, letter);
	if (w > 0 && (size_t)w < MS_PERIOD_BUFSZ - *len)
		*len += (size_t)w;
}


/* Append the seconds with their fraction cut of trailing zeros. */
static void put_seconds(char *buf, size_t *len, const char *sign,
			uint64_t ms)
{
	char frac[5] = "";
	unsigned f = (unsigned)(ms % 1000);
	int digits = 3;

	if (f != 0) {
		while (f % 10 == 0) {
			f /= 10;
			digits--;
		}
		snprintf(frac, sizeof(frac), ".%0*u", digits, f);
	}
	snprintf(buf + *len, MS_PERIOD_BUFSZ - *len, "%s%llu%sS", sign,
		 (unsigned long long)(ms / 1000), frac);
	*len += strlen(buf + *len);
}


char *ms_period_format(const struct ms_period *p, char *buf)
{
	uint64_t mo = magnitude(p->months);
	uint64_t ms = magnitude(p->ms);
	const char *msign = p->months < 0 ? "-" : "";
	const char *tsign = p->ms < 0 ? "-" : "";
	size_t len = 1;
	uint64_t day_ms = (uint64_t)DAY_MS;

	buf[0] = 'P';
	buf[1] = '\0';
	put_field(buf, &len, msign, mo / 12, 'Y');
	put_field(buf, &len, msign, mo % 12, 'M');
	put_field(buf, &len, tsign, ms / day_ms, 'D');

	ms %= day_ms;
	if (ms == 0 && len > 1)
		return buf;
	buf[len++] = 'T';
	buf[len] = '\0';
	put_field(buf, &len, tsign, ms / HOUR_MS, 'H');
	put_field(buf, &len, tsign, ms / MIN_MS % 60, 'M');
	if (ms % MIN_MS != 0 || len == 2)
		put_seconds(buf, &len, tsign, ms % MIN_MS);
	return buf;
}


/*
 * t plus a number of calendar months, the day clamped to the last of the
 * month reached; saturates when the year leaves 0001-9999.
 */
static ms_time_t add_months(ms_time_t t, int64_t months)
{
	struct tm tm;
	int ms;
	int64_t index, year;
	int mon, dim;

	split_time(t, &tm, &ms);
	index = (int64_t)(tm.tm_year + 1900) * 12 + tm.tm_mon + months;
	year = index / 12;
	mon = (int)(index % 12);
	if (mon < 0) {
		mon += 12;
		year--;
	}
	if (year < 1)
		return MS_TIME_MIN;
	if (year > 9999)
		return MS_TIME_MAX;

	dim = days_in_month((int)year, mon);
	tm.tm_year = (int)year - 1900;
	tm.tm_mon = mon;
	if (tm.tm_mday > dim)
		tm.tm_mday = dim;
	return (ms_time_t)timegm(&tm) * SEC_MS + ms;
}


ms_time_t ms_time_add(ms_time_t t, const struct ms_period *p)
{
	t = clamp_time(t);
	if (p->months != 0)
		t = add_months(t, p->months);

	/* Saturate rather than overflow: t is in range, so these bounds
	 * cannot overflow themselves. */
	if (p->ms > 0 && t > MS_TIME_MAX - p->ms)
		return MS_TIME_MAX;
	if (p->ms < 0 && t < MS_TIME_MIN - p->ms)
		return MS_TIME_MIN;
	return t + p->ms;
}


/* Milliseconds of a clock_gettime clock. */
static int64_t clock_ms(clockid_t id)
{
	struct timespec ts = { 0, 0 };

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * SEC_MS + ts.tv_nsec / 1000000;
}


ms_time_t ms_wall_now(void)
{
	return clock_ms(CLOCK_REALTIME);
}


int64_t ms_mono_now(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}


int64_t ms_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}


#define SLEEP_SLICE_US 50000

void ms_sleep_ms(int64_t ms, const atomic_bool *cut)
{
	int64_t end = ms_mono_us() + ms * 1000, left;

	while ((left = end - ms_mono_us()) > 0 &&
	       !(cut && atomic_load(cut))) {
		int64_t us = left < SLEEP_SLICE_US ? left : SLEEP_SLICE_US;
		struct timespec ts = {0, (long)us * 1000L};

		nanosleep(&ts, NULL);
	}
}
