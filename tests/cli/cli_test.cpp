// The CLI driven in-process through run_cli(args, out, err): exit codes, messages, formats.

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <fstream>
#include <algorithm>
#include <sstream>

#include "carta/cli.hpp"
#include "carta/io/table.hpp"
#include "compare.hpp"
#include "test_folder.hpp"

namespace carta::test {
namespace {

using ::testing::HasSubstr;
using ::testing::AllOf;
using ::testing::Not;

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run run(std::vector<std::string> args) {
  std::ostringstream out, err;
  const int code = run_cli(args, out, err);
  return {code, out.str(), err.str()};
}

std::string example() { return source_path("examples/cart-ball/studies.csv").string(); }

std::filesystem::path temp_file(const std::string& name, const std::string& content) {
  const auto path = std::filesystem::temp_directory_path() / ("carta_cli_test_" + name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

// The README's main command: kept as a test so that it cannot rot.
TEST(Cli, ReadmeExampleRuns) {
  const auto r = run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--label", "study_id",
                      "--exclude", "Turtle2016_JCI", "--exclude", "Fry2018_NatMed_CD22", "--exclude",
                      "Gardner2017_Blood"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("k = 24 studies, 962 patients"));
  EXPECT_THAT(r.out, HasSubstr("preset carta"));
  EXPECT_THAT(r.out, HasSubstr("80.9%  [76.7%; 84.6%]"));
  EXPECT_THAT(r.out, HasSubstr("skipped 3 row(s) that do not report this outcome"));
  EXPECT_THAT(r.out, HasSubstr("excluded by request"));
}

// A CSV from a European Excel (semicolons, decimal commas) gives the numbers the same data give
// as a comma CSV, with a note; the JSON records the note too.
TEST(Cli, PoolReadsASemicolonSeparatedCsvWithDecimalCommas) {
  const auto comma = temp_file("pool_comma.csv", "study,events,n,age\nA,61,75,11.5\nB,12,20,30.25\nC,30,41,45\nD,8,19,9.5\n");
  const auto semi = temp_file("pool_semicolon.csv", "study;events;n;age\nA;61;75;11,5\nB;12;20;30,25\nC;30;41;45\nD;8;19;9,5\n");
  const std::vector<std::string> options{"--events", "events", "--n", "n", "--label", "study", "--moderator", "age", "--format", "json"};
  auto with = [&](const std::filesystem::path& file) {
    std::vector<std::string> args{"pool", file.string()};
    args.insert(args.end(), options.begin(), options.end());
    return run(args);
  };
  const auto a = with(comma);
  const auto b = with(semi);
  ASSERT_EQ(a.code, 0) << a.err;
  ASSERT_EQ(b.code, 0) << b.err;
  auto ja = nlohmann::json::parse(a.out);
  auto jb = nlohmann::json::parse(b.out);
  EXPECT_THAT(jb["notes"].dump(), HasSubstr("read as semicolon-separated"));
  ja.erase("notes");
  jb.erase("notes");
  EXPECT_EQ(ja, jb);
  EXPECT_THAT(b.out, HasSubstr("read as semicolon-separated"));
  EXPECT_THAT(a.out, Not(HasSubstr("semicolon")));
}

TEST(Cli, JsonHasTheContractKeys) {
  const auto r = run({"pool", example(), "--events", "crs_grade3plus_events", "--n", "crs_grade3plus_n",
                      "--label", "study_id", "--format", "json", "--method", "PM", "--test", "knha"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"k", "measure", "method", "test", "preset", "common", "random", "heterogeneity",
                          "studies", "convergence", "notes"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  for (const char* key : {"est", "se", "ci_lb", "ci_ub", "prop", "prop_ci_lb", "prop_ci_ub"}) {
    EXPECT_TRUE(j["common"].contains(key)) << key;
  }
  for (const char* key : {"est", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "prop", "prop_ci_lb", "prop_ci_ub",
                          "prop_pi_lb", "prop_pi_ub"}) {
    EXPECT_TRUE(j["random"].contains(key)) << key;
  }
  for (const char* key : {"tau2", "tau2_ci_lb", "tau2_ci_ub", "tau", "I2", "I2_ci_lb", "I2_ci_ub", "H2", "Q",
                          "Q_df", "Q_p"}) {
    EXPECT_TRUE(j["heterogeneity"].contains(key)) << key;
  }
  for (const char* key : {"label", "events", "n", "yi", "vi", "prop", "ci_lb", "ci_ub", "weight_common",
                          "weight_random"}) {
    EXPECT_TRUE(j["studies"][0].contains(key)) << key;
  }
  EXPECT_EQ(j["method"], "PM");
  EXPECT_EQ(j["test"], "knha");
  EXPECT_TRUE(j["convergence"]["converged"].get<bool>());
}

TEST(Cli, JsonNumbersRoundTrip) {
  const auto r = run({"pool", source_path("fixtures/datasets/pritz1997.csv").string(), "--events", "events",
                      "--n", "n", "--label", "label", "--format", "json", "--preset", "metafor"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto doc = load_json(source_path("fixtures/metafor/pritz1997.json"));
  for (const auto& fit : doc["fits"]) {
    if (fit["measure"] == "PLO" && fit["method"] == "REML" && fit["test"] == "z" && fit["level"] == 0.95) {
      EXPECT_TRUE(close_to(j["random"]["est"].get<double>(), fit["est"].get<double>(), kIterated, "est"));
      EXPECT_TRUE(close_to(j["heterogeneity"]["tau2"].get<double>(), fit["tau2"].get<double>(), kTau2, "tau2"));
    }
  }
}

// Issue 23: with --moderator, --influence gives the meta-regression's diagnostics (metafor's
// influence(rma(yi, vi, mods = ~ scq))), not the pooled model's; what only the pooled model has is
// refused beside --moderator instead of printed as if it were the regression's.
TEST(Cli, InfluenceWithAModeratorIsTheMetaRegressions) {
  const auto data = source_path("fixtures/datasets/mods_debruin.csv").string();
  const auto r = run({"pool", data, "--events", "events", "--n", "n", "--label", "label", "--moderator", "scq",
                      "--influence", "--method", "REML", "--test", "z", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto doc = load_json(source_path("fixtures/metafor/mods_debruin.json"));
  const nlohmann::json* ref = nullptr;
  for (const auto& e : doc["influence"]) {
    if (e["method"] == "REML" && e["test"] == "z" && e["moderators"] == "scq") ref = &e;
  }
  ASSERT_NE(ref, nullptr);
  const auto& rows = j.at("influence");
  ASSERT_EQ(rows.size(), (*ref)["hat"].size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i]["label"], (*ref)["labels"][i]);
    for (const char* key : {"hat", "rstudent", "dffits", "cook_d", "cov_r", "QE_del"}) {
      EXPECT_TRUE(close_to(rows[i][key].get<double>(), (*ref)[key][i].get<double>(), kIterated, key)) << i;
    }
    EXPECT_TRUE(close_to(rows[i]["tau2_del"].get<double>(), (*ref)["tau2_del"][i].get<double>(), kTau2, "tau2_del"));
    ASSERT_EQ(rows[i]["dfbetas"].size(), 2u);
    EXPECT_TRUE(close_to(rows[i]["dfbetas"][1].get<double>(), (*ref)["dfbetas"][1][i].get<double>(), kIterated, "dfbetas"));
  }
  for (const char* flag : {"--leave-one-out", "--bias"}) {
    const auto refused = run({"pool", data, "--events", "events", "--n", "n", "--moderator", "scq", flag});
    EXPECT_EQ(refused.code, 64) << flag;
    EXPECT_THAT(refused.err, HasSubstr("analyses the pooled model, not a meta-regression")) << flag;
  }
  const auto cumulative = run({"pool", data, "--events", "events", "--n", "n", "--moderator", "scq", "--cumulative", "year"});
  EXPECT_EQ(cumulative.code, 64);
}

// Issue 23: an ill-conditioned design (year not centred, and its product with latitude) converges
// and agrees with metafor, for the iterative and the closed-form estimators.
TEST(Cli, IllConditionedMetaRegressionAgreesWithMetafor) {
  const auto doc = load_json(source_path("fixtures/metafor/conditioning_bcg.json"));
  for (const auto& fit : doc["fits"]) {
    const std::string method = fit["method"];
    const auto r = run({"pool", source_path("fixtures/datasets/bcg_control.csv").string(), "--events", "cpos", "--n", "cn",
                        "--label", "trial", "--moderator", "ablat", "--moderator", "year", "--moderator", "ablat_year",
                        "--method", method, "--format", "json"});
    ASSERT_EQ(r.code, 0) << method << ": " << r.err;
    const auto j = nlohmann::json::parse(r.out);
    const auto& mr = j.at("metareg");
    EXPECT_TRUE(close_to(mr["tau2"].get<double>(), fit["tau2"].get<double>(), kTau2, "tau2")) << method;
    EXPECT_TRUE(close_to(mr["QE"].get<double>(), fit["QE"].get<double>(), kIterated, "QE")) << method;
    EXPECT_TRUE(close_to(mr["QM"].get<double>(), fit["QM"].get<double>(), kIterated, "QM")) << method;
    for (std::size_t c = 0; c < 4; ++c) {
      EXPECT_TRUE(close_to(mr["coefficients"][c]["est"].get<double>(), fit["beta"][c].get<double>(), kIterated, "beta"))
          << method << " " << c;
      EXPECT_TRUE(close_to(mr["coefficients"][c]["se"].get<double>(), fit["se"][c].get<double>(), kIterated, "se"))
          << method << " " << c;
    }
    EXPECT_THAT(r.out + r.err, Not(HasSubstr("did not converge"))) << method;
  }
}

// Issue 20: option values are names in any case, with the aliases metafor and meta users type.
TEST(Cli, OptionValuesIgnoreCaseAndTakeRsAliases) {
  const std::vector<std::string> base{"pool", example(), "--events", "cr_events", "--n", "cr_n", "--format", "json"};
  auto with = [&](std::vector<std::string> extra) {
    auto args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  };
  const auto canonical = with({"--measure", "PLO", "--method", "REML", "--test", "knha", "--preset", "meta"});
  ASSERT_EQ(canonical.code, 0) << canonical.err;
  const auto aliases = with({"--measure", "plogit", "--method", "reml", "--test", "HAKN", "--preset", "Meta"});
  ASSERT_EQ(aliases.code, 0) << aliases.err;
  EXPECT_EQ(nlohmann::json::parse(aliases.out)["random"], nlohmann::json::parse(canonical.out)["random"]);
  EXPECT_EQ(with({"--method", "glmm"}).code, 0);
  EXPECT_EQ(with({"--study-ci", "WS"}).code, 0);
  const auto unknown = with({"--method", "remll"});
  EXPECT_EQ(unknown.code, 64);
  EXPECT_THAT(unknown.err, HasSubstr("remll"));
}

TEST(Cli, ByGroupWritesJsonLinesAndCsvRows) {
  const auto file = temp_file("long.csv",
                              "outcome,study,x,n\ncr,A,8,10\ncr,B,15,20\ncr,C,28,30\ncrs,A,1,10\ncrs,B,0,20\n"
                              "crs,C,4,30\nmrd,A,,\n");
  auto r = run({"pool", file.string(), "--events", "x", "--n", "n", "--label", "study", "--by", "outcome",
                "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  std::vector<nlohmann::json> objects;
  while (std::getline(lines, line)) objects.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[0]["group"], "cr");
  EXPECT_EQ(objects[1]["group"], "crs");
  EXPECT_EQ(objects[1]["k"], 3);
  EXPECT_THAT(r.err, HasSubstr("group 'mrd' has no usable study"));

  r = run({"pool", file.string(), "--events", "x", "--n", "n", "--label", "study", "--by", "outcome",
           "--format", "csv"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("outcome,k,measure,method"));
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 3);
}

TEST(Cli, ByGroupStreamsInFileOrderWhateverTheThreadCount) {
  // 300 groups of k = 3..12 (more than one batch per thread), deterministic counts.
  std::string csv = "outcome,study,x,n\n";
  for (int g = 0; g < 300; ++g) {
    for (int i = 0; i < 3 + g % 10; ++i) {
      const int n = 10 + (g * 7 + i * 13) % 90;
      csv += fmt::format("o{},s{},{},{}\n", g, i, (g * 11 + i * 5) % (n + 1), n);
    }
  }
  const auto file = temp_file("batch.csv", csv);
  std::vector<std::string> outputs;
  for (const char* threads : {"1", "2", "3"}) {
    const auto r = run({"pool", file.string(), "--events", "x", "--n", "n", "--label", "study", "--by", "outcome",
                        "--format", "json", "--threads", threads});
    ASSERT_EQ(r.code, 0) << r.err;
    outputs.push_back(r.out);
  }
  EXPECT_EQ(outputs[0], outputs[1]);
  EXPECT_EQ(outputs[0], outputs[2]);
  std::istringstream lines(outputs[0]);
  std::string line;
  int count = 0;
  nlohmann::json group_157;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["group"], fmt::format("o{}", count));
    if (count == 157) group_157 = j;
    ++count;
  }
  EXPECT_EQ(count, 300);
  // A group pooled in the batch gives what the same rows give on their own.
  std::string alone = "outcome,study,x,n\n";
  std::istringstream rows(csv);
  while (std::getline(rows, line)) {
    if (line.rfind("o157,", 0) == 0) alone += line + "\n";
  }
  const auto single = run({"pool", temp_file("o157.csv", alone).string(), "--events", "x", "--n", "n", "--label", "study",
                           "--format", "json"});
  ASSERT_EQ(single.code, 0) << single.err;
  const auto j = nlohmann::json::parse(single.out);
  EXPECT_EQ(group_157["random"], j["random"]);
  EXPECT_EQ(group_157["heterogeneity"], j["heterogeneity"]);
}

TEST(Cli, ByGroupRowsMustBeTogether) {
  const auto file = temp_file("interleaved.csv", "outcome,study,x,n\ncr,A,8,10\ncr,B,15,20\ncrs,A,1,10\ncrs,B,0,20\n"
                                                 "cr,C,28,30\n");
  const auto out = std::filesystem::temp_directory_path() / "carta_cli_interleaved.json";
  std::filesystem::remove(out);
  const auto r = run({"pool", file.string(), "--events", "x", "--n", "n", "--label", "study", "--by", "outcome",
                      "--format", "json", "-o", out.string()});
  EXPECT_EQ(r.code, 65);
  EXPECT_THAT(r.err, HasSubstr("interleaved.csv:6: group 'cr' (column 'outcome') already appeared, up to line 3"));
  EXPECT_THAT(r.err, HasSubstr("sort the file by 'outcome'"));
  EXPECT_FALSE(std::filesystem::exists(out));  // nothing half-written
  for (const auto& entry : std::filesystem::directory_iterator(out.parent_path())) {
    EXPECT_EQ(entry.path().filename().string().rfind(".carta_cli_interleaved.json.tmp", 0), std::string::npos);
  }
}

TEST(Cli, ByGroupExclusionsAndEmptyKeys) {
  const auto file = temp_file("by_notes.csv", "outcome,study,x,n\ncr,A,8,10\ncr,B,15,20\ncr,C,28,30\n,D,1,10\n"
                                              "crs,A,1,10\ncrs,B,0,20\ncrs,C,4,30\n");
  auto r = run({"pool", file.string(), "--events", "x", "--n", "n", "--label", "study", "--by", "outcome",
                "--format", "json", "--exclude", "B"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["k"], 2) << j["group"];
    EXPECT_THAT(j["notes"].dump(), HasSubstr("excluded by request: B"));
  }
  EXPECT_THAT(r.err, HasSubstr("skipped 1 row(s) with an empty 'outcome' value: D (line 5)"));
  r = run({"pool", file.string(), "--events", "x", "--n", "n", "--label", "study", "--by", "outcome", "--exclude", "Z"});
  EXPECT_EQ(r.code, 64);
  EXPECT_THAT(r.err, HasSubstr("--exclude 'Z' matches no study label"));
  r = run({"pool", file.string(), "--events", "x", "--n", "n", "--label", "study", "--by", "outcom"});
  EXPECT_EQ(r.code, 65);
  EXPECT_THAT(r.err, HasSubstr("Did you mean 'outcome'?"));
  // Many rows without a group: counted, the first ten named.
  std::string many = "outcome,study,x,n\ncr,A,8,10\ncr,B,15,20\n";
  for (int i = 0; i < 12; ++i) many += fmt::format(",S{},1,10\n", i);
  r = run({"pool", temp_file("by_many_empty.csv", many).string(), "--events", "x", "--n", "n", "--label", "study", "--by",
           "outcome"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("skipped 12 row(s) with an empty 'outcome' value: S0 (line 4), S1 (line 5)"));
  EXPECT_THAT(r.err, HasSubstr("S9 (line 13) and 2 more"));
}

TEST(Cli, CsvStudyTable) {
  const auto r = run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--label", "study_id",
                      "--format", "csv"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("label,events,n,yi,vi,corrected,prop,ci_lb,ci_ub,weight_common,weight_random\n"));
  EXPECT_THAT(r.out, HasSubstr("\nMaude2014_NEJM,27,30,"));
}

TEST(Cli, OutputFileIsWritten) {
  const auto path = std::filesystem::temp_directory_path() / "carta_cli_test_out.json";
  std::filesystem::remove(path);
  const auto r = run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--label", "study_id",
                      "--format", "json", "-o", path.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(nlohmann::json::parse(read_text(path))["k"], 27);
}

TEST(Cli, HelpTeaches) {
  const auto r = run({"pool", "--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, HasSubstr("Presets"));
  EXPECT_THAT(r.out, HasSubstr("\nExamples ("));
  EXPECT_THAT(r.out, HasSubstr("--method"));
  EXPECT_EQ(run({"--version"}).code, 0);
}

// carta --version and every JSON output name the same build: the VERSION file, the git commit
// (or "unknown") and the build type (issue 22).
TEST(Cli, VersionNamesTheCommitAndBuildTypeAsTheJsonDoes) {
  std::string version = read_text(source_path("VERSION"));
  version.erase(version.find_last_not_of(" \r\n") + 1);
  const auto v = run({"--version"});
  ASSERT_EQ(v.code, 0) << v.err;
  const auto j = nlohmann::json::parse(
      run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--format", "json"}).out);
  EXPECT_EQ(j["carta_version"], version);
  const std::string commit = j["carta_commit"];
  const std::string build_type = j["carta_build_type"];
  EXPECT_FALSE(commit.empty());
  EXPECT_FALSE(build_type.empty());
  EXPECT_EQ(v.out, fmt::format("carta {} (commit {}, build type {})\n", version, commit, build_type));
}

TEST(Cli, UsageErrorsExit64) {
  auto r = run({});
  EXPECT_EQ(r.code, 64);
  EXPECT_THAT(r.err, HasSubstr("pool"));
  r = run({"pool", example(), "--events", "cr_events"});
  EXPECT_EQ(r.code, 64);
  EXPECT_THAT(r.err, HasSubstr("--n is required"));
  r = run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--method", "XYZ"});
  EXPECT_EQ(r.code, 64);
  EXPECT_THAT(r.err, HasSubstr("--method 'XYZ' is not one of: REML, DL"));
  r = run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--level", "150"});
  EXPECT_EQ(r.code, 64);
  EXPECT_THAT(r.err, HasSubstr("--level is 150"));
  r = run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--format", "xml"});
  EXPECT_EQ(r.code, 64);
}

TEST(Cli, BadDataExit65WithLocation) {
  const auto file = temp_file("bad.csv", "study,x,n\nA,3,10\nB,12,10\n");
  const auto r = run({"pool", file.string(), "--events", "x", "--n", "n", "--label", "study"});
  EXPECT_EQ(r.code, 65);
  EXPECT_THAT(r.err, HasSubstr("bad.csv:3:2 (column 'x'): events = 12 exceed n = 10"));
  const auto missing = run({"pool", example(), "--events", "cr_event", "--n", "cr_n"});
  EXPECT_EQ(missing.code, 65);
  EXPECT_THAT(missing.err, HasSubstr("Did you mean 'cr_events'?"));
}

TEST(Cli, MissingFileExit66) {
  const auto r = run({"pool", "/no/such/file.csv", "--events", "x", "--n", "n"});
  EXPECT_EQ(r.code, 66);
  EXPECT_THAT(r.err, HasSubstr("/no/such/file.csv: cannot open"));
}

// The test for subgroup differences under both conventions, each labelled; not-reported cells
// (NA, a token of --missing) are neither counts nor subgroup levels.
TEST(Cli, SubgroupTestConventionsAndMissingValues) {
  const auto dir = std::filesystem::temp_directory_path() / "carta_cli_subgroup_test";
  std::filesystem::create_directories(dir);
  const auto csv = (dir / "s.csv").string();
  std::ofstream(csv) << "label,x,n,g\nA,5,20,a\nB,7,25,a\nC,12,30,b\nD,3,12,b\nE,9,14,c\nF,NA,16,a\nG,4,16,NA\nH,6,18,?\n";
  const auto all = run({"pool", csv, "--events", "x", "--n", "n", "--label", "label", "--subgroup", "g"});
  ASSERT_EQ(all.code, 0) << all.err;
  EXPECT_THAT(all.out, HasSubstr("Test for subgroup differences (random effects, all 4 subgroups)"));  // a, b, c and '?'
  EXPECT_THAT(all.out, HasSubstr("skipped 1 row(s) that do not report this outcome"));
  EXPECT_THAT(all.out, HasSubstr("1 study with no 'g' reported"));
  const auto pooled = run({"pool", csv, "--events", "x", "--n", "n", "--label", "label", "--subgroup", "g",
                           "--subgroup-test", "pooled", "--missing", "NA,?"});
  ASSERT_EQ(pooled.code, 0) << pooled.err;
  EXPECT_THAT(pooled.out, HasSubstr("Test for subgroup differences (random effects, the 2 subgroups with at least 2 studies)"));
  EXPECT_THAT(pooled.out, HasSubstr("2 studies with no 'g' reported"));
  const auto bad = run({"pool", csv, "--events", "x", "--n", "n", "--subgroup", "g", "--subgroup-test", "some"});
  EXPECT_EQ(bad.code, 64);
  EXPECT_THAT(bad.err, HasSubstr("--subgroup-test 'some' is not one of: all, pooled"));
  std::filesystem::remove_all(dir);
}

TEST(Cli, SubgroupsModeratorsLeaveOneOutAndWhere) {
  const auto r = run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--label", "study_id", "--exclude",
                      "Turtle2016_JCI", "--exclude", "Fry2018_NatMed_CD22", "--exclude", "Gardner2017_Blood",
                      "--subgroup", "costimulatory_domain", "--moderator", "median_age_years", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto& sg = j.at("subgroups");
  EXPECT_EQ(sg["variable"], "costimulatory_domain");
  for (const char* key : {"levels", "Q_between", "Q_between_df", "Q_between_p", "QM", "QM_p"}) EXPECT_TRUE(sg.contains(key)) << key;
  for (const char* key : {"level", "k", "n", "est", "se", "ci_lb", "ci_ub", "prop", "prop_ci_lb", "prop_ci_ub", "tau2",
                          "I2", "pi_lb", "pi_ub"}) {
    EXPECT_TRUE(sg["levels"][0].contains(key)) << key;
  }
  EXPECT_THAT(sg["notes"][0].get<std::string>(), HasSubstr("with no 'costimulatory_domain' reported"));
  EXPECT_EQ(sg["subgroup_test"], "all");
  EXPECT_EQ(sg["levels_tested"], 3);
  const auto& mr = j.at("metareg");
  for (const char* key : {"coefficients", "tau2", "I2", "R2", "QM", "QM_df", "QM_p", "QE", "QE_df", "QE_p", "permutation"}) {
    EXPECT_TRUE(mr.contains(key)) << key;
  }
  EXPECT_EQ(mr["coefficients"][1]["name"], "median_age_years");
  for (const char* key : {"name", "est", "se", "z_or_t", "p", "ci_lb", "ci_ub"}) EXPECT_TRUE(mr["coefficients"][0].contains(key));
  const auto loo = run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--label", "study_id", "--exclude",
                        "Turtle2016_JCI", "--exclude", "Fry2018_NatMed_CD22", "--exclude", "Gardner2017_Blood",
                        "--leave-one-out", "--format", "json"});
  ASSERT_EQ(loo.code, 0) << loo.err;
  const auto l = nlohmann::json::parse(loo.out);
  EXPECT_EQ(l.at("leave_one_out").size(), 24u);
  EXPECT_EQ(l["leave_one_out"][0]["label"], "Maude2014_NEJM");

  const auto adults = run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--label", "study_id",
                           "--where", "population_group=adult", "--format", "json"});
  ASSERT_EQ(adults.code, 0) << adults.err;
  const auto a = nlohmann::json::parse(adults.out);
  // Exactly the adult trials that report complete remission, as counted from the table itself.
  const auto table = io::read_table(example());
  std::set<std::string> adult;
  for (const auto& row : table.rows) {
    if (row[table.column("population_group")] == "adult" && !row[table.column("cr_events")].empty()) {
      adult.insert(row[table.column("study_id")]);
    }
  }
  ASSERT_GE(adult.size(), 5u);
  std::set<std::string> got;
  for (const auto& s : a["studies"]) got.insert(s["label"].get<std::string>());
  EXPECT_EQ(got, adult);
  EXPECT_THAT(a["notes"][0].get<std::string>(), HasSubstr("--where population_group=adult"));
}

TEST(Cli, InfluenceCumulativeAndPermutations) {
  const auto r = run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--label", "study_id", "--exclude",
                      "Turtle2016_JCI", "--exclude", "Fry2018_NatMed_CD22", "--exclude", "Gardner2017_Blood",
                      "--influence", "--moderator", "median_age_years", "--permutations", "2000",
                      "--seed", "11", "--format", "json", "--progress"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  // The meta-regression's diagnostics: only the studies that report median age.
  EXPECT_EQ(j["influence_model"], "meta-regression");
  EXPECT_EQ(j.at("influence").size(), j["metareg"]["k"].get<std::size_t>());
  ASSERT_EQ(j["influence"][0]["dfbetas"].size(), 2u);
  const auto pooled = run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--label", "study_id", "--exclude",
                           "Turtle2016_JCI", "--exclude", "Fry2018_NatMed_CD22", "--exclude", "Gardner2017_Blood",
                           "--influence", "--cumulative", "year", "--format", "json"});
  ASSERT_EQ(pooled.code, 0) << pooled.err;
  const auto p = nlohmann::json::parse(pooled.out);
  EXPECT_EQ(p["influence_model"], "pooled");
  ASSERT_EQ(p.at("influence").size(), 24u);
  for (const char* key : {"label", "rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "QE_del", "hat", "weight",
                          "dfbetas", "influential", "baujat_x", "baujat_y"}) {
    EXPECT_TRUE(p["influence"][0].contains(key)) << key;
  }
  EXPECT_EQ(p["cumulative"]["order_column"], "year");
  EXPECT_EQ(p["cumulative"]["rows"][0]["added"], "Maude2014_NEJM");
  EXPECT_EQ(p["cumulative"]["rows"].back()["k"], 24);
  const auto& perm = j["metareg"]["permutation"];
  EXPECT_FALSE(perm["exact"].get<bool>());  // 8! = 40320 > 2000
  EXPECT_EQ(perm["iterations"], 2000);
  EXPECT_EQ(perm["seed"], 11);
  EXPECT_THAT(r.err, HasSubstr("permutation test 100% (2000 of 2000)"));  // --progress: progress on stderr
  // The same seed gives the same p-values.
  const auto again = run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--label", "study_id", "--exclude",
                          "Turtle2016_JCI", "--exclude", "Fry2018_NatMed_CD22", "--exclude", "Gardner2017_Blood",
                          "--moderator", "median_age_years", "--permutations", "2000", "--seed", "11", "--format", "json"});
  EXPECT_EQ(nlohmann::json::parse(again.out)["metareg"]["permutation"], perm);
  // Without --progress and with standard error not a terminal (as under ctest): no progress lines.
  EXPECT_THAT(again.err, Not(HasSubstr("permutation test")));
}

// Without --moderator, --permutations tests the pooled mean by flipping signs (metafor's permutest
// of an intercept-only model): here the 10 studies with a median age, 2^10 = 1024 patterns, exact.
TEST(Cli, SignFlipPermutationOfThePooledMean) {
  const auto r = run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--label", "study_id",
                      "--where", "median_age_years>=0", "--permutations", "2000", "--blup", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j.contains("permutation")) << r.out;
  const auto& perm = j["permutation"];
  EXPECT_EQ(perm["kind"], "sign_flip");
  const auto k = j["k"].get<int>();
  ASSERT_EQ(k, 10);
  EXPECT_TRUE(perm["exact"].get<bool>());
  EXPECT_EQ(perm["iterations"].get<double>(), std::ldexp(1.0, k));
  EXPECT_TRUE(perm["seed"].is_null());
  // Remission is far above 50% (logit 0) in every study: only the observed signs and their mirror
  // image are as extreme.
  EXPECT_DOUBLE_EQ(perm["coefficients"][0]["p"].get<double>(), 2.0 / std::ldexp(1.0, k));
  // --blup: each study shrunk towards the pooled estimate, its interval around it.
  for (const auto& s : j["studies"]) {
    const auto& b = s.at("blup");
    const double lambda = b["shrinkage"].get<double>();
    EXPECT_GT(lambda, 0.0);
    EXPECT_LT(lambda, 1.0);
    EXPECT_NEAR(b["est"].get<double>(), lambda * s["yi"].get<double>() + (1 - lambda) * j["random"]["est"].get<double>(), 1e-12);
    EXPECT_NEAR(b["ranef"].get<double>(), b["est"].get<double>() - j["random"]["est"].get<double>(), 1e-12);
    EXPECT_LT(b["prop_pi_lb"].get<double>(), b["prop"].get<double>());
    EXPECT_GT(b["prop_pi_ub"].get<double>(), b["prop"].get<double>());
  }
  const auto text = run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--where", "median_age_years>=0",
                         "--permutations", "1000", "--blup"});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("Sign-flip permutation test of the random-effects mean (1000 random sign patterns, seed"));
  EXPECT_THAT(text.out, HasSubstr("Study-specific true proportions (BLUPs"));
  const auto glmm = run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--method", "GLMM", "--permutations", "100"});
  EXPECT_EQ(glmm.code, 64);
  EXPECT_THAT(glmm.err, HasSubstr("--permutations"));
}

TEST(Cli, PredictAtModeratorValues) {
  const auto r = run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--label", "study_id", "--moderator",
                      "median_age_years", "--predict", "median_age_years=12", "--predict", "median_age_years=45",
                      "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  const auto& preds = doc["metareg"]["predictions"];
  ASSERT_EQ(preds.size(), 2u);
  EXPECT_EQ(preds[0]["at"]["median_age_years"], "12");
  // Age has a negative slope here: the younger population's predicted remission is higher.
  EXPECT_GT(preds[0]["prop"].get<double>(), preds[1]["prop"].get<double>());
  for (const char* key : {"est", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "prop", "prop_ci_lb", "prop_ci_ub"}) {
    EXPECT_TRUE(preds[0].contains(key)) << key;
  }
  const auto bad = run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--moderator", "costimulatory_domain",
                        "--predict", "costimulatory_domain=CD3"});
  EXPECT_EQ(bad.code, 64);
  EXPECT_THAT(bad.err, HasSubstr("not a level of 'costimulatory_domain'; the levels are: 4-1BB, CD28"));
}

TEST(Cli, BiasHasTheContractKeys) {
  const auto r = run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--label", "study_id", "--bias",
                      "--trimfill-estimator", "R0", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  const auto& b = doc.at("bias");
  for (const char* key : {"t", "df", "p", "limit_est"}) EXPECT_TRUE(b["egger"].contains(key)) << key;
  for (const char* key : {"z", "p"}) EXPECT_TRUE(b["egger_rma"].contains(key)) << key;
  for (const char* key : {"t", "df", "p", "convention"}) EXPECT_TRUE(b["peters"].contains(key)) << key;
  for (const char* key : {"tau", "p"}) EXPECT_TRUE(b["begg"].contains(key)) << key;
  for (const char* key : {"k0", "side", "est", "se", "ci_lb", "ci_ub", "prop", "filled"}) {
    EXPECT_TRUE(b["trimfill"].contains(key)) << key;
  }
  EXPECT_EQ(b["trimfill"]["estimator"], "R0");
  EXPECT_EQ(b["funnel"]["studies"].size(), 27u);
  EXPECT_EQ(b["funnel"]["contours"].size(), 3u);
  EXPECT_EQ(run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--bias", "--trimfill-estimator", "Q0"}).code, 64);
}

TEST(Cli, GlmmMethod) {
  const auto r = run({"pool", example(), "--events", "crs_grade3plus_events", "--n", "crs_grade3plus_n", "--label",
                      "study_id", "--method", "GLMM", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["method"], "GLMM");
  EXPECT_EQ(j["nagq"], 7);
  for (const char* key : {"loglik", "QE_wald", "QE_lrt", "QE_lrt_p", "mean_prop", "mean_prop_ci_lb"}) {
    EXPECT_TRUE(j["glmm"].contains(key)) << key;
  }
  EXPECT_TRUE(j["glmm"]["QE_wald"].is_null());  // 0/n studies: the Wald test is undefined
  EXPECT_TRUE(j["studies"][0]["weight_random"].is_null());
  EXPECT_GT(j["heterogeneity"]["tau2_ci_ub"].get<double>(), j["heterogeneity"]["tau2"].get<double>());
  const auto laplace = run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--method", "GLMM", "--nagq", "1",
                            "--test", "t", "--format", "json"});
  ASSERT_EQ(laplace.code, 0) << laplace.err;
  EXPECT_EQ(nlohmann::json::parse(laplace.out)["random"]["df"], 26);
  for (const auto& bad : std::vector<std::vector<std::string>>{{"--measure", "PFT"}, {"--test", "knha"}, {"--subgroup", "antigen_target"}}) {
    std::vector<std::string> args{"pool", example(), "--events", "cr_events", "--n", "cr_n", "--method", "GLMM"};
    args.insert(args.end(), bad.begin(), bad.end());
    EXPECT_EQ(run(args).code, 64) << bad[0];
  }
  const auto zeros = temp_file("zeros.csv", "study,x,n\nA,0,10\nB,0,12\n");
  const auto z = run({"pool", zeros.string(), "--events", "x", "--n", "n", "--method", "GLMM"});
  EXPECT_EQ(z.code, 70);
  EXPECT_THAT(z.err, HasSubstr("no finite estimate when every study has 0 events"));
}

TEST(Cli, BetaBinomialMethod) {
  const auto r = run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--label", "study_id", "--method", "BB",
                      "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["method"], "BB");
  EXPECT_TRUE(j["heterogeneity"]["tau2"].is_null());
  for (const char* key : {"pi", "pi_ci_lb", "pi_ci_ub", "pi_wald_lb", "rho", "rho_ci_lb", "rho_ci_ub", "theta", "lrt_p"}) {
    EXPECT_TRUE(j["beta_binomial"].contains(key)) << key;
  }
  EXPECT_DOUBLE_EQ(j["random"]["prop"].get<double>(), j["beta_binomial"]["pi"].get<double>());
  EXPECT_LT(j["random"]["prop_pi_lb"].get<double>(), j["random"]["prop_ci_lb"].get<double>());
  EXPECT_EQ(run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--method", "BB", "--test", "knha"}).code, 64);
  EXPECT_FALSE(j["beta_binomial"].contains("calibrated"));
}

TEST(Cli, BetaBinomialBootstrapInterval) {
  const auto r = run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--label", "study_id", "--method", "BB",
                      "--ci", "bootstrap", "--bootstrap-replicates", "400", "--seed", "7", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto& c = j.at("beta_binomial").at("calibrated");
  EXPECT_EQ(c["replicates"], 400);
  EXPECT_EQ(c["seed"], 7);
  EXPECT_LE(c["pi_lb"].get<double>(), j["random"]["prop_ci_lb"].get<double>() + 1e-3);
  const auto text = run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--method", "BB", "--ci", "bootstrap",
                         "--bootstrap-replicates", "400"});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("bootstrap-calibrated"));
  const auto few = run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--method", "BB", "--ci", "bootstrap",
                        "--bootstrap-replicates", "20"});
  EXPECT_EQ(few.code, 64);
  EXPECT_THAT(few.err, HasSubstr("at least 100"));
  const auto no_bb = run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--ci", "bootstrap"});
  EXPECT_EQ(no_bb.code, 64);
  EXPECT_THAT(no_bb.err, HasSubstr("--method BB"));
}

TEST(Cli, ExactInterval) {
  const auto r = run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--label", "study_id", "--where",
                      "antigen_target=CD22", "--exclude", "Fry2018_NatMed_CD22", "--ci", "exact", "--exact-draws", "2000",
                      "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto& e = j.at("exact_ci");
  EXPECT_EQ(e["draws"], 2000);
  // Two studies: the exact interval is far wider than the z interval.
  EXPECT_LT(e["lb"].get<double>(), j["random"]["ci_lb"].get<double>());
  EXPECT_GT(e["ub"].get<double>(), j["random"]["ci_ub"].get<double>());
  EXPECT_EQ(run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--ci", "bootstrap"}).code, 64);
  EXPECT_EQ(run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--ci", "exact", "--method", "GLMM"}).code, 64);
}

TEST(Cli, ModeratorErrorsAreClear) {
  const auto p = run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--predict", "median_age_years=20"});
  EXPECT_EQ(p.code, 64);
  EXPECT_THAT(p.err, HasSubstr("give at least one --moderator"));
  const auto r = run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--label", "study_id", "--moderator",
                      "product_nam"});
  EXPECT_EQ(r.code, 65);
  EXPECT_THAT(r.err, HasSubstr("Did you mean 'product_name'?"));
  const auto w = run({"pool", example(), "--events", "cr_events", "--n", "cr_n", "--where", "population_group"});
  EXPECT_EQ(w.code, 64);
  EXPECT_THAT(w.err, HasSubstr("has no comparison"));
}

TEST(Cli, TsvByExtension) {
  const auto file = temp_file("t.tsv", "study\tx\tn\nA\t3\t10\nB\t5\t12\n");
  const auto r = run({"pool", file.string(), "--events", "x", "--n", "n", "--label", "study", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["k"], 2);
}

std::string survival_fixture(const std::string& name) {
  return source_path("fixtures/datasets/survival/" + name).string();
}

// --s-ci says how the reported CIs of S were computed; the JSON records it, and study A's SE
// follows the formula of that scale (docs/methods/survival.md).
// --tau2-ci: metafor's confint types, shared by every pooling command.
TEST(Cli, Tau2IntervalOption) {
  auto with = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> args{"pool", example(), "--events", "cr_events", "--n", "cr_n", "--format", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  };
  const auto qp = with({});
  const auto pl = with({"--tau2-ci", "pl"});
  const auto wald = with({"--tau2-ci", "wald"});
  ASSERT_EQ(pl.code, 0) << pl.err;
  ASSERT_EQ(wald.code, 0) << wald.err;
  const auto h_qp = nlohmann::json::parse(qp.out)["heterogeneity"];
  const auto h_pl = nlohmann::json::parse(pl.out)["heterogeneity"];
  const auto h_wald = nlohmann::json::parse(wald.out)["heterogeneity"];
  EXPECT_EQ(h_qp["tau2_ci_method"], "Q-profile");
  EXPECT_EQ(h_pl["tau2_ci_method"], "profile likelihood");
  EXPECT_EQ(h_wald["tau2_ci_method"], "Wald");
  EXPECT_EQ(h_pl["tau2"], h_qp["tau2"]);  // the estimate does not change, only its interval
  EXPECT_NE(h_pl["tau2_ci_lb"], h_qp["tau2_ci_lb"]);
  EXPECT_LT(h_pl["tau2_ci_lb"].get<double>(), h_pl["tau2"].get<double>());
  EXPECT_GT(h_pl["tau2_ci_ub"].get<double>(), h_pl["tau2"].get<double>());
  const double z = 1.959963984540054;
  EXPECT_NEAR(h_wald["tau2_ci_ub"].get<double>(), h_wald["tau2"].get<double>() + z * h_wald["tau2_se"].get<double>(), 1e-12);
  // I^2's interval follows the tau^2 bounds (metafor's confint).
  EXPECT_NEAR(h_pl["I2_ci_ub"].get<double>(), 100 * h_pl["tau2_ci_ub"].get<double>() /
                                                   (h_pl["tau2_ci_ub"].get<double>() + h_pl["typical_variance"].get<double>()),
              1e-9);
  const auto bad = with({"--tau2-ci", "bootstrap"});
  EXPECT_EQ(bad.code, 64);
  EXPECT_THAT(bad.err, HasSubstr("qp, pl, wald"));
  // A one-stage model has its own (profile-likelihood) interval: the option is refused, not ignored.
  const auto glmm = with({"--method", "GLMM", "--tau2-ci", "wald"});
  EXPECT_EQ(glmm.code, 64);
  EXPECT_THAT(glmm.err, HasSubstr("always gives its profile-likelihood interval"));
  EXPECT_EQ(nlohmann::json::parse(with({"--method", "GLMM"}).out)["heterogeneity"]["tau2_ci_method"], "profile likelihood");
  for (const char* command : {"pool", "survival", "compare"}) {
    EXPECT_THAT(run({command, "--help"}).out, HasSubstr("--tau2-ci")) << command;
    EXPECT_THAT(run({command, "--help"}).out, HasSubstr("--trimfill-estimator")) << command;
  }
  // carta compare --bias: Peters' test from both arms' patients, in the text too.
  const auto bias = run({"compare", source_path("examples/comparative/bcg.csv"), "--label", "trial", "--events-1", "tpos",
                         "--n-1", "tn", "--events-2", "cpos", "--n-2", "cn", "--measure", "OR", "--bias",
                         "--trimfill-estimator", "R0"});
  ASSERT_EQ(bias.code, 0) << bias.err;
  EXPECT_THAT(bias.out, HasSubstr("Peters' test (regression on 1/n, n = both arms): t = -1.477, df = 11"));
  EXPECT_THAT(bias.out, HasSubstr("Trim-and-fill (R0)"));
}

TEST(Cli, SurvivalCiScaleOption) {
  auto with = [&](const std::string& scale) {
    return run({"survival", survival_fixture("worked_example.csv"), "--label", "study", "--s", "s", "--s-lb", "s_lb",
                "--s-ub", "s_ub", "--s-time", "s_time", "--s-ci", scale, "--format", "json"});
  };
  const auto log = with("log");
  ASSERT_EQ(log.code, 0) << log.err;
  const auto j = nlohmann::json::parse(log.out);
  EXPECT_EQ(j["s_ci"], "log");
  const double z = 1.959963984540054;
  const double expected = (std::log(0.72) - std::log(0.45)) / (2 * z) / std::abs(std::log(0.60));
  EXPECT_NEAR(j["studies"][0]["se"].get<double>(), expected, 1e-12);
  EXPECT_EQ(nlohmann::json::parse(with("LOG-LOG").out)["s_ci"], "log-log");
  const auto bad = with("arcsine");
  EXPECT_EQ(bad.code, 64);
  EXPECT_THAT(bad.err, HasSubstr("log-log, log, plain"));
}

TEST(Cli, SurvivalWorkedExampleJson) {
  const auto r = run({"survival", survival_fixture("worked_example.csv"), "--label", "study", "--s", "s", "--s-lb",
                      "s_lb", "--s-ub", "s_ub", "--s-time", "s_time", "--median", "median", "--median-lb",
                      "median_lb", "--median-ub", "median_ub", "--events", "events", "--person-time", "person_time",
                      "--method", "DL", "--at", "12,24", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"log_hazard", "survival", "median", "heterogeneity", "studies", "sensitivity_cloglog",
                          "warnings", "convergence"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_NEAR(j["log_hazard"]["est"].get<double>(), -2.8993, 5e-5);
  EXPECT_NEAR(j["log_hazard"]["se"].get<double>(), 0.1735, 5e-5);
  ASSERT_EQ(j["survival"].size(), 2u);
  EXPECT_EQ(j["survival"][0]["time"].get<double>(), 12.0);
  for (const char* key : {"est", "ci_lb", "ci_ub", "pi_lb", "pi_ub"}) EXPECT_TRUE(j["survival"][0].contains(key));
  EXPECT_LT(j["median"]["ci_lb"].get<double>(), j["median"]["est"].get<double>());
  EXPECT_EQ(j["studies"][1]["source"], "median_ci");
  EXPECT_EQ(j["studies"][2]["source"], "events_person_time");
  EXPECT_NEAR(j["heterogeneity"]["I2"].get<double>(), 54.5, 0.05);
  // S(24) lies beyond every reported time: the extrapolation warning is in the output.
  EXPECT_THAT(j["warnings"].dump(), HasSubstr("S(24) extrapolates"));
}

TEST(Cli, SurvivalTextPercentColumnsAndErrors) {
  const auto table = temp_file("os.csv", "study,os12,n\nA,52,21\nB,69.5,43\nC,76,75\nD,,30\n");
  const auto r = run({"survival", table.string(), "--label", "study", "--s", "os12", "--s-time", "12", "--n", "n"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("read as percent"));
  EXPECT_THAT(r.err, HasSubstr("D (line 5)"));
  EXPECT_THAT(r.out, HasSubstr("survival_n"));
  EXPECT_THAT(r.out, HasSubstr("S(12) (random)"));
  const auto bad = temp_file("os_bad.csv", "study,os12,n\nA,0.5,21\nB,0,5,43\n");
  const auto b = run({"survival", bad.string(), "--label", "study", "--s", "os12", "--s-time", "12", "--n", "n"});
  EXPECT_EQ(b.code, 65);
  const auto comma = temp_file("os_comma.csv", "study,os12,n\nA,0.5,21\nB,\"0,5\",43\n");
  const auto c = run({"survival", comma.string(), "--label", "study", "--s", "os12", "--s-time", "12", "--n", "n"});
  EXPECT_EQ(c.code, 65);
  EXPECT_THAT(c.err, HasSubstr(":3:2 (column 'os12')"));
  EXPECT_THAT(c.err, HasSubstr("decimals with a point"));
  const auto none = run({"survival", table.string(), "--label", "study"});
  EXPECT_EQ(none.code, 64);
  EXPECT_THAT(none.err, HasSubstr("nothing to pool"));
  const auto no_time = run({"survival", table.string(), "--label", "study", "--s", "os12", "--n", "n"});
  EXPECT_EQ(no_time.code, 64);
  EXPECT_THAT(no_time.err, HasSubstr("--s-time"));
}

TEST(Cli, SurvivalBiasForestFunnelAndCurve) {
  const auto forest = std::filesystem::temp_directory_path() / "carta_cli_test_surv_forest.svg";
  const auto funnel = std::filesystem::temp_directory_path() / "carta_cli_test_surv_funnel.svg";
  const auto r = run({"survival", survival_fixture("mixed_sources.csv"), "--label", "study", "--s", "s", "--s-lb", "s_lb",
                      "--s-ub", "s_ub", "--s-time", "s_time", "--n", "n", "--median", "median", "--median-lb",
                      "median_lb", "--median-ub", "median_ub", "--events", "events", "--person-time", "person_time",
                      "--bias", "--forest", forest.string(), "--funnel", funnel.string(), "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j.contains("bias"));
  EXPECT_TRUE(j["bias"].contains("egger"));
  EXPECT_EQ(j["bias"].dump().find("prop"), std::string::npos);  // no proportion back-transformations
  // Some studies do not give n: no Peters test, and a note says why.
  EXPECT_FALSE(j["bias"].contains("peters") && !j["bias"]["peters"].is_null());
  EXPECT_THAT(j["bias"]["notes"].dump(), HasSubstr("need every study's sample size"));
  // Every study with its n: Peters' test (1/n) and the regression on 1/sqrt(n); R0 asked for.
  const auto sized = temp_file("sized.csv", "study,s,s_lb,s_ub,s_time,n\nA,0.55,0.40,0.68,12,45\nB,0.70,0.52,0.83,12,30\n"
                                            "C,0.35,0.22,0.48,24,60\nD,0.80,0.55,0.92,6,18\nE,0.62,0.50,0.72,12,90\n");
  const auto b = run({"survival", sized.string(), "--label", "study", "--s", "s", "--s-lb", "s_lb", "--s-ub", "s_ub",
                      "--s-time", "s_time", "--n", "n", "--bias", "--trimfill-estimator", "R0", "--format", "json"});
  ASSERT_EQ(b.code, 0) << b.err;
  const auto bj = nlohmann::json::parse(b.out)["bias"];
  ASSERT_TRUE(bj["peters"].is_object()) << bj.dump();
  EXPECT_EQ(bj["peters"]["df"], 3);
  ASSERT_TRUE(bj["inverse_sqrt_n"].is_object());
  EXPECT_EQ(bj["trimfill"]["estimator"], "R0");
  const auto bt = run({"survival", sized.string(), "--label", "study", "--s", "s", "--s-lb", "s_lb", "--s-ub", "s_ub",
                       "--s-time", "s_time", "--n", "n", "--bias"});
  EXPECT_THAT(bt.out, HasSubstr("Peters test (1/n): t = "));
  EXPECT_THAT(bt.out, HasSubstr("trim-and-fill (L0)"));
  EXPECT_EQ(run({"survival", sized.string(), "--label", "study", "--s", "s", "--s-time", "s_time", "--n", "n", "--bias",
                 "--trimfill-estimator", "Q0"}).code, 64);
  EXPECT_EQ(run({"survival", sized.string(), "--label", "study", "--s", "s", "--s-time", "s_time", "--n", "n",
                 "--trimfill-estimator", "Q0"}).code, 64);  // checked even without --bias
  const std::string svg = read_text(forest);
  EXPECT_THAT(svg, HasSubstr("S(12) (%)"));
  EXPECT_THAT(svg, HasSubstr(">median<"));
  EXPECT_THAT(read_text(funnel), HasSubstr("Log hazard"));
  // The pooled curve from a long table.
  const auto long_table = temp_file("long.csv", "study,month,surv,at_risk\nA,0,100,50\nA,6,80,38\nA,12,64,30\n"
                                                "B,0,100,40\nB,6,70,27\nB,12,55,20\nC,0,100,30\nC,6,85,24\n");
  const auto c = run({"survival-curve", long_table.string(), "--study", "study", "--time", "month", "--s", "surv",
                      "--n-risk", "at_risk", "--format", "json"});
  ASSERT_EQ(c.code, 0) << c.err;
  const auto cj = nlohmann::json::parse(c.out);
  ASSERT_EQ(cj["curve"].size(), 3u);
  EXPECT_EQ(cj["curve"][2]["k"].get<int>(), 2);  // C stops at 6 months
  EXPECT_GT(cj["curve"][1]["random"]["est"].get<double>(), cj["curve"][2]["random"]["est"].get<double>());
  const auto missing = run({"survival-curve", long_table.string(), "--study", "study"});
  EXPECT_EQ(missing.code, 64);
}

TEST(Cli, RiskOfBiasWritesFiguresAndJson) {
  const auto csv = temp_file("rob2.csv", "study,D1,D2,D3,D4,D5,overall,weight\nA,low,low,low,low,low,low,50\n"
                                         "B,some concerns,low,high,low,low,high,20\n");
  const auto dir = std::filesystem::temp_directory_path() / "carta_cli_test_rob";
  std::filesystem::remove_all(dir);
  const auto r = run({"rob", csv.string(), "--tool", "rob2", "--out", dir.string(), "--weighted"});
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* f : {"traffic_light.svg", "traffic_light.png", "traffic_light.pdf", "summary.svg", "summary.png",
                        "summary.pdf", "rob.json"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / f)) << f;
  }
  const auto j = nlohmann::json::parse(read_text(dir / "rob.json"));
  EXPECT_EQ(j["studies"][1]["overall"], "High");
  EXPECT_NEAR(j["summary"]["domains"][5]["share"]["Low"].get<double>(), 50.0 / 70.0, 1e-12);
  const auto bad = temp_file("rob_bad.csv", "study,D1,D2,D3,D4,D5\nA,low,low,lo,low,low\n");
  const auto b = run({"rob", bad.string(), "--tool", "rob2", "--out", dir.string()});
  EXPECT_EQ(b.code, 65);
  EXPECT_THAT(b.err, HasSubstr(":2:4 (column 'D3'): 'lo' is not a rob2 judgement"));
  const auto tool = run({"rob", csv.string(), "--tool", "cochrane", "--out", dir.string()});
  EXPECT_EQ(tool.code, 64);
  EXPECT_THAT(tool.err, HasSubstr("known: rob2, rob2-cluster, rob1, robins-i, robins-e, quadas-2, quips, ihe, nos, generic"));
}

// robvis's data as review teams have it: its column names (Study, D1.., Overall, Weight), its
// spellings and the reviewers' overall judgements, kept where they differ from the tool's rule.
TEST(Cli, RiskOfBiasRobvisDataLoadsAsIs) {
  const auto csv = temp_file("robins_i.csv",
                             "Study,D1,D2,D3,D4,D5,D6,D7,Overall,Weight\n"
                             "Study 1,Moderate,Critical,Low,Low,Moderate,Moderate,Moderate,Critical,33\n"
                             "Study 2,Moderate,No information,Moderate,Low,Low,Low,Moderate,Moderate,12\n"
                             "Study 3,Serious,Moderate,Low,Low,Moderate,Moderate,Low,Serious,20\n");
  const auto dir = std::filesystem::temp_directory_path() / "carta_cli_test_rob_robvis";
  std::filesystem::remove_all(dir);
  const auto r = run({"rob", csv.string(), "--tool", "ROBINS-I", "--out", dir.string(), "--weighted"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("note: Study 2: the reviewers' overall judgement is 'Moderate'"));
  EXPECT_THAT(r.out, HasSubstr("give 'No information'; carta keeps the reviewers' judgement"));
  const auto j = nlohmann::json::parse(read_text(dir / "rob.json"));
  EXPECT_EQ(j["tool"], "robins-i");
  EXPECT_EQ(j["studies"][1]["overall"], "Moderate");
  EXPECT_EQ(j["studies"][1]["overall_by_rule"], "No information");
  EXPECT_EQ(j["studies"][1]["overall_source"], "reviewers");
  EXPECT_EQ(j["studies"][1]["weight"], 12.0);
  // Each new tool end to end.
  const std::pair<const char*, const char*> tools[] = {
      {"QUADAS-2", "Study,D1,D2,D3,D4,Overall\nA,Low,Some concerns,Low,Low,Some concerns\n"},
      {"QUIPS", "Study,D1,D2,D3,D4,D5,D6,Overall\nA,Low,Moderate,Low,Low,Low,Low,Low\n"},
      {"ROB1", "Study,D1,D2,D3,D4,D5,D6,D7,Overall\nA,Low,Unclear,Low,Low,Low,Low,Low,Unclear\n"},
      {"ROBINS-E", "Study,D1,D2,D3,D4,D5,D6,D7,Overall\nA,Low,Very high,Low,Low,Low,Low,Low,Very high\n"},
      {"ROB2-Cluster", "Study,D1,D1b,D2,D3,D4,D5,Overall\nA,Low,Not applicable,Low,Low,Low,Low,Low\n"}};
  for (const auto& [tool, text] : tools) {
    const auto file = temp_file(std::string("tool_") + tool + ".csv", text);
    const auto t = run({"rob", file.string(), "--tool", tool, "--out", dir.string()});
    EXPECT_EQ(t.code, 0) << tool << ": " << t.err;
    EXPECT_THAT(t.out, ::testing::Not(HasSubstr("note:"))) << tool;
  }
}

// Regression (issue 20): a stray column was ignored and a repeated one silently won.
TEST(Cli, RiskOfBiasUnknownAndRepeatedColumns) {
  const auto dir = std::filesystem::temp_directory_path() / "carta_cli_test_rob_columns";
  std::filesystem::remove_all(dir);
  const auto stray = temp_file("rob_stray.csv", "Study,D1,D2,D3,D4,D5,Notes\nA,low,low,low,low,low,see text\n");
  const auto r = run({"rob", stray.string(), "--tool", "rob2", "--out", dir.string()});
  EXPECT_EQ(r.code, 65);
  EXPECT_THAT(r.err, HasSubstr("rob_stray.csv:1:7: column 'Notes' is not a domain of RoB 2"));
  EXPECT_FALSE(std::filesystem::exists(dir / "rob.json"));
  EXPECT_EQ(run({"rob", stray.string(), "--tool", "rob2", "--out", dir.string(), "--ignore", "Notes"}).code, 0);
  const auto twice = temp_file("rob_twice.csv", "Study,D1,D2,D3,D4,D5,D3\nA,low,low,low,low,low,high\n");
  const auto t = run({"rob", twice.string(), "--tool", "rob2", "--out", dir.string()});
  EXPECT_EQ(t.code, 65);
  EXPECT_THAT(t.err, HasSubstr("rob_twice.csv:1:7: column 'D3' is domain D3 ('Bias due to missing outcome data') again"));
}

// Regression (issue 20): 600 studies made a traffic light taller than the renderer allows. Now
// one figure of blocks side by side, drawn as SVG, PNG and PDF.
TEST(Cli, RiskOfBiasSixHundredStudies) {
  std::string csv = "Study,D1,D2,D3,D4,D5,Overall\n";
  for (int i = 1; i <= 600; ++i) {
    csv += "Trial " + std::to_string(i) + (i % 7 == 0 ? ",high" : ",low") + ",low,some concerns,low,low,\n";
  }
  const auto file = temp_file("rob600.csv", csv);
  const auto dir = std::filesystem::temp_directory_path() / "carta_cli_test_rob600";
  std::filesystem::remove_all(dir);
  const auto r = run({"rob", file.string(), "--tool", "rob2", "--out", dir.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("600 studies"));
  const std::string svg = read_text(dir / "traffic_light.svg");
  EXPECT_EQ(svg.find("class=\"block\"") != std::string::npos, true);
  // The PNG's own size (IHDR), within cairo's image limit.
  std::ifstream png(dir / "traffic_light.png", std::ios::binary);
  unsigned char header[24] = {};
  png.read(reinterpret_cast<char*>(header), sizeof header);
  const auto be32 = [&](int at) {
    return (std::uint32_t{header[at]} << 24) | (std::uint32_t{header[at + 1]} << 16) | (std::uint32_t{header[at + 2]} << 8) |
           std::uint32_t{header[at + 3]};
  };
  EXPECT_GT(be32(16), 0u);
  EXPECT_LE(be32(16), 32767u);
  EXPECT_LE(be32(20), 32767u);
  EXPECT_GT(std::filesystem::file_size(dir / "traffic_light.pdf"), 1000u);
  const auto j = nlohmann::json::parse(read_text(dir / "rob.json"));
  EXPECT_EQ(j["studies"].size(), 600u);
}

TEST(Cli, ScreeningAndPrisma) {
  const auto log = temp_file("screening.csv",
                             "record,stage,reviewer,decision,reason\n"
                             "a,title_abstract,A,include,\na,title_abstract,B,include,\n"
                             "b,title_abstract,A,include,\nb,title_abstract,B,exclude,\nb,title_abstract,adjudicator,include,\n"
                             "c,title_abstract,A,exclude,\nc,title_abstract,B,exclude,\n"
                             "a,full_text,A,include,\na,full_text,B,include,\n"
                             "b,full_text,A,exclude,Review article\nb,full_text,B,exclude,Review article\n");
  const auto dir = std::filesystem::temp_directory_path() / "carta_cli_test_screening";
  std::filesystem::remove_all(dir);
  const auto r = run({"screening", log.string(), "--database", "PubMed=4", "--duplicates", "1", "--out", dir.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("title/abstract        3 records:      2 included,      1 excluded"));
  EXPECT_THAT(r.out, HasSubstr("Cohen's kappa 0.400"));
  EXPECT_THAT(r.out, HasSubstr("PRISMA 2020: identified 4, removed 1, screened 3"));
  for (const char* f : {"screening.json", "conflicts.csv", "prisma.csv", "prisma.svg", "prisma.png", "prisma.pdf"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / f)) << f;
  }
  // The counts written by screening draw again with carta prisma.
  const auto p = run({"prisma", (dir / "prisma.csv").string(), "--out", (dir / "again.svg").string()});
  ASSERT_EQ(p.code, 0) << p.err;
  EXPECT_EQ(read_text(dir / "again.svg"), read_text(dir / "prisma.svg"));
  // A search total that disagrees with the log is refused.
  const auto wrong = run({"screening", log.string(), "--database", "PubMed=9", "--duplicates", "1"});
  EXPECT_EQ(wrong.code, 65);
  EXPECT_THAT(wrong.err, HasSubstr("box 'Records screened' (records_screened) is 3"));
  // Identification from the search exports and the dedup result: 6 records, 2 duplicates.
  const auto dups = temp_file("dups.csv", "record,kept,reason,score\nx1,y1,doi,1\nx2,y2,fuzzy,0.95\n");
  const auto from_files = run({"screening", log.string(), "--search", source_path("fixtures/records/embase.ris").string(),
                               "--search", "PubMed=" + source_path("fixtures/records/pubmed.nbib").string(), "--dedup",
                               dups.string()});
  EXPECT_EQ(from_files.code, 65);  // 6 - 2 = 4 identified for screening, but the log screened 3
  EXPECT_THAT(from_files.err, HasSubstr("identified 6 - duplicates 2"));
  const auto bad = run({"screening", log.string(), "--database", "PubMed"});
  EXPECT_EQ(bad.code, 64);
  EXPECT_THAT(bad.err, HasSubstr("write NAME=N"));
}

// The examples of `carta screening --help` run as printed (from the source folder), so they
// cannot rot.
TEST(Cli, ScreeningHelpExamplesRun) {
  const auto help = run({"screening", "--help"});
  ASSERT_EQ(help.code, 0);
  EXPECT_THAT(help.out, HasSubstr("Rayyan's CSV export"));
  EXPECT_THAT(help.out, HasSubstr("--reviewers"));
  std::istringstream lines(help.out);
  const auto dir = test_folder("screening_help");
  int examples = 0;
  for (std::string line; std::getline(lines, line);) {
    const auto at = line.find("carta screening ");
    if (at == std::string::npos || line.substr(0, at).find_first_not_of(' ') != std::string::npos) continue;
    std::istringstream words(line.substr(at + 6));
    std::vector<std::string> args;
    for (std::string w; words >> w;) {
      const auto eq = w.find('=');
      const std::string path = eq == std::string::npos ? w : w.substr(eq + 1);
      if (path.rfind("examples/", 0) == 0) w = w.substr(0, w.size() - path.size()) + source_path(path).string();
      if (!args.empty() && (args.back() == "--out" || args.back() == "--out-dir")) w = (dir / w).string();
      args.push_back(w);
    }
    const auto r = run(args);
    EXPECT_EQ(r.code, 0) << line << "\n" << r.err;
    ++examples;
  }
  EXPECT_EQ(examples, 2);
  // The first example is a finished two-stage Rayyan review: its PRISMA counts are drawn.
  EXPECT_TRUE(std::filesystem::exists(dir / "screening" / "prisma.svg"));
  const auto j = nlohmann::json::parse(read_text(dir / "screening" / "screening.json"));
  EXPECT_EQ(j["format"], "Rayyan export");
  EXPECT_EQ(j["title_abstract"]["records"], 8);
  EXPECT_EQ(j["full_text"]["included"], 3);
  EXPECT_EQ(j["labels"][0]["label"], "adult");
  EXPECT_EQ(j["labels"][0]["records"], 2);
  EXPECT_EQ(j["reviewers"]["title_abstract"], 2);
  EXPECT_EQ(j["sources"].size(), 2u);
}

TEST(Cli, ScreeningRayyanOneReviewer) {
  const auto pilot = temp_file("rayyan_pilot.csv",
                               "key,title,notes\n"
                               "rayyan-1,One,\"RAYYAN-INCLUSION: {\"\"Sam\"\"=>\"\"Included\"\"}\"\n"
                               "rayyan-2,Two,\"RAYYAN-INCLUSION: {\"\"Sam\"\"=>\"\"Excluded\"\"}\"\n"
                               "rayyan-3,Three,\n");
  const auto dual = run({"screening", pilot.string()});
  ASSERT_EQ(dual.code, 0) << dual.err;
  EXPECT_THAT(dual.out, HasSubstr("title/abstract        3 records:      0 included,      0 excluded,    0 conflicts,    2 "
                                  "awaiting a second vote, 1 not yet screened"));
  EXPECT_THAT(dual.out, HasSubstr("give --reviewers 1"));
  const auto one = run({"screening", pilot.string(), "--reviewers", "1"});
  ASSERT_EQ(one.code, 0) << one.err;
  EXPECT_THAT(one.out, HasSubstr("read " + pilot.string() + " (Rayyan export, title/abstract: 3 records, 2 decisions, 1 not "
                                 "yet screened)"));
  EXPECT_THAT(one.out, HasSubstr("one-reviewer mode"));
  EXPECT_THAT(one.out, HasSubstr("title/abstract        3 records:      1 included,      1 excluded,    0 conflicts,    0 "
                                 "awaiting a second vote, 1 not yet screened"));
  EXPECT_THAT(one.out, HasSubstr("only one reviewer (Sam) voted"));
  // Per stage: dual screening at title/abstract, one reviewer at full text.
  const auto mixed = run({"screening", pilot.string(), "--reviewers", "2", "--reviewers", "full_text=1"});
  ASSERT_EQ(mixed.code, 0) << mixed.err;
  EXPECT_THAT(mixed.out, HasSubstr("one-reviewer mode: 2 vote(s) decide at title/abstract, 1 at full text"));
}

TEST(Cli, ScreeningCovidenceLists) {
  const auto dir = test_folder("covidence");
  const std::string header = "Title,Authors,Abstract,Published Year,Journal,DOI,Ref,Covidence #,Study,Notes,Tags\n";
  auto list = [&](const std::string& name, const std::string& rows) {
    std::ofstream(dir / name, std::ios::binary) << header << rows;
    return (dir / name).string();
  };
  const auto r = run({"screening",
                      list("review_9_irrelevant_csv_20240301.csv", "T1,A,,2020,J,,,#1,,,\nT2,A,,2020,J,,,#2,,,\n"),
                      list("review_9_excluded_csv_20240301.csv",
                           "T3,A,,2020,J,,,#3,,Exclusion reason: Wrong comparator; ,Adult\n"),
                      list("review_9_included_csv_20240301.csv", "T4,A,,2020,J,,,#4,Maude 2018,,Adult\n"),
                      list("review_9_screen_csv_20240301.csv", ""), list("review_9_select_csv_20240301.csv", ""),
                      "--database", "Embase=5", "--duplicates", "1", "--out", (dir / "out").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("title/abstract        4 records:      2 included,      2 excluded"));
  EXPECT_THAT(r.out, HasSubstr("\n     1  Wrong comparator\n"));
  EXPECT_THAT(r.out, HasSubstr("Tags (records)\n     2  Adult"));
  EXPECT_THAT(r.out, HasSubstr("not the reviewers' votes"));
  EXPECT_THAT(r.out, HasSubstr("PRISMA 2020: identified 5, removed 1, screened 4, excluded 2, sought 2"));
  EXPECT_THAT(read_text(dir / "out" / "prisma.csv"), HasSubstr("dbr_excluded,\"Wrong comparator, 1\""));
}

TEST(Cli, ScreeningConflictsSayWhy) {
  const auto log = temp_file("screening_studies.csv",
                             "record,stage,reviewer,decision,reason,study\n"
                             "p,title_abstract,A,include,,\np,title_abstract,B,include,,\n"
                             "p,full_text,A,include,,ELIANA\np,full_text,B,include,,ENSIGN\n");
  const auto dir = test_folder("screening_why");
  const auto r = run({"screening", log.string(), "--out", (dir / "out").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string conflicts = read_text(dir / "out" / "conflicts.csv");
  EXPECT_THAT(conflicts, HasSubstr("record,stage,status,votes,why\n"));
  EXPECT_THAT(conflicts, HasSubstr("p,full_text,conflict,A: include; B: include,"
                                   "\"assigned to different studies: 'ELIANA' (A), 'ENSIGN' (B)"));
  // Two tools' files in one run are refused.
  const auto rayyan = temp_file("rayyan_mixed.csv", "key,notes\nr1,\n");
  const auto mixed = run({"screening", log.string(), rayyan.string()});
  EXPECT_EQ(mixed.code, 65);
  EXPECT_THAT(mixed.err, HasSubstr("is a carta decision log but"));
}

TEST(Cli, ReconcileDualExtraction) {
  const auto a = temp_file("ext_a.csv", "study,n,cr,target,extra_a\nELIANA,75,61,CD19,x\nZUMA-3,55,39,CD19,y\nOnlyA,10,5,CD22,z\n");
  const auto b = temp_file("ext_b.csv", "study,target,n,cr\neliana ,cd19,75.0,61\nZUMA-3,CD19,55,40\nOnlyB,CD22,8,4\n");
  const auto merged = std::filesystem::temp_directory_path() / "carta_cli_test_merged.csv";
  const auto conflicts = std::filesystem::temp_directory_path() / "carta_cli_test_conflicts.csv";
  const auto r = run({"reconcile", a.string(), b.string(), "--key", "study", "--out", merged.string(), "--conflicts",
                      conflicts.string()});
  EXPECT_EQ(r.code, 1);  // the tables disagree
  EXPECT_THAT(r.out, HasSubstr("2 rows in both, 6 cells compared, 5 agree"));
  EXPECT_THAT(r.out, HasSubstr("'ZUMA-3' cr: '39'"));
  EXPECT_THAT(r.out, HasSubstr("column 'extra_a' only in"));
  EXPECT_THAT(r.out, HasSubstr("'OnlyB' is only in"));
  // Nothing is dropped: one-sided rows and columns are kept, and flagged.
  EXPECT_EQ(read_text(merged),
            "study,n,cr,target,extra_a,reconcile_status\n"
            "ELIANA,75,61,CD19,x,agreed; only A has extra_a\n"
            "ZUMA-3,55,,CD19,y,disagree: cr; only A has extra_a\n"
            "OnlyA,10,5,CD22,z,only in A\n"
            "OnlyB,8,4,CD22,,only in B\n");
  EXPECT_THAT(read_text(conflicts), HasSubstr("ZUMA-3,cr,value,39,40,3,3"));
  EXPECT_THAT(read_text(conflicts), HasSubstr("OnlyB,(row),row_only_in_b,(no row),present,0,4"));
  const auto same = run({"reconcile", a.string(), a.string(), "--key", "study"});
  EXPECT_EQ(same.code, 0);
  // Punctuation and blanks alone are a lower class: listed, A's text kept, exit 0.
  const auto fa = temp_file("ext_fa.csv", "study,product\nX,CD19-CAR (4-1BB)\n");
  const auto fb = temp_file("ext_fb.csv", "study,product\nX,CD19 CAR 4-1BB\n");
  const auto fm = std::filesystem::temp_directory_path() / "carta_cli_test_fmerged.csv";
  const auto f = run({"reconcile", fa.string(), fb.string(), "--key", "study", "--out", fm.string()});
  EXPECT_EQ(f.code, 0) << f.out;
  EXPECT_THAT(f.out, HasSubstr("0 disagreement(s), 1 differ in punctuation or blanks only"));
  EXPECT_THAT(f.out, HasSubstr("'X' product (punctuation or blanks only)"));
  EXPECT_EQ(read_text(fm), "study,product,reconcile_status\nX,CD19-CAR (4-1BB),agreed; formatting differs: product\n");
  const auto dup = temp_file("ext_dup.csv", "study,n\nA,1\na,2\n");
  const auto d = run({"reconcile", dup.string(), a.string(), "--key", "study"});
  EXPECT_EQ(d.code, 65);
  EXPECT_THAT(d.err, HasSubstr(":3: key 'a' repeats line 2"));
}

TEST(Cli, DedupWritesUniqueRecordsDuplicatesAndReview) {
  const auto dir = std::filesystem::temp_directory_path();
  const auto r = run({"dedup", source_path("fixtures/records/embase.ris").string(),
                      source_path("fixtures/records/pubmed.nbib").string(), "--out", (dir / "carta_cli_unique.csv").string(),
                      "--duplicates", (dir / "carta_cli_dups.csv").string(), "--review", (dir / "carta_cli_review.csv").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("6 records, 4 unique, 2 duplicates removed (1 by DOI, 0 by PMID, 1 by fuzzy match, 0 identical, 0 by decision)"));
  EXPECT_THAT(r.err, HasSubstr("embase.ris: 3 records (RIS, UTF-8 (byte-order mark))"));
  EXPECT_THAT(read_text(dir / "carta_cli_dups.csv"), HasSubstr("record,kept,reason,score\nemb-001,29385370,doi,1.0000\n"));
  EXPECT_THAT(read_text(dir / "carta_cli_unique.csv"), HasSubstr("29385370"));
  const auto missing = run({"dedup", "no-such-file.ris"});
  EXPECT_EQ(missing.code, 66);
  const auto bad = temp_file("bad.ris", "AU  - Lee\n");
  EXPECT_EQ(run({"dedup", bad.string()}).code, 65);
}

// Issue 17: exports of several formats in, the unique records out as RIS and as CSV with
// abstracts, keywords and every identifier of each group (the kept record gains the PMID, PMCID,
// ISSN and accession numbers of the records it replaced), and the RIS reads back to as many records.
TEST(Cli, DedupWritesRisAndCsvWithEveryIdentifier) {
  const auto wos = temp_file("exp_wos.ciw",
                             "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Maude, SL\n   Laetsch, TW\n"
                             "TI Tisagenlecleucel in Children and Young Adults with B-Cell\n   Lymphoblastic Leukemia\n"
                             "SO NEW ENGLAND JOURNAL OF MEDICINE\nDE CAR T; immunotherapy\nAB Tisagenlecleucel produced high\n"
                             "   remission rates in a global study of children.\nSN 0028-4793\nPY 2018\nVL 378\nIS 5\nBP 439\n"
                             "EP 448\nDI 10.1056/NEJMoa1709866\nUT WOS:000423829300008\nER\n\nPT J\nAU Park, JH\n"
                             "TI Long-term follow-up of CD19 CAR therapy in acute lymphoblastic leukemia\nSO NEW ENGLAND JOURNAL OF "
                             "MEDICINE\nPY 2018\nVL 378\nBP 449\nEP 459\nUT WOS:000423829300009\nER\nEF\n");
  const auto pubmed = temp_file("exp_pubmed.nbib",
                                "PMID- 29385370\nTI  - Tisagenlecleucel in Children and Young Adults with B-Cell Lymphoblastic\n"
                                "      Leukemia.\nAU  - Maude SL\nAU  - Laetsch TW\nDP  - 2018 Feb 1\nVI  - 378\nIP  - 5\n"
                                "PG  - 439-448\nLID - 10.1056/NEJMoa1709866 [doi]\nJT  - The New England journal of medicine\n"
                                "TA  - N Engl J Med\nMH  - Child\nPMC - PMC6996391\n");
  const auto bib = temp_file("exp_zotero.bib",
                             "@article{shah_2021,\n  title = {Brexucabtagene autoleucel for adults with relapsed {B}-cell acute "
                             "lymphoblastic leukaemia},\n  author = {Shah, Bijal D.},\n  journal = {Lancet},\n  year = {2021},\n"
                             "  volume = {398},\n  pages = {491--502},\n  keywords = {ZUMA-3},\n  abstract = {Adults with "
                             "relapsed disease.}\n}\n");
  const auto dir = std::filesystem::temp_directory_path();
  const auto ris_out = dir / "carta_cli_unique_export.ris";
  const auto r = run({"dedup", wos.string(), pubmed.string(), bib.string(), "--out", ris_out.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("exp_wos.ciw: 2 records (Web of Science, UTF-8)"));
  EXPECT_THAT(r.err, HasSubstr("exp_zotero.bib: 1 records (BibTeX, UTF-8)"));
  EXPECT_THAT(r.out, HasSubstr("4 records, 3 unique, 1 duplicates removed"));
  const auto ris = read_text(ris_out);
  EXPECT_THAT(ris, AllOf(HasSubstr("TY  - JOUR\r\n"), HasSubstr("DO  - 10.1056/NEJMoa1709866\r\n"), HasSubstr("AN  - WOS:000423829300008"),
                         HasSubstr("KW  - CAR T\r\n"), HasSubstr("KW  - Child\r\n"), HasSubstr("SN  - 0028-4793\r\n"),
                         HasSubstr("AB  - Tisagenlecleucel produced high remission rates"), HasSubstr("PMC6996391"),
                         HasSubstr("29385370"), HasSubstr("AB  - Adults with relapsed disease.")));
  // The RIS reads back to the three unique records, identical for deduplication.
  const auto again = run({"dedup", ris_out.string()});
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("3 records, 3 unique, 0 duplicates removed"));
  // CSV by --format, whatever the name; a header every screening tool maps.
  const auto csv_out = dir / "carta_cli_unique_export.txt";
  const auto c = run({"dedup", wos.string(), pubmed.string(), bib.string(), "--out", csv_out.string(), "--format", "csv"});
  ASSERT_EQ(c.code, 0) << c.err;
  const auto csv = read_text(csv_out);
  EXPECT_THAT(csv, HasSubstr("id,source,type,title,authors,year,journal,volume,issue,pages,doi,pmid,journal_abbrev,article_number,"
                             "pmcid,issn,isbn,language,publisher,url,database,accession,keywords,abstract\n"));
  EXPECT_THAT(csv, AllOf(HasSubstr(",29385370,"), HasSubstr(",PMC6996391,"), HasSubstr("WOS:000423829300008"),
                         HasSubstr("0028-4793"), HasSubstr("CAR T; immunotherapy; Child"),
                         HasSubstr("remission rates in a global study of children."), HasSubstr("shah_2021")));
  EXPECT_EQ(run({"dedup", wos.string(), "--out", csv_out.string(), "--format", "xml"}).code, 64);
}

// One bad record is not a lost run: it is skipped with file:line and counted, and --strict makes
// it an error; a file that is no export says which formats carta reads.
TEST(Cli, DedupSkipsAnUnreadableRecordOrRefusesItWhenStrict) {
  const auto ris = temp_file("skip.ris", "TY  - JOUR\nTI  - First\nER  - \nTY  - JOUR\nAU  - Nobody, A.\nER  - \n"
                                         "TY  - JOUR\nTI  - Third\nER  - \n");
  const auto lenient = run({"dedup", ris.string()});
  EXPECT_EQ(lenient.code, 0) << lenient.err;
  EXPECT_THAT(lenient.err, HasSubstr("skip.ris: 2 records (RIS, UTF-8); 1 record(s) skipped (see the notes)"));
  EXPECT_THAT(lenient.err, HasSubstr("skip.ris:4: the record has no title and no identifier"));
  const auto strict = run({"dedup", ris.string(), "--strict"});
  EXPECT_EQ(strict.code, 65);
  EXPECT_THAT(strict.err, HasSubstr("skip.ris:4: the record has no title and no identifier"));
  const auto studies = temp_file("studies_not_records.csv", "study,events,n\nELIANA,61,75\n");
  const auto other = run({"dedup", studies.string()});
  EXPECT_EQ(other.code, 65);
  EXPECT_THAT(other.err, AllOf(HasSubstr("not a records export: a table without a title column (columns: study, events, n)"),
                               HasSubstr("carta reads RIS"), ::testing::Not(HasSubstr("missing ','"))));
}

// Of several exports, one that holds no records (a screenshot, another table) is skipped with
// what was seen, in the notes and the summary; the others are deduplicated. --strict refuses it,
// and when every file is such a file the first one's reason is the error.
TEST(Cli, DedupSkipsAFileThatIsNoExportWhenOthersAreGiven) {
  const auto ris = temp_file("good_export.ris", "TY  - JOUR\nTI  - First\nER  - \nTY  - JOUR\nTI  - Second\nER  - \n");
  const auto png = temp_file("screenshot.ris", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16) + std::string(200, 'x'));
  const auto studies = temp_file("studies_table.csv", "study,events,n\nELIANA,61,75\n");
  const auto r = run({"dedup", ris.string(), png.string(), studies.string()});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, AllOf(HasSubstr("screenshot.ris: skipped: "), HasSubstr("PNG"), HasSubstr("studies_table.csv: skipped: ")));
  EXPECT_THAT(r.out, AllOf(HasSubstr("2 records, 2 unique"), HasSubstr("2 file(s) skipped, holding no records carta reads: ")));
  const auto strict = run({"dedup", ris.string(), png.string(), "--strict"});
  EXPECT_EQ(strict.code, 65);
  EXPECT_THAT(strict.err, AllOf(HasSubstr("screenshot.ris: not a records export"), HasSubstr("PNG")));
  const auto none = run({"dedup", png.string(), studies.string()});
  EXPECT_EQ(none.code, 65);
  EXPECT_THAT(none.err, HasSubstr("screenshot.ris: not a records export"));
}

// Regression tests of issue 20's hostile dedup inputs: lone-CR line ends (classic Mac, Web of
// Science RIS) end lines, so two records are two; lowercase tags are read; two different papers
// sharing an ID are a note, both kept; a folder or /dev/zero given as an export is an error, also
// beside a good file (a folder is a mistake in the command, not a file to skip).
TEST(Cli, DedupHostileInputs) {
  const auto cr = temp_file("cr_only.ris", "TY  - JOUR\rTI  - First title\rER  - \rTY  - JOUR\rTI  - Second title\rER  - \r");
  const auto a = run({"dedup", cr.string()});
  EXPECT_EQ(a.code, 0) << a.err;
  EXPECT_THAT(a.out, HasSubstr("2 records, 2 unique"));
  const auto lower = temp_file("lower_tags.ris", "ty  - JOUR\nti  - Lowercase tags are tags\nau  - Smith, J\nid  - X1\ner  - \n"
                                               "TY  - JOUR\nTI  - Another paper entirely\nID  - X1\nER  - \n");
  const auto b = run({"dedup", lower.string(), "--format", "csv"});
  EXPECT_EQ(b.code, 0) << b.err;
  EXPECT_THAT(b.out, AllOf(HasSubstr("Lowercase tags are tags"), HasSubstr("Smith")));
  EXPECT_THAT(b.err, HasSubstr("share the ID 'X1' but are different papers; each is kept"));
  const auto folder = test_folder("dedup_folder");
  const auto c = run({"dedup", cr.string(), folder.string()});
  EXPECT_EQ(c.code, 65);
  EXPECT_THAT(c.err, HasSubstr("is a folder, not an export file"));
  const auto d = run({"dedup", "/dev/zero"});
  EXPECT_EQ(d.code, 65);
  EXPECT_THAT(d.err, HasSubstr("/dev/zero: not a records export: binary data"));
}

// The review list goes to a person and comes back with yes / no in its duplicate column; the
// decisions hold on a rerun, with the files in another order, because pairs are named by record
// keys, not rows.
TEST(Cli, DedupDecisionsAreAppliedAndSurviveARerun) {
  const std::string full = "Tisagenlecleucel in children and young adults with B-cell lymphoblastic leukemia";
  const auto a = temp_file("dec_a.ris", "TY  - JOUR\nID  - A1\nTI  - " + full +
                                            "\nAU  - Maude, Shannon L.\nPY  - 2018\nJO  - N Engl J Med\nVL  - 378\nSP  - 439\nEP  - 448\nER  - \n"
                                            "TY  - JOUR\nID  - A2\nTI  - Brexucabtagene autoleucel for adults with relapsed B-cell acute "
                                            "lymphoblastic leukaemia\nAU  - Shah, B.\nPY  - 2021\nJO  - Lancet\nVL  - 398\nSP  - 491\nER  - \n");
  const auto b = temp_file("dec_b.ris", "TY  - JOUR\nID  - B1\nTI  - " + full +
                                            ": updated analysis of the ELIANA trial\nAU  - Maude, S.\nPY  - 2018\nJO  - New England Journal of "
                                            "Medicine\nER  - \n");
  const auto dir = std::filesystem::temp_directory_path();
  const auto review = dir / "carta_cli_dec_review.csv";
  const auto first = run({"dedup", a.string(), b.string(), "--review", review.string()});
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("3 records, 3 unique, 0 duplicates removed"));
  EXPECT_THAT(first.out, HasSubstr("1 pair(s) to review"));
  const io::Table list = io::read_table(review);
  ASSERT_EQ(list.rows.size(), 1u);
  EXPECT_EQ(list.header.front(), "key_a");
  EXPECT_EQ(list.header.back(), "duplicate");
  EXPECT_EQ(list.rows[0].back(), "");  // for the person to fill

  // The person says yes; the decision is applied, and holds with the files given the other way.
  std::string decided = read_text(review);
  decided.insert(decided.size() - 1, "yes");
  const auto decisions = temp_file("decisions.csv", decided);
  const auto dups = dir / "carta_cli_dec_dups.csv";
  for (const auto& order : {std::vector<std::string>{a.string(), b.string()}, std::vector<std::string>{b.string(), a.string()}}) {
    std::vector<std::string> args{"dedup"};
    args.insert(args.end(), order.begin(), order.end());
    for (const auto& x : {std::string("--decisions"), decisions.string(), std::string("--duplicates"), dups.string(),
                          std::string("--review"), review.string()}) {
      args.push_back(x);
    }
    const auto again = run(args);
    ASSERT_EQ(again.code, 0) << again.err;
    EXPECT_THAT(again.out, HasSubstr("3 records, 2 unique, 1 duplicates removed"));
    EXPECT_THAT(again.out, HasSubstr("1 by decision"));
    EXPECT_THAT(again.out, HasSubstr("1 decision(s) applied"));
    EXPECT_THAT(read_text(dups), HasSubstr(",decision,"));
    EXPECT_EQ(io::read_table(review).rows.size(), 0u);  // a decided pair is not asked again
  }

  // "no" keeps them apart; a pair whose record changed is a note; a bad value is an error.
  std::string no = read_text(decisions);
  no.replace(no.rfind("yes"), 3, "no");
  const auto said_no = run({"dedup", a.string(), b.string(), "--decisions", temp_file("no.csv", no).string()});
  ASSERT_EQ(said_no.code, 0) << said_no.err;
  EXPECT_THAT(said_no.out, HasSubstr("3 records, 3 unique"));
  const auto changed = temp_file("dec_b2.ris", "TY  - JOUR\nID  - B1\nTI  - " + full +
                                                   ": a new analysis\nAU  - Maude, S.\nPY  - 2018\nJO  - New England Journal of Medicine\nER  - \n");
  const auto gone = run({"dedup", a.string(), changed.string(), "--decisions", decisions.string()});
  ASSERT_EQ(gone.code, 0) << gone.err;
  EXPECT_THAT(gone.out, HasSubstr("decisions.csv:2: the decision on"));
  EXPECT_THAT(gone.out, HasSubstr("not applied"));
  std::string maybe = read_text(decisions);
  maybe.replace(maybe.rfind("yes"), 3, "maybe");
  const auto bad = run({"dedup", a.string(), b.string(), "--decisions", temp_file("bad_decisions.csv", maybe).string()});
  EXPECT_EQ(bad.code, 65);
  EXPECT_THAT(bad.err, HasSubstr("bad_decisions.csv:2:9: 'duplicate' is 'maybe'; write yes or no"));
}

TEST(Cli, KaplanMeierFormats) {
  const auto ipd = survival_fixture("ipd_half.csv");
  const auto text = run({"km", ipd});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("median 4 (2 to NR)"));
  const auto csv = run({"km", ipd, "--format", "csv"});
  EXPECT_THAT(csv.out, HasSubstr("time,n_risk,events,censored,survival,se,ci_lb,ci_ub"));
  const auto json = run({"km", ipd, "--format", "json", "--at", "2.5", "--conf-type", "log-log"});
  const auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["interval"], "log-log");
  EXPECT_NEAR(j["at"][0]["est"].get<double>(), 2.0 / 3.0, 1e-15);
  const auto bad = temp_file("ipd_bad.csv", "time,event\n1,1\n2,2\n");
  const auto b = run({"km", bad.string()});
  EXPECT_EQ(b.code, 65);
  EXPECT_THAT(b.err, HasSubstr(":3:2 (column 'event')"));
}

TEST(Cli, KmReconstructWritesIpdAndDiagnostics) {
  const auto curve = temp_file("curve.csv", "time,survival\n0,100\n2,90\n2.01,85\n4,80\n6,70\n8,60\n10,55\n");
  const auto risk = temp_file("risk.csv", "time,n_risk\n0,40\n5,30\n10,20\n");
  const auto out = std::filesystem::temp_directory_path() / "carta_cli_test_ipd.csv";
  const auto r = run({"km-reconstruct", "--curve", curve.string(), "--at-risk", risk.string(), "--out", out.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"intervals", "rmse", "max_abs_diff", "median", "at", "events", "notes"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["n"].get<int>(), 40);
  EXPECT_EQ(j["intervals"][1]["published_n_risk"].get<int>(), 30);
  EXPECT_THAT(read_text(out), HasSubstr("time,event\n"));
  EXPECT_THAT(r.err, HasSubstr("reconstructed 40 patients"));
  const auto rising = temp_file("risk_up.csv", "time,n_risk\n0,40\n5,45\n");
  const auto b = run({"km-reconstruct", "--curve", curve.string(), "--at-risk", rising.string(), "--out", out.string()});
  EXPECT_EQ(b.code, 65);
  EXPECT_THAT(b.err, HasSubstr("cannot increase"));
}

// Every example in every command's --help runs as printed, from a folder in which examples/ is
// carta's examples folder (outputs land there too), so that no example can rot. A line ending in
// a backslash continues on the next; words from "(" or "#" on are a comment. serve's examples start a
// server and are left out; reconcile's exit status 1 says that the two sheets differ.
TEST(CliConventions, EveryHelpExampleRuns) {
  const auto dir = test_folder("help_examples");
  std::filesystem::create_directory_symlink(source_path("examples"), dir / "examples");
  const auto previous = std::filesystem::current_path();
  struct Restore {
    std::filesystem::path path;
    ~Restore() { std::filesystem::current_path(path); }
  } restore{previous};
  std::filesystem::current_path(dir);
  const std::vector<std::string> commands{"pool",      "survival", "survival-curve", "km",     "km-reconstruct", "report",
                                          "screening", "dedup",    "reconcile",      "prisma", "rob", "compare"};
  for (const auto& command : commands) {
    const auto help = run({command, "--help"});
    ASSERT_EQ(help.code, 0) << command;
    std::istringstream lines(help.out);
    int examples = 0;
    bool in_examples = false;
    std::string pending;
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("Example", 0) == 0) in_examples = true;
      if (!in_examples) continue;
      if (!pending.empty()) {
        pending += " " + line;
      } else if (line.rfind("  carta " + command + " ", 0) == 0) {
        pending = line;
      } else {
        continue;
      }
      if (!pending.empty() && pending.back() == '\\') {
        pending.pop_back();
        continue;
      }
      std::istringstream words(pending.substr(pending.find("carta ") + 6));
      std::vector<std::string> args;
      for (std::string w; words >> w;) {
        if (w.front() == '(' || w.front() == '#') break;
        args.push_back(w);
      }
      const auto r = run(args);
      EXPECT_EQ(r.code, command == "reconcile" ? 1 : 0) << pending << "\n" << r.err;
      ++examples;
      pending.clear();
    }
    EXPECT_GE(examples, 1) << command << " --help has no example";
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "report" / "index.html"));
  EXPECT_TRUE(std::filesystem::exists(dir / "os_ipd.csv"));
  EXPECT_TRUE(std::filesystem::exists(dir / "rob" / "traffic_light.svg"));
  EXPECT_TRUE(std::filesystem::exists(dir / "prisma.svg"));
}

// One convention for the whole CLI (src/cli/options.hpp): every command that writes a result has
// -o/--out/--output FILE and --format; those that compute intervals have --level; those that read
// a study column call it --label (old spellings kept as aliases).
TEST(CliConventions, EveryCommandHasTheSharedOptions) {
  // Every command 'carta --help' lists, so that a new one is checked without being named here;
  // report (--out DIR) and serve (a server) write no single result.
  std::vector<std::string> results;
  {
    const auto top = run({"--help"});
    std::istringstream lines(top.out);
    bool in_list = false;
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("Subcommands:", 0) == 0) {
        in_list = true;
        continue;
      }
      if (!in_list || line.size() < 3 || line[0] != ' ') continue;
      const std::string name = line.substr(2, line.find(' ', 2) - 2);
      if (name != "report" && name != "serve") results.push_back(name);
    }
  }
  ASSERT_GE(results.size(), 11u);
  EXPECT_NE(std::find(results.begin(), results.end(), "compare"), results.end());
  for (const auto& command : results) {
    const auto help = run({command, "--help"});
    ASSERT_EQ(help.code, 0) << command;
    EXPECT_THAT(help.out, HasSubstr("-o,--out,--output FILE")) << command;
    EXPECT_THAT(help.out, HasSubstr("--format {")) << command;
  }
  for (const char* command : {"pool", "survival", "survival-curve", "km", "km-reconstruct", "compare"}) {
    EXPECT_THAT(run({command, "--help"}).out, HasSubstr("--level LEVEL")) << command;
  }
  for (const char* command : {"pool", "survival", "survival-curve", "rob", "reconcile", "compare"}) {
    EXPECT_THAT(run({command, "--help"}).out, HasSubstr("--label,--study")) << command;
  }
  for (const char* command : {"pool", "dedup", "report"}) {
    EXPECT_THAT(run({command, "--help"}).out, HasSubstr("--progress")) << command;
  }
}

TEST(CliConventions, TheResultGoesToStandardOutputOrToOutInTheFormatAsked) {
  const auto dir = test_folder("conventions");
  const std::vector<std::string> pool{"pool", example(), "--events", "cr_events", "--n", "cr_n"};
  auto with = [&](std::vector<std::string> more) {
    auto args = pool;
    args.insert(args.end(), more.begin(), more.end());
    return run(args);
  };
  // The format from the extension of --out, or given in any case; a bad one names the choices.
  const auto to_file = with({"--study", "study_id", "-o", (dir / "pooled.json").string()});
  ASSERT_EQ(to_file.code, 0) << to_file.err;
  EXPECT_TRUE(to_file.out.empty());
  EXPECT_EQ(nlohmann::json::parse(read_text(dir / "pooled.json"))["k"], 27);
  EXPECT_EQ(nlohmann::json::parse(with({"--format", "JSON"}).out)["k"], 27);
  EXPECT_THAT(read_text((with({"--out", (dir / "pooled.csv").string()}), dir / "pooled.csv")), HasSubstr("label,events,n,"));
  const auto bad = with({"--format", "xml"});
  EXPECT_EQ(bad.code, 64);
  EXPECT_THAT(bad.err, HasSubstr("'xml' is not one of: text, json, csv"));

  // dedup: the records to standard output with --format, the summary then on standard error.
  const auto ris = temp_file("conventions.ris", "TY  - JOUR\nTI  - CAR-T cells in ALL\nAU  - Maude, S\nPY  - 2014\nER  - \n"
                                                "TY  - JOUR\nTI  - CAR-T cells in ALL\nAU  - Maude, S\nPY  - 2014\nER  - \n");
  const auto records = run({"dedup", ris.string(), "--format", "ris"});
  ASSERT_EQ(records.code, 0) << records.err;
  EXPECT_THAT(records.out, HasSubstr("TI  - CAR-T cells in ALL"));
  EXPECT_THAT(records.err, HasSubstr("2 records, 1 unique"));
  EXPECT_THAT(run({"dedup", ris.string()}).out, HasSubstr("2 records, 1 unique"));  // text by default

  // km-reconstruct: the patients to standard output, or as JSON with the diagnostics.
  const auto curve = temp_file("conv_curve.csv", "time,survival\n0,100\n2,90\n4,80\n6,70\n8,60\n10,55\n");
  const auto risk = temp_file("conv_risk.csv", "time,n_risk\n0,40\n5,30\n10,20\n");
  const auto patients = run({"km-reconstruct", "--curve", curve.string(), "--at-risk", risk.string()});
  ASSERT_EQ(patients.code, 0) << patients.err;
  EXPECT_EQ(patients.out.rfind("time,event\n", 0), 0u);
  const auto diagnostics =
      run({"km-reconstruct", "--curve", curve.string(), "--at-risk", risk.string(), "--format", "json", "--level", "90"});
  const auto dj = nlohmann::json::parse(diagnostics.out);
  EXPECT_EQ(dj["patients"].size(), 40u);
  EXPECT_DOUBLE_EQ(dj["level"].get<double>(), 0.9);

  // reconcile: the differences as data; --label is --key.
  const auto a = temp_file("conv_a.csv", "study,n\nELIANA,75\n");
  const auto b = temp_file("conv_b.csv", "study,n\nELIANA,76\n");
  const auto diff = run({"reconcile", a.string(), b.string(), "--label", "study", "--format", "json"});
  EXPECT_EQ(diff.code, 1);
  EXPECT_EQ(nlohmann::json::parse(diff.out)["differences"][0]["b"], "76");
  EXPECT_THAT(run({"reconcile", a.string(), b.string(), "--key", "study", "--format", "csv"}).out, HasSubstr("reconcile_status"));

  // screening and rob: the summary as JSON on standard output; the files in --out-dir; an old
  // --out DIR is read as --out-dir, with a note.
  const auto screening = run({"screening", source_path("examples/screening/rayyan_title_abstract.csv").string(),
                              "full_text=" + source_path("examples/screening/rayyan_full_text.csv").string(), "--database",
                              "PubMed=7", "--database", "Embase=3", "--duplicates", "2", "--format", "json", "--out-dir",
                              (dir / "screening").string()});
  ASSERT_EQ(screening.code, 0) << screening.err;
  EXPECT_EQ(nlohmann::json::parse(screening.out)["full_text"]["included"], 3);
  EXPECT_TRUE(std::filesystem::exists(dir / "screening" / "prisma.svg"));
  const auto rob_csv = temp_file("conv_rob.csv", "study,D1,D2,D3,D4,D5\nA,low,low,low,low,low\n");
  const auto rob = run({"rob", rob_csv.string(), "--format", "json"});
  ASSERT_EQ(rob.code, 0) << rob.err;
  EXPECT_EQ(nlohmann::json::parse(rob.out)["studies"][0]["overall"], "Low");
  const auto old = run({"rob", rob_csv.string(), "--out", (dir / "rob").string()});
  ASSERT_EQ(old.code, 0) << old.err;
  EXPECT_THAT(old.err, HasSubstr("read as --out-dir"));
  EXPECT_TRUE(std::filesystem::exists(dir / "rob" / "traffic_light.svg"));

  // prisma: the checked counts as text, the diagram as SVG on standard output, the completed
  // counts as CSV.
  const auto counts = (dir / "screening" / "prisma.csv").string();
  EXPECT_THAT(run({"prisma", counts}).out, HasSubstr("PRISMA 2020 counts checked: 10 records identified, 3 studies"));
  EXPECT_EQ(run({"prisma", counts, "--format", "svg"}).out.rfind("<svg", 0), 0u);
  EXPECT_THAT(run({"prisma", counts, "--format", "csv"}).out, HasSubstr("records_screened,8"));
}

TEST(Cli, PoolDrawsAForestPlot) {
  const auto dir = test_folder("pool_forest");
  const std::vector<std::string> pool{"pool", example(), "--events", "cr_events", "--n", "cr_n", "--label", "study_id"};
  auto with = [&](std::vector<std::string> more) {
    auto args = pool;
    args.insert(args.end(), more.begin(), more.end());
    return run(args);
  };
  ASSERT_EQ(with({"--forest", (dir / "cr.svg").string()}).code, 0);
  const std::string svg = read_text(dir / "cr.svg");
  EXPECT_THAT(svg, HasSubstr("Maude2014_NEJM"));
  const auto png = with({"--forest", (dir / "cr.png").string()});
  ASSERT_EQ(png.code, 0) << png.err;
  EXPECT_EQ(read_text(dir / "cr.png").substr(1, 3), "PNG");
  EXPECT_FALSE(std::filesystem::exists(dir / "cr.pdf"));  // only the format asked for
  const auto sub = with({"--subgroup", "antigen_target", "--forest", (dir / "sub.svg").string()});
  ASSERT_EQ(sub.code, 0) << sub.err;
  EXPECT_THAT(read_text(dir / "sub.svg"), AllOf(HasSubstr("CD22"), HasSubstr("subgroup differences")));
  const auto bad = with({"--forest", (dir / "cr.gif").string()});
  EXPECT_EQ(bad.code, 64);
  EXPECT_THAT(bad.err, HasSubstr("name a .svg, .png or .pdf file"));
  EXPECT_EQ(with({"--by", "population_group", "--forest", (dir / "by.svg").string()}).code, 64);
}

}  // namespace
}  // namespace carta::test

namespace carta::test {
namespace {

std::vector<std::string> bcg_counts(std::vector<std::string> more) {
  std::vector<std::string> args{"compare", source_path("examples/comparative/bcg.csv").string(), "--label", "trial",
                                "--events-1", "tpos", "--n-1", "tn", "--events-2", "cpos", "--n-2", "cn"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// carta compare's JSON carries both scales and metafor's numbers (rma.mh on dat.bcg:
// log OR_MH -0.473410988388585, CMH 135.688943723906; rma REML log OR -0.745177770843695).
TEST(Compare, MantelHaenszelJsonOnBothScales) {
  const auto r = run(bcg_counts({"--common", "MH", "--format", "json"}));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("measure"), "OR");
  EXPECT_EQ(j.at("common").at("method"), "MH");
  EXPECT_NEAR(j.at("common").at("est").get<double>(), -0.473410988388585, 1e-12);
  EXPECT_NEAR(j.at("common").at("effect").get<double>(), std::exp(-0.473410988388585), 1e-12);
  EXPECT_NEAR(j.at("common").at("cmh").at("stat").get<double>(), 135.688943723906, 1e-9);
  EXPECT_NEAR(j.at("random").at("est").get<double>(), -0.745177770843695, 1e-8);
  EXPECT_EQ(j.at("studies").size(), 13u);
  EXPECT_TRUE(j.contains("carta_version"));
  EXPECT_EQ(j.at("zero_cells").at("correction"), "all-cells");
}

// --method GLMM: the binomial-normal model beside the inverse-variance fits, in the text and the
// JSON; the optimum of fixtures/metafor/glmm_or_bcg.json (rma.glmm UM.FS at its defaults is
// -0.7450135, 1e-5 away: docs/methods/glmm.md).
TEST(Compare, GlmmFitsTheOddsRatioBesideTheInverseVarianceModel) {
  auto r = run(bcg_counts({"--method", "GLMM", "--format", "json"}));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto& g = j.at("glmm");
  EXPECT_EQ(g.at("model"), "UM.FS");
  EXPECT_EQ(g.at("nagq").get<int>(), 7);
  EXPECT_NEAR(g.at("est").get<double>(), -0.745003394624067, 1e-7);
  EXPECT_NEAR(g.at("tau2").get<double>(), 0.29488604433113, 1e-6);
  EXPECT_NEAR(g.at("effect").get<double>(), std::exp(g.at("est").get<double>()), 1e-15);
  EXPECT_TRUE(g.at("convergence").at("converged").get<bool>());
  EXPECT_NEAR(j.at("random").at("est").get<double>(), -0.745177770843695, 1e-8);  // REML beside it
  r = run(bcg_counts({"--method", "GLMM", "--nagq", "1"}));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Binomial-normal GLMM (fixed study intercepts, random log odds ratio; rma.glmm UM.FS, 1 "
                               "quadrature point), k = 13"));
  EXPECT_THAT(r.out, HasSubstr("likelihood-ratio Q = 176.95"));
  // What it does not combine with is refused, never ignored.
  EXPECT_THAT(run(bcg_counts({"--method", "GLMM", "--measure", "RR"})).err, HasSubstr("models the odds ratio"));
  EXPECT_THAT(run(bcg_counts({"--method", "GLMM", "--leave-one-out"})).err, HasSubstr("does not yet combine"));
  EXPECT_THAT(run(bcg_counts({"--method", "GLMM", "--test", "knha"})).err, HasSubstr("the test is z or t"));
  EXPECT_THAT(run(bcg_counts({"--nagq", "3"})).err, HasSubstr("--nagq is for --method GLMM"));
}

// --bias carries the Henmi-Copas interval (metafor hc(); fixtures/metafor/henmi_copas.json, bcg_or).
TEST(Compare, BiasIncludesTheHenmiCopasInterval) {
  const auto r = run(bcg_counts({"--bias", "--format", "json"}));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto h = nlohmann::json::parse(r.out).at("bias").at("henmi_copas");
  EXPECT_NEAR(h.at("ci_lb").get<double>(), -1.1909822099165868, 1e-9);
  EXPECT_NEAR(h.at("ci_ub").get<double>(), 0.31870405764376686, 1e-9);
  EXPECT_FALSE(h.contains("prop"));  // not a proportion
  EXPECT_THAT(run(bcg_counts({"--bias"})).out, HasSubstr("Henmi-Copas interval (robust to publication bias): 0.6465 "
                                                          "(0.3039 to 1.3753)"));
}

// Options of another kind of input are refused, not ignored; errors from a study name its line.
TEST(Compare, OptionsThatDoNotApplyAreRefusedAndErrorsNameTheLine) {
  EXPECT_THAT(run(bcg_counts({"--ratio"})).err, HasSubstr("--ratio is for reported effects"));
  EXPECT_THAT(run(bcg_counts({"--common", "Peto", "--measure", "RR"})).err, HasSubstr("use --measure OR with --common Peto"));
  EXPECT_THAT(run(bcg_counts({"--no-cmh-correction"})).err, HasSubstr("--no-cmh-correction is for the Mantel-Haenszel"));
  EXPECT_THAT(run(bcg_counts({"--estimate", "tpos"})).err, HasSubstr("give one kind of input, not several"));
  const auto rr = source_path("examples/comparative/bcg_rr.csv").string();
  const auto given = run({"compare", rr, "--label", "trial", "--estimate", "rr", "--lower", "lower", "--upper", "upper",
                          "--ratio", "--measure", "RD"});
  EXPECT_EQ(given.code, 64);
  EXPECT_THAT(given.err, HasSubstr("--measure is for counts and means"));
  const auto bad = temp_file("compare_bad.csv", "study,e1,n1,e2,n2\nA,1,10,2,10\nB,0,10,3,10\n");
  const auto none = run({"compare", bad.string(), "--label", "study", "--events-1", "e1", "--n-1", "n1", "--events-2",
                         "e2", "--n-2", "n2", "--correction", "none"});
  EXPECT_EQ(none.code, 65);
  EXPECT_THAT(none.err, HasSubstr(":3: study 'B' (0/10 against 3/10): the OR is undefined without a continuity correction"));
  const auto hr = temp_file("compare_hr.csv", "study,hr,lo,hi\nA,0.98,0.97,1.00\nB,0.5,0.6,0.9\n");
  const auto outside = run({"compare", hr.string(), "--label", "study", "--estimate", "hr", "--lower", "lo", "--upper",
                            "hi", "--ratio"});
  EXPECT_THAT(outside.err, HasSubstr(":3: study 'B': the interval 0.6 to 0.9 does not hold the estimate 0.5"));
}

// The text names the level in the study column and which model each heterogeneity line is from.
TEST(Compare, TextSaysTheLevelAndTheModelOfEachLine) {
  const auto r = run(bcg_counts({"--common", "MH", "--level", "90"}));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("OR (90% CI)"));
  EXPECT_THAT(r.out, HasSubstr("Heterogeneity around the MH estimate: Q = 163.9426"));
  EXPECT_THAT(r.out, HasSubstr("Heterogeneity (inverse-variance model): Q = 163.1649"));
  EXPECT_THAT(r.out, HasSubstr("Tarone's test of a common odds ratio: 171.7567, df = 12"));
}

// A log-rank O - E and V row always gives ln HR: without --ratio an estimate column beside it
// would be pooled on the plain scale with it, and the output would call a log HR an "effect".
TEST(Compare, LogRankStatisticsNeedRatioAndPrintHazardRatios) {
  const auto oe = temp_file("compare_oe.csv", "study,oe,v\nA,-5.2,20.1\nB,-3,15\n");
  const std::vector<std::string> base{"compare", oe.string(), "--label", "study", "--oe", "oe", "--v", "v"};
  const auto without = run(base);
  EXPECT_EQ(without.code, 64);
  EXPECT_THAT(without.err, HasSubstr("--oe and --v give log hazard ratios: give --ratio"));
  const auto mixed = temp_file("compare_oe_mixed.csv", "study,hr,se,oe,v\nA,,,-5.2,20.1\nB,0.8,0.2,,\n");
  const auto mixed_run = run({"compare", mixed.string(), "--label", "study", "--estimate", "hr", "--se", "se", "--oe",
                              "oe", "--v", "v"});
  EXPECT_EQ(mixed_run.code, 64);
  EXPECT_THAT(mixed_run.err, HasSubstr("give --ratio"));
  auto with = base;
  with.push_back("--ratio");
  const auto r = run(with);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("HR (95% CI)"));
  EXPECT_THAT(r.out, HasSubstr(fmt::format("{:.4f}", std::exp(-5.2 / 20.1))));  // the HR, not its logarithm
  EXPECT_THAT(r.out, Not(HasSubstr("effect (95% CI)")));
}

// SE = |ln HR| / z_{1 - p/2} with z from the upper tail: a p-value below 1.1e-16 is not an
// internal error, and p = 0 or 1 is an error naming the line.
TEST(Compare, TinyPValuesGiveAnSeAndImpossibleOnesNameTheLine) {
  const auto tiny = temp_file("compare_tiny_p.csv", "study,hr,p\nA,0.5,1e-17\nB,0.7,0.03\n");
  const std::vector<std::string> base{"compare", tiny.string(), "--label", "study", "--estimate", "hr", "--p", "p",
                                      "--ratio", "--format", "json"};
  const auto r = run(base);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const double z = std::abs(std::log(0.5)) / std::sqrt(j.at("studies").at(0).at("vi").get<double>());
  EXPECT_NEAR(std::erfc(z / std::sqrt(2.0)) / 1e-17, 1.0, 1e-9);
  for (const char* p : {"0", "1", "1.5", "4e-324"}) {
    const auto bad = temp_file("compare_bad_p.csv", fmt::format("study,hr,p\nA,0.5,0.01\nB,0.7,{}\n", p));
    auto args = base;
    args[1] = bad.string();
    const auto e = run(args);
    EXPECT_EQ(e.code, 65) << p << ": " << e.err;
    EXPECT_THAT(e.err, HasSubstr("compare_bad_p.csv:3: study 'B': the p-value is")) << p;
  }
}

// Each printed number has its own rounding: an estimate printed "2" may be 1.5 to 2.5, but the
// bounds 0.3 and 2.5 are good to 0.05, and no choice within that makes the interval symmetric.
TEST(Compare, TheRoundingOfTheEstimateDoesNotHideAnAsymmetricInterval) {
  for (const char* est : {"2", "2.0"}) {
    const auto ci = temp_file("compare_ci_round.csv", fmt::format("study,hr,lo,hi\nA,{},0.3,2.5\nB,0.7,0.5,0.98\n", est));
    const auto r = run({"compare", ci.string(), "--label", "study", "--estimate", "hr", "--lower", "lo", "--upper",
                        "hi", "--ratio"});
    EXPECT_EQ(r.code, 65) << est << ": " << r.out;
    EXPECT_THAT(r.err, HasSubstr("compare_ci_round.csv:2: study 'A': the interval 0.3 to 2.5 is not symmetric")) << est;
  }
  // HR 0.98 (0.97 to 1.00): 33% apart as printed, symmetric within the rounding of two decimals;
  // accepted, with a note saying that the SE is from a symmetric interval of that width.
  const auto ok = temp_file("compare_ci_ok.csv", "study,hr,lo,hi\nA,0.98,0.97,1.00\nB,0.7,0.5,0.98\n");
  const auto r = run({"compare", ok.string(), "--label", "study", "--estimate", "hr", "--lower", "lo", "--upper", "hi",
                      "--ratio"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("compare_ci_ok.csv:2: study 'A': as printed, the interval is 33% of its width from "
                               "symmetric on the log scale, within the rounding of its digits"));
}

// bcg with one more trial: the full fit by iterated DL converges, the fit of the 13 bcg trials
// alone (without x0, or the subgroup 'a') cycles. That is exit 3, as 'carta pool', and marked.
TEST(Compare, RefitsThatDidNotConvergeGiveExitThree) {
  std::ifstream in(source_path("examples/comparative/bcg.csv"));
  std::string line, csv;
  std::getline(in, line);
  csv = line + ",g\n";
  while (std::getline(in, line)) {
    if (!line.empty()) csv += line + ",a\n";
  }
  csv += "x0,1,100,30,100,0,random,b\n";
  const auto file = temp_file("compare_cycle.csv", csv);
  const std::vector<std::string> base{"compare", file.string(), "--label", "trial", "--events-1", "tpos", "--n-1", "tn",
                                      "--events-2", "cpos", "--n-2", "cn", "--method", "DLIT"};
  const auto plain = run(base);
  ASSERT_EQ(plain.code, 0) << plain.err;
  for (const std::vector<std::string>& more : {std::vector<std::string>{"--leave-one-out"},
                                              std::vector<std::string>{"--subgroup", "g"}}) {
    auto args = base;
    args.insert(args.end(), more.begin(), more.end());
    const auto r = run(args);
    EXPECT_EQ(r.code, 3) << more[0];
    EXPECT_THAT(r.err, HasSubstr("did not converge")) << more[0];
    EXPECT_THAT(r.out, HasSubstr("(did not converge)")) << more[0];
  }
  const auto loo = run([&] {
    auto args = base;
    args.push_back("--leave-one-out");
    return args;
  }());
  auto line_of = [&](const std::string& what) {
    const auto at = loo.out.find(what);
    return at == std::string::npos ? std::string() : loo.out.substr(at, loo.out.find('\n', at) - at);
  };
  EXPECT_THAT(line_of("without x0"), HasSubstr("(did not converge)"));
  EXPECT_THAT(line_of("without Aronson 1948"), AllOf(HasSubstr("I^2"), Not(HasSubstr("did not converge"))));
}

// The subgroups' JSON gives the patients of two-arm counts and means, and null for effects given
// directly (their patients are not known), not 0.
TEST(Compare, SubgroupsCountThePatientsWhenTheyAreKnown) {
  const auto counts = run(bcg_counts({"--subgroup", "alloc", "--format", "json"}));
  ASSERT_EQ(counts.code, 0) << counts.err;
  std::map<std::string, nlohmann::json> n;
  const auto counts_json = nlohmann::json::parse(counts.out);
  for (const auto& l : counts_json.at("subgroups").at("levels")) n[l.at("level").get<std::string>()] = l.at("n");
  EXPECT_EQ(n.at("random"), 222519);
  EXPECT_EQ(n.at("alternate"), 13869);
  EXPECT_EQ(n.at("systematic"), 120959);
  const auto means_file = temp_file("compare_means_sg.csv",
                                    "study,m1,s1,n1,m2,s2,n2,g\nA,5,1,10,4,1,12,x\nB,1,1,20,2,1,21,x\nC,3,2,30,2,2,31,y\n");
  const auto means = run({"compare", means_file.string(), "--label", "study", "--mean-1", "m1", "--sd-1", "s1", "--n-1",
                          "n1", "--mean-2", "m2", "--sd-2", "s2", "--n-2", "n2", "--subgroup", "g", "--format", "json"});
  ASSERT_EQ(means.code, 0) << means.err;
  const auto ml = nlohmann::json::parse(means.out).at("subgroups").at("levels");
  EXPECT_EQ(ml.at(0).at("n"), 63);
  EXPECT_EQ(ml.at(1).at("n"), 61);
  const auto reported = temp_file("compare_rep_sg.csv", "study,hr,se,g\nA,0.5,0.2,x\nB,0.6,0.25,x\nC,0.9,0.3,y\n");
  const auto rep = run({"compare", reported.string(), "--label", "study", "--estimate", "hr", "--se", "se", "--ratio",
                        "--subgroup", "g", "--format", "json"});
  ASSERT_EQ(rep.code, 0) << rep.err;
  const auto rep_json = nlohmann::json::parse(rep.out);
  for (const auto& l : rep_json.at("subgroups").at("levels")) EXPECT_TRUE(l.at("n").is_null());
}

// Options are checked as 'carta pool' checks them, whether or not they are used; options of
// another input mode are refused, never ignored.
TEST(Compare, EveryOptionIsCheckedAndNoneIsIgnored) {
  const auto bogus = run(bcg_counts({"--subgroup-test", "bogus"}));
  EXPECT_EQ(bogus.code, 64);
  EXPECT_THAT(bogus.err, HasSubstr("--subgroup-test"));
  const auto zero = run(bcg_counts({"--min-k", "0"}));
  EXPECT_EQ(zero.code, 64);
  EXPECT_THAT(zero.err, HasSubstr("--min-k must be at least 1"));
  const auto rr = source_path("examples/comparative/bcg_rr.csv").string();
  const std::vector<std::string> reported{"compare", rr, "--label", "trial", "--estimate", "rr", "--lower", "lower",
                                          "--upper", "upper", "--ratio"};
  for (const char* option : {"--n-1", "--n-2"}) {
    auto args = reported;
    args.insert(args.end(), {option, "lower"});
    const auto r = run(args);
    EXPECT_EQ(r.code, 64) << option;
    EXPECT_THAT(r.err, HasSubstr("--n-1/--n-2 is for two-arm counts and means")) << option;
  }
  const auto oe = temp_file("compare_oe_se.csv", "study,oe,v,se\nA,-5.2,20.1,0.2\nB,-3,15,0.3\n");
  const auto se_alone = run({"compare", oe.string(), "--label", "study", "--oe", "oe", "--v", "v", "--ratio", "--se", "se"});
  EXPECT_EQ(se_alone.code, 64);
  EXPECT_THAT(se_alone.err, HasSubstr("--se, --vi, --lower, --upper and --p qualify an --estimate column"));
}

// A mean of 1e308 or an SD of 1e-200 gives no finite effect: an error naming the line, not one
// from the pooling without a place.
TEST(Compare, MeansWithoutAFiniteEffectNameTheLine) {
  for (const char* row : {"B,1e308,1,10,-1e308,1,10", "B,1,1e-200,10,2,1e-200,10"}) {
    const auto file = temp_file("compare_huge_means.csv", fmt::format("study,m1,s1,n1,m2,s2,n2\nA,5,1,10,4,1,12\n{}\n", row));
    for (const char* measure : {"MD", "SMD"}) {
      const auto r = run({"compare", file.string(), "--label", "study", "--mean-1", "m1", "--sd-1", "s1", "--n-1", "n1",
                          "--mean-2", "m2", "--sd-2", "s2", "--n-2", "n2", "--measure", measure});
      EXPECT_EQ(r.code, 65) << row << " " << measure;
      EXPECT_THAT(r.err, HasSubstr("compare_huge_means.csv:3: study 'B':")) << row << " " << measure << ": " << r.err;
    }
  }
}

// Medians with quartiles and/or ranges stand in for missing means and SDs (R meta's defaults:
// Luo, Wan, Shi), each estimate flagged in the JSON, marked in the text and named in a note.
std::vector<std::string> median_mean_args(const std::string& file, std::vector<std::string> extra) {
  std::vector<std::string> args{"compare", file, "--label", "label", "--mean-1", "m1i", "--sd-1", "sd1i", "--n-1", "n1i",
                                "--median-1", "med1i", "--q1-1", "q1_1", "--q3-1", "q3_1", "--min-1", "min1i",
                                "--max-1", "max1i", "--mean-2", "m2i", "--sd-2", "sd2i", "--n-2", "n2i",
                                "--median-2", "med2i", "--q1-2", "q1_2", "--q3-2", "q3_2", "--min-2", "min2i",
                                "--max-2", "max2i"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

TEST(Compare, MediansStandInForMissingMeansAndSdsWithFlags) {
  const std::string file = source_path("fixtures/datasets/median_mean.csv").string();
  const auto j = run(median_mean_args(file, {"--format", "json"}));
  ASSERT_EQ(j.code, 0) << j.err;
  const auto doc = nlohmann::json::parse(j.out);
  const auto& studies = doc.at("studies");
  ASSERT_EQ(studies.size(), 6U);
  std::map<std::string, nlohmann::json> by;
  for (const auto& s : studies) by[s.at("label").get<std::string>()] = s;
  EXPECT_EQ(by["Reported"].at("mean_1_from"), "reported");
  EXPECT_EQ(by["Reported"].at("sd_2_from"), "reported");
  EXPECT_EQ(by["Five"].at("mean_1_from"), "iqr.range");
  EXPECT_EQ(by["IQR"].at("sd_2_from"), "iqr");
  EXPECT_EQ(by["Range"].at("mean_1_from"), "range");
  EXPECT_EQ(by["MeanOnly"].at("mean_1_from"), "reported");  // its mean is reported: only the SD is estimated
  EXPECT_EQ(by["MeanOnly"].at("sd_1_from"), "iqr");
  EXPECT_EQ(by["Mixed"].at("mean_2_from"), "range");
  // R meta 8.4-0's metacont values (fixtures/metafor/median_mean.json)
  EXPECT_NEAR(by["Five"].at("mean_1").get<double>(), 8.46552670814814, 1e-12);
  EXPECT_NEAR(by["Five"].at("sd_1").get<double>(), 7.19240380575459, 1e-12);
  EXPECT_NEAR(by["MeanOnly"].at("sd_1").get<double>(), 3.01857585139319, 1e-12);
  EXPECT_NEAR(by["Mixed"].at("yi").get<double>(), 0.741879435749396, 1e-12);
  bool noted = false;
  for (const auto& n : doc.at("notes")) {
    noted = noted || n.get<std::string>().find("MeanOnly (arm 1 SD from iqr)") != std::string::npos;
  }
  EXPECT_TRUE(noted) << doc.at("notes").dump();
  EXPECT_THAT(j.err, HasSubstr("means and SDs estimated from the median"));
  EXPECT_THAT(j.err, Not(HasSubstr("Reported (")));  // the study with its own means is not named

  const auto t = run(median_mean_args(file, {"--measure", "SMD"}));
  ASSERT_EQ(t.code, 0) << t.err;
  EXPECT_THAT(t.out, HasSubstr("~8.46553 (~7.1924) 10"));
  EXPECT_THAT(t.out, HasSubstr("5.2 (~3.01858) 30"));
  EXPECT_THAT(t.out, HasSubstr("~ estimated from the median with the IQR and/or the range"));
  EXPECT_THAT(t.out, HasSubstr("note: means and SDs estimated from the median"));
  EXPECT_THAT(t.out, HasSubstr("Five (arm 1 mean and SD from iqr.range; arm 2 mean and SD from iqr.range)"));

  // Without the median columns the same rows have no means: left out with a note, not estimated.
  const auto plain = run({"compare", file, "--label", "label", "--mean-1", "m1i", "--sd-1", "sd1i", "--n-1", "n1i",
                          "--mean-2", "m2i", "--sd-2", "sd2i", "--n-2", "n2i", "--format", "json"});
  ASSERT_EQ(plain.code, 0) << plain.err;
  EXPECT_EQ(nlohmann::json::parse(plain.out).at("k"), 1);
}

TEST(Compare, MediansOutOfOrderOrHalfGivenAreErrors) {
  const auto file = temp_file("compare_median_bad.csv",
                              "study,n1,med1,a1,b1,lo1,hi1,n2,m2,s2\nA,20,6,4,10,1,25,20,5,2\nB,20,3,4,10,1,25,20,5,2\n");
  const std::vector<std::string> base{"compare", file.string(), "--label", "study", "--n-1", "n1", "--median-1", "med1",
                                      "--min-1", "lo1", "--max-1", "hi1", "--n-2", "n2", "--mean-2", "m2", "--sd-2", "s2"};
  auto with_iqr = base;
  with_iqr.insert(with_iqr.end(), {"--q1-1", "a1", "--q3-1", "b1"});
  const auto order = run(with_iqr);
  EXPECT_EQ(order.code, 65) << order.err;
  // the cell named is the quartile above the median, with file:line:column
  EXPECT_THAT(order.err, HasSubstr("compare_median_bad.csv:3:4 (column 'a1'): arm 1 of study 'B': the first quartile (4) "
                                   "is above the median (3)"));
  EXPECT_THAT(order.err, HasSubstr("minimum <= first quartile <= median"));
  auto half = base;
  half.insert(half.end(), {"--q1-1", "a1"});
  const auto h = run(half);
  EXPECT_EQ(h.code, 64);
  EXPECT_THAT(h.err, HasSubstr("an interquartile range needs both quartiles: give --q1-1 and --q3-1"));
  const auto small = temp_file("compare_median_n1.csv", "study,n1,med1,lo1,hi1,n2,m2,s2\nA,1,6,1,25,20,5,2\n");
  const auto n1 = run({"compare", small.string(), "--label", "study", "--n-1", "n1", "--median-1", "med1", "--min-1",
                       "lo1", "--max-1", "hi1", "--n-2", "n2", "--mean-2", "m2", "--sd-2", "s2"});
  EXPECT_EQ(n1.code, 65);
  EXPECT_THAT(n1.err, HasSubstr("compare_median_n1.csv:2:2 (column 'n1'): arm 1 of study 'A' has 1 patients"));
}

// A p-value below 0.0001 reads "p < 0.0001", never "p = < 0.0001".
TEST(Compare, SmallPValuesReadAsAnInequality) {
  const auto r = run(bcg_counts({"--subgroup", "alloc", "--bias"}));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("(p < 0.0001)"));
  EXPECT_THAT(r.out, Not(HasSubstr("= <")));
}

}  // namespace
}  // namespace carta::test
