#pragma once
// PRISMA 2020 flow-diagram counts (Page et al. 2021, BMJ 372:n71) with the arithmetic every box
// must satisfy. Names follow the PRISMA2020 R package's template (Haddaway et al. 2022), so that a
// CSV made for it can be read; unlike that package, inconsistent counts are refused with a message
// naming the box, instead of being drawn.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace carta::review {

struct NamedCount {
  std::string name;  // a database, register or exclusion reason
  std::int64_t n = 0;
};

struct PrismaCounts {
  // Previous version of the review (optional column on the left).
  std::optional<std::int64_t> previous_studies, previous_reports;
  // Identification via databases and registers.
  std::optional<std::int64_t> database_results, register_results;
  std::vector<NamedCount> database_specific, register_specific;
  std::optional<std::int64_t> duplicates, excluded_automatic, excluded_other;
  std::optional<std::int64_t> records_screened, records_excluded;
  std::optional<std::int64_t> dbr_sought, dbr_notretrieved, dbr_assessed;
  std::vector<NamedCount> dbr_excluded;
  // Identification via other methods (optional arm on the right).
  std::optional<std::int64_t> website_results, organisation_results, citations_results;
  std::optional<std::int64_t> other_sought, other_notretrieved, other_assessed;
  std::vector<NamedCount> other_excluded;
  // Included.
  std::optional<std::int64_t> new_studies, new_reports, total_studies, total_reports;
  // Box text replacing the default label, keyed by the template's data names.
  std::map<std::string, std::string> labels;

  [[nodiscard]] bool has_previous() const { return previous_studies.has_value() || previous_reports.has_value(); }
  [[nodiscard]] bool has_other() const {
    return website_results || organisation_results || citations_results || other_sought || other_assessed;
  }
};

struct PrismaCheck {
  std::vector<std::string> derived;  // counts filled in from the others, and how
};

// Fills in counts that follow from the others (e.g. records screened = identified - removed) and
// checks every relation of the diagram: identified = sum of databases (and registers); screened =
// identified - duplicates - automation - other removals; sought = screened - excluded; assessed =
// sought - not retrieved (per arm); new reports = assessed - sum of exclusions (over both arms);
// new studies <= new reports; totals = new + previous. Throws carta::Error (kInvalidInput) listing
// every inconsistency, each naming the box and the numbers.
PrismaCheck complete_and_check(PrismaCounts& counts);

}  // namespace carta::review
