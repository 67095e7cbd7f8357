#pragma once
// Runs every analysis an analysis spec asks for and returns the results as plain data
// (review_results.hpp). No HTML, no figures, no files written: the report renders the result.

#include <functional>
#include <string_view>

#include "carta/analysis/review_results.hpp"
#include "carta/io/spec.hpp"

namespace carta::analysis {

// Reads the spec's data (and risk-of-bias and PRISMA files). Throws carta::Error when the spec
// does not match the data: a missing column or study label, a bad cell, a [labels] entry for a
// column the table does not have, each naming the spec line. An analysis that cannot run on
// these data (too few studies with a moderator, say) is a warning in the result, not an error.
// `progress` receives one line per step; may be empty.
ReviewResults run_review(const io::ReviewSpec& spec, const std::function<void(std::string_view)>& progress = {});

}  // namespace carta::analysis
