// The workspace's HTTP layer: requests become store::Workspace operations, results become pages.
// Every state-changing request is a POST with the session's CSRF token; a decision is answered
// (303 to the next record) only after its transaction has committed.

#include "carta/serve/server.hpp"

#include <fmt/format.h>
// httplib's listen backlog of 5 drops connections when a team's browsers open several at once
// (a dropped SYN is retried after a second): a backlog like a web server's.
#define CPPHTTPLIB_LISTEN_BACKLOG 128
#include <httplib.h>
#include <sodium.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <fstream>
#include <deque>
#include <map>
#include <mutex>

#include "assets.hpp"
#include "carta/error.hpp"
#include "carta/io/records.hpp"
#include "carta/plot/prisma_diagram.hpp"
#include "html.hpp"

namespace carta::serve {

using review::ScreeningStage;
using review::ScreeningVote;

namespace {

constexpr const char* kSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'";

// An error a person can act on: its page says what is wrong and what to do.
struct HttpError {
  int status;
  std::string message;
};

std::string cookie(const httplib::Request& req, std::string_view name) {
  const std::string header = req.get_header_value("Cookie");
  std::size_t at = 0;
  while (at < header.size()) {
    std::size_t end = header.find(';', at);
    if (end == std::string::npos) end = header.size();
    std::string_view part(header.data() + at, end - at);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=') {
      return std::string(part.substr(name.size() + 1));
    }
    at = end + 1;
  }
  return {};
}

std::string field(const httplib::Request& req, const char* name) {
  if (req.has_param(name)) return req.get_param_value(name);
  if (req.has_file(name)) return req.get_file_value(name).content;
  return {};
}

std::int64_t number(const httplib::Request& req, const char* name, std::int64_t fallback = 0) {
  const std::string text = field(req, name);
  if (text.empty()) return fallback;
  std::int64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || p != end || value < 0) throw HttpError{400, fmt::format("'{}' is not a number for {}", text, name)};
  return value;
}

ScreeningStage stage_of(const httplib::Request& req) {
  const std::string text = field(req, "stage");
  if (text.empty()) return ScreeningStage::kTitleAbstract;
  const auto stage = store::parse_stage(text);
  if (!stage) throw HttpError{400, "stage is title_abstract or full_text"};
  return *stage;
}

const char* stage_title(ScreeningStage s) { return s == ScreeningStage::kTitleAbstract ? "Title and abstract" : "Full text"; }

std::string vote_label(ScreeningVote v) {
  switch (v) {
    case ScreeningVote::kInclude: return "Include";
    case ScreeningVote::kMaybe: return "Maybe";
    case ScreeningVote::kExclude: return "Exclude";
    case ScreeningVote::kNotRetrieved: return "Not retrieved";
  }
  return "";
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += sep;
    out += i;
  }
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    while (!line.empty() && line.front() == ' ') line.erase(0, 1);
    if (!line.empty()) out.push_back(line);
    start = end + 1;
  }
  return out;
}

std::string record_card(const store::RecordView& v, const store::Settings& settings) {
  const auto& r = v.record;
  std::string meta;
  auto add = [&](const std::string& label, const std::string& value) {
    if (!value.empty()) meta += fmt::format("<dt>{}</dt><dd>{}</dd>", label, escape(value));
  };
  add("Authors", join(r.authors, "; "));
  add("Journal", r.journal);
  add("Year", r.year);
  add("Type", r.type);
  add("DOI", r.doi);
  add("PMID", r.pmid);
  add("Database", v.database);
  add("Record", v.label);
  const std::string abstract = r.abstract.empty()
                                   ? std::string("<p class=\"muted\">No abstract in the export.</p>")
                                   : fmt::format("<p class=\"abstract\">{}</p>",
                                                 highlight(r.abstract, settings.include_keywords, settings.exclude_keywords));
  return fmt::format("<article class=\"record\"><h2 class=\"title\">{}</h2><dl class=\"meta\">{}</dl>{}</article>",
                     r.title.empty() ? std::string("<span class=\"muted\">(no title)</span>")
                                     : highlight(r.title, settings.include_keywords, settings.exclude_keywords),
                     meta, abstract);
}

std::string reason_select(const store::Settings& settings, const std::string& chosen, bool required) {
  std::string options = "<option value=\"\">Reason for exclusion…</option>";
  for (const auto& reason : settings.exclusion_reasons) {
    options += fmt::format("<option{}>{}</option>", reason == chosen ? " selected" : "", escape(reason));
  }
  return fmt::format("<label class=\"reason\">Reason <select name=\"reason\" id=\"reason\"{}>{}</select></label>",
                     required ? " data-required-for=\"exclude\"" : "", options);
}

}  // namespace

bool is_loopback(const std::string& address) {
  return address == "localhost" || address == "::1" || address.rfind("127.", 0) == 0;
}

struct Server::State {
  store::Workspace& workspace;
  ServerOptions options;
  std::ostream& log;
  httplib::Server http;
  int port = 0;
  std::mutex log_mutex;
  // Failed logins per address: more than kMaxFailures in kWindow blocks that address for the rest
  // of the window.
  std::mutex attempts_mutex;
  std::map<std::string, std::deque<std::chrono::steady_clock::time_point>> failures;
  static constexpr int kMaxFailures = 5;
  static constexpr std::chrono::seconds kWindow{300};

  State(store::Workspace& w, ServerOptions o, std::ostream& l) : workspace(w), options(std::move(o)), log(l) {}

  void note(const std::string& line) {
    std::lock_guard lock(log_mutex);
    log << line << '\n' << std::flush;
  }

  // --- responses -----------------------------------------------------------------------------
  static void html(httplib::Response& res, const std::string& body, int status = 200) {
    res.status = status;
    res.set_content(body, "text/html; charset=utf-8");
  }
  static void redirect(httplib::Response& res, const std::string& to) {
    res.status = 303;
    res.set_header("Location", to);
  }
  PageChrome chrome(const store::Session* s, std::string title, std::string active = {}) const {
    PageChrome c;
    c.title = std::move(title);
    c.active = std::move(active);
    if (s) {
      c.user = s->user.name;
      c.role = std::string(store::role_name(s->user.role));
      c.csrf = s->csrf;
      c.can_manage = s->user.can_manage();
      c.can_adjudicate = s->user.can_adjudicate();
    }
    return c;
  }
  void error_page(httplib::Response& res, const store::Session* s, int status, const std::string& message) {
    const char* title = status == 403 ? "Not allowed" : status == 404 ? "Not found" : status == 429 ? "Too many attempts"
                                                      : status >= 500 ? "Something went wrong" : "Cannot do that";
    html(res,
         page(chrome(s, title),
              fmt::format("<h1>{}</h1><p class=\"error\" role=\"alert\">{}</p><p><a href=\"javascript:history.back()\" "
                          "data-back>Go back</a> · <a href=\"/\">Overview</a></p>",
                          title, escape(message))),
         status);
  }

  // --- sessions and CSRF ---------------------------------------------------------------------
  std::optional<store::Session> session_of(const httplib::Request& req) const {
    const std::string token = cookie(req, "carta_session");
    if (token.empty()) return std::nullopt;
    return workspace.session(token);
  }
  static bool same(const std::string& a, const std::string& b) {
    return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
  }
  store::Session require(const httplib::Request& req, bool post) const {
    auto s = session_of(req);
    if (!s) throw HttpError{401, "log in first"};
    if (post && !same(field(req, "csrf"), s->csrf)) {
      throw HttpError{403, "this form is out of date or came from another site (its security token does not match); "
                           "reload the page and try again"};
    }
    return *s;
  }

  bool blocked(const std::string& address) {
    std::lock_guard lock(attempts_mutex);
    auto& list = failures[address];
    const auto now = std::chrono::steady_clock::now();
    while (!list.empty() && now - list.front() > kWindow) list.pop_front();
    return static_cast<int>(list.size()) >= kMaxFailures;
  }
  void failed(const std::string& address) {
    std::lock_guard lock(attempts_mutex);
    failures[address].push_back(std::chrono::steady_clock::now());
  }

  // Wraps a handler: HttpError and carta::Error become pages, a logged-out GET goes to /login.
  template <typename F>
  httplib::Server::Handler guard(F handler) {
    return [this, handler](const httplib::Request& req, httplib::Response& res) {
      std::optional<store::Session> s;
      try {
        s = session_of(req);
        handler(req, res);
      } catch (const HttpError& e) {
        if (e.status == 401 && req.method == "GET") {
          redirect(res, workspace.has_users() ? "/login" : "/setup");
          return;
        }
        error_page(res, s ? &*s : nullptr, e.status, e.message);
      } catch (const Error& e) {
        error_page(res, s ? &*s : nullptr, e.category() == ErrorCategory::kIo ? 500 : 400, e.what());
      }
    };
  }

  void routes();
  void setup_pages();
  void overview_pages();
  void import_pages();
  void screening_pages();
  void conflict_pages();
  void output_pages();
  void settings_pages();
};

// --- accounts -------------------------------------------------------------------------------

void Server::State::setup_pages() {
  http.Get("/setup", guard([this](const httplib::Request& req, httplib::Response& res) {
    if (workspace.has_users()) return redirect(res, "/login");
    html(res, page(chrome(nullptr, "Create the review"),
                   fmt::format("<h1>Create the review's owner</h1>"
                               "<p>The owner imports searches, adds reviewers and runs deduplication. Use the setup "
                               "token carta serve printed when it started.</p>"
                               "<form method=\"post\" action=\"/setup\" class=\"stack\">"
                               "<label>Setup token <input name=\"token\" required value=\"{}\" autocomplete=\"off\"></label>"
                               "<label>Your name <input name=\"name\" required maxlength=\"64\" autocomplete=\"username\"></label>"
                               "<label>Password (8 characters or more) <input type=\"password\" name=\"password\" required "
                               "minlength=\"8\" autocomplete=\"new-password\"></label>"
                               "<button type=\"submit\">Create</button></form>",
                               escape(field(req, "token")))));
  }));
  http.Post("/setup", guard([this](const httplib::Request& req, httplib::Response& res) {
    if (workspace.has_users()) throw HttpError{403, "the review has an owner already; log in"};
    if (options.setup_token.empty() || !same(field(req, "token"), options.setup_token)) {
      throw HttpError{403, "the setup token is not the one carta serve printed when it started"};
    }
    workspace.add_user(field(req, "name"), field(req, "password"), store::Role::kOwner);
    auto s = workspace.login(field(req, "name"), field(req, "password"));
    if (!s) throw HttpError{500, "the account was created but could not log in"};
    res.set_header("Set-Cookie", fmt::format("carta_session={}; Path=/; HttpOnly; SameSite=Strict", s->token));
    note(fmt::format("owner '{}' created", s->user.name));
    redirect(res, "/");
  }));
  http.Get("/login", guard([this](const httplib::Request& req, httplib::Response& res) {
    if (!workspace.has_users()) return redirect(res, "/setup");
    if (session_of(req)) return redirect(res, "/");
    // The login form's token is also a cookie: a form posted from another site cannot know it.
    const std::string token = store::random_token();
    res.set_header("Set-Cookie", fmt::format("carta_login={}; Path=/login; HttpOnly; SameSite=Strict", token));
    html(res, page(chrome(nullptr, "Log in"),
                   fmt::format("<h1>Log in</h1><form method=\"post\" action=\"/login\" class=\"stack\">{}"
                               "<label>Name <input name=\"name\" required autofocus autocomplete=\"username\"></label>"
                               "<label>Password <input type=\"password\" name=\"password\" required "
                               "autocomplete=\"current-password\"></label><button type=\"submit\">Log in</button></form>",
                               csrf_field(token))));
  }));
  http.Post("/login", guard([this](const httplib::Request& req, httplib::Response& res) {
    const std::string expected = cookie(req, "carta_login");
    if (expected.empty() || !same(field(req, "csrf"), expected)) {
      throw HttpError{403, "the login form is out of date; reload the page and log in again"};
    }
    if (blocked(req.remote_addr)) throw HttpError{429, "too many failed logins from this address; wait five minutes"};
    auto s = workspace.login(field(req, "name"), field(req, "password"));
    if (!s) {
      failed(req.remote_addr);
      note(fmt::format("failed login for '{}' from {}", field(req, "name"), req.remote_addr));
      throw HttpError{403, "the name or the password is wrong"};
    }
    res.set_header("Set-Cookie", fmt::format("carta_session={}; Path=/; HttpOnly; SameSite=Strict", s->token));
    redirect(res, "/");
  }));
  http.Post("/logout", guard([this](const httplib::Request& req, httplib::Response& res) {
    const auto s = require(req, true);
    workspace.logout(s.token);
    res.set_header("Set-Cookie", "carta_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    redirect(res, "/login");
  }));
}

// --- overview -------------------------------------------------------------------------------

void Server::State::overview_pages() {
  http.Get("/", guard([this](const httplib::Request& req, httplib::Response& res) {
    const auto s = require(req, false);
    const auto imports = workspace.imports();
    std::int64_t identified = 0;
    for (const auto& i : imports) identified += i.records;
    const auto state = workspace.screening_state();
    const auto& ta = state.result.title_abstract;
    const auto& ft = state.result.full_text;
    std::string progress;
    for (const auto& p : workspace.progress()) {
      progress += fmt::format("<tr><td>{}</td><td>{} of {}</td><td>{} of {}</td></tr>", escape(p.reviewer),
                              p.title_abstract_done, p.title_abstract_total, p.full_text_done, p.full_text_total);
    }
    std::string body = fmt::format(
        "<h1>Overview</h1><section class=\"cards\">"
        "<div class=\"card\"><h2>Identified</h2><p class=\"big\">{}</p><p>records in {} import(s)</p></div>"
        "<div class=\"card\"><h2>Duplicates removed</h2><p class=\"big\">{}</p></div>"
        "<div class=\"card\"><h2>Title/abstract</h2><p class=\"big\">{}</p><p>decided: {} included, {} excluded, "
        "{} conflicts, {} awaiting a vote</p></div>"
        "<div class=\"card\"><h2>Full text</h2><p class=\"big\">{}</p><p>decided: {} included, {} excluded, {} not "
        "retrieved, {} conflicts</p></div></section>"
        "<p class=\"actions\"><a class=\"button\" href=\"/screen?stage=title_abstract\">Screen titles and abstracts</a> "
        "<a class=\"button\" href=\"/screen?stage=full_text\">Screen full texts</a></p>"
        "<h2>Votes per reviewer</h2><table><thead><tr><th>Reviewer</th><th>Title/abstract</th><th>Full text</th></tr>"
        "</thead><tbody>{}</tbody></table>",
        identified, imports.size(), state.prisma.duplicates.value_or(0), ta.records, ta.included, ta.excluded,
        ta.conflicts, ta.awaiting, ft.records, ft.included, ft.excluded, ft.not_retrieved, ft.conflicts, progress);
    html(res, page(chrome(&s, "Overview", "home"), body));
  }));
}

// --- import and deduplication ---------------------------------------------------------------

void Server::State::import_pages() {
  http.Get("/import", guard([this](const httplib::Request& req, httplib::Response& res) {
    const auto s = require(req, false);
    if (!s.user.can_manage()) throw HttpError{403, "only the review's owner imports searches"};
    std::string rows;
    for (const auto& i : workspace.imports()) {
      std::string notes;
      for (const auto& n : i.notes) notes += fmt::format("<li>{}</li>", escape(n));
      rows += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{} by {}</td><td><ul>{}</ul></td></tr>",
                          escape(i.database), escape(i.file_name), escape(i.format), i.records, escape(i.imported_at),
                          escape(i.imported_by), notes);
    }
    html(res, page(chrome(&s, "Import", "import"),
                   fmt::format("<h1>Import a search</h1>"
                               "<form method=\"post\" action=\"/import\" enctype=\"multipart/form-data\" class=\"stack\">{}"
                               "<label>Database searched <input name=\"database\" required maxlength=\"100\" "
                               "placeholder=\"PubMed\" list=\"databases\"></label>"
                               "<datalist id=\"databases\"><option>PubMed</option><option>Embase</option>"
                               "<option>Web of Science</option><option>Scopus</option><option>CENTRAL</option></datalist>"
                               "<label>Export file (RIS, MEDLINE, CSV, ...) <input type=\"file\" name=\"file\" required></label>"
                               "<button type=\"submit\">Import</button></form>"
                               "<h2>Imports</h2><table><thead><tr><th>Database</th><th>File</th><th>Format</th>"
                               "<th>Records</th><th>When</th><th>Notes</th></tr></thead><tbody>{}</tbody></table>",
                               csrf_field(s.csrf), rows)));
  }));
  http.Post("/import", guard([this](const httplib::Request& req, httplib::Response& res) {
    const auto s = require(req, true);
    if (!req.has_file("file")) throw HttpError{400, "choose the export file to import"};
    const auto& file = req.get_file_value("file");
    const auto summary = workspace.import_records(field(req, "database"), file.filename, file.content, s.user);
    note(fmt::format("{} imported {} records from {} ({})", s.user.name, summary.records, summary.file_name, summary.database));
    redirect(res, "/import");
  }));
  http.Get("/dedup", guard([this](const httplib::Request& req, httplib::Response& res) {
    const auto s = require(req, false);
    if (!s.user.can_manage()) throw HttpError{403, "only the review's owner deduplicates"};
    const auto pair = workspace.next_dedup_pair();
    std::string body = fmt::format(
        "<h1>Duplicates</h1><form method=\"post\" action=\"/dedup/run\">{}<button type=\"submit\">Find duplicates</button> "
        "<span class=\"muted\">with carta dedup's engine; pairs you decided are kept</span></form>",
        csrf_field(s.csrf));
    if (pair) {
      const auto settings = workspace.settings();
      body += fmt::format(
          "<h2>Are these the same report? <span class=\"muted\">({} pairs to review; score {:.2f}: {})</span></h2>"
          "<div class=\"pair\">{}{}</div>"
          "<form method=\"post\" action=\"/dedup/decide\" class=\"decide\">{}"
          "<input type=\"hidden\" name=\"a\" value=\"{}\"><input type=\"hidden\" name=\"b\" value=\"{}\">"
          "<button name=\"duplicate\" value=\"yes\" data-key=\"d\">Duplicates <kbd>D</kbd></button> "
          "<button name=\"duplicate\" value=\"no\" data-key=\"n\">Different <kbd>N</kbd></button></form>",
          pair->remaining, pair->score, escape(pair->why), record_card(pair->a, settings), record_card(pair->b, settings),
          csrf_field(s.csrf), pair->a.id, pair->b.id);
    } else {
      body += "<p>No pairs to review.</p>";
    }
    html(res, page(chrome(&s, "Duplicates", "dedup"), body));
  }));
  http.Post("/dedup/run", guard([this](const httplib::Request& req, httplib::Response& res) {
    const auto s = require(req, true);
    const auto summary = workspace.deduplicate(s.user);
    note(fmt::format("{} deduplicated {} records: {} duplicates, {} pairs to review", s.user.name, summary.records,
                     summary.duplicates, summary.review_pairs));
    redirect(res, "/dedup");
  }));
  http.Post("/dedup/decide", guard([this](const httplib::Request& req, httplib::Response& res) {
    const auto s = require(req, true);
    const std::string answer = field(req, "duplicate");
    if (answer != "yes" && answer != "no") throw HttpError{400, "answer duplicates (yes) or different (no)"};
    workspace.decide_dedup_pair(number(req, "a"), number(req, "b"), answer == "yes", s.user);
    redirect(res, "/dedup");
  }));
}

// --- screening ------------------------------------------------------------------------------

void Server::State::screening_pages() {
  http.Get("/screen", guard([this](const httplib::Request& req, httplib::Response& res) {
    const auto s = require(req, false);
    const ScreeningStage stage = stage_of(req);
    const std::string stage_key(store::stage_name(stage));
    const auto settings = workspace.settings();
    std::optional<store::ScreeningItem> item;
    if (req.has_param("record")) {
      item = workspace.item(s.user, stage, number(req, "record"));
      if (!item) throw HttpError{404, "that record is not screened at this stage"};
    } else {
      item = workspace.next_item(s.user, stage, number(req, "after"));
    }
    std::string body = fmt::format("<h1>{}</h1>", stage_title(stage));
    if (!item) {
      const auto previous = workspace.previous_voted(s.user, stage, 0);
      body += fmt::format("<p class=\"done\" role=\"status\">Nothing left for you to screen at this stage.</p>{}",
                          previous ? fmt::format("<p><a href=\"/screen?stage={}&amp;record={}\" data-key=\"p\">Your last "
                                                 "decision <kbd>P</kbd></a></p>",
                                                 stage_key, *previous)
                                   : std::string());
      return html(res, page(chrome(&s, stage_title(stage), stage_key), body));
    }
    const auto& v = item->record;
    const std::string own = item->own_vote ? std::string(store::vote_name(item->own_vote->vote)) : std::string();
    auto button = [&](ScreeningVote vote, char key) {
      const std::string name(store::vote_name(vote));
      return fmt::format("<button type=\"submit\" name=\"vote\" value=\"{}\" data-key=\"{}\" class=\"vote vote-{}{}\"{}>{} "
                         "<kbd>{}</kbd></button>",
                         name, key, name, own == name ? " chosen" : "", own == name ? " aria-pressed=\"true\"" : "",
                         vote_label(vote), static_cast<char>(std::toupper(key)));
    };
    std::string buttons = button(ScreeningVote::kInclude, 'i') + button(ScreeningVote::kMaybe, 'm') + button(ScreeningVote::kExclude, 'e');
    std::string extra;
    if (stage == ScreeningStage::kFullText) {
      buttons += button(ScreeningVote::kNotRetrieved, 'r');
      extra += reason_select(settings, item->own_vote ? item->own_vote->reason : std::string(), true);
    }
    const auto previous = workspace.previous_voted(s.user, stage, v.id);
    std::string fulltext;
    if (stage == ScreeningStage::kFullText) {
      fulltext = fmt::format(
          "<section class=\"fulltext\"><h2>Full text</h2>{}"
          "<form method=\"post\" action=\"/fulltext/upload\" enctype=\"multipart/form-data\">{}"
          "<input type=\"hidden\" name=\"record\" value=\"{}\"><label>PDF <input type=\"file\" name=\"pdf\" "
          "accept=\"application/pdf\"></label> <button type=\"submit\">Upload</button></form>"
          "<form method=\"post\" action=\"/fulltext/study\">{}<input type=\"hidden\" name=\"record\" value=\"{}\">"
          "<label>Study (reports of one study share a name) <input name=\"study\" value=\"{}\" maxlength=\"200\"></label> "
          "<button type=\"submit\">Save</button></form></section>",
          v.fulltext_sha256.empty() ? std::string("<p class=\"muted\">No PDF yet.</p>")
                                    : fmt::format("<p><a href=\"/fulltext/{}.pdf\" target=\"_blank\" rel=\"noopener\">"
                                                  "Open the PDF</a></p>",
                                                  v.fulltext_sha256),
          csrf_field(s.csrf), v.id, csrf_field(s.csrf), v.id, escape(v.study));
    }
    body += fmt::format(
        "<p class=\"progress\" role=\"status\">You have decided {} of {} records at this stage.{}</p>"
        "<div class=\"screen\"><div>{}{}</div><aside>{}"
        "<form method=\"post\" action=\"/screen/vote\" id=\"vote-form\" class=\"vote-form\">{}"
        "<input type=\"hidden\" name=\"stage\" value=\"{}\"><input type=\"hidden\" name=\"record\" value=\"{}\">"
        "<div class=\"buttons\">{}</div>{}"
        "<label>Note <textarea name=\"note\" rows=\"3\" maxlength=\"10000\">{}</textarea></label></form>"
        "<nav class=\"steps\">{}<a href=\"/screen?stage={}&amp;after={}\" data-key=\"n\">Next <kbd>N</kbd></a></nav>{}"
        "<details class=\"keys\"><summary>Keyboard</summary><p><kbd>I</kbd> include, <kbd>M</kbd> maybe, <kbd>E</kbd> "
        "exclude{}, <kbd>U</kbd> undo your vote, <kbd>P</kbd> previous, <kbd>N</kbd> next (skip).</p></details></aside></div>",
        item->position, item->total, own.empty() ? std::string() : fmt::format(" Your vote on this one: {}.", own),
        record_card(v, settings), fulltext,
        settings.criteria.empty() ? std::string()
                                  : fmt::format("<section class=\"criteria\"><h2>Eligibility</h2><p>{}</p></section>",
                                                escape(settings.criteria)),
        csrf_field(s.csrf), stage_key, v.id, buttons, extra, escape(item->own_vote ? item->own_vote->note : std::string()),
        previous ? fmt::format("<a href=\"/screen?stage={}&amp;record={}\" data-key=\"p\">Previous <kbd>P</kbd></a> ",
                               stage_key, *previous)
                 : std::string(),
        stage_key, v.id,
        item->own_vote ? fmt::format("<form method=\"post\" action=\"/screen/undo\">{}<input type=\"hidden\" name=\"stage\" "
                                     "value=\"{}\"><input type=\"hidden\" name=\"record\" value=\"{}\"><button "
                                     "type=\"submit\" data-key=\"u\">Undo my vote <kbd>U</kbd></button></form>",
                                     csrf_field(s.csrf), stage_key, v.id)
                       : std::string(),
        stage == ScreeningStage::kFullText ? ", <kbd>R</kbd> not retrieved" : "");
    html(res, page(chrome(&s, stage_title(stage), stage_key), body));
  }));
  http.Post("/screen/vote", guard([this](const httplib::Request& req, httplib::Response& res) {
    const auto s = require(req, true);
    const ScreeningStage stage = stage_of(req);
    const auto vote = store::parse_vote(field(req, "vote"));
    if (!vote) throw HttpError{400, "choose include, maybe or exclude"};
    const auto record = number(req, "record");
    workspace.vote(s.user, record, stage, *vote, *vote == ScreeningVote::kExclude ? field(req, "reason") : std::string(),
                   field(req, "note"));
    redirect(res, fmt::format("/screen?stage={}&after={}", store::stage_name(stage), record));
  }));
  http.Post("/screen/undo", guard([this](const httplib::Request& req, httplib::Response& res) {
    const auto s = require(req, true);
    const ScreeningStage stage = stage_of(req);
    const auto record = number(req, "record");
    workspace.undo_vote(s.user, record, stage);
    redirect(res, fmt::format("/screen?stage={}&record={}", store::stage_name(stage), record));
  }));
  http.Post("/fulltext/upload", guard([this](const httplib::Request& req, httplib::Response& res) {
    const auto s = require(req, true);
    if (!req.has_file("pdf")) throw HttpError{400, "choose the PDF to upload"};
    const auto& pdf = req.get_file_value("pdf");
    const auto record = number(req, "record");
    workspace.attach_fulltext(s.user, record, pdf.filename, pdf.content);
    redirect(res, fmt::format("/screen?stage=full_text&record={}", record));
  }));
  http.Post("/fulltext/study", guard([this](const httplib::Request& req, httplib::Response& res) {
    const auto s = require(req, true);
    const auto record = number(req, "record");
    workspace.set_study(s.user, record, field(req, "study"));
    redirect(res, fmt::format("/screen?stage=full_text&record={}", record));
  }));
  http.Get(R"(/fulltext/([0-9a-f]{64})\.pdf)", guard([this](const httplib::Request& req, httplib::Response& res) {
    (void)require(req, false);
    const auto path = workspace.fulltext_path(req.matches[1].str());
    if (!path) throw HttpError{404, "no such full text"};
    std::ifstream in(*path, std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    res.set_header("Content-Disposition", "inline");
    // The browser's own PDF viewer shows it; the page's CSP would stop that viewer.
    res.set_header("Content-Security-Policy", "frame-ancestors 'self'");
    res.set_content(std::move(content), "application/pdf");
  }));
}

// --- conflicts ------------------------------------------------------------------------------

void Server::State::conflict_pages() {
  http.Get("/conflicts", guard([this](const httplib::Request& req, httplib::Response& res) {
    const auto s = require(req, false);
    if (!s.user.can_adjudicate()) throw HttpError{403, "conflicts are for the adjudicator and the owner"};
    const auto settings = workspace.settings();
    std::string body = "<h1>Conflicts</h1>";
    for (const auto stage : {ScreeningStage::kTitleAbstract, ScreeningStage::kFullText}) {
      const auto list = workspace.conflicts(stage);
      body += fmt::format("<h2>{} ({})</h2>", stage_title(stage), list.size());
      for (const auto& c : list) {
        std::string votes;
        for (const auto& v : c.votes) {
          votes += fmt::format("<li><strong>{}</strong>: {}{}{}</li>", escape(v.reviewer), vote_label(v.vote),
                               v.reason.empty() ? std::string() : fmt::format(" ({})", escape(v.reason)),
                               v.note.empty() ? std::string() : fmt::format(" — <q>{}</q>", escape(v.note)));
        }
        std::string decide = fmt::format(
            "<form method=\"post\" action=\"/conflicts/resolve\" class=\"decide\">{}<input type=\"hidden\" name=\"stage\" "
            "value=\"{}\"><input type=\"hidden\" name=\"record\" value=\"{}\">"
            "<button name=\"vote\" value=\"include\">Include</button> <button name=\"vote\" value=\"exclude\">Exclude</button>{}"
            "</form>",
            csrf_field(s.csrf), store::stage_name(stage), c.record.id,
            stage == ScreeningStage::kFullText ? reason_select(settings, "", true) : std::string());
        body += fmt::format("<section class=\"conflict\" id=\"conflict-{}\">{}<ul class=\"votes\">{}</ul>{}</section>",
                            c.record.id, record_card(c.record, settings), votes, decide);
      }
    }
    const auto state = workspace.screening_state();
    std::string agreement;
    for (const auto& a : state.result.agreement) {
      agreement += fmt::format("<tr><td>{} and {}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{:.1f}%</td>"
                               "<td class=\"num\">{}</td></tr>",
                               escape(a.reviewer_a), escape(a.reviewer_b), stage_title(a.stage), a.both_rated,
                               a.percent_agreement, std::isnan(a.kappa) ? std::string("—") : fmt::format("{:.3f}", a.kappa));
    }
    body += fmt::format("<h2>Agreement</h2><table><thead><tr><th>Reviewers</th><th>Stage</th><th>Both decided</th>"
                        "<th>Agreement</th><th>Cohen's κ</th></tr></thead><tbody>{}</tbody></table>",
                        agreement);
    html(res, page(chrome(&s, "Conflicts", "conflicts"), body));
  }));
  http.Post("/conflicts/resolve", guard([this](const httplib::Request& req, httplib::Response& res) {
    const auto s = require(req, true);
    const ScreeningStage stage = stage_of(req);
    const auto vote = store::parse_vote(field(req, "vote"));
    if (!vote) throw HttpError{400, "decide include or exclude"};
    const auto record = number(req, "record");
    workspace.adjudicate(s.user, record, stage, *vote, *vote == ScreeningVote::kExclude ? field(req, "reason") : std::string());
    redirect(res, "/conflicts");
  }));
}

// --- PRISMA and exports ---------------------------------------------------------------------

void Server::State::output_pages() {
  http.Get("/prisma", guard([this](const httplib::Request& req, httplib::Response& res) {
    const auto s = require(req, false);
    const auto state = workspace.screening_state();
    const auto& p = state.prisma;
    auto row = [](const char* label, const std::optional<std::int64_t>& n) {
      return fmt::format("<tr><th scope=\"row\">{}</th><td class=\"num\" data-count=\"{}\">{}</td></tr>", label, label,
                         n ? std::to_string(*n) : std::string("—"));
    };
    std::string rows;
    for (const auto& d : p.database_specific) {
      rows += fmt::format("<tr><th scope=\"row\">Records from {}</th><td class=\"num\">{}</td></tr>", escape(d.name), d.n);
    }
    rows += row("Records identified", p.database_results) + row("Duplicates removed", p.duplicates) +
            row("Records screened", p.records_screened) + row("Records excluded", p.records_excluded) +
            row("Reports sought", p.dbr_sought) + row("Reports not retrieved", p.dbr_notretrieved) +
            row("Reports assessed", p.dbr_assessed) + row("Reports included", p.new_reports) +
            row("Studies included", p.new_studies);
    for (const auto& e : p.dbr_excluded) {
      rows += fmt::format("<tr><th scope=\"row\">Excluded: {}</th><td class=\"num\">{}</td></tr>", escape(e.name), e.n);
    }
    std::string problems;
    for (const auto& pr : state.prisma_problems) problems += fmt::format("<li>{}</li>", escape(pr));
    const std::string body = fmt::format(
        "<h1>PRISMA 2020</h1>{}<table class=\"prisma\"><tbody>{}</tbody></table>{}",
        problems.empty() ? std::string() : fmt::format("<p>The diagram is drawn when screening is finished:</p><ul>{}</ul>", problems),
        rows, state.prisma_complete ? "<p><img src=\"/prisma.svg\" alt=\"PRISMA 2020 flow diagram\" class=\"diagram\"></p>" : "");
    html(res, page(chrome(&s, "PRISMA 2020", "prisma"), body));
  }));
  http.Get("/prisma.svg", guard([this](const httplib::Request& req, httplib::Response& res) {
    (void)require(req, false);
    const auto state = workspace.screening_state();
    if (!state.prisma_complete) throw HttpError{404, "the diagram is drawn when screening is finished"};
    res.set_content(plot::prisma_diagram_svg(state.prisma), "image/svg+xml");
  }));
  http.Get("/export", guard([this](const httplib::Request& req, httplib::Response& res) {
    const auto s = require(req, false);
    std::string command = "carta screening screening-log.csv";
    for (const auto& d : workspace.screening_state().prisma.database_specific) {
      std::string quoted;  // single-quoted for a POSIX shell: ' becomes '\''
      for (char c : d.name) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
      command += fmt::format(" --database '{}={}'", quoted, d.n);
    }
    command += fmt::format(" --duplicates {}", workspace.screening_state().prisma.duplicates.value_or(0));
    if (workspace.options().reviewers_title_abstract == 1) command += " --reviewers 1";
    html(res, page(chrome(&s, "Export", "export"),
                   fmt::format("<h1>Export</h1><ul class=\"exports\">"
                               "<li><a href=\"/export/screening-log.csv\" download>Screening log</a> (carta screening's "
                               "format: every vote and adjudication)</li>"
                               "<li>Included records: <a href=\"/export/included.ris\" download>RIS</a> (for a reference "
                               "manager) or <a href=\"/export/included.csv\" download>CSV</a></li>"
                               "<li><a href=\"/export/conflicts.csv\" download>Open conflicts</a></li>"
                               "<li><a href=\"/export/audit.csv\" download>Audit trail</a> (who, when, what, what it "
                               "replaced)</li></ul><p>The command line reproduces every count:</p><pre><code>{}</code></pre>",
                               escape(command))));
  }));
  auto download = [this](const char* path, const char* name, std::function<std::string()> make,
                         const char* type = "text/csv; charset=utf-8") {
    http.Get(path, guard([this, name, make, type](const httplib::Request& req, httplib::Response& res) {
      (void)require(req, false);
      res.set_header("Content-Disposition", fmt::format("attachment; filename=\"{}\"", name));
      res.set_content(make(), type);
    }));
  };
  download("/export/screening-log.csv", "screening-log.csv", [this] { return workspace.screening_log_csv(); });
  download("/export/included.csv", "included.csv", [this] { return io::records_csv(workspace.included_records()); });
  download("/export/included.ris", "included.ris", [this] { return io::records_ris(workspace.included_records()); },
           "application/x-research-info-systems; charset=utf-8");
  download("/export/conflicts.csv", "conflicts.csv", [this] { return workspace.conflicts_csv(); });
  download("/export/audit.csv", "audit.csv", [this] { return workspace.audit_csv(); });
}

// --- settings -------------------------------------------------------------------------------

void Server::State::settings_pages() {
  http.Get("/settings", guard([this](const httplib::Request& req, httplib::Response& res) {
    const auto s = require(req, false);
    if (!s.user.can_manage()) throw HttpError{403, "only the review's owner changes the settings"};
    const auto settings = workspace.settings();
    std::string users;
    for (const auto& u : workspace.users()) {
      users += fmt::format("<tr><td>{}</td><td>{}</td></tr>", escape(u.name), store::role_name(u.role));
    }
    html(res, page(chrome(&s, "Settings", "settings"),
                   fmt::format(
                       "<h1>Settings</h1><h2>Team</h2><table><thead><tr><th>Name</th><th>Role</th></tr></thead><tbody>{}"
                       "</tbody></table><form method=\"post\" action=\"/settings/users\" class=\"stack\">{}"
                       "<label>Name <input name=\"name\" required maxlength=\"64\" autocomplete=\"off\"></label>"
                       "<label>Role <select name=\"role\"><option>reviewer</option><option>adjudicator</option>"
                       "<option>owner</option></select></label>"
                       "<label>Password (8 or more characters; tell them in person) <input type=\"password\" "
                       "name=\"password\" minlength=\"8\" required autocomplete=\"new-password\"></label>"
                       "<button type=\"submit\">Add to the team</button></form>"
                       "<h2>Screening</h2><form method=\"post\" action=\"/settings/screening\" class=\"stack\">{}"
                       "<label>Votes per record <select name=\"votes\"><option value=\"2\"{}>2 (dual screening)</option>"
                       "<option value=\"1\"{}>1 (pilot round or rapid review)</option></select></label>"
                       "<label>Eligibility criteria <textarea name=\"criteria\" rows=\"4\">{}</textarea></label>"
                       "<label>Inclusion keywords, one per line (green) <textarea name=\"include\" rows=\"4\">{}</textarea></label>"
                       "<label>Exclusion keywords, one per line (red) <textarea name=\"exclude\" rows=\"4\">{}</textarea></label>"
                       "<label>Full-text exclusion reasons, one per line <textarea name=\"reasons\" rows=\"6\">{}</textarea></label>"
                       "<button type=\"submit\">Save</button></form>",
                       users, csrf_field(s.csrf), csrf_field(s.csrf), settings.votes_per_record == 2 ? " selected" : "",
                       settings.votes_per_record == 1 ? " selected" : "", escape(settings.criteria),
                       escape(join(settings.include_keywords, "\n")), escape(join(settings.exclude_keywords, "\n")),
                       escape(join(settings.exclusion_reasons, "\n")))));
  }));
  http.Post("/settings/users", guard([this](const httplib::Request& req, httplib::Response& res) {
    const auto s = require(req, true);
    const auto role = store::parse_role(field(req, "role"));
    if (!role) throw HttpError{400, "the role is reviewer, adjudicator or owner"};
    workspace.add_user(field(req, "name"), field(req, "password"), *role, &s.user);
    redirect(res, "/settings");
  }));
  http.Post("/settings/screening", guard([this](const httplib::Request& req, httplib::Response& res) {
    const auto s = require(req, true);
    store::Settings settings;
    settings.votes_per_record = field(req, "votes") == "1" ? 1 : 2;
    settings.criteria = field(req, "criteria");
    settings.include_keywords = lines_of(field(req, "include"));
    settings.exclude_keywords = lines_of(field(req, "exclude"));
    settings.exclusion_reasons = lines_of(field(req, "reasons"));
    workspace.save_settings(settings, s.user);
    redirect(res, "/settings");
  }));
}

void Server::State::routes() {
  http.Get("/assets/app.js", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-cache");
    res.set_content(std::string(assets::app_js), "text/javascript; charset=utf-8");
  });
  http.Get("/assets/app.css", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-cache");
    res.set_content(std::string(assets::app_css), "text/css; charset=utf-8");
  });
  setup_pages();
  overview_pages();
  import_pages();
  screening_pages();
  conflict_pages();
  output_pages();
  settings_pages();
  http.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    const auto s = session_of(req);
    if (res.status == 404) return error_page(res, s ? &*s : nullptr, 404, "there is no such page");
    if (res.status == 413) return error_page(res, s ? &*s : nullptr, 413, "the file is larger than carta serve accepts");
    error_page(res, s ? &*s : nullptr, res.status, "the request could not be handled");
  });
  http.set_exception_handler([this](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    note(fmt::format("internal error on {} {}: {}", req.method, req.path, what));
    error_page(res, nullptr, 500, "carta hit an internal error; the server log has the details. Nothing was changed.");
  });
  http.set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.has_header("Content-Security-Policy")) res.set_header("Content-Security-Policy", kSecurityPolicy);
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("X-Frame-Options", "DENY");
    if (!res.has_header("Cache-Control")) res.set_header("Cache-Control", "no-store");
  });
  http.set_payload_max_length(options.max_upload_bytes);
  http.set_read_timeout(30, 0);
  http.set_write_timeout(30, 0);
  http.set_keep_alive_max_count(1000);
  // A thread serves one keep-alive connection until it goes quiet, and each browser holds several;
  // httplib's default of 8 threads would make the ninth connection (the third or fourth reviewer)
  // wait for another's to time out. Idle threads cost a stack, not CPU.
  http.new_task_queue = [] { return new httplib::ThreadPool(64); };
  http.set_keep_alive_timeout(5);
  // Headers and body go out in separate writes; with Nagle's algorithm the second waits for the
  // client's delayed ACK, 40 ms on every keep-alive response.
  http.set_tcp_nodelay(true);
}

Server::Server(store::Workspace& workspace, ServerOptions options, std::ostream& log)
    : state_(std::make_unique<State>(workspace, std::move(options), log)) {
  state_->routes();
}

Server::~Server() = default;

int Server::bind() {
  auto& st = *state_;
  if (st.options.port < 0 || st.options.port > 65535) {
    throw Error(ErrorCategory::kInvalidOption, fmt::format("--port {} is not a port (0 to 65535)", st.options.port));
  }
  if (st.options.port == 0) {
    st.port = st.http.bind_to_any_port(st.options.listen);
  } else {
    st.port = st.http.bind_to_port(st.options.listen, st.options.port) ? st.options.port : -1;
  }
  if (st.port <= 0) {
    throw Error(ErrorCategory::kIo, fmt::format("cannot listen on {}:{} (in use, or not an address of this machine); "
                                                "choose another with --port",
                                                st.options.listen, st.options.port));
  }
  return st.port;
}

void Server::run() { state_->http.listen_after_bind(); }
void Server::stop() { state_->http.stop(); }

}  // namespace carta::serve
