#!/usr/bin/env bash
# Builds the libFuzzer targets (preset fuzz: clang, ASan + UBSan) and runs each for SECONDS
# (default 60) on the corpus in fuzz/corpus/<target>/, printing the executions run and any
# finding. New inputs go to a scratch folder, not the repository; a crash leaves its input in
# build-fuzz/findings/ (make it a regression test, then add it to the corpus).
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#   scripts/fuzz.sh --smoke      (CI: each target on its corpus plus 2000 seeded runs; deterministic)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
smoke=0
if [[ "${1:-}" == "--smoke" ]]; then
  smoke=1
  shift
fi
seconds="${1:-60}"
shift || true
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=(csv_fuzzer records_fuzzer records_tagged_fuzzer records_xml_fuzzer records_bibtex_fuzzer records_table_fuzzer
           spec_fuzzer km_curve_fuzzer review_fuzzer screening_fuzzer survival_fuzzer comparative_fuzzer svg_fuzzer)
fi
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
mkdir -p build-fuzz/findings
status=0
for t in "${targets[@]}"; do
  scratch="$(mktemp -d)"
  log="build-fuzz/findings/${t}.log"
  if [[ $smoke -eq 1 ]]; then limit=(-runs=2000 -seed=1); else limit=(-max_total_time="$seconds"); fi
  if OPENBLAS_NUM_THREADS=1 ASAN_OPTIONS=detect_leaks=0 "build-fuzz/${t}" "${limit[@]}" -timeout=10 -print_final_stats=1 -rss_limit_mb=2048 \
       -max_len=65536 -artifact_prefix="build-fuzz/findings/${t}-" "$scratch" "fuzz/corpus/${t}" >"$log" 2>&1; then
    runs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
    if [[ $smoke -eq 1 ]]; then
      echo "fuzz: ${t}: ${runs:-?} executions (smoke), no finding"
    else
      echo "fuzz: ${t}: ${runs:-?} executions in ${seconds} s, no finding"
    fi
  else
    echo "fuzz: ${t}: FINDING (see ${log} and build-fuzz/findings/)"
    tail -30 "$log"
    status=1
  fi
  rm -rf "$scratch"
done
exit $status
