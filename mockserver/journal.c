/*
 * journal: see journal.h.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "journal.h"
#include "log.h"


int ms_journal_init(struct ms_journal *j, size_t limit)
{
	j->ring = NULL;
	j->limit = limit;
	j->start = 0;
	j->count = 0;
	j->next_seq = 1;
	j->evicted = 0;
	if (limit == 0)
		return 0;
	j->ring = calloc(limit, sizeof(*j->ring));
	return j->ring ? 0 : -1;
}


void ms_journal_clear(struct ms_journal *j)
{
	for (size_t i = 0; i < j->count; i++)
		free(j->ring[(j->start + i) % j->limit].text);
	j->start = 0;
	j->count = 0;
	j->evicted = 0;
}


void ms_journal_release(struct ms_journal *j)
{
	ms_journal_clear(j);
	free(j->ring);
	j->ring = NULL;
}


uint64_t ms_journal_append_text(struct ms_journal *j, const char *text)
{
	uint64_t seq = j->next_seq++;
	struct ms_journal_entry *slot;
	size_t len = strlen(text);
	char *stamped;

	if (j->limit == 0 || len < 2 || text[0] != '{')
		return seq;
	/* "{" "seq":N "," the rest; the rest is "}" alone when empty. */
	stamped = malloc(len + 32);
	if (!stamped)           /* out of memory: lose the entry, not more */
		return seq;
	snprintf(stamped, len + 32, "{\"seq\":%llu%s%s",
		 (unsigned long long)seq, text[1] == '}' ? "" : ",", text + 1);
	if (j->count == j->limit) {
		if (j->evicted == 0)
			ms_log(MS_LOG_WARN, "journal full (%zu entries): "
			       "evicting the oldest from now on", j->limit);
		slot = &j->ring[j->start];
		free(slot->text);
		j->start = (j->start + 1) % j->limit;
		j->evicted++;
	} else {
		slot = &j->ring[(j->start + j->count) % j->limit];
		j->count++;
	}
	slot->seq = seq;
	slot->text = stamped;
	return seq;
}


uint64_t ms_journal_append(struct ms_journal *j, cJSON *entry)
{
	char *text = j->limit ? cJSON_PrintUnformatted(entry) : NULL;
	uint64_t seq;

	cJSON_Delete(entry);
	if (!text)
		return j->next_seq++;
	seq = ms_journal_append_text(j, text);
	cJSON_free(text);
	return seq;
}


const char *ms_journal_text(const struct ms_journal *j, size_t i)
{
	if (i >= j->count)
		return NULL;
	return j->ring[(j->start + i) % j->limit].text;
}


cJSON *ms_journal_query(const struct ms_journal *j, uint64_t since,
			size_t limit)
{
	cJSON *out = cJSON_CreateArray();
	size_t taken = 0;

	for (size_t i = 0; out && i < j->count && taken < limit; i++) {
		const struct ms_journal_entry *e =
			&j->ring[(j->start + i) % j->limit];
		cJSON *parsed;
		if (e->seq <= since)
			continue;
		parsed = cJSON_ParseWithLengthOpts(e->text, strlen(e->text),
						   NULL, false);
		if (parsed)
			cJSON_AddItemToArray(out, parsed);
		taken++;
	}
	return out;
}
