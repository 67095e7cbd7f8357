#!/usr/bin/env bash
# Installs dependencies (Debian packages) if missing, configures and builds carta.
# Usage: scripts/build.sh [PRESET]   (PRESET: release (default), debug, asan)
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
scripts/install-deps.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -- -j"$(nproc)"
