# The agent image: Node 20 with the built CLI, the web UI, the built-in rules and the eBPF sensor.
# Run as the DaemonSet in deploy/kubernetes runs it: HOST_ROOT=/host with the host's /proc and
# /etc mounted read-only below it, capabilities BPF, PERFMON, SYS_RESOURCE and SYS_PTRACE.
#   docker build -t saker:0.1.0 .

# Build: the TypeScript build, the UI bundle and the sensor (CO-RE, so the build host's kernel
# does not matter once vmlinux.h is generated: pass --build-arg VMLINUX_BTF=... when building on
# a machine without /sys/kernel/btf/vmlinux).
FROM node:20-bookworm-slim AS build
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool make gcc ca-certificates >/dev/null \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY . .
RUN npm run build && make -s -C sensor && npm prune --omit=dev --no-audit --no-fund

# Run: only what the agent needs at run time.
FROM node:20-bookworm-slim
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libbpf1 libelf1 zlib1g bsdutils >/dev/null \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/bin ./bin
COPY --from=build /src/dist ./dist
COPY --from=build /src/rules ./rules
# The BPF objects are compiled into the loader (libbpf skeletons).
COPY --from=build /src/sensor/build/saker-sensor ./sensor/build/
ENV NODE_ENV=production HOST_ROOT=/host
EXPOSE 8765
ENTRYPOINT ["node", "/app/bin/saker.js"]
CMD ["run", "-c", "/etc/saker/saker.yaml"]
