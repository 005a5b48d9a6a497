#!/usr/bin/env bash
# Set everything up, then run the whole test suite. Ends with "N passed, N failed[, N skipped]".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
cd "$root"
exec npx mocha "$@"
