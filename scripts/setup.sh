#!/usr/bin/env bash
# Idempotent set-up: Debian packages (as root), npm dependencies, TypeScript build, eBPF sensor build.
set -euo pipefail
cd "$(dirname "$0")/.."

# Compilers and libbpf for the sensor; sysdig as the reference reader of .scap files in tests;
# runc/containerd for real containers in end-to-end tests, busybox-static as their whole root filesystem;
# rsyslog (rsyslog-gnutls: its TLS driver), nats-server, prometheus-alertmanager and kcat (librdkafka's mock Kafka cluster) as the real
# receivers of the alert destinations' tests; docker.io, podman and the CNI plugins for the container
# runtime tests (a private daemon each); prometheus scrapes /metrics, chromium runs the web UI's
# browser tests, kubectl renders deploy/.
PKGS=(clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool make gcc libc6-dev sysdig runc containerd iproute2 busybox-static
  rsyslog rsyslog-gnutls nats-server prometheus-alertmanager kcat docker.io podman containernetworking-plugins prometheus chromium)
# Debian's kubectl (kubernetes-client) unless a kubectl is already installed from elsewhere.
command -v kubectl >/dev/null || PKGS+=(kubernetes-client)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: not root, cannot install: ${missing[*]} (the sensor and some tests need them)" >&2
  fi
fi

# A node_modules that is a link (a git worktree sharing the main checkout's) is left alone: npm ci
# would empty the directory it points to, under every checkout that shares it.
if [ -L node_modules ]; then
  [ -f node_modules/.package-lock.json ] || echo "setup: node_modules links to an empty install: run npm ci where it points" >&2
elif [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build

if [ -f sensor/Makefile ] && command -v clang >/dev/null && command -v bpftool >/dev/null; then
  make -s -C sensor
fi
echo "setup: done" >&2
