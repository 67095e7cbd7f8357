#pragma once
// Sentences the renderers share (HTML, figures, later the Word document): which studies an
// analysis leaves out and why, in words a reader of a paper expects.

#include <string>
#include <vector>

#include "carta/analysis/review_results.hpp"

namespace carta::report {

// One sentence per kind of reason, studies named: "Excluded by the review (2): A, B.",
// "Not reporting complete remission (1): C.", "No antigen target reported (5): D, E, F, G, H.",
// "Not matching Adult trials only (2): I (population group is pediatric), J (...).".
// `analysis` names what the studies are left out of ("complete remission").
std::vector<std::string> left_out_sentences(const analysis::StudySelection& selection, const std::string& analysis);

// "24 studies" / "1 study".
std::string studies_count(std::size_t k);

}  // namespace carta::report
