#include "carta/km_reconstruct.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>

#include "carta/error.hpp"

namespace carta {

namespace {

[[noreturn]] void bad_input(const std::string& message) {
  throw Error(ErrorCategory::kInvalidInput, message);
}

// R's round(): halves to even, which the published algorithm relies on (std::nearbyint in the
// default rounding mode does the same).
std::int64_t round_half_even(double x) { return static_cast<std::int64_t>(std::nearbyint(x)); }

}  // namespace

PreparedCurve prepare_curve(std::span<const CurvePoint> input, double rise_tolerance) {
  if (input.empty()) bad_input("the digitised curve has no points");
  PreparedCurve out;
  double max_time = 0.0;
  bool percent = false;
  for (std::size_t i = 0; i < input.size(); ++i) {
    const auto& p = input[i];
    if (!std::isfinite(p.time) || !std::isfinite(p.survival)) {
      bad_input(fmt::format("curve point {} ({}, {}) is not a finite number", i + 1, p.time, p.survival));
    }
    max_time = std::max(max_time, p.time);
    if (p.survival > 1.0 + 1e-9) percent = true;
  }
  if (!(max_time > 0.0)) bad_input("every digitised time is <= 0; the curve needs points after time 0");
  std::vector<CurvePoint> points(input.begin(), input.end());
  if (percent) {
    for (auto& p : points) p.survival /= 100.0;
    out.notes.push_back("survival read as percent (a value exceeds 1) and divided by 100");
  }
  std::size_t clamped = 0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    auto& p = points[i];
    if (p.survival > 1.0 + 1e-9) {
      bad_input(fmt::format("curve point {} has survival {}%, above 100%", i + 1, 100.0 * p.survival));
    }
    // Digitisers place points a hair outside the axes; more than 1% of the range is a real error.
    if (p.survival < -0.01) {
      bad_input(fmt::format("curve point {} has survival {}, below 0", i + 1, input[i].survival));
    }
    if (p.time < -0.01 * max_time) {
      bad_input(fmt::format("curve point {} has time {}, before time 0", i + 1, p.time));
    }
    if (p.survival < 0.0 || p.survival > 1.0 || p.time < 0.0) ++clamped;
    p.survival = std::clamp(p.survival, 0.0, 1.0);
    p.time = std::max(p.time, 0.0);
  }
  if (clamped > 0)
    out.notes.push_back(fmt::format("{} point(s) slightly outside the axes moved onto them", clamped));
  std::sort(points.begin(), points.end(), [](const CurvePoint& a, const CurvePoint& b) {
    return a.time < b.time || (a.time == b.time && a.survival > b.survival);
  });
  if (!(points.front().time == 0.0 && points.front().survival == 1.0)) {
    points.insert(points.begin(), CurvePoint{0.0, 1.0});
  }
  std::size_t flattened = 0;
  double largest_rise = 0.0;
  for (std::size_t i = 1; i < points.size(); ++i) {
    const double rise = points[i].survival - points[i - 1].survival;
    // A rise between points at nearly the same time is the two corners of one vertical drop read
    // in the wrong order (noise in the digitised times); a rise that persists is a wrong input.
    const bool same_drop = points[i].time - points[i - 1].time <= 0.01 * max_time;
    if (rise > rise_tolerance && !same_drop) {
      bad_input(fmt::format(
          "the curve rises from {:.4g} at time {:.4g} to {:.4g} at time {:.4g}; a Kaplan-Meier curve never "
          "goes "
          "up. Check the column order (time, survival), and that every point comes from the same arm",
          points[i - 1].survival, points[i - 1].time, points[i].survival, points[i].time));
    }
    if (rise > 0.0) {
      ++flattened;
      largest_rise = std::max(largest_rise, rise);
      points[i].survival = points[i - 1].survival;
    }
  }
  if (flattened > 0) {
    out.notes.push_back(fmt::format("{} small rise(s) (digitisation noise, largest {:.4g}) flattened",
                                    flattened, largest_rise));
  }
  const auto before = points.size();
  points.erase(std::unique(points.begin(), points.end(),
                           [](const CurvePoint& a, const CurvePoint& b) {
                             return a.time == b.time && a.survival == b.survival;
                           }),
               points.end());
  if (points.size() < before)
    out.notes.push_back(fmt::format("{} duplicate point(s) dropped", before - points.size()));
  out.points = std::move(points);
  return out;
}

namespace {

// The state of the algorithm over the K curve points: events d and censorings c at each point,
// the reconstructed number at risk n_hat and the reconstructed survival km_hat.
struct Work {
  std::vector<double> t, s;
  std::vector<std::int64_t> d, c, n_hat;
  std::vector<double> km_hat;
};

// Spreads `count` censorings evenly over (t[lo], t[hi]) and records in c[k] (lo <= k < bins_end)
// how many fall in (t[k], t[k+1]] (the first bin also takes t[lo] itself).
void spread_censoring(Work& w, std::size_t lo, std::size_t hi, std::size_t bins_end, std::int64_t count) {
  for (std::size_t k = lo; k < bins_end; ++k) w.c[k] = 0;
  if (count <= 0 || bins_end <= lo) return;
  const double span = w.t[hi] - w.t[lo];
  std::size_t k = lo;
  for (std::int64_t j = 1; j <= count; ++j) {
    const double when = w.t[lo] + static_cast<double>(j) * span / static_cast<double>(count + 1);
    while (k + 1 < bins_end && when > w.t[k + 1]) ++k;
    ++w.c[k];
  }
}

// Events at points lo..hi so that the reconstructed curve follows the digitised one, starting
// from n_at_start patients and the last event point `last`; returns the new last event point.
std::size_t fit_events(Work& w, std::size_t lo, std::size_t hi, std::int64_t n_at_start, std::size_t last,
                       bool clamp_at_zero) {
  w.n_hat[lo] = n_at_start;
  for (std::size_t k = lo; k <= hi; ++k) {
    const std::int64_t n = w.n_hat[k];
    std::int64_t d = 0;
    if (n > 0 && w.km_hat[last] > 0.0) {
      d = round_half_even(static_cast<double>(n) * (1.0 - w.s[k] / w.km_hat[last]));
      d = std::clamp<std::int64_t>(d, 0, n);  // rounding can ask for a negative or too many
    }
    w.d[k] = d;
    w.km_hat[k] =
        n > 0 ? w.km_hat[last] * (1.0 - static_cast<double>(d) / static_cast<double>(n)) : w.km_hat[last];
    w.n_hat[k + 1] = n - d - w.c[k];
    if (clamp_at_zero && w.n_hat[k + 1] < 0) {
      w.n_hat[k + 1] = 0;
      w.c[k] = n - d;
    }
    if (d != 0) last = k;
  }
  return last;
}

}  // namespace

Reconstruction reconstruct_ipd(std::span<const CurvePoint> curve, std::span<const AtRiskPoint> at_risk_input,
                               const ReconstructionOptions& options) {
  Reconstruction out;
  out.curve = prepare_curve(curve);
  out.notes = out.curve.notes;
  if (at_risk_input.empty()) bad_input("the numbers-at-risk table has no rows");
  for (std::size_t i = 0; i < at_risk_input.size(); ++i) {
    const auto& r = at_risk_input[i];
    if (!std::isfinite(r.time) || r.time < 0.0) {
      bad_input(fmt::format("at-risk row {}: time {} must be finite and >= 0", i + 1, r.time));
    }
    if (r.n_risk < 0) bad_input(fmt::format("at-risk row {}: n_risk {} is negative", i + 1, r.n_risk));
    // One row per patient is built: a bound keeps a typo (an extra digit or ten) from asking for
    // terabytes. No single-arm trial comes near it.
    constexpr std::int64_t kMaxPatients = 10'000'000;
    if (r.n_risk > kMaxPatients) {
      bad_input(fmt::format("at-risk row {}: {} patients; more than {} cannot be reconstructed (a typo?)", i + 1,
                            r.n_risk, kMaxPatients));
    }
    if (i > 0 && !(r.time > at_risk_input[i - 1].time)) {
      bad_input(fmt::format("at-risk row {}: time {} is not after the previous row's {}; times must increase",
                            i + 1, r.time, at_risk_input[i - 1].time));
    }
    if (i > 0 && r.n_risk > at_risk_input[i - 1].n_risk) {
      bad_input(
          fmt::format("at-risk row {}: {} at risk at time {} but {} at time {}; the number at risk cannot "
                      "increase",
                      i + 1, r.n_risk, r.time, at_risk_input[i - 1].n_risk, at_risk_input[i - 1].time));
    }
  }
  if (at_risk_input.front().time != 0.0) {
    bad_input(
        fmt::format("the numbers-at-risk table starts at time {}; it must start at time 0 with the number "
                    "of patients",
                    at_risk_input.front().time));
  }
  if (at_risk_input.front().n_risk <= 0) bad_input("the number at risk at time 0 must be > 0");

  Work w;
  for (const auto& p : out.curve.points) {
    w.t.push_back(p.time);
    w.s.push_back(p.survival);
  }
  // The working curve has a point at every time of the at-risk table (as Guyot et al. ask the
  // reader to digitise): the curve's value there, a step function between digitised points. So
  // an interval without a digitised point, a flat stretch of the curve (no event, so nothing was
  // clicked; a plateau of cured patients), holds censorings only, and every interval's
  // censorings, placed halfway between points, stay inside the interval that counts them.
  const std::vector<double> digitised = w.t;
  for (std::size_t i = 1; i < at_risk_input.size(); ++i) {
    const double time = at_risk_input[i].time;
    if (time > w.t.back()) break;
    const auto first = std::lower_bound(w.t.begin(), w.t.end(), time);
    if (first != w.t.end() && *first == time) continue;
    const auto at = static_cast<std::size_t>(first - w.t.begin());
    const double value = w.s[at - 1];  // w.t starts at 0 < time
    const double previous = at_risk_input[i - 1].time;
    if (const auto d = std::lower_bound(digitised.begin(), digitised.end(), previous); d == digitised.end() || *d >= time) {
      out.notes.push_back(fmt::format("no digitised point lies in [{:g}, {:g}): the curve is taken as flat there "
                                      "(S = {:g}), an interval with censorings only",
                                      previous, time, value));
    }
    w.t.insert(w.t.begin() + static_cast<std::ptrdiff_t>(at), time);
    w.s.insert(w.s.begin() + static_cast<std::ptrdiff_t>(at), value);
  }
  const std::size_t K = w.t.size();
  std::vector<AtRiskPoint> table;
  for (const auto& r : at_risk_input) {
    if (r.time > w.t.back()) {
      out.notes.push_back(
          fmt::format("at-risk time {:g} ({} at risk) is after the last digitised point ({:g}) and "
                      "is not used",
                      r.time, r.n_risk, w.t.back()));
      continue;
    }
    table.push_back(r);
  }
  const std::int64_t n0 = table.front().n_risk;
  if (options.total_events && (*options.total_events < 0 || *options.total_events > n0)) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("--total-events {} must be between 0 and the {} patients at time 0",
                            *options.total_events, n0));
  }
  const std::size_t m = table.size();
  std::vector<std::size_t> lower(m), upper(m);
  for (std::size_t i = 0; i < m; ++i) {
    lower[i] =
        static_cast<std::size_t>(std::lower_bound(w.t.begin(), w.t.end(), table[i].time) - w.t.begin());
    if (i + 1 < m) {
      const auto next = std::lower_bound(w.t.begin(), w.t.end(), table[i + 1].time) - w.t.begin();
      if (next == 0 || static_cast<std::size_t>(next) <= lower[i]) {
        bad_input(
            fmt::format("no digitised point lies in [{:g}, {:g}), between two times of the at-risk table; "
                        "digitise the curve there or drop one of the two times",
                        table[i].time, table[i + 1].time));
      }
      upper[i] = static_cast<std::size_t>(next) - 1;
    } else {
      upper[i] = K - 1;
    }
  }

  w.d.assign(K, 0);
  w.c.assign(K, 0);
  w.n_hat.assign(K + 1, 0);
  w.km_hat.assign(K, 1.0);
  std::vector<std::int64_t> n_risk(m), n_censor(m, 0);
  for (std::size_t i = 0; i < m; ++i) n_risk[i] = table[i].n_risk;
  std::vector<std::size_t> last_event(m + 1, 0);
  out.intervals.resize(m);

  // Every interval but the last: adjust the censorings until the reconstructed number at risk
  // at the start of the next interval matches the published one.
  for (std::size_t i = 0; i + 1 < m; ++i) {
    const std::size_t lo = lower[i], hi = upper[i], next = lower[i + 1];
    auto run = [&](std::int64_t censored) {
      spread_censoring(w, lo, next, hi + 1, std::max<std::int64_t>(censored, 0));
      last_event[i + 1] = fit_events(w, lo, hi, n_risk[i], last_event[i], false);
      return w.n_hat[next] - n_risk[i + 1];
    };
    std::int64_t censored = w.s[lo] > 0.0
                                ? round_half_even(static_cast<double>(n_risk[i]) * w.s[next] / w.s[lo] -
                                                  static_cast<double>(n_risk[i + 1]))
                                : 0;
    auto& report = out.intervals[i].convergence;
    report.iterative = true;
    std::int64_t best = censored;
    std::int64_t best_gap = -1;
    for (int iteration = 1;; ++iteration) {
      censored = std::max<std::int64_t>(censored, 0);
      const std::int64_t gap = run(censored);
      report.iterations = iteration;
      report.last_change = static_cast<double>(gap);
      if (best_gap < 0 || std::llabs(gap) < best_gap) {
        best = censored;
        best_gap = std::llabs(gap);
      }
      if (gap == 0 || (gap < 0 && censored == 0)) {
        report.message = gap == 0 ? "the number at risk matches" : "no censoring left to remove";
        break;
      }
      if (iteration >= options.max_iterations) {
        report.converged = false;
        censored = best;
        const std::int64_t final_gap = run(censored);
        report.message = fmt::format(
            "stopped after {} iterations; kept the censoring count that comes closest "
            "(off by {})",
            iteration, final_gap);
        out.converged = false;
        break;
      }
      censored += gap;
    }
    n_censor[i] = censored;
    if (w.n_hat[next] < n_risk[i + 1]) {
      out.notes.push_back(
          fmt::format("at time {:g} the curve leaves only {} at risk, fewer than the published {}; "
                      "the published number was lowered for the next interval",
                      table[i + 1].time, w.n_hat[next], n_risk[i + 1]));
      n_risk[i + 1] = w.n_hat[next];
    }
  }

  // The last interval: censoring at the average rate of the earlier intervals, then adjusted to
  // the reported total number of events if there is one.
  {
    const std::size_t i = m - 1, lo = lower[i], hi = upper[i];
    std::int64_t censored = 0;
    if (m > 1) {
      const double earlier = w.t[upper[m - 2]] - w.t[lower[0]];
      const double before =
          static_cast<double>(std::accumulate(n_censor.begin(), n_censor.end() - 1, std::int64_t{0}));
      if (earlier > 0.0) {
        censored = std::min(round_half_even(before * (w.t[hi] - w.t[lo]) / earlier), n_risk[i]);
      }
    }
    auto run = [&](std::int64_t c) {
      spread_censoring(w, lo, hi, hi, std::max<std::int64_t>(c, 0));
      fit_events(w, lo, hi, n_risk[i], last_event[i], true);
    };
    run(censored);
    auto& report = out.intervals[i].convergence;
    report.message = "censoring at the earlier intervals' average rate";
    if (options.total_events) {
      const std::int64_t total = *options.total_events;
      auto events_through = [&](std::size_t end) {
        return std::accumulate(w.d.begin(), w.d.begin() + static_cast<std::ptrdiff_t>(end + 1),
                               std::int64_t{0});
      };
      const std::int64_t before_last = m > 1 ? events_through(upper[m - 2]) : 0;
      if (m > 1 && before_last >= total) {
        for (std::size_t k = lo; k <= hi; ++k) w.d[k] = 0;
        for (std::size_t k = lo; k < hi; ++k) w.c[k] = 0;
        for (std::size_t k = lo + 1; k <= hi + 1; ++k) w.n_hat[k] = n_risk[i];
        out.notes.push_back(
            fmt::format("the earlier intervals already hold {} events (total reported: {}); none "
                        "are placed in the last interval",
                        before_last, total));
      } else {
        report.iterative = true;
        std::int64_t events = events_through(hi);
        for (int iteration = 1; events > total || (events < total && censored > 0); ++iteration) {
          if (iteration > options.max_iterations) {
            report.converged = false;
            out.converged = false;
            report.message = fmt::format("stopped after {} iterations with {} events (reported {})",
                                         options.max_iterations, events, total);
            break;
          }
          censored = std::max<std::int64_t>(censored + (events - total), 0);
          run(censored);
          events = events_through(hi);
          report.iterations = iteration;
          report.last_change = static_cast<double>(events - total);
        }
        if (report.converged) {
          report.message = events == total ? "total events match the reported number"
                                           : fmt::format(
                                                 "{} events, fewer than the reported {}, with no censoring "
                                                 "left to remove",
                                                 events, total);
        }
      }
    }
  }

  // Patients: events at their point, censorings halfway to the next point, the rest censored
  // at the last point.
  for (std::size_t k = 0; k < K; ++k) {
    for (std::int64_t j = 0; j < w.d[k]; ++j) out.ipd.push_back({w.t[k], true});
  }
  for (std::size_t k = 0; k + 1 < K; ++k) {
    for (std::int64_t j = 0; j < w.c[k]; ++j) out.ipd.push_back({0.5 * (w.t[k] + w.t[k + 1]), false});
  }
  const auto placed = static_cast<std::int64_t>(out.ipd.size());
  if (placed > n0) {
    // Cannot happen when the at-risk counts are consistent; trim censorings (latest first) so
    // that the patients add up, and say so.
    std::int64_t excess = placed - n0;
    out.notes.push_back(
        fmt::format("{} more patients were placed than the {} at time 0; the latest censorings "
                    "were removed",
                    excess, n0));
    for (auto it = out.ipd.end(); excess > 0 && it != out.ipd.begin();) {
      --it;
      if (!it->event) {
        it = out.ipd.erase(it);
        --excess;
      }
    }
  }
  while (static_cast<std::int64_t>(out.ipd.size()) < n0) out.ipd.push_back({w.t.back(), false});
  std::stable_sort(
      out.ipd.begin(), out.ipd.end(),
      [](const SurvivalObservation& a, const SurvivalObservation& b) { return a.time < b.time; });
  for (const auto& o : out.ipd) (o.event ? out.events : out.censored) += 1;

  // Diagnostics.
  for (std::size_t i = 0; i < m; ++i) {
    auto& iv = out.intervals[i];
    iv.start = table[i].time;
    iv.end = i + 1 < m ? table[i + 1].time : w.t.back();
    iv.published_n_risk = table[i].n_risk;
    const bool last = i + 1 == m;
    for (const auto& o : out.ipd) {
      if (o.time >= iv.start) ++iv.reconstructed_n_risk;
      if (o.time >= iv.start && (last || o.time < iv.end)) (o.event ? iv.events : iv.censored) += 1;
    }
  }
  const KaplanMeier km = kaplan_meier(out.ipd);
  double sum_sq = 0.0;
  for (const auto& p : out.curve.points) {
    double right = 1.0, left = 1.0;
    for (const auto& step : km.steps) {
      if (step.time < p.time) left = step.survival;
      if (step.time <= p.time) right = step.survival;
    }
    const double diff = std::min(std::abs(p.survival - right), std::abs(p.survival - left));
    sum_sq += diff * diff;
    out.max_abs_diff = std::max(out.max_abs_diff, diff);
  }
  out.rmse = std::sqrt(sum_sq / static_cast<double>(out.curve.points.size()));
  if (!out.converged) {
    out.notes.push_back(
        "the censoring adjustment did not converge in every interval (see intervals[].convergence)");
  }
  return out;
}

}  // namespace carta
