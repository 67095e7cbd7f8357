#include "wording.hpp"

#include <fmt/format.h>

#include <map>

namespace carta::report {

std::string studies_count(std::size_t k) { return k == 1 ? "1 study" : fmt::format("{} studies", k); }

std::vector<std::string> left_out_sentences(const analysis::StudySelection& selection, const std::string& analysis) {
  using analysis::LeftOutReason;
  // Grouped by reason (and, where the detail is the same for every study, by detail), in the
  // order the reasons first appear.
  std::vector<std::string> heads;
  std::map<std::string, std::vector<std::string>> members;
  for (const auto& l : selection.left_out) {
    std::string head;
    std::string member = l.study;
    switch (l.reason) {
      case LeftOutReason::kExcluded: head = "Excluded by the review"; break;
      case LeftOutReason::kNotReported: head = fmt::format("Not reporting {}", analysis); break;
      case LeftOutReason::kNoValue:
        head = l.detail.empty() ? std::string("Not reported") : l.detail;
        if (!head.empty()) head[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(head[0])));
        break;
      case LeftOutReason::kFilteredOut:
        head = fmt::format("Not matching {}", analysis);
        if (!l.detail.empty()) member += fmt::format(" ({})", l.detail);
        break;
    }
    if (!members.contains(head)) heads.push_back(head);
    members[head].push_back(std::move(member));
  }
  std::vector<std::string> out;
  for (const auto& h : heads) {
    const auto& m = members[h];
    std::string list;
    for (const auto& s : m) list += (list.empty() ? "" : ", ") + s;
    out.push_back(fmt::format("{} ({}): {}.", h, m.size(), list));
  }
  return out;
}

}  // namespace carta::report
