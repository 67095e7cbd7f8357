#pragma once
// Dual screening as Covidence runs it, from a decision log: each record is screened at title and
// abstract, then (if it passes) at full text, by two or more independent reviewers; include and
// maybe both move a record on, exclude stops it; disagreement is a conflict until an adjudicator
// decides. A one-reviewer mode (pilot rounds, rapid reviews) lets one vote decide. From the log:
// per-stage counts, conflicts, Cohen's kappa per reviewer pair, exclusion reasons, and the PRISMA
// 2020 counts, so that no number in the flow diagram is typed by hand.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "carta/review/prisma.hpp"

namespace carta::review {

enum class ScreeningStage { kTitleAbstract, kFullText };
enum class ScreeningVote { kInclude, kMaybe, kExclude, kNotRetrieved };

struct ScreeningDecision {
  std::string record;
  ScreeningStage stage = ScreeningStage::kTitleAbstract;
  std::string reviewer;
  ScreeningVote vote = ScreeningVote::kInclude;
  std::string reason;      // required for full-text exclusions
  std::string study;       // full-text inclusions: the study the report belongs to (optional)
  std::string source;      // the file it came from, for messages (may be empty)
  std::size_t line = 0;    // in that file, for messages
  bool adjudicator = false;
};

// A record listed for title/abstract screening that nobody has decided on yet (an export lists
// every record of the review, screened or not): it counts as screened-to-be, never as lost.
struct ListedRecord {
  std::string record;
  std::string source;
  std::size_t line = 0;
};

struct ScreeningLog {
  std::vector<ScreeningDecision> decisions;
  std::vector<ListedRecord> undecided;
  // False when the log holds each record's final decision rather than the reviewers' votes (a
  // Covidence references export): agreement cannot be computed from it.
  bool has_votes = true;
};

struct ScreeningOptions {
  // Votes that decide a record at each stage without an adjudicator: 2 (dual screening, the
  // default) or 1 (one reviewer moves a record on). Two votes that disagree are a conflict either way.
  int reviewers_title_abstract = 2;
  int reviewers_full_text = 2;
};

enum class RecordStatus { kIncluded, kExcluded, kConflict, kAwaitingSecondVote, kNotRetrieved, kNotScreened };

struct RecordOutcome {
  std::string record;
  ScreeningStage stage = ScreeningStage::kTitleAbstract;
  RecordStatus status = RecordStatus::kIncluded;
  std::string reason;  // full-text exclusion reason used
  std::string study;
  std::vector<std::string> votes;  // "reviewer: vote" for conflict lists
  std::string why;                 // what makes a conflict when the votes alone do not say it
  bool adjudicated = false;
};

struct AgreementStats {
  std::string reviewer_a, reviewer_b;
  ScreeningStage stage = ScreeningStage::kTitleAbstract;
  std::int64_t both_rated = 0;
  std::int64_t agree = 0;
  double percent_agreement = 0.0;  // percent
  double kappa = 0.0;              // Cohen's kappa on include (include or maybe) vs exclude; NaN if undefined
  double expected_agreement = 0.0;
};

struct StageCounts {
  std::int64_t records = 0, included = 0, excluded = 0, conflicts = 0, awaiting = 0, not_retrieved = 0;
  std::int64_t not_screened = 0;  // listed, no decision yet (title/abstract)
};

struct ScreeningResult {
  StageCounts title_abstract, full_text;
  std::int64_t awaiting_full_text = 0;  // passed title/abstract, no full-text decision yet
  std::vector<RecordOutcome> outcomes;  // one per record and stage
  std::vector<AgreementStats> agreement;
  std::string agreement_note;  // why no kappa is given, when none is
  std::vector<NamedCount> exclusion_reasons;  // full text, by count (then name)
  std::int64_t included_reports = 0;
  std::int64_t included_studies = 0;
  ScreeningOptions options;
  std::vector<std::string> notes;
  [[nodiscard]] bool complete() const {
    return title_abstract.conflicts == 0 && title_abstract.awaiting == 0 && title_abstract.not_screened == 0 &&
           full_text.conflicts == 0 && full_text.awaiting == 0 && awaiting_full_text == 0;
  }
};

// Throws carta::Error (kInvalidInput) naming the file and line for a full-text exclusion without a
// reason, a reviewer voting twice on one record and stage, a full-text decision for a record
// excluded (or never screened) at title and abstract, or "not retrieved" at title and abstract;
// (kInvalidOption) for a number of reviewers other than 1 or 2. A record whose full-text
// inclusions name different studies is a conflict (one report cannot be two studies) until an
// adjudicator's row names the study.
ScreeningResult summarise_screening(const ScreeningLog& log, const ScreeningOptions& options = {});
ScreeningResult summarise_screening(const std::vector<ScreeningDecision>& decisions, const ScreeningOptions& options = {});

// PRISMA counts from the screening result and the identification numbers (databases,
// registers, records removed before screening); the caller runs complete_and_check.
PrismaCounts prisma_counts(const ScreeningResult& result, const PrismaCounts& identification);

}  // namespace carta::review
