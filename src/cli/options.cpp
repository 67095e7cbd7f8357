#include "options.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>

#include "carta/io/file.hpp"
#include "carta/plot/render.hpp"

namespace carta::cli {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string joined(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& item : items) s += (s.empty() ? "" : ", ") + item;
  return s;
}

}  // namespace

void add_output_options(CLI::App* cmd, OutputArgs& args, std::initializer_list<const char*> formats, const char* result) {
  auto allowed = std::make_shared<std::vector<std::string>>(formats.begin(), formats.end());
  args.format = allowed->front();
  cmd->add_option(kOutOption.names, args.path, fmt::format("{}, {}", result, kOutOption.help))->option_text("FILE");
  auto* format = cmd->add_option(kFormatOption.names, args.format, fmt::format(fmt::runtime(kFormatOption.help), allowed->front()));
  format->option_text(fmt::format("{{{}}}", joined(*allowed)));
  format->transform(CLI::Validator([allowed](std::string& value) -> std::string {
    const std::string given = lower(value);
    if (std::find(allowed->begin(), allowed->end(), given) == allowed->end()) {
      return fmt::format("'{}' is not one of: {}", value, joined(*allowed));
    }
    value = given;
    return {};
  }, ""));
  // Without --format, an --out name whose extension is one of the formats chooses it.
  cmd->parse_complete_callback([cmd, &args, allowed] {
    args.format_given = cmd->count(kFormatOption.names) > 0;
    if (args.format_given || args.path.empty()) return;
    const std::string extension = lower(std::filesystem::path(args.path).extension().string());
    if (extension.size() < 2) return;
    const std::string by_name = extension.substr(1);
    if (std::find(allowed->begin(), allowed->end(), by_name) != allowed->end()) args.format = by_name;
  });
}

void add_out_dir_option(CLI::App* cmd, std::string& dir, const char* what) {
  cmd->add_option(kOutDirOption.names, dir, fmt::format("write {} into this folder", what))->option_text("DIR");
}

std::optional<std::string> out_as_folder(OutputArgs& output, std::string& dir) {
  if (output.path.empty()) return std::nullopt;
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path path(output.path);
  const auto status = fs::status(path, ec);
  const bool exists = !ec && fs::exists(status);
  const bool folder_like = (exists && fs::is_directory(status)) || output.path.back() == '/' ||
                           (!exists && path.extension().empty());
  if (!folder_like) return std::nullopt;
  if (!dir.empty()) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("--out '{}' names a folder and --out-dir '{}' is given too: --out is the result file "
                            "(e.g. --out screening.json), --out-dir the folder of every file",
                            output.path, dir));
  }
  dir = output.path;
  output.path.clear();
  return fmt::format("--out '{}' is a folder: read as --out-dir '{}' (--out now names the result file, e.g. "
                     "--out summary.json)",
                     dir, dir);
}

void add_level_option(CLI::App* cmd, double& level, const char* help) {
  // Checked by parse_level where it is used, so that the message is carta's own (with kLevelRule).
  cmd->add_option(kLevelOption.names, level, help)->capture_default_str()->option_text("LEVEL");
}

CLI::Option* add_label_option(CLI::App* cmd, std::string& label, const char* help, const char* alias) {
  const std::string names = alias ? fmt::format("{},{}", kLabelOption.names, alias) : std::string(kLabelOption.names);
  return cmd->add_option(names, label, help)->option_text("COLUMN");
}

void add_tau2_ci_option(CLI::App* cmd, std::string& text) {
  cmd->add_option(kTau2CiOption.names, text, kTau2CiOption.help)->option_text("METHOD");
}

std::optional<Tau2CiMethod> parse_tau2_ci_option(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return parse_or_throw(parse_tau2_ci(text), "--tau2-ci", text, "qp, pl, wald");
}

void add_trimfill_option(CLI::App* cmd, std::string& text) {
  cmd->add_option(kTrimFillOption.names, text, kTrimFillOption.help)->capture_default_str()->option_text("L0|R0");
}

TrimFillEstimator parse_trimfill_option(const std::string& text) {
  if (text == "L0") return TrimFillEstimator::kL0;
  if (text == "R0") return TrimFillEstimator::kR0;
  throw Error(ErrorCategory::kInvalidOption, fmt::format("--trimfill-estimator '{}' is not one of: L0, R0", text));
}

void add_progress_option(CLI::App* cmd, bool& progress) { cmd->add_flag(kProgressOption.names, progress, kProgressOption.help); }

bool show_progress(bool progress_flag) { return progress_flag || ::isatty(STDERR_FILENO) == 1; }

std::string figure_format(const char* option, const std::string& path) {
  const std::string extension = lower(std::filesystem::path(path).extension().string());
  if (extension == ".svg" || extension == ".png" || extension == ".pdf") return extension.substr(1);
  throw Error(ErrorCategory::kInvalidOption,
              fmt::format("{} '{}': name a .svg, .png or .pdf file (the extension chooses the format)", option, path));
}

void write_figure(const char* option, const std::string& path, const std::string& svg) {
  const std::string format = figure_format(option, path);
  if (format == "svg") {
    io::write_file_atomic(path, svg);
  } else {
    plot::render_svg(svg, format == "png" ? path : "", format == "pdf" ? path : "");
  }
}

void write_result(const OutputArgs& output, const std::string& content, std::ostream& out) {
  if (output.to_stdout()) {
    out << content;
  } else {
    io::write_file_atomic(output.path, content);
  }
}

}  // namespace carta::cli
