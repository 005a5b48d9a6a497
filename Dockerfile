# syntax=docker/dockerfile:1
# kubeskoop-otel agent image.
#   docker build -t registry.example/kubeskoop-otel/agent:0.1.0 .
# Build args: NODE_VERSION (20), DEBIAN (bookworm), BTF (BTF that vmlinux.h is generated from:
# default the build host's /sys/kernel/btf/vmlinux; CO-RE relocates to each node's kernel).

ARG NODE_VERSION=20
ARG DEBIAN=bookworm

# ---- 1. native: BPF objects and the helper (scripts/build-native.sh, the same build as setup.sh)
FROM debian:${DEBIAN} AS native
RUN apt-get update \
 && apt-get install -y --no-install-recommends clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config make gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY bpf/Makefile bpf/
COPY bpf/helper bpf/helper
COPY bpf/include bpf/include
COPY bpf/probes bpf/probes
COPY bpf/tools bpf/tools
COPY scripts/build-native.sh scripts/
ARG BTF=/sys/kernel/btf/vmlinux
RUN BTF="${BTF}" scripts/build-native.sh --out /out

# ---- 2. js: the agent's TypeScript → dist/ (scripts/tsconfig.image.json: receiver/ and semconv/,
#      no tests), then production node_modules only
FROM node:${NODE_VERSION}-${DEBIAN} AS js
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY scripts/tsconfig.image.json scripts/
COPY receiver receiver
COPY semconv semconv
RUN npx tsc -p scripts/tsconfig.image.json \
 && npm prune --omit=dev --no-audit --no-fund

# ---- 3. runtime: Node 20, libbpf1, the built files
FROM node:${NODE_VERSION}-${DEBIAN}-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libbpf1 libelf1 zlib1g \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/kubeskoop-otel
COPY --from=js /src/package.json ./
COPY --from=js /src/node_modules node_modules
COPY --from=js /src/dist dist
COPY --from=native /out/kubeskoop-bpf-helper bpf/build/kubeskoop-bpf-helper
# Non-root by default (the sidecar runs like this); the Helm DaemonSet sets runAsUser: 0 and adds
# only the capabilities its probes need.
USER 65532:65532
ENV NODE_ENV=production
EXPOSE 9102
# V8 flags: receiver/cli/node-flags.ts (the chart adds its NODE_OPTIONS, e.g. the old-space limit)
ENTRYPOINT ["node", "--max-semi-space-size=1", "/opt/kubeskoop-otel/dist/receiver/cli/main.js"]
CMD ["run"]
