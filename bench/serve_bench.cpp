// The workspace under load, over loopback (issue 18's benchmark; not a test): import and
// deduplication of 10,000 records through the HTTP API, then 10 simulated reviewers screening a
// review of 50,000 records at once. Reports the decision round trip (POST of a vote until its
// acknowledgement, i.e. after the commit) and the next-record page, p50 and p99, decisions per
// second, and the process's peak memory. Bounded: 10 reviewers x 300 decisions, loopback only.
//
// Run: build/serve_bench [--reviewers N] [--decisions N] [--records N] [--think-ms T] (each reviewer
// waits T ms between decisions; 0, the default, saturates the server); record in docs/performance.md.

#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "carta/io/records.hpp"
#include "carta/serve/server.hpp"
#include "synthetic_records.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

long peak_rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

struct Login {
  std::string cookie, csrf;
};

Login login(httplib::Client& client, const std::string& name, const std::string& password) {
  auto form = client.Get("/login");
  const std::string set = form->get_header_value("Set-Cookie");
  std::smatch m;
  std::regex_search(form->body, m, std::regex("name=\"csrf\" value=\"([0-9a-f]+)\""));
  auto res = client.Post("/login", httplib::Headers{{"Cookie", set.substr(0, set.find(';'))}},
                         httplib::Params{{"csrf", m[1]}, {"name", name}, {"password", password}});
  const std::string session = res->get_header_value("Set-Cookie");
  Login l{session.substr(0, session.find(';')), {}};
  auto home = client.Get("/", httplib::Headers{{"Cookie", l.cookie}});
  std::regex_search(home->body, m, std::regex("name=\"csrf\" value=\"([0-9a-f]+)\""));
  l.csrf = m[1];
  return l;
}

std::string csv_of(std::size_t n, std::uint64_t seed) {
  std::vector<carta::review::BibRecord> records;
  for (auto& r : carta::testing::synthetic_records(n, seed)) records.push_back(std::move(r.record));
  records.resize(n);
  return carta::io::records_csv(records);
}

}  // namespace

int main(int argc, char** argv) {
  int reviewers = 10, decisions = 300, think_ms = 0;
  std::size_t total_records = 50000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--reviewers") reviewers = std::stoi(argv[i + 1]);
    if (a == "--decisions") decisions = std::stoi(argv[i + 1]);
    if (a == "--records") total_records = std::stoul(argv[i + 1]);
    if (a == "--think-ms") think_ms = std::stoi(argv[i + 1]);
  }
  const fs::path dir = fs::temp_directory_path() / fmt::format("carta-serve-bench-{}", ::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    carta::store::Workspace workspace(dir / "bench.carta");
    const auto owner = workspace.add_user("Owner", "owner-password", carta::store::Role::kOwner);
    for (int r = 0; r < reviewers; ++r) {
      workspace.add_user(fmt::format("Reviewer {}", r), "reviewer-password", carta::store::Role::kReviewer, &owner);
    }
    std::ostringstream log;
    carta::serve::ServerOptions options;
    options.port = 0;
    carta::serve::Server server(workspace, options, log);
    const int port = server.bind();
    std::thread serving([&] { server.run(); });
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(120, 0);
    client.set_write_timeout(120, 0);
    const auto owner_login = login(client, "Owner", "owner-password");
    httplib::Headers h{{"Cookie", owner_login.cookie}};

    const std::string first = csv_of(10000, 1);
    auto t0 = Clock::now();
    auto imported = client.Post("/import", h,
                                httplib::MultipartFormDataItems{{"csrf", owner_login.csrf, "", ""},
                                                                {"database", "PubMed", "", ""},
                                                                {"file", first, "pubmed.csv", "text/csv"}});
    const auto t_import = Clock::now() - t0;
    t0 = Clock::now();
    auto deduplicated = client.Post("/dedup/run", h, httplib::Params{{"csrf", owner_login.csrf}});
    const auto t_dedup = Clock::now() - t0;
    if (!imported || imported->status != 303 || !deduplicated || deduplicated->status != 303) {
      fmt::print(stderr, "import or dedup failed: {}\n", imported ? imported->body : "no answer");
      return 1;
    }
    fmt::print("import of 10,000 records over HTTP: {:.0f} ms; deduplication: {:.0f} ms; together {:.2f} s\n",
               ms(t_import), ms(t_dedup), (ms(t_import) + ms(t_dedup)) / 1000);
    if (total_records > 10000) {
      const std::string rest = csv_of(total_records - 10000, 2);
      t0 = Clock::now();
      client.Post("/import", h,
                  httplib::MultipartFormDataItems{{"csrf", owner_login.csrf, "", ""}, {"database", "Embase", "", ""},
                                                  {"file", rest, "embase.csv", "text/csv"}});
      client.Post("/dedup/run", h, httplib::Params{{"csrf", owner_login.csrf}});
      fmt::print("import and deduplication to {} records: {:.2f} s\n", total_records, ms(Clock::now() - t0) / 1000);
    }

    std::vector<std::vector<double>> vote_ms(reviewers), page_ms(reviewers);
    std::atomic<int> failures{0};
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int r = 0; r < reviewers; ++r) {
      threads.emplace_back([&, r] {
        httplib::Client c("127.0.0.1", port);
        c.set_keep_alive(true);  // as a browser does
        c.set_tcp_nodelay(true);
        const auto l = login(c, fmt::format("Reviewer {}", r), "reviewer-password");
        httplib::Headers rh{{"Cookie", l.cookie}};
        const std::regex record_re("name=\"record\" value=\"([0-9]+)\"");
        std::string after = "0";
        for (int d = 0; d < decisions; ++d) {
          auto t = Clock::now();
          auto pageres = c.Get(fmt::format("/screen?stage=title_abstract&after={}", after), rh);
          page_ms[r].push_back(ms(Clock::now() - t));
          std::smatch m;
          if (!pageres || !std::regex_search(pageres->body, m, record_re)) {
            ++failures;
            break;
          }
          const std::string record = m[1];
          t = Clock::now();
          auto vote = c.Post("/screen/vote", rh,
                             httplib::Params{{"csrf", l.csrf}, {"stage", "title_abstract"}, {"record", record},
                                             {"vote", (d + r) % 3 ? "include" : "exclude"}});
          vote_ms[r].push_back(ms(Clock::now() - t));
          if (!vote || vote->status != 303) ++failures;
          after = record;
          // A person reads before deciding: 0 measures the server saturated.
          if (think_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(think_ms));
        }
      });
    }
    for (auto& t : threads) t.join();
    const double seconds = ms(Clock::now() - start) / 1000;
    std::vector<double> votes, pages;
    for (int r = 0; r < reviewers; ++r) {
      votes.insert(votes.end(), vote_ms[r].begin(), vote_ms[r].end());
      pages.insert(pages.end(), page_ms[r].begin(), page_ms[r].end());
    }
    fmt::print("{} reviewers x {} decisions on {} records, {} ms between decisions: {} decisions in {:.2f} s ({:.0f} "
               "records screened per second), {} failures\n",
               reviewers, decisions, total_records, think_ms, votes.size(), seconds, static_cast<double>(votes.size()) / seconds,
               failures.load());
    fmt::print("decision round trip (POST until acknowledged after commit): p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms\n",
               percentile(votes, 0.5), percentile(votes, 0.99), percentile(votes, 1.0));
    fmt::print("next-record page: p50 {:.2f} ms, p99 {:.2f} ms\n", percentile(pages, 0.5), percentile(pages, 0.99));
    fmt::print("peak memory of the process (server, clients and the generated exports): {:.0f} MiB\n",
               static_cast<double>(peak_rss_kib()) / 1024);
    server.stop();
    serving.join();
  }
  fs::remove_all(dir);
  return 0;
}
