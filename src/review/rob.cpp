#include "carta/review/rob.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "carta/error.hpp"

namespace carta::review {

namespace {

// Cochrane colours as robvis uses them; the colour-blind palette keeps the order light-to-dark
// and differs in hue for the deuteranopic eye (blue / yellow / vermilion, Okabe & Ito).
constexpr const char* kGreen = "#02C100";
constexpr const char* kYellow = "#E2DF07";
constexpr const char* kOrange = "#F19100";
constexpr const char* kRed = "#BF0000";
constexpr const char* kDarkRed = "#820000";
constexpr const char* kBlue = "#4EA1F7";
constexpr const char* kGrey = "#AAAAAA";
constexpr const char* kCbLow = "#0072B2";
constexpr const char* kCbSome = "#F0E442";
constexpr const char* kCbModerate = "#E69F00";
constexpr const char* kCbHigh = "#D55E00";
constexpr const char* kCbCritical = "#7F2704";
constexpr const char* kCbNoInfo = "#999999";

RobTool make_rob2() {
  RobTool t;
  t.id = "rob2";
  t.name = "RoB 2 (Sterne et al. 2019)";
  t.domains = {{"D1", "Bias arising from the randomization process"},
               {"D2", "Bias due to deviations from intended interventions"},
               {"D3", "Bias due to missing outcome data"},
               {"D4", "Bias in measurement of the outcome"},
               {"D5", "Bias in selection of the reported result"}};
  t.levels = {{"Low", {"low", "low risk", "+"}, "+", kGreen, kCbLow, 0},
              {"Some concerns", {"some concerns", "some", "unclear", "-"}, "-", kYellow, kCbSome, 1},
              {"High", {"high", "high risk", "x"}, "X", kRed, kCbHigh, 2},
              {"No information", {"no information", "ni", "?"}, "?", kBlue, kCbNoInfo, -1}};
  t.rule = OverallRule::kRob2;
  return t;
}

RobTool make_robins_i() {
  RobTool t;
  t.id = "robins-i";
  t.name = "ROBINS-I (Sterne et al. 2016)";
  t.domains = {{"D1", "Bias due to confounding"},
               {"D2", "Bias in selection of participants into the study"},
               {"D3", "Bias in classification of interventions"},
               {"D4", "Bias due to deviations from intended interventions"},
               {"D5", "Bias due to missing data"},
               {"D6", "Bias in measurement of outcomes"},
               {"D7", "Bias in selection of the reported result"}};
  t.levels = {{"Low", {"low", "+"}, "+", kGreen, kCbLow, 0},
              {"Moderate", {"moderate", "-"}, "-", kYellow, kCbSome, 1},
              {"Serious", {"serious", "x"}, "X", kOrange, kCbModerate, 2},
              {"Critical", {"critical", "!"}, "!", kDarkRed, kCbCritical, 3},
              {"No information", {"no information", "ni", "?"}, "?", kBlue, kCbNoInfo, -1}};
  t.rule = OverallRule::kWorst;
  return t;
}

RobTool make_ihe() {
  RobTool t;
  t.id = "ihe";
  t.name = "IHE quality appraisal checklist for case series (Moga et al. 2012)";
  t.domains = {{"Q1", "Hypothesis, aim or objective clearly stated"},
               {"Q2", "Study conducted prospectively"},
               {"Q3", "Cases collected in more than one centre"},
               {"Q4", "Patients recruited consecutively"},
               {"Q5", "Characteristics of the included patients described"},
               {"Q6", "Eligibility criteria clearly stated"},
               {"Q7", "Patients entered the study at a similar point in the disease"},
               {"Q8", "Intervention of interest clearly described"},
               {"Q9", "Additional interventions (co-interventions) clearly described"},
               {"Q10", "Relevant outcome measures established a priori"},
               {"Q11", "Outcome assessors blinded to the intervention"},
               {"Q12", "Outcomes measured with appropriate objective or subjective methods"},
               {"Q13", "Outcome measures made before and after the intervention"},
               {"Q14", "Statistical tests appropriate"},
               {"Q15", "Follow-up long enough for important events and outcomes"},
               {"Q16", "Losses to follow-up reported"},
               {"Q17", "Estimates of random variability provided"},
               {"Q18", "Adverse events reported"},
               {"Q19", "Conclusions supported by the results"},
               {"Q20", "Competing interests and sources of support reported"}};
  t.levels = {{"Yes", {"yes", "y", "1"}, "+", kGreen, kCbLow, 0},
              {"Partial", {"partial", "partially", "p"}, "-", kYellow, kCbSome, 1},
              {"No", {"no", "n", "0"}, "X", kRed, kCbHigh, 2},
              {"Unclear", {"unclear", "u", "?"}, "?", kBlue, kCbNoInfo, 2},
              {"Not applicable", {"not applicable", "na", "n/a"}, "", kGrey, kGrey, -1}};
  t.rule = OverallRule::kItemsMet;
  return t;
}

RobTool make_nos() {
  RobTool t;
  t.id = "nos";
  t.name = "Newcastle-Ottawa scale (stars; AHRQ thresholds)";
  t.domains = {{"selection", "Selection (0-4 stars)"},
               {"comparability", "Comparability (0-2 stars)"},
               {"outcome", "Outcome or exposure (0-3 stars)"}};
  t.levels = {{"Good", {"good"}, "+", kGreen, kCbLow, 0},
              {"Fair", {"fair"}, "-", kYellow, kCbSome, 1},
              {"Poor", {"poor"}, "X", kRed, kCbHigh, 2}};
  t.rule = OverallRule::kNos;
  return t;
}

RobTool make_generic() {
  RobTool t = make_rob2();
  t.id = "generic";
  t.name = "Risk of bias (generic domains)";
  t.domains.clear();  // taken from the file
  t.rule = OverallRule::kWorst;
  return t;
}

std::string normalise(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == '_') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

const RobTool& rob_tool(std::string_view id) {
  static const std::vector<RobTool> tools{make_rob2(), make_robins_i(), make_ihe(), make_nos(), make_generic()};
  for (const auto& t : tools) {
    if (t.id == id || (id == "ihe19" && t.id == "ihe") || (id == "robins_i" && t.id == "robins-i")) return t;
  }
  throw Error(ErrorCategory::kInvalidOption,
              fmt::format("unknown risk-of-bias tool '{}'; known: rob2, robins-i, ihe, nos, generic", id));
}

std::vector<std::string> rob_tool_ids() { return {"rob2", "robins-i", "ihe", "nos", "generic"}; }

std::optional<std::size_t> parse_judgement(const RobTool& tool, std::string_view text) {
  const std::string t = normalise(text);
  for (std::size_t i = 0; i < tool.levels.size(); ++i) {
    if (t == normalise(tool.levels[i].name)) return i;
    for (const auto& s : tool.levels[i].synonyms) {
      if (t == s) return i;
    }
  }
  return std::nullopt;
}

namespace {

std::size_t worst(const RobTool& tool, const std::vector<std::size_t>& judgements) {
  // The most severe rated judgement; "no information" (severity -1) only when it is the most
  // severe thing that can be said (ROBINS-I: no serious or critical domain, some unknown).
  std::size_t best = 0;
  int severity = -2;
  bool any_unrated = false;
  std::size_t unrated = 0;
  for (std::size_t j : judgements) {
    const int s = tool.levels[j].severity;
    if (s < 0) {
      any_unrated = true;
      unrated = j;
      continue;
    }
    if (s > severity) {
      severity = s;
      best = j;
    }
  }
  if (severity < 0) return unrated;
  if (any_unrated && tool.rule == OverallRule::kWorst && severity <= 1) return unrated;
  return best;
}

}  // namespace

void derive_overall(RobAssessment& a) {
  const RobTool& tool = *a.tool;
  for (auto& s : a.studies) {
    std::size_t derived = 0;
    switch (tool.rule) {
      case OverallRule::kRob2: {
        std::size_t high = 0, some = 0, unknown = 0;
        for (std::size_t j : s.domains) {
          high += tool.levels[j].name == "High";
          some += tool.levels[j].name == "Some concerns";
          unknown += tool.levels[j].severity < 0;
        }
        if (unknown > 0) {
          s.notes.push_back(fmt::format("{} domain(s) without information; RoB 2 needs a judgement in every domain, so "
                                        "they count as some concerns",
                                        unknown));
        }
        derived = high > 0 ? 2 : (some + unknown > 0 ? 1 : 0);
        if (s.reported && *s.reported != derived) {
          if (*s.reported == 2 && derived == 1 && some + unknown >= 2) {
            s.notes.push_back(fmt::format("overall judged high with some concerns in {} domains, as RoB 2 allows "
                                          "when several concerns substantially lower confidence",
                                          some + unknown));
            derived = 2;
          } else {
            throw Error(ErrorCategory::kInvalidInput,
                        fmt::format("study '{}': the overall judgement is '{}', but the RoB 2 algorithm gives '{}' from "
                                    "its domains (all low: low; any high: high; otherwise some concerns; high may "
                                    "replace some concerns only when several domains have concerns)",
                                    s.study, tool.levels[*s.reported].name, tool.levels[derived].name));
          }
        }
        break;
      }
      case OverallRule::kWorst:
        derived = worst(tool, s.domains);
        if (s.reported && *s.reported != derived) {
          throw Error(ErrorCategory::kInvalidInput,
                      fmt::format("study '{}': the overall judgement is '{}', but the most severe domain judgement is "
                                  "'{}' ({} takes the worst domain)",
                                  s.study, tool.levels[*s.reported].name, tool.levels[derived].name, tool.name));
        }
        break;
      case OverallRule::kItemsMet: {
        s.items_met = 0;
        s.items_rated = 0;
        for (std::size_t j : s.domains) {
          const auto& level = tool.levels[j];
          if (level.severity < 0) continue;
          s.items_rated += 1;
          if (level.name == "Yes") s.items_met += 1;
          if (level.name == "Partial") s.items_met += 0.5;
        }
        // Acceptable (Yes level) or not (No level), by the share of rated items met.
        derived = s.items_rated > 0 && s.items_met / s.items_rated >= a.threshold - 1e-12 ? 0 : 2;
        break;
      }
      case OverallRule::kNos: {
        // AHRQ: good = selection 3-4, comparability 1-2, outcome 2-3; fair = selection 2 with the
        // same for the others; poor = selection 0-1 or comparability 0 or outcome 0-1.
        derived = 0;
        for (std::size_t j : s.domains) derived = std::max(derived, j);
        if (s.reported && *s.reported != derived) {
          throw Error(ErrorCategory::kInvalidInput,
                      fmt::format("study '{}': the overall judgement is '{}', but its stars give '{}' by the AHRQ "
                                  "thresholds",
                                  s.study, tool.levels[*s.reported].name, tool.levels[derived].name));
        }
        break;
      }
    }
    s.overall = derived;
  }
}

std::vector<DomainSummary> summarise(const RobAssessment& a, bool weighted) {
  const RobTool& tool = *a.tool;
  std::vector<DomainSummary> out;
  auto add = [&](const std::string& name, auto judgement_of) {
    DomainSummary d;
    d.name = name;
    d.share.assign(tool.levels.size(), 0.0);
    double total = 0;
    for (const auto& s : a.studies) {
      const double w = weighted ? s.weight : 1.0;
      d.share[judgement_of(s)] += w;
      total += w;
    }
    if (total > 0) {
      for (auto& x : d.share) x /= total;
    }
    out.push_back(std::move(d));
  };
  for (std::size_t j = 0; j < a.domains.size(); ++j) {
    add(a.domains[j].name, [j](const StudyAssessment& s) { return s.domains[j]; });
  }
  add("Overall", [](const StudyAssessment& s) { return s.overall; });
  return out;
}

}  // namespace carta::review
