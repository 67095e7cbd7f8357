#include "methods.hpp"

#include <fmt/format.h>

#include "carta/version.hpp"

namespace carta::report {

namespace {

// The reference of each tau^2 estimator.
std::string_view tau2_source(Tau2Method m) {
  switch (m) {
    case Tau2Method::kDL: return "dersimonian1986";
    case Tau2Method::kREML:
    case Tau2Method::kML: return "viechtbauer2005";
    case Tau2Method::kPM:
    case Tau2Method::kPMM: return "paule_mandel1982";
    case Tau2Method::kHE: return "hedges1983";
    case Tau2Method::kSJ:
    case Tau2Method::kSJIT: return "sidik_jonkman2005";
    case Tau2Method::kHS:
    case Tau2Method::kHSk: return "hunter_schmidt2004";
    case Tau2Method::kEB: return "morris1983";
    case Tau2Method::kDLIT: return "dersimonian_kacker2007";
  }
  return "viechtbauer2010";
}

std::string_view rob_source(std::string_view tool) {
  if (tool == "rob2") return "sterne2019";
  if (tool == "rob2-cluster") return "eldridge2021";
  if (tool == "rob1") return "higgins2011";
  if (tool == "robins-i") return "sterne2016";
  if (tool == "robins-e") return "higgins2024";
  if (tool == "quadas-2") return "whiting2011";
  if (tool == "quips") return "hayden2013";
  if (tool == "ihe") return "moga2012";
  if (tool == "nos") return "wells_nos";
  return {};
}

}  // namespace

MethodsText methods_text(const analysis::ReviewResults& results) {
  Citations cite;
  const auto& spec = results.spec;
  const auto& o = spec.options;
  const Conventions c = conventions_for(o.preset);
  std::string model;
  if (spec.method == "GLMM") {
    model = fmt::format("a one-stage random-intercept logistic model (binomial-normal GLMM; {}) fitted by maximum "
                        "likelihood with adaptive Gauss-Hermite quadrature (7 points), with a profile-likelihood "
                        "confidence interval for the between-study variance",
                        cite.cite("stijnen2010"));
  } else if (spec.method == "BB") {
    model = "a beta-binomial model fitted by maximum likelihood, with profile-likelihood confidence intervals";
  } else {
    std::string scale = o.measure == Measure::kPLO ? "logit" : std::string(to_string(o.measure));
    if (o.measure == Measure::kPFT) {
      scale = fmt::format("Freeman-Tukey double arcsine ({}; back-transformed as in {})", cite.cite("freeman_tukey1950"),
                          cite.cite("miller1978"));
    }
    // [model] tau2_ci, else the preset's (R meta's generalised Q only under DL).
    const Tau2CiMethod tau2_ci = o.tau2_ci.value_or(c.tau2_ci);
    std::string tau2_interval = "Q-profile confidence intervals";
    std::string tau2_interval_source = "viechtbauer2007";
    if (tau2_ci == Tau2CiMethod::kGeneralisedQForDL && o.method == Tau2Method::kDL) {
      tau2_interval = "confidence intervals from the generalised Q statistic with weights 1/SE, as R meta computes them,";
      tau2_interval_source = "jackson2013";
    } else if (tau2_ci == Tau2CiMethod::kProfileLikelihood) {
      tau2_interval = "profile-likelihood confidence intervals";
      tau2_interval_source = "hardy_thompson1996";
    } else if (tau2_ci == Tau2CiMethod::kWald) {
      tau2_interval = "Wald confidence intervals (truncated at zero)";
      tau2_interval_source = "viechtbauer2010";
    }
    model = fmt::format("a random-effects model with the {} estimator of the between-study variance (tau-squared; {}) "
                        "on the {} scale{}, {} for tau-squared ({})",
                        o.method == Tau2Method::kREML ? "restricted maximum-likelihood" : std::string(to_string(o.method)),
                        cite.cite(tau2_source(o.method)), scale,
                        o.test == TestType::kKnha
                            ? fmt::format(" and the Hartung-Knapp-Sidik-Jonkman adjustment of the confidence interval ({})",
                                          cite.cite({"hartung_knapp2001", "sidik_jonkman2002"}))
                            : std::string(),
                        tau2_interval, cite.cite(tau2_interval_source));
  }
  std::string study_ci;
  switch (o.study_ci.value_or(c.study_ci)) {  // [model] study_ci, else the preset's
    case StudyCiMethod::kClopperPearson: study_ci = "exact (Clopper-Pearson; " + cite.cite("clopper_pearson1934") + ")"; break;
    case StudyCiMethod::kWilson: study_ci = "Wilson score intervals (" + cite.cite("wilson1927") + ")"; break;
    case StudyCiMethod::kWilsonCC:
      study_ci = "Wilson score intervals with continuity correction (" + cite.cite("wilson1927") + ")";
      break;
    case StudyCiMethod::kAgrestiCoull: study_ci = "Agresti-Coull intervals (" + cite.cite("agresti_coull1998") + ")"; break;
    case StudyCiMethod::kWald: study_ci = "Wald intervals on the analysis scale, back-transformed"; break;
    case StudyCiMethod::kSimpleAsymptotic:
      study_ci = "simple asymptotic (Wald) intervals on the proportion scale (" + cite.cite("newcombe1998") + ")";
      break;
    case StudyCiMethod::kSimpleAsymptoticCC:
      study_ci = "simple asymptotic intervals with continuity correction (" + cite.cite("newcombe1998") + ")";
      break;
  }
  std::string text = fmt::format(
      "Proportions were pooled using {}. {}Heterogeneity was quantified with Cochran's Q, I-squared ({}; {}) and tau-squared; "
      "{:.0f}% prediction intervals ({}) used {}. Confidence intervals of individual studies are {}. ",
      model,
      o.measure == Measure::kPAS || o.measure == Measure::kPFT
          ? std::string("The arcsine transformations need no continuity correction for studies with zero or all events. ")
          : fmt::format("Studies with zero or all events received a continuity correction of {:g} in the two-step "
                        "analyses. ",
                        o.continuity),
      c.i2 == I2Definition::kTau2Based ? "based on tau-squared" : "based on Q",
      cite.cite("higgins_thompson2002"), 100 * o.level, cite.cite("higgins2009"),
      c.prediction == PredictionQuantile::kTkMinus1 ? "a t distribution with k - 1 degrees of freedom" : "the test's quantile",
      study_ci);
  bool any_subgroups = false;
  for (const auto& outcome : results.outcomes) any_subgroups = any_subgroups || !outcome.subgroups.empty();
  if (any_subgroups) {
    text += "Subgroups were pooled separately, each with its own tau-squared. ";
    if (spec.subgroup_test == SubgroupTest::kAllSubgroups) {
      text += fmt::format("Differences between subgroups were tested with the Q test across all subgroups ({}), a "
                          "subgroup with a single study entering with that study's estimate and variance (as R meta "
                          "and RevMan do). ",
                          cite.cite("borenstein2009"));
    } else {
      text += "Subgroups with fewer than " + std::to_string(spec.min_k) +
              " studies were not pooled, and differences were tested with the Q test across the pooled subgroups "
              "only. ";
    }
    text += "Studies that did not report a subgroup variable were left out of that analysis (listed in the report). ";
  }
  if (!spec.moderators.empty()) {
    text += fmt::format("Mixed-effects meta-regression ({}) assessed study-level moderators. ",
                        cite.cite("thompson_higgins2002"));
  }
  if (spec.bias) {
    text += fmt::format("Small-study effects were assessed with Egger's regression test ({}), the Peters test ({}), "
                        "Begg's rank correlation ({}) and trim-and-fill ({}), acknowledging their limited meaning for "
                        "proportions. ",
                        cite.cite("egger1997"), cite.cite("peters2006"), cite.cite("begg_mazumdar1994"),
                        cite.cite("duval_tweedie2000a"));
  }
  if (spec.leave_one_out) text += "Leave-one-out analyses assessed the influence of single studies. ";
  if (spec.influence) {
    text += fmt::format("Case-deletion diagnostics (studentised residuals, DFFITS, Cook's distances, covariance ratios, "
                        "leverages; {}) flagged influential studies, shown with Baujat plots ({}). ",
                        cite.cite("viechtbauer_cheung2010"), cite.cite("baujat2002"));
  }
  if (!spec.exclude.empty()) {
    text += fmt::format("{} report{} of trials that appear twice were excluded (the more complete or more recent "
                        "report was kept). ",
                        spec.exclude.size(), spec.exclude.size() == 1 ? "" : "s");
  }
  if (spec.risk_of_bias) {
    const auto& tool = review::rob_tool(spec.risk_of_bias->tool);
    // Most tools' names carry their citation already ("RoB 2 (Sterne et al. 2019)").
    std::string name = tool.name;
    if (const auto source = rob_source(tool.id); !source.empty()) {
      const std::string in_text = cite.cite(source);
      if (name.find(in_text) == std::string::npos) name += " (" + in_text + ")";
    }
    text += fmt::format("Risk of bias was assessed with {}; overall judgements are the reviewers', or where not given "
                        "{}. ",
                        name, tool.rule_text);
  }
  if (!spec.survival.empty()) {
    text += "Survival was pooled under an exponential model per study: each study's constant hazard was derived from "
            "the most informative quantity it reported (events and person-time, survival at a time point with its "
            "confidence interval or number of patients, or the median with its confidence interval), log hazards were "
            "pooled with the same random-effects model, and the pooled hazard was transformed back into survival at "
            "fixed times and a median; survival reported at a time point was also pooled directly on the "
            "complementary log-log scale as a sensitivity analysis. ";
    bool curve = false;
    for (const auto& run : results.survival) curve = curve || run.curve.has_value();
    if (curve) {
      text += fmt::format("Where patient-level data or digitised Kaplan-Meier curves were available (reconstructed "
                          "with the algorithm of {}), the survival curves were pooled over a grid of times ({}). ",
                          cite.cite("guyot2012"), cite.cite("combescure2014"));
    }
  }
  if (!results.baseline.empty()) {
    text += "Baseline characteristics were summarised over the included studies: totals, the median of the study "
            "medians with their range, and counts pooled over the studies that reported both the count and its "
            "denominator. ";
  }
  if (results.prisma) {
    text += fmt::format("Study selection is reported with the PRISMA 2020 flow diagram ({}). ", cite.cite("page2021"));
  }
  text += grade_sentence(results, cite) + " ";
  text += fmt::format("All analyses were run with carta {} (preset {}), whose pooled estimates agree with R metafor ({}).",
                      kVersion, to_string(o.preset), cite.cite("viechtbauer2010"));
  return {text, cite.references()};
}

std::string grade_sentence(const analysis::ReviewResults& results, Citations& cite) {
  const auto& spec = results.spec;
  const auto& g = spec.grade;
  std::size_t by_authors = 0;
  auto count = [&](const std::vector<review::GradeJudgement>& j) { by_authors += j.size(); };
  for (const auto& o : spec.outcomes) count(o.grade);
  for (const auto& s : spec.survival) count(s.grade);
  std::string text = fmt::format("The certainty of the evidence was rated with GRADE ({}), starting ", cite.cite("guyatt2008"));
  text += g.start ? fmt::format("at {} certainty ({})", review::to_string(*g.start), g.start_reason)
                  : fmt::format("at high certainty for randomised trials and for non-randomised studies assessed with "
                                "ROBINS-I or ROBINS-E ({}), and at low certainty for other observational studies",
                                cite.cite("schunemann2019"));
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
