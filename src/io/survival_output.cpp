#include "carta/io/survival_output.hpp"

#include <fmt/format.h>

#include "carta/io/pool_output.hpp"
#include "json_values.hpp"

namespace carta::io {

namespace {

using detail::number;
using detail::report_json;

nlohmann::json estimate_json(const SurvivalEstimate& e) {
  return {{"est", number(e.est)},
          {"ci_lb", number(e.ci_lb)},
          {"ci_ub", number(e.ci_ub)},
          {"pi_lb", number(e.pi_lb)},
          {"pi_ub", number(e.pi_ub)}};
}

nlohmann::json at_times(const KaplanMeier& km, const std::vector<double>& times) {
  nlohmann::json out = nlohmann::json::array();
  for (double t : times) {
    const KmStep s = km.at(t);
    out.push_back({{"time", t},
                   {"est", number(s.survival)},
                   {"se", number(s.se)},
                   {"ci_lb", number(s.ci_lb)},
                   {"ci_ub", number(s.ci_ub)},
                   {"n_risk", std::isnan(s.survival) ? nlohmann::json(nullptr) : nlohmann::json(s.n_risk)}});
  }
  return out;
}

using detail::csv_number;

}  // namespace

nlohmann::json to_json(const SurvivalPoolResult& r) {
  const nlohmann::json pooled = to_json(r.log_hazard);
  nlohmann::json j;
  record_build_info(j);
  j["model"] = "exponential";
  j["k"] = r.log_hazard.k;
  j["method"] = pooled["method"];
  j["test"] = pooled["test"];
  j["preset"] = pooled["preset"];
  j["level"] = pooled["level"];
  j["reported_level"] = r.options.reported_level;
  j["s_ci"] = std::string(to_string(r.options.s_ci));
  const auto& re = r.log_hazard.random;
  const auto& ce = r.log_hazard.common;
  j["log_hazard"] = {{"est", number(re.est)},     {"se", number(re.se)},       {"ci_lb", number(re.ci_lb)},
                     {"ci_ub", number(re.ci_ub)}, {"pi_lb", number(re.pi_lb)}, {"pi_ub", number(re.pi_ub)},
                     {"stat", number(re.stat)},   {"p", number(re.p)},         {"df", number(re.df)}};
  j["log_hazard_common"] = {{"est", number(ce.est)},
                            {"se", number(ce.se)},
                            {"ci_lb", number(ce.ci_lb)},
                            {"ci_ub", number(ce.ci_ub)}};
  j["hazard"] = estimate_json(r.hazard_random);
  j["hazard_common"] = estimate_json(r.hazard_common);
  j["median"] = estimate_json(r.median_random);
  j["median_common"] = estimate_json(r.median_common);
  nlohmann::json survival = nlohmann::json::array();
  for (const auto& s : r.survival) {
    nlohmann::json row = estimate_json(s.random);
    row["time"] = s.time;
    row["common"] = estimate_json(s.common);
    survival.push_back(std::move(row));
  }
  j["survival"] = std::move(survival);
  j["heterogeneity"] = pooled["heterogeneity"];
  nlohmann::json studies = nlohmann::json::array();
  for (std::size_t i = 0; i < r.studies.size(); ++i) {
    const auto& s = r.studies[i];
    const auto& w = r.log_hazard.studies[i];
    studies.push_back({{"label", s.label},
                       {"source", std::string(to_string(s.source))},
                       {"detail", s.detail},
                       {"log_hazard", number(s.log_hazard)},
                       {"se", number(s.se)},
                       {"hazard", number(std::exp(s.log_hazard))},
                       {"weight_common", number(w.weight_common)},
                       {"weight_random", number(w.weight_random)},
                       {"unused", s.unused},
                       {"notes", s.notes}});
  }
  j["studies"] = std::move(studies);
  nlohmann::json direct = nlohmann::json::array();
  for (const auto& d : r.direct) {
    nlohmann::json row = {{"time", d.time}, {"k", d.labels.size()}, {"studies", d.labels}};
    if (d.pool) {
      row["random"] = estimate_json(d.random);
      row["common"] = estimate_json(d.common);
      row["heterogeneity"] = to_json(*d.pool)["heterogeneity"];
    } else {
      row["random"] = nullptr;
      row["common"] = nullptr;
      row["note"] = fmt::format("no study reports S at time {:g}", d.time);
    }
    direct.push_back(std::move(row));
  }
  j["sensitivity_cloglog"] = std::move(direct);
  j["convergence"] = pooled["convergence"];
  j["warnings"] = r.warnings;
  j["notes"] = pooled["notes"];
  return j;
}

nlohmann::json to_json(const KaplanMeier& km, const std::vector<double>& times) {
  nlohmann::json j;
  record_build_info(j);
  j["n"] = km.n;
  j["events"] = km.events;
  j["level"] = km.level;
  j["interval"] = std::string(to_string(km.interval));
  const KmMedian m = km.median();
  j["median"] = {{"est", number(m.est)}, {"ci_lb", number(m.ci_lb)}, {"ci_ub", number(m.ci_ub)}};
  j["at"] = at_times(km, times);
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& s : km.steps) {
    steps.push_back({{"time", s.time},
                     {"n_risk", s.n_risk},
                     {"events", s.events},
                     {"censored", s.censored},
                     {"survival", number(s.survival)},
                     {"se", number(s.se)},
                     {"ci_lb", number(s.ci_lb)},
                     {"ci_ub", number(s.ci_ub)}});
  }
  j["steps"] = std::move(steps);
  return j;
}

nlohmann::json to_json(const Reconstruction& r, const std::vector<double>& times, double level) {
  nlohmann::json j;
  record_build_info(j);
  j["n"] = r.ipd.size();
  j["events"] = r.events;
  j["censored"] = r.censored;
  j["converged"] = r.converged;
  j["curve_points"] = r.curve.points.size();
  j["rmse"] = number(r.rmse);
  j["max_abs_diff"] = number(r.max_abs_diff);
  nlohmann::json intervals = nlohmann::json::array();
  for (const auto& iv : r.intervals) {
    intervals.push_back({{"start", iv.start},
                         {"end", iv.end},
                         {"published_n_risk", iv.published_n_risk},
                         {"reconstructed_n_risk", iv.reconstructed_n_risk},
                         {"events", iv.events},
                         {"censored", iv.censored},
                         {"convergence", report_json(iv.convergence)}});
  }
  j["intervals"] = std::move(intervals);
  const KaplanMeier km = kaplan_meier(r.ipd, level);
  j["level"] = level;
  const KmMedian m = km.median();
  j["median"] = {{"est", number(m.est)}, {"ci_lb", number(m.ci_lb)}, {"ci_ub", number(m.ci_ub)}};
  j["at"] = at_times(km, times);
  j["notes"] = r.notes;
  return j;
}

nlohmann::json to_json(const SummaryCurve& c, const std::vector<StudyCurve>& studies) {
  nlohmann::json j;
  record_build_info(j);
  j["method"] = "Combescure 2014 (arcsine conditional survival, multivariate DerSimonian-Laird)";
  j["level"] = c.level;
  j["k"] = studies.size();
  nlohmann::json points = nlohmann::json::array();
  for (const auto& p : c.points) {
    points.push_back(
        {{"time", p.time},
         {"k", p.k},
         {"random",
          {{"est", number(p.random)}, {"ci_lb", number(p.random_lb)}, {"ci_ub", number(p.random_ub)}}},
         {"common",
          {{"est", number(p.common)}, {"ci_lb", number(p.common_lb)}, {"ci_ub", number(p.common_ub)}}}});
  }
  j["curve"] = std::move(points);
  j["heterogeneity"] = {
      {"Q", number(c.Q)}, {"Q_df", number(c.Q_df)}, {"H2", number(c.H2)}, {"I2", number(c.I2)}};
  j["median"] = {{"random", number(c.median_random)}, {"common", number(c.median_common)}};
  nlohmann::json between = nlohmann::json::array();
  for (Eigen::Index r = 0; r < c.between.rows(); ++r) {
    nlohmann::json row = nlohmann::json::array();
    for (Eigen::Index col = 0; col < c.between.cols(); ++col) row.push_back(number(c.between(r, col)));
    between.push_back(std::move(row));
  }
  j["between_covariance"] = std::move(between);
  nlohmann::json per_study = nlohmann::json::array();
  for (const auto& s : studies) {
    nlohmann::json pts = nlohmann::json::array();
    for (const auto& p : s.points)
      pts.push_back({{"time", p.time}, {"survival", number(p.survival)}, {"n_risk", number(p.n_risk)}});
    per_study.push_back({{"label", s.label}, {"points", std::move(pts)}});
  }
  j["studies"] = std::move(per_study);
  j["notes"] = c.notes;
  return j;
}

std::string km_csv(const KaplanMeier& km) {
  std::string out = "time,n_risk,events,censored,survival,se,ci_lb,ci_ub\n";
  for (const auto& s : km.steps) {
    out += fmt::format("{},{},{},{},{},{},{},{}\n", s.time, s.n_risk, s.events, s.censored,
                       csv_number(s.survival), csv_number(s.se), csv_number(s.ci_lb), csv_number(s.ci_ub));
  }
  return out;
}

}  // namespace carta::io
