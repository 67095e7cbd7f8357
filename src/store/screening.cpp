// Screening in the workspace: each reviewer's queue (blinded: a reviewer sees only their own
// votes), votes and adjudications as transactions with an audit row each, and the counts, kappa
// and PRISMA computed by review::summarise_screening from the same decision log that
// `carta screening` reads.

#include <fmt/format.h>

#include <fstream>
#include <map>
#include <set>

#include "carta/error.hpp"
#include "store_impl.hpp"

namespace carta::store {

namespace {

using review::ScreeningStage;
using review::ScreeningVote;

// A record screened at title and abstract: not removed as a duplicate.
constexpr const char* kTitlePool = "r.duplicate_of IS NULL";

// A record that passed title and abstract, as review::summarise_screening decides it: the
// adjudicator's include or maybe, or else enough votes and none of them exclude.
std::string full_text_pool(int needed) {
  return fmt::format(
      "r.duplicate_of IS NULL AND ("
      "EXISTS (SELECT 1 FROM adjudications a WHERE a.record_id = r.id AND a.stage = 'title_abstract' AND "
      "a.vote IN ('include', 'maybe')) OR "
      "(NOT EXISTS (SELECT 1 FROM adjudications a WHERE a.record_id = r.id AND a.stage = 'title_abstract') AND "
      "(SELECT count(*) FROM votes v WHERE v.record_id = r.id AND v.stage = 'title_abstract') >= {} AND "
      "NOT EXISTS (SELECT 1 FROM votes v WHERE v.record_id = r.id AND v.stage = 'title_abstract' AND v.vote = 'exclude')))",
      needed);
}

std::string pool(ScreeningStage stage, int needed) {
  return stage == ScreeningStage::kTitleAbstract ? std::string(kTitlePool) : full_text_pool(needed);
}

std::string str(ScreeningStage s) { return std::string(stage_name(s)); }

bool in_pool(SQLite::Database& db, ScreeningStage stage, std::int64_t record) {
  SQLite::Statement q(db, fmt::format("SELECT count(*) FROM records r WHERE r.id = ? AND {}", pool(stage, detail::votes_needed(db))));
  q.bind(1, static_cast<std::int64_t>(record));
  q.executeStep();
  return q.getColumn(0).getInt64() > 0;
}

std::optional<Vote> own_vote(SQLite::Database& db, const User& reviewer, ScreeningStage stage, std::int64_t record) {
  SQLite::Statement q(db, "SELECT vote, reason, note, voted_at FROM votes WHERE record_id = ? AND stage = ? AND user_id = ?");
  q.bind(1, static_cast<std::int64_t>(record));
  q.bind(2, str(stage));
  q.bind(3, static_cast<std::int64_t>(reviewer.id));
  if (!q.executeStep()) return std::nullopt;
  Vote v;
  v.reviewer = reviewer.name;
  v.vote = parse_vote(q.getColumn(0).getString()).value_or(ScreeningVote::kInclude);
  v.reason = q.getColumn(1).getString();
  v.note = q.getColumn(2).getString();
  v.at = q.getColumn(3).getString();
  return v;
}

ScreeningItem make_item(SQLite::Database& db, const User& reviewer, ScreeningStage stage, std::int64_t record) {
  ScreeningItem item;
  item.record = detail::load_record(db, record);
  item.own_vote = own_vote(db, reviewer, stage, record);
  SQLite::Statement done(db, "SELECT count(*) FROM votes WHERE user_id = ? AND stage = ?");
  done.bind(1, static_cast<std::int64_t>(reviewer.id));
  done.bind(2, str(stage));
  done.executeStep();
  item.position = done.getColumn(0).getInt64();
  item.total = db.execAndGet(fmt::format("SELECT count(*) FROM records r WHERE {}", pool(stage, detail::votes_needed(db)))).getInt64();
  return item;
}

void check_text(std::string_view text, std::size_t limit, const char* what) {
  if (text.size() > limit) throw Error(ErrorCategory::kInvalidInput, fmt::format("{} has at most {} characters", what, limit));
}

}  // namespace

std::optional<ScreeningItem> Workspace::next_item(const User& reviewer, ScreeningStage stage, std::int64_t after) const {
  return detail::read(*impl_, [&](SQLite::Database& db) -> std::optional<ScreeningItem> {
    const int needed = detail::votes_needed(db);
    const std::string sql = fmt::format(
        "SELECT r.id FROM records r WHERE r.id > :after AND {} "
        "AND NOT EXISTS (SELECT 1 FROM votes v WHERE v.record_id = r.id AND v.stage = :stage AND v.user_id = :user) "
        "AND NOT EXISTS (SELECT 1 FROM adjudications a WHERE a.record_id = r.id AND a.stage = :stage) "
        "AND (SELECT count(*) FROM votes v WHERE v.record_id = r.id AND v.stage = :stage) < {} "
        "ORDER BY r.id LIMIT 1",
        pool(stage, needed), needed);
    // After the current record first, then from the start (records skipped on the way).
    for (const std::int64_t from : {after, std::int64_t{0}}) {
      SQLite::Statement q(db, sql);
      q.bind(":stage", str(stage));
      q.bind(":user", static_cast<std::int64_t>(reviewer.id));
      q.bind(":after", static_cast<std::int64_t>(from));
      if (q.executeStep()) return make_item(db, reviewer, stage, q.getColumn(0).getInt64());
      if (from == 0) break;
    }
    return std::nullopt;
  });
}

std::optional<ScreeningItem> Workspace::item(const User& reviewer, ScreeningStage stage, std::int64_t record) const {
  return detail::read(*impl_, [&](SQLite::Database& db) -> std::optional<ScreeningItem> {
    if (!in_pool(db, stage, record)) return std::nullopt;
    return make_item(db, reviewer, stage, record);
  });
}

std::optional<std::int64_t> Workspace::previous_voted(const User& reviewer, ScreeningStage stage, std::int64_t before) const {
  return detail::read(*impl_, [&](SQLite::Database& db) -> std::optional<std::int64_t> {
    SQLite::Statement q(db,
                        "SELECT record_id FROM votes WHERE user_id = ? AND stage = ? AND (? = 0 OR record_id < ?) "
                        "ORDER BY record_id DESC LIMIT 1");
    q.bind(1, static_cast<std::int64_t>(reviewer.id));
    q.bind(2, str(stage));
    q.bind(3, static_cast<std::int64_t>(before));
    q.bind(4, static_cast<std::int64_t>(before));
    if (!q.executeStep()) return std::nullopt;
    return q.getColumn(0).getInt64();
  });
}

void Workspace::vote(const User& reviewer, std::int64_t record, ScreeningStage stage, ScreeningVote vote,
                     std::string_view reason, std::string_view note) {
  if (stage == ScreeningStage::kTitleAbstract && vote == ScreeningVote::kNotRetrieved) {
    throw Error(ErrorCategory::kInvalidInput, "'not retrieved' is a full-text decision");
  }
  if (stage == ScreeningStage::kFullText && vote == ScreeningVote::kExclude && reason.empty()) {
    throw Error(ErrorCategory::kInvalidInput, "a full-text exclusion needs a reason (PRISMA 2020 reports them): choose one");
  }
  check_text(reason, 500, "a reason");
  check_text(note, 10000, "a note");
  detail::write(*impl_, [&](SQLite::Database& db) {
    if (!in_pool(db, stage, record)) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{} is not screened at {} (a duplicate, or not through title and abstract)",
                              detail::record_label(record), stage_name(stage)));
    }
    SQLite::Statement adj(db, "SELECT count(*) FROM adjudications WHERE record_id = ? AND stage = ?");
    adj.bind(1, static_cast<std::int64_t>(record));
    adj.bind(2, str(stage));
    adj.executeStep();
    if (adj.getColumn(0).getInt64() > 0) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{} was adjudicated at {}; the adjudicator can change the decision", detail::record_label(record),
                              stage_name(stage)));
    }
    if (stage == ScreeningStage::kTitleAbstract) {
      SQLite::Statement ft(db, "SELECT count(*) FROM votes WHERE record_id = ? AND stage = 'full_text'");
      ft.bind(1, static_cast<std::int64_t>(record));
      ft.executeStep();
      if (ft.getColumn(0).getInt64() > 0) {
        throw Error(ErrorCategory::kInvalidInput,
                    fmt::format("{} is in full-text screening already; its title/abstract votes are settled",
                                detail::record_label(record)));
      }
    }
    const auto old = own_vote(db, reviewer, stage, record);
    SQLite::Statement q(db,
                        "INSERT INTO votes(record_id, stage, user_id, vote, reason, note, voted_at) VALUES(?, ?, ?, ?, ?, ?, ?) "
                        "ON CONFLICT(record_id, stage, user_id) DO UPDATE SET vote = excluded.vote, reason = excluded.reason, "
                        "note = excluded.note, voted_at = excluded.voted_at");
    q.bind(1, static_cast<std::int64_t>(record));
    q.bind(2, str(stage));
    q.bind(3, static_cast<std::int64_t>(reviewer.id));
    q.bind(4, std::string(vote_name(vote)));
    q.bind(5, std::string(reason));
    q.bind(6, std::string(note));
    q.bind(7, detail::now_utc());
    q.exec();
    auto describe = [](ScreeningVote v, std::string_view why) {
      return why.empty() ? std::string(vote_name(v)) : fmt::format("{} ({})", vote_name(v), why);
    };
    detail::audit(db, &reviewer, "vote", record, stage_name(stage), old ? describe(old->vote, old->reason) : "",
                  describe(vote, reason));
  });
}

void Workspace::undo_vote(const User& reviewer, std::int64_t record, ScreeningStage stage) {
  detail::write(*impl_, [&](SQLite::Database& db) {
    const auto old = own_vote(db, reviewer, stage, record);
    if (!old) return;
    SQLite::Statement adj(db, "SELECT count(*) FROM adjudications WHERE record_id = ? AND stage = ?");
    adj.bind(1, static_cast<std::int64_t>(record));
    adj.bind(2, str(stage));
    adj.executeStep();
    if (adj.getColumn(0).getInt64() > 0) {
      throw Error(ErrorCategory::kInvalidInput, fmt::format("{} was adjudicated; its votes are settled", detail::record_label(record)));
    }
    if (stage == ScreeningStage::kTitleAbstract) {
      SQLite::Statement ft(db, "SELECT count(*) FROM votes WHERE record_id = ? AND stage = 'full_text'");
      ft.bind(1, static_cast<std::int64_t>(record));
      ft.executeStep();
      if (ft.getColumn(0).getInt64() > 0) {
        throw Error(ErrorCategory::kInvalidInput, fmt::format("{} is in full-text screening already", detail::record_label(record)));
      }
    }
    SQLite::Statement q(db, "DELETE FROM votes WHERE record_id = ? AND stage = ? AND user_id = ?");
    q.bind(1, static_cast<std::int64_t>(record));
    q.bind(2, str(stage));
    q.bind(3, static_cast<std::int64_t>(reviewer.id));
    q.exec();
    detail::audit(db, &reviewer, "undo vote", record, stage_name(stage), std::string(vote_name(old->vote)), "");
  });
}

std::vector<Progress> Workspace::progress() const {
  return detail::read(*impl_, [](SQLite::Database& db) {
    const int needed = detail::votes_needed(db);
    const auto ta_total = db.execAndGet(fmt::format("SELECT count(*) FROM records r WHERE {}", kTitlePool)).getInt64();
    const auto ft_total = db.execAndGet(fmt::format("SELECT count(*) FROM records r WHERE {}", full_text_pool(needed))).getInt64();
    std::vector<Progress> out;
    SQLite::Statement q(db,
                        "SELECT u.name, "
                        "(SELECT count(*) FROM votes v WHERE v.user_id = u.id AND v.stage = 'title_abstract'), "
                        "(SELECT count(*) FROM votes v WHERE v.user_id = u.id AND v.stage = 'full_text') "
                        "FROM users u ORDER BY u.id");
    while (q.executeStep()) {
      Progress p;
      p.reviewer = q.getColumn(0).getString();
      p.title_abstract_done = q.getColumn(1).getInt64();
      p.full_text_done = q.getColumn(2).getInt64();
      p.title_abstract_total = ta_total;
      p.full_text_total = ft_total;
      out.push_back(p);
    }
    return out;
  });
}

review::ScreeningOptions Workspace::options() const {
  return detail::read(*impl_, [](SQLite::Database& db) { return detail::screening_options(db); });
}

std::vector<review::ScreeningDecision> Workspace::decisions() const {
  return detail::read(*impl_, [](SQLite::Database& db) {
    std::vector<review::ScreeningDecision> out;
    // Votes, then adjudications, each in record order; the study of a report goes with its
    // full-text decisions.
    SQLite::Statement q(db,
                        "SELECT x.record_id, x.stage, u.name, x.vote, x.reason, r.study, x.adjudicator FROM ("
                        " SELECT record_id, stage, user_id, vote, reason, voted_at AS at, 0 AS adjudicator FROM votes"
                        " UNION ALL"
                        " SELECT record_id, stage, user_id, vote, reason, decided_at AS at, 1 AS adjudicator FROM adjudications"
                        ") x JOIN users u ON u.id = x.user_id JOIN records r ON r.id = x.record_id "
                        "WHERE r.duplicate_of IS NULL "
                        "ORDER BY x.record_id, x.stage = 'full_text', x.adjudicator, x.at, u.id");
    std::size_t line = 1;  // the header of the log
    while (q.executeStep()) {
      review::ScreeningDecision d;
      d.record = detail::record_label(q.getColumn(0).getInt64());
      d.stage = parse_stage(q.getColumn(1).getString()).value_or(ScreeningStage::kTitleAbstract);
      d.reviewer = q.getColumn(2).getString();
      d.vote = parse_vote(q.getColumn(3).getString()).value_or(ScreeningVote::kInclude);
      d.reason = q.getColumn(4).getString();
      if (d.stage == ScreeningStage::kFullText) d.study = q.getColumn(5).getString();
      d.adjudicator = q.getColumn(6).getInt() != 0;
      d.line = ++line;
      out.push_back(std::move(d));
    }
    return out;
  });
}

std::vector<Conflict> Workspace::conflicts(ScreeningStage stage) const {
  const auto log = decisions();
  const auto result = review::summarise_screening(log, options());
  std::vector<Conflict> out;
  for (const auto& o : result.outcomes) {
    if (o.stage != stage || o.status != review::RecordStatus::kConflict) continue;
    const auto id = std::stoll(o.record.substr(1));
    Conflict c;
    c.stage = stage;
    detail::read(*impl_, [&](SQLite::Database& db) {
      c.record = detail::load_record(db, id);
      SQLite::Statement q(db,
                          "SELECT u.name, v.vote, v.reason, v.note, v.voted_at FROM votes v JOIN users u ON u.id = v.user_id "
                          "WHERE v.record_id = ? AND v.stage = ? ORDER BY u.id");
      q.bind(1, static_cast<std::int64_t>(id));
      q.bind(2, str(stage));
      while (q.executeStep()) {
        Vote v;
        v.reviewer = q.getColumn(0).getString();
        v.vote = parse_vote(q.getColumn(1).getString()).value_or(ScreeningVote::kInclude);
        v.reason = q.getColumn(2).getString();
        v.note = q.getColumn(3).getString();
        v.at = q.getColumn(4).getString();
        c.votes.push_back(std::move(v));
      }
      return 0;
    });
    out.push_back(std::move(c));
  }
  return out;
}

void Workspace::adjudicate(const User& by, std::int64_t record, ScreeningStage stage, ScreeningVote vote, std::string_view reason) {
  if (!by.can_adjudicate()) throw Error(ErrorCategory::kInvalidInput, "only an adjudicator or the owner resolves conflicts");
  if (stage == ScreeningStage::kTitleAbstract && vote == ScreeningVote::kNotRetrieved) {
    throw Error(ErrorCategory::kInvalidInput, "'not retrieved' is a full-text decision");
  }
  if (stage == ScreeningStage::kFullText && vote == ScreeningVote::kExclude && reason.empty()) {
    throw Error(ErrorCategory::kInvalidInput, "a full-text exclusion needs a reason: choose one");
  }
  check_text(reason, 500, "a reason");
  detail::write(*impl_, [&](SQLite::Database& db) {
    if (!in_pool(db, stage, record)) {
      throw Error(ErrorCategory::kInvalidInput, fmt::format("{} is not screened at {}", detail::record_label(record), stage_name(stage)));
    }
    SQLite::Statement n(db, "SELECT count(*) FROM votes WHERE record_id = ? AND stage = ?");
    n.bind(1, static_cast<std::int64_t>(record));
    n.bind(2, str(stage));
    n.executeStep();
    if (n.getColumn(0).getInt64() == 0) {
      throw Error(ErrorCategory::kInvalidInput, fmt::format("{} has no votes at {} to adjudicate", detail::record_label(record), stage_name(stage)));
    }
    SQLite::Statement old(db, "SELECT vote FROM adjudications WHERE record_id = ? AND stage = ?");
    old.bind(1, static_cast<std::int64_t>(record));
    old.bind(2, str(stage));
    const std::string before = old.executeStep() ? old.getColumn(0).getString() : std::string();
    SQLite::Statement q(db,
                        "INSERT INTO adjudications(record_id, stage, user_id, vote, reason, decided_at) VALUES(?, ?, ?, ?, ?, ?) "
                        "ON CONFLICT(record_id, stage) DO UPDATE SET user_id = excluded.user_id, vote = excluded.vote, "
                        "reason = excluded.reason, decided_at = excluded.decided_at");
    q.bind(1, static_cast<std::int64_t>(record));
    q.bind(2, str(stage));
    q.bind(3, static_cast<std::int64_t>(by.id));
    q.bind(4, std::string(vote_name(vote)));
    q.bind(5, std::string(reason));
    q.bind(6, detail::now_utc());
    q.exec();
    detail::audit(db, &by, "adjudicate", record, stage_name(stage), before, std::string(vote_name(vote)));
  });
}

void Workspace::set_study(const User& by, std::int64_t record, std::string_view study) {
  check_text(study, 200, "a study name");
  detail::write(*impl_, [&](SQLite::Database& db) {
    const auto before = detail::load_record(db, record).study;
    SQLite::Statement q(db, "UPDATE records SET study = ? WHERE id = ?");
    q.bind(1, std::string(study));
    q.bind(2, static_cast<std::int64_t>(record));
    q.exec();
    detail::audit(db, &by, "study", record, "full_text", before, std::string(study));
  });
}

std::string Workspace::attach_fulltext(const User& by, std::int64_t record, std::string_view file_name, std::string_view pdf) {
  if (pdf.size() > kMaxFulltextBytes) {
    throw Error(ErrorCategory::kInvalidInput, fmt::format("a full text is at most {} MiB", kMaxFulltextBytes >> 20));
  }
  if (pdf.substr(0, 5) != "%PDF-") {
    throw Error(ErrorCategory::kInvalidInput, "the file is not a PDF (it does not start with %PDF-); upload the article's PDF");
  }
  check_text(file_name, 255, "a file name");
  const std::string digest = detail::sha256_hex(pdf);
  // Stored under its hash: the uploaded name never becomes a path.
  const auto path = impl_->folder / (digest + ".pdf");
  if (!std::filesystem::exists(path)) {
    const auto partial = impl_->folder / (digest + ".partial");
    {
      std::ofstream out(partial, std::ios::binary | std::ios::trunc);
      out.write(pdf.data(), static_cast<std::streamsize>(pdf.size()));
      out.flush();
      if (!out) throw Error(ErrorCategory::kIo, fmt::format("{}: cannot store the full text", partial.string()));
    }
    std::filesystem::rename(partial, path);
  }
  detail::write(*impl_, [&](SQLite::Database& db) {
    (void)detail::load_record(db, record);
    SQLite::Statement f(db, "INSERT OR IGNORE INTO fulltexts(sha256, bytes, file_name, user_id, uploaded_at) VALUES(?, ?, ?, ?, ?)");
    f.bind(1, digest);
    f.bind(2, static_cast<std::int64_t>(pdf.size()));
    f.bind(3, std::string(file_name));
    f.bind(4, static_cast<std::int64_t>(by.id));
    f.bind(5, detail::now_utc());
    f.exec();
    SQLite::Statement l(db, "INSERT INTO record_fulltexts(record_id, sha256) VALUES(?, ?) "
                            "ON CONFLICT(record_id) DO UPDATE SET sha256 = excluded.sha256");
    l.bind(1, static_cast<std::int64_t>(record));
    l.bind(2, digest);
    l.exec();
    detail::audit(db, &by, "full text", record, "full_text", "", fmt::format("{} ({} bytes)", file_name, pdf.size()));
  });
  return digest;
}

std::optional<std::filesystem::path> Workspace::fulltext_path(std::string_view sha256) const {
  if (sha256.size() != 64) return std::nullopt;
  for (const char c : sha256) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  auto path = impl_->folder / (std::string(sha256) + ".pdf");
  if (!std::filesystem::exists(path)) return std::nullopt;
  return path;
}

ScreeningState Workspace::screening_state() const {
  ScreeningState s;
  s.result = review::summarise_screening(decisions(), options());
  review::PrismaCounts identification;
  detail::read(*impl_, [&](SQLite::Database& db) {
    SQLite::Statement q(db, "SELECT database_name, sum(record_count) FROM imports GROUP BY database_name ORDER BY min(id)");
    std::int64_t total = 0;
    while (q.executeStep()) {
      identification.database_specific.push_back({q.getColumn(0).getString(), q.getColumn(1).getInt64()});
      total += q.getColumn(1).getInt64();
    }
    identification.database_results = total;
    identification.duplicates = db.execAndGet("SELECT count(*) FROM records WHERE duplicate_of IS NOT NULL").getInt64();
    const auto pool = db.execAndGet(fmt::format("SELECT count(*) FROM records r WHERE {}", kTitlePool)).getInt64();
    if (pool > s.result.title_abstract.records) {
      s.prisma_problems.push_back(fmt::format("{} of {} records have no title/abstract vote yet",
                                              pool - s.result.title_abstract.records, pool));
    }
    return 0;
  });
  s.prisma = review::prisma_counts(s.result, identification);
  if (!s.result.complete()) s.prisma_problems.push_back("screening is not finished (conflicts or votes awaited)");
  if (s.prisma_problems.empty()) {
    try {
      review::complete_and_check(s.prisma);
      s.prisma_complete = true;
    } catch (const Error& e) {
      s.prisma_problems.push_back(e.what());
    }
  }
  return s;
}

}  // namespace carta::store
