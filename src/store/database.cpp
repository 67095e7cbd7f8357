// The review file: opening, the schema and its migrations, and helpers every operation shares.

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sodium.h>

#include <array>
#include <chrono>
#include <system_error>

#include "carta/error.hpp"
#include "store_impl.hpp"

namespace carta::store {

namespace {

// "CaRT" in the SQLite header's application_id: tells a review from any other SQLite file.
constexpr int kApplicationId = 0x43615254;

// Each entry migrates the schema from version i to i + 1. Never edit a released entry: add one.
const std::array<const char*, kSchemaVersion> kMigrations = {
    R"sql(
CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE users(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  role TEXT NOT NULL CHECK(role IN ('owner', 'reviewer', 'adjudicator')),
  password_hash TEXT NOT NULL,
  created_at TEXT NOT NULL);
CREATE TABLE sessions(
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at INTEGER NOT NULL);
CREATE TABLE imports(
  id INTEGER PRIMARY KEY,
  database_name TEXT NOT NULL,
  file_name TEXT NOT NULL,
  format TEXT NOT NULL,
  record_count INTEGER NOT NULL,
  notes TEXT NOT NULL DEFAULT '',
  sha256 TEXT NOT NULL,
  user_id INTEGER REFERENCES users(id),
  imported_at TEXT NOT NULL);
CREATE TABLE records(
  id INTEGER PRIMARY KEY,
  import_id INTEGER NOT NULL REFERENCES imports(id),
  position INTEGER NOT NULL,
  record_key TEXT NOT NULL,
  source_id TEXT NOT NULL DEFAULT '',
  type TEXT NOT NULL DEFAULT '',
  title TEXT NOT NULL DEFAULT '',
  authors TEXT NOT NULL DEFAULT '',
  year TEXT NOT NULL DEFAULT '',
  journal TEXT NOT NULL DEFAULT '',
  volume TEXT NOT NULL DEFAULT '',
  issue TEXT NOT NULL DEFAULT '',
  pages TEXT NOT NULL DEFAULT '',
  doi TEXT NOT NULL DEFAULT '',
  pmid TEXT NOT NULL DEFAULT '',
  abstract TEXT NOT NULL DEFAULT '',
  duplicate_of INTEGER REFERENCES records(id),
  study TEXT NOT NULL DEFAULT '');
CREATE INDEX records_unique ON records(duplicate_of, id);
CREATE TABLE dedup_pairs(
  a INTEGER NOT NULL REFERENCES records(id),
  b INTEGER NOT NULL REFERENCES records(id),
  score REAL NOT NULL,
  why TEXT NOT NULL DEFAULT '',
  decision TEXT CHECK(decision IN ('duplicate', 'different')),
  user_id INTEGER REFERENCES users(id),
  decided_at TEXT,
  PRIMARY KEY(a, b));
CREATE TABLE votes(
  record_id INTEGER NOT NULL REFERENCES records(id),
  stage TEXT NOT NULL CHECK(stage IN ('title_abstract', 'full_text')),
  user_id INTEGER NOT NULL REFERENCES users(id),
  vote TEXT NOT NULL CHECK(vote IN ('include', 'maybe', 'exclude', 'not_retrieved')),
  reason TEXT NOT NULL DEFAULT '',
  note TEXT NOT NULL DEFAULT '',
  voted_at TEXT NOT NULL,
  PRIMARY KEY(record_id, stage, user_id));
CREATE INDEX votes_by_user ON votes(user_id, stage, record_id);
CREATE TABLE adjudications(
  record_id INTEGER NOT NULL REFERENCES records(id),
  stage TEXT NOT NULL CHECK(stage IN ('title_abstract', 'full_text')),
  user_id INTEGER NOT NULL REFERENCES users(id),
  vote TEXT NOT NULL CHECK(vote IN ('include', 'maybe', 'exclude', 'not_retrieved')),
  reason TEXT NOT NULL DEFAULT '',
  decided_at TEXT NOT NULL,
  PRIMARY KEY(record_id, stage));
CREATE TABLE fulltexts(
  sha256 TEXT PRIMARY KEY,
  bytes INTEGER NOT NULL,
  file_name TEXT NOT NULL,
  user_id INTEGER REFERENCES users(id),
  uploaded_at TEXT NOT NULL);
CREATE TABLE record_fulltexts(
  record_id INTEGER PRIMARY KEY REFERENCES records(id),
  sha256 TEXT NOT NULL REFERENCES fulltexts(sha256));
CREATE TABLE audit(
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  user_name TEXT NOT NULL,
  action TEXT NOT NULL,
  record_id INTEGER,
  stage TEXT NOT NULL DEFAULT '',
  old_value TEXT NOT NULL DEFAULT '',
  new_value TEXT NOT NULL DEFAULT '');
)sql",
    // 2: the fields the records readers gained (keywords, ISSN/ISBN, accession numbers, ...), as one
    // JSON object, so that exports of the included records lose nothing the search export had.
    R"sql(
ALTER TABLE records ADD COLUMN extra TEXT NOT NULL DEFAULT '{}';
)sql",
};

}  // namespace

namespace detail {

int migrate(SQLite::Database& db, const std::filesystem::path& file) {
  const int application_id = db.execAndGet("PRAGMA application_id").getInt();
  int version = db.execAndGet("PRAGMA user_version").getInt();
  const bool empty = db.execAndGet("SELECT count(*) FROM sqlite_schema").getInt() == 0;
  if (!empty && application_id != kApplicationId) {
    throw Error(ErrorCategory::kIo, fmt::format("{}: is an SQLite database but not a carta review; give a new file "
                                                "name to create a review, or the .carta file carta serve made",
                                                file.string()));
  }
  if (version > kSchemaVersion) {
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("{}: was made by a newer carta (review schema {}, this carta knows up to {}); "
                            "update carta to open it",
                            file.string(), version, kSchemaVersion));
  }
  if (empty) db.exec(fmt::format("PRAGMA application_id = {}", kApplicationId));
  while (version < kSchemaVersion) {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::EXCLUSIVE);
    db.exec(kMigrations[static_cast<std::size_t>(version)]);
    ++version;
    db.exec(fmt::format("PRAGMA user_version = {}", version));
    tx.commit();
  }
  return version;
}

std::string now_utc() {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

std::string hex(std::string_view bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  out.pop_back();
  return out;
}

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  return hex(raw);
}

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return hex(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

void audit(SQLite::Database& db, const User* by, std::string_view action, std::int64_t record, std::string_view stage,
           std::string_view old_value, std::string_view new_value) {
  SQLite::Statement q(db,
                      "INSERT INTO audit(at, user_name, action, record_id, stage, old_value, new_value) "
                      "VALUES(?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, now_utc());
  q.bind(2, by ? by->name : std::string("(carta)"));
  q.bind(3, std::string(action));
  if (record > 0) {
    q.bind(4, static_cast<std::int64_t>(record));
  } else {
    q.bind(4);
  }
  q.bind(5, std::string(stage));
  q.bind(6, std::string(old_value));
  q.bind(7, std::string(new_value));
  q.exec();
}

std::string setting(SQLite::Database& db, const char* key, const char* fallback) {
  SQLite::Statement q(db, "SELECT value FROM settings WHERE key = ?");
  q.bind(1, key);
  return q.executeStep() ? q.getColumn(0).getString() : std::string(fallback);
}

void set_setting(SQLite::Database& db, const char* key, const std::string& value) {
  SQLite::Statement q(db, "INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  q.bind(1, key);
  q.bind(2, value);
  q.exec();
}

int votes_needed(SQLite::Database& db) { return setting(db, "votes_per_record", "2") == "1" ? 1 : 2; }

review::ScreeningOptions screening_options(SQLite::Database& db) {
  review::ScreeningOptions options;
  options.reviewers_title_abstract = options.reviewers_full_text = votes_needed(db);
  return options;
}

void database_error(const Workspace::Impl& impl, const SQLite::Exception& e) {
  throw Error(ErrorCategory::kIo, fmt::format("{}: the review database refused the change: {}", impl.file.string(), e.what()));
}

std::string record_label(std::int64_t id) { return fmt::format("R{}", id); }

}  // namespace detail

Workspace::Impl::Impl(const std::filesystem::path& path)
    : file(path),
      folder(path.string() + ".files"),
      db(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 5000) {
  // WAL lets readers go on while a vote commits; synchronous=FULL makes every commit durable
  // before the server answers, so an acknowledged decision survives a crash.
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA foreign_keys = ON");
  schema_version = detail::migrate(db, file);
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) throw Error(ErrorCategory::kIo, fmt::format("{}: cannot create the folder of uploaded files: {}", folder.string(), ec.message()));
}

std::unique_ptr<SQLite::Database> Workspace::Impl::take_reader() const {
  {
    std::lock_guard lock(readers_mutex);
    if (!idle_readers.empty()) {
      auto reader = std::move(idle_readers.back());
      idle_readers.pop_back();
      return reader;
    }
  }
  auto reader = std::make_unique<SQLite::Database>(file.string(), SQLite::OPEN_READONLY, 5000);
  reader->exec("PRAGMA foreign_keys = ON");
  return reader;
}

void Workspace::Impl::give_back(std::unique_ptr<SQLite::Database> reader) const {
  // Kept for the next request, up to a few (one per server thread that reads at once).
  constexpr std::size_t kMaxIdleReaders = 8;
  std::lock_guard lock(readers_mutex);
  if (idle_readers.size() < kMaxIdleReaders) idle_readers.push_back(std::move(reader));
}

Workspace::Workspace(const std::filesystem::path& file) {
  if (sodium_init() < 0) throw Error(ErrorCategory::kInternal, "libsodium could not be initialised");
  if (std::filesystem::is_directory(file)) {
    throw Error(ErrorCategory::kIo, fmt::format("{}: is a folder; give the review's file, e.g. {}/review.carta",
                                                file.string(), file.string()));
  }
  try {
    impl_ = std::make_unique<Impl>(file);
  } catch (const SQLite::Exception& e) {
    throw Error(ErrorCategory::kIo, fmt::format("{}: cannot open the review: {}", file.string(), e.what()));
  }
}

Workspace::~Workspace() = default;

const std::filesystem::path& Workspace::file() const { return impl_->file; }
const std::filesystem::path& Workspace::files_folder() const { return impl_->folder; }
int Workspace::schema_version() const { return impl_->schema_version; }

std::string random_token() {
  if (sodium_init() < 0) throw Error(ErrorCategory::kInternal, "libsodium could not be initialised");
  return detail::random_hex(32);
}

std::string_view role_name(Role role) {
  switch (role) {
    case Role::kOwner: return "owner";
    case Role::kReviewer: return "reviewer";
    case Role::kAdjudicator: return "adjudicator";
  }
  return "reviewer";
}

std::optional<Role> parse_role(std::string_view text) {
  if (text == "owner") return Role::kOwner;
  if (text == "reviewer") return Role::kReviewer;
  if (text == "adjudicator") return Role::kAdjudicator;
  return std::nullopt;
}

std::string_view stage_name(review::ScreeningStage stage) {
  return stage == review::ScreeningStage::kTitleAbstract ? "title_abstract" : "full_text";
}

std::optional<review::ScreeningStage> parse_stage(std::string_view text) {
  if (text == "title_abstract") return review::ScreeningStage::kTitleAbstract;
  if (text == "full_text") return review::ScreeningStage::kFullText;
  return std::nullopt;
}

std::string_view vote_name(review::ScreeningVote vote) {
  switch (vote) {
    case review::ScreeningVote::kInclude: return "include";
    case review::ScreeningVote::kMaybe: return "maybe";
    case review::ScreeningVote::kExclude: return "exclude";
    case review::ScreeningVote::kNotRetrieved: return "not_retrieved";
  }
  return "include";
}

std::optional<review::ScreeningVote> parse_vote(std::string_view text) {
  if (text == "include") return review::ScreeningVote::kInclude;
  if (text == "maybe") return review::ScreeningVote::kMaybe;
  if (text == "exclude") return review::ScreeningVote::kExclude;
  if (text == "not_retrieved") return review::ScreeningVote::kNotRetrieved;
  return std::nullopt;
}

}  // namespace carta::store
