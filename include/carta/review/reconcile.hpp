#pragma once
// Dual data extraction: two extractors' tables compared cell by cell on a key column. Numbers
// are compared by value (12 and 12.0 agree, 12 and 12.5 do not), text after normalisation (case,
// surrounding and repeated blanks); every disagreement, every row and column present on one side
// only is listed; the merged table holds the agreed values and leaves disagreements empty.

#include <cstddef>
#include <string>
#include <vector>

namespace carta::review {

struct ExtractionTable {
  std::string source;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::size_t> lines;
};

struct ExtractionConflict {
  std::string key;
  std::string column;
  std::string a, b;          // the two values; column "(row)" with "present"/"(no row)" for a missing row
  std::size_t line_a = 0, line_b = 0;
};

struct Reconciliation {
  std::vector<std::string> header;               // key first, then the columns both tables have
  std::vector<std::vector<std::string>> merged;  // rows in both tables: agreed values, "" where they disagree
  std::vector<ExtractionConflict> conflicts;
  std::size_t rows_compared = 0, cells_compared = 0, cells_agreeing = 0;
  std::vector<std::string> only_in_a, only_in_b;    // keys
  std::vector<std::string> columns_only_in_a, columns_only_in_b;
};

// Throws carta::Error (kInvalidInput) when a table lacks the key column or a key is empty or
// repeated (naming the file and line).
Reconciliation reconcile(const ExtractionTable& a, const ExtractionTable& b, const std::string& key);

}  // namespace carta::review
