#pragma once
// Machine-readable renderings of a PoolResult: the JSON contract (docs/json-contract.md) and
// CSV tables. Numbers are written at full round-trip precision; unavailable values (NaN) become
// JSON null or an empty CSV cell.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "carta/pool.hpp"

namespace carta::io {

nlohmann::json to_json(const PoolResult& result);

// Study table with weights: one row per study.
std::string studies_csv(const PoolResult& result);

// One row per meta-analysis (for --by): header and row.
std::string summary_csv_header(std::string_view group_column);
std::string summary_csv_row(std::string_view group, const PoolResult& result);

// RFC 4180 quoting of one field.
std::string csv_field(std::string_view text);

}  // namespace carta::io
