#!/usr/bin/env bash
# The main job on the bundled CAR-T example: installs what is needed, builds, and runs the whole
# review (examples/cart-ball/review.toml: six outcomes, subgroups, meta-regression, small-study
# tests, sensitivity analyses) into report/index.html.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh release
echo
./build/carta report examples/cart-ball/review.toml --out report
