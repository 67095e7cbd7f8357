// Survival: hazards from each kind of report, pooling edge cases and warnings, Kaplan-Meier
// edge cases, and the reconstruction of patient data from digitised curves.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>

#include "carta/error.hpp"
#include "carta/kaplan_meier.hpp"
#include "carta/km_reconstruct.hpp"
#include "carta/summary_curve.hpp"
#include "km_simulation.hpp"
#include "carta/survival.hpp"

namespace carta {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

SurvivalReport survival_report(std::string label, double s, double t) {
  SurvivalReport r;
  r.label = std::move(label);
  r.s = s;
  r.s_time = t;
  return r;
}

TEST(StudyHazard, EachSourceByItsFormula) {
  const double z = 1.959963984540054;
  SurvivalReport a = survival_report("a", 0.6, 12);
  a.s_lb = 0.45;
  a.s_ub = 0.72;
  auto h = study_hazard(a);
  EXPECT_EQ(h.source, HazardSource::kSurvivalCi);
  EXPECT_NEAR(h.log_hazard, std::log(-std::log(0.6) / 12), 1e-15);
  EXPECT_NEAR(h.se, (std::log(-std::log(0.45)) - std::log(-std::log(0.72))) / (2 * z), 1e-15);

  SurvivalReport b = survival_report("b", 0.7, 24);
  b.n = 50;
  h = study_hazard(b);
  EXPECT_EQ(h.source, HazardSource::kSurvivalN);
  EXPECT_NEAR(h.se * h.se, 0.3 / (50 * 0.7 * std::log(0.7) * std::log(0.7)), 1e-15);

  SurvivalReport c;
  c.label = "c";
  c.median = 14;
  c.median_lb = 10;
  c.median_ub = 22;
  h = study_hazard(c);
  EXPECT_EQ(h.source, HazardSource::kMedianCi);
  EXPECT_NEAR(h.log_hazard, std::log(std::numbers::ln2 / 14), 1e-15);

  SurvivalReport d;
  d.label = "d";
  d.events = 30;
  d.person_time = 400;
  h = study_hazard(d);
  EXPECT_EQ(h.source, HazardSource::kEventsPersonTime);
  EXPECT_NEAR(h.log_hazard, std::log(0.075), 1e-15);
  EXPECT_NEAR(h.se, 1 / std::sqrt(30.0), 1e-15);
}

// R survfit's three interval types from one Greenwood SE sigma of ln S (survfit's std.err):
// log: exp(ln S +- z sigma); log-log: S^exp(+-z sigma / ln S); plain: S (1 +- z sigma). Each read
// on its own scale (--s-ci) gives the same SE of cloglog(S), sigma / |ln S|; read on another it
// does not, and a note names the scale the CI is symmetric on.
TEST(StudyHazard, TheCiScaleOfS) {
  const double z = 1.959963984540054, s = 0.62, sigma = 0.11;
  const double expected = sigma / std::abs(std::log(s));
  struct Ci {
    SurvivalCiScale scale;
    double lb, ub;
  };
  const std::vector<Ci> cis{
      {SurvivalCiScale::kLog, std::exp(std::log(s) - z * sigma), std::exp(std::log(s) + z * sigma)},
      {SurvivalCiScale::kLogLog, std::pow(s, std::exp(-z * sigma / std::log(s))), std::pow(s, std::exp(z * sigma / std::log(s)))},
      {SurvivalCiScale::kPlain, s * (1 - z * sigma), s * (1 + z * sigma)},
  };
  for (const auto& ci : cis) {
    SurvivalReport r = survival_report("a", s, 12);
    r.s_lb = ci.lb;
    r.s_ub = ci.ub;
    const auto h = study_hazard(r, 0.95, ci.scale);
    EXPECT_NEAR(h.se, expected, 1e-12 * expected) << to_string(ci.scale);
    for (const auto& n : h.notes) EXPECT_THAT(n, Not(HasSubstr("not symmetric"))) << to_string(ci.scale);
    // The per-study scale wins over the default.
    r.s_ci = ci.scale;
    EXPECT_NEAR(study_hazard(r, 0.95, SurvivalCiScale::kLogLog).se, expected, 1e-12 * expected);
  }
  // R's default (log) interval read as log-log: another SE, and a note that points to log.
  SurvivalReport wrong = survival_report("w", s, 12);
  wrong.s_lb = cis[0].lb;
  wrong.s_ub = std::min(0.999, cis[0].ub);
  const auto h = study_hazard(wrong, 0.95, SurvivalCiScale::kLogLog);
  EXPECT_GT(std::abs(h.se / expected - 1.0), 0.05);
  std::string notes;
  for (const auto& n : h.notes) notes += n;
  EXPECT_THAT(notes, AllOf(HasSubstr("not symmetric on the log-log scale"), HasSubstr("--s-ci log")));
  EXPECT_EQ(parse_survival_ci_scale("LOG-LOG"), SurvivalCiScale::kLogLog);
  EXPECT_EQ(parse_survival_ci_scale("Plain"), SurvivalCiScale::kPlain);
  EXPECT_FALSE(parse_survival_ci_scale("arcsine"));
}

TEST(StudyHazard, MostInformativeFirstAndTheRestListed) {
  SurvivalReport r = survival_report("both", 0.6, 12);
  r.s_lb = 0.45;
  r.s_ub = 0.72;
  r.median = 14;
  r.median_lb = 10;
  r.median_ub = 22;
  r.events = 30;
  r.person_time = 400;
  const auto h = study_hazard(r);
  EXPECT_EQ(h.source, HazardSource::kEventsPersonTime);
  ASSERT_EQ(h.unused.size(), 2u);
  EXPECT_THAT(h.unused[0], HasSubstr("S(12)"));
  EXPECT_THAT(h.unused[1], HasSubstr("median 14"));
  // IPD beats everything: D / T from the patients.
  r.ipd = {{2, true}, {5, false}, {8, true}, {10, false}};
  const auto from_ipd = study_hazard(r);
  EXPECT_EQ(from_ipd.source, HazardSource::kIpd);
  EXPECT_NEAR(from_ipd.log_hazard, std::log(2.0 / 25.0), 1e-15);
}

TEST(StudyHazard, OneSidedIntervalsAndZeroEvents) {
  SurvivalReport m;
  m.label = "median not reached above";
  m.median = 20;
  m.median_lb = 12;  // upper bound not reached
  const auto h = study_hazard(m);
  EXPECT_NEAR(h.se, (std::log(20.0) - std::log(12.0)) / 1.959963984540054, 1e-14);
  EXPECT_THAT(h.notes[0], HasSubstr("lower half"));

  SurvivalReport s = survival_report("upper is 1", 0.9, 12);
  s.s_lb = 0.7;
  s.s_ub = 1.0;
  EXPECT_THAT(study_hazard(s).notes[0], HasSubstr("lower half"));

  SurvivalReport zero;
  zero.label = "no deaths";
  zero.events = 0;
  zero.person_time = 120;
  const auto hz = study_hazard(zero);
  EXPECT_NEAR(hz.log_hazard, std::log(0.5 / 120), 1e-15);
  EXPECT_THAT(hz.notes[0], HasSubstr("0 events"));
}

TEST(StudyHazard, ImpossibleReportsAreErrorsNamingTheStudy) {
  EXPECT_THAT(error_of([] { study_hazard(survival_report("s1", 1.0, 12)); }), HasSubstr("'s1'"));
  EXPECT_THAT(error_of([] { study_hazard(survival_report("s0", 0.0, 12)); }),
              HasSubstr("strictly between 0 and 1"));
  EXPECT_THAT(error_of([] {
                SurvivalReport r = survival_report("no se", 0.5, 12);
                study_hazard(r);
              }),
              HasSubstr("gives no hazard with a standard error"));
  EXPECT_THAT(error_of([] {
                SurvivalReport r = survival_report("bad ci", 0.5, 12);
                r.s_lb = 0.6;
                r.s_ub = 0.7;
                study_hazard(r);
              }),
              HasSubstr("lower CI bound of S is 0.6"));
  EXPECT_THAT(error_of([] {
                SurvivalReport r = survival_report("no time", 0.5, 12);
                r.s_time.reset();
                r.n = 10;
                study_hazard(r);
              }),
              HasSubstr("--s-time"));
  EXPECT_THAT(error_of([] {
                SurvivalReport r;
                r.label = "half";
                r.events = 3;
                study_hazard(r);
              }),
              HasSubstr("without person-time"));
  EXPECT_THAT(error_of([] {
                SurvivalReport r;
                r.label = "neg";
                r.median = 10;
                r.median_lb = 12;
                r.median_ub = 20;
                study_hazard(r);
              }),
              HasSubstr("lower CI bound of the median"));
}

TEST(PoolSurvival, SingleStudyReproducesItsOwnSurvival) {
  SurvivalReport r = survival_report("only", 0.6, 12);
  r.s_lb = 0.45;
  r.s_ub = 0.72;
  SurvivalOptions o;
  o.times = {12};
  const auto result = pool_survival(std::vector{r}, o);
  EXPECT_NEAR(result.survival[0].random.est, 0.6, 1e-14);
  // The CI of S from the cloglog-symmetric interval: close to the reported one.
  EXPECT_NEAR(result.survival[0].random.ci_lb, 0.45, 0.005);
  EXPECT_NEAR(result.survival[0].random.ci_ub, 0.72, 0.005);
  ASSERT_TRUE(result.direct[0].pool.has_value());
  EXPECT_NEAR(result.direct[0].random.est, 0.6, 1e-14);
  EXPECT_TRUE(result.warnings.empty());
}

TEST(PoolSurvival, WarnsWhenTheHazardIsNotConstant) {
  // A plateau: 12-month survival 0.6 but median 40 months (hazard ratio about 2.5).
  SurvivalReport r = survival_report("plateau", 0.6, 12);
  r.s_lb = 0.45;
  r.s_ub = 0.72;
  r.median = 40;
  r.median_lb = 30;
  r.median_ub = 55;
  SurvivalReport other = survival_report("other", 0.65, 12);
  other.n = 40;
  SurvivalOptions o;
  o.times = {12, 60};
  const auto result = pool_survival(std::vector{r, other}, o);
  ASSERT_GE(result.warnings.size(), 2u);
  EXPECT_THAT(result.warnings, ::testing::Contains(HasSubstr("S(60) extrapolates")));
  EXPECT_THAT(result.warnings, ::testing::Contains(HasSubstr("hazard is not constant")));
}

TEST(PoolSurvival, IpdWithAPlateauIsAWarning) {
  // Half the patients are cured: the Kaplan-Meier curve flattens far above the exponential fit.
  SurvivalReport r;
  r.label = "plateau";
  r.ipd = test::simulate(3, 200, 0.5, 0.3, 36);
  SurvivalReport other;
  other.label = "other";
  other.events = 40;
  other.person_time = 900;
  SurvivalOptions o;
  o.times = {24};
  const auto result = pool_survival(std::vector{r, other}, o);
  EXPECT_EQ(result.studies[0].source, HazardSource::kIpd);
  EXPECT_THAT(result.warnings, ::testing::Contains(HasSubstr("study 'plateau': its Kaplan-Meier S(")));
}

TEST(PoolSurvival, DirectPoolingDisagreementIsAWarning) {
  // Two studies report S(12) = 0.8; three others imply a much higher hazard through D / T.
  std::vector<SurvivalReport> reports;
  for (const char* label : {"s1", "s2"}) {
    SurvivalReport r = survival_report(label, 0.8, 12);
    r.s_lb = 0.75;
    r.s_ub = 0.85;
    reports.push_back(r);
  }
  for (const char* label : {"d1", "d2", "d3"}) {
    SurvivalReport r;
    r.label = label;
    r.events = 200;
    r.person_time = 2000;
    reports.push_back(r);
  }
  SurvivalOptions o;
  o.times = {12};
  const auto result = pool_survival(reports, o);
  EXPECT_THAT(result.warnings, ::testing::Contains(HasSubstr("does not fit these data well")));
}

TEST(PoolSurvival, BadTimesAreOptionErrors) {
  SurvivalOptions o;
  o.times = {0};
  EXPECT_THAT(error_of([&] { pool_survival(std::vector{survival_report("a", 0.5, 12)}, o); }),
              HasSubstr("> 0"));
}

TEST(KaplanMeier, EdgeCases) {
  // No events: S = 1 everywhere, median not reached.
  const std::vector<SurvivalObservation> none{{1, false}, {2, false}};
  const auto km = kaplan_meier(none);
  EXPECT_EQ(km.steps.back().survival, 1.0);
  EXPECT_TRUE(std::isnan(km.median().est));
  // All events at one time: S drops to 0.
  const std::vector<SurvivalObservation> all{{3, true}, {3, true}, {3, true}};
  const auto km_all = kaplan_meier(all);
  EXPECT_EQ(km_all.steps.size(), 1u);
  EXPECT_EQ(km_all.steps[0].survival, 0.0);
  EXPECT_EQ(km_all.median().est, 3.0);
  // Before the first time S = 1; after the last it is not defined.
  EXPECT_EQ(km_all.at(1).survival, 1.0);
  EXPECT_TRUE(std::isnan(km_all.at(4).survival));
  EXPECT_THAT(error_of([] { kaplan_meier(std::vector<SurvivalObservation>{}); }),
              HasSubstr("no observations"));
  EXPECT_THAT(error_of([] {
                kaplan_meier(std::vector<SurvivalObservation>{{-1, true}});
              }),
              HasSubstr(">= 0"));
}

void check_round_trip(std::uint64_t seed, double noise) {
  const auto r = test::round_trip(seed, 150, 0.3, 0.1, 36, noise, 3.0);
  SCOPED_TRACE(::testing::Message() << "seed " << seed << " noise " << noise);
  // The acceptance: curve within 0.02, events within 2%, median within 5%.
  EXPECT_LE(r.max_gap, 0.02);
  EXPECT_LE(r.event_error, 0.02);
  if (!std::isnan(r.median_error)) {
    EXPECT_LE(r.median_error, 0.05);
  }
  EXPECT_LE(r.curve_rmse, 0.01 + 2 * noise);
  EXPECT_LE(r.at_risk_gap, 2);
}

TEST(ReconstructIpd, RoundTripExactCorners) {
  for (std::uint64_t seed : {1u, 2u, 3u, 4u, 5u}) check_round_trip(seed, 0.0);
}

TEST(ReconstructIpd, RoundTripNoisyCorners) {
  for (std::uint64_t seed : {11u, 12u, 13u, 14u, 15u}) check_round_trip(seed, 0.002);
}

// A flat stretch of the curve (no event, so no digitised point) between two times of the at-risk
// table is an interval of censorings only (Guyot et al. 2012), said in the notes; CAR-T curves
// have such plateaus (a cured fraction). Round trip: digitise only the corners of the drops of a
// simulated curve with a 50% cure fraction, and the reconstruction matches the truth.
TEST(ReconstructIpd, FlatStretchesHoldCensoringsOnly) {
  const auto small = reconstruct_ipd(std::vector<CurvePoint>{{0, 1}, {1, 0.9}, {7, 0.6}},
                                     std::vector<AtRiskPoint>{{0, 50}, {3, 45}, {5, 40}});
  std::string notes;
  for (const auto& n : small.notes) notes += n + "\n";
  EXPECT_THAT(notes, HasSubstr("no digitised point lies in [3, 5): the curve is taken as flat there (S = 0.9)"));
  ASSERT_EQ(small.intervals.size(), 3u);
  EXPECT_EQ(small.intervals[1].events, 0);
  EXPECT_EQ(small.intervals[1].reconstructed_n_risk, 45);
  EXPECT_EQ(small.intervals[2].reconstructed_n_risk, 40);
  for (std::uint64_t seed : {21u, 22u, 23u}) {
    const auto truth = test::simulate(seed, 200, 0.5, 0.15, 60.0);
    const auto km = kaplan_meier(truth);
    const auto table = test::at_risk_table(truth, 6.0, 54.0);
    ReconstructionOptions options;
    options.total_events = km.events;
    const auto r = reconstruct_ipd(step_corners(km), table, options);
    std::string all;
    for (const auto& n : r.notes) all += n + "\n";
    EXPECT_THAT(all, HasSubstr("the curve is taken as flat there")) << seed;
    EXPECT_LE(std::llabs(r.events - km.events), 1) << seed;  // Guyot's rounding of events per point
    const auto rebuilt = kaplan_meier(r.ipd);
    EXPECT_LE(test::max_gap(km, rebuilt, 54.0, 0.0), 0.02) << seed;
    for (const auto& iv : r.intervals) EXPECT_EQ(iv.reconstructed_n_risk, iv.published_n_risk) << seed << " at " << iv.start;
  }
}

TEST(ReconstructIpd, PercentUnsortedInputIsCleanedUp) {
  const std::vector<CurvePoint> curve{{10, 50}, {0, 100}, {5, 80}, {5, 80}, {5, 100}, {10, 80}, {7, 80.5}};
  const auto prepared = prepare_curve(curve);
  ASSERT_FALSE(prepared.points.empty());
  EXPECT_EQ(prepared.points.front().time, 0.0);
  EXPECT_EQ(prepared.points.front().survival, 1.0);
  for (std::size_t i = 1; i < prepared.points.size(); ++i) {
    EXPECT_LE(prepared.points[i].survival, prepared.points[i - 1].survival);
    EXPECT_GE(prepared.points[i].time, prepared.points[i - 1].time);
  }
  EXPECT_THAT(prepared.notes, ::testing::Contains(HasSubstr("percent")));
  EXPECT_THAT(prepared.notes, ::testing::Contains(HasSubstr("duplicate")));
  EXPECT_THAT(prepared.notes, ::testing::Contains(HasSubstr("flattened")));
}

TEST(ReconstructIpd, BadInputsAreClearErrors) {
  const std::vector<CurvePoint> curve{{0, 1}, {2, 0.9}, {4, 0.8}, {6, 0.7}, {8, 0.6}};
  const std::vector<AtRiskPoint> risk{{0, 50}, {4, 40}, {8, 30}};
  EXPECT_THAT(error_of([&] {
                reconstruct_ipd(std::vector<CurvePoint>{{0, 1}, {2, 0.5}, {4, 0.9}}, risk);
              }),
              HasSubstr("never goes up"));
  EXPECT_THAT(error_of([&] {
                reconstruct_ipd(std::vector<CurvePoint>{{-5, 1}, {2, 0.5}}, risk);
              }),
              HasSubstr("before time 0"));
  EXPECT_THAT(error_of([&] {
                reconstruct_ipd(curve, std::vector<AtRiskPoint>{{0, 50}, {4, 55}});
              }),
              HasSubstr("cannot increase"));
  EXPECT_THAT(error_of([&] {
                reconstruct_ipd(curve, std::vector<AtRiskPoint>{{1, 50}, {4, 40}});
              }),
              HasSubstr("must start at time 0"));
  EXPECT_THAT(error_of([&] {
                reconstruct_ipd(curve, std::vector<AtRiskPoint>{{0, 50}, {4, 40}, {4, 30}});
              }),
              HasSubstr("times must increase"));
  EXPECT_THAT(error_of([&] { reconstruct_ipd(curve, std::vector<AtRiskPoint>{}); }), HasSubstr("no rows"));
  // A typo with many digits is refused instead of building a row per patient (found by fuzzing).
  EXPECT_THAT(error_of([&] { reconstruct_ipd(curve, std::vector<AtRiskPoint>{{0, 500000000000}, {4, 40}}); }),
              HasSubstr("cannot be reconstructed (a typo?)"));
  EXPECT_THAT(error_of([&] { reconstruct_ipd(std::vector<CurvePoint>{}, risk); }), HasSubstr("no points"));
  ReconstructionOptions too_many;
  too_many.total_events = 51;
  EXPECT_THAT(error_of([&] { reconstruct_ipd(curve, risk, too_many); }), HasSubstr("--total-events 51"));
  // At-risk times after the curve are dropped with a note, not an error.
  const auto r = reconstruct_ipd(curve, std::vector<AtRiskPoint>{{0, 50}, {4, 40}, {8, 30}, {12, 10}});
  EXPECT_THAT(r.notes, ::testing::Contains(HasSubstr("after the last digitised point")));
  EXPECT_EQ(r.ipd.size(), 50u);
}

TEST(ReconstructIpd, InconsistentTotalEventsTerminates) {
  // The curve implies about 20 events; the paper claims 45. The loop must end, saying so.
  const std::vector<CurvePoint> curve{{0, 1}, {2, 0.9}, {4, 0.8}, {6, 0.7}, {8, 0.6}};
  ReconstructionOptions options;
  options.total_events = 45;
  options.max_iterations = 50;
  const auto r = reconstruct_ipd(curve, std::vector<AtRiskPoint>{{0, 50}, {4, 40}}, options);
  EXPECT_EQ(r.ipd.size(), 50u);
  EXPECT_FALSE(r.intervals.back().convergence.message.empty());
}

}  // namespace
}  // namespace carta

namespace carta {
namespace {

TEST(SummaryCurve, OneStudyIsItsOwnKaplanMeierCurve) {
  const auto ipd = test::simulate(7, 80, 0.3, 0.1, 30);
  const auto km = kaplan_meier(ipd);
  const std::vector<double> grid{3, 6, 9, 12, 18, 24};
  const auto curve = summary_survival_curve(std::vector{study_curve_from_km("only", km, grid)});
  for (const auto& p : curve.points) {
    if (p.time == 0) continue;
    EXPECT_NEAR(p.common, km.at(p.time).survival, 1e-12) << p.time;
    EXPECT_NEAR(p.random, km.at(p.time).survival, 1e-12) << p.time;
    EXPECT_LT(p.random_lb, p.random);
  }
}

TEST(SummaryCurve, OneIntervalIsUnivariateDerSimonianLaird) {
  // With a single grid time the method is DerSimonian-Laird on the arcsine scale.
  const double s[] = {0.55, 0.70, 0.62, 0.81, 0.48};
  const double n[] = {40, 25, 60, 33, 52};
  std::vector<StudyCurve> studies;
  std::vector<EffectStudy> effects;
  double harmonic = 0;
  for (int i = 0; i < 5; ++i) {
    const std::string label = "s" + std::to_string(i);
    studies.push_back({label, {{0, 1, n[i]}, {12, s[i], n[i] * s[i]}}});
    effects.push_back(
        {label, std::asin(std::sqrt((n[i] * s[i] + 0.25) / (n[i] + 0.5))), 1 / (4 * (n[i] + 0.5))});
    harmonic += 1 / n[i];
  }
  harmonic = 5 / harmonic;
  PoolOptions o;
  o.method = Tau2Method::kDL;
  const auto dl = pool_effects(effects, o);
  const auto curve = summary_survival_curve(studies);
  auto back = [&](double y) { return ((harmonic + 0.5) * std::sin(y) * std::sin(y) - 0.25) / harmonic; };
  EXPECT_NEAR(curve.between(0, 0), dl.heterogeneity.tau2, 1e-14);
  EXPECT_NEAR(curve.points[1].random, back(dl.random.est), 1e-13);
  EXPECT_NEAR(curve.points[1].common, back(dl.common.est), 1e-13);
  EXPECT_NEAR(curve.Q, dl.heterogeneity.Q, 1e-10);
  EXPECT_GT(curve.I2, 0);
}

TEST(SummaryCurve, HeterogeneityWidensTheRandomEffectsBand) {
  std::vector<StudyCurve> studies;
  const std::vector<double> grid{3, 6, 9, 12, 18, 24};
  std::uint64_t seed = 100;
  for (double rate : {0.04, 0.08, 0.15, 0.25}) {
    ++seed;
    studies.push_back(study_curve_from_km("r" + std::to_string(seed),
                                          kaplan_meier(test::simulate(seed, 120, 0.2, rate, 30)), grid));
  }
  const auto curve = summary_survival_curve(studies);
  const auto& at12 = curve.points[4];
  EXPECT_EQ(at12.time, 12);
  EXPECT_GT(at12.random_ub - at12.random_lb, at12.common_ub - at12.common_lb);
  EXPECT_GT(curve.I2, 50);
  EXPECT_GT(curve.between(3, 3), 0);
  // The median lies where the curve crosses 0.5.
  if (!std::isnan(curve.median_random)) {
    EXPECT_GT(curve.median_random, 0);
  }
}

TEST(SummaryCurve, StudiesOffTheGridAreErrors) {
  const std::vector<StudyCurve> off{{"a", {{0, 1, 50}, {6, 0.8, 40}, {12, 0.6, 30}}},
                                    {"b", {{0, 1, 40}, {12, 0.7, 25}}}};
  EXPECT_THAT(error_of([&] { summary_survival_curve(off); }), HasSubstr("'b' has no value at time 6"));
  const std::vector<StudyCurve> no_start{{"a", {{3, 0.9, 50}, {6, 0.8, 40}}}};
  EXPECT_THAT(error_of([&] { summary_survival_curve(no_start); }), HasSubstr("must start at time 0"));
  // A study that stops early is fine: it contributes to the intervals it covers.
  const std::vector<StudyCurve> short_one{{"a", {{0, 1, 50}, {6, 0.8, 40}, {12, 0.6, 30}}},
                                          {"b", {{0, 1, 40}, {6, 0.75, 30}}}};
  const auto curve = summary_survival_curve(short_one);
  EXPECT_EQ(curve.points[2].k, 1u);
  EXPECT_EQ(curve.points[1].k, 2u);
}

}  // namespace
}  // namespace carta
