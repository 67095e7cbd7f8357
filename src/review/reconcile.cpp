#include "carta/review/reconcile.hpp"

#include <fmt/format.h>

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

Reconciliation reconcile(const ExtractionTable& a, const ExtractionTable& b, const std::string& key) {
  const std::size_t ka = key_column(a, key), kb = key_column(b, key);
  const auto rows_a = index_rows(a, ka), rows_b = index_rows(b, kb);
  Reconciliation out;
  out.header.push_back(key);
  std::vector<std::pair<std::size_t, std::size_t>> columns;  // (col in a, col in b), columns in both
  for (std::size_t c = 0; c < a.header.size(); ++c) {
    if (c == ka) continue;
    std::optional<std::size_t> in_b;
    for (std::size_t d = 0; d < b.header.size(); ++d) {
      if (d != kb && b.header[d] == a.header[c]) in_b = d;
    }
    if (!in_b) {
      out.columns_only_in_a.push_back(a.header[c]);
      continue;
    }
    out.header.push_back(a.header[c]);
    columns.emplace_back(c, *in_b);
  }
  for (std::size_t d = 0; d < b.header.size(); ++d) {
    if (d != kb && std::find(a.header.begin(), a.header.end(), b.header[d]) == a.header.end()) {
      out.columns_only_in_b.push_back(b.header[d]);
    }
  }
  for (std::size_t r = 0; r < a.rows.size(); ++r) {
    const auto it = rows_b.find(normalise(a.rows[r][ka]));
    if (it == rows_b.end()) {
      out.only_in_a.push_back(a.rows[r][ka]);
      out.conflicts.push_back({a.rows[r][ka], "(row)", "present", "(no row)", a.lines[r], 0});
      continue;
    }
    const std::size_t rb = it->second;
    ++out.rows_compared;
    std::vector<std::string> merged{a.rows[r][ka]};
    for (const auto& [ca, cb] : columns) {
      const std::string& va = a.rows[r][ca];
      const std::string& vb = b.rows[rb][cb];
      ++out.cells_compared;
      if (same(va, vb)) {
        ++out.cells_agreeing;
        merged.push_back(va);
      } else {
        merged.emplace_back();
        out.conflicts.push_back({a.rows[r][ka], a.header[ca], va, vb, a.lines[r], b.lines[rb]});
      }
    }
    out.merged.push_back(std::move(merged));
  }
  for (std::size_t r = 0; r < b.rows.size(); ++r) {
    if (!rows_a.contains(normalise(b.rows[r][kb]))) {
      out.only_in_b.push_back(b.rows[r][kb]);
      out.conflicts.push_back({b.rows[r][kb], "(row)", "(no row)", "present", 0, b.lines[r]});
    }
  }
  return out;
}

}  // namespace carta::review
