# dm-mockserver: a mock of Atlassian Assets Data Manager.
# `make help` lists the targets. Quiet unless V=1.

CC      ?= cc
PREFIX  ?= /usr/local
BUILD   ?= build
PORT    ?= 8080
SCENARIO ?= scenarios/default.json
CSTD    ?= -std=c11
WARN    ?= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wformat=2
OPT     ?= -O2 -g
CFLAGS  ?= $(OPT)
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) -D_GNU_SOURCE -Imockserver \
             -DMS_DATADIR='"$(PREFIX)/share/dm-mockserver"' \
             $(shell pkg-config --cflags libcjson uuid 2>/dev/null)
LIBS    = -lcivetweb -lcjson -luuid -lresolv -lpthread -lm
TEST_LIBS = $(LIBS) -lcmocka -lcurl

ifeq ($(V),1)
Q =
else
Q = @
endif

# Every module but main.c goes into a static library that the server and
# the tests link against, so a unit test links only what it names.
SRCS    := $(filter-out mockserver/main.c,$(wildcard mockserver/*.c))
OBJS    := $(SRCS:mockserver/%.c=$(BUILD)/%.o)
LIB     := $(BUILD)/libmockserver.a
BIN     := $(BUILD)/dm-mockserver
TESTS   := $(patsubst tests/%.c,$(BUILD)/%,$(wildcard tests/test_*.c))

.PHONY: all run test check lint clean install help deps test-deps

all: $(BIN)

$(BUILD)/%.o: mockserver/%.c | $(BUILD)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(BUILD)/main.o $(LIB)
	@echo "  LINK    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/test_%: tests/test_%.c tests/testutil.h tests/testserver.h \
                 $(LIB) | $(BUILD)
	@echo "  TEST-CC $<"
	$(Q)$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(LIB) $(TEST_LIBS)

$(BUILD):
	$(Q)mkdir -p $(BUILD)

-include $(OBJS:.o=.d) $(BUILD)/main.d

# The data folder (PREFIX) is compiled into scenario.o: a stamp that
# holds it, rewritten only when it changes, rebuilds scenario.o when
# `make install PREFIX=...` names another one.
PREFIX_STAMP := $(BUILD)/prefix.stamp
$(PREFIX_STAMP): FORCE | $(BUILD)
	$(Q)echo '$(PREFIX)' | cmp -s - $@ 2>/dev/null || \
	    echo '$(PREFIX)' >$@
$(BUILD)/scenario.o: $(PREFIX_STAMP)
.PHONY: FORCE
FORCE:

## deps: install missing packages (apt-get) for building the server
deps:
	$(Q)sh tests/deps.sh build

test-deps:
	$(Q)sh tests/deps.sh test

## run: install what is missing, build, serve SCENARIO (default
##      scenarios/default.json) on 127.0.0.1:PORT (default 8080)
run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(BIN) -p $(PORT) -s $(SCENARIO)

## test: install what is missing, build, run every test
test: test-deps
	$(Q)$(MAKE) --no-print-directory all $(TESTS)
	$(Q)sh tests/run.sh $(BUILD) $(TESTS)

## check: the whole suite under AddressSanitizer and UBSan
check: test-deps
	$(Q)$(MAKE) --no-print-directory test BUILD=build-san \
	    OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	    -fno-sanitize-recover=all"

## lint: 80 columns, no FIXME/XXX, TODO marks name their area
lint:
	$(Q)sh tests/lint.sh

## install: copy the server to $(PREFIX)/bin and the scenarios to share
install: all
	install -d $(DESTDIR)$(PREFIX)/bin \
	    $(DESTDIR)$(PREFIX)/share/dm-mockserver/scenarios \
	    $(DESTDIR)$(PREFIX)/share/dm-mockserver/fixtures
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/dm-mockserver
	install -m 644 scenarios/*.json \
	    $(DESTDIR)$(PREFIX)/share/dm-mockserver/scenarios
	install -m 644 fixtures/*.json \
	    $(DESTDIR)$(PREFIX)/share/dm-mockserver/fixtures

## clean: remove every build output
clean:
	rm -rf build build-*

## help: this list
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

# Benchmarks: a civetweb "hello" server as the ceiling, a start-up
# timer and the mock's dispatch in process, built with the flags of the
# server (tests/bench/).
.PHONY: bench
BENCH_BINS := $(BUILD)/bench-hello $(BUILD)/bench-readytime \
              $(BUILD)/bench-dispatch

$(BUILD)/bench-dispatch: tests/bench/dispatch.c $(LIB) | $(BUILD)
	@echo "  BENCH-CC $<"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(LIBS)

$(BUILD)/bench-%: tests/bench/%.c | $(BUILD)
	@echo "  BENCH-CC $<"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBS)

## bench: install wrk and valgrind if missing, build, print throughput,
##        instruction counts, start-up, memory, scale and soak figures
##        against their targets (a few minutes; figures are reported,
##        never asserted)
bench: deps
	$(Q)sh tests/deps.sh bench
	$(Q)$(MAKE) --no-print-directory all $(BENCH_BINS)
	$(Q)sh tests/bench/run.sh $(BUILD)

# ThreadSanitizer: the server and the concurrency tests built in
# build-tsan. The tests start the server by fork and exec, so
# TSAN_OPTIONS reaches it: a race halts it with exit 66, which fails the
# test that stops it, and every report is kept in build-tsan/tsan.PID,
# printed at the end and failing the target even if no test noticed.
.PHONY: tsan
TSAN_BUILD := build-tsan
TSAN_TESTS := $(TSAN_BUILD)/test_hammer $(TSAN_BUILD)/test_e2e
TSAN_OPTIONS_ALL = halt_on_error=1 exitcode=66 \
		   log_path=$(CURDIR)/$(TSAN_BUILD)/tsan

## tsan: the concurrency tests (test_hammer, test_e2e) against a server
##       built with ThreadSanitizer in build-tsan; any race fails
tsan: test-deps
	$(Q)$(MAKE) --no-print-directory BUILD=$(TSAN_BUILD) \
	    OPT="-O1 -g -fsanitize=thread" all $(TSAN_TESTS)
	$(Q)rm -f $(TSAN_BUILD)/tsan.*
	$(Q)TSAN_OPTIONS="$(TSAN_OPTIONS_ALL)" \
	    sh tests/run.sh $(TSAN_BUILD) $(TSAN_TESTS); rc=$$?; \
	for f in $(TSAN_BUILD)/tsan.*; do \
	    [ -e "$$f" ] || continue; cat "$$f" >&2; rc=1; \
	done; \
	[ $$rc -eq 0 ] || echo "tsan: FAILED (reports above)" >&2; \
	exit $$rc

# Fuzzing: the libFuzzer harnesses of tests/fuzz/, built by clang with
# the modules compiled again into build-fuzz/ (never main.c).
.PHONY: fuzz fuzz-build fuzz-clean
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 20
FUZZ_OPT     ?= -g -O1 -fno-omit-frame-pointer \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,\
                  $(wildcard tests/fuzz/fuzz_*.c))

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_server.h $(LIB) \
                 | $(BUILD)
	@echo "  FUZZ-CC $<"
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/fuzz -o $@ $< $(LIB) $(LIBS)

# Only meaningful in the sub-make of `fuzz` (BUILD=build-fuzz, clang).
fuzz-build: $(FUZZ_NAMES:%=$(BUILD)/fuzz_%)
	@:

## fuzz: build the harnesses (clang, libFuzzer, ASan, UBSan) into
##       build-fuzz/, replay tests/fuzz/crashes/, then fuzz each for
##       FUZZ_SECONDS (default 20); fails on any crash
fuzz: deps
	$(Q)sh tests/deps.sh fuzz
	$(Q)$(MAKE) --no-print-directory fuzz-build BUILD=build-fuzz \
	    CC=$(FUZZ_CC) OPT="$(FUZZ_OPT)"
	$(Q)sh tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_NAMES)

clean: fuzz-clean
fuzz-clean:
	rm -rf build-fuzz
