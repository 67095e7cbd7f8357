// Risk-of-bias tools: judgement parsing, overall rules (RoB 2, RoB 1, ROBINS-I, ROBINS-E,
// QUADAS-2, QUIPS, IHE, NOS), the reviewers' overall judgement kept, the reader's column checks
// and messages, robvis's data layout, the summary shares and the structure of both figures
// (wrapping, blocks for long tables, text inside the figure), with golden files for the tools'
// figures.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>

#include "carta/error.hpp"
#include "carta/io/rob_table.hpp"
#include "carta/plot/rob_plots.hpp"
#include "carta/plot/svg.hpp"
#include "carta/review/rob.hpp"
#include "compare.hpp"

namespace carta {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

review::RobAssessment load(const std::string& csv, const std::string& tool, io::RobColumns c = {}) {
  const io::Table t = io::parse_delimited(csv, ',', "rob.csv");
  return io::load_rob_assessment(t, review::rob_tool(tool), c);
}

review::RobAssessment load_ihe(const std::string& csv, double threshold) {
  io::RobColumns c;
  c.ihe_threshold = threshold;
  return load(csv, "ihe", c);
}

std::string error_of(const std::string& csv, const std::string& tool, io::RobColumns c = {}) {
  try {
    load(csv, tool, std::move(c));
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

std::string overall(const review::RobAssessment& a, std::size_t i) {
  return a.tool->levels[a.studies[i].overall].name;
}
std::string by_rule(const review::RobAssessment& a, std::size_t i) {
  return a.tool->levels[a.studies[i].by_rule].name;
}
std::string judgement(const review::RobAssessment& a, std::size_t i, std::size_t j) {
  return a.tool->levels[a.studies[i].domains[j]].name;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

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
  EXPECT_THAT(a.studies[3].notes[0], HasSubstr("without information count as 'Some concerns'"));
}

// Regression (issue 20): a reported overall that differs from the algorithm was a refusal; the
// reviewers' judgement is the one a review reports, so carta keeps it and says what differs.
TEST(RiskOfBias, ReviewersOverallIsKeptWithANote) {
  // High for several concerns is the reviewers' call that the guidance allows.
  auto a = load("study,D1,D2,D3,D4,D5,overall\nx,some concerns,some concerns,low,low,low,high\n", "rob2");
  EXPECT_EQ(overall(a, 0), "High");
  EXPECT_EQ(by_rule(a, 0), "Some concerns");
  EXPECT_THAT(a.studies[0].notes[0], HasSubstr("as RoB 2 allows"));
  // Any other difference: kept, with a note naming both judgements.
  a = load("study,D1,D2,D3,D4,D5,overall\nx,some concerns,low,low,low,low,high\ny,high,low,low,low,low,low\n",
           "rob2");
  EXPECT_EQ(overall(a, 0), "High");
  EXPECT_EQ(by_rule(a, 0), "Some concerns");
  EXPECT_THAT(a.studies[0].notes[0], HasSubstr("the reviewers' overall judgement is 'High'"));
  EXPECT_THAT(a.studies[0].notes[0],
              HasSubstr("the domains give 'Some concerns'; carta keeps the reviewers' judgement"));
  EXPECT_EQ(overall(a, 1), "Low");
  EXPECT_EQ(by_rule(a, 1), "High");
  // Agreement: no note. An empty overall cell: the rule's judgement.
  a = load("study,D1,D2,D3,D4,D5,Overall\nx,low,low,low,low,low,Low\ny,low,high,low,low,low,\n", "rob2");
  EXPECT_TRUE(a.studies[0].notes.empty());
  EXPECT_FALSE(a.studies[1].reported.has_value());
  EXPECT_EQ(overall(a, 1), "High");
  // Every tool keeps it: ROBINS-I, NOS, QUIPS.
  EXPECT_EQ(
      overall(load("study,D1,D2,D3,D4,D5,D6,D7,overall\nx,low,low,low,low,low,low,low,serious\n", "robins-i"),
              0),
      "Serious");
  EXPECT_EQ(overall(load("study,selection,comparability,outcome,overall\nx,4,2,3,poor\n", "nos"), 0), "Poor");
  EXPECT_EQ(
      overall(load("study,D1,D2,D3,D4,D5,D6,overall\nx,low,low,low,low,low,moderate,moderate\n", "quips"), 0),
      "Moderate");
  // Not applicable is no overall judgement.
  EXPECT_THAT(error_of("study,D1,D2,D3,D4,D5,overall\nx,low,low,low,low,low,not applicable\n", "rob2"),
              HasSubstr("rob.csv:2:7 (column 'overall'): 'not applicable' is not an overall judgement"));
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

// RoB 1: Unclear is its own level between low and high, not "some concerns".
TEST(RiskOfBias, Rob1UnclearIsItsOwnLevel) {
  const auto a = load(
      "Study,D1,D2,D3,D4,D5,D6,D7\n"
      "a,Low risk,low,low,low,low,low,low\n"
      "b,Unclear risk,low,low,low,low,low,low\n"
      "c,unclear,high risk,low,low,low,low,?\n"
      "d,low,low,low,low,low,low,No information\n",
      "rob1");
  const auto& levels = a.tool->levels;
  ASSERT_EQ(levels[1].name, "Unclear");
  EXPECT_EQ(judgement(a, 1, 0), "Unclear");
  EXPECT_EQ(judgement(a, 2, 6), "Unclear");  // RevMan's ?
  EXPECT_EQ(overall(a, 0), "Low");
  EXPECT_EQ(overall(a, 1), "Unclear");
  EXPECT_EQ(overall(a, 2), "High");
  EXPECT_EQ(judgement(a, 3, 6), "No information");
  EXPECT_EQ(overall(a, 3), "Unclear");  // lack of information is unclear risk in RoB 1
  EXPECT_EQ(
      std::count_if(levels.begin(), levels.end(), [](const auto& l) { return l.name == "Some concerns"; }),
      0);
  // "-" is high risk in RevMan and some concerns in robvis: refused, not guessed.
  EXPECT_THAT(
      error_of("Study,D1,D2,D3,D4,D5,D6,D7\na,-,low,low,low,low,low,low\n", "rob1"),
      HasSubstr("rob.csv:2:2 (column 'D1'): '-' is ambiguous for rob1: RevMan writes '-' for high risk"));
  // The other-bias domain is optional, with a note.
  const auto six = load("Study,D1,D2,D3,D4,D5,D6\na,low,low,low,low,low,low\n", "rob1");
  EXPECT_EQ(six.domains.size(), 6u);
  EXPECT_THAT(six.notes[0], HasSubstr("no column for the optional domain D7 ('Other bias'): left out"));
}

// robvis's ROB1 template names its columns by domain, with R's dots for blanks.
TEST(RiskOfBias, Rob1RobvisColumnNames) {
  const auto a = load(
      "Study,Random.sequence.generation,Allocation.concealment,Blinding.of.participants.and.personnel,"
      "Blinding.of.outcome.assessment,Incomplete.outcome.data,Selective.reporting,Other.sources.of.bias,"
      "Overall,Weight\n"
      "Trial A,Low,Unclear,Low,Low,Low,Low,Low,Unclear,33\n"
      "Trial B,High,Low,Low,Unclear,Low,Low,Unclear,High,12.5\n",
      "ROB1");
  ASSERT_EQ(a.domains.size(), 7u);
  EXPECT_EQ(a.domains[0].name, "Random sequence generation (selection bias)");
  EXPECT_EQ(overall(a, 0), "Unclear");
  EXPECT_EQ(overall(a, 1), "High");
  EXPECT_DOUBLE_EQ(a.studies[1].weight, 12.5);
  // RevMan's names with the bias in brackets.
  const auto revman = load(
      "Study,Random sequence generation (selection bias),Allocation concealment (selection bias),"
      "Blinding of participants and personnel (performance bias),Blinding of outcome assessment (detection "
      "bias),"
      "Incomplete outcome data (attrition bias),Selective reporting (reporting bias),Other bias\n"
      "x,low,low,low,low,low,low,low\n",
      "rob1");
  EXPECT_EQ(revman.domains.size(), 7u);
}

TEST(RiskOfBias, Quadas2FourDomainsWithUnclear) {
  const auto a = load(
      "Study,D1,D2,D3,D4,Overall\n"
      "a,Low,Low,Low,Low,Low\n"
      "b,Some concerns,Low,Low,Low,Some concerns\n"  // robvis's spelling of unclear
      "c,Low,unclear,high,Low,\n"
      "d,Low,Low,Low,No information,\n",
      "QUADAS-2");
  ASSERT_EQ(a.domains.size(), 4u);
  EXPECT_EQ(a.domains[0].name, "Patient selection");
  EXPECT_EQ(a.domains[3].name, "Flow and timing");
  EXPECT_EQ(judgement(a, 1, 0), "Unclear");
  EXPECT_EQ(overall(a, 1), "Unclear");
  EXPECT_EQ(overall(a, 2), "High");
  EXPECT_EQ(overall(a, 3), "Unclear");
  // Columns by the domains' names.
  const auto named = load(
      "Study,Patient selection,Index test,Reference standard,Flow & timing\nx,low,low,low,high\n", "quadas2");
  EXPECT_EQ(overall(named, 0), "High");
  EXPECT_THAT(error_of("Study,D1,D2,D3\nx,low,low,low\n", "quadas-2"),
              HasSubstr("no column for quadas-2 domain D4"));
}

// QUIPS gives no overall rule; Grooten et al. (2019): low with at most one moderate domain, high
// with a high domain or three moderate ones, moderate otherwise. Both sides of each switch.
TEST(RiskOfBias, QuipsGrootenRule) {
  const auto a = load(
      "Study,D1,D2,D3,D4,D5,D6\n"
      "all low,low,low,low,low,low,low\n"
      "one moderate,moderate,low,low,low,low,low\n"
      "two moderate,moderate,moderate,low,low,low,low\n"
      "three moderate,moderate,moderate,moderate,low,low,low\n"
      "one high,high,low,low,low,low,low\n"
      "no information,moderate,no information,low,low,low,low\n",
      "quips");
  ASSERT_EQ(a.domains.size(), 6u);
  EXPECT_EQ(a.domains[5].name, "Statistical analysis and reporting");
  EXPECT_EQ(overall(a, 0), "Low");
  EXPECT_EQ(overall(a, 1), "Low");
  EXPECT_EQ(overall(a, 2), "Moderate");
  EXPECT_EQ(overall(a, 3), "High");
  EXPECT_EQ(overall(a, 4), "High");
  EXPECT_EQ(overall(a, 5), "Moderate");  // no information counts as moderate
  EXPECT_THAT(a.studies[5].notes[0], HasSubstr("count as 'Moderate'"));
  // robvis's names for the domains.
  const auto named = load(
      "Study,Bias due to participation,Bias due to attrition,Bias due to prognostic factor measurement,"
      "Bias due to outcome measurement,Bias due to confounding,Bias in statistical analysis and reporting\n"
      "x,low,low,low,low,low,high\n",
      "quips");
  EXPECT_EQ(overall(named, 0), "High");
}

TEST(RiskOfBias, RobinsEVeryHighIsTheWorst) {
  const auto a = load(
      "Study,D1,D2,D3,D4,D5,D6,D7,Overall\n"
      "a,Some concerns,Low,Low,Some concerns,Low,Low,Low,\n"
      "b,Some concerns,Very high,High,Low,Low,Low,High,\n"
      "c,No information,Low,Low,Low,Low,Low,Low,\n"
      "d,Low risk of bias (except for concerns about uncontrolled confounding),Low,Low,Low,Low,Low,Low,\n"
      "e,High,High,Low,Low,Low,Low,Low,Very high\n",
      "robins-e");
  ASSERT_EQ(a.domains.size(), 7u);
  EXPECT_EQ(a.domains[1].name, "Bias arising from measurement of the exposure");
  EXPECT_EQ(a.domains[3].name, "Bias due to post-exposure interventions");
  EXPECT_EQ(overall(a, 0), "Some concerns");
  EXPECT_EQ(overall(a, 1), "Very high");
  EXPECT_EQ(overall(a, 2), "Some concerns");
  EXPECT_EQ(overall(a, 3), "Low");
  EXPECT_EQ(overall(a, 4), "Very high");  // the reviewers' judgement
  EXPECT_EQ(by_rule(a, 4), "High");
}

// RoB 2 for cluster-randomized trials: domain D1b between D1 and D2; not applicable is left out
// of the algorithm.
TEST(RiskOfBias, Rob2ClusterDomainD1b) {
  const auto a = load(
      "Study,D1,D1b,D2,D3,D4,D5,Overall\n"
      "a,Low,Not applicable,Low,Low,Low,Low,\n"
      "b,Low,High,Low,Low,Low,Low,\n"
      "c,Some concerns,N/A,Low,Low,Low,Low,Some concerns\n",
      "ROB2-Cluster");
  ASSERT_EQ(a.domains.size(), 6u);
  EXPECT_EQ(a.domains[1].id, "D1b");
  EXPECT_EQ(a.domains[1].name,
            "Bias arising from the timing of identification and recruitment of participants");
  EXPECT_EQ(judgement(a, 0, 1), "Not applicable");
  EXPECT_EQ(overall(a, 0), "Low");
  EXPECT_EQ(overall(a, 1), "High");
  EXPECT_TRUE(a.studies[2].notes.empty());
  EXPECT_THAT(
      error_of("Study,D1,D2,D3,D4,D5\nx,low,low,low,low,low\n", "rob2-cluster"),
      HasSubstr("no column for rob2-cluster domain D1b ('Bias arising from the timing of identification"));
  // In a plain RoB 2 file, D1b is not a domain.
  EXPECT_THAT(error_of("Study,D1,D1b,D2,D3,D4,D5\nx,low,low,low,low,low,low\n", "rob2"),
              HasSubstr("rob.csv:1:3: column 'D1b' is not a domain of RoB 2"));
}

TEST(RiskOfBias, ToolIdsAsRobvisNamesThem) {
  EXPECT_EQ(review::rob_tool("ROB2").id, "rob2");
  EXPECT_EQ(review::rob_tool("ROB2-Cluster").id, "rob2-cluster");
  EXPECT_EQ(review::rob_tool("ROBINS-I").id, "robins-i");
  EXPECT_EQ(review::rob_tool("robins_e").id, "robins-e");
  EXPECT_EQ(review::rob_tool("QUADAS-2").id, "quadas-2");
  EXPECT_EQ(review::rob_tool("QUIPS").id, "quips");
  EXPECT_EQ(review::rob_tool("Generic").id, "generic");
  EXPECT_EQ(review::rob_tool("ihe19").id, "ihe");
  EXPECT_EQ(review::find_rob_tool("cochrane"), nullptr);
  try {
    (void)review::rob_tool("cochrane");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(
        e.what(),
        HasSubstr("known: rob2, rob2-cluster, rob1, robins-i, robins-e, quadas-2, quips, ihe, nos, generic"));
  }
}

TEST(RiskOfBias, IheItemsMetAgainstTheThreshold) {
  // 10 items (a modified list), partial counts half, not applicable is not rated.
  const std::string csv =
      "study,Q1,Q2,Q3,Q4,Q5,Q6,Q7,Q8,Q9,Q10\n"
      "good,yes,yes,yes,yes,yes,yes,yes,no,no,na\n"
      "borderline,yes,yes,yes,yes,yes,yes,partial,no,no,no\n"
      "poor,yes,no,no,unclear,no,no,no,no,no,no\n";
  const auto a = load_ihe(csv, 0.7);
  EXPECT_DOUBLE_EQ(a.studies[0].items_met, 7.0);
  EXPECT_DOUBLE_EQ(a.studies[0].items_rated, 9.0);
  EXPECT_EQ(a.studies[0].overall, 0u);  // 7/9 >= 0.7
  EXPECT_DOUBLE_EQ(a.studies[1].items_met, 6.5);
  EXPECT_EQ(a.studies[1].overall, 2u);  // 6.5/10 < 0.7
  EXPECT_EQ(load_ihe(csv, 0.65).studies[1].overall, 0u);
  EXPECT_EQ(a.studies[2].overall, 2u);
  EXPECT_THAT(a.notes[0], HasSubstr("10 of the 20 IHE items"));
  // An overall column is not silently dropped: a note says it is not used.
  const auto with_overall = load_ihe("study,Q1,overall\nx,yes,good\n", 0.7);
  EXPECT_THAT(with_overall.notes.back(), HasSubstr("column 'overall' is not used"));
  EXPECT_THAT(error_of("study,Q1,Q21\nx,yes,yes\n", "ihe"),
              HasSubstr("rob.csv:1:3: column 'Q21' is not a domain"));
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
  EXPECT_EQ(load("study,selection,comparability,exposure\nx,4,2,3\n", "nos").domains[2].id, "outcome");
}

TEST(RiskOfBias, ReaderErrorsNameTheCell) {
  EXPECT_THAT(
      error_of("study,D1,D2,D3,D4,D5\nx,low,low,maybe,low,low\n", "rob2"),
      HasSubstr(
          "rob.csv:2:4 (column 'D3'): 'maybe' is not a rob2 judgement; write one of: Low, Some concerns"));
  EXPECT_THAT(error_of("study,D1,D2,D3,D4,D5\nx,low,low,,low,low\n", "rob2"),
              HasSubstr("rob.csv:2:4 (column 'D3'): the judgement is empty; write one of"));
  EXPECT_THAT(error_of("study,D1,D2,D3,D4\nx,low,low,low,low\n", "rob2"),
              HasSubstr("no column for rob2 domain D5"));
  EXPECT_THAT(error_of("study,D1,D2,D3,D4,D5\nx,low,low,low,low,low\nx,low,low,low,low,low\n", "rob2"),
              HasSubstr("study 'x' appears twice"));
  EXPECT_THAT(error_of("study,D1,D2,D3,D4,D5,weight\nx,low,low,low,low,low,-3\n", "rob2"),
              HasSubstr("must be a number > 0"));
}

// Regression (issue 20): a column that is no domain of the tool was ignored, and of two columns
// for one domain the last silently won. Both are errors naming the header cell.
TEST(RiskOfBias, UnknownAndRepeatedColumnsAreErrors) {
  const std::string unknown = error_of("study,D1,D2,D3,D4,D5,D6\nx,low,low,low,low,low,high\n", "rob2");
  EXPECT_THAT(unknown,
              HasSubstr("rob.csv:1:7: column 'D6' is not a domain of RoB 2 (Sterne et al. 2019); it expects "
                        "D1 (Bias arising from the randomization process), D2"));
  EXPECT_THAT(unknown, HasSubstr("D5 (Bias in selection of the reported result)"));
  EXPECT_THAT(error_of("study,D1,D2,D3,D4,D5,notes\nx,low,low,low,low,low,see text\n", "rob2"),
              HasSubstr("rob.csv:1:7: column 'notes' is not a domain"));
  EXPECT_THAT(error_of(",Study,D1,D2,D3,D4,D5\n1,x,low,low,low,low,low\n", "rob2"),
              HasSubstr("rob.csv:1:1: column '' (an unnamed column: R's row names?"));
  // The same domain twice, by id or by name.
  EXPECT_THAT(
      error_of("study,D1,D2,D3,D4,D5,D1\nx,low,low,low,low,low,high\n", "rob2"),
      HasSubstr(
          "rob.csv:1:7: column 'D1' is domain D1 ('Bias arising from the randomization process') again, "
          "already in column 2 ('D1')"));
  EXPECT_THAT(
      error_of("study,D1,D2,D3,D4,D5,Bias due to missing outcome data\nx,low,low,low,low,low,high\n", "rob2"),
      HasSubstr("rob.csv:1:7: column 'Bias due to missing outcome data' is domain D3"));
  EXPECT_THAT(error_of("study,D1,D1\nx,low,high\n", "generic"),
              HasSubstr("rob.csv:1:3: domain 'D1' appears twice"));
  // The study, overall and weight columns too.
  EXPECT_THAT(
      error_of("study,D1,D2,D3,D4,D5,Overall,overall\nx,low,low,low,low,low,low,high\n", "rob2"),
      HasSubstr("rob.csv:1:8: a second overall column, 'overall' (the first is 'Overall' in column 7)"));
  EXPECT_THAT(error_of("Study,D1,D2,D3,D4,D5,Weight,weights\nx,low,low,low,low,low,1,2\n", "rob2"),
              HasSubstr("a second weight column"));
  EXPECT_THAT(error_of("Study,study,D1\nx,y,low\n", "generic"),
              HasSubstr("rob.csv:1:2: a second study column"));
  // --ignore leaves a column out; a name that is not there is an error.
  io::RobColumns c;
  c.ignore = {"notes"};
  const auto a = load("study,D1,D2,D3,D4,D5,notes\nx,low,low,low,low,low,see text\n", "rob2", c);
  EXPECT_EQ(a.domains.size(), 5u);
  c.ignore = {"comments"};
  EXPECT_THAT(error_of("study,D1,D2,D3,D4,D5\nx,low,low,low,low,low\n", "rob2", c), HasSubstr("comments"));
  // "Domain 1" is D1.
  EXPECT_EQ(load("Study,Domain 1,Domain 2,Domain 3,Domain 4,Domain 5\nx,low,low,low,low,high\n", "rob2")
                .domains.size(),
            5u);
}

// The spellings robvis's templates and review tools use for the same judgements.
TEST(RiskOfBias, JudgementSpellings) {
  const auto& rob2 = review::rob_tool("rob2");
  for (const char* low : {"Low", "low risk", "Low risk of bias", "LOW", "+", " low "}) {
    EXPECT_EQ(review::parse_judgement(rob2, low), std::optional<std::size_t>(0)) << low;
  }
  for (const char* some : {"Some concerns", "some_concerns", "-", "Unclear"}) {
    EXPECT_EQ(rob2.levels[review::parse_judgement(rob2, some).value()].name, "Some concerns") << some;
  }
  for (const char* high : {"High", "high risk", "High risk of bias", "X"}) {
    EXPECT_EQ(rob2.levels[review::parse_judgement(rob2, high).value()].name, "High") << high;
  }
  EXPECT_EQ(rob2.levels[review::parse_judgement(rob2, "No information").value()].name, "No information");
  EXPECT_EQ(rob2.levels[review::parse_judgement(rob2, "Not applicable").value()].name, "Not applicable");
  EXPECT_FALSE(review::parse_judgement(rob2, "lo").has_value());
  const auto& robins = review::rob_tool("robins-i");
  EXPECT_EQ(robins.levels[review::parse_judgement(robins, "Serious risk").value()].name, "Serious");
  EXPECT_EQ(robins.levels[review::parse_judgement(robins, "critical").value()].name, "Critical");
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
  // 2 studies x (5 domains + overall), plus the key's 4 levels (not applicable only when used).
  EXPECT_EQ(count(traffic, "<circle"), 2u * 6u + 4u);
  EXPECT_THAT(traffic, Not(HasSubstr(">Not applicable<")));
  EXPECT_THAT(traffic, HasSubstr("&lt;b&gt;x&lt;/b&gt;"));
  EXPECT_EQ(traffic.find("<b>"), std::string::npos);
  EXPECT_THAT(traffic, HasSubstr("#02C100"));  // Cochrane green
  o.palette = plot::RobPalette::kColourblind;
  EXPECT_EQ(plot::traffic_light_svg(a, o).find("#02C100"), std::string::npos);
  const std::string summary = plot::rob_summary_svg(a, o);
  EXPECT_EQ(count(summary, "class=\"bar"), 6u);
  EXPECT_THAT(summary, HasSubstr(">50%<"));
  const auto na = load("Study,D1,D1b,D2,D3,D4,D5\na,low,not applicable,low,low,low,low\n", "rob2-cluster");
  EXPECT_THAT(plot::traffic_light_svg(na, o), HasSubstr(">Not applicable<"));
}

// ---- Text inside the figure -------------------------------------------------------------------

std::string unescape(std::string s) {
  const std::pair<const char*, const char*> entities[] = {{"&lt;", "<"},  {"&gt;", ">"},   {"&quot;", "\""},
                                                          {"&#39;", "'"}, {"&apos;", "'"}, {"&amp;", "&"}};
  for (const auto& [from, to] : entities) {
    for (auto p = s.find(from); p != std::string::npos; p = s.find(from, p + 1))
      s.replace(p, std::strlen(from), to);
  }
  return s;
}

double attribute(const std::string& tag, const std::string& name) {
  const std::regex re(" " + name + "=\"([-0-9.]+)\"");
  std::smatch m;
  if (!std::regex_search(tag, m, re)) return std::nan("");
  return std::stod(m[1]);
}

// Every text element of an SVG inside its width and height, by carta's own width estimate
// (the browser test checks the report's figures with the real font). Returns the problems.
std::vector<std::string> text_outside(const std::string& svg) {
  std::vector<std::string> problems;
  const auto head = svg.substr(0, svg.find('>'));
  const double width = attribute(head, "width"), height = attribute(head, "height");
  const std::regex text_re("<text([^>]*)>([^<]*)</text>");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), text_re); it != std::sregex_iterator(); ++it) {
    const std::string tag = (*it)[1], content = unescape((*it)[2]);
    if (content.empty()) continue;
    const double x = attribute(tag, "x"), y = attribute(tag, "y"), size = attribute(tag, "font-size");
    const double w = plot::text_width(content, size) * (tag.find("bold") != std::string::npos ? 1.1 : 1.0);
    const bool turned = tag.find("rotate(") != std::string::npos;
    double left = x, right = x + w, top = y - size, bottom = y;
    if (turned) {
      left = x - size, right = x, top = y - w / 2, bottom = y + w / 2;
    } else if (tag.find("text-anchor=\"middle\"") != std::string::npos) {
      left = x - w / 2, right = x + w / 2;
    } else if (tag.find("text-anchor=\"end\"") != std::string::npos) {
      left = x - w, right = x;
    }
    if (left < -0.5 || right > width + 0.5 || top < -0.5 || bottom > height + 0.5) {
      problems.push_back(fmt::format("'{}' spans x {:.1f} to {:.1f}, y {:.1f} to {:.1f} of {} x {}",
                                     content.substr(0, 40), left, right, top, bottom, width, height));
    }
  }
  return problems;
}

// The checker can fail: text pushed past the right edge is found.
TEST(RiskOfBiasFigures, TextBoundsCheckCanFail) {
  plot::Svg svg(100, 50);
  svg.text(10, 20, "fits");
  EXPECT_TRUE(text_outside(svg.str()).empty());
  svg.text(60, 20, "this does not fit at all");
  EXPECT_EQ(text_outside(svg.str()).size(), 1u);
}

// Regression (issue 20): long domain names ran off the figure. A 200-character domain name wraps
// in the legend and the summary, and every text stays inside both figures.
TEST(RiskOfBiasFigures, LongDomainNamesWrap) {
  std::string name;
  while (name.size() < 200) name += "bias arising from an unusually long domain description ";
  name.resize(200);
  const auto a = load("study,\"" + name + "\",D2\nA,low,high\nB,some concerns,low\n", "generic");
  ASSERT_EQ(a.domains[0].name.size(), 200u);
  for (const bool colourblind : {false, true}) {
    plot::RobPlotOptions o;
    o.title =
        "Risk of bias of the studies in a review whose title is also much longer than one line of the figure";
    o.palette = colourblind ? plot::RobPalette::kColourblind : plot::RobPalette::kCochrane;
    const auto traffic = plot::traffic_light_svg(a, o);
    const auto summary = plot::rob_summary_svg(a, o);
    EXPECT_THAT(text_outside(traffic), ::testing::IsEmpty());
    EXPECT_THAT(text_outside(summary), ::testing::IsEmpty());
    EXPECT_LE(attribute(traffic.substr(0, traffic.find('>')), "width"), 760.0);
    EXPECT_LE(attribute(summary.substr(0, summary.find('>')), "width"), 760.0);
    // Wrapped, not dropped: the name's last word is in both figures.
    EXPECT_THAT(traffic, HasSubstr(name.substr(name.rfind(' ') + 1)));
    EXPECT_THAT(summary, HasSubstr(name.substr(name.rfind(' ') + 1)));
  }
}

// A 10,000-character study label and a long domain id stay inside the figure.
TEST(RiskOfBiasFigures, HugeLabelsStayInside) {
  std::string label;
  while (label.size() < 10000) label += "Reference " + std::to_string(label.size()) + " ";
  const auto a = load("study,selection,comparability,outcome\n\"" + label + "\",4,2,3\nshort,1,0,1\n", "nos");
  const auto traffic = plot::traffic_light_svg(a, {});
  EXPECT_THAT(text_outside(traffic), ::testing::IsEmpty());
  EXPECT_THAT(traffic, HasSubstr("\u2026"));  // shortened in the figure
  EXPECT_THAT(text_outside(plot::rob_summary_svg(a, {})), ::testing::IsEmpty());
}

// Regression (issue 20): 600 studies made an 18,000 px figure that the renderer refuses. The
// table continues in blocks side by side, every study once, within the renderer's 16,000 px.
TEST(RiskOfBiasFigures, SixHundredStudiesContinueInBlocks) {
  std::string csv = "study,D1,D2,D3,D4,D5\n";
  for (int i = 1; i <= 600; ++i)
    csv += fmt::format("Study {},low,some concerns,high,low,{}\n", i, i % 3 ? "low" : "high");
  const auto a = load(csv, "rob2");
  const auto traffic = plot::traffic_light_svg(a, {});
  const auto head = traffic.substr(0, traffic.find('>'));
  EXPECT_LE(attribute(head, "width"), 16000.0);
  EXPECT_LE(attribute(head, "height"), 16000.0);
  EXPECT_EQ(count(traffic, "class=\"block\""), 3u);
  EXPECT_EQ(count(traffic, "class=\"study\""), 600u);
  EXPECT_EQ(count(traffic, ">Study 1<"), 1u);
  EXPECT_EQ(count(traffic, ">Study 600<"), 1u);
  EXPECT_THAT(text_outside(traffic), ::testing::IsEmpty());
  // A small table is one block.
  EXPECT_EQ(count(plot::traffic_light_svg(load("study,D1\na,low\n", "generic"), {}), "class=\"block\""), 1u);
  // So many studies that the blocks would pass the width limit: taller blocks, still inside.
  std::string many = "study,D1\n";
  for (int i = 1; i <= 8000; ++i) many += fmt::format("S{},low\n", i);
  const auto big = plot::traffic_light_svg(load(many, "generic"), {});
  const auto big_head = big.substr(0, big.find('>'));
  EXPECT_LE(attribute(big_head, "width"), 16000.0);
  EXPECT_LE(attribute(big_head, "height"), 16000.0);
  EXPECT_EQ(count(big, "class=\"study\""), 8000u);
}

// ---- Golden files: the exact SVG of each tool's small figures ----------------------------------

// Regenerate deliberately with CARTA_UPDATE_GOLDEN=1 and review the diff.
void expect_golden(const std::string& name, const std::string& svg) {
  const auto path = test::source_path("tests/golden") / name;
  if (std::getenv("CARTA_UPDATE_GOLDEN") != nullptr) std::ofstream(path, std::ios::binary) << svg;
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " missing: run with CARTA_UPDATE_GOLDEN=1";
  EXPECT_EQ(svg, test::read_text(path)) << name
                                        << " differs from the golden file; if the change is intended, rerun "
                                           "with CARTA_UPDATE_GOLDEN=1 and review the diff";
  EXPECT_THAT(text_outside(svg), ::testing::IsEmpty()) << name;
}

TEST(RiskOfBiasFigures, GoldenFiguresOfEachTool) {
  struct Case {
    const char* tool;
    const char* csv;
  };
  const Case cases[] = {
      {"rob1",
       "Study,D1,D2,D3,D4,D5,D6,D7,Overall\nA 2010,Low,Unclear,Low,Low,High,Low,Low,High\n"
       "B 2012,Low,Low,Unclear,Low,Low,Low,No information,\n"},
      {"quadas-2", "Study,D1,D2,D3,D4\nA 2015,Low,Unclear,Low,Low\nB 2018,High,Low,Low,No information\n"},
      {"quips",
       "Study,D1,D2,D3,D4,D5,D6\nA 2001,Low,Moderate,Low,Low,Low,Low\nB "
       "2009,Low,Moderate,Moderate,High,Low,Low\n"},
      {"robins-e",
       "Study,D1,D2,D3,D4,D5,D6,D7\nA 2020,Some concerns,Low,Low,Low,Low,Low,Low\n"
       "B 2021,High,Very high,Low,Low,No information,Low,Low\n"},
      {"rob2-cluster",
       "Study,D1,D1b,D2,D3,D4,D5\nA 2019,Low,Not applicable,Low,Low,Low,Low\n"
       "B 2022,Low,High,Some concerns,Low,Low,Low\n"},
  };
  for (const auto& c : cases) {
    const auto a = load(c.csv, c.tool);
    plot::RobPlotOptions o;
    o.title = a.tool->name;
    expect_golden(fmt::format("rob_{}_traffic_light.svg", c.tool), plot::traffic_light_svg(a, o));
    o.weighted = false;
    expect_golden(fmt::format("rob_{}_summary.svg", c.tool), plot::rob_summary_svg(a, o));
  }
}

}  // namespace
}  // namespace carta
