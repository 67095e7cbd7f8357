#include "carta/plot/render.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "carta/error.hpp"
#include "carta/parallel.hpp"

namespace carta::plot {

namespace {

// The module's entry point (render_module.cpp): 0, or 1 + an ErrorCategory with a message.
using RenderEntry = int (*)(const char* svg, std::size_t svg_size, const char* png, const char* pdf, const char* tiff,
                            const char* eps, double width_in, double dpi, char* message, std::size_t message_size);

constexpr const char* kModule = "libcarta_render.so";

// Where an installed carta keeps the module, relative to the folder of the executable: bin/ and
// lib/carta/ of one prefix (CMake passes the relative path of its install folders), so that an
// installed tree works wherever it is unpacked.
#ifndef CARTA_MODULE_DIR_FROM_BIN
#define CARTA_MODULE_DIR_FROM_BIN "../lib/carta"
#endif

// The module is looked for next to the running program (the build puts it beside carta, the
// tests and the benchmarks), then in the installed tree's module folder relative to it (found
// from /proc/self/exe, so a relocated or unpacked package works), then on the loader's search path.
RenderEntry load_renderer() {
  std::vector<std::string> candidates;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto bin = self.parent_path();
    candidates.push_back((bin / kModule).string());
    candidates.push_back((bin / CARTA_MODULE_DIR_FROM_BIN / kModule).lexically_normal().string());
  }
  candidates.emplace_back(kModule);
  std::string failures;
  for (const auto& candidate : candidates) {
    void* handle = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* why = dlerror();
      failures += fmt::format("\n  {}: {}", candidate, why ? why : "not loadable");
      continue;
    }
    if (void* entry = dlsym(handle, "carta_render_svg_v2")) return reinterpret_cast<RenderEntry>(entry);
    failures += fmt::format("\n  {}: no carta_render_svg_v2 (a module from another carta version?)", candidate);
    dlclose(handle);
  }
  throw Error(ErrorCategory::kIo,
              fmt::format("cannot load carta's figure renderer ({}), which writes the PNG and PDF figures; it is "
                          "built next to the carta executable (cmake --build) and installed in " CARTA_MODULE_DIR_FROM_BIN
                          " relative to it (cmake --install, the Debian package). Tried:{}",
                          kModule, failures));
}

RenderEntry renderer() {
  // Loaded once, on first use, by whichever thread gets there first.
  static const RenderEntry entry = load_renderer();
  return entry;
}

}  // namespace

void render_figure(const RenderJob& job, const PrintSize& size) {
  const RenderEntry entry = renderer();
  std::array<char, 4096> message{};
  const int status = entry(job.svg.data(), job.svg.size(), job.png.c_str(), job.pdf.c_str(), job.tiff.c_str(), job.eps.c_str(),
                           size.width_in, size.dpi, message.data(), message.size());
  if (status == 0) return;
  const int category = status - 1;
  if (category < 0 || category > static_cast<int>(ErrorCategory::kInternal)) {
    throw Error(ErrorCategory::kInternal, fmt::format("{}: the figure renderer failed with status {}", job.png.string(), status));
  }
  throw Error(static_cast<ErrorCategory>(category), message.data());
}

void render_svg(std::string_view svg, const std::filesystem::path& png, const std::filesystem::path& pdf, double scale) {
  if (!(scale > 0.0) || !std::isfinite(scale)) {
    throw Error(ErrorCategory::kInvalidOption, fmt::format("{}: the PNG scale must be positive, not {}", png.string(), scale));
  }
  render_figure(RenderJob(svg, png, pdf), PrintSize{0.0, 96.0 * scale});
}

void render_all(std::span<const RenderJob> jobs, unsigned threads, const PrintSize& size) {
  // Largest first (a figure's cost grows with its SVG's length), so that no thread is left with a
  // big figure while the others have finished.
  std::vector<std::size_t> order(jobs.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return jobs[a].svg.size() > jobs[b].svg.size(); });
  parallel_for(jobs.size(), threads, [&](std::size_t i) { render_figure(jobs[order[i]], size); });
}

}  // namespace carta::plot
