#include "carta/median_mean.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "carta/distributions.hpp"
#include "carta/error.hpp"

namespace carta {

namespace {

// Wan X, Wang W, Liu J, Tong T. Estimating the sample mean and standard deviation from the sample
// size, median, range and/or interquartile range. BMC Med Res Methodol 2014;14:135.
// Table 1: xi(n) = 2 E[Z(n:n)] for n = 1..50 (published data, three decimals; R meta 8.4-0 carries
// the same values as option "Wan2014.Table1").
constexpr std::array<double, 50> kWanTable1 = {
    0.000, 1.128, 1.693, 2.059, 2.326, 2.534, 2.704, 2.847, 2.970, 3.078,  //
    3.173, 3.259, 3.336, 3.407, 3.472, 3.532, 3.588, 3.640, 3.689, 3.735,  //
    3.778, 3.819, 3.858, 3.895, 3.931, 3.964, 3.997, 4.027, 4.057, 4.086,  //
    4.113, 4.139, 4.165, 4.189, 4.213, 4.236, 4.259, 4.280, 4.301, 4.322,  //
    4.341, 4.361, 4.379, 4.398, 4.415, 4.433, 4.450, 4.466, 4.482, 4.498};
// Table 2: eta(n) = 2 E[Z(3Q+1:4Q+1)] for n = 4Q + 1, Q = 1..50 (R meta's "Wan2014.Table2").
constexpr std::array<double, 50> kWanTable2 = {
    0.990, 1.144, 1.206, 1.239, 1.260, 1.274, 1.284, 1.292, 1.298, 1.303,  //
    1.307, 1.311, 1.313, 1.316, 1.318, 1.320, 1.322, 1.323, 1.324, 1.326,  //
    1.327, 1.328, 1.329, 1.330, 1.330, 1.331, 1.332, 1.332, 1.333, 1.333,  //
    1.334, 1.334, 1.335, 1.335, 1.336, 1.336, 1.336, 1.337, 1.337, 1.337,  //
    1.338, 1.338, 1.338, 1.338, 1.339, 1.339, 1.339, 1.339, 1.339, 1.340};

double qnorm(double p) { return dist::normal_quantile(p); }
double xi_closed(double n) { return 2.0 * qnorm((n - 0.375) / (n + 0.25)); }
double eta_closed(double n) { return 2.0 * qnorm((0.75 * n - 0.125) / (n + 0.25)); }

void need_n(double n) {
  if (!(n >= 2.0) || !std::isfinite(n)) {
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("the arm has {} patients; a mean and an SD from a median need at least 2", n));
  }
}

bool has_iqr(const MedianSummary& s) { return s.q1.has_value() && s.q3.has_value(); }
bool has_range(const MedianSummary& s) { return s.min.has_value() && s.max.has_value(); }

std::optional<SummaryScenario> scenario_of(const MedianSummary& s) {
  if (has_iqr(s) && has_range(s)) return SummaryScenario::kIqrRange;
  if (has_iqr(s)) return SummaryScenario::kIqr;
  if (has_range(s)) return SummaryScenario::kRange;
  return std::nullopt;
}

}  // namespace

std::string_view to_string(SummaryScenario scenario) noexcept {
  switch (scenario) {
    case SummaryScenario::kReported: return "reported";
    case SummaryScenario::kRange: return "range";
    case SummaryScenario::kIqr: return "iqr";
    case SummaryScenario::kIqrRange: return "iqr.range";
  }
  return "reported";
}

double wan_xi(double n) {
  need_n(n);
  if (n > 50.0) return xi_closed(n);
  return kWanTable1[static_cast<std::size_t>(std::trunc(n)) - 1];
}

double wan_eta(double n) {
  need_n(n);
  if (n > 201.0) return eta_closed(n);
  // meta indexes Table 2 at ceiling(0.25 (n - 1)): the entry of the next n = 4Q + 1 at or above n.
  const auto q = static_cast<std::size_t>(std::ceil(0.25 * (std::trunc(n) - 1.0)));
  return kWanTable2[q - 1];
}

std::optional<SummaryScenario> mean_scenario(const MedianSummary& summary) noexcept {
  if (!summary.median) return std::nullopt;
  return scenario_of(summary);
}

std::optional<SummaryScenario> sd_scenario(const MedianSummary& summary) noexcept { return scenario_of(summary); }

std::optional<SummaryProblem> find_summary_problem(const MedianSummary& s, SummaryScenario scenario) {
  if (!(s.n >= 2.0) || !std::isfinite(s.n)) {
    return SummaryProblem{SummaryField::kN,
                          fmt::format("the arm has {} patients; a mean and an SD from a median need at least 2", s.n)};
  }
  const bool iqr = scenario == SummaryScenario::kIqr || scenario == SummaryScenario::kIqrRange;
  const bool range = scenario == SummaryScenario::kRange || scenario == SummaryScenario::kIqrRange;
  struct Value {
    SummaryField field;
    const char* name;
    double value;
  };
  // The numbers in use, in the order they must be.
  std::vector<Value> order;
  if (range) order.push_back({SummaryField::kMin, "minimum", *s.min});
  if (iqr) order.push_back({SummaryField::kQ1, "first quartile", *s.q1});
  if (s.median) order.push_back({SummaryField::kMedian, "median", *s.median});
  if (iqr) order.push_back({SummaryField::kQ3, "third quartile", *s.q3});
  if (range) order.push_back({SummaryField::kMax, "maximum", *s.max});
  for (const auto& v : order) {
    if (!std::isfinite(v.value)) return SummaryProblem{v.field, fmt::format("the {} is not a finite number", v.name)};
  }
  for (std::size_t i = 1; i < order.size(); ++i) {
    if (order[i - 1].value > order[i].value) {
      return SummaryProblem{
          order[i - 1].field,
          fmt::format("the {} ({:g}) is above the {} ({:g}); they must be in the order minimum <= first quartile <= "
                      "median <= third quartile <= maximum (swapped columns, or a typo?)",
                      order[i - 1].name, order[i - 1].value, order[i].name, order[i].value)};
    }
  }
  if (iqr && !(*s.q1 < *s.q3)) {
    return SummaryProblem{SummaryField::kQ3,
                          fmt::format("the first quartile ({:g}) is not below the third ({:g}); an IQR of 0 gives no "
                                      "SD (leave the quartiles empty if the range is reported)",
                                      *s.q1, *s.q3)};
  }
  return std::nullopt;
}

void check_summary(const MedianSummary& s, SummaryScenario scenario) {
  if (auto problem = find_summary_problem(s, scenario)) {
    throw Error(ErrorCategory::kInvalidInput, std::move(problem->message));
  }
}

SummaryEstimate estimate_mean(const MedianSummary& s) {
  const auto scenario = mean_scenario(s);
  if (!scenario) {
    throw Error(ErrorCategory::kInvalidInput,
                "no mean, and no median with its quartiles or its range to estimate it from");
  }
  check_summary(s, *scenario);
  const double n = s.n, m = *s.median;
  SummaryEstimate e{0.0, *scenario};
  switch (*scenario) {
    case SummaryScenario::kRange: {  // Luo 2018, S1
      const double w = 4.0 / (4.0 + std::pow(n, 0.75));
      e.value = w * (*s.min + *s.max) / 2.0 + (1.0 - w) * m;
      break;
    }
    case SummaryScenario::kIqr: {  // Luo 2018, S3
      const double w = 0.7 + 0.39 / n;
      e.value = w * (*s.q1 + *s.q3) / 2.0 + (1.0 - w) * m;
      break;
    }
    case SummaryScenario::kIqrRange: {  // Luo 2018, S2
      const double w1 = 2.2 / (2.2 + std::pow(n, 0.75));
      const double w2 = 0.7 - 0.72 / std::pow(n, 0.55);
      e.value = w1 * (*s.min + *s.max) / 2.0 + w2 * (*s.q1 + *s.q3) / 2.0 + (1.0 - w1 - w2) * m;
      break;
    }
    case SummaryScenario::kReported: break;
  }
  return e;
}

SummaryEstimate estimate_sd(const MedianSummary& s) {
  const auto scenario = sd_scenario(s);
  if (!scenario) {
    throw Error(ErrorCategory::kInvalidInput, "no SD, and no quartiles or range to estimate it from");
  }
  check_summary(s, *scenario);
  const double n = s.n;
  SummaryEstimate e{0.0, *scenario};
  switch (*scenario) {
    case SummaryScenario::kRange: e.value = (*s.max - *s.min) / wan_xi(n); break;
    case SummaryScenario::kIqr: e.value = (*s.q3 - *s.q1) / wan_eta(n); break;
    case SummaryScenario::kIqrRange: {  // Shi et al. 2020, eq. 11
      const double theta1 = (2.0 + 0.14 * std::pow(n, 0.6)) * qnorm((n - 0.375) / (n + 0.25));
      const double theta2 = (2.0 + 2.0 / (0.07 * std::pow(n, 0.6))) * qnorm((0.75 * n - 0.125) / (n + 0.25));
      e.value = (*s.max - *s.min) / theta1 + (*s.q3 - *s.q1) / theta2;
      break;
    }
    case SummaryScenario::kReported: break;
  }
  return e;
}

}  // namespace carta
