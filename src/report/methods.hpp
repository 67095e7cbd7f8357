#pragma once
// The methods paragraph: what ran, in words for a manuscript (shared by the HTML and results.json).

#include <string>

#include "carta/analysis/review_results.hpp"

namespace carta::report {

std::string methods_paragraph(const analysis::ReviewResults& results);

}  // namespace carta::report
