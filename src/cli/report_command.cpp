#include "report_command.hpp"

#include <fmt/format.h>

#include <chrono>

#include "carta/io/spec.hpp"
#include "carta/report/report.hpp"
#include "options.hpp"

namespace carta::cli {

CLI::App* add_report_command(CLI::App& app, ReportArgs& args) {
  auto* cmd = app.add_subcommand("report", "Run a whole review from an analysis spec (TOML) and write its report (HTML, Word, Markdown)");
  cmd->add_option("spec", args.spec, "analysis spec, e.g. examples/cart-ball/review.toml (format: docs/spec.md)")->required();
  cmd->add_option("-o,--out", args.out, "output folder (a new or empty folder, or a previous carta report)")
      ->capture_default_str();
  add_progress_option(cmd, args.progress);
  cmd->footer(R"(
Writes OUT/index.html (self-contained: inline CSS and SVG, no script, no network),
OUT/report.docx (the same sections, tables, figures and reference list as a Word document for
the manuscript: A4, figures at the text width), OUT/report.md (Markdown with pipe tables, for
pandoc or a repository), OUT/tables.tex (every table as a LaTeX longtable), OUT/results.json
(every number with the settings that produced it, and for every analysis the studies it used and
those it left out, with why; the methods paragraph and its references), OUT/summary.csv,
OUT/studies_<outcome>.csv and OUT/figures/ (each figure as SVG, PNG and PDF; TIFF and EPS, the
journal widths and the resolution from the spec's [figures], docs/spec.md).

The report is built beside OUT and swapped in whole: an interrupted or failed run leaves the
previous report as it was. OUT must be new, empty or a previous carta report (it holds the
marker OUT/.carta-report listing the files it wrote); a folder holding any other file, or an
input of the run, is refused before any work. Leftovers of a killed run (staging folders,
.NAME.tmpPID files) are removed by the next run.

Example:
  carta report examples/cart-ball/review.toml --out report)");
  return cmd;
}

int run_report(const ReportArgs& args, std::ostream& out, std::ostream& err) {
  const auto start = std::chrono::steady_clock::now();
  const io::ReviewSpec spec = io::load_review_spec(args.spec);
  const bool progress = show_progress(args.progress);
  const auto summary = report::write_report(spec, args.out, [&err, progress](std::string_view step) {
    if (progress) err << "carta: " << step << '\n';
  });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out << fmt::format("Report written to {}/index.html ({} files, {} outcome(s), {:.2f} s)\n", args.out,
                     summary.files.size(), spec.outcomes.size(), seconds);
  for (const auto& w : summary.warnings) out << "  warning: " << w << '\n';
  return 0;
}

}  // namespace carta::cli
