// PRISMA 2020 counts: the arithmetic of every box, the PRISMA2020 template reader, the diagram.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>

#include "carta/error.hpp"
#include "carta/io/prisma_table.hpp"
#include "carta/plot/prisma_diagram.hpp"
#include "carta/review/prisma.hpp"

namespace carta {
namespace {

using ::testing::HasSubstr;

review::PrismaCounts read(const std::string& csv) {
  return io::load_prisma_counts(io::parse_delimited(csv, ',', "prisma.csv"));
}

std::string check_error(review::PrismaCounts c) {
  try {
    review::complete_and_check(c);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

const std::string kTemplate =
    "data,node,n,boxtext\n"
    "identification,node1,,Identification\n"  // a heading row of the template: ignored
    "database_specific_results,node2,\"PubMed, 537; Embase, 1210\",\n"
    "register_results,node3,12,\n"
    "duplicates,node4,402,\n"
    "records_excluded,node5,1300,\n"
    "dbr_notretrieved_reports,node6,4,\n"
    "dbr_excluded,node7,\"Review, 21; Not CAR-T, 9\",Full texts excluded\n"
    "new_studies,node8,20,\n"
    "new_reports,node9,23,\n";

TEST(Prisma, DerivesTheBoxesThatFollow) {
  auto c = read(kTemplate);
  const auto check = review::complete_and_check(c);
  EXPECT_EQ(*c.database_results, 1747);
  EXPECT_EQ(*c.records_screened, 1747 + 12 - 402);
  EXPECT_EQ(*c.dbr_sought, 1357 - 1300);
  EXPECT_EQ(*c.dbr_assessed, 57 - 4);
  EXPECT_EQ(*c.new_reports, 53 - 30);  // given as 23: consistent
  EXPECT_EQ(check.derived.size(), 4u);
  EXPECT_THAT(check.derived[1], HasSubstr("identified 1759 - duplicates 402"));
  EXPECT_EQ(c.labels.at("dbr_excluded"), "Full texts excluded");
  EXPECT_EQ(c.dbr_excluded.size(), 2u);
  EXPECT_EQ(c.dbr_excluded[1].name, "Not CAR-T");
}

TEST(Prisma, InconsistentCountsNameTheBox) {
  auto c = read(kTemplate);
  c.records_screened = 1000;
  EXPECT_THAT(check_error(c), HasSubstr("box 'Records screened' (records_screened) is 1000, but identified 1759 - "
                                        "duplicates 402 - automation 0 - other removals 0 = 1357"));
  c = read(kTemplate);
  c.new_reports = 20;
  EXPECT_THAT(check_error(c), HasSubstr("box 'Reports of new included studies' (new_reports) is 20, but assessed 53 - "
                                        "excluded 30 (sum of the reasons) = 23"));
  c = read(kTemplate);
  c.new_studies = 25;  // more studies than reports
  EXPECT_THAT(check_error(c), HasSubstr("every study has at least one report"));
  c = read(kTemplate);
  c.database_results = 2000;  // disagrees with the databases listed
  EXPECT_THAT(check_error(c), HasSubstr("box 'Databases' (database_results) is 2000, but the sum over the databases"));
  c = read(kTemplate);
  c.records_excluded = 5000;
  EXPECT_THAT(check_error(c), HasSubstr("records_excluded (5000) exceeds records_screened (1357)"));
  c = read(kTemplate);
  c.duplicates = -1;
  EXPECT_THAT(check_error(c), HasSubstr("duplicates is -1; counts cannot be negative"));
  EXPECT_THAT(check_error(review::PrismaCounts{}), HasSubstr("no records identified"));
}

TEST(Prisma, OtherMethodsAndPreviousReview) {
  auto c = read(kTemplate +
                "citations_results,n,7,\nother_sought_reports,n,7,\nother_notretrieved_reports,n,1,\n"
                "other_excluded,n,\"Duplicate cohort, 2\",\nprevious_studies,n,5,\nprevious_reports,n,6,\n");
  c.new_reports.reset();  // 23 from databases + 4 from other methods
  review::complete_and_check(c);
  EXPECT_EQ(*c.other_assessed, 6);
  EXPECT_EQ(*c.new_reports, 23 + 4);
  EXPECT_EQ(*c.total_studies, 25);
  EXPECT_EQ(*c.total_reports, 33);
  const std::string svg = plot::prisma_diagram_svg(c);
  EXPECT_EQ(count(svg, "class=\"box\""), 9u + 5u + 1u);  // main, other arm, previous
  EXPECT_THAT(svg, HasSubstr("Identification of studies via other methods"));
  EXPECT_THAT(svg, HasSubstr("Total studies included in review"));
}

TEST(Prisma, ReaderErrors) {
  EXPECT_THROW(read("data,n\nrecords_screened,12.5\n"), Error);
  try {
    read("data,n\nrecords_screend,12\n");
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("prisma.csv:2:1 (column 'data'): 'records_screend' is not a PRISMA2020 box name; "
                                    "did you mean 'records_screened'?"));
  }
  try {
    read("data,n\ndbr_excluded,\"Reviews 21; Other, 3\"\n");
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("'Reviews 21' in dbr_excluded needs the form 'Name, n'"));
  }
  EXPECT_THROW(read("data,count\nduplicates,1\n"), Error);  // no n column
}

std::string read_error(const std::string& csv) {
  try {
    read(csv);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// Issue 20: a box given twice is an error (the second row would silently replace the first).
TEST(Prisma, BoxGivenTwiceIsAnError) {
  EXPECT_THAT(read_error("data,n\ndatabase_results,10\nduplicates,2\ndatabase_results,12\n"),
              HasSubstr("prisma.csv:4:1 (column 'data'): box 'database_results' is given twice (also on line 2)"));
  EXPECT_THAT(read_error("data,n\ndbr_excluded,\"Review, 2\"\ndbr_excluded,\"Not CAR-T, 1\"\n"),
              HasSubstr("box 'dbr_excluded' is given twice"));
  // A template row left empty is not a second value.
  EXPECT_EQ(*read("data,n\ndatabase_results,\ndatabase_results,10\n").database_results, 10);
}

// Issue 20: sums checked without overflow; a number past 64 bits is too large, not malformed.
TEST(Prisma, CountsThatOverflowAreRefused) {
  EXPECT_THAT(read_error("data,n\ndatabase_results,99999999999999999999\n"),
              HasSubstr("database_results = '99999999999999999999' is too large to be a count"));
  review::PrismaCounts c;
  c.database_specific = {{"PubMed", INT64_MAX}, {"Embase", 1}};
  EXPECT_THAT(check_error(c), HasSubstr("too large to add up (9223372036854775807 + 1 overflows 64 bits)"));
  review::PrismaCounts d;
  d.database_results = INT64_MAX;
  d.register_results = INT64_MAX;
  EXPECT_THAT(check_error(d), HasSubstr("overflows 64 bits"));
  review::PrismaCounts e;
  e.database_results = 10;
  e.dbr_assessed = 5;
  e.dbr_excluded = {{"a", INT64_MAX}, {"b", INT64_MAX}};
  EXPECT_THAT(check_error(e), HasSubstr("overflows 64 bits"));
}

// Issue 20: names holding ';' (and quotes, commas) round-trip through prisma.csv.
TEST(Prisma, ListNamesWithSemicolonsRoundTrip) {
  review::PrismaCounts c;
  c.database_specific = {{"Embase; Ovid", 7}, {"CENTRAL, Cochrane", 3}, {"The \"Web\" of Science", 2}, {"PubMed", 1}};
  c.duplicates = 1;
  c.records_screened = 12;
  c.records_excluded = 6;
  c.dbr_assessed = 6;
  c.dbr_excluded = {{"Wrong population; adults", 2}, {"No outcome", 1}};
  c.new_studies = 3;
  review::complete_and_check(c);
  const std::string csv = io::prisma_csv(c);
  EXPECT_THAT(csv, HasSubstr("\"\"Embase; Ovid\"\", 7; CENTRAL, Cochrane, 3; \"\"The \"\"\"\"Web\"\"\"\" of Science\"\", 2"));
  const auto back = read(csv);
  ASSERT_EQ(back.database_specific.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(back.database_specific[i].name, c.database_specific[i].name);
    EXPECT_EQ(back.database_specific[i].n, c.database_specific[i].n);
  }
  ASSERT_EQ(back.dbr_excluded.size(), 2u);
  EXPECT_EQ(back.dbr_excluded[0].name, "Wrong population; adults");
  EXPECT_EQ(back.dbr_excluded[0].n, 2);
  EXPECT_EQ(io::prisma_csv(back), csv);
  // A quoted name that is never closed, or has no count, names the item.
  EXPECT_THAT(read_error("data,n\ndatabase_specific_results,\"\"\"Embase; 5\"\n"), HasSubstr("needs the form 'Name, n'"));
  EXPECT_THAT(read_error("data,n\ndatabase_specific_results,\"\"\"Embase\"\" 5\"\n"), HasSubstr("needs the form 'Name, n'"));
}

TEST(Prisma, DiagramBoxesReasonsAndEscaping) {
  auto c = read(kTemplate);
  c.dbr_excluded.push_back({"<script>alert(1)</script>", 0});
  review::complete_and_check(c);
  const std::string svg = plot::prisma_diagram_svg(c);
  EXPECT_EQ(count(svg, "class=\"box\""), 9u);
  EXPECT_EQ(svg.find("<script>"), std::string::npos);
  EXPECT_THAT(svg, HasSubstr("&lt;script&gt;"));
  EXPECT_THAT(svg, HasSubstr("Full texts excluded"));  // boxtext replaces the label
  EXPECT_THAT(svg, HasSubstr("Records screened (n\u00a0=\u00a01357)"));
  EXPECT_EQ(count(svg, "<polygon"), 8u);  // one arrowhead per arrow
  EXPECT_THAT(io::prisma_csv(c), HasSubstr("dbr_excluded,\"Review, 21; Not CAR-T, 9; <script>alert(1)</script>, 0\""));
}

}  // namespace
}  // namespace carta
