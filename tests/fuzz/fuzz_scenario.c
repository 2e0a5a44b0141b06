/*
 * fuzz_scenario: the scenario loader's checks and its apply and dump.
 *
 * The input is a scenario document that came from no file, exactly as
 * PUT /__mock/state passes it (text and length, no terminating NUL
 * promised). A document the checks accept is applied to a fresh state
 * and dumped back with ms_scenario_from_state(). The checks promise that
 * an accepted document applies: one that does not is a finding, reported
 * by abort(). So is a dump that the checks refuse, since the control
 * plane's GET /__mock/state answers with it for loading back, and a
 * copy of the document's template (how tenants are made) that differs
 * from the applied state (compared when the clock has a fixed start:
 * one that starts "now" starts at each copy's own time).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "scenario.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ms_log_setup(MS_LOG_ERROR, MS_LOG_TEXT);
	return 0;
}


static void finding(const char *what, const struct ms_scenario_error *err)
{
	char msg[1536];

	ms_scenario_error_format(err, msg, sizeof(msg));
	fprintf(stderr, "fuzz_scenario: %s: %s\n", what, msg);
	abort();
}


/* The dump must pass the checks it came from. */
static void check_dump(const cJSON *dump)
{
	struct ms_scenario_error err;
	char *text = cJSON_PrintUnformatted(dump);
	cJSON *again;

	if (!text)
		return;
	again = ms_scenario_parse(text, strlen(text), &err);
	if (!again) {
		fprintf(stderr, "fuzz_scenario: the dump: %s\n", text);
		finding("the dump of an applied scenario is refused", &err);
	}
	cJSON_Delete(again);
	free(text);
}


/* The template's copy for opts' tenant must be st, applied for it. */
static void check_template(const cJSON *doc, struct ms_state *st,
			   const struct ms_scenario_opts *opts)
{
	struct ms_scenario_error err;
	struct ms_template tpl;
	struct ms_state copy;
	cJSON *a, *b;

	if (ms_template_init(&tpl, doc, opts, &err) < 0)
		finding("an accepted scenario makes no template", &err);
	if (ms_template_apply(&tpl, opts, &copy) < 0)
		finding("a template does not copy", &err);
	if (!tpl.clock_now) {
		vclock_freeze(&st->clock, true);
		copy.clock = st->clock;
		a = ms_scenario_from_state(st);
		b = ms_scenario_from_state(&copy);
		if (a && b && !cJSON_Compare(a, b, true)) {
			fprintf(stderr, "fuzz_scenario: the template's copy "
				"differs from the applied state\n");
			abort();
		}
		cJSON_Delete(a);
		cJSON_Delete(b);
	}
	ms_state_release(&copy);
	ms_template_release(&tpl);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_scenario_opts opts = {true, 1, "fuzz"};
	struct ms_scenario_error err;
	struct ms_state st;
	cJSON *doc, *dump;

	doc = ms_scenario_parse((const char *)data, size, &err);
	if (!doc)
		return 0;
	ms_state_init(&st);
	if (ms_scenario_apply(doc, &st, &opts, &err) < 0)
		finding("an accepted scenario does not apply", &err);
	dump = ms_scenario_from_state(&st);
	if (dump)
		check_dump(dump);
	cJSON_Delete(dump);
	check_template(doc, &st, &opts);
	ms_state_release(&st);
	cJSON_Delete(doc);
	return 0;
}
