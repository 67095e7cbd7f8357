#pragma once
// index.html from the results model and its figures: self-contained (inline CSS and SVG, no
// script, no network), every user text escaped.

#include <string>

#include "carta/analysis/review_results.hpp"
#include "figures.hpp"

namespace carta::report {

std::string report_html(const analysis::ReviewResults& results, const ReviewFigures& figures);

}  // namespace carta::report
