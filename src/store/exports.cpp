// What leaves the workspace: the decision log in `carta screening`'s format (so that the CLI
// reproduces every count), the included records, the open conflicts and the audit trail.

#include <fmt/format.h>

#include "carta/error.hpp"
#include "carta/io/pool_output.hpp"
#include "store_impl.hpp"

namespace carta::store {

using io::csv_field;

std::string Workspace::screening_log_csv() const {
  std::string out = "record,stage,reviewer,decision,reason,study,adjudicator\n";
  for (const auto& d : decisions()) {
    out += fmt::format("{},{},{},{},{},{},{}\n", csv_field(d.record), stage_name(d.stage), csv_field(d.reviewer),
                       vote_name(d.vote), csv_field(d.reason), csv_field(d.study), d.adjudicator ? "yes" : "no");
  }
  return out;
}

std::vector<review::BibRecord> Workspace::included_records() const {
  const auto result = review::summarise_screening(decisions(), options());
  std::vector<review::BibRecord> out;
  for (const auto& o : result.outcomes) {
    if (o.stage != review::ScreeningStage::kFullText || o.status != review::RecordStatus::kIncluded) continue;
    auto v = record(std::stoll(o.record.substr(1)));
    v.record.id = v.label;
    out.push_back(std::move(v.record));
  }
  return out;
}

std::string Workspace::conflicts_csv() const {
  std::string out = "record,stage,title,reviewer,decision,reason,note\n";
  for (const auto stage : {review::ScreeningStage::kTitleAbstract, review::ScreeningStage::kFullText}) {
    for (const auto& c : conflicts(stage)) {
      for (const auto& v : c.votes) {
        out += fmt::format("{},{},{},{},{},{},{}\n", c.record.label, stage_name(stage), csv_field(c.record.record.title),
                           csv_field(v.reviewer), vote_name(v.vote), csv_field(v.reason), csv_field(v.note));
      }
    }
  }
  return out;
}

std::string Workspace::audit_csv() const {
  return detail::read(*impl_, [](SQLite::Database& db) {
    std::string out = "id,at,user,action,record,stage,before,after\n";
    SQLite::Statement q(db, "SELECT id, at, user_name, action, record_id, stage, old_value, new_value FROM audit ORDER BY id");
    while (q.executeStep()) {
      out += fmt::format("{},{},{},{},{},{},{},{}\n", q.getColumn(0).getInt64(), q.getColumn(1).getString(),
                         csv_field(q.getColumn(2).getString()), csv_field(q.getColumn(3).getString()),
                         q.getColumn(4).isNull() ? std::string() : detail::record_label(q.getColumn(4).getInt64()),
                         q.getColumn(5).getString(), csv_field(q.getColumn(6).getString()),
                         csv_field(q.getColumn(7).getString()));
    }
    return out;
  });
}

}  // namespace carta::store
