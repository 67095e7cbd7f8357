#pragma once
// Risk-of-bias and quality assessment tools as data: their domains (or items), the judgements a
// reviewer may give, and how an overall judgement follows from the domain judgements.
//
//   rob2          RoB 2 (Sterne et al. 2019): 5 domains; low / some concerns / high; overall by
//                 the RoB 2 algorithm
//   rob2-cluster  RoB 2 for cluster-randomized trials (Eldridge et al. 2021): RoB 2 plus domain
//                 D1b (timing of identification and recruitment of participants)
//   rob1          Cochrane risk-of-bias tool (Higgins et al. 2011): 7 domains; low / unclear /
//                 high; overall = the most severe domain (Handbook 5.1, table 8.7.a)
//   robins-i      ROBINS-I (Sterne et al. 2016): 7 domains; low / moderate / serious / critical /
//                 no information; overall = the most severe domain
//   robins-e      ROBINS-E (Higgins et al. 2024): 7 domains; low / some concerns / high / very
//                 high / no information; overall = the most severe domain
//   quadas-2      QUADAS-2 (Whiting et al. 2011): 4 domains; low / unclear / high; overall = the
//                 most severe domain
//   quips         QUIPS (Hayden et al. 2013): 6 domains; low / moderate / high; overall by
//                 Grooten et al.'s (2019) rule (QUIPS itself gives none)
//   ihe           IHE quality appraisal checklist for case series (Moga et al. 2012): up to 20 items
//                 answered yes / partial / no / unclear / not applicable; summary = items met
//   nos           Newcastle-Ottawa scale: stars for selection (0-4), comparability (0-2) and outcome
//                 or exposure (0-3); AHRQ thresholds give good / fair / poor
//   generic       any domains; low / some concerns / high / no information; overall = the worst
//
// The reviewers' own overall judgement, when the data has one, is the one carta uses: a
// difference from the tool's rule is a note naming both judgements, never a refusal.
// Definitions and our choices: docs/methods/risk_of_bias.md.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace carta::review {

// Severity of the judgements that are not a rating of risk.
inline constexpr int kNoInformation = -1;  // the domain could not be judged (counts by the tool's rule)
inline constexpr int kNotApplicable = -2;  // the domain does not apply to the study (left out)

struct JudgementLevel {
  std::string name;                   // as shown, e.g. "Some concerns"
  std::vector<std::string> synonyms;  // accepted spellings (normalised: lower case, single blanks)
  std::string symbol;                 // drawn in the traffic light: "+", "-", "X", "!", "?"
  std::string colour;                 // Cochrane / robvis colour
  std::string colourblind;            // colour-blind-safe alternative
  int severity = 0;                   // order for "worst": higher is worse; kNoInformation, kNotApplicable
};

struct RobDomain {
  std::string id;    // short column header: D1, D2, ... or Q1, Q2, ...
  std::string name;  // as the tool publishes it: "Bias arising from the randomization process"
  std::vector<std::string> aliases;  // other headers for the column (robvis, RevMan), normalised
  bool optional = false;  // may be missing from a file (a note says so): IHE items, RoB 1's "other bias"
};

enum class OverallRule {
  kRob2,      // all low: low; any high: high; otherwise some concerns
  kWorst,     // the most severe domain judgement
  kQuips,     // Grooten et al. 2019: low with at most one moderate; high with any high or >= 3 moderate
  kItemsMet,  // IHE: the number of items answered yes (partial counts half), against a threshold
  kNos,       // AHRQ conversion of Newcastle-Ottawa stars
};

struct RobTool {
  std::string id;
  std::vector<std::string> aliases;  // other spellings of the id (robvis's tool names, lower case)
  std::string name;
  std::vector<RobDomain> domains;      // empty for generic: every other column is a domain
  std::vector<JudgementLevel> levels;  // for kNos: good / fair / poor
  OverallRule rule = OverallRule::kWorst;
  std::string rule_text;  // the rule in words, for messages and the methods text
  // The severity a "No information" domain counts as in the rule (RoB 2: some concerns), or
  // nullopt when "No information" may itself be the overall judgement (ROBINS-I).
  std::optional<int> no_information_as;
  // Judgements that mean something else in another convention and are refused (with the reason).
  std::vector<std::pair<std::string, std::string>> ambiguous;
};

// Tool by id or alias, case-insensitive ("ROB2", "ROBINS-I", "QUADAS-2", "ROB2-Cluster", as robvis
// names them). Throws carta::Error (kInvalidOption) for an unknown id, naming the known ones.
const RobTool& rob_tool(std::string_view id);
// The same lookup without throwing: nullptr for an unknown id.
const RobTool* find_rob_tool(std::string_view id);
std::vector<std::string> rob_tool_ids();

// Text as the matching of judgements and column headers sees it: lower case, '_' and '.' as
// blanks, runs of blanks as one, no blanks at the ends.
std::string normalise_rob_text(std::string_view text);

// The level index a reviewer's text means (case and spacing ignored), or nullopt.
std::optional<std::size_t> parse_judgement(const RobTool& tool, std::string_view text);
// Why `text` is refused although it looks like a judgement (an ambiguous symbol), or empty.
std::string ambiguous_judgement(const RobTool& tool, std::string_view text);

struct StudyAssessment {
  std::string study;
  std::vector<std::size_t> domains;     // level index per domain, in the tool's order (kNos: category)
  std::vector<int> stars;               // kNos only: stars per domain
  std::optional<std::size_t> reported;  // the overall judgement the reviewers wrote, if any
  std::size_t by_rule = 0;              // the overall judgement the tool's rule gives from the domains
  std::size_t overall = 0;              // the overall judgement carta uses: reported, else by_rule
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

// Derives each study's overall judgement by the tool's rule (by_rule) and sets the one carta uses
// (overall): the reviewers' reported judgement when there is one, else the rule's. A reported
// judgement that differs from the rule is kept, with a note naming the study's both judgements
// (for RoB 2 a reported "high" with some concerns in several domains is what the guidance allows,
// and the note says so). Never throws for a disagreement.
void derive_overall(RobAssessment& assessment);

// Share of studies (or of weight) at each level, per domain and overall: the summary plot's bars.
struct DomainSummary {
  std::string name;
  std::vector<double> share;  // per level, sums to 1 over the rated studies
};
std::vector<DomainSummary> summarise(const RobAssessment& assessment, bool weighted);

}  // namespace carta::review
