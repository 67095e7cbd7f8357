#pragma once
// JSON and CSV renderings of survival results (docs/json-contract.md, "survival").
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "carta/kaplan_meier.hpp"
#include "carta/km_reconstruct.hpp"
#include "carta/summary_curve.hpp"
#include "carta/survival.hpp"

namespace carta::io {

nlohmann::json to_json(const SurvivalPoolResult& result);
// times: also report S at these times (with the median, always).
nlohmann::json to_json(const KaplanMeier& km, const std::vector<double>& times);
nlohmann::json to_json(const Reconstruction& reconstruction, const std::vector<double>& times, double level = 0.95);
nlohmann::json to_json(const SummaryCurve& curve, const std::vector<StudyCurve>& studies);
// One row per step: time,n_risk,events,censored,survival,se,ci_lb,ci_ub.
std::string km_csv(const KaplanMeier& km);

}  // namespace carta::io
