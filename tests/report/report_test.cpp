// The analysis spec, the report and the forest plot: errors that name the spec line, escaping of
// user text, structure of the SVG, and the report of the bundled example end to end.

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <librsvg/rsvg.h>
#include <png.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <unistd.h>

#include "carta/error.hpp"
#include "carta/io/file.hpp"
#include "carta/io/spec.hpp"
#include "carta/plot/baujat.hpp"
#include "carta/plot/bubble.hpp"
#include "carta/plot/forest.hpp"
#include "carta/plot/funnel.hpp"
#include "carta/plot/render.hpp"
#include "carta/plot/svg.hpp"
#include "carta/report/report.hpp"
#include "carta/review/rob.hpp"
#include "test_folder.hpp"
#include "compare.hpp"

namespace carta::test {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

std::filesystem::path temp_dir(const std::string& name) { return test_folder(name); }

void write(const std::filesystem::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }
std::size_t count_of(const std::string& text, const std::string& needle);

std::string spec_error(const std::string& toml, const std::string& csv = "label,x,n\nA,1,10\nB,2,10\n") {
  const auto dir = temp_dir("spec");
  write(dir / "data.csv", csv);
  write(dir / "spec.toml", toml);
  try {
    const auto spec = io::load_review_spec(dir / "spec.toml");
    (void)report::write_report(spec, dir / "out");
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return {};
}

plot::FunnelOptions funnel_options(const std::string& title, const std::string& x_label) {
  plot::FunnelOptions o;
  o.title = title;
  o.x_label = x_label;
  return o;
}

const std::string kMinimal = "[data]\nfile = \"data.csv\"\nlabel = \"label\"\n\n[[outcome]]\nname = \"X\"\nevents = \"x\"\nn = \"n\"\n";

TEST(Report, AnOutputFolderThatCannotBeCreatedIsAClearError) {
  const auto dir = temp_dir("blocked");
  write(dir / "data.csv", "label,x,n\nA,1,10\nB,2,10\n");
  write(dir / "spec.toml", kMinimal);
  write(dir / "blocker", "a file where the report's folder should go");
  const auto spec = io::load_review_spec(dir / "spec.toml");
  try {
    (void)report::write_report(spec, dir / "blocker" / "out");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kIo);
    EXPECT_THAT(std::string(e.what()), HasSubstr("cannot create the output folder"));
  }
}

TEST(Spec, ErrorsNameTheLine) {
  EXPECT_THAT(spec_error(kMinimal + "[figures]\nsort = \"year\"\n"),
              HasSubstr("spec.toml:10: sort 'year' is not one of data (the table's order), estimate, weight"));
  EXPECT_THAT(spec_error(kMinimal + "[figures]\ncolumns = [\"year\"]\n"),
              HasSubstr("spec.toml:10: columns: 'year' is not one of [data] characteristics"));
  EXPECT_THAT(spec_error(kMinimal + "[figures]\ndigits = 5\n"), HasSubstr("spec.toml:10: digits is 0, 1, 2 or 3"));
  EXPECT_THAT(spec_error(kMinimal + "[figures]\naxis = [0.8, 0.2]\n"), HasSubstr("spec.toml:10: axis is two proportions"));
  EXPECT_THAT(spec_error(kMinimal + "[figures]\nlayout = \"\"\n"), HasSubstr("spec.toml:10: layout '' is not one of"));
  EXPECT_THAT(spec_error(kMinimal + "[figures]\nlayout = \"cochrane\"\n"),
              HasSubstr("spec.toml:10: layout 'cochrane' is not one of meta (R meta's forest), revman5 (RevMan 5) or jama"));
  EXPECT_THAT(spec_error(kMinimal + "[figures]\naxis = [0, 100]\n"), HasSubstr("e.g. axis = [0.5, 1.0] for 50-100%"));
  EXPECT_THAT(spec_error(kMinimal + "[figures]\nwidth = \"wide\"\n"), HasSubstr("spec.toml:10: width is \"single\" (one journal column, 3.5 in)"));
  EXPECT_THAT(spec_error(kMinimal + "[figures]\nwidth = 40\n"), HasSubstr("inches from 1 to 20"));
  EXPECT_THAT(spec_error(kMinimal + "[figures]\ndpi = 30\n"), HasSubstr("spec.toml:10: dpi is from 72 to 2400"));
  EXPECT_THAT(spec_error(kMinimal + "[figures]\ntiff = \"yes\"\n"), HasSubstr("'tiff' must be true or false"));
  EXPECT_THAT(spec_error(kMinimal + "[figures]\ncolumn = 2\n"), HasSubstr("unknown key 'column' in [figures]"));
  EXPECT_THAT(spec_error(kMinimal + "subgroup = \"a\"\n"), HasSubstr("spec.toml:9: unknown key 'subgroup' in [[outcome]]. Did you mean 'subgroups'?"));
  EXPECT_THAT(spec_error("[data]\nfile = \"missing.csv\"\nlabel = \"label\"\n[[outcome]]\nname=\"X\"\nevents=\"x\"\nn=\"n\"\n"),
              HasSubstr("spec.toml:2: data file 'missing.csv' not found"));
  EXPECT_THAT(spec_error("[data]\nfile = \"data.csv\"\nlabel = \"label\"\n[model]\nlevel = \"high\"\n[[outcome]]\nname=\"X\"\nevents=\"x\"\nn=\"n\"\n"),
              HasSubstr("spec.toml:5: 'level' must be a number"));
  EXPECT_THAT(spec_error("[data]\nfile = \"data.csv\"\nlabel = \"label\"\n[model]\nlevel = 1.5\n[[outcome]]\nname=\"X\"\nevents=\"x\"\nn=\"n\"\n"),
              HasSubstr("spec.toml:5: level 1.5 must be a proportion between 0 and 1 (0.95) or a percentage from 50 to 100"));
  EXPECT_THAT(spec_error("[data]\nfile = \"data.csv\"\nlabel = \"label\"\n[model]\nmethod = \"XYZ\"\n[[outcome]]\nname=\"X\"\nevents=\"x\"\nn=\"n\"\n"),
              HasSubstr("spec.toml:5: method 'XYZ' is not one of"));
  EXPECT_THAT(spec_error("[data\nfile = 1\n"), HasSubstr("spec.toml:1:"));
  // Fuzzing finding: a file name longer than the file system allows made std::filesystem throw
  // its own exception instead of a carta::Error.
  const std::string long_name(400, 'V');
  EXPECT_THAT(spec_error("[data]\nfile = \"/" + long_name + "\"\nlabel = \"label\"\n[[outcome]]\nname=\"X\"\nevents=\"x\"\nn=\"n\"\n"),
              HasSubstr("spec.toml:2: data file '/VVVV"));
  EXPECT_THAT(spec_error("[data]\nfile = \"/" + long_name + "\"\nlabel = \"label\"\n[[outcome]]\nname=\"X\"\nevents=\"x\"\nn=\"n\"\n"),
              HasSubstr("cannot be looked up: File name too long"));
  EXPECT_THAT(spec_error("[data]\nfile = \"data.csv\"\nlabel = \"label\"\n"), HasSubstr("needs at least one [[outcome]]"));
  EXPECT_THAT(spec_error("[data]\nfile = \"data.csv\"\nlabel = \"label\"\n[[outcome]]\nname=\"X\"\nevents=\"xx\"\nn=\"n\"\n"),
              HasSubstr("spec.toml:4: outcome 'X': events column 'xx'"));
  EXPECT_THAT(spec_error(kMinimal + "[[exclude]]\nstudy = \"Z\"\nreason = \"r\"\n"), HasSubstr("spec.toml:9: [[exclude]] study 'Z' is not a label"));
}

TEST(Spec, SurvivalErrorsNameTheLine) {
  const std::string csv = "label,x,n,os\nA,1,10,60\nB,2,10,70\n";
  EXPECT_THAT(spec_error(kMinimal + "[[survival]]\nname = \"OS\"\ns = \"os\"\n", csv),
              HasSubstr("spec.toml:9: s needs s_time"));
  EXPECT_THAT(spec_error(kMinimal + "[[survival]]\nname = \"OS\"\ns = \"os\"\ns_time = 12\nmedain = \"m\"\n", csv),
              HasSubstr("Did you mean 'median'?"));
  EXPECT_THAT(spec_error(kMinimal + "[[survival]]\nname = \"OS\"\ns = \"os12\"\ns_time = 12\n", csv),
              HasSubstr("spec.toml:9: survival 'OS': column 'os12'"));
  EXPECT_THAT(spec_error(kMinimal + "[[survival]]\nname = \"OS\"\n", csv), HasSubstr("needs at least one of s"));
  EXPECT_THAT(spec_error(kMinimal + "[[survival]]\nname = \"OS\"\ns = \"os\"\ns_time = 12\nat = [0]\n", csv),
              HasSubstr("> 0"));
  // S without a CI or n gives no standard error: the report is written, and says why survival
  // was not pooled, naming the study.
  const auto dir = temp_dir("survival_warning");
  write(dir / "data.csv", csv);
  write(dir / "spec.toml", kMinimal + "[[survival]]\nname = \"OS\"\ns = \"os\"\ns_time = 12\n");
  const auto summary = report::write_report(io::load_review_spec(dir / "spec.toml"), dir / "out");
  ASSERT_FALSE(summary.warnings.empty());
  EXPECT_THAT(summary.warnings.back(), HasSubstr("OS: pooling failed: study 'A'"));
  EXPECT_THAT(summary.warnings.back(), HasSubstr("gives no hazard with a standard error"));
}

TEST(Report, PooledSurvivalCurveFromPatientData) {
  const auto dir = temp_dir("survival_curve");
  // Three small synthetic trials (not real data): patient times in months, event 1 = death.
  write(dir / "a.csv", "time,event\n1,1\n2,1\n3,0\n4,1\n6,1\n8,0\n9,1\n12,0\n14,1\n18,0\n20,0\n24,0\n");
  write(dir / "b.csv", "time,event\n0.5,1\n1.5,1\n2,1\n3,1\n5,0\n7,1\n10,1\n13,0\n16,0\n22,0\n");
  write(dir / "c.csv", "time,event\n2,1\n4,0\n5,1\n8,1\n11,0\n15,1\n19,0\n23,0\n24,0\n24,0\n");
  write(dir / "data.csv", "label,x,n,ipd\nA,1,10,a.csv\nB,2,10,b.csv\nC,3,10,c.csv\n");
  write(dir / "spec.toml", kMinimal + "[[survival]]\nname = \"OS\"\nipd = \"ipd\"\nat = [12]\ngrid = [3, 6, 9, 12, 18]\n");
  const auto summary = report::write_report(io::load_review_spec(dir / "spec.toml"), dir / "out");
  const auto results = load_json(dir / "out" / "results.json");
  const auto& os = results["survival"][0];
  EXPECT_EQ(os["studies"][0]["source"], "ipd");
  ASSERT_TRUE(os.contains("curve"));
  EXPECT_EQ(os["curve"]["curve"].size(), 6u);  // time 0 and the five grid times
  EXPECT_EQ(os["curve"]["k"], 3);
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "figures" / "survival_curve_os.svg"));
  EXPECT_THAT(read_text(dir / "out" / "index.html"), HasSubstr("Pooled survival curve"));
  // grid without ipd is a spec error naming the line.
  EXPECT_THAT(spec_error(kMinimal + "[[survival]]\nname = \"OS\"\ns = \"x\"\ns_time = 12\ngrid = [3, 6]\n"),
              HasSubstr("spec.toml:13: 'grid' pools whole curves and needs ipd"));
}

// metafor's funnel by default (pseudo-confidence limits around the pooled estimate); shaded
// by significance against a stated proportion when the spec gives one.
// [figures] columns, sort by a characteristic and digits: R meta's leftcols, sortvar and digits.
TEST(Report, ForestColumnsSortByACharacteristicAndDigits) {
  const auto dir = temp_dir("forest_columns");
  write(dir / "data.csv", "label,x,n,year,group\nA,1,10,2019,adult\nB,2,10,2015,child\nC,5,20,NR,adult\nD,9,30,2021,\n");
  write(dir / "spec.toml", "[data]\nfile = \"data.csv\"\nlabel = \"label\"\ncharacteristics = [\"year\", \"group\"]\n"
                           "[labels]\ngroup = \"Population\"\n[figures]\ncolumns = [\"group\"]\nsort = \"year\"\ndigits = 2\n"
                           "[[outcome]]\nname = \"X\"\nevents = \"x\"\nn = \"n\"\n");
  report::write_report(io::load_review_spec(dir / "spec.toml"), dir / "out");
  const std::string svg = read_text(dir / "out" / "figures" / "forest_x.svg");
  EXPECT_THAT(svg, HasSubstr(">Population</text>"));
  EXPECT_EQ(count_of(svg, ">adult</text>"), 2u);
  EXPECT_EQ(count_of(svg, ">child</text>"), 1u);
  EXPECT_THAT(svg, HasSubstr(">10.00 ["));
  // By year: B (2015), A (2019), D (2021), then C, which does not report one.
  std::vector<std::string> order;
  const std::regex row(R"re(<g class="study">\n<title>([A-D]):)re");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), row); it != std::sregex_iterator(); ++it) order.push_back((*it)[1]);
  EXPECT_EQ(order, (std::vector<std::string>{"B", "A", "D", "C"}));
}

TEST(Report, FunnelPlotsArePseudoConfidenceUnlessANullIsGiven) {
  const auto dir = temp_dir("funnel");
  write(dir / "data.csv", "label,x,n\nA,1,10\nB,2,10\nC,5,20\nD,9,30\n");
  write(dir / "spec.toml", kMinimal);
  report::write_report(io::load_review_spec(dir / "spec.toml"), dir / "out");
  const std::string plain = read_text(dir / "out" / "figures" / "funnel_x.svg");
  EXPECT_THAT(plain, HasSubstr("class=\"regions\""));
  EXPECT_EQ(plain.find("contour-enhanced"), std::string::npos);
  write(dir / "spec.toml", "[analyses]\nfunnel_null = 0.2\n" + kMinimal);
  report::write_report(io::load_review_spec(dir / "spec.toml"), dir / "shaded");
  const std::string shaded = read_text(dir / "shaded" / "figures" / "funnel_x.svg");
  EXPECT_THAT(shaded, HasSubstr("class=\"regions contour-enhanced\""));
  EXPECT_THAT(shaded, HasSubstr("20%"));
}

TEST(Report, RiskOfBiasAndPrismaSections) {
  const auto dir = temp_dir("rob_prisma");
  write(dir / "data.csv", "label,x,n\nA,1,10\nB,2,10\n");
  write(dir / "rob.csv", "study,D1,D2,D3,D4,D5\nA,low,low,low,low,low\nB,some concerns,low,high,low,low\n");
  write(dir / "prisma.csv", "data,n\ndatabase_results,20\nduplicates,5\nrecords_excluded,10\n"
                            "dbr_excluded,\"Review, 3\"\nnew_studies,2\nnew_reports,2\n");
  write(dir / "spec.toml", kMinimal + "[risk_of_bias]\nfile = \"rob.csv\"\ntool = \"rob2\"\npalette = \"colourblind\"\n"
                                       "[prisma]\nfile = \"prisma.csv\"\n");
  report::write_report(io::load_review_spec(dir / "spec.toml"), dir / "out");
  for (const char* stem : {"rob_traffic_light", "rob_summary", "prisma"}) {
    for (const char* ext : {".svg", ".png", ".pdf"}) {
      EXPECT_TRUE(std::filesystem::exists(dir / "out" / "figures" / (std::string(stem) + ext))) << stem << ext;
    }
  }
  // The forest plot has the judgements as columns (R meta's rob=): one circle per domain and
  // overall for each assessed study, the domains' names and the judgements under it.
  const std::string forest = read_text(dir / "out" / "figures" / "forest_x.svg");
  for (const char* header : {">D1</text>", ">D5</text>", ">Overall</text>"}) EXPECT_THAT(forest, HasSubstr(header));
  EXPECT_EQ(count_of(forest, "<circle"), 12u);  // A and B, 5 domains + overall each
  EXPECT_THAT(forest, HasSubstr("Risk of bias: RoB 2 (Sterne et al. 2019)."));
  EXPECT_THAT(forest, HasSubstr("D3: Bias due to missing outcome data"));
  EXPECT_THAT(forest, HasSubstr("Judgements: + Low, - Some concerns, X High"));
  write(dir / "spec.toml", kMinimal + "[figures]\nrob = false\n[risk_of_bias]\nfile = \"rob.csv\"\ntool = \"rob2\"\n");
  report::write_report(io::load_review_spec(dir / "spec.toml"), dir / "plain");
  EXPECT_EQ(count_of(read_text(dir / "plain" / "figures" / "forest_x.svg"), "<circle"), 0u);
  const auto results = load_json(dir / "out" / "results.json");
  EXPECT_EQ(results["risk_of_bias"]["studies"][1]["overall"], "High");
  EXPECT_THAT(results["prisma"]["derived"].dump(), HasSubstr("Records screened"));
  const std::string html = read_text(dir / "out" / "index.html");
  EXPECT_THAT(html, HasSubstr("id=\"risk-of-bias\""));
  EXPECT_THAT(html, HasSubstr("id=\"prisma\""));
  EXPECT_THAT(html, HasSubstr("Risk of bias was assessed with RoB 2"));
  // Problems in these files name the spec line.
  write(dir / "prisma_bad.csv", "data,n\ndatabase_results,20\nrecords_screened,99\n");
  EXPECT_THAT(spec_error(kMinimal + "[prisma]\nfile = \"missing.csv\"\n"), HasSubstr("spec.toml:10: [prisma] file 'missing.csv' not found"));
  EXPECT_THAT(spec_error(kMinimal + "[risk_of_bias]\nfile = \"data.csv\"\ntool = \"cochrane\"\n"),
              HasSubstr("spec.toml:11: tool 'cochrane' is not one of"));
  EXPECT_THAT(spec_error(kMinimal + "[risk_of_bias]\nfile = \"data.csv\"\n"),
              HasSubstr("data.csv:1:2: column 'x' is not a domain of RoB 2"));
  EXPECT_THAT(spec_error(kMinimal + "[risk_of_bias]\nfile = \"data.csv\"\n"), HasSubstr("spec.toml:9: [risk_of_bias]: "));
}

TEST(Report, GradeCertaintyInTheSummaryTheProfileAndTheJson) {
  const auto dir = temp_dir("grade");
  std::string csv = "label,x,n\n";
  for (int i = 0; i < 12; ++i) csv += fmt::format("S{},{},{}\n", i, 20 + (i * 7) % 11, 40 + 3 * i);
  write(dir / "data.csv", csv);
  write(dir / "rob.csv", "study,D1,D2,D3,D4,D5\nS0,low,low,low,low,low\nS1,high,low,low,low,low\n");
  write(dir / "spec.toml",
        "[data]\nfile = \"data.csv\"\nlabel = \"label\"\n\n[[outcome]]\nname = \"X\"\nevents = \"x\"\nn = \"n\"\n"
        "grade.indirectness = { concern = \"serious\", reason = \"adults only <script>alert(1)</script>\" }\n"
        "[risk_of_bias]\nfile = \"rob.csv\"\ntool = \"rob2\"\n"
        "[grade]\ni2_serious = 40\noptimal_information_size = 300\n");
  (void)report::write_report(io::load_review_spec(dir / "spec.toml"), dir / "out");
  const auto results = load_json(dir / "out" / "results.json");
  const auto& g = results["outcomes"][0]["grade"];
  ASSERT_TRUE(g.is_object()) << results["outcomes"][0].dump();
  EXPECT_EQ(g["start"], "high");  // RoB 2: randomised trials
  EXPECT_EQ(g["rules"]["i2_serious"], 40.0);
  ASSERT_EQ(g["domains"].size(), 5u);
  EXPECT_EQ(g["domains"][0]["domain"], "risk_of_bias");
  // Ten of twelve studies have no assessment: counted as some concerns, named in the reason.
  EXPECT_EQ(g["domains"][0]["concern"], "serious");
  EXPECT_THAT(g["domains"][0]["reason"].get<std::string>(), HasSubstr("the assessment does not cover"));
  EXPECT_EQ(g["domains"][2]["domain"], "indirectness");
  EXPECT_EQ(g["domains"][2]["by_authors"], true);
  EXPECT_EQ(g["domains"][2]["concern"], "serious");
  EXPECT_EQ(g["domains"][4]["assessed"], true);  // 12 studies: Egger's test informs it
  int down = 0;
  for (const auto& d : g["domains"]) down += d["levels_down"].get<int>();
  EXPECT_EQ(g["levels_down"], down);
  const std::string expected = down >= 3 ? "very low" : down == 2 ? "low" : down == 1 ? "moderate" : "high";
  EXPECT_EQ(g["certainty"], expected);
  const std::string html = read_text(dir / "out" / "index.html");
  EXPECT_THAT(html, HasSubstr("<th>Certainty (GRADE)</th>"));
  EXPECT_THAT(html, HasSubstr("id=\"certainty\""));
  EXPECT_THAT(html, HasSubstr("Indirectness serious (the authors&#39; rating): adults only &lt;script&gt;"));
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_THAT(results["methods"].get<std::string>(), HasSubstr("rated with GRADE"));
  EXPECT_THAT(results["methods"].get<std::string>(), HasSubstr("the authors rated 1 domain themselves"));
}

TEST(Report, BaselineCharacteristicsPooledOverTheStudiesThatReportThem) {
  const auto dir = temp_dir("baseline");
  write(dir / "data.csv",
        "label,x,n,age,male,grp\nA,1,10,30,4,adult\nB,2,20,NR,,child\nC,3,30,50,20,adult\nD,4,40,60,10,\nE,5,50,40,30,adult\n");
  const std::string spec = kMinimal +
                           "[[exclude]]\nstudy = \"E\"\nreason = \"duplicate\"\n"
                           "[[baseline]]\nname = \"Patients\"\nsum = \"n\"\n"
                           "[[baseline]]\nname = \"Age\"\nmedian = \"age\"\n"
                           "[[baseline]]\nname = \"Male\"\nevents = \"male\"\nn = \"n\"\n"
                           "[[baseline]]\nname = \"Group\"\ncategories = \"grp\"\nn = \"n\"\n"
                           "[[baseline]]\nname = \"Group (studies)\"\ncategories = \"grp\"\n";
  write(dir / "spec.toml", spec);
  (void)report::write_report(io::load_review_spec(dir / "spec.toml"), dir / "out");
  const auto b = load_json(dir / "out" / "results.json")["baseline"];
  ASSERT_EQ(b.size(), 5u);
  EXPECT_EQ(b[0]["total"], 100.0);  // E is excluded
  EXPECT_EQ(b[0]["reporting"].size(), 4u);
  EXPECT_EQ(b[1]["median"], 50.0);  // 30, 50, 60: B does not report it
  EXPECT_EQ(b[1]["min"], 30.0);
  EXPECT_EQ(b[1]["max"], 60.0);
  EXPECT_EQ(b[1]["not_reporting"], nlohmann::json::array({"B"}));
  EXPECT_EQ(b[2]["events"], 34.0);  // A, C, D: 4 + 20 + 10 of 10 + 30 + 40
  EXPECT_EQ(b[2]["n"], 80.0);
  EXPECT_DOUBLE_EQ(b[2]["proportion"].get<double>(), 34.0 / 80.0);
  EXPECT_EQ(b[3]["levels"][0]["level"], "adult");
  EXPECT_EQ(b[3]["levels"][0]["studies"], 2);
  EXPECT_EQ(b[3]["levels"][0]["patients"], 40.0);
  EXPECT_EQ(b[3]["levels"][1]["level"], "child");
  EXPECT_EQ(b[3]["not_reporting"], nlohmann::json::array({"D"}));
  EXPECT_TRUE(b[4]["levels"][0]["patients"].is_null());  // no n column: no patient counts
  const std::string html = read_text(dir / "out" / "index.html");
  EXPECT_THAT(html, HasSubstr("id=\"baseline\""));
  EXPECT_THAT(html, HasSubstr("median of the study medians 50 (range 30\u201360)"));
  EXPECT_THAT(html, HasSubstr("34/80 (42.5%)"));
  EXPECT_THAT(html, HasSubstr("adult: 2 studies (40 patients); child: 1 study (20 patients)"));
  EXPECT_THAT(html, HasSubstr("Not reported by B"));

  // Bad cells name file:line:column; impossible counts name both columns.
  EXPECT_THAT(spec_error(kMinimal + "[[baseline]]\nname = \"Age\"\nmedian = \"age\"\n", "label,x,n,age\nA,1,10,thirty\n"),
              HasSubstr("data.csv:2:4: column 'age': 'thirty' is not a number >= 0"));
  EXPECT_THAT(spec_error(kMinimal + "[[baseline]]\nname = \"M\"\nevents = \"m\"\nn = \"n\"\n", "label,x,n,m\nA,1,10,12\n"),
              HasSubstr("data.csv:2:4: column 'm': 12 is more than the 10 in column 'n'"));
  EXPECT_THAT(spec_error(kMinimal + "[[baseline]]\nname = \"M\"\nevents = \"m\"\nn = \"n\"\n", "label,x,n,m\nA,1,10,2.5\n"),
              HasSubstr("'2.5' is not a whole number >= 0"));
  EXPECT_THAT(spec_error(kMinimal + "[[baseline]]\nname = \"M\"\nsum = \"nn\"\n"),
              HasSubstr("spec.toml:9: [[baseline]] 'M': column 'nn'"));
  EXPECT_THAT(spec_error(kMinimal + "[[baseline]]\nname = \"M\"\nsum = \"n\"\nmedian = \"n\"\n"),
              HasSubstr("spec.toml:9: [[baseline]] 'M' needs exactly one of sum, median, events (with n) or categories; it has 2"));
  EXPECT_THAT(spec_error(kMinimal + "[[baseline]]\nname = \"M\"\nevents = \"x\"\n"),
              HasSubstr("spec.toml:9: [[baseline]] 'M' with events needs 'n'"));
  EXPECT_THAT(spec_error(kMinimal + "[[baseline]]\nname = \"M\"\nsum = \"x\"\nn = \"n\"\n"),
              HasSubstr("spec.toml:12: [[baseline]] 'M': n goes with events or categories, not with sum"));
}

TEST(Spec, GradeErrorsNameTheLine) {
  EXPECT_THAT(spec_error(kMinimal + "grade.bias = { concern = \"serious\", reason = \"r\" }\n"),
              HasSubstr("spec.toml:9: unknown GRADE domain 'bias' in [[outcome]]. Known domains: risk_of_bias"));
  EXPECT_THAT(spec_error(kMinimal + "grade.imprecision = { concern = \"major\", reason = \"r\" }\n"),
              HasSubstr("spec.toml:9: grade.imprecision: concern 'major' is not one of not serious, serious"));
  EXPECT_THAT(spec_error(kMinimal + "grade.imprecision = { concern = \"serious\" }\n"),
              HasSubstr("spec.toml:9: grade.imprecision needs 'reason'"));
  EXPECT_THAT(spec_error(kMinimal + "grade.imprecision = { concern = \"serious\", reason = \"  \" }\n"),
              HasSubstr("spec.toml:9: grade.imprecision: the reason is empty"));
  EXPECT_THAT(spec_error(kMinimal + "grade = \"low\"\n"), HasSubstr("spec.toml:9: 'grade' in [[outcome]] must be a table"));
  EXPECT_THAT(spec_error(kMinimal + "[grade]\nstart = \"high\"\n"), HasSubstr("spec.toml:9: [grade] with start needs 'start_reason'"));
  EXPECT_THAT(spec_error(kMinimal + "[grade]\nstart = \"top\"\nstart_reason = \"r\"\n"),
              HasSubstr("spec.toml:10: start 'top' is not one of high, moderate, low, very low"));
  EXPECT_THAT(spec_error(kMinimal + "[grade]\ni2_serious = 80\n"),
              HasSubstr("spec.toml:9: [grade]: i2_very_serious must be in [i2_serious, 100]"));
  EXPECT_THAT(spec_error(kMinimal + "[grade]\nci_widht = 0.1\n"), HasSubstr("Did you mean 'ci_width'?"));
  EXPECT_THAT(spec_error(kMinimal + "[[survival]]\nname = \"OS\"\ns = \"x\"\ns_time = 12\ngrade.x = 1\n"),
              HasSubstr("spec.toml:13: unknown GRADE domain 'x' in [[survival]]"));
}

TEST(Report, EscapesUserTextEverywhere) {
  const auto dir = temp_dir("escape");
  write(dir / "data.csv",
        "label,x,n,group,absent\n<script>alert(1)</script>,3,10,\"a&b\",NR\nB,5,12,a&b,\nC,7,20,\"<i>c</i>\",NA\n");
  write(dir / "spec.toml", "title = \"Risk <b>bold</b>\"\n[data]\nfile = \"data.csv\"\nlabel = \"label\"\ncharacteristics = [\"group\"]\n"
                           "[analyses]\nsubgroups = [\"group\"]\n[[outcome]]\nname = \"<img src=x onerror=alert(2)>\"\nevents = \"x\"\nn = \"n\"\n"
                           "grade.imprecision = { concern = \"serious\", reason = \"<u>few</u>\" }\n"
                           "[[baseline]]\nname = \"<u>Groups</u>\"\ncategories = \"group\"\n"
                           "[[baseline]]\nname = \"Events\"\nmedian = \"absent\"\n");
  const auto spec = io::load_review_spec(dir / "spec.toml");
  (void)report::write_report(spec, dir / "out");
  const std::string html = read_text(dir / "out" / "index.html");
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<b>bold"), std::string::npos);
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(html, HasSubstr("a&amp;b"));
  // The authors' GRADE reason, a baseline name and its category values (the data's) stay text.
  EXPECT_EQ(html.find("<u>"), std::string::npos);
  EXPECT_EQ(html.find("<i>c"), std::string::npos);
  EXPECT_THAT(html, HasSubstr("&lt;u&gt;few&lt;/u&gt;"));
  EXPECT_THAT(html, HasSubstr("&lt;i&gt;c&lt;/i&gt;: 1 study"));
  // A baseline column nobody reports: said, not a number (and null in the JSON).
  EXPECT_THAT(html, HasSubstr("not reported by any study"));
  const auto results = load_json(dir / "out" / "results.json");
  EXPECT_TRUE(results["baseline"][1]["median"].is_null());
  EXPECT_EQ(results["baseline"][1]["not_reporting"].size(), 3u);
  for (const auto& f : std::filesystem::directory_iterator(dir / "out" / "figures")) {
    const std::string svg = read_text(f.path());
    EXPECT_EQ(svg.find("<script"), std::string::npos) << f.path();
  }
}

TEST(Forest, StructureOneRowPerStudyDiamondsAndAxis) {
  std::vector<ProportionStudy> studies;
  for (int i = 0; i < 120; ++i) studies.push_back({"A study with a rather long name number " + std::to_string(i), 5 + i % 20, 40});
  const auto r = pool_proportions(studies, PoolOptions{});
  const std::string svg = plot::forest_plot_svg(r, plot::ForestOptions{});
  const auto count = [&svg](const std::string& needle) {
    std::size_t n = 0;
    for (auto pos = svg.find(needle); pos != std::string::npos; pos = svg.find(needle, pos + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("<g class=\"study\">"), 120u);
  EXPECT_EQ(count("<g class=\"diamond random\">"), 1u);
  EXPECT_EQ(count("<g class=\"diamond common\">"), 1u);
  EXPECT_EQ(count("<g class=\"prediction\">"), 1u);
  EXPECT_THAT(svg, HasSubstr(">Proportion (%)</text>"));
  EXPECT_THAT(svg, HasSubstr(">Weight (common)</text>"));
  EXPECT_THAT(svg, HasSubstr(">Weight (random)</text>"));
  EXPECT_EQ(svg.find(">-0<"), std::string::npos);
  // No overlap: the events column starts right of the widest label.
  const double label_width = plot::text_width("A study with a rather long name number 119", 12.0);
  const std::regex events_header("x=\"([0-9.]+)\" y=\"[0-9.]+\" font-size=\"12\" text-anchor=\"end\" font-weight=\"bold\" fill=\"#000\">Events/n");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, events_header));
  EXPECT_GT(std::stod(m[1]) - plot::text_width("Events/n", 12.0), 12.0 + label_width);
  // Deterministic.
  EXPECT_EQ(svg, plot::forest_plot_svg(r, plot::ForestOptions{}));
}

// The axis's tick labels (percent), in order.
std::vector<double> axis_ticks(const std::string& svg) {
  const auto start = svg.find("<g class=\"axis\">");
  const auto end = svg.find("</g>", start);
  const std::string axis = svg.substr(start, end - start);
  std::vector<double> ticks;
  const std::regex tick(R"(text-anchor="middle" font-weight="normal" fill="#000">([0-9.]+)</text>)");
  for (auto it = std::sregex_iterator(axis.begin(), axis.end(), tick); it != std::sregex_iterator(); ++it) {
    ticks.push_back(std::stod((*it)[1]));
  }
  return ticks;
}

// The study labels in the order the rows are drawn.
std::vector<std::string> row_labels(const std::string& svg) {
  std::vector<std::string> labels;
  const std::regex row(R"re(<g class="study">\n<title>[^<]*</title>\n<text [^>]*>([^<]*)</text>)re");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), row); it != std::sregex_iterator(); ++it) labels.push_back((*it)[1]);
  return labels;
}

// A 14% outcome is drawn on 0-30%, not squeezed into the left of 0-100%; the ticks are round and
// few; every interval and diamond is inside.
TEST(Forest, TheAxisFitsTheDataWithRoundTicks) {
  const std::vector<ProportionStudy> studies{{"A", 3, 30}, {"B", 5, 40}, {"C", 2, 25}, {"D", 8, 50}, {"E", 6, 36}};
  const auto r = pool_proportions(studies, PoolOptions{});
  const std::string svg = plot::forest_plot_svg(r, plot::ForestOptions{});
  const auto ticks = axis_ticks(svg);
  ASSERT_GE(ticks.size(), 3u);
  EXPECT_LE(ticks.size(), 7u);
  double lo = 1.0, hi = 0.0;
  for (const auto& st : r.studies) lo = std::min(lo, st.ci_lb), hi = std::max(hi, st.ci_ub);
  lo = std::min({lo, r.random.prop_pi_lb, r.common.prop_ci_lb});
  hi = std::max({hi, r.random.prop_pi_ub, r.common.prop_ci_ub});
  EXPECT_LE(ticks.front(), 100 * lo);
  EXPECT_GE(ticks.back(), 100 * hi);
  EXPECT_LT(ticks.back(), 60.0) << "the axis ends at " << ticks.back() << "% for data up to " << 100 * hi << "%";
  const double step = ticks[1] - ticks[0];
  for (std::size_t i = 1; i < ticks.size(); ++i) EXPECT_NEAR(ticks[i] - ticks[i - 1], step, 1e-9);
  EXPECT_TRUE(step == 1 || step == 2 || step == 2.5 || step == 5 || step == 10 || step == 20 || step == 25) << step;
  // Nothing is clipped, so no arrow is drawn.
  EXPECT_EQ(svg.find("<polygon", svg.find("<g class=\"study\">")), svg.find("<polygon", svg.find("<g class=\"diamond")));
}

TEST(Forest, AnAxisGivenIsKeptAndIntervalsBeyondItGetArrows) {
  const auto r = pool_proportions(std::vector<ProportionStudy>{{"A", 3, 30}, {"B", 25, 40}, {"C", 2, 25}}, PoolOptions{});
  plot::ForestOptions o;
  o.axis_min = 0.2;
  o.axis_max = 0.8;
  const std::string svg = plot::forest_plot_svg(r, o);
  const auto ticks = axis_ticks(svg);
  ASSERT_FALSE(ticks.empty());
  EXPECT_EQ(ticks.front(), 20.0);
  EXPECT_EQ(ticks.back(), 80.0);
  // A (10%) and C (8%) reach below 20%: an arrow each on the left.
  std::size_t arrows = 0;
  for (auto at = svg.find("<g class=\"study\">"); at != std::string::npos; at = svg.find("<g class=\"study\">", at + 1)) {
    const auto end = svg.find("</g>", at);
    arrows += count_of(svg.substr(at, end - at), "<polygon");
  }
  EXPECT_GE(arrows, 2u);
}

TEST(Forest, RowsSortedByEstimateWeightOrLabel) {
  const auto r = pool_proportions(std::vector<ProportionStudy>{{"Mid", 5, 10}, {"Low", 1, 10}, {"High", 9, 10}, {"Big", 40, 100}}, PoolOptions{});
  plot::ForestOptions o;
  EXPECT_EQ(row_labels(plot::forest_plot_svg(r, o)), (std::vector<std::string>{"Mid", "Low", "High", "Big"}));
  o.sort = plot::ForestSort::kEstimate;
  EXPECT_EQ(row_labels(plot::forest_plot_svg(r, o)), (std::vector<std::string>{"Low", "Big", "Mid", "High"}));
  o.sort = plot::ForestSort::kLabel;
  EXPECT_EQ(row_labels(plot::forest_plot_svg(r, o)), (std::vector<std::string>{"Big", "High", "Low", "Mid"}));
  o.sort = plot::ForestSort::kWeight;
  EXPECT_EQ(row_labels(plot::forest_plot_svg(r, o)).front(), "Big");
}

// Grid lines and the dashed line at the random-effects estimate come before (under) the marks;
// the heterogeneity line has I² with its CI, tau², Q, df and p, as R meta prints it.
TEST(Forest, GridBehindTheMarksAndMetasHeterogeneityLine) {
  const auto r = pool_proportions(std::vector<ProportionStudy>{{"A", 3, 30}, {"B", 25, 40}, {"C", 2, 25}, {"D", 12, 20}}, PoolOptions{});
  const std::string svg = plot::forest_plot_svg(r, plot::ForestOptions{});
  const auto grid = svg.find("<g class=\"grid\">");
  ASSERT_NE(grid, std::string::npos);
  EXPECT_LT(grid, svg.find("<g class=\"study\">"));
  EXPECT_NE(svg.find("stroke-dasharray=\"4 3\"", grid), std::string::npos);
  EXPECT_THAT(svg, HasSubstr(fmt::format("I\u00b2 = {:.1f}% [{:.1f}%; {:.1f}%], \u03c4\u00b2 = {:.4f}, Q = {:.2f} (df = 3)",
                                         r.heterogeneity.I2, r.heterogeneity.I2_ci_lb, r.heterogeneity.I2_ci_ub,
                                         r.heterogeneity.tau2, r.heterogeneity.Q)));
  plot::ForestOptions random_only;
  random_only.show_common = false;
  const std::string one = plot::forest_plot_svg(r, random_only);
  EXPECT_THAT(one, HasSubstr(">Weight</text>"));
  EXPECT_EQ(one.find("Weight (common)"), std::string::npos);
}

// RevMan 5: events and totals in their own columns, the numbers left of the plot, "Total (95% CI)"
// with the patients and 100% weight, "Total events", Tau²/Chi²/df/P/I²; random effects only.
// JAMA: estimate (CI) with an en dash, weights without "%" signs, P without its leading zero, no
// grid. Each a layout of its own, not meta's with other words.
TEST(Forest, RevMan5AndJamaLayouts) {
  const auto r = pool_proportions(std::vector<ProportionStudy>{{"A", 3, 30}, {"B", 25, 40}, {"C", 2, 25}, {"D", 12, 20}},
                                  PoolOptions{});
  plot::ForestOptions o;
  o.layout = plot::ForestLayout::kRevman5;
  const std::string revman = plot::forest_plot_svg(r, o);
  for (const char* text : {">Study or Subgroup</text>", ">Events</text>", ">Total</text>", ">IV, Random, 95% CI</text>",
                           ">Total (95% CI)</text>", ">Total events</text>", ">42</text>", ">115</text>", ">100.0%</text>"}) {
    EXPECT_THAT(revman, HasSubstr(text));
  }
  EXPECT_THAT(revman, HasSubstr(fmt::format("Heterogeneity: Tau\u00b2 = {:.2f}; Chi\u00b2 = {:.2f}, df = 3 (P ",
                                            r.heterogeneity.tau2, r.heterogeneity.Q)));
  EXPECT_EQ(count_of(revman, "diamond common"), 0u);
  EXPECT_EQ(count_of(revman, "<g class=\"prediction\">"), 0u);
  EXPECT_EQ(count_of(revman, "<g class=\"grid\">"), 0u);
  // The estimate column comes before the plot: A's "10.0 [" text lies left of its square.
  const std::regex estimate(R"re(<text x="([0-9.]+)"[^>]*>10\.0 \[2\.1, 26\.5\]</text>)re");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(revman, m, estimate)) << "A's estimate as RevMan writes it";
  const std::regex square(R"re(<rect x="([0-9.]+)" y="[0-9.]+" width="[0-9.]+" height="[0-9.]+" fill="#4a6fa5")re");
  std::smatch q;
  ASSERT_TRUE(std::regex_search(revman, q, square));
  EXPECT_LT(std::stod(m[1]), std::stod(q[1]));

  o.layout = plot::ForestLayout::kJama;
  const std::string jama = plot::forest_plot_svg(r, o);
  for (const char* text : {">Source</text>", ">No. of events/total</text>", ">Weight, %</text>", ">Overall</text>",
                           ">10.0 (2.1\u201326.5)</text>", ">Proportion, %</text>"}) {
    EXPECT_THAT(jama, HasSubstr(text));
  }
  const auto het = jama.find("Heterogeneity: ");
  ASSERT_NE(het, std::string::npos);
  const std::string line = jama.substr(het, jama.find('<', het) - het);
  EXPECT_TRUE(std::regex_search(line, std::regex("; P (=|&lt;) \\.[0-9]+$"))) << line << ": P without its leading zero";
  EXPECT_EQ(count_of(jama, "<g class=\"grid\">"), 0u);
  EXPECT_FALSE(std::regex_search(jama, std::regex(">[0-9]+\\.[0-9]%</text>"))) << "a weight with its own % sign";
  EXPECT_TRUE(std::regex_search(revman, std::regex(">[0-9]+\\.[0-9]%</text>")));
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
  return n;
}

// One solid circle per study, one open circle per filled study, three shaded regions; circles lie
// inside the plotting area; the same input gives the same text.
TEST(Funnel, StudiesFilledStudiesAndRegions) {
  std::vector<ProportionStudy> studies;
  const int events[] = {2, 3, 5, 4, 9, 12, 14, 20, 25, 33, 40, 48};
  const int n[] = {10, 12, 15, 14, 25, 30, 32, 45, 50, 60, 70, 80};
  for (int i = 0; i < 12; ++i) studies.push_back({"S" + std::to_string(i), events[i], n[i]});
  const auto effects = small_study_effects(studies, PoolOptions{});
  ASSERT_TRUE(effects.trimfill.has_value());
  const std::string svg = plot::funnel_plot_svg(effects, funnel_options("Title <&>", "Logit proportion"));
  const auto studies_group = svg.substr(svg.find("<g class=\"studies\">"));
  EXPECT_EQ(count_of(studies_group.substr(0, studies_group.find("</g>")), "<circle"), 12u);
  EXPECT_EQ(count_of(svg, "<circle"), 12u + effects.trimfill->k0);
  EXPECT_EQ(count_of(svg, "<polygon"), effects.funnel.contours.size());
  EXPECT_EQ(effects.funnel.contours.size(), 3u);
  EXPECT_THAT(svg, HasSubstr("Title &lt;&amp;&gt;"));
  EXPECT_THAT(svg, HasSubstr(">Logit proportion<"));
  const std::regex circle("<circle cx=\"([0-9.-]+)\" cy=\"([0-9.-]+)\"");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), circle); it != std::sregex_iterator(); ++it) {
    const double cx = std::stod((*it)[1]), cy = std::stod((*it)[2]);
    EXPECT_GE(cx, 70.0);
    EXPECT_LE(cx, 540.0);
    EXPECT_GE(cy, 52.0);
    EXPECT_LE(cy, 368.0);
  }
  EXPECT_EQ(svg, plot::funnel_plot_svg(effects, funnel_options("Title <&>", "Logit proportion")));
}

// Contour-enhanced: significance regions around the null (here p = 50%, logit 0), the tests'
// p-values in the caption.
TEST(Funnel, ContourEnhancedAroundTheNull) {
  std::vector<ProportionStudy> studies;
  const int events[] = {2, 3, 5, 4, 9, 12, 14, 20, 25, 33, 40, 48};
  const int n[] = {10, 12, 15, 14, 25, 30, 32, 45, 50, 60, 70, 80};
  for (int i = 0; i < 12; ++i) studies.push_back({"S" + std::to_string(i), events[i], n[i]});
  const auto effects = small_study_effects(studies, PoolOptions{});
  auto o = funnel_options("T", "Logit proportion");
  o.contour_null = 0.0;
  o.null_label = "50%";
  const std::string svg = plot::funnel_plot_svg(effects, o);
  EXPECT_THAT(svg, HasSubstr("class=\"regions contour-enhanced\""));
  EXPECT_THAT(svg, HasSubstr("a study differs from 50% at p &lt; 0.01"));
  EXPECT_THAT(svg, HasSubstr(fmt::format("Egger p = {:.3f}", effects.egger->p)));
  // The three contours meet at the null at the top of the plot.
  const auto regions = svg.substr(svg.find("contour-enhanced"));
  const std::regex apex("<polygon points=\"([0-9.]+),52 ");
  std::set<std::string> apexes;
  for (auto it = std::sregex_iterator(regions.begin(), regions.begin() + static_cast<long>(regions.find("</g>")), apex);
       it != std::sregex_iterator(); ++it) {
    apexes.insert((*it)[1]);
  }
  EXPECT_EQ(apexes.size(), 1u);
  EXPECT_EQ(count_of(regions.substr(0, regions.find("</g>")), "<polygon"), 3u);
}

// k = 1 and k = 2, with 0-event and all-event studies (continuity-corrected): one circle per
// study, no test results needed, finite coordinates.
TEST(Funnel, OneAndTwoStudiesWithZeroAndAllEvents) {
  for (const auto& studies : {std::vector<ProportionStudy>{{"zero", 0, 12}},
                              std::vector<ProportionStudy>{{"zero", 0, 12}, {"all", 9, 9}}}) {
    const auto effects = small_study_effects(studies, PoolOptions{});
    const std::string svg = plot::funnel_plot_svg(effects, funnel_options("T", "Logit proportion"));
    EXPECT_EQ(count_of(svg, "<circle"), studies.size());
    EXPECT_EQ(svg.find("nan"), std::string::npos);
    EXPECT_EQ(svg.find("inf"), std::string::npos);
  }
}

TEST(Funnel, EqualStandardErrorsAndNoFilledStudies) {
  // All studies the same size and proportion: every point on the line, nothing filled, no NaN.
  std::vector<ProportionStudy> studies;
  for (int i = 0; i < 5; ++i) studies.push_back({"S" + std::to_string(i), 10, 20});
  const auto effects = small_study_effects(studies, PoolOptions{});
  const std::string svg = plot::funnel_plot_svg(effects, funnel_options("T", "Logit proportion"));
  EXPECT_EQ(count_of(svg, "<circle"), 5u);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(svg.find("inf"), std::string::npos);
}

// One bubble per study kept (a missing moderator value drops one), a confidence band, the fitted
// line; the bubble of the study with the largest weight is the largest; categorical moderators are
// refused; a study at the line's x has its circle where the proportion says.
TEST(Bubble, OneBubblePerStudyBandAndLine) {
  std::vector<ProportionStudy> studies;
  const int events[] = {8, 12, 5, 30, 14, 22};
  const int n[] = {10, 20, 12, 40, 20, 25};
  for (int i = 0; i < 6; ++i) studies.push_back({"S" + std::to_string(i), events[i], n[i]});
  const ModeratorColumn age{"age", {"10", "20", std::nullopt, "35", "50", "60"}, std::nullopt};
  const auto reg = regress_proportions(studies, {age}, PoolOptions{});
  ASSERT_TRUE(plot::has_single_numeric_moderator(reg));
  const std::string svg = plot::bubble_plot_svg(reg, {"CR by age <x>", "age", Measure::kPLO, 0.0, 0.95});
  EXPECT_EQ(count_of(svg, "<circle"), 5u);
  EXPECT_EQ(count_of(svg, "<g class=\"band\">"), 1u);
  EXPECT_GT(count_of(svg, "stroke=\"#b03a2e\""), 10u);
  EXPECT_THAT(svg, HasSubstr("CR by age &lt;x&gt;"));
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  // Largest weight (n = 40) drawn first, with the largest radius.
  const std::regex circle("<circle cx=\"[0-9.-]+\" cy=\"([0-9.-]+)\" r=\"([0-9.]+)\"");
  std::vector<double> radii, cys;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), circle); it != std::sregex_iterator(); ++it) {
    cys.push_back(std::stod((*it)[1]));
    radii.push_back(std::stod((*it)[2]));
  }
  ASSERT_EQ(radii.size(), 5u);
  EXPECT_DOUBLE_EQ(radii[0], 14.0);
  EXPECT_TRUE(std::is_sorted(radii.rbegin(), radii.rend()));
  // The proportion axis is fitted to the data (here 40-100%, not 0-100%), and the n = 40 study
  // (30/40 = 75%) sits where the axis's ticks put 75%.
  const std::regex y_tick(R"re(<text x="[0-9.]+" y="([0-9.]+)" font-size="11" text-anchor="end" font-weight="normal" fill="#000">([0-9.]+)</text>)re");
  std::vector<std::pair<double, double>> ticks;  // (percent, y)
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), y_tick); it != std::sregex_iterator(); ++it) {
    ticks.emplace_back(std::stod((*it)[2]), std::stod((*it)[1]) - 4.0);
  }
  ASSERT_GE(ticks.size(), 3u);
  EXPECT_GT(ticks.front().first, 0.0);
  const double per_percent = (ticks.front().second - ticks.back().second) / (ticks.back().first - ticks.front().first);
  EXPECT_NEAR(cys[0], ticks.front().second - (75.0 - ticks.front().first) * per_percent, 0.02);
  // The prediction interval: two dashed curves around the band.
  EXPECT_EQ(count_of(svg, "<g class=\"prediction\">"), 1u);
  EXPECT_GT(count_of(svg, "stroke-dasharray=\"5 3\""), 20u);
  EXPECT_THAT(svg, HasSubstr("on the logit scale"));
  const ModeratorColumn target{"target", {"a", "b", "a", "b", "a", "b"}, std::nullopt};
  const auto by_target = regress_proportions(studies, {target}, PoolOptions{});
  EXPECT_FALSE(plot::has_single_numeric_moderator(by_target));
  EXPECT_THROW((void)plot::bubble_plot_svg(by_target, {}), Error);
}

// Golden files: the exact SVG text of small figures. Layout changes show up as a diff to review;
// regenerate deliberately with CARTA_UPDATE_GOLDEN=1 and commit the new files with the change.
void expect_golden(const std::string& name, const std::string& svg) {
  const auto path = source_path("tests/golden") / name;
  if (std::getenv("CARTA_UPDATE_GOLDEN") != nullptr) {
    std::filesystem::create_directories(path.parent_path());
    write(path, svg);
  }
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " missing: run with CARTA_UPDATE_GOLDEN=1";
  EXPECT_EQ(svg, read_text(path)) << name << " differs from the golden file; if the change is intended, rerun with "
                                              "CARTA_UPDATE_GOLDEN=1 and review the diff";
}

std::vector<ProportionStudy> golden_studies() {
  return {{"Maude 2014", 27, 30}, {"Lee 2015", 14, 21}, {"Park 2018", 44, 53}, {"Zero & <none>", 0, 8}, {"All", 12, 12}};
}

TEST(Golden, ForestFunnelAndBubbleOfASmallDataSet) {
  const auto studies = golden_studies();
  const auto r = pool_proportions(studies, PoolOptions{});
  plot::ForestOptions fo;
  fo.title = "Complete remission";
  expect_golden("forest_small.svg", plot::forest_plot_svg(r, fo));
  fo.sort = plot::ForestSort::kEstimate;
  fo.axis_min = 0.5;
  fo.axis_max = 1.0;
  fo.show_common = false;
  expect_golden("forest_small_sorted_axis_random.svg", plot::forest_plot_svg(r, fo));
  // A characteristics column, rows by a characteristic (years; "All" has none), two decimals.
  plot::ForestOptions columns;
  columns.title = "Complete remission";
  columns.columns = {{"Year", {{"Maude 2014", "2014"}, {"Lee 2015", "2015"}, {"Park 2018", "2018"}, {"Zero & <none>", "2011"}}}};
  columns.sort = plot::ForestSort::kKey;
  columns.sort_key = columns.columns[0].values;
  columns.digits = 2;
  expect_golden("forest_small_columns.svg", plot::forest_plot_svg(r, columns));
  // RevMan 5's and JAMA's conventions.
  plot::ForestOptions revman;
  revman.title = "Complete remission";
  revman.layout = plot::ForestLayout::kRevman5;
  expect_golden("forest_small_revman5.svg", plot::forest_plot_svg(r, revman));
  plot::ForestOptions jama = revman;
  jama.layout = plot::ForestLayout::kJama;
  expect_golden("forest_small_jama.svg", plot::forest_plot_svg(r, jama));
  // With RoB 2 columns in the colour-blind palette; "All" is not assessed.
  review::RobAssessment rob;
  rob.tool = &review::rob_tool("rob2");
  rob.domains = rob.tool->domains;
  for (const auto& [label, worst] : std::vector<std::pair<std::string, std::size_t>>{
           {"Maude 2014", 0}, {"Lee 2015", 1}, {"Park 2018", 2}, {"Zero & <none>", 1}}) {
    review::StudyAssessment a;
    a.study = label;
    a.domains.assign(rob.domains.size(), 0);
    a.domains[2] = worst;
    a.overall = worst;
    rob.studies.push_back(a);
  }
  plot::ForestOptions with_rob;
  with_rob.title = "Complete remission";
  with_rob.risk_of_bias = &rob;
  with_rob.rob_palette = plot::RobPalette::kColourblind;
  expect_golden("forest_small_rob.svg", plot::forest_plot_svg(r, with_rob));
  expect_golden("funnel_small.svg", plot::funnel_plot_svg(small_study_effects(studies, PoolOptions{}),
                                                          funnel_options("Complete remission", "Logit proportion")));
  const ModeratorColumn age{"age", {"11", "12", "44", "30", "9"}, std::nullopt};
  expect_golden("baujat_small.svg", plot::baujat_plot_svg(influence_proportions(studies, PoolOptions{}), {"CR", 5}));
  expect_golden("bubble_small.svg", plot::bubble_plot_svg(regress_proportions(studies, {age}, PoolOptions{}),
                                                          {"CR by age", "age", Measure::kPLO, 0.0, 0.95}));
}

// One point per study; influential studies in red; the farthest few and every influential study
// labelled, nobody else; points keep the order of the coordinates.
TEST(Baujat, PointsLabelsAndInfluentialStudies) {
  std::vector<ProportionStudy> studies;
  const int events[] = {8, 12, 5, 30, 14, 22, 2, 40};
  const int n[] = {10, 20, 12, 40, 20, 25, 30, 42};
  for (int i = 0; i < 8; ++i) studies.push_back({"Study " + std::to_string(i), events[i], n[i]});
  const auto rows = influence_proportions(studies, PoolOptions{});
  const std::string svg = plot::baujat_plot_svg(rows, {"CR <Baujat>", 3});
  EXPECT_EQ(count_of(svg, "<circle"), 8u);
  std::size_t influential = 0;
  for (const auto& r : rows) influential += r.influential ? 1 : 0;
  EXPECT_EQ(count_of(svg, "fill=\"#b03a2e\""), influential);
  const auto labels = svg.substr(svg.find("<g class=\"labels\">"));
  const auto n_labels = count_of(labels.substr(0, labels.find("</g>")), "<text");
  EXPECT_GE(n_labels, 3u);
  EXPECT_LE(n_labels, 3u + influential);
  // The study with the largest contribution to Q is among the labelled ones.
  const auto top = std::max_element(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.baujat_x < b.baujat_x; });
  EXPECT_THAT(labels.substr(0, labels.find("</g>")), HasSubstr(">" + top->label + "<"));
  EXPECT_THAT(svg, HasSubstr("CR &lt;Baujat&gt;"));
  EXPECT_EQ(svg.find("nan"), std::string::npos);
}

TEST(Report, BundledExampleEndToEnd) {
  const auto out = temp_dir("example");
  const auto spec = io::load_review_spec(source_path("examples/cart-ball/review.toml"));
  const auto summary = report::write_report(spec, out);
  const auto results = load_json(out / "results.json");
  ASSERT_EQ(results["outcomes"].size(), 6u);
  const auto& cr = results["outcomes"][0];
  EXPECT_EQ(cr["name"], "Complete remission");
  EXPECT_EQ(cr["pool"]["k"], 24);
  // The report's number is the pool command's number (same engine, same settings).
  EXPECT_TRUE(close_to(cr["pool"]["random"]["prop"].get<double>(), 0.80920, {0, 5e-5}, "CR pooled"));
  EXPECT_EQ(cr["subgroups"].size(), 3u);
  EXPECT_EQ(cr["sensitivity"].size(), 2u);
  EXPECT_EQ(results["exclusions"].size(), 3u);
  // GRADE: single-arm trials without a risk-of-bias file start at low certainty, and the two
  // domains nothing informs say so.
  for (const auto& o : results["outcomes"]) {
    ASSERT_TRUE(o["grade"].is_object()) << o["name"];
    EXPECT_EQ(o["grade"]["start"], "low");
    EXPECT_EQ(o["grade"]["domains"][0]["assessed"], false);
    EXPECT_EQ(o["grade"]["domains"][2]["assessed"], false);
  }
  EXPECT_EQ(cr["grade"]["domains"][4]["assessed"], true);  // 24 studies: Egger's test
  ASSERT_EQ(results["survival"].size(), 2u);
  EXPECT_EQ(results["survival"][0]["grade"].size(), 2u);  // S(12) and S(24)
  EXPECT_EQ(results["survival"][0]["grade"][1]["time"], 24.0);
  ASSERT_EQ(results["baseline"].size(), 6u);
  EXPECT_EQ(results["baseline"][0]["total"], 1095.0);  // patients infused in the 27 included trials
  EXPECT_EQ(results["baseline"][0]["reporting"].size(), 27u);
  const std::string html = read_text(out / "index.html");
  EXPECT_THAT(html, HasSubstr("Summary of findings"));
  EXPECT_THAT(html, HasSubstr(">Overall survival, S(24)</a>"));
  EXPECT_THAT(html, HasSubstr("id=\"certainty\""));
  EXPECT_THAT(html, HasSubstr("Methods"));
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));  // no external resources
  EXPECT_EQ(html.find("https://"), std::string::npos);
  for (const char* ext : {".svg", ".png", ".pdf"}) {
    EXPECT_TRUE(std::filesystem::exists(out / "figures" / (std::string("forest_complete-remission") + ext))) << ext;
    EXPECT_TRUE(std::filesystem::exists(out / "figures" / (std::string("funnel_complete-remission") + ext))) << ext;
    EXPECT_TRUE(std::filesystem::exists(out / "figures" / (std::string("baujat_complete-remission") + ext))) << ext;
    EXPECT_TRUE(std::filesystem::exists(out / "figures" / (std::string("bubble_complete-remission_by_median-age-years") + ext)))
        << ext;
  }
  EXPECT_TRUE(std::filesystem::exists(out / "summary.csv"));
  // The subgroup test is meta's and RevMan's (every subgroup; the issue's Q = 8.93 on 4 df), the
  // figure says so and names the studies it leaves out and why.
  const std::string by_target = read_text(out / "figures" / "forest_complete-remission_by_antigen-target.svg");
  EXPECT_THAT(by_target, HasSubstr(">Test for subgroup differences (all 5 subgroups): Q = 8.93, df = 4, p = 0.0629<"));
  EXPECT_THAT(by_target, HasSubstr(">Antigen target: CD22<"));  // the spec's label, not the column name
  EXPECT_THAT(by_target, HasSubstr("Not reporting complete remission (3): Frey2020_JCO, Curran2019_Blood, "));
  EXPECT_THAT(by_target, HasSubstr("Excluded by the review (3): "));
  EXPECT_EQ(by_target.find(">NA<"), std::string::npos);
  EXPECT_EQ(by_target.find("= NA"), std::string::npos);
  const auto& target = cr["subgroups"][0];
  EXPECT_EQ(target["subgroup_test"], "all");
  EXPECT_EQ(target["levels_tested"], 5);
  EXPECT_TRUE(close_to(target["Q_between"].get<double>(), 8.9278276768, {1e-8, 0}, "Q between (metafor)"));
  // Costimulatory domain: five studies report none; the figure's overall row pools the 19 drawn.
  const auto& costim = cr["subgroups"][1];
  EXPECT_EQ(costim["label"], "Costimulatory domain");
  EXPECT_EQ(costim["selection"]["used"].size(), 19u);
  ASSERT_EQ(costim["selection"]["left_out"].size(), 5u);
  EXPECT_EQ(costim["selection"]["left_out"][0]["reason"], "value_not_reported");
  EXPECT_EQ(costim["overall"]["k"], 19);
  const std::string by_costim = read_text(out / "figures" / "forest_complete-remission_by_costimulatory-domain.svg");
  EXPECT_THAT(by_costim, HasSubstr(">Overall (random effects, k = 19)<"));
  EXPECT_THAT(by_costim, HasSubstr("No costimulatory domain reported (5): Jiang2019_AmJHematol, Hu2017_ClinCancerRes"));
  EXPECT_THAT(html, HasSubstr("No costimulatory domain reported (5): Jiang2019_AmJHematol"));
  // Every outcome lists the table's rows it does not use: 30 rows = used + left out.
  for (const auto& o : results["outcomes"]) {
    EXPECT_EQ(o["selection"]["used"].size() + o["selection"]["left_out"].size(), 30u) << o["name"];
    EXPECT_EQ(o["selection"]["used"].size(), o["pool"]["k"].get<std::size_t>()) << o["name"];
  }
  // Sensitivity analyses name the studies they leave out and why.
  const auto& adults = cr["sensitivity"][0];
  EXPECT_EQ(adults["selection"]["used"].size(), adults["pool"]["k"].get<std::size_t>());
  EXPECT_THAT(adults["selection"]["left_out"].dump(), HasSubstr("population is pediatric"));
  EXPECT_EQ(html.find(">NA<"), std::string::npos);
  // Survival: 12-month OS of the five trials that report it (Gardner 2017 is excluded as an
  // overlapping report), each study's SE from its n; S(24) is an extrapolation and says so.
  ASSERT_EQ(results["survival"].size(), 2u);
  const auto& os = results["survival"][0];
  EXPECT_EQ(os["name"], "Overall survival");
  EXPECT_EQ(os["k"], 5);
  EXPECT_EQ(os["studies"][0]["source"], "survival_n");
  EXPECT_EQ(os["selection"]["used"].size(), 5u);
  EXPECT_GT(os["survival"][0]["est"].get<double>(), os["survival"][1]["est"].get<double>());
  EXPECT_THAT(os["warnings"].dump(), HasSubstr("S(24) extrapolates"));
  EXPECT_THAT(html, HasSubstr("id=\"survival-overall-survival\""));
  EXPECT_THAT(html, HasSubstr("Survival was pooled under an exponential model"));
  for (const char* ext : {".svg", ".png", ".pdf"}) {
    EXPECT_TRUE(std::filesystem::exists(out / "figures" / (std::string("forest_survival_overall-survival") + ext))) << ext;
  }
}

// A small review where studies lack values: every figure, table and results.json say which
// studies are left out and why; the missing-value rule is the same for counts, subgroups and
// moderators; a test that cannot be computed is a sentence.
TEST(Report, LeftOutStudiesAreListedEverywhere) {
  const auto dir = temp_dir("left_out");
  write(dir / "data.csv",
        "label,x,n,group,age,single\n"
        "A,5,20,g1,30,s\nB,7,25,g1,NA,s\nC,12,30,g2,45,s\nD,3,12,g2,50,s\nE,NR,14,g1,20,s\n"
        "F,9,14,NA,33,s\nG,4,16,-,41,s\nH,6,18,g3,n/a,s\n");
  write(dir / "spec.toml", kMinimal + "\n[labels]\ngroup = \"Treatment group\"\n"
                                      "[analyses]\nsubgroups = [\"group\", \"single\"]\nmoderators = [\"age\"]\n"
                                      "[[sensitivity]]\nname = \"Group 1\"\nwhere = [\"group=g1\"]\n");
  // (kMinimal's outcome is named "X": its events column is x.)
  const auto spec = io::load_review_spec(dir / "spec.toml");
  (void)report::write_report(spec, dir / "out");
  const auto results = load_json(dir / "out" / "results.json");
  const auto& o = results["outcomes"][0];
  // E's events are NR: not reported, so left out of the outcome, not an error.
  EXPECT_EQ(o["pool"]["k"], 7);
  ASSERT_EQ(o["selection"]["left_out"].size(), 1u);
  EXPECT_EQ(o["selection"]["left_out"][0]["study"], "E");
  EXPECT_EQ(o["selection"]["left_out"][0]["reason"], "outcome_not_reported");
  // NA and - in the subgroup column are not levels: F and G are left out, named.
  const auto& group = o["subgroups"][0];
  EXPECT_EQ(group["label"], "Treatment group");
  std::set<std::string> levels;
  for (const auto& l : group["levels"]) levels.insert(l["level"].get<std::string>());
  EXPECT_EQ(levels, (std::set<std::string>{"g1", "g2", "g3"}));
  ASSERT_EQ(group["selection"]["left_out"].size(), 2u);
  EXPECT_EQ(group["selection"]["left_out"][0]["study"], "F");
  EXPECT_EQ(group["selection"]["left_out"][1]["study"], "G");
  EXPECT_EQ(group["selection"]["left_out"][0]["detail"], "no treatment group reported");
  EXPECT_EQ(group["levels_tested"], 3);  // g3 has one study: tested with its own variance
  // One level only: the test is a sentence, not numbers.
  const auto& single = o["subgroups"][1];
  EXPECT_TRUE(single["Q_between"].is_null());
  EXPECT_THAT(single["test_unavailable"].get<std::string>(), HasSubstr("every study is in one subgroup ('s')"));
  // NA and n/a in a numeric moderator are missing, not a category.
  const auto& age = o["metareg"][0];
  EXPECT_EQ(age["k"], 5);
  EXPECT_EQ(age["terms"][0]["type"], "numeric");
  EXPECT_EQ(age["selection"]["left_out"].size(), 2u);
  // The sensitivity analysis names who does not match, and why.
  const auto& g1 = o["sensitivity"][0];
  EXPECT_EQ(g1["selection"]["used"], (nlohmann::json{"A", "B"}));
  EXPECT_THAT(g1["selection"]["left_out"].dump(), HasSubstr("treatment group is g2"));
  EXPECT_THAT(g1["selection"]["left_out"].dump(), HasSubstr("no treatment group reported"));

  const std::string forest = read_text(dir / "out" / "figures" / "forest_x.svg");
  EXPECT_THAT(forest, HasSubstr(">Not reporting X (1): E.<"));
  const std::string by_group = read_text(dir / "out" / "figures" / "forest_x_by_group.svg");
  EXPECT_THAT(by_group, HasSubstr(">No treatment group reported (2): F, G.<"));
  EXPECT_THAT(by_group, HasSubstr(">Overall (random effects, k = 5)<"));
  EXPECT_THAT(by_group, HasSubstr("Test for subgroup differences (all 3 subgroups)"));
  const std::string by_single = read_text(dir / "out" / "figures" / "forest_x_by_single.svg");
  EXPECT_THAT(by_single, HasSubstr("not computed: every study is in one subgroup"));
  EXPECT_EQ(by_single.find("= NA"), std::string::npos);
  const std::string html = read_text(dir / "out" / "index.html");
  EXPECT_THAT(html, HasSubstr("No treatment group reported (2): F, G."));
  EXPECT_THAT(html, HasSubstr("The test for subgroup differences was not computed: every study is in one subgroup"));
  EXPECT_EQ(html.find("Q = NA"), std::string::npos);
}

TEST(Report, PooledSubgroupConventionAndCustomMissingValues) {
  const auto dir = temp_dir("pooled_convention");
  write(dir / "data.csv", "label,x,n,group\nA,5,20,g1\nB,7,25,g1\nC,12,30,g2\nD,3,12,g2\nE,9,14,g3\nF,4,16,unknown\n");
  write(dir / "spec.toml",
        "[data]\nfile = \"data.csv\"\nlabel = \"label\"\nmissing = [\"unknown\"]\n"
        "[analyses]\nsubgroups = [\"group\"]\nsubgroup_test = \"pooled\"\n"
        "[[outcome]]\nname = \"X\"\nevents = \"x\"\nn = \"n\"\n");
  (void)report::write_report(io::load_review_spec(dir / "spec.toml"), dir / "out");
  const auto results = load_json(dir / "out" / "results.json");
  const auto& g = results["outcomes"][0]["subgroups"][0];
  EXPECT_EQ(g["subgroup_test"], "pooled");
  EXPECT_EQ(g["levels_tested"], 2);
  EXPECT_EQ(g["Q_between_df"], 1.0);
  EXPECT_EQ(g["selection"]["left_out"][0]["study"], "F");  // "unknown" is this review's missing value
  const std::string svg = read_text(dir / "out" / "figures" / "forest_x_by_group.svg");
  EXPECT_THAT(svg, HasSubstr("Test for subgroup differences (the 2 subgroups with at least 2 studies)"));
  EXPECT_THAT(svg, HasSubstr("not pooled: 1 study (fewer than min_k = 2)"));
  EXPECT_THAT(spec_error(kMinimal + "[analyses]\nsubgroup_test = \"some\"\n"),
              HasSubstr("spec.toml:10: subgroup_test 'some' is not one of all"));
  EXPECT_THAT(spec_error(kMinimal + "[labels]\ngrp = \"Group\"\n"), HasSubstr("spec.toml:10: [labels]: column 'grp'"));
  EXPECT_THAT(spec_error("[data]\nfile = \"data.csv\"\nlabel = \"label\"\nmissing = [\" NA\"]\n[[outcome]]\nname=\"X\"\n"
                         "events=\"x\"\nn=\"n\"\n"),
              HasSubstr("spec.toml:4: [data] missing: missing-value token ' NA'"));
}

// The output folder is replaced whole or not at all, and only when it is carta's.
TEST(ReportFolder, ReplacesAPreviousReportAndRefusesOtherFolders) {
  const auto dir = temp_dir("folder");
  write(dir / "data.csv", "label,x,n\nA,1,10\nB,2,10\nC,3,10\n");
  write(dir / "spec.toml", kMinimal);
  const auto spec = io::load_review_spec(dir / "spec.toml");
  const auto out = dir / "out";
  (void)report::write_report(spec, out);
  ASSERT_TRUE(std::filesystem::exists(out / ".carta-report"));
  // A second run replaces the first (a previous carta report).
  write(out / "figures" / "forest_x.svg", "stale");
  (void)report::write_report(spec, out);
  EXPECT_NE(read_text(out / "figures" / "forest_x.svg"), "stale");
  // A file carta did not write makes the folder not carta's to replace: refused, file kept.
  write(out / "notes.txt", "my notes");
  try {
    (void)report::write_report(spec, out);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kInvalidOption);
    EXPECT_THAT(std::string(e.what()), HasSubstr("holds 1 file(s) that the previous carta report did not write (notes.txt)"));
  }
  EXPECT_EQ(read_text(out / "notes.txt"), "my notes");
  // A folder of someone else's files is refused before any work.
  const auto other = dir / "other";
  std::filesystem::create_directories(other);
  write(other / "thesis.docx", "x");
  EXPECT_THROW((void)report::write_report(spec, other), Error);
  EXPECT_TRUE(std::filesystem::exists(other / "thesis.docx"));
  // The folder holding the spec and the data is an input of the run: refused, naming it.
  try {
    (void)report::write_report(spec, dir);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("an input of this run"));
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "data.csv"));
  // An output that is a file is refused, the file kept.
  write(dir / "file_out", "keep");
  EXPECT_THROW((void)report::write_report(spec, dir / "file_out"), Error);
  EXPECT_EQ(read_text(dir / "file_out"), "keep");
}

TEST(ReportFolder, AFailedRunLeavesThePreviousReportAndNoStaging) {
  const auto dir = temp_dir("folder_failed");
  write(dir / "data.csv", "label,x,n\nA,1,10\nB,2,10\nC,3,10\n");
  write(dir / "spec.toml", kMinimal);
  const auto out = dir / "out";
  (void)report::write_report(io::load_review_spec(dir / "spec.toml"), out);
  const std::string before = read_text(out / "index.html");
  // A staging folder of a run that was killed (its process is gone) is cleaned by the next run.
  const auto dead = dir / ".out.carta-staging-999999999-0000abcd";
  std::filesystem::create_directories(dead);
  write(dead / ".carta-report", "carta report (staging)\n");
  // The data become invalid: the run fails after the folder was checked.
  write(dir / "data.csv", "label,x,n\nA,11,10\nB,2,10\n");
  EXPECT_THROW((void)report::write_report(io::load_review_spec(dir / "spec.toml"), out), Error);
  EXPECT_EQ(read_text(out / "index.html"), before);
  write(dir / "data.csv", "label,x,n\nA,1,10\nB,2,10\nC,4,10\n");
  (void)report::write_report(io::load_review_spec(dir / "spec.toml"), out);
  EXPECT_NE(read_text(out / "index.html"), before);
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    EXPECT_EQ(entry.path().filename().string().find(".carta-staging-"), std::string::npos) << entry.path();
  }
}

// A folder without the marker is not carta's, however report-like its names: index.html,
// results.json and figures/ of some other tool (or a person's own) are never replaced.
TEST(ReportFolder, AnUnmarkedFolderOfReportLikeNamesIsRefused) {
  const auto dir = temp_dir("folder_unmarked");
  write(dir / "data.csv", "label,x,n\nA,1,10\nB,2,10\n");
  write(dir / "spec.toml", kMinimal);
  std::filesystem::create_directories(dir / "out" / "figures");
  for (const char* f : {"index.html", "results.json", "summary.csv", "studies_x.csv", "figures/forest_x.png"}) {
    write(dir / "out" / f, "mine");
  }
  try {
    (void)report::write_report(io::load_review_spec(dir / "spec.toml"), dir / "out");
    ADD_FAILURE() << "an unmarked folder was replaced";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("holds 5 file(s) that no carta report wrote (it has no .carta-report marker)"),
                                HasSubstr("index.html")));
  }
  for (const char* f : {"index.html", "results.json", "summary.csv", "studies_x.csv", "figures/forest_x.png"}) {
    EXPECT_EQ(read_text(dir / "out" / f), "mine") << f;
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "out" / ".carta-report"));
}

// What a killed run leaves is cleaned by the next one: a staging folder killed before its marker
// was written (empty folders only) and the temporary of an atomic write (".NAME.tmpPID") whose
// process is gone; a live process's temporary and a staging folder holding someone's file stay.
TEST(ReportFolder, LeftoversOfKilledRunsAreCleaned) {
  const auto dir = temp_dir("folder_leftovers");
  write(dir / "data.csv", "label,x,n\nA,1,10\nB,2,10\n");
  write(dir / "spec.toml", kMinimal);
  const auto bare = dir / ".out.carta-staging-999999998-00000001";
  std::filesystem::create_directories(bare / "figures");
  const auto foreign = dir / ".out.carta-staging-999999997-00000002";
  std::filesystem::create_directories(foreign);
  write(foreign / "notes.txt", "not carta's");
  (void)report::write_report(io::load_review_spec(dir / "spec.toml"), dir / "out");
  EXPECT_FALSE(std::filesystem::exists(bare));
  EXPECT_TRUE(std::filesystem::exists(foreign / "notes.txt"));
  const auto dead_tmp = dir / ".summary.csv.tmp999999996";
  const auto live_tmp = dir / (".summary.csv.tmp" + std::to_string(::getppid()));
  write(dead_tmp, "partial");
  write(live_tmp, "partial");
  io::write_file_atomic(dir / "summary.csv", "a,b\n");
  EXPECT_FALSE(std::filesystem::exists(dead_tmp));
  EXPECT_TRUE(std::filesystem::exists(live_tmp));
  EXPECT_EQ(read_text(dir / "summary.csv"), "a,b\n");
}

// An XML parser's verdict (librsvg parses with libxml2): true when the SVG is well-formed.
bool well_formed_svg(const std::string& svg) {
  GError* error = nullptr;
  RsvgHandle* handle = rsvg_handle_new_from_data(reinterpret_cast<const guint8*>(svg.data()), svg.size(), &error);
  if (error) g_error_free(error);
  if (!handle) return false;
  g_object_unref(handle);
  return true;
}

// Big inputs are work, not failures: 800 studies, a 10,000-character label and control
// characters in the data give a report whose every SVG is well-formed XML and whose figures stay
// within the renderer (the PNG of a very tall figure is drawn at a smaller scale).
TEST(Report, BigAndHostileInputsProduceAReport) {
  const auto dir = temp_dir("big_inputs");
  std::string csv = "label,x,n,g\n";
  for (int i = 0; i < 800; ++i) csv += fmt::format("S{},{},{},{}\n", i, (i * 7) % 40, 40 + i % 30, i % 2 ? "a" : "b");
  csv += "\"" + std::string(10000, 'L') + "\",3,10,a\n";
  csv += "\"ctrl\x01\x07\x1b[31m\xc2\x85red\",4,9,a\n";
  write(dir / "data.csv", csv);
  write(dir / "spec.toml", "[data]\nfile = \"data.csv\"\nlabel = \"label\"\n[analyses]\nsubgroups = [\"g\"]\n"
                           "[[outcome]]\nname = \"" + std::string(3000, 'O') + "\"\nevents = \"x\"\nn = \"n\"\n"
                           "[[outcome]]\nname = \"" + std::string(3000, 'O') + "\"\nevents = \"x\"\nn = \"n2\"\n");
  // Two outcomes with the same name would be a spec error; the second differs in its column only
  // to show that names giving the same file name still get distinct files.
  csv.clear();
  EXPECT_NE(spec_error(read_text(dir / "spec.toml"), read_text(dir / "data.csv")).find("is used twice"), std::string::npos);
  write(dir / "spec.toml", "[data]\nfile = \"data.csv\"\nlabel = \"label\"\n[analyses]\nsubgroups = [\"g\"]\n"
                           "[[outcome]]\nname = \"" + std::string(3000, 'O') + "\"\nevents = \"x\"\nn = \"n\"\n"
                           "[[outcome]]\nname = \"" + std::string(3000, 'O') + "!\"\nevents = \"x\"\nn = \"n\"\n");
  const auto summary = report::write_report(io::load_review_spec(dir / "spec.toml"), dir / "out");
  std::set<std::string> names;
  for (const auto& f : summary.files) {
    EXPECT_LT(f.filename().string().size(), 255u) << f;
    EXPECT_TRUE(names.insert(f.string()).second) << "two outputs named " << f;
    if (f.extension() == ".svg") {
      EXPECT_TRUE(well_formed_svg(read_text(dir / "out" / f))) << f;
    }
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "figures" / "forest_oooooooooooooooooooooooooooooooooooooooooooooooooooooooooooo-2.png"));
  const std::string html = read_text(dir / "out" / "index.html");
  EXPECT_EQ(std::count_if(html.begin(), html.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 && c != '\n'; }), 0);
  // results.json keeps the whole label (compared with find: a failing HasSubstr would print MBs).
  EXPECT_NE(read_text(dir / "out" / "results.json").find(std::string(10000, 'L')), std::string::npos);
  ASSERT_FALSE(summary.warnings.empty());
  EXPECT_THAT(summary.warnings.front(), HasSubstr("1 cell(s) hold control characters (line 803 column 'label')"));
  const std::string forest = read_text(dir / "out" / "figures" / "forest_oooooooooooooooooooooooooooooooooooooooooooooooooooooooooooo.svg");
  EXPECT_NE(forest.find(std::string(60, 'L') + "\u2026<"), std::string::npos);  // cut in the figure, with an ellipsis
  EXPECT_EQ(forest.find("\">" + std::string(61, 'L')), std::string::npos);  // no drawn text is longer
  // The row's tooltip has ten times as much, and no more.
  EXPECT_NE(forest.find("<title>" + std::string(600, 'L') + "\u2026: "), std::string::npos);
  EXPECT_EQ(forest.find(std::string(601, 'L')), std::string::npos);
}

// PNG: signature, IHDR size = 2x the SVG's, opaque RGB on a white ground (decoded with libpng);
// PDF: header and a MediaBox of the SVG's size in points; no staging file is left behind.
TEST(Render, PngAndPdfHaveTheFiguresSize) {
  const auto dir = temp_dir("render");
  const std::string svg =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"40\" height=\"20\">"
      "<rect x=\"0\" y=\"0\" width=\"10\" height=\"10\" fill=\"#4a6fa5\"/></svg>";
  plot::render_svg(svg, dir / "a.png", dir / "a.pdf", 2.0);
  const std::string png = read_text(dir / "a.png");
  ASSERT_GT(png.size(), 33u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  auto be32 = [&png](std::size_t at) {
    return (static_cast<unsigned char>(png[at]) << 24) | (static_cast<unsigned char>(png[at + 1]) << 16) |
           (static_cast<unsigned char>(png[at + 2]) << 8) | static_cast<unsigned char>(png[at + 3]);
  };
  EXPECT_EQ(be32(16), 80);
  EXPECT_EQ(be32(20), 40);
  EXPECT_EQ(static_cast<int>(png[25]), 2);  // colour type RGB
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  ASSERT_TRUE(png_image_begin_read_from_memory(&image, png.data(), png.size()));
  image.format = PNG_FORMAT_RGB;
  std::vector<unsigned char> pixels(PNG_IMAGE_SIZE(image));
  ASSERT_TRUE(png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr));
  auto pixel = [&](int x, int y) {
    const std::size_t at = (static_cast<std::size_t>(y) * image.width + static_cast<std::size_t>(x)) * 3;
    return std::array<int, 3>{pixels[at], pixels[at + 1], pixels[at + 2]};
  };
  EXPECT_EQ(pixel(5, 5), (std::array<int, 3>{0x4a, 0x6f, 0xa5}));  // inside the rectangle
  EXPECT_EQ(pixel(60, 30), (std::array<int, 3>{255, 255, 255}));   // the white ground
  const std::string pdf = read_text(dir / "a.pdf");
  EXPECT_EQ(pdf.substr(0, 5), "%PDF-");
  EXPECT_THAT(pdf, HasSubstr("/MediaBox [ 0 0 30 15 ]"));
  EXPECT_FALSE(std::filesystem::exists(dir / "a.png.part"));
  EXPECT_FALSE(std::filesystem::exists(dir / "a.pdf.part"));
}

TEST(Render, BadSvgIsAnErrorNamingTheFile) {
  const auto dir = temp_dir("render_bad");
  try {
    plot::render_svg("<svg", dir / "b.png", dir / "b.pdf");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("b.png"));
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "b.png"));
  // render_all rethrows the failure after the other jobs ran.
  const std::string good = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"4\" height=\"4\"/>";
  const std::vector<plot::RenderJob> jobs{{good, dir / "g1.png", dir / "g1.pdf"}, {"<svg", dir / "b2.png", dir / "b2.pdf"}};
  EXPECT_THROW(plot::render_all(jobs, 2), Error);
}

}  // namespace
}  // namespace carta::test
