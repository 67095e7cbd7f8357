#pragma once
#include <string_view>

// What built this carta, written into every JSON output and printed by `carta --version`. The
// values live in a source generated at build time (cmake/version_info.cmake).
namespace carta {
extern const std::string_view kVersion;    // the VERSION file, e.g. "0.9.0"
extern const std::string_view kCommit;     // git commit (12 hex digits, "-dirty" if edited), or "unknown"
extern const std::string_view kBuildType;  // CMAKE_BUILD_TYPE: Release, Debug, RelWithDebInfo, ...
}  // namespace carta
