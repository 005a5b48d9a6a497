#!/usr/bin/env bash
# Everything kubeskoop-otel needs on a fresh Debian 12 machine, as root: Debian packages, npm
# packages, the BPF objects and helper, the TypeScript build, tracefs. Idempotent and quiet when
# there is nothing to do; `scripts/agent.sh` and `scripts/test.sh` call it first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
say() { echo "setup: $*" >&2; }

# Debian packages: BPF toolchain and libbpf, iproute2/nftables/conntrack for the probes and tests,
# real Prometheus and node_exporter for conformance tests, tmux for the terminal UI test, openssl
# (test certificates) and apache2-utils (htpasswd: the bcrypt hashes of the endpoint tests),
# podman + runc + mmdebstrap for the container image (scripts/image.sh; runc: crun refuses cgroup v1).
APT_PACKAGES=(clang clang-format llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config make gcc
  iproute2 nftables conntrack ipvsadm kmod procps util-linux
  prometheus prometheus-node-exporter tmux unzip ca-certificates openssl apache2-utils
  podman runc mmdebstrap)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  # policy-rc.d: do not start the prometheus services the packages ship (tests start their own).
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; trap 'rm -f /usr/sbin/policy-rc.d' EXIT; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages, exactly as locked.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

# tracefs and bpffs: the eBPF probes attach to tracepoints.
if [ ! -d /sys/kernel/tracing/events ]; then mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || say "tracefs could not be mounted; eBPF probes will report degraded"; fi
if ! mountpoint -q /sys/fs/bpf 2>/dev/null; then mount -t bpf bpf /sys/fs/bpf 2>/dev/null || true; fi

# BPF objects and the native helper (needs BTF; without it the eBPF probes report degraded).
# KSOTEL_BTF_PATH names another BTF file (the helper and the tests read it too); pointing it at a
# missing file simulates a kernel without BTF.
btf=${KSOTEL_BTF_PATH:-/sys/kernel/btf/vmlinux}
if [ -r "$btf" ]; then
  make -s -C bpf BTF="$btf" >&2
else
  say "no $btf: skipping the BPF build; eBPF probes will report degraded"
fi

# TypeScript.
npm run -s build >&2

# helm and kubectl for the chart tests.
[ -x scripts/tools.sh ] && scripts/tools.sh >/dev/null || true
