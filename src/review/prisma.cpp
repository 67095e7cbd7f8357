#include "carta/review/prisma.hpp"

#include <fmt/format.h>

#include "carta/error.hpp"

namespace carta::review {

namespace {

// Counts come from files and options: a sum or difference past 64 bits would wrap into a wrong,
// plausible-looking box, so arithmetic on them is checked and an overflow refused.
[[noreturn]] void too_large(std::int64_t a, char op, std::int64_t b) {
  throw Error(ErrorCategory::kInvalidInput,
              fmt::format("the PRISMA counts are too large to add up ({} {} {} overflows 64 bits); check the counts "
                          "given, no review identifies that many records",
                          a, op, b));
}

std::int64_t add(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) too_large(a, '+', b);
  return r;
}

std::int64_t sub(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_sub_overflow(a, b, &r)) too_large(a, '-', b);
  return r;
}

std::int64_t total(const std::vector<NamedCount>& items) {
  std::int64_t s = 0;
  for (const auto& c : items) s = add(s, c.n);
  return s;
}

std::int64_t value_or_zero(const std::optional<std::int64_t>& x) { return x.value_or(0); }

}  // namespace

PrismaCheck complete_and_check(PrismaCounts& c) {
  PrismaCheck out;
  std::vector<std::string> problems;
  // A box that can be computed: fill it in when absent, compare when present.
  auto relate = [&](std::optional<std::int64_t>& box, const char* name, const char* label, std::int64_t expected,
                    const std::string& formula) {
    if (!box) {
      box = expected;
      out.derived.push_back(fmt::format("{} ({}) = {} = {}", label, name, formula, expected));
    } else if (*box != expected) {
      problems.push_back(fmt::format("box '{}' ({}) is {}, but {} = {}", label, name, *box, formula, expected));
    }
  };
  auto negative = [&](const std::optional<std::int64_t>& box, const char* name) {
    if (box && *box < 0) problems.push_back(fmt::format("{} is {}; counts cannot be negative", name, *box));
  };
  for (const auto& [box, name] :
       std::initializer_list<std::pair<const std::optional<std::int64_t>*, const char*>>{
           {&c.previous_studies, "previous_studies"}, {&c.previous_reports, "previous_reports"},
           {&c.database_results, "database_results"}, {&c.register_results, "register_results"},
           {&c.duplicates, "duplicates"}, {&c.excluded_automatic, "excluded_automatic"},
           {&c.excluded_other, "excluded_other"}, {&c.records_screened, "records_screened"},
           {&c.records_excluded, "records_excluded"}, {&c.dbr_sought, "dbr_sought_reports"},
           {&c.dbr_notretrieved, "dbr_notretrieved_reports"}, {&c.dbr_assessed, "dbr_assessed"},
           {&c.website_results, "website_results"}, {&c.organisation_results, "organisation_results"},
           {&c.citations_results, "citations_results"}, {&c.other_sought, "other_sought_reports"},
           {&c.other_notretrieved, "other_notretrieved_reports"}, {&c.other_assessed, "other_assessed"},
           {&c.new_studies, "new_studies"}, {&c.new_reports, "new_reports"}, {&c.total_studies, "total_studies"},
           {&c.total_reports, "total_reports"}}) {
    negative(*box, name);
  }
  for (const auto* list : {&c.database_specific, &c.register_specific, &c.dbr_excluded, &c.other_excluded}) {
    for (const auto& item : *list) {
      if (item.n < 0) problems.push_back(fmt::format("'{}' has {}; counts cannot be negative", item.name, item.n));
    }
  }
  if (!problems.empty()) {
    std::string text = "the PRISMA counts have negative values:";
    for (const auto& p : problems) text += "\n  - " + p;
    throw Error(ErrorCategory::kInvalidInput, text);
  }

  // Identification.
  if (!c.database_specific.empty()) {
    relate(c.database_results, "database_results", "Databases", total(c.database_specific),
           "the sum over the databases listed");
  }
  if (!c.register_specific.empty()) {
    relate(c.register_results, "register_results", "Registers", total(c.register_specific),
           "the sum over the registers listed");
  }
  if (!c.database_results && !c.register_results) {
    problems.push_back("no records identified: give database_results (or the databases with their counts)");
  }
  const std::int64_t identified = add(value_or_zero(c.database_results), value_or_zero(c.register_results));
  const std::int64_t removed =
      add(add(value_or_zero(c.duplicates), value_or_zero(c.excluded_automatic)), value_or_zero(c.excluded_other));
  relate(c.records_screened, "records_screened", "Records screened", sub(identified, removed),
         fmt::format("identified {} - duplicates {} - automation {} - other removals {}", identified,
                     value_or_zero(c.duplicates), value_or_zero(c.excluded_automatic), value_or_zero(c.excluded_other)));
  if (c.records_excluded) {
    relate(c.dbr_sought, "dbr_sought_reports", "Reports sought for retrieval", sub(*c.records_screened, *c.records_excluded),
           fmt::format("screened {} - excluded {}", *c.records_screened, *c.records_excluded));
  }
  if (c.dbr_sought) {
    relate(c.dbr_assessed, "dbr_assessed", "Reports assessed for eligibility",
           sub(*c.dbr_sought, value_or_zero(c.dbr_notretrieved)),
           fmt::format("sought {} - not retrieved {}", *c.dbr_sought, value_or_zero(c.dbr_notretrieved)));
  }
  if (c.has_other() && c.other_sought) {
    relate(c.other_assessed, "other_assessed", "Reports assessed for eligibility (other methods)",
           sub(*c.other_sought, value_or_zero(c.other_notretrieved)),
           fmt::format("sought {} - not retrieved {}", *c.other_sought, value_or_zero(c.other_notretrieved)));
  }
  // Included.
  if (c.dbr_assessed) {
    const std::int64_t from_databases = sub(*c.dbr_assessed, total(c.dbr_excluded));
    const std::int64_t from_other = c.other_assessed ? sub(*c.other_assessed, total(c.other_excluded)) : 0;
    relate(c.new_reports, "new_reports", "Reports of new included studies", add(from_databases, from_other),
           c.other_assessed ? fmt::format("assessed {} - excluded {} + other assessed {} - other excluded {}",
                                          *c.dbr_assessed, total(c.dbr_excluded), *c.other_assessed,
                                          total(c.other_excluded))
                            : fmt::format("assessed {} - excluded {} (sum of the reasons)", *c.dbr_assessed,
                                          total(c.dbr_excluded)));
  }
  if (c.new_studies && c.new_reports && *c.new_studies > *c.new_reports) {
    problems.push_back(fmt::format("box 'New studies included' (new_studies) is {}, more than the {} reports of them; "
                                   "every study has at least one report",
                                   *c.new_studies, *c.new_reports));
  }
  if (!c.new_studies && c.new_reports) {
    problems.push_back("new_studies is missing: give the number of studies the included reports describe");
  }
  for (const auto& [stage, value, parent, parent_value] :
       std::initializer_list<std::tuple<const char*, std::optional<std::int64_t>, const char*, std::optional<std::int64_t>>>{
           {"records_excluded", c.records_excluded, "records_screened", c.records_screened},
           {"dbr_notretrieved_reports", c.dbr_notretrieved, "dbr_sought_reports", c.dbr_sought},
           {"other_notretrieved_reports", c.other_notretrieved, "other_sought_reports", c.other_sought}}) {
    if (value && parent_value && *value > *parent_value) {
      problems.push_back(fmt::format("{} ({}) exceeds {} ({})", stage, *value, parent, *parent_value));
    }
  }
  for (const auto& [box, name] : std::initializer_list<std::pair<const std::optional<std::int64_t>*, const char*>>{
           {&c.records_screened, "records_screened"}, {&c.dbr_sought, "dbr_sought_reports"},
           {&c.dbr_assessed, "dbr_assessed"}, {&c.new_reports, "new_reports"}, {&c.other_assessed, "other_assessed"}}) {
    if (*box && **box < 0) problems.push_back(fmt::format("{} comes out as {}: the counts above it do not add up", name, **box));
  }
  if (c.has_previous()) {
    if (c.new_studies) {
      relate(c.total_studies, "total_studies", "Total studies included in review",
             add(*c.new_studies, value_or_zero(c.previous_studies)),
             fmt::format("new {} + previous {}", *c.new_studies, value_or_zero(c.previous_studies)));
    }
    if (c.new_reports) {
      relate(c.total_reports, "total_reports", "Reports of total included studies",
             add(*c.new_reports, value_or_zero(c.previous_reports)),
             fmt::format("new {} + previous {}", *c.new_reports, value_or_zero(c.previous_reports)));
    }
  }
  if (!problems.empty()) {
    std::string text = "the PRISMA counts do not add up:";
    for (const auto& p : problems) text += "\n  - " + p;
    throw Error(ErrorCategory::kInvalidInput, text);
  }
  return out;
}

}  // namespace carta::review
