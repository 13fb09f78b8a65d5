# vigil — GNU Makefile.  `make help` lists the targets.
#
# Every .c under src/ except src/main.c goes into build/libvigil.a; the
# binary, each unit test (tests/unit/test_*.c), each fuzz target
# (fuzz/fuzz_*.c) and each benchmark (bench/bench_*.c) links it.  New files
# need no Makefile edit.

PREFIX    ?= /usr/local
BUILD     ?= build
CC        ?= cc
VERSION   := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

PKGS      := sqlite3 libmaxminddb libsodium jansson libzstd libcrypto libmicrohttpd libcurl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# CRoaring (Debian libroaring-dev) ships no pkg-config file: linked by name.
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lroaring -lcsv -lm -pthread

WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wformat=2 -Wvla -fno-common
OPT       ?= -O2 -g
CFLAGS    ?= $(OPT)
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -Isrc $(PKG_CFLAGS) \
              -DVIGIL_VERSION='"$(VERSION)"'
LDLIBS    := $(PKG_LIBS)

LIB_SRC   := $(filter-out src/main.c,$(shell find src -name '*.c' | sort))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
# The dashboard (web/) and the OpenAPI document, embedded as one generated C
# table (scripts/embed-assets.py).  Its prerequisites include every
# directory under web/, whose times change when a file is added or removed.
ASSET_SRC := $(shell find web \( -name node_modules -o -name tests -o -name '.*' \) -prune \
               -o -regex '[A-Za-z0-9@+_./-]*' -print 2>/dev/null) src/web/openapi.json
LIB_OBJ   += $(BUILD)/obj/gen/assets.o
TEST_SRC  := $(sort $(wildcard tests/unit/test_*.c))
TEST_BIN  := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_SRC := $(sort $(wildcard bench/bench_*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
FUZZ_SRC  := $(sort $(wildcard fuzz/fuzz_*.c))

.SECONDARY:

.PHONY: all deps check test asan fuzz bench demo install uninstall clean help format

all: $(BUILD)/vigil

help:
	@echo "make            build $(BUILD)/vigil"
	@echo "make deps       install Debian packages and the enrichment data (idempotent)"
	@echo "make check      deps + build + every unit and end-to-end test"
	@echo "make asan       the tests again with AddressSanitizer and UBSan"
	@echo "make fuzz       each libFuzzer target for FUZZ_SECONDS (default 30)"
	@echo "make bench      benchmarks (ingest, parse, lookups, memory)"
	@echo "make demo       deps + build + simulate a month, ingest it, show the landscape"
	@echo "make install    install into PREFIX (default /usr/local)"

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/gen/assets.c: scripts/embed-assets.py $(ASSET_SRC)
	@mkdir -p $(dir $@)
	python3 scripts/embed-assets.py --root web --extra /api/v1/openapi.json=src/web/openapi.json --out $@

$(BUILD)/obj/gen/assets.o: $(BUILD)/gen/assets.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libvigil.a: $(LIB_OBJ)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

$(BUILD)/vigil: $(BUILD)/obj/src/main.o $(BUILD)/libvigil.a
	@echo "  LINK    $@"
	@$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libvigil.a
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(BUILD)/libvigil.a
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

deps:
	@scripts/deps.sh

test: $(BUILD)/vigil $(TEST_BIN)
	@BUILD=$(BUILD) scripts/run-tests.sh

check: deps
	@$(MAKE) --no-print-directory test

asan:
	@$(MAKE) --no-print-directory BUILD=build-asan \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDLIBS="$(LDLIBS) -fsanitize=address,undefined" test

FUZZ_SECONDS ?= 30
fuzz:
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang \
	  CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" build-fuzz/libvigil.a
	@FUZZ_SECONDS=$(FUZZ_SECONDS) CFLAGS_ALL="$(ALL_CFLAGS)" LDLIBS="$(LDLIBS)" scripts/fuzz.sh

bench: $(BUILD)/vigil $(BENCH_BIN)
	@BUILD=$(BUILD) scripts/bench.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) scripts/demo.sh

install: $(BUILD)/vigil
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/vigil
	install -m 755 $(BUILD)/vigil $(DESTDIR)$(PREFIX)/bin/vigil
	@for f in data/*.csv data/*.mmdb data/*LICENSE* data/MODIFICATIONS data/VERSIONS etc/*.tsv; do \
	  [ -f "$$f" ] && install -m 644 "$$f" $(DESTDIR)$(PREFIX)/share/vigil/ || true; done

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/vigil
	rm -rf $(DESTDIR)$(PREFIX)/share/vigil

format:
	clang-format -i $$(find src tests fuzz bench -name '*.[ch]')

clean:
	rm -rf build build-asan build-fuzz
