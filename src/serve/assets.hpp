#pragma once
// The workspace's script and style sheet, embedded at build time (cmake/embed_assets.cmake).

#include <string_view>

namespace carta::serve::assets {
extern const std::string_view app_js;
extern const std::string_view app_css;
}  // namespace carta::serve::assets
