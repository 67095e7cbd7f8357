#include "carta/review/reconcile.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>

#include "carta/error.hpp"

namespace carta::review {

namespace {

std::string normalise(std::string_view s) {
  std::string out;
  bool blank = false;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      blank = !out.empty();
      continue;
    }
    if (blank) out += ' ';
    blank = false;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::optional<double> as_number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  double v = 0;
  const char* begin = s.data() + (s.front() == '+' ? 1 : 0);
  const auto [ptr, ec] = std::from_chars(begin, s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// Letters and digits only, lower case: what is left when punctuation and blanks are ignored.
std::string alphanumeric(std::string_view s) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 || std::isalnum(u)) out += static_cast<char>(std::tolower(u));
  }
  return out;
}

bool same(const std::string& x, const std::string& y) {
  const std::string a = normalise(x), b = normalise(y);
  const auto na = as_number(a), nb = as_number(b);
  if (na && nb) return *na == *nb;
  return a == b;
}

std::size_t key_column(const ExtractionTable& t, const std::string& key) {
  for (std::size_t c = 0; c < t.header.size(); ++c) {
    if (t.header[c] == key) return c;
  }
  throw Error(ErrorCategory::kInvalidInput, fmt::format("{}: no key column '{}'", t.source, key));
}

std::map<std::string, std::size_t> index_rows(const ExtractionTable& t, std::size_t key_col) {
  std::map<std::string, std::size_t> index;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const std::string k = normalise(t.rows[r][key_col]);
    if (k.empty()) throw Error(ErrorCategory::kInvalidInput, fmt::format("{}:{}: the key is empty", t.source, t.lines[r]));
    const auto [it, fresh] = index.try_emplace(k, r);
    if (!fresh) {
      throw Error(ErrorCategory::kInvalidInput, fmt::format("{}:{}: key '{}' repeats line {}; keys must be unique",
                                                            t.source, t.lines[r], t.rows[r][key_col], t.lines[it->second]));
    }
  }
  return index;
}

}  // namespace

const char* to_string(ConflictKind kind) noexcept {
  switch (kind) {
    case ConflictKind::kValue: return "value";
    case ConflictKind::kFormatting: return "formatting";
    case ConflictKind::kRowOnlyInA: return "row_only_in_a";
    case ConflictKind::kRowOnlyInB: return "row_only_in_b";
  }
  return "value";
}

std::string status_column(const ExtractionTable& a, const ExtractionTable& b) {
  std::string name = "reconcile_status";
  auto taken = [&](const std::string& n) {
    return std::find(a.header.begin(), a.header.end(), n) != a.header.end() ||
           std::find(b.header.begin(), b.header.end(), n) != b.header.end();
  };
  while (taken(name)) name += '_';
  return name;
}

Reconciliation reconcile(const ExtractionTable& a, const ExtractionTable& b, const std::string& key) {
  const std::size_t ka = key_column(a, key), kb = key_column(b, key);
  const auto rows_a = index_rows(a, ka), rows_b = index_rows(b, kb);
  Reconciliation out;
  out.header.push_back(key);
  // Every column of A, then those only B has; each with its index on either side (nullopt: absent).
  struct Column {
    std::optional<std::size_t> in_a, in_b;
  };
  std::vector<Column> columns;
  for (std::size_t c = 0; c < a.header.size(); ++c) {
    if (c == ka) continue;
    std::optional<std::size_t> in_b;
    for (std::size_t d = 0; d < b.header.size(); ++d) {
      if (d != kb && b.header[d] == a.header[c]) in_b = d;
    }
    if (!in_b) out.columns_only_in_a.push_back(a.header[c]);
    out.header.push_back(a.header[c]);
    columns.push_back({c, in_b});
  }
  for (std::size_t d = 0; d < b.header.size(); ++d) {
    if (d != kb && std::find(a.header.begin(), a.header.end(), b.header[d]) == a.header.end()) {
      out.columns_only_in_b.push_back(b.header[d]);
      out.header.push_back(b.header[d]);
      columns.push_back({std::nullopt, d});
    }
  }
  out.header.push_back(status_column(a, b));
  auto one_sided_columns = [&](std::string& status) {
    if (!out.columns_only_in_a.empty()) {
      status += fmt::format("; only A has {}", fmt::join(out.columns_only_in_a, ", "));
    }
    if (!out.columns_only_in_b.empty()) {
      status += fmt::format("; only B has {}", fmt::join(out.columns_only_in_b, ", "));
    }
  };
  for (std::size_t r = 0; r < a.rows.size(); ++r) {
    const auto it = rows_b.find(normalise(a.rows[r][ka]));
    std::vector<std::string> merged{a.rows[r][ka]};
    if (it == rows_b.end()) {
      out.only_in_a.push_back(a.rows[r][ka]);
      out.conflicts.push_back({a.rows[r][ka], "(row)", "present", "(no row)", a.lines[r], 0, ConflictKind::kRowOnlyInA});
      for (const auto& col : columns) merged.push_back(col.in_a ? a.rows[r][*col.in_a] : std::string());
      merged.emplace_back("only in A");
      out.merged.push_back(std::move(merged));
      continue;
    }
    const std::size_t rb = it->second;
    ++out.rows_compared;
    std::vector<std::string> disagree, formatting;
    for (const auto& col : columns) {
      if (!col.in_a || !col.in_b) {
        merged.push_back(col.in_a ? a.rows[r][*col.in_a] : b.rows[rb][*col.in_b]);
        continue;
      }
      const std::string& va = a.rows[r][*col.in_a];
      const std::string& vb = b.rows[rb][*col.in_b];
      const std::string& name = a.header[*col.in_a];
      ++out.cells_compared;
      if (same(va, vb)) {
        ++out.cells_agreeing;
        merged.push_back(va);
      } else if (alphanumeric(va) == alphanumeric(vb) && !alphanumeric(va).empty()) {
        ++out.cells_formatting;
        merged.push_back(va);
        formatting.push_back(name);
        out.conflicts.push_back({a.rows[r][ka], name, va, vb, a.lines[r], b.lines[rb], ConflictKind::kFormatting});
      } else {
        merged.emplace_back();
        disagree.push_back(name);
        out.conflicts.push_back({a.rows[r][ka], name, va, vb, a.lines[r], b.lines[rb], ConflictKind::kValue});
      }
    }
    std::string status = disagree.empty() ? std::string("agreed") : fmt::format("disagree: {}", fmt::join(disagree, "; "));
    if (!formatting.empty()) status += fmt::format("; formatting differs: {}", fmt::join(formatting, "; "));
    one_sided_columns(status);
    merged.push_back(std::move(status));
    out.merged.push_back(std::move(merged));
  }
  for (std::size_t r = 0; r < b.rows.size(); ++r) {
    if (!rows_a.contains(normalise(b.rows[r][kb]))) {
      out.only_in_b.push_back(b.rows[r][kb]);
      out.conflicts.push_back({b.rows[r][kb], "(row)", "(no row)", "present", 0, b.lines[r], ConflictKind::kRowOnlyInB});
      std::vector<std::string> merged{b.rows[r][kb]};
      for (const auto& col : columns) merged.push_back(col.in_b ? b.rows[r][*col.in_b] : std::string());
      merged.emplace_back("only in B");
      out.merged.push_back(std::move(merged));
    }
  }
  return out;
}

}  // namespace carta::review
