#pragma once
// Bubble plots of a meta-regression on one numeric moderator, as metafor's regplot(): each study
// a circle at (moderator, observed proportion) with area proportional to its random-effects
// weight, the fitted line with its confidence band, on the proportion scale.

#include <string>

#include "carta/measure.hpp"
#include "carta/metareg.hpp"

namespace carta::plot {

struct BubbleOptions {
  std::string title;
  std::string x_label;        // the moderator
  Measure measure = Measure::kPLO;
  double n_harmonic = 0.0;    // PFT back-transformation (harmonic mean n of the studies used)
  double level = 0.95;
};

// Whether the regression has exactly one numeric moderator (the case a bubble plot shows).
bool has_single_numeric_moderator(const ProportionRegression& regression) noexcept;

// Throws carta::Error (kInvalidInput) unless has_single_numeric_moderator(regression).
std::string bubble_plot_svg(const ProportionRegression& regression, const BubbleOptions& options);

}  // namespace carta::plot
