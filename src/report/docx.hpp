#pragma once
// report.docx from the report's document: a Word document (Office Open XML, ECMA-376) with the
// same sections, tables and references as index.html, the figures as the PNGs the report drew,
// scaled to the text width of an A4 page, and internal links from the contents and the summary
// of findings to each section. Built with pugixml (every part well-formed, every text escaped)
// and zipped with libzip; the same results give the same bytes.

#include <filesystem>

#include "document.hpp"

namespace carta::report {

// `figures_root` holds figures/STEM.png for every figure of `doc`. Throws carta::Error (kIo)
// when a figure is missing or the file cannot be written.
void write_docx(const Document& doc, const std::filesystem::path& figures_root, const std::filesystem::path& out);

}  // namespace carta::report
