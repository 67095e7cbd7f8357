#pragma once
// The works the report cites: every method the methods paragraph names, with its full citation,
// cited in the text as "(Egger et al. 1997)" and listed once in the references.

#include <string>
#include <string_view>
#include <vector>

#include "document.hpp"

namespace carta::report {

struct Source {
  std::string_view key;
  std::string_view in_text;   // "Egger et al. 1997"
  std::string_view citation;  // Vancouver style
  std::string_view doi;       // empty when it has none
};

// Every work carta can cite, in key order.
const std::vector<Source>& sources();

// The citations of one text, in the order it first cites them.
class Citations {
 public:
  // "Egger et al. 1997", remembered for the reference list. An unknown key is a programming
  // error (std::logic_error).
  std::string cite(std::string_view key);
  // "Hartung and Knapp 2001; Sidik and Jonkman 2002".
  std::string cite(std::initializer_list<std::string_view> keys);
  // The works cited, alphabetical by citation.
  std::vector<Reference> references() const;

 private:
  std::vector<const Source*> cited_;
};

}  // namespace carta::report
