// Deduplication accuracy and speed (issue 8), on a labelled synthetic set: base records (titles
// from a clinical vocabulary, authors, journals, years, pages, DOIs, PMIDs), near-miss distinct
// records (same template, another trial or year), conference abstracts that repeat an article's
// title (different reports, not duplicates), and perturbed copies as database exports make them:
// typos, missing DOI, changed capitals, truncated titles, author initials, HTML entities and
// diacritics, missing pages. Sensitivity = duplicates removed correctly / true duplicates;
// specificity = records that must stay (one per true group) not wrongly merged.
// Not a unit test: run build/dedup_accuracy [records] and record the figures in docs/methods/dedup.md.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unordered_map>
#include <vector>

#include "carta/review/records.hpp"
#include "synthetic_records.hpp"

int main(int argc, char** argv) {
  const std::size_t target = argc > 1 ? static_cast<std::size_t>(std::atol(argv[1])) : 20000;
  const auto set = carta::testing::synthetic_records(target);
  std::vector<carta::review::BibRecord> records;
  for (const auto& l : set) records.push_back(l.record);
  const auto start = std::chrono::steady_clock::now();
  const auto result = carta::review::deduplicate(records);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::unordered_map<std::size_t, std::size_t> group_size;
  for (const auto& l : set) ++group_size[l.truth];
  std::size_t true_duplicates = 0;
  for (const auto& [t, n] : group_size) true_duplicates += n - 1;
  const std::size_t must_stay = group_size.size();
  std::size_t correct = 0, wrong = 0;
  for (const auto& d : result.duplicates) {
    (set[d.record].truth == set[d.kept].truth ? correct : wrong) += 1;
  }
  std::printf("records %zu (true groups %zu, true duplicates %zu)\n", records.size(), must_stay, true_duplicates);
  std::printf("removed %zu: %zu correct, %zu wrong; %zu pair(s) for review; %zu comparisons\n", result.duplicates.size(),
              correct, wrong, result.review.size(), result.comparisons);
  std::printf("sensitivity %.4f  specificity %.5f  time %.2f s\n",
              true_duplicates ? static_cast<double>(correct) / static_cast<double>(true_duplicates) : 1.0,
              1.0 - static_cast<double>(wrong) / static_cast<double>(must_stay), seconds);
  return 0;
}
