#pragma once
// The options that many commands share, declared once (as mlpack generates every binding from one
// option table): where the result goes (-o/--out FILE, --format), the confidence level (--level),
// the study column (--label), and progress lines (--progress). A command draws the ones it needs
// from here, so the names, spellings, help texts and checks are the same everywhere by
// construction; tests/cli checks that every command has them. Bad values are errors naming the
// option, the value and what is allowed.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <initializer_list>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "carta/error.hpp"
#include "carta/level.hpp"
#include "carta/pool.hpp"
#include "carta/small_study.hpp"

namespace carta::cli {

template <typename Enum>
Enum parse_or_throw(std::optional<Enum> parsed, const std::string& option, const std::string& value,
                    const char* allowed) {
  if (!parsed) {
    throw Error(ErrorCategory::kInvalidOption, fmt::format("{} '{}' is not one of: {}", option, value, allowed));
  }
  return *parsed;
}

// A confidence level as 0.95 or 95 (carta/level.hpp).
inline double parse_level(double given, const char* option) {
  const auto level = confidence_level(given);
  if (!level) throw Error(ErrorCategory::kInvalidOption, fmt::format("{} is {}, but must be {}", option, given, kLevelRule));
  return *level;
}

// The shared options' names and help texts: the one table every command draws from.
struct SharedOption {
  const char* names;
  const char* help;
};
inline constexpr SharedOption kOutOption{
    "-o,--out,--output", "into this file instead of standard output (it appears whole or not at all)"};
inline constexpr SharedOption kFormatOption{"--format", "default {}, or the one the extension of --out names"};
inline constexpr SharedOption kLevelOption{"--level", "confidence level of the intervals, as 0.95 or 95"};
inline constexpr SharedOption kLabelOption{"--label,--study", "column holding the study labels"};
inline constexpr SharedOption kProgressOption{
    "--progress", "print progress lines on standard error (default: only when standard error is a terminal)"};
inline constexpr SharedOption kTau2CiOption{
    "--tau2-ci", "interval for tau^2 and tau (and I^2, H^2, except under --preset meta, whose are Q-based): qp "
                 "(Q-profile), pl (profile likelihood) or wald; default: the preset's (Q-profile; under --preset meta "
                 "--method DL Jackson's generalised Q)"};
inline constexpr SharedOption kTrimFillOption{
    "--trimfill-estimator", "trim-and-fill's estimator of the number of missing studies: L0 (default) or R0 "
                            "(Duval & Tweedie 2000)"};
inline constexpr SharedOption kOutDirOption{"--out-dir", "also write every output file of the command into this folder"};

// --tau2-ci METHOD into `text`; parse_tau2_ci_option gives nullopt when it was not given.
void add_tau2_ci_option(CLI::App* cmd, std::string& text);
std::optional<Tau2CiMethod> parse_tau2_ci_option(const std::string& text);

// --trimfill-estimator L0|R0 into `text` (default L0); the parse names the option on a bad value.
void add_trimfill_option(CLI::App* cmd, std::string& text);
TrimFillEstimator parse_trimfill_option(const std::string& text);

// Where a command's result goes and in which format. `format` is one of the command's formats
// (lower case) after parsing; `format_given` says whether --format was on the command line.
struct OutputArgs {
  std::string path;    // empty: standard output
  std::string format;  // set to the command's first format unless given or implied by --out
  bool format_given = false;

  bool to_stdout() const { return path.empty(); }
};

// -o/--out/--output FILE and --format F (case-insensitive, one of `formats`; the first is the
// default). Without --format, an --out name whose extension is one of the formats chooses it
// (results.json -> json). `result` says what the result is, for --help.
void add_output_options(CLI::App* cmd, OutputArgs& args, std::initializer_list<const char*> formats, const char* result);

// --out-dir DIR, for commands whose result is several files (figures, tables). An --out that is an
// existing folder, ends in '/', or is a new name without an extension is read as --out-dir (the
// spelling of earlier versions), with a note on standard error.
void add_out_dir_option(CLI::App* cmd, std::string& dir, const char* what);
// After parsing: moves a folder-like --out to the folder and returns the note to print, if any.
std::optional<std::string> out_as_folder(OutputArgs& output, std::string& dir);

// --level (0.95 or 95), to be read through parse_level.
void add_level_option(CLI::App* cmd, double& level, const char* help = kLevelOption.help);

// --label (alias --study, and `alias` when a command had another name for it): the column of study
// labels.
CLI::Option* add_label_option(CLI::App* cmd, std::string& label, const char* help = kLabelOption.help,
                              const char* alias = nullptr);

// --progress; progress lines are printed when it is given or when standard error is a terminal.
void add_progress_option(CLI::App* cmd, bool& progress);
bool show_progress(bool progress_flag);

// A figure option's file (--forest FILE): its format by the extension, svg, png or pdf; anything
// else is an error naming the option.
std::string figure_format(const char* option, const std::string& path);
// Writes the figure in the format its name asks for (PNG and PDF drawn from the SVG).
void write_figure(const char* option, const std::string& path, const std::string& svg);

// Writes a whole result to standard output or, atomically, to the --out file.
void write_result(const OutputArgs& output, const std::string& content, std::ostream& out);

}  // namespace carta::cli
