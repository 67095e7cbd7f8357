#include "report_folder.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <system_error>
#include <unistd.h>

#include "carta/error.hpp"
#include "carta/io/file.hpp"

namespace carta::report {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kStagingTag = ".carta-staging-";

std::string listed(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < 5; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > 5) out += fmt::format(" and {} more", items.size() - 5);
  return out;
}

// Whether `inner` is `outer` or lies inside it (both made absolute and normal).
bool inside(const fs::path& inner, const fs::path& outer) {
  std::error_code ec;
  const fs::path a = fs::weakly_canonical(fs::absolute(inner), ec);
  const fs::path b = fs::weakly_canonical(fs::absolute(outer), ec);
  auto ai = a.begin();
  for (auto bi = b.begin(); bi != b.end(); ++bi, ++ai) {
    if (bi->empty()) continue;  // a trailing separator
    if (ai == a.end() || *ai != *bi) return false;
  }
  return true;
}

// Staging folders of runs that are no longer alive: ".NAME.carta-staging-PID-RANDOM".
void remove_dead_staging(const fs::path& target) {
  std::error_code ec;
  const fs::path parent = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  const std::string prefix = "." + target.filename().string() + std::string(kStagingTag);
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with(prefix)) continue;
    const std::string rest = name.substr(prefix.size());
    const auto dash = rest.find('-');
    long pid = 0;
    try {
      pid = std::stol(rest.substr(0, dash));
    } catch (...) {
      continue;
    }
    if (pid <= 0 || (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH)) continue;  // alive, or not ours to judge
    std::error_code ignored;
    // Only folders that are carta's: marked (from their first file on), or killed before the
    // marker was written, when they hold empty folders and nothing else.
    bool no_files = true;
    for (fs::recursive_directory_iterator f(it->path(), ignored), stop; !ignored && f != stop && no_files; f.increment(ignored)) {
      no_files = f->is_directory(ignored);
    }
    if (fs::exists(it->path() / kReportMarker, ignored) || (no_files && !ignored)) fs::remove_all(it->path(), ignored);
  }
}

}  // namespace

void check_report_folder(const fs::path& target, const std::vector<fs::path>& inputs) {
  for (const auto& in : inputs) {
    if (!in.empty() && inside(in, target)) {
      throw Error(ErrorCategory::kInvalidOption,
                  fmt::format("--out {}: the folder holds {}, an input of this run; a report replaces its folder "
                              "whole, so write it to another folder (for example --out report)",
                              target.string(), in.string()));
    }
  }
  std::error_code ec;
  const auto status = fs::symlink_status(target, ec);
  if (ec || status.type() == fs::file_type::not_found) return;  // a new folder
  if (status.type() != fs::file_type::directory) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("--out {}: exists and is not a folder; give a new folder name (a report is a folder of "
                            "files)",
                            target.string()));
  }
  std::set<std::string> owned;
  bool marked = false;
  if (std::ifstream marker(target / kReportMarker); marker) {
    std::string line;
    std::getline(marker, line);
    marked = line == "carta report";
    while (marked && std::getline(marker, line)) owned.insert(line);
  }
  std::vector<std::string> foreign;
  for (fs::recursive_directory_iterator it(target, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_directory()) continue;
    const fs::path rel = fs::relative(it->path(), target);
    if (rel == kReportMarker) continue;
    if (!marked || !owned.contains(rel.generic_string())) foreign.push_back(rel.generic_string());
  }
  if (ec) {
    throw Error(ErrorCategory::kIo, fmt::format("--out {}: cannot list the folder: {}", target.string(), ec.message()));
  }
  if (!foreign.empty()) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("--out {}: the folder holds {} file(s) that {} ({}); a report replaces its folder whole, "
                            "so give a new or empty folder, or move those files out",
                            target.string(), foreign.size(),
                            marked ? "the previous carta report did not write"
                                   : fmt::format("no carta report wrote (it has no {} marker)", kReportMarker),
                            listed(foreign)));
  }
}

ReportFolder::ReportFolder(fs::path target, const std::vector<fs::path>& inputs) : target_(std::move(target)) {
  while (!target_.empty() && target_.filename().empty()) target_ = target_.parent_path();  // "report/" -> "report"
  if (target_.empty()) throw Error(ErrorCategory::kInvalidOption, "--out needs a folder name");
  check_report_folder(target_, inputs);
  const fs::path parent = target_.parent_path();
  if (!parent.empty()) io::create_output_folder(parent);
  remove_dead_staging(target_);
  std::random_device rd;
  staging_ = (parent.empty() ? fs::path(".") : parent) /
             fmt::format(".{}{}{}-{:08x}", target_.filename().string(), kStagingTag, ::getpid(), rd());
  io::create_output_folder(staging_ / "figures");
  // Marked from the start, so that a later run knows the folder as carta's if this run is killed.
  io::write_file_atomic(staging_ / kReportMarker, "carta report (staging)\n");
}

ReportFolder::~ReportFolder() {
  if (!committed_) {
    std::error_code ignored;
    fs::remove_all(staging_, ignored);
  }
}

void ReportFolder::commit(const std::vector<fs::path>& files) {
  std::string marker = "carta report\n";
  for (const auto& f : files) marker += f.generic_string() + "\n";
  io::write_file_atomic(staging_ / kReportMarker, marker);
  std::error_code ec;
  const bool exists = fs::exists(fs::symlink_status(target_, ec));
  if (!exists) {
    fs::rename(staging_, target_, ec);
    if (ec) {
      throw Error(ErrorCategory::kIo,
                  fmt::format("{}: cannot move the new report into place: {}", target_.string(), ec.message()));
    }
    committed_ = true;
    return;
  }
  // One atomic exchange: the new report appears and the old one moves to the staging name.
  if (::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, target_.c_str(), RENAME_EXCHANGE) != 0) {
    const int error = errno;
    throw Error(ErrorCategory::kIo, fmt::format("{}: cannot swap the new report into place: {}", target_.string(),
                                                std::generic_category().message(error)));
  }
  committed_ = true;
  std::error_code ignored;
  fs::remove_all(staging_, ignored);  // the previous report
}

}  // namespace carta::report
