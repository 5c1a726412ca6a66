#!/bin/sh
# Installs the benchmark peers (NATS JetStream and Redis Streams servers) from Debian packages.
# The Node clients come with `npm ci` (devDependencies). `npm run bench` skips a missing peer.
set -eu
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update
# redis-tools brings redis-benchmark, Redis's own load generator (the peer's best path).
$SUDO apt-get install -y nats-server redis-server redis-tools
# The package may start a system-wide redis-server; the benchmark starts its own on a free port.
nats-server --version
redis-server --version
