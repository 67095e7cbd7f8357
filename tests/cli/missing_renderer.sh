#!/usr/bin/env bash
# carta without its figure renderer module (libcarta_render.so) beside it: commands that draw
# nothing still run, and the report stops with exit 66 and a message that names the module and
# says how to get it, instead of crashing or writing a report without figures.
#   missing_renderer.sh CARTA_EXE SOURCE_DIR
set -euo pipefail
exe="$1"
src="$2"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
cp "$exe" "$dir/carta"
"$dir/carta" pool "$src/examples/cart-ball/studies.csv" --events cr_events --n cr_n --label study_id >/dev/null
set +e
"$dir/carta" report "$src/examples/cart-ball/review.toml" --out "$dir/report" >"$dir/out" 2>"$dir/err"
status=$?
set -e
if [[ $status -ne 66 ]]; then
  echo "expected exit 66, got $status"; cat "$dir/err"; exit 1
fi
grep -q "cannot load carta's figure renderer (libcarta_render.so)" "$dir/err" || { echo "message:"; cat "$dir/err"; exit 1; }
grep -q "cmake --build" "$dir/err" || { echo "no advice:"; cat "$dir/err"; exit 1; }
echo "ok: exit 66 with a clear message"
