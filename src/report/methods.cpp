#include "methods.hpp"

#include <fmt/format.h>

#include "carta/version.hpp"

namespace carta::report {

std::string methods_paragraph(const analysis::ReviewResults& results) {
  const auto& spec = results.spec;
  const auto& o = spec.options;
  const Conventions c = conventions_for(o.preset);
  std::string model;
  if (spec.method == "GLMM") {
    model = "a one-stage random-intercept logistic model (binomial-normal GLMM) fitted by maximum likelihood with "
            "adaptive Gauss-Hermite quadrature (7 points), with a profile-likelihood confidence interval for the "
            "between-study variance";
  } else if (spec.method == "BB") {
    model = "a beta-binomial model fitted by maximum likelihood, with profile-likelihood confidence intervals";
  } else {
    model = fmt::format("a random-effects model with the {} estimator of the between-study variance (tau-squared) "
                        "on the {} scale{}, Q-profile confidence intervals for tau-squared",
                        o.method == Tau2Method::kREML ? "restricted maximum-likelihood" : std::string(to_string(o.method)),
                        o.measure == Measure::kPLO ? "logit" : std::string(to_string(o.measure)),
                        o.test == TestType::kKnha ? " and the Hartung-Knapp-Sidik-Jonkman adjustment of the confidence "
                                                    "interval"
                                                  : "");
  }
  std::string text = fmt::format(
      "Proportions were pooled using {}. Studies with zero or all events received a continuity correction of {} in "
      "the two-step analyses. Heterogeneity was quantified with Cochran's Q, I-squared ({}) and tau-squared; "
      "{:.0f}% prediction intervals used {}. Confidence intervals of individual studies are {}. ",
      model, o.continuity, c.i2 == I2Definition::kTau2Based ? "based on tau-squared" : "based on Q",
      100 * o.level, c.prediction == PredictionQuantile::kTkMinus1 ? "a t distribution with k - 1 degrees of freedom" : "the test's quantile",
      c.study_ci == StudyCiMethod::kClopperPearson ? "exact (Clopper-Pearson)" : std::string(to_string(c.study_ci)));
  bool any_subgroups = false;
  for (const auto& outcome : results.outcomes) any_subgroups = any_subgroups || !outcome.subgroups.empty();
  if (any_subgroups) {
    text += "Subgroups were pooled separately, each with its own tau-squared. ";
    if (spec.subgroup_test == SubgroupTest::kAllSubgroups) {
      text += "Differences between subgroups were tested with the Q test across all subgroups, a subgroup with a "
              "single study entering with that study's estimate and variance (as R meta and RevMan do). ";
    } else {
      text += "Subgroups with fewer than " + std::to_string(spec.min_k) +
              " studies were not pooled, and differences were tested with the Q test across the pooled subgroups "
              "only. ";
    }
    text += "Studies that did not report a subgroup variable were left out of that analysis (listed in the report). ";
  }
  if (!spec.moderators.empty()) text += "Mixed-effects meta-regression assessed study-level moderators. ";
  if (spec.bias) {
    text += "Small-study effects were assessed with Egger's regression test, the Peters test and trim-and-fill, "
            "acknowledging their limited meaning for proportions. ";
  }
  if (spec.leave_one_out) text += "Leave-one-out analyses assessed the influence of single studies. ";
  if (spec.influence) {
    text += "Case-deletion diagnostics (studentised residuals, DFFITS, Cook's distances, covariance ratios, "
            "leverages; Viechtbauer and Cheung 2010) flagged influential studies, shown with Baujat plots. ";
  }
  if (!spec.exclude.empty()) {
    text += fmt::format("{} report{} of trials that appear twice were excluded (the more complete or more recent "
                        "report was kept). ",
                        spec.exclude.size(), spec.exclude.size() == 1 ? "" : "s");
  }
  if (spec.risk_of_bias) {
    const auto& tool = review::rob_tool(spec.risk_of_bias->tool);
    text += fmt::format("Risk of bias was assessed with {}; overall judgements are the reviewers', or where not given "
                        "{}. ",
                        tool.name, tool.rule_text);
  }
  if (!spec.survival.empty()) {
    text += "Survival was pooled under an exponential model per study: each study's constant hazard was derived from "
            "the most informative quantity it reported (events and person-time, survival at a time point with its "
            "confidence interval or number of patients, or the median with its confidence interval), log hazards were "
            "pooled with the same random-effects model, and the pooled hazard was transformed back into survival at "
            "fixed times and a median; survival reported at a time point was also pooled directly on the "
            "complementary log-log scale as a sensitivity analysis. ";
  }
  if (!results.baseline.empty()) {
    text += "Baseline characteristics were summarised over the included studies: totals, the median of the study "
            "medians with their range, and counts pooled over the studies that reported both the count and its "
            "denominator. ";
  }
  text += grade_sentence(results) + " ";
  text += fmt::format("All analyses were run with carta {} (preset {}), whose pooled estimates agree with R metafor.",
                      kVersion, to_string(o.preset));
  return text;
}

std::string grade_sentence(const analysis::ReviewResults& results) {
  const auto& spec = results.spec;
  const auto& g = spec.grade;
  std::size_t by_authors = 0;
  auto count = [&](const std::vector<review::GradeJudgement>& j) { by_authors += j.size(); };
  for (const auto& o : spec.outcomes) count(o.grade);
  for (const auto& s : spec.survival) count(s.grade);
  std::string text =
      "The certainty of the evidence was rated with GRADE (Guyatt et al. 2008), starting ";
  text += g.start ? fmt::format("at {} certainty ({})", review::to_string(*g.start), g.start_reason)
                  : std::string("at high certainty for randomised trials and for non-randomised studies assessed with "
                                "ROBINS-I or ROBINS-E, and at low certainty for other observational studies");
  text += fmt::format(
      ", and rating down one level for each serious concern and two for a very serious one: risk of bias by where the "
      "majority of the random-effects weight lies (most of it at low risk: not serious; most at high risk: very "
      "serious; otherwise serious; studies without an assessment count as some concerns); inconsistency "
      "when I-squared reached {:g}% (very serious from {:g}%); imprecision when the 95% confidence interval was wider "
      "than {:g} percentage points and again when fewer than {:g} patients contributed; publication bias when Egger's "
      "test gave p < {:g} with at least {} studies (not assessed with fewer). Indirectness is the authors' judgement",
      g.i2_serious, g.i2_very_serious, 100.0 * g.ci_width, g.optimal_information_size, g.publication_bias_p,
      g.publication_bias_min_k);
  text += by_authors > 0 ? fmt::format("; the authors rated {} domain{} themselves, each with its reason.", by_authors,
                                       by_authors == 1 ? "" : "s")
                         : ".";
  return text;
}

}  // namespace carta::report
