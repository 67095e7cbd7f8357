#pragma once
// index.html from the report's document (build_document): self-contained (inline CSS and SVG, no
// script, no network), every user text escaped.

#include <string>

#include "document.hpp"

namespace carta::report {

std::string document_html(const Document& doc);

}  // namespace carta::report
