#!/usr/bin/env bash
# Installs what is needed, builds and runs every test (GoogleTest via ctest).
# Usage: scripts/test.sh [PRESET]   (release (default), or asan for AddressSanitizer + UBSan)
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
scripts/build.sh "$preset"
ctest --preset "$preset" -j"$(nproc)"
