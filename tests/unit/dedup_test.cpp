// Deduplication rules (issue 17 and issue 20), one regression test per rule: identifiers need
// agreeing titles, recurring and numbered titles, page ranges, journal abbreviations, translated
// titles, Unicode, large blocks of copies, shared IDs, decisions, and the invariances (thread
// count, record order).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "carta/review/records.hpp"
#include "synthetic_records.hpp"

namespace carta {
namespace {

using ::testing::HasSubstr;
using review::BibRecord;

BibRecord article(std::string title, std::string author, std::string year = "2019", std::string journal = "Blood",
                  std::string volume = "", std::string pages = "") {
  BibRecord r;
  r.type = "JOUR";
  r.title = std::move(title);
  r.authors = {std::move(author)};
  r.year = std::move(year);
  r.journal = std::move(journal);
  r.volume = std::move(volume);
  r.pages = std::move(pages);
  return r;
}

std::vector<BibRecord> with_sources(std::vector<BibRecord> records) {
  for (std::size_t i = 0; i < records.size(); ++i) {
    records[i].source = "test.ris:" + std::to_string(10 * i + 1);
    if (records[i].id.empty()) records[i].id = records[i].source;
  }
  return records;
}

std::size_t unique_count(const std::vector<BibRecord>& records, const review::DedupOptions& options = {}) {
  return review::deduplicate(with_sources(records), options).kept.size();
}

const char* const kLongTitle =
    "Tisagenlecleucel in children and young adults with relapsed or refractory B-cell acute lymphoblastic leukemia";

TEST(Dedup, SharedDoiAloneIsNotProof) {
  // A conference supplement gives one DOI to all its abstracts: different titles and authors.
  std::vector<BibRecord> records;
  const char* titles[] = {"Outcomes of CD19 CAR T cells in adults with B-ALL after allogeneic transplant",
                          "Cytokine release syndrome grading in a multicentre pediatric cohort",
                          "Minimal residual disease negativity predicts event-free survival after blinatumomab",
                          "Real-world use of brexucabtagene autoleucel in mantle cell lymphoma",
                          "Neurotoxicity after axicabtagene ciloleucel: incidence and management"};
  const char* authors[] = {"Park, J.", "Lee, D.", "Gardner, R.", "Wang, M.", "Neelapu, S."};
  for (int i = 0; i < 5; ++i) {
    auto r = article(titles[i], authors[i], "2020", "Blood", "136", "");
    r.doi = "10.1182/blood-2020-supplement";
    records.push_back(r);
  }
  const auto result = review::deduplicate(with_sources(records));
  EXPECT_EQ(result.kept.size(), 5u);
  ASSERT_FALSE(result.notes.empty());
  EXPECT_THAT(result.notes.front(), HasSubstr("share a DOI or PMID but their titles differ"));
  // With agreeing titles the same DOI is proof.
  auto copy = records[0];
  copy.title = std::string(copy.title) + ".";
  copy.authors = {"Park J"};
  records.push_back(copy);
  const auto merged = review::deduplicate(with_sources(records));
  EXPECT_EQ(merged.kept.size(), 5u);
  ASSERT_EQ(merged.duplicates.size(), 1u);
  EXPECT_EQ(merged.duplicates[0].reason, review::MatchReason::kDoi);
}

TEST(Dedup, SharedPmidWithDifferentTitlesIsNotAMerge) {
  auto a = article(kLongTitle, "Maude, S.");
  auto b = article("Chimeric antigen receptor T cells for sustained remissions in leukemia", "Maude, S.");
  a.pmid = b.pmid = "29385370";
  EXPECT_EQ(unique_count({a, b}), 2u);
}

TEST(Dedup, ProceedingsVolumesNeverMergeOnTitle) {
  std::vector<BibRecord> records;
  for (int v = 1; v <= 5; ++v) {
    auto r = article("Proceedings of the 62nd ASH Annual Meeting, Volume " + std::to_string(v), "", "2020",
                     "Blood Proceedings");
    r.authors.clear();
    records.push_back(r);
  }
  EXPECT_EQ(unique_count(records), 5u);
  // Roman numerals are numbers too.
  EXPECT_EQ(unique_count({article("Abstracts, Volume II", "Smith, A."), article("Abstracts, Volume III", "Smith, A.")}), 2u);
}

TEST(Dedup, RecurringTitlesNeedTheirVolumeAndPages) {
  for (const char* title : {"Editorial", "Erratum", "Corrigendum", "Reply", "Correction", "Letter to the editor",
                            "Erratum: correction to the abstract", "In memoriam", "Introduction"}) {
    // Same journal and year, nothing else: different items.
    EXPECT_EQ(unique_count({article(title, "Smith, A.", "2019", "Lancet"), article(title, "Smith, A.", "2019", "Lancet")}), 2u)
        << title;
  }
  // The same editorial, exported twice with its volume and pages, is one.
  EXPECT_EQ(unique_count({article("Editorial", "Smith, A.", "2019", "Lancet", "393", "10-11"),
                          article("Editorial.", "Smith A", "2019", "The Lancet", "393", "10-1")}),
            1u);
}

TEST(Dedup, ErrataRepliesAndCommentsAreNotTheirPaper) {
  const auto paper = article(kLongTitle, "Maude, S.", "2018", "N Engl J Med", "378", "439-448");
  for (const std::string& other :
       {std::string("Erratum: ") + kLongTitle, std::string(kLongTitle) + " - Reply", std::string("Comment on: ") + kLongTitle,
        std::string("Retraction: ") + kLongTitle, std::string(kLongTitle) + " (vol 378, pg 439, 2018)"}) {
    auto b = paper;
    b.title = other;
    EXPECT_EQ(review::match_score(paper, b), 0.0) << other;
  }
  // A database's note that an erratum exists is not an erratum.
  auto noted = paper;
  noted.title = std::string(kLongTitle) + ".[Erratum appears in N Engl J Med. 2018 Aug 9;379(6):600]";
  EXPECT_GT(review::match_score(paper, noted), 0.93);
  noted.title = std::string(kLongTitle) + ".[Erratum appears in N Engl J Med. 2018 Aug";  // cut by the export
  EXPECT_GT(review::match_score(paper, noted), 0.93);
}

TEST(Dedup, TitlesThatDifferInANumberNeverMergeOnTitle) {
  const std::vector<std::pair<std::string, std::string>> pairs{
      {"CD19 CAR T cells in relapsed leukemia: results of a phase 1 study in children",
       "CD19 CAR T cells in relapsed leukemia: results of a phase 2 study in children"},
      {"Management of cytokine release syndrome after CAR T cells, part 2", "Management of cytokine release syndrome after CAR T cells, part 3"},
      {"Long-term follow-up of the NCT01626495 trial of CD19 CAR T cells in leukemia",
       "Long-term follow-up of the NCT01626496 trial of CD19 CAR T cells in leukemia"},
      {"Guidelines for the treatment of acute lymphoblastic leukemia in adults: 2019 update",
       "Guidelines for the treatment of acute lymphoblastic leukemia in adults: 2020 update"}};
  for (const auto& [x, y] : pairs) {
    EXPECT_EQ(unique_count({article(x, "Maude, S."), article(y, "Maude, S.")}), 2u) << x;
    // With the same volume and first page they are one item whose title was mistyped.
    EXPECT_EQ(unique_count({article(x, "Maude, S.", "2019", "Blood", "133", "1402-1410"),
                            article(y, "Maude, S.", "2019", "Blood", "133", "1402-10")}),
              1u)
        << x;
  }
  // "Phase II" and "phase 2" are the same number.
  EXPECT_EQ(unique_count({article("A phase II trial of CD22 CAR T cells in children with relapsed leukemia", "Shah, N."),
                          article("A phase 2 trial of CD22 CAR T cells in children with relapsed leukemia", "Shah, N.")}),
            1u);
}

TEST(Dedup, PageRanges) {
  auto range = [](const char* s) {
    const auto r = review::parse_pages(s);
    return std::vector<long>{r.first, r.last, r.locator ? 1L : 0L};
  };
  EXPECT_EQ(range("1234-41"), (std::vector<long>{1234, 1241, 0}));
  EXPECT_EQ(range("1507-17"), (std::vector<long>{1507, 1517, 0}));
  EXPECT_EQ(range("99-104"), (std::vector<long>{99, 104, 0}));
  EXPECT_EQ(range("S417-S429"), (std::vector<long>{417, 429, 0}));
  EXPECT_EQ(range("e0123"), (std::vector<long>{123, 123, 1}));
  EXPECT_EQ(range("CD006828"), (std::vector<long>{6828, 6828, 1}));
  EXPECT_EQ(range("01-Jun"), (std::vector<long>{1, 6, 0}));  // a spreadsheet's date for 1-6
  EXPECT_EQ(range("Suppl-29"), (std::vector<long>{0, 29, 0}));
  EXPECT_EQ(range("2243-5; author reply 2243-5"), (std::vector<long>{2243, 2245, 0}));
  EXPECT_FALSE(review::parse_pages("").known());
  EXPECT_FALSE(review::parse_pages("n/a").known());

  const auto base = article(kLongTitle, "Maude, S.", "2018", "N Engl J Med", "378", "1234-1241");
  for (const char* pages : {"1234-41", "1234", "1235-1241", "1241", "Suppl-41"}) {
    auto b = base;
    b.pages = pages;
    EXPECT_GT(review::match_score(base, b), 0.93) << pages;
  }
  auto other = base;
  other.pages = "1250-1258";
  EXPECT_LT(review::match_score(base, other), 0.93);  // for a person to decide
  EXPECT_GT(review::match_score(base, other), 0.2);
  // An article number against the PDF's pages, and an online-first record paginated from 1.
  auto online = article(kLongTitle, "Maude, S.", "2018", "PLoS One", "13", "e0191234");
  auto pdf = online;
  pdf.pages = "1-12";
  EXPECT_GT(review::match_score(online, pdf), 0.93);
  auto first = base;
  first.volume.clear();
  first.pages = "1-8";
  EXPECT_GT(review::match_score(base, first), 0.93);
}

TEST(Dedup, JournalAbbreviations) {
  EXPECT_TRUE(review::journals_match("N Engl J Med", "The New England Journal of Medicine"));
  EXPECT_TRUE(review::journals_match("New Engl J Med", "New England Journal of Medicine."));
  EXPECT_TRUE(review::journals_match("Proc Natl Acad Sci U S A",
                                     "Proceedings of the National Academy of Sciences of the United States of America"));
  EXPECT_TRUE(review::journals_match("J Clin Oncol", "Journal of Clinical Oncology"));
  EXPECT_TRUE(review::journals_match("JAMA", "Journal of the American Medical Association"));
  EXPECT_TRUE(review::journals_match("BMJ (Clinical research ed.)", "BMJ"));
  EXPECT_TRUE(review::journals_match("Ann Fr Anesth Reanim", "Annales Francaises d'Anesthesie et de Reanimation"));
  EXPECT_TRUE(review::journals_match("Dtsch Med Wochenschr", "Deutsche medizinische Wochenschrift (1946)"));
  EXPECT_TRUE(review::journals_match("Ai zheng = Aizheng = Chinese journal of cancer", "Chinese Journal of Cancer"));
  EXPECT_TRUE(review::journals_match("JPEN. Journal of parenteral and enteral nutrition", "Jpen: Journal of Parenteral & Enteral Nutrition"));
  EXPECT_TRUE(review::journals_match("Obstetrics and Gynecology", "Obstetrics & Gynecology"));
  EXPECT_TRUE(review::journals_match("Gan to Kagaku Ryoho [Japanese Journal of Cancer & Chemotherapy]",
                                     "Japanese Journal of Cancer and Chemotherapy"));
  EXPECT_FALSE(review::journals_match("Blood", "Blood Advances"));
  EXPECT_FALSE(review::journals_match("Lancet", "Lancet Oncology"));
  EXPECT_FALSE(review::journals_match("J Clin Oncol", "Journal of Clinical Virology"));
  EXPECT_FALSE(review::journals_match("British Journal of Haematology", "Haematologica"));
  EXPECT_FALSE(review::journals_match("Cancer Prevention Research", "Clinical Cancer Research"));
}

TEST(Dedup, TranslatedAndAnnotatedTitles) {
  const auto english = article("Incentive spirometry with expiratory positive airway pressure after myocardial revascularization",
                               "Ferreira, G. M.", "2010", "Arq Bras Cardiol", "94", "230-235");
  for (const char* title :
       {"[Incentive spirometry with expiratory positive airway pressure after myocardial revascularization].",
        "Incentive spirometry with expiratory positive airway pressure after myocardial revascularization. [Portuguese]",
        "Incentive spirometry with expiratory positive airway pressure after myocardial revascularization [Review] [33 refs]",
        "[Incentive spirometry with expiratory positive airway pressure after myocardial revascularization] Espirometria "
        "incentivada com pressao positiva expiratoria apos revascularizacao do miocardio"}) {
    auto b = english;
    b.title = title;
    b.journal = "Arquivos Brasileiros de Cardiologia";
    EXPECT_GT(review::match_score(english, b), 0.93) << title;
  }
}

TEST(Dedup, UnicodeBeyondLatin1) {
  EXPECT_EQ(review::normalise_text("Ort\u00edz &amp; M\u00fcller \u2014 CAR-T: \u0141\u00f3d\u017a"), "ortiz muller car t lodz");
  EXPECT_EQ(review::normalise_text("Nguy\u1ec5n \u0110\u1ee9c"), "nguyen duc");             // Vietnamese
  EXPECT_EQ(review::normalise_text("\u0418\u0432\u0430\u043d\u043e\u0432"), "ivanov");      // Cyrillic
  EXPECT_EQ(review::normalise_text("\u03b1-synuclein and TNF-\u03b2"), "alpha synuclein and tnf beta");  // Greek symbols
  EXPECT_EQ(review::normalise_text("Stra\u00dfe, \u00d8stergaard, \u00e6sthetic"), "strasse ostergaard aesthetic");
  EXPECT_EQ(review::normalise_text("&#946;-blockers &#x3b3; <i>in vivo</i>"), "beta blockers gamma in vivo");
  EXPECT_EQ(review::normalise_text("Ca\u0327rdenas"), "cardenas");  // a combining cedilla
  // A title with the letter spelled out matches one with the symbol.
  EXPECT_GT(review::match_score(article("Alpha-synuclein aggregation in the enteric nervous system of patients", "Li, X."),
                                article("\u03b1-Synuclein aggregation in the enteric nervous system of patients", "Li X")),
            0.93);
}

TEST(Dedup, ABigBlockOfIdenticalRecordsMergesCompletelyAndFast) {
  std::vector<BibRecord> records(5000, article(kLongTitle, "Maude, S.", "2018", "N Engl J Med", "378", "439-448"));
  records.push_back(article("Chimeric antigen receptor T cells for sustained remissions in leukemia", "Maude, S.", "2014",
                            "N Engl J Med", "371", "1507-17"));
  const auto start = std::chrono::steady_clock::now();
  const auto result = review::deduplicate(with_sources(records));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(result.kept.size(), 2u);
  EXPECT_EQ(result.duplicates.size(), 5000u - 1u);
  EXPECT_TRUE(std::all_of(result.duplicates.begin(), result.duplicates.end(),
                          [](const auto& d) { return d.reason == review::MatchReason::kIdentical; }));
  EXPECT_LT(result.comparisons, 10u);  // one comparison per set of copies, not 12.5 million
  EXPECT_LT(seconds, 5.0);
  // Copies that say too little to be recognised (a recurring title alone) go to review once.
  std::vector<BibRecord> editorials(3000, article("Editorial", "", "2020", "Lancet"));
  for (auto& e : editorials) e.authors.clear();
  const auto weak = review::deduplicate(with_sources(editorials));
  EXPECT_EQ(weak.kept.size(), 3000u);
}

TEST(Dedup, ABigBlockOfSimilarRecordsIsComparedBySortedNeighbourhood) {
  // 3,000 different papers by one author in one year (one block of the first-author pass), each
  // exported twice with a typo: every pair is still found.
  std::vector<BibRecord> records;
  for (int i = 0; i < 1500; ++i) {
    const std::string title = "Outcome " + std::to_string(i) + " of CD19 directed chimeric antigen receptor therapy in cohort";
    records.push_back(article(title, "Wang, X.", "2021", "Blood", std::to_string(100 + i), std::to_string(10 * i + 1)));
    auto copy = records.back();
    copy.title = "Outcome " + std::to_string(i) + " of CD19 directed chimeric antigen receptor therapy in cohrt";
    copy.pages.clear();
    records.push_back(copy);
  }
  review::DedupOptions options;
  options.max_block = 200;
  const auto result = review::deduplicate(with_sources(records), options);
  EXPECT_EQ(result.kept.size(), 1500u);
  EXPECT_THAT(result.notes, ::testing::Contains(HasSubstr("sorted neighbourhood")));
}

TEST(Dedup, RecordsSharingAnIdThatAreDifferentPapersAreANote) {
  auto a = article(kLongTitle, "Maude, S.", "2018", "N Engl J Med", "378", "439-448");
  auto b = article("Chimeric antigen receptor T cells for sustained remissions in leukemia", "Maude, S.", "2014",
                   "N Engl J Med", "371", "1507-17");
  a.id = b.id = "17";
  a.source = "pubmed.ris:1";
  b.source = "embase.ris:40";
  const auto result = review::deduplicate({a, b});
  EXPECT_EQ(result.kept.size(), 2u);
  EXPECT_THAT(result.notes, ::testing::Contains(HasSubstr("share the ID '17' but are different papers")));
}

TEST(Dedup, AConferenceAbstractAndAnArticleOfOneTrialStayApart) {
  const auto paper = article(kLongTitle, "Maude, S.", "2018", "N Engl J Med", "378", "439-448");
  auto abstract = paper;
  abstract.type = "CONF";
  abstract.journal = "Blood (ASH Annual Meeting Abstracts)";
  abstract.volume = "132";
  abstract.pages = "1411";
  EXPECT_EQ(review::match_score(paper, abstract), 0.0);
  BibRecord thesis;
  thesis.journal = "Dissertation Abstracts International: Section B: The Sciences and Engineering";
  EXPECT_FALSE(review::is_conference(thesis));
  // One abstract that one database lists as a meeting abstract and another as a journal item
  // (one page of the journal's supplement) is one record.
  auto item = article("Activation of complement during liver transplantation in atypical hemolytic uremic syndrome",
                      "Koskinen, A.", "2010", "Scandinavian Journal of Immunology", "71", "507-507");
  auto meeting = item;
  meeting.journal = "Scandinavian Journal of Immunology.Conference: 39th Meeting of Scandinavian Society for Immunology";
  meeting.volume.clear();
  meeting.pages.clear();
  EXPECT_GT(review::match_score(item, meeting), 0.93);
}

TEST(Dedup, DecisionsOverrideScores) {
  const auto a = article(kLongTitle, "Maude, S.", "2018", "N Engl J Med", "378", "439-448");
  auto b = a;
  b.title += ".";
  auto c = a;
  c.title = std::string(kLongTitle) + " - an updated analysis of ELIANA";
  c.pages.clear();
  c.volume.clear();
  const auto records = with_sources({a, b, c});
  const auto plain = review::deduplicate(records);
  EXPECT_EQ(plain.kept.size(), 2u);
  ASSERT_EQ(plain.review.size(), 1u);  // c is uncertain
  review::DedupOptions options;
  options.decisions = {{0, 1, false}, {1, 2, true}};
  const auto decided = review::deduplicate(records, options);
  // "a and b are different" holds even though c, decided to be b's duplicate, scores close to a.
  EXPECT_EQ(decided.kept.size(), 2u);
  for (const auto& p : decided.review) {  // decided pairs are not asked again; a and c still may be
    EXPECT_TRUE(p.a == 0 && p.b == 2) << p.a << " " << p.b;
  }
  EXPECT_EQ(decided.decisions_applied, 2u);
  bool c_with_b = false;
  for (const auto& d : decided.duplicates) {
    c_with_b = c_with_b || ((d.record == 2 && d.kept == 1) || (d.record == 1 && d.kept == 2));
    EXPECT_FALSE((d.record == 0 && d.kept == 1) || (d.record == 1 && d.kept == 0));
  }
  EXPECT_TRUE(c_with_b);
}

TEST(Dedup, RecordKeysNameRecordsNotRows) {
  auto a = article(kLongTitle, "Maude, S.", "2018", "N Engl J Med", "378", "439-448");
  auto moved = a;
  moved.source = "other.ris:99";
  moved.id = "x";
  EXPECT_EQ(review::record_key(a), review::record_key(moved));
  auto changed = a;
  changed.pages = "439-449";
  EXPECT_NE(review::record_key(a), review::record_key(changed));
  EXPECT_THAT(review::record_key(a), ::testing::MatchesRegex("r[0-9a-f]{16}"));
}

TEST(Dedup, TheResultDoesNotDependOnThreadsOrOrder) {
  const auto set = testing::synthetic_records(3000, 7);
  std::vector<BibRecord> records;
  for (const auto& l : set) records.push_back(l.record);
  review::DedupOptions one, two;
  one.threads = 1;
  two.threads = 2;
  const auto r1 = review::deduplicate(records, one);
  const auto r2 = review::deduplicate(records, two);
  EXPECT_EQ(r1.kept, r2.kept);
  ASSERT_EQ(r1.duplicates.size(), r2.duplicates.size());
  for (std::size_t i = 0; i < r1.duplicates.size(); ++i) EXPECT_EQ(r1.duplicates[i].kept, r2.duplicates[i].kept);
  // Reversed input: the same number of groups, and the same partition.
  std::vector<BibRecord> reversed(records.rbegin(), records.rend());
  const auto r3 = review::deduplicate(reversed);
  EXPECT_EQ(r3.kept.size(), r1.kept.size());
}

TEST(Dedup, SyntheticSetAccuracy) {
  // The labelled synthetic set (bench/dedup_benchmark reports it at full size): no wrong merge,
  // and nearly every copy found.
  const auto set = testing::synthetic_records(4000);
  std::vector<BibRecord> records;
  for (const auto& l : set) records.push_back(l.record);
  const auto result = review::deduplicate(records);
  std::size_t wrong = 0;
  for (const auto& d : result.duplicates) wrong += set[d.record].truth != set[d.kept].truth ? 1 : 0;
  std::set<std::size_t> truths;
  for (const auto& l : set) truths.insert(l.truth);
  const std::size_t true_duplicates = set.size() - truths.size();
  EXPECT_EQ(wrong, 0u);
  EXPECT_GT(static_cast<double>(result.duplicates.size() - wrong) / static_cast<double>(true_duplicates), 0.93);
}

}  // namespace
}  // namespace carta
