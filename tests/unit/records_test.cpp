// Search exports (RIS, MEDLINE, CSV) with their quirks, text normalisation, Jaro-Winkler against
// published values, and deduplication rules.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "carta/error.hpp"
#include "carta/io/records.hpp"
#include "carta/review/records.hpp"
#include "compare.hpp"

namespace carta {
namespace {

using ::testing::HasSubstr;
using review::BibRecord;

TEST(Records, RisWithBomCrlfContinuationAndDoiInUrl) {
  const auto load = io::read_records(test::source_path("fixtures/records/embase.ris"));
  EXPECT_EQ(load.format, "RIS");
  ASSERT_EQ(load.records.size(), 3u);
  const auto& r = load.records[0];
  EXPECT_EQ(r.id, "emb-001");
  EXPECT_EQ(r.title, "Tisagenlecleucel in Children and Young Adults with B-Cell Lymphoblastic Leukemia");
  EXPECT_EQ(r.authors.size(), 2u);
  EXPECT_EQ(r.year, "2018");
  EXPECT_EQ(r.pages, "439-448");
  EXPECT_EQ(review::normalise_doi(r.doi), "10.1056/nejmoa1709866");
  EXPECT_TRUE(review::is_conference(load.records[1]));
  EXPECT_FALSE(review::is_conference(r));
}

TEST(Records, MedlineWithContinuationsAndDoiInLidOrAid) {
  const auto load = io::read_records(test::source_path("fixtures/records/pubmed.nbib"));
  EXPECT_EQ(load.format, "MEDLINE");
  ASSERT_EQ(load.records.size(), 3u);
  EXPECT_EQ(load.records[0].id, "29385370");
  EXPECT_EQ(load.records[0].title, "Tisagenlecleucel in Children and Young Adults with B-Cell Lymphoblastic Leukemia.");
  EXPECT_EQ(review::normalise_doi(load.records[0].doi), "10.1056/nejmoa1709866");   // LID
  EXPECT_EQ(review::normalise_doi(load.records[1].doi), "10.1016/s0140-6736(21)01222-8");  // AID
  EXPECT_EQ(load.records[0].journal, "The New England journal of medicine");
  EXPECT_EQ(load.records[2].year, "2014");
  EXPECT_THAT(load.records[0].abstract, HasSubstr("high rates of complete remission"));
}

TEST(Records, CsvAndBadInput) {
  const auto csv = io::parse_records("Title,Authors,Year,DOI\nA study,\"Lee, D; Park, J\",2015,doi:10.1/x\n", "r.csv");
  EXPECT_EQ(csv.format, "CSV");
  ASSERT_EQ(csv.records.size(), 1u);
  EXPECT_EQ(csv.records[0].authors.size(), 2u);
  auto error_of = [](std::string_view text) {
    try {
      io::parse_records(text, "x.ris");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  // Issue 17: a RIS record without its TY line is read (some managers leave it out); only a
  // record with neither a title nor an identifier is skipped, and a file of nothing else fails.
  const auto no_type = io::parse_records("AU  - Lee, D\nTI  - No type line\nER  - \n", "x.ris");
  ASSERT_EQ(no_type.records.size(), 1u);
  EXPECT_EQ(no_type.records[0].title, "No type line");
  EXPECT_THAT(error_of("AU  - Lee, D\nER  - \n"),
              HasSubstr("x.ris: no record could be read (1 skipped); the first: x.ris:1: the record has no title"));
  // UTF-16 is converted (issue 17); "TY" alone is still no export, and the message says it was UTF-16.
  EXPECT_THAT(error_of(std::string("\xFF\xFET\0Y\0", 6)), HasSubstr("after conversion from UTF-16LE"));
  const auto truncated = io::parse_records("TY  - JOUR\nTI  - Cut short\n", "t.ris");
  ASSERT_EQ(truncated.records.size(), 1u);
  EXPECT_THAT(truncated.notes[0], HasSubstr("no ER line"));
  EXPECT_TRUE(io::parse_records("", "empty.ris").records.empty());
}

TEST(Records, Normalisation) {
  EXPECT_EQ(review::normalise_text("Ort\u00edz &amp; M\u00fcller \u2014 CAR-T: \u0141\u00f3d\u017a"), "ortiz muller car t lodz");
  EXPECT_EQ(review::normalise_doi("https://doi.org/10.1056/NEJMoa1709866."), "10.1056/nejmoa1709866");
  EXPECT_EQ(review::normalise_doi("doi: 10.1182/blood-2017-02-769208 [doi]"), "10.1182/blood-2017-02-769208");
  EXPECT_EQ(review::normalise_doi("not a doi"), "");
  EXPECT_EQ(review::first_page("1507-17"), "1507");
  EXPECT_EQ(review::first_page("e0123"), "123");
}

TEST(Records, JaroWinklerPublishedValues) {
  // Winkler (1990) and the usual worked examples.
  EXPECT_NEAR(review::jaro_winkler("MARTHA", "MARHTA"), 0.9611, 1e-4);
  EXPECT_NEAR(review::jaro_winkler("DWAYNE", "DUANE"), 0.8400, 1e-4);
  EXPECT_NEAR(review::jaro_winkler("DIXON", "DICKSONX"), 0.8133, 1e-4);
  EXPECT_DOUBLE_EQ(review::jaro_winkler("", ""), 1.0);
  EXPECT_DOUBLE_EQ(review::jaro_winkler("abc", ""), 0.0);
}

TEST(Records, DeduplicationOfTheFixtures) {
  auto records = io::read_records(test::source_path("fixtures/records/embase.ris")).records;
  for (auto& r : io::read_records(test::source_path("fixtures/records/pubmed.nbib")).records) records.push_back(r);
  const auto result = review::deduplicate(records);
  ASSERT_EQ(result.duplicates.size(), 2u);
  EXPECT_EQ(records[result.duplicates[0].record].id, "emb-001");
  EXPECT_EQ(records[result.duplicates[0].kept].id, "29385370");  // the PubMed record has the abstract
  EXPECT_EQ(result.duplicates[0].reason, review::MatchReason::kDoi);
  EXPECT_EQ(records[result.duplicates[1].record].id, "emb-003");
  EXPECT_EQ(result.duplicates[1].reason, review::MatchReason::kFuzzy);
  EXPECT_EQ(result.kept.size(), 4u);  // the ELIANA conference abstract stays a separate report
}

TEST(Records, RulesThatKeepRecordsApart) {
  BibRecord a;
  a.title = "Long-term outcomes of CD19 CAR T-cell therapy in children with relapsed acute lymphoblastic leukemia";
  a.authors = {"Maude, S."};
  a.year = "2018";
  a.journal = "Blood";
  BibRecord conference = a;
  conference.type = "CONF";
  EXPECT_EQ(review::match_score(a, conference), 0.0);
  BibRecord later = a;
  later.year = "2021";
  EXPECT_EQ(review::match_score(a, later), 0.0);
  BibRecord other_doi = a, with_doi = a;
  other_doi.doi = "10.1/a";
  with_doi.doi = "10.1/b";
  EXPECT_EQ(review::match_score(other_doi, with_doi), 0.0);
  BibRecord typo = a;
  typo.title[5] = 'x';
  typo.authors = {"Maude SL"};
  EXPECT_GT(review::match_score(a, typo), 0.93);
  BibRecord truncated = a;
  truncated.title = a.title.substr(0, 60);
  EXPECT_GT(review::match_score(a, truncated), 0.93);
  // Identical short titles alone are not enough.
  BibRecord s1, s2;
  s1.title = s2.title = "Editorial";
  EXPECT_LT(review::match_score(s1, s2), 0.93);
}

}  // namespace
}  // namespace carta
