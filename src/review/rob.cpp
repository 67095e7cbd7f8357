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
constexpr const char* kNotApplicableGrey = "#CCCCCC";  // robvis's "not applicable"
constexpr const char* kCbLow = "#0072B2";
constexpr const char* kCbSome = "#F0E442";
constexpr const char* kCbModerate = "#E69F00";
constexpr const char* kCbHigh = "#D55E00";
constexpr const char* kCbCritical = "#7F2704";
constexpr const char* kCbNoInfo = "#999999";

// The spellings review teams write (robvis's templates, RevMan's "low risk", Covidence's "low
// risk of bias"), normalised as normalise_rob_text leaves them.
JudgementLevel low_level() {
  return {"Low", {"low", "low risk", "low risk of bias", "l", "+"}, "+", kGreen, kCbLow, 0};
}
JudgementLevel high_level(int severity) {
  return {"High", {"high", "high risk", "high risk of bias", "h", "x"}, "X", kRed, kCbHigh, severity};
}
JudgementLevel no_information_level(bool question_mark = true) {
  std::vector<std::string> synonyms{"no information", "no info", "ni"};
  if (question_mark) synonyms.emplace_back("?");
  return {"No information", std::move(synonyms), "?", kBlue, kCbNoInfo, kNoInformation};
}
JudgementLevel not_applicable_level() {
  return {"Not applicable", {"not applicable", "na", "n/a"}, "", kNotApplicableGrey, kNotApplicableGrey,
          kNotApplicable};
}

std::vector<JudgementLevel> rob2_levels() {
  return {low_level(),
          {"Some concerns",
           {"some concerns", "some concern", "some", "s", "-", "unclear"},
           "-",
           kYellow,
           kCbSome,
           1},
          high_level(2),
          no_information_level(),
          not_applicable_level()};
}

std::vector<RobDomain> rob2_domains() {
  return {
      {"D1", "Bias arising from the randomization process", {"bias arising from the randomisation process"}},
      {"D2",
       "Bias due to deviations from intended interventions",
       {"bias due to deviations from intended intervention"}},
      {"D3", "Bias due to missing outcome data", {}},
      {"D4", "Bias in measurement of the outcome", {}},
      {"D5", "Bias in selection of the reported result", {}}};
}

constexpr const char* kRob2Rule =
    "the RoB 2 algorithm (all domains low: low; any domain high: high; otherwise some concerns)";

RobTool make_rob2() {
  RobTool t;
  t.id = "rob2";
  t.aliases = {"rob 2", "rob-2", "rob2.0", "rob 2.0"};
  t.name = "RoB 2 (Sterne et al. 2019)";
  t.domains = rob2_domains();
  t.levels = rob2_levels();
  t.rule = OverallRule::kRob2;
  t.rule_text = kRob2Rule;
  t.no_information_as = 1;
  return t;
}

RobTool make_rob2_cluster() {
  RobTool t = make_rob2();
  t.id = "rob2-cluster";
  t.aliases = {"rob2 cluster", "rob2-crt", "rob2 crt", "rob 2 cluster"};
  t.name = "RoB 2 for cluster-randomized trials (Eldridge et al. 2021)";
  t.domains.insert(
      t.domains.begin() + 1,
      RobDomain{"D1b",
                "Bias arising from the timing of identification and recruitment of participants",
                {"bias arising from the timing of identification and recruitment of individual "
                 "participants in relation to timing of randomization",
                 "bias arising from the timing of identification or recruitment of participants",
                 "bias arising from the identification or recruitment of participants into clusters"}});
  return t;
}

RobTool make_rob1() {
  RobTool t;
  t.id = "rob1";
  t.aliases = {"rob 1", "rob-1", "cochrane rob1", "cochrane rob 1"};
  t.name = "Cochrane risk-of-bias tool, RoB 1 (Higgins et al. 2011)";
  t.domains = {
      {"D1",
       "Random sequence generation (selection bias)",
       {"random sequence generation", "sequence generation"}},
      {"D2", "Allocation concealment (selection bias)", {"allocation concealment"}},
      {"D3",
       "Blinding of participants and personnel (performance bias)",
       {"blinding of participants and personnel", "performance bias"}},
      {"D4",
       "Blinding of outcome assessment (detection bias)",
       {"blinding of outcome assessment", "detection bias"}},
      {"D5", "Incomplete outcome data (attrition bias)", {"incomplete outcome data", "attrition bias"}},
      {"D6",
       "Selective reporting (reporting bias)",
       {"selective reporting", "selective outcome reporting", "reporting bias"}},
      {"D7", "Other bias", {"other sources of bias", "other source of bias", "other"}, true}};
  // Unclear is RoB 1's own judgement ("insufficient information or uncertainty"), between low and
  // high; robvis draws it with the concerns colour and "-".
  t.levels = {
      low_level(),
      {"Unclear", {"unclear", "unclear risk", "unclear risk of bias", "u", "?"}, "-", kYellow, kCbSome, 1},
      high_level(2),
      no_information_level(false),
      not_applicable_level()};
  t.rule = OverallRule::kWorst;
  t.rule_text =
      "the Cochrane Handbook's summary (any domain high: high; otherwise any unclear: unclear; otherwise "
      "low)";
  t.no_information_as = 1;
  t.ambiguous = {{"-", "RevMan writes '-' for high risk, robvis for some concerns; write High or Unclear"}};
  return t;
}

RobTool make_robins_i() {
  RobTool t;
  t.id = "robins-i";
  t.aliases = {"robins i", "robinsi"};
  t.name = "ROBINS-I (Sterne et al. 2016)";
  t.domains = {
      {"D1", "Bias due to confounding", {}},
      {"D2", "Bias in selection of participants into the study", {"bias due to selection of participants"}},
      {"D3", "Bias in classification of interventions", {}},
      {"D4", "Bias due to deviations from intended interventions", {}},
      {"D5", "Bias due to missing data", {}},
      {"D6", "Bias in measurement of outcomes", {}},
      {"D7", "Bias in selection of the reported result", {}}};
  t.levels = {low_level(),
              {"Moderate", {"moderate", "moderate risk", "m", "-"}, "-", kYellow, kCbSome, 1},
              {"Serious", {"serious", "serious risk", "s", "x"}, "X", kOrange, kCbModerate, 2},
              {"Critical", {"critical", "critical risk", "c", "!"}, "!", kDarkRed, kCbCritical, 3},
              no_information_level(),
              not_applicable_level()};
  t.rule = OverallRule::kWorst;
  t.rule_text =
      "ROBINS-I's rule (the most severe domain; no information when no domain is serious or critical and one "
      "lacks "
      "information)";
  return t;
}

RobTool make_robins_e() {
  RobTool t;
  t.id = "robins-e";
  t.aliases = {"robins e", "robinse"};
  t.name = "ROBINS-E (Higgins et al. 2024)";
  t.domains = {{"D1", "Bias due to confounding", {}},
               {"D2", "Bias arising from measurement of the exposure", {}},
               {"D3",
                "Bias in selection of participants into the study (or into the analysis)",
                {"bias in selection of participants into the study"}},
               {"D4", "Bias due to post-exposure interventions", {}},
               {"D5", "Bias due to missing data", {}},
               {"D6", "Bias arising from measurement of the outcome", {}},
               {"D7", "Bias in selection of the reported result", {}}};
  JudgementLevel low = low_level();
  low.synonyms.emplace_back("low risk of bias (except for concerns about uncontrolled confounding)");
  t.levels = {
      low,
      {"Some concerns", {"some concerns", "some concern", "some", "s", "-"}, "-", kYellow, kCbSome, 1},
      high_level(2),
      {"Very high",
       {"very high", "very high risk", "very high risk of bias", "v", "!"},
       "!",
       kDarkRed,
       kCbCritical,
       3},
      no_information_level(),
      not_applicable_level()};
  t.rule = OverallRule::kWorst;
  t.rule_text = "ROBINS-E's rule (the most severe domain)";
  t.no_information_as = 1;
  return t;
}

RobTool make_quadas2() {
  RobTool t;
  t.id = "quadas-2";
  t.aliases = {"quadas2", "quadas 2", "quadas"};
  t.name = "QUADAS-2 (Whiting et al. 2011)";
  t.domains = {{"D1", "Patient selection", {}},
               {"D2", "Index test(s)", {"index test", "index tests"}},
               {"D3", "Reference standard", {}},
               {"D4", "Flow and timing", {"flow & timing"}}};
  // QUADAS-2 judges low, high or unclear; robvis's template writes "Some concerns" for unclear.
  t.levels = {low_level(),
              {"Unclear",
               {"unclear", "unclear risk", "unclear risk of bias", "u", "?", "some concerns", "some"},
               "-",
               kYellow,
               kCbSome,
               1},
              high_level(2),
              no_information_level(false),
              not_applicable_level()};
  t.rule = OverallRule::kWorst;
  t.rule_text = "the most severe domain (QUADAS-2: low only when every domain is low)";
  t.no_information_as = 1;
  t.ambiguous = {{"-", "RevMan writes '-' for high risk, robvis for some concerns; write High or Unclear"}};
  return t;
}

RobTool make_quips() {
  RobTool t;
  t.id = "quips";
  t.name = "QUIPS (Hayden et al. 2013)";
  t.domains = {{"D1", "Study participation", {"bias due to participation"}},
               {"D2", "Study attrition", {"bias due to attrition"}},
               {"D3", "Prognostic factor measurement", {"bias due to prognostic factor measurement"}},
               {"D4", "Outcome measurement", {"bias due to outcome measurement"}},
               {"D5", "Study confounding", {"bias due to confounding"}},
               {"D6", "Statistical analysis and reporting", {"bias in statistical analysis and reporting"}}};
  t.levels = {low_level(),
              {"Moderate", {"moderate", "moderate risk", "m", "-"}, "-", kYellow, kCbSome, 1},
              high_level(2),
              no_information_level(),
              not_applicable_level()};
  t.rule = OverallRule::kQuips;
  t.rule_text =
      "Grooten et al.'s rule (low: every domain low, or one moderate; high: any domain high, or three or "
      "more "
      "moderate; otherwise moderate)";
  t.no_information_as = 1;
  return t;
}

RobTool make_ihe() {
  RobTool t;
  t.id = "ihe";
  t.aliases = {"ihe19", "ihe20"};
  t.name = "IHE quality appraisal checklist for case series (Moga et al. 2012)";
  t.domains = {{"Q1", "Hypothesis, aim or objective clearly stated", {}, true},
               {"Q2", "Study conducted prospectively", {}, true},
               {"Q3", "Cases collected in more than one centre", {}, true},
               {"Q4", "Patients recruited consecutively", {}, true},
               {"Q5", "Characteristics of the included patients described", {}, true},
               {"Q6", "Eligibility criteria clearly stated", {}, true},
               {"Q7", "Patients entered the study at a similar point in the disease", {}, true},
               {"Q8", "Intervention of interest clearly described", {}, true},
               {"Q9", "Additional interventions (co-interventions) clearly described", {}, true},
               {"Q10", "Relevant outcome measures established a priori", {}, true},
               {"Q11", "Outcome assessors blinded to the intervention", {}, true},
               {"Q12", "Outcomes measured with appropriate objective or subjective methods", {}, true},
               {"Q13", "Outcome measures made before and after the intervention", {}, true},
               {"Q14", "Statistical tests appropriate", {}, true},
               {"Q15", "Follow-up long enough for important events and outcomes", {}, true},
               {"Q16", "Losses to follow-up reported", {}, true},
               {"Q17", "Estimates of random variability provided", {}, true},
               {"Q18", "Adverse events reported", {}, true},
               {"Q19", "Conclusions supported by the results", {}, true},
               {"Q20", "Competing interests and sources of support reported", {}, true}};
  t.levels = {{"Yes", {"yes", "y", "1"}, "+", kGreen, kCbLow, 0},
              {"Partial", {"partial", "partially", "p"}, "-", kYellow, kCbSome, 1},
              {"No", {"no", "n", "0"}, "X", kRed, kCbHigh, 2},
              {"Unclear", {"unclear", "u", "?"}, "?", kBlue, kCbNoInfo, 2},
              not_applicable_level()};
  t.rule = OverallRule::kItemsMet;
  t.rule_text = "the share of rated items met (partial = 1/2) against the threshold";
  return t;
}

RobTool make_nos() {
  RobTool t;
  t.id = "nos";
  t.aliases = {"newcastle-ottawa", "newcastle ottawa"};
  t.name = "Newcastle-Ottawa scale (stars; AHRQ thresholds)";
  t.domains = {{"selection", "Selection (0-4 stars)", {}},
               {"comparability", "Comparability (0-2 stars)", {}},
               {"outcome", "Outcome or exposure (0-3 stars)", {"exposure"}}};
  t.levels = {{"Good", {"good"}, "+", kGreen, kCbLow, 0},
              {"Fair", {"fair"}, "-", kYellow, kCbSome, 1},
              {"Poor", {"poor"}, "X", kRed, kCbHigh, 2}};
  t.rule = OverallRule::kNos;
  t.rule_text = "the AHRQ thresholds";
  return t;
}

RobTool make_generic() {
  RobTool t = make_rob2();
  t.id = "generic";
  t.aliases = {};
  t.name = "Risk of bias (generic domains)";
  t.domains.clear();  // taken from the file
  t.rule = OverallRule::kWorst;
  t.rule_text = "the most severe domain";
  t.no_information_as.reset();
  return t;
}

const std::vector<RobTool>& tools() {
  static const std::vector<RobTool> all{make_rob2(),     make_rob2_cluster(), make_rob1(),  make_robins_i(),
                                        make_robins_e(), make_quadas2(),      make_quips(), make_ihe(),
                                        make_nos(),      make_generic()};
  return all;
}

}  // namespace

std::string normalise_rob_text(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == '_' || c == '.') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

const RobTool* find_rob_tool(std::string_view id) {
  std::string key = normalise_rob_text(id);
  for (const auto& t : tools()) {
    if (key == t.id) return &t;
    std::string spaced = t.id;
    std::replace(spaced.begin(), spaced.end(), '-', ' ');
    if (key == spaced) return &t;
    if (std::find(t.aliases.begin(), t.aliases.end(), key) != t.aliases.end()) return &t;
  }
  return nullptr;
}

const RobTool& rob_tool(std::string_view id) {
  if (const RobTool* t = find_rob_tool(id)) return *t;
  std::string known;
  for (const auto& t : tools()) known += (known.empty() ? "" : ", ") + t.id;
  throw Error(ErrorCategory::kInvalidOption,
              fmt::format("unknown risk-of-bias tool '{}'; known: {}", id, known));
}

std::vector<std::string> rob_tool_ids() {
  std::vector<std::string> ids;
  for (const auto& t : tools()) ids.push_back(t.id);
  return ids;
}

std::optional<std::size_t> parse_judgement(const RobTool& tool, std::string_view text) {
  const std::string t = normalise_rob_text(text);
  for (std::size_t i = 0; i < tool.levels.size(); ++i) {
    if (t == normalise_rob_text(tool.levels[i].name)) return i;
    for (const auto& s : tool.levels[i].synonyms) {
      if (t == s) return i;
    }
  }
  return std::nullopt;
}

std::string ambiguous_judgement(const RobTool& tool, std::string_view text) {
  const std::string t = normalise_rob_text(text);
  for (const auto& [symbol, why] : tool.ambiguous) {
    if (t == symbol) return why;
  }
  return {};
}

namespace {

std::optional<std::size_t> level_with_severity(const RobTool& tool, int severity) {
  for (std::size_t i = 0; i < tool.levels.size(); ++i) {
    if (tool.levels[i].severity == severity) return i;
  }
  return std::nullopt;
}

// The severity a domain's judgement counts as in the rule: "no information" as the tool says,
// "not applicable" not at all (nullopt).
std::optional<int> counted_severity(const RobTool& tool, std::size_t level) {
  const int s = tool.levels[level].severity;
  if (s == kNotApplicable) return std::nullopt;
  if (s == kNoInformation && tool.no_information_as) return *tool.no_information_as;
  return s;
}

std::size_t worst(const RobTool& tool, const std::vector<std::size_t>& judgements) {
  // The most severe rated judgement. Where "no information" is a possible overall judgement
  // (ROBINS-I), it is the overall one when no domain is worse than moderate.
  int severity = kNotApplicable;
  bool any_unrated = false;
  for (std::size_t j : judgements) {
    const auto s = counted_severity(tool, j);
    if (!s) continue;
    if (*s == kNoInformation) {
      any_unrated = true;
      continue;
    }
    severity = std::max(severity, *s);
  }
  const auto no_information = level_with_severity(tool, kNoInformation);
  if (no_information && any_unrated && severity <= 1) return *no_information;
  if (severity < 0) {
    // Every domain not applicable: nothing to summarise; say so rather than invent a rating.
    return no_information.value_or(level_with_severity(tool, kNotApplicable).value_or(0));
  }
  return *level_with_severity(tool, severity);
}

// Grooten et al. 2019's summary of the six QUIPS domains.
std::size_t quips(const RobTool& tool, const std::vector<std::size_t>& judgements) {
  std::size_t high = 0, moderate = 0;
  for (std::size_t j : judgements) {
    const auto s = counted_severity(tool, j);
    if (!s) continue;
    high += *s >= 2;
    moderate += *s == 1;
  }
  const int overall = high > 0 || moderate >= 3 ? 2 : (moderate <= 1 ? 0 : 1);
  return *level_with_severity(tool, overall);
}

std::size_t rob2(const RobTool& tool, const std::vector<std::size_t>& judgements) {
  std::size_t high = 0, some = 0;
  for (std::size_t j : judgements) {
    const auto s = counted_severity(tool, j);
    if (!s) continue;
    high += *s >= 2;
    some += *s == 1;
  }
  return *level_with_severity(tool, high > 0 ? 2 : (some > 0 ? 1 : 0));
}

}  // namespace

void derive_overall(RobAssessment& a) {
  const RobTool& tool = *a.tool;
  for (auto& s : a.studies) {
    std::size_t unknown = 0, concerns = 0;
    for (std::size_t j : s.domains) {
      if (tool.rule == OverallRule::kNos || tool.rule == OverallRule::kItemsMet) break;
      unknown += tool.levels[j].severity == kNoInformation;
      concerns += tool.levels[j].severity == 1 || tool.levels[j].severity == kNoInformation;
    }
    std::size_t derived = 0;
    switch (tool.rule) {
      case OverallRule::kRob2:
        derived = rob2(tool, s.domains);
        break;
      case OverallRule::kWorst:
        derived = worst(tool, s.domains);
        break;
      case OverallRule::kQuips:
        derived = quips(tool, s.domains);
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
      case OverallRule::kNos:
        // AHRQ: good = selection 3-4, comparability 1-2, outcome 2-3; fair = selection 2 with the
        // same for the others; poor = selection 0-1 or comparability 0 or outcome 0-1. The
        // reader gives each domain its category; the worst category is the study's.
        for (std::size_t j : s.domains) derived = std::max(derived, j);
        break;
    }
    s.by_rule = derived;
    s.overall = s.reported.value_or(derived);
    if (!s.reported && unknown > 0 && tool.no_information_as) {
      s.notes.push_back(fmt::format(
          "{} domain(s) without information count as '{}' for the overall judgement by {}", unknown,
          tool.levels[*level_with_severity(tool, *tool.no_information_as)].name, tool.rule_text));
    }
    if (!s.reported || *s.reported == derived) continue;
    const auto& reported = tool.levels[*s.reported];
    const auto& by_rule = tool.levels[derived];
    if (tool.rule == OverallRule::kRob2 && reported.severity == 2 && by_rule.severity == 1 && concerns >= 2) {
      s.notes.push_back(
          fmt::format("overall judged '{}' with some concerns in {} domains, as RoB 2 allows when several "
                      "concerns substantially lower confidence in the result (the algorithm alone gives "
                      "'{}')",
                      reported.name, concerns, by_rule.name));
      continue;
    }
    s.notes.push_back(
        fmt::format("the reviewers' overall judgement is '{}'; by {} the domains give '{}'; carta keeps "
                    "the reviewers' judgement",
                    reported.name, tool.rule_text, by_rule.name));
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
