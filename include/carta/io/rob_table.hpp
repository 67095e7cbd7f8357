#pragma once
// Risk-of-bias assessments from a table in robvis's layout: one row per study, a study column,
// one column per domain (D1, D2, ... or the domain's name as the tool or robvis writes it; Q1,
// Q2, ... for the IHE checklist; selection, comparability, outcome stars for Newcastle-Ottawa),
// and optional overall and weight columns. Every bad cell is an error naming file:line:column and
// the judgements allowed; a column that is not one of the tool's domains, or a domain (or the
// study, overall or weight column) given twice, is an error naming the header's line and column
// and what the tool expects. The reviewers' overall judgements are kept (review::derive_overall).

#include <optional>
#include <string>
#include <vector>

#include "carta/io/table.hpp"
#include "carta/review/rob.hpp"

namespace carta::io {

struct RobColumns {
  std::optional<std::string> study;   // default: a column named "study", else the first column
  std::optional<std::string> weight;  // default: a column named "weight", if any
  std::vector<std::string> ignore;    // columns to leave out (notes, comments); each must exist
  double ihe_threshold = 0.7;         // IHE: share of rated items met for "acceptable"
};

review::RobAssessment load_rob_assessment(const Table& table, const review::RobTool& tool,
                                          const RobColumns& columns = {});

}  // namespace carta::io
