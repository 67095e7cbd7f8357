#pragma once
// Internal to the store: the one connection of a Workspace and the helpers its operations share.

#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "carta/review/screening.hpp"
#include "carta/store/workspace.hpp"

namespace carta::store {

struct Workspace::Impl {
  std::filesystem::path file, folder;
  mutable std::mutex mutex;  // one write at a time on the writing connection
  mutable SQLite::Database db;
  int schema_version = 0;
  // Read-only connections, each used by one request at a time: in WAL mode readers see the last
  // commit and never wait for a writer, so a page is not queued behind another reviewer's vote.
  mutable std::mutex readers_mutex;
  mutable std::vector<std::unique_ptr<SQLite::Database>> idle_readers;
  explicit Impl(const std::filesystem::path& path);
  std::unique_ptr<SQLite::Database> take_reader() const;
  void give_back(std::unique_ptr<SQLite::Database> reader) const;
};

namespace detail {

// Creates the schema or migrates it to kSchemaVersion; refuses a database that is not a review.
int migrate(SQLite::Database& db, const std::filesystem::path& file);

std::string now_utc();  // ISO 8601, seconds, "Z"
std::string hex(std::string_view bytes);
std::string random_hex(std::size_t bytes);
std::string sha256_hex(std::string_view bytes);

void audit(SQLite::Database& db, const User* by, std::string_view action, std::int64_t record,
           std::string_view stage, std::string_view old_value, std::string_view new_value);

std::string setting(SQLite::Database& db, const char* key, const char* fallback);
void set_setting(SQLite::Database& db, const char* key, const std::string& value);
int votes_needed(SQLite::Database& db);
// The review's votes per record as review::summarise_screening takes them, so that every count the
// workspace shows is the one `carta screening --reviewers N` gives on the exported log.
review::ScreeningOptions screening_options(SQLite::Database& db);

RecordView load_record(SQLite::Database& db, std::int64_t id);
std::string record_label(std::int64_t id);

// Runs f inside the lock and one IMMEDIATE transaction; SQLite errors become carta::Error.
[[noreturn]] void database_error(const Workspace::Impl& impl, const SQLite::Exception& e);

template <typename F>
auto write(const Workspace::Impl& impl, F&& f) {
  std::lock_guard lock(impl.mutex);
  try {
    SQLite::Transaction tx(impl.db, SQLite::TransactionBehavior::IMMEDIATE);
    if constexpr (std::is_void_v<decltype(f(impl.db))>) {
      f(impl.db);
      tx.commit();
    } else {
      auto out = f(impl.db);
      tx.commit();
      return out;
    }
  } catch (const SQLite::Exception& e) {
    database_error(impl, e);
  }
}

// Runs f on a read-only connection inside one read transaction: the statements of one request see
// one snapshot, even while votes commit.
template <typename F>
auto read(const Workspace::Impl& impl, F&& f) {
  struct Lease {
    const Workspace::Impl& impl;
    std::unique_ptr<SQLite::Database> db;
    ~Lease() {
      if (db) impl.give_back(std::move(db));
    }
  };
  try {
    Lease lease{impl, impl.take_reader()};
    SQLite::Transaction tx(*lease.db, SQLite::TransactionBehavior::DEFERRED);
    if constexpr (std::is_void_v<decltype(f(*lease.db))>) {
      f(*lease.db);
      tx.commit();
    } else {
      auto out = f(*lease.db);
      tx.commit();
      return out;
    }
  } catch (const SQLite::Exception& e) {
    database_error(impl, e);
  }
}

}  // namespace detail
}  // namespace carta::store
