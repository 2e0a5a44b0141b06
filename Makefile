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

$(BUILD)/test_%: tests/test_%.c tests/testutil.h $(LIB) | $(BUILD)
	@echo "  TEST-CC $<"
	$(Q)$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(LIB) $(TEST_LIBS)

$(BUILD):
	$(Q)mkdir -p $(BUILD)

-include $(OBJS:.o=.d) $(BUILD)/main.d

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
	rm -rf build build-san

## help: this list
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

# Benchmarks: a civetweb "hello" server as the ceiling and a start-up
# timer, built with the flags of the server (tests/bench/).
.PHONY: bench
BENCH_BINS := $(BUILD)/bench-hello $(BUILD)/bench-readytime

$(BUILD)/bench-%: tests/bench/%.c | $(BUILD)
	@echo "  BENCH-CC $<"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBS)

## bench: install wrk if missing, build, print throughput, start-up,
##        memory, scale and soak figures against their targets (a few
##        minutes; figures are reported, never asserted)
bench: deps
	$(Q)sh tests/bench/deps.sh
	$(Q)$(MAKE) --no-print-directory all $(BENCH_BINS)
	$(Q)sh tests/bench/run.sh $(BUILD)
