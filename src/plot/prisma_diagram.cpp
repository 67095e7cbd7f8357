#include "carta/plot/prisma_diagram.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "carta/plot/svg.hpp"

namespace carta::plot {

namespace {

constexpr double kFont = 11.5;
constexpr double kLine = 15.0;
constexpr double kPad = 8.0;
constexpr double kBoxWidth = 250.0;
constexpr double kColumnGap = 36.0;
constexpr double kRowGap = 26.0;
constexpr double kPhaseWidth = 26.0;
constexpr double kMargin = 14.0;

// Greedy word wrap to the box's inner width (text_width's per-character estimate).
std::vector<std::string> wrap(const std::string& text, double width) {
  std::vector<std::string> lines;
  std::string line;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    const std::string candidate = line.empty() ? word : line + " " + word;
    if (!line.empty() && text_width(candidate, kFont) > width) {
      lines.push_back(line);
      line = word;
    } else {
      line = candidate;
    }
    start = end + 1;
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

struct Box {
  std::vector<std::string> lines;
  double x = 0, y = 0, h = 0;
  std::string fill = "#ffffff";
  std::string css = "box";
};

std::string n_text(const std::optional<std::int64_t>& n) { return n ? std::to_string(*n) : std::string("?"); }

// "(n = 12)" joined by no-break spaces, so that wrapping never splits a count from its label's
// parenthesis.
std::string n_of(const std::optional<std::int64_t>& n) { return fmt::format("(n\u00a0=\u00a0{})", n_text(n)); }

}  // namespace

std::string prisma_diagram_svg(const review::PrismaCounts& c) {
  auto label = [&](const char* key, const char* fallback) {
    const auto it = c.labels.find(key);
    return it == c.labels.end() ? std::string(fallback) : it->second;
  };
  auto counted = [&](const char* key, const char* fallback, const std::optional<std::int64_t>& n) {
    return fmt::format("{} {}", label(key, fallback), n_of(n));
  };
  const bool previous = c.has_previous();
  const bool other = c.has_other();
  // Columns: phase labels, [previous], main, excluded, [other main, other excluded].
  const double main_x = kMargin + kPhaseWidth + 10.0 + (previous ? kBoxWidth + kColumnGap : 0.0);
  const double excluded_x = main_x + kBoxWidth + kColumnGap;
  const double other_x = excluded_x + kBoxWidth + kColumnGap * 1.5;
  const double other_excluded_x = other_x + kBoxWidth + kColumnGap;
  const double width = (other ? other_excluded_x : excluded_x) + kBoxWidth + kMargin;
  const double inner = kBoxWidth - 2 * kPad;

  auto make = [&](std::vector<std::string> paragraphs, double x) {
    Box b;
    b.x = x;
    for (const auto& p : paragraphs) {
      for (auto& l : wrap(p, inner)) b.lines.push_back(std::move(l));
    }
    b.h = static_cast<double>(b.lines.size()) * kLine + 2 * kPad;
    return b;
  };
  // Rows: 0 identification, 1 screened, 2 sought, 3 assessed, 4 included.
  std::vector<std::vector<Box*>> rows(5);
  std::vector<std::string> identified{label("database_results", "Records identified from:")};
  if (c.database_results) identified.push_back(fmt::format("Databases {}", n_of(c.database_results)));
  for (const auto& d : c.database_specific) identified.push_back(fmt::format("- {} {}", d.name, n_of(d.n)));
  if (c.register_results) identified.push_back(fmt::format("Registers {}", n_of(c.register_results)));
  for (const auto& d : c.register_specific) identified.push_back(fmt::format("- {} {}", d.name, n_of(d.n)));
  Box ident = make(identified, main_x);
  Box removed = make({"Records removed before screening:",
                      counted("duplicates", "Duplicate records removed", c.duplicates.value_or(0)),
                      counted("excluded_automatic", "Records marked as ineligible by automation tools",
                              c.excluded_automatic.value_or(0)),
                      counted("excluded_other", "Records removed for other reasons", c.excluded_other.value_or(0))},
                     excluded_x);
  Box screened = make({counted("records_screened", "Records screened", c.records_screened)}, main_x);
  Box screened_out = make({counted("records_excluded", "Records excluded", c.records_excluded)}, excluded_x);
  Box sought = make({counted("dbr_sought_reports", "Reports sought for retrieval", c.dbr_sought)}, main_x);
  Box not_retrieved = make({counted("dbr_notretrieved_reports", "Reports not retrieved", c.dbr_notretrieved.value_or(0))},
                           excluded_x);
  Box assessed = make({counted("dbr_assessed", "Reports assessed for eligibility", c.dbr_assessed)}, main_x);
  std::vector<std::string> reasons{label("dbr_excluded", "Reports excluded:")};
  for (const auto& r : c.dbr_excluded) reasons.push_back(fmt::format("{} {}", r.name, n_of(r.n)));
  Box excluded = make(reasons, excluded_x);
  std::vector<std::string> included{counted("new_studies", previous ? "New studies included in review" : "Studies included in review",
                                            c.new_studies),
                                    counted("new_reports", previous ? "Reports of new included studies" : "Reports of included studies",
                                            c.new_reports)};
  if (previous) {
    included.push_back(counted("total_studies", "Total studies included in review", c.total_studies));
    included.push_back(counted("total_reports", "Reports of total included studies", c.total_reports));
  }
  Box incl = make(included, main_x);
  rows[0] = {&ident, &removed};
  rows[1] = {&screened, &screened_out};
  rows[2] = {&sought, &not_retrieved};
  rows[3] = {&assessed, &excluded};
  rows[4] = {&incl};
  Box other_ident, other_sought, other_not, other_assessed, other_excluded, prev;
  if (other) {
    other_ident = make({"Records identified from:",
                        counted("website_results", "Websites", c.website_results.value_or(0)),
                        counted("organisation_results", "Organisations", c.organisation_results.value_or(0)),
                        counted("citations_results", "Citation searching", c.citations_results.value_or(0))},
                       other_x);
    other_sought = make({counted("other_sought_reports", "Reports sought for retrieval", c.other_sought)}, other_x);
    other_not = make({counted("other_notretrieved_reports", "Reports not retrieved", c.other_notretrieved.value_or(0))},
                     other_excluded_x);
    other_assessed = make({counted("other_assessed", "Reports assessed for eligibility", c.other_assessed)}, other_x);
    std::vector<std::string> other_reasons{label("other_excluded", "Reports excluded:")};
    for (const auto& r : c.other_excluded) other_reasons.push_back(fmt::format("{} {}", r.name, n_of(r.n)));
    other_excluded = make(other_reasons, other_excluded_x);
    for (Box* b : {&other_ident, &other_sought, &other_not, &other_assessed, &other_excluded}) b->fill = "#f2f2f2";
    rows[0].push_back(&other_ident);
    rows[2].push_back(&other_sought);
    rows[2].push_back(&other_not);
    rows[3].push_back(&other_assessed);
    rows[3].push_back(&other_excluded);
  }
  if (previous) {
    prev = make({counted("previous_studies", "Studies included in previous version of review", c.previous_studies.value_or(0)),
                 counted("previous_reports", "Reports of studies included in previous version of review",
                         c.previous_reports.value_or(0))},
                kMargin + kPhaseWidth + 10.0);
    prev.fill = "#eef3f8";
    rows[0].push_back(&prev);
  }

  // Vertical layout: a header band, then each row as tall as its tallest box.
  const double header_h = 36.0;
  double y = kMargin + header_h + 14.0;
  std::vector<double> row_top(rows.size()), row_height(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    double h = 0;
    for (const Box* b : rows[r]) h = std::max(h, b->h);
    row_top[r] = y;
    row_height[r] = h;
    for (Box* b : rows[r]) b->y = y + (h - b->h) / 2;
    y += h + kRowGap;
  }
  const double height = y - kRowGap + kMargin;
  Svg svg(width, height);

  // Headers and phase bands.
  auto header = [&](double x, double w, const std::string& text, const char* fill) {
    svg.rect(x, kMargin, w, header_h, fill, "#333");
    svg.text(x + w / 2, kMargin + header_h / 2 + 4, text, 12.0, "middle", "bold");
  };
  header(main_x, excluded_x + kBoxWidth - main_x, "Identification of studies via databases and registers", "#ffd966");
  if (other) header(other_x, other_excluded_x + kBoxWidth - other_x, "Identification of studies via other methods", "#d9d9d9");
  if (previous) header(kMargin + kPhaseWidth + 10.0, kBoxWidth, "Previous studies", "#c9d9ea");
  auto phase = [&](std::size_t first, std::size_t last, const char* text) {
    const double top = row_top[first], bottom = row_top[last] + row_height[last];
    svg.rect(kMargin, top, kPhaseWidth, bottom - top, "#9dc3e6", "#333");
    svg.vertical_text(kMargin + kPhaseWidth / 2 + 4, (top + bottom) / 2, text, 12.0, "bold");
  };
  phase(0, 0, "Identification");
  phase(1, 3, "Screening");
  phase(4, 4, "Included");

  // Arrows.
  auto arrow = [&](double x1, double y1, double x2, double y2) {
    svg.line(x1, y1, x2, y2, "#333", 1.2);
    const double dx = x2 - x1, dy = y2 - y1;
    const double len = std::max(1e-9, std::hypot(dx, dy));
    const double ux = dx / len, uy = dy / len;
    svg.polygon(fmt::format("{},{} {},{} {},{}", coord(x2), coord(y2), coord(x2 - 8 * ux - 4 * uy), coord(y2 - 8 * uy + 4 * ux),
                            coord(x2 - 8 * ux + 4 * uy), coord(y2 - 8 * uy - 4 * ux)),
                "#333");
  };
  auto down = [&](const Box& a, const Box& b) { arrow(a.x + kBoxWidth / 2, a.y + a.h, b.x + kBoxWidth / 2, b.y); };
  auto right = [&](const Box& a, const Box& b) {
    const double yy = a.y + a.h / 2;
    arrow(a.x + kBoxWidth, yy, b.x, std::clamp(yy, b.y + 4, b.y + b.h - 4));
  };
  down(ident, screened);
  down(screened, sought);
  down(sought, assessed);
  down(assessed, incl);
  right(ident, removed);
  right(screened, screened_out);
  right(sought, not_retrieved);
  right(assessed, excluded);
  if (other) {
    down(other_ident, other_sought);
    down(other_sought, other_assessed);
    right(other_sought, other_not);
    right(other_assessed, other_excluded);
    // Elbow from the other arm's assessed box into the included box.
    const double x = other_x + kBoxWidth / 2;
    const double y_in = incl.y + incl.h / 2;
    svg.line(x, other_assessed.y + other_assessed.h, x, y_in, "#333", 1.2);
    arrow(x, y_in, main_x + kBoxWidth, y_in);
  }
  if (previous) {
    const double x = prev.x + kBoxWidth / 2;
    const double y_in = incl.y + incl.h / 2;
    svg.line(x, prev.y + prev.h, x, y_in, "#333", 1.2);
    arrow(x, y_in, main_x, y_in);
  }

  std::vector<const Box*> all{&ident, &removed, &screened, &screened_out, &sought, &not_retrieved, &assessed, &excluded, &incl};
  if (other) {
    for (const Box* b : {&other_ident, &other_sought, &other_not, &other_assessed, &other_excluded}) all.push_back(b);
  }
  if (previous) all.push_back(&prev);
  for (const Box* b : all) {
    svg.open_group(b->css);
    svg.rect(b->x, b->y, kBoxWidth, b->h, b->fill, "#333");
    for (std::size_t i = 0; i < b->lines.size(); ++i) {
      svg.text(b->x + kPad, b->y + kPad + 11.0 + static_cast<double>(i) * kLine, b->lines[i], kFont);
    }
    svg.close_group();
  }
  return svg.str();
}

}  // namespace carta::plot
