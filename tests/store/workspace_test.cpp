// The workspace's store: schema and migrations, accounts, imports, deduplication with decisions,
// blinded queues, votes, conflicts and adjudication, and that its counts are those `carta
// screening` computes from the exported log.

#include "carta/store/workspace.hpp"

#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "carta/error.hpp"
#include "carta/io/screening_table.hpp"
#include "carta/io/table.hpp"

namespace carta::store {
namespace {

namespace fs = std::filesystem;
using review::ScreeningStage;
using review::ScreeningVote;

class WorkspaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / fmt::format("carta-ws-{}-{}", ::getpid(),
                                                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    file_ = dir_ / "review.carta";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // n records, titles distinct enough that none is a duplicate of another.
  static std::string ris(int n, int offset = 0) {
    static const char* words[] = {"leukemia", "lymphoma", "myeloma", "remission", "relapse", "toxicity", "cytokine",
                                  "neurotoxicity", "survival", "infusion", "manufacturing", "persistence"};
    std::string out;
    for (int i = 0; i < n; ++i) {
      const int k = i + offset;
      out += fmt::format("TY  - JOUR\nTI  - {} {} {} study number {} of chimeric antigen receptor cells\nAU  - Author{}, A\n"
                         "PY  - {}\nJO  - Journal {}\nVL  - {}\nSP  - {}\nER  - \n\n",
                         words[k % 12], words[(k / 12) % 12], words[(k * 7) % 12], k, k, 2000 + k % 20, k % 5, k,
                         100 + k);
    }
    return out;
  }

  fs::path dir_, file_;
};

TEST_F(WorkspaceTest, CreatesASchemaAndReopensIt) {
  {
    Workspace w(file_);
    EXPECT_EQ(w.schema_version(), kSchemaVersion);
    EXPECT_FALSE(w.has_users());
    EXPECT_TRUE(fs::is_directory(w.files_folder()));
  }
  Workspace again(file_);
  EXPECT_EQ(again.schema_version(), kSchemaVersion);
  SQLite::Database db(file_.string());
  EXPECT_EQ(db.execAndGet("PRAGMA journal_mode").getString(), "wal");
}

TEST_F(WorkspaceTest, RefusesOtherFilesAndNewerSchemas) {
  {
    SQLite::Database other((dir_ / "other.db").string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    other.exec("CREATE TABLE t(x)");
  }
  try {
    Workspace w(dir_ / "other.db");
    FAIL() << "an SQLite file of another program was opened as a review";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a carta review"), std::string::npos) << e.what();
  }
  std::ofstream(dir_ / "text.carta") << "this is not a database at all, just some text that is long enough";
  EXPECT_THROW(Workspace{dir_ / "text.carta"}, Error);
  { Workspace w(file_); }
  {
    SQLite::Database db(file_.string(), SQLite::OPEN_READWRITE);
    db.exec(fmt::format("PRAGMA user_version = {}", kSchemaVersion + 1));
  }
  try {
    Workspace w(file_);
    FAIL() << "a newer schema was opened";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("newer carta"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Workspace{dir_}, Error);  // a folder
}

TEST_F(WorkspaceTest, AccountsSessionsAndRoles) {
  Workspace w(file_);
  EXPECT_THROW(w.add_user("Alice", "long-enough", Role::kReviewer), Error);  // the first is the owner
  const User owner = w.add_user("Olga", "owner-password", Role::kOwner);
  EXPECT_THROW(w.add_user("Bob", "long-enough", Role::kReviewer), Error);  // only the owner adds
  const User bob = w.add_user("Bob", "bob-password", Role::kReviewer, &owner);
  EXPECT_THROW(w.add_user("bob", "another-pass", Role::kReviewer, &owner), Error);  // names ignore case
  EXPECT_THROW(w.add_user("Carl", "short", Role::kReviewer, &owner), Error);
  EXPECT_THROW(w.add_user("", "long-enough", Role::kReviewer, &owner), Error);
  EXPECT_THROW(w.add_user("adjudicator", "long-enough", Role::kAdjudicator, &owner), Error);
  EXPECT_THROW(w.add_user("Eve", "long-enough", Role::kReviewer, &bob), Error);
  EXPECT_FALSE(w.login("Bob", "wrong-password"));
  EXPECT_FALSE(w.login("Nobody", "bob-password"));
  const auto s = w.login("Bob", "bob-password");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->token.size(), 64u);
  EXPECT_NE(s->token, s->csrf);
  const auto again = w.session(s->token);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->user.name, "Bob");
  EXPECT_EQ(again->csrf, s->csrf);
  EXPECT_FALSE(w.session(std::string(64, 'a')));
  w.logout(s->token);
  EXPECT_FALSE(w.session(s->token));
  // Only hashes are stored.
  SQLite::Database db(file_.string());
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM users WHERE password_hash LIKE '$argon2id$%'").getInt(), 2);
  SQLite::Statement q(db, "SELECT count(*) FROM sessions WHERE token_hash = ?");
  q.bind(1, s->token);
  q.executeStep();
  EXPECT_EQ(q.getColumn(0).getInt(), 0);
}

TEST_F(WorkspaceTest, ImportsCountRecordsAndRefuseTheSameFileTwice) {
  Workspace w(file_);
  const User owner = w.add_user("Olga", "owner-password", Role::kOwner);
  const User bob = w.add_user("Bob", "bob-password", Role::kReviewer, &owner);
  const auto a = w.import_records("PubMed", "pubmed.ris", ris(5), owner);
  EXPECT_EQ(a.records, 5);
  EXPECT_EQ(a.format, "RIS");
  EXPECT_THROW(w.import_records("PubMed", "again.ris", ris(5), owner), Error);
  EXPECT_THROW(w.import_records("", "x.ris", ris(2, 50), owner), Error);
  EXPECT_THROW(w.import_records("Embase", "x.ris", ris(2, 50), bob), Error);  // reviewers do not import
  EXPECT_THROW(w.import_records("Embase", "empty.ris", "", owner), Error);
  EXPECT_THROW(w.import_records("Embase", "image.png", std::string("\x89PNG\r\n\x1a\n\0\0\0", 11), owner), Error);
  w.import_records("Embase", "embase.ris", ris(3, 100), owner);
  const auto list = w.imports();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[1].database, "Embase");
  const auto state = w.screening_state();
  EXPECT_EQ(state.prisma.database_results, 8);
  ASSERT_EQ(state.prisma.database_specific.size(), 2u);
  EXPECT_EQ(state.prisma.database_specific[0].n, 5);
}

// Keywords, ISSN, accession numbers and the other fields the readers know are kept (schema 2), and
// a review made by schema 1 is migrated in place with its records intact.
TEST_F(WorkspaceTest, RecordsKeepEveryFieldAndSchemaOneIsMigrated) {
  const std::string export_ris =
      "TY  - JOUR\nTI  - CD19 CAR T cells in relapsed acute lymphoblastic leukemia\nAU  - Maude, SL\nPY  - 2018\n"
      "T2  - The New England journal of medicine\nJ2  - N Engl J Med\nVL  - 378\nSP  - 439\nEP  - 448\n"
      "SN  - 0028-4793\nKW  - tisagenlecleucel\nKW  - B-ALL\nLA  - English\nAN  - WOS:000424130100009\n"
      "DO  - 10.1056/NEJMoa1709866\nER  - \n";
  std::int64_t id = 0;
  {
    Workspace w(file_);
    const User owner = w.add_user("Olga", "owner-password", Role::kOwner);
    w.import_records("Web of Science", "wos.ris", export_ris, owner);
    id = 1;
    const auto v = w.record(id);
    EXPECT_EQ(v.record.keywords, (std::vector<std::string>{"tisagenlecleucel", "B-ALL"}));
    EXPECT_EQ(v.record.issn, std::vector<std::string>{"0028-4793"});
    EXPECT_EQ(v.record.journal_abbrev, "N Engl J Med");
    EXPECT_EQ(v.record.language, "English");
    EXPECT_EQ(v.record.accession, std::vector<std::string>{"WOS:000424130100009"});
    EXPECT_EQ(v.record.doi, "10.1056/NEJMoa1709866");
  }
  {
    // Back to schema 1: the column it lacked dropped, the version set back.
    SQLite::Database db(file_.string(), SQLite::OPEN_READWRITE);
    db.exec("ALTER TABLE records DROP COLUMN extra");
    db.exec("PRAGMA user_version = 1");
  }
  Workspace w(file_);
  EXPECT_EQ(w.schema_version(), 2);
  const auto v = w.record(id);
  EXPECT_EQ(v.record.title, "CD19 CAR T cells in relapsed acute lymphoblastic leukemia");
  EXPECT_TRUE(v.record.keywords.empty());  // schema 1 never had them
  SQLite::Database db(file_.string());
  EXPECT_EQ(db.execAndGet("SELECT extra FROM records").getString(), "{}");
}

TEST_F(WorkspaceTest, DeduplicationRemovesDuplicatesAndKeepsDecisions) {
  Workspace w(file_);
  const User owner = w.add_user("Olga", "owner-password", Role::kOwner);
  w.import_records("PubMed", "pubmed.ris", ris(6), owner);
  w.import_records("Embase", "embase.ris", ris(3) + ris(2, 200), owner);  // 3 duplicates of PubMed's
  const auto d = w.deduplicate(owner);
  EXPECT_EQ(d.records, 11);
  EXPECT_EQ(d.duplicates, 3);
  const auto state = w.screening_state();
  EXPECT_EQ(state.prisma.duplicates, 3);
  // Reviewers see 8 records at title and abstract.
  const User bob = w.add_user("Bob", "bob-password", Role::kReviewer, &owner);
  int seen = 0;
  for (auto item = w.next_item(bob, ScreeningStage::kTitleAbstract); item; item = w.next_item(bob, ScreeningStage::kTitleAbstract)) {
    EXPECT_FALSE(item->record.duplicate_of);
    w.vote(bob, item->record.id, ScreeningStage::kTitleAbstract, ScreeningVote::kInclude, "", "");
    ASSERT_LT(++seen, 20);
  }
  EXPECT_EQ(seen, 8);
  EXPECT_THROW(w.deduplicate(owner), Error);  // screening has begun
  EXPECT_THROW(w.deduplicate(bob), Error);
}

TEST_F(WorkspaceTest, QueuesAreBlindedAndVotesFollowTheRules) {
  Workspace w(file_);
  const User owner = w.add_user("Olga", "owner-password", Role::kOwner);
  const User a = w.add_user("Ann", "ann-password", Role::kReviewer, &owner);
  const User b = w.add_user("Ben", "ben-password", Role::kReviewer, &owner);
  const User c = w.add_user("Cid", "cid-password", Role::kReviewer, &owner);
  w.import_records("PubMed", "pubmed.ris", ris(3), owner);
  const auto first = w.next_item(a, ScreeningStage::kTitleAbstract);
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->own_vote);
  w.vote(a, first->record.id, ScreeningStage::kTitleAbstract, ScreeningVote::kExclude, "", "off topic");
  // Ben is offered the same record, without Ann's vote.
  const auto for_b = w.next_item(b, ScreeningStage::kTitleAbstract);
  ASSERT_TRUE(for_b);
  EXPECT_EQ(for_b->record.id, first->record.id);
  EXPECT_FALSE(for_b->own_vote);
  const auto own = w.item(a, ScreeningStage::kTitleAbstract, first->record.id);
  ASSERT_TRUE(own && own->own_vote);
  EXPECT_EQ(own->own_vote->vote, ScreeningVote::kExclude);
  EXPECT_EQ(own->own_vote->note, "off topic");
  w.vote(b, first->record.id, ScreeningStage::kTitleAbstract, ScreeningVote::kInclude, "", "");
  // Two votes are in: a third reviewer is not offered it.
  const auto for_c = w.next_item(c, ScreeningStage::kTitleAbstract);
  ASSERT_TRUE(for_c);
  EXPECT_NE(for_c->record.id, first->record.id);
  // A changed vote replaces the earlier one (the audit keeps both).
  w.vote(a, first->record.id, ScreeningStage::kTitleAbstract, ScreeningVote::kMaybe, "", "");
  EXPECT_NE(w.audit_csv().find("exclude"), std::string::npos);
  EXPECT_THROW(w.vote(a, first->record.id, ScreeningStage::kTitleAbstract, ScreeningVote::kNotRetrieved, "", ""), Error);
  EXPECT_THROW(w.vote(a, 9999, ScreeningStage::kTitleAbstract, ScreeningVote::kInclude, "", ""), Error);
  // Not through title and abstract yet: not screened at full text.
  EXPECT_THROW(w.vote(a, for_c->record.id, ScreeningStage::kFullText, ScreeningVote::kInclude, "", ""), Error);
  // Undo takes the vote back.
  w.undo_vote(a, first->record.id, ScreeningStage::kTitleAbstract);
  EXPECT_FALSE(w.item(a, ScreeningStage::kTitleAbstract, first->record.id)->own_vote);
}

TEST_F(WorkspaceTest, ConflictsAdjudicationFullTextAndTheSameCountsAsTheCli) {
  Workspace w(file_);
  const User owner = w.add_user("Olga", "owner-password", Role::kOwner);
  const User a = w.add_user("Ann", "ann-password", Role::kReviewer, &owner);
  const User b = w.add_user("Ben", "ben-password", Role::kReviewer, &owner);
  const User judge = w.add_user("Jude", "jude-password", Role::kAdjudicator, &owner);
  w.import_records("PubMed", "pubmed.ris", ris(10), owner);
  w.import_records("Embase", "embase.ris", ris(4, 300), owner);
  w.deduplicate(owner);
  // Ann includes all; Ben excludes the 2nd and 5th.
  for (const User* u : {&a, &b}) {
    int i = 0;
    for (auto item = w.next_item(*u, ScreeningStage::kTitleAbstract); item;
         item = w.next_item(*u, ScreeningStage::kTitleAbstract, item->record.id)) {
      ++i;
      const bool out = u == &b && (i == 2 || i == 5 || i > 12);
      w.vote(*u, item->record.id, ScreeningStage::kTitleAbstract, out ? ScreeningVote::kExclude : ScreeningVote::kInclude, "",
             out ? "not CAR-T" : "");
    }
    EXPECT_EQ(i, 14);
  }
  auto conflicts = w.conflicts(ScreeningStage::kTitleAbstract);
  ASSERT_EQ(conflicts.size(), 4u);
  ASSERT_EQ(conflicts[0].votes.size(), 2u);
  EXPECT_EQ(conflicts[0].votes[1].note, "not CAR-T");
  EXPECT_THROW(w.adjudicate(a, conflicts[0].record.id, ScreeningStage::kTitleAbstract, ScreeningVote::kInclude, ""), Error);
  w.adjudicate(judge, conflicts[0].record.id, ScreeningStage::kTitleAbstract, ScreeningVote::kInclude, "");
  for (std::size_t i = 1; i < conflicts.size(); ++i) {
    w.adjudicate(judge, conflicts[i].record.id, ScreeningStage::kTitleAbstract, ScreeningVote::kExclude, "");
  }
  EXPECT_TRUE(w.conflicts(ScreeningStage::kTitleAbstract).empty());
  EXPECT_THROW(w.vote(a, conflicts[0].record.id, ScreeningStage::kTitleAbstract, ScreeningVote::kExclude, "", ""), Error);
  // Full text: 10 + 1 adjudicated = 11 records; both include all but one, excluded for a reason.
  std::int64_t excluded = 0;
  for (const User* u : {&a, &b}) {
    int i = 0;
    for (auto item = w.next_item(*u, ScreeningStage::kFullText); item;
         item = w.next_item(*u, ScreeningStage::kFullText, item->record.id)) {
      if (++i == 3) {
        excluded = item->record.id;
        EXPECT_THROW(w.vote(*u, item->record.id, ScreeningStage::kFullText, ScreeningVote::kExclude, "", ""), Error);
        w.vote(*u, item->record.id, ScreeningStage::kFullText, ScreeningVote::kExclude, "Wrong population", "");
      } else {
        w.vote(*u, item->record.id, ScreeningStage::kFullText, ScreeningVote::kInclude, "", "");
      }
    }
    EXPECT_EQ(i, 11);
  }
  EXPECT_THROW(w.vote(a, excluded, ScreeningStage::kTitleAbstract, ScreeningVote::kExclude, "", ""), Error);
  EXPECT_THROW(w.attach_fulltext(a, excluded, "paper.pdf", "not a pdf"), Error);
  const auto sha = w.attach_fulltext(a, excluded, "../../etc/passwd", "%PDF-1.4\n%fake\n");
  const auto path = w.fulltext_path(sha);
  ASSERT_TRUE(path);
  EXPECT_EQ(path->parent_path(), w.files_folder());
  EXPECT_FALSE(w.fulltext_path("../review"));

  const auto state = w.screening_state();
  EXPECT_TRUE(state.prisma_complete) << (state.prisma_problems.empty() ? "" : state.prisma_problems[0]);
  EXPECT_EQ(state.prisma.database_results, 14);
  EXPECT_EQ(state.prisma.records_screened, 14);
  EXPECT_EQ(state.prisma.records_excluded, 3);
  EXPECT_EQ(state.prisma.dbr_assessed, 11);
  EXPECT_EQ(state.prisma.new_reports, 10);
  EXPECT_EQ(w.included_records().size(), 10u);

  // The exported log, read as `carta screening` reads it, gives the same counts and kappa.
  const auto log_path = dir_ / "log.csv";
  std::ofstream(log_path) << w.screening_log_csv();
  const auto table = io::read_table(log_path);
  const auto cli = review::summarise_screening(io::load_screening_log(table));
  EXPECT_EQ(cli.title_abstract.included, state.result.title_abstract.included);
  EXPECT_EQ(cli.title_abstract.excluded, state.result.title_abstract.excluded);
  EXPECT_EQ(cli.full_text.excluded, state.result.full_text.excluded);
  EXPECT_EQ(cli.included_reports, state.result.included_reports);
  ASSERT_EQ(cli.agreement.size(), state.result.agreement.size());
  ASSERT_FALSE(cli.agreement.empty());
  EXPECT_DOUBLE_EQ(cli.agreement[0].kappa, state.result.agreement[0].kappa);
}

// One vote per record (a pilot or a rapid review): one include moves a record to full text, the
// counts are those `carta screening --reviewers 1` gives on the exported log, and a second vote
// that disagrees is still a conflict.
TEST_F(WorkspaceTest, OneVotePerRecordMovesRecordsOnAsTheCliCountsThem) {
  Workspace w(file_);
  const User owner = w.add_user("Olga", "owner-password", Role::kOwner);
  const User a = w.add_user("Ann", "ann-password", Role::kReviewer, &owner);
  const User b = w.add_user("Ben", "ben-password", Role::kReviewer, &owner);
  auto settings = w.settings();
  settings.votes_per_record = 1;
  w.save_settings(settings, owner);
  EXPECT_EQ(w.options().reviewers_title_abstract, 1);
  w.import_records("PubMed", "pubmed.ris", ris(4), owner);
  w.vote(a, 1, ScreeningStage::kTitleAbstract, ScreeningVote::kInclude, "", "");
  w.vote(a, 2, ScreeningStage::kTitleAbstract, ScreeningVote::kExclude, "", "");
  w.vote(a, 3, ScreeningStage::kTitleAbstract, ScreeningVote::kInclude, "", "");
  w.vote(b, 3, ScreeningStage::kTitleAbstract, ScreeningVote::kExclude, "", "");  // a conflict still
  const auto state = w.screening_state();
  EXPECT_EQ(state.result.title_abstract.included, 1);
  EXPECT_EQ(state.result.title_abstract.excluded, 1);
  EXPECT_EQ(state.result.title_abstract.conflicts, 1);
  EXPECT_EQ(state.result.title_abstract.awaiting, 0);
  ASSERT_TRUE(w.next_item(b, ScreeningStage::kFullText));  // record 1 is at full text after one vote
  EXPECT_EQ(w.next_item(b, ScreeningStage::kFullText)->record.id, 1);
  w.vote(b, 1, ScreeningStage::kFullText, ScreeningVote::kInclude, "", "");
  EXPECT_EQ(w.screening_state().result.included_reports, 1);
  EXPECT_EQ(w.included_records().size(), 1u);

  const auto log_path = dir_ / "log.csv";
  std::ofstream(log_path) << w.screening_log_csv();
  review::ScreeningOptions one;
  one.reviewers_title_abstract = one.reviewers_full_text = 1;
  const auto cli = review::summarise_screening(io::load_screening_log(io::read_table(log_path)), one);
  EXPECT_EQ(cli.title_abstract.included, 1);
  EXPECT_EQ(cli.title_abstract.conflicts, 1);
  EXPECT_EQ(cli.included_reports, 1);
}

TEST_F(WorkspaceTest, TwoReviewersVotingAtOnceBothCount) {
  Workspace w(file_);
  const User owner = w.add_user("Olga", "owner-password", Role::kOwner);
  const User a = w.add_user("Ann", "ann-password", Role::kReviewer, &owner);
  const User b = w.add_user("Ben", "ben-password", Role::kReviewer, &owner);
  w.import_records("PubMed", "pubmed.ris", ris(40), owner);
  auto screen = [&](const User& u, ScreeningVote v) {
    for (auto item = w.next_item(u, ScreeningStage::kTitleAbstract); item;
         item = w.next_item(u, ScreeningStage::kTitleAbstract, item->record.id)) {
      w.vote(u, item->record.id, ScreeningStage::kTitleAbstract, v, "", "");
    }
  };
  std::thread ta([&] { screen(a, ScreeningVote::kInclude); });
  std::thread tb([&] { screen(b, ScreeningVote::kExclude); });
  ta.join();
  tb.join();
  const auto state = w.screening_state();
  EXPECT_EQ(state.result.title_abstract.records, 40);
  EXPECT_EQ(state.result.title_abstract.conflicts, 40);
  EXPECT_EQ(w.decisions().size(), 80u);
}

}  // namespace
}  // namespace carta::store
