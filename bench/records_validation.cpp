// The records readers against real search exports (issue 17): every file of a folder of exports
// (by default ../shared/data/exports beside the source tree) is read as `carta dedup` reads it,
// and each is reported with the format detected, the encoding, the records read, the records
// skipped and why, and an independent count of the records the file holds (the marker each
// format starts or ends a record with, counted naively on the raw lines: TY for RIS, PMID- for
// MEDLINE, ER for Web of Science, <record> for EndNote XML, @entry for BibTeX, <n> for Ovid).
// A file loads "complete" when read + skipped equals that count; tables (CSV, TSV) have no
// marker and are shown without one. The share of records with each main field shows how well
// they were read.
//
// Not a test (the exports are not part of the project): run build/bench/records_validation [DIR]
// [--markdown] and put the table in docs/formats.md. When DIR does not exist it says so and
// exits 0.

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "carta/error.hpp"
#include "carta/io/records.hpp"

namespace {

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The naive count of records by the marker of the format, on the raw bytes (UTF-8 or Latin-1
// exports; a UTF-16 file would need decoding first and gets no count); -1 when the format has none.
long marker_count(const std::string& format, const std::string& bytes) {
  std::regex marker;
  if (format == "RIS") {
    marker = std::regex(R"(^(\xEF\xBB\xBF)?TY  -)", std::regex::icase);
  } else if (format == "MEDLINE") {
    marker = std::regex(R"(^PMID-)");
  } else if (format == "Web of Science") {
    marker = std::regex(R"(^ER\s*$)");
  } else if (format == "EndNote XML") {
    long n = 0;
    for (std::size_t at = bytes.find("<record>"); at != std::string::npos; at = bytes.find("<record>", at + 1)) ++n;
    return n;
  } else if (format == "BibTeX") {
    marker = std::regex(R"(^\s*@(?!(string|comment|preamble)\b)[A-Za-z]+\s*[{(])", std::regex::icase);
  } else if (format == "Ovid") {
    marker = std::regex(R"(^<\s*\d+\.?\s*>)");
  } else {
    return -1;
  }
  long n = 0;
  std::size_t start = 0;
  while (start < bytes.size()) {
    std::size_t end = bytes.find_first_of("\r\n", start);
    if (end == std::string::npos) end = bytes.size();
    const std::string line = bytes.substr(start, end - start);
    if (std::regex_search(line, marker)) ++n;
    start = end + 1;
  }
  return n;
}

struct Row {
  std::string file, format, encoding, error;
  std::size_t read = 0, skipped = 0;
  long expected = -1;
  double ms = 0;
  std::vector<std::string> skip_reasons;
  // How many records have each field: title, authors, year, journal, DOI, abstract, keywords.
  std::size_t title = 0, authors = 0, year = 0, journal = 0, doi = 0, abstract = 0, keywords = 0;
  std::string fill() const {
    auto pct = [&](std::size_t k) { return read == 0 ? 0 : static_cast<int>(100.0 * static_cast<double>(k) / static_cast<double>(read) + 0.5); };
    return fmt::format("{}/{}/{}/{}/{}/{}/{}", pct(title), pct(authors), pct(year), pct(journal), pct(doi), pct(abstract),
                       pct(keywords));
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path dir = std::filesystem::path(CARTA_SOURCE_DIR) / ".." / "shared" / "data" / "exports";
  bool markdown = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--markdown") {
      markdown = true;
    } else if (a == "--help" || a == "-h") {
      std::puts("records_validation [DIR] [--markdown]: read every export in DIR and count its records");
      return 0;
    } else {
      dir = a;
    }
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    fmt::print("records_validation: {} does not exist; the real exports are skipped (nothing to validate)\n", dir.string());
    return 0;
  }
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().filename() != "README.md") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<Row> rows;
  std::size_t complete = 0, failed = 0;
  for (const auto& path : files) {
    Row row;
    row.file = std::filesystem::relative(path, dir).string();
    const auto t0 = std::chrono::steady_clock::now();
    try {
      const auto load = carta::io::read_records(path);
      row.format = load.format;
      row.encoding = load.encoding;
      row.read = load.records.size();
      row.skipped = load.skipped;
      for (const auto& r : load.records) {
        row.title += !r.title.empty();
        row.authors += !r.authors.empty();
        row.year += !r.year.empty();
        row.journal += !r.journal.empty();
        row.doi += !r.doi.empty();
        row.abstract += !r.abstract.empty();
        row.keywords += !r.keywords.empty();
      }
      for (const auto& n : load.notes) {
        if (n.find("skipped") != std::string::npos) row.skip_reasons.push_back(n);
      }
    } catch (const carta::Error& e) {
      row.error = e.what();
      ++failed;
    }
    row.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (row.error.empty()) {
      row.expected = marker_count(row.format, read_bytes(path));
      if (row.expected < 0 || static_cast<long>(row.read + row.skipped) == row.expected) ++complete;
    }
    rows.push_back(std::move(row));
  }
  auto expected_text = [](const Row& r) { return r.expected < 0 ? std::string("(table)") : std::to_string(r.expected); };
  if (markdown) {
    fmt::print("| file | format | encoding | read | skipped | records in the file | % with title/authors/year/journal/DOI/abstract/keywords | ms |\n"
               "|---|---|---|---:|---:|---:|---|---:|\n");
    for (const auto& r : rows) {
      if (!r.error.empty()) {
        fmt::print("| {} | error: {} | | | | | | |\n", r.file, r.error);
        continue;
      }
      fmt::print("| {} | {} | {} | {} | {} | {} | {} | {:.0f} |\n", r.file, r.format, r.encoding, r.read, r.skipped,
                 expected_text(r), r.fill(), r.ms);
    }
  } else {
    for (const auto& r : rows) {
      if (!r.error.empty()) {
        fmt::print("{:<48} ERROR {}\n", r.file, r.error);
        continue;
      }
      const bool ok = r.expected < 0 || static_cast<long>(r.read + r.skipped) == r.expected;
      fmt::print("{:<48} {:<15} {:<24} read {:>5} skipped {:>3} in file {:>7} fill {:<24} {:>4.0f} ms {}\n", r.file, r.format,
                 r.encoding, r.read, r.skipped, expected_text(r), r.fill(), r.ms, ok ? "" : "MISMATCH");
    }
  }
  for (const auto& r : rows) {
    for (const auto& why : r.skip_reasons) fmt::print("  {}: {}\n", r.file, why);
  }
  fmt::print("{} file(s): {} complete, {} with a count that differs, {} not read\n", rows.size(), complete,
             rows.size() - complete - failed, failed);
  return failed == 0 && complete == rows.size() ? 0 : 1;
}
