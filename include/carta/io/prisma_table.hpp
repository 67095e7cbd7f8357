#pragma once
// PRISMA 2020 counts as a CSV in the PRISMA2020 R package's template format: a `data` column with
// the box's name (database_results, duplicates, records_screened, dbr_excluded, ...) and an `n`
// column with its count, or for lists "Name, n; Name, n" (databases, registers, exclusion
// reasons); an optional `boxtext` column replaces a box's label.

#include <string>

#include "carta/io/table.hpp"
#include "carta/review/prisma.hpp"

namespace carta::io {

// Rows whose data name is not a box (the template's headings) are ignored when their n is empty;
// an unknown name with a count is an error suggesting the closest box name. Throws carta::Error
// (kInvalidInput) naming file:line:column for a count that is not a whole number >= 0 or a list
// entry without ", n".
review::PrismaCounts load_prisma_counts(const Table& table);

// The counts in the same format (data,n), for the PRISMA2020 package or for `carta prisma`.
std::string prisma_csv(const review::PrismaCounts& counts);

}  // namespace carta::io
