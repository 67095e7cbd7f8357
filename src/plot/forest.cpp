#include "carta/plot/forest.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <tuple>

#include "carta/plot/svg.hpp"

namespace carta::plot {

namespace {

constexpr double kRow = 20.0;
constexpr double kFont = 12.0;
constexpr double kPlotWidth = 320.0;
constexpr double kMargin = 12.0;
constexpr double kRobCell = 22.0;  // a risk-of-bias column

// A percentage to `digits` decimals.
std::string pct(double p, int digits) {
  return std::isfinite(p) ? fmt::format("{:.{}f}", 100.0 * p, digits) : std::string("NA");
}

// An estimate with its interval as each layout writes it.
std::string ci_text(ForestLayout style, int digits, double p, double lb, double ub) {
  const auto pct = [digits](double v) { return carta::plot::pct(v, digits); };
  switch (style) {
    case ForestLayout::kRevman5: return fmt::format("{} [{}, {}]", pct(p), pct(lb), pct(ub));
    case ForestLayout::kJama: return fmt::format("{} ({}\u2013{})", pct(p), pct(lb), pct(ub));
    case ForestLayout::kMeta: break;
  }
  return fmt::format("{} [{}; {}]", pct(p), pct(lb), pct(ub));
}

// Columns laid out from the widest text in each, so that long labels never overlap.
struct Layout {
  ForestLayout style;
  bool split_counts;  // RevMan: events and total in columns of their own (events_x, count_x)
  double label_x, events_x, count_x, plot_x, estimate_x, weight_common_x, weight_x, width;
  double axis_min, axis_max, step;
  std::vector<double> column_x;  // the characteristics columns' left edges
  const std::vector<ForestColumn>* columns = nullptr;
  bool two_weights;  // common and random weights, each in its column
  // Risk-of-bias columns: the first cell's centre, the cells' pitch, the overall column's centre.
  const review::RobAssessment* rob = nullptr;
  RobPalette palette = RobPalette::kCochrane;
  double rob_x = 0.0, rob_overall_x = 0.0;
  int digits = 1;
  std::string measure;  // "Proportion", "S(12)": JAMA's axis title
  [[nodiscard]] std::string ci(double p, double lb, double ub) const { return ci_text(style, digits, p, lb, ub); }
  [[nodiscard]] double x(double p) const {
    return plot_x + (std::clamp(p, axis_min, axis_max) - axis_min) / (axis_max - axis_min) * kPlotWidth;
  }
};

// The tick step for a span of proportions: the smallest of 1, 2, 2.5, 5, 10, 20 and 25
// percentage points that needs at most 6 intervals.
double tick_step(double span) {
  for (const double step : {0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25}) {
    if (span / step <= 6.0 + 1e-9) return step;
  }
  return 0.25;
}

// The axis: the user's, or the data's range (`values`) rounded out to the ticks within 0-100%.
void fit_axis(Layout& lay, const ForestOptions& o, const std::vector<double>& values) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const double v : values) {
    if (!std::isfinite(v)) continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (!std::isfinite(lo)) lo = 0.0, hi = 1.0;
  lo = std::clamp(lo, 0.0, 1.0);
  hi = std::clamp(hi, 0.0, 1.0);
  if (hi - lo < 0.02) lo = std::max(0.0, lo - 0.01), hi = std::min(1.0, hi + 0.01);
  if (std::isfinite(o.axis_min) && std::isfinite(o.axis_max) && o.axis_max > o.axis_min) {
    lay.axis_min = o.axis_min;
    lay.axis_max = o.axis_max;
    lay.step = tick_step(o.axis_max - o.axis_min);
    return;
  }
  // Rounding out can widen the span past the step's limit; then the next step is taken.
  double step = tick_step(hi - lo);
  for (int guard = 0; guard < 8; ++guard) {
    const double a = std::max(0.0, std::floor(lo / step + 1e-9) * step);
    const double b = std::min(1.0, std::ceil(hi / step - 1e-9) * step);
    if ((b - a) / step <= 6.0 + 1e-9 || step >= 0.25) {
      lay.axis_min = a;
      lay.axis_max = b;
      break;
    }
    step = tick_step(b - a);
  }
  lay.step = step;
}

// What the estimate is, from its header ("Proportion (%)" -> "Proportion", "S(12) (%)" -> "S(12)").
std::string measure_name(const ForestOptions& o) {
  std::string name = o.estimate_header;
  if (name.ends_with(" (%)")) name.resize(name.size() - 4);
  return name;
}

// The column headers of each layout.
struct Headers {
  std::string study, events, count, weight, estimate, plot;
};
Headers headers(const ForestOptions& o, double level) {
  const auto percent = static_cast<int>(std::lround(100 * level));
  switch (o.layout) {
    case ForestLayout::kRevman5:
      // "IV, Random" names the two-step model; a one-stage model (GLMM, beta-binomial) says "Random".
      return {"Study or Subgroup", "Events", o.count_text.empty() ? std::string("Total") : o.count_header, "Weight",
              fmt::format("{}Random, {}% CI", o.one_stage ? "" : "IV, ", percent), o.estimate_header};
    case ForestLayout::kJama:
      return {"Source", "", o.count_header == "Events/n" ? std::string("No. of events/total") : o.count_header, "Weight, %",
              fmt::format("{} ({}% CI), %", measure_name(o), percent), ""};
    case ForestLayout::kMeta: break;
  }
  return {"Study", "", o.count_header, "Weight", fmt::format("% [{}% CI]", percent), o.estimate_header};
}

Layout make_layout(const std::vector<std::string>& labels, const ForestOptions& o, double level) {
  const Headers h = headers(o, level);
  double label_w = text_width(h.study, kFont);
  for (const auto& l : labels) label_w = std::max(label_w, text_width(fit_text(l, kMaxLabelChars), kFont));
  Layout lay{};
  lay.style = o.layout;
  lay.measure = measure_name(o);
  lay.label_x = kMargin;
  lay.split_counts = o.layout == ForestLayout::kRevman5 && o.count_text.empty();
  double count_w = text_width(h.count, kFont);
  for (const auto& c : o.count_text) count_w = std::max(count_w, text_width(fit_text(c, kMaxLabelChars), kFont));
  if (lay.split_counts) {
    lay.events_x = lay.label_x + label_w + 16.0 + text_width(h.events, kFont);
    lay.count_x = lay.events_x + 16.0 + std::max(count_w, text_width("00000", kFont));
  } else {
    lay.count_x = lay.label_x + label_w + 16.0 + count_w;  // right-aligned column
  }
  // The characteristics columns follow the counts; the rest moves right by their width.
  double shift = 0.0;
  lay.columns = &o.columns;
  for (const auto& c : o.columns) {
    double w = text_width(fit_text(c.header, kMaxLabelChars / 2), kFont);
    for (const auto& [label, value] : c.values) w = std::max(w, text_width(fit_text(value, kMaxLabelChars / 2), kFont));
    lay.column_x.push_back(lay.count_x + 16.0 + shift);
    shift += w + 16.0;
  }
  const double after_counts = lay.count_x + shift;
  lay.digits = std::clamp(o.digits, 0, 3);
  const std::string widest = fmt::format("{0} [{0}; {0}]", fmt::format("{:.{}f}", 100.0, lay.digits));
  const double estimate_w = std::max(text_width(h.estimate, kFont), text_width(widest, kFont));
  if (o.layout == ForestLayout::kMeta) {
    lay.plot_x = after_counts + 24.0;
    lay.estimate_x = lay.plot_x + kPlotWidth + 24.0;
    lay.two_weights = o.show_common;
    const double weight_w = text_width(lay.two_weights ? "Weight (common)" : "Weight", kFont);
    lay.weight_common_x = lay.estimate_x + estimate_w + 16.0 + weight_w;
    lay.weight_x = lay.two_weights ? lay.weight_common_x + 16.0 + text_width("Weight (random)", kFont) : lay.weight_common_x;
    lay.width = lay.weight_x + kMargin;
  } else {
    // RevMan and JAMA: the numbers, then the plot.
    lay.two_weights = false;
    lay.weight_x = after_counts + 16.0 + text_width(h.weight, kFont);
    lay.weight_common_x = lay.weight_x;
    lay.estimate_x = lay.weight_x + 16.0;
    lay.plot_x = lay.estimate_x + estimate_w + 24.0;
    lay.width = lay.plot_x + kPlotWidth + kMargin;
  }
  const double right = o.layout == ForestLayout::kMeta ? lay.weight_x : lay.plot_x + kPlotWidth;
  if (o.risk_of_bias != nullptr && o.risk_of_bias->tool != nullptr) {
    lay.rob = o.risk_of_bias;
    lay.palette = o.rob_palette;
    lay.rob_x = right + 16.0 + kRobCell / 2;
    lay.rob_overall_x = lay.rob_x + static_cast<double>(o.risk_of_bias->domains.size()) * kRobCell + 16.0;
    lay.width = lay.rob_overall_x + text_width("Overall", kFont) / 2 + kMargin;
  }
  // A long title widens the figure rather than leaving it (bold glyphs run ~10% wider).
  if (!o.title.empty()) {
    lay.width = std::max(lay.width, 2 * kMargin + 1.1 * text_width(fit_text(o.title, 2 * kMaxLabelChars), 14.0));
  }
  lay.axis_min = 0.0;
  lay.axis_max = 1.0;
  lay.step = 0.2;
  return lay;
}

// Every proportion a figure draws, for its axis.
void collect(std::vector<double>& values, const PoolResult& r, bool prediction) {
  for (const auto& s : r.studies) {
    values.push_back(s.ci_lb);
    values.push_back(s.ci_ub);
  }
  values.push_back(r.random.prop_ci_lb);
  values.push_back(r.random.prop_ci_ub);
  values.push_back(r.common.prop_ci_lb);
  values.push_back(r.common.prop_ci_ub);
  if (prediction) {
    values.push_back(r.random.prop_pi_lb);
    values.push_back(r.random.prop_pi_ub);
  }
}

// The rows' order under `sort`.
std::vector<std::size_t> row_order(const std::vector<StudyResult>& studies, ForestSort sort,
                                   const std::map<std::string, std::string>& key = {}) {
  std::vector<std::size_t> order(studies.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto weight = [&](std::size_t i) {
    const auto& s = studies[i];
    return std::isfinite(s.weight_random) ? s.weight_random : s.weight_common;
  };
  switch (sort) {
    case ForestSort::kData: break;
    // A value that is not a number sorts last (NaN would break the ordering std::stable_sort needs).
    case ForestSort::kEstimate:
      std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const double x = studies[a].prop, y = studies[b].prop;
        return std::pair{!std::isfinite(x), std::isfinite(x) ? x : 0.0} < std::pair{!std::isfinite(y), std::isfinite(y) ? y : 0.0};
      });
      break;
    case ForestSort::kWeight:
      std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const double x = weight(a), y = weight(b);
        return std::pair{!std::isfinite(x), std::isfinite(x) ? -x : 0.0} < std::pair{!std::isfinite(y), std::isfinite(y) ? -y : 0.0};
      });
      break;
    case ForestSort::kLabel:
      std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return studies[a].label < studies[b].label; });
      break;
    case ForestSort::kKey: {
      // (rank, number, text): numbers first in order, then texts, then studies without a value.
      auto rank = [&](std::size_t i) {
        const auto it = key.find(studies[i].label);
        if (it == key.end() || it->second.empty()) return std::tuple<int, double, std::string>{2, 0.0, ""};
        double v = 0.0;
        const auto* first = it->second.data();
        const auto [end, ec] = std::from_chars(first, first + it->second.size(), v);
        if (ec == std::errc() && end == first + it->second.size() && std::isfinite(v)) {
          return std::tuple<int, double, std::string>{0, v, ""};
        }
        return std::tuple<int, double, std::string>{1, 0.0, it->second};
      };
      std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return rank(a) < rank(b); });
      break;
    }
  }
  return order;
}

void header(Svg& svg, const Layout& lay, double y, const ForestOptions& o, double level) {
  if (!o.title.empty()) svg.text(lay.label_x, y - kRow, fit_text(o.title, 2 * kMaxLabelChars), 14.0, "start", "bold");
  const Headers h = headers(o, level);
  svg.text(lay.label_x, y, h.study, kFont, "start", "bold");
  if (lay.split_counts) svg.text(lay.events_x, y, h.events, kFont, "end", "bold");
  svg.text(lay.count_x, y, h.count, kFont, "end", "bold");
  for (std::size_t c = 0; c < lay.column_x.size(); ++c) {
    svg.text(lay.column_x[c], y, fit_text((*lay.columns)[c].header, kMaxLabelChars / 2), kFont, "start", "bold");
  }
  if (!h.plot.empty()) svg.text(lay.plot_x + kPlotWidth / 2, y, h.plot, kFont, "middle", "bold");
  svg.text(lay.estimate_x, y, h.estimate, kFont, "start", "bold");
  if (lay.rob != nullptr) {
    for (std::size_t d = 0; d < lay.rob->domains.size(); ++d) {
      svg.text(lay.rob_x + static_cast<double>(d) * kRobCell, y, fit_text(lay.rob->domains[d].id, 4), 11.0, "middle", "bold");
    }
    svg.text(lay.rob_overall_x, y, "Overall", 11.0, "middle", "bold");
  }
  if (lay.two_weights) {
    svg.text(lay.weight_common_x, y, "Weight (common)", kFont, "end", "bold");
    svg.text(lay.weight_x, y, "Weight (random)", kFont, "end", "bold");
  } else {
    svg.text(lay.weight_x, y, h.weight, kFont, "end", "bold");
  }
}

std::string counts(const StudyResult& s) { return fmt::format("{}/{}", s.events, s.n); }

void study_row(Svg& svg, const Layout& lay, double y, const StudyResult& s, double max_weight, const std::string& count) {
  const double w = std::isfinite(s.weight_random) ? s.weight_random : s.weight_common;
  // The tooltip has the label the column may cut (up to ten times as long).
  svg.open_group("study", fmt::format("{}: {}, {}{}", fit_text(s.label, 10 * kMaxLabelChars), count, lay.ci(s.prop, s.ci_lb, s.ci_ub),
                                      std::isfinite(w) ? fmt::format(", weight {:.1f}%", w) : std::string()));
  svg.text(lay.label_x, y + 4, fit_text(s.label, kMaxLabelChars), kFont);
  if (lay.split_counts) {
    svg.text(lay.events_x, y + 4, std::to_string(s.events), kFont, "end");
    svg.text(lay.count_x, y + 4, std::to_string(s.n), kFont, "end");
  } else {
    svg.text(lay.count_x, y + 4, fit_text(count, kMaxLabelChars), kFont, "end");
  }
  for (std::size_t c = 0; c < lay.column_x.size(); ++c) {
    const auto& values = (*lay.columns)[c].values;
    if (const auto it = values.find(s.label); it != values.end()) {
      svg.text(lay.column_x[c], y + 4, fit_text(it->second, kMaxLabelChars / 2), kFont);
    }
  }
  const double x_lb = lay.x(s.ci_lb), x_ub = lay.x(s.ci_ub);
  svg.line(x_lb, y, x_ub, y, "#000", 1.0);
  // Arrows where the interval leaves the axis.
  if (s.ci_lb < lay.axis_min) svg.polygon(fmt::format("{},{} {},{} {},{}", coord(x_lb), coord(y), coord(x_lb + 6), coord(y - 3), coord(x_lb + 6), coord(y + 3)), "#000");
  if (s.ci_ub > lay.axis_max) svg.polygon(fmt::format("{},{} {},{} {},{}", coord(x_ub), coord(y), coord(x_ub - 6), coord(y - 3), coord(x_ub - 6), coord(y + 3)), "#000");
  const double side = std::isfinite(w) && max_weight > 0 ? 3.0 + 9.0 * std::sqrt(w / max_weight) : 5.0;
  svg.rect(lay.x(s.prop) - side / 2, y - side / 2, side, side, "#4a6fa5", "#4a6fa5");
  svg.text(lay.estimate_x, y + 4, lay.ci(s.prop, s.ci_lb, s.ci_ub), kFont);
  // JAMA's weight column says "%" in its header, not in each cell.
  const bool sign = lay.style != ForestLayout::kJama;
  auto percent = [sign](double v) { return std::isfinite(v) ? fmt::format("{:.1f}{}", v, sign ? "%" : "") : std::string("-"); };
  if (lay.two_weights) {
    svg.text(lay.weight_common_x, y + 4, percent(s.weight_common), kFont, "end");
    svg.text(lay.weight_x, y + 4, percent(s.weight_random), kFont, "end");
  } else {
    svg.text(lay.weight_x, y + 4, percent(w), kFont, "end");
  }
  if (lay.rob != nullptr) {
    const auto& studies = lay.rob->studies;
    const auto it = std::find_if(studies.begin(), studies.end(), [&](const auto& a) { return a.study == s.label; });
    if (it != studies.end()) {
      const auto& levels = lay.rob->tool->levels;
      auto judgement = [&](double cx, std::size_t level) {
        if (level >= levels.size()) return;
        const std::string& fill = judgement_colour(levels[level], lay.palette);
        svg.circle(cx, y, 7.5, fill, "#333");
        svg.text(cx, y + 3.5, levels[level].symbol, 10.0, "middle", "bold", ink_on(fill));
      };
      for (std::size_t d = 0; d < it->domains.size() && d < lay.rob->domains.size(); ++d) {
        judgement(lay.rob_x + static_cast<double>(d) * kRobCell, it->domains[d]);
      }
      judgement(lay.rob_overall_x, it->overall);
    }
  }
  svg.close_group();
}

void diamond(Svg& svg, const Layout& lay, double y, const std::string& label, double p, double lb, double ub,
             std::string_view fill, std::string_view css, bool bold) {
  svg.open_group(css);
  svg.text(lay.label_x, y + 4, label, kFont, "start", bold ? "bold" : "normal");
  svg.polygon(fmt::format("{},{} {},{} {},{} {},{}", coord(lay.x(lb)), coord(y), coord(lay.x(p)), coord(y - 6),
                          coord(lay.x(ub)), coord(y), coord(lay.x(p)), coord(y + 6)),
              fill, "#000");
  svg.text(lay.estimate_x, y + 4, lay.ci(p, lb, ub), kFont, "start", bold ? "bold" : "normal");
  svg.close_group();
}

// RevMan's totals: the patients and the 100% weight on the pooled row, the events under it.
// A subgroup's subtotal shows no weight: its studies' weights are those within the subgroup.
double revman_totals(Svg& svg, const Layout& lay, double y, const std::vector<StudyResult>& studies, bool overall) {
  if (lay.style != ForestLayout::kRevman5) return y;
  std::int64_t events = 0, n = 0;
  for (const auto& s : studies) events += s.events, n += s.n;
  svg.open_group("totals");
  if (lay.split_counts) svg.text(lay.count_x, y - kRow + 4, std::to_string(n), kFont, "end", "bold");
  if (overall) svg.text(lay.weight_x, y - kRow + 4, "100.0%", kFont, "end", "bold");
  if (lay.split_counts) {
    svg.text(lay.label_x, y + 4, "Total events", kFont);
    svg.text(lay.events_x, y + 4, std::to_string(events), kFont, "end");
    y += kRow;
  }
  svg.close_group();
  return y;
}

void prediction_bar(Svg& svg, const Layout& lay, double y, double lb, double ub) {
  svg.open_group("prediction");
  svg.text(lay.label_x, y + 4, "Prediction interval", kFont);
  svg.rect(lay.x(lb), y - 3, lay.x(ub) - lay.x(lb), 6, "#c0392b", "none");
  svg.text(lay.estimate_x, y + 4, fmt::format("[{}; {}]", pct(lb, lay.digits), pct(ub, lay.digits)), kFont);  // meta only
  svg.close_group();
}

// The axis with its ticks at `y`; its grid lines from `top` down, and the dashed line at the
// random-effects estimate over the study rows (`pooled`, NaN for none), go behind the marks drawn
// after `behind` (a mark of `svg`).
void axis(Svg& svg, const Layout& lay, double top, double y, std::size_t behind, double pooled) {
  if (lay.style == ForestLayout::kMeta) {
    Svg background(lay.width, y);
    background.open_group("grid");
    for (int i = 0;; ++i) {
      const double t = lay.axis_min + i * lay.step;
      if (t > lay.axis_max + 1e-9) break;
      background.line(lay.x(t), top, lay.x(t), y, "#e5e5e5", 0.5);
    }
    if (std::isfinite(pooled) && pooled >= lay.axis_min && pooled <= lay.axis_max) {
      background.line(lay.x(pooled), top, lay.x(pooled), y, "#888", 0.8, "4 3");
    }
    background.close_group();
    svg.insert_at(behind, background);
  }

  svg.open_group("axis");
  svg.line(lay.x(lay.axis_min), y, lay.x(lay.axis_max), y, "#000");
  for (int i = 0;; ++i) {
    const double t = lay.axis_min + i * lay.step;
    if (t > lay.axis_max + 1e-9) break;
    svg.line(lay.x(t), y, lay.x(t), y + 4, "#000");
    const double tick = std::round(1000.0 * t) / 10.0;  // percent, to 0.1; no "-0" from rounding
    svg.text(lay.x(t), y + 16, fmt::format("{:g}", tick == 0.0 ? 0.0 : tick), 11.0, "middle");
  }
  // JAMA names the axis under it (its header row has no title over the plot).
  if (lay.style == ForestLayout::kJama) svg.text(lay.plot_x + kPlotWidth / 2, y + 32, lay.measure + ", %", 11.0, "middle");
  svg.close_group();
}

std::string p_text(double p) {
  if (!std::isfinite(p)) return "p not available";
  return p < 1e-4 ? std::string("p < 0.0001") : fmt::format("p = {:.4f}", p);
}

// P as RevMan 5 prints it ("P = 0.005", "P < 0.00001") and as JAMA asks ("P = .005", "P < .001").
std::string revman_p(double p) {
  if (!std::isfinite(p)) return "P not available";
  if (p < 1e-5) return "P < 0.00001";
  if (p >= 0.01) return fmt::format("P = {:.2f}", p);
  // Two significant digits in fixed notation: 0.0048, 0.00052 (never 5.2e-04).
  const int decimals = 1 - static_cast<int>(std::floor(std::log10(p)));
  return fmt::format("P = {:.{}f}", p, decimals);
}
std::string jama_p(double p) {
  if (!std::isfinite(p)) return "P not available";
  if (p < 0.001) return "P < .001";
  std::string s = p < 0.01 ? fmt::format("{:.3f}", p) : fmt::format("{:.2f}", p);
  if (s == "1.00") return "P > .99";
  return "P = " + s.substr(1);  // no leading zero
}

std::string heterogeneity_text(const Layout& lay, const PoolResult& r) {
  const auto& h = r.heterogeneity;
  if (r.k < 2) return "Heterogeneity: not estimable (k = 1)";
  if (!std::isfinite(h.tau2)) return fmt::format("Overdispersion test: {}", p_text(h.Q_p));
  if (lay.style == ForestLayout::kRevman5) {
    return fmt::format("Heterogeneity: Tau\u00b2 = {:.2f}; Chi\u00b2 = {:.2f}, df = {:.0f} ({}); I\u00b2 = {:.0f}%", h.tau2, h.Q,
                       h.Q_df, revman_p(h.Q_p), h.I2);
  }
  if (lay.style == ForestLayout::kJama) {
    return fmt::format("Heterogeneity: \u03c4\u00b2 = {:.2f}; I\u00b2 = {:.0f}%; {}", h.tau2, h.I2, jama_p(h.Q_p));
  }
  const std::string i2_ci =
      std::isfinite(h.I2_ci_lb) && std::isfinite(h.I2_ci_ub) ? fmt::format(" [{:.1f}%; {:.1f}%]", h.I2_ci_lb, h.I2_ci_ub) : "";
  return fmt::format("Heterogeneity: I\u00b2 = {:.1f}%{}, \u03c4\u00b2 = {:.4f}, Q = {:.2f} (df = {:.0f}), {}", h.I2, i2_ci,
                     h.tau2, h.Q, h.Q_df, p_text(h.Q_p));
}

// A subgroup's own heterogeneity, as R meta (or the layout) prints it under each subgroup.
std::string subgroup_heterogeneity_text(const Layout& lay, const PoolResult& r) {
  const auto& h = r.heterogeneity;
  if (lay.style != ForestLayout::kMeta) return heterogeneity_text(lay, r);
  return fmt::format("Heterogeneity: I\u00b2 = {:.1f}%, \u03c4\u00b2 = {:.4f}, Q = {:.2f} (df = {:.0f}), {}", h.I2,
                     h.tau2, h.Q, h.Q_df, p_text(h.Q_p));
}

constexpr double kNoteFont = 11.0;

// Footnotes and long sentences wrapped to the figure's width; returns the y after the last line.
double wrapped_lines(Svg& svg, double x, double y, double width, const std::vector<std::string>& texts,
                     std::string_view css) {
  if (texts.empty()) return y;
  svg.open_group(css);
  for (const auto& t : texts) {
    for (const auto& line : wrap_text(t, width, kNoteFont)) {
      svg.text(x, y + 4, line, kNoteFont, "start", "normal", "#444");
      y += 0.8 * kRow;
    }
  }
  svg.close_group();
  return y;
}

// What the risk-of-bias columns mean, under the figure: the tool, its domains, the judgements.
double rob_legend(Svg& svg, const Layout& lay, double y, double width) {
  if (lay.rob == nullptr) return y;
  std::vector<std::string> lines{fmt::format("Risk of bias: {}.", lay.rob->tool->name)};
  std::string domains;
  for (const auto& d : lay.rob->domains) domains += fmt::format("{}{}: {}", domains.empty() ? "" : "; ", d.id, d.name);
  if (!domains.empty()) lines.push_back(domains + ".");
  std::string key;
  for (const auto& l : lay.rob->tool->levels) {
    key += fmt::format("{}{}{}", key.empty() ? "" : ", ", l.symbol.empty() ? "" : l.symbol + " ", l.name);
  }
  lines.push_back("Judgements: " + key + "; blank: not assessed.");
  return wrapped_lines(svg, lay.label_x, y, width, lines, "rob-legend");
}

}  // namespace

std::string forest_plot_svg(const PoolResult& r, const ForestOptions& o) {
  std::vector<std::string> labels;
  for (const auto& s : r.studies) labels.push_back(s.label);
  labels.push_back("Random-effects model");
  labels.push_back("Prediction interval");
  const bool meta = o.layout == ForestLayout::kMeta;
  const bool show_common = meta && o.show_common, show_prediction = meta && o.show_prediction;
  labels.push_back("Total (95% CI)");
  ForestOptions oo = o;
  oo.show_common = show_common;
  Layout lay = make_layout(labels, oo, r.options.level);
  std::vector<double> values;
  collect(values, r, show_prediction);
  fit_axis(lay, o, values);
  const double top = (o.title.empty() ? 1.5 : 2.5) * kRow;
  Svg svg(lay.width, top);
  header(svg, lay, top, o, r.options.level);
  const std::size_t behind = svg.mark();
  double max_w = 0.0;
  for (const auto& s : r.studies) max_w = std::max(max_w, std::isfinite(s.weight_random) ? s.weight_random : s.weight_common);
  double y = top + kRow;
  for (const std::size_t i : row_order(r.studies, o.sort, o.sort_key)) {
    study_row(svg, lay, y, r.studies[i], max_w, i < o.count_text.size() ? o.count_text[i] : counts(r.studies[i]));
    y += kRow;
  }
  y += 0.5 * kRow;
  if (show_common) {
    diamond(svg, lay, y, "Common-effect model", r.common.prop, r.common.prop_ci_lb, r.common.prop_ci_ub, "#999", "diamond common", false);
    y += kRow;
  }
  const std::string pooled = o.layout == ForestLayout::kRevman5
                                 ? fmt::format("Total ({:.0f}% CI)", 100 * r.options.level)
                                 : o.layout == ForestLayout::kJama ? std::string("Overall") : std::string("Random-effects model");
  diamond(svg, lay, y, pooled, r.random.prop, r.random.prop_ci_lb, r.random.prop_ci_ub, "#222", "diamond random", true);
  y += kRow;
  y = revman_totals(svg, lay, y, r.studies, true);
  if (show_prediction && std::isfinite(r.random.prop_pi_lb) && std::isfinite(r.random.prop_pi_ub)) {
    prediction_bar(svg, lay, y, r.random.prop_pi_lb, r.random.prop_pi_ub);
    y += kRow;
  }
  svg.text(lay.label_x, y + 4, heterogeneity_text(lay, r), 11.0);
  axis(svg, lay, top + 0.5 * kRow, y + kRow, behind, r.random.prop);
  y += (o.layout == ForestLayout::kJama ? 3.2 : 2.5) * kRow;
  if (lay.rob != nullptr) y = rob_legend(svg, lay, y + 0.5 * kRow, lay.width - 2 * kMargin) + 0.5 * kRow;
  svg.set_size(lay.width, y);
  return svg.str();
}

std::string subgroup_forest_svg(const PoolResult& overall, const SubgroupAnalysis& subgroups,
                                const std::vector<std::string>& level_of, const std::string& variable,
                                const ForestOptions& o) {
  std::vector<std::string> labels;
  for (const auto& s : overall.studies) labels.push_back(s.label);
  for (const auto& l : subgroups.levels) labels.push_back(fmt::format("{}: {}", variable, l.level));
  labels.push_back(fmt::format("Overall (random effects, k = {})", overall.k));
  ForestOptions oo = o;
  oo.show_common = false;
  Layout lay = make_layout(labels, oo, overall.options.level);
  std::vector<double> values;
  collect(values, overall, false);
  for (const auto& l : subgroups.levels) {
    if (l.result) collect(values, *l.result, false);
  }
  fit_axis(lay, o, values);
  const double text_width_max = lay.width - 2 * kMargin;
  const double top = (o.title.empty() ? 1.5 : 2.5) * kRow;
  Svg svg(lay.width, top);
  header(svg, lay, top, o, overall.options.level);
  const std::size_t behind = svg.mark();
  double y = top + kRow;
  for (const auto& level : subgroups.levels) {
    svg.text(lay.label_x, y + 4, fit_text(fmt::format("{}: {}", variable, level.level), kMaxLabelChars), kFont, "start",
             "bold");
    y += kRow;
    const PoolResult* source = level.result ? &*level.result : nullptr;
    if (source) {
      double max_w = 0.0;
      for (const auto& s : source->studies) max_w = std::max(max_w, s.weight_random);
      for (const std::size_t i : row_order(source->studies, o.sort, o.sort_key)) {
        study_row(svg, lay, y, source->studies[i], max_w, counts(source->studies[i]));
        y += kRow;
      }
      if (level.k >= 2) {
        diamond(svg, lay, y,
                o.layout == ForestLayout::kRevman5 ? fmt::format("Subtotal ({:.0f}% CI)", 100 * overall.options.level)
                                                   : fmt::format("Subtotal (k = {})", level.k),
                source->random.prop, source->random.prop_ci_lb, source->random.prop_ci_ub, "#555", "diamond subtotal", false);
        y += kRow;
        y = revman_totals(svg, lay, y, source->studies, false);
        svg.text(lay.label_x, y + 4, subgroup_heterogeneity_text(lay, *source), kNoteFont, "start", "normal", "#444");
        y += kRow;
      } else {
        svg.text(lay.label_x, y + 4,
                 level.in_test ? "Single study: tested with its own estimate and variance" : "Single study", kNoteFont,
                 "start", "normal", "#444");
        y += kRow;
      }
      if (!level.note.empty()) y = wrapped_lines(svg, lay.label_x, y, text_width_max, {level.note}, "level-note");
    } else {
      for (std::size_t i = 0; i < overall.studies.size(); ++i) {
        if (i < level_of.size() && level_of[i] == level.level) {
          study_row(svg, lay, y, overall.studies[i], 0.0, counts(overall.studies[i]));
          y += kRow;
        }
      }
      y = wrapped_lines(svg, lay.label_x, y, text_width_max, {level.note}, "level-note");
    }
    y += 0.5 * kRow;
  }
  diamond(svg, lay, y, fmt::format("Overall (random effects, k = {})", overall.k), overall.random.prop,
          overall.random.prop_ci_lb, overall.random.prop_ci_ub, "#222", "diamond random", true);
  y += kRow;
  std::string test;
  if (std::isfinite(subgroups.Q_between)) {
    const std::string which =
        subgroups.options.test == SubgroupTest::kAllSubgroups
            ? fmt::format("all {} subgroups", subgroups.levels_tested)
            : fmt::format("the {} subgroups with at least {} studies", subgroups.levels_tested, subgroups.options.min_k);
    test = fmt::format("Test for subgroup differences ({}): Q = {:.2f}, df = {:.0f}, {}", which, subgroups.Q_between,
                       subgroups.Q_between_df, p_text(subgroups.Q_between_p));
  } else {
    test = subgroups.test_unavailable;
  }
  const double axis_y = y + 0.2 * kRow;
  axis(svg, lay, top + 0.5 * kRow, axis_y, behind, overall.random.prop);
  y = axis_y + 1.5 * kRow;
  y = wrapped_lines(svg, lay.label_x, y, text_width_max, {test}, "subgroup-test");
  if (lay.rob != nullptr) y = rob_legend(svg, lay, y + 0.5 * kRow, text_width_max);
  svg.set_size(lay.width, y + 10.0);
  return svg.str();
}

}  // namespace carta::plot
