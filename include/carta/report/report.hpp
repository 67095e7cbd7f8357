#pragma once
// A reproducible review report from an analysis spec: every outcome pooled with the spec's
// settings, with its subgroup analyses, meta-regressions, small-study tests, leave-one-out and
// sensitivity analyses; written as DIR/index.html (self-contained), DIR/results.json (every
// number with the settings that produced it), CSV tables and DIR/figures/ (SVG, PNG, PDF).
// The analyses run in carta::analysis::run_review; this layer only renders their results.

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "carta/analysis/review_results.hpp"
#include "carta/io/spec.hpp"

namespace carta::report {

struct ReportSummary {
  std::vector<std::filesystem::path> files;  // written, relative to the output folder
  std::vector<std::string> warnings;         // analyses that could not run, and why
};

// Runs the review and writes its report into `out_dir`, replacing a previous report there whole
// (see report_folder.hpp: a folder holding other files, or an input of the run, is refused before
// any work). Throws carta::Error when the spec does not match the data (naming the spec line) or
// the folder cannot be used. `progress` receives one line per step; may be empty.
ReportSummary write_report(const io::ReviewSpec& spec, const std::filesystem::path& out_dir,
                           const std::function<void(std::string_view)>& progress = {});

// The same from results already computed.
ReportSummary write_report(const analysis::ReviewResults& results, const std::filesystem::path& out_dir,
                           const std::function<void(std::string_view)>& progress = {});

}  // namespace carta::report
