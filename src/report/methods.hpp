#pragma once
// The methods paragraph: what ran, in words for a manuscript (shared by the HTML and results.json).

#include <string>

#include <vector>

#include "carta/analysis/review_results.hpp"
#include "document.hpp"
#include "references.hpp"

namespace carta::report {

// The paragraph, citing each method it names ("(Egger et al. 1997)"), and the references it cites.
struct MethodsText {
  std::string paragraph;
  std::vector<Reference> references;  // alphabetical
};
MethodsText methods_text(const analysis::ReviewResults& results);

inline std::string methods_paragraph(const analysis::ReviewResults& results) { return methods_text(results).paragraph; }

// How the certainty of the evidence was rated (GRADE): the starting point and each domain's rule
// with its thresholds, and which domains the authors rated themselves. Cites into `citations`.
std::string grade_sentence(const analysis::ReviewResults& results, Citations& citations);

}  // namespace carta::report
