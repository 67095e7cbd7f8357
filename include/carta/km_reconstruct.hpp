#pragma once
// Reconstruction of individual patient data from a digitised Kaplan-Meier curve and its
// numbers-at-risk table (Guyot, Ades, Ouwens & Welton 2012, BMC Med Res Methodol 12:9), with
// the input clean-up IPDfromKM applies to noisy digitisations, loop guards that make every
// iteration finite, and diagnostics that say how well the reconstruction reproduces the
// published curve and table. Algorithm and our choices: docs/methods/survival.md.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "carta/iteration.hpp"
#include "carta/kaplan_meier.hpp"

namespace carta {

struct AtRiskPoint {
  double time = 0.0;
  std::int64_t n_risk = 0;
};

// The digitised curve after clean-up: percent turned into proportions, sorted by time (and by
// decreasing survival at equal times), (0, 1) prepended, exact duplicates dropped, rises from
// digitisation noise flattened: small ones (up to `rise_tolerance`) anywhere, larger ones only
// between points within 1% of the time range (the two corners of one drop read in the wrong
// order). `notes` says what was changed.
struct PreparedCurve {
  std::vector<CurvePoint> points;
  std::vector<std::string> notes;
};

// Throws carta::Error (kInvalidInput) for no points, a non-finite or negative value, survival
// above 100%, or a rise larger than rise_tolerance across more than 1% of the time range (the
// curve cannot go up: wrong column order, or points from another arm).
PreparedCurve prepare_curve(std::span<const CurvePoint> points, double rise_tolerance = 0.05);

struct ReconstructionOptions {
  std::optional<std::int64_t> total_events;  // reported total number of events, if known
  int max_iterations = 1000;                 // per interval, for the censoring adjustment
};

// Per interval of the at-risk table: the published and reconstructed numbers at its start, and
// the reconstructed events and censorings inside it.
struct IntervalDiagnostics {
  double start = 0.0;
  double end = 0.0;  // start of the next interval; the last point of the curve for the last
  std::int64_t published_n_risk = 0;
  std::int64_t reconstructed_n_risk = 0;
  std::int64_t events = 0;
  std::int64_t censored = 0;
  IterationReport convergence;  // the censoring adjustment for this interval
};

struct Reconstruction {
  std::vector<SurvivalObservation> ipd;  // one row per patient: time, event (1) or censored (0)
  PreparedCurve curve;
  std::vector<IntervalDiagnostics> intervals;
  std::int64_t events = 0;
  std::int64_t censored = 0;
  // Digitised curve against the Kaplan-Meier curve of the reconstructed IPD, at every digitised
  // point (a point on a vertical drop is compared with the nearer side of the step).
  double rmse = 0.0;
  double max_abs_diff = 0.0;
  bool converged = true;  // every interval's adjustment converged
  std::vector<std::string> notes;
};

// Throws carta::Error (kInvalidInput) for an at-risk table that is empty, does not start at
// time 0, has decreasing times, numbers that increase, are negative or exceed 10^7 patients, or
// an interval without digitised points; and (kInvalidOption) for total_events outside [0, n].
Reconstruction reconstruct_ipd(std::span<const CurvePoint> curve, std::span<const AtRiskPoint> at_risk,
                               const ReconstructionOptions& options = {});

}  // namespace carta
