# uktrace — build, test, install, deps.  See README.md.
#
#   make                 build the programs into build/
#   make SANITIZE=1      build with ASan+UBSan into build-san/
#   make test            build and run every test (unit, end-to-end, VM)
#   make demo            record and report a demo workload (root)
#   make test-unit       unit tests only (no root, no kernel)
#   make bench           benchmarks against trace-cmd and perf (not a test)
#   make deps            install the Debian packages building and testing need
#   make install PREFIX=/usr/local
#   make clean

PREFIX   ?= /usr/local
# quiet like kbuild: "CC file"; V=1 shows the commands
ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2)
endif
CC       ?= cc
VERSION  := 0.1.0

ifeq ($(SANITIZE),1)
B        := build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
B        := build
SANFLAGS :=
endif

# pkg-config module -> Debian package that provides it.
PKG_libtraceevent := libtraceevent-dev
PKG_libtracefs    := libtracefs-dev
PKG_sqlite3       := libsqlite3-dev
PKG_libzstd       := libzstd-dev
PKG_libelf        := libelf-dev
PKG_liblzma       := liblzma-dev
PKG_libdw         := libdw-dev
PKG_libcurl       := libcurl4-openssl-dev
PKG_libtracecmd   := libtracecmd-dev
PKG_zlib          := zlib1g-dev

need = $(if $(shell pkg-config --exists $(1) 2>/dev/null && echo y),,$(error $(1) not found by pkg-config: install the Debian package $(PKG_$(1)) (or run 'make deps')))

ifeq ($(filter deps clean,$(MAKECMDGOALS)),)
ifeq ($(shell command -v pkg-config),)
$(error pkg-config not found: install the Debian package pkg-config (or run 'make deps'))
endif
$(foreach m,libtraceevent libtracefs sqlite3 libzstd libelf liblzma libdw libcurl libtracecmd zlib,$(call need,$(m)))
endif

pc_cflags = $(shell pkg-config --cflags $(1) 2>/dev/null)
pc_libs   = $(shell pkg-config --libs $(1) 2>/dev/null)

CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wformat=2
ALLCFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(SANFLAGS) -D_GNU_SOURCE \
            -DUKT_VERSION='"$(VERSION)"' -Iinclude -MMD -MP
LDFLAGS  += $(SANFLAGS)

COMMON_SRC := $(wildcard common/*.c)
FORMAT_SRC := $(wildcard format/*.c)
ENGINE_SRC := $(wildcard engine/*.c)
RECORD_SRC := $(filter-out record/main.c,$(wildcard record/*.c))
# report/ by stage: ingest/ (a trace into rows), store/ (SQLite), query/
# (statistics), draw/ (pictures), clickhouse/ (the fleet's server); the
# commands at the top. Each stage's headers are found by name from any.
REPORT_DIRS := report $(patsubst %/,%,$(wildcard report/*/))
REPORT_SRC := $(filter-out report/main.c,$(wildcard $(addsuffix /*.c,$(REPORT_DIRS))))

COMMON_OBJ := $(COMMON_SRC:%.c=$(B)/%.o)
FORMAT_OBJ := $(FORMAT_SRC:%.c=$(B)/%.o)
ENGINE_OBJ := $(ENGINE_SRC:%.c=$(B)/%.o)
RECORD_OBJ := $(RECORD_SRC:%.c=$(B)/%.o)
REPORT_OBJ := $(REPORT_SRC:%.c=$(B)/%.o)

RECORD_LIBS := $(call pc_libs,libtracefs libtraceevent libelf libdw libzstd liblzma) -lpthread -ldl -lstdc++
REPORT_LIBS := $(call pc_libs,libtracecmd libtraceevent sqlite3 libzstd libcurl zlib) -lpthread -lm -lstdc++
RECORD_CFLAGS := $(call pc_cflags,libtracefs libtraceevent libelf libdw libzstd liblzma)
REPORT_CFLAGS := $(addprefix -I,$(REPORT_DIRS)) $(call pc_cflags,libtracecmd libtraceevent sqlite3 libzstd libcurl zlib)

PROGS := $(B)/uktrace-record $(B)/uktrace-report $(B)/uktrace
# the README's sample program to trace (examples/app.c)
EXAMPLES := $(B)/app

UNIT_TESTS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(wildcard tests/unit/test_*.c))
TEST_HELPERS := $(B)/tests/workload $(B)/tests/workload_nopie $(B)/tests/cxx_workload \
                $(B)/tests/unwind $(B)/tests/fuzz_regress $(B)/tests/fuzz_regress_pictures \
                $(B)/tests/fuzz_regress_text $(B)/tests/mkhostile \
                $(B)/tests/dwargs_O0 $(B)/tests/dwargs_O2 $(B)/tests/dwargs_nodebug \
                $(B)/tests/stackchain_fp $(B)/tests/stackchain_nofp
# a program with USDT probes needs <sys/sdt.h> (systemtap-sdt-dev); without
# it, the tests that use one say they are skipped
HAVE_SDT := $(shell echo '\#include <sys/sdt.h>' | $(CC) -E -x c - >/dev/null 2>&1 && echo y)
ifeq ($(HAVE_SDT),y)
TEST_HELPERS += $(B)/tests/sdt_workload
endif

all: $(PROGS) $(EXAMPLES)

$(B)/common/%.o: common/%.c
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)
	$(Q)$(CC) $(ALLCFLAGS) -c -o $@ $<

$(B)/format/%.o: format/%.c
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)
	$(Q)$(CC) $(ALLCFLAGS) $(call pc_cflags,libzstd) -c -o $@ $<

$(B)/engine/%.o: engine/%.c
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)
	$(Q)$(CC) $(ALLCFLAGS) $(call pc_cflags,libtraceevent) -c -o $@ $<

$(B)/record/%.o: record/%.c
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)
	$(Q)$(CC) $(ALLCFLAGS) $(RECORD_CFLAGS) -c -o $@ $<

$(B)/report/%.o: report/%.c
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)
	$(Q)$(CC) $(ALLCFLAGS) $(REPORT_CFLAGS) -c -o $@ $<

# the trace file and the small helpers both programs share (common/)
$(B)/libukformat.a: $(FORMAT_OBJ) $(COMMON_OBJ)
	$(call msg,AR,$@)
	@rm -f $@
	$(Q)ar rcs $@ $^

# what both programs do alike with trace data, knowing neither: pairing
# entries and returns into calls, reading ring-buffer pages (engine/)
$(B)/libukengine.a: $(ENGINE_OBJ)
	$(call msg,AR,$@)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(B)/uktrace-record: $(B)/record/main.o $(RECORD_OBJ) $(B)/libukengine.a $(B)/libukformat.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(RECORD_LIBS)

$(B)/uktrace-report: $(B)/report/main.o $(REPORT_OBJ) $(B)/libukengine.a $(B)/libukformat.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(REPORT_LIBS)

$(B)/uktrace: tools/uktrace.c
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALLCFLAGS) $(LDFLAGS) -o $@ $<

$(B)/app: examples/app.c
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(WARN) -O1 -g -fno-inline -fno-omit-frame-pointer -o $@ $<

# Unit tests link the module objects they test.
$(B)/tests/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)
	$(Q)$(CC) $(ALLCFLAGS) $(RECORD_CFLAGS) $(REPORT_CFLAGS) -Itests/unit -c -o $@ $<

$(B)/tests/test_%: $(B)/tests/test_%.o $(RECORD_OBJ) $(REPORT_OBJ) $(B)/libukengine.a $(B)/libukformat.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(RECORD_LIBS) $(REPORT_LIBS)

$(B)/tests/workload: tests/e2e/workload.c
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) -O0 -g -fno-inline -fno-omit-frame-pointer -o $@ $< -lpthread

# a known 5-deep call chain, with and without frame pointers (stacks.sh)
$(B)/tests/stackchain_fp: tests/e2e/stackchain.c
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) -O0 -g -fno-inline -fno-omit-frame-pointer -o $@ $<

$(B)/tests/stackchain_nofp: tests/e2e/stackchain.c
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) -O2 -g -fomit-frame-pointer -o $@ $<

# crafted hostile trace files (hostile.sh)
$(B)/tests/mkhostile: tests/hostile/mkhostile.c $(B)/libukformat.a
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALLCFLAGS) $(LDFLAGS) -o $@ $^ $(call pc_libs,libzstd) -lpthread

# calls that longjmp, siglongjmp and tail-call (calls_unwind.sh)
$(B)/tests/unwind: tests/e2e/unwind.c
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) -O0 -g -fno-inline -fno-omit-frame-pointer -o $@ $<

# C++ names to demangle (symbols.sh)
$(B)/tests/cxx_workload: tests/e2e/cxx_workload.cc
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CXX) -O0 -g -fno-inline -fno-omit-frame-pointer -o $@ $<

# USDT probes with semaphores, every kind of operand (usdt.sh, test_usdt)
$(B)/tests/sdt_workload: tests/e2e/sdt_workload.c
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) -O2 -g -o $@ $<

# arguments by name from DWARF, unoptimized and optimized, and without
# debug information (dwargs.sh)
$(B)/tests/dwargs_O0: tests/e2e/dwargs.c
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) -O0 -g -o $@ $<
$(B)/tests/dwargs_O2: tests/e2e/dwargs.c
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) -O2 -g -o $@ $<
$(B)/tests/dwargs_nodebug: tests/e2e/dwargs.c
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) -O2 -g0 -o $@ $<

# the workload as a non-PIE executable: addresses are its own (symbols.sh)
$(B)/tests/workload_nopie: tests/e2e/workload.c
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) -O0 -g -fno-inline -fno-omit-frame-pointer -fno-pie -no-pie -o $@ $< -lpthread

$(B)/tests/fuzz_regress: tests/fuzz/fuzz_reader.c tests/fuzz/regress.c $(REPORT_OBJ) $(B)/libukengine.a $(B)/libukformat.a
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALLCFLAGS) $(REPORT_CFLAGS) $(LDFLAGS) -o $@ $^ $(REPORT_LIBS)

# The other fuzz targets' regression drivers: fuzz_regress_NAME replays
# tests/fuzz/corpus-NAME (tests/run.sh)
FUZZ_EXTRA_pictures := tests/fuzz/blocks.c
$(B)/tests/fuzz_regress_%: tests/fuzz/fuzz_%.c tests/fuzz/regress.c $(REPORT_OBJ) $(B)/libukengine.a $(B)/libukformat.a
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALLCFLAGS) $(REPORT_CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/regress.c \
	  $(FUZZ_EXTRA_$*) $(REPORT_OBJ) $(B)/libukengine.a $(B)/libukformat.a $(REPORT_LIBS)
$(B)/tests/fuzz_regress_pictures: tests/fuzz/blocks.c tests/fuzz/blocks.h

# libFuzzer builds of the targets (clang): make fuzz; then, for one,
#   build-fuzz/fuzz_reader tests/fuzz/corpus -max_total_time=600
#   build-fuzz/fuzz_pictures tests/fuzz/corpus-pictures -max_total_time=600
#   build-fuzz/fuzz_text tests/fuzz/corpus-text -max_total_time=600
# (build-fuzz/mkseed TRACE OUT makes a seed for fuzz_pictures of a trace)
FUZZ_TARGETS := reader pictures text
FUZZ_OBJ = $(patsubst %,build-fuzz/%,$(REPORT_OBJ:$(B)/%=%)) build-fuzz/libukengine.a build-fuzz/libukformat.a
fuzz:
	$(MAKE) B=build-fuzz CC=clang \
	  SANFLAGS="-fsanitize=fuzzer-no-link,address,undefined" build-fuzz/libukengine.a build-fuzz/libukformat.a $(patsubst %,build-fuzz/%,$(REPORT_OBJ:$(B)/%=%))
	for t in $(FUZZ_TARGETS); do \
	  clang -std=gnu11 -g -O1 -D_GNU_SOURCE -Iinclude $(REPORT_CFLAGS) \
	    -fsanitize=fuzzer,address,undefined -o build-fuzz/fuzz_$$t tests/fuzz/fuzz_$$t.c \
	    $$([ $$t = pictures ] && echo tests/fuzz/blocks.c) $(FUZZ_OBJ) $(REPORT_LIBS) || exit 1; \
	done
	clang -std=gnu11 -g -O1 -D_GNU_SOURCE -Iinclude -fsanitize=address,undefined \
	  -o build-fuzz/mkseed tests/fuzz/mkseed.c build-fuzz/libukformat.a $(call pc_libs,libzstd) -lpthread

tests: $(PROGS) $(EXAMPLES) $(UNIT_TESTS) $(TEST_HELPERS)

test: tests
	@B=$(B) tests/run.sh

test-unit: $(UNIT_TESTS) $(TEST_HELPERS)
	@B=$(B) UKT_UNIT_ONLY=1 tests/run.sh

# The README's main-job command runs this after make deps.
demo: $(PROGS) $(B)/tests/workload
	@B=$(B) tests/demo.sh

$(B)/tests/format_bench: tests/bench/format_bench.c $(B)/libukformat.a
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALLCFLAGS) $(LDFLAGS) -o $@ $^ $(call pc_libs,libzstd) -lpthread

bench: $(PROGS) $(B)/tests/workload $(B)/tests/format_bench
	@echo "== trace file writer on real ring-buffer pages (tests/fixtures)"
	@$(B)/tests/format_bench /tmp/uktrace-format-bench.ukt tests/fixtures/pages-getppid.ukt tests/fixtures/calls.ukt
	@B=$(B) tests/bench/run.sh

install: $(PROGS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 docs/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -d $(DESTDIR)$(PREFIX)/share/uktrace
	install -m 0644 examples/probes.conf $(DESTDIR)$(PREFIX)/share/uktrace/

# Every Debian package that building, testing, the VM test and the
# benchmarks need; installs only what is missing.
DEB_PKGS := build-essential pkg-config libtraceevent-dev libtracefs-dev \
            libsqlite3-dev libzstd-dev libelf-dev libdw-dev liblzma-dev libcurl4-openssl-dev libtracecmd-dev zlib1g-dev \
            sqlite3 zstd clang \
            libc6-dbg debuginfod xz-utils binutils systemtap-sdt-dev \
            linux-perf trace-cmd qemu-system-x86 linux-image-amd64 \
            busybox-static cpio procps util-linux time bc file \
            python3 curl chromium clickhouse-server clickhouse-client
deps:
	@missing=$$(for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	  done); \
	if [ -z "$$missing" ]; then echo "deps: all present"; else \
	  echo "deps: installing $$missing"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; fi

clean:
	rm -rf build build-san build-fuzz

# 'make clean all -j2': the goals run in order, or clean removes the
# objects that the parallel build is linking
ifneq ($(filter clean,$(MAKECMDGOALS)),)
.NOTPARALLEL:
endif

.PHONY: all test test-unit tests bench demo install deps clean fuzz
-include $(shell find $(B) -name '*.d' 2>/dev/null)
.SECONDARY:
