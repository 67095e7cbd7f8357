#include "carta/permutation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <random>

#include "carta/error.hpp"
#include "carta/parallel.hpp"

namespace carta {

namespace {

// Uniform integer in [0, n) by rejection from a 64-bit generator, written out so that a seed
// gives the same permutations with every standard library (std::uniform_int_distribution is
// implementation-defined).
std::uint64_t bounded(std::mt19937_64& rng, std::uint64_t n) {
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % n;
  std::uint64_t x = rng();
  while (x >= limit) x = rng();
  return x % n;
}

// Evaluates patterns (sign flips or row arrangements) a block at a time: `add` queues one, the
// block's models are fitted in parallel and tallied in order, so the counts, and so the p-values,
// do not depend on the thread count. `fit` returns nullopt for a model that could not be fitted
// (counted in failed_fits); `tally` receives each fitted outcome in pattern order.
template <typename Pattern, typename Outcome>
class BlockRunner {
 public:
  BlockRunner(const PermutationOptions& options, std::size_t total, PermutationTest& out,
              std::function<std::optional<Outcome>(const Pattern&)> fit, std::function<void(const Outcome&)> tally)
      : options_(options), total_(total), out_(out), fit_(std::move(fit)), tally_(std::move(tally)) {
    block_.reserve(kBlock);
  }
  void add(Pattern pattern) {
    block_.push_back(std::move(pattern));
    if (block_.size() == kBlock) run();
  }
  // Runs what is queued; returns the number of fitted models so far.
  std::size_t finish() {
    if (!block_.empty()) run();
    return fitted_;
  }

 private:
  static constexpr std::size_t kBlock = 256;
  void run() {
    std::vector<std::optional<Outcome>> outcomes(block_.size());
    parallel_for(block_.size(), options_.threads, [&](std::size_t t) {
      try {
        outcomes[t] = fit_(block_[t]);
      } catch (const Error&) {
        outcomes[t].reset();  // counted below as a failed fit
      }
    });
    for (const auto& o : outcomes) {
      if (!o) {
        ++out_.failed_fits;
        continue;
      }
      tally_(*o);
      ++fitted_;
    }
    done_ += block_.size();
    block_.clear();
    if (options_.progress) options_.progress(done_, total_);
  }
  const PermutationOptions& options_;
  std::size_t total_;
  PermutationTest& out_;
  std::function<std::optional<Outcome>(const Pattern&)> fit_;
  std::function<void(const Outcome&)> tally_;
  std::vector<Pattern> block_;
  std::size_t fitted_ = 0, done_ = 0;
};

// The intercept-only model: metafor's permutest flips the signs of the outcomes (2^k patterns)
// and compares |z| (or |t|) of the refitted mean with the observed one.
PermutationTest sign_flip_test(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x,
                               const std::vector<std::string>& names, const MixedModelOptions& model,
                               const PermutationOptions& options) {
  MixedModelOptions mo = model;
  mo.compute_r2 = false;
  const auto k = static_cast<std::size_t>(y.size());
  const MixedModelFit observed = fit_mixed_model(y, v, x, names, true, mo);

  PermutationTest out;
  out.sign_flip = true;
  out.exact_count = std::ldexp(1.0, static_cast<int>(std::min<std::size_t>(k, 1023)));
  out.exact = options.allow_exact && k < 63 && out.exact_count <= static_cast<double>(options.iterations);
  const std::size_t total = out.exact ? (std::size_t{1} << k) : options.iterations;
  out.iterations = total;
  out.seed = out.exact ? 0 : options.seed;

  const double comptol = std::sqrt(std::numeric_limits<double>::epsilon());  // as metafor
  const double observed_stat = std::abs(observed.coefficients[0].stat);
  std::size_t hits = 0;
  // A pattern is 1 where the sign of y is flipped; the outcome says whether |z| is as extreme.
  BlockRunner<std::vector<char>, bool> runner(
      options, total, out,
      [&](const std::vector<char>& flips) -> std::optional<bool> {
        Eigen::VectorXd yp = y;
        for (std::size_t i = 0; i < k; ++i) {
          if (flips[i] != 0) yp[static_cast<Eigen::Index>(i)] = -yp[static_cast<Eigen::Index>(i)];
        }
        const MixedModelFit f = fit_mixed_model(yp, v, x, names, true, mo);
        return std::abs(f.coefficients[0].stat) >= observed_stat - comptol;
      },
      [&](const bool& extreme) { hits += extreme ? 1 : 0; });
  std::vector<char> flips(k, 0);
  if (out.exact) {
    for (std::size_t pattern = 0; pattern < total; ++pattern) {
      for (std::size_t i = 0; i < k; ++i) flips[i] = static_cast<char>((pattern >> i) & 1U);
      runner.add(flips);
    }
  } else {
    std::mt19937_64 rng(options.seed);
    runner.add(flips);  // the observed data count as the first pattern, as in metafor
    for (std::size_t it = 1; it < total; ++it) {
      for (std::size_t i = 0; i < k; ++i) flips[i] = static_cast<char>(bounded(rng, 2));
      runner.add(flips);
    }
  }
  const std::size_t fitted = runner.finish();
  if (fitted == 0) {
    throw Error(ErrorCategory::kNumerical, "permutation test: no sign-flipped model could be fitted");
  }
  out.coefficient_p.push_back(std::min(1.0, static_cast<double>(hits) / static_cast<double>(fitted)));
  out.QM_p = out.coefficient_p[0];  // QM of the one coefficient is z^2 (F = t^2 under knha): the same ordering
  return out;
}

}  // namespace

PermutationTest permutation_test(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x,
                                 const std::vector<std::string>& names, const MixedModelOptions& model,
                                 const PermutationOptions& options) {
  if (options.iterations < 2) {
    throw Error(ErrorCategory::kInvalidOption, "--permutations must be at least 2");
  }
  if (x.cols() < 1 || x.rows() != y.size() || v.size() != y.size()) {
    throw Error(ErrorCategory::kInvalidInput, "permutation test: the design, outcomes and variances differ in size");
  }
  if (x.cols() == 1) return sign_flip_test(y, v, x, names, model, options);
  MixedModelOptions mo = model;
  mo.compute_r2 = false;
  const auto k = static_cast<std::size_t>(y.size());
  const auto p = static_cast<std::size_t>(x.cols());
  const MixedModelFit observed = fit_mixed_model(y, v, x, names, true, mo);

  // Distinct design rows and how often each occurs: the number of distinct permutations is
  // k! / prod(multiplicity!).
  std::vector<std::size_t> order(k);
  std::iota(order.begin(), order.end(), 0);
  auto row_less = [&x](std::size_t a, std::size_t b) {
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
      if (x(static_cast<Eigen::Index>(a), j) != x(static_cast<Eigen::Index>(b), j)) {
        return x(static_cast<Eigen::Index>(a), j) < x(static_cast<Eigen::Index>(b), j);
      }
    }
    return false;
  };
  std::stable_sort(order.begin(), order.end(), row_less);
  std::vector<std::size_t> row_class(k);      // class id of each sorted position
  std::vector<std::size_t> representative;    // a row index for each class
  std::vector<std::size_t> multiplicity;
  for (std::size_t r = 0; r < k; ++r) {
    if (r == 0 || row_less(order[r - 1], order[r])) {
      representative.push_back(order[r]);
      multiplicity.push_back(0);
    }
    row_class[r] = representative.size() - 1;
    ++multiplicity.back();
  }
  double log_count = std::lgamma(static_cast<double>(k) + 1.0);
  for (const auto m : multiplicity) log_count -= std::lgamma(static_cast<double>(m) + 1.0);
  const double count = std::exp(log_count);

  PermutationTest out;
  out.exact_count = count;
  out.exact = options.allow_exact && std::round(count) <= static_cast<double>(options.iterations);
  const std::size_t total = out.exact ? static_cast<std::size_t>(std::llround(count)) : options.iterations;
  out.iterations = total;
  out.seed = out.exact ? 0 : options.seed;

  const double comptol = std::sqrt(std::numeric_limits<double>::epsilon());  // as metafor
  std::vector<std::size_t> hits(p, 0);
  std::size_t qm_hits = 0;
  // A pattern gives the design row of each study; the outcome says which statistics are as extreme.
  struct Outcome {
    bool qm = false;
    std::vector<char> coefficient;
  };
  BlockRunner<std::vector<std::size_t>, Outcome> runner(
      options, total, out,
      [&](const std::vector<std::size_t>& rows) -> std::optional<Outcome> {
        Eigen::MatrixXd xp(x.rows(), x.cols());
        for (std::size_t r = 0; r < k; ++r) xp.row(static_cast<Eigen::Index>(r)) = x.row(static_cast<Eigen::Index>(rows[r]));
        const MixedModelFit f = fit_mixed_model(y, v, xp, names, true, mo);
        Outcome o;
        o.coefficient.resize(p);
        for (std::size_t j = 0; j < p; ++j) {
          o.coefficient[j] = std::abs(f.coefficients[j].stat) >= std::abs(observed.coefficients[j].stat) - comptol;
        }
        o.qm = f.QM >= observed.QM - comptol;
        return o;
      },
      [&](const Outcome& o) {
        for (std::size_t j = 0; j < p; ++j) hits[j] += o.coefficient[j] ? 1 : 0;
        qm_hits += o.qm ? 1 : 0;
      });

  if (out.exact) {
    std::vector<std::size_t> arrangement(row_class);  // sorted: the first permutation
    std::vector<std::size_t> rows(k);
    do {
      for (std::size_t r = 0; r < k; ++r) rows[r] = representative[arrangement[r]];
      runner.add(rows);
    } while (std::next_permutation(arrangement.begin(), arrangement.end()));
  } else {
    std::mt19937_64 rng(options.seed);
    std::vector<std::size_t> perm(k);
    std::iota(perm.begin(), perm.end(), 0);
    runner.add(perm);  // the observed arrangement counts as one permutation, as in metafor
    for (std::size_t it = 1; it < total; ++it) {
      std::iota(perm.begin(), perm.end(), 0);
      for (std::size_t i = k - 1; i > 0; --i) std::swap(perm[i], perm[bounded(rng, i + 1)]);
      runner.add(perm);
    }
  }
  const std::size_t fitted = runner.finish();
  if (fitted == 0) {
    throw Error(ErrorCategory::kNumerical, "permutation test: no permuted model could be fitted");
  }
  for (std::size_t j = 0; j < p; ++j) {
    out.coefficient_p.push_back(std::min(1.0, static_cast<double>(hits[j]) / static_cast<double>(fitted)));
  }
  out.QM_p = static_cast<double>(qm_hits) / static_cast<double>(fitted);
  return out;
}

}  // namespace carta
