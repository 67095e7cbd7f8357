#pragma once
// Human-readable summary of a pooled analysis. This is the one place where numbers are rounded
// for people (machine-readable output lives in io/pool_output).

#include <string>
#include <vector>

#include "carta/pool.hpp"

namespace carta::cli {

struct SummaryContext {
  std::string source;          // data file
  std::string events_column;
  std::string n_column;
  std::string group;           // --by value, empty when not grouping
  std::string group_column;
};

std::string text_summary(const PoolResult& result, const SummaryContext& context);

}  // namespace carta::cli
