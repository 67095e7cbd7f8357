// Deduplication accuracy and speed on labelled sets (issue 17): the SRA-DM sets of Rathbone et al.
// (2015) as the bib-dedupe benchmark publishes them (records_pre_merged.csv: ID, title, year,
// author as "Family, I and Family, I", pages, volume, number, ENTRYTYPE, journal;
// merged_record_ids.csv: the true duplicate groups), and the synthetic set of
// tests/support/synthetic_records.hpp. Default settings throughout.
//
// Scored as bib-dedupe scores itself (its DedupeBenchmarker.compare_dedupe_id), so that the
// figures compare with its published ones: a unique record that survives is a true negative, one
// that was removed a false positive; in a true group of n records of which s survive, n - s are
// true positives and s - 1 false negatives when s >= 1, and when s = 0 the group counts n - 1
// true positives and one false positive. Sensitivity = TP / (TP + FN), precision = TP / (TP +
// FP), specificity = TN / (TN + FP). That rule does not see a record merged into the wrong group
// when its own group keeps a survivor, so this program also counts, more strictly, the wrongly
// merged groups (carta's groups that join records of two or more true groups) and the merged
// pairs that are not true pairs.
//
// Not a test: run build/dedup_benchmark [DIR] [--synthetic N] [--misses] and record the table in
// docs/methods/dedup.md. DIR defaults to ../shared/data/dedup-benchmark beside the source tree;
// when it does not exist the labelled sets are skipped, saying so.

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "carta/error.hpp"
#include "carta/io/table.hpp"
#include "carta/review/records.hpp"
#include "synthetic_records.hpp"

namespace {

using carta::review::BibRecord;

struct Published {
  const char* set;
  double sensitivity, precision;
};
// bib-dedupe's published figures (the benchmark README).
constexpr Published kBibDedupe[] = {
    {"cytology_screening", 0.992, 1.000}, {"haematology", 0.889, 1.000}, {"respiratory", 0.936, 1.000}, {"stroke", 0.994, 1.000}};

struct Labelled {
  std::vector<BibRecord> records;
  std::vector<std::size_t> truth;  // records with one truth are duplicates of one report
};

// "Zuna, R E and Wang, S S" -> {"Zuna, R E", "Wang, S S"}.
std::vector<std::string> split_authors(std::string_view list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = list.find(" and ", start);
    if (end == std::string_view::npos) end = list.size();
    std::string_view a = list.substr(start, end - start);
    while (!a.empty() && a.front() == ' ') a.remove_prefix(1);
    while (!a.empty() && a.back() == ' ') a.remove_suffix(1);
    if (!a.empty()) out.emplace_back(a);
    start = end + 5;
  }
  return out;
}

Labelled load_set(const std::filesystem::path& dir) {
  const auto table = carta::io::read_table(dir / "records_pre_merged.csv");
  auto column = [&](std::string_view name) -> std::ptrdiff_t {
    const auto it = std::find(table.header.begin(), table.header.end(), name);
    return it == table.header.end() ? -1 : it - table.header.begin();
  };
  const auto id = column("ID"), title = column("title"), year = column("year"), author = column("author"),
             pages = column("pages"), volume = column("volume"), number = column("number"), type = column("ENTRYTYPE"),
             journal = column("journal"), doi = column("doi"), abstract = column("abstract");
  Labelled set;
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    auto get = [&](std::ptrdiff_t c) { return c < 0 ? std::string() : std::string(carta::io::cell_value(row[static_cast<std::size_t>(c)])); };
    BibRecord b;
    b.id = get(id);
    b.source = fmt::format("{}:{}", table.source, table.lines[r]);
    b.title = get(title);
    b.authors = split_authors(get(author));
    b.year = get(year);
    b.pages = get(pages);
    b.volume = get(volume);
    b.issue = get(number);
    b.type = get(type);
    b.journal = get(journal);
    b.doi = get(doi);
    b.abstract = get(abstract);
    index[b.id] = set.records.size();
    set.truth.push_back(set.records.size());
    set.records.push_back(std::move(b));
  }
  const auto groups = carta::io::read_table(dir / "merged_record_ids.csv");
  const std::size_t ids = groups.column("merged_ids");
  for (const auto& row : groups.rows) {
    const std::string_view list = row[ids];
    std::size_t first = SIZE_MAX, start = 0;
    while (start <= list.size()) {
      std::size_t end = list.find(';', start);
      if (end == std::string_view::npos) end = list.size();
      const auto it = index.find(std::string(list.substr(start, end - start)));
      if (it != index.end()) {
        if (first == SIZE_MAX) first = set.truth[it->second];
        set.truth[it->second] = first;
      }
      start = end + 1;
    }
  }
  return set;
}

struct Scores {
  std::size_t records = 0, true_duplicates = 0, removed = 0;
  std::size_t tp = 0, fp = 0, tn = 0, fn = 0;
  std::size_t wrong_groups = 0, wrong_pairs = 0, merged_pairs = 0, review = 0;
  double seconds = 0;
};

Scores score(const Labelled& set, bool misses) {
  Scores s;
  const auto start = std::chrono::steady_clock::now();
  const auto result = carta::review::deduplicate(set.records);
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::size_t n = set.records.size();
  s.records = n;
  s.review = result.review.size();
  std::vector<std::size_t> group(n);
  for (std::size_t i = 0; i < n; ++i) group[i] = i;
  for (const auto& d : result.duplicates) group[d.record] = d.kept;
  std::vector<char> survives(n, 0);
  for (std::size_t k : result.kept) survives[k] = 1;
  s.removed = result.duplicates.size();

  std::map<std::size_t, std::vector<std::size_t>> truth_members, carta_members;
  for (std::size_t i = 0; i < n; ++i) {
    truth_members[set.truth[i]].push_back(i);
    carta_members[group[i]].push_back(i);
  }
  for (const auto& [t, members] : truth_members) {
    s.true_duplicates += members.size() - 1;
    std::size_t surviving = 0;
    for (std::size_t i : members) surviving += survives[i];
    if (members.size() == 1) {
      (surviving ? s.tn : s.fp) += 1;
    } else if (surviving == 0) {
      s.fp += 1;
      s.tp += members.size() - 1;
    } else {
      s.tn += 1;
      s.fn += surviving - 1;
      s.tp += members.size() - surviving;
    }
  }
  for (const auto& [g, members] : carta_members) {
    std::map<std::size_t, std::size_t> by_truth;
    for (std::size_t i : members) ++by_truth[set.truth[i]];
    if (by_truth.size() > 1) ++s.wrong_groups;
    const std::size_t m = members.size();
    s.merged_pairs += m * (m - 1) / 2;
    std::size_t same = 0;
    for (const auto& [t, c] : by_truth) same += c * (c - 1) / 2;
    s.wrong_pairs += m * (m - 1) / 2 - same;
    if (misses && by_truth.size() > 1) {
      std::printf("  WRONG MERGE:\n");
      for (std::size_t i : members) {
        const auto& r = set.records[i];
        std::printf("    [%zu] %s | %s | %s | %s | %s | %s | %s | %s\n", set.truth[i], r.id.c_str(), r.title.c_str(),
                    r.authors.empty() ? "" : r.authors.front().c_str(), r.year.c_str(), r.journal.c_str(), r.volume.c_str(),
                    r.issue.c_str(), r.pages.c_str());
      }
      for (std::size_t x = 0; x + 1 < members.size() && x < 4; ++x) {
        std::string why;
        const double sc = carta::review::match_score(set.records[members[x]], set.records[members[x + 1]], &why);
        std::printf("    score %.3f: %s\n", sc, why.c_str());
      }
    }
  }
  if (misses) {
    for (const auto& [t, members] : truth_members) {
      std::map<std::size_t, std::vector<std::size_t>> parts;
      for (std::size_t i : members) parts[group[i]].push_back(i);
      if (parts.size() < 2) continue;
      std::printf("  MISSED (%zu parts):\n", parts.size());
      for (const auto& [g, part] : parts) {
        for (std::size_t i : part) {
          const auto& r = set.records[i];
          std::printf("    {%zu} %s | %s | %s | %s | %s | %s | %s | %s\n", g, r.id.c_str(), r.title.c_str(),
                      r.authors.empty() ? "" : r.authors.front().c_str(), r.year.c_str(), r.journal.c_str(), r.volume.c_str(),
                      r.issue.c_str(), r.pages.c_str());
        }
      }
      if (members.size() == 2) {
        std::string why;
        const double sc = carta::review::match_score(set.records[members[0]], set.records[members[1]], &why);
        std::printf("    score %.3f: %s\n", sc, why.c_str());
      }
    }
  }
  return s;
}

void print_row(const std::string& name, const Scores& s, const Published* published) {
  const double sensitivity = s.tp + s.fn ? static_cast<double>(s.tp) / static_cast<double>(s.tp + s.fn) : 1.0;
  const double precision = s.tp + s.fp ? static_cast<double>(s.tp) / static_cast<double>(s.tp + s.fp) : 1.0;
  const double specificity = s.tn + s.fp ? static_cast<double>(s.tn) / static_cast<double>(s.tn + s.fp) : 1.0;
  const double pair_precision =
      s.merged_pairs ? 1.0 - static_cast<double>(s.wrong_pairs) / static_cast<double>(s.merged_pairs) : 1.0;
  std::printf("%-20s %7zu %7zu %7zu %8.4f %8.4f %8.4f %6zu %6zu %8.4f %6zu %7.2f", name.c_str(), s.records,
              s.true_duplicates, s.removed, sensitivity, precision, specificity, s.wrong_groups, s.wrong_pairs, pair_precision,
              s.review, s.seconds);
  if (published) {
    std::printf("   bib-dedupe %.3f / %.3f %s", published->sensitivity, published->precision,
                sensitivity + 5e-4 >= published->sensitivity && precision >= 0.999 ? "(met)" : "(NOT MET)");
  }
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path dir = std::filesystem::path(CARTA_SOURCE_DIR) / ".." / "shared" / "data" / "dedup-benchmark";
  std::size_t synthetic = 20000;
  bool misses = false;
  std::string only;
  for (int a = 1; a < argc; ++a) {
    const std::string_view arg = argv[a];
    if (arg == "--synthetic" && a + 1 < argc) {
      synthetic = static_cast<std::size_t>(std::atol(argv[++a]));
    } else if (arg == "--misses") {
      misses = true;
    } else if (arg == "--set" && a + 1 < argc) {
      only = argv[++a];
    } else if (arg == "--write-ris" && a + 2 < argc) {
      // The synthetic set as a RIS export, for timing the whole command (carta dedup FILE).
      const std::string path = argv[++a];
      const auto set = carta::testing::synthetic_records(static_cast<std::size_t>(std::atol(argv[++a])));
      std::string text;
      for (const auto& l : set) {
        const auto& r = l.record;
        text += fmt::format("TY  - {}\nID  - {}\nTI  - {}\n", r.type, r.id, r.title);
        for (const auto& au : r.authors) text += fmt::format("AU  - {}\n", au);
        text += fmt::format("PY  - {}\nJO  - {}\nVL  - {}\nSP  - {}\n", r.year, r.journal, r.volume, r.pages);
        if (!r.doi.empty()) text += fmt::format("DO  - {}\n", r.doi);
        if (!r.pmid.empty()) text += fmt::format("AN  - {}\n", r.pmid);
        text += "ER  - \n\n";
      }
      std::FILE* f = std::fopen(path.c_str(), "wb");
      if (!f || std::fwrite(text.data(), 1, text.size(), f) != text.size() || std::fclose(f) != 0) {
        std::fprintf(stderr, "dedup_benchmark: cannot write %s\n", path.c_str());
        return 1;
      }
      std::printf("wrote %zu records to %s\n", set.size(), path.c_str());
      return 0;
    } else if (arg == "--help" || arg == "-h") {
      std::printf("usage: dedup_benchmark [DIR] [--set NAME] [--synthetic N (0: none)] [--misses]\n"
                  "       dedup_benchmark --write-ris FILE N   (the synthetic set as RIS)\n");
      return 0;
    } else {
      dir = arg;
    }
  }
  std::printf("%-20s %7s %7s %7s %8s %8s %8s %6s %6s %8s %6s %7s\n", "set", "records", "dups", "removed", "sens", "prec",
              "spec", "wrongG", "wrongP", "pairprec", "review", "time_s");
  try {
    if (std::filesystem::is_directory(dir)) {
      for (const auto& p : kBibDedupe) {
        if (!only.empty() && only != p.set) continue;
        const auto folder = dir / p.set;
        if (!std::filesystem::exists(folder / "records_pre_merged.csv")) {
          std::printf("%-20s skipped: %s not found\n", p.set, (folder / "records_pre_merged.csv").string().c_str());
          continue;
        }
        const auto set = load_set(folder);
        const auto s = score(set, misses);
        print_row(p.set, s, &p);
      }
    } else {
      std::printf("labelled sets skipped: %s does not exist\n", dir.string().c_str());
    }
    if (synthetic > 0 && (only.empty() || only == "synthetic")) {
      const auto labelled = carta::testing::synthetic_records(synthetic);
      Labelled set;
      for (std::size_t i = 0; i < labelled.size(); ++i) {
        set.records.push_back(labelled[i].record);
        set.truth.push_back(labelled[i].truth);
      }
      print_row(fmt::format("synthetic {}", set.records.size()), score(set, misses), nullptr);
    }
  } catch (const carta::Error& e) {
    std::fprintf(stderr, "dedup_benchmark: %s\n", e.what());
    return 1;
  }
  return 0;
}
