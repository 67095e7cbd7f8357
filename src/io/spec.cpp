#include "carta/io/spec.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <set>
#include <sstream>

#include "carta/error.hpp"
#include "carta/level.hpp"
#include "carta/review/rob.hpp"
#include "text.hpp"

namespace carta::io {

namespace {

using detail::edit_distance;

// Why a file named in the spec cannot be used, or "" when it exists. A name the system cannot look
// up (a component longer than the file system allows, ...) gets the system's reason instead of an
// exception from std::filesystem.
std::string lookup_problem(const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) return {};
  return ec ? fmt::format("cannot be looked up: {}", ec.message()) : std::string("not found");
}

// A path as messages quote it: whole unless absurdly long (a spec can hold any string).
std::string quoted_path(std::string_view path) {
  if (path.size() <= 300) return std::string(path);
  return std::string(path.substr(0, 200)) + "... (" + std::to_string(path.size()) + " characters)";
}

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const toml::node* node, const std::string& what) const {
    const auto line = node ? node->source().begin.line : 0;
    throw Error(ErrorCategory::kInvalidInput, fmt::format("{}:{}: {}", file_, line, what));
  }

  // Every key of `table` must be one of `allowed`.
  void check_keys(const toml::table& table, std::initializer_list<std::string_view> allowed, std::string_view where) const {
    for (const auto& [key, node] : table) {
      const std::string_view k = key.str();
      if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
      std::string_view closest;
      std::size_t best = 1000;
      for (const auto a : allowed) {
        const auto d = edit_distance(k, a);
        if (d < best) best = d, closest = a;
      }
      std::string list;
      for (const auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      fail(&node, fmt::format("unknown key '{}' in {}.{} Known keys: {}", k, where,
                              best <= 2 ? fmt::format(" Did you mean '{}'?", closest) : std::string(), list));
    }
  }

  std::string string(const toml::table& t, std::string_view key, bool required, std::string_view where) const {
    const toml::node* node = t.get(key);
    if (!node) {
      if (required) fail(&t, fmt::format("{} needs '{}'", where, key));
      return {};
    }
    if (!node->is_string()) fail(node, fmt::format("'{}' must be a text in quotes, like {} = \"...\"", key, key));
    return std::string(node->as_string()->get());
  }

  std::vector<std::string> strings(const toml::table& t, std::string_view key) const {
    std::vector<std::string> out;
    const toml::node* node = t.get(key);
    if (!node) return out;
    if (node->is_string()) {
      out.emplace_back(node->as_string()->get());
      return out;
    }
    if (!node->is_array()) fail(node, fmt::format("'{}' must be a list of texts, like {} = [\"a\", \"b\"]", key, key));
    for (const auto& item : *node->as_array()) {
      if (!item.is_string()) fail(&item, fmt::format("every entry of '{}' must be a text in quotes", key));
      out.emplace_back(item.as_string()->get());
    }
    return out;
  }

  std::optional<bool> boolean(const toml::table& t, std::string_view key) const {
    const toml::node* node = t.get(key);
    if (!node) return std::nullopt;
    if (!node->is_boolean()) fail(node, fmt::format("'{}' must be true or false", key));
    return node->as_boolean()->get();
  }

  std::optional<double> number(const toml::table& t, std::string_view key) const {
    const toml::node* node = t.get(key);
    if (!node) return std::nullopt;
    if (node->is_integer()) return static_cast<double>(node->as_integer()->get());
    if (!node->is_floating_point()) fail(node, fmt::format("'{}' must be a number", key));
    return node->as_floating_point()->get();
  }

  // grade = { inconsistency = { concern = "serious", reason = "..." }, ... } in an outcome or
  // survival block (or grade.inconsistency = {...}, the same table in TOML).
  std::vector<review::GradeJudgement> grade_judgements(const toml::table& t, std::string_view where) const {
    std::vector<review::GradeJudgement> out;
    const toml::node* node = t.get("grade");
    if (!node) return out;
    std::string domains;
    for (const auto d : review::kGradeDomains) domains += (domains.empty() ? "" : ", ") + std::string(review::to_string(d));
    if (!node->is_table()) {
      fail(node, fmt::format("'grade' in {} must be a table of domains ({}), like grade.indirectness = {{ concern = "
                             "\"serious\", reason = \"...\" }}",
                             where, domains));
    }
    for (const auto& [key, value] : *node->as_table()) {
      const auto domain = review::parse_grade_domain(key.str());
      if (!domain) {
        fail(&value, fmt::format("unknown GRADE domain '{}' in {}. Known domains: {}", key.str(), where, domains));
      }
      if (!value.is_table()) {
        fail(&value, fmt::format("grade.{} must be a table: {{ concern = \"serious\", reason = \"...\" }}", key.str()));
      }
      const auto& rating = *value.as_table();
      const std::string context = fmt::format("grade.{}", key.str());
      check_keys(rating, {"concern", "reason"}, context);
      const std::string concern_text = string(rating, "concern", true, context);
      const auto concern = review::parse_concern(concern_text);
      if (!concern) {
        fail(rating.get("concern"),
             fmt::format("{}: concern '{}' is not one of not serious, serious, very serious", context, concern_text));
      }
      std::string reason = string(rating, "reason", true, context);
      if (reason.find_first_not_of(" \t") == std::string::npos) {
        fail(rating.get("reason"), fmt::format("{}: the reason is empty; say why the authors rate it so", context));
      }
      out.push_back({*domain, *concern, std::move(reason)});
    }
    return out;
  }

  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

}  // namespace

std::string display_name(const ReviewSpec& spec, std::string_view column) {
  for (const auto& l : spec.labels) {
    if (l.column == column) return l.label;
  }
  return std::string(column);
}

ReviewSpec load_review_spec(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCategory::kIo, fmt::format("{}: cannot open the spec file (does it exist?)", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_review_spec(text.str(), path);
}

ReviewSpec parse_review_spec(std::string_view text, const std::filesystem::path& path) {
  toml::table root;
  try {
    root = toml::parse(text, path.string());
  } catch (const toml::parse_error& e) {
    const auto& src = e.source();
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("{}:{}:{}: TOML syntax error: {}", path.string(), src.begin.line, src.begin.column,
                            e.description()));
  }
  const Reader r(path.string());
  ReviewSpec spec;
  spec.path = path;
  r.check_keys(root,
               {"title", "data", "labels", "model", "analyses", "exclude", "outcome", "sensitivity", "survival",
                "risk_of_bias", "prisma", "grade", "baseline", "figures"},
               "the spec");
  spec.title = r.string(root, "title", false, "the spec");

  const auto* data = root["data"].as_table();
  if (!data) r.fail(&root, "the spec needs a [data] table with file = \"studies.csv\" and label = \"<column>\"");
  r.check_keys(*data, {"file", "label", "characteristics", "missing"}, "[data]");
  const std::string file = r.string(*data, "file", true, "[data]");
  spec.data_file_line = data->get("file")->source().begin.line;
  spec.data_file = path.parent_path() / file;
  if (const std::string problem = lookup_problem(spec.data_file); !problem.empty()) {
    throw Error(ErrorCategory::kIo, fmt::format("{}:{}: data file '{}' {} (looked for {}); file names are "
                                                "relative to the spec's folder",
                                                r.file(), spec.data_file_line, quoted_path(file), problem,
                                                quoted_path(spec.data_file.string())));
  }
  spec.label = r.string(*data, "label", true, "[data]");
  spec.characteristics = r.strings(*data, "characteristics");
  if (data->get("missing")) {
    try {
      spec.missing = MissingValues(r.strings(*data, "missing"));
    } catch (const Error& e) {
      r.fail(data->get("missing"), fmt::format("[data] missing: {}", e.what()));
    }
  }
  if (const toml::node* node = root.get("labels")) {
    if (!node->is_table()) r.fail(node, "labels must be a table: [labels] with column = \"Name shown to readers\"");
    for (const auto& [key, value] : *node->as_table()) {
      if (!value.is_string() || value.as_string()->get().empty()) {
        r.fail(&value, fmt::format("[labels] {} must be a non-empty text in quotes, like {} = \"Antigen target\"",
                                   key.str(), key.str()));
      }
      spec.labels.push_back({std::string(key.str()), std::string(value.as_string()->get()), value.source().begin.line});
    }
  }

  if (const auto* model = root["model"].as_table()) {
    r.check_keys(*model, {"measure", "method", "test", "preset", "level", "study_ci", "tau2_ci"}, "[model]");
    if (auto m = r.string(*model, "measure", false, "[model]"); !m.empty()) {
      const auto parsed = parse_measure(m);
      if (!parsed) r.fail(model->get("measure"), fmt::format("measure '{}' is not one of PLO, PAS, PFT, PR, PLN", m));
      spec.options.measure = *parsed;
    }
    if (auto m = r.string(*model, "method", false, "[model]"); !m.empty()) {
      if (const auto canonical = canonical_method_name(m)) m = *canonical;
      if (m != "GLMM" && m != "BB" && !parse_tau2_method(m)) {
        r.fail(model->get("method"), fmt::format("method '{}' is not one of {}, GLMM, BB", m, tau2_method_names()));
      }
      spec.method = m;
      if (const auto t = parse_tau2_method(m)) spec.options.method = *t;
    }
    if (auto t = r.string(*model, "test", false, "[model]"); !t.empty()) {
      const auto parsed = parse_test(t);
      if (!parsed) r.fail(model->get("test"), fmt::format("test '{}' is not one of z, knha, t", t));
      spec.options.test = *parsed;
    }
    if (auto p = r.string(*model, "preset", false, "[model]"); !p.empty()) {
      const auto parsed = parse_preset(p);
      if (!parsed) r.fail(model->get("preset"), fmt::format("preset '{}' is not one of carta, metafor, meta", p));
      spec.options.preset = *parsed;
    }
    if (auto c = r.string(*model, "study_ci", false, "[model]"); !c.empty()) {
      const auto parsed = parse_study_ci(c);
      if (!parsed) r.fail(model->get("study_ci"), fmt::format("study_ci '{}' is not a known interval", c));
      spec.options.study_ci = *parsed;
    }
    if (auto c = r.string(*model, "tau2_ci", false, "[model]"); !c.empty()) {
      const auto parsed = parse_tau2_ci(c);
      if (!parsed) r.fail(model->get("tau2_ci"), fmt::format("tau2_ci '{}' is not one of qp, pl, wald", c));
      spec.options.tau2_ci = *parsed;
    }
    if (const auto level = r.number(*model, "level")) {
      const auto l = confidence_level(*level);
      if (!l) r.fail(model->get("level"), fmt::format("level {} must be {}", *level, kLevelRule));
      spec.options.level = *l;
    }
  }

  if (const auto* analyses = root["analyses"].as_table()) {
    r.check_keys(*analyses,
                 {"subgroups", "moderators", "bias", "leave_one_out", "influence", "min_k", "subgroup_test", "funnel_null"},
                 "[analyses]");
    if (auto t = r.string(*analyses, "subgroup_test", false, "[analyses]"); !t.empty()) {
      const auto parsed = parse_subgroup_test(t);
      if (!parsed) {
        r.fail(analyses->get("subgroup_test"),
               fmt::format("subgroup_test '{}' is not one of all (every subgroup, as R meta and RevMan) or pooled "
                           "(only subgroups with at least min_k studies)",
                           t));
      }
      spec.subgroup_test = *parsed;
    }
    if (const auto fnull = r.number(*analyses, "funnel_null")) {
      if (!(*fnull > 0.0 && *fnull < 1.0)) {
        r.fail(analyses->get("funnel_null"), "funnel_null is a proportion strictly between 0 and 1, e.g. 0.5");
      }
      spec.funnel_null = *fnull;
    }
    spec.subgroups = r.strings(*analyses, "subgroups");
    spec.moderators = r.strings(*analyses, "moderators");
    spec.bias = r.boolean(*analyses, "bias").value_or(true);
    spec.leave_one_out = r.boolean(*analyses, "leave_one_out").value_or(true);
    spec.influence = r.boolean(*analyses, "influence").value_or(true);
    if (const auto mk = r.number(*analyses, "min_k")) {
      if (*mk < 1) r.fail(analyses->get("min_k"), "min_k must be at least 1");
      spec.min_k = static_cast<std::size_t>(*mk);
    }
  }

  if (const toml::node* node = root.get("figures")) {
    const auto* figures = node->as_table();
    if (!figures) r.fail(node, "'figures' must be a table: [figures]");
    r.check_keys(*figures, {"sort", "layout", "digits", "columns", "axis", "width", "dpi", "rob", "tiff", "eps"}, "[figures]");
    const auto is_characteristic = [&](const std::string& c) {
      return std::find(spec.characteristics.begin(), spec.characteristics.end(), c) != spec.characteristics.end();
    };
    spec.figures.columns = r.strings(*figures, "columns");
    for (const auto& c : spec.figures.columns) {
      if (!is_characteristic(c)) {
        r.fail(figures->get("columns"), fmt::format("columns: '{}' is not one of [data] characteristics; list it there "
                                                    "first (the table of study characteristics shows the same values)",
                                                    c));
      }
    }
    if (const auto digits = r.number(*figures, "digits")) {
      if (!(*digits >= 0 && *digits <= 3 && *digits == std::floor(*digits))) {
        r.fail(figures->get("digits"), "digits is 0, 1, 2 or 3 (decimals of the percentages in forest plots)");
      }
      spec.figures.digits = static_cast<int>(*digits);
    }
    if (figures->get("layout")) {
      const auto layout = r.string(*figures, "layout", false, "[figures]");
      if (layout != "meta" && layout != "revman5" && layout != "jama") {
        r.fail(figures->get("layout"), fmt::format("layout '{}' is not one of meta (R meta's forest), revman5 (RevMan 5) "
                                                   "or jama (JAMA's style)",
                                                   layout));
      }
      spec.figures.layout = layout;
    }
    spec.figures.rob = r.boolean(*figures, "rob").value_or(true);
    if (const toml::node* width = figures->get("width")) {
      std::optional<double> inches;
      if (const auto* name = width->as_string()) {
        if (name->get() == "single") inches = 3.5;
        if (name->get() == "double") inches = 7.0;
      } else if (width->is_integer()) {
        inches = static_cast<double>(width->as_integer()->get());
      } else if (width->is_floating_point()) {
        inches = width->as_floating_point()->get();
      }
      if (!inches || !(*inches >= 1.0 && *inches <= 20.0)) {
        r.fail(width, "width is \"single\" (one journal column, 3.5 in), \"double\" (two columns, 7 in) or inches "
                      "from 1 to 20");
      }
      spec.figures.width_in = *inches;
    }
    if (const auto dpi = r.number(*figures, "dpi")) {
      if (!(*dpi >= 72.0 && *dpi <= 2400.0)) {
        r.fail(figures->get("dpi"), "dpi is from 72 to 2400; journals ask for 300 (photographs, colour) or 600 (line art)");
      }
      spec.figures.dpi = *dpi;
    }
    spec.figures.tiff = r.boolean(*figures, "tiff").value_or(false);
    spec.figures.eps = r.boolean(*figures, "eps").value_or(false);
    if (figures->get("sort")) {
      const auto sort = r.string(*figures, "sort", false, "[figures]");
      if (sort != "data" && sort != "estimate" && sort != "weight" && sort != "label" && !is_characteristic(sort)) {
        r.fail(figures->get("sort"), fmt::format("sort '{}' is not one of data (the table's order), estimate, weight "
                                                 "(largest first), label or a column of [data] characteristics (e.g. "
                                                 "a year)",
                                                 sort));
      }
      spec.figures.sort = sort;
    }
    if (const toml::node* axis = figures->get("axis")) {
      const auto* a = axis->as_array();
      auto value = [&](std::size_t i) -> std::optional<double> {
        if (!a || a->size() != 2) return std::nullopt;
        const auto& item = *a->get(i);
        if (item.is_integer()) return static_cast<double>(item.as_integer()->get());
        if (item.is_floating_point()) return item.as_floating_point()->get();
        return std::nullopt;
      };
      const auto lo = value(0), hi = value(1);
      if (!lo || !hi || !(*lo >= 0.0 && *hi <= 1.0 && *lo < *hi)) {
        r.fail(axis, "axis is two proportions from low to high within 0 and 1, e.g. axis = [0.5, 1.0] for 50-100%");
      }
      spec.figures.axis_min = *lo;
      spec.figures.axis_max = *hi;
    }
  }

  auto array_of_tables = [&](std::string_view key) -> const toml::array* {
    const toml::node* node = root.get(key);
    if (!node) return nullptr;
    if (!node->is_array_of_tables()) {
      r.fail(node, fmt::format("'{}' must be written as [[{}]] tables", key, key));
    }
    return node->as_array();
  };
  if (const auto* ex = array_of_tables("exclude")) {
    for (const auto& item : *ex) {
      const auto& t = *item.as_table();
      r.check_keys(t, {"study", "reason"}, "[[exclude]]");
      spec.exclude.push_back({r.string(t, "study", true, "[[exclude]]"), r.string(t, "reason", true, "[[exclude]]"),
                              t.source().begin.line});
    }
  }
  const auto* outcomes = array_of_tables("outcome");
  if (!outcomes || outcomes->empty()) {
    r.fail(&root, "the spec needs at least one [[outcome]] with name, events and n");
  }
  std::set<std::string> names;
  for (const auto& item : *outcomes) {
    const auto& t = *item.as_table();
    r.check_keys(t, {"name", "events", "n", "method", "measure", "test", "subgroups", "moderators", "grade"},
                 "[[outcome]]");
    SpecOutcome o;
    o.line = t.source().begin.line;
    o.name = r.string(t, "name", true, "[[outcome]]");
    if (!names.insert(o.name).second) r.fail(&t, fmt::format("outcome name '{}' is used twice", o.name));
    o.events = r.string(t, "events", true, "[[outcome]]");
    o.n = r.string(t, "n", true, "[[outcome]]");
    o.method = r.string(t, "method", false, "[[outcome]]");
    if (const auto canonical = canonical_method_name(o.method)) o.method = *canonical;
    if (!o.method.empty() && o.method != "GLMM" && o.method != "BB" && !parse_tau2_method(o.method)) {
      r.fail(t.get("method"), fmt::format("method '{}' is not one of {}, GLMM, BB", o.method, tau2_method_names()));
    }
    if (auto m = r.string(t, "measure", false, "[[outcome]]"); !m.empty()) {
      o.measure = parse_measure(m);
      if (!o.measure) r.fail(t.get("measure"), fmt::format("measure '{}' is not one of PLO, PAS, PFT, PR, PLN", m));
    }
    if (auto x = r.string(t, "test", false, "[[outcome]]"); !x.empty()) {
      o.test = parse_test(x);
      if (!o.test) r.fail(t.get("test"), fmt::format("test '{}' is not one of z, knha, t", x));
    }
    if (t.get("subgroups")) o.subgroups = r.strings(t, "subgroups");
    if (t.get("moderators")) o.moderators = r.strings(t, "moderators");
    o.grade = r.grade_judgements(t, "[[outcome]]");
    spec.outcomes.push_back(std::move(o));
  }
  if (const auto* sens = array_of_tables("sensitivity")) {
    for (const auto& item : *sens) {
      const auto& t = *item.as_table();
      r.check_keys(t, {"name", "where"}, "[[sensitivity]]");
      SpecSensitivity s{r.string(t, "name", true, "[[sensitivity]]"), r.strings(t, "where"), t.source().begin.line};
      if (s.where.empty()) r.fail(&t, "a sensitivity analysis needs where = [\"column=value\", ...]");
      spec.sensitivity.push_back(std::move(s));
    }
  }
  if (const auto* base = array_of_tables("baseline")) {
    std::set<std::string> baseline_names;
    for (const auto& item : *base) {
      const auto& t = *item.as_table();
      const char* where = "[[baseline]]";
      r.check_keys(t, {"name", "sum", "median", "events", "n", "categories"}, where);
      SpecBaseline b;
      b.line = t.source().begin.line;
      b.name = r.string(t, "name", true, where);
      if (!baseline_names.insert(b.name).second) r.fail(&t, fmt::format("baseline name '{}' is used twice", b.name));
      int kinds = 0;
      for (const auto& [key, kind] : {std::pair{"sum", SpecBaseline::Kind::kSum}, std::pair{"median", SpecBaseline::Kind::kMedian},
                                      std::pair{"events", SpecBaseline::Kind::kCount},
                                      std::pair{"categories", SpecBaseline::Kind::kCategories}}) {
        if (auto c = r.string(t, key, false, where); !c.empty()) {
          ++kinds;
          b.kind = kind;
          b.column = std::move(c);
        }
      }
      if (kinds != 1) {
        r.fail(&t, fmt::format("[[baseline]] '{}' needs exactly one of sum, median, events (with n) or categories; it "
                               "has {}",
                               b.name, kinds));
      }
      b.n = r.string(t, "n", b.kind == SpecBaseline::Kind::kCount, fmt::format("[[baseline]] '{}' with events", b.name));
      if (!b.n.empty() && (b.kind == SpecBaseline::Kind::kSum || b.kind == SpecBaseline::Kind::kMedian)) {
        r.fail(t.get("n"), fmt::format("[[baseline]] '{}': n goes with events or categories, not with {}", b.name,
                                       b.kind == SpecBaseline::Kind::kSum ? "sum" : "median"));
      }
      spec.baseline.push_back(std::move(b));
    }
  }
  if (const auto* surv = array_of_tables("survival")) {
    std::set<std::string> survival_names;
    for (const auto& item : *surv) {
      const auto& t = *item.as_table();
      const char* where = "[[survival]]";
      r.check_keys(t, {"name", "s", "s_lb", "s_ub", "s_time", "median", "median_lb", "median_ub", "events", "person_time",
                       "n", "ipd", "at", "grid", "method", "test", "s_ci", "grade"},
                   where);
      SpecSurvival sv;
      sv.line = t.source().begin.line;
      sv.name = r.string(t, "name", true, where);
      if (!survival_names.insert(sv.name).second) r.fail(&t, fmt::format("survival name '{}' is used twice", sv.name));
      auto column = [&](const char* key) -> std::optional<std::string> {
        auto v = r.string(t, key, false, where);
        if (v.empty()) return std::nullopt;
        return v;
      };
      auto& c = sv.columns;
      c.s = column("s");
      c.s_lb = column("s_lb");
      c.s_ub = column("s_ub");
      if (const toml::node* node = t.get("s_time")) {
        if (node->is_string()) {
          c.s_time_column = std::string(node->as_string()->get());
        } else {
          c.s_time_value = r.number(t, "s_time");
          if (!(*c.s_time_value > 0.0)) r.fail(node, "s_time must be > 0 (the time S refers to), or a column name");
        }
      }
      c.median = column("median");
      c.median_lb = column("median_lb");
      c.median_ub = column("median_ub");
      c.events = column("events");
      c.person_time = column("person_time");
      c.n = column("n");
      c.ipd = column("ipd");
      if (!c.s && !c.median && !c.events && !c.ipd) {
        r.fail(&t, "a [[survival]] entry needs at least one of s (with s_time), median, events (with person_time) or ipd");
      }
      if (c.s && !c.s_time_column && !c.s_time_value) r.fail(&t, "s needs s_time: the time S refers to (e.g. s_time = 12)");
      auto times = [&](const char* key, std::vector<double>& out) {
        const toml::node* node = t.get(key);
        if (!node) return;
        out.clear();
        if (!node->is_array()) r.fail(node, fmt::format("'{}' must be a list of times, like {} = [12, 24]", key, key));
        for (const auto& x : *node->as_array()) {
          const double v = x.is_integer()           ? static_cast<double>(x.as_integer()->get())
                           : x.is_floating_point() ? x.as_floating_point()->get()
                                                   : -1.0;
          if (!(v > 0.0)) r.fail(&x, fmt::format("every time in '{}' must be a number > 0", key));
          if (!out.empty() && !(v > out.back())) r.fail(&x, fmt::format("the times in '{}' must increase", key));
          out.push_back(v);
        }
        if (out.empty()) r.fail(node, fmt::format("'{}' needs at least one time", key));
      };
      times("at", sv.at);
      times("grid", sv.grid);
      if (!sv.grid.empty() && !c.ipd) r.fail(t.get("grid"), "'grid' pools whole curves and needs ipd (a column of patient-data files)");
      sv.method = r.string(t, "method", false, where);
      if (!sv.method.empty() && !parse_tau2_method(sv.method)) {
        r.fail(t.get("method"), fmt::format("method '{}' is not one of {}", sv.method, tau2_method_names()));
      }
      if (auto x = r.string(t, "test", false, where); !x.empty()) {
        sv.test = parse_test(x);
        if (!sv.test) r.fail(t.get("test"), fmt::format("test '{}' is not one of z, knha, t", x));
      }
      if (auto x = r.string(t, "s_ci", false, where); !x.empty()) {
        const auto scale = parse_survival_ci_scale(x);
        if (!scale) r.fail(t.get("s_ci"), fmt::format("s_ci '{}' is not one of log-log, log, plain (the scale the CIs of S are symmetric on)", x));
        sv.s_ci = *scale;
      }
      sv.grade = r.grade_judgements(t, where);
      spec.survival.push_back(std::move(sv));
    }
  }
  auto input_file = [&](const toml::table& t, const char* where) {
    const std::string name = r.string(t, "file", true, where);
    const auto resolved = path.parent_path() / name;
    if (const std::string problem = lookup_problem(resolved); !problem.empty()) {
      r.fail(t.get("file"), fmt::format("{} file '{}' {} (looked for {}); file names are relative to the "
                                        "spec's folder",
                                        where, quoted_path(name), problem, quoted_path(resolved.string())));
    }
    return resolved;
  };
  if (const toml::node* node = root.get("risk_of_bias")) {
    if (!node->is_table()) r.fail(node, "risk_of_bias must be a table: [risk_of_bias] with file and tool");
    const auto& t = *node->as_table();
    r.check_keys(t, {"file", "tool", "palette", "weighted", "threshold"}, "[risk_of_bias]");
    SpecRiskOfBias rob;
    rob.line = t.source().begin.line;
    rob.file = input_file(t, "[risk_of_bias]");
    if (auto tool = r.string(t, "tool", false, "[risk_of_bias]"); !tool.empty()) rob.tool = tool;
    if (review::find_rob_tool(rob.tool) == nullptr) {
      std::string ids;
      for (const auto& id : review::rob_tool_ids()) ids += (ids.empty() ? "" : ", ") + id;
      r.fail(t.get("tool"), fmt::format("tool '{}' is not one of {}", rob.tool, ids));
    }
    if (auto palette = r.string(t, "palette", false, "[risk_of_bias]"); !palette.empty()) {
      if (palette != "cochrane" && palette != "colourblind" && palette != "colorblind") {
        r.fail(t.get("palette"), fmt::format("palette '{}' is not cochrane or colourblind", palette));
      }
      rob.colourblind = palette != "cochrane";
    }
    rob.weighted = r.boolean(t, "weighted").value_or(false);
    if (const auto th = r.number(t, "threshold")) {
      if (!(*th > 0.0 && *th <= 1.0)) r.fail(t.get("threshold"), "threshold must be in (0, 1], e.g. 0.7");
      rob.threshold = *th;
    }
    spec.risk_of_bias = rob;
  }
  if (const toml::node* node = root.get("prisma")) {
    if (!node->is_table()) r.fail(node, "prisma must be a table: [prisma] with file");
    const auto& t = *node->as_table();
    r.check_keys(t, {"file"}, "[prisma]");
    spec.prisma = SpecPrisma{input_file(t, "[prisma]"), t.source().begin.line};
  }
  if (const toml::node* node = root.get("grade")) {
    if (!node->is_table()) r.fail(node, "grade must be a table: [grade] with start, start_reason and thresholds");
    const auto& t = *node->as_table();
    const char* where = "[grade]";
    r.check_keys(t,
                 {"start", "start_reason", "i2_serious", "i2_very_serious", "ci_width", "optimal_information_size",
                  "publication_bias_p", "publication_bias_min_k"},
                 where);
    spec.grade_line = t.source().begin.line;
    auto& g = spec.grade;
    if (const auto start = r.string(t, "start", false, where); !start.empty()) {
      g.start = review::parse_certainty(start);
      if (!g.start) r.fail(t.get("start"), fmt::format("start '{}' is not one of high, moderate, low, very low", start));
      g.start_reason = r.string(t, "start_reason", true, "[grade] with start");
    } else if (t.get("start_reason")) {
      r.fail(t.get("start_reason"), "start_reason needs start (the certainty the evidence starts at)");
    }
    g.i2_serious = r.number(t, "i2_serious").value_or(g.i2_serious);
    g.i2_very_serious = r.number(t, "i2_very_serious").value_or(g.i2_very_serious);
    g.ci_width = r.number(t, "ci_width").value_or(g.ci_width);
    g.optimal_information_size = r.number(t, "optimal_information_size").value_or(g.optimal_information_size);
    g.publication_bias_p = r.number(t, "publication_bias_p").value_or(g.publication_bias_p);
    if (const auto k = r.number(t, "publication_bias_min_k")) {
      if (!(*k >= 0.0 && *k == std::floor(*k) && *k < 1e6)) r.fail(t.get("publication_bias_min_k"), "publication_bias_min_k must be a whole number");
      g.publication_bias_min_k = static_cast<std::size_t>(*k);
    }
    try {
      review::validate(g);
    } catch (const Error& e) {
      r.fail(&t, fmt::format("[grade]: {}", e.what()));
    }
  }
  return spec;
}

}  // namespace carta::io
