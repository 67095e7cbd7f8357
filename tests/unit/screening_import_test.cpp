// Screening decisions as Rayyan and Covidence export them, and carta's own log: each format
// recognised from its columns, read into one log, and refused with file:line:column when a cell
// would otherwise be read wrong. The fixtures are small hand-written files in each tool's layout.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "carta/error.hpp"
#include "carta/io/screening_table.hpp"
#include "carta/review/screening.hpp"
#include "test_folder.hpp"

namespace carta {
namespace {

using ::testing::HasSubstr;
using io::ScreeningSource;

ScreeningSource source(const std::string& csv, const std::string& name, const std::string& part = "") {
  return {io::parse_delimited(csv, ',', name), part};
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// ---------------------------------------------------------------------------------------------
// Rayyan: key,title,...,notes; the votes in notes as a Ruby hash.

const std::string kRayyanHeader = "key,title,year,authors,notes,doi,pubmed_id\n";

std::string rayyan_title_abstract() {
  return kRayyanHeader +
         "r1,Tisagenlecleucel in children and young adults with B-cell ALL,2018,Maude,"
         "\"RAYYAN-INCLUSION: {\"\"Alice\"\"=>\"\"Included\"\", \"\"Bob\"\"=>\"\"Included\"\"}\",10.1056/NEJMoa1709866,29385370\n"
         "r2,CD19 CAR T cells of defined composition in adults,2016,Turtle,"
         "\"RAYYAN-INCLUSION: {\"\"Alice\"\"=>\"\"Included\"\", \"\"Bob\"\"=>\"\"Maybe\"\"} | RAYYAN-LABELS: adult,CD19\",,27111235\n"
         "r3,A narrative review of CAR T-cell manufacturing methods,2019,Smith,"
         "\"RAYYAN-INCLUSION: {\"\"Alice\"\"=>\"\"Excluded\"\", \"\"Bob\"\"=>\"\"Included\"\"} | RAYYAN-LABELS: adult\",,\n"
         "r4,Cytokine release syndrome in solid tumours,2020,Jones,"
         "\"RAYYAN-EXCLUSION-REASONS: wrong population | RAYYAN-INCLUSION: {\"\"Alice\"\"=>\"\"Excluded\"\", "
         "\"\"Bob\"\"=>\"\"Excluded\"\"}\",,\n"
         "r5,Not yet screened record about CAR T cells in ALL,2021,Lee,,,\n";
}

TEST(RayyanExport, VotesLabelsReasonsAndUnscreenedRecords) {
  const auto imported = io::load_screening({source(rayyan_title_abstract(), "ta.csv")});
  EXPECT_EQ(imported.format, io::ScreeningFormat::kRayyan);
  ASSERT_EQ(imported.log.decisions.size(), 8u);
  EXPECT_EQ(imported.log.decisions[0].reviewer, "Alice");
  EXPECT_EQ(imported.log.decisions[0].source, "ta.csv");
  EXPECT_EQ(imported.log.decisions[0].line, 2u);
  EXPECT_EQ(imported.log.decisions[3].vote, review::ScreeningVote::kMaybe);
  EXPECT_EQ(imported.log.decisions[6].reason, "wrong population");  // markers in any order
  ASSERT_EQ(imported.log.undecided.size(), 1u);
  EXPECT_EQ(imported.log.undecided[0].record, "r5");
  ASSERT_EQ(imported.labels.size(), 2u);
  EXPECT_EQ(imported.labels[0].name, "adult");
  EXPECT_EQ(imported.labels[0].n, 2);
  EXPECT_EQ(imported.labels[1].name, "CD19");

  const auto r = review::summarise_screening(imported.log);
  EXPECT_EQ(r.title_abstract.records, 5);
  EXPECT_EQ(r.title_abstract.included, 2);
  EXPECT_EQ(r.title_abstract.excluded, 1);
  EXPECT_EQ(r.title_abstract.conflicts, 1);
  EXPECT_EQ(r.title_abstract.not_screened, 1);
  EXPECT_FALSE(r.complete());
  ASSERT_EQ(r.agreement.size(), 1u);
  EXPECT_EQ(r.agreement[0].both_rated, 4);
  EXPECT_DOUBLE_EQ(r.agreement[0].percent_agreement, 75.0);
  // A includes 2/4, B 3/4: p_e = 0.5 * 0.75 + 0.5 * 0.25 = 0.5; kappa = (0.75 - 0.5) / 0.5.
  EXPECT_NEAR(r.agreement[0].kappa, 0.5, 1e-15);
}

TEST(RayyanExport, FullTextMatchedToTitleAbstractByDoiPmidOrTitle) {
  std::string ta = kRayyanHeader +
                   "r1,Tisagenlecleucel in children and young adults with B-cell ALL,2018,Maude,"
                   "\"RAYYAN-INCLUSION: {\"\"A\"\"=>\"\"Included\"\", \"\"B\"\"=>\"\"Included\"\"}\",10.1056/NEJMoa1709866,\n"
                   "r2,CD19 CAR T cells of defined composition in adults,2016,Turtle,"
                   "\"RAYYAN-INCLUSION: {\"\"A\"\"=>\"\"Included\"\", \"\"B\"\"=>\"\"Included\"\"}\",,27111235\n"
                   "r3,Long-term follow-up of CD19 CAR therapy in ALL,2018,Park,"
                   "\"RAYYAN-INCLUSION: {\"\"A\"\"=>\"\"Included\"\", \"\"B\"\"=>\"\"Included\"\"}\",,\n";
  std::string ft = kRayyanHeader +
                   "f1,Tisagenlecleucel in children,2018,Maude,"
                   "\"RAYYAN-INCLUSION: {\"\"A\"\"=>\"\"Included\"\", \"\"B\"\"=>\"\"Included\"\"}\",10.1056/NEJMOA1709866,\n"
                   "f2,CD19 CAR T cells,2016,Turtle,"
                   "\"RAYYAN-INCLUSION: {\"\"A\"\"=>\"\"Excluded\"\", \"\"B\"\"=>\"\"Excluded\"\"} | "
                   "RAYYAN-EXCLUSION-REASONS: wrong outcome,wrong design\",,27111235\n"
                   "f3,\"Long-term follow-up of CD19 CAR therapy in ALL.\",2018,Park,"
                   "\"RAYYAN-INCLUSION: {\"\"A\"\"=>\"\"Included\"\", \"\"B\"\"=>\"\"Included\"\"}\",,\n";
  // Given in either order: title/abstract is read first.
  const auto imported =
      io::load_screening({source(ft, "ft.csv", "full_text"), source(ta, "ta.csv", "title_abstract")});
  const auto r = review::summarise_screening(imported.log);
  EXPECT_EQ(r.title_abstract.included, 3);
  EXPECT_EQ(r.full_text.records, 3);
  EXPECT_EQ(r.full_text.included, 2);
  EXPECT_EQ(r.full_text.excluded, 1);
  ASSERT_EQ(r.exclusion_reasons.size(), 1u);
  EXPECT_EQ(r.exclusion_reasons[0].name, "wrong outcome");  // the first of several reasons
  EXPECT_TRUE(r.complete());
  std::string notes;
  for (const auto& n : imported.notes) notes += n + "\n";
  EXPECT_THAT(notes, HasSubstr("1 full-text record(s) matched to the title/abstract export by DOI"));
  EXPECT_THAT(notes, HasSubstr("by PubMed ID"));
  EXPECT_THAT(notes, HasSubstr("by title"));
  EXPECT_THAT(notes, HasSubstr("list several Rayyan exclusion reasons (r2: wrong outcome, wrong design)"));
  EXPECT_EQ(imported.sources.size(), 2u);
  EXPECT_THAT(imported.sources[1], HasSubstr("ft.csv (Rayyan export, full text: 3 records, 6 decisions)"));
}

TEST(RayyanExport, OneReviewerModeLetsOneVoteDecide) {
  const std::string pilot = kRayyanHeader +
                            "r1,First record title long enough,2020,A,\"RAYYAN-INCLUSION: {\"\"Sam\"\"=>\"\"Included\"\"}\",,\n"
                            "r2,Second record title long enough,2020,A,\"RAYYAN-INCLUSION: {\"\"Sam\"\"=>\"\"Excluded\"\"}\",,\n"
                            "r3,Third record title long enough,2020,A,\"RAYYAN-INCLUSION: {\"\"Sam\"\"=>\"\"Maybe\"\"}\",,\n";
  const auto imported = io::load_screening({source(pilot, "pilot.csv")});
  // Dual screening (the default): every record waits for a second vote, and a note says why.
  const auto dual = review::summarise_screening(imported.log);
  EXPECT_EQ(dual.title_abstract.awaiting, 3);
  std::string notes;
  for (const auto& n : dual.notes) notes += n + "\n";
  EXPECT_THAT(notes, HasSubstr("has one vote: if one reviewer screens this stage"));
  EXPECT_THAT(notes, HasSubstr("--reviewers 1"));
  review::ScreeningOptions one;
  one.reviewers_title_abstract = 1;
  one.reviewers_full_text = 1;
  const auto single = review::summarise_screening(imported.log, one);
  EXPECT_EQ(single.title_abstract.awaiting, 0);
  EXPECT_EQ(single.title_abstract.included, 2);  // include and maybe move on
  EXPECT_EQ(single.title_abstract.excluded, 1);
  EXPECT_EQ(single.awaiting_full_text, 2);
  EXPECT_TRUE(single.agreement.empty());
  EXPECT_THAT(single.agreement_note, HasSubstr("only one reviewer (Sam) voted"));
}

TEST(RayyanExport, ErrorsNameFileLineAndColumn) {
  auto load = [](const std::string& notes, const std::string& part = "") {
    return [=] {
      io::load_screening({source(kRayyanHeader + "r1,Title,2020,A,\"" + notes + "\",,\n", "rayyan.csv", part)});
    };
  };
  EXPECT_THAT(error_of(load("RAYYAN-INCLUSION: {\"\"Alice\"\"=>\"\"Undecided\"\"}")),
              HasSubstr("rayyan.csv:2:5 (column 'notes'): Alice's decision 'Undecided' is not one of Rayyan's Included, "
                        "Excluded, Maybe"));
  EXPECT_THAT(error_of(load("RAYYAN-INCLUSION: {\"\"Alice\"\"=\"\"Included\"\"}")),
              HasSubstr("'=>' is missing after \"Alice\""));
  EXPECT_THAT(error_of(load("RAYYAN-INCLUSION: {\"\"Alice\"\"=>\"\"Included\"\"")),
              HasSubstr("does not end with '}'"));
  EXPECT_THAT(error_of(load("RAYYAN-INCLUSION: {\"\"Alice\"\"=>\"\"Included\"\"} junk")), HasSubstr("text follows"));
  EXPECT_THAT(error_of(load("RAYYAN-INCLUSION: {\"\"\"\"=>\"\"Included\"\"}")), HasSubstr("has no reviewer name"));
  EXPECT_THAT(error_of(load("RAYYAN-INCLUSION: {} | RAYYAN-INCLUSION: {}")), HasSubstr("appears twice"));
  // A full-text exclusion without a reason would leave a PRISMA box short.
  EXPECT_THAT(error_of([] {
                io::load_screening(
                    {source(kRayyanHeader + "r1,Title,2020,A,\"RAYYAN-INCLUSION: {\"\"A\"\"=>\"\"Included\"\"}\",,\n",
                            "ta.csv"),
                     source(kRayyanHeader + "r1,Title,2020,A,\"RAYYAN-INCLUSION: {\"\"A\"\"=>\"\"Excluded\"\"}\",,\n",
                            "ft.csv", "full_text")});
              }),
              HasSubstr("ft.csv:2:5 (column 'notes'): record 'r1' is excluded at full text, but its notes give no "
                        "RAYYAN-EXCLUSION-REASONS"));
  EXPECT_THAT(error_of(load("", "full_text")), HasSubstr("give the title and abstract export too"));
  EXPECT_THAT(error_of(load("", "fulltxt")), HasSubstr("'fulltxt=' is not a stage"));
  EXPECT_THAT(error_of([] { io::load_screening({source(kRayyanHeader + ",Title,2020,A,,,\n", "k.csv")}); }),
              HasSubstr("k.csv:2:1 (column 'key'): the record's key is empty"));
  EXPECT_THAT(error_of([] { io::load_screening({source(kRayyanHeader, "empty.csv")}); }),
              HasSubstr("empty.csv: no records to screen"));
}

TEST(RayyanExport, EscapedQuotesInNames) {
  const auto imported = io::load_screening(
      {source(kRayyanHeader + "r1,T,2020,A,\"RAYYAN-INCLUSION: {\"\"O\\\"\"Neil\"\"=>\"\"Included\"\"}\",,\n", "q.csv")});
  ASSERT_EQ(imported.log.decisions.size(), 1u);
  EXPECT_EQ(imported.log.decisions[0].reviewer, "O\"Neil");
}

// ---------------------------------------------------------------------------------------------
// Covidence: one references export per list, named review_N_LIST_csv_DATE.csv.

const std::string kCovidenceHeader =
    "Title,Authors,Abstract,Published Year,Published Month,Journal,Volume,Issue,Pages,Accession Number,DOI,Ref,"
    "Covidence #,Study,Notes,Tags\n";

std::string covidence_row(const std::string& id, const std::string& study = "", const std::string& notes = "",
                          const std::string& tags = "") {
  return "A title,Author A,An abstract,2020,,J,1,2,3-4,,," + id + "," + "#" + id + "," + study + "," + notes + "," + tags +
         "\n";
}

TEST(CovidenceExport, ListsGiveEachRecordsFinalDecision) {
  const auto imported = io::load_screening({
      source(kCovidenceHeader + covidence_row("1") + covidence_row("2"), "review_123_screen_csv_20240301.csv"),
      source(kCovidenceHeader + covidence_row("3", "", "", "Animal study") + covidence_row("4"),
             "review_123_irrelevant_csv_20240301.csv"),
      source(kCovidenceHeader + covidence_row("5"), "review_123_select_csv_20240301.csv"),
      source(kCovidenceHeader + covidence_row("6", "", "\"Exclusion reason: Wrong patient population; \"") +
                 covidence_row("7", "", "\"Exclusion reason: Wrong study design; note\"", "Animal study"),
             "review_123_excluded_csv_20240301.csv"),
      source(kCovidenceHeader + covidence_row("8", "Maude 2018") + covidence_row("9", "Maude 2018") +
                 covidence_row("10", "Shah 2021"),
             "review_123_included_csv_20240301.csv"),
  });
  EXPECT_EQ(imported.format, io::ScreeningFormat::kCovidence);
  EXPECT_FALSE(imported.log.has_votes);
  const auto r = review::summarise_screening(imported.log);
  EXPECT_EQ(r.title_abstract.records, 10);
  EXPECT_EQ(r.title_abstract.not_screened, 2);
  EXPECT_EQ(r.title_abstract.excluded, 2);
  EXPECT_EQ(r.title_abstract.included, 6);
  EXPECT_EQ(r.awaiting_full_text, 1);  // the select list
  EXPECT_EQ(r.full_text.excluded, 2);
  EXPECT_EQ(r.full_text.included, 3);
  EXPECT_EQ(r.included_reports, 3);
  EXPECT_EQ(r.included_studies, 2);  // two reports of Maude 2018
  ASSERT_EQ(r.exclusion_reasons.size(), 2u);
  EXPECT_EQ(r.exclusion_reasons[0].name, "Wrong patient population");
  EXPECT_EQ(r.exclusion_reasons[1].name, "Wrong study design");
  EXPECT_TRUE(r.agreement.empty());
  EXPECT_THAT(r.agreement_note, HasSubstr("cannot be computed"));
  ASSERT_EQ(imported.labels.size(), 1u);
  EXPECT_EQ(imported.labels[0].name, "Animal study");
  EXPECT_EQ(imported.labels[0].n, 2);
  EXPECT_THAT(imported.sources[3], HasSubstr("list 'excluded', excluded at full text: 2 records"));
}

TEST(CovidenceExport, ListGivenAsPartAndListsNotGiven) {
  const auto imported = io::load_screening({source(kCovidenceHeader + covidence_row("8", "S"), "incl.csv", "included")});
  const auto r = review::summarise_screening(imported.log);
  EXPECT_EQ(r.included_reports, 1);
  std::string notes;
  for (const auto& n : imported.notes) notes += n + "\n";
  EXPECT_THAT(notes, HasSubstr("Covidence list(s) not given: screen (awaiting title/abstract decisions)"));
}

TEST(CovidenceExport, ErrorsNameFileAndLine) {
  // One record in two lists: the exports were made on different days, and counting both is wrong.
  EXPECT_THAT(error_of([] {
                io::load_screening({source(kCovidenceHeader + covidence_row("4"), "a.csv", "irrelevant"),
                                    source(kCovidenceHeader + covidence_row("5") + covidence_row("4"), "b.csv", "select")});
              }),
              HasSubstr("b.csv:3:13 (column 'Covidence #'): record #4 is also in a.csv:2 (list 'irrelevant')"));
  EXPECT_THAT(error_of([] { io::load_screening({source(kCovidenceHeader + covidence_row("6"), "x.csv", "excluded")}); }),
              HasSubstr("x.csv:2:15 (column 'Notes'): record #6 is in the excluded list, but its notes give no "
                        "'Exclusion reason: ...'"));
  EXPECT_THAT(error_of([] { io::load_screening({source(kCovidenceHeader + covidence_row("6"), "refs.csv")}); }),
              HasSubstr("refs.csv: a Covidence references export, but its name does not say which list it holds"));
  EXPECT_THAT(error_of([] { io::load_screening({source(kCovidenceHeader + covidence_row("6"), "x.csv", "maybe")}); }),
              HasSubstr("'maybe=' is not a Covidence list"));
  EXPECT_THAT(error_of([] { io::load_screening({source(kCovidenceHeader + covidence_row(""), "x.csv", "screen")}); }),
              HasSubstr("x.csv:2:13 (column 'Covidence #'): the Covidence # is empty"));
  // The review-level data extraction export has a row per reviewer: refused, naming the lists.
  EXPECT_THAT(error_of([] {
                io::load_screening({source("Covidence #,Study ID,Title,Reviewer Name,Country\n#1,Maude 2018,T,Ann,US\n",
                                           "review_123_20240301.csv")});
              }),
              HasSubstr("a Covidence data extraction or quality assessment export"));
}

// ---------------------------------------------------------------------------------------------
// Formats told apart; carta's log (issue 20: no silent loss).

TEST(ScreeningFormats, UnknownTablesAndMixedSourcesAreRefused) {
  const auto unknown = error_of([] { io::load_screening({source("id,title,label_included\n1,T,1\n", "bench.csv")}); });
  EXPECT_THAT(unknown, HasSubstr("bench.csv: these are not screening decisions carta reads (columns seen: 'id', 'title', "
                                 "'label_included')"));
  EXPECT_THAT(unknown, HasSubstr("Rayyan's CSV export"));
  EXPECT_THAT(unknown, HasSubstr("Covidence's references exports"));
  EXPECT_THAT(error_of([] { io::load_screening({source("record,stage,who\n", "half.csv")}); }),
              HasSubstr("looks like a carta decision log without the column(s) reviewer, decision"));
  EXPECT_THAT(error_of([] {
                io::load_screening({source("record,stage,reviewer,decision\np,title_abstract,A,include\n", "log.csv"),
                                    source(rayyan_title_abstract(), "ta.csv")});
              }),
              HasSubstr("log.csv is a carta decision log but ta.csv is a Rayyan export"));
  EXPECT_THAT(error_of([] {
                io::load_screening({source("record,stage,reviewer,decision\np,title_abstract,A,include\n", "log.csv",
                                           "full_text")});
              }),
              HasSubstr("names the stage in each row"));
}

TEST(ScreeningFormats, ReadScreeningTableRefusesOtherFiles) {
  const auto dir = test::test_folder("screening_files");
  auto write = [&](const std::string& name, const std::string& content) {
    std::ofstream(dir / name, std::ios::binary) << content;
    return dir / name;
  };
  EXPECT_THAT(error_of([&] { io::read_screening_table(write("s.ris", "TY  - JOUR\nTI  - A\nER  - \n")); }),
              HasSubstr("a RIS records export (search results), not screening decisions; give it to --search"));
  EXPECT_THAT(error_of([&] { io::read_screening_table(write("m.nbib", "PMID- 123\nTI  - A\n")); }),
              HasSubstr("a MEDLINE records export"));
  EXPECT_THAT(error_of([&] { io::read_screening_table(write("x.xlsx", std::string("PK\x03\x04rest", 8))); }),
              HasSubstr("save it as CSV UTF-8"));
  EXPECT_THAT(error_of([&] { io::read_screening_table(write("e.xml", "<?xml version=\"1.0\"?><xml/>")); }),
              HasSubstr("an XML file"));
  const auto ok = io::read_screening_table(write("bom.csv", "\xEF\xBB\xBFkey,notes\nr1,\n"));
  EXPECT_EQ(io::detect_screening_format(ok), io::ScreeningFormat::kRayyan);
}

TEST(ScreeningLog, AdjudicatorValueOtherThanYesNoIsAnError) {
  const std::string head = "record,stage,reviewer,decision,reason,adjudicator\n";
  const auto err = error_of([&] {
    io::load_screening_log(io::parse_delimited(head + "p,title_abstract,A,include,,no\np,title_abstract,C,include,,maybe\n",
                                               ',', "log.csv"));
  });
  EXPECT_THAT(err, HasSubstr("log.csv:3:6 (column 'adjudicator'): adjudicator 'maybe' is neither yes nor no"));
  const auto log = io::load_screening_log(
      io::parse_delimited(head + "p,title_abstract,A,include,,\np,title_abstract,B,exclude,,N\np,title_abstract,C,exclude,,Yes\n",
                          ',', "log.csv"));
  EXPECT_FALSE(log[0].adjudicator);
  EXPECT_FALSE(log[1].adjudicator);
  EXPECT_TRUE(log[2].adjudicator);
  const auto r = review::summarise_screening(log);
  EXPECT_EQ(r.title_abstract.excluded, 1);  // C adjudicated the conflict
}

TEST(ScreeningLog, ReportAssignedToTwoStudiesIsAConflict) {
  const std::string log =
      "record,stage,reviewer,decision,reason,study\n"
      "p,title_abstract,A,include,,\np,title_abstract,B,include,,\n"
      "p,full_text,A,include,,ELIANA\np,full_text,B,include,,ENSIGN\n";
  const auto r = review::summarise_screening(io::load_screening_log(io::parse_delimited(log, ',', "log.csv")));
  EXPECT_EQ(r.full_text.conflicts, 1);
  EXPECT_EQ(r.included_reports, 0);
  EXPECT_EQ(r.included_studies, 0);
  ASSERT_EQ(r.outcomes.size(), 2u);
  EXPECT_THAT(r.outcomes[1].why, HasSubstr("assigned to different studies: 'ELIANA' (A), 'ENSIGN' (B)"));
  // The adjudicator's row names the study and settles it.
  const auto settled = review::summarise_screening(io::load_screening_log(
      io::parse_delimited(log + "p,full_text,adjudicator,include,,ELIANA\n", ',', "log.csv")));
  EXPECT_EQ(settled.full_text.included, 1);
  EXPECT_EQ(settled.included_studies, 1);
  EXPECT_EQ(settled.outcomes[1].study, "ELIANA");
}

TEST(ScreeningLog, ReviewersOptionIsChecked) {
  review::ScreeningOptions bad;
  bad.reviewers_full_text = 0;
  const std::vector<review::ScreeningDecision> none;
  EXPECT_THAT(error_of([&] { review::summarise_screening(none, bad); }), HasSubstr("give 1 (one vote decides) or 2"));
  // Per stage: one reviewer at title/abstract, two at full text.
  const auto log = io::load_screening_log(io::parse_delimited(
      "record,stage,reviewer,decision,reason\np,title_abstract,A,include,\np,full_text,A,include,\n", ',', "log.csv"));
  review::ScreeningOptions mixed;
  mixed.reviewers_title_abstract = 1;
  const auto r = review::summarise_screening(log, mixed);
  EXPECT_EQ(r.title_abstract.included, 1);
  EXPECT_EQ(r.full_text.awaiting, 1);
  // Two votes that disagree are a conflict in one-reviewer mode too.
  const auto two = io::load_screening_log(io::parse_delimited(
      "record,stage,reviewer,decision,reason\np,title_abstract,A,include,\np,title_abstract,B,exclude,\n", ',', "log.csv"));
  mixed.reviewers_full_text = 1;
  EXPECT_EQ(review::summarise_screening(two, mixed).title_abstract.conflicts, 1);
}

}  // namespace
}  // namespace carta
