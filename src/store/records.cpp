// Imported search exports, their records, and deduplication (review::deduplicate, the engine of
// `carta dedup`) with the people's decisions on uncertain pairs.

#include <fmt/format.h>

#include <map>

#include <nlohmann/json.hpp>

#include "carta/error.hpp"
#include "carta/io/records.hpp"
#include "store_impl.hpp"

namespace carta::store {

namespace {

std::string join_authors(const std::vector<std::string>& authors) {
  std::string out;
  for (const auto& a : authors) {
    if (!out.empty()) out += "; ";
    out += a;
  }
  return out;
}

std::vector<std::string> split_authors(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find("; ", start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 2;
  }
  return out;
}

// The fields beyond the core columns, as one JSON object (schema 2); empty ones are left out.
std::string extra_fields(const review::BibRecord& r) {
  nlohmann::json j = nlohmann::json::object();
  const auto text = [&](const char* key, const std::string& v) {
    if (!v.empty()) j[key] = v;
  };
  const auto list = [&](const char* key, const std::vector<std::string>& v) {
    if (!v.empty()) j[key] = v;
  };
  list("keywords", r.keywords);
  list("issn", r.issn);
  list("isbn", r.isbn);
  list("accession", r.accession);
  text("journal_abbrev", r.journal_abbrev);
  text("article_number", r.article_number);
  text("language", r.language);
  text("url", r.url);
  text("publisher", r.publisher);
  text("pmcid", r.pmcid);
  text("database", r.database);
  text("type_code", r.type_code);
  // Invalid UTF-8 in an export must not stop the import: replaced, as the page shows it.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void read_extra_fields(const std::string& text, review::BibRecord& r) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return;
  const auto text_of = [&](const char* key, std::string& v) {
    if (auto it = j.find(key); it != j.end() && it->is_string()) v = it->get<std::string>();
  };
  const auto list_of = [&](const char* key, std::vector<std::string>& v) {
    if (auto it = j.find(key); it != j.end() && it->is_array()) {
      for (const auto& e : *it) {
        if (e.is_string()) v.push_back(e.get<std::string>());
      }
    }
  };
  list_of("keywords", r.keywords);
  list_of("issn", r.issn);
  list_of("isbn", r.isbn);
  list_of("accession", r.accession);
  text_of("journal_abbrev", r.journal_abbrev);
  text_of("article_number", r.article_number);
  text_of("language", r.language);
  text_of("url", r.url);
  text_of("publisher", r.publisher);
  text_of("pmcid", r.pmcid);
  text_of("database", r.database);
  text_of("type_code", r.type_code);
}

constexpr const char* kRecordColumns =
    "r.id, r.source_id, r.type, r.title, r.authors, r.year, r.journal, r.volume, r.issue, r.pages, r.doi, r.pmid, "
    "r.abstract, r.duplicate_of, r.study, i.database_name, i.file_name, r.position, "
    "(SELECT sha256 FROM record_fulltexts f WHERE f.record_id = r.id), r.extra";

RecordView record_from(SQLite::Statement& q) {
  RecordView v;
  v.id = q.getColumn(0).getInt64();
  v.label = detail::record_label(v.id);
  auto& r = v.record;
  r.id = q.getColumn(1).getString();
  if (r.id.empty()) r.id = v.label;
  r.type = q.getColumn(2).getString();
  r.title = q.getColumn(3).getString();
  r.authors = split_authors(q.getColumn(4).getString());
  r.year = q.getColumn(5).getString();
  r.journal = q.getColumn(6).getString();
  r.volume = q.getColumn(7).getString();
  r.issue = q.getColumn(8).getString();
  r.pages = q.getColumn(9).getString();
  r.doi = q.getColumn(10).getString();
  r.pmid = q.getColumn(11).getString();
  r.abstract = q.getColumn(12).getString();
  if (!q.getColumn(13).isNull()) v.duplicate_of = q.getColumn(13).getInt64();
  v.study = q.getColumn(14).getString();
  v.database = q.getColumn(15).getString();
  r.source = fmt::format("{}:{}", q.getColumn(16).getString(), q.getColumn(17).getInt64());
  if (!q.getColumn(18).isNull()) v.fulltext_sha256 = q.getColumn(18).getString();
  read_extra_fields(q.getColumn(19).getString(), r);
  return v;
}

}  // namespace

namespace detail {

RecordView load_record(SQLite::Database& db, std::int64_t id) {
  SQLite::Statement q(db, fmt::format("SELECT {} FROM records r JOIN imports i ON i.id = r.import_id WHERE r.id = ?",
                                      kRecordColumns));
  q.bind(1, static_cast<std::int64_t>(id));
  if (!q.executeStep()) throw Error(ErrorCategory::kInvalidInput, fmt::format("there is no record {}", record_label(id)));
  return record_from(q);
}

}  // namespace detail

RecordView Workspace::record(std::int64_t id) const {
  return detail::read(*impl_, [&](SQLite::Database& db) { return detail::load_record(db, id); });
}

ImportSummary Workspace::import_records(std::string_view database, std::string_view file_name, std::string_view content,
                                        const User& by) {
  std::string name(database);
  while (!name.empty() && name.back() == ' ') name.pop_back();
  while (!name.empty() && name.front() == ' ') name.erase(0, 1);
  if (name.empty()) {
    throw Error(ErrorCategory::kInvalidInput, "name the database the export comes from (PubMed, Embase, ...): PRISMA counts records per database");
  }
  if (name.size() > 100) throw Error(ErrorCategory::kInvalidInput, "a database name has at most 100 characters");
  if (!by.can_manage()) throw Error(ErrorCategory::kInvalidInput, "only the review's owner imports searches");
  const std::string file(file_name.empty() ? std::string("upload") : std::string(file_name));
  // Parsing is the slow part: outside the lock.
  const io::RecordsLoad load = io::parse_records(content, file);
  if (load.records.empty()) {
    throw Error(ErrorCategory::kInvalidInput, fmt::format("{}: holds no records ({} format read)", file, load.format));
  }
  const std::string digest = detail::sha256_hex(content);
  return detail::write(*impl_, [&](SQLite::Database& db) {
    SQLite::Statement same(db, "SELECT file_name, imported_at FROM imports WHERE sha256 = ?");
    same.bind(1, digest);
    if (same.executeStep()) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{}: this file was imported already (as {} on {}); importing it again would count its "
                              "records twice",
                              file, same.getColumn(0).getString(), same.getColumn(1).getString()));
    }
    ImportSummary s;
    s.database = name;
    s.file_name = file;
    s.format = load.format;
    s.records = static_cast<std::int64_t>(load.records.size());
    s.notes = load.notes;
    s.imported_at = detail::now_utc();
    s.imported_by = by.name;
    std::string notes;
    for (const auto& n : load.notes) notes += n + "\n";
    SQLite::Statement ins(db,
                          "INSERT INTO imports(database_name, file_name, format, record_count, notes, sha256, user_id, "
                          "imported_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
    ins.bind(1, name);
    ins.bind(2, file);
    ins.bind(3, load.format);
    ins.bind(4, static_cast<std::int64_t>(s.records));
    ins.bind(5, notes);
    ins.bind(6, digest);
    ins.bind(7, static_cast<std::int64_t>(by.id));
    ins.bind(8, s.imported_at);
    ins.exec();
    s.id = db.getLastInsertRowid();
    SQLite::Statement rec(db,
                          "INSERT INTO records(import_id, position, record_key, source_id, type, title, authors, year, "
                          "journal, volume, issue, pages, doi, pmid, abstract, extra) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                          "?)");
    std::int64_t position = 0;
    for (const auto& r : load.records) {
      rec.reset();
      rec.bind(1, static_cast<std::int64_t>(s.id));
      rec.bind(2, ++position);
      rec.bind(3, review::record_key(r));
      rec.bind(4, r.id);
      rec.bind(5, r.type);
      rec.bind(6, r.title);
      rec.bind(7, join_authors(r.authors));
      rec.bind(8, r.year);
      rec.bind(9, r.journal);
      rec.bind(10, r.volume);
      rec.bind(11, r.issue);
      rec.bind(12, r.pages);
      rec.bind(13, r.doi);
      rec.bind(14, r.pmid);
      rec.bind(15, r.abstract);
      rec.bind(16, extra_fields(r));
      rec.exec();
    }
    detail::audit(db, &by, "import", 0, "", "", fmt::format("{}: {} records from {} ({})", name, s.records, file, load.format));
    return s;
  });
}

std::vector<ImportSummary> Workspace::imports() const {
  return detail::read(*impl_, [](SQLite::Database& db) {
    std::vector<ImportSummary> out;
    SQLite::Statement q(db,
                        "SELECT i.id, i.database_name, i.file_name, i.format, i.record_count, i.notes, i.imported_at, "
                        "coalesce(u.name, '') FROM imports i LEFT JOIN users u ON u.id = i.user_id ORDER BY i.id");
    while (q.executeStep()) {
      ImportSummary s;
      s.id = q.getColumn(0).getInt64();
      s.database = q.getColumn(1).getString();
      s.file_name = q.getColumn(2).getString();
      s.format = q.getColumn(3).getString();
      s.records = q.getColumn(4).getInt64();
      const std::string notes = q.getColumn(5).getString();
      std::size_t start = 0;
      while (start < notes.size()) {
        const std::size_t end = notes.find('\n', start);
        s.notes.push_back(notes.substr(start, end - start));
        if (end == std::string::npos) break;
        start = end + 1;
      }
      s.imported_at = q.getColumn(6).getString();
      s.imported_by = q.getColumn(7).getString();
      out.push_back(std::move(s));
    }
    return out;
  });
}

DedupSummary Workspace::deduplicate(const User& by) {
  if (!by.can_manage()) throw Error(ErrorCategory::kInvalidInput, "only the review's owner runs the deduplication");
  // Read every record and the decisions, deduplicate outside the lock, then write in one step.
  struct Input {
    std::vector<std::int64_t> ids;
    std::vector<review::BibRecord> records;
    std::vector<std::pair<std::int64_t, std::int64_t>> yes, no;
  };
  Input in = detail::read(*impl_, [](SQLite::Database& db) {
    Input loaded;
    SQLite::Statement q(db, fmt::format("SELECT {} FROM records r JOIN imports i ON i.id = r.import_id ORDER BY r.id",
                                        kRecordColumns));
    while (q.executeStep()) {
      auto v = record_from(q);
      loaded.ids.push_back(v.id);
      loaded.records.push_back(std::move(v.record));
    }
    SQLite::Statement d(db, "SELECT a, b, decision FROM dedup_pairs WHERE decision IS NOT NULL");
    while (d.executeStep()) {
      auto pair = std::make_pair(d.getColumn(0).getInt64(), d.getColumn(1).getInt64());
      (d.getColumn(2).getString() == "duplicate" ? loaded.yes : loaded.no).push_back(pair);
    }
    return loaded;
  });
  std::map<std::int64_t, std::size_t> index;
  for (std::size_t i = 0; i < in.ids.size(); ++i) index[in.ids[i]] = i;
  review::DedupOptions options;
  for (const auto* list : {&in.yes, &in.no}) {
    for (const auto& [a, b] : *list) {
      options.decisions.push_back({index.at(a), index.at(b), list == &in.yes});
    }
  }
  const review::DedupResult result = review::deduplicate(in.records, options);
  return detail::write(*impl_, [&](SQLite::Database& db) {
    if (db.execAndGet("SELECT count(*) FROM votes").getInt64() > 0) {
      throw Error(ErrorCategory::kInvalidInput,
                  "screening has begun: deduplicating again could remove records that have votes. Decide the "
                  "remaining pairs one by one instead");
    }
    db.exec("UPDATE records SET duplicate_of = NULL");
    SQLite::Statement link(db, "UPDATE records SET duplicate_of = ? WHERE id = ?");
    for (const auto& l : result.duplicates) {
      link.reset();
      link.bind(1, static_cast<std::int64_t>(in.ids[l.kept]));
      link.bind(2, static_cast<std::int64_t>(in.ids[l.record]));
      link.exec();
    }
    db.exec("DELETE FROM dedup_pairs WHERE decision IS NULL");
    SQLite::Statement pair(db, "INSERT OR IGNORE INTO dedup_pairs(a, b, score, why) VALUES(?, ?, ?, ?)");
    for (const auto& p : result.review) {
      pair.reset();
      pair.bind(1, static_cast<std::int64_t>(in.ids[p.a]));
      pair.bind(2, static_cast<std::int64_t>(in.ids[p.b]));
      pair.bind(3, p.score);
      pair.bind(4, p.why);
      pair.exec();
    }
    DedupSummary s;
    s.records = static_cast<std::int64_t>(in.records.size());
    s.duplicates = static_cast<std::int64_t>(result.duplicates.size());
    s.review_pairs = static_cast<std::int64_t>(result.review.size());
    s.decisions_applied = static_cast<std::int64_t>(result.decisions_applied);
    s.notes = result.notes;
    detail::set_setting(db, "dedup_run_at", detail::now_utc());
    detail::audit(db, &by, "deduplicate", 0, "", "",
                  fmt::format("{} records: {} duplicates removed, {} pairs to review", s.records, s.duplicates, s.review_pairs));
    return s;
  });
}

std::optional<DedupPair> Workspace::next_dedup_pair() const {
  return detail::read(*impl_, [](SQLite::Database& db) -> std::optional<DedupPair> {
    SQLite::Statement q(db, "SELECT a, b, score, why FROM dedup_pairs WHERE decision IS NULL ORDER BY score DESC, a, b LIMIT 1");
    if (!q.executeStep()) return std::nullopt;
    DedupPair p;
    const auto a = q.getColumn(0).getInt64(), b = q.getColumn(1).getInt64();
    p.score = q.getColumn(2).getDouble();
    p.why = q.getColumn(3).getString();
    p.a = detail::load_record(db, a);
    p.b = detail::load_record(db, b);
    p.remaining = db.execAndGet("SELECT count(*) FROM dedup_pairs WHERE decision IS NULL").getInt64();
    return p;
  });
}

void Workspace::decide_dedup_pair(std::int64_t a, std::int64_t b, bool duplicate, const User& by) {
  if (!by.can_manage()) throw Error(ErrorCategory::kInvalidInput, "only the review's owner decides duplicate pairs");
  detail::write(*impl_, [&](SQLite::Database& db) {
    SQLite::Statement q(db, "UPDATE dedup_pairs SET decision = ?, user_id = ?, decided_at = ? WHERE a = ? AND b = ?");
    q.bind(1, duplicate ? "duplicate" : "different");
    q.bind(2, static_cast<std::int64_t>(by.id));
    q.bind(3, detail::now_utc());
    q.bind(4, static_cast<std::int64_t>(a));
    q.bind(5, static_cast<std::int64_t>(b));
    if (q.exec() != 1) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{} and {} are not a pair to review", detail::record_label(a), detail::record_label(b)));
    }
    if (duplicate) {
      // The later record joins the earlier one's group now; a rerun applies the same decision.
      auto root = [&](std::int64_t id) {
        for (int guard = 0; guard < 1000; ++guard) {
          SQLite::Statement up(db, "SELECT duplicate_of FROM records WHERE id = ?");
          up.bind(1, static_cast<std::int64_t>(id));
          if (!up.executeStep() || up.getColumn(0).isNull()) break;
          id = up.getColumn(0).getInt64();
        }
        return id;
      };
      const auto ra = root(a), rb = root(b);
      if (ra != rb) {
        const auto keep = std::min(ra, rb), drop = std::max(ra, rb);
        SQLite::Statement votes(db, "SELECT count(*) FROM votes WHERE record_id = ?");
        votes.bind(1, static_cast<std::int64_t>(drop));
        votes.executeStep();
        if (votes.getColumn(0).getInt64() > 0) {
          throw Error(ErrorCategory::kInvalidInput,
                      fmt::format("{} has screening votes; it cannot be removed as a duplicate now", detail::record_label(drop)));
        }
        SQLite::Statement move(db, "UPDATE records SET duplicate_of = ? WHERE id = ? OR duplicate_of = ?");
        move.bind(1, static_cast<std::int64_t>(keep));
        move.bind(2, static_cast<std::int64_t>(drop));
        move.bind(3, static_cast<std::int64_t>(drop));
        move.exec();
      }
    }
    detail::audit(db, &by, "duplicate pair", a, "", "",
                  fmt::format("{} and {}: {}", detail::record_label(a), detail::record_label(b),
                              duplicate ? "duplicates" : "different records"));
  });
}

}  // namespace carta::store
