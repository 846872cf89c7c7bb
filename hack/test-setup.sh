#!/usr/bin/env bash
# Builds (once, cached by version) the real components the integration tests use.
# Each topic adds its own step here; every step must be idempotent and quick when warm.
set -euo pipefail
echo "test-setup: nothing to build yet"
