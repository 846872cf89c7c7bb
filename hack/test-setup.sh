#!/usr/bin/env bash
# Builds (once, cached by version) the real components the integration tests use.
# Each topic adds its own step here; every step must be idempotent and quick when warm.
set -euo pipefail
cd "$(dirname "$0")/.."

# Live-cluster tests (scanner/live, cmd/upgrade-lint collect): kube-apiserver built from the Go
# module proxy, cached under $UPGRADE_LINT_ENVTEST/VERSION; etcd from Debian's etcd-server.
# Keep these in step with internal/envtest (V1_21, Newest, V1_15). Cold on an idle 2-core machine:
# measured here 4-5 min each (1.21.14: 252 s, 1.15.12: 305 s), 1.37.1 took 20 min on a loaded machine; warm: instant.
for version in 1.21.14 1.37.1 1.15.12; do
  bash hack/build-control-plane.sh "$version"
done
command -v etcd >/dev/null || [ -x /usr/bin/etcd ] ||
  echo "test-setup: no etcd (apt-get install etcd-server); live-cluster tests will skip (fail under CI=true)" >&2
