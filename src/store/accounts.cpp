// Accounts and sessions: argon2id password hashes (libsodium), random session tokens stored only
// as hashes, a CSRF token per session.

#include <fmt/format.h>
#include <sodium.h>

#include <chrono>

#include "carta/error.hpp"
#include "store_impl.hpp"

namespace carta::store {

namespace {

constexpr std::int64_t kSessionSeconds = 12 * 3600;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void check_name(std::string_view name) {
  if (name.empty() || name.size() > 64) {
    throw Error(ErrorCategory::kInvalidInput, "a user name has 1 to 64 characters");
  }
  for (const unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) throw Error(ErrorCategory::kInvalidInput, "a user name cannot hold control characters");
  }
  if (name.front() == ' ' || name.back() == ' ') {
    throw Error(ErrorCategory::kInvalidInput, "a user name cannot start or end with a blank");
  }
  if (name == "adjudicator") {
    // `carta screening` reads a reviewer of this name as the adjudicator.
    throw Error(ErrorCategory::kInvalidInput, "'adjudicator' is a role, not a name; give the person's name and the role adjudicator");
  }
}

std::string hash_password(std::string_view password) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_argon2id_str(out, password.data(), password.size(), crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
                                 crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE) != 0) {
    throw Error(ErrorCategory::kInternal, "out of memory while hashing a password");
  }
  return out;
}

User user_from(SQLite::Statement& q) {
  User u;
  u.id = q.getColumn(0).getInt64();
  u.name = q.getColumn(1).getString();
  u.role = parse_role(q.getColumn(2).getString()).value_or(Role::kReviewer);
  return u;
}

}  // namespace

bool Workspace::has_users() const {
  return detail::read(*impl_, [](SQLite::Database& db) { return db.execAndGet("SELECT count(*) FROM users").getInt64() > 0; });
}

User Workspace::add_user(std::string_view name, std::string_view password, Role role, const User* by) {
  check_name(name);
  if (password.size() < 8) throw Error(ErrorCategory::kInvalidInput, "a password has at least 8 characters");
  if (password.size() > 1024) throw Error(ErrorCategory::kInvalidInput, "a password has at most 1024 characters");
  if (by && !by->can_manage()) throw Error(ErrorCategory::kInvalidInput, "only the review's owner adds reviewers");
  const std::string hash = hash_password(password);  // slow by design: outside the lock
  return detail::write(*impl_, [&](SQLite::Database& db) {
    const bool first = db.execAndGet("SELECT count(*) FROM users").getInt64() == 0;
    if (!by && !first) throw Error(ErrorCategory::kInvalidInput, "only the review's owner adds reviewers");
    if (first && role != Role::kOwner) throw Error(ErrorCategory::kInvalidInput, "the first account is the review's owner");
    SQLite::Statement exists(db, "SELECT count(*) FROM users WHERE name = ?");
    exists.bind(1, std::string(name));
    exists.executeStep();
    if (exists.getColumn(0).getInt64() > 0) {
      throw Error(ErrorCategory::kInvalidInput, fmt::format("there is already a user '{}'", name));
    }
    SQLite::Statement q(db, "INSERT INTO users(name, role, password_hash, created_at) VALUES(?, ?, ?, ?)");
    q.bind(1, std::string(name));
    q.bind(2, std::string(role_name(role)));
    q.bind(3, hash);
    q.bind(4, detail::now_utc());
    q.exec();
    User u{db.getLastInsertRowid(), std::string(name), role};
    detail::audit(db, by ? by : &u, "add user", 0, "", "", fmt::format("{} ({})", name, role_name(role)));
    return u;
  });
}

std::vector<User> Workspace::users() const {
  return detail::read(*impl_, [](SQLite::Database& db) {
    std::vector<User> out;
    SQLite::Statement q(db, "SELECT id, name, role FROM users ORDER BY id");
    while (q.executeStep()) out.push_back(user_from(q));
    return out;
  });
}

std::optional<Session> Workspace::login(std::string_view name, std::string_view password) {
  struct Found {
    User user;
    std::string hash;
  };
  const auto found = detail::read(*impl_, [&](SQLite::Database& db) -> std::optional<Found> {
    SQLite::Statement q(db, "SELECT id, name, role, password_hash FROM users WHERE name = ?");
    q.bind(1, std::string(name));
    if (!q.executeStep()) return std::nullopt;
    return Found{user_from(q), q.getColumn(3).getString()};
  });
  if (!found) {
    // Costs as much as a wrong password, so that timing does not tell which names exist.
    static const std::string dummy = hash_password("carta-no-such-user");
    if (crypto_pwhash_argon2id_str_verify(dummy.c_str(), password.data(), password.size()) == 0) return std::nullopt;
    return std::nullopt;
  }
  if (crypto_pwhash_argon2id_str_verify(found->hash.c_str(), password.data(), password.size()) != 0) return std::nullopt;
  Session s{detail::random_hex(32), detail::random_hex(32), found->user};
  detail::write(*impl_, [&](SQLite::Database& db) {
    db.exec(fmt::format("DELETE FROM sessions WHERE expires_at < {}", unix_now()));
    SQLite::Statement q(db, "INSERT INTO sessions(token_hash, user_id, csrf, created_at, expires_at) VALUES(?, ?, ?, ?, ?)");
    q.bind(1, detail::sha256_hex(s.token));
    q.bind(2, static_cast<std::int64_t>(s.user.id));
    q.bind(3, s.csrf);
    q.bind(4, detail::now_utc());
    q.bind(5, static_cast<std::int64_t>(unix_now() + kSessionSeconds));
    q.exec();
  });
  return s;
}

std::optional<Session> Workspace::session(std::string_view token) const {
  if (token.size() != 64) return std::nullopt;
  return detail::read(*impl_, [&](SQLite::Database& db) -> std::optional<Session> {
    SQLite::Statement q(db,
                        "SELECT u.id, u.name, u.role, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id "
                        "WHERE s.token_hash = ? AND s.expires_at >= ?");
    q.bind(1, detail::sha256_hex(token));
    q.bind(2, static_cast<std::int64_t>(unix_now()));
    if (!q.executeStep()) return std::nullopt;
    return Session{std::string(token), q.getColumn(3).getString(), user_from(q)};
  });
}

void Workspace::logout(std::string_view token) {
  detail::write(*impl_, [&](SQLite::Database& db) {
    SQLite::Statement q(db, "DELETE FROM sessions WHERE token_hash = ?");
    q.bind(1, detail::sha256_hex(token));
    q.exec();
  });
}

namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    std::size_t lead = 0;
    while (lead < line.size() && (line[lead] == ' ' || line[lead] == '\t')) ++lead;
    line.erase(0, lead);
    if (!line.empty()) out.push_back(line);
    start = end + 1;
  }
  return out;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) {
    if (!out.empty()) out += '\n';
    out += l;
  }
  return out;
}

}  // namespace

Settings Workspace::settings() const {
  return detail::read(*impl_, [](SQLite::Database& db) {
    Settings s;
    s.votes_per_record = detail::votes_needed(db);
    s.criteria = detail::setting(db, "criteria", "");
    s.include_keywords = split_lines(detail::setting(db, "include_keywords", ""));
    s.exclude_keywords = split_lines(detail::setting(db, "exclude_keywords", ""));
    s.exclusion_reasons = split_lines(detail::setting(db, "exclusion_reasons",
                                                      "Wrong population\nWrong intervention\nWrong outcomes\n"
                                                      "Wrong study design\nDuplicate report\nConference abstract only"));
    return s;
  });
}

void Workspace::save_settings(const Settings& s, const User& by) {
  if (!by.can_manage()) throw Error(ErrorCategory::kInvalidInput, "only the review's owner changes the settings");
  if (s.votes_per_record != 1 && s.votes_per_record != 2) {
    throw Error(ErrorCategory::kInvalidInput, "votes per record is 1 (pilot or rapid review) or 2 (dual screening)");
  }
  for (const auto* list : {&s.include_keywords, &s.exclude_keywords, &s.exclusion_reasons}) {
    for (const auto& item : *list) {
      if (item.find('\n') != std::string::npos) throw Error(ErrorCategory::kInvalidInput, "one keyword or reason per line");
    }
  }
  detail::write(*impl_, [&](SQLite::Database& db) {
    const auto old = detail::setting(db, "votes_per_record", "2");
    detail::set_setting(db, "votes_per_record", std::to_string(s.votes_per_record));
    detail::set_setting(db, "criteria", s.criteria);
    detail::set_setting(db, "include_keywords", join_lines(s.include_keywords));
    detail::set_setting(db, "exclude_keywords", join_lines(s.exclude_keywords));
    detail::set_setting(db, "exclusion_reasons", join_lines(s.exclusion_reasons));
    detail::audit(db, &by, "settings", 0, "", fmt::format("votes per record {}", old),
                  fmt::format("votes per record {}", s.votes_per_record));
  });
}

}  // namespace carta::store
