#pragma once
// The methods paragraph: what ran, in words for a manuscript (shared by the HTML and results.json).

#include <string>

#include "carta/analysis/review_results.hpp"

namespace carta::report {

std::string methods_paragraph(const analysis::ReviewResults& results);

// How the certainty of the evidence was rated (GRADE): the starting point and each domain's rule
// with its thresholds, and which domains the authors rated themselves.
std::string grade_sentence(const analysis::ReviewResults& results);

}  // namespace carta::report
