#!/usr/bin/env bash
# Installs everything xdpcast needs to build, test and run its demo on Debian 12.
# Idempotent: packages already present are skipped, so `make demo`, `make test`
# and CI can all call it on every run.
set -euo pipefail

packages=(
	# build: BPF object, skeleton, loader
	clang llvm make pkg-config gcc libc6-dev libbpf-dev libxdp-dev bpftool
	linux-libc-dev libelf-dev zlib1g-dev
	# userspace libraries
	libknot-dev libmicrohttpd-dev libyaml-dev libjansson-dev libsystemd-dev libcmocka-dev
	# clang 14's sanitizer runtimes and libFuzzer (make fuzz, the fuzz tier of make test)
	libclang-rt-14-dev
	# test and demo peers (ethtool: whole checksums from a veth client;
	# procps: sysctl and pgrep, not in a minimal Debian 12; dnspython: the
	# Python tools' queries, replies and transfers)
	iproute2 ethtool procps knot-dnsutils nsd knot bird2 xdp-tools python3 python3-dnspython ldnsutils dnsperf prometheus systemd
	# make bench and make lab: their plots
	gnuplot-nox
	# make deb and its test: shared library dependencies, man pages rendered
	dpkg-dev man-db groff-base
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]} (run as root to install them)" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The tests and the demo run NSD, Knot, BIRD and Prometheus themselves,
# inside namespaces on sockets of their own, whatever runs on the host. A
# server that Debian started and enabled because this run installed its
# package is stopped and disabled again (else NSD and Knot would both claim
# port 53 at the next boot); a service the host had before is left as it was.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
	for entry in nsd:nsd knot:knot bird2:bird prometheus:prometheus; do
		package=${entry%%:*} service=${entry#*:}
		if [[ " ${missing[*]} " == *" $package "* ]]; then
			systemctl disable --now "$service" >/dev/null 2>&1 || true
		fi
	done
fi
