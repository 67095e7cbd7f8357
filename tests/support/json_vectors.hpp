#pragma once
// A fixture's JSON array of numbers as an Eigen vector (for tests that call the core directly).

#include <Eigen/Core>
#include <nlohmann/json.hpp>

namespace carta::test {

inline Eigen::VectorXd vector_of(const nlohmann::json& values) {
  Eigen::VectorXd out(static_cast<Eigen::Index>(values.size()));
  for (std::size_t i = 0; i < values.size(); ++i) out[static_cast<Eigen::Index>(i)] = values[i].get<double>();
  return out;
}

}  // namespace carta::test
