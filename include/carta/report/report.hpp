#pragma once
// A reproducible review report from an analysis spec: every outcome pooled with the spec's
// settings, with its subgroup analyses, meta-regressions, small-study tests, leave-one-out and
// sensitivity analyses; written as DIR/index.html (self-contained), DIR/results.json (every
// number with the settings that produced it), CSV tables and DIR/figures/*.svg.

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "carta/io/spec.hpp"

namespace carta::report {

struct ReportSummary {
  std::vector<std::filesystem::path> files;  // written, relative to the output folder
  std::vector<std::string> warnings;         // analyses that could not run, and why
};

// Throws carta::Error when the spec does not match the data (a missing column or study label,
// naming the spec line). `progress` receives one line per step; may be empty.
ReportSummary write_report(const io::ReviewSpec& spec, const std::filesystem::path& out_dir,
                           const std::function<void(std::string_view)>& progress = {});

}  // namespace carta::report
