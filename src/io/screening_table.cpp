#include "carta/io/screening_table.hpp"

#include <fmt/format.h>

#include <cctype>

#include "carta/error.hpp"
#include "text.hpp"

namespace carta::io {

namespace {

using detail::trim;

std::string key(std::string_view s) {
  std::string out;
  for (char c : trim(s)) {
    if (c == ' ' || c == '-' || c == '/' || c == '_') {
      if (!out.empty() && out.back() != '_') out += '_';
      continue;
    }
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string where(const Table& t, std::size_t row, std::size_t col) {
  return fmt::format("{}:{}:{} (column '{}')", t.source, t.lines[row], col + 1, t.header[col]);
}

std::optional<std::size_t> optional_column(const Table& t, std::string_view name) {
  for (std::size_t c = 0; c < t.header.size(); ++c) {
    if (key(t.header[c]) == name) return c;
  }
  return std::nullopt;
}

}  // namespace

std::vector<review::ScreeningDecision> load_screening_log(const Table& table, const std::string& adjudicator) {
  using review::ScreeningStage;
  using review::ScreeningVote;
  const std::size_t record_col = table.column("record");
  const std::size_t stage_col = table.column("stage");
  const std::size_t reviewer_col = table.column("reviewer");
  const std::size_t decision_col = table.column("decision");
  const auto reason_col = optional_column(table, "reason");
  const auto study_col = optional_column(table, "study");
  const auto adjudicator_col = optional_column(table, "adjudicator");
  std::vector<review::ScreeningDecision> log;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    review::ScreeningDecision d;
    d.line = table.lines[r];
    d.record = std::string(trim(table.rows[r][record_col]));
    d.reviewer = std::string(trim(table.rows[r][reviewer_col]));
    if (d.record.empty()) throw Error(ErrorCategory::kInvalidInput, fmt::format("{}: the record is empty", where(table, r, record_col)));
    if (d.reviewer.empty()) {
      throw Error(ErrorCategory::kInvalidInput, fmt::format("{}: the reviewer is empty", where(table, r, reviewer_col)));
    }
    const std::string stage = key(table.rows[r][stage_col]);
    if (stage == "title_abstract" || stage == "ta" || stage == "title_and_abstract" || stage == "abstract" ||
        stage == "title") {
      d.stage = ScreeningStage::kTitleAbstract;
    } else if (stage == "full_text" || stage == "fulltext" || stage == "ft") {
      d.stage = ScreeningStage::kFullText;
    } else {
      throw Error(ErrorCategory::kInvalidInput, fmt::format("{}: stage '{}' is not title_abstract or full_text",
                                                            where(table, r, stage_col), trim(table.rows[r][stage_col])));
    }
    const std::string decision = key(table.rows[r][decision_col]);
    if (decision == "include" || decision == "included" || decision == "yes") {
      d.vote = ScreeningVote::kInclude;
    } else if (decision == "maybe" || decision == "unsure") {
      d.vote = ScreeningVote::kMaybe;
    } else if (decision == "exclude" || decision == "excluded" || decision == "no") {
      d.vote = ScreeningVote::kExclude;
    } else if (decision == "not_retrieved" || decision == "notretrieved") {
      d.vote = ScreeningVote::kNotRetrieved;
    } else {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{}: decision '{}' is not one of include, maybe, exclude, not_retrieved",
                              where(table, r, decision_col), trim(table.rows[r][decision_col])));
    }
    if (reason_col) d.reason = std::string(trim(table.rows[r][*reason_col]));
    if (study_col) d.study = std::string(trim(table.rows[r][*study_col]));
    d.adjudicator = key(d.reviewer) == key(adjudicator);
    if (adjudicator_col) {
      const std::string flag = key(table.rows[r][*adjudicator_col]);
      d.adjudicator = d.adjudicator || flag == "yes" || flag == "true" || flag == "1";
    }
    log.push_back(std::move(d));
  }
  if (log.empty()) throw Error(ErrorCategory::kInvalidInput, fmt::format("{}: the log has no decisions", table.source));
  return log;
}

}  // namespace carta::io
