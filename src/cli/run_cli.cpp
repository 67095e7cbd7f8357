#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <iostream>

#include "carta/cli.hpp"
#include "carta/error.hpp"
#include "carta/version.hpp"
#include "compare_command.hpp"
#include "pool_command.hpp"
#include "report_command.hpp"
#include "review_command.hpp"
#include "serve_command.hpp"
#include "survival_command.hpp"

namespace carta {

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"carta: meta-analysis of single-arm trials (CAR-T cell therapy in ALL and beyond).\n"
               "Same numbers as R metafor, in one reproducible run.",
               "carta"};
  // One line: the version (VERSION file), the git commit it was built from and the build type.
  app.set_version_flag("--version", fmt::format("carta {} (commit {}, build type {})", kVersion, kCommit, kBuildType));
  app.require_subcommand(1);
  app.footer("Run 'carta pool --help' for the pooling options, presets and examples, and 'carta report --help' for "
             "whole reviews from an analysis spec; 'carta survival --help' pools OS/EFS, 'carta km' and "
             "'carta km-reconstruct' estimate and reconstruct Kaplan-Meier curves.");
  cli::PoolArgs pool_args;
  CLI::App* pool = cli::add_pool_command(app, pool_args);
  cli::ReportArgs report_args;
  CLI::App* report = cli::add_report_command(app, report_args);
  cli::CompareArgs compare_args;
  CLI::App* compare = cli::add_compare_command(app, compare_args);
  cli::SurvivalArgs survival_args;
  CLI::App* survival = cli::add_survival_command(app, survival_args);
  cli::SurvivalCurveArgs curve_args;
  CLI::App* survival_curve = cli::add_survival_curve_command(app, curve_args);
  cli::ScreeningArgs screening_args;
  CLI::App* screening = cli::add_screening_command(app, screening_args);
  cli::DedupArgs dedup_args;
  CLI::App* dedup = cli::add_dedup_command(app, dedup_args);
  cli::ReconcileArgs reconcile_args;
  CLI::App* reconcile = cli::add_reconcile_command(app, reconcile_args);
  cli::PrismaArgs prisma_args;
  CLI::App* prisma = cli::add_prisma_command(app, prisma_args);
  cli::RobArgs rob_args;
  CLI::App* rob = cli::add_rob_command(app, rob_args);
  cli::KmArgs km_args;
  CLI::App* km = cli::add_km_command(app, km_args);
  cli::ServeArgs serve_args;
  CLI::App* serve = cli::add_serve_command(app, serve_args);
  cli::KmReconstructArgs reconstruct_args;
  CLI::App* reconstruct = cli::add_km_reconstruct_command(app, reconstruct_args);

  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 parses a reversed vector
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e, out, err);
    if (code == 0) return 0;
    if (args.empty()) err << app.help();
    return exit_code(ErrorCategory::kInvalidOption);
  }

  // The command's code, unless its output did not reach standard output (a full disk, a closed
  // stream): then 66, never a silent success.
  auto finished = [&](int code) {
    out.flush();
    if (!out) {
      err << "carta: error: the output could not be written to standard output (disk full, or the stream is "
             "closed)\n";
      return exit_code(ErrorCategory::kIo);
    }
    return code;
  };
  try {
    if (pool->parsed()) return finished(cli::run_pool(pool_args, out, err));
    if (report->parsed()) return finished(cli::run_report(report_args, out, err));
    if (compare->parsed()) return finished(cli::run_compare(compare_args, out, err));
    if (survival->parsed()) return finished(cli::run_survival(survival_args, out, err));
    if (survival_curve->parsed()) return finished(cli::run_survival_curve(curve_args, out, err));
    if (screening->parsed()) return finished(cli::run_screening(screening_args, out, err));
    if (dedup->parsed()) return finished(cli::run_dedup(dedup_args, out, err));
    if (reconcile->parsed()) return finished(cli::run_reconcile(reconcile_args, out, err));
    if (prisma->parsed()) return finished(cli::run_prisma(prisma_args, out, err));
    if (rob->parsed()) return finished(cli::run_rob(rob_args, out, err));
    if (serve->parsed()) return finished(cli::run_serve(serve_args, std::cin, out, err));
    if (km->parsed()) return finished(cli::run_km(km_args, out, err));
    if (reconstruct->parsed()) return finished(cli::run_km_reconstruct(reconstruct_args, out, err));
  } catch (const Error& e) {
    err << "carta: error: " << e.what() << '\n';
    return exit_code(e.category());
  } catch (const std::exception& e) {
    err << "carta: internal error: " << e.what() << "\nPlease report this with the input that caused it.\n";
    return exit_code(ErrorCategory::kInternal);
  }
  err << app.help();
  return exit_code(ErrorCategory::kInvalidOption);
}

}  // namespace carta
