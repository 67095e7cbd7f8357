#!/usr/bin/env bash
# Installs dependencies (Debian packages) if missing, configures and builds carta.
# Usage: scripts/build.sh [PRESET] [TARGET...]
#   PRESET: release (default), debug, asan; TARGETs: only these (and what they need), else all.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
shift || true
targets=()
for t in "$@"; do targets+=(--target "$t"); done
# Chosen targets are not the test suite: the browser tests' playwright-core is not needed.
if [[ ${#targets[@]} -gt 0 ]]; then scripts/install-deps.sh --no-browser; else scripts/install-deps.sh; fi
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" "${targets[@]}" -- -j"$(nproc)"
