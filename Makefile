# dmig — live migration, snapshots and rollback of Docker and Podman containers.
# make             build ./dmig
# make test        build and run the unit tests (installs nothing)
# make check       install what is missing, build, fmt-check, run unit + integration tests (root)
# make demo        install what is missing, build, show dmig at work
# make unit-d      build dmig and run the unit tests on lab host D (Debian testing), gcc and clang
# make sanitize    build and run the unit tests with ASan + UBSan
# make fuzz        build the libFuzzer targets (clang) and run each over its corpus
#                  FUZZ_RUNS=1000000 times (bundle, extract: FUZZ_RUNS_EXTRACT=100000);
#                  FUZZ_FLAGS= more libFuzzer options; make fuzz-merge keeps new finds
# make install     PREFIX=/usr/local DESTDIR=

CC ?= cc
PKG_CONFIG ?= pkg-config
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DESTDIR ?=

PKGS := libcurl json-c libarchive libssh libcrypto
WARN := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
WERROR ?= -Werror
CFLAGS ?= -O2 -g
# The libraries' flags are asked of pkg-config when a recipe first needs
# them, not when make reads this file: `make demo` and `make check` install
# the libraries (setup) before they build, in the same run. Each is asked
# once ($(call once,VAR,...) turns VAR into a plain variable on first use).
once = $(eval $(1) := $(2))$($(1))
PKG_CFLAGS = $(call once,PKG_CFLAGS,$(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null))
PKG_LIBS = $(call once,PKG_LIBS,$(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null))
CMOCKA_CFLAGS = $(call once,CMOCKA_CFLAGS,$(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null))
CMOCKA_LIBS = $(call once,CMOCKA_LIBS,$(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null))
DMIG_CFLAGS = -std=gnu11 -D_GNU_SOURCE -Isrc -Iengines $(WARN) $(WERROR) -MMD -MP $(PKG_CFLAGS)
DMIG_LIBS = $(PKG_LIBS) -lpthread

BUILD ?= build
SRC := $(filter-out src/main.c,$(wildcard src/*.c)) $(wildcard engines/*.c)
OBJ := $(SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/src/main.o

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
HELPERS := $(BUILD)/tests/counter $(BUILD)/tests/enginectl $(BUILD)/tests/sshctl $(BUILD)/tests/hostile $(BUILD)/tests/asuser.so

.PHONY: all deps setup install uninstall clean check test unit integration sanitize valgrind fuzz fuzz-build fuzz-merge fmt fmt-check demo bench lab-start lab-stop libs print-pkgs helpers unit-d
all: dmig

# Without the libraries the build stops with one line that says what to do,
# not with a screen of undefined references.
libs:
	@$(PKG_CONFIG) --exists $(PKGS) cmocka 2>/dev/null || { \
		echo "dmig: build libraries missing ($$($(PKG_CONFIG) --print-errors --exists $(PKGS) cmocka 2>&1 | head -n 1)): run 'make setup' as root, or install the packages scripts/install-deps.sh names" >&2; \
		exit 1; }

dmig: $(OBJ) $(MAIN_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(DMIG_LIBS)

# dmig's objects; cmocka's flags go only to the test binaries below.
$(BUILD)/%.o: %.c | libs
	@mkdir -p $(dir $@)
	$(CC) $(DMIG_CFLAGS) $(CFLAGS) -c -o $@ $<

# Unit tests mock dmig's own seams with --wrap; each test names its wraps
# in a line "// WRAP: sym sym ..." at its top.
$(BUILD)/tests/test_%: tests/unit/test_%.c $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(DMIG_CFLAGS) $(CFLAGS) $(CMOCKA_CFLAGS) -o $@ $< $(OBJ) \
		$(addprefix -Wl$(comma)--wrap=,$(shell sed -n 's|^// WRAP: *||p' $<)) $(DMIG_LIBS) $(CMOCKA_LIBS)
comma := ,

# The integration tests' container program: static, so any image runs it.
$(BUILD)/tests/counter: tests/helpers/counter.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 $(WARN) $(WERROR) -static -o $@ $<

# The real-workload image's shim (scripts/real-image.sh).
$(BUILD)/tests/asuser.so: tests/helpers/asuser.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 $(WARN) $(WERROR) -shared -fPIC -o $@ $<

# Helpers that drive dmig's own layers against the real engines and sshd.
$(BUILD)/tests/enginectl $(BUILD)/tests/sshctl $(BUILD)/tests/hostile: $(BUILD)/tests/%: tests/helpers/%.c $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(DMIG_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(OBJ) $(DMIG_LIBS)

helpers: $(HELPERS)

test: $(UNIT_BIN)
	@UNIT_LABEL=$(or $(UNIT_LABEL),unit) tests/run-unit.sh $(UNIT_BIN)

unit: test

# Installing and starting engines needs root; without it the unit tests
# still run and the integration tests say why they are skipped.
deps:
	@if [ "$$(id -u)" -ne 0 ]; then echo "setup: skipped: not root (installing packages needs root)"; \
	else scripts/install-deps.sh; fi

# What setup does after the packages, and what demo and check run once
# built. tests/integration/test_fresh.sh runs the README's build path alone,
# on a root filesystem without the build dependencies, with these set to true.
SETUP_RUNTIME ?= scripts/setup-criu.sh && scripts/setup-engines.sh
DEMO_RUN ?= scripts/demo.sh
CHECK_RUN ?= tests/run-all.sh $(UNIT_BIN)

setup: deps
	@if [ "$$(id -u)" -ne 0 ]; then echo "setup: skipped: not root (CRIU and the engines need root)"; \
	else $(SETUP_RUNTIME); fi

check: setup
	@$(MAKE) --no-print-directory dmig $(UNIT_BIN) $(HELPERS)
	@$(CHECK_RUN)

# The pkg-config modules the build needs (for the fresh-machine test).
print-pkgs:
	@echo $(PKGS) cmocka

integration: dmig $(HELPERS)
	@tests/run-integration.sh

sanitize:
	@$(MAKE) --no-print-directory BUILD=build-san CC=clang UNIT_LABEL=sanitize \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" test

valgrind: $(UNIT_BIN)
	@UNIT_LABEL=valgrind UNIT_WRAP="valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99" \
		tests/run-unit.sh $(UNIT_BIN)

# libFuzzer targets (tests/fuzz/fuzz_<name>.c, docs/testing.md): dmig's
# objects built again by clang with the fuzzer's coverage and ASan + UBSan,
# in an object folder of their own (the normal build is untouched), linked
# into build/fuzz/fuzz_<name>. tests/run-fuzz.sh runs each over its corpus
# (tests/fuzz/corpus/<name>); what a run finds goes to build/fuzz/corpus/<name>.
FUZZ_CC ?= clang
FUZZ_RUNS ?= 1000000
FUZZ_RUNS_EXTRACT ?= 100000
FUZZ_FLAGS ?=
FUZZ_SAN := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_OBJDIR := $(BUILD)/fuzz-obj
FUZZ_OBJ := $(SRC:%.c=$(FUZZ_OBJDIR)/%.o) $(FUZZ_OBJDIR)/tests/fuzz/scratch.o
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%)

$(FUZZ_OBJDIR)/%.o: %.c | libs
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(DMIG_CFLAGS) -Itests/fuzz $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c -o $@ $<

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(DMIG_CFLAGS) -Itests/fuzz $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) $(DMIG_LIBS)

fuzz-build: $(FUZZ_BIN)

fuzz: $(FUZZ_BIN)
	@FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_RUNS_EXTRACT=$(FUZZ_RUNS_EXTRACT) FUZZ_FLAGS="$(FUZZ_FLAGS)" tests/run-fuzz.sh $(FUZZ_BIN)

# What a long run found, minimized into the committed corpora (-merge=1
# keeps only inputs that add coverage).
fuzz-merge: $(FUZZ_BIN)
	@for n in $(FUZZ_NAMES); do \
		mkdir -p $(BUILD)/fuzz/corpus/$$n; \
		$(BUILD)/fuzz/fuzz_$$n -merge=1 tests/fuzz/corpus/$$n $(BUILD)/fuzz/corpus/$$n 2>&1 | grep -E '^MERGE-OUTER: [0-9]+ new files' | sed "s/^/fuzz_$$n: /"; \
	done

# Targets that build after setup run the build in a make of its own, which
# reads this file again once setup has installed what it needs.
demo: setup
	@$(MAKE) --no-print-directory dmig $(HELPERS)
	@$(DEMO_RUN)

# Not a test: prints dmig's downtime against the by-hand recipe (same run).
bench: setup
	@$(MAKE) --no-print-directory dmig $(HELPERS)
	@scripts/bench.sh

lab-start:
	@scripts/lab.sh start

lab-stop:
	@scripts/lab.sh stop

# Debian testing's compilers and libraries, on lab host D (as root; starts D)
unit-d:
	@scripts/lab-d-unit.sh WERROR="$(WERROR)"

fmt:
	clang-format -i src/*.c src/*.h engines/*.c engines/*.h tests/unit/*.c tests/helpers/*.c tests/fuzz/*.c tests/fuzz/*.h

fmt-check:
	clang-format --dry-run --Werror src/*.c src/*.h engines/*.c engines/*.h tests/unit/*.c tests/helpers/*.c tests/fuzz/*.c tests/fuzz/*.h

install: dmig
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 dmig $(DESTDIR)$(BINDIR)/dmig

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/dmig

clean:
	rm -rf build build-san dmig

-include $(OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(UNIT_BIN:=.d) $(FUZZ_OBJ:.o=.d) $(FUZZ_BIN:=.d)
