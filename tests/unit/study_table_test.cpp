#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "carta/error.hpp"
#include "carta/io/study_table.hpp"

namespace carta::io {
namespace {

using ::testing::HasSubstr;

StudyLoad load(std::string_view csv, std::optional<std::string> by = std::nullopt,
               std::vector<std::string> exclude = {}) {
  const auto table = parse_delimited(csv, ',', "s.csv");
  return load_proportion_studies(table, StudyColumns{"x", "n", std::string("label"), std::move(by), {}}, exclude);
}

std::string error_of(std::string_view csv, ErrorCategory expected = ErrorCategory::kInvalidInput,
                     std::vector<std::string> exclude = {}) {
  try {
    load(csv, std::nullopt, std::move(exclude));
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), expected) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error for: " << csv;
  return {};
}

TEST(StudyTable, LoadsStudiesInOrder) {
  const auto l = load("label,x,n\nA,1,10\nB,0,5\nC,5,5\n");
  ASSERT_EQ(l.groups.size(), 1u);
  const auto& s = l.groups[0].studies;
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[1].label, "B");
  EXPECT_EQ(s[1].events, 0);
  EXPECT_EQ(s[2].n, 5);
}

TEST(StudyTable, SkipsRowsWithoutTheOutcomeWithANote) {
  const auto l = load("label,x,n\nA,1,10\nB,,\nC,3,\nD,2,8\n");
  ASSERT_EQ(l.groups[0].studies.size(), 2u);
  ASSERT_EQ(l.groups[0].notes.size(), 1u);
  EXPECT_THAT(l.groups[0].notes[0], HasSubstr("skipped 2 row(s)"));
  EXPECT_THAT(l.groups[0].notes[0], HasSubstr("B (line 3)"));
  EXPECT_THAT(l.groups[0].notes[0], HasSubstr("C (line 4, no n)"));
}

TEST(StudyTable, NegativeCount) {
  const auto msg = error_of("label,x,n\nA,-1,10\n");
  EXPECT_THAT(msg, HasSubstr("s.csv:2:2 (column 'x'): value '-1' is negative"));
  EXPECT_THAT(msg, HasSubstr("leave it empty (or write NA) if the study does not report this outcome"));
}

TEST(StudyTable, NonIntegerCounts) {
  EXPECT_THAT(error_of("label,x,n\nA,1.5,10\n"), HasSubstr("value '1.5' is not a whole number"));
  EXPECT_THAT(error_of("label,x,n\nA,12.0,20\n"), HasSubstr("value '12.0' is not a whole number"));
  EXPECT_THAT(error_of("label,x,n\nA,1e400,10\n"), HasSubstr("is not a whole number"));
  EXPECT_THAT(error_of("label,x,n\nA,NaN,10\n"), HasSubstr("value 'NaN' is not a number"));
  EXPECT_THAT(error_of("label,x,n\nA,3,\"1,000\"\n"), HasSubstr("s.csv:2:3 (column 'n'): value '1,000' contains a comma"));
  EXPECT_THAT(error_of("label,x,n\nA,3,99999999999999999999\n"), HasSubstr("too large"));
}

TEST(StudyTable, EventsAboveN) {
  const auto msg = error_of("label,x,n\nA,1,10\nB,31,30\n");
  EXPECT_THAT(msg, HasSubstr("s.csv:3:2 (column 'x'): events = 31 exceed n = 30 (column 'n') for study 'B'"));
}

TEST(StudyTable, ZeroN) {
  EXPECT_THAT(error_of("label,x,n\nA,0,0\n"), HasSubstr("s.csv:2:3 (column 'n'): n is 0 for study 'A'"));
}

TEST(StudyTable, EmptyLabel) {
  EXPECT_THAT(error_of("label,x,n\n,1,2\n"), HasSubstr("s.csv:2:1 (column 'label'): the study label is empty"));
}

TEST(StudyTable, DuplicateLabelsNameBothLines) {
  EXPECT_THAT(error_of("label,x,n\nA,1,2\nB,1,2\nA,2,3\n"),
              HasSubstr("s.csv:4: study label 'A' already used on line 2"));
}

TEST(StudyTable, DuplicateLabelsAreFineAcrossGroups) {
  const auto l = load("label,g,x,n\nA,cr,1,2\nA,crs,0,2\n", std::string("g"));
  EXPECT_EQ(l.groups.size(), 2u);
}

TEST(StudyTable, MissingColumn) {
  EXPECT_THAT(error_of("label,events,n\nA,1,2\n"), HasSubstr("no column named 'x'"));
}

TEST(StudyTable, NoUsableStudy) {
  EXPECT_THAT(error_of("label,x,n\nA,,\nB,,3\n"), HasSubstr("no usable study"));
  EXPECT_THAT(error_of("label,x,n\n"), HasSubstr("the file has a header but no data rows"));
}

TEST(StudyTable, GroupsInOrderOfFirstAppearance) {
  const auto l = load("label,g,x,n\nA,crs,1,2\nB,cr,1,2\nC,crs,0,3\nD,,1,2\n", std::string("g"));
  ASSERT_EQ(l.groups.size(), 2u);
  EXPECT_EQ(l.groups[0].key, "crs");
  EXPECT_EQ(l.groups[0].studies.size(), 2u);
  EXPECT_EQ(l.groups[1].key, "cr");
  ASSERT_EQ(l.notes.size(), 1u);
  EXPECT_THAT(l.notes[0], HasSubstr("empty 'g' value: D (line 5)"));
}

TEST(StudyTable, ExcludeByLabel) {
  const auto l = load("label,x,n\nA,1,10\nB,2,10\n", std::nullopt, {"A"});
  ASSERT_EQ(l.groups[0].studies.size(), 1u);
  EXPECT_EQ(l.groups[0].studies[0].label, "B");
  EXPECT_THAT(l.notes[0], HasSubstr("excluded by request: A"));
  EXPECT_THAT(error_of("label,x,n\nA,1,10\n", ErrorCategory::kInvalidOption, {"Z"}),
              HasSubstr("--exclude 'Z' matches no study label"));
}

TEST(StudyTable, DefaultLabelsAreRowNumbers) {
  const auto table = parse_delimited("x,n\n1,2\n3,4\n", ',', "s.csv");
  const auto l = load_proportion_studies(table, StudyColumns{"x", "n", std::nullopt, std::nullopt, {}});
  EXPECT_EQ(l.groups[0].studies[1].label, "row 3");
}

TEST(StudyTable, WhereFiltersRowsWithANote) {
  const auto table = parse_delimited("label,x,n,pop,age\nA,1,10,adult,40\nB,2,10,pediatric,12\nC,3,10,adult,\nD,4,10,adult,61\n",
                                     ',', "s.csv");
  const StudyColumns cols{"x", "n", std::string("label"), std::nullopt, {}};
  auto l = load_proportion_studies(table, cols, {}, {parse_row_filter("pop=adult")});
  EXPECT_EQ(l.groups[0].studies.size(), 3u);
  EXPECT_THAT(l.notes[0], HasSubstr("--where pop=adult: 1 row(s) left out"));
  l = load_proportion_studies(table, cols, {}, {parse_row_filter("pop = adult"), parse_row_filter("age>=41")});
  ASSERT_EQ(l.groups[0].studies.size(), 1u);  // C has no age: a numeric comparison fails
  EXPECT_EQ(l.groups[0].studies[0].label, "D");
  l = load_proportion_studies(table, cols, {}, {parse_row_filter("pop!=adult")});
  EXPECT_EQ(l.groups[0].studies[0].label, "B");
  l = load_proportion_studies(table, cols, {}, {parse_row_filter("age<20")});
  EXPECT_EQ(l.groups[0].studies[0].label, "B");
}

TEST(StudyTable, WhereErrors) {
  EXPECT_THROW(parse_row_filter("adult"), Error);
  EXPECT_THROW(parse_row_filter("=adult"), Error);
  try {
    (void)parse_row_filter("age>=old");
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("'>=' compares numbers, but 'old' is not a number"));
  }
  const auto table = parse_delimited("label,x,n\nA,1,10\n", ',', "s.csv");
  EXPECT_THROW(load_proportion_studies(table, StudyColumns{"x", "n", std::nullopt, std::nullopt, {}}, {},
                                       {parse_row_filter("pop=adult")}),
               Error);
}

}  // namespace
}  // namespace carta::io

namespace carta::io {
namespace {

TEST(MissingValues, DefaultTokensAnyCaseAndBlanks) {
  const MissingValues rule;
  for (const char* cell : {"", "  ", "NA", "na", " NR ", "nr", "n/a", "N/A", "-", "\t-\r"}) {
    EXPECT_TRUE(rule.is_missing(cell)) << "'" << cell << "'";
  }
  for (const char* cell : {"0", "NaN", "none", "--", "-1", "N", "NA NA", "n/a/"}) {
    EXPECT_FALSE(rule.is_missing(cell)) << "'" << cell << "'";
  }
  EXPECT_EQ(rule.describe(), "empty, NA, NR, n/a, -");
}

TEST(MissingValues, CustomTokensReplaceTheDefaults) {
  const MissingValues rule(std::vector<std::string>{"not reported in the publication", "?"});
  EXPECT_TRUE(rule.is_missing("Not Reported in the publication"));
  EXPECT_TRUE(rule.is_missing("?"));
  EXPECT_TRUE(rule.is_missing(""));    // an empty cell always is
  EXPECT_FALSE(rule.is_missing("NA"));  // the defaults are replaced
  EXPECT_THROW(MissingValues(std::vector<std::string>{""}), Error);
  EXPECT_THROW(MissingValues(std::vector<std::string>{" NA"}), Error);
}

TEST(StudyTable, NotReportedCountsAreLeftOutNamed) {
  const auto l = load("label,x,n\nA,3,10\nB,NA,12\nC,4,nr\nD,-,-\n");
  ASSERT_EQ(l.groups.size(), 1u);
  EXPECT_EQ(l.groups[0].studies.size(), 1u);
  ASSERT_EQ(l.groups[0].left_out.size(), 3u);
  EXPECT_EQ(l.groups[0].left_out[0].label, "B");
  EXPECT_EQ(l.groups[0].left_out[0].detail, "no events");
  EXPECT_EQ(l.groups[0].left_out[1].detail, "no n");
  EXPECT_EQ(l.groups[0].left_out[2].detail, "neither events nor n");
  EXPECT_EQ(l.groups[0].left_out[2].line, 5u);
  EXPECT_THAT(l.groups[0].notes.at(0), HasSubstr("is empty, NA, NR, n/a, -"));
}

TEST(StudyTable, ANotReportedCellPassesNoFilter) {
  const auto table = parse_delimited("label,x,n,g\nA,3,10,a\nB,4,12,NA\nC,5,14,b\n", ',', "s.csv");
  const auto l = load_proportion_studies(table, StudyColumns{"x", "n", std::string("label"), std::nullopt, {}}, {},
                                         {parse_row_filter("g!=a")});
  ASSERT_EQ(l.groups.at(0).studies.size(), 1u);
  EXPECT_EQ(l.groups[0].studies[0].label, "C");
  ASSERT_EQ(l.left_out.size(), 2u);
  EXPECT_EQ(l.left_out[1].label, "B");
  EXPECT_EQ(l.left_out[1].why, LeftOutRow::Why::kFilteredOut);
  EXPECT_THAT(l.left_out[1].detail, HasSubstr("no 'g' reported"));
}

}  // namespace
}  // namespace carta::io
