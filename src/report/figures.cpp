#include "figures.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <map>
#include <pugixml.hpp>
#include <set>

#include "carta/plot/baujat.hpp"
#include "carta/plot/bubble.hpp"
#include "carta/plot/forest.hpp"
#include "carta/plot/funnel.hpp"
#include "carta/plot/prisma_diagram.hpp"
#include "carta/plot/rob_plots.hpp"
#include "carta/plot/survival_curve.hpp"
#include "carta/plot/svg.hpp"
#include "wording.hpp"

namespace carta::report {

namespace {

std::string measure_axis_label(Measure m) {
  switch (m) {
    case Measure::kPLO: return "Logit proportion";
    case Measure::kPAS: return "Arcsine square-root proportion";
    case Measure::kPFT: return "Freeman-Tukey double arcsine proportion";
    case Measure::kPR: return "Proportion";
    case Measure::kPLN: return "Log proportion";
  }
  return "Effect";
}

std::string slug(std::string_view name) {
  std::string out;
  for (const char c : name) {
    if (out.size() >= 60) break;
    if (std::isalnum(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) < 0x80) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? std::string("outcome") : out;
}

// The sentence naming what an outcome's figure leaves out, lower-case for "Not reporting ...".
std::string outcome_phrase(const std::string& name) {
  std::string s = name;
  if (s.size() >= 2 && std::isupper(static_cast<unsigned char>(s[0])) && std::islower(static_cast<unsigned char>(s[1]))) {
    s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  }
  return s;
}

}  // namespace

std::vector<std::string> unique_slugs(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  std::set<std::string> taken;
  for (const auto& n : names) {
    const std::string base = slug(n);
    std::string s = base;
    for (int i = 2; taken.contains(s); ++i) s = fmt::format("{}-{}", base, i);
    taken.insert(s);
    out.push_back(s);
  }
  return out;
}

namespace {

plot::ForestOptions forest_options(const analysis::ReviewResults& results) {
  const io::SpecFigures& f = results.spec.figures;
  plot::ForestOptions o;
  if (f.rob && results.risk_of_bias && results.spec.risk_of_bias) {
    o.risk_of_bias = &*results.risk_of_bias;
    o.rob_palette = results.spec.risk_of_bias->colourblind ? plot::RobPalette::kColourblind : plot::RobPalette::kCochrane;
  }
  if (f.layout == "revman5") o.layout = plot::ForestLayout::kRevman5;
  if (f.layout == "jama") o.layout = plot::ForestLayout::kJama;
  if (f.sort == "estimate") o.sort = plot::ForestSort::kEstimate;
  if (f.sort == "weight") o.sort = plot::ForestSort::kWeight;
  if (f.sort == "label") o.sort = plot::ForestSort::kLabel;
  o.digits = f.digits;
  // A characteristic's values by study label, from the table of study characteristics.
  const auto& characteristics = results.spec.characteristics;
  auto values_of = [&](const std::string& column) {
    std::map<std::string, std::string> values;
    const auto at = std::find(characteristics.begin(), characteristics.end(), column) - characteristics.begin();
    for (const auto& row : results.studies) {
      if (static_cast<std::size_t>(at) < row.values.size() && row.values[at]) values[row.study] = *row.values[at];
    }
    return values;
  };
  if (o.sort == plot::ForestSort::kData && f.sort != "data") {
    o.sort = plot::ForestSort::kKey;
    o.sort_key = values_of(f.sort);
  }
  for (const auto& c : f.columns) o.columns.push_back({io::display_name(results.spec, c), values_of(c)});
  if (f.axis_min && f.axis_max) {
    o.axis_min = *f.axis_min;
    o.axis_max = *f.axis_max;
  }
  return o;
}

}  // namespace

ReviewFigures draw_figures(const analysis::ReviewResults& results) {
  const auto& spec = results.spec;
  ReviewFigures figures;
  std::vector<std::string> names;
  for (const auto& o : results.outcomes) names.push_back(o.spec.name);
  const auto slugs = unique_slugs(names);
  for (std::size_t oi = 0; oi < results.outcomes.size(); ++oi) {
    const auto& run = results.outcomes[oi];
    OutcomeFigures f;
    f.slug = slugs[oi];
    f.subgroups.resize(run.subgroups.size());
    f.bubbles.resize(run.regressions.size());
    if (run.pool) {
      const auto& r = *run.pool;
      const std::string phrase = outcome_phrase(run.spec.name);
      const auto outcome_notes = left_out_sentences(run.studies, phrase);
      plot::ForestOptions fo = forest_options(results);
      fo.title = run.spec.name;
      fo.one_stage = !r.model.empty();
      f.forest = plot::append_footnotes(plot::forest_plot_svg(r, fo), outcome_notes);
      for (std::size_t i = 0; i < run.subgroups.size(); ++i) {
        const auto& sg = run.subgroups[i];
        if (!sg.analysis || !sg.overall) continue;
        plot::ForestOptions so = forest_options(results);
        so.title = fmt::format("{} by {}", run.spec.name, outcome_phrase(sg.label));
        std::vector<std::string> notes = left_out_sentences(sg.studies, phrase);
        notes.insert(notes.begin(), outcome_notes.begin(), outcome_notes.end());
        f.subgroups[i] =
            plot::append_footnotes(plot::subgroup_forest_svg(*sg.overall, *sg.analysis, sg.level_of, sg.label, so), notes);
      }
      for (std::size_t i = 0; i < run.regressions.size(); ++i) {
        const auto& reg = run.regressions[i];
        if (!reg.fit || !plot::has_single_numeric_moderator(*reg.fit)) continue;
        const plot::BubbleOptions bo{fmt::format("{} by {}", run.spec.name, outcome_phrase(reg.label)), reg.label, run.options.measure,
                                     reg.n_harmonic, run.options.level};
        std::vector<std::string> notes = left_out_sentences(reg.studies, phrase);
        notes.insert(notes.begin(), outcome_notes.begin(), outcome_notes.end());
        f.bubbles[i] = plot::append_footnotes(plot::bubble_plot_svg(*reg.fit, bo), notes);
      }
      if (run.bias) {
        plot::FunnelOptions fu;
        fu.title = run.spec.name;
        fu.x_label = measure_axis_label(run.options.measure);
        if (spec.funnel_null) {
          fu.contour_null = from_proportion(run.options.measure, *spec.funnel_null, r.n_harmonic);
          fu.null_label = fmt::format("{:g}%", 100 * *spec.funnel_null);
        }
        f.funnel = plot::append_footnotes(plot::funnel_plot_svg(*run.bias, fu), outcome_notes);
      }
      if (!run.influence.empty()) {
        f.baujat = plot::append_footnotes(
            plot::baujat_plot_svg(run.influence, {fmt::format("{}: Baujat plot", run.spec.name)}), outcome_notes);
      }
    }
    figures.outcomes.push_back(std::move(f));
  }

  std::vector<std::string> survival_names;
  for (const auto& s : results.survival) survival_names.push_back(s.spec.name);
  const auto survival_slugs = unique_slugs(survival_names);
  for (std::size_t si = 0; si < results.survival.size(); ++si) {
    const auto& run = results.survival[si];
    SurvivalFigures f;
    f.slug = survival_slugs[si];
    if (run.pool) {
      plot::ForestOptions fo = forest_options(results);
      const double t = run.spec.at.front();
      fo.title = fmt::format("{}: S({:g}) under an exponential model per study", run.spec.name, t);
      fo.count_header = "From";
      fo.estimate_header = fmt::format("S({:g}) (%)", t);
      for (const auto& h : run.pool->studies) fo.count_text.emplace_back(short_name(h.source));
      f.forest = plot::append_footnotes(plot::forest_plot_svg(survival_at(*run.pool, t), fo),
                                        left_out_sentences(run.studies, outcome_phrase(run.spec.name)));
    }
    if (run.curve) {
      plot::SurvivalCurveOptions co;
      co.title = fmt::format("{}: pooled survival curve", run.spec.name);
      f.curve = plot::survival_curve_svg(*run.curve, run.curve_display, co);
    }
    figures.survival.push_back(std::move(f));
  }

  if (results.risk_of_bias) {
    const auto& rs = *spec.risk_of_bias;
    plot::RobPlotOptions ro;
    ro.title = results.risk_of_bias->tool->name;
    ro.palette = rs.colourblind ? plot::RobPalette::kColourblind : plot::RobPalette::kCochrane;
    ro.weighted = rs.weighted;
    figures.rob_traffic_light = plot::traffic_light_svg(*results.risk_of_bias, ro);
    figures.rob_summary = plot::rob_summary_svg(*results.risk_of_bias, ro);
  }
  if (results.prisma) figures.prisma = plot::prisma_diagram_svg(*results.prisma);
  return figures;
}

std::vector<std::string> figure_formats(const io::SpecFigures& print) {
  std::vector<std::string> formats{"svg", "png", "pdf"};
  if (print.tiff) formats.emplace_back("tiff");
  if (print.eps) formats.emplace_back("eps");
  return formats;
}

double smallest_print_text(const std::string& svg, double width_in) {
  pugi::xml_document d;
  if (!d.load_buffer(svg.data(), svg.size())) return std::numeric_limits<double>::infinity();
  const double width_px = d.child("svg").attribute("width").as_double();
  double smallest = std::numeric_limits<double>::infinity();
  for (const auto& t : d.select_nodes("//text[@font-size]")) {
    if (std::string(t.node().child_value()).empty()) continue;
    smallest = std::min(smallest, t.node().attribute("font-size").as_double());
  }
  return width_px > 0 ? smallest * width_in * 72.0 / width_px : std::numeric_limits<double>::infinity();
}

std::string figure_title(const std::string& svg) {
  pugi::xml_document d;
  if (!d.load_buffer(svg.data(), svg.size())) return {};
  for (const auto& t : d.select_nodes("//text")) {
    const std::string s = t.node().child_value();
    if (!s.empty()) return s;
  }
  return {};
}

std::vector<FigureFile> figure_files(const ReviewFigures& figures, const analysis::ReviewResults& results) {
  std::vector<FigureFile> out;
  for (std::size_t oi = 0; oi < figures.outcomes.size(); ++oi) {
    const auto& f = figures.outcomes[oi];
    const auto& run = results.outcomes[oi];
    if (!f.forest.empty()) out.push_back({fmt::format("forest_{}", f.slug), &f.forest});
    std::vector<std::string> sg_names, reg_names;
    for (const auto& sg : run.subgroups) sg_names.push_back(sg.column);
    for (const auto& reg : run.regressions) reg_names.push_back(reg.column);
    const auto sg_slugs = unique_slugs(sg_names);
    const auto reg_slugs = unique_slugs(reg_names);
    for (std::size_t i = 0; i < f.subgroups.size(); ++i) {
      if (!f.subgroups[i].empty()) out.push_back({fmt::format("forest_{}_by_{}", f.slug, sg_slugs[i]), &f.subgroups[i]});
    }
    if (!f.funnel.empty()) out.push_back({fmt::format("funnel_{}", f.slug), &f.funnel});
    for (std::size_t i = 0; i < f.bubbles.size(); ++i) {
      if (!f.bubbles[i].empty()) out.push_back({fmt::format("bubble_{}_by_{}", f.slug, reg_slugs[i]), &f.bubbles[i]});
    }
    if (!f.baujat.empty()) out.push_back({fmt::format("baujat_{}", f.slug), &f.baujat});
  }
  for (const auto& f : figures.survival) {
    if (!f.forest.empty()) out.push_back({fmt::format("forest_survival_{}", f.slug), &f.forest});
    if (!f.curve.empty()) out.push_back({fmt::format("survival_curve_{}", f.slug), &f.curve});
  }
  if (!figures.rob_traffic_light.empty()) out.push_back({"rob_traffic_light", &figures.rob_traffic_light});
  if (!figures.rob_summary.empty()) out.push_back({"rob_summary", &figures.rob_summary});
  if (!figures.prisma.empty()) out.push_back({"prisma", &figures.prisma});
  return out;
}

}  // namespace carta::report
