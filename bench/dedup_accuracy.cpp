// Deduplication accuracy and speed (issue 8), on a labelled synthetic set: base records (titles
// from a clinical vocabulary, authors, journals, years, pages, DOIs, PMIDs), near-miss distinct
// records (same template, another trial or year), conference abstracts that repeat an article's
// title (different reports, not duplicates), and perturbed copies as database exports make them:
// typos, missing DOI, changed capitals, truncated titles, author initials, HTML entities and
// diacritics, missing pages. Sensitivity = duplicates removed correctly / true duplicates;
// specificity = records that must stay (one per true group) not wrongly merged.
// Not a unit test: run build/dedup_accuracy [records] and record the figures in docs/methods/dedup.md.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "carta/review/records.hpp"

namespace {

using carta::review::BibRecord;

const char* const kWords[] = {
    "chimeric", "antigen", "receptor", "t", "cell", "therapy", "cd19", "cd22", "bispecific", "acute", "lymphoblastic",
    "leukemia", "relapsed", "refractory", "children", "young", "adults", "phase", "1", "2", "trial", "outcomes",
    "long", "term", "follow", "up", "safety", "efficacy", "cytokine", "release", "syndrome", "neurotoxicity",
    "minimal", "residual", "disease", "remission", "transplant", "allogeneic", "infusion", "humanized", "murine",
    "costimulatory", "domain", "4", "1bb", "cd28", "single", "center", "multicenter", "study", "patients", "b",
    "lymphoma", "real", "world", "analysis", "response", "durable", "survival", "event", "free", "overall",
    "tisagenlecleucel", "brexucabtagene", "obecabtagene", "autoleucel", "cohort", "retrospective", "prospective"};
const char* const kSurnames[] = {"Maude", "Park", "Shah", "Lee", "Gardner", "Frey", "Hay", "Roddie", "Zhang", "Wang",
                                 "Li", "Chen", "Liu", "Pan", "Jiang", "Hu", "Curran", "Fry", "Turtle", "Müller",
                                 "Ortíz", "Cordoba", "Talleur", "Annesley", "Wayne", "Dai", "Ma", "Gu", "Shalabi", "Kim"};
const char* const kJournals[] = {"N Engl J Med", "Lancet", "Blood", "J Clin Oncol", "Leukemia", "Blood Adv",
                                 "J Hematol Oncol", "Nat Med", "Haematologica", "Am J Hematol", "Mol Ther", "Clin Cancer Res"};

struct Labelled {
  BibRecord record;
  std::size_t truth;  // records with the same truth are duplicates of one report
};

std::string title_of(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> len(8, 16);
  std::uniform_int_distribution<std::size_t> word(0, std::size(kWords) - 1);
  std::string t;
  const int n = len(rng);
  for (int i = 0; i < n; ++i) t += (i ? " " : "") + std::string(kWords[word(rng)]);
  t[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(t[0])));
  return t;
}

BibRecord make_base(std::mt19937_64& rng, std::size_t index) {
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

BibRecord perturb(const BibRecord& base, std::mt19937_64& rng) {
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

}  // namespace

int main(int argc, char** argv) {
  const std::size_t target = argc > 1 ? static_cast<std::size_t>(std::atol(argv[1])) : 20000;
  std::mt19937_64 rng(20261121);
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
  std::vector<BibRecord> records;
  for (std::size_t i = 0; i < set.size(); ++i) {
    set[i].record.id = std::to_string(i);
    set[i].record.source = "synthetic:" + std::to_string(i);
    records.push_back(set[i].record);
  }
  const auto start = std::chrono::steady_clock::now();
  const auto result = carta::review::deduplicate(records);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::unordered_map<std::size_t, std::size_t> group_size;
  for (const auto& l : set) ++group_size[l.truth];
  std::size_t true_duplicates = 0;
  for (const auto& [t, n] : group_size) true_duplicates += n - 1;
  const std::size_t must_stay = group_size.size();
  std::size_t correct = 0, wrong = 0;
  for (const auto& d : result.duplicates) {
    (set[d.record].truth == set[d.kept].truth ? correct : wrong) += 1;
  }
  std::printf("records %zu (true groups %zu, true duplicates %zu)\n", records.size(), must_stay, true_duplicates);
  std::printf("removed %zu: %zu correct, %zu wrong; %zu pair(s) for review; %zu comparisons\n", result.duplicates.size(),
              correct, wrong, result.review.size(), result.comparisons);
  std::printf("sensitivity %.4f  specificity %.5f  time %.2f s\n",
              true_duplicates ? static_cast<double>(correct) / static_cast<double>(true_duplicates) : 1.0,
              1.0 - static_cast<double>(wrong) / static_cast<double>(must_stay), seconds);
  return 0;
}
