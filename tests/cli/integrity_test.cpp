// "Nothing lost, nothing silent" for outputs: an output never destroys an input, another output,
// a device or a symbolic link, and a write that fails is an error (exit 66), never exit 0.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "carta/cli.hpp"
#include "compare.hpp"
#include "test_folder.hpp"

namespace carta::test {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run run(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = run_cli(args, out, err);
  return {code, out.str(), err.str()};
}

void write(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

const std::string kStudies = "label,x,n\nA,3,10\nB,5,12\nC,7,20\n";
const std::string kRis = "TY  - JOUR\nTI  - A trial of CAR-T cells\nAU  - Smith, J\nPY  - 2020\nER  - \n";

TEST(OutputIntegrity, AnOutputThatIsAnInputIsRefusedBeforeAnyWork) {
  const auto dir = test_folder("integrity_same");
  write(dir / "a.ris", kRis);
  auto r = run({"dedup", (dir / "a.ris").string(), "--out", (dir / "a.ris").string()});
  EXPECT_EQ(r.code, 64);
  EXPECT_THAT(r.err, HasSubstr("--out " + (dir / "a.ris").string() + " is also an input of this run (FILE"));
  EXPECT_EQ(read_text(dir / "a.ris"), kRis);
  // The same file under another name (./a.ris, a hard link) is the same file.
  fs::create_hard_link(dir / "a.ris", dir / "hard.ris");
  r = run({"dedup", (dir / "a.ris").string(), "--duplicates", (dir / "hard.ris").string()});
  EXPECT_EQ(r.code, 64);
  EXPECT_EQ(read_text(dir / "a.ris"), kRis);

  write(dir / "a.csv", "id,v\n1,x\n");
  write(dir / "b.csv", "id,v\n1,y\n");
  r = run({"reconcile", (dir / "a.csv").string(), (dir / "b.csv").string(), "--key", "id", "--out",
           (dir / "." / "a.csv").string()});
  EXPECT_EQ(r.code, 64);
  EXPECT_THAT(r.err, HasSubstr("is also an input of this run (A "));
  EXPECT_EQ(read_text(dir / "a.csv"), "id,v\n1,x\n");

  write(dir / "c.csv", "time,survival\n0,1\n6,0.8\n12,0.6\n");
  write(dir / "r.csv", "time,n_risk\n0,20\n6,15\n12,10\n");
  r = run({"km-reconstruct", "--curve", (dir / "c.csv").string(), "--at-risk", (dir / "r.csv").string(), "--out",
           (dir / "c.csv").string()});
  EXPECT_EQ(r.code, 64);
  EXPECT_THAT(r.err, HasSubstr("is also an input of this run (--curve "));

  write(dir / "s.csv", kStudies);
  r = run({"pool", (dir / "s.csv").string(), "--events", "x", "--n", "n", "-o", (dir / "s.csv").string()});
  EXPECT_EQ(r.code, 64);
  EXPECT_EQ(read_text(dir / "s.csv"), kStudies);
}

TEST(OutputIntegrity, TwoOutputsOfOneRunMustDiffer) {
  const auto dir = test_folder("integrity_two");
  write(dir / "a.csv", "id,v\n1,x\n");
  write(dir / "b.csv", "id,v\n1,y\n");
  const auto r = run({"reconcile", (dir / "a.csv").string(), (dir / "b.csv").string(), "--key", "id", "--out",
                      (dir / "m.csv").string(), "--conflicts", (dir / "m.csv").string()});
  EXPECT_EQ(r.code, 64);
  EXPECT_THAT(r.err, HasSubstr("--out " + (dir / "m.csv").string() + " and --conflicts"));
  EXPECT_THAT(r.err, HasSubstr("are the same file"));
  EXPECT_FALSE(fs::exists(dir / "m.csv"));
}

TEST(OutputIntegrity, DevicesAreWrittenNotReplaced) {
  const auto dir = test_folder("integrity_devices");
  write(dir / "s.csv", kStudies);
  auto r = run({"pool", (dir / "s.csv").string(), "--events", "x", "--n", "n", "-o", "/dev/null"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
  // Two outputs that are the same device are fine.
  write(dir / "a.csv", "id,v\n1,x\n");
  write(dir / "b.csv", "id,v\n1,x\n");
  r = run({"reconcile", (dir / "a.csv").string(), (dir / "b.csv").string(), "--key", "id", "--out", "/dev/null",
           "--conflicts", "/dev/null"});
  EXPECT_EQ(r.code, 0) << r.err;
  // A full device: the write fails and says so (exit 66).
  r = run({"pool", (dir / "s.csv").string(), "--events", "x", "--n", "n", "-o", "/dev/full"});
  EXPECT_EQ(r.code, 66);
  EXPECT_THAT(r.err, HasSubstr("/dev/full: write failed"));
  // A folder is not a file.
  r = run({"pool", (dir / "s.csv").string(), "--events", "x", "--n", "n", "-o", dir.string()});
  EXPECT_EQ(r.code, 66);
  EXPECT_THAT(r.err, HasSubstr("is a folder"));
  EXPECT_TRUE(fs::is_directory(dir));
}

TEST(OutputIntegrity, ASymbolicLinkStaysAndItsTargetIsWritten) {
  const auto dir = test_folder("integrity_link");
  write(dir / "s.csv", kStudies);
  write(dir / "target.txt", "old");
  fs::create_symlink(dir / "target.txt", dir / "link.txt");
  const auto r = run({"pool", (dir / "s.csv").string(), "--events", "x", "--n", "n", "-o", (dir / "link.txt").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(dir / "link.txt"));
  EXPECT_THAT(read_text(dir / "target.txt"), HasSubstr("Meta-analysis of proportions"));
}

// A stream that refuses every write: standard output on a full disk, or closed.
class FullBuffer : public std::streambuf {
 protected:
  int_type overflow(int_type) override { return traits_type::eof(); }
  std::streamsize xsputn(const char*, std::streamsize) override { return 0; }
};

TEST(OutputIntegrity, AFailedStandardOutputIsExit66) {
  const auto dir = test_folder("integrity_stdout");
  write(dir / "s.csv", kStudies);
  FullBuffer full;
  std::ostream out(&full);
  std::ostringstream err;
  const int code = run_cli({"pool", (dir / "s.csv").string(), "--events", "x", "--n", "n"}, out, err);
  EXPECT_EQ(code, 66);
  EXPECT_THAT(err.str(), HasSubstr("could not be written to standard output"));
}

TEST(NothingSilent, ZeroContinuityCorrectionLeavesOutStudiesWithoutAnEstimateAndSaysSo) {
  // As metafor's rma(measure = "PLO", add = 0): the 0/10 study has no logit and is left out; the
  // rest are pooled (metafor: k = 3, estimate -1.2719 here as in R).
  const auto dir = test_folder("integrity_cc0");
  write(dir / "s.csv", "label,x,n\nA,0,10\nB,3,12\nC,5,20\nD,2,15\n");
  auto r = run({"pool", (dir / "s.csv").string(), "--events", "x", "--n", "n", "--label", "label", "--cc", "0",
                "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc.at("k").get<int>(), 3);
  EXPECT_THAT(r.out, HasSubstr("1 study with 0 or all events has no PLO estimate without a correction and is left "
                               "out, as metafor does: A (0/10)"));
  // Nothing left: an error saying what to do, not a crash or an internal error.
  write(dir / "z.csv", "label,x,n\nA,0,10\nB,0,12\n");
  r = run({"pool", (dir / "z.csv").string(), "--events", "x", "--n", "n", "--cc", "0"});
  EXPECT_EQ(r.code, 65);
  EXPECT_THAT(r.err, HasSubstr("use --cc 0.5, or the PFT or PAS measure"));
}

}  // namespace
}  // namespace carta::test
