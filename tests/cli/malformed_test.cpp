// The catalogue of malformed inputs (tests/malformed/): every command exits non-zero with a
// message that says where and what, and never crashes or hangs.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "carta/cli.hpp"
#include "compare.hpp"

namespace carta::test {
namespace {

using ::testing::HasSubstr;

struct Case {
  const char* name;
  std::vector<std::string> args;  // "{}" is replaced by the path of tests/malformed/<file>
  const char* file;
  int exit_code;
  const char* message;
};

std::string malformed(const char* file) { return source_path(std::string("tests/malformed/") + file).string(); }

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class Malformed : public ::testing::TestWithParam<Case> {};

TEST_P(Malformed, ExitsWithAClearMessage) {
  const Case& c = GetParam();
  std::vector<std::string> args;
  for (const auto& a : c.args) args.push_back(a == "{}" ? malformed(c.file) : a == "GOOD" ? malformed("good_curve.csv")
                                                                : a == "GOOD_RISK" ? malformed("good_at_risk.csv")
                                                                : a == "GOOD_POOL" ? source_path("examples/cart-ball/studies.csv").string()
                                                                : a == "GOOD_IPD"  ? source_path("fixtures/datasets/survival/ipd_half.csv").string()
                                                                                   : a);
  std::ostringstream out, err;
  const int code = run_cli(args, out, err);
  EXPECT_EQ(code, c.exit_code) << err.str();
  EXPECT_THAT(err.str(), HasSubstr(c.message));
}

const std::vector<std::string> kPool{"pool", "{}", "--events", "events", "--n", "n", "--label", "label"};

INSTANTIATE_TEST_SUITE_P(
    Catalogue, Malformed,
    ::testing::Values(
        Case{"ragged", kPool, "ragged.csv", 65, "ragged.csv:3:1: this row has 2 fields but the header has 3"},
        Case{"unterminated_quote", kPool, "unterminated_quote.csv", 65, "unterminated_quote.csv:3:1: this quote is never closed"},
        Case{"binary", kPool, "binary.csv", 65, "binary.csv:1:1: NUL byte"},
        Case{"utf16", kPool, "utf16.csv", 65, "the file is UTF-16 encoded; save it as UTF-8"},
        Case{"decimal_comma", kPool, "decimal_comma.csv", 65, "decimal_comma.csv:2:2 (column 'events'): value '1,5' contains a comma"},
        Case{"thousands_separator", kPool, "thousands_separator.csv", 65, "value '1,000' contains a comma"},
        Case{"huge_number", kPool, "huge_number.csv", 65, "value '1e400' is not a whole number"},
        Case{"nan", kPool, "nan.csv", 65, "value 'NaN' is not a number"},
        Case{"count_with_decimal", kPool, "count_with_decimal.csv", 65, "value '12.0' is not a whole number"},
        Case{"spreadsheet", kPool, "spreadsheet.xlsx", 65,
             "spreadsheet.xlsx:1:1: the file is an Excel workbook (.xlsx; save it as CSV UTF-8)"},
        Case{"european_thousands", kPool, "european_thousands.csv", 65,
             "european_thousands.csv:2:1: column 'n': '1.200' in a semicolon-separated file"},
        Case{"empty", kPool, "empty.csv", 65, "empty.csv: the file is empty"},
        Case{"header_only", kPool, "header_only.csv", 65, "no usable study"},
        Case{"missing_file", kPool, "no_such_file.csv", 66, "no_such_file.csv"},
        // carta screening: its own files and every other file it may be given by mistake.
        Case{"screening_truncated_rayyan", {"screening", "{}"}, "truncated_rayyan.csv", 65,
             "truncated_rayyan.csv:3:23: this quote is never closed"},
        Case{"screening_rayyan_bad_vote", {"screening", "{}"}, "rayyan_bad_vote.csv", 65,
             "rayyan_bad_vote.csv:3:3 (column 'notes'): Alice's decision 'Undecided' is not one of Rayyan's"},
        Case{"screening_bad_adjudicator", {"screening", "{}"}, "screening_bad_adjudicator.csv", 65,
             "screening_bad_adjudicator.csv:4:6 (column 'adjudicator'): adjudicator 'maybe' is neither yes nor no"},
        Case{"screening_empty", {"screening", "{}"}, "empty.csv", 65, "empty.csv: the file is empty"},
        Case{"screening_header_only", {"screening", "{}"}, "header_only.csv", 65, "these are not screening decisions"},
        Case{"screening_binary", {"screening", "{}"}, "binary.csv", 65, "binary.csv:1:1: NUL byte"},
        Case{"screening_utf16", {"screening", "{}"}, "utf16.csv", 65, "the file is UTF-16 encoded"},
        Case{"screening_ris", {"screening", "{}"}, "truncated.ris", 65, "a RIS records export (search results), not screening"},
        Case{"screening_reviewers_3", {"screening", "{}", "--reviewers", "3"}, "rayyan_bad_vote.csv", 64,
             "--reviewers '3': give 1 (one vote moves a record on"},
        Case{"screening_reviewers_stage", {"screening", "{}", "--reviewers", "screening=1"}, "rayyan_bad_vote.csv", 64,
             "'screening' is not a stage"},
        Case{"bad_continuation", {"dedup", "{}", "--strict"}, "bad_continuation.nbib", 65,
             "bad_continuation.nbib:3: 'not indented continuation' is not a MEDLINE line"},
        Case{"wrong_type", {"report", "{}", "--out", "/tmp/carta_malformed_report"}, "wrong_type.toml", 65,
             "wrong_type.toml:2: 'file' must be a text in quotes"},
        Case{"rising_curve", {"km-reconstruct", "--curve", "{}", "--at-risk", "GOOD_RISK", "--out", "/tmp/carta_malformed.csv"},
             "rising_curve.csv", 65, "a Kaplan-Meier curve never goes up"},
        Case{"rising_at_risk",
             {"km-reconstruct", "--curve", "GOOD", "--at-risk", "{}", "--out", "/tmp/carta_malformed.csv"},
             "rising_at_risk.csv", 65, "the number at risk cannot increase"},
        Case{"rising_at_risk_long",
             {"survival-curve", "{}", "--study", "study", "--time", "time", "--s", "s", "--n-risk", "n"},
             "rising_at_risk_long.csv", 65, "study 'A': 18 at risk at time 12 but 15 at time 6; the number at risk cannot increase"},
        // A level is a proportion or a percentage from 50 to 100 everywhere; 1.5 is neither.
        Case{"level_1_5_pool", {"pool", "GOOD_POOL", "--events", "cr_events", "--n", "cr_n", "--level", "1.5"},
             "rising_curve.csv", 64, "--level is 1.5, but must be a proportion between 0 and 1 (0.95) or a percentage from 50 to 100 (95)"},
        Case{"level_1_5_km", {"km", "GOOD_IPD", "--level", "1.5"}, "rising_curve.csv", 64, "--level is 1.5"},
        Case{"reported_level_1_5",
             {"survival", "GOOD_POOL", "--label", "study_id", "--s", "os_12mo_pct", "--s-time", "12", "--n", "n_infused",
              "--reported-level", "1.5"},
             "rising_curve.csv", 64, "--reported-level is 1.5"},
        Case{"negative_total_events",
             {"km-reconstruct", "--curve", "GOOD", "--at-risk", "GOOD_RISK", "--total-events", "-5", "--out",
              "/tmp/carta_malformed.csv"},
             "rising_curve.csv", 64, "--total-events is -5, but a number of events must be 0 or more"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(MalformedInputs, TenMegabyteSingleLine) {
  const auto path = std::filesystem::temp_directory_path() / "carta_malformed_long_line.csv";
  {
    std::ofstream f(path, std::ios::binary);
    f << "label,events,n\nA,1," << std::string(10'000'000, '9') << "\n";
  }
  std::ostringstream out, err;
  const int code = run_cli({"pool", path.string(), "--events", "events", "--n", "n", "--label", "label"}, out, err);
  EXPECT_EQ(code, 65);
  EXPECT_THAT(err.str(), HasSubstr("is too large to be a count"));
  EXPECT_LT(err.str().size(), 2000u);  // the message does not echo ten megabytes
}

TEST(MalformedInputs, ScreeningFolderIsRefused) {
  std::ostringstream out, err;
  const int code = run_cli({"screening", source_path("tests/malformed").string()}, out, err);
  EXPECT_EQ(code, 65);
  EXPECT_THAT(err.str(), HasSubstr("is a folder, not a file of screening decisions"));
}

TEST(MalformedInputs, TruncatedRisIsKeptWithANote) {
  std::ostringstream out, err;
  const int code = run_cli({"dedup", malformed("truncated.ris")}, out, err);
  EXPECT_EQ(code, 0);
  EXPECT_THAT(err.str(), HasSubstr("the last record has no ER line (the file may be truncated)"));
}

}  // namespace
}  // namespace carta::test
