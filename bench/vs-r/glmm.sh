#!/usr/bin/env bash
# GLMM fits side by side: metafor's rma.glmm (nAGQ = 7) and carta --method GLMM on the same
# 200 simulated meta-analyses of k = 20 studies (fixed seed), whole process against whole
# process, three repetitions each. Prints per-fit times and the ratio (issue 3 target: >= 300x).
# Needs R with metafor and lme4 (scripts/install-deps.sh --r) and a built carta (build/carta).
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
groups=${GROUPS_N:-200}
Rscript - "$work/data.csv" "$groups" <<'RS'
args <- commandArgs(TRUE); set.seed(20261121); g <- as.integer(args[2])
rows <- do.call(rbind, lapply(seq_len(g), function(i) {
  n <- sample(10:150, 20, replace = TRUE); p <- plogis(rnorm(20, qlogis(0.3), 0.7))
  data.frame(group = i, study = sprintf("s%02d", 1:20), events = rbinom(20, n, p), n = n)
}))
write.csv(rows, args[1], row.names = FALSE)
RS
time_r() {
  Rscript - "$work/data.csv" <<'RS'
suppressPackageStartupMessages(library(metafor)); d <- read.csv(commandArgs(TRUE)[1])
t0 <- proc.time()[3]
for (g in split(d, d$group)) invisible(tryCatch(rma.glmm(measure = "PLO", xi = events, ni = n, data = g), error = function(e) NULL))
cat(proc.time()[3] - t0, "\n")
RS
}
time_carta() {
  local t0 t1
  t0=$(date +%s.%N)
  ./build/carta pool "$work/data.csv" --events events --n n --label study --by group --method GLMM --format csv > /dev/null
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}
r_times=(); c_times=()
for rep in 1 2 3; do r_times+=("$(time_r)"); c_times+=("$(time_carta)"); done
python3 - "$groups" "${r_times[@]}" "${c_times[@]}" <<'PY'
import sys, statistics as st
g = int(sys.argv[1]); v = [float(x) for x in sys.argv[2:]]; r, c = v[:3], v[3:]
print(f"GLMM, {g} meta-analyses of k = 20 (nAGQ = 7), whole process, 3 repetitions")
print(f"  R rma.glmm : per fit min {min(r)/g*1e3:.2f} ms, median {st.median(r)/g*1e3:.2f} ms, max {max(r)/g*1e3:.2f} ms")
print(f"  carta      : per fit min {min(c)/g*1e3:.3f} ms, median {st.median(c)/g*1e3:.3f} ms, max {max(c)/g*1e3:.3f} ms")
print(f"  ratio (median): {st.median(r)/st.median(c):.0f}x")
PY
