#pragma once
// Distribution-free summary survival curve from per-study survival and numbers at risk on a
// common time grid (Combescure, Foucher & Jackson 2014, Stat Med 33:2521, doi 10.1002/sim.6111):
// conditional survival over each grid interval, arcsine-transformed, pooled across studies by a
// multivariate random-effects model whose between-study covariance is estimated by a
// DerSimonian-Laird-type method of moments, and multiplied back into a curve (product limit).
// Details and our choices: docs/methods/survival.md.

#include <Eigen/Dense>

#include <span>
#include <string>
#include <vector>

#include "carta/kaplan_meier.hpp"

namespace carta {

// One study's curve on the grid: S at each time and the number at risk at that time (as in a
// published at-risk table). The first point is time 0 with S = 1 and every patient at risk; the
// study stops at its last point (it then has no data for later grid times).
struct CurveGridPoint {
  double time = 0.0;
  double survival = 1.0;
  double n_risk = 0.0;
};

struct StudyCurve {
  std::string label;
  std::vector<CurveGridPoint> points;
};

// S and n at risk of a Kaplan-Meier curve at each grid time within its follow-up (time 0 added).
StudyCurve study_curve_from_km(std::string label, const KaplanMeier& km, std::span<const double> grid);

struct SummaryCurvePoint {
  double time = 0.0;
  std::size_t k = 0;  // studies with data for the interval ending here
  double common = 1.0, common_lb = 1.0, common_ub = 1.0;
  double random = 1.0, random_lb = 1.0, random_ub = 1.0;
};

struct SummaryCurve {
  double level = 0.95;
  std::vector<SummaryCurvePoint> points;  // starts with time 0, S = 1
  Eigen::MatrixXd between;                // between-study covariance of the transformed intervals
  double Q = 0.0, Q_df = 0.0, H2 = 0.0, I2 = 0.0;
  double median_common = 0.0, median_random = 0.0;  // linear between grid times; NaN if not reached
  std::vector<std::string> notes;
};

// Throws carta::Error (kInvalidInput) when a study has no point after time 0, does not start at
// time 0 with S = 1, has times not on the common grid (every study must report at each grid time
// up to its own last one), survival that rises or lies outside [0, 1], or numbers at risk that are
// not positive; (kInvalidOption) for a level outside (0, 1).
SummaryCurve summary_survival_curve(std::span<const StudyCurve> studies, double level = 0.95);

}  // namespace carta
