# syntax=docker/dockerfile:1
# kubeskoop-otel agent image.
#   docker build -t registry.example/kubeskoop-otel/agent:0.1.0 .
#   scripts/image.sh     the same Dockerfile built with podman, on base images made from Debian's and
#                        npm's packages (no image registry needed); docs/image.md
# Build args:
#   DEBIAN_IMAGE   the native stage's base (compiler, libbpf-dev)       default debian:bookworm
#   NODE_IMAGE     the js stage's base (npm ci, tsc) and the runtime's node binary
#                                                                       default node:20-bookworm-slim
#   RUNTIME_IMAGE  the runtime's base: glibc and libstdc++ only (no shell, no package manager); the
#                  helper's libraries, node and the agent are copied in
#                                                                       default gcr.io/distroless/cc-debian12
#   NODE_VERSION (20), DEBIAN (bookworm): the tags of the first two defaults
#   BTF            the BTF that vmlinux.h is generated from: default the build host's
#                  /sys/kernel/btf/vmlinux (CO-RE relocates to each node's kernel)
#   VERSION        the org.opencontainers.image.version label: the chart's appVersion
# Secrets (optional, never stored in a layer): npmrc (an .npmrc for npm ci, e.g. a registry mirror or
# a cafile= for a TLS proxy the build host trusts) and npm-ca (that CA file, at /run/secrets/npm-ca).

ARG NODE_VERSION=20
ARG DEBIAN=bookworm
ARG DEBIAN_IMAGE=debian:${DEBIAN}
ARG NODE_IMAGE=node:${NODE_VERSION}-${DEBIAN}-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12

# ---- 1. native: BPF objects and the helper (scripts/build-native.sh, the same build as setup.sh)
FROM ${DEBIAN_IMAGE} AS native
RUN apt-get update \
 && apt-get install -y --no-install-recommends clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config make gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY bpf/Makefile bpf/probes.gen.mk bpf/
COPY bpf/helper bpf/helper
COPY bpf/include bpf/include
COPY bpf/probes bpf/probes
COPY bpf/tools bpf/tools
COPY scripts/build-native.sh scripts/
ARG BTF=/sys/kernel/btf/vmlinux
RUN BTF="${BTF}" scripts/build-native.sh --out /out
# The helper's shared libraries beyond glibc (which the runtime base has): their Debian packages'
# files (not directories: /lib is a symlink here, a directory in distroless) under /out/root, at
# their /usr paths (valid with and without merged /usr), and their dpkg
# records in /var/lib/dpkg/status.d/ (as distroless keeps them) so image scanners see the versions.
ARG RUNTIME_PACKAGES="libbpf1 libelf1 zlib1g"
RUN mkdir -p /out/root/var/lib/dpkg/status.d \
 && for p in ${RUNTIME_PACKAGES}; do \
      dpkg-query -s "$p" > "/out/root/var/lib/dpkg/status.d/$p" || exit 1; \
      dpkg-query -L "$p" | while read -r f; do \
        if [ ! -d "$f" ] && { [ -f "$f" ] || [ -L "$f" ]; }; then \
          d="/out/root$(readlink -f "$(dirname "$f")")"; mkdir -p "$d"; cp -a "$f" "$d/"; \
        fi; \
      done; \
    done

# ---- 2. js: the agent's TypeScript → dist/ (scripts/tsconfig.image.json: receiver/ and semconv/,
#      no tests) → one bundle with every package the agent uses (scripts/bundle.mjs): the image needs
#      no node_modules
FROM ${NODE_IMAGE} AS js
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc \
    --mount=type=secret,id=npm-ca,target=/run/secrets/npm-ca \
    npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY scripts/tsconfig.image.json scripts/bundle.mjs scripts/
COPY receiver receiver
COPY semconv semconv
RUN npx tsc -p scripts/tsconfig.image.json && node scripts/bundle.mjs

# ---- 3. runtime: glibc/libstdc++, the helper's libraries, the node binary alone (no npm, no
#      shell, no compiler), the built files
FROM ${RUNTIME_IMAGE}
COPY --from=native /out/root/ /
COPY --from=js /usr/local/bin/node /usr/local/bin/node
WORKDIR /opt/kubeskoop-otel
COPY --from=js /src/package.json ./
COPY --from=js /src/dist/kubeskoop-otel.js /src/dist/kubeskoop-otel.licenses.txt dist/
COPY --from=native /out/kubeskoop-bpf-helper bpf/build/kubeskoop-bpf-helper
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="kubeskoop-otel agent" \
      org.opencontainers.image.description="OpenTelemetry-native agent for the Linux network stack of every pod on a node" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
# Non-root by default (the sidecar runs like this); the Helm DaemonSet sets runAsUser: 0 and adds
# only the capabilities its probes need.
USER 65532:65532
# MALLOC_*: receiver/cli/node-flags.ts (AGENT_ENV)
ENV NODE_ENV=production MALLOC_ARENA_MAX=1 MALLOC_MMAP_THRESHOLD_=131072
EXPOSE 9102
# V8 flags: receiver/cli/node-flags.ts (the chart adds its NODE_OPTIONS, e.g. the old-space limit)
ENTRYPOINT ["node", "--max-semi-space-size=1", "--no-memory-reducer", "--no-concurrent-recompilation", "/opt/kubeskoop-otel/dist/kubeskoop-otel.js"]
CMD ["run"]
