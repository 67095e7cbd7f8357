#!/usr/bin/env python3
"""carta against R metafor, side by side, whole process against whole process.

Each work item runs on data generated once by R with a fixed seed, then in R (metafor, as a
review team or methods researcher would write it) and in carta, several repetitions each,
alternating. It prints, per item, the times (min / median / max), the ratio R / carta per
repetition (min / median / max), carta's peak memory, and the issue's target.

  bench/vs-r/run.py                 all items, 3 repetitions
  bench/vs-r/run.py batch glmm      some items
  bench/vs-r/run.py --reps 5 --scale 0.1   quicker: a tenth of the work in every item

Needs R with metafor (scripts/install-deps.sh --r) and a release build (build/carta). carta uses
every core unless --threads says otherwise; R uses one. Both sides' single-thread figures are
printed for the batch and the permutation test, so the ratio per core is visible too.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CARTA = os.path.join(ROOT, "build", "carta")


def run_timed(cmd, **kwargs):
    """Runs cmd to completion; returns (seconds, peak resident memory in MiB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 3):
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{stderr.decode(errors='replace')[-2000:]}")
    return seconds, usage.ru_maxrss / 1024.0


def rscript(code, *args):
    return ["Rscript", "--vanilla", "-e", code, *args]


def generate(work, scale):
    """Writes every item's data with R's generator and a fixed seed."""
    groups = max(10, int(10000 * scale))
    glmm_groups = max(5, int(200 * scale))
    code = r"""
args <- commandArgs(TRUE); dir <- args[1]; g <- as.integer(args[2]); gg <- as.integer(args[3])
set.seed(20261121)
one <- function(i, k) {
  n <- sample(10:150, k, replace = TRUE); p <- plogis(rnorm(k, qlogis(0.3), 0.7))
  data.frame(group = sprintf("g%05d", i), study = sprintf("s%02d", seq_len(k)), events = rbinom(k, n, p), n = n)
}
write.csv(do.call(rbind, lapply(seq_len(g), function(i) one(i, sample(5:30, 1)))), file.path(dir, "batch.csv"), row.names = FALSE)
write.csv(do.call(rbind, lapply(seq_len(10 * g), function(i) one(i, sample(5:30, 1)))), file.path(dir, "batch10.csv"), row.names = FALSE)
write.csv(do.call(rbind, lapply(seq_len(gg), function(i) one(i, 20))), file.path(dir, "glmm.csv"), row.names = FALSE)
k <- 50; n <- sample(20:200, k, replace = TRUE); age <- round(runif(k, 5, 70), 1)
p <- plogis(qlogis(0.6) - 0.01 * (age - 35) + rnorm(k, 0, 0.5))
write.csv(data.frame(study = sprintf("s%02d", 1:k), events = rbinom(k, n, p), n = n, age = age), file.path(dir, "perm.csv"), row.names = FALSE)
k <- 100; n <- sample(10:300, k, replace = TRUE); p <- plogis(rnorm(k, qlogis(0.7), 0.8))
write.csv(data.frame(study = sprintf("s%03d", 1:k), events = rbinom(k, n, p), n = n), file.path(dir, "loo.csv"), row.names = FALSE)
"""
    subprocess.run(rscript(code, work, str(groups), str(glmm_groups)), check=True)
    return groups, glmm_groups


R_BATCH = r"""
suppressPackageStartupMessages(library(metafor)); d <- read.csv(commandArgs(TRUE)[1])
for (g in split(d, d$group)) invisible(rma(measure = "PLO", xi = events, ni = n, data = g, method = "REML"))
"""
R_GLMM = r"""
suppressPackageStartupMessages(library(metafor)); d <- read.csv(commandArgs(TRUE)[1])
for (g in split(d, d$group)) invisible(tryCatch(rma.glmm(measure = "PLO", xi = events, ni = n, data = g), error = function(e) NULL))
"""
R_PERM = r"""
suppressPackageStartupMessages(library(metafor)); d <- read.csv(commandArgs(TRUE)[1])
res <- rma(measure = "PLO", xi = events, ni = n, mods = ~ age, data = d, method = "REML")
set.seed(20261121); invisible(permutest(res, iter = as.integer(commandArgs(TRUE)[2]), progbar = FALSE))
"""
R_LOO = r"""
suppressPackageStartupMessages(library(metafor)); d <- read.csv(commandArgs(TRUE)[1])
res <- rma(measure = "PLO", xi = events, ni = n, data = d, method = "REML")
invisible(leave1out(res)); invisible(influence(res))
"""


def describe(values, unit="s"):
    return f"{min(values):.3f} / {statistics.median(values):.3f} / {max(values):.3f} {unit}"


def compare(title, target, r_cmd, carta_cmd, reps, carta_single=None, per=None):
    r_times, c_times, c_peak, single_times = [], [], 0.0, []
    for _ in range(reps):
        r_times.append(run_timed(r_cmd)[0])
        seconds, peak = run_timed(carta_cmd)
        c_times.append(seconds)
        c_peak = max(c_peak, peak)
        if carta_single:
            single_times.append(run_timed(carta_single)[0])
    ratios = [r / c for r, c in zip(r_times, c_times)]
    print(f"\n{title}")
    print(f"  R metafor       {describe(r_times)}   (min / median / max of {reps})")
    print(f"  carta           {describe(c_times)}   peak memory {c_peak:.1f} MiB")
    if single_times:
        print(f"  carta 1 thread  {describe(single_times)}")
    if per:
        count, what = per
        print(f"  per {what}: R {statistics.median(r_times) / count * 1e3:.3f} ms, "
              f"carta {statistics.median(c_times) / count * 1e3:.4f} ms")
    print(f"  ratio R/carta   {min(ratios):.0f}x / {statistics.median(ratios):.0f}x / {max(ratios):.0f}x"
          + (f"   (1 thread: {statistics.median(r_times) / statistics.median(single_times):.0f}x)" if single_times else "")
          + f"   target {target}")
    return {"r": r_times, "carta": c_times, "ratio": statistics.median(ratios), "peak_mib": c_peak}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("items", nargs="*", default=["batch", "glmm", "permutation", "influence", "report"])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of each item's work (default 1)")
    parser.add_argument("--threads", default="0", help="carta --threads (default 0: every core)")
    opts = parser.parse_args()
    if not os.path.exists(CARTA):
        sys.exit(f"{CARTA} is missing: build first (cmake --preset release && cmake --build --preset release)")
    if shutil.which("Rscript") is None and set(opts.items) - {"report"}:
        sys.exit("Rscript is missing: scripts/install-deps.sh --r installs R, metafor and lme4")
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print(f"carta vs R metafor, commit {commit or 'unknown'}, {os.cpu_count()} cores, {opts.reps} repetitions, scale {opts.scale}")
    work = tempfile.mkdtemp(prefix="carta-vs-r-")
    try:
        groups, glmm_groups = generate(work, opts.scale)
        csv = lambda name: os.path.join(work, name)
        out = os.path.join(work, "out")
        threads = ["--threads", opts.threads]
        if "batch" in opts.items:
            base = [CARTA, "pool", csv("batch.csv"), "--events", "events", "--n", "n", "--label", "study", "--by", "group",
                    "--format", "csv", "-o", out]
            compare(f"1. batch: {groups} meta-analyses of k = 5..30, REML + PLO (pool --by)", ">= 1000x",
                    rscript(R_BATCH, csv("batch.csv")), base + threads, opts.reps, base + ["--threads", "1"],
                    per=(groups, "meta-analysis"))
            ten = [CARTA, "pool", csv("batch10.csv"), "--events", "events", "--n", "n", "--label", "study", "--by", "group",
                   "--format", "csv", "-o", out] + threads
            seconds, peak = run_timed(ten)
            print(f"  streaming: {10 * groups} meta-analyses (10x) in {seconds:.2f} s, peak memory {peak:.1f} MiB "
                  f"(target: independent of the number of groups)")
        if "glmm" in opts.items:
            base = [CARTA, "pool", csv("glmm.csv"), "--events", "events", "--n", "n", "--label", "study", "--by", "group",
                    "--method", "GLMM", "--format", "csv", "-o", out]
            compare(f"2. GLMM: {glmm_groups} meta-analyses of k = 20 (rma.glmm, nAGQ = 7)", ">= 300x per fit",
                    rscript(R_GLMM, csv("glmm.csv")), base + threads, opts.reps, base + ["--threads", "1"],
                    per=(glmm_groups, "fit"))
        if "permutation" in opts.items:
            iterations = str(max(100, int(10000 * opts.scale)))
            base = [CARTA, "pool", csv("perm.csv"), "--events", "events", "--n", "n", "--label", "study",
                    "--moderator", "age", "--permutations", iterations, "-o", out]
            compare(f"3. permutation test of a moderator, {iterations} iterations, k = 50 (permutest)",
                    ">= 1000x and < 1 s", rscript(R_PERM, csv("perm.csv"), iterations), base + threads, opts.reps,
                    base + ["--threads", "1"])
        if "influence" in opts.items:
            compare("4. leave-one-out + influence, k = 100 (leave1out, influence)", "(none; reported)",
                    rscript(R_LOO, csv("loo.csv")),
                    [CARTA, "pool", csv("loo.csv"), "--events", "events", "--n", "n", "--label", "study",
                     "--leave-one-out", "--influence", "-o", out] + threads, opts.reps)
        if "report" in opts.items:
            times, peak = [], 0.0
            for _ in range(opts.reps):
                seconds, p = run_timed([CARTA, "report", os.path.join(ROOT, "examples", "cart-ball", "review.toml"),
                                        "--out", os.path.join(work, "report")])
                times.append(seconds)
                peak = max(peak, p)
            print(f"\n5. the full report of the bundled CAR-T example (carta only)\n  carta           {describe(times)}"
                  f"   peak memory {peak:.1f} MiB   target: well under 1 s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
