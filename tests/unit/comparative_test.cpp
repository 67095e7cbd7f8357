// Two-group binary outcomes at their edges: zero cells under each correction, double zeros,
// k = 1 and k = 2, huge counts, the methods that cannot be computed, and effects reported with
// a CI. The metafor agreement itself is in tests/reference/metafor_comparative_test.cpp.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "carta/comparative.hpp"
#include "carta/error.hpp"
#include "carta/io/comparative_table.hpp"

namespace carta {
namespace {

using ::testing::HasSubstr;

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(BinaryEffect, TreatmentArmCorrectionFollowsTheArmSizes) {
  // 0/10 against 5/40: increments 2 * 0.5 * 10/50 = 0.2 in arm 1's cells, 0.8 in arm 2's.
  BinaryEffectOptions o;
  o.measure = BinaryMeasure::kOR;
  o.correction = ZeroCellCorrection::kTreatmentArm;
  const BinaryEffect e = binary_effect({"s", 0, 10, 5, 40}, o);
  EXPECT_TRUE(e.corrected);
  EXPECT_NEAR(e.yi, std::log((0.2 * 35.8) / (10.2 * 5.8)), 1e-14);
  EXPECT_NEAR(e.vi, 1 / 0.2 + 1 / 10.2 + 1 / 5.8 + 1 / 35.8, 1e-12);
  // Equal arms: the same as adding 1/2 to every cell.
  o.correction = ZeroCellCorrection::kTreatmentArm;
  const BinaryEffect tacc = binary_effect({"s", 0, 20, 5, 20}, o);
  o.correction = ZeroCellCorrection::kAllCells;
  const BinaryEffect all = binary_effect({"s", 0, 20, 5, 20}, o);
  EXPECT_DOUBLE_EQ(tacc.yi, all.yi);
  EXPECT_DOUBLE_EQ(tacc.vi, all.vi);
}

TEST(BinaryEffect, ZeroCellsByMeasure) {
  BinaryEffectOptions o;
  // AS is finite at 0 and n: no correction unless asked (metafor's escalc default).
  o.measure = BinaryMeasure::kAS;
  const BinaryEffect as = binary_effect({"s", 0, 10, 3, 10}, o);
  EXPECT_FALSE(as.corrected);
  EXPECT_NEAR(as.yi, -std::asin(std::sqrt(0.3)), 1e-15);
  EXPECT_NEAR(as.vi, 0.05, 1e-15);
  // RD is corrected like the ratios (escalc adds to it too).
  o.measure = BinaryMeasure::kRD;
  const BinaryEffect rd = binary_effect({"s", 0, 10, 3, 10}, o);
  EXPECT_TRUE(rd.corrected);
  EXPECT_NEAR(rd.yi, 0.5 / 11 - 3.5 / 11, 1e-15);
  // Without a correction a zero cell leaves the OR undefined: an error naming the way out.
  o.measure = BinaryMeasure::kOR;
  o.correction = ZeroCellCorrection::kNone;
  EXPECT_THAT(error_of([&] { (void)binary_effect({"Z", 0, 10, 3, 10}, o); }),
              HasSubstr("study 'Z' (0/10 against 3/10): the OR is undefined without a continuity correction"));
  // All events in one arm is a zero cell too.
  o.correction.reset();
  EXPECT_TRUE(binary_effect({"s", 10, 10, 3, 10}, o).corrected);
}

TEST(BinaryEffect, DoubleZerosAreDroppedForRatiosAndKeptForDifferences) {
  BinaryEffectOptions o;
  for (auto m : {BinaryMeasure::kOR, BinaryMeasure::kRR}) {
    o.measure = m;
    EXPECT_TRUE(binary_effect({"s", 0, 10, 0, 12}, o).dropped);
    EXPECT_TRUE(binary_effect({"s", 10, 10, 12, 12}, o).dropped);
  }
  for (auto m : {BinaryMeasure::kRD, BinaryMeasure::kAS}) {
    o.measure = m;
    EXPECT_FALSE(binary_effect({"s", 0, 10, 0, 12}, o).dropped);
  }
  o.measure = BinaryMeasure::kOR;
  o.drop_double_zero = false;
  const BinaryEffect kept = binary_effect({"s", 0, 10, 0, 12}, o);
  EXPECT_FALSE(kept.dropped);
  EXPECT_NEAR(kept.yi, std::log((0.5 * 12.5) / (10.5 * 0.5)), 1e-14);
}

TEST(BinaryEffect, ImpossibleCountsAreErrors) {
  const BinaryEffectOptions o;
  EXPECT_THAT(error_of([&] { (void)binary_effect({"A", 11, 10, 3, 10}, o); }), HasSubstr("study 'A': 11 events of 10 in arm 1"));
  EXPECT_THAT(error_of([&] { (void)binary_effect({"A", 1, 10, -1, 10}, o); }), HasSubstr("-1 events of 10 in arm 2"));
  EXPECT_THAT(error_of([&] { (void)binary_effect({"A", 0, 0, 1, 10}, o); }), HasSubstr("0 patients in arm 1"));
}

TEST(BinaryEffect, HugeCountsStayExact) {
  BinaryEffectOptions o;
  o.measure = BinaryMeasure::kRR;
  const std::int64_t n = 4'000'000'000;  // beyond 32-bit products
  const BinaryEffect e = binary_effect({"s", n / 10, n, n / 5, n}, o);
  EXPECT_NEAR(e.yi, std::log(0.5), 1e-14);
  EXPECT_NEAR(e.vi, 10.0 / n - 1.0 / n + 5.0 / n - 1.0 / n, 1e-22);
}

ComparativeOptions options_for(BinaryMeasure m, ComparativeMethod method) {
  ComparativeOptions o;
  o.effect.measure = m;
  o.method = method;
  return o;
}

TEST(CompareBinary, OneStudyIsItsOwnEstimate) {
  const std::vector<TwoByTwoStudy> one{{"only", 4, 20, 8, 20}};
  const auto r = compare_binary(one, options_for(BinaryMeasure::kOR, ComparativeMethod::kMantelHaenszel));
  const double log_or = std::log((4.0 * 12.0) / (16.0 * 8.0));
  EXPECT_NEAR(r.inverse_variance.random.est, log_or, 1e-12);
  EXPECT_NEAR(r.table_based->est, log_or, 1e-12);  // MH of one table is its OR
  EXPECT_TRUE(std::isnan(r.table_based->Q));       // no heterogeneity from one study
  EXPECT_TRUE(std::isnan(r.table_based->tarone));
  EXPECT_DOUBLE_EQ(r.studies[0].weight_common, 100.0);
}

TEST(CompareBinary, TwoStudiesPoolByEveryMethod) {
  // A: 4/20 vs 8/20 (R = 4 * 12 / 40 = 1.2, S = 16 * 8 / 40 = 3.2); B: 10/50 vs 15/50 (R = 3.5,
  // S = 6): OR_MH = 4.7 / 9.2. Peto: O - E = -2 and -2.5, V = 134400 / 62400 and 4687500 / 990000.
  const std::vector<TwoByTwoStudy> two{{"A", 4, 20, 8, 20}, {"B", 10, 50, 15, 50}};
  const auto mh = compare_binary(two, options_for(BinaryMeasure::kOR, ComparativeMethod::kMantelHaenszel));
  EXPECT_NEAR(mh.table_based->est, std::log(4.7 / 9.2), 1e-14);
  EXPECT_NEAR(mh.studies[0].weight_common, 100.0 * 3.2 / 9.2, 1e-12);
  EXPECT_EQ(mh.table_based->Q_df, 1.0);
  const auto peto = compare_binary(two, options_for(BinaryMeasure::kOR, ComparativeMethod::kPeto));
  const double v = 134400.0 / 62400.0 + 4687500.0 / 990000.0;
  EXPECT_NEAR(peto.table_based->est, -4.5 / v, 1e-14);
  EXPECT_NEAR(peto.table_based->se, 1.0 / std::sqrt(v), 1e-14);
  const auto iv = compare_binary(two, options_for(BinaryMeasure::kOR, ComparativeMethod::kInverseVariance));
  const double y1 = std::log(4.0 * 12.0 / (16.0 * 8.0)), v1 = 1 / 4.0 + 1 / 16.0 + 1 / 8.0 + 1 / 12.0;
  const double y2 = std::log(10.0 * 35.0 / (40.0 * 15.0)), v2 = 1 / 10.0 + 1 / 40.0 + 1 / 15.0 + 1 / 35.0;
  EXPECT_NEAR(iv.inverse_variance.common.est, (y1 / v1 + y2 / v2) / (1 / v1 + 1 / v2), 1e-14);
  EXPECT_FALSE(iv.table_based.has_value());
}

TEST(CompareBinary, TablesWithoutSpreadLeaveTheTestNotAvailable) {
  // Every study all events against none: the MH RD is 1 with a Sato variance of 0.
  const std::vector<TwoByTwoStudy> certain{{"A", 10, 10, 0, 10}, {"B", 5, 5, 0, 8}};
  const auto r = compare_binary(certain, options_for(BinaryMeasure::kRD, ComparativeMethod::kMantelHaenszel));
  EXPECT_DOUBLE_EQ(r.table_based->est, 1.0);
  EXPECT_TRUE(std::isnan(r.table_based->se));
  EXPECT_TRUE(std::isnan(r.table_based->p));
  EXPECT_THAT(r.notes, ::testing::Contains(HasSubstr("its test and interval are not available")));
}

TEST(CompareBinary, DoubleZeroStudiesAreNamedAndAllOfThemIsAnError) {
  const std::vector<TwoByTwoStudy> studies{{"A", 4, 20, 8, 20}, {"Empty", 0, 15, 0, 17}, {"B", 10, 50, 15, 50}};
  const auto r = compare_binary(studies, options_for(BinaryMeasure::kOR, ComparativeMethod::kInverseVariance));
  EXPECT_EQ(r.k_pooled, 2u);
  ASSERT_FALSE(r.notes.empty());
  EXPECT_THAT(r.notes.front(), HasSubstr("1 study left out of the OR: Empty (no events in either arm)"));
  EXPECT_TRUE(r.studies[1].effect.dropped);
  const auto rd = compare_binary(studies, options_for(BinaryMeasure::kRD, ComparativeMethod::kMantelHaenszel));
  EXPECT_EQ(rd.k_pooled, 3u);
  const std::vector<TwoByTwoStudy> empty{{"E1", 0, 15, 0, 17}, {"E2", 0, 9, 0, 8}};
  EXPECT_THAT(error_of([&] { (void)compare_binary(empty, options_for(BinaryMeasure::kRR, ComparativeMethod::kInverseVariance)); }),
              HasSubstr("no study is left to pool"));
}

TEST(CompareBinary, MethodsThatDoNotApplyAreErrors) {
  const std::vector<TwoByTwoStudy> two{{"A", 4, 20, 8, 20}, {"B", 10, 50, 15, 50}};
  EXPECT_THAT(error_of([&] { (void)compare_binary(two, options_for(BinaryMeasure::kRR, ComparativeMethod::kPeto)); }),
              HasSubstr("Peto's method pools odds ratios"));
  EXPECT_THAT(error_of([&] { (void)compare_binary(two, options_for(BinaryMeasure::kAS, ComparativeMethod::kMantelHaenszel)); }),
              HasSubstr("Mantel-Haenszel pools OR, RR or RD"));
  const std::vector<TwoByTwoStudy> duplicate{{"A", 4, 20, 8, 20}, {"A", 10, 50, 15, 50}};
  EXPECT_THAT(error_of([&] { (void)compare_binary(duplicate, ComparativeOptions{}); }), HasSubstr("'A' appears more than once"));
  // No events in arm 1 of any study: the MH odds ratio is 0 / something, undefined as a log.
  const std::vector<TwoByTwoStudy> none{{"A", 0, 20, 8, 20}, {"B", 0, 50, 15, 50}};
  EXPECT_THAT(error_of([&] { (void)compare_binary(none, options_for(BinaryMeasure::kOR, ComparativeMethod::kMantelHaenszel)); }),
              HasSubstr("the Mantel-Haenszel odds ratio is undefined"));
}

ReportedEffect bare(std::string label, double estimate) {
  ReportedEffect e;
  e.label = std::move(label);
  e.estimate = estimate;
  return e;
}
ReportedEffect with_ci(std::string label, double estimate, double lb, double ub) {
  ReportedEffect e = bare(std::move(label), estimate);
  e.ci_lb = lb, e.ci_ub = ub;
  return e;
}
ReportedEffect with_se(std::string label, double estimate, double se) {
  ReportedEffect e = bare(std::move(label), estimate);
  e.se = se;
  return e;
}
ReportedEffect with_variance(std::string label, double estimate, double v) {
  ReportedEffect e = bare(std::move(label), estimate);
  e.variance = v;
  return e;
}

TEST(ReportedEffect, RatiosWithTheirIntervals) {
  ReportedEffectOptions o;
  o.ratio = true;
  std::string note;
  const EffectStudy e = effect_from_report(with_ci("HR", 0.5, 0.25, 1.0), o, &note);
  EXPECT_NEAR(e.yi, std::log(0.5), 1e-15);
  const double se = std::log(4.0) / (2.0 * 1.959963984540054);
  EXPECT_NEAR(e.vi, se * se, 1e-14);
  EXPECT_TRUE(note.empty());
  // 0.62 (0.41 to 0.95): 3% from symmetric on the log scale, no note.
  (void)effect_from_report(with_ci("r", 0.62, 0.41, 0.95), o, &note);
  EXPECT_TRUE(note.empty());
  // Symmetric on the ratio scale, not the log: 2.0 (1.0 to 3.0) is 23% off on the log scale.
  (void)effect_from_report(with_ci("r", 2.0, 1.0, 3.0), o, &note);
  EXPECT_THAT(note, HasSubstr("from symmetric on the log scale"));
  EXPECT_THAT(error_of([&] { (void)effect_from_report(with_ci("r", 2.0, 1.9, 8.0), o, nullptr); }),
              HasSubstr("is not symmetric about 2 on the log scale"));
  EXPECT_THAT(error_of([&] { (void)effect_from_report(with_se("r", -0.3, 0.1), o, nullptr); }),
              HasSubstr("a ratio must be > 0"));
  EXPECT_THAT(error_of([&] { (void)effect_from_report(with_ci("r", 0.5, 0.6, 0.9), o, nullptr); }),
              HasSubstr("does not hold the estimate"));
  o.ratio = false;
  EXPECT_THAT(error_of([&] { (void)effect_from_report(with_se("d", 1.0, 0.0), o, nullptr); }),
              HasSubstr("the standard error is 0, but must be > 0"));
  EXPECT_THAT(error_of([&] { (void)effect_from_report(bare("d", 1.0), o, nullptr); }),
              HasSubstr("give a standard error, a variance, both bounds of the interval, a p-value"));
  EXPECT_NEAR(effect_from_report(with_variance("d", 1.0, 0.04), o, nullptr).vi, 0.04, 0.0);
}

TEST(ReportedEffect, RoundingOfTheDigitsIsAllowedFor) {
  ReportedEffectOptions o;
  o.ratio = true;
  std::string note;
  // HR 0.98 (0.97 to 1.00), an ordinary published line: 33% apart on the log scale without the
  // rounding, within it with the rounding of two decimals.
  EXPECT_THAT(error_of([&] { (void)effect_from_report(with_ci("r", 0.98, 0.97, 1.00), o, nullptr); }),
              HasSubstr("not symmetric"));
  ReportedEffect rounded = with_ci("r", 0.98, 0.97, 1.00);
  rounded.rounding = {0.005, 0.005, 0.005};
  EXPECT_NO_THROW((void)effect_from_report(rounded, o, &note));
  // Accepted only thanks to the rounding, and its SE is from a symmetric interval: a note says so.
  EXPECT_THAT(note, HasSubstr("as printed, the interval is 33% of its width from symmetric on the log scale, within "
                              "the rounding of its digits"));
  // An estimate printed equal to a bound is a note, not an error.
  ReportedEffect on_bound = with_ci("b", 1.00, 0.50, 1.00);
  on_bound.rounding = {0.005, 0.005, 0.005};
  EXPECT_THROW((void)effect_from_report(on_bound, o, &note), Error);  // and far from symmetric
  ReportedEffect close = with_ci("c", 0.99, 0.99, 1.00);
  close.rounding = {0.005, 0.005, 0.005};
  (void)effect_from_report(close, o, &note);
  EXPECT_THAT(note, HasSubstr("equals a bound of its interval"));
  // A symmetric interval on the plain scale given with --ratio: the error names the plain scale.
  EXPECT_THAT(error_of([&] { (void)effect_from_report(with_ci("p", 0.5, 0.1, 0.9), o, nullptr); }),
              HasSubstr("it is symmetric on the plain scale"));
}

TEST(ReportedTable, TheDigitsGiveTheRounding) {
  const auto table = io::parse_delimited("study,est,lower,upper\nA,0.98,0.97,1.00\nB,2,1,3.5\n", ',', "r.csv");
  io::ReportedColumns columns;
  columns.estimate = "est";
  columns.lower = "lower";
  columns.upper = "upper";
  columns.label = "study";
  const auto load = io::load_reported_effects(table, columns);
  ASSERT_EQ(load.studies.size(), 2u);
  EXPECT_DOUBLE_EQ(load.studies[0].rounding.estimate, 0.005);
  EXPECT_DOUBLE_EQ(load.studies[0].rounding.upper, 0.005);
  // Each cell its own digits: "2" is good to 0.5, "1" to 0.5, "3.5" to 0.05.
  EXPECT_DOUBLE_EQ(load.studies[1].rounding.estimate, 0.5);
  EXPECT_DOUBLE_EQ(load.studies[1].rounding.lower, 0.5);
  EXPECT_DOUBLE_EQ(load.studies[1].rounding.upper, 0.05);
}

// The rounding of each printed number is its own, and the worst case is exact: HR 2 (0.3 to 2.5)
// was accepted when the estimate's half-unit (0.5) stood for the bounds' too, in a first-order
// slack (0.5/0.3 + 2 0.5/2 + 0.5/2.5 = 2.37 on the log scale, more than the asymmetry 1.40).
TEST(ReportedEffect, EachNumberIsAllowedItsOwnRoundingExactly) {
  ReportedEffectOptions o;
  o.ratio = true;
  ReportedEffect integer = with_ci("A", 2.0, 0.3, 2.5);
  integer.rounding = {0.5, 0.05, 0.05};
  // Nearest to symmetric: ln 2.55 + ln 0.35 - 2 ln 1.5 = -0.925, 44% of the width ln(2.5/0.3).
  EXPECT_THAT(error_of([&] { (void)effect_from_report(integer, o, nullptr); }),
              HasSubstr("the interval 0.3 to 2.5 is not symmetric about 2 on the log scale (44% of its width apart"));
  // Exactly, not to first order: 0.2 (0.1 to 1.5) to one decimal is 49% apart as printed; the
  // nearest to symmetric within the rounding, ln 1.45 + ln 0.05 - 2 ln 0.25 = 0.148, is 5% of
  // the width (the first-order slack, 0.05/0.1 + 2 0.05/0.2 + 0.05/1.5, leaves 11%: a note
  // "beyond the rounding" that no choice of the rounded numbers supports).
  std::string note;
  ReportedEffect small = with_ci("S", 0.2, 0.1, 1.5);
  small.rounding = {0.05, 0.05, 0.05};
  (void)effect_from_report(small, o, &note);
  EXPECT_THAT(note, HasSubstr("as printed, the interval is 49% of its width from symmetric on the log scale, 5% beyond "
                              "the rounding of its digits; its SE is from the interval's width, as if it were symmetric"));
  // 0.03 (0.01 to 0.25) to two decimals: 32% apart as printed, symmetric within the rounding
  // (0.035 (0.005 to 0.245) is: 0.005 x 0.245 = 0.035^2); first order it was 5% apart.
  ReportedEffect tiny = with_ci("T", 0.03, 0.01, 0.25);
  tiny.rounding = {0.005, 0.005, 0.005};
  note.clear();
  (void)effect_from_report(tiny, o, &note);
  EXPECT_THAT(note, HasSubstr("as printed, the interval is 32% of its width from symmetric on the log scale, within the "
                              "rounding of its digits"));
  // 1.00 (0.50 to 1.60): 19% apart as printed, 17% beyond the rounding of two decimals.
  ReportedEffect beyond = with_ci("B", 1.00, 0.50, 1.60);
  beyond.rounding = {0.005, 0.005, 0.005};
  note.clear();
  (void)effect_from_report(beyond, o, &note);
  EXPECT_THAT(note, HasSubstr("the interval is 17% of its width from symmetric on the log scale, beyond the rounding"));
  // On the plain scale: 5.0 (4.2 to 6.0) is 11% apart as printed and exactly symmetric at the
  // edge of its rounding (5.05 (4.15 to 5.95)), which the arithmetic of doubles must not miss.
  o.ratio = false;
  ReportedEffect plain = with_ci("P", 5.0, 4.2, 6.0);
  plain.rounding = {0.05, 0.05, 0.05};
  note.clear();
  (void)effect_from_report(plain, o, &note);
  EXPECT_THAT(note, HasSubstr("as printed, the interval is 11% of its width from symmetric on the given scale, within"));
  // Without rounding nothing moves: the same interval is a note of its 11%.
  plain.rounding = {};
  note.clear();
  (void)effect_from_report(plain, o, &note);
  EXPECT_THAT(note, HasSubstr("the interval is 11% of its width from symmetric on the given scale, beyond"));
}

TEST(TwoArmTable, CellsAreCheckedWithTheirPlace) {
  auto load = [](const std::string& csv, std::vector<std::string> exclude = {}) {
    const auto table = io::parse_delimited(csv, ',', "t.csv");
    return io::load_two_arm_studies(table, {"e1", "n1", "e2", "n2", std::string("study"), {}}, exclude);
  };
  const auto ok = load("study,e1,n1,e2,n2\nA,1,10,2,10\nB,NA,12,3,12\nC,2,9,1,8\n");
  EXPECT_EQ(ok.studies.size(), 2u);
  ASSERT_EQ(ok.left_out.size(), 1u);
  EXPECT_EQ(ok.left_out[0].detail, "no e1");
  EXPECT_THAT(error_of([&] { (void)load("study,e1,n1,e2,n2\nA,1,10,12,10\n"); }),
              HasSubstr("t.csv:2:4 (column 'e2'): events = 12 exceed the 10 patients (column 'n2') of arm 2 in study 'A'"));
  EXPECT_THAT(error_of([&] { (void)load("study,e1,n1,e2,n2\nA,1.5,10,2,10\n"); }),
              HasSubstr("t.csv:2:2 (column 'e1'): value '1.5' is not a whole number"));
  EXPECT_THAT(error_of([&] { (void)load("study,e1,n1,e2,n2\nA,1,0,2,10\n"); }), HasSubstr("arm 1 of study 'A' has 0 patients"));
  EXPECT_THAT(error_of([&] { (void)load("study,e1,n1,e2,n2\nA,1,10,2,10\nA,1,10,2,10\n"); }),
              HasSubstr("t.csv:3: study label 'A' already used on line 2"));
  EXPECT_THAT(error_of([&] { (void)load("study,e1,n1,e2,n2\nA,1,10,2,10\n", {"Z"}); }), HasSubstr("--exclude 'Z' matches no study"));
  EXPECT_THAT(error_of([&] { (void)load("study,e1,n1,e2,n2\nA,,10,2,10\n"); }), HasSubstr("no row reports both arms'"));
}

}  // namespace
}  // namespace carta

namespace carta {
namespace {

TEST(ContinuousEffect, HedgesCorrectionIsExactAndBadArmsAreErrors) {
  // m = 4 + 5 - 2 = 7: J = Gamma(3.5) / (sqrt(3.5) Gamma(3)) = 0.8875...
  const ContinuousStudy s{"A", 10.0, 2.0, 4, 12.0, 2.0, 5};
  const EffectStudy g = continuous_effect(s, ContinuousMeasure::kSMD);
  const double j = std::tgamma(3.5) / (std::sqrt(3.5) * std::tgamma(3.0));
  EXPECT_NEAR(g.yi, j * (-2.0 / 2.0), 1e-14);
  EXPECT_NEAR(g.vi, 1.0 / 4 + 1.0 / 5 + g.yi * g.yi / 18.0, 1e-14);
  const EffectStudy md = continuous_effect(s, ContinuousMeasure::kMD);
  EXPECT_DOUBLE_EQ(md.yi, -2.0);
  EXPECT_DOUBLE_EQ(md.vi, 4.0 / 4 + 4.0 / 5);
  // Huge arms: the correction goes to 1 without overflow (tgamma would overflow past m = 343).
  const EffectStudy big = continuous_effect({"B", 1.0, 1.0, 5'000'000, 0.0, 1.0, 5'000'000}, ContinuousMeasure::kSMD);
  EXPECT_NEAR(big.yi, 1.0 - 3.0 / (4.0 * 9'999'998.0 - 1.0), 1e-12);
  EXPECT_THAT(error_of([] { (void)continuous_effect({"C", 1.0, -2.0, 10, 0.0, 1.0, 10}, ContinuousMeasure::kMD); }),
              HasSubstr("study 'C': the SD of arm 1 is -2; an SD must be > 0"));
  EXPECT_THAT(error_of([] { (void)continuous_effect({"C", 1.0, 2.0, 1, 0.0, 1.0, 10}, ContinuousMeasure::kMD); }),
              HasSubstr("arm 1 has 1 patient; an SD needs at least 2"));
}

TEST(ContinuousTable, CellsAreCheckedWithTheirPlace) {
  auto load = [](const std::string& csv) {
    const auto table = io::parse_delimited(csv, ',', "m.csv");
    return io::load_continuous_studies(table, {"m1", "s1", "n1", "m2", "s2", "n2", std::string("study"), {}, {}, {}});
  };
  EXPECT_EQ(load("study,m1,s1,n1,m2,s2,n2\nA,1.5,0.5,10,2,0.7,12\nB,NR,1,10,2,1,10\n").studies.size(), 1u);
  EXPECT_THAT(error_of([&] { (void)load("study,m1,s1,n1,m2,s2,n2\nA,1.5,0,10,2,0.7,12\n"); }),
              HasSubstr("m.csv:2:3 (column 's1'): the SD of arm 1 in study 'A' is 0"));
  EXPECT_THAT(error_of([&] { (void)load("study,m1,s1,n1,m2,s2,n2\nA,1.5,0.5,10,2,0.7,1\n"); }),
              HasSubstr("m.csv:2:7 (column 'n2'): arm 2 of study 'A' has 1 patients"));
  EXPECT_THAT(error_of([&] { (void)load("study,m1,s1,n1,m2,s2,n2\nA,1;5,0.5,10,2,0.7,12\n"); }),
              HasSubstr("m.csv:2:2 (column 'm1'): value '1;5' is not a number"));
}

}  // namespace
}  // namespace carta

namespace carta {
namespace {

// Tierney et al. (2007): ln HR from the log-rank O - E and V, and the SE from the HR and its
// two-sided p-value. A study reporting HR 0.70 (0.55 to 0.89) would give p = 0.0036 by the same
// normal approximation; from that p the SE comes back.
TEST(ReportedEffect, TimeToEventWithoutAnInterval) {
  ReportedEffectOptions o;
  o.ratio = true;
  ReportedEffect logrank;
  logrank.label = "L";
  logrank.o_minus_e = -8.5;
  logrank.logrank_variance = 20.0;
  std::string source;
  const EffectStudy l = effect_from_report(logrank, o, nullptr, &source);
  EXPECT_DOUBLE_EQ(l.yi, -8.5 / 20.0);
  EXPECT_DOUBLE_EQ(l.vi, 1.0 / 20.0);
  EXPECT_EQ(source, "O-E and V");
  const double se = (std::log(0.89) - std::log(0.55)) / (2.0 * 1.959963984540054);
  const double z = std::abs(std::log(0.70)) / se;
  const double p = std::erfc(z / std::sqrt(2.0));
  ReportedEffect with_p = bare("P", 0.70);
  with_p.p = p;
  const EffectStudy e = effect_from_report(with_p, o, nullptr, &source);
  EXPECT_EQ(source, "p-value");
  EXPECT_NEAR(std::sqrt(e.vi), se, 1e-12);
  with_p.p = 0.0;
  EXPECT_THAT(error_of([&] { (void)effect_from_report(with_p, o, nullptr); }), HasSubstr("the p-value is 0, but must be in (0, 1)"));
  for (const double bad : {1.0, 1.5, -0.01, std::nan(""), std::numeric_limits<double>::infinity()}) {
    with_p.p = bad;
    EXPECT_THAT(error_of([&] { (void)effect_from_report(with_p, o, nullptr); }), HasSubstr("but must be in (0, 1)")) << bad;
  }
  ReportedEffect null_effect = bare("N", 1.0);
  null_effect.p = 0.5;
  EXPECT_THAT(error_of([&] { (void)effect_from_report(null_effect, o, nullptr); }), HasSubstr("gives no SE"));
  logrank.logrank_variance = 0.0;
  EXPECT_THAT(error_of([&] { (void)effect_from_report(logrank, o, nullptr); }), HasSubstr("the variance must be > 0"));
}

TEST(ReportedTable, EachRowUsesTheFirstSourceItReports) {
  const auto table = io::parse_delimited(
      "study,hr,lo,hi,p,oe,v\nA,0.70,0.55,0.89,,,\nB,0.80,,,0.04,,\nC,,,,,-3.2,10.5\nD,,,,,,\n", ',', "t.csv");
  io::ReportedColumns columns;
  columns.estimate = "hr";
  columns.lower = "lo";
  columns.upper = "hi";
  columns.p = "p";
  columns.o_minus_e = "oe";
  columns.logrank_variance = "v";
  columns.label = "study";
  const auto load = io::load_reported_effects(table, columns);
  ASSERT_EQ(load.studies.size(), 3u);
  EXPECT_TRUE(load.studies[0].ci_lb.has_value());
  EXPECT_TRUE(load.studies[1].p.has_value());
  EXPECT_TRUE(load.studies[2].o_minus_e.has_value());
  ASSERT_EQ(load.left_out.size(), 1u);
  EXPECT_EQ(load.left_out[0].label, "D");
}

}  // namespace
}  // namespace carta

namespace carta {
namespace {

// z_{1 - p/2} from the upper tail, as R's qnorm(p/2, lower.tail = FALSE): from 1 - p/2 it lost
// digits (3e-6 in the variance at p = 1e-12) and was infinite, an internal error, below 1.1e-16.
// erfc(z / sqrt 2) gives p back to a few ulps in the tail, independently of how z was found.
TEST(ReportedEffect, SmallPValuesKeepTheirDigits) {
  ReportedEffectOptions o;
  o.ratio = true;
  for (const double p : {0.03, 1e-8, 1e-12, 1e-17, 1e-100, 1e-300}) {
    ReportedEffect e;
    e.label = "P";
    e.estimate = 0.5;
    e.p = p;
    const EffectStudy s = effect_from_report(e, o, nullptr);
    const double z = std::abs(std::log(0.5)) / std::sqrt(s.vi);
    EXPECT_NEAR(std::erfc(z / std::sqrt(2.0)) / p, 1.0, 1e-12) << p;
  }
  ReportedEffect denormal;
  denormal.label = "D";
  denormal.estimate = 0.5;
  denormal.p = std::numeric_limits<double>::denorm_min();
  EXPECT_THAT(error_of([&] { (void)effect_from_report(denormal, o, nullptr); }),
              HasSubstr("study 'D': the p-value is 5e-324, too small for its z to be computed"));
}

// A log-rank O - E and V row is ln HR: pooled with rows on the plain scale it would mix scales.
TEST(ReportedEffect, LogRankStatisticsAreRatiosOnly) {
  ReportedEffect logrank;
  logrank.label = "L";
  logrank.o_minus_e = -5.2;
  logrank.logrank_variance = 20.1;
  EXPECT_THAT(error_of([&] { (void)effect_from_report(logrank, ReportedEffectOptions{}, nullptr); }),
              HasSubstr("study 'L': the log-rank O - E and V give a log hazard ratio, which is pooled with ratios "
                        "only: give --ratio"));
}

// Finite means and SDs whose effect or variance is not: an error naming the study (the CLI adds
// the line), not one from pool_effects.
TEST(ContinuousEffect, OverflowAndUnderflowAreErrorsOfTheStudy) {
  const ContinuousStudy huge{"H", 1e308, 1.0, 10, -1e308, 1.0, 10};
  const ContinuousStudy tiny{"T", 1.0, 1e-200, 10, 2.0, 1e-200, 10};
  for (const auto measure : {ContinuousMeasure::kMD, ContinuousMeasure::kSMD}) {
    EXPECT_THAT(error_of([&] { (void)continuous_effect(huge, measure); }), HasSubstr("study 'H': the "));
    EXPECT_THAT(error_of([&] { (void)continuous_effect(tiny, measure); }), HasSubstr("beyond what a double can compute"));
  }
}

// The subgroups of two-arm counts and of means know their patients (n1 + n2 summed); effects given
// directly do not, and say so (n_known = false), instead of n = 0.
TEST(EffectAnalyses, SubgroupsCountPatientsWhenTheyAreKnown) {
  const std::vector<TwoByTwoStudy> tables{{"a", 4, 123, 11, 139}, {"b", 6, 306, 29, 303}, {"c", 3, 231, 11, 220}};
  ComparativeOptions o;
  o.analyses.subgroup_variable = "g";
  o.analyses.subgroup_of = {std::string("x"), std::string("x"), std::string("y")};
  const auto binary = compare_binary(tables, o);
  ASSERT_TRUE(binary.analyses.subgroups);
  ASSERT_EQ(binary.analyses.subgroups->levels.size(), 2u);
  EXPECT_TRUE(binary.analyses.subgroups->levels[0].n_known);
  EXPECT_EQ(binary.analyses.subgroups->levels[0].n, 123 + 139 + 306 + 303);
  EXPECT_EQ(binary.analyses.subgroups->levels[1].n, 231 + 220);
  const std::vector<ContinuousStudy> means{{"a", 5, 1, 10, 4, 1, 12}, {"b", 1, 1, 20, 2, 1, 21}, {"c", 3, 2, 30, 2, 2, 31}};
  const auto continuous = compare_continuous(means, ContinuousMeasure::kMD, PoolOptions{}, o.analyses);
  EXPECT_EQ(continuous.analyses.subgroups->levels[0].n, 63);
  EXPECT_EQ(continuous.analyses.subgroups->levels[1].n, 61);
  const std::vector<EffectStudy> effects{{"a", 0.1, 0.04}, {"b", 0.3, 0.05}, {"c", -0.2, 0.06}};
  const std::vector<std::size_t> index{0, 1, 2};
  const auto direct = analyse_effects(effects, index, PoolOptions{}, o.analyses);
  for (const auto& l : direct.subgroups->levels) EXPECT_FALSE(l.n_known) << l.level;
}

}  // namespace
}  // namespace carta
