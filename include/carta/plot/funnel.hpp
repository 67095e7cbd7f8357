#pragma once
// Funnel plots as in metafor's funnel(): effect estimate (measure scale) against its standard
// error, the error axis reversed so that large studies sit at the top; pseudo-confidence regions
// around the random-effects estimate (90/95/99%, shaded), the estimate as a vertical line; with
// trim-and-fill, the filled studies as open circles and the adjusted estimate dashed.

#include <optional>
#include <string>

#include "carta/small_study.hpp"

namespace carta::plot {

struct FunnelOptions {
  std::string title;
  std::string x_label;  // e.g. "Logit proportion"
  // Contour-enhanced (Peters et al. 2008, J Clin Epidemiol 61:991): shade where a study would
  // differ significantly from this value (measure scale) at p < 0.10, 0.05, 0.01, instead of the
  // pseudo-confidence regions around the pooled estimate.
  std::optional<double> contour_null;
  std::string null_label;  // how the null reads, e.g. "50%"
};

std::string funnel_plot_svg(const SmallStudyEffects& effects, const FunnelOptions& options);

}  // namespace carta::plot
