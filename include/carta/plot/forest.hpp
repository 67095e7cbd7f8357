#pragma once
// Forest plots of pooled proportions in the style readers know from R meta, metafor and RevMan:
// study label, events/n, proportion with CI, common- and random-effects weights; squares sized by
// weight, CI whiskers (arrows where clipped), common and random diamonds, a dashed line at the
// random-effects estimate, the prediction-interval bar, a heterogeneity line with I² and its CI,
// tau², Q, df and p; grid lines behind the marks; the axis in percent, fitted to the data.
// Output is deterministic SVG text.

#include <limits>
#include <map>
#include <string>
#include <vector>

#include "carta/plot/rob_plots.hpp"
#include "carta/pool.hpp"
#include "carta/subgroup.hpp"

namespace carta::plot {

// The order of the study rows.
enum class ForestSort {
  kData,      // as in the data table
  kEstimate,  // smallest proportion first
  kWeight,    // largest random-effects weight first
  kLabel,     // alphabetical
  kKey,       // by ForestOptions::sort_key: numbers in order, then texts, then studies without one
};

// A text column of study characteristics (R meta's leftcols): a header and each study's value by
// label; a study without one shows nothing.
struct ForestColumn {
  std::string header;
  std::map<std::string, std::string> values;
};

// Whose conventions the figure follows.
enum class ForestLayout {
  kMeta,     // R meta's forest(): events/n, plot, estimate [CI], common and random weights
  kRevman5,  // RevMan 5: events and total apart, weight and estimate [CI] left of the plot,
             // "Total (95% CI)" and "Total events" rows, Tau²/Chi²/df/P/I² heterogeneity
  kJama,     // JAMA: estimate (CI) and weight left of the plot, P without its leading zero, no grid
};

struct ForestOptions {
  std::string title;
  ForestLayout layout = ForestLayout::kMeta;  // kRevman5 and kJama draw the random-effects model only
  bool one_stage = false;  // a GLMM or beta-binomial pool: RevMan's header does not say "IV"
  // The axis, as proportions; NaN (the default): from the data, the studies' CIs and the pooled
  // estimates rounded out to the ticks, so a 14% outcome is not squeezed into 0-100%.
  double axis_min = std::numeric_limits<double>::quiet_NaN();
  double axis_max = std::numeric_limits<double>::quiet_NaN();
  ForestSort sort = ForestSort::kData;
  std::map<std::string, std::string> sort_key;  // kKey: each study's value by label
  int digits = 1;                               // of the percentages written (0-3)
  std::vector<ForestColumn> columns;            // after the events column
  bool show_common = true;
  bool show_prediction = true;
  std::string count_header = "Events/n";
  std::string estimate_header = "Proportion (%)";
  std::vector<std::string> count_text;  // per study, replacing events/n (forest_plot_svg only)
  // Risk-of-bias columns right of the weights, as R meta's rob= and robvis's rob_forest draw them:
  // each study's judgement per domain and overall (matched by label; blank for a study not
  // assessed), with the domains and judgements explained under the figure. Not owned.
  const review::RobAssessment* risk_of_bias = nullptr;
  RobPalette rob_palette = RobPalette::kCochrane;
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
