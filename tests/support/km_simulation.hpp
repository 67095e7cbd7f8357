#pragma once
// Simulated survival data for the reconstruction round trip, shared by the unit test and the
// validation program (bench/km_reconstruct_validation.cpp).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "carta/kaplan_meier.hpp"
#include "carta/km_reconstruct.hpp"

namespace carta::test {

// Patients with a cure fraction and an exponential hazard otherwise, censored uniformly over
// 1.5 times the follow-up and administratively at its end.
inline std::vector<SurvivalObservation> simulate(std::uint64_t seed, int n, double cure, double rate,
                                                 double follow_up) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unif(0.0, 1.0);
  std::exponential_distribution<double> expo(rate);
  std::vector<SurvivalObservation> out;
  for (int i = 0; i < n; ++i) {
    const double event = unif(rng) < cure ? INFINITY : expo(rng);
    const double censor = std::min(follow_up, follow_up * 1.5 * unif(rng));
    out.push_back({std::min(event, censor), event <= censor});
  }
  return out;
}

// The published-style table: patients with time >= t at t = 0, step, 2 step, ... up to `until`.
inline std::vector<AtRiskPoint> at_risk_table(const std::vector<SurvivalObservation>& ipd, double step,
                                              double until) {
  std::vector<AtRiskPoint> out;
  for (double t = 0; t <= until + 1e-9; t += step) {
    const auto n = std::count_if(ipd.begin(), ipd.end(), [t](const SurvivalObservation& o) { return o.time >= t; });
    out.push_back({t, static_cast<std::int64_t>(n)});
  }
  return out;
}

// Largest vertical gap between two curves on a fine grid. Digitised times carry noise, which
// moves each drop sideways by about `slack`: the gap at t is the smallest vertical distance to
// curve b within t +- slack (the Levy distance; with slack 0 it is the sup norm).
inline double max_gap(const KaplanMeier& a, const KaplanMeier& b, double until, double slack) {
  double gap = 0;
  for (int i = 0; i <= 4000; ++i) {
    const double t = until * i / 4000.0;
    const double x = a.at(t).survival;
    double best = INFINITY;
    for (int j = -4; j <= 4; ++j) {
      const double y = b.at(std::max(0.0, t + slack * j / 4.0)).survival;
      if (!std::isnan(y)) best = std::min(best, std::abs(x - y));
    }
    if (!std::isnan(x) && std::isfinite(best)) gap = std::max(gap, best);
  }
  return gap;
}

// Digitises the curve as a reader would: the corners of every drop and the curve at each time of
// the at-risk table, with normal noise of sd `noise` on survival and 10 * noise on time.
inline std::vector<CurvePoint> digitise(const KaplanMeier& km, const std::vector<AtRiskPoint>& table, double noise,
                                        std::uint64_t seed) {
  auto corners = step_corners(km);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> jitter(0.0, noise);
  for (auto& p : corners) {
    if (p.time > 0 && noise > 0) {
      p.survival = std::clamp(p.survival + jitter(rng), 0.0, 1.0);
      p.time = std::max(0.0, p.time + 10 * jitter(rng));
    }
  }
  for (const auto& row : table) {
    if (row.time <= km.steps.back().time) corners.push_back({row.time, km.at(row.time).survival});
  }
  return corners;
}

struct RoundTrip {
  double max_gap = 0.0;        // reconstructed vs true Kaplan-Meier (Levy-type, see max_gap)
  double event_error = 0.0;    // |reconstructed - true events| / true events
  double median_error = 0.0;   // |reconstructed - true median| / true median (NaN if not reached)
  double curve_rmse = 0.0;     // digitised points vs reconstruction
  std::int64_t at_risk_gap = 0;  // largest |reconstructed - published| number at risk
  bool converged = true;
};

// Simulates, digitises, reconstructs with the reported total number of events, and compares.
inline RoundTrip round_trip(std::uint64_t seed, int n, double cure, double rate, double follow_up, double noise,
                            double table_step) {
  const auto truth = simulate(seed, n, cure, rate, follow_up);
  const auto km = kaplan_meier(truth);
  double last_event = 0.0;
  for (const auto& s : km.steps) {
    if (s.events > 0) last_event = s.time;
  }
  const auto table = at_risk_table(truth, table_step, last_event);
  ReconstructionOptions options;
  options.total_events = km.events;
  const auto r = reconstruct_ipd(digitise(km, table, noise, seed + 1), table, options);
  const auto rebuilt = kaplan_meier(r.ipd);
  RoundTrip out;
  out.max_gap = max_gap(km, rebuilt, last_event, 30 * noise);
  out.event_error = std::abs(static_cast<double>(r.events - km.events)) / static_cast<double>(std::max<std::int64_t>(1, km.events));
  const double m_true = km.median().est;
  out.median_error = std::isnan(m_true) ? NAN : std::abs(rebuilt.median().est - m_true) / m_true;
  out.curve_rmse = r.rmse;
  for (const auto& iv : r.intervals) {
    const std::int64_t gap = iv.reconstructed_n_risk - iv.published_n_risk;
    out.at_risk_gap = std::max(out.at_risk_gap, gap < 0 ? -gap : gap);
  }
  out.converged = r.converged;
  return out;
}

}  // namespace carta::test
