#include "carta/plot/rob_plots.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "carta/plot/svg.hpp"

namespace carta::plot {

namespace {

constexpr double kMargin = 16.0;
constexpr double kFont = 12.0;

const std::string& colour_of(const review::JudgementLevel& level, RobPalette palette) {
  return palette == RobPalette::kCochrane ? level.colour : level.colourblind;
}

// Text on a light fill is dark, on a dark fill white.
std::string ink_for(const std::string& hex) {
  if (hex.size() != 7) return "#000";
  const auto channel = [&](int i) { return std::stoi(hex.substr(static_cast<std::size_t>(1 + 2 * i), 2), nullptr, 16); };
  const double luminance = 0.299 * channel(0) + 0.587 * channel(1) + 0.114 * channel(2);
  return luminance > 150 ? "#000" : "#fff";
}

double legend_height(const review::RobAssessment& a) { return (static_cast<double>(a.domains.size()) + 4.0) * 16.0; }

}  // namespace

std::string traffic_light_svg(const review::RobAssessment& a, const RobPlotOptions& o) {
  const auto& tool = *a.tool;
  const bool nos = tool.rule == review::OverallRule::kNos;
  const double cell = a.domains.size() > 10 ? 28.0 : 36.0;
  const double row = 30.0;
  double label_w = text_width("Study", kFont);
  for (const auto& s : a.studies) label_w = std::max(label_w, text_width(s.study, kFont));
  const double grid_x = kMargin + label_w + 16.0;
  const double columns = static_cast<double>(a.domains.size()) + 1.0;
  double legend_w = 0;
  for (const auto& d : a.domains) legend_w = std::max(legend_w, text_width(fmt::format("{}: {}", d.id, d.name), 11.0));
  std::string key;
  for (const auto& l : tool.levels) key += l.name + "    ";
  legend_w = std::max({legend_w, text_width(key, 11.0) + 30.0 * static_cast<double>(tool.levels.size()),
                       1.15 * text_width(o.title, 14.0)});
  constexpr double kGap = 14.0;  // sets the overall column apart
  const double overall_x = grid_x + (columns - 0.5) * cell + kGap;
  const double width = std::max(grid_x + columns * cell + kGap + kMargin, kMargin + legend_w + kMargin);
  const double top = o.title.empty() ? 40.0 : 64.0;
  const double grid_h = static_cast<double>(a.studies.size()) * row;
  const double height = top + grid_h + 24.0 + legend_height(a);
  Svg svg(width, height);
  if (!o.title.empty()) svg.text(kMargin, 24, o.title, 14.0, "start", "bold");
  svg.text(kMargin, top - 12, "Study", kFont, "start", "bold");
  for (std::size_t j = 0; j < a.domains.size(); ++j) {
    svg.text(grid_x + (static_cast<double>(j) + 0.5) * cell, top - 12, a.domains[j].id, 11.0, "middle", "bold");
  }
  svg.text(overall_x, top - 12, "Overall", 11.0, "middle", "bold");
  for (std::size_t i = 0; i < a.studies.size(); ++i) {
    const auto& s = a.studies[i];
    const double y = top + (static_cast<double>(i) + 0.5) * row;
    if (i % 2 == 1) svg.rect(kMargin, y - row / 2, width - 2 * kMargin, row, "#f6f6f6");
    svg.open_group("study");
    svg.text(kMargin, y + 4, s.study, kFont);
    auto judgement = [&](double cx, std::size_t level, const std::string& label) {
      const auto& l = tool.levels[level];
      const std::string& fill = colour_of(l, o.palette);
      svg.circle(cx, y, cell * 0.36, fill, "#333");
      svg.text(cx, y + 4, label, 11.0, "middle", "bold", ink_for(fill));
    };
    for (std::size_t j = 0; j < s.domains.size(); ++j) {
      const std::string label = nos ? std::to_string(s.stars[j]) : tool.levels[s.domains[j]].symbol;
      judgement(grid_x + (static_cast<double>(j) + 0.5) * cell, s.domains[j], label);
    }
    judgement(overall_x, s.overall, tool.levels[s.overall].symbol);
    svg.close_group();
  }
  const double separator = grid_x + (columns - 1.0) * cell + kGap / 2;
  svg.line(separator, top - 24, separator, top + grid_h, "#bbb");
  // Legend: domain names, then the judgement key.
  double y = top + grid_h + 28.0;
  svg.text(kMargin, y, "Domains", 11.0, "start", "bold");
  for (const auto& d : a.domains) {
    y += 16.0;
    svg.text(kMargin, y, fmt::format("{}: {}", d.id, d.name), 11.0);
  }
  y += 26.0;
  double x = kMargin;
  svg.text(x, y + 4, "Judgement", 11.0, "start", "bold");
  x += text_width("Judgement", 11.0) + 14.0;
  for (const auto& l : tool.levels) {
    const std::string& fill = colour_of(l, o.palette);
    svg.circle(x + 8, y, 8, fill, "#333");
    svg.text(x + 8, y + 4, l.symbol, 10.0, "middle", "bold", ink_for(fill));
    svg.text(x + 20, y + 4, l.name, 11.0);
    x += 30.0 + text_width(l.name, 11.0);
  }
  return svg.str();
}

std::string rob_summary_svg(const review::RobAssessment& a, const RobPlotOptions& o) {
  const auto& tool = *a.tool;
  const auto rows = review::summarise(a, o.weighted);
  constexpr double kBar = 420.0, kRow = 28.0;
  double label_w = 0;
  for (const auto& r : rows) label_w = std::max(label_w, text_width(r.name, kFont));
  const double bar_x = kMargin + label_w + 12.0;
  std::string key;
  for (const auto& l : tool.levels) key += l.name + "      ";
  const std::string caption = o.weighted ? "Share of total weight (sample size) at each judgement"
                                         : "Share of studies at each judgement";
  const double width = std::max({bar_x + kBar + kMargin, kMargin + text_width(key, 11.0) + 20.0 * static_cast<double>(tool.levels.size()) + kMargin,
                                 kMargin + 1.15 * text_width(o.title, 14.0) + kMargin, kMargin + text_width(caption, 11.0) + kMargin});
  const double top = o.title.empty() ? 20.0 : 44.0;
  const double height = top + static_cast<double>(rows.size()) * kRow + 80.0;
  Svg svg(width, height);
  if (!o.title.empty()) svg.text(kMargin, 24, o.title, 14.0, "start", "bold");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const double y = top + static_cast<double>(i) * kRow;
    svg.open_group(i + 1 == rows.size() ? "bar overall" : "bar");
    svg.text(bar_x - 8, y + kRow / 2 + 4, r.name, kFont, "end", i + 1 == rows.size() ? "bold" : "normal");
    double x = bar_x;
    for (std::size_t l = 0; l < r.share.size(); ++l) {
      if (r.share[l] <= 0) continue;
      const double w = r.share[l] * kBar;
      const std::string& fill = colour_of(tool.levels[l], o.palette);
      svg.rect(x, y + 4, w, kRow - 8, fill, "#fff");
      if (w >= 30) svg.text(x + w / 2, y + kRow / 2 + 4, fmt::format("{:.0f}%", 100 * r.share[l]), 10.0, "middle", "normal", ink_for(fill));
      x += w;
    }
    svg.close_group();
  }
  const double axis_y = top + static_cast<double>(rows.size()) * kRow + 4;
  svg.line(bar_x, axis_y, bar_x + kBar, axis_y, "#000");
  for (int p = 0; p <= 100; p += 25) {
    const double x = bar_x + kBar * p / 100.0;
    svg.line(x, axis_y, x, axis_y + 4, "#000");
    svg.text(x, axis_y + 16, fmt::format("{}%", p), 10.0, "middle");
  }
  svg.text(kMargin, axis_y + 36, caption, 11.0);
  double x = kMargin;
  for (const auto& l : tool.levels) {
    svg.rect(x, axis_y + 48, 12, 12, colour_of(l, o.palette), "#333");
    svg.text(x + 16, axis_y + 58, l.name, 11.0);
    x += 36.0 + text_width(l.name, 11.0);
  }
  return svg.str();
}

}  // namespace carta::plot
