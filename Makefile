# xdpcast — build, test, demo, bench.
#   make            build the BPF objects, xdpcastd and xdpcastctl
#   make test       install what is missing, then run every test tier
#   make demo       install what is missing, then answer DNS from XDP on veth
#   make lab        three PoPs, two transits, two client regions: failures, catchment
#   make bench      numbers against baselines measured in the same run
#   make fuzz       every fuzzer for FUZZ_SECONDS (default 60) each
#   SANITIZE=1      build userspace with AddressSanitizer and UBSan

ifeq ($(SANITIZE),1)
BUILD    ?= build-asan
else
BUILD    ?= build
endif
export BUILD
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
VERSION  := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)

CFLAGS   ?= -O2 -g
COMMON_CFLAGS := -Wall -Wextra -Werror -Wno-missing-field-initializers -std=gnu11 -D_GNU_SOURCE \
		 -DXDPCAST_VERSION='"$(VERSION)"' -Ibpf -Iuserspace/lib -Iloader -Itests/prog -I$(BUILD)
CFLAGS   += $(COMMON_CFLAGS)
ifeq ($(SANITIZE),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=address,undefined
endif
LIBS     := $(shell pkg-config --libs libxdp libbpf libknot libzscanner yaml-0.1 libmicrohttpd jansson libsystemd 2>/dev/null || echo -lxdp -lbpf -lknot -lzscanner -lyaml -lmicrohttpd -ljansson -lsystemd) -lelf -lz -lpthread

BPF_CFLAGS := -O2 -g -target bpf -Wall -Werror -I$(BUILD) -Ibpf -D__TARGET_ARCH_x86

BPF_OBJS := $(BUILD)/xdpcast.bpf.o $(BUILD)/xdp_pass.bpf.o $(BUILD)/xdp_drop.bpf.o $(BUILD)/baseline.bpf.o
LIB_SRCS := $(wildcard userspace/lib/*.c) $(filter-out loader/xdpcastd.c,$(wildcard loader/*.c))
LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
BINS     := $(BUILD)/xdpcastd $(BUILD)/xdpcastctl
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
PROG_TESTS := $(BUILD)/tests/prog_test $(BUILD)/tests/defense_test $(BUILD)/tests/catchment_test
TOOLS      := $(BUILD)/tests/list_answers $(BUILD)/tests/health_rounds $(BUILD)/bench/floodgen

# libFuzzer targets (clang), built apart with their own copy of the library.
FUZZ_BUILD   := build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS  := -O1 -g $(COMMON_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
		-fno-sanitize-recover=all
FUZZ_BINS    := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(wildcard tests/fuzz/fuzz_*.c))
PROG_FUZZ    := $(BUILD)/tests/prog_fuzz

.SECONDARY:
.PHONY: all deps test test-unit test-prog test-e2e test-fidelity test-system test-fuzz demo lab bench fuzz clean
all: $(BPF_OBJS) $(BINS)

deps:
	@scripts/install-deps.sh

$(BUILD)/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c bpf/*.h $(BUILD)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/baseline.bpf.o: bench/baseline.bpf.c bpf/*.h $(BUILD)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/%.o: %.c $(wildcard bpf/*.h userspace/lib/*.h loader/*.h tests/prog/*.h) $(BUILD)/xdpcast.skel.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libxdpcast.a: $(LIB_OBJS)
	ar rcs $@ $^

$(BUILD)/xdpcastd: $(BUILD)/loader/xdpcastd.o $(BUILD)/libxdpcast.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

$(BUILD)/xdpcastctl: $(BUILD)/userspace/xdpcastctl.o $(BUILD)/libxdpcast.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libxdpcast.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -lcmocka -o $@

$(BUILD)/tests/list_answers: $(BUILD)/tests/tools/list_answers.o $(BUILD)/libxdpcast.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

$(BUILD)/tests/health_rounds: $(BUILD)/tests/tools/health_rounds.o $(BUILD)/libxdpcast.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

$(BUILD)/bench/prog_bench: $(BUILD)/bench/prog_bench.o $(BUILD)/tests/prog/packet.o $(BUILD)/tests/prog/test_program.o $(BUILD)/libxdpcast.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

$(BUILD)/bench/prog_bench.o: $(BUILD)/baseline.skel.h

$(BUILD)/bench/zone_bench: $(BUILD)/bench/zone_bench.o $(BUILD)/tests/prog/test_program.o $(BUILD)/libxdpcast.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

$(BUILD)/bench/floodgen: $(BUILD)/bench/floodgen.o $(BUILD)/libxdpcast.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

$(BUILD)/tests/%_test: $(BUILD)/tests/prog/%_test.o $(BUILD)/tests/prog/packet.o $(BUILD)/tests/prog/test_program.o $(BUILD)/libxdpcast.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -lcmocka -o $@

$(PROG_FUZZ): $(BUILD)/tests/prog/prog_fuzz.o $(BUILD)/tests/prog/packet.o $(BUILD)/tests/prog/test_program.o $(BUILD)/libxdpcast.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

$(FUZZ_BUILD)/%.o: %.c $(wildcard bpf/*.h userspace/lib/*.h loader/*.h) $(BUILD)/xdpcast.skel.h
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_BUILD)/libxdpcast.a: $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(LIB_SRCS))
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_BUILD)/libxdpcast.a
	$(CLANG) -fsanitize=fuzzer,address,undefined $^ $(LIBS) -o $@

test: deps
	@$(MAKE) --no-print-directory all $(UNIT_TESTS) $(PROG_TESTS) $(TOOLS) $(FUZZ_BINS) $(PROG_FUZZ)
	@$(MAKE) --no-print-directory test-unit test-prog test-fuzz test-e2e test-fidelity test-system

test-unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; $$t; done

test-prog: $(PROG_TESTS) $(BPF_OBJS)
	@set -e; for t in $(PROG_TESTS); do echo "== $$t"; $$t; done

test-fuzz: $(FUZZ_BINS) $(PROG_FUZZ) $(BPF_OBJS)
	@tests/fuzz/run.sh smoke

test-e2e: all $(TOOLS)
	@tests/e2e/run.sh

test-fidelity: all $(TOOLS)
	@echo "== tests/fidelity/run.sh"; tests/fidelity/run.sh

# make test keeps the lab's table and plot in $(BUILD)/lab; make lab keeps
# them in tests/system/results/, to be committed.
test-system: all
	@echo "== tests/system/lab.sh"; LAB_RESULTS=$(BUILD)/lab tests/system/lab.sh

lab: deps
	@$(MAKE) --no-print-directory all
	@echo "== tests/system/lab.sh"; tests/system/lab.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

fuzz: deps
	@$(MAKE) --no-print-directory all $(FUZZ_BINS) $(PROG_FUZZ)
	@tests/fuzz/run.sh $(FUZZ_SECONDS)

bench: deps
	@$(MAKE) --no-print-directory all $(BUILD)/bench/prog_bench $(BUILD)/bench/floodgen $(BUILD)/bench/zone_bench
	@bench/run.sh

clean:
	rm -rf build build-asan $(FUZZ_BUILD)
