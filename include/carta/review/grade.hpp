#pragma once
// Certainty of evidence by GRADE (Guyatt et al. 2008; GRADE guidelines 4-8, 2011): per outcome, a
// starting certainty, five domains each rated not serious, serious or very serious (risk of bias,
// inconsistency, indirectness, imprecision, publication bias), and the certainty that follows,
// one level down per level of concern, never below very low.
//
// GRADE is a judgement. carta rates each domain by a stated rule from the analysis's own numbers
// (the rules and their sources: docs/methods/grade.md), says why in words, and takes the authors'
// rating instead wherever the spec gives one with its reason. A domain the data cannot inform is
// marked not assessed, so that a reader sees that its "not serious" is no finding.
//
// Plain logic, no I/O: the analysis layer gathers the evidence, renderers print the ratings.

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "carta/review/rob.hpp"

namespace carta::review {

enum class Certainty { kVeryLow = 0, kLow = 1, kModerate = 2, kHigh = 3 };
std::string_view to_string(Certainty certainty) noexcept;  // "high", "moderate", "low", "very low"
std::optional<Certainty> parse_certainty(std::string_view text) noexcept;

enum class GradeDomain { kRiskOfBias, kInconsistency, kIndirectness, kImprecision, kPublicationBias };
inline constexpr std::array kGradeDomains = {GradeDomain::kRiskOfBias, GradeDomain::kInconsistency,
                                             GradeDomain::kIndirectness, GradeDomain::kImprecision,
                                             GradeDomain::kPublicationBias};
std::string_view to_string(GradeDomain domain) noexcept;  // the spec's key: "risk_of_bias", ...
std::string_view domain_title(GradeDomain domain) noexcept;  // for readers: "Risk of bias", ...
std::optional<GradeDomain> parse_grade_domain(std::string_view text) noexcept;

enum class Concern { kNotSerious = 0, kSerious = 1, kVerySerious = 2 };  // = levels rated down
std::string_view to_string(Concern concern) noexcept;  // "not serious", "serious", "very serious"
std::optional<Concern> parse_concern(std::string_view text) noexcept;

// The thresholds of carta's rules. Defaults and their sources: docs/methods/grade.md.
struct GradeRules {
  std::optional<Certainty> start;  // nullopt: from the design (the risk-of-bias tool), see start_certainty
  std::string start_reason;        // the authors' reason for `start` (required with it in the spec)
  double i2_serious = 50.0;        // percent: I^2 at or above it is serious inconsistency
  double i2_very_serious = 75.0;   // ... very serious
  double ci_width = 0.20;          // imprecision: a CI wider than this (proportion scale) is one level
  double optimal_information_size = 400;  // imprecision: fewer patients than this is one level
  double publication_bias_p = 0.10;       // a small-study test below this p is suspected bias
  std::size_t publication_bias_min_k = 10;  // fewer studies: the tests are not assessed (too little power)
};
// Throws carta::Error (kInvalidOption) naming the threshold that is out of range.
void validate(const GradeRules& rules);

// The share of an analysis's weight from studies in each tier of risk of bias. Low is the tool's
// lowest judgement; some concerns its middle ones and "no information"; high its two most severe
// (ROBINS-I serious and critical) or its most severe when it has three.
struct RiskOfBiasShares {
  std::string tool;         // the tool's name, for the reason
  double low = 0.0;         // fractions of the weight, summing to 1 with the others
  double some_concerns = 0.0;
  double high = 0.0;
  double not_assessed = 0.0;  // studies the assessment file does not have
  std::vector<std::string> high_studies;        // by label, for the reason
  std::vector<std::string> not_assessed_studies;
};

// Shares of the weights `weights[i]` (any positive scale, e.g. random-effects percents) of the
// studies `labels[i]` under `assessment`. Throws carta::Error (kInvalidInput) when the sizes differ.
RiskOfBiasShares risk_of_bias_shares(const RobAssessment& assessment, std::span<const std::string> labels,
                                     std::span<const double> weights);

// A small-study test's result, for publication bias.
struct SmallStudyTestResult {
  std::string name;  // "Egger's test"
  std::size_t k = 0;
  double p = 0.0;
};

// What the rules read. NaN (or nullopt) marks what the analysis does not have.
struct GradeEvidence {
  std::size_t k = 0;
  double patients = 0.0;          // NaN when not every study gives its n
  double i2 = 0.0;                // percent
  double q_p = 0.0;               // heterogeneity test
  double estimate = 0.0;          // pooled random-effects estimate, proportion scale
  double ci_lb = 0.0, ci_ub = 0.0;
  double pi_lb = 0.0, pi_ub = 0.0;  // NaN when there is none (k < 3)
  std::optional<RiskOfBiasShares> risk_of_bias;  // nullopt: the review has no risk-of-bias assessment
  std::optional<SmallStudyTestResult> small_study;  // nullopt: no test ran
  bool small_study_wanted = true;   // false: the spec turned the tests off
};

// An authors' rating of a domain, from the spec.
struct GradeJudgement {
  GradeDomain domain = GradeDomain::kIndirectness;
  Concern concern = Concern::kNotSerious;
  std::string reason;  // required
};

struct DomainRating {
  GradeDomain domain = GradeDomain::kRiskOfBias;
  Concern concern = Concern::kNotSerious;
  bool assessed = true;    // false: nothing to judge it by (it does not lower the certainty)
  bool by_authors = false;  // the spec's judgement, not carta's rule
  std::string reason;
};

struct CertaintyRating {
  Certainty start = Certainty::kLow;
  std::string start_reason;
  std::array<DomainRating, 5> domains;  // in the order of kGradeDomains
  int levels_down = 0;                  // sum of the concerns (before the floor at very low)
  Certainty certainty = Certainty::kLow;
};

// The certainty a body of evidence starts at: high for randomised trials (RoB 1, RoB 2) and for
// non-randomised studies assessed with ROBINS-I or ROBINS-E (Schünemann et al. 2019), low for other
// observational designs (case series, cohorts rated with NOS or IHE, or no assessment).
Certainty start_certainty(const RobAssessment* assessment) noexcept;

// Rates the evidence. `judgements` replace carta's rule domain by domain; at most one per domain
// (throws carta::Error kInvalidOption otherwise, or for an empty reason).
CertaintyRating rate_certainty(const GradeEvidence& evidence, const GradeRules& rules, const RobAssessment* assessment,
                               std::span<const GradeJudgement> judgements);

// "⊕⊕◯◯" for low, as GRADE's summary-of-findings tables print certainty.
std::string certainty_symbols(Certainty certainty);

}  // namespace carta::review
