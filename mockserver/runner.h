/*
 * runner: `dm-mockserver run`, the conformance runner (SPEC.md section 7).
 *
 * It serves the scenario on a free loopback port, runs the client with
 * DM_MOCK_URL, DM_MOCK_WORKSPACE_ID and one DM_MOCK_TOKEN_<LABEL> per
 * scenario token in its environment, waits for it (up to --timeout),
 * weighs the scenario's expectations against what the client did
 * (verify.h), writes the JUnit XML and JSON reports, prints a summary and
 * returns 0 only if every check passed.
 */
#ifndef MS_RUNNER_H
#define MS_RUNNER_H

/* argv[0] is "run". Returns the process's exit status: 0 all passed, 1 a
 * check failed or the client timed out, 2 bad usage or scenario. */
int ms_run_main(int argc, char **argv);

#endif /* MS_RUNNER_H */
