// The workspace's HTTP layer over loopback: security headers, CSRF, the setup token, the login
// rate limit, clear pages for bad requests, and that the server keeps serving after them.

#include "carta/serve/server.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <fmt/format.h>

#include <filesystem>
#include <regex>
#include <sstream>
#include <thread>

namespace carta::serve {
namespace {

namespace fs = std::filesystem;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / fmt::format("carta-serve-{}-{}", ::getpid(),
                                                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    workspace_ = std::make_unique<store::Workspace>(dir_ / "review.carta");
    ServerOptions options;
    options.port = 0;
    options.setup_token = "0123456789abcdef";
    server_ = std::make_unique<Server>(*workspace_, options, log_);
    port_ = server_->bind();
    thread_ = std::thread([this] { server_->run(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    for (int i = 0; i < 100 && !client_->Get("/login"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  void TearDown() override {
    server_->stop();
    thread_.join();
    fs::remove_all(dir_);
  }
  // Logs in and returns the session cookie and the page's CSRF token.
  std::pair<std::string, std::string> login(const std::string& name, const std::string& password) {
    auto form = client_->Get("/login");
    const std::string login_cookie = form->get_header_value("Set-Cookie").substr(0, form->get_header_value("Set-Cookie").find(';'));
    std::smatch m;
    std::regex_search(form->body, m, std::regex("name=\"csrf\" value=\"([0-9a-f]+)\""));
    httplib::Headers h{{"Cookie", login_cookie}};
    auto res = client_->Post("/login", h, httplib::Params{{"csrf", m[1]}, {"name", name}, {"password", password}});
    const std::string set = res->get_header_value("Set-Cookie");
    const std::string session = set.substr(0, set.find(';'));
    auto home = client_->Get("/", httplib::Headers{{"Cookie", session}});
    std::regex_search(home->body, m, std::regex("name=\"csrf\" value=\"([0-9a-f]+)\""));
    return {session, m.size() > 1 ? m[1].str() : std::string()};
  }

  fs::path dir_;
  std::ostringstream log_;
  std::unique_ptr<store::Workspace> workspace_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<httplib::Client> client_;
  std::thread thread_;
  int port_ = 0;
};

TEST_F(ServerTest, PagesCarryTheSecurityHeadersAndAssetsAreEmbedded) {
  auto res = client_->Get("/setup");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  const std::string csp = res->get_header_value("Content-Security-Policy");
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(res->get_header_value("X-Frame-Options"), "DENY");
  EXPECT_EQ(res->body.find("<script>"), std::string::npos);  // no inline script
  auto js = client_->Get("/assets/app.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_NE(js->body.find("keydown"), std::string::npos);
  EXPECT_EQ(client_->Get("/assets/app.css")->status, 200);
  // Logged out: pages send you to setup (no account yet).
  EXPECT_EQ(client_->Get("/")->get_header_value("Location"), "/setup");
}

TEST_F(ServerTest, SetupNeedsThePrintedTokenAndHappensOnce) {
  auto wrong = client_->Post("/setup", httplib::Params{{"token", "nope"}, {"name", "Olga"}, {"password", "owner-password"}});
  EXPECT_EQ(wrong->status, 403);
  EXPECT_FALSE(workspace_->has_users());
  auto right = client_->Post("/setup", httplib::Params{{"token", "0123456789abcdef"}, {"name", "Olga"}, {"password", "owner-password"}});
  EXPECT_EQ(right->status, 303);
  EXPECT_NE(right->get_header_value("Set-Cookie").find("HttpOnly; SameSite=Strict"), std::string::npos);
  auto again = client_->Post("/setup", httplib::Params{{"token", "0123456789abcdef"}, {"name", "Eve"}, {"password", "eve-password"}});
  EXPECT_EQ(again->status, 403);
  EXPECT_EQ(workspace_->users().size(), 1u);
}

TEST_F(ServerTest, StateChangesNeedTheSessionsCsrfToken) {
  workspace_->add_user("Olga", "owner-password", store::Role::kOwner);
  const auto [session, csrf] = login("Olga", "owner-password");
  ASSERT_FALSE(csrf.empty());
  httplib::Headers h{{"Cookie", session}};
  auto forged = client_->Post("/settings/users", h, httplib::Params{{"name", "Eve"}, {"role", "owner"}, {"password", "eve-password"}});
  EXPECT_EQ(forged->status, 403);
  auto wrong = client_->Post("/settings/users", h,
                             httplib::Params{{"csrf", std::string(64, '0')}, {"name", "Eve"}, {"role", "owner"}, {"password", "eve-password"}});
  EXPECT_EQ(wrong->status, 403);
  EXPECT_EQ(workspace_->users().size(), 1u);
  auto ok = client_->Post("/settings/users", h, httplib::Params{{"csrf", csrf}, {"name", "Ann"}, {"role", "reviewer"}, {"password", "ann-password"}});
  EXPECT_EQ(ok->status, 303);
  EXPECT_EQ(workspace_->users().size(), 2u);
  // A reviewer cannot reach the owner's pages.
  const auto [ann, ann_csrf] = login("Ann", "ann-password");
  EXPECT_EQ(client_->Get("/settings", httplib::Headers{{"Cookie", ann}})->status, 403);
  auto imp = client_->Post("/import", httplib::Headers{{"Cookie", ann}}, httplib::Params{{"csrf", ann_csrf}, {"database", "PubMed"}});
  EXPECT_EQ(imp->status, 400);  // no file: said before anything else
}

TEST_F(ServerTest, BadRequestsGetAPageAndTheServerGoesOn) {
  workspace_->add_user("Olga", "owner-password", store::Role::kOwner);
  const auto [session, csrf] = login("Olga", "owner-password");
  httplib::Headers h{{"Cookie", session}};
  auto bad_number = client_->Get("/screen?stage=title_abstract&record=abc", h);
  EXPECT_EQ(bad_number->status, 400);
  EXPECT_NE(bad_number->body.find("is not a number"), std::string::npos);
  EXPECT_EQ(client_->Get("/screen?stage=sideways", h)->status, 400);
  EXPECT_EQ(client_->Get("/screen?stage=title_abstract&record=999", h)->status, 404);
  EXPECT_EQ(client_->Get("/no/such/page", h)->status, 404);
  EXPECT_EQ(client_->Get("/fulltext/../../etc/passwd", h)->status, 404);
  auto vote = client_->Post("/screen/vote", h, httplib::Params{{"csrf", csrf}, {"stage", "title_abstract"}, {"record", "5"}, {"vote", "include"}});
  EXPECT_EQ(vote->status, 400);
  EXPECT_NE(vote->body.find("R5"), std::string::npos);
  httplib::MultipartFormDataItems upload{{"csrf", csrf, "", ""}, {"database", "PubMed", "", ""},
                                         {"file", std::string("\x89PNG\r\n\x1a\n\0\0", 10), "figure.png", "image/png"}};
  auto image = client_->Post("/import", h, upload);
  EXPECT_EQ(image->status, 400);
  EXPECT_NE(image->body.find("figure.png"), std::string::npos);
  EXPECT_EQ(client_->Get("/", h)->status, 200);  // still serving
}

TEST_F(ServerTest, FailedLoginsAreRateLimited) {
  workspace_->add_user("Olga", "owner-password", store::Role::kOwner);
  int refused = 0;
  for (int i = 0; i < 6; ++i) {
    auto form = client_->Get("/login");
    const std::string c = form->get_header_value("Set-Cookie").substr(0, form->get_header_value("Set-Cookie").find(';'));
    std::smatch m;
    std::regex_search(form->body, m, std::regex("name=\"csrf\" value=\"([0-9a-f]+)\""));
    auto res = client_->Post("/login", httplib::Headers{{"Cookie", c}},
                             httplib::Params{{"csrf", m[1]}, {"name", "Olga"}, {"password", "guess-number-" + std::to_string(i)}});
    if (res->status == 429) ++refused;
  }
  EXPECT_EQ(refused, 1);  // the sixth attempt
  const auto [session, csrf] = login("Olga", "owner-password");
  EXPECT_TRUE(session.empty()) << "a right password during the block still does not log in";
}

}  // namespace
}  // namespace carta::serve
