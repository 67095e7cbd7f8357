#pragma once
// Writing outputs without ever destroying anything: regular files are written through a temporary
// beside them and renamed into place (an interrupted run never leaves a half-written file); a
// symbolic link is followed, so the link stays and its target is replaced; a device or FIFO
// (/dev/stdout, /dev/null, a pipe) is written to directly, never replaced by a rename; a folder is
// refused. A failed write (disk full, a closed pipe) is an error, never a silent success.

#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace carta::io {

// Writes `content` to `path` as described above. Throws carta::Error (kIo) on failure.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

// Creates an output folder and its parents (nothing to do when it exists). Throws carta::Error
// (kIo) with the system's reason when it cannot (a file of that name, no permission, ...).
void create_output_folder(const std::filesystem::path& folder);

// An output file written as it is produced; commit() puts it in place (rename of the temporary,
// or the final flush of a device). Without commit() (an error, an interrupted run) the temporary
// is removed and no half-written file appears. Throws carta::Error (kIo).
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::ostream& stream() { return stream_; }
  void commit();

 private:
  std::filesystem::path path_;       // as given, for messages
  std::filesystem::path target_;     // the file replaced (the link's target for a symbolic link)
  std::filesystem::path temporary_;  // empty when writing a device or FIFO directly
  std::ofstream stream_;
  bool committed_ = false;
};

// True when `path` exists and is a device, FIFO or socket (written to directly, never replaced).
bool is_device_or_fifo(const std::filesystem::path& path);

// A file a command reads or writes, with the option or argument that named it (for messages).
struct RunPath {
  std::string option;  // "--out", "FILE", ...
  std::filesystem::path path;
};

// Refuses, before any work, a run whose output is one of its inputs (`dedup a.ris --out a.ris`)
// or whose two outputs are one file; both are named. Empty paths are ignored, and so are outputs
// that are devices or FIFOs (/dev/null twice is fine). Throws carta::Error (kInvalidOption).
void check_run_paths(const std::vector<RunPath>& inputs, const std::vector<RunPath>& outputs);

}  // namespace carta::io
