#include "carta/report/report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "carta/analysis/run_review.hpp"
#include "carta/error.hpp"
#include "carta/io/file.hpp"
#include "carta/io/pool_output.hpp"
#include "carta/io/prisma_table.hpp"
#include "carta/plot/render.hpp"
#include "docx.hpp"
#include "document.hpp"
#include "figures.hpp"
#include "html.hpp"
#include "latex.hpp"
#include "markdown.hpp"
#include "report_folder.hpp"
#include "results_json.hpp"

namespace carta::report {

namespace {

// Every file a run reads: none of them may live in the folder the report replaces.
std::vector<std::filesystem::path> inputs_of(const io::ReviewSpec& spec) {
  std::vector<std::filesystem::path> inputs{spec.path, spec.data_file};
  if (spec.risk_of_bias) inputs.push_back(spec.risk_of_bias->file);
  if (spec.prisma) inputs.push_back(spec.prisma->file);
  return inputs;
}

std::string summary_csv(const analysis::ReviewResults& results) {
  std::string csv =
      "outcome,method,k,patients,random_prop,random_prop_ci_lb,random_prop_ci_ub,random_prop_pi_lb,random_prop_pi_ub,"
      "common_prop,common_prop_ci_lb,common_prop_ci_ub,I2,tau2,Q_p\n";
  for (const auto& run : results.outcomes) {
    if (!run.pool) continue;
    const auto& r = *run.pool;
    std::int64_t patients = 0;
    for (const auto& s : r.studies) patients += s.n;
    csv += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", io::csv_field(run.spec.name), run.method, r.k,
                       patients, r.random.prop, r.random.prop_ci_lb, r.random.prop_ci_ub, r.random.prop_pi_lb,
                       r.random.prop_pi_ub, r.common.prop, r.common.prop_ci_lb, r.common.prop_ci_ub, r.heterogeneity.I2,
                       r.heterogeneity.tau2, r.heterogeneity.Q_p);
  }
  return csv;
}

// Every file of the report, into `dir`.
void write_files(const analysis::ReviewResults& results, const std::filesystem::path& dir, ReportSummary& summary,
                 const std::function<void(std::string_view)>& say) {
  summary.warnings = results.warnings;

  say("drawing figures");
  const ReviewFigures figures = draw_figures(results);
  for (std::size_t i = 0; i < results.outcomes.size(); ++i) {
    if (!results.outcomes[i].pool) continue;
    const std::string name = fmt::format("studies_{}.csv", figures.outcomes[i].slug);
    io::write_file_atomic(dir / name, io::studies_csv(*results.outcomes[i].pool));
    summary.files.emplace_back(name);
  }
  const auto& print = results.spec.figures;
  std::vector<plot::RenderJob> jobs;
  std::size_t too_small = 0;
  double smallest = 1e9;
  std::string smallest_in;
  for (const auto& f : figure_files(figures, results)) {
    const std::string base = (std::filesystem::path("figures") / f.stem).string();
    io::write_file_atomic(dir / (base + ".svg"), *f.svg);
    jobs.emplace_back(*f.svg, dir / (base + ".png"), dir / (base + ".pdf"),
                      print.tiff ? dir / (base + ".tiff") : std::filesystem::path(),
                      print.eps ? dir / (base + ".eps") : std::filesystem::path());
    for (const auto& ext : figure_formats(print)) summary.files.emplace_back(base + "." + ext);
    if (print.width_in) {
      if (const auto small = smallest_print_text(*f.svg, *print.width_in); small < 6.0) {
        ++too_small;
        if (small < smallest) smallest = small, smallest_in = f.stem;
      }
    }
  }
  // One warning for them all, naming the worst.
  if (too_small > 0) {
    summary.warnings.push_back(fmt::format(
        "at {:g} in wide, {} of the {} figures have text below the 6 pt journals ask for (the smallest, {:.1f} pt, in "
        "{}): they are laid out for the screen and shrunk to that width; give [figures] a larger width, or shorten "
        "the labels",
        *print.width_in, too_small, jobs.size(), smallest, smallest_in));
  }
  const plot::PrintSize size{print.width_in.value_or(0.0), print.dpi.value_or(print.width_in ? 300.0 : 192.0)};
  say(fmt::format("rendering {} figures as {}", jobs.size(), fmt::join(figure_formats(print), ", ")));
  plot::render_all(jobs, 0, size);
  if (results.prisma) {
    io::write_file_atomic(dir / "prisma.csv", io::prisma_csv(*results.prisma));
    summary.files.emplace_back("prisma.csv");
  }
  io::write_file_atomic(dir / "results.json", results_json(results).dump(2) + "\n");
  summary.files.emplace_back("results.json");
  io::write_file_atomic(dir / "summary.csv", summary_csv(results));
  summary.files.emplace_back("summary.csv");
  const Document doc = build_document(results, figures);
  say("writing index.html, report.docx, report.md and tables.tex");
  io::write_file_atomic(dir / "index.html", document_html(doc));
  summary.files.emplace_back("index.html");
  write_docx(doc, dir, dir / "report.docx");
  summary.files.emplace_back("report.docx");
  io::write_file_atomic(dir / "report.md", document_markdown(doc));
  summary.files.emplace_back("report.md");
  io::write_file_atomic(dir / "tables.tex", document_latex_tables(doc));
  summary.files.emplace_back("tables.tex");
}

}  // namespace

ReportSummary write_report(const io::ReviewSpec& spec, const std::filesystem::path& out_dir,
                           const std::function<void(std::string_view)>& progress) {
  check_report_folder(out_dir, inputs_of(spec));  // before any work
  return write_report(analysis::run_review(spec, progress), out_dir, progress);
}

ReportSummary write_report(const analysis::ReviewResults& results, const std::filesystem::path& out_dir,
                           const std::function<void(std::string_view)>& progress) {
  auto say = [&](std::string_view s) {
    if (progress) progress(s);
  };
  ReportFolder folder(out_dir, inputs_of(results.spec));
  ReportSummary summary;
  try {
    write_files(results, folder.staging(), summary, say);
  } catch (const Error& e) {
    // Messages name the report's folder, not the staging folder the user never sees.
    std::string message = e.what();
    const std::string staging = folder.staging().string(), target = out_dir.string();
    for (std::size_t at = message.find(staging); at != std::string::npos; at = message.find(staging, at + target.size())) {
      message.replace(at, staging.size(), target);
    }
    throw Error(e.category(), message);
  }
  folder.commit(summary.files);
  return summary;
}

}  // namespace carta::report
