#pragma once
// Dual data extraction: two extractors' tables compared cell by cell on a key column. Numbers
// are compared by value (12 and 12.0 agree, 12 and 12.5 do not), text after normalisation (case,
// surrounding and repeated blanks). Differences of punctuation or blanks only ("CD19-CAR" and
// "CD19 CAR") are a lower class, listed apart. Nothing is dropped: the merged table holds every
// row and every column either extractor has, agreed values filled in, disagreements left empty,
// and a status column saying which cells disagree and what only one extractor has.

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

enum class ConflictKind {
  kValue,        // the two values differ
  kFormatting,   // they differ only in punctuation or blanks (the merged table keeps A's text)
  kRowOnlyInA,   // column "(row)"
  kRowOnlyInB,
};

struct ExtractionConflict {
  std::string key;
  std::string column;
  std::string a, b;          // the two values; column "(row)" with "present"/"(no row)" for a missing row
  std::size_t line_a = 0, line_b = 0;
  ConflictKind kind = ConflictKind::kValue;
};

// "value", "formatting", "row_only_in_a", "row_only_in_b" (the conflicts CSV's kind column).
const char* to_string(ConflictKind kind) noexcept;

struct Reconciliation {
  // Key first, then A's columns, then the columns only B has, then the status column.
  std::vector<std::string> header;
  // Every row of A (in A's order), then the rows only B has: agreed values, "" where they
  // disagree, a one-sided row's or column's values as that side has them; the last cell is the
  // row's status ("agreed", "disagree: cr; n", "only in A", "formatting differs: target", ...).
  std::vector<std::vector<std::string>> merged;
  std::vector<ExtractionConflict> conflicts;
  std::size_t rows_compared = 0, cells_compared = 0, cells_agreeing = 0, cells_formatting = 0;
  std::vector<std::string> only_in_a, only_in_b;    // keys
  std::vector<std::string> columns_only_in_a, columns_only_in_b;
};

// The name of the merged table's status column: "reconcile_status", with underscores added until
// no data column has that name.
std::string status_column(const ExtractionTable& a, const ExtractionTable& b);

// Throws carta::Error (kInvalidInput) when a table lacks the key column or a key is empty or
// repeated (naming the file and line).
Reconciliation reconcile(const ExtractionTable& a, const ExtractionTable& b, const std::string& key);

}  // namespace carta::review
