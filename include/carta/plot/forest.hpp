#pragma once
// Forest plots of pooled proportions in the style readers know from R meta, metafor and RevMan:
// study label, events/n, proportion with CI, weight; squares sized by weight, CI whiskers (arrows
// where clipped), common and random diamonds, the prediction-interval bar, a heterogeneity line;
// the axis in percent. Output is deterministic SVG text.

#include <string>
#include <vector>

#include "carta/pool.hpp"
#include "carta/subgroup.hpp"

namespace carta::plot {

struct ForestOptions {
  std::string title;
  double axis_min = 0.0;  // proportion
  double axis_max = 1.0;
  bool show_common = true;
  bool show_prediction = true;
  std::string count_header = "Events/n";
  std::string estimate_header = "Proportion (%)";
  std::vector<std::string> count_text;  // per study, replacing events/n (forest_plot_svg only)
};

std::string forest_plot_svg(const PoolResult& result, const ForestOptions& options);

// One block per subgroup level (its studies, its diamond and its heterogeneity, as R meta prints
// them), then the overall diamond of the studies shown and the test for subgroup differences
// under the analysis's convention, or the sentence saying why it was not computed.
// `overall` pools exactly the studies drawn; `level_of[i]` is overall.studies[i]'s level;
// `variable` is the grouping variable's name for readers.
std::string subgroup_forest_svg(const PoolResult& overall, const SubgroupAnalysis& subgroups,
                                const std::vector<std::string>& level_of, const std::string& variable,
                                const ForestOptions& options);

}  // namespace carta::plot
