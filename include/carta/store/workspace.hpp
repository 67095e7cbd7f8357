#pragma once
// A review team's workspace: one SQLite database file (WAL, foreign keys, a schema version and
// migrations) holding the accounts, the imported search exports and their records, the
// deduplication, every screening vote and adjudication, the full texts' index and an audit trail
// of every change. The store owns the schema; deduplication, screening counts, kappa and PRISMA
// are the review library's, so that the workspace and the CLI compute the same numbers.
//
// Every public operation is one transaction: when it returns, its change is on disk (WAL with
// synchronous=FULL), so a decision the server acknowledges survives a kill -9. A Workspace may be
// used from many threads; operations are serialised on its one connection.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "carta/review/prisma.hpp"
#include "carta/review/records.hpp"
#include "carta/review/screening.hpp"

namespace carta::store {

inline constexpr int kSchemaVersion = 2;

enum class Role { kOwner, kReviewer, kAdjudicator };
std::string_view role_name(Role role);
std::optional<Role> parse_role(std::string_view text);

struct User {
  std::int64_t id = 0;
  std::string name;
  Role role = Role::kReviewer;
  bool can_adjudicate() const { return role == Role::kOwner || role == Role::kAdjudicator; }
  bool can_manage() const { return role == Role::kOwner; }
};

struct Session {
  std::string token;  // given to the browser once; only its hash is stored
  std::string csrf;   // required on every state-changing request of this session
  User user;
};

struct ImportSummary {
  std::int64_t id = 0;
  std::string database;  // the bibliographic database searched (PubMed, Embase, ...)
  std::string file_name;
  std::string format;
  std::int64_t records = 0;
  std::vector<std::string> notes;
  std::string imported_at;
  std::string imported_by;
};

struct RecordView {
  std::int64_t id = 0;
  std::string label;  // "R12": the record's name in the screening log
  review::BibRecord record;
  std::string database;
  std::optional<std::int64_t> duplicate_of;
  std::string study;  // full text: the study this report belongs to
  std::string fulltext_sha256;
};

struct Vote {
  std::string reviewer;
  review::ScreeningVote vote = review::ScreeningVote::kInclude;
  std::string reason, note, at;
  bool adjudicator = false;
};

// What one reviewer may see of a record at a stage: their own vote only (blinding), until the
// record's votes are all in; adjudicators see every vote of a conflict.
struct ScreeningItem {
  RecordView record;
  std::optional<Vote> own_vote;
  std::int64_t position = 0, total = 0;  // in the reviewer's list of records at this stage
};

struct Progress {
  std::string reviewer;
  std::int64_t title_abstract_done = 0, title_abstract_total = 0;
  std::int64_t full_text_done = 0, full_text_total = 0;
};

struct Conflict {
  RecordView record;
  review::ScreeningStage stage = review::ScreeningStage::kTitleAbstract;
  std::vector<Vote> votes;
};

struct DedupSummary {
  std::int64_t records = 0, duplicates = 0, review_pairs = 0, decisions_applied = 0;
  std::vector<std::string> notes;
};

struct DedupPair {
  RecordView a, b;
  double score = 0.0;
  std::string why;
  std::int64_t remaining = 0;
};

struct Settings {
  int votes_per_record = 2;  // 1 for a pilot round or a rapid review
  std::string criteria;      // eligibility criteria, shown while screening
  std::vector<std::string> include_keywords, exclude_keywords, exclusion_reasons;
};

struct ScreeningState {
  review::ScreeningResult result;  // review::summarise_screening of the log
  review::PrismaCounts prisma;     // identification from the imports, the rest from the result
  std::vector<std::string> prisma_problems;
  bool prisma_complete = false;
};

class Workspace {
 public:
  // Opens the review file, creating it (and the folder of uploaded files beside it, FILE.files)
  // when missing. Throws carta::Error (kIo) when it cannot be opened or is not a carta review,
  // (kInvalidInput) when a newer carta made it.
  explicit Workspace(const std::filesystem::path& file);
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  const std::filesystem::path& file() const;
  const std::filesystem::path& files_folder() const;
  int schema_version() const;

  // Accounts. Names: 1 to 64 printable characters; passwords at least 8 characters; argon2id.
  bool has_users() const;
  User add_user(std::string_view name, std::string_view password, Role role, const User* by = nullptr);
  std::vector<User> users() const;
  std::optional<Session> login(std::string_view name, std::string_view password);
  std::optional<Session> session(std::string_view token) const;
  void logout(std::string_view token);

  Settings settings() const;
  void save_settings(const Settings& settings, const User& by);

  // Imports a search export (any format io::parse_records reads) found in `database`.
  ImportSummary import_records(std::string_view database, std::string_view file_name, std::string_view content,
                               const User& by);
  std::vector<ImportSummary> imports() const;

  // Runs the deduplication over every record with the stored pair decisions. Refused once
  // screening has begun (a vote would lose its record).
  DedupSummary deduplicate(const User& by);
  std::optional<DedupPair> next_dedup_pair() const;
  void decide_dedup_pair(std::int64_t a, std::int64_t b, bool duplicate, const User& by);

  // Screening. The records a reviewer screens at a stage: at title and abstract every record not
  // removed as a duplicate; at full text those that passed title and abstract. A reviewer is
  // offered records they have not voted on that still need votes, in record order after `after`.
  std::optional<ScreeningItem> next_item(const User& reviewer, review::ScreeningStage stage, std::int64_t after = 0) const;
  std::optional<ScreeningItem> item(const User& reviewer, review::ScreeningStage stage, std::int64_t record) const;
  std::optional<std::int64_t> previous_voted(const User& reviewer, review::ScreeningStage stage, std::int64_t before) const;
  // A vote (replacing the reviewer's earlier vote on the record, which the audit keeps).
  void vote(const User& reviewer, std::int64_t record, review::ScreeningStage stage, review::ScreeningVote vote,
            std::string_view reason, std::string_view note);
  void undo_vote(const User& reviewer, std::int64_t record, review::ScreeningStage stage);
  std::vector<Progress> progress() const;
  std::vector<Conflict> conflicts(review::ScreeningStage stage) const;
  void adjudicate(const User& by, std::int64_t record, review::ScreeningStage stage, review::ScreeningVote vote,
                  std::string_view reason);
  void set_study(const User& by, std::int64_t record, std::string_view study);

  // Full texts: a PDF stored by its SHA-256 under files_folder(); returns the hash.
  std::string attach_fulltext(const User& by, std::int64_t record, std::string_view file_name, std::string_view pdf);
  std::optional<std::filesystem::path> fulltext_path(std::string_view sha256) const;

  RecordView record(std::int64_t id) const;

  // The decision log in `carta screening`'s format, and the counts computed from it.
  std::vector<review::ScreeningDecision> decisions() const;
  // The votes per record the settings ask for, as `carta screening --reviewers` takes them.
  review::ScreeningOptions options() const;
  ScreeningState screening_state() const;
  std::string screening_log_csv() const;
  std::vector<review::BibRecord> included_records() const;  // passed full text
  std::string conflicts_csv() const;
  std::string audit_csv() const;

  // Largest full text accepted, in bytes.
  static constexpr std::size_t kMaxFulltextBytes = 64u << 20;

  struct Impl;  // the connection and its lock (src/store/store_impl.hpp)

 private:
  std::unique_ptr<Impl> impl_;
};

// 32 random bytes as hexadecimal (libsodium): session, CSRF and setup tokens.
std::string random_token();

std::string_view stage_name(review::ScreeningStage stage);
std::optional<review::ScreeningStage> parse_stage(std::string_view text);
std::string_view vote_name(review::ScreeningVote vote);
std::optional<review::ScreeningVote> parse_vote(std::string_view text);

}  // namespace carta::store
