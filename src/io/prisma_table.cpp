#include "carta/io/prisma_table.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <map>

#include "carta/error.hpp"
#include "carta/io/pool_output.hpp"
#include "cells.hpp"
#include "text.hpp"

namespace carta::io {

namespace {

using detail::trim;
using review::NamedCount;
using review::PrismaCounts;

using Box = std::optional<std::int64_t> PrismaCounts::*;
using List = std::vector<NamedCount> PrismaCounts::*;

struct BoxName {
  const char* name;
  Box box;
};
struct ListName {
  const char* name;
  List list;
};

constexpr BoxName kBoxes[] = {
    {"previous_studies", &PrismaCounts::previous_studies},
    {"previous_reports", &PrismaCounts::previous_reports},
    {"database_results", &PrismaCounts::database_results},
    {"register_results", &PrismaCounts::register_results},
    {"website_results", &PrismaCounts::website_results},
    {"organisation_results", &PrismaCounts::organisation_results},
    {"citations_results", &PrismaCounts::citations_results},
    {"duplicates", &PrismaCounts::duplicates},
    {"excluded_automatic", &PrismaCounts::excluded_automatic},
    {"excluded_other", &PrismaCounts::excluded_other},
    {"records_screened", &PrismaCounts::records_screened},
    {"records_excluded", &PrismaCounts::records_excluded},
    {"dbr_sought_reports", &PrismaCounts::dbr_sought},
    {"dbr_notretrieved_reports", &PrismaCounts::dbr_notretrieved},
    {"other_sought_reports", &PrismaCounts::other_sought},
    {"other_notretrieved_reports", &PrismaCounts::other_notretrieved},
    {"dbr_assessed", &PrismaCounts::dbr_assessed},
    {"other_assessed", &PrismaCounts::other_assessed},
    {"new_studies", &PrismaCounts::new_studies},
    {"new_reports", &PrismaCounts::new_reports},
    {"total_studies", &PrismaCounts::total_studies},
    {"total_reports", &PrismaCounts::total_reports},
};
constexpr ListName kLists[] = {
    {"database_specific_results", &PrismaCounts::database_specific},
    {"register_specific_results", &PrismaCounts::register_specific},
    {"dbr_excluded", &PrismaCounts::dbr_excluded},
    {"other_excluded", &PrismaCounts::other_excluded},
};

using detail::where;

std::optional<std::int64_t> whole(std::string_view s) {
  s = trim(s);
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

// Why a count cell is not a count: a number past 64 bits is said to be too large, not malformed.
std::string not_a_count(std::string_view s) {
  s = trim(s);
  const bool digits = !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
  return digits ? fmt::format("'{}' is too large to be a count", detail::excerpt(s))
                : fmt::format("'{}' is not a whole number >= 0", detail::excerpt(s));
}

// "Name, n; Name, n", a name holding ';' or '"' in double quotes ("Embase; Ovid", 12), as
// prisma_csv writes it. Returns the items, or the item that is not of that form.
struct ParsedList {
  std::vector<NamedCount> items;
  std::string bad;
};

ParsedList parse_list(std::string_view text) {
  ParsedList out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (i >= text.size()) break;
    std::string name;
    std::size_t end = 0;
    if (text[i] == '"') {
      std::size_t j = i + 1;
      bool closed = false;
      for (; j < text.size(); ++j) {
        if (text[j] != '"') {
          name += text[j];
        } else if (j + 1 < text.size() && text[j + 1] == '"') {
          name += '"';
          ++j;
        } else {
          closed = true;
          break;
        }
      }
      end = std::min(text.find(';', j), text.size());
      const std::string_view rest = trim(text.substr(std::min(j + 1, text.size()), end - std::min(j + 1, end)));
      const auto v = closed && !rest.empty() && rest.front() == ',' ? whole(rest.substr(1)) : std::nullopt;
      if (!v) {
        out.bad = std::string(trim(text.substr(i, end - i)));
        return out;
      }
      out.items.push_back({name, *v});
    } else {
      end = std::min(text.find(';', i), text.size());
      const std::string item(trim(text.substr(i, end - i)));
      if (!item.empty()) {
        const std::size_t comma = item.rfind(',');
        const auto v = comma == std::string::npos ? std::nullopt : whole(std::string_view(item).substr(comma + 1));
        if (!v) {
          out.bad = item;
          return out;
        }
        out.items.push_back({std::string(trim(std::string_view(item).substr(0, comma))), *v});
      }
    }
    i = end + 1;
  }
  return out;
}

std::string list_name(const std::string& name) {
  if (name.find_first_of(";\"") == std::string::npos) return name;
  std::string quoted = "\"";
  for (char c : name) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

}  // namespace

review::PrismaCounts load_prisma_counts(const Table& table) {
  const std::size_t data_col = table.column("data");
  const std::size_t n_col = table.column("n");
  std::optional<std::size_t> text_col;
  for (std::size_t c = 0; c < table.header.size(); ++c) {
    if (table.header[c] == "boxtext") text_col = c;
  }
  PrismaCounts counts;
  std::map<std::string, std::size_t> given;  // box -> line of the row that gave it
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const std::string name(trim(table.rows[r][data_col]));
    const std::string_view n = trim(table.rows[r][n_col]);
    if (!n.empty()) {
      // The second row would silently replace the first (or add to a list): which is meant is unknown.
      const auto [it, fresh] = given.emplace(name, table.lines[r]);
      if (!fresh) {
        throw Error(ErrorCategory::kInvalidInput,
                    fmt::format("{}: box '{}' is given twice (also on line {}); keep one row per box", where(table, r, data_col),
                                name, it->second));
      }
    }
    bool known = false;
    for (const auto& b : kBoxes) {
      if (name != b.name) continue;
      known = true;
      if (n.empty()) break;
      const auto v = whole(n);
      if (!v) {
        throw Error(ErrorCategory::kInvalidInput,
                    fmt::format("{}: {} = {}", where(table, r, n_col), name, not_a_count(n)));
      }
      counts.*(b.box) = *v;
    }
    for (const auto& l : kLists) {
      if (name != l.name) continue;
      known = true;
      if (n.empty()) break;
      if (const auto v = whole(n)) {  // a total without reasons
        (counts.*(l.list)).push_back({name == "dbr_excluded" || name == "other_excluded" ? "Reports excluded" : "Total", *v});
        break;
      }
      auto parsed = parse_list(n);
      if (!parsed.bad.empty()) {
        throw Error(ErrorCategory::kInvalidInput,
                    fmt::format("{}: '{}' in {} needs the form 'Name, n' (items separated by ';', a name holding ';' in "
                                "double quotes)",
                                where(table, r, n_col), detail::excerpt(parsed.bad), name));
      }
      auto& list = counts.*(l.list);
      list.insert(list.end(), parsed.items.begin(), parsed.items.end());
    }
    if (!known && !n.empty()) {
      std::string closest;
      std::size_t best = 1000;
      auto consider = [&](const char* candidate) {
        const auto d = detail::edit_distance(name, candidate);
        if (d < best) best = d, closest = candidate;
      };
      for (const auto& b : kBoxes) consider(b.name);
      for (const auto& l : kLists) consider(l.name);
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{}: '{}' is not a PRISMA2020 box name{}", where(table, r, data_col), name,
                              best <= 3 ? fmt::format("; did you mean '{}'?", closest) : std::string()));
    }
    if (known && text_col) {
      const std::string label(trim(table.rows[r][*text_col]));
      if (!label.empty()) counts.labels[name] = label;
    }
  }
  return counts;
}

std::string prisma_csv(const review::PrismaCounts& c) {
  std::string out = "data,n\n";
  for (const auto& b : kBoxes) {
    if (c.*(b.box)) out += fmt::format("{},{}\n", b.name, *(c.*(b.box)));
  }
  for (const auto& l : kLists) {
    const auto& items = c.*(l.list);
    if (items.empty()) continue;
    std::string joined;
    for (const auto& item : items) {
      joined += fmt::format("{}{}, {}", joined.empty() ? "" : "; ", list_name(item.name), item.n);
    }
    out += fmt::format("{},{}\n", l.name, csv_field(joined));
  }
  return out;
}

}  // namespace carta::io
