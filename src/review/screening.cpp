#include "carta/review/screening.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "carta/error.hpp"

namespace carta::review {

namespace {

const char* stage_name(ScreeningStage s) { return s == ScreeningStage::kTitleAbstract ? "title_abstract" : "full_text"; }

const char* vote_name(ScreeningVote v) {
  switch (v) {
    case ScreeningVote::kInclude: return "include";
    case ScreeningVote::kMaybe: return "maybe";
    case ScreeningVote::kExclude: return "exclude";
    case ScreeningVote::kNotRetrieved: return "not_retrieved";
  }
  return "?";
}

bool moves_on(ScreeningVote v) { return v == ScreeningVote::kInclude || v == ScreeningVote::kMaybe; }

std::string location(const std::string& source, std::size_t line) {
  return source.empty() ? fmt::format("line {}", line) : fmt::format("{}:{}", source, line);
}

[[noreturn]] void bad(const ScreeningDecision& d, const std::string& what) {
  throw Error(ErrorCategory::kInvalidInput, fmt::format("{}: record '{}': {}", location(d.source, d.line), d.record, what));
}

void check_reviewers(int n, const char* stage) {
  if (n < 1) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("reviewers per record at {} is {}; give 1 (one vote decides) or 2 (dual screening)", stage, n));
  }
}

}  // namespace

ScreeningResult summarise_screening(const std::vector<ScreeningDecision>& decisions, const ScreeningOptions& options) {
  ScreeningLog log;
  log.decisions = decisions;
  return summarise_screening(log, options);
}

ScreeningResult summarise_screening(const ScreeningLog& input, const ScreeningOptions& options) {
  check_reviewers(options.reviewers_title_abstract, "title/abstract");
  check_reviewers(options.reviewers_full_text, "full text");
  const auto& log = input.decisions;
  ScreeningResult out;
  out.options = options;
  // record -> stage -> decisions, in order of first appearance.
  std::vector<std::string> order;
  std::map<std::string, std::map<ScreeningStage, std::vector<const ScreeningDecision*>>> by_record;
  for (const auto& d : log) {
    if (d.stage == ScreeningStage::kTitleAbstract && d.vote == ScreeningVote::kNotRetrieved) {
      bad(d, "'not_retrieved' is a full-text decision; at title and abstract a record is include, maybe or exclude");
    }
    if (d.stage == ScreeningStage::kFullText && d.vote == ScreeningVote::kExclude && d.reason.empty()) {
      bad(d, "a full-text exclusion needs a reason (PRISMA 2020 reports them); fill the reason column");
    }
    auto& stages = by_record[d.record];
    if (stages.empty()) order.push_back(d.record);
    for (const auto* other : stages[d.stage]) {
      if (!d.adjudicator && other->reviewer == d.reviewer) {
        bad(d, fmt::format("reviewer '{}' already decided at {} (line {}); keep one decision per reviewer",
                           d.reviewer, stage_name(d.stage), other->line));
      }
    }
    stages[d.stage].push_back(&d);
  }
  std::set<std::string> listed;
  for (const auto& r : input.undecided) {
    if (by_record.find(r.record) == by_record.end()) order.push_back(r.record);
    listed.insert(r.record);
    by_record[r.record];  // a record with no decision at any stage
  }

  std::map<std::string, std::int64_t> reasons;
  std::set<std::string> studies;
  for (const auto& record : order) {
    auto& stages = by_record[record];
    std::optional<RecordStatus> title_status;
    for (ScreeningStage stage : {ScreeningStage::kTitleAbstract, ScreeningStage::kFullText}) {
      const auto it = stages.find(stage);
      if (it == stages.end()) {
        if (stage == ScreeningStage::kFullText && title_status == RecordStatus::kIncluded) ++out.awaiting_full_text;
        if (stage == ScreeningStage::kTitleAbstract && listed.count(record)) {
          RecordOutcome o;
          o.record = record;
          o.stage = stage;
          o.status = RecordStatus::kNotScreened;
          ++out.title_abstract.records;
          ++out.title_abstract.not_screened;
          title_status = o.status;
          out.outcomes.push_back(std::move(o));
        }
        continue;
      }
      const auto& decisions = it->second;
      if (stage == ScreeningStage::kFullText && title_status != RecordStatus::kIncluded) {
        const auto* first = decisions.front();
        if (!title_status) bad(*first, "has full-text decisions but was never screened at title and abstract");
        if (*title_status == RecordStatus::kExcluded) bad(*first, "has full-text decisions but was excluded at title and abstract");
        if (*title_status == RecordStatus::kNotScreened) {
          bad(*first, "has full-text decisions but no title/abstract decision yet");
        }
        bad(*first, "has full-text decisions while its title/abstract screening is unresolved (conflict or one vote)");
      }
      const std::size_t required = static_cast<std::size_t>(
          stage == ScreeningStage::kTitleAbstract ? options.reviewers_title_abstract : options.reviewers_full_text);
      RecordOutcome o;
      o.record = record;
      o.stage = stage;
      const ScreeningDecision* adjudication = nullptr;
      std::vector<const ScreeningDecision*> votes;
      for (const auto* d : decisions) {
        o.votes.push_back(fmt::format("{}: {}", d->reviewer, vote_name(d->vote)));
        if (d->adjudicator) {
          adjudication = d;  // the last adjudicator row wins: an adjudication may be revised
        } else {
          votes.push_back(d);
        }
      }
      auto status_of = [](const ScreeningDecision* d) {
        if (d->vote == ScreeningVote::kNotRetrieved) return RecordStatus::kNotRetrieved;
        return moves_on(d->vote) ? RecordStatus::kIncluded : RecordStatus::kExcluded;
      };
      const ScreeningDecision* deciding = nullptr;
      // Retrieval is a fact, not a judgement: one reviewer's "not retrieved" settles it, unless
      // someone retrieved and assessed the report, which is then judged on the assessments.
      const bool not_retrieved = !votes.empty() && std::all_of(votes.begin(), votes.end(), [](const auto* d) {
        return d->vote == ScreeningVote::kNotRetrieved;
      });
      if (!not_retrieved) {
        std::erase_if(votes, [](const auto* d) { return d->vote == ScreeningVote::kNotRetrieved; });
      }
      if (adjudication) {
        o.status = status_of(adjudication);
        o.adjudicated = true;
        deciding = adjudication;
      } else if (not_retrieved) {
        o.status = RecordStatus::kNotRetrieved;
      } else if (votes.size() < required) {
        o.status = RecordStatus::kAwaitingSecondVote;
      } else {
        const RecordStatus first = status_of(votes.front());
        const bool agree = std::all_of(votes.begin(), votes.end(), [&](const auto* d) { return status_of(d) == first; });
        o.status = agree ? first : RecordStatus::kConflict;
        deciding = votes.front();
      }
      if (o.status == RecordStatus::kExcluded && stage == ScreeningStage::kFullText) {
        o.reason = deciding->reason;
        if (!adjudication) {
          for (const auto* d : votes) {
            if (d->reason != o.reason) {
              out.notes.push_back(fmt::format("record '{}': the reviewers excluded it for different reasons ('{}', "
                                              "'{}'); the first is counted; adjudicate to choose",
                                              record, o.reason, d->reason));
              break;
            }
          }
        }
        ++reasons[o.reason];
      }
      if (o.status == RecordStatus::kIncluded && stage == ScreeningStage::kFullText) {
        // One report belongs to one study: reviewers who name different studies for it disagree,
        // and counting it once (or twice) would hide that. An adjudicator's study settles it.
        if (adjudication && !adjudication->study.empty()) {
          o.study = adjudication->study;
        } else {
          std::vector<std::string> named;  // "'study' (reviewer)"
          std::set<std::string> distinct;
          for (const auto* d : votes) {
            if (d->study.empty() || !moves_on(d->vote)) continue;
            distinct.insert(d->study);
            named.push_back(fmt::format("'{}' ({})", d->study, d->reviewer));
          }
          if (distinct.size() > 1) {
            o.status = RecordStatus::kConflict;
            std::string list;
            for (const auto& n : named) list += (list.empty() ? "" : ", ") + n;
            o.why = fmt::format("assigned to different studies: {}; a report belongs to one study: adjudicate, naming "
                                "the study",
                                list);
          } else if (distinct.size() == 1) {
            o.study = *distinct.begin();
          }
        }
        if (o.status == RecordStatus::kIncluded) {
          studies.insert(o.study.empty() ? record : o.study);
          ++out.included_reports;
        }
      }
      StageCounts& counts = stage == ScreeningStage::kTitleAbstract ? out.title_abstract : out.full_text;
      ++counts.records;
      switch (o.status) {
        case RecordStatus::kIncluded: ++counts.included; break;
        case RecordStatus::kExcluded: ++counts.excluded; break;
        case RecordStatus::kConflict: ++counts.conflicts; break;
        case RecordStatus::kAwaitingSecondVote: ++counts.awaiting; break;
        case RecordStatus::kNotRetrieved: ++counts.not_retrieved; break;
        case RecordStatus::kNotScreened: ++counts.not_screened; break;
      }
      if (stage == ScreeningStage::kTitleAbstract) title_status = o.status;
      out.outcomes.push_back(std::move(o));
    }
  }
  out.included_studies = static_cast<std::int64_t>(studies.size());
  for (const auto& [reason, n] : reasons) out.exclusion_reasons.push_back({reason, n});
  std::stable_sort(out.exclusion_reasons.begin(), out.exclusion_reasons.end(),
                   [](const NamedCount& a, const NamedCount& b) { return a.n > b.n; });

  // Agreement per reviewer pair and stage, over the records both rated (adjudicators excluded;
  // "not retrieved" is not a judgement of eligibility and is left out).
  std::set<std::string> reviewers;
  for (const auto& d : log) {
    if (!d.adjudicator) reviewers.insert(d.reviewer);
  }
  for (ScreeningStage stage : {ScreeningStage::kTitleAbstract, ScreeningStage::kFullText}) {
    if (!input.has_votes) break;
    std::map<std::string, std::map<std::string, bool>> votes;  // reviewer -> record -> moves on
    for (const auto& d : log) {
      if (d.stage == stage && !d.adjudicator && d.vote != ScreeningVote::kNotRetrieved) {
        votes[d.reviewer][d.record] = moves_on(d.vote);
      }
    }
    for (auto a = votes.begin(); a != votes.end(); ++a) {
      for (auto b = std::next(a); b != votes.end(); ++b) {
        AgreementStats s;
        s.reviewer_a = a->first;
        s.reviewer_b = b->first;
        s.stage = stage;
        std::int64_t yes_a = 0, yes_b = 0;
        for (const auto& [record, va] : a->second) {
          const auto it = b->second.find(record);
          if (it == b->second.end()) continue;
          ++s.both_rated;
          s.agree += va == it->second;
          yes_a += va;
          yes_b += it->second;
        }
        if (s.both_rated == 0) continue;
        const double n = static_cast<double>(s.both_rated);
        const double po = static_cast<double>(s.agree) / n;
        const double pa = static_cast<double>(yes_a) / n, pb = static_cast<double>(yes_b) / n;
        s.expected_agreement = pa * pb + (1 - pa) * (1 - pb);
        s.percent_agreement = 100 * po;
        s.kappa = s.expected_agreement < 1.0 ? (po - s.expected_agreement) / (1 - s.expected_agreement)
                                             : std::numeric_limits<double>::quiet_NaN();
        if (std::isnan(s.kappa)) {
          out.notes.push_back(fmt::format("{} vs {} at {}: every decision fell in one category, so kappa is undefined "
                                          "(agreement {:.0f}%)",
                                          s.reviewer_a, s.reviewer_b, stage_name(stage), s.percent_agreement));
        }
        out.agreement.push_back(s);
      }
    }
  }
  if (!input.has_votes) {
    out.agreement_note = "the log holds each record's final decision, not the reviewers' votes: Cohen's kappa and "
                         "percent agreement cannot be computed from it";
  } else if (out.agreement.empty()) {
    const bool one_reviewer_mode = options.reviewers_title_abstract == 1 && options.reviewers_full_text == 1;
    if (reviewers.size() < 2) {
      out.agreement_note = fmt::format("{}: Cohen's kappa needs two reviewers rating the same records, so it is not "
                                       "computed",
                                       reviewers.empty() ? std::string("no reviewer voted")
                                                         : fmt::format("only one reviewer ({}) voted", *reviewers.begin()));
    } else {
      out.agreement_note = fmt::format("no two reviewers rated the same records{}: Cohen's kappa is not computed",
                                       one_reviewer_mode ? " (one-reviewer mode: each record was screened once)" : "");
    }
  }
  // Every decided record with one vote under dual screening is most often a one-reviewer round
  // (a pilot, a rapid review) read with the default, not a review missing half its votes.
  for (ScreeningStage stage : {ScreeningStage::kTitleAbstract, ScreeningStage::kFullText}) {
    const StageCounts& c = stage == ScreeningStage::kTitleAbstract ? out.title_abstract : out.full_text;
    const int required = stage == ScreeningStage::kTitleAbstract ? options.reviewers_title_abstract : options.reviewers_full_text;
    if (required == 2 && c.awaiting > 0 && c.awaiting == c.records - c.not_screened - c.not_retrieved) {
      out.notes.push_back(fmt::format("every {} record decided so far has one vote: if one reviewer screens this stage "
                                      "(a pilot round, a rapid review), give --reviewers 1{}",
                                      stage == ScreeningStage::kTitleAbstract ? "title/abstract" : "full-text",
                                      stage == ScreeningStage::kTitleAbstract ? "" : " (or --reviewers full_text=1)"));
    }
  }
  if (!out.complete()) {
    const auto awaiting = [](std::int64_t n, int required) {
      return required == 1 ? fmt::format("{} without a vote", n) : fmt::format("{} with too few votes", n);
    };
    out.notes.push_back(fmt::format(
        "screening is not finished: {} record(s) not yet screened, {} conflict(s) and {} at title/abstract, {} "
        "conflict(s) and {} at full text, {} awaiting full-text screening; PRISMA counts are provisional",
        out.title_abstract.not_screened, out.title_abstract.conflicts,
        awaiting(out.title_abstract.awaiting, options.reviewers_title_abstract), out.full_text.conflicts,
        awaiting(out.full_text.awaiting, options.reviewers_full_text), out.awaiting_full_text));
  }
  return out;
}

PrismaCounts prisma_counts(const ScreeningResult& r, const PrismaCounts& identification) {
  PrismaCounts c = identification;
  c.records_screened = r.title_abstract.records;
  c.records_excluded = r.title_abstract.excluded;
  c.dbr_sought = r.title_abstract.included;
  c.dbr_notretrieved = r.full_text.not_retrieved;
  c.dbr_assessed = r.full_text.included + r.full_text.excluded;
  c.dbr_excluded = r.exclusion_reasons;
  c.new_reports = r.included_reports;
  c.new_studies = r.included_studies;
  return c;
}

}  // namespace carta::review
