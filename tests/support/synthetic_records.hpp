#pragma once
// A labelled synthetic set of bibliographic records for deduplication accuracy and speed: base
// records (titles from a clinical vocabulary, authors, journals, years, pages, DOIs, PMIDs),
// near-miss distinct records (same template, another trial or year), conference abstracts that
// repeat an article's title (different reports, not duplicates), and perturbed copies as database
// exports make them: typos, missing DOI, changed capitals, truncated titles, author initials, HTML
// entities and diacritics, missing pages. Shared by bench/dedup_accuracy and bench/io_bench.

#include <cctype>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "carta/review/records.hpp"

namespace carta::testing {

namespace synthetic_detail {

using carta::review::BibRecord;


using carta::review::BibRecord;

inline const char* const kWords[] = {
    "chimeric", "antigen", "receptor", "t", "cell", "therapy", "cd19", "cd22", "bispecific", "acute", "lymphoblastic",
    "leukemia", "relapsed", "refractory", "children", "young", "adults", "phase", "1", "2", "trial", "outcomes",
    "long", "term", "follow", "up", "safety", "efficacy", "cytokine", "release", "syndrome", "neurotoxicity",
    "minimal", "residual", "disease", "remission", "transplant", "allogeneic", "infusion", "humanized", "murine",
    "costimulatory", "domain", "4", "1bb", "cd28", "single", "center", "multicenter", "study", "patients", "b",
    "lymphoma", "real", "world", "analysis", "response", "durable", "survival", "event", "free", "overall",
    "tisagenlecleucel", "brexucabtagene", "obecabtagene", "autoleucel", "cohort", "retrospective", "prospective"};
inline const char* const kSurnames[] = {"Maude", "Park", "Shah", "Lee", "Gardner", "Frey", "Hay", "Roddie", "Zhang", "Wang",
                                 "Li", "Chen", "Liu", "Pan", "Jiang", "Hu", "Curran", "Fry", "Turtle", "Müller",
                                 "Ortíz", "Cordoba", "Talleur", "Annesley", "Wayne", "Dai", "Ma", "Gu", "Shalabi", "Kim"};
inline const char* const kJournals[] = {"N Engl J Med", "Lancet", "Blood", "J Clin Oncol", "Leukemia", "Blood Adv",
                                 "J Hematol Oncol", "Nat Med", "Haematologica", "Am J Hematol", "Mol Ther", "Clin Cancer Res"};

inline std::string title_of(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> len(8, 16);
  std::uniform_int_distribution<std::size_t> word(0, std::size(kWords) - 1);
  std::string t;
  const int n = len(rng);
  for (int i = 0; i < n; ++i) t += (i ? " " : "") + std::string(kWords[word(rng)]);
  t[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(t[0])));
  return t;
}

inline BibRecord make_base(std::mt19937_64& rng, std::size_t index) {
  std::uniform_int_distribution<std::size_t> surname(0, std::size(kSurnames) - 1), journal(0, std::size(kJournals) - 1);
  std::uniform_int_distribution<int> year(2010, 2025), volume(1, 400), page(1, 9000), authors(1, 6);
  BibRecord r;
  r.type = "JOUR";
  r.title = title_of(rng);
  const int na = authors(rng);
  for (int a = 0; a < na; ++a) r.authors.push_back(std::string(kSurnames[surname(rng)]) + ", " + static_cast<char>('A' + a) + ".");
  r.year = std::to_string(year(rng));
  r.journal = kJournals[journal(rng)];
  r.volume = std::to_string(volume(rng));
  const int p = page(rng);
  r.pages = std::to_string(p) + "-" + std::to_string(p + 9);
  r.doi = "10.1000/carta." + std::to_string(index);
  r.pmid = std::to_string(20000000 + index);
  return r;
}

inline BibRecord perturb(const BibRecord& base, std::mt19937_64& rng) {
  BibRecord r = base;
  std::uniform_real_distribution<double> u(0, 1);
  if (u(rng) < 0.6) r.doi.clear();   // many exports lack the DOI
  if (u(rng) < 0.6) r.pmid.clear();  // and the PMID
  if (u(rng) < 0.3) {                // a typo
    std::uniform_int_distribution<std::size_t> at(0, r.title.size() - 1);
    const std::size_t i = at(rng);
    if (std::isalpha(static_cast<unsigned char>(r.title[i]))) r.title[i] = r.title[i] == 'e' ? 'a' : 'e';
  }
  if (u(rng) < 0.3) {  // capitals changed
    for (auto& c : r.title) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (u(rng) < 0.15 && r.title.size() > 60) r.title = r.title.substr(0, r.title.size() * 2 / 3);  // truncated
  if (u(rng) < 0.4) {  // author initials, MEDLINE style
    for (auto& a : r.authors) {
      const auto comma = a.find(',');
      if (comma != std::string::npos) a = a.substr(0, comma) + " " + a.substr(comma + 2, 1);
    }
  }
  if (u(rng) < 0.2) r.title += ".";
  if (u(rng) < 0.1) r.title = "&lt;Update&gt; " + r.title;
  if (u(rng) < 0.2) r.pages.clear();
  if (u(rng) < 0.2) r.journal = r.journal + " (Print)";
  return r;
}

}  // namespace synthetic_detail

struct LabelledRecord {
  carta::review::BibRecord record;
  std::size_t truth;  // records with the same truth are duplicates of one report
};

// At least `target` records (a base record's copies follow it), ids "0", "1", ...
inline std::vector<LabelledRecord> synthetic_records(std::size_t target, std::uint64_t seed = 20261121) {
  using namespace synthetic_detail;
  using Labelled = LabelledRecord;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<Labelled> set;
  std::size_t truth = 0;
  while (set.size() < target) {
    BibRecord base = make_base(rng, truth);
    const std::size_t id = truth++;
    set.push_back({base, id});
    const double kind = u(rng);
    if (kind < 0.35) {  // duplicated in one or two other databases
      const int copies = u(rng) < 0.7 ? 1 : 2;
      for (int c = 0; c < copies; ++c) set.push_back({perturb(base, rng), id});
    } else if (kind < 0.40) {  // a conference abstract with the article's title: a different report
      BibRecord abstract = base;
      abstract.type = "CONF";
      abstract.journal = "Blood (ASH Annual Meeting Abstracts)";
      abstract.doi.clear();
      abstract.pmid.clear();
      abstract.pages = "abstract " + std::to_string(u(rng) * 5000);
      set.push_back({abstract, truth++});
    } else if (kind < 0.45) {  // a near miss: the same template, another year and trial
      BibRecord other = make_base(rng, truth);
      other.title = base.title + " update";
      other.authors = base.authors;
      set.push_back({other, truth++});
    }
  }
  for (std::size_t i = 0; i < set.size(); ++i) {
    set[i].record.id = std::to_string(i);
    set[i].record.source = "synthetic:" + std::to_string(i);
  }
  return set;
}

}  // namespace carta::testing
