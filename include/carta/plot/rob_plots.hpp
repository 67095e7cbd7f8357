#pragma once
// Risk-of-bias figures as robvis draws them: the traffic-light plot (studies by domains, plus
// the overall judgement) and the summary plot (share of studies at each judgement per domain,
// unweighted or weighted by sample size). Cochrane colours or a colour-blind-safe palette; the
// symbols (+, -, X, !, ?) carry the judgement without colour too.

#include <string>

#include "carta/review/rob.hpp"

namespace carta::plot {

enum class RobPalette { kCochrane, kColourblind };

struct RobPlotOptions {
  std::string title;
  RobPalette palette = RobPalette::kCochrane;
  bool weighted = false;  // summary plot: shares of total weight instead of studies
};

// A judgement's fill in `palette`, and the ink (#000 or #fff) that reads on a fill.
const std::string& judgement_colour(const review::JudgementLevel& level, RobPalette palette);
std::string ink_on(const std::string& fill);

std::string traffic_light_svg(const review::RobAssessment& assessment, const RobPlotOptions& options);
std::string rob_summary_svg(const review::RobAssessment& assessment, const RobPlotOptions& options);

}  // namespace carta::plot
