#pragma once
// Design matrices for meta-regression from moderator columns given as text, the way R's
// model.matrix codes them: an intercept, numeric columns as they are, categorical columns as
// treatment contrasts against the first level in sorted order (R's factor default).

#include <Eigen/Dense>

#include <optional>
#include <string>
#include <vector>

namespace carta {

struct ModeratorColumn {
  std::string name;
  std::vector<std::optional<std::string>> values;  // one per study; nullopt = missing
  // nullopt: numeric when every present value parses as a finite number, else categorical.
  std::optional<bool> categorical;
};

struct Design {
  Eigen::MatrixXd x;               // rows = studies kept, first column the intercept
  std::vector<std::string> names;  // "intrcpt", "age", "target[CD22]", ...
  std::vector<std::size_t> kept;   // indices of the studies kept (no missing moderator)
  std::vector<std::size_t> dropped;
  struct Term {
    std::string column;
    bool categorical = false;
    std::vector<std::string> levels;  // categorical: all levels, the first is the reference
  };
  std::vector<Term> terms;
};

// Throws carta::Error (kInvalidInput) when a column has a different length than the others.
Design build_design(const std::vector<ModeratorColumn>& columns, std::size_t n_studies);

// Parses a number the way moderator cells are read ("12", "-0.5", "1e3"); nullopt otherwise.
std::optional<double> parse_number(std::string_view text);

}  // namespace carta
