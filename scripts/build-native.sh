#!/bin/sh
# Builds the native half of kubeskoop-otel (CO-RE BPF objects, their skeletons, and the helper
# binary kubeskoop-bpf-helper) with bpf/Makefile, the same `make` that scripts/setup.sh runs.
# The container image's first stage calls this script; tests call it too.
#
#   scripts/build-native.sh                 build in bpf/build/ (like `make -C bpf`)
#   scripts/build-native.sh --out DIR       build in a scratch copy of bpf/ and put the helper in
#                                           DIR (the tree's bpf/build/ is not touched)
# Environment:
#   BTF=/path/to/vmlinux   the BTF that vmlinux.h is generated from (default /sys/kernel/btf/vmlinux,
#                          the build host's; CO-RE relocates to the running kernel at load time)
#   CLANG, CC, BPFTOOL     as in bpf/Makefile
# Needs (Debian 12): clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config make gcc.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --out=*) out="${1#--out=}"; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "build-native.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

missing=""
for tool in "${CLANG:-clang}" "${CC:-cc}" make pkg-config; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
command -v "${BPFTOOL:-bpftool}" >/dev/null 2>&1 || [ -x /usr/sbin/bpftool ] || missing="$missing bpftool"
pkg-config --exists libbpf 2>/dev/null || missing="$missing libbpf-dev(pkg-config libbpf)"
if [ -n "$missing" ]; then
  echo "build-native.sh: missing:$missing (Debian: apt-get install clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config make gcc)" >&2
  exit 1
fi
btf="${BTF:-/sys/kernel/btf/vmlinux}"
if [ ! -r "$btf" ]; then
  echo "build-native.sh: no BTF at $btf; set BTF=/path/to/vmlinux (a kernel image with a .BTF section, or raw BTF)" >&2
  exit 1
fi

if [ -z "$out" ]; then
  make -s -C "$root/bpf" BTF="$btf" build/kubeskoop-bpf-helper
  echo "$root/bpf/build/kubeskoop-bpf-helper"
  exit 0
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/ksotel-native.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
# sources only: a stale bpf/build/ must not leak into the result
mkdir -p "$scratch/bpf"
for d in Makefile probes.gen.mk helper include probes tools; do
  [ -e "$root/bpf/$d" ] && cp -R "$root/bpf/$d" "$scratch/bpf/"
done
make -s -C "$scratch/bpf" BTF="$btf" build/kubeskoop-bpf-helper
install -m 0755 "$scratch/bpf/build/kubeskoop-bpf-helper" "$out/kubeskoop-bpf-helper"
echo "$out/kubeskoop-bpf-helper"
