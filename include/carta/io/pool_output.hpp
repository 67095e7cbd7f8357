#pragma once
// Machine-readable renderings of a PoolResult: the JSON contract (docs/json-contract.md) and
// CSV tables. Numbers are written at full round-trip precision; unavailable values (NaN) become
// JSON null or an empty CSV cell.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "carta/beta_binomial.hpp"
#include "carta/glmm.hpp"
#include "carta/influence.hpp"
#include "carta/metareg.hpp"
#include "carta/permutation.hpp"
#include "carta/pool.hpp"
#include "carta/sensitivity.hpp"
#include "carta/small_study.hpp"
#include "carta/subgroup.hpp"

namespace carta::io {

// A number for JSON: NaN and infinities become null (the contract's "not available").
nlohmann::json json_number(double x);

// What produced a JSON output, written into each: `carta_version` (the VERSION file),
// `carta_commit` (git commit, or "unknown") and `carta_build_type` (Release, Debug, ...).
void record_build_info(nlohmann::json& j);

nlohmann::json to_json(const PoolResult& result);
// The "glmm" object: likelihoods, both heterogeneity tests, the population-averaged proportion.
nlohmann::json to_json(const GlmmFit& fit);
// The "beta_binomial" object: mean with profile and Wald intervals, rho and theta with profile
// intervals, likelihoods and the overdispersion test.
nlohmann::json to_json(const BetaBinomialFit& fit);

// The "subgroups", "metareg" and "leave_one_out" objects of the contract.
nlohmann::json to_json(const SubgroupAnalysis& analysis, std::string_view variable);
nlohmann::json to_json(const ProportionRegression& regression, TestType test);
nlohmann::json to_json(const std::vector<LeaveOneOutRow>& rows);
nlohmann::json to_json(const std::vector<InfluenceRow>& rows);
nlohmann::json to_json(const std::vector<CumulativeRow>& rows, std::string_view order_column);
nlohmann::json to_json(const PermutationTest& test, const std::vector<std::string>& names);
nlohmann::json to_json(const std::vector<MetaRegressionPrediction>& predictions);
// The "bias" object: tests, trim-and-fill with back-transformed proportions, funnel data.
nlohmann::json to_json(const SmallStudyEffects& bias, const PoolOptions& options, double n_harmonic);
// The same without the proportion back-transformations, which mean nothing for effects given on
// their own scale (log hazards, log odds ratios).
nlohmann::json effects_bias_json(const SmallStudyEffects& bias, const PoolOptions& options);
// Removes every "prop..." key, recursively: for results on effects, whose proportion fields are
// not defined.
void strip_proportions(nlohmann::json& node);

// Study table with weights: one row per study.
std::string studies_csv(const PoolResult& result);

// One row per meta-analysis (for --by): header and row.
std::string summary_csv_header(std::string_view group_column);
std::string summary_csv_row(std::string_view group, const PoolResult& result);

// RFC 4180 quoting of one field.
std::string csv_field(std::string_view text);

}  // namespace carta::io
