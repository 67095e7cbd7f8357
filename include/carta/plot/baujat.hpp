#pragma once
// Baujat et al. (2002) plots, as metafor's baujat(): each study's contribution to the
// heterogeneity statistic (x) against its influence on the pooled estimate (y). Studies in the
// top right drive both; they are labelled (the most extreme few, and any flagged influential).

#include <string>
#include <vector>

#include "carta/influence.hpp"

namespace carta::plot {

struct BaujatOptions {
  std::string title;
  std::size_t max_labels = 5;  // besides studies flagged influential
};

std::string baujat_plot_svg(const std::vector<InfluenceRow>& rows, const BaujatOptions& options);

}  // namespace carta::plot
