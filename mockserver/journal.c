/*
 * journal: see journal.h.
 */
#include <stdbool.h>
#include <stdlib.h>
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
		cJSON_Delete(j->ring[(j->start + i) % j->limit]);
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


uint64_t ms_journal_append(struct ms_journal *j, cJSON *entry)
{
	uint64_t seq = j->next_seq++;

	if (j->limit == 0) {
		cJSON_Delete(entry);
		return seq;
	}
	cJSON_AddNumberToObject(entry, "seq", (double)seq);
	if (j->count == j->limit) {
		if (j->evicted == 0)
			ms_log(MS_LOG_WARN, "journal full (%zu entries): "
			       "evicting the oldest from now on", j->limit);
		cJSON_Delete(j->ring[j->start]);
		j->ring[j->start] = entry;
		j->start = (j->start + 1) % j->limit;
		j->evicted++;
		return seq;
	}
	j->ring[(j->start + j->count) % j->limit] = entry;
	j->count++;
	return seq;
}


const cJSON *ms_journal_at(const struct ms_journal *j, size_t i)
{
	if (i >= j->count)
		return NULL;
	return j->ring[(j->start + i) % j->limit];
}


cJSON *ms_journal_query(const struct ms_journal *j, uint64_t since,
			size_t limit)
{
	cJSON *out = cJSON_CreateArray();
	size_t taken = 0;

	for (size_t i = 0; out && i < j->count && taken < limit; i++) {
		const cJSON *e = ms_journal_at(j, i);
		const cJSON *seq = cJSON_GetObjectItemCaseSensitive(e, "seq");
		if (cJSON_GetNumberValue(seq) <= (double)since)
			continue;
		cJSON_AddItemToArray(out, cJSON_Duplicate(e, true));
		taken++;
	}
	return out;
}
