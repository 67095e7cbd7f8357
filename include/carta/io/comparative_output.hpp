#pragma once
// Comparative results as JSON: every number on the analysis scale (log OR, log RR, RD, AS) and,
// for ratios, on the reporting scale (effect, effect_ci_lb, ...), with the conventions that
// produced them.

#include <nlohmann/json.hpp>

#include "carta/comparative.hpp"
#include "carta/pool.hpp"

namespace carta::io {

nlohmann::json to_json(const ComparativeResult& result);

nlohmann::json to_json(const ContinuousResult& result);

// Adds "bias", "subgroups" and "leave_one_out" to `j` for what `analyses` holds (no proportion
// fields).
void add_analyses_json(nlohmann::json& j, const EffectAnalyses& analyses, const PoolOptions& options);

// Effects pooled by the generic inverse-variance method (carta compare --estimate ...); `ratio`:
// the analysis scale is the logarithm of the reported ratios.
// `sources[i]`: what study i's effect came from (effect_from_report's source), when known.
nlohmann::json reported_effects_json(const PoolResult& result, bool ratio, const std::vector<std::string>& sources = {});

}  // namespace carta::io
