#!/usr/bin/env bash
# npm run format: rewrite what the format check (scripts/lint.sh) covers — prettier over the tree
# (.prettierignore applies) and clang-format over bpf/'s hand-written C.
set -euo pipefail
cd "$(dirname "$0")/.."
npx prettier --write --log-level warn .
find bpf -path bpf/build -prune -o \( -name '*.[ch]' ! -name '*.gen.h' \) -print | xargs clang-format --style=file:bpf/.clang-format -i
