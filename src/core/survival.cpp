#include "carta/survival.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "carta/distributions.hpp"
#include "carta/error.hpp"
#include "carta/names.hpp"
#include "math/numbers.hpp"

namespace carta {

std::string_view to_string(SurvivalCiScale scale) noexcept {
  switch (scale) {
    case SurvivalCiScale::kLogLog: return "log-log";
    case SurvivalCiScale::kLog: return "log";
    case SurvivalCiScale::kPlain: return "plain";
  }
  return "log-log";
}

std::optional<SurvivalCiScale> parse_survival_ci_scale(std::string_view text) {
  // R survfit's conf.type names ("log-log", "log", "plain") and the usual spellings.
  if (is_one_of(text, {"log-log", "loglog", "cloglog", "log_log"})) return SurvivalCiScale::kLogLog;
  if (is_one_of(text, {"log"})) return SurvivalCiScale::kLog;
  if (is_one_of(text, {"plain", "linear", "identity"})) return SurvivalCiScale::kPlain;
  return std::nullopt;
}

std::string_view to_string(HazardSource source) noexcept {
  switch (source) {
    case HazardSource::kIpd:
      return "ipd";
    case HazardSource::kEventsPersonTime:
      return "events_person_time";
    case HazardSource::kSurvivalCi:
      return "survival_ci";
    case HazardSource::kSurvivalN:
      return "survival_n";
    case HazardSource::kMedianCi:
      return "median_ci";
  }
  return "?";
}

std::string_view short_name(HazardSource source) noexcept {
  switch (source) {
    case HazardSource::kIpd: return "IPD";
    case HazardSource::kEventsPersonTime: return "D/T";
    case HazardSource::kSurvivalCi: return "S(t), CI";
    case HazardSource::kSurvivalN: return "S(t), n";
    case HazardSource::kMedianCi: return "median";
  }
  return "?";
}

namespace {

using detail::kNaN;

double z_for(double level) {
  return dist::normal_quantile(1.0 - (1.0 - level) / 2.0);
}

[[noreturn]] void bad(const SurvivalReport& r, const std::string& what) {
  throw Error(ErrorCategory::kInvalidInput, fmt::format("study '{}': {}", r.label, what));
}

double cloglog(double s) { return std::log(-std::log(s)); }

std::string format_ci(double est, std::optional<double> lb, std::optional<double> ub) {
  if (!lb && !ub) return fmt::format("{:g}", est);
  return fmt::format("{:g} ({}-{})", est, lb ? fmt::format("{:g}", *lb) : "NR",
                     ub ? fmt::format("{:g}", *ub) : "NR");
}

// cloglog(S(t)) and its SE from the reported S(t), by the CI when there is one, else by the
// delta method with the binomial variance S (1 - S) / n. nullopt when neither is reported.
struct CloglogSurvival {
  double value = 0.0;
  double se = 0.0;
  HazardSource source = HazardSource::kSurvivalCi;
  std::string detail;
  std::vector<std::string> notes;
};

void check_survival(const SurvivalReport& r) {
  const double s = *r.s;
  if (!r.s_time) bad(r, fmt::format("S = {:g} is reported without the time it refers to; give --s-time", s));
  if (!(*r.s_time > 0.0) || !std::isfinite(*r.s_time)) {
    bad(r, fmt::format("the time of S is {:g}; it must be > 0", *r.s_time));
  }
  if (!(s > 0.0 && s < 1.0)) {
    bad(r, fmt::format("S({:g}) = {:g}; it must lie strictly between 0 and 1 (as a proportion: write 0.6, or "
                       "60 in a column given as percent). S = 1 means a hazard of 0 and S = 0 an infinite "
                       "one, which the exponential model cannot pool; use events and person-time instead",
                       *r.s_time, s));
  }
  if (r.s_lb && !(*r.s_lb >= 0.0 && *r.s_lb <= s)) {
    bad(r, fmt::format("the lower CI bound of S is {:g}, but it must be in [0, S = {:g}]", *r.s_lb, s));
  }
  if (r.s_ub && !(*r.s_ub >= s && *r.s_ub <= 1.0)) {
    bad(r, fmt::format("the upper CI bound of S is {:g}, but it must be in [S = {:g}, 1]", *r.s_ub, s));
  }
}

// S on the scale its CI is symmetric on, increasing in S.
double on_ci_scale(double s, SurvivalCiScale scale) {
  switch (scale) {
    case SurvivalCiScale::kLogLog: return -cloglog(s);
    case SurvivalCiScale::kLog: return std::log(s);
    case SurvivalCiScale::kPlain: return s;
  }
  return s;
}

// d cloglog(S) / d (S on the CI's scale), in absolute value: the factor that turns the SE on the
// CI's scale into the SE of cloglog(S) (1 for log-log; delta method for the others).
double to_cloglog_factor(double s, SurvivalCiScale scale) {
  const double log_s = std::log(s);
  switch (scale) {
    case SurvivalCiScale::kLogLog: return 1.0;
    case SurvivalCiScale::kLog: return 1.0 / std::abs(log_s);
    case SurvivalCiScale::kPlain: return 1.0 / (s * std::abs(log_s));
  }
  return 1.0;
}

// How far apart the two halves of a CI are on a scale: |upper - lower| / (upper + lower).
double asymmetry(double s, double lb, double ub, SurvivalCiScale scale) {
  const double lower = on_ci_scale(s, scale) - on_ci_scale(lb, scale);
  const double upper = on_ci_scale(ub, scale) - on_ci_scale(s, scale);
  return std::abs(upper - lower) / (upper + lower);
}

std::optional<CloglogSurvival> survival_on_cloglog(const SurvivalReport& r, double z, SurvivalCiScale default_scale) {
  if (!r.s) return std::nullopt;
  check_survival(r);
  const double s = *r.s;
  const double t = *r.s_time;
  const SurvivalCiScale scale = r.s_ci.value_or(default_scale);
  CloglogSurvival out;
  out.value = cloglog(s);
  const bool lb_usable = r.s_lb && *r.s_lb > 0.0 && *r.s_lb < s;
  const bool ub_usable = r.s_ub && *r.s_ub < 1.0 && *r.s_ub > s;
  if (lb_usable || ub_usable) {
    out.source = HazardSource::kSurvivalCi;
    const double centre = on_ci_scale(s, scale);
    double se_on_scale = 0.0;
    if (lb_usable && ub_usable) {
      se_on_scale = (on_ci_scale(*r.s_ub, scale) - on_ci_scale(*r.s_lb, scale)) / (2.0 * z);
      // A CI symmetric on another scale read as symmetric on this one gives a wrong SE: say so,
      // and on which scale it is symmetric (rounding of the reported bounds allows some slack).
      constexpr double kAsymmetric = 0.15;
      const double here = asymmetry(s, *r.s_lb, *r.s_ub, scale);
      if (here > kAsymmetric) {
        SurvivalCiScale best = scale;
        double best_value = here;
        for (auto other : {SurvivalCiScale::kLogLog, SurvivalCiScale::kLog, SurvivalCiScale::kPlain}) {
          const double a = asymmetry(s, *r.s_lb, *r.s_ub, other);
          if (a < best_value) best = other, best_value = a;
        }
        out.notes.push_back(fmt::format(
            "the CI of S({:g}) is not symmetric on the {} scale (its halves differ by {:.0f}%){}", t, to_string(scale),
            100.0 * here,
            best != scale ? fmt::format("; it is on the {} scale ({:.0f}%): was it computed there? (--s-ci {})",
                                        to_string(best), 100.0 * best_value, to_string(best))
                          : std::string("; check the bounds")));
      }
    } else if (lb_usable) {
      se_on_scale = (centre - on_ci_scale(*r.s_lb, scale)) / z;
      out.notes.push_back(
          "SE from the lower half of the CI of S (the upper bound is missing, 1 or equal to S)");
    } else {
      se_on_scale = (on_ci_scale(*r.s_ub, scale) - centre) / z;
      out.notes.push_back(
          "SE from the upper half of the CI of S (the lower bound is missing, 0 or equal to S)");
    }
    out.se = se_on_scale * to_cloglog_factor(s, scale);
    out.detail = fmt::format("S({:g}) = {}{}", t, format_ci(s, r.s_lb, r.s_ub),
                             scale == SurvivalCiScale::kLogLog ? "" : fmt::format(" ({} CI)", to_string(scale)));
    return out;
  }
  if (r.n) {
    if (*r.n <= 0) bad(r, fmt::format("n = {}; it must be > 0", *r.n));
    out.source = HazardSource::kSurvivalN;
    const double n = static_cast<double>(*r.n);
    const double log_s = std::log(s);
    out.se = std::sqrt((1.0 - s) / (n * s * log_s * log_s));
    out.detail = fmt::format("S({:g}) = {:g}, n = {}", t, s, *r.n);
    if (r.s_lb || r.s_ub)
      out.notes.push_back("the CI of S is degenerate; SE by the delta method from n instead");
    return out;
  }
  return std::nullopt;
}

std::string describe_available(const SurvivalReport& r) {
  std::vector<std::string> parts;
  if (!r.ipd.empty()) parts.push_back(fmt::format("IPD of {} patients", r.ipd.size()));
  if (r.events || r.person_time) parts.push_back("events/person-time");
  if (r.s) parts.push_back(r.s_time ? fmt::format("S({:g})", *r.s_time) : "S");
  if (r.median) parts.push_back("median");
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
  return out.empty() ? "nothing" : out;
}

}  // namespace

StudyHazard study_hazard(const SurvivalReport& r, double reported_level, SurvivalCiScale s_ci) {
  if (!(reported_level > 0.0 && reported_level < 1.0)) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("study_hazard: reported level is {}, but must be in (0, 1)", reported_level));
  }
  const double z = z_for(reported_level);
  StudyHazard h;
  h.label = r.label;
  bool chosen = false;
  auto mark_unused = [&](std::string what) { h.unused.push_back(std::move(what)); };

  auto from_counts = [&](double events, double person_time, HazardSource source) {
    if (!(events >= 0.0) || !std::isfinite(events))
      bad(r, fmt::format("events = {:g}; it must be >= 0", events));
    if (!(person_time > 0.0) || !std::isfinite(person_time)) {
      bad(r, fmt::format("person-time = {:g}; it must be > 0", person_time));
    }
    double d = events;
    if (d == 0.0) {
      d = 0.5;
      h.notes.push_back("0 events: 0.5 used for D so that ln(D/T) and 1/sqrt(D) exist");
    }
    h.source = source;
    h.log_hazard = std::log(d / person_time);
    h.se = 1.0 / std::sqrt(d);
    chosen = true;
  };

  if (!r.ipd.empty()) {
    double events = 0.0, time = 0.0;
    for (const auto& o : r.ipd) {
      if (!std::isfinite(o.time) || o.time < 0.0)
        bad(r, fmt::format("IPD time {:g}; times must be >= 0", o.time));
      events += o.event ? 1.0 : 0.0;
      time += o.time;
    }
    from_counts(events, time, HazardSource::kIpd);
    h.detail = fmt::format("IPD: {} patients, D = {:g} events in T = {:g}", r.ipd.size(), events, time);
  }
  if (r.events || r.person_time) {
    if (!r.events || !r.person_time) {
      bad(r, r.events ? "events are reported without person-time; give both or neither"
                      : "person-time is reported without events; give both or neither");
    }
    if (chosen) {
      mark_unused(fmt::format("D = {:g}, T = {:g}", *r.events, *r.person_time));
    } else {
      from_counts(*r.events, *r.person_time, HazardSource::kEventsPersonTime);
      h.detail = fmt::format("D = {:g} events in T = {:g}", *r.events, *r.person_time);
    }
  }
  if (r.s) {
    auto c = survival_on_cloglog(r, z, s_ci);
    if (chosen) {
      mark_unused(fmt::format("S({:g}) = {}", r.s_time.value_or(kNaN), format_ci(*r.s, r.s_lb, r.s_ub)));
    } else if (c) {
      h.source = c->source;
      h.log_hazard = c->value - std::log(*r.s_time);
      h.se = c->se;
      h.detail = c->detail;
      h.notes.insert(h.notes.end(), c->notes.begin(), c->notes.end());
      chosen = true;
    }
  }
  if (r.median || r.median_lb || r.median_ub) {
    if (!r.median) bad(r, "a CI of the median is reported without the median");
    const double m = *r.median;
    if (!(m > 0.0) || !std::isfinite(m)) bad(r, fmt::format("median = {:g}; it must be > 0", m));
    if (r.median_lb && !(*r.median_lb >= 0.0 && *r.median_lb <= m)) {
      bad(r, fmt::format("the lower CI bound of the median is {:g}, but it must be in [0, median = {:g}]",
                         *r.median_lb, m));
    }
    if (r.median_ub && !(*r.median_ub >= m)) {
      bad(r, fmt::format("the upper CI bound of the median is {:g}, but it must be >= the median {:g}",
                         *r.median_ub, m));
    }
    const bool lb_usable = r.median_lb && *r.median_lb > 0.0 && *r.median_lb < m;
    const bool ub_usable = r.median_ub && std::isfinite(*r.median_ub) && *r.median_ub > m;
    if (chosen) {
      mark_unused(fmt::format("median {}", format_ci(m, r.median_lb, r.median_ub)));
    } else if (lb_usable || ub_usable) {
      h.source = HazardSource::kMedianCi;
      h.log_hazard = std::log(std::numbers::ln2 / m);
      if (lb_usable && ub_usable) {
        h.se = (std::log(*r.median_ub) - std::log(*r.median_lb)) / (2.0 * z);
      } else if (lb_usable) {
        h.se = (std::log(m) - std::log(*r.median_lb)) / z;
        h.notes.push_back("SE from the lower half of the median's CI (the upper bound was not reached)");
      } else {
        h.se = (std::log(*r.median_ub) - std::log(m)) / z;
        h.notes.push_back("SE from the upper half of the median's CI (the lower bound is missing)");
      }
      h.detail = fmt::format("median {}", format_ci(m, r.median_lb, r.median_ub));
      chosen = true;
    }
  }
  if (!chosen) {
    bad(r, fmt::format("reports {}, which gives no hazard with a standard error. Each study needs one of: "
                       "IPD; events and person-time; S(t) with its CI or with n; the median with its CI",
                       describe_available(r)));
  }
  if (!(h.se > 0.0) || !std::isfinite(h.se) || !std::isfinite(h.log_hazard)) {
    bad(r, fmt::format("the {} give ln hazard {:g} with SE {:g}; check the values", h.detail, h.log_hazard,
                       h.se));
  }
  return h;
}

namespace {

SurvivalEstimate exp_of(double est, double lb, double ub, double pi_lb, double pi_ub) {
  return {std::exp(est), std::exp(lb), std::exp(ub), std::exp(pi_lb), std::exp(pi_ub)};
}

// S = exp(-exp(x)) decreases in x, so interval bounds swap.
SurvivalEstimate survival_of_cloglog(double est, double lb, double ub, double pi_lb, double pi_ub) {
  auto s = [](double x) { return std::exp(-std::exp(x)); };
  return {s(est), s(ub), s(lb), s(pi_ub), s(pi_lb)};
}

bool same_time(double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b)); }

}  // namespace

SurvivalPoolResult pool_survival(std::span<const SurvivalReport> reports, const SurvivalOptions& options) {
  for (double t : options.times) {
    if (!(t > 0.0) || !std::isfinite(t)) {
      throw Error(ErrorCategory::kInvalidOption,
                  fmt::format("pool_survival: time {:g}; times must be > 0", t));
    }
  }
  SurvivalPoolResult result;
  result.options = options;
  std::vector<EffectStudy> effects;
  for (const auto& r : reports) {
    result.studies.push_back(study_hazard(r, options.reported_level, options.s_ci));
    const auto& h = result.studies.back();
    effects.push_back({h.label, h.log_hazard, h.se * h.se});
  }
  result.log_hazard = pool_effects(effects, options.pool);
  const auto& re = result.log_hazard.random;
  const auto& ce = result.log_hazard.common;
  result.hazard_random = exp_of(re.est, re.ci_lb, re.ci_ub, re.pi_lb, re.pi_ub);
  result.hazard_common = exp_of(ce.est, ce.ci_lb, ce.ci_ub, kNaN, kNaN);
  auto median_of = [](const SurvivalEstimate& hz) {
    const double l2 = std::numbers::ln2;
    return SurvivalEstimate{l2 / hz.est, l2 / hz.ci_ub, l2 / hz.ci_lb, l2 / hz.pi_ub, l2 / hz.pi_lb};
  };
  result.median_random = median_of(result.hazard_random);
  result.median_common = median_of(result.hazard_common);
  for (double t : options.times) {
    const double lt = std::log(t);
    SurvivalAtTime at;
    at.time = t;
    at.random = survival_of_cloglog(re.est + lt, re.ci_lb + lt, re.ci_ub + lt, re.pi_lb + lt, re.pi_ub + lt);
    at.common = survival_of_cloglog(ce.est + lt, ce.ci_lb + lt, ce.ci_ub + lt, kNaN, kNaN);
    result.survival.push_back(at);
  }

  // Sensitivity: S(t) pooled directly where studies report it at that time.
  const double z = z_for(options.reported_level);
  for (const auto& at : result.survival) {
    DirectSurvivalPool direct;
    direct.time = at.time;
    std::vector<EffectStudy> on_cloglog;
    for (const auto& r : reports) {
      if (!r.s || !r.s_time || !same_time(*r.s_time, at.time)) continue;
      if (auto c = survival_on_cloglog(r, z, options.s_ci)) {
        on_cloglog.push_back({r.label, c->value, c->se * c->se});
        direct.labels.push_back(r.label);
      }
    }
    if (!on_cloglog.empty()) {
      direct.pool = pool_effects(on_cloglog, options.pool);
      const auto& dr = direct.pool->random;
      const auto& dc = direct.pool->common;
      direct.random = survival_of_cloglog(dr.est, dr.ci_lb, dr.ci_ub, dr.pi_lb, dr.pi_ub);
      direct.common = survival_of_cloglog(dc.est, dc.ci_lb, dc.ci_ub, kNaN, kNaN);
      // Between-study heterogeneity alone moves a subset's pooled S; only a model value outside the
      // direct interval is evidence against the constant hazard.
      const double model = at.random.est;
      if (model < direct.random.ci_lb || model > direct.random.ci_ub) {
        result.warnings.push_back(fmt::format(
            "S({:g}) from the pooled exponential hazard is {:.3f}, outside the interval from pooling S({:g}) "
            "directly over the {} {} that report it: {:.3f} ({:.3f}-{:.3f}); the constant-hazard model does "
            "not fit "
            "these data well",
            at.time, model, at.time, on_cloglog.size(), on_cloglog.size() == 1 ? "study" : "studies",
            direct.random.est, direct.random.ci_lb, direct.random.ci_ub));
      }
    }
    result.direct.push_back(std::move(direct));
  }

  // Extrapolation beyond the times the data describe.
  double reach = 0.0;
  for (const auto& r : reports) {
    if (r.s_time) reach = std::max(reach, *r.s_time);
    if (r.median) reach = std::max(reach, *r.median);
    for (const auto& o : r.ipd) reach = std::max(reach, o.time);
  }
  for (double t : options.times) {
    if (reach > 0.0 && t > reach * (1.0 + 1e-9)) {
      result.warnings.push_back(fmt::format(
          "S({:g}) extrapolates the exponential model beyond the latest time the studies report ({:g}): "
          "CAR-T "
          "survival curves flatten (a plateau of long-term survivors), so a constant hazard overstates late "
          "mortality and S({:g}) is likely too low",
          t, reach, t));
    }
  }
  // Studies whose own reports disagree with a constant hazard.
  for (const auto& r : reports) {
    if (r.s && r.s_time && r.median && *r.s > 0.0 && *r.s < 1.0 && *r.median > 0.0) {
      const double from_s = -std::log(*r.s) / *r.s_time;
      const double from_median = std::numbers::ln2 / *r.median;
      const double ratio = std::max(from_s, from_median) / std::min(from_s, from_median);
      if (ratio > 1.5) {
        result.warnings.push_back(fmt::format(
            "study '{}': S({:g}) implies a hazard of {:.4g} and the median one of {:.4g} (ratio {:.2f}); its "
            "hazard is not constant",
            r.label, *r.s_time, from_s, from_median, ratio));
      }
    }
    if (!r.ipd.empty()) {
      const KaplanMeier km = kaplan_meier(r.ipd);
      double events = 0.0, time = 0.0;
      for (const auto& o : r.ipd) {
        events += o.event ? 1.0 : 0.0;
        time += o.time;
      }
      const double lambda = std::max(events, 0.5) / time;
      // The worst discrepancy over the reporting times and the quartiles of follow-up: a cure
      // fraction shows early (the exponential overstates early survival) and late (the plateau).
      std::vector<double> check(options.times.begin(), options.times.end());
      const double follow_up = km.steps.back().time;
      for (double q : {0.25, 0.5, 0.75}) check.push_back(q * follow_up);
      double worst_t = 0.0, worst_km = 0.0, worst_model = 0.0;
      for (double t : check) {
        const KmStep s = km.at(t);
        if (std::isnan(s.survival)) continue;
        const double model = std::exp(-lambda * t);
        if (std::abs(s.survival - model) > std::abs(worst_km - worst_model)) {
          worst_t = t;
          worst_km = s.survival;
          worst_model = model;
        }
      }
      if (std::abs(worst_km - worst_model) > 0.1) {
        result.warnings.push_back(fmt::format(
            "study '{}': its Kaplan-Meier S({:.3g}) is {:.3f}, but its exponential fit gives {:.3f}; its hazard "
            "is not constant",
            r.label, worst_t, worst_km, worst_model));
      }
    }
  }
  return result;
}

PoolResult survival_at(const SurvivalPoolResult& result, double time) {
  if (!(time > 0.0) || !std::isfinite(time)) {
    throw Error(ErrorCategory::kInvalidOption, fmt::format("survival_at: time {:g} must be > 0", time));
  }
  PoolResult r = result.log_hazard;
  const double z = z_for(r.options.level);
  auto s = [time](double log_hazard) { return std::exp(-std::exp(log_hazard) * time); };
  for (auto& st : r.studies) {
    const double se = std::sqrt(st.vi);
    st.prop = s(st.yi);
    st.ci_lb = s(st.yi + z * se);
    st.ci_ub = s(st.yi - z * se);
  }
  r.common.prop = s(r.common.est);
  r.common.prop_ci_lb = s(r.common.ci_ub);
  r.common.prop_ci_ub = s(r.common.ci_lb);
  r.random.prop = s(r.random.est);
  r.random.prop_ci_lb = s(r.random.ci_ub);
  r.random.prop_ci_ub = s(r.random.ci_lb);
  r.random.prop_pi_lb = s(r.random.pi_ub);
  r.random.prop_pi_ub = s(r.random.pi_lb);
  return r;
}

}  // namespace carta
