// The survival inputs: the per-study survival-report loader (every kind of column), the pooling of
// what it loads, the long-format study-curve loader, and the IPD reader with Kaplan-Meier and the
// study curve on a grid. The input is a reports CSV, a line "---", and an IPD CSV.
#include <array>

#include "carta/io/survival_table.hpp"
#include "carta/io/table.hpp"
#include "carta/kaplan_meier.hpp"
#include "carta/summary_curve.hpp"
#include "carta/survival.hpp"
#include "fuzz_target.hpp"

namespace {

void reports(std::string_view text) {
  const auto table = carta::io::parse_delimited(text, ',', "reports.csv");
  carta::io::SurvivalColumns columns;
  columns.label = "study";
  columns.s = "s";
  columns.s_lb = "s_lb";
  columns.s_ub = "s_ub";
  columns.s_time_column = "t";
  columns.median = "median";
  columns.median_lb = "median_lb";
  columns.median_ub = "median_ub";
  columns.events = "events";
  columns.person_time = "pt";
  columns.n = "n";
  try {
    (void)carta::io::load_study_curves(table, "study", "t", "s", "n");
  } catch (const carta::Error&) {
    // A table may be a valid report table and not a valid curve table; carry on.
  }
  const auto load = carta::io::load_survival_reports(table, columns);
  carta::SurvivalOptions options;
  (void)carta::pool_survival(load.reports, options);
}

void ipd(std::string_view text) {
  const auto data = carta::io::ipd_from_table(carta::io::parse_delimited(text, ',', "ipd.csv"));
  const auto km = carta::kaplan_meier(data);
  (void)km.median();
  (void)km.at(12.0);
  (void)carta::step_corners(km);
  const std::array<double, 4> grid{0.0, 6.0, 12.0, 24.0};
  (void)carta::study_curve_from_km("ipd", km, grid);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return carta::fuzz::run(data, size, [](std::string_view text) {
    const auto split = text.find("\n---\n");
    if (split != std::string_view::npos) {
      try {
        ipd(text.substr(split + 5));
      } catch (const carta::Error&) {
        // Reported as it should be; the reports part is still worth running.
      }
    }
    reports(text.substr(0, split));
  });
}
