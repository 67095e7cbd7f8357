#pragma once
#include <filesystem>
#include <string_view>

namespace carta::io {

// Writes `content` to a temporary file beside `path` and renames it into place, so that an
// interrupted run never leaves a half-written output. Throws carta::Error (kIo) on failure.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

}  // namespace carta::io
