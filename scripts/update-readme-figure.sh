#!/usr/bin/env bash
# Regenerates the forest plot shown in the README from the bundled example (a deliberate step:
# the committed figure only changes when this is run).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
./build/carta report examples/cart-ball/review.toml --out "$out" > /dev/null 2>&1
mkdir -p docs/images
cp "$out/figures/forest_complete-remission.svg" docs/images/forest_complete_remission.svg
rm -rf "$out"
echo "docs/images/forest_complete_remission.svg updated"
