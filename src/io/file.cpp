#include "carta/io/file.hpp"

#include <fmt/format.h>

#include <fstream>
#include <system_error>
#include <unistd.h>

#include "carta/error.hpp"

namespace carta::io {

void write_file_atomic(const std::filesystem::path& path, std::string_view content) {
  const std::filesystem::path tmp =
      path.parent_path() / fmt::format(".{}.tmp{}", path.filename().string(), ::getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) {
      throw Error(ErrorCategory::kIo,
                  fmt::format("{}: cannot write here (does the folder exist and is it writable?)",
                              path.string()));
    }
    f.write(content.data(), static_cast<std::streamsize>(content.size()));
    f.flush();
    if (!f) {
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      throw Error(ErrorCategory::kIo, fmt::format("{}: write failed (disk full?)", path.string()));
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw Error(ErrorCategory::kIo, fmt::format("{}: cannot move the output into place: {}",
                                                path.string(), ec.message()));
  }
}

}  // namespace carta::io
