#!/usr/bin/env bash
# npm run lint: eslint over the whole TypeScript tree (unused code, import cycles, import direction),
# prettier and clang-format over the files of scripts/format-scope.txt. Exit status 1 on any violation.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
status=0
npx eslint --max-warnings 0 receiver semconv bpf/gen test eslint.config.js || status=1
mapfile -t scope < <(grep -v '^\s*#' scripts/format-scope.txt | grep -v '^\s*$')
ts=() c=()
for f in "${scope[@]}"; do
  case "$f" in
    *.c | *.h) c+=("$f") ;;
    bpf/) # every hand-written C file of bpf/ (not the build, vmlinux.h or generated headers)
      mapfile -t -O "${#c[@]}" c < <(find bpf -path bpf/build -prune -o \( -name '*.[ch]' ! -name '*.gen.h' \) -print | sort) ;;
    *) ts+=("$f") ;;
  esac
done
if ((${#ts[@]})); then npx prettier --check "${ts[@]}" || status=1; fi
if ((${#c[@]})); then clang-format --style=file:bpf/.clang-format --dry-run --Werror "${c[@]}" || status=1; fi
exit $status
