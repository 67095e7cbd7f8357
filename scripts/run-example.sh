#!/usr/bin/env bash
# The main job on the bundled CAR-T example: installs what is needed, builds the carta executable
# and its figure renderer module (carta_render; not the tests and benchmarks, which
# scripts/test.sh builds), and runs the whole review (examples/cart-ball/review.toml: six
# outcomes, subgroups, meta-regression, small-study tests, sensitivity analyses) into
# report/index.html.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh release carta carta_render
echo
./build/carta report examples/cart-ball/review.toml --out report
