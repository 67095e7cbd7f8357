#pragma once
// The screening decision log: one row per reviewer decision with columns record, stage
// (title_abstract or full_text), reviewer, decision (include, maybe, exclude, not_retrieved) and
// reason (required for full-text exclusions); optional study (the study a report belongs to)
// and adjudicator (yes/no) columns. A reviewer named like the adjudicator (default
// "adjudicator") adjudicates too.

#include <string>
#include <vector>

#include "carta/io/table.hpp"
#include "carta/review/screening.hpp"

namespace carta::io {

// Throws carta::Error (kInvalidInput) naming file:line:column for a missing column, an unknown
// stage or decision (listing the accepted ones) or an empty record or reviewer.
std::vector<review::ScreeningDecision> load_screening_log(const Table& table,
                                                          const std::string& adjudicator = "adjudicator");

}  // namespace carta::io
