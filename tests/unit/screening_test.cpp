// Dual screening: Covidence's semantics, Cohen's kappa against a hand-computed example, errors
// naming the log line, and PRISMA counts derived from the log.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "carta/error.hpp"
#include "carta/io/screening_table.hpp"
#include "carta/review/screening.hpp"

namespace carta {
namespace {

using ::testing::HasSubstr;

review::ScreeningResult run(const std::string& csv) {
  return review::summarise_screening(io::load_screening_log(io::parse_delimited(csv, ',', "log.csv")));
}

std::string error_of(const std::string& csv) {
  try {
    run(csv);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Screening, KappaOfAHandComputedExample) {
  // 10 records: both include 3, both exclude 4, A include / B exclude 2, A exclude / B include 1.
  // p_o = 0.7; A includes 5/10, B 4/10: p_e = 0.5 * 0.4 + 0.5 * 0.6 = 0.5; kappa = 0.2 / 0.5 = 0.4.
  std::string csv = "record,stage,reviewer,decision,reason\n";
  const char* a[] = {"include", "include", "include", "exclude", "exclude", "exclude", "exclude", "include", "include", "exclude"};
  const char* b[] = {"include", "maybe", "include", "exclude", "exclude", "exclude", "exclude", "exclude", "exclude", "include"};
  for (int i = 0; i < 10; ++i) {
    csv += "r" + std::to_string(i) + ",title_abstract,A," + a[i] + ",\n";
    csv += "r" + std::to_string(i) + ",title_abstract,B," + b[i] + ",\n";
  }
  const auto r = run(csv);
  ASSERT_EQ(r.agreement.size(), 1u);
  EXPECT_EQ(r.agreement[0].both_rated, 10);
  EXPECT_DOUBLE_EQ(r.agreement[0].percent_agreement, 70.0);
  EXPECT_NEAR(r.agreement[0].expected_agreement, 0.5, 1e-15);
  EXPECT_NEAR(r.agreement[0].kappa, 0.4, 1e-15);
  EXPECT_EQ(r.title_abstract.conflicts, 3);
  EXPECT_EQ(r.title_abstract.included, 3);  // include and maybe agree
  EXPECT_EQ(r.title_abstract.excluded, 4);
  EXPECT_FALSE(r.complete());
}

TEST(Screening, AdjudicationSingleVotesAndStudies) {
  const auto r = run(
      "record,stage,reviewer,decision,reason,study\n"
      "p1,title_abstract,A,include,,\n"
      "p1,title_abstract,B,include,,\n"
      "p2,title_abstract,A,include,,\n"
      "p2,title_abstract,B,exclude,,\n"
      "p2,title_abstract,adjudicator,include,,\n"
      "p3,title_abstract,A,exclude,,\n"
      "p3,title_abstract,B,exclude,,\n"
      "p1,full_text,A,include,,ELIANA\n"
      "p1,full_text,B,include,,ELIANA\n"
      "p2,full_text,A,exclude,Overlapping cohort,\n"
      "p2,full_text,B,include,,\n"
      "p2,full_text,adjudicator,include,,ELIANA\n"
      "p4,title_abstract,A,include,,\n");
  EXPECT_EQ(r.title_abstract.records, 4);
  EXPECT_EQ(r.title_abstract.included, 2);
  EXPECT_EQ(r.title_abstract.awaiting, 1);  // p4 has one vote
  EXPECT_EQ(r.full_text.included, 2);
  EXPECT_EQ(r.included_reports, 2);
  EXPECT_EQ(r.included_studies, 1);  // two reports of one trial
}

TEST(Screening, ErrorsNameTheLine) {
  EXPECT_THAT(error_of("record,stage,reviewer,decision,reason\np1,title_abstract,A,include,\np1,title_abstract,B,include,\n"
                       "p1,full_text,A,exclude,\n"),
              HasSubstr("log.csv:4: record 'p1': a full-text exclusion needs a reason"));
  EXPECT_THAT(error_of("record,stage,reviewer,decision,reason\np1,title_abstract,A,include,\np1,title_abstract,A,exclude,\n"),
              HasSubstr("log.csv:3: record 'p1': reviewer 'A' already decided at title_abstract (line 2)"));
  EXPECT_THAT(error_of("record,stage,reviewer,decision,reason\np1,title_abstract,A,exclude,\np1,title_abstract,B,exclude,\n"
                       "p1,full_text,A,include,\n"),
              HasSubstr("has full-text decisions but was excluded at title and abstract"));
  EXPECT_THAT(error_of("record,stage,reviewer,decision,reason\np1,screening,A,include,\n"),
              HasSubstr("log.csv:2:2 (column 'stage'): stage 'screening' is not title_abstract or full_text"));
  EXPECT_THAT(error_of("record,stage,reviewer,decision,reason\np1,title_abstract,A,perhaps,\n"),
              HasSubstr("decision 'perhaps' is not one of include, maybe, exclude, not_retrieved"));
  EXPECT_THAT(error_of("record,stage,reviewer,decision\n"), HasSubstr("no decisions"));
}

TEST(Screening, PrismaCountsFromAFinishedLog) {
  const auto r = run(
      "record,stage,reviewer,decision,reason\n"
      "a,title_abstract,A,include,\na,title_abstract,B,include,\n"
      "b,title_abstract,A,include,\nb,title_abstract,B,maybe,\n"
      "c,title_abstract,A,exclude,\nc,title_abstract,B,exclude,\n"
      "d,title_abstract,A,include,\nd,title_abstract,B,include,\n"
      "a,full_text,A,include,\na,full_text,B,include,\n"
      "b,full_text,A,exclude,Not CAR-T\nb,full_text,B,exclude,Not CAR-T\n"
      "d,full_text,A,not_retrieved,\n");
  ASSERT_TRUE(r.complete());
  review::PrismaCounts identification;
  identification.database_specific = {{"PubMed", 5}};
  identification.duplicates = 1;
  auto counts = review::prisma_counts(r, identification);
  review::complete_and_check(counts);
  EXPECT_EQ(*counts.records_screened, 4);
  EXPECT_EQ(*counts.records_excluded, 1);
  EXPECT_EQ(*counts.dbr_sought, 3);
  EXPECT_EQ(*counts.dbr_notretrieved, 1);
  EXPECT_EQ(*counts.dbr_assessed, 2);
  EXPECT_EQ(counts.dbr_excluded.at(0).name, "Not CAR-T");
  EXPECT_EQ(*counts.new_studies, 1);
  // A search count that disagrees with the log is refused, naming the box.
  identification.duplicates = 2;
  auto wrong = review::prisma_counts(r, identification);
  EXPECT_THROW(review::complete_and_check(wrong), Error);
}

TEST(Screening, KappaUndefinedWhenEveryVoteIsTheSame) {
  const auto r = run("record,stage,reviewer,decision,reason\np1,title_abstract,A,exclude,\np1,title_abstract,B,exclude,\n"
                     "p2,title_abstract,A,exclude,\np2,title_abstract,B,exclude,\n");
  EXPECT_TRUE(std::isnan(r.agreement[0].kappa));
  EXPECT_DOUBLE_EQ(r.agreement[0].percent_agreement, 100.0);
  EXPECT_THAT(r.notes[0], HasSubstr("kappa is undefined"));
}

}  // namespace
}  // namespace carta
