#pragma once
// The output folder of `carta report`, replaced whole or not at all. A report is built in a
// staging folder beside the target and swapped in with one rename (renameat2 RENAME_EXCHANGE),
// so an interrupted or failed run leaves the previous report as it was and never a mixture of
// two runs. carta writes only into folders it owns: a new or empty folder, or a previous carta
// report (its marker file lists the files it wrote). A folder with anything else in it, or one
// that holds an input of the run, is refused before any work. Staging folders of killed runs are
// removed by the next run.

#include <filesystem>
#include <string>
#include <vector>

namespace carta::report {

// The marker file a report folder carries: "carta report" and the files it wrote, one a line.
inline constexpr const char* kReportMarker = ".carta-report";

// Throws carta::Error (kInvalidOption) when `target` cannot take a report: it is a file, holds
// files that are not a carta report's, or contains one of `inputs`. Names what it found and how
// to fix it.
void check_report_folder(const std::filesystem::path& target, const std::vector<std::filesystem::path>& inputs);

class ReportFolder {
 public:
  // Checks the target (check_report_folder), removes staging folders of dead runs and creates
  // this run's. Throws carta::Error (kIo, kInvalidOption).
  ReportFolder(std::filesystem::path target, const std::vector<std::filesystem::path>& inputs);
  ~ReportFolder();  // without commit(): the staging folder is removed, the target untouched
  ReportFolder(const ReportFolder&) = delete;
  ReportFolder& operator=(const ReportFolder&) = delete;

  // Where to write this run's files.
  [[nodiscard]] const std::filesystem::path& staging() const noexcept { return staging_; }
  // Writes the marker (listing `files`, relative) and swaps the staging folder into place; the
  // previous report is removed afterwards. Throws carta::Error (kIo).
  void commit(const std::vector<std::filesystem::path>& files);

 private:
  std::filesystem::path target_;
  std::filesystem::path staging_;
  bool committed_ = false;
};

}  // namespace carta::report
