#include "carta/review/grade.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "carta/error.hpp"

namespace carta::review {

std::string_view to_string(Certainty certainty) noexcept {
  switch (certainty) {
    case Certainty::kHigh: return "high";
    case Certainty::kModerate: return "moderate";
    case Certainty::kLow: return "low";
    case Certainty::kVeryLow: break;
  }
  return "very low";
}

std::optional<Certainty> parse_certainty(std::string_view text) noexcept {
  for (const auto c : {Certainty::kHigh, Certainty::kModerate, Certainty::kLow, Certainty::kVeryLow}) {
    if (normalise_rob_text(text) == to_string(c)) return c;
  }
  return std::nullopt;
}

std::string_view to_string(GradeDomain domain) noexcept {
  switch (domain) {
    case GradeDomain::kRiskOfBias: return "risk_of_bias";
    case GradeDomain::kInconsistency: return "inconsistency";
    case GradeDomain::kIndirectness: return "indirectness";
    case GradeDomain::kImprecision: return "imprecision";
    case GradeDomain::kPublicationBias: break;
  }
  return "publication_bias";
}

std::string_view domain_title(GradeDomain domain) noexcept {
  switch (domain) {
    case GradeDomain::kRiskOfBias: return "Risk of bias";
    case GradeDomain::kInconsistency: return "Inconsistency";
    case GradeDomain::kIndirectness: return "Indirectness";
    case GradeDomain::kImprecision: return "Imprecision";
    case GradeDomain::kPublicationBias: break;
  }
  return "Publication bias";
}

std::optional<GradeDomain> parse_grade_domain(std::string_view text) noexcept {
  for (const auto d : kGradeDomains) {
    if (text == to_string(d)) return d;
  }
  return std::nullopt;
}

std::string_view to_string(Concern concern) noexcept {
  switch (concern) {
    case Concern::kNotSerious: return "not serious";
    case Concern::kSerious: return "serious";
    case Concern::kVerySerious: break;
  }
  return "very serious";
}

std::optional<Concern> parse_concern(std::string_view text) noexcept {
  for (const auto c : {Concern::kNotSerious, Concern::kSerious, Concern::kVerySerious}) {
    if (normalise_rob_text(text) == to_string(c)) return c;
  }
  return std::nullopt;
}

void validate(const GradeRules& rules) {
  auto fail = [](const std::string& what) { throw Error(ErrorCategory::kInvalidOption, what); };
  if (!(rules.i2_serious >= 0.0 && rules.i2_serious <= 100.0)) fail("i2_serious must be a percentage in [0, 100]");
  if (!(rules.i2_very_serious >= rules.i2_serious && rules.i2_very_serious <= 100.0)) {
    fail("i2_very_serious must be in [i2_serious, 100]");
  }
  if (!(rules.ci_width > 0.0 && rules.ci_width <= 1.0)) fail("ci_width must be in (0, 1], on the proportion scale (0.2 = 20 points)");
  if (!(rules.optimal_information_size >= 0.0 && std::isfinite(rules.optimal_information_size))) {
    fail("optimal_information_size must be a number of patients >= 0");
  }
  if (!(rules.publication_bias_p > 0.0 && rules.publication_bias_p < 1.0)) fail("publication_bias_p must be in (0, 1)");
  if (rules.publication_bias_min_k < 3) fail("publication_bias_min_k must be at least 3 (the tests need 3 studies)");
}

namespace {

enum class Tier { kLow, kSome, kHigh };

// The tier of a judgement by its severity within its tool (see RiskOfBiasShares).
Tier tier_of(const RobTool& tool, std::size_t level) {
  int most_severe = 0;
  for (const auto& l : tool.levels) most_severe = std::max(most_severe, l.severity);
  const int s = tool.levels[level].severity;
  if (s == 0) return Tier::kLow;
  if (s < 0) return Tier::kSome;  // no information, not applicable
  if (s == most_severe || (most_severe >= 3 && s == most_severe - 1)) return Tier::kHigh;
  return Tier::kSome;
}

std::string percent(double fraction) { return fmt::format("{:.0f}%", 100.0 * fraction); }

std::string proportion(double p) { return fmt::format("{:.1f}%", 100.0 * p); }

std::string p_value(double p) {
  if (!std::isfinite(p)) return "not available";
  if (p < 0.001) return "< 0.001";
  return fmt::format("= {:.3f}", p);
}

std::string list_studies(const std::vector<std::string>& labels) {
  std::string out;
  const std::size_t shown = std::min<std::size_t>(labels.size(), 6);
  for (std::size_t i = 0; i < shown; ++i) out += (i ? ", " : "") + labels[i];
  if (labels.size() > shown) out += fmt::format(" and {} more", labels.size() - shown);
  return out;
}

bool randomised_tool(const RobTool& tool) { return tool.id == "rob2" || tool.id == "rob2-cluster" || tool.id == "rob1"; }
bool target_trial_tool(const RobTool& tool) { return tool.id == "robins-i" || tool.id == "robins-e"; }

DomainRating rate_risk_of_bias(const GradeEvidence& e) {
  DomainRating d;
  d.domain = GradeDomain::kRiskOfBias;
  if (!e.risk_of_bias) {
    d.assessed = false;
    d.reason = "not assessed: the review has no risk-of-bias assessment ([risk_of_bias] in the spec); give the "
               "authors' rating as grade.risk_of_bias";
    return d;
  }
  const auto& s = *e.risk_of_bias;
  // By the majority of the weight (after CINeMA's majority rule, Nikolakopoulou et al. 2020): most of
  // it at low risk is not serious, most of it at high risk very serious, anything between serious.
  // Studies without an assessment count as some concerns, since their risk is unknown.
  if (s.low > 0.5) {
    d.concern = Concern::kNotSerious;
  } else if (s.high > 0.5) {
    d.concern = Concern::kVerySerious;
  } else {
    d.concern = Concern::kSerious;
  }
  d.reason = fmt::format("{} of the weight from studies at low risk of bias, {} with some concerns, {} at high risk",
                         percent(s.low), percent(s.some_concerns), percent(s.high));
  if (!s.high_studies.empty()) d.reason += fmt::format(" ({})", list_studies(s.high_studies));
  d.reason += fmt::format("; assessed with {}", s.tool);
  if (s.not_assessed > 0.0) {
    d.reason += fmt::format("; {} from studies the assessment does not cover ({}), counted as some concerns",
                            percent(s.not_assessed), list_studies(s.not_assessed_studies));
  }
  return d;
}

DomainRating rate_inconsistency(const GradeEvidence& e, const GradeRules& rules) {
  DomainRating d;
  d.domain = GradeDomain::kInconsistency;
  if (e.k < 2) {
    d.assessed = false;
    d.reason = "one study: consistency cannot be judged";
    return d;
  }
  if (!std::isfinite(e.i2)) {
    d.assessed = false;
    d.reason = "I² is not available for this model; give the authors' rating as grade.inconsistency";
    return d;
  }
  d.concern = e.i2 >= rules.i2_very_serious ? Concern::kVerySerious
              : e.i2 >= rules.i2_serious    ? Concern::kSerious
                                            : Concern::kNotSerious;
  d.reason = fmt::format("I² = {:.0f}% (heterogeneity p {})", e.i2, p_value(e.q_p));
  if (std::isfinite(e.pi_lb) && std::isfinite(e.pi_ub)) {
    d.reason += fmt::format(", prediction interval {} to {}", proportion(e.pi_lb), proportion(e.pi_ub));
  }
  d.reason += d.concern == Concern::kVerySerious ? fmt::format("; {:g}% or more is very serious", rules.i2_very_serious)
              : d.concern == Concern::kSerious   ? fmt::format("; {:g}% or more is serious", rules.i2_serious)
                                                 : fmt::format("; below {:g}%", rules.i2_serious);
  return d;
}

DomainRating rate_imprecision(const GradeEvidence& e, const GradeRules& rules) {
  DomainRating d;
  d.domain = GradeDomain::kImprecision;
  const double width = e.ci_ub - e.ci_lb;
  if (!std::isfinite(width)) {
    d.assessed = false;
    d.reason = "the confidence interval is not available; give the authors' rating as grade.imprecision";
    return d;
  }
  int levels = 0;
  d.reason = fmt::format("95% CI {} to {} ({:.1f} percentage points wide", proportion(e.ci_lb), proportion(e.ci_ub),
                         100.0 * width);
  if (width > rules.ci_width) {
    ++levels;
    d.reason += fmt::format(", wider than {:g})", 100.0 * rules.ci_width);
  } else {
    d.reason += fmt::format(", not wider than {:g})", 100.0 * rules.ci_width);
  }
  if (std::isfinite(e.patients)) {
    if (e.patients < rules.optimal_information_size) {
      ++levels;
      d.reason += fmt::format("; {:.0f} patients, fewer than the optimal information size of {:g}", e.patients,
                              rules.optimal_information_size);
    } else {
      d.reason += fmt::format("; {:.0f} patients", e.patients);
    }
  } else {
    d.reason += "; the number of patients is not known for every study";
  }
  d.concern = static_cast<Concern>(levels);
  return d;
}

DomainRating rate_publication_bias(const GradeEvidence& e, const GradeRules& rules) {
  DomainRating d;
  d.domain = GradeDomain::kPublicationBias;
  d.assessed = false;
  if (!e.small_study_wanted) {
    d.reason = "not assessed: small-study tests are turned off in the spec (bias = false)";
  } else if (e.k < rules.publication_bias_min_k) {
    d.reason = fmt::format("not assessed: {} stud{}, fewer than {}, too few for a small-study test to detect "
                           "publication bias (Sterne et al. 2011)",
                           e.k, e.k == 1 ? "y" : "ies", rules.publication_bias_min_k);
  } else if (!e.small_study || !std::isfinite(e.small_study->p)) {
    d.reason = "not assessed: no small-study test could be run";
  } else {
    const auto& t = *e.small_study;
    d.assessed = true;
    if (t.p < rules.publication_bias_p) {
      d.concern = Concern::kSerious;
      d.reason = fmt::format("suspected: {} p {} (k = {}), below {:g}", t.name, p_value(t.p), t.k, rules.publication_bias_p);
    } else {
      d.reason = fmt::format("undetected: {} p {} (k = {})", t.name, p_value(t.p), t.k);
    }
  }
  return d;
}

}  // namespace

RiskOfBiasShares risk_of_bias_shares(const RobAssessment& assessment, std::span<const std::string> labels,
                                     std::span<const double> weights) {
  if (labels.size() != weights.size()) {
    throw Error(ErrorCategory::kInvalidInput, "risk_of_bias_shares: labels and weights differ in size");
  }
  RiskOfBiasShares s;
  s.tool = assessment.tool != nullptr ? assessment.tool->name : std::string("risk of bias");
  std::map<std::string, const StudyAssessment*> by_label;
  for (const auto& st : assessment.studies) by_label.emplace(st.study, &st);
  double total = 0.0;
  for (const double w : weights) total += std::isfinite(w) && w > 0.0 ? w : 0.0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const double w = total > 0.0 && std::isfinite(weights[i]) && weights[i] > 0.0 ? weights[i] / total
                     : total > 0.0                                               ? 0.0
                                                                                 : 1.0 / static_cast<double>(labels.size());
    const auto it = by_label.find(labels[i]);
    if (it == by_label.end() || assessment.tool == nullptr) {
      s.not_assessed += w;
      s.not_assessed_studies.push_back(labels[i]);
      continue;
    }
    switch (tier_of(*assessment.tool, it->second->overall)) {
      case Tier::kLow: s.low += w; break;
      case Tier::kSome: s.some_concerns += w; break;
      case Tier::kHigh:
        s.high += w;
        s.high_studies.push_back(labels[i]);
        break;
    }
  }
  return s;
}

Certainty start_certainty(const RobAssessment* assessment) noexcept {
  if (assessment != nullptr && assessment->tool != nullptr &&
      (randomised_tool(*assessment->tool) || target_trial_tool(*assessment->tool))) {
    return Certainty::kHigh;
  }
  return Certainty::kLow;
}

CertaintyRating rate_certainty(const GradeEvidence& evidence, const GradeRules& rules, const RobAssessment* assessment,
                               std::span<const GradeJudgement> judgements) {
  validate(rules);
  CertaintyRating r;
  if (rules.start) {
    r.start = *rules.start;
    r.start_reason = rules.start_reason.empty() ? std::string("set by the authors") : rules.start_reason;
  } else {
    r.start = start_certainty(assessment);
    const RobTool* tool = assessment != nullptr ? assessment->tool : nullptr;
    if (tool != nullptr && randomised_tool(*tool)) {
      r.start_reason = fmt::format("randomised trials, assessed with {}, start at high certainty", tool->name);
    } else if (tool != nullptr && target_trial_tool(*tool)) {
      r.start_reason = fmt::format("non-randomised studies assessed with {} start at high certainty, since the tool "
                                   "rates them against a target trial (Schünemann et al. 2019)",
                                   tool->name);
    } else {
      r.start_reason = "observational studies (single-arm trials, case series, cohorts) start at low certainty";
    }
  }
  r.domains = {rate_risk_of_bias(evidence), rate_inconsistency(evidence, rules),
               DomainRating{GradeDomain::kIndirectness, Concern::kNotSerious, false, false,
                            "not rated: indirectness needs the authors' judgement (grade.indirectness in the spec)"},
               rate_imprecision(evidence, rules), rate_publication_bias(evidence, rules)};
  std::array<bool, 5> seen{};
  for (const auto& j : judgements) {
    const auto index = static_cast<std::size_t>(j.domain);
    if (seen[index]) {
      throw Error(ErrorCategory::kInvalidOption, fmt::format("{} is rated twice", domain_title(j.domain)));
    }
    seen[index] = true;
    if (j.reason.empty()) {
      throw Error(ErrorCategory::kInvalidOption,
                  fmt::format("the authors' rating of {} (grade.{}) needs a reason", domain_title(j.domain), to_string(j.domain)));
    }
    r.domains[index] = DomainRating{j.domain, j.concern, true, true, j.reason};
  }
  for (const auto& d : r.domains) r.levels_down += static_cast<int>(d.concern);
  r.certainty = static_cast<Certainty>(std::max(0, static_cast<int>(r.start) - r.levels_down));
  return r;
}

std::string certainty_symbols(Certainty certainty) {
  std::string out;
  const int filled = static_cast<int>(certainty) + 1;
  for (int i = 0; i < 4; ++i) out += i < filled ? "\u2295" : "\u25EF";
  return out;
}

}  // namespace carta::review
