#pragma once
// Risk-of-bias and quality assessment tools as data: their domains (or items), the judgements a
// reviewer may give, and how an overall judgement follows from the domain judgements.
//
//   rob2       RoB 2 (Sterne et al. 2019): 5 domains; low / some concerns / high; overall by the
//              RoB 2 algorithm
//   robins-i   ROBINS-I (Sterne et al. 2016): 7 domains; low / moderate / serious / critical /
//              no information; overall = the most severe domain
//   ihe        IHE quality appraisal checklist for case series (Moga et al. 2012): up to 20 items
//              answered yes / partial / no / unclear / not applicable; summary = items met
//   nos        Newcastle-Ottawa scale: stars for selection (0-4), comparability (0-2) and outcome
//              or exposure (0-3); AHRQ thresholds give good / fair / poor
//   generic    any domains; low / some concerns / high / no information; overall = the worst
//
// Definitions and our choices: docs/methods/risk_of_bias.md.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace carta::review {

struct JudgementLevel {
  std::string name;                   // as shown, e.g. "Some concerns"
  std::vector<std::string> synonyms;  // accepted spellings (lower case), besides the name
  std::string symbol;                 // drawn in the traffic light: "+", "-", "X", "!", "?"
  std::string colour;                 // Cochrane / robvis colour
  std::string colourblind;            // colour-blind-safe alternative
  int severity = 0;                   // order for "worst": higher is worse; -1 = not rated
};

struct RobDomain {
  std::string id;    // column header: D1, D2, ... or Q1, Q2, ...
  std::string name;  // "Bias arising from the randomization process"
};

enum class OverallRule {
  kRob2,     // all low: low; any high: high; otherwise some concerns
  kWorst,    // the most severe domain judgement
  kItemsMet, // IHE: the number of items answered yes (partial counts half), against a threshold
  kNos,      // AHRQ conversion of Newcastle-Ottawa stars
};

struct RobTool {
  std::string id;
  std::string name;
  std::vector<RobDomain> domains;
  std::vector<JudgementLevel> levels;  // for kNos: good / fair / poor
  OverallRule rule = OverallRule::kWorst;
};

// Throws carta::Error (kInvalidOption) for an unknown id, naming the known ones.
const RobTool& rob_tool(std::string_view id);
std::vector<std::string> rob_tool_ids();

// The level index a reviewer's text means (case and spacing ignored), or nullopt.
std::optional<std::size_t> parse_judgement(const RobTool& tool, std::string_view text);

struct StudyAssessment {
  std::string study;
  std::vector<std::size_t> domains;     // level index per domain, in the tool's order (kNos: category)
  std::vector<int> stars;               // kNos only: stars per domain
  std::optional<std::size_t> reported;  // the overall judgement the reviewers wrote, if any
  std::size_t overall = 0;              // the overall judgement carta uses
  double items_met = 0.0;               // kItemsMet: yes = 1, partial = 0.5
  double items_rated = 0.0;             // kItemsMet: items not "not applicable"
  double weight = 1.0;                  // for weighted summary plots (e.g. sample size)
  std::vector<std::string> notes;
};

struct RobAssessment {
  const RobTool* tool = nullptr;
  std::vector<RobDomain> domains;  // the domains assessed (IHE: the items present in the file)
  std::vector<StudyAssessment> studies;
  double threshold = 0.7;  // kItemsMet: share of rated items met for "acceptable"
  std::vector<std::string> notes;
};

// Derives each study's overall judgement by the tool's rule and checks a reported one: for RoB 2
// a reported "high" where the algorithm gives "some concerns" is accepted when several domains
// have some concerns (the guidance allows it), with a note; any other disagreement throws
// carta::Error (kInvalidInput) naming the study and both judgements.
void derive_overall(RobAssessment& assessment);

// Share of studies (or of weight) at each level, per domain and overall: the summary plot's bars.
struct DomainSummary {
  std::string name;
  std::vector<double> share;  // per level, sums to 1 over the rated studies
};
std::vector<DomainSummary> summarise(const RobAssessment& assessment, bool weighted);

}  // namespace carta::review
