// GRADE certainty: each domain's rule at and around its thresholds, the weighted risk-of-bias
// tiers, the authors' ratings replacing a rule, the starting certainty and the floor at very low.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "carta/error.hpp"
#include "carta/review/grade.hpp"
#include "carta/review/rob.hpp"

namespace carta::review {
namespace {

using ::testing::HasSubstr;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A body of evidence that no rule rates down: 12 consistent, precise studies, Egger p = 0.5.
GradeEvidence clean_evidence() {
  GradeEvidence e;
  e.k = 12;
  e.patients = 1000;
  e.i2 = 20.0;
  e.q_p = 0.3;
  e.estimate = 0.5;
  e.ci_lb = 0.45;
  e.ci_ub = 0.55;
  e.pi_lb = 0.40;
  e.pi_ub = 0.60;
  e.small_study = SmallStudyTestResult{"Egger's test", 12, 0.5};
  return e;
}

const DomainRating& domain(const CertaintyRating& r, GradeDomain d) { return r.domains[static_cast<std::size_t>(d)]; }

RobAssessment assessment(const std::string& tool_id, const std::vector<std::pair<std::string, std::string>>& overall) {
  RobAssessment a;
  a.tool = &rob_tool(tool_id);
  for (const auto& [study, judgement] : overall) {
    StudyAssessment s;
    s.study = study;
    const auto level = parse_judgement(*a.tool, judgement);
    EXPECT_TRUE(level) << judgement;
    s.overall = s.by_rule = level.value_or(0);
    a.studies.push_back(s);
  }
  return a;
}

TEST(Grade, CleanEvidenceKeepsItsStartAndEveryDomainIsDomainOrdered) {
  const auto r = rate_certainty(clean_evidence(), {}, nullptr, {});
  EXPECT_EQ(r.start, Certainty::kLow);  // no assessment: observational
  EXPECT_EQ(r.certainty, Certainty::kLow);
  EXPECT_EQ(r.levels_down, 0);
  for (std::size_t i = 0; i < kGradeDomains.size(); ++i) EXPECT_EQ(r.domains[i].domain, kGradeDomains[i]);
  // Without an assessment, risk of bias and indirectness are marked as not assessed, not as findings.
  EXPECT_FALSE(domain(r, GradeDomain::kRiskOfBias).assessed);
  EXPECT_THAT(domain(r, GradeDomain::kRiskOfBias).reason, HasSubstr("no risk-of-bias assessment"));
  EXPECT_FALSE(domain(r, GradeDomain::kIndirectness).assessed);
  EXPECT_TRUE(domain(r, GradeDomain::kPublicationBias).assessed);
  EXPECT_THAT(domain(r, GradeDomain::kPublicationBias).reason, HasSubstr("undetected: Egger's test p = 0.500 (k = 12)"));
}

TEST(Grade, StartFollowsTheDesignOrTheAuthors) {
  const auto rob2 = assessment("rob2", {{"A", "low"}});
  const auto robins = assessment("robins-i", {{"A", "low"}});
  const auto nos = assessment("nos", {{"A", "good"}});
  EXPECT_EQ(start_certainty(&rob2), Certainty::kHigh);
  EXPECT_EQ(start_certainty(&robins), Certainty::kHigh);
  EXPECT_EQ(start_certainty(&nos), Certainty::kLow);
  EXPECT_EQ(start_certainty(nullptr), Certainty::kLow);
  GradeRules rules;
  rules.start = Certainty::kModerate;
  rules.start_reason = "prognostic question (Iorio et al. 2015)";
  const auto r = rate_certainty(clean_evidence(), rules, &nos, {});
  EXPECT_EQ(r.start, Certainty::kModerate);
  EXPECT_EQ(r.start_reason, "prognostic question (Iorio et al. 2015)");
}

TEST(Grade, InconsistencyAtItsThresholds) {
  auto e = clean_evidence();
  auto concern = [&](double i2) {
    e.i2 = i2;
    return domain(rate_certainty(e, {}, nullptr, {}), GradeDomain::kInconsistency).concern;
  };
  EXPECT_EQ(concern(49.9), Concern::kNotSerious);
  EXPECT_EQ(concern(50.0), Concern::kSerious);
  EXPECT_EQ(concern(74.9), Concern::kSerious);
  EXPECT_EQ(concern(75.0), Concern::kVerySerious);
  // One study: nothing to be inconsistent with.
  e.k = 1;
  e.i2 = 0.0;
  const auto one = domain(rate_certainty(e, {}, nullptr, {}), GradeDomain::kInconsistency);
  EXPECT_FALSE(one.assessed);
  EXPECT_EQ(one.concern, Concern::kNotSerious);
  // A model without I^2 (NaN) is not a finding either.
  e.k = 5;
  e.i2 = kNaN;
  EXPECT_FALSE(domain(rate_certainty(e, {}, nullptr, {}), GradeDomain::kInconsistency).assessed);
}

TEST(Grade, ImprecisionCountsTheWidthAndThePatients) {
  auto e = clean_evidence();
  auto rate = [&] { return domain(rate_certainty(e, {}, nullptr, {}), GradeDomain::kImprecision); };
  e.ci_lb = 0.40;
  e.ci_ub = 0.60;  // exactly 20 points: not wider than the threshold
  EXPECT_EQ(rate().concern, Concern::kNotSerious);
  e.ci_ub = 0.6001;
  EXPECT_EQ(rate().concern, Concern::kSerious);
  EXPECT_THAT(rate().reason, HasSubstr("wider than 20"));
  e.patients = 399;
  EXPECT_EQ(rate().concern, Concern::kVerySerious);
  EXPECT_THAT(rate().reason, HasSubstr("399 patients, fewer than the optimal information size of 400"));
  e.ci_ub = 0.55;
  EXPECT_EQ(rate().concern, Concern::kSerious);
  e.patients = kNaN;  // a study without n: the width alone decides, and the reason says so
  EXPECT_EQ(rate().concern, Concern::kNotSerious);
  EXPECT_THAT(rate().reason, HasSubstr("not known for every study"));
  e.ci_lb = kNaN;
  EXPECT_FALSE(rate().assessed);
}

TEST(Grade, PublicationBiasNeedsTenStudiesAndATest) {
  auto e = clean_evidence();
  auto rate = [&] { return domain(rate_certainty(e, {}, nullptr, {}), GradeDomain::kPublicationBias); };
  e.small_study->p = 0.099;
  EXPECT_EQ(rate().concern, Concern::kSerious);
  EXPECT_THAT(rate().reason, HasSubstr("suspected"));
  e.small_study->p = 0.10;
  EXPECT_EQ(rate().concern, Concern::kNotSerious);
  e.small_study->p = 0.001;
  e.k = 9;  // too few: not assessed whatever the test says
  EXPECT_EQ(rate().concern, Concern::kNotSerious);
  EXPECT_FALSE(rate().assessed);
  EXPECT_THAT(rate().reason, HasSubstr("9 studies, fewer than 10"));
  e.k = 12;
  e.small_study.reset();
  EXPECT_FALSE(rate().assessed);
  e.small_study_wanted = false;
  EXPECT_THAT(rate().reason, HasSubstr("turned off"));
}

TEST(Grade, RiskOfBiasByTheTierHoldingTheMedianWeight) {
  const auto rob = assessment("rob2", {{"A", "low"}, {"B", "some concerns"}, {"C", "high"}});
  const std::vector<std::string> labels{"A", "B", "C"};
  auto rate = [&](std::vector<double> weights) {
    auto e = clean_evidence();
    e.risk_of_bias = risk_of_bias_shares(rob, labels, weights);
    return domain(rate_certainty(e, {}, &rob, {}), GradeDomain::kRiskOfBias);
  };
  EXPECT_EQ(rate({51, 25, 24}).concern, Concern::kNotSerious);
  EXPECT_EQ(rate({50, 0, 50}).concern, Concern::kSerious);  // a tie is not a majority of low risk
  EXPECT_EQ(rate({20, 31, 49}).concern, Concern::kSerious);
  EXPECT_EQ(rate({20, 29, 51}).concern, Concern::kVerySerious);
  EXPECT_THAT(rate({20, 29, 51}).reason, HasSubstr("51% at high risk (C)"));
  // Weights on any scale: only their shares matter.
  EXPECT_EQ(rate({0.51, 0.25, 0.24}).concern, Concern::kNotSerious);
  // No usable weights (a one-stage model): equal shares.
  const auto equal = risk_of_bias_shares(rob, labels, std::vector<double>{kNaN, kNaN, kNaN});
  EXPECT_NEAR(equal.low, 1.0 / 3.0, 1e-15);
  EXPECT_NEAR(equal.high, 1.0 / 3.0, 1e-15);
}

TEST(Grade, StudiesWithoutAnAssessmentCountAsSomeConcernsAndAreNamed) {
  const auto rob = assessment("rob2", {{"A", "low"}});
  const std::vector<std::string> labels{"A", "B"};
  const auto shares = risk_of_bias_shares(rob, labels, std::vector<double>{40, 60});
  EXPECT_DOUBLE_EQ(shares.not_assessed, 0.6);
  auto e = clean_evidence();
  e.risk_of_bias = shares;
  const auto d = domain(rate_certainty(e, {}, &rob, {}), GradeDomain::kRiskOfBias);
  EXPECT_EQ(d.concern, Concern::kSerious);
  EXPECT_THAT(d.reason, HasSubstr("60% from studies the assessment does not cover (B)"));
  EXPECT_THROW((void)risk_of_bias_shares(rob, labels, std::vector<double>{1}), Error);
}

TEST(Grade, ToolTiersRobinsSeriousAndCriticalAreHighRisk) {
  const auto rob = assessment("robins-i", {{"A", "low"}, {"B", "moderate"}, {"C", "serious"}, {"D", "critical"}});
  const auto s = risk_of_bias_shares(rob, std::vector<std::string>{"A", "B", "C", "D"}, std::vector<double>{1, 1, 1, 1});
  EXPECT_DOUBLE_EQ(s.low, 0.25);
  EXPECT_DOUBLE_EQ(s.some_concerns, 0.25);
  EXPECT_DOUBLE_EQ(s.high, 0.5);
  // Newcastle-Ottawa: good, fair, poor; IHE: acceptable (Yes) or not (No).
  const auto nos = assessment("nos", {{"A", "good"}, {"B", "fair"}, {"C", "poor"}});
  const auto n = risk_of_bias_shares(nos, std::vector<std::string>{"A", "B", "C"}, std::vector<double>{1, 1, 2});
  EXPECT_DOUBLE_EQ(n.low, 0.25);
  EXPECT_DOUBLE_EQ(n.some_concerns, 0.25);
  EXPECT_DOUBLE_EQ(n.high, 0.5);
  const auto ihe = assessment("ihe", {{"A", "yes"}, {"B", "no"}});
  const auto i = risk_of_bias_shares(ihe, std::vector<std::string>{"A", "B"}, std::vector<double>{1, 3});
  EXPECT_DOUBLE_EQ(i.low, 0.25);
  EXPECT_DOUBLE_EQ(i.high, 0.75);
  // "No information" is a concern, not low risk.
  const auto ni = assessment("robins-i", {{"A", "no information"}});
  EXPECT_DOUBLE_EQ(risk_of_bias_shares(ni, std::vector<std::string>{"A"}, std::vector<double>{1}).some_concerns, 1.0);
}

TEST(Grade, TheAuthorsRatingReplacesTheRuleAndCertaintyStopsAtVeryLow) {
  auto e = clean_evidence();
  e.i2 = 90.0;  // very serious by the rule
  const std::vector<GradeJudgement> judgements{
      {GradeDomain::kInconsistency, Concern::kSerious, "the spread is in size, not in direction"},
      {GradeDomain::kIndirectness, Concern::kVerySerious, "adult and paediatric products differ"}};
  GradeRules rules;
  rules.start = Certainty::kHigh;
  rules.start_reason = "randomised";
  const auto r = rate_certainty(e, rules, nullptr, judgements);
  const auto& inc = domain(r, GradeDomain::kInconsistency);
  EXPECT_TRUE(inc.by_authors);
  EXPECT_EQ(inc.concern, Concern::kSerious);
  EXPECT_EQ(inc.reason, "the spread is in size, not in direction");
  EXPECT_TRUE(domain(r, GradeDomain::kIndirectness).assessed);
  EXPECT_EQ(r.levels_down, 3);
  EXPECT_EQ(r.certainty, Certainty::kVeryLow);
  // From low, five levels down is still very low, never below.
  e.patients = 10;
  e.ci_ub = 0.99;
  rules.start = Certainty::kLow;
  const auto floor = rate_certainty(e, rules, nullptr, judgements);
  EXPECT_EQ(floor.levels_down, 5);
  EXPECT_EQ(floor.certainty, Certainty::kVeryLow);
  EXPECT_EQ(certainty_symbols(Certainty::kVeryLow), "\u2295\u25EF\u25EF\u25EF");
  EXPECT_EQ(certainty_symbols(Certainty::kHigh), "\u2295\u2295\u2295\u2295");
}

TEST(Grade, BadRatingsAndRulesAreRefused) {
  const std::vector<GradeJudgement> twice{{GradeDomain::kImprecision, Concern::kSerious, "a"},
                                          {GradeDomain::kImprecision, Concern::kNotSerious, "b"}};
  EXPECT_THROW((void)rate_certainty(clean_evidence(), {}, nullptr, twice), Error);
  const std::vector<GradeJudgement> no_reason{{GradeDomain::kImprecision, Concern::kSerious, ""}};
  try {
    (void)rate_certainty(clean_evidence(), {}, nullptr, no_reason);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("grade.imprecision"));
  }
  GradeRules rules;
  rules.i2_very_serious = 40.0;  // below i2_serious
  EXPECT_THROW(validate(rules), Error);
  rules = {};
  rules.ci_width = 0.0;
  EXPECT_THROW(validate(rules), Error);
  rules = {};
  rules.publication_bias_min_k = 2;
  EXPECT_THROW(validate(rules), Error);
}

TEST(Grade, NamesParseBothWays) {
  for (const auto d : kGradeDomains) EXPECT_EQ(parse_grade_domain(to_string(d)), d);
  for (const auto c : {Concern::kNotSerious, Concern::kSerious, Concern::kVerySerious}) EXPECT_EQ(parse_concern(to_string(c)), c);
  EXPECT_EQ(parse_concern("Very  Serious"), Concern::kVerySerious);
  EXPECT_EQ(parse_certainty("Very low"), Certainty::kVeryLow);
  EXPECT_FALSE(parse_certainty("medium"));
  EXPECT_FALSE(parse_grade_domain("bias"));
}

}  // namespace
}  // namespace carta::review
