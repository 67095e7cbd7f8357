#pragma once
// tables.tex from the report's document: every table as a LaTeX longtable with booktabs rules,
// captioned by the section it belongs to, to \input into a manuscript (needs \usepackage{booktabs}
// and \usepackage{longtable}). Every text is escaped; τ, ², –, ⊕ and ◯ become LaTeX commands so
// that pdflatex also reads the file.

#include <string>

#include "document.hpp"

namespace carta::report {

std::string document_latex_tables(const Document& doc);

}  // namespace carta::report
