// Risk-of-bias tools: judgement parsing, overall algorithms (RoB 2, ROBINS-I, IHE, NOS), the
// reader's messages, the summary shares and the structure of both figures.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "carta/error.hpp"
#include "carta/io/rob_table.hpp"
#include "carta/plot/rob_plots.hpp"
#include "carta/review/rob.hpp"

namespace carta {
namespace {

using ::testing::HasSubstr;

review::RobAssessment load(const std::string& csv, const std::string& tool, double threshold = 0.7) {
  const io::Table t = io::parse_delimited(csv, ',', "rob.csv");
  io::RobColumns c;
  c.ihe_threshold = threshold;
  return io::load_rob_assessment(t, review::rob_tool(tool), c);
}

std::string error_of(const std::string& csv, const std::string& tool) {
  try {
    load(csv, tool);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

std::string overall(const review::RobAssessment& a, std::size_t i) { return a.tool->levels[a.studies[i].overall].name; }

TEST(RiskOfBias, Rob2Algorithm) {
  const auto a = load(
      "study,D1,D2,D3,D4,D5\n"
      "all low,low,low,low,low,low\n"
      "one concern,some concerns,Low,LOW,low,low\n"
      "one high,low,high,low,some concerns,low\n"
      "unknown,low,low,NI,low,low\n",
      "rob2");
  EXPECT_EQ(overall(a, 0), "Low");
  EXPECT_EQ(overall(a, 1), "Some concerns");
  EXPECT_EQ(overall(a, 2), "High");
  EXPECT_EQ(overall(a, 3), "Some concerns");
  EXPECT_THAT(a.studies[3].notes[0], HasSubstr("without information"));
}

TEST(RiskOfBias, Rob2ReportedOverallIsChecked) {
  // High for several concerns is the reviewers' call and is accepted with a note.
  const auto a = load("study,D1,D2,D3,D4,D5,overall\nx,some concerns,some concerns,low,low,low,high\n", "rob2");
  EXPECT_EQ(overall(a, 0), "High");
  EXPECT_THAT(a.studies[0].notes[0], HasSubstr("as RoB 2 allows"));
  // Anything else that disagrees with the algorithm is an error naming both judgements.
  EXPECT_THAT(error_of("study,D1,D2,D3,D4,D5,overall\nx,some concerns,low,low,low,low,high\n", "rob2"),
              HasSubstr("study 'x': the overall judgement is 'High', but the RoB 2 algorithm gives 'Some concerns'"));
  EXPECT_THAT(error_of("study,D1,D2,D3,D4,D5,overall\nx,high,low,low,low,low,low\n", "rob2"),
              HasSubstr("gives 'High'"));
}

TEST(RiskOfBias, RobinsIWorstDomain) {
  const auto a = load(
      "study,D1,D2,D3,D4,D5,D6,D7\n"
      "a,low,low,low,low,low,low,low\n"
      "b,moderate,low,low,low,low,low,low\n"
      "c,moderate,serious,low,low,low,low,low\n"
      "d,critical,serious,low,low,low,low,NI\n"
      "e,moderate,low,low,no information,low,low,low\n",
      "robins-i");
  EXPECT_EQ(overall(a, 0), "Low");
  EXPECT_EQ(overall(a, 1), "Moderate");
  EXPECT_EQ(overall(a, 2), "Serious");
  EXPECT_EQ(overall(a, 3), "Critical");
  EXPECT_EQ(overall(a, 4), "No information");
}

TEST(RiskOfBias, IheItemsMetAgainstTheThreshold) {
  // 10 items (a modified list), partial counts half, not applicable is not rated.
  const std::string csv =
      "study,Q1,Q2,Q3,Q4,Q5,Q6,Q7,Q8,Q9,Q10\n"
      "good,yes,yes,yes,yes,yes,yes,yes,no,no,na\n"
      "borderline,yes,yes,yes,yes,yes,yes,partial,no,no,no\n"
      "poor,yes,no,no,unclear,no,no,no,no,no,no\n";
  const auto a = load(csv, "ihe");
  EXPECT_DOUBLE_EQ(a.studies[0].items_met, 7.0);
  EXPECT_DOUBLE_EQ(a.studies[0].items_rated, 9.0);
  EXPECT_EQ(a.studies[0].overall, 0u);  // 7/9 >= 0.7
  EXPECT_DOUBLE_EQ(a.studies[1].items_met, 6.5);
  EXPECT_EQ(a.studies[1].overall, 2u);  // 6.5/10 < 0.7
  EXPECT_EQ(load(csv, "ihe", 0.65).studies[1].overall, 0u);
  EXPECT_EQ(a.studies[2].overall, 2u);
  EXPECT_THAT(a.notes[0], HasSubstr("10 of the 20 IHE items"));
}

TEST(RiskOfBias, NewcastleOttawaAhrqThresholds) {
  const auto a = load(
      "study,selection,comparability,outcome\n"
      "good,4,2,3\n"
      "fair,2,1,2\n"
      "poor selection,1,2,3\n"
      "poor comparability,4,0,3\n"
      "poor outcome,3,1,1\n",
      "nos");
  EXPECT_EQ(overall(a, 0), "Good");
  EXPECT_EQ(overall(a, 1), "Fair");
  EXPECT_EQ(overall(a, 2), "Poor");
  EXPECT_EQ(overall(a, 3), "Poor");
  EXPECT_EQ(overall(a, 4), "Poor");
  EXPECT_EQ(a.studies[0].stars, (std::vector<int>{4, 2, 3}));
  EXPECT_THAT(error_of("study,selection,comparability,outcome\nx,5,1,1\n", "nos"),
              HasSubstr("rob.csv:2:2 (column 'selection'): '5' is not a number of stars from 0 to 4"));
}

TEST(RiskOfBias, ReaderErrorsNameTheCell) {
  EXPECT_THAT(error_of("study,D1,D2,D3,D4,D5\nx,low,low,maybe,low,low\n", "rob2"),
              HasSubstr("rob.csv:2:4 (column 'D3'): 'maybe' is not a rob2 judgement; write one of: Low, Some concerns"));
  EXPECT_THAT(error_of("study,D1,D2,D3,D4\nx,low,low,low,low\n", "rob2"), HasSubstr("no column for rob2 domain D5"));
  EXPECT_THAT(error_of("study,D1,D2,D3,D4,D5\nx,low,low,low,low,low\nx,low,low,low,low,low\n", "rob2"),
              HasSubstr("study 'x' appears twice"));
  EXPECT_THAT(error_of("study,D1,D2,D3,D4,D5,weight\nx,low,low,low,low,low,-3\n", "rob2"), HasSubstr("must be a number > 0"));
  EXPECT_THROW(review::rob_tool("cochrane"), Error);
}

TEST(RiskOfBias, SummarySharesUnweightedAndWeighted) {
  const auto a = load("study,D1,weight\na,low,30\nb,high,10\nc,low,60\n", "generic");
  const auto plain = review::summarise(a, false);
  ASSERT_EQ(plain.size(), 2u);  // D1 and Overall
  EXPECT_NEAR(plain[0].share[0], 2.0 / 3.0, 1e-15);
  EXPECT_NEAR(plain[0].share[2], 1.0 / 3.0, 1e-15);
  const auto weighted = review::summarise(a, true);
  EXPECT_NEAR(weighted[0].share[0], 0.9, 1e-15);
  EXPECT_NEAR(weighted[1].share[2], 0.1, 1e-15);
}

TEST(RiskOfBias, FiguresHaveOneMarkPerJudgement) {
  const auto a = load("study,D1,D2,D3,D4,D5\n<b>x</b>,low,low,low,low,low\ny,high,low,low,low,low\n", "rob2");
  plot::RobPlotOptions o;
  o.title = "RoB";
  const std::string traffic = plot::traffic_light_svg(a, o);
  std::size_t circles = 0;
  for (auto p = traffic.find("<circle"); p != std::string::npos; p = traffic.find("<circle", p + 1)) ++circles;
  EXPECT_EQ(circles, 2u * 6u + 4u);  // 2 studies x (5 domains + overall), plus the key's 4 levels
  EXPECT_THAT(traffic, HasSubstr("&lt;b&gt;x&lt;/b&gt;"));
  EXPECT_EQ(traffic.find("<b>"), std::string::npos);
  EXPECT_THAT(traffic, HasSubstr("#02C100"));  // Cochrane green
  o.palette = plot::RobPalette::kColourblind;
  EXPECT_EQ(plot::traffic_light_svg(a, o).find("#02C100"), std::string::npos);
  const std::string summary = plot::rob_summary_svg(a, o);
  std::size_t bars = 0;
  for (auto p = summary.find("class=\"bar"); p != std::string::npos; p = summary.find("class=\"bar", p + 1)) ++bars;
  EXPECT_EQ(bars, 6u);
  EXPECT_THAT(summary, HasSubstr(">50%<"));
}

}  // namespace
}  // namespace carta
