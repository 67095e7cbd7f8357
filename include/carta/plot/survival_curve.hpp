#pragma once
// The pooled survival curve (Combescure et al. 2014) with its confidence band, drawn over the
// per-study curves it summarises; survival in percent against time.

#include <string>
#include <vector>

#include "carta/summary_curve.hpp"

namespace carta::plot {

struct SurvivalCurveOptions {
  std::string title;
  std::string time_label = "Months";
};

std::string survival_curve_svg(const SummaryCurve& curve, const std::vector<StudyCurve>& studies,
                               const SurvivalCurveOptions& options);

}  // namespace carta::plot
