#pragma once
// results.json: every number of the review with the settings that produced it, and for every
// analysis the studies it used and those it left out, with why (docs/spec.md).

#include <nlohmann/json.hpp>

#include "carta/analysis/review_results.hpp"

namespace carta::report {

nlohmann::json results_json(const analysis::ReviewResults& results);

// The selection as {"used": [...], "left_out": [{"study", "reason", "detail"}]}.
nlohmann::json to_json(const analysis::StudySelection& selection);

}  // namespace carta::report
