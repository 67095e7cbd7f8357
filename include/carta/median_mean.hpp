#pragma once
// A study arm's mean and SD estimated from its median with the interquartile range and/or the
// range, as R meta 8.x does by default (metacont method.mean = "Luo", method.sd = "Shi"):
// the mean by Luo et al. (2018), the SD by Wan et al. (2014) from the range or the IQR alone and
// by Shi et al. (2020) from both. No I/O; docs/methods/comparative.md gives the formulas.
//
// Wan's scenarios: S1 {min, median, max}, S3 {q1, median, q3}, S2 {all five}.

#include <optional>
#include <string>
#include <string_view>

namespace carta {

enum class SummaryScenario {
  kReported,  // nothing estimated: the study reports the statistic itself
  kRange,     // S1: median, min and max
  kIqr,       // S3: median, q1 and q3
  kIqrRange,  // S2: median, q1, q3, min and max
};
// "reported", "range", "iqr", "iqr.range" (R meta's approx.mean / approx.sd labels, "" there
// for reported).
std::string_view to_string(SummaryScenario scenario) noexcept;

// What an arm reports besides (or instead of) its mean and SD.
struct MedianSummary {
  double n = 0.0;  // patients in the arm
  std::optional<double> median, q1, q3, min, max;
};

struct SummaryEstimate {
  double value = 0.0;
  SummaryScenario scenario = SummaryScenario::kReported;
};

// Wan et al. (2014) xi(n) = 2 E[Z(n:n)] and eta(n) = 2 E[Z(3Q+1:4Q+1)], by R meta's rule: Wan's
// Table 1 for n <= 50 and Table 2 at Q = ceil((n - 1) / 4) for n <= 201 (n truncated to a whole
// number, as meta indexes its tables), the closed forms 2 Phi^-1((n - 0.375) / (n + 0.25)) and
// 2 Phi^-1((0.75 n - 0.125) / (n + 0.25)) beyond. Need n >= 2.
double wan_xi(double n);
double wan_eta(double n);

// The scenario the summary allows for the mean (it needs the median): S2 when q1, q3, min and max
// are all given, then S3 (q1, q3), then S1 (min, max); nullopt when none applies.
std::optional<SummaryScenario> mean_scenario(const MedianSummary& summary) noexcept;
// The same order for the SD, which needs no median.
std::optional<SummaryScenario> sd_scenario(const MedianSummary& summary) noexcept;

// Luo et al. (2018). S1: w = 4 / (4 + n^0.75), w (a + b)/2 + (1 - w) m; S3: w = 0.7 + 0.39/n,
// w (q1 + q3)/2 + (1 - w) m; S2: w1 = 2.2 / (2.2 + n^0.75), w2 = 0.7 - 0.72 / n^0.55,
// w1 (a + b)/2 + w2 (q1 + q3)/2 + (1 - w1 - w2) m. Throws carta::Error (kInvalidInput) when no
// scenario applies, n < 2, or the numbers are out of order (min <= q1 <= median <= q3 <= max,
// q1 < q3 when the IQR is used); the message names the violation (callers add the cell).
SummaryEstimate estimate_mean(const MedianSummary& summary);

// S1: (b - a) / xi(n); S3: (q3 - q1) / eta(n) (Wan 2014, meta's table rule); S2: Shi et al.
// (2020) (b - a) / theta1(n) + (q3 - q1) / theta2(n), theta1 = (2 + 0.14 n^0.6) Phi^-1((n -
// 0.375) / (n + 0.25)), theta2 = (2 + 2 / (0.07 n^0.6)) Phi^-1((0.75 n - 0.125) / (n + 0.25)).
// Throws as estimate_mean (the median is checked only when given).
SummaryEstimate estimate_sd(const MedianSummary& summary);

enum class SummaryField { kN, kMedian, kQ1, kQ3, kMin, kMax };

// What is wrong with a summary for `scenario`: n < 2, a number that is not finite, numbers out of
// order among those the scenario uses (and the median when given), or q1 >= q3 when the IQR is
// used. `field` is the number to look at (the larger of two out of order); the message says what
// is wrong and how to fix it. nullopt when the summary is usable.
struct SummaryProblem {
  SummaryField field = SummaryField::kN;
  std::string message;
};
std::optional<SummaryProblem> find_summary_problem(const MedianSummary& summary, SummaryScenario scenario);
// Throws carta::Error (kInvalidInput) with the problem's message.
void check_summary(const MedianSummary& summary, SummaryScenario scenario);

}  // namespace carta
