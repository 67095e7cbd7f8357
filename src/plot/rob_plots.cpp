#include "carta/plot/rob_plots.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "carta/plot/svg.hpp"

namespace carta::plot {

namespace {

constexpr double kMargin = 16.0;
constexpr double kFont = 12.0;
constexpr double kSmall = 11.0;
constexpr double kLine = 14.0;       // line height of 12 px text
constexpr double kSmallLine = 14.0;  // line height of the 11 px legend text
// Labels (studies, domain names in the summary) wrap beyond this width. A study label is first cut
// to kMaxLabelChars, as in every carta figure (rob.json keeps it whole); a domain name, the
// tool's own text, is never cut, only wrapped (kMaxLabelLines is a guard for absurd headers).
constexpr double kMaxLabelWidth = 260.0;
constexpr std::size_t kMaxLabelLines = 40;
// Legends and titles wrap at the figure's width, which they widen up to this.
constexpr double kMaxTextWidth = 720.0;
// A traffic light taller than this continues in a block to the right (studies in order, top to
// bottom, then left to right), so that 600 studies make a figure of three blocks about 6,000 px
// tall, not one 18,000 px column.
constexpr double kMaxBlockHeight = 6000.0;
// Blocks side by side up to this width, so that the PNG keeps its 2x print scale (the renderer's
// 32,000 px, src/plot/render_module.cpp) and the PDF its physical size (200 inches); beyond it the
// blocks grow taller and the renderer scales the figure down.
constexpr double kMaxSide = 16000.0;

// `text` wrapped to `width`, at most `max_lines` lines (the last one ending in an ellipsis when
// text was left out).
std::vector<std::string> wrapped(std::string_view text, double width, double size, std::size_t max_lines) {
  auto lines = wrap_text(text, width, size);
  if (lines.empty()) lines.emplace_back();
  if (lines.size() > max_lines) {
    lines.resize(max_lines);
    std::string& last = lines.back();
    while (!last.empty() && text_width(last + "\u2026", size) > width) {
      // One code point off the end: its continuation bytes, then its first byte.
      while (!last.empty() && (static_cast<unsigned char>(last.back()) & 0xC0) == 0x80) last.pop_back();
      if (!last.empty()) last.pop_back();
    }
    last += "\u2026";
  }
  return lines;
}

// The judgements the key lists: every level of the tool, "not applicable" only when used.
std::vector<std::size_t> key_levels(const review::RobAssessment& a) {
  const auto& tool = *a.tool;
  std::vector<bool> used(tool.levels.size(), false);
  for (const auto& s : a.studies) {
    for (auto j : s.domains) used[j] = true;
    used[s.overall] = true;
  }
  std::vector<std::size_t> out;
  for (std::size_t l = 0; l < tool.levels.size(); ++l) {
    if (tool.levels[l].severity != review::kNotApplicable || used[l]) out.push_back(l);
  }
  return out;
}

// Natural width of the key on one line, for choosing the figure's width.
double key_width(const review::RobTool& tool, const std::vector<std::size_t>& levels) {
  double w = text_width("Judgement", kSmall) + 14.0;
  for (auto l : levels) w += 30.0 + text_width(tool.levels[l].name, kSmall);
  return w;
}

// The judgement key from (x0, y), its entries flowing onto further lines within `width`;
// returns the y of the last line. Circles for the traffic light, squares for the summary.
double draw_key(Svg& svg, const review::RobAssessment& a, const std::vector<std::size_t>& levels,
                RobPalette palette, double x0, double y, double width, bool circles) {
  const auto& tool = *a.tool;
  svg.open_group("key");
  double x = x0;
  if (circles) {
    svg.text(x, y + 4, "Judgement", kSmall, "start", "bold");
    x += text_width("Judgement", kSmall) + 14.0;
  }
  for (auto li : levels) {
    const auto& l = tool.levels[li];
    const double entry = (circles ? 30.0 : 36.0) + text_width(l.name, kSmall);
    if (x > x0 && x + entry - 10.0 > x0 + width) {
      x = x0;
      y += 22.0;
    }
    const std::string& fill = judgement_colour(l, palette);
    if (circles) {
      svg.circle(x + 8, y, 8, fill, "#333");
      svg.text(x + 8, y + 4, l.symbol, 10.0, "middle", "bold", ink_on(fill));
      svg.text(x + 20, y + 4, l.name, kSmall);
    } else {
      svg.rect(x, y - 6, 12, 12, fill, "#333");
      svg.text(x + 16, y + 4, l.name, kSmall);
    }
    x += entry;
  }
  svg.close_group();
  return y;
}

// Lines of text from (x, y) down, `line` apart; returns the y of the last baseline.
double draw_lines(Svg& svg, double x, double y, const std::vector<std::string>& lines, double size,
                  double line, std::string_view weight = "normal") {
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) y += line;
    svg.text(x, y, lines[i], size, "start", weight);
  }
  return y;
}

}  // namespace

const std::string& judgement_colour(const review::JudgementLevel& level, RobPalette palette) {
  return palette == RobPalette::kCochrane ? level.colour : level.colourblind;
}

// Text on a light fill is dark, on a dark fill white.
std::string ink_on(const std::string& hex) {
  if (hex.size() != 7) return "#000";
  const auto channel = [&](int i) {
    return std::stoi(hex.substr(static_cast<std::size_t>(1 + 2 * i), 2), nullptr, 16);
  };
  const double luminance = 0.299 * channel(0) + 0.587 * channel(1) + 0.114 * channel(2);
  return luminance > 150 ? "#000" : "#fff";
}

std::string traffic_light_svg(const review::RobAssessment& a, const RobPlotOptions& options) {
  RobPlotOptions o = options;
  o.title = fit_text(o.title, 2 * kMaxLabelChars);  // as every carta figure's title, then wrapped
  const auto& tool = *a.tool;
  const bool nos = tool.rule == review::OverallRule::kNos;
  const double cell = a.domains.size() > 10 ? 28.0 : 36.0;
  constexpr double kRow = 30.0;
  constexpr double kGap = 14.0;  // sets the overall column apart

  // Study labels, wrapped; each row as tall as its label.
  double label_w = text_width("Study", kFont);
  std::vector<std::string> studies;
  for (const auto& s : a.studies) studies.push_back(fit_text(s.study, kMaxLabelChars));
  for (const auto& s : studies) label_w = std::max(label_w, text_width(s, kFont));
  label_w = std::min(label_w, kMaxLabelWidth);
  std::vector<std::vector<std::string>> labels;
  std::vector<double> row_h;
  for (const auto& label : studies) {
    labels.push_back(wrapped(label, label_w, kFont, kMaxLabelLines));
    row_h.push_back(std::max(kRow, static_cast<double>(labels.back().size()) * kLine + 12.0));
  }

  // Column headers: a domain id wider than its cell stands on end.
  double header_h = 16.0;
  for (const auto& d : a.domains) {
    if (text_width(d.id, kSmall) > cell - 4) header_h = std::max(header_h, text_width(d.id, kSmall) + 8.0);
  }

  const double columns = static_cast<double>(a.domains.size()) + 1.0;
  const double grid_x = label_w + 16.0;  // from the block's left edge
  const double block_w = grid_x + columns * cell + kGap + kMargin;

  // Blocks of rows: start a new block when one would grow past the height limit; when the blocks
  // would be wider than the renderer allows, make them taller instead.
  double total_h = 0, tallest_row = 0;
  for (double h : row_h) {
    total_h += h;
    tallest_row = std::max(tallest_row, h);
  }
  const auto max_blocks =
      static_cast<std::size_t>(std::max(1.0, std::floor((kMaxSide - 2 * kMargin) / block_w)));
  double block_limit = kMaxBlockHeight;
  if (total_h / block_limit > static_cast<double>(max_blocks)) {
    block_limit = total_h / static_cast<double>(max_blocks) + tallest_row;
  }
  std::vector<std::size_t> block_start{0};
  double block_h = 0, grid_h = 0;
  for (std::size_t i = 0; i < row_h.size(); ++i) {
    if (block_h > 0 && block_h + row_h[i] > block_limit) {
      block_start.push_back(i);
      block_h = 0;
    }
    block_h += row_h[i];
    grid_h = std::max(grid_h, block_h);
  }
  block_start.push_back(row_h.size());
  const std::size_t blocks = block_start.size() - 1;

  // Width: the blocks, or the legend's natural width (up to kMaxTextWidth) if that is wider.
  const auto levels = key_levels(a);
  double legend_w = key_width(tool, levels);
  for (const auto& d : a.domains)
    legend_w = std::max(legend_w, text_width(fmt::format("{}: {}", d.id, d.name), kSmall));
  legend_w = std::max(legend_w, 1.15 * text_width(o.title, 14.0));
  legend_w = std::min(legend_w, kMaxTextWidth);
  const double width =
      std::max(kMargin + static_cast<double>(blocks) * block_w, kMargin + legend_w + kMargin);
  const double text_w = width - 2 * kMargin;

  const auto title =
      o.title.empty() ? std::vector<std::string>{} : wrapped(o.title, text_w / 1.1, 14.0, 1000);
  const double title_h = title.empty() ? 16.0 : 24.0 + static_cast<double>(title.size()) * 18.0;
  const double top = title_h + header_h + 12.0;  // first row's top edge

  // The legend's lines, wrapped with a hanging indent after "D1: ".
  struct LegendEntry {
    std::string first;
    std::vector<std::string> rest;
    double indent = 0;
  };
  std::vector<LegendEntry> legend;
  double legend_h = 0;
  for (const auto& d : a.domains) {
    if (d.name == d.id) continue;  // a generic file's "D1" column: nothing to explain
    LegendEntry e;
    const std::string prefix = d.id + ": ";
    e.indent = text_width(prefix, kSmall);
    auto lines = wrapped(d.name, std::max(text_w - e.indent, 120.0), kSmall, 1000);
    e.first = prefix + lines.front();
    e.rest.assign(lines.begin() + 1, lines.end());
    legend_h += kSmallLine * static_cast<double>(1 + e.rest.size());
    legend.push_back(std::move(e));
  }

  // The key's height follows from drawing it; draw it on a scratch figure first.
  Svg scratch(width, 100);
  const double key_h = draw_key(scratch, a, levels, o.palette, kMargin, 0, text_w, true) + 12.0;
  // The domain legend, when there is one, then the key.
  const double legend_top = top + grid_h + 28.0;
  const double key_top = legend.empty() ? legend_top - 4.0 : legend_top + legend_h + 26.0;
  const double height = key_top + key_h + kMargin;

  Svg svg(width, height);
  if (!title.empty()) {
    svg.open_group("title");
    draw_lines(svg, kMargin, 24, title, 14.0, 18.0, "bold");
    svg.close_group();
  }
  for (std::size_t b = 0; b < blocks; ++b) {
    const double bx = kMargin + static_cast<double>(b) * block_w;
    const double gx = bx + grid_x;
    const double overall_x = gx + (columns - 0.5) * cell + kGap;
    svg.open_group("block");
    svg.text(bx, top - 12, "Study", kFont, "start", "bold");
    for (std::size_t j = 0; j < a.domains.size(); ++j) {
      const double cx = gx + (static_cast<double>(j) + 0.5) * cell;
      const auto& id = a.domains[j].id;
      if (text_width(id, kSmall) > cell - 4) {
        svg.vertical_text(cx + 4, top - 8 - text_width(id, kSmall) / 2, id, kSmall, "bold");
      } else {
        svg.text(cx, top - 12, id, kSmall, "middle", "bold");
      }
    }
    svg.text(overall_x, top - 12, "Overall", kSmall, "middle", "bold");
    double y0 = top;
    for (std::size_t i = block_start[b]; i < block_start[b + 1]; ++i) {
      const auto& s = a.studies[i];
      const double h = row_h[i];
      const double y = y0 + h / 2;
      if ((i - block_start[b]) % 2 == 1) svg.rect(bx, y0, block_w - kMargin, h, "#f6f6f6");
      // The tooltip names every judgement in words, which the symbols only encode.
      std::string tooltip = s.study + ":";
      for (std::size_t j = 0; j < s.domains.size() && j < a.domains.size(); ++j) {
        tooltip += fmt::format(" {} {};", a.domains[j].id,
                               nos ? fmt::format("{} stars", s.stars[j]) : tool.levels[s.domains[j]].name);
      }
      tooltip += " overall " + tool.levels[s.overall].name;
      svg.open_group("study", tooltip);
      const double first_baseline = y + 4 - (static_cast<double>(labels[i].size()) - 1) * kLine / 2;
      draw_lines(svg, bx, first_baseline, labels[i], kFont, kLine);
      auto judgement = [&](double cx, std::size_t level, const std::string& label) {
        const auto& l = tool.levels[level];
        const std::string& fill = judgement_colour(l, o.palette);
        svg.circle(cx, y, cell * 0.36, fill, "#333");
        svg.text(cx, y + 4, label, kSmall, "middle", "bold", ink_on(fill));
      };
      for (std::size_t j = 0; j < s.domains.size(); ++j) {
        const std::string label = nos ? std::to_string(s.stars[j]) : tool.levels[s.domains[j]].symbol;
        judgement(gx + (static_cast<double>(j) + 0.5) * cell, s.domains[j], label);
      }
      judgement(overall_x, s.overall, tool.levels[s.overall].symbol);
      svg.close_group();
      y0 += h;
    }
    const double separator = gx + (columns - 1.0) * cell + kGap / 2;
    svg.line(separator, top - 24, separator, y0, "#bbb");
    svg.close_group();
  }

  // Legend: domain names, then the judgement key.
  if (!legend.empty()) {
    double y = legend_top;
    svg.open_group("legend");
    svg.text(kMargin, y, "Domains", kSmall, "start", "bold");
    for (const auto& e : legend) {
      y += kSmallLine;
      svg.text(kMargin, y, e.first, kSmall);
      for (const auto& line : e.rest) {
        y += kSmallLine;
        svg.text(kMargin + e.indent, y, line, kSmall);
      }
    }
    svg.close_group();
  }
  draw_key(svg, a, levels, o.palette, kMargin, key_top, text_w, true);
  return svg.str();
}

std::string rob_summary_svg(const review::RobAssessment& a, const RobPlotOptions& options) {
  RobPlotOptions o = options;
  o.title = fit_text(o.title, 2 * kMaxLabelChars);
  const auto& tool = *a.tool;
  const auto rows = review::summarise(a, o.weighted);
  constexpr double kBar = 420.0, kRow = 28.0;
  double label_w = 0;
  for (const auto& r : rows) label_w = std::max(label_w, text_width(r.name, kFont));
  label_w = std::min(label_w, kMaxLabelWidth);
  std::vector<std::vector<std::string>> labels;
  std::vector<double> row_h;
  for (const auto& r : rows) {
    labels.push_back(wrapped(r.name, label_w, kFont, kMaxLabelLines));
    row_h.push_back(std::max(kRow, static_cast<double>(labels.back().size()) * kLine + 10.0));
  }
  const double bar_x = kMargin + label_w + 12.0;
  const auto levels = key_levels(a);
  const std::string caption = o.weighted ? "Share of total weight (sample size) at each judgement"
                                         : "Share of studies at each judgement";
  double text_natural = key_width(tool, levels);
  text_natural = std::max({text_natural, 1.15 * text_width(o.title, 14.0), text_width(caption, kSmall)});
  const double width =
      std::max(bar_x + kBar + kMargin, kMargin + std::min(text_natural, kMaxTextWidth) + kMargin);
  const double text_w = width - 2 * kMargin;
  const auto title =
      o.title.empty() ? std::vector<std::string>{} : wrapped(o.title, text_w / 1.1, 14.0, 1000);
  const double top = title.empty() ? 20.0 : 20.0 + static_cast<double>(title.size()) * 18.0 + 6.0;
  double rows_h = 0;
  for (double h : row_h) rows_h += h;
  const auto caption_lines = wrapped(caption, text_w, kSmall, 1000);
  Svg scratch(width, 100);
  const double key_h = draw_key(scratch, a, levels, o.palette, kMargin, 0, text_w, false);
  const double axis_y = top + rows_h + 4;
  const double caption_y = axis_y + 36;
  const double key_y = caption_y + static_cast<double>(caption_lines.size() - 1) * kSmallLine + 18;
  const double height = key_y + key_h + 12 + kMargin;

  Svg svg(width, height);
  if (!title.empty()) {
    svg.open_group("title");
    draw_lines(svg, kMargin, 24, title, 14.0, 18.0, "bold");
    svg.close_group();
  }
  double y = top;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const double h = row_h[i];
    const bool overall = i + 1 == rows.size();
    svg.open_group(overall ? "bar overall" : "bar");
    const double first_baseline = y + h / 2 + 4 - (static_cast<double>(labels[i].size()) - 1) * kLine / 2;
    for (std::size_t k = 0; k < labels[i].size(); ++k) {
      svg.text(bar_x - 8, first_baseline + static_cast<double>(k) * kLine, labels[i][k], kFont, "end",
               overall ? "bold" : "normal");
    }
    double x = bar_x;
    const double bar_y = y + h / 2 - (kRow - 8) / 2;
    for (std::size_t l = 0; l < r.share.size(); ++l) {
      if (r.share[l] <= 0) continue;
      const double w = r.share[l] * kBar;
      const std::string& fill = judgement_colour(tool.levels[l], o.palette);
      svg.rect(x, bar_y, w, kRow - 8, fill, "#fff");
      if (w >= 30) {
        svg.text(x + w / 2, y + h / 2 + 4, fmt::format("{:.0f}%", 100 * r.share[l]), 10.0, "middle", "normal",
                 ink_on(fill));
      }
      x += w;
    }
    svg.close_group();
    y += h;
  }
  svg.line(bar_x, axis_y, bar_x + kBar, axis_y, "#000");
  for (int p = 0; p <= 100; p += 25) {
    const double x = bar_x + kBar * p / 100.0;
    svg.line(x, axis_y, x, axis_y + 4, "#000");
    svg.text(x, axis_y + 16, fmt::format("{}%", p), 10.0, "middle");
  }
  draw_lines(svg, kMargin, caption_y, caption_lines, kSmall, kSmallLine);
  draw_key(svg, a, levels, o.palette, kMargin, key_y + 6, text_w, false);
  return svg.str();
}

}  // namespace carta::plot
