#!/usr/bin/env bash
# The main job on the bundled CAR-T example: installs what is needed, builds, and pools complete
# remission across the published CAR-T trials in B-ALL (examples/cart-ball), leaving out the
# earlier reports of trials that appear twice (see examples/cart-ball/SOURCES.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh release
echo
./build/carta pool examples/cart-ball/studies.csv \
  --events cr_events --n cr_n --label study_id \
  --exclude Turtle2016_JCI --exclude Fry2018_NatMed_CD22 --exclude Gardner2017_Blood
