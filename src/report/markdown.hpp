#pragma once
// report.md from the report's document: GitHub-flavoured Markdown (pipe tables), readable as
// text and convertible by pandoc. Every user text is escaped, so it cannot become markup or HTML.

#include <string>

#include "document.hpp"

namespace carta::report {

std::string document_markdown(const Document& doc);

}  // namespace carta::report
