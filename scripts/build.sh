#!/usr/bin/env bash
# Installs dependencies (Debian packages) if missing, configures and builds carta.
# Usage: scripts/build.sh [PRESET] [TARGET...]
#   PRESET: release (default), debug, asan; TARGETs: only these (and what they need), else all.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
shift || true
scripts/install-deps.sh
cmake --preset "$preset" >/dev/null
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build --preset "$preset" "${targets[@]}" -- -j"$(nproc)"
