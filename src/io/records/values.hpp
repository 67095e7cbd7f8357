#pragma once
// Value rules shared by the readers and the writers (private to src/io/records).

#include <string>
#include <string_view>
#include <vector>

namespace carta::io::records {

// The DOI in a value ("https://doi.org/10.1/x", "doi:10.1/x", "10.1/x [doi]") as "10.1/x", case
// kept; "" when there is none.
std::string clean_doi(std::string_view value);
// The first four-digit year (1000-2999) standing alone in a value: "1999///" -> "1999".
std::string extract_year(std::string_view value);
// Items between separators, trimmed, empty ones dropped.
std::vector<std::string> split_on(std::string_view value, std::string_view separator);
// A list of names in one value: "A, B; C, D", "A//B", "A, B and C, D", "Smith J., Doe A."
std::vector<std::string> split_author_list(std::string_view value);
// A name without a trailing "(e-mail address)" or "(author ID)".
std::string clean_name(std::string name);
// ISSNs (as NNNN-NNNC) and ISBNs (as written) in a value, told apart by their digits; each once.
void classify_standard_numbers(std::string_view value, std::vector<std::string>& issn,
                               std::vector<std::string>& isbn);
// The RIS type (JOUR, CONF, ABST, CHAP, BOOK, THES, RPRT, ...) for an exported type or document
// type ("Journal Article", "Conference Paper", "inproceedings", "J", "17").
std::string ris_type_code(std::string_view type, bool has_journal);

// LaTeX as BibTeX values hold it, as UTF-8 text: {\"u} -> ü, \ss -> ß, \& -> &, -- -> –, braces
// and formatting commands dropped, blanks collapsed.
std::string latex_to_utf8(std::string_view text);

}  // namespace carta::io::records
