#pragma once
// Permutation test for meta-regression (Higgins & Thompson 2004; Viechtbauer et al. 2015), as
// metafor's permutest.rma.uni: the rows of the design are permuted against the outcomes, the
// model is refitted (tau^2 re-estimated) and the observed statistics are compared with their
// permutation distribution. An intercept-only model (x a single column of ones) is tested by
// flipping the signs of the outcomes instead, as metafor does (Follmann & Proschan 1999): under
// the null of a zero mean every sign pattern is equally likely. Exact (every distinct
// permutation or sign pattern once) when that needs no more than the requested iterations;
// otherwise random ones from a seeded generator, the observed data counted as the first.

#include <Eigen/Dense>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "carta/mixed_model.hpp"

namespace carta {

struct PermutationOptions {
  std::size_t iterations = 1000;
  std::uint64_t seed = 20261121;
  bool allow_exact = true;  // run the exact test when it needs <= iterations permutations
  unsigned threads = 0;     // 0 = one per core; the p-values do not depend on it
  // Called with (done, total) from the calling thread after each block of permutations; may be empty.
  std::function<void(std::size_t, std::size_t)> progress;
};

struct PermutationTest {
  bool sign_flip = false;           // intercept-only model: signs of y flipped, not rows permuted
  bool exact = false;
  std::size_t iterations = 0;       // permutations evaluated (including the observed one)
  double exact_count = 0.0;         // number of distinct permutations, 2^k sign patterns (may be huge)
  std::uint64_t seed = 0;           // unused (0) when exact
  std::vector<double> coefficient_p;  // two-sided, |stat_perm| >= |stat_obs|, per coefficient
  double QM_p = 0.0;
  std::size_t failed_fits = 0;      // permutations whose model could not be fitted (skipped)
};

// x is the design with its intercept: one column of ones (sign flipping) or more (permutations).
// Throws carta::Error for fewer than 2 iterations, or when no permuted model could be fitted.
PermutationTest permutation_test(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x,
                                 const std::vector<std::string>& names, const MixedModelOptions& model,
                                 const PermutationOptions& options);

}  // namespace carta
