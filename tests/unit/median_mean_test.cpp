// Mean and SD from the median, IQR and/or range (Luo 2018, Wan 2014, Shi 2020) against R meta
// 8.4-0's own values (meta:::mean_sd_range, mean_sd_iqr, mean_sd_iqr_range at their defaults) for
// min 1, q1 4, median 6, q3 10, max 25.
#include <gtest/gtest.h>

#include <cmath>

#include "carta/error.hpp"
#include "carta/median_mean.hpp"

namespace carta {
namespace {

struct MetaRow {
  double n;
  double s1_mean, s1_sd, s3_mean, s3_sd, s2_mean, s2_sd;
};

// From /tmp/median-mean.md section 2 (computed by installed R meta 8.4-0). n = 51 and 202 are
// where meta switches from Wan's tables to the closed forms.
constexpr MetaRow kMeta[] = {
    {10, 8.90957057201, 7.79727095517, 6.739, 4.97512437811, 8.46552670815, 7.19240380575},
    {50, 7.22790777573, 5.33570475767, 6.7078, 4.569687738, 7.34949459483, 5.02404770154},
    {51, 7.21294236912, 5.33113999216, 6.70764705882, 4.569687738, 7.34070949806, 5.01032263288},
    {200, 6.48965636799, 4.38792144658, 6.70195, 4.4776119403, 6.9390008353, 4.44589682428},
    {202, 6.48626868718, 4.38268126333, 6.70193069307, 4.48004981807, 6.9372281717, 4.44387543157},
};

MedianSummary range_only(double n) { return {n, 6.0, std::nullopt, std::nullopt, 1.0, 25.0}; }
MedianSummary iqr_only(double n) { return {n, 6.0, 4.0, 10.0, std::nullopt, std::nullopt}; }
MedianSummary five(double n) { return {n, 6.0, 4.0, 10.0, 1.0, 25.0}; }

// The table's values have 12 significant digits: 1e-10 relative.
void near(double got, double want) { EXPECT_NEAR(got, want, 1e-10 * std::abs(want)) << "want " << want; }

TEST(MedianMean, MatchesMetaWorkedExamples) {
  for (const auto& row : kMeta) {
    SCOPED_TRACE(row.n);
    auto m = estimate_mean(range_only(row.n));
    auto s = estimate_sd(range_only(row.n));
    EXPECT_EQ(m.scenario, SummaryScenario::kRange);
    EXPECT_EQ(s.scenario, SummaryScenario::kRange);
    near(m.value, row.s1_mean);
    near(s.value, row.s1_sd);
    m = estimate_mean(iqr_only(row.n));
    s = estimate_sd(iqr_only(row.n));
    EXPECT_EQ(m.scenario, SummaryScenario::kIqr);
    EXPECT_EQ(s.scenario, SummaryScenario::kIqr);
    near(m.value, row.s3_mean);
    near(s.value, row.s3_sd);
    m = estimate_mean(five(row.n));
    s = estimate_sd(five(row.n));
    EXPECT_EQ(m.scenario, SummaryScenario::kIqrRange);
    EXPECT_EQ(s.scenario, SummaryScenario::kIqrRange);
    near(m.value, row.s2_mean);
    near(s.value, row.s2_sd);
  }
}

TEST(MedianMean, WanTableRule) {
  EXPECT_DOUBLE_EQ(wan_xi(10), 3.078);
  EXPECT_DOUBLE_EQ(wan_xi(50), 4.498);
  EXPECT_NEAR(wan_xi(51), 24.0 / 5.33113999216, 1e-10);  // closed form past 50 (meta: range SD 5.33113999216)
  EXPECT_DOUBLE_EQ(wan_eta(10), 1.206);         // Q = ceil(9/4) = 3: the n = 13 entry
  EXPECT_DOUBLE_EQ(wan_eta(13), 1.206);
  EXPECT_DOUBLE_EQ(wan_eta(14), 1.239);
  EXPECT_DOUBLE_EQ(wan_eta(201), 1.340);
  EXPECT_NEAR(wan_eta(202), 6.0 / 4.48004981807, 1e-10);  // closed form past 201
  EXPECT_DOUBLE_EQ(wan_xi(10.5), 3.078);  // meta truncates a fractional n when it indexes the table
  EXPECT_THROW((void)wan_xi(1), Error);
}

// Wan's tables are published data: a few entries against 2 E[Z(r:n)] by numerical integration of
// the order statistic's density (trapezoid on [-10, 10], fine enough for 3 decimals).
double expected_order_statistic(int r, int n) {
  const double h = 1e-3;
  double lchoose = std::lgamma(n + 1.0) - std::lgamma(r + 0.0) - std::lgamma(n - r + 1.0);
  double sum = 0.0;
  for (double z = -10.0; z <= 10.0; z += h) {
    const double phi = std::exp(-0.5 * z * z) / std::sqrt(2.0 * M_PI);
    const double cdf = 0.5 * std::erfc(-z / std::sqrt(2.0));
    if (cdf <= 0.0 || cdf >= 1.0) continue;
    sum += z * std::exp(lchoose + (r - 1) * std::log(cdf) + (n - r) * std::log1p(-cdf)) * phi;
  }
  return sum * h;
}

TEST(MedianMean, WanTablesAgreeWithNumericalIntegration) {
  for (int n : {2, 5, 10, 27, 50}) EXPECT_NEAR(wan_xi(n), 2.0 * expected_order_statistic(n, n), 6e-4) << n;
  for (int q : {1, 3, 12, 50}) {
    const int n = 4 * q + 1;
    EXPECT_NEAR(wan_eta(n), 2.0 * expected_order_statistic(3 * q + 1, n), 6e-4) << n;
  }
}

TEST(MedianMean, ScenarioChoice) {
  MedianSummary s{30, std::nullopt, 4.0, 10.0, 1.0, 25.0};
  EXPECT_FALSE(mean_scenario(s).has_value());  // the mean needs the median
  EXPECT_EQ(sd_scenario(s), SummaryScenario::kIqrRange);
  s.q3.reset();  // half an IQR is no IQR
  EXPECT_EQ(sd_scenario(s), SummaryScenario::kRange);
  s.max.reset();
  EXPECT_FALSE(sd_scenario(s).has_value());
  EXPECT_THROW((void)estimate_sd(s), Error);
  EXPECT_EQ(to_string(SummaryScenario::kIqrRange), "iqr.range");
  EXPECT_EQ(to_string(SummaryScenario::kReported), "reported");
}

TEST(MedianMean, OrderViolationsAreErrors) {
  auto throws_with = [](MedianSummary s, const char* text) {
    try {
      (void)estimate_mean(s);
      ADD_FAILURE() << "no error for " << text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  };
  throws_with({20, 6.0, 4.0, 10.0, 5.0, 25.0}, "minimum (5) is above the first quartile");
  throws_with({20, 3.0, 4.0, 10.0, 1.0, 25.0}, "first quartile (4) is above the median");
  throws_with({20, 11.0, 4.0, 10.0, 1.0, 25.0}, "median (11) is above the third quartile");
  throws_with({20, 6.0, 4.0, 10.0, 1.0, 9.0}, "third quartile (10) is above the maximum");
  throws_with({20, 4.0, 4.0, 4.0, 1.0, 9.0}, "first quartile (4) is not below the third");
  throws_with({1, 6.0, 4.0, 10.0, 1.0, 25.0}, "at least 2");
  // Ties are allowed (as in meta).
  EXPECT_NO_THROW((void)estimate_mean({20, 4.0, 4.0, 10.0, 4.0, 25.0}));
}

}  // namespace
}  // namespace carta
