#pragma once
// Funnel plots as in metafor's funnel(): effect estimate (measure scale) against its standard
// error, the error axis reversed so that large studies sit at the top; pseudo-confidence regions
// around the random-effects estimate (90/95/99%, shaded), the estimate as a vertical line; with
// trim-and-fill, the filled studies as open circles and the adjusted estimate dashed.

#include <string>

#include "carta/small_study.hpp"

namespace carta::plot {

struct FunnelOptions {
  std::string title;
  std::string x_label;  // e.g. "Logit proportion"
};

std::string funnel_plot_svg(const SmallStudyEffects& effects, const FunnelOptions& options);

}  // namespace carta::plot
