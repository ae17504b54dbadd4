# xdpcast — build, test, demo, bench, install, package.
#   make            build the BPF objects, xdpcastd and xdpcastctl
#   make test       install what is missing, then run every test tier
#   make demo       install what is missing, then answer DNS from XDP on veth
#   make lab        three PoPs, two transits, two client regions: failures, catchment
#   make bench      numbers against baselines measured in the same run
#   make fuzz       every fuzzer for FUZZ_SECONDS (default 60) each
#   make install    binaries, man pages, unit, tmpfiles entry, example config
#                   and docs under DESTDIR and PREFIX (default /usr/local)
#   make deb        a Debian package of this tree, in $(BUILD)/
#   make docs       docs/config.md from docs/config.md.in and the option table
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

# The BPF target's architecture, for the helpers' register conventions
# (bpf_tracing.h) and the vmlinux.h of that architecture.
ARCH     ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/i.86/x86/' -e 's/aarch64.*/arm64/' \
		-e 's/arm.*/arm/' -e 's/ppc64.*/powerpc/' -e 's/s390x/s390/' -e 's/riscv64/riscv/' \
		-e 's/loongarch64/loongarch/')

# Kernel types for the BPF programs: the vendored vmlinux/$(ARCH)/vmlinux.h
# when there is one, else dumped from VMLINUX_BTF (the running kernel's BTF,
# or a vmlinux built with CONFIG_DEBUG_INFO_BTF for another kernel).
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
VMLINUX_VENDORED := $(wildcard vmlinux/$(ARCH)/vmlinux.h)

CFLAGS   ?= -O2 -g
DEPFLAGS  = -MMD -MP
COMMON_CFLAGS := -Wall -Wextra -Werror -Wno-missing-field-initializers -std=gnu11 -D_GNU_SOURCE \
		 -DXDPCAST_VERSION='"$(VERSION)"' -Ibpf -Iuserspace/lib -Iloader -I$(BUILD)
CFLAGS   += $(COMMON_CFLAGS)
# float-cast-overflow: a double out of an integer's range (a timeout in
# milliseconds, a rate), which -fsanitize=undefined leaves out.
SANITIZERS := address,undefined,float-cast-overflow
ifeq ($(SANITIZE),1)
CFLAGS   += -fsanitize=$(SANITIZERS) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=$(SANITIZERS)
endif
LIBS     := $(shell pkg-config --libs libxdp libbpf libknot libzscanner yaml-0.1 libmicrohttpd jansson libsystemd libdnssec 2>/dev/null || echo -lxdp -lbpf -lknot -ldnssec -lzscanner -lyaml -lmicrohttpd -ljansson -lsystemd) -lelf -lz -lpthread

# v3: 32-bit ALU and jumps. clang 14's default (v1) widens every 32-bit
# step to 64 bits: the program was 16 % longer and the verifier walked 954k
# of its 1M instructions (846k with v3 at the switch; bench/prog_bench reports it).
BPF_CFLAGS := -O2 -g -target bpf -mcpu=v3 -Wall -Werror -I$(BUILD) -Ibpf -D__TARGET_ARCH_$(ARCH)

BPF_OBJS := $(BUILD)/xdpcast.bpf.o $(BUILD)/xdp_pass.bpf.o $(BUILD)/xdp_drop.bpf.o $(BUILD)/baseline.bpf.o $(BUILD)/bare.bpf.o \
            $(BUILD)/bare-alu.bpf.o $(BUILD)/bare-alu-unrolled.bpf.o
LIB_SRCS := $(wildcard userspace/lib/*.c) $(filter-out loader/xdpcastd.c,$(wildcard loader/*.c))
LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
BINS     := $(BUILD)/xdpcastd $(BUILD)/xdpcastctl
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
PROG_TESTS := $(BUILD)/tests/prog_test $(BUILD)/tests/defense_test $(BUILD)/tests/sha1_test $(BUILD)/tests/catchment_test \
              $(BUILD)/tests/cache_test
TOOLS      := $(BUILD)/tests/list_answers $(BUILD)/tests/health_rounds $(BUILD)/bench/floodgen \
	      $(BUILD)/tests/stall_write.so $(BUILD)/bench/zone_bench $(BUILD)/bench/bpf_lines
CONFIG_DOC := $(BUILD)/tests/config_doc

# libFuzzer targets (clang), built apart with their own copy of the library.
FUZZ_BUILD   := build-fuzz
export FUZZ_BUILD
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS  := -O1 -g $(COMMON_CFLAGS) -fsanitize=fuzzer-no-link,$(SANITIZERS) -fno-omit-frame-pointer \
		-fno-sanitize-recover=all
FUZZ_BINS    := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(wildcard tests/fuzz/fuzz_*.c))
PROG_FUZZ    := $(BUILD)/tests/prog_fuzz

# Where `make install` puts things; the Debian package uses PREFIX=/usr.
PREFIX      ?= /usr/local
SBINDIR     ?= $(PREFIX)/sbin
MANDIR      ?= $(PREFIX)/share/man
DOCDIR      ?= $(PREFIX)/share/doc/xdpcast
UNITDIR     ?= $(PREFIX)/lib/systemd/system
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
SYSCONFDIR  ?= /etc
DOCS        := README.md docs/ARCHITECTURE.md docs/SECURITY.md docs/bgp.md docs/config.md
DEB_VERSION := 0.1.$(shell git rev-list --count HEAD 2>/dev/null || echo 0)
DEB_ARCH    := $(shell dpkg --print-architecture 2>/dev/null)
DEB         := $(BUILD)/xdpcast_$(DEB_VERSION)_$(DEB_ARCH).deb

.SECONDARY:
.DELETE_ON_ERROR:
.PHONY: FORCE all deps test test-unit test-prog test-e2e test-fidelity test-system test-fuzz test-docs test-package \
	demo lab bench fuzz docs install deb clean
all: $(BPF_OBJS) $(BINS)

deps:
	@scripts/install-deps.sh

ifneq ($(VMLINUX_VENDORED),)
$(BUILD)/vmlinux.h: $(VMLINUX_VENDORED)
	@mkdir -p $(@D)
	cp $< $@
else
$(BUILD)/vmlinux.h:
	@mkdir -p $(@D)
	@test -r $(VMLINUX_BTF) || { echo "no vmlinux/$(ARCH)/vmlinux.h and no kernel BTF at $(VMLINUX_BTF):" \
		"build on a kernel with CONFIG_DEBUG_INFO_BTF, or set VMLINUX_BTF to a vmlinux that has BTF" >&2; exit 1; }
	$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@
endif

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BUILD)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/baseline.bpf.o: bench/baseline.bpf.c $(BUILD)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/bare.bpf.o: bench/bare.bpf.c $(BUILD)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

# bench/live.sh's calibration: the bare program with ~500 ns of ALU work a
# frame, in a loop and unrolled (bench/bare.bpf.c).
$(BUILD)/bare-alu.bpf.o: bench/bare.bpf.c $(BUILD)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) -DALU_STEPS=500 $(DEPFLAGS) -c $< -o $@

$(BUILD)/bare-alu-unrolled.bpf.o: bench/bare.bpf.c $(BUILD)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) -DALU_STEPS=500 -DALU_UNROLL $(DEPFLAGS) -c $< -o $@

$(BUILD)/sha1_vectors.bpf.o: tests/prog/sha1_vectors.bpf.c $(BUILD)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

# Test and bench sources share the helpers of tests/prog; production objects do not see them.
$(BUILD)/tests/%.o $(BUILD)/bench/%.o: CFLAGS += -Itests/prog

# Dependencies from the compiler (-MMD -MP); the skeleton is generated
# before any object is built, since a first build has no .d files yet.
$(BUILD)/%.o: %.c | $(BUILD)/xdpcast.skel.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

# The objects that print the version are rebuilt when it changes (a new
# commit built in the same directory), not only when their source does:
# else --version and xdpcast_build_info named an earlier commit.
$(BUILD)/version: FORCE
	@mkdir -p $(@D)
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' > $@
$(BUILD)/loader/options.o $(BUILD)/loader/xdpcastd.o $(BUILD)/userspace/xdpcastctl.o: $(BUILD)/version

$(BUILD)/libxdpcast.a: $(LIB_OBJS)
	ar rcs $@ $^

$(BUILD)/xdpcastd: $(BUILD)/loader/xdpcastd.o $(BUILD)/libxdpcast.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

$(BUILD)/xdpcastctl: $(BUILD)/userspace/xdpcastctl.o $(BUILD)/libxdpcast.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libxdpcast.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -lcmocka -o $@

# Preloaded into xdpcastd by the e2e tests (shimmed in lib.sh); not sanitized
# (a sanitizer runtime must come first of what is preloaded).
$(BUILD)/tests/stall_write.so: tests/tools/stall_write.c
	@mkdir -p $(@D)
	$(CC) -O2 $(COMMON_CFLAGS) -shared -fPIC $< -o $@ -ldl

$(BUILD)/tests/list_answers $(BUILD)/tests/health_rounds $(CONFIG_DOC): $(BUILD)/tests/%: \
		$(BUILD)/tests/tools/%.o $(BUILD)/libxdpcast.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

$(BUILD)/bench/prog_bench: $(BUILD)/bench/prog_bench.o $(BUILD)/tests/prog/packet.o $(BUILD)/tests/prog/test_program.o $(BUILD)/libxdpcast.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

$(BUILD)/bench/prog_bench.o: | $(BUILD)/baseline.skel.h $(BUILD)/xdp_pass.skel.h
$(BUILD)/tests/prog/sha1_test.o: | $(BUILD)/sha1_vectors.skel.h

$(BUILD)/bench/zone_bench: $(BUILD)/bench/zone_bench.o $(BUILD)/tests/prog/test_program.o $(BUILD)/libxdpcast.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

$(BUILD)/bench/floodgen: $(BUILD)/bench/floodgen.o $(BUILD)/libxdpcast.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

$(BUILD)/bench/bpf_lines: $(BUILD)/bench/bpf_lines.o
	$(CC) $(LDFLAGS) $^ -lbpf -o $@

$(BUILD)/tests/%_test: $(BUILD)/tests/prog/%_test.o $(BUILD)/tests/prog/packet.o $(BUILD)/tests/prog/test_program.o $(BUILD)/libxdpcast.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -lcmocka -o $@

$(PROG_FUZZ): $(BUILD)/tests/prog/prog_fuzz.o $(BUILD)/tests/prog/packet.o $(BUILD)/tests/prog/test_program.o $(BUILD)/libxdpcast.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

$(FUZZ_BUILD)/%.o: %.c | $(BUILD)/xdpcast.skel.h
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(FUZZ_BUILD)/libxdpcast.a: $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(LIB_SRCS))
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_BUILD)/libxdpcast.a
	$(CLANG) -fsanitize=fuzzer,$(SANITIZERS) $^ $(LIBS) -o $@

-include $(shell find $(BUILD) $(FUZZ_BUILD) -name '*.d' -type f 2>/dev/null)

test: deps
	@$(MAKE) --no-print-directory all $(UNIT_TESTS) $(PROG_TESTS) $(TOOLS) $(CONFIG_DOC) $(FUZZ_BINS) $(PROG_FUZZ)
	@$(MAKE) --no-print-directory test-docs test-unit test-prog test-fuzz test-package test-e2e test-fidelity \
		test-system

# Each test has a TMPDIR of its own: what one that fails leaves there goes with it.
test-unit: $(UNIT_TESTS)
	@tests/private_tmp_test.sh
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; tests/private_tmp.sh $$t; done

test-prog: $(PROG_TESTS) $(BPF_OBJS)
	@set -e; for t in $(PROG_TESTS); do echo "== $$t"; tests/private_tmp.sh $$t; done

test-fuzz: $(FUZZ_BINS) $(PROG_FUZZ) $(BPF_OBJS)
	@tests/fuzz/run_test.sh
	@tests/fuzz/run.sh smoke

# The Python tools need dnspython: Debian's python3, whatever python3 is first in PATH.
test-e2e: all $(TOOLS)
	@echo "== tests/e2e/query_loop_test.py"; /usr/bin/python3 tests/e2e/query_loop_test.py
	@tests/e2e/run.sh

# Minimal responses in the plain build alone: under the sanitizers the run
# takes 4.5 minutes of CI's 60, and the compiler's minimal-response
# branches run under them in cache_test (the program tier).
test-fidelity: all $(TOOLS)
	@echo "== tests/fidelity/run.sh"; tests/fidelity/run.sh
ifneq ($(SANITIZE),1)
	@echo "== MINIMAL=1 tests/fidelity/run.sh"; MINIMAL=1 tests/fidelity/run.sh
endif

# make test keeps the lab's table and plot in $(BUILD)/lab; make lab keeps
# them in tests/system/results/, to be committed.
test-system: all
	@echo "== tests/system/lab_report_test.py"; tests/system/lab_report_test.py
	@echo "== tests/system/lab.sh"; LAB_RESULTS=$(BUILD)/lab tests/system/lab.sh

# docs/config.md is generated: it must be what the option table says now.
test-docs: $(CONFIG_DOC)
	@echo "== docs/config.md against the option table"
	@$(CONFIG_DOC) docs/config.md.in | diff -u docs/config.md - || \
		{ echo "docs/config.md is stale: run 'make docs' and commit it" >&2; exit 1; }
	@echo "== every counter reason is described in man/xdpcastctl.8 (COUNTERS)"
	@missing=$$(for r in $$(sed -n 's/^\tX(\([a-z_0-9]*\), [A-Z]*).*/\1/p' bpf/xdpcast.h); do \
		sed -n '/^\.SH COUNTERS/,/^\.SH OPTIONS/p' man/xdpcastctl.8 | grep -qw "$$r" || echo "$$r"; done); \
		[ -z "$$missing" ] || { echo "reasons missing from COUNTERS in man/xdpcastctl.8: $$missing" >&2; exit 1; }
	@echo "== every metric /metrics serves is in the contract of docs/ARCHITECTURE.md"
	@missing=$$(for m in $$(grep -oE '(header|gauge)\(out, (snap, )?"xdpcast_[a-z0-9_]+"' userspace/lib/metrics.c | \
		grep -oE 'xdpcast_[a-z0-9_]+'); do sed -n '/^## Contracts/,/^## Options/p' docs/ARCHITECTURE.md | \
		grep -q "\`$$m[{\`]" || echo "$$m"; done); \
		[ -z "$$missing" ] || { echo "metrics missing from docs/ARCHITECTURE.md (Contracts): $$missing" >&2; exit 1; }
	@echo "== every alert of docs/xdpcast.alerts.yml is in README.md's table"
	@missing=$$(for a in $$(sed -n 's/^ *- alert: *//p' docs/xdpcast.alerts.yml); do \
		grep -q "^| \`$$a\` |" README.md || echo "$$a"; done); \
		[ -z "$$missing" ] || { echo "alerts missing from README.md's table: $$missing" >&2; exit 1; }
	@echo "== the example config sets no cookie secret"
	@! grep -n '^ *secret: *[0-9a-fA-F]\{32\}' docs/xdpcastd.example.yaml || \
		{ echo "docs/xdpcastd.example.yaml sets cookies.secret: a published secret lets anyone make" \
			"server cookies for spoofed sources, which RRL exempts; leave it commented" >&2; exit 1; }
	@echo "== the alerting rules: promtool check rules, and promtool test rules on tests/alerts/"
	@promtool check rules docs/xdpcast.alerts.yml > /dev/null
	@promtool test rules tests/alerts/xdpcast.alerts.test.yml
	@echo "== scripts run by path are executable"
	@notx=$$(find bench tests .ci -name '*.sh' ! -perm -u+x; [ -x .ci/run ] || echo .ci/run); \
		[ -z "$$notx" ] || { echo "not executable (chmod +x): $$notx" >&2; exit 1; }

test-package: all
	@set -e; for t in tests/package/test_*.sh; do echo "== $$t"; $$t; done

docs: $(CONFIG_DOC)
	$(CONFIG_DOC) docs/config.md.in > docs/config.md.tmp && mv docs/config.md.tmp docs/config.md

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

# The unit and the man pages name /usr/sbin, /usr/share/doc/xdpcast and
# /etc/xdpcast (the package's places); installed elsewhere, they name
# SBINDIR, DOCDIR and SYSCONFDIR. The example config becomes the config
# unless one exists.
INSTALLED_PATHS := -e 's|/usr/sbin/|$(SBINDIR)/|g' -e 's|/usr/share/doc/xdpcast|$(DOCDIR)|g' \
		   -e 's|/etc/xdpcast/|$(SYSCONFDIR)/xdpcast/|g'
install: $(BINS)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(TMPFILESDIR) \
		$(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(SYSCONFDIR)/xdpcast
	install -m 0755 $(BINS) $(DESTDIR)$(SBINDIR)/
	for page in xdpcastd xdpcastctl; do \
		sed $(INSTALLED_PATHS) man/$$page.8 > $(DESTDIR)$(MANDIR)/man8/$$page.8; done
	chmod 0644 $(DESTDIR)$(MANDIR)/man8/xdpcastd.8 $(DESTDIR)$(MANDIR)/man8/xdpcastctl.8
	sed $(INSTALLED_PATHS) dist/xdpcastd.service > $(DESTDIR)$(UNITDIR)/xdpcastd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/xdpcastd.service
	install -m 0644 dist/xdpcast.tmpfiles $(DESTDIR)$(TMPFILESDIR)/xdpcast.conf
	install -m 0644 $(DOCS) $(DESTDIR)$(DOCDIR)/
	install -m 0644 docs/xdpcastd.example.yaml docs/xdpcast.alerts.yml $(DESTDIR)$(DOCDIR)/examples/
	test -e $(DESTDIR)$(SYSCONFDIR)/xdpcast/xdpcastd.yaml || \
		install -m 0640 docs/xdpcastd.example.yaml $(DESTDIR)$(SYSCONFDIR)/xdpcast/xdpcastd.yaml

# A binary package of this tree with dpkg-deb: what `make install` puts
# under /usr (man pages compressed, as Debian's policy has them), the
# copyright file and a changelog entry naming the commit, the maintainer
# scripts of dist/debian/, and the libraries it links as dependencies
# (dpkg-shlibdeps). Earlier packages are removed, so
# that `dpkg -i build/xdpcast_*.deb` installs this one alone (dpkg takes
# every file named, in the glob's order: 0.1.99 after 0.1.100).
deb: all
	rm -rf $(BUILD)/deb $(BUILD)/xdpcast_*.deb
	$(MAKE) --no-print-directory install DESTDIR=$(abspath $(BUILD))/deb/root PREFIX=/usr
	gzip -9n $(BUILD)/deb/root/usr/share/man/man8/xdpcastd.8 $(BUILD)/deb/root/usr/share/man/man8/xdpcastctl.8
	install -m 0644 dist/debian/copyright $(BUILD)/deb/root/usr/share/doc/xdpcast/
	printf 'xdpcast (%s) unstable; urgency=medium\n\n  * Built from commit %s.\n\n -- %s  %s\n' \
		$(DEB_VERSION) $(VERSION) "$$(sed -n 's/^Maintainer: //p' dist/debian/control.in)" \
		"$$(git log -1 --format=%aD 2>/dev/null || date -R)" | gzip -9n > $(BUILD)/deb/root/usr/share/doc/xdpcast/changelog.gz
	install -d $(BUILD)/deb/root/DEBIAN $(BUILD)/deb/debian
	install -m 0755 dist/debian/postinst dist/debian/prerm dist/debian/postrm $(BUILD)/deb/root/DEBIAN/
	echo /etc/xdpcast/xdpcastd.yaml > $(BUILD)/deb/root/DEBIAN/conffiles
	echo "Source: xdpcast" > $(BUILD)/deb/debian/control
	cd $(BUILD)/deb && dpkg-shlibdeps -O root/usr/sbin/xdpcastd root/usr/sbin/xdpcastctl 2>/dev/null | \
		sed -n 's/^shlibs:Depends=//p' > depends
	sed -e 's/@VERSION@/$(DEB_VERSION)/' -e 's/@ARCH@/$(DEB_ARCH)/' \
		-e "s/@DEPENDS@/$$(cat $(BUILD)/deb/depends)/" \
		-e "s/@SIZE@/$$(du -sk --exclude=DEBIAN $(BUILD)/deb/root | cut -f1)/" \
		dist/debian/control.in > $(BUILD)/deb/root/DEBIAN/control
	dpkg-deb --root-owner-group -Zxz --build $(BUILD)/deb/root $(DEB)

clean:
	rm -rf build build-asan $(FUZZ_BUILD)
