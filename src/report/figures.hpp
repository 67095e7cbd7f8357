#pragma once
// The report's figures drawn from the results model: SVG text only, with file stems that are
// unique and valid file names whatever the outcome names are.

#include <string>
#include <vector>

#include "carta/analysis/review_results.hpp"

namespace carta::report {

struct OutcomeFigures {
  std::string slug;                    // the outcome's unique name in file names and HTML ids
  std::string forest;                  // empty when the outcome was not pooled
  std::vector<std::string> subgroups;  // one per OutcomeResult::subgroups; empty when it did not run
  std::string funnel;                  // empty without small-study analyses
  std::vector<std::string> bubbles;    // one per OutcomeResult::regressions; empty unless one numeric moderator
  std::string baujat;                  // empty without influence diagnostics
};

struct SurvivalFigures {
  std::string slug;
  std::string forest;
  std::string curve;  // the pooled curve over the studies' Kaplan-Meier curves (grid + IPD)
};

struct ReviewFigures {
  std::vector<OutcomeFigures> outcomes;  // one per ReviewResults::outcomes
  std::vector<SurvivalFigures> survival;
  std::string rob_traffic_light, rob_summary, prisma;
};

ReviewFigures draw_figures(const analysis::ReviewResults& results);

// Every figure with its file stem ("forest_complete-remission"), in report order.
struct FigureFile {
  std::string stem;
  const std::string* svg = nullptr;
};
std::vector<FigureFile> figure_files(const ReviewFigures& figures, const analysis::ReviewResults& results);

// The files each figure is written as ("svg", "png", "pdf", and "tiff" and "eps" when asked for).
std::vector<std::string> figure_formats(const io::SpecFigures& print);

// The size in points of a figure's smallest text when it is printed `width_in` inches wide.
double smallest_print_text(const std::string& svg, double width_in);

// The title a figure draws (its first non-empty text), for captions; empty when it has none.
std::string figure_title(const std::string& svg);

// File-name pieces from names: lower-case ASCII letters and digits joined by '-', at most 60
// bytes, "outcome" when nothing is left; made unique by "-2", "-3", ... in order.
std::vector<std::string> unique_slugs(const std::vector<std::string>& names);

}  // namespace carta::report
