# forkguard - see README.md.  Targets: all test demo bench bench-floor bench-stages
# install uninstall clean format check-format.  The user owns CFLAGS/LDFLAGS; ours
# are FG_*.

PREFIX ?= /usr/local
DESTDIR ?=
LIBDIR ?= $(PREFIX)/lib
BINDIR ?= $(PREFIX)/bin
INCDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/forkguard

# the version: FG_VERSION in include/forkguard.h, nowhere else
VERSION := $(shell sed -n 's/^\#define FG_VERSION "\(.*\)"/\1/p' include/forkguard.h)

CC ?= cc
# -Os: the library's pages are mapped in every guarded process (60 kB of
# it, 72 kB at -O2); its fork path is bound by its syscalls (getpid, fstat
# and pread of the kept statm), not by its code
CFLAGS ?= -Os -g
B := build
SONAME := libforkguard.so.0

# the library calls its own API directly, never through its PLT: a host
# program built -rdynamic (Redis is) that exports a function of the same
# name must not take over the guard's calls (-fno-semantic-interposition:
# calls within a file; -Bsymbolic-functions: between files, at link time)
FG_CFLAGS := -std=gnu11 -D_GNU_SOURCE -DFORKGUARD_BUILD -Iinclude \
	-Wall -Wextra -Wshadow -Wstrict-prototypes -fPIC -fvisibility=hidden \
	-fno-semantic-interposition -ffunction-sections -fdata-sections
FG_LDLIBS := -Wl,--as-needed -ldl
# extra include dirs for another libc's build (make musl)
FG_SYSINC ?=
FG_CFLAGS += $(FG_SYSINC)

# Four layers, four folders under shim/, each including only from itself
# and the layers below it (the -I list of each folder says which):
#   core/    the pure core and its procfs/cgroup readers, the public API
#   render/  numbers in, text/JSON/Prometheus out
#   guard/   the preloaded runtime: interposition, the fork flow, sinks
#   cli/     the forkguard command
# libforkguard.so is core + render + guard; the command is core + render + cli.
L_core := -Ishim/core
L_render := $(L_core) -Ishim/render
L_guard := $(L_render) -Ishim/guard
L_cli := $(L_render) -Ishim/cli
LAYERS := core render guard cli
# every object of a layer, by folder
layer_objs = $(patsubst shim/$(1)/%.c,$(B)/obj/$(1)/%.o,$(wildcard shim/$(1)/*.c))
CORE_OBJ := $(call layer_objs,core)
RENDER_OBJ := $(call layer_objs,render)
GUARD_OBJ := $(call layer_objs,guard)
CLI_OBJ := $(call layer_objs,cli)
# the unit tests and tools see every layer
L_all := $(L_guard) -Ishim/cli

# the library and the command: a C compiler and libc's headers, nothing
# else (the fixtures, one of which links jemalloc, build for the tests)
all: $(B)/libforkguard.so $(B)/forkguard

define layer_rule
$(B)/obj/$(1)/%.o: shim/$(1)/%.c $(wildcard shim/*/*.h) include/forkguard.h
	@mkdir -p $$(@D)
	$$(CC) $$(FG_CFLAGS) $$(L_$(1)) $$(CFLAGS) -c -o $$@ $$<
endef
$(foreach l,$(LAYERS),$(eval $(call layer_rule,$(l))))

$(B)/obj $(B)/fixtures $(B)/tests:
	mkdir -p $@

# forkguard run finds the installed library at BINDIR/..$(LIBSUB): the
# libdir below the prefix (lib, lib/x86_64-linux-gnu), recorded in a stamp
# so that another LIBDIR rebuilds cli_run.o
LIBSUB := $(patsubst $(PREFIX)%,%,$(LIBDIR))
$(B)/obj/libsub: FORCE | $(B)/obj
	@echo '$(LIBSUB)' | cmp -s - $@ || echo '$(LIBSUB)' >$@
$(B)/obj/cli/cli_run.o: $(B)/obj/libsub
$(B)/obj/cli/cli_run.o: FG_CFLAGS += -DFG_LIBSUB='"$(LIBSUB)"'

$(B)/libforkguard-core.a: $(CORE_OBJ) $(RENDER_OBJ)
	rm -f $@ && ar rcs $@ $^

# run as a program, the library prints what it is (identity.c): an entry
# point, and the interpreter the compiler links programs with
FG_INTERP = $(shell printf 'int main(void){return 0;}' | \
	$(CC) -x c -o $(B)/obj/interp-probe - && \
	readelf -l $(B)/obj/interp-probe | \
	sed -n 's/.*program interpreter: \(.*\)]/\1/p')
$(B)/obj/guard/identity.o: FG_CFLAGS += -DFG_INTERP='"$(FG_INTERP)"'

# --gc-sections: what only the command calls (fg_describe_policy, the
# host-wide Prometheus view, ...) is not in the library; tests/transparency
# lists the command's functions that must stay out.  -z noseparate-code:
# the headers, text and read-only data in one executable segment, four
# mappings instead of six (every fork copies each one, every exit tears
# it down: make bench, libmem); RELRO, BIND_NOW and non-executable data
# stay
# The fork path's functions (shim/guard/fork_path.txt) are renamed to
# .text.hot.* in copies of the objects, under $(B)/obj/so: the linker lays
# them out together.
FORK_PATH := shim/guard/fork_path.txt
OBJCOPY ?= objcopy
$(B)/$(SONAME): $(CORE_OBJ) $(RENDER_OBJ) $(GUARD_OBJ) $(FORK_PATH)
	@rm -rf $(B)/obj/so && mkdir -p $(addprefix $(B)/obj/so/,$(LAYERS))
	@hot=$$(sed -n 's/^\([a-zA-Z_][a-zA-Z0-9_]*\)$$/--rename-section .text.\1=.text.hot.\1/p' \
		$(FORK_PATH)); \
	for o in $(CORE_OBJ) $(RENDER_OBJ) $(GUARD_OBJ); do \
		$(OBJCOPY) $$hot $$o $(B)/obj/so/$${o#$(B)/obj/} || exit 1; done
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,-z,defs,-z,relro,-z,now \
		-Wl,-z,noseparate-code \
		-Wl,-e,fg_main -Wl,-Bsymbolic-functions -Wl,--gc-sections \
		$(LDFLAGS) -o $@ \
		$(patsubst $(B)/obj/%,$(B)/obj/so/%,$(CORE_OBJ) $(RENDER_OBJ) $(GUARD_OBJ)) \
		$(FG_LDLIBS)

$(B)/libforkguard.so: $(B)/$(SONAME)
	ln -sf $(SONAME) $@

$(B)/forkguard: $(CLI_OBJ) $(B)/libforkguard-core.a
	$(CC) $(LDFLAGS) -o $@ $^

# the recipe of every test program and fixture (one C file): the user's
# flags; $(1) before the file (-pthread, -rdynamic), $(2) after (-l...)
TEST_PROG = $(CC) -std=gnu11 -Wall -Wextra $(CFLAGS) $(1) -o $@ $< $(LDFLAGS) $(2)

# --- fixtures: small programs that reproduce real failures ---
FIXTURES := merged_vma heap_retention jemalloc_retention cow_fork
fixtures: $(FIXTURES:%=$(B)/fixtures/%)
$(B)/fixtures/%: fixtures/%.c | $(B)/fixtures
	$(call TEST_PROG)
$(B)/fixtures/jemalloc_retention: fixtures/jemalloc_retention.c fixtures/merged.h \
		| $(B)/fixtures
	$(call TEST_PROG,,-ljemalloc)

# --- tests ---
UNIT := test_policy test_parse test_config test_report test_snapshots \
	test_estimate test_cgroup test_stamp test_terms test_fuzz_regressions \
	test_prom test_fastpath test_window test_remedy test_guard test_interpose \
	test_follow test_log test_metrics test_track test_kept test_clock \
	test_dynsym test_cow_renew
UNIT_BIN := $(UNIT:%=$(B)/tests/%)
# the size a fork goes by counts what the mmap wrappers saw (size.c)
UNIT_OBJ := $(B)/obj/guard/fastpath.o $(B)/obj/guard/self.o \
	$(B)/obj/guard/size.o $(B)/obj/guard/mmap_track.o $(B)/obj/guard/mmap_table.o
$(B)/tests/%: tests/unit/%.c $(B)/libforkguard-core.a $(UNIT_OBJ) | $(B)/tests
	$(CC) $(FG_CFLAGS) $(L_all) $(CFLAGS) -o $@ $< $(UNIT_OBJ) $(B)/libforkguard-core.a -lcmocka \
		$(FG_LDLIBS)
# the sinks (the metrics writer says through them that it cannot write)
LOG_OBJ := $(B)/obj/guard/log.o $(B)/obj/guard/log_fd.o
# the remedies' predicates and the guard's flow, with the library's objects
# (test_guard brings its own sink in place of log.o)
REMEDY_OBJ := $(B)/obj/guard/remedy.o $(B)/obj/guard/remedy_alloc.o $(B)/obj/guard/dynsym.o \
	$(B)/obj/guard/remedy_split.o $(B)/obj/guard/metrics.o \
	$(B)/obj/guard/cow.o $(B)/obj/guard/watcher.o \
	$(B)/obj/guard/watch_usage.o $(B)/obj/guard/plan.o
# the sinks, for a test that does not bring its own
SINK_OBJ := $(B)/obj/guard/emit.o $(LOG_OBJ)
# (test_cow_renew: the cow headroom as the fork path renews it, cow.c)
$(B)/tests/test_remedy $(B)/tests/test_cow_renew: $(B)/tests/%: tests/unit/%.c \
		$(B)/libforkguard-core.a $(UNIT_OBJ) $(REMEDY_OBJ) $(SINK_OBJ) | $(B)/tests
	$(CC) $(FG_CFLAGS) $(L_all) $(CFLAGS) -o $@ $< $(REMEDY_OBJ) $(SINK_OBJ) $(UNIT_OBJ) \
		$(B)/libforkguard-core.a -lcmocka $(FG_LDLIBS)
GUARD_FLOW_OBJ := $(B)/obj/guard/guard.o $(B)/obj/guard/emit.o
$(B)/tests/test_guard: tests/unit/test_guard.c $(B)/libforkguard-core.a \
		$(UNIT_OBJ) $(REMEDY_OBJ) $(GUARD_FLOW_OBJ) | $(B)/tests
	$(CC) $(FG_CFLAGS) $(L_all) $(CFLAGS) -o $@ $< $(GUARD_FLOW_OBJ) $(REMEDY_OBJ) \
		$(UNIT_OBJ) $(B)/libforkguard-core.a -lcmocka $(FG_LDLIBS) -pthread
# the fork entry through its seam: interpose.o's wrappers with fg_real set
# to fakes (its own sink, as test_guard)
$(B)/tests/test_interpose: tests/unit/test_interpose.c $(B)/libforkguard-core.a \
		$(UNIT_OBJ) $(REMEDY_OBJ) $(GUARD_FLOW_OBJ) $(B)/obj/guard/interpose.o | $(B)/tests
	$(CC) $(FG_CFLAGS) $(L_all) $(CFLAGS) -o $@ $< $(B)/obj/guard/interpose.o \
		$(GUARD_FLOW_OBJ) $(REMEDY_OBJ) $(UNIT_OBJ) $(B)/libforkguard-core.a \
		-lcmocka $(FG_LDLIBS) -pthread

# the filter before dlsym, on a library of each kind of hash table
$(B)/tests/libdynsym_%.so: tests/unit/dynsym_lib.c | $(B)/tests
	$(CC) -shared -fPIC $(CFLAGS) -Wl,--hash-style=$* -o $@ $<
$(B)/tests/test_dynsym: tests/unit/test_dynsym.c $(B)/obj/guard/dynsym.o \
		$(B)/tests/libdynsym_gnu.so $(B)/tests/libdynsym_sysv.so | $(B)/tests
	$(CC) $(FG_CFLAGS) $(L_all) $(CFLAGS) -o $@ $< $(B)/obj/guard/dynsym.o \
		-lcmocka $(FG_LDLIBS)

# the sinks alone: the test brings its own clock (fg_now_us) and /dev/log
$(B)/tests/test_log: tests/unit/test_log.c $(LOG_OBJ) \
		$(B)/libforkguard-core.a | $(B)/tests
	$(CC) $(FG_CFLAGS) $(L_all) $(CFLAGS) -o $@ $< $(LOG_OBJ) \
		$(B)/libforkguard-core.a -lcmocka

# the counters and their file: metrics*.c with the fast path and the sink
# (its warnings) they call
METRICS_OBJ := $(patsubst shim/guard/%.c,$(B)/obj/guard/%.o,$(wildcard shim/guard/metrics*.c))
$(B)/tests/test_metrics: tests/unit/test_metrics.c $(METRICS_OBJ) $(LOG_OBJ) \
		$(UNIT_OBJ) $(B)/libforkguard-core.a | $(B)/tests
	$(CC) $(FG_CFLAGS) $(L_all) $(CFLAGS) -o $@ $< $(METRICS_OBJ) $(LOG_OBJ) \
		$(UNIT_OBJ) $(B)/libforkguard-core.a -lcmocka $(FG_LDLIBS)

# the mapping table against this host's VmFlags, its wrappers linked in
TRACK_OBJ := $(B)/obj/guard/mmap_track.o $(B)/obj/guard/mmap_table.o \
	$(B)/obj/guard/size.o $(B)/obj/guard/self.o
$(B)/tests/test_track: tests/unit/test_track.c $(B)/libforkguard-core.a \
		$(TRACK_OBJ) | $(B)/tests
	$(CC) $(FG_CFLAGS) $(L_all) $(CFLAGS) -o $@ $< $(TRACK_OBJ) \
		$(B)/libforkguard-core.a -lcmocka $(FG_LDLIBS) -pthread

# tests/metrics: a real node_exporter scrapes the guarded programs' files
$(B)/tests/forker: tests/metrics/forker.c fixtures/merged.h | $(B)/tests
	$(call TEST_PROG)
test-metrics: all $(B)/tests/forker
	@bash tests/metrics/run.sh

# programs driven by tests/transparency/run.sh and make bench
TPROGS := transparency noalloc storm hostexports hostexports-rdynamic
TPROG_BIN := $(TPROGS:%=$(B)/tests/%)
$(B)/tests/transparency $(B)/tests/noalloc $(B)/tests/storm \
		$(B)/tests/hostexports: $(B)/tests/%: \
		tests/transparency/%.c | $(B)/tests
	$(call TEST_PROG,-pthread)
# the same program exporting its own fg_* functions, as -rdynamic hosts do
$(B)/tests/hostexports-rdynamic: tests/transparency/hostexports.c | $(B)/tests
	$(call TEST_PROG,-rdynamic)
# bound at load (-z now) as Debian's hardened binaries are: a child that
# resolves _exit lazily would time the dynamic linker, not the fork
$(B)/tests/bench: tests/bench/bench.c tests/bench/common.h \
		$(B)/tests/libfg_empty.so | $(B)/tests
	$(CC) -std=gnu11 -Wall -Wextra $(CFLAGS) -Wl,-z,now -o $@ $< $(LDFLAGS) \
		$(FG_LDLIBS)
# forks a service makes once in a while (0.1 s, 1.1 s, 5 s apart)
$(B)/tests/occasional: tests/bench/occasional.c tests/bench/common.h \
		$(B)/tests/libfg_empty.so | $(B)/tests
	$(CC) -std=gnu11 -Wall -Wextra $(CFLAGS) -Wl,-z,now -o $@ $< $(LDFLAGS)
# the fork path's check alone, linked with the library's objects
$(B)/tests/bench_pass: tests/bench/pass.c $(B)/obj/guard/log.o $(B)/obj/guard/log_fd.o \
		$(B)/obj/guard/cow.o $(UNIT_OBJ) \
		$(B)/obj/guard/guard.o \
		$(B)/obj/guard/emit.o $(REMEDY_OBJ) $(B)/libforkguard-core.a \
		| $(B)/tests
	$(CC) $(FG_CFLAGS) $(L_all) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(FG_LDLIBS)
# the preloaded library's mappings, size and private pages in a process
$(B)/tests/libmem: tests/bench/libmem.c | $(B)/tests
	$(CC) -std=gnu11 -Wall -Wextra $(CFLAGS) -o $@ $< $(LDFLAGS)
# the floor: what preloading any library costs a fork
$(B)/tests/libfg_empty.so: tests/bench/empty.c | $(B)/tests
	$(CC) -shared -fPIC $(CFLAGS) -Wl,-z,relro,-z,now -o $@ $< $(LDFLAGS)

# bench-floor: bench's off workload (WORKLOADS) against a library of the
# guard's shape without its code (tests/bench/padded.c, sized from the
# guard's LOAD segments) in place of the empty one: what
# FORKGUARD_MODE=off adds beyond the preload of a library this size
FLOOR_B := $(B)/bench-floor
bench-floor: all $(B)/tests/bench
	@mkdir -p $(FLOOR_B)/tests
	@set -e; ro=$$(readelf -lW $(B)/libforkguard.so | awk '$$1 == "LOAD" { print $$5; exit }'); \
	set -- $$(readelf -lW $(B)/libforkguard.so | awk '$$1 == "LOAD" { n++ } n == 2 { print $$5, $$6; exit }'); \
	$(CC) -shared -fPIC $(CFLAGS) -DPAD_RO=$$(($$ro)) -DPAD_BSS=$$(($$2 - $$1)) \
		-Wl,-z,relro,-z,now,-z,noseparate-code -o $(FLOOR_B)/tests/libfg_empty.so \
		tests/bench/padded.c
	@cp $(B)/tests/bench $(FLOOR_B)/tests/bench
	@cp -L $(B)/libforkguard.so $(FLOOR_B)/libforkguard.so
	@for l in $(FLOOR_B)/libforkguard.so $(FLOOR_B)/tests/libfg_empty.so; do \
		LD_PRELOAD=$(CURDIR)/$$l $(B)/tests/libmem || exit 1; done; echo
	@$(BENCH_RUN) $(FLOOR_B)/tests/bench -c $(BENCH_CPU) -r $(or $(ROUNDS),9) \
		-w $(or $(WORKLOADS),off)

# everything CI runs (.ci/run): the regular build's suites, the VM proofs,
# the sanitizer builds, a short fuzz pass (FUZZ_SECONDS each) and the format
test: all test-unit test-integration test-transparency test-cli test-log test-metrics \
	test-deb test-musl \
	test-kernel test-oldk test-redis-mode2 test-sink-mode2 test-vm-swap test-cow test-crun \
	test-asan test-valgrind fuzz check-format

# every binary runs, whatever an earlier one said; the failures are
# listed, and cmocka's counts summed (passed, failed, skipped)
test-unit: $(UNIT_BIN) $(B)/obj/stages-on.o
	@FG_FIXTURES=$(CURDIR)/fixtures bash tests/unit/run.sh $(UNIT_BIN)
# stages.c as make bench-stages builds it (-DFG_STAGES), so that what only
# that bench compiles cannot rot unseen
$(B)/obj/stages-on.o: shim/guard/stages.c shim/guard/stages.h shim/guard/self.h
	@mkdir -p $(@D)
	$(CC) $(FG_CFLAGS) $(L_guard) $(CFLAGS) -DFG_STAGES -Werror -c -o $@ $<

# the sinks' test programs (tests/log), named here: a rule takes its
# prerequisites as they are when make reads it
LOGPROGS := $(B)/tests/log/forker $(B)/tests/log/dgram_sink

# the quick loop: the layout (tests/layout.sh), the unit tests and the
# host suites (no VM, no fuzzing,
# no sanitizer rebuild), every suite run even if one fails; FG_QUICK=1
# makes the heavy host cases smaller (fewer storm forks, a smaller peak)
# and the metrics suite read its files without node_exporter.  A SKIP that
# tests/skips.txt does not expect on this machine fails the run.
# tests/log/retry.sh (11 s, most of it waiting out the sink's real retry
# window) runs beside the other suites, its lines added after them.
check: all $(UNIT_BIN) $(TPROG_BIN) $(LOGPROGS) $(B)/tests/forker
	@start=$$(date +%s); failed=; : >$(B)/check.log; \
	bash -c 'source tests/lib.sh; run_suite log-retry tests/log/retry.sh' \
		>$(B)/check-retry.log 2>&1 & retry=$$!; \
	bash tests/layout.sh $(B)/obj || failed=" check-layout"; \
	for t in test-unit test-integration test-transparency test-cli test-log \
		test-metrics; do \
		{ FG_QUICK=1 FG_LOG_APART=retry.sh $(MAKE) --no-print-directory $$t || \
			echo "check: FAILED $$t"; } 2>&1 | tee -a $(B)/check.log; \
	done; \
	wait $$retry || echo "check: FAILED test-log(retry.sh)" >>$(B)/check-retry.log; \
	tee -a $(B)/check.log <$(B)/check-retry.log; \
	echo "check: $$(($$(date +%s) - start)) s"; \
	bash tests/skips.sh $(B)/check.log || failed="$$failed skips"; \
	failed="$$(sed -n 's/^check: FAILED \(.*\)/\1/p' $(B)/check.log | tr '\n' ' ')$$failed"; \
	if [ -n "$$failed" ]; then echo "check: FAILED: $$failed"; exit 1; fi; \
	echo "check: all suites passed"

# tests/integration/multifork.sh: several forks in one process
$(B)/tests/multifork: tests/integration/multifork.c | $(B)/tests
	$(call TEST_PROG,-pthread)

test-integration: all $(B)/tests/multifork fixtures
	@bash tests/integration/run.sh

# the sinks: failure fallback, rotation, dates, syslog (tests/log)
$(LOGPROGS): $(B)/tests/log/%: tests/log/%.c
	@mkdir -p $(@D)
	$(call TEST_PROG)
test-log: all $(LOGPROGS) fixtures
	@bash tests/log/run.sh

test-transparency: all $(TPROG_BIN) fixtures
	@bash tests/transparency/run.sh

# only the fixture it runs: a C compiler is enough (build-essential)
demo: all $(B)/fixtures/merged_vma
	@bash tests/integration/demo.sh

# pinned to one CPU (BENCH_CPU, default 1): the ratios of one run.  With
# ASLR, as services run: each round's fresh workers have their own
# layouts, and the median is over them (BENCH_ASLR=off: one fixed layout,
# setarch -R, whose luck moves a fork by 2-4 %: README, Figures);
# OCCASIONAL picks the occasional workloads (size@gap,...), OROUNDS x
# OFORKS their forks per variant
BENCH_CPU ?= 1
BENCH_ASLR ?= on
BENCH_RUN := $(if $(filter off,$(BENCH_ASLR)),setarch -R )taskset -c $(BENCH_CPU)
bench: all $(B)/tests/bench $(B)/tests/bench_pass $(B)/tests/occasional \
		$(B)/tests/libmem
	@for l in $(B)/libforkguard.so $(B)/tests/libfg_empty.so; do \
		LD_PRELOAD=$(CURDIR)/$$l $(B)/tests/libmem || exit 1; done; echo
	@$(BENCH_RUN) $(B)/tests/bench -c $(BENCH_CPU) -r $(or $(ROUNDS),9) \
		$(if $(WORKLOADS),-w $(WORKLOADS))
	@echo && $(BENCH_RUN) $(B)/tests/occasional -c $(BENCH_CPU) \
		-r $(or $(OROUNDS),3) -n $(or $(OFORKS),9) \
		$(if $(OCCASIONAL),-w $(OCCASIONAL))
	@echo && $(BENCH_RUN) $(B)/tests/bench_pass

# bench-ab: the occasional forks of this tree's guard against BASE's (a git
# revision, default HEAD~1), in RUNS runs that alternate (default 3;
# OCCASIONAL, OROUNDS x OFORKS as for bench, default tiny@0.1,tiny@1.1,
# 5 x 15): what a change did, measured against the drift of the machine
, := ,
bench-ab: all $(B)/tests/occasional $(B)/tests/libfg_empty.so
	@BENCH_RUN="$(BENCH_RUN)" BENCH_CPU=$(BENCH_CPU) bash tests/bench/ab.sh \
		$(or $(BASE),HEAD~1) $(or $(RUNS),3) \
		$(or $(OCCASIONAL),tiny@0.1$(,)tiny@1.1) $(or $(OROUNDS),5) \
		$(or $(OFORKS),15)

# bench-stages: the occasional forks (OCCASIONAL, default tiny@0.1,tiny@1.1;
# OROUNDS x OFORKS, default 3 x 15) with a library built with -DFG_STAGES
# (shim/guard/stages.h): each worker that has it prints, at its exit, the
# medians of its quiet forks' spans (the check, libc and the prepare
# handlers, the kernel's fork, the parent handlers); the empty library,
# linked with the same stamps, its kernel's fork
STAGES_B := $(B)/bench-stages
bench-stages: $(B)/tests/occasional
	@$(MAKE) -s B=$(STAGES_B) CFLAGS="$(CFLAGS) -DFG_STAGES" \
		$(STAGES_B)/libforkguard.so
	@mkdir -p $(STAGES_B)/tests
	@cp $(B)/tests/occasional $(STAGES_B)/tests/
	@$(CC) -shared -fPIC $(CFLAGS) -Wl,-z,relro,-z,now \
		-o $(STAGES_B)/tests/libfg_empty.so tests/bench/empty.c \
		$(STAGES_B)/obj/guard/stages.o $(STAGES_B)/obj/guard/self.o
	@$(BENCH_RUN) $(STAGES_B)/tests/occasional -c $(BENCH_CPU) \
		-r $(or $(OROUNDS),3) -n $(or $(OFORKS),15) \
		-w $(or $(OCCASIONAL),tiny@0.1$(,)tiny@1.1)

# --- musl (README "musl"): the library for musl programs (Alpine
# images), built by musl-gcc in $(B)/musl with the programs the tests run.
# musl-gcc searches only musl's headers: the kernel's uapi headers
# (linux/, asm/), libc-neutral, are linked into $(B)/musl/kinc.
# $(B)/musl/$$LIB/libforkguard.so.0 is the musl build and
# $(B)/musl/lib/<multiarch>/ the glibc one: glibc's ld.so expands $$LIB in
# LD_PRELOAD (to lib/<multiarch> on Debian), musl's takes it literally, so
# that one LD_PRELOAD serves the programs of both libcs a command execs.
MULTIARCH := $(shell cc -print-multiarch 2>/dev/null)
MUSL_B := $(B)/musl
MUSL_CC ?= musl-gcc
musl: all
	@mkdir -p $(MUSL_B)/kinc '$(MUSL_B)/$$LIB' $(MUSL_B)/lib/$(MULTIARCH)
	@ln -sfn /usr/include/linux $(MUSL_B)/kinc/linux
	@ln -sfn /usr/include/asm-generic $(MUSL_B)/kinc/asm-generic
	@ln -sfn /usr/include/$(MULTIARCH)/asm $(MUSL_B)/kinc/asm
	@$(MAKE) --no-print-directory B=$(MUSL_B) CC=$(MUSL_CC) \
		FG_SYSINC=-isystem$(MUSL_B)/kinc $(MUSL_B)/libforkguard.so \
		$(MUSL_B)/tests/transparency $(MUSL_B)/tests/storm \
		$(MUSL_B)/tests/hostexports $(MUSL_B)/tests/hostexports-rdynamic \
		$(MUSL_B)/fixtures/merged_vma
	@ln -sfn ../libforkguard.so.0 '$(MUSL_B)/$$LIB/libforkguard.so.0'
	@ln -sfn ../../../$(SONAME) $(MUSL_B)/lib/$(MULTIARCH)/$(SONAME)

# test-musl: the transparency cases and the merged-VMA reproduction, built
# with musl-gcc, under the musl build; forkguard run picks it
test-musl: musl
	@bash tests/musl/run.sh

# --- fuzzing and sanitizers (tests/fuzz, tests/sanitize) ---
# fuzz: libFuzzer targets, FUZZ_SECONDS each, one after the other
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 20
FUZZ_TARGETS := meminfo status maps zoneinfo numbers config report
FUZZ_FLAGS := -g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=all
$(B)/fuzz/obj/%.o: shim/%.c $(wildcard shim/*/*.h) include/forkguard.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FG_CFLAGS) $(L_all) $(FUZZ_FLAGS) \
		-fsanitize=fuzzer-no-link,address,undefined -c -o $@ $<
$(B)/fuzz/libfg.a: $(patsubst shim/%.c,$(B)/fuzz/obj/%.o,$(wildcard shim/core/*.c shim/render/*.c))
	rm -f $@ && ar rcs $@ $^
$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(B)/fuzz/libfg.a
	$(FUZZ_CC) $(FG_CFLAGS) $(L_all) $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined \
		-o $@ $< $(B)/fuzz/libfg.a -ldl
fuzz: $(FUZZ_TARGETS:%=$(B)/fuzz/fuzz_%)
	@bash tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# test-asan: everything rebuilt under $(B)/asan with ASan+UBSan, then run
ASAN_CC ?= gcc
ASAN_FLAGS := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
test-asan:
	@$(MAKE) --no-print-directory B=$(B)/asan CC=$(ASAN_CC) \
		CFLAGS="$(CFLAGS) $(ASAN_FLAGS)" \
		LDFLAGS="$(LDFLAGS) -fsanitize=address,undefined" \
		all fixtures $(B)/asan/tests/multifork \
		$(UNIT:%=$(B)/asan/tests/%) $(TPROGS:%=$(B)/asan/tests/%)
	@ASAN_CC=$(ASAN_CC) bash tests/sanitize/asan.sh $(UNIT)

# test-valgrind: memcheck on guarded programs (the regular build)
test-valgrind: all $(TPROG_BIN) fixtures
	@bash tests/sanitize/valgrind.sh

DROPIN := examples/redis-server.service.d/forkguard.conf
install: all
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(INCDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(DOCDIR)/$(dir $(DROPIN))
	install -m 0755 $(B)/$(SONAME) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libforkguard.so
	install -m 0755 $(B)/forkguard $(DESTDIR)$(BINDIR)/forkguard
	install -m 0644 include/forkguard.h $(DESTDIR)$(INCDIR)/forkguard.h
	for m in man1/forkguard.1 man7/libforkguard.7; do \
		sed '1s/"forkguard [^"]*"/"forkguard $(VERSION)"/' man/$${m#*/} \
			>$(DESTDIR)$(MANDIR)/$$m && \
		chmod 0644 $(DESTDIR)$(MANDIR)/$$m || exit 1; done
	sed -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g' docs/redis-server.service.d/forkguard.conf \
		>$(DESTDIR)$(DOCDIR)/$(DROPIN)
	chmod 0644 $(DESTDIR)$(DOCDIR)/$(DROPIN)

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libforkguard.so \
		$(DESTDIR)$(BINDIR)/forkguard $(DESTDIR)$(INCDIR)/forkguard.h \
		$(DESTDIR)$(MANDIR)/man1/forkguard.1 \
		$(DESTDIR)$(MANDIR)/man7/libforkguard.7 \
		$(DESTDIR)$(DOCDIR)/$(DROPIN)
	rmdir $(DESTDIR)$(DOCDIR)/$(dir $(DROPIN)) \
		$(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null || true

# json_schema.sh takes an EAGAIN report from the transparency program
test-cli: all $(B)/tests/transparency fixtures
	@bash tests/cli/run.sh

# the VM oracle: the guard's verdicts against real kernels (6.1, 6.12 under
# qemu TCG; the host's own kernel in mode 0).  No host sysctl is touched.
test-kernel: all fixtures
	@bash tests/vm/oracle.sh --host
	@bash tests/vm/oracle.sh

# the old-kernel oracle: each kernel of ../shared/oldk (OLDK_DIR; 2.6.32 to
# 4.20) under qemu TCG, everything in the VM musl-built: the musl library
# preloaded (live) and a static musl command on a record (from outside)
test-oldk: musl
	@$(MAKE) --no-print-directory B=$(MUSL_B) CC=$(MUSL_CC) \
		FG_SYSINC=-isystem$(MUSL_B)/kinc LDFLAGS=-static $(MUSL_B)/forkguard
	@sh tests/vm/oldk.sh

# fixtures reproduction 4: a real redis-server in a VM in mode 2, BGSAVE
# refused under observe and saved by the jemalloc purge under remediate
# the sink at the commit limit: mode 2, FORKGUARD_LOG on a tmpfs, in a VM
test-sink-mode2: all
	@sh tests/vm/sink_mode2.sh

test-redis-mode2: all fixtures
	@sh tests/vm/redis_mode2.sh

# RAM against RAM + swap, live: mode 0 in a VM given 1 GiB of swap (an
# NVMe disk image), a VMA between the two refused without swap and
# passing with it, one above RAM + swap refused; the guard agreeing
test-vm-swap: all
	@sh tests/vm/swap.sh

# copy-on-write after a fork that succeeds, in a VM with cgroup v2: the
# OOM killer fires, FORKGUARD_COW=protect makes the child its victim (10
# runs), FORKGUARD_COW=abort ends the child before any OOM kill (20 runs
# in each of four cases), and a real redis-server survives a save killed
# by it
test-cow: all
	@sh tests/vm/cow.sh

# Redis in a crun container with memory.oom.group=1 (tests/vm/crun_redis.sh)
test-crun: all
	@sh tests/vm/crun_redis.sh

# the layout (tests/layout.sh): no file under shim/ over 450 lines, no
# include or call circle between modules, no include going up a layer
check-layout: all
	@bash tests/layout.sh $(B)/obj

format:
	clang-format -i shim/*/*.c shim/*/*.h include/*.h

check-format:
	clang-format --dry-run --Werror shim/*/*.c shim/*/*.h include/*.h

clean:
	rm -rf $(B)/obj $(B)/tests $(B)/fixtures $(B)/*.so* $(B)/*.a $(B)/forkguard \
		$(B)/asan $(B)/fuzz $(B)/musl $(B)/deb $(B)/forkguard_*.deb

# deb: build/forkguard_$(VERSION)_<arch>.deb from a staged install
# (pkg/mkdeb.sh); test-deb installs it on this machine and removes it
deb:
	@sh pkg/mkdeb.sh

test-deb: deb all
	@bash tests/pkg/deb.sh

FORCE:

.PHONY: FORCE check check-layout deb test-deb musl test-musl test-metrics all fixtures test test-unit test-integration test-transparency demo \
	bench bench-floor bench-ab bench-stages install uninstall fuzz test-asan test-valgrind test-cli test-log test-kernel \
	test-oldk test-redis-mode2 test-sink-mode2 test-vm-swap test-cow test-crun \
	format check-format clean
