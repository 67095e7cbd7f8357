#pragma once
// Human-readable summary of a pooled analysis. This is the one place where numbers are rounded
// for people (machine-readable output lives in io/pool_output).

#include <string>
#include <vector>

#include "carta/beta_binomial.hpp"
#include "carta/blup.hpp"
#include "carta/influence.hpp"
#include "carta/metareg.hpp"
#include "carta/permutation.hpp"
#include "carta/pool.hpp"
#include "carta/sensitivity.hpp"
#include "carta/small_study.hpp"
#include "carta/subgroup.hpp"

namespace carta::cli {

struct SummaryContext {
  std::string source;          // data file
  std::string events_column;
  std::string n_column;
  std::string group;           // --by value, empty when not grouping
  std::string group_column;
  const BetaBinomialFit* beta_binomial = nullptr;  // set for --method BB
};

std::string text_summary(const PoolResult& result, const SummaryContext& context);
std::string text_subgroups(const SubgroupAnalysis& analysis, const std::string& variable, const PoolOptions& options);
std::string text_metareg(const ProportionRegression& regression, const PoolOptions& options);
std::string text_leave_one_out(const std::vector<LeaveOneOutRow>& rows, const PoolOptions& options);
std::string text_predictions(const std::vector<MetaRegressionPrediction>& predictions, const PoolOptions& options);
std::string text_blups(const PoolResult& result, const std::vector<StudyBlup>& blups);
std::string text_permutation(const PermutationTest& test, const std::vector<std::string>& names);
std::string text_influence(const std::vector<InfluenceRow>& rows, bool regression = false);
std::string text_bias(const SmallStudyEffects& bias, const PoolOptions& options, double n_harmonic);
std::string text_cumulative(const std::vector<CumulativeRow>& rows, const std::string& column, const PoolOptions& options);

}  // namespace carta::cli
