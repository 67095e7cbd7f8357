#include "carta/io/file.hpp"

#include <fmt/format.h>

#include <fstream>
#include <system_error>
#include <unistd.h>

#include "carta/error.hpp"

namespace carta::io {

AtomicFile::AtomicFile(std::filesystem::path path)
    : path_(std::move(path)),
      temporary_(path_.parent_path() / fmt::format(".{}.tmp{}", path_.filename().string(), ::getpid())),
      stream_(temporary_, std::ios::binary | std::ios::trunc) {
  if (!stream_) {
    throw Error(ErrorCategory::kIo,
                fmt::format("{}: cannot write here (does the folder exist and is it writable?)", path_.string()));
  }
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    stream_.close();
    std::error_code ignored;
    std::filesystem::remove(temporary_, ignored);
  }
}

void AtomicFile::commit() {
  stream_.flush();
  const bool written = static_cast<bool>(stream_);
  stream_.close();
  if (!written || stream_.fail()) {
    throw Error(ErrorCategory::kIo, fmt::format("{}: write failed (disk full?)", path_.string()));
  }
  std::error_code ec;
  std::filesystem::rename(temporary_, path_, ec);
  if (ec) {
    throw Error(ErrorCategory::kIo,
                fmt::format("{}: cannot move the output into place: {}", path_.string(), ec.message()));
  }
  committed_ = true;
}

void create_output_folder(const std::filesystem::path& folder) {
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) {
    throw Error(ErrorCategory::kIo, fmt::format("{}: cannot create the output folder: {}", folder.string(), ec.message()));
  }
}

void write_file_atomic(const std::filesystem::path& path, std::string_view content) {
  AtomicFile file(path);
  file.stream().write(content.data(), static_cast<std::streamsize>(content.size()));
  file.commit();
}

}  // namespace carta::io
