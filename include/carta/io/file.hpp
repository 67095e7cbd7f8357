#pragma once
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string_view>

namespace carta::io {

// Writes `content` to a temporary file beside `path` and renames it into place, so that an
// interrupted run never leaves a half-written output. Throws carta::Error (kIo) on failure.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

// Creates an output folder and its parents (nothing to do when it exists). Throws carta::Error
// (kIo) with the system's reason when it cannot (a file of that name, no permission, ...).
void create_output_folder(const std::filesystem::path& folder);

// An output file written as it is produced, through a temporary beside it that commit() renames
// into place; if commit() is never reached (an error, an interrupted run) the temporary is
// removed and no half-written file appears. Throws carta::Error (kIo).
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::ostream& stream() { return stream_; }
  void commit();

 private:
  std::filesystem::path path_;
  std::filesystem::path temporary_;
  std::ofstream stream_;
  bool committed_ = false;
};

}  // namespace carta::io
